// Role (rbac.authorization.k8s.io/v1): permissions within one namespace. Stored and validated
// as kube-apiserver does, so manifests that carry RBAC apply; nothing enforces it yet (access
// control is a later issue).
import type { z } from "zod";
import { list, opt } from "../machinery/schema/dsl";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";
import { checkRules, PolicyRule, rbacName, roleColumns } from "./types/rbac";

export const RoleSchema = objectSchema(
  "io.k8s.api.rbac.v1.Role",
  "A set of permissions within a namespace, granted by RoleBindings.",
  { group: "rbac.authorization.k8s.io", version: "v1", kind: "Role" },
  { rules: opt(2, list(PolicyRule, { listType: "atomic" }), "What the role allows.") },
  { check: (o, p) => checkRules((o as Role).rules, true, p) },
);
export type Role = z.infer<typeof RoleSchema> & KObject;

export const roles = defineKind<Role>({
  group: "rbac.authorization.k8s.io",
  version: "v1",
  kind: "Role",
  plural: "roles",
  singular: "role",
  namespaced: true,
  schema: RoleSchema,
  nameRule: rbacName,
  allowUnconditionalUpdate: true,
  columns: roleColumns<Role>(),
});
