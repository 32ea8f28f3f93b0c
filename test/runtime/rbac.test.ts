// RBAC: rule matching and covering as kube-apiserver evaluates them, and decisions through a
// cluster: the default policy, bindings of Roles and ClusterRoles, reasons, the index dropped on
// RBAC writes, escalation checks, impersonation, reviews and ClusterRole aggregation.
import { describe, expect, it } from "vitest";
import type { Identity } from "../../worker/auth/identity";
import { compactRules, compactString, covers, ruleAllows } from "../../worker/cluster/authorization/rules";
import type { Attributes } from "../../worker/cluster/authorization/types";
import { adminIdentity, kube, newCluster, settle } from "./helpers";

const user = { username: "u", groups: ["g"] };
const res = (verb: string, apiGroup: string, resource: string, subresource = "", name = "", namespace = "ns"): Attributes => ({ user, verb, resourceRequest: true, namespace, apiGroup, resource, subresource, name, path: "" });
const path = (verb: string, p: string): Attributes => ({ user, verb, resourceRequest: false, namespace: "", apiGroup: "", resource: "", subresource: "", name: "", path: p });

describe("rule matching", () => {
  it("matches verbs, groups, resources, subresources and names as RuleAllows does", () => {
    const r = { verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"] };
    expect(ruleAllows(res("get", "", "pods"), r)).toBe(true);
    expect(ruleAllows(res("create", "", "pods"), r)).toBe(false);
    expect(ruleAllows(res("get", "apps", "pods"), r)).toBe(false);
    expect(ruleAllows(res("get", "", "pods", "log"), r)).toBe(true);
    expect(ruleAllows(res("get", "", "pods", "exec"), r)).toBe(false);
    expect(ruleAllows(res("get", "", "pods", "status"), { verbs: ["get"], apiGroups: [""], resources: ["*/status"] })).toBe(true);
    expect(ruleAllows(res("get", "", "pods"), { verbs: ["get"], apiGroups: [""], resources: ["*/status"] })).toBe(false);
    // "pods" does not reach pods' subresources; "*" reaches everything
    expect(ruleAllows(res("get", "", "pods", "log"), { verbs: ["get"], apiGroups: [""], resources: ["pods"] })).toBe(false);
    expect(ruleAllows(res("delete", "x.io", "things", "sub"), { verbs: ["*"], apiGroups: ["*"], resources: ["*"] })).toBe(true);
    const named = { verbs: ["get"], apiGroups: [""], resources: ["configmaps"], resourceNames: ["one"] };
    expect(ruleAllows(res("get", "", "configmaps", "", "one"), named)).toBe(true);
    expect(ruleAllows(res("get", "", "configmaps", "", "two"), named)).toBe(false);
    expect(ruleAllows(res("get", "", "configmaps", "", ""), named)).toBe(false);
  });

  it("matches non-resource URLs exactly or by a trailing *", () => {
    const r = { verbs: ["get"], nonResourceURLs: ["/healthz", "/apis/*"] };
    expect(ruleAllows(path("get", "/healthz"), r)).toBe(true);
    expect(ruleAllows(path("get", "/healthz/etcd"), r)).toBe(false);
    expect(ruleAllows(path("get", "/apis/apps/v1"), r)).toBe(true);
    expect(ruleAllows(path("post", "/healthz"), r)).toBe(false);
    // a resource rule never answers a path
    expect(ruleAllows(path("get", "/healthz"), { verbs: ["*"], apiGroups: ["*"], resources: ["*"] })).toBe(false);
  });

  it("covers rule by rule and lists what is missing in kube-apiserver's compact form", () => {
    const owner = [{ verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "*/status"] }];
    expect(covers(owner, [{ verbs: ["get"], apiGroups: [""], resources: ["pods", "deployments/status"] }]).ok).toBe(true);
    const { ok, missing } = covers(owner, [{ verbs: ["get", "create", "delete"], apiGroups: [""], resources: ["pods"] }]);
    expect(ok).toBe(false);
    expect(compactRules(missing).map(compactString)).toEqual(['{APIGroups:[""], Resources:["pods"], Verbs:["create" "delete"]}']);
    // names: an owner limited to names does not cover all names
    expect(covers([{ verbs: ["get"], apiGroups: [""], resources: ["secrets"], resourceNames: ["a"] }], [{ verbs: ["get"], apiGroups: [""], resources: ["secrets"] }]).ok).toBe(false);
    expect(covers([{ verbs: ["get"], nonResourceURLs: ["/api/*"] }], [{ verbs: ["get"], nonResourceURLs: ["/api/v1"] }]).ok).toBe(true);
  });
});

const as = (user: string, groups: string[] = []): Identity => ({ ...adminIdentity, impersonate: { user, groups } });
const token = (role: "admin" | "edit" | "view", name: string = role): Identity => ({ ...adminIdentity, tokenName: name, tokenId: `tok-${name}`, role });

async function ssar(stub: Awaited<ReturnType<typeof newCluster>>["stub"], id: Identity, attrs: Record<string, string>) {
  const r = await kube(stub, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", { spec: { resourceAttributes: attrs } }, { identity: id });
  expect(r.status).toBe(201);
  return r.json.status as { allowed: boolean; reason?: string };
}

describe("RBAC in a cluster", () => {
  it("decides by bindings, with kube-apiserver's reasons and Forbidden words, and sees binding changes at once", async () => {
    const { stub } = await newCluster();
    for (const ns of ["a", "b"]) await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: ns } });
    const sa = as("system:serviceaccount:a:sa");
    expect((await kube(stub, "GET", "/api/v1/namespaces/a/pods", undefined, { identity: sa })).json.message).toBe(
      'pods is forbidden: User "system:serviceaccount:a:sa" cannot list resource "pods" in API group "" in the namespace "a"',
    );
    await kube(stub, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles", { metadata: { name: "pod-reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }] });
    await kube(stub, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/a/rolebindings", {
      metadata: { name: "read-pods" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "ServiceAccount", name: "sa" }],
    });
    expect((await kube(stub, "GET", "/api/v1/namespaces/a/pods", undefined, { identity: sa })).status).toBe(200);
    expect((await kube(stub, "GET", "/api/v1/namespaces/b/pods", undefined, { identity: sa })).status).toBe(403);
    expect(await ssar(stub, sa, { verb: "list", resource: "pods", namespace: "a" })).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "read-pods/a" of Role "pod-reader" to ServiceAccount "sa/a"' });
    expect(await ssar(stub, sa, { verb: "delete", resource: "pods", namespace: "a" })).toEqual({ allowed: false });
    // A binding to a missing role: the denial says why.
    await kube(stub, "DELETE", "/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles/pod-reader");
    const gone = await kube(stub, "GET", "/api/v1/namespaces/a/pods", undefined, { identity: sa });
    expect(gone.json.message).toBe('pods is forbidden: User "system:serviceaccount:a:sa" cannot list resource "pods" in API group "" in the namespace "a": RBAC: role.rbac.authorization.k8s.io "pod-reader" not found');
    // kubedo's tokens by their groups' bindings; the superuser group by the privileged authorizer.
    expect(await ssar(stub, token("admin"), { verb: "delete", resource: "nodes" })).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "kubedo:admin" of ClusterRole "cluster-admin" to Group "kubedo:role:admin"' });
    expect((await ssar(stub, token("view"), { verb: "get", resource: "secrets", namespace: "a" })).allowed).toBe(false);
    expect((await ssar(stub, token("view"), { verb: "get", resource: "deployments", group: "apps", namespace: "a" })).allowed).toBe(true);
    expect((await ssar(stub, token("view"), { verb: "get", resource: "pods", subresource: "proxy", namespace: "a" })).allowed).toBe(false);
    expect((await ssar(stub, token("edit"), { verb: "create", resource: "secrets", namespace: "a" })).allowed).toBe(true);
    expect((await ssar(stub, token("edit"), { verb: "impersonate", resource: "users" })).allowed).toBe(false);
    expect((await kube(stub, "GET", "/metrics", undefined, { identity: as("jane") })).json.message).toBe('forbidden: User "jane" cannot get path "/metrics"');
    expect((await kube(stub, "GET", "/version", undefined, { identity: as("jane") })).status).toBe(200);
  });

  it("refuses impersonation to those without the verb, and escalation without escalate or bind", async () => {
    const { stub } = await newCluster();
    const edit = token("edit", "ed");
    const r = await kube(stub, "GET", "/api/v1/namespaces/default/pods", undefined, { identity: { ...edit, impersonate: { user: "jane", groups: [] } } });
    expect(r.json.message).toBe('users "jane" is forbidden: User "kubedo:test:ed" cannot impersonate resource "users" in API group "" at the cluster scope');
    const binding = (name: string, role: string) => ({ metadata: { name }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role }, subjects: [{ kind: "User", apiGroup: "rbac.authorization.k8s.io", name: "bob" }] });
    const bad = await kube(stub, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding("root", "cluster-admin"), { identity: edit });
    expect(bad.status).toBe(403);
    expect(bad.json.message).toBe(
      'rolebindings.rbac.authorization.k8s.io "root" is forbidden: user "kubedo:test:ed" (groups=["kubedo:role:edit" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}',
    );
    expect((await kube(stub, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", binding("viewers", "view"), { identity: edit })).status).toBe(201);
    const role = await kube(stub, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", { metadata: { name: "imp" }, rules: [{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }] }, { identity: edit });
    expect(role.json.message).toBe(
      'clusterroles.rbac.authorization.k8s.io "imp" is forbidden: user "kubedo:test:ed" (groups=["kubedo:role:edit" "system:authenticated"]) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["users"], Verbs:["impersonate"]}',
    );
    // Nothing was written.
    expect((await kube(stub, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/imp")).status).toBe(404);
    // The admin may.
    expect((await kube(stub, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", { metadata: { name: "imp" }, rules: [{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"] }] })).status).toBe(201);
  });

  it("aggregates labelled ClusterRoles into admin, edit and view, and keeps them as they change", async () => {
    const { stub } = await newCluster();
    await settle(stub);
    const view = async () => (await kube(stub, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/view")).json;
    expect((await view()).rules.length).toBeGreaterThan(3);
    expect((await view()).metadata.labels).toMatchObject({ "kubernetes.io/bootstrapping": "rbac-defaults", "rbac.authorization.k8s.io/aggregate-to-edit": "true" });
    const extra = { apiGroups: ["example.com"], resources: ["widgets"], verbs: ["get", "list", "watch"] };
    await kube(stub, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", { metadata: { name: "widgets-view", labels: { "rbac.authorization.k8s.io/aggregate-to-view": "true" } }, rules: [extra] });
    await settle(stub);
    expect((await view()).rules).toContainEqual(extra);
    // through view to edit and admin too
    expect((await kube(stub, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/admin")).json.rules).toContainEqual(extra);
    await kube(stub, "DELETE", "/apis/rbac.authorization.k8s.io/v1/clusterroles/widgets-view");
    await settle(stub);
    expect((await view()).rules).not.toContainEqual(extra);
  });
});
