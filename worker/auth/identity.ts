// Who is calling, resolved from a bearer token by the Worker and handed to the cluster object as
// an RPC argument (never as a header a client could forge), and what each role may do.

export type Role = "admin" | "edit" | "view";
export const ROLES: readonly Role[] = ["admin", "edit", "view"];

export interface Identity {
  tenantId: string;
  tenantName: string;
  tokenId: string;
  tokenName: string;
  role: Role;
  /** The one cluster the token is for, or null for every cluster of the tenant. */
  clusterId: string | null;
}

const READ_VERBS = new Set(["get", "list", "watch"]);

/** Kubernetes-style user name, shown by `kubectl auth whoami` and in Forbidden messages. */
export function userName(id: Identity): string {
  return `kubedo:${id.tenantName}:${id.tokenName}`;
}

export function userGroups(id: Identity): string[] {
  return [`kubedo:role:${id.role}`, "system:authenticated"];
}

/**
 * Whether a role may do `verb` on a resource of the kube API.
 * view reads everything but Secrets (as Kubernetes' own view role); edit and admin write objects.
 */
export function kubeAllowed(role: Role, verb: string, group: string, resource: string): boolean {
  if (role === "admin" || role === "edit") return true;
  if (group === "" && resource === "secrets") return false;
  return READ_VERBS.has(verb);
}

/** Management API: what a role may do there. */
export function manageAllowed(role: Role, action: "read" | "write" | "admin"): boolean {
  if (action === "read") return true;
  if (action === "write") return role !== "view";
  return role === "admin";
}

/** A token may not mint a more powerful one. */
export function roleAtMost(role: Role, ceiling: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(ceiling);
}
