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
  /**
   * Who the request asks to act as (Impersonate-* headers), parsed at the edge. The cluster
   * decides by RBAC whether the caller may (the `impersonate` verb); never trusted unchecked.
   */
  impersonate?: Impersonated;
  /**
   * A service-account token (a JWT a cluster signed) the request carried instead of a kubedo
   * token. The edge only reads which cluster it names; the cluster object verifies it and the
   * request acts as that ServiceAccount. tokenId is then "sa:<jti>" (for rate limits), role "view"
   * and tokenName "" (neither is used for such a request).
   */
  serviceAccountToken?: string;
  /**
   * No credentials at all: only a request from inside the cluster (a pod's curl to
   * kubernetes.default.svc) may be anonymous, as kind's kube-apiserver allows; the kube edge
   * answers 401 to a request without a token.
   */
  anonymous?: true;
}

/** A user as the API server knows it (authentication's answer): what RBAC decides for. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The group a kubedo token of `role` is in; the cluster's default bindings grant it (see the README). */
export function roleGroup(role: Role): string {
  return `kubedo:role:${role}`;
}

/** The user a kubedo token is inside a cluster: named after its tenant and token, in its role's group. */
export function kubedoUser(id: Identity): UserInfo {
  return { username: `kubedo:${id.tenantName}:${id.tokenName}`, uid: id.tokenId, groups: [roleGroup(id.role), "system:authenticated"], extra: { "kubedo.dev/tenant": [id.tenantName] } };
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
