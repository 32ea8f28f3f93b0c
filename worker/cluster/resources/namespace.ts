// Namespace (core/v1): a scope for names. Deleting one makes it Terminating until the namespace
// controller has removed everything in it (controllers/namespace.ts).
import type { z } from "zod";
import { ALWAYS, list, oneOf, opt, req, str, struct, time, UNCHECKED } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { dns1123Label } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

const CORE = "io.k8s.api.core.v1";

export const NamespaceCondition = struct(`${CORE}.NamespaceCondition`, "One aspect of a namespace's state.", {
  type: req(1, str, ALWAYS, UNCHECKED, "Such as NamespaceContentRemaining or NamespaceFinalizersRemaining."),
  status: req(2, oneOf("True", "False", "Unknown"), ALWAYS, UNCHECKED, "True, False or Unknown."),
  lastTransitionTime: opt(4, time, "When the status last changed."),
  reason: opt(5, str, "Machine-readable reason."),
  message: opt(6, str, "Human-readable details."),
});

export const NamespaceSchema = objectSchema(`${CORE}.Namespace`, "A scope for the names of objects. Deleting a namespace deletes everything in it.", { group: "", version: "v1", kind: "Namespace" }, {
  spec: opt(
    2,
    struct(`${CORE}.NamespaceSpec`, "What a namespace needs before it can be removed.", {
      finalizers: opt(1, list(str, { listType: "atomic" }), "Must be empty before the namespace is removed from storage; \"kubernetes\" is cleared once its contents are gone."),
    }),
    "The namespace's finalizers.",
  ),
  status: opt(
    3,
    struct(`${CORE}.NamespaceStatus`, "The state of a namespace.", {
      phase: opt(1, oneOf("Active", "Terminating"), "Active, or Terminating while it is being deleted."),
      conditions: opt(2, list(NamespaceCondition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "Progress of deletion."),
    }),
    "Phase and conditions.",
  ),
});

export type Namespace = z.infer<typeof NamespaceSchema> & KObject;

/** Namespaces the NamespaceLifecycle admission plugin never lets go. */
const IMMORTAL = new Set(["default", "kube-system", "kube-public"]);

/** Every namespace carries this label with its own name (immutable). */
export const NAME_LABEL = "kubernetes.io/metadata.name";

export const namespaces = defineKind<Namespace>({
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  singular: "namespace",
  namespaced: false,
  shortNames: ["ns"],
  schema: NamespaceSchema,
  // As on kube-apiserver, namespaces have no deletecollection: each is deleted on its own.
  verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
  subresources: [
    { name: "status", verbs: ["get", "patch", "update"] },
    { name: "finalize", verbs: ["update"] },
  ],
  nameRule: dns1123Label,
  deleteReturnsObject: true,
  allowUnconditionalUpdate: true,
  fieldSelectors: { "status.phase": (o) => o.status?.phase },
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the namespace.", cell: (o) => o.metadata.name ?? "" },
    { name: "Status", type: "string", description: "Active or Terminating.", cell: (o) => o.status?.phase ?? "" },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    o.metadata.labels = { ...(o.metadata.labels ?? {}), [NAME_LABEL]: o.metadata.name ?? "" };
  },
  prepareCreate(o) {
    o.spec = { ...(o.spec ?? {}), finalizers: ["kubernetes"] };
    o.status = { phase: "Active" };
  },
  prepareUpdate(o, old) {
    o.status = old.status;
    // spec.finalizers may only be changed through the finalize subresource.
    o.spec = { ...(o.spec ?? {}), finalizers: old.spec?.finalizers };
    o.metadata.labels = { ...(o.metadata.labels ?? {}), [NAME_LABEL]: o.metadata.name ?? "" };
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
  forbidDelete: (o) => (IMMORTAL.has(o.metadata.name ?? "") ? "this namespace may not be deleted" : null),
  beginDelete(o) {
    o.status = { ...(o.status ?? {}), phase: "Terminating" };
  },
  readyToRemove: (o) => !(o.spec?.finalizers?.length),
});
