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
  /** Who an admin token acts as (Impersonate-* headers), checked at the edge. */
  impersonate?: Impersonated;
}

/** The user an admin acts as: the user name, its groups (system:authenticated included), uid, extra. */
export interface Impersonated {
  user: string;
  groups: string[];
  uid?: string;
  extra?: Record<string, string[]>;
}

export function isImpersonating(id: Identity): id is Identity & { impersonate: Impersonated } {
  return id.impersonate !== undefined;
}

/** Kubernetes-style user name, shown by `kubectl auth whoami` and in Forbidden messages. */
export function userName(id: Identity): string {
  return id.impersonate?.user ?? `kubedo:${id.tenantName}:${id.tokenName}`;
}

export function userGroups(id: Identity): string[] {
  return id.impersonate?.groups ?? [`kubedo:role:${id.role}`, "system:authenticated"];
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
