// ClusterRole (rbac.authorization.k8s.io/v1): permissions across the cluster, or a set granted
// in one namespace by a RoleBinding. Stored and validated as kube-apiserver does; nothing
// enforces it yet (access control is a later issue), and aggregation is not computed.
import type { z } from "zod";
import { list, opt, struct } from "../machinery/schema/dsl";
import { defineKind, type KObject } from "./define";
import { LabelSelector, objectSchema } from "./types/meta";
import { checkRules, PolicyRule, rbacName, roleColumns } from "./types/rbac";

const AggregationRule = struct("io.k8s.api.rbac.v1.AggregationRule", "ClusterRoles whose rules are combined into this one.", {
  clusterRoleSelectors: opt(1, list(LabelSelector, { listType: "atomic" }), "Labels of the ClusterRoles to combine."),
});

export const ClusterRoleSchema = objectSchema(
  "io.k8s.api.rbac.v1.ClusterRole",
  "A set of permissions across the cluster (or, through a RoleBinding, within a namespace).",
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "ClusterRole" },
  {
    rules: opt(2, list(PolicyRule, { listType: "atomic" }), "What the role allows."),
    aggregationRule: opt(3, AggregationRule, "ClusterRoles whose rules make up this one's."),
  },
  { check: (o, p) => checkRules((o as ClusterRole).rules, false, p) },
);
export type ClusterRole = z.infer<typeof ClusterRoleSchema> & KObject;

export const clusterRoles = defineKind<ClusterRole>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "ClusterRole",
  plural: "clusterroles",
  singular: "clusterrole",
  namespaced: false,
  schema: ClusterRoleSchema,
  nameRule: rbacName,
  allowUnconditionalUpdate: true,
  columns: roleColumns<ClusterRole>(),
});
