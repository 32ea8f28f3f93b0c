// Impersonate-User, -Group, -Uid and -Extra-* headers, read at the edge as kube-apiserver's
// impersonation filter reads them. The edge only parses: whether the caller may act as that user
// is decided inside the cluster, by RBAC's `impersonate` verb (cluster/authorization/impersonation.ts).
import { errors, type ApiError } from "../cluster/machinery/errors";
import type { Impersonated } from "./identity";

/**
 * Who the request asks to act as, exactly as asked (the groups as sent, nothing added), or
 * undefined without Impersonate-* headers, or the 400 kube-apiserver answers a malformed ask with.
 */
export function parseImpersonation(headers: Headers): Impersonated | undefined | ApiError {
  const user = headers.get("impersonate-user");
  const groups = headerValues(headers, "impersonate-group");
  const uid = headers.get("impersonate-uid");
  const extra: Record<string, string[]> = {};
  headers.forEach((v, k) => {
    if (!k.startsWith("impersonate-extra-")) return;
    const key = decodeExtraKey(k.slice("impersonate-extra-".length));
    extra[key] = [...(extra[key] ?? []), ...v.split(",").map((s) => s.trim())];
  });
  if (user === null) {
    if (groups.length || uid !== null || Object.keys(extra).length)
      return errors.badRequest(`requested ${[...groups.map((g) => `Impersonate-Group: ${g}`), ...(uid !== null ? [`Impersonate-Uid: ${uid}`] : [])].join(", ") || "extra impersonation"} without impersonating a user`);
    return undefined;
  }
  return { user, groups, ...(uid !== null ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
}

function headerValues(headers: Headers, name: string): string[] {
  const v = headers.get(name);
  return v === null ? [] : v.split(",").map((s) => s.trim()).filter(Boolean);
}

/** Extra keys travel percent-encoded in header names (RFC 7230 tokens). */
function decodeExtraKey(k: string): string {
  try {
    return decodeURIComponent(k);
  } catch {
    return k;
  }
}
