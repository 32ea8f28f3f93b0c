// Continue tokens of chunked lists, shaped as kube-apiserver's (unpadded base64url JSON with
// "v":"meta.k8s.io/v1", the list's resourceVersion and where the next page starts). A token is
// opaque to clients but not trusted: one that does not decode, names another resource or
// namespace, or a revision the cluster has not reached is refused with storage's words.
import { errors } from "../machinery/errors";

export interface ContinueToken {
  /** The list's resourceVersion; -1: continue at the current one (after a 410's fresh token). */
  rv: number;
  namespace: string;
  name: string;
  /** Items the earlier pages held (for remainingItemCount without counting the rest); absent in older tokens. */
  served?: number;
}

const VERSION = "meta.k8s.io/v1";

interface Wire {
  v: string;
  rv: number;
  /** The storage key the list walks (pods, configmaps...). */
  r: string;
  ns: string;
  start: string;
  n?: number;
}

export function encodeContinue(resource: string, t: ContinueToken): string {
  const wire: Wire = { v: VERSION, rv: t.rv, r: resource, ns: t.namespace, start: t.name, ...(t.served !== undefined ? { n: t.served } : {}) };
  return btoa(JSON.stringify(wire)).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
}

function invalid(why?: string): never {
  throw errors.badRequest(`invalid continue token: continue key is not valid${why ? `: ${why}` : ""}`);
}

/**
 * A client's token for a list of `resource` (in `namespace`, or every namespace when null), at a
 * revision no later than `currentRv`.
 */
export function decodeContinue(token: string, resource: string, namespace: string | null, currentRv: number): ContinueToken {
  let wire: Partial<Wire>;
  try {
    const text = atob(token.replace(/-/g, "+").replace(/_/g, "/"));
    wire = JSON.parse(text) as Partial<Wire>;
  } catch {
    return invalid();
  }
  if (typeof wire !== "object" || wire === null) return invalid();
  if (wire.v !== VERSION) throw errors.badRequest(`invalid continue token: continue key is not valid: server does not recognize this encoded version ${String(wire.v ?? "")}`);
  if (typeof wire.rv !== "number" || !Number.isSafeInteger(wire.rv) || wire.rv === 0 || wire.rv < -1)
    throw errors.badRequest(`invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version ${VERSION})`);
  if (typeof wire.start !== "string" || wire.start === "") throw errors.badRequest(`invalid continue token: continue key is not valid: encoded start key empty (version ${VERSION})`);
  // A token made for another list, or for a revision that has not happened, was not ours.
  if (wire.r !== resource || typeof wire.ns !== "string" || (namespace !== null && wire.ns !== namespace) || wire.rv > currentRv) return invalid(wire.start);
  return { rv: wire.rv, namespace: wire.ns, name: wire.start, ...(typeof wire.n === "number" && Number.isSafeInteger(wire.n) && wire.n > 0 ? { served: wire.n } : {}) };
}
