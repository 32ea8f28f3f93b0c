// ClusterRoleBinding (rbac.authorization.k8s.io/v1): grants a ClusterRole across the cluster.
// Stored and validated as kube-apiserver does; nothing enforces it yet (access control is a
// later issue).
import type { z } from "zod";
import { ALWAYS, list, opt } from "../machinery/schema/dsl";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";
import { bindingColumns, checkRoleRef, checkSubjects, defaultBinding, rbacName, RoleRef, roleRefValue, Subject } from "./types/rbac";

export const ClusterRoleBindingSchema = objectSchema(
  "io.k8s.api.rbac.v1.ClusterRoleBinding",
  "Grants the permissions of a ClusterRole to subjects across the cluster.",
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding" },
  {
    subjects: opt(2, list(Subject, { listType: "atomic" }), "Who is granted the role."),
    roleRef: opt(3, RoleRef, ALWAYS, "The ClusterRole granted; immutable."),
  },
  {
    check(o, p) {
      const b = o as ClusterRoleBinding;
      checkRoleRef(b.roleRef, ["ClusterRole"], p);
      checkSubjects(b.subjects, false, p);
    },
  },
);
export type ClusterRoleBinding = z.infer<typeof ClusterRoleBindingSchema> & KObject;

export const clusterRoleBindings = defineKind<ClusterRoleBinding>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "ClusterRoleBinding",
  plural: "clusterrolebindings",
  singular: "clusterrolebinding",
  namespaced: false,
  schema: ClusterRoleBindingSchema,
  nameRule: rbacName,
  allowUnconditionalUpdate: true,
  columns: bindingColumns<ClusterRoleBinding>(),
  defaults: defaultBinding,
  validateUpdate(o, old, p) {
    if (JSON.stringify(o.roleRef ?? {}) !== JSON.stringify(old.roleRef ?? {})) p.invalid(["roleRef"], roleRefValue(o.roleRef), "cannot change roleRef");
  },
});
