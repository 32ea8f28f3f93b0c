// rbac.authorization.k8s.io/v1 types shared by Role, ClusterRole, RoleBinding and
// ClusterRoleBinding: rules, subjects and role references, with kube-apiserver's validation
// (pkg/apis/rbac/validation) and kubectl's columns. Stored only: nothing enforces them yet.
import type { z } from "zod";
import { ALWAYS, GoLiteral, list, opt, type Problems, str, struct } from "../../machinery/schema/dsl";
import { dns1123Subdomain, pathSegmentName } from "../../machinery/validation";
import { age } from "../../machinery/time";
import type { Column, KObject } from "../define";

const RBAC = "io.k8s.api.rbac.v1";
export const RBAC_GROUP = "rbac.authorization.k8s.io";

export const PolicyRule = struct(`${RBAC}.PolicyRule`, "Actions allowed on resources or non-resource URLs.", {
  verbs: opt(1, list(str, { listType: "atomic" }), "Verbs allowed, such as get, list, watch; '*' for all."),
  apiGroups: opt(2, list(str, { listType: "atomic" }), "API groups of the resources; \"\" is the core group, '*' all."),
  resources: opt(3, list(str, { listType: "atomic" }), "Resources the rule covers; '*' for all."),
  resourceNames: opt(4, list(str, { listType: "atomic" }), "Names the rule is limited to; empty means all."),
  nonResourceURLs: opt(5, list(str, { listType: "atomic" }), "URL paths (such as /healthz) the rule covers; ClusterRoles only."),
});
export type PolicyRuleT = z.infer<typeof PolicyRule>;

export const Subject = struct(`${RBAC}.Subject`, "A user, group or service account a binding grants a role to.", {
  kind: opt(1, str, "User, Group or ServiceAccount."),
  apiGroup: opt(2, str, "\"\" for ServiceAccount, rbac.authorization.k8s.io for User and Group."),
  name: opt(3, str, "Name of the subject."),
  namespace: opt(4, str, "Namespace of a ServiceAccount."),
});
export type SubjectT = z.infer<typeof Subject>;

export const RoleRef = struct(`${RBAC}.RoleRef`, "The role a binding grants.", {
  apiGroup: opt(1, str, "Group of the role (rbac.authorization.k8s.io)."),
  kind: opt(2, str, "Role or ClusterRole."),
  name: opt(3, str, "Name of the role."),
});
export type RoleRefT = z.infer<typeof RoleRef>;

export function checkRules(rules: PolicyRuleT[] | undefined, namespaced: boolean, p: Problems) {
  (rules ?? []).forEach((r, i) => {
    const at = p.at("rules", i);
    if (!r.verbs?.length) at.required(["verbs"], "verbs must contain at least one value");
    if (r.nonResourceURLs?.length) {
      if (namespaced) at.invalid(["nonResourceURLs"], r.nonResourceURLs, "namespaced rules cannot apply to non-resource URLs");
      if (r.apiGroups?.length || r.resources?.length || r.resourceNames?.length) at.invalid(["nonResourceURLs"], r.nonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs");
      return;
    }
    if (!r.apiGroups?.length) at.required(["apiGroups"], "resource rules must supply at least one api group");
    if (!r.resources?.length) at.required(["resources"], "resource rules must supply at least one resource");
  });
}

export function checkRoleRef(ref: RoleRefT | undefined, kinds: string[], p: Problems) {
  const r = ref ?? {};
  if (r.apiGroup !== RBAC_GROUP) p.notSupported(["roleRef", "apiGroup"], r.apiGroup ?? "", [RBAC_GROUP]);
  if (!kinds.includes(r.kind ?? "")) p.notSupported(["roleRef", "kind"], r.kind ?? "", kinds);
  if (!r.name) p.required(["roleRef", "name"]);
  else for (const e of pathSegmentName(r.name)) p.invalid(["roleRef", "name"], r.name, e);
}

export function checkSubjects(subjects: SubjectT[] | undefined, namespaced: boolean, p: Problems) {
  (subjects ?? []).forEach((s, i) => {
    const at = p.at("subjects", i);
    if (!s.name) at.required(["name"]);
    switch (s.kind) {
      case "ServiceAccount":
        if (s.name) for (const e of dns1123Subdomain(s.name)) at.invalid(["name"], s.name, e);
        if (s.apiGroup) at.notSupported(["apiGroup"], s.apiGroup, [""]);
        if (!namespaced && !s.namespace) at.required(["namespace"]);
        break;
      case "User":
      case "Group":
        if (s.apiGroup !== RBAC_GROUP) at.notSupported(["apiGroup"], s.apiGroup ?? "", [RBAC_GROUP]);
        break;
      default:
        at.notSupported(["kind"], s.kind ?? "", ["ServiceAccount", "User", "Group"]);
    }
  });
}

/** rbac/v1 defaults: a roleRef's group, and a User's or Group's group (a ServiceAccount's stays "", which JSON omits). */
export function defaultBinding(o: { roleRef?: RoleRefT; subjects?: SubjectT[] }) {
  if (o.roleRef && !o.roleRef.apiGroup) o.roleRef.apiGroup = RBAC_GROUP;
  for (const s of o.subjects ?? []) {
    if (s.kind === "ServiceAccount") {
      if (s.apiGroup === "") delete s.apiGroup;
    } else if (!s.apiGroup && (s.kind === "User" || s.kind === "Group")) s.apiGroup = RBAC_GROUP;
  }
}

/** A roleRef as kube-apiserver prints it in "cannot change roleRef" (Go's %#v of rbac.RoleRef). */
export function roleRefValue(r: RoleRefT | undefined): GoLiteral {
  return new GoLiteral(`rbac.RoleRef{APIGroup:${JSON.stringify(r?.apiGroup ?? "")}, Kind:${JSON.stringify(r?.kind ?? "")}, Name:${JSON.stringify(r?.name ?? "")}}`);
}

/** Names of RBAC objects only have to fit in a URL path segment. */
export const rbacName = pathSegmentName;

/** kubectl's columns for Roles and ClusterRoles: the name and the creation time. */
export function roleColumns<T extends KObject>(): Column<T>[] {
  return [
    { name: "Name", type: "string", format: "name", description: "Name of the role.", cell: (o) => o.metadata.name ?? "" },
    { name: "Created At", type: "date", description: "When the role was created.", cell: (o) => o.metadata.creationTimestamp ?? "" },
  ];
}

/** kubectl's columns for RoleBindings and ClusterRoleBindings. */
export function bindingColumns<T extends KObject & { roleRef?: RoleRefT; subjects?: SubjectT[] }>(): Column<T>[] {
  const of = (o: T, kind: string) =>
    (o.subjects ?? [])
      .filter((s) => s.kind === kind)
      .map((s) => (kind === "ServiceAccount" ? `${s.namespace ?? ""}/${s.name ?? ""}` : s.name ?? ""))
      .join(", ");
  return [
    { name: "Name", type: "string", format: "name", description: "Name of the binding.", cell: (o) => o.metadata.name ?? "" },
    { name: "Role", type: "string", description: "The role granted.", cell: (o) => `${o.roleRef?.kind ?? ""}/${o.roleRef?.name ?? ""}` },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    { name: "Users", type: "string", priority: 1, description: "Users granted the role.", cell: (o) => of(o, "User") },
    { name: "Groups", type: "string", priority: 1, description: "Groups granted the role.", cell: (o) => of(o, "Group") },
    { name: "ServiceAccounts", type: "string", priority: 1, description: "Service accounts granted the role.", cell: (o) => of(o, "ServiceAccount") },
  ];
}

/** The fields of RoleBinding and ClusterRoleBinding. */
export function bindingFields(granted: string) {
  return {
    subjects: opt(2, list(Subject, { listType: "atomic" }), "Who is granted the role."),
    roleRef: opt(3, RoleRef, ALWAYS, `${granted}; immutable.`),
  };
}

type Binding = KObject & { roleRef?: RoleRefT; subjects?: SubjectT[] };

/** The schema check of a binding kind: the role kinds it may grant, and whether it is namespaced. */
export function bindingCheck(roleKinds: string[], namespaced: boolean) {
  return (o: Record<string, unknown>, p: Problems) => {
    const b = o as Binding;
    checkRoleRef(b.roleRef, roleKinds, p);
    checkSubjects(b.subjects, namespaced, p);
  };
}

/** What RoleBinding and ClusterRoleBinding share as kinds: names, defaults, the immutable roleRef, columns. */
export function bindingKind<T extends Binding>() {
  return {
    nameRule: rbacName,
    allowUnconditionalUpdate: true,
    columns: bindingColumns<T>(),
    defaults: defaultBinding,
    validateUpdate(o: T, old: T, p: Problems) {
      if (JSON.stringify(o.roleRef ?? {}) !== JSON.stringify(old.roleRef ?? {})) p.invalid(["roleRef"], roleRefValue(o.roleRef), "cannot change roleRef");
    },
  };
}
