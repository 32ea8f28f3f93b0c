// What kubedo's tokens may do inside a cluster, as ordinary RBAC objects: a token of role R is in
// group kubedo:role:R (auth/identity.ts), and these ClusterRoleBindings grant each group its
// role. A cluster admin may read, change or delete them like any binding.
//   kubedo:role:admin → cluster-admin (and kubeadm's kubeadm:cluster-admins group, as kubeadm binds it)
//   kubedo:role:edit  → kubedo:edit: every ordinary verb on everything and every path, and
//                       impersonating service accounts (as `edit` may); never impersonate users
//                       or groups, escalate or bind, so it cannot hand out cluster-admin
//   kubedo:role:view  → kubedo:view: get/list/watch every kind the cluster serves but Secrets and
//                       the proxy subresources, and get on every path
import { roleGroup } from "../../auth/identity";
import { BUILT_IN } from "../resources/registry";
import type { DefaultBinding, DefaultClusterRole } from "./defaultPolicy";
import type { Rule } from "./rules";

const READ = ["get", "list", "watch"];
const EVERY_VERB = ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"];

/**
 * kubedo:view's rules. RBAC cannot subtract, so the role lists what it may read: every resource
 * and subresource of the core group the registry serves (Secrets and proxies left out), and every
 * other group whole (none of them holds Secrets or proxies). Kinds added later reach it when this
 * hook's version is bumped.
 */
export function viewRules(): Rule[] {
  const core = new Set<string>();
  const groups = new Set<string>();
  for (const def of BUILT_IN.kinds) {
    if (def.virtual || !(def.verbs ?? ["get"]).some((v) => READ.includes(v))) continue;
    if (def.group !== "") {
      groups.add(def.group);
      continue;
    }
    if (def.plural === "secrets") continue;
    core.add(def.plural);
    for (const s of def.subresources ?? []) if (s.name !== "proxy") core.add(`${def.plural}/${s.name}`);
  }
  return [
    { apiGroups: [""], resources: [...core].sort(), verbs: READ },
    { apiGroups: [...groups].sort(), resources: ["*"], verbs: READ },
    { nonResourceURLs: ["*"], verbs: ["get"] },
  ];
}

export function kubedoClusterRoles(): DefaultClusterRole[] {
  return [
    {
      name: "kubedo:edit",
      rules: [
        { apiGroups: ["*"], resources: ["*"], verbs: EVERY_VERB },
        { apiGroups: [""], resources: ["serviceaccounts"], verbs: ["impersonate"] },
        { nonResourceURLs: ["*"], verbs: ["*"] },
      ],
    },
    { name: "kubedo:view", rules: viewRules() },
  ];
}

const group = (name: string) => ({ kind: "Group" as const, name });

export const KUBEDO_BINDINGS: DefaultBinding[] = [
  { name: "kubedo:admin", role: "cluster-admin", subjects: [group(roleGroup("admin"))] },
  { name: "kubeadm:cluster-admins", role: "cluster-admin", subjects: [group("kubeadm:cluster-admins")] },
  { name: "kubedo:edit", role: "kubedo:edit", subjects: [group(roleGroup("edit"))] },
  { name: "kubedo:view", role: "kubedo:view", subjects: [group(roleGroup("view"))] },
];
