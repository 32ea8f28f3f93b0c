// What an identity may do in a cluster, as policy rules (the shape RBAC's rules have, so that
// `kubectl auth can-i --list` shows them and RBAC can later add bound roles beside them).
// A token's role gives its rules; an impersonated user, before RBAC exists, gets only what every
// authenticated user of a kind cluster gets (discovery, health, reviewing itself), unless a group
// kind binds to cluster-admin is impersonated too.
import { isImpersonating, type Identity } from "./identity";

export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

export interface Rules {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
}

/** Groups that kind's clusters bind to cluster-admin (kubeadm's bootstrap, and the superuser group). */
export const ADMIN_GROUPS = ["system:masters", "kubeadm:cluster-admins"];

const READ = ["get", "list", "watch"];
const ALL: Rules = { resourceRules: [{ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }], nonResourceRules: [{ verbs: ["*"], nonResourceURLs: ["*"] }] };

/** system:basic-user, system:discovery and system:public-info-viewer, as every kind cluster has them. */
const AUTHENTICATED: Rules = {
  resourceRules: [
    { verbs: ["create"], apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"] },
    { verbs: ["create"], apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"] },
  ],
  nonResourceRules: [
    { verbs: ["get"], nonResourceURLs: ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"] },
  ],
};

/** The view role reads everything but Secrets, like Kubernetes' own view role. */
const VIEW: Rules = {
  resourceRules: [
    { verbs: READ, apiGroups: ["*"], resources: ["*"] },
    ...AUTHENTICATED.resourceRules,
  ],
  nonResourceRules: [{ verbs: ["get"], nonResourceURLs: ["*"] }],
};

export function rulesFor(id: Identity): Rules {
  if (isImpersonating(id)) return id.impersonate.groups.some((g) => ADMIN_GROUPS.includes(g)) ? ALL : AUTHENTICATED;
  return id.role === "view" ? VIEW : ALL;
}

const has = (list: string[], v: string) => list.includes("*") || list.includes(v);

/** Whether `id` may do `verb` on `resource` (a plural, or plural/subresource) of `group`. */
export function allowed(id: Identity, verb: string, group: string, resource: string): boolean {
  // Secrets stay out of the view role's reach, whatever its wildcard read rule says.
  if (!isImpersonating(id) && id.role === "view" && group === "" && resource.split("/")[0] === "secrets") return false;
  // Nor may it reach pods through the proxy subresources (a GET there is any request to a pod), as Kubernetes' view role may not.
  if (!isImpersonating(id) && id.role === "view" && group === "" && resource.endsWith("/proxy")) return false;
  return rulesFor(id).resourceRules.some((r) => has(r.verbs, verb) && has(r.apiGroups, group) && (has(r.resources, resource) || has(r.resources, resource.split("/")[0] + "/*")));
}

/** Whether `id` may send `verb` (get, post, …) to a path outside the resource API (/healthz, /metrics). */
export function allowedPath(id: Identity, verb: string, path: string): boolean {
  return rulesFor(id).nonResourceRules.some(
    (r) => has(r.verbs, verb) && r.nonResourceURLs.some((u) => u === "*" || u === path || (u.endsWith("*") && path.startsWith(u.slice(0, -1)))),
  );
}
