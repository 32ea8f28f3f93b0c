// ClusterRoleBinding (rbac.authorization.k8s.io/v1): grants a ClusterRole across the cluster.
// Stored and validated as kube-apiserver does; nothing enforces it yet (access control is a
// later issue).
import type { z } from "zod";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";
import { bindingCheck, bindingFields, bindingKind } from "./types/rbac";

export const ClusterRoleBindingSchema = objectSchema(
  "io.k8s.api.rbac.v1.ClusterRoleBinding",
  "Grants the permissions of a ClusterRole to subjects across the cluster.",
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRoleBinding" },
  bindingFields("The ClusterRole granted"),
  { check: bindingCheck(["ClusterRole"], false) },
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
  ...bindingKind<ClusterRoleBinding>(),
});
