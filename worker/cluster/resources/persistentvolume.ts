// PersistentVolume (core/v1): a piece of storage in the cluster, made by an administrator or by a
// provisioner, bound to at most one claim (spec.claimRef). The PV controller
// (controllers/persistentVolumeBinder.ts) moves it through Pending, Available, Bound, Released
// and Failed.
import type { z } from "zod";
import { bool, inline, list, map, oneOf, opt, PTR, quantity, req, str, strMap, struct, time } from "../machinery/schema/dsl";
import { formatTime, age } from "../machinery/time";
import { dns1123Subdomain } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { HostPathVolumeSource, NFSVolumeSource, NodeSelector, ObjectReference, SecretReference } from "./types/core";
import { objectSchema } from "./types/meta";

const CORE = "io.k8s.api.core.v1";

export const ACCESS_MODES = ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"] as const;
const RECLAIM_POLICIES = ["Delete", "Recycle", "Retain"];

/** kubectl's short access modes ("RWO,RWX"), in Kubernetes' fixed order whatever the list's. */
export function accessModesText(modes: readonly string[] | undefined): string {
  const short: Record<string, string> = { ReadWriteOnce: "RWO", ReadOnlyMany: "ROX", ReadWriteMany: "RWX", ReadWriteOncePod: "RWOP" };
  return ACCESS_MODES.filter((m) => modes?.includes(m))
    .map((m) => short[m])
    .join(",");
}

const LocalVolumeSource = struct(`${CORE}.LocalVolumeSource`, "A disk, partition or directory of one node.", {
  path: req(1, str, "Full path to the volume on the node."),
  fsType: opt(2, str, PTR, "File system type, when path is a block device."),
});

const CSIPersistentVolumeSource = struct(`${CORE}.CSIPersistentVolumeSource`, "Storage managed by an external CSI driver.", {
  driver: req(1, str, "Name of the driver."),
  volumeHandle: req(2, str, "The driver's name for the volume."),
  readOnly: opt(3, bool, "Mount read-only."),
  fsType: opt(4, str, "File system type."),
  volumeAttributes: opt(5, strMap, "The driver's attributes of the volume."),
  controllerPublishSecretRef: opt(6, SecretReference, "Secret for ControllerPublishVolume."),
  nodeStageSecretRef: opt(7, SecretReference, "Secret for NodeStageVolume."),
  nodePublishSecretRef: opt(8, SecretReference, "Secret for NodePublishVolume."),
  controllerExpandSecretRef: opt(9, SecretReference, "Secret for ControllerExpandVolume."),
  nodeExpandSecretRef: opt(10, SecretReference, "Secret for NodeExpandVolume."),
});

/** The volume sources a PersistentVolume may have (exactly one). */
const PV_SOURCES = {
  hostPath: opt(3, HostPathVolumeSource, "A directory of the node (single-node testing; what local-path-provisioner makes)."),
  nfs: opt(5, NFSVolumeSource, "An NFS export."),
  local: opt(20, LocalVolumeSource, "A disk or directory of one node; needs nodeAffinity."),
  csi: opt(22, CSIPersistentVolumeSource, "A volume of a CSI driver."),
};
const PV_SOURCE_NAMES = Object.keys(PV_SOURCES);

const PersistentVolumeSpec = struct(`${CORE}.PersistentVolumeSpec`, "The volume: its size, source, access modes and who may claim it.", {
  capacity: opt(1, map(quantity), "Size of the volume (storage: 10Gi)."),
  ...inline(2, PV_SOURCES),
  accessModes: opt(3, list(str, { listType: "atomic" }), "How the volume may be mounted: ReadWriteOnce, ReadOnlyMany, ReadWriteMany, ReadWriteOncePod."),
  claimRef: opt(4, ObjectReference, "The claim bound to this volume (or reserved for it)."),
  persistentVolumeReclaimPolicy: opt(5, str, "What happens when the claim goes: Retain (the default for volumes made by hand), Delete, or Recycle."),
  storageClassName: opt(6, str, "The class the volume belongs to; empty: no class."),
  mountOptions: opt(7, list(str, { listType: "atomic" }), "Mount options, such as [\"ro\", \"soft\"]."),
  volumeMode: opt(8, oneOf("Block", "Filesystem"), PTR, "Filesystem (the default) or Block."),
  nodeAffinity: opt(
    9,
    struct(`${CORE}.VolumeNodeAffinity`, "The nodes the volume can be reached from.", {
      required: opt(1, NodeSelector, "Nodes that must match for the volume to be used."),
    }),
    "The nodes the volume can be reached from; pods using it are scheduled there.",
  ),
  volumeAttributesClassName: opt(10, str, PTR, "The VolumeAttributesClass of the volume."),
});

export const PersistentVolumeSchema = objectSchema(
  `${CORE}.PersistentVolume`,
  "A piece of storage in the cluster, provisioned by an administrator or dynamically through a StorageClass, bound to at most one claim.",
  { group: "", version: "v1", kind: "PersistentVolume" },
  {
    spec: opt(2, PersistentVolumeSpec, "The volume."),
    status: opt(
      3,
      struct(`${CORE}.PersistentVolumeStatus`, "Where the volume is in its life.", {
        phase: opt(1, str, "Pending, Available, Bound, Released or Failed."),
        message: opt(2, str, "Why the volume is in this phase."),
        reason: opt(3, str, "A short reason for a failure."),
        lastPhaseTransitionTime: opt(4, time, "When the phase last changed."),
      }),
      "Where the volume is in its life.",
    ),
  },
  {
    check(o, p) {
      const spec = (o as PersistentVolume).spec ?? {};
      const at = p.at("spec");
      const capacity = spec.capacity ?? {};
      if (!Object.keys(capacity).length) at.required(["capacity"]);
      else if (capacity.storage === undefined || Object.keys(capacity).length > 1) at.notSupported(["capacity"], capacity, ["storage"]);
      if (!spec.accessModes?.length) at.required(["accessModes"]);
      for (const m of spec.accessModes ?? []) if (!(ACCESS_MODES as readonly string[]).includes(m)) at.notSupported(["accessModes"], m, [...ACCESS_MODES]);
      if (spec.accessModes?.includes("ReadWriteOncePod") && spec.accessModes.length > 1) at.forbidden(["accessModes"], "may not use ReadWriteOncePod with other access modes");
      if (spec.persistentVolumeReclaimPolicy && !RECLAIM_POLICIES.includes(spec.persistentVolumeReclaimPolicy)) at.notSupported(["persistentVolumeReclaimPolicy"], spec.persistentVolumeReclaimPolicy, RECLAIM_POLICIES);
      if (spec.storageClassName) for (const e of dns1123Subdomain(spec.storageClassName)) at.invalid(["storageClassName"], spec.storageClassName, e);
      const set = PV_SOURCE_NAMES.filter((k) => (spec as Record<string, unknown>)[k] !== undefined);
      if (!set.length) at.required([], "must specify a volume type");
      else if (set.length > 1) at.forbidden([set[1]], "may not specify more than 1 volume type");
      if (spec.hostPath?.path?.split("/").includes("..")) at.invalid(["hostPath", "path"], spec.hostPath.path, "must not contain '..'");
      if (spec.local) {
        if (!spec.local.path) at.required(["local", "path"]);
        if (!spec.nodeAffinity) at.required(["nodeAffinity"], "Local volume requires node affinity");
      }
      if (spec.nodeAffinity && !spec.nodeAffinity.required) at.required(["nodeAffinity", "required"], "must have at least one node selector term");
      if (spec.nodeAffinity?.required && !spec.nodeAffinity.required.nodeSelectorTerms?.length) at.required(["nodeAffinity", "required", "nodeSelectorTerms"], "must have at least one node selector term");
      if (spec.hostPath?.path === "/" && spec.persistentVolumeReclaimPolicy === "Recycle") at.forbidden(["persistentVolumeReclaimPolicy"], "may not be 'recycle' for a hostPath mount of '/'");
    },
  },
);
export type PersistentVolume = z.infer<typeof PersistentVolumeSchema> & KObject;

/** The volume's source, for comparing (it may not change after creation). */
export function volumeSource(pv: PersistentVolume): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of PV_SOURCE_NAMES) if ((pv.spec as Record<string, unknown> | undefined)?.[k] !== undefined) out[k] = (pv.spec as Record<string, unknown>)[k];
  return out;
}

/** The class of a volume: spec.storageClassName or the beta annotation older manifests use. */
export function volumeClass(pv: PersistentVolume): string {
  return pv.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"] ?? pv.spec?.storageClassName ?? "";
}

export const persistentVolumes = defineKind<PersistentVolume>({
  group: "",
  version: "v1",
  kind: "PersistentVolume",
  plural: "persistentvolumes",
  singular: "persistentvolume",
  namespaced: false,
  shortNames: ["pv"],
  schema: PersistentVolumeSchema,
  allowUnconditionalUpdate: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the volume.", cell: (o) => o.metadata.name ?? "" },
    { name: "Capacity", type: "string", description: "Size of the volume.", cell: (o) => String(o.spec?.capacity?.storage ?? "") },
    { name: "Access Modes", type: "string", description: "How the volume may be mounted.", cell: (o) => accessModesText(o.spec?.accessModes) },
    { name: "Reclaim Policy", type: "string", description: "What happens to the volume when its claim goes.", cell: (o) => o.spec?.persistentVolumeReclaimPolicy ?? "" },
    { name: "Status", type: "string", description: "Pending, Available, Bound, Released or Failed.", cell: (o) => (o.metadata.deletionTimestamp ? "Terminating" : (o.status?.phase ?? "")) },
    { name: "Claim", type: "string", description: "The claim bound to the volume.", cell: (o) => (o.spec?.claimRef ? `${o.spec.claimRef.namespace ?? ""}/${o.spec.claimRef.name ?? ""}` : "") },
    { name: "StorageClass", type: "string", description: "StorageClass of the pv", cell: (o) => volumeClass(o) },
    { name: "VolumeAttributesClass", type: "string", description: "VolumeAttributesClass of the pv", cell: (o) => o.spec?.volumeAttributesClassName ?? "<unset>" },
    { name: "Reason", type: "string", description: "Why the volume failed.", cell: (o) => o.status?.reason ?? "" },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    { name: "VolumeMode", type: "string", priority: 1, description: "Filesystem or Block.", cell: (o) => o.spec?.volumeMode ?? "" },
  ],
  defaults(o) {
    o.spec ??= {};
    o.spec.persistentVolumeReclaimPolicy ??= "Retain";
    o.spec.volumeMode ??= "Filesystem";
    if (o.spec.hostPath && o.spec.hostPath.type == null) o.spec.hostPath.type = "";
  },
  prepareCreate(o, ctx) {
    o.status = { phase: "Pending", lastPhaseTransitionTime: formatTime(ctx.now) };
  },
  prepareUpdate(o, old) {
    o.status = old.status;
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
  validateUpdate(o, old, p, subresource) {
    if (subresource === "status") return;
    if (JSON.stringify(volumeSource(o)) !== JSON.stringify(volumeSource(old))) p.forbidden(["spec", "persistentvolumesource"], "spec.persistentvolumesource is immutable after creation");
    if ((o.spec?.volumeMode ?? "") !== (old.spec?.volumeMode ?? "")) p.invalid(["volumeMode"], o.spec?.volumeMode ?? "", "field is immutable");
    if (old.spec?.nodeAffinity && JSON.stringify(o.spec?.nodeAffinity ?? null) !== JSON.stringify(old.spec.nodeAffinity)) p.invalid(["nodeAffinity"], o.spec?.nodeAffinity ?? null, "field is immutable");
  },
});
