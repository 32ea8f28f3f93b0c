// Impersonate-User, -Group, -Uid and -Extra-* headers, as kube-apiserver's impersonation filter
// reads them. Only an admin token may impersonate (standing in for RBAC's "impersonate" verb);
// anyone else is refused with the Forbidden kube-apiserver answers, so a request is never quietly
// answered as the caller.
import { errors, type ApiError } from "../cluster/machinery/errors";
import { userName, type Identity, type Impersonated } from "./identity";

const SA_PREFIX = "system:serviceaccount:";

/** The identity a request acts as, or the error refusing it. Without Impersonate-* headers, the caller. */
export function impersonation(caller: Identity, headers: Headers): Identity | ApiError {
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
    return caller;
  }
  // What must be allowed, in kube-apiserver's order: the user (or service account), groups, extra, uid.
  const checks: { resource: string; group: string; name: string; namespace?: string }[] = [];
  const sa = user.startsWith(SA_PREFIX) ? user.slice(SA_PREFIX.length).split(":") : null;
  if (sa && sa.length === 2) checks.push({ resource: "serviceaccounts", group: "", name: sa[1], namespace: sa[0] });
  else checks.push({ resource: "users", group: "", name: user });
  for (const g of groups) checks.push({ resource: "groups", group: "", name: g });
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) checks.push({ resource: `userextras/${k}`, group: "authentication.k8s.io", name: v });
  if (uid !== null) checks.push({ resource: "uids", group: "authentication.k8s.io", name: uid });
  if (caller.role !== "admin") {
    const c = checks[0];
    const scope = c.namespace ? `in the namespace "${c.namespace}"` : "at the cluster scope";
    return errors.forbidden(c.group, c.resource, c.name, `User "${userName(caller)}" cannot impersonate resource "${c.resource}" in API group "${c.group}" ${scope}`);
  }
  // A service account without groups of its own gets its groups, as Kubernetes gives them.
  const all = groups.length || !sa || sa.length !== 2 ? [...groups] : ["system:serviceaccounts", `system:serviceaccounts:${sa[0]}`];
  if (user === "system:anonymous") {
    if (!all.includes("system:unauthenticated")) all.push("system:unauthenticated");
  } else if (!all.includes("system:authenticated")) all.push("system:authenticated");
  const acting: Impersonated = { user, groups: all, ...(uid !== null ? { uid } : {}), ...(Object.keys(extra).length ? { extra } : {}) };
  return { ...caller, impersonate: acting };
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
