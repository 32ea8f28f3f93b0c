// RoleBinding (rbac.authorization.k8s.io/v1): grants a Role or ClusterRole within a namespace.
// Stored and validated as kube-apiserver does; nothing enforces it yet (access control is a
// later issue).
import type { z } from "zod";
import { ALWAYS, list, opt } from "../machinery/schema/dsl";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";
import { bindingColumns, checkRoleRef, checkSubjects, defaultBinding, rbacName, RoleRef, roleRefValue, Subject } from "./types/rbac";

export const RoleBindingSchema = objectSchema(
  "io.k8s.api.rbac.v1.RoleBinding",
  "Grants the permissions of a Role or ClusterRole to subjects within a namespace.",
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding" },
  {
    subjects: opt(2, list(Subject, { listType: "atomic" }), "Who is granted the role."),
    roleRef: opt(3, RoleRef, ALWAYS, "The role granted; immutable."),
  },
  {
    check(o, p) {
      const b = o as RoleBinding;
      checkRoleRef(b.roleRef, ["Role", "ClusterRole"], p);
      checkSubjects(b.subjects, true, p);
    },
  },
);
export type RoleBinding = z.infer<typeof RoleBindingSchema> & KObject;

export const roleBindings = defineKind<RoleBinding>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "RoleBinding",
  plural: "rolebindings",
  singular: "rolebinding",
  namespaced: true,
  schema: RoleBindingSchema,
  nameRule: rbacName,
  allowUnconditionalUpdate: true,
  columns: bindingColumns<RoleBinding>(),
  defaults: defaultBinding,
  validateUpdate(o, old, p) {
    if (JSON.stringify(o.roleRef ?? {}) !== JSON.stringify(old.roleRef ?? {})) p.invalid(["roleRef"], roleRefValue(o.roleRef), "cannot change roleRef");
  },
});
