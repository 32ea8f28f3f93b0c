// RoleBinding (rbac.authorization.k8s.io/v1): grants a Role or ClusterRole within a namespace.
// Stored and validated as kube-apiserver does; nothing enforces it yet (access control is a
// later issue).
import type { z } from "zod";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";
import { bindingCheck, bindingFields, bindingKind } from "./types/rbac";

export const RoleBindingSchema = objectSchema(
  "io.k8s.api.rbac.v1.RoleBinding",
  "Grants the permissions of a Role or ClusterRole to subjects within a namespace.",
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "RoleBinding" },
  bindingFields("The Role or ClusterRole granted"),
  { check: bindingCheck(["Role", "ClusterRole"], true) },
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
  ...bindingKind<RoleBinding>(),
});
