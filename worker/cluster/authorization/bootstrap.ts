// The post-start hooks that put RBAC's default policy in a cluster: kube-apiserver's
// "rbac/bootstrap-roles" (defaultPolicy.ts), and kubedo's own bindings for its tokens' groups
// (kubedoPolicy.ts), which a cluster admin can read and change like any other binding.
// As kube-apiserver's reconciliation does: what is missing is made; an existing object
// annotated rbac.authorization.kubernetes.io/autoupdate=true regains rules, labels and subjects
// it lost; nothing a user added is taken away.
import type { ApiServer } from "../api/apiserver";
import type { PostStartHook } from "../api/postStart";
import { clusterRoles } from "../resources/clusterrole";
import { clusterRoleBindings } from "../resources/clusterrolebinding";
import type { KObject } from "../resources/define";
import { CLUSTER_ROLE_BINDINGS, CLUSTER_ROLES, type DefaultBinding, type DefaultClusterRole } from "./defaultPolicy";
import { KUBEDO_BINDINGS, kubedoClusterRoles } from "./kubedoPolicy";
import { covers, type Rule } from "./rules";

export const AUTOUPDATE = "rbac.authorization.kubernetes.io/autoupdate";
const BOOTSTRAP_LABELS = { "kubernetes.io/bootstrapping": "rbac-defaults" };
const MANAGER = "kube-apiserver";

type Meta = { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
type StoredRole = KObject & { rules?: Rule[]; aggregationRule?: { clusterRoleSelectors?: { matchLabels?: Record<string, string> }[] } };
type StoredBinding = KObject & { subjects?: { kind?: string; name?: string; namespace?: string; apiGroup?: string }[] };

function roleObject(r: DefaultClusterRole, labels: Record<string, string>): KObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name: r.name, labels: { ...(r.labels ?? {}), ...labels }, annotations: { [AUTOUPDATE]: "true" } },
    ...(r.aggregateFrom ? { aggregationRule: { clusterRoleSelectors: r.aggregateFrom.map((m) => ({ matchLabels: m })) }, rules: [] } : { rules: r.rules ?? [] }),
  } as KObject;
}

function subjectOf(s: DefaultBinding["subjects"][number]) {
  return s.kind === "ServiceAccount" ? { kind: s.kind, name: s.name, namespace: s.namespace } : { kind: s.kind, apiGroup: "rbac.authorization.k8s.io", name: s.name };
}

function bindingObject(b: DefaultBinding, labels: Record<string, string>): KObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name: b.name, labels: { ...labels }, annotations: { [AUTOUPDATE]: "true" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: b.role },
    subjects: b.subjects.map(subjectOf),
  } as KObject;
}

/** Labels the object lacks, put back. */
function withLabels(meta: Meta, labels: Record<string, string>): Record<string, string> | null {
  const missing = Object.entries(labels).filter(([k, v]) => meta.labels?.[k] !== v);
  return missing.length ? { ...(meta.labels ?? {}), ...Object.fromEntries(missing) } : null;
}

export function reconcileRole(api: ApiServer, r: DefaultClusterRole, labels: Record<string, string>): void {
  const want = roleObject(r, labels) as StoredRole;
  const have = api.peek<StoredRole>("rbac.authorization.k8s.io/clusterroles", "", r.name);
  if (!have) {
    api.create(clusterRoles, "", want, { manager: MANAGER });
    return;
  }
  if (have.metadata.annotations?.[AUTOUPDATE] !== "true") return;
  const next = structuredClone(have);
  let changed = false;
  const l = withLabels(have.metadata, want.metadata.labels ?? {});
  if (l) (next.metadata.labels = l), (changed = true);
  if (r.aggregateFrom) {
    if (JSON.stringify(have.aggregationRule ?? {}) !== JSON.stringify(want.aggregationRule)) (next.aggregationRule = want.aggregationRule), (changed = true);
  } else {
    const missing = covers(have.rules ?? [], r.rules ?? []);
    if (!missing.ok) (next.rules = [...(have.rules ?? []), ...missing.missing]), (changed = true);
  }
  if (changed) api.update(clusterRoles, "", r.name, next, { manager: MANAGER });
}

export function reconcileBinding(api: ApiServer, b: DefaultBinding, labels: Record<string, string>): void {
  const want = bindingObject(b, labels) as StoredBinding;
  const have = api.peek<StoredBinding>("rbac.authorization.k8s.io/clusterrolebindings", "", b.name);
  if (!have) {
    api.create(clusterRoleBindings, "", want, { manager: MANAGER });
    return;
  }
  if (have.metadata.annotations?.[AUTOUPDATE] !== "true") return;
  const next = structuredClone(have);
  let changed = false;
  const l = withLabels(have.metadata, want.metadata.labels ?? {});
  if (l) (next.metadata.labels = l), (changed = true);
  const same = (x: { kind?: string; name?: string; namespace?: string }, y: { kind?: string; name?: string; namespace?: string }) => x.kind === y.kind && x.name === y.name && (x.namespace ?? "") === (y.namespace ?? "");
  const missing = (want.subjects ?? []).filter((s) => !(have.subjects ?? []).some((h) => same(h, s)));
  if (missing.length) (next.subjects = [...(have.subjects ?? []), ...missing]), (changed = true);
  if (changed) api.update(clusterRoleBindings, "", b.name, next, { manager: MANAGER });
}

/** kube-apiserver's "rbac/bootstrap-roles": the default ClusterRoles and ClusterRoleBindings. */
export const rbacBootstrapRoles: PostStartHook = {
  name: "rbac/bootstrap-roles",
  version: 1,
  run(api) {
    for (const r of CLUSTER_ROLES) reconcileRole(api, r, BOOTSTRAP_LABELS);
    for (const b of CLUSTER_ROLE_BINDINGS) reconcileBinding(api, b, BOOTSTRAP_LABELS);
  },
};

/** kubedo's roles for its tokens' groups and the bindings that grant them (see kubedoPolicy.ts). */
export const kubedoTokenBindings: PostStartHook = {
  name: "kubedo/token-roles",
  version: 1,
  run(api) {
    const labels = { "app.kubernetes.io/managed-by": "kubedo" };
    for (const r of kubedoClusterRoles()) reconcileRole(api, r, labels);
    for (const b of KUBEDO_BINDINGS) reconcileBinding(api, b, labels);
  },
};
