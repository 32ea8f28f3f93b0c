// StorageClass (storage.k8s.io/v1): a kind of storage a claim may ask for, and the provisioner
// that makes volumes of it. The class annotated storageclass.kubernetes.io/is-default-class=true
// is given to claims that name none (admission/defaultStorageClass.ts); every cluster has kind's
// `standard` (addons/kubeSystem.ts).
import type { z } from "zod";
import { bool, list, opt, PTR, str, strMap, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { qualifiedName } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { newestMarked } from "./types/defaultClass";
import { objectSchema } from "./types/meta";

const STORAGE = "io.k8s.api.storage.v1";

export const DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class";
const BETA_DEFAULT_CLASS_ANNOTATION = "storageclass.beta.kubernetes.io/is-default-class";
/** A class whose volumes nobody provisions (static local volumes). */
export const NO_PROVISIONER = "kubernetes.io/no-provisioner";

const TopologySelectorTerm = struct("io.k8s.api.core.v1.TopologySelectorTerm", "Topology values a volume may be provisioned in, ANDed.", {
  matchLabelExpressions: opt(
    1,
    list(
      struct("io.k8s.api.core.v1.TopologySelectorLabelRequirement", "A topology label and the values it may have.", {
        key: opt(1, str, "The label key."),
        values: opt(2, list(str, { listType: "atomic" }), "Values the label may have; one must match."),
      }),
      { listType: "atomic" },
    ),
    "Label requirements, ANDed.",
  ),
});

export const StorageClassSchema = objectSchema(
  `${STORAGE}.StorageClass`,
  "A class of storage: the provisioner that makes its volumes, with its parameters, reclaim policy and binding mode. Claims name it in spec.storageClassName.",
  { group: "storage.k8s.io", version: "v1", kind: "StorageClass" },
  {
    provisioner: opt(2, str, "The provisioner that makes volumes of this class (rancher.io/local-path, a CSI driver's name). Immutable."),
    parameters: opt(3, strMap, "Settings handed to the provisioner. Immutable."),
    reclaimPolicy: opt(4, str, PTR, "What happens to a provisioned volume when its claim goes: Delete (the default) or Retain. Immutable."),
    mountOptions: opt(5, list(str, { listType: "atomic" }), "Mount options of the volumes provisioned, such as [\"ro\", \"soft\"]."),
    allowVolumeExpansion: opt(6, bool, PTR, "Whether claims of this class may grow by raising spec.resources.requests.storage."),
    volumeBindingMode: opt(7, str, PTR, "Immediate (bind or provision when the claim is made, the default) or WaitForFirstConsumer (when a pod using it is scheduled). Immutable."),
    allowedTopologies: opt(8, list(TopologySelectorTerm, { listType: "atomic" }), "Where volumes may be provisioned; empty: anywhere."),
  },
  {
    check(o, p) {
      const sc = o as StorageClass;
      const provisioner = sc.provisioner ?? "";
      if (!provisioner) p.required(["provisioner"]);
      else for (const e of qualifiedName(provisioner.toLowerCase())) p.invalid(["provisioner"], provisioner, e);
      if (sc.reclaimPolicy != null && sc.reclaimPolicy !== "Delete" && sc.reclaimPolicy !== "Retain") p.notSupported(["reclaimPolicy"], sc.reclaimPolicy, ["Delete", "Retain"]);
      if (sc.volumeBindingMode == null) p.required(["volumeBindingMode"]);
      else if (sc.volumeBindingMode !== "Immediate" && sc.volumeBindingMode !== "WaitForFirstConsumer") p.notSupported(["volumeBindingMode"], sc.volumeBindingMode, ["Immediate", "WaitForFirstConsumer"]);
    },
  },
);
export type StorageClass = z.infer<typeof StorageClassSchema> & KObject;

/** Whether a class is marked the default (the GA or the beta annotation). */
export function isDefaultClass(o: KObject): boolean {
  const a = o.metadata.annotations ?? {};
  return a[DEFAULT_CLASS_ANNOTATION] === "true" || a[BETA_DEFAULT_CLASS_ANNOTATION] === "true";
}

/** The default class, as kube-apiserver and the PV controller pick it: the newest of those marked (then by name). */
export function defaultClass(classes: Iterable<StorageClass>): StorageClass | null {
  return newestMarked(classes, isDefaultClass);
}

export const storageClasses = defineKind<StorageClass>({
  group: "storage.k8s.io",
  version: "v1",
  kind: "StorageClass",
  plural: "storageclasses",
  singular: "storageclass",
  namespaced: false,
  shortNames: ["sc"],
  schema: StorageClassSchema,
  allowUnconditionalUpdate: true,
  columns: [
    // kube-apiserver's printer marks the default class after its name.
    { name: "Name", type: "string", format: "name", description: "Name of the class.", cell: (o) => (o.metadata.name ?? "") + (isDefaultClass(o) ? " (default)" : "") },
    { name: "Provisioner", type: "string", description: "Indicates the type of the provisioner.", cell: (o) => o.provisioner ?? "" },
    { name: "ReclaimPolicy", type: "string", description: "Indicates the type of the reclaim policy.", cell: (o) => o.reclaimPolicy ?? "Delete" },
    { name: "VolumeBindingMode", type: "string", description: "Indicates the type of the volume binding mode.", cell: (o) => o.volumeBindingMode ?? "Immediate" },
    { name: "AllowVolumeExpansion", type: "string", description: "Indicates the volume expansion is allowed.", cell: (o) => String(o.allowVolumeExpansion ?? false) },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    o.reclaimPolicy ??= "Delete";
    o.volumeBindingMode ??= "Immediate";
  },
  validateUpdate(o, old, p) {
    if (JSON.stringify(o.parameters ?? {}) !== JSON.stringify(old.parameters ?? {})) p.forbidden(["parameters"], "updates to parameters are forbidden.");
    if ((o.provisioner ?? "") !== (old.provisioner ?? "")) p.forbidden(["provisioner"], "updates to provisioner are forbidden.");
    if ((o.reclaimPolicy ?? "") !== (old.reclaimPolicy ?? "")) p.forbidden(["reclaimPolicy"], "updates to reclaimPolicy are forbidden.");
    if ((o.volumeBindingMode ?? "") !== (old.volumeBindingMode ?? "")) p.invalid(["volumeBindingMode"], o.volumeBindingMode ?? "", "field is immutable");
  },
});
