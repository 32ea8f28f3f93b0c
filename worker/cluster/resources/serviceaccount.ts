// ServiceAccount (core/v1): the identity pods run as. Every namespace gets a "default" one from
// controllers/serviceaccounts.ts.
import type { z } from "zod";
import { bool, list, opt, PTR } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind, type KObject } from "./define";
import { LocalObjectReference, ObjectReference } from "./types/core";
import { objectSchema } from "./types/meta";

export const ServiceAccountSchema = objectSchema(
  "io.k8s.api.core.v1.ServiceAccount",
  "An identity for processes running in pods.",
  { group: "", version: "v1", kind: "ServiceAccount" },
  {
    secrets: opt(2, list(ObjectReference, { key: "name", strategy: "merge" }), "Secrets pods of this account may use (legacy)."),
    imagePullSecrets: opt(3, list(LocalObjectReference, { listType: "atomic" }), "Registry credentials added to pods of this account."),
    automountServiceAccountToken: opt(4, bool, PTR, "Whether pods of this account mount a token by default."),
  },
);

export type ServiceAccount = z.infer<typeof ServiceAccountSchema> & KObject;

export const serviceaccounts = defineKind<ServiceAccount>({
  group: "",
  version: "v1",
  kind: "ServiceAccount",
  plural: "serviceaccounts",
  singular: "serviceaccount",
  namespaced: true,
  shortNames: ["sa"],
  schema: ServiceAccountSchema,
  allowUnconditionalUpdate: true,
  // TokenRequest: subresources/serviceAccountToken.ts answers it.
  subresources: [{ name: "token", kind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" }, verbs: ["create"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the account.", cell: (o) => o.metadata.name ?? "" },
    { name: "Secrets", type: "integer", description: "Number of secrets.", cell: (o) => o.secrets?.length ?? 0 },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
});
