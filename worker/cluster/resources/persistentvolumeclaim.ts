// PersistentVolumeClaim (core/v1): a request for storage, bound to a PersistentVolume by the PV
// controller (controllers/persistentVolumeBinder.ts), statically or through its class's
// provisioner. Its spec is immutable after creation but for a bound claim's storage request
// (expansion, admission/persistentVolumeClaimResize.ts), the class a claim without one is given,
// and the volume it binds to.
import type { z } from "zod";
import { list, map, mapKey, oneOf, opt, quantity, str, struct, time, type Problems } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { statusHooks } from "./workload";
import { accessModesText } from "./persistentvolume";
import { claimSpecDiff } from "./claimSpecDiff";
import { compareQuantities } from "../machinery/quantity";
import { defineKind, type KObject } from "./define";
import { PersistentVolumeClaimSpec } from "./types/core";
import { objectSchema } from "./types/meta";

const CORE = "io.k8s.api.core.v1";

export const PersistentVolumeClaimSchema = objectSchema(
  `${CORE}.PersistentVolumeClaim`,
  "A user's request for storage, bound to a PersistentVolume that satisfies it.",
  { group: "", version: "v1", kind: "PersistentVolumeClaim" },
  {
    spec: opt(2, PersistentVolumeClaimSpec, "The storage asked for."),
    status: opt(
      3,
      struct(`${CORE}.PersistentVolumeClaimStatus`, "How the claim stands.", {
        phase: opt(1, oneOf("Pending", "Bound", "Lost"), "Pending, Bound or Lost."),
        accessModes: opt(2, list(str, { listType: "atomic" }), "Access modes of the bound volume."),
        capacity: opt(3, map(quantity), "Capacity of the bound volume."),
        conditions: opt(
          4,
          list(
            struct(`${CORE}.PersistentVolumeClaimCondition`, "One aspect of the claim's state.", {
              type: opt(1, str, "Condition type."),
              status: opt(2, str, "True, False or Unknown."),
              lastProbeTime: opt(3, time, "When last probed."),
              lastTransitionTime: opt(4, time, "When the status last changed."),
              reason: opt(5, str, "Machine-readable reason."),
              message: opt(6, str, "Human-readable details."),
            }),
            { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] },
          ),
          "Conditions.",
        ),
      }),
      "How the claim stands.",
    ),
  },
  {
    check(o, p) {
      const c = o as PersistentVolumeClaim;
      if (!c.spec?.accessModes?.length) p.required(["spec", "accessModes"], "at least 1 access mode is required");
      // kube-apiserver names the missing request as spec.resources[storage].
      if (!c.spec?.resources?.requests?.storage) p.required(["spec", "resources", mapKey("storage")]);
    },
  },
);
export type PersistentVolumeClaim = z.infer<typeof PersistentVolumeClaimSchema> & KObject;

export const persistentVolumeClaims = defineKind<PersistentVolumeClaim>({
  group: "",
  version: "v1",
  kind: "PersistentVolumeClaim",
  plural: "persistentvolumeclaims",
  singular: "persistentvolumeclaim",
  namespaced: true,
  shortNames: ["pvc"],
  schema: PersistentVolumeClaimSchema,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the claim.", cell: (o) => o.metadata.name ?? "" },
    { name: "Status", type: "string", description: "Pending, Bound or Lost.", cell: (o) => (o.metadata.deletionTimestamp ? "Terminating" : (o.status?.phase ?? "")) },
    { name: "Volume", type: "string", description: "The bound volume.", cell: (o) => o.spec?.volumeName ?? "" },
    { name: "Capacity", type: "string", description: "Capacity of the bound volume.", cell: (o) => String(o.status?.capacity?.storage ?? "") },
    { name: "Access Modes", type: "string", description: "Access modes of the bound volume.", cell: (o) => accessModesText(o.status?.accessModes) },
    { name: "StorageClass", type: "string", description: "The claim's storage class.", cell: (o) => o.spec?.storageClassName ?? "<unset>" },
    { name: "VolumeAttributesClass", type: "string", description: "The claim's volume attributes class.", cell: (o) => o.spec?.volumeAttributesClassName ?? "<unset>" },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    { name: "VolumeMode", type: "string", priority: 1, description: "Filesystem or Block.", cell: (o) => o.spec?.volumeMode ?? "" },
  ],
  defaults(o) {
    o.spec ??= {};
    o.spec.volumeMode ??= "Filesystem";
  },
  prepareCreate(o) {
    o.status = { phase: "Pending" };
  },
  ...statusHooks<PersistentVolumeClaim>(),
  validateUpdate(o, old, p, subresource) {
    if (subresource === "status") return;
    checkSpecUpdate(o, old, p);
  },
});

const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

/** ValidatePersistentVolumeClaimUpdate: what of a claim's spec may change, and how. */
function checkSpecUpdate(o: PersistentVolumeClaim, old: PersistentVolumeClaim, p: Problems) {
  const next = structuredClone(o.spec ?? {});
  const prev = structuredClone(old.spec ?? {});
  // The volume is named once, when the claim binds.
  if (!prev.volumeName) prev.volumeName = next.volumeName;
  // A claim without a class may be given one (the default class, given later).
  if (prev.storageClassName == null && next.storageClassName != null && !old.metadata.annotations?.[BETA_CLASS_ANNOTATION]) prev.storageClassName = next.storageClassName;
  const bound = old.status?.phase === "Bound";
  if (bound && next.resources?.requests) next.resources.requests.storage = prev.resources?.requests?.storage ?? next.resources.requests.storage;
  const diff = claimSpecDiff(prev, next);
  if (diff !== null) p.forbidden(["spec"], `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n${diff}`);
  const newSize = o.spec?.resources?.requests?.storage;
  const oldSize = old.spec?.resources?.requests?.storage;
  const statusSize = old.status?.capacity?.storage;
  // RecoverVolumeExpansionFailure: a request may come back down, but not to what the volume has.
  if (newSize !== undefined && oldSize !== undefined && compareQuantities(newSize, oldSize) < 0 && (statusSize === undefined || compareQuantities(newSize, statusSize) <= 0))
    p.forbidden(["spec", "resources", "requests", "storage"], "field can not be less than status.capacity");
  if ((o.spec?.volumeMode ?? "") !== (old.spec?.volumeMode ?? "")) p.invalid(["volumeMode"], o.spec?.volumeMode ?? "", "field is immutable");
}
