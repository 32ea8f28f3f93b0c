// kube-apiserver's PersistentVolumeClaimResize admission plugin: a claim's storage request may
// grow only when it is bound and its StorageClass allows expansion.
import { compareQuantities } from "../machinery/quantity";
import type { PersistentVolumeClaim } from "../resources/persistentvolumeclaim";
import type { StorageClass } from "../resources/storageclass";
import { STORAGE_CLASSES } from "./defaultStorageClass";
import type { AdmissionPlugin } from "./plugin";

export const persistentVolumeClaimResize: AdmissionPlugin = {
  name: "PersistentVolumeClaimResize",
  resources: ["persistentvolumeclaims"],
  validate(a, ctx) {
    if (a.operation !== "UPDATE" || a.subresource || !a.old) return;
    const claim = a.object as PersistentVolumeClaim;
    const old = a.old as PersistentVolumeClaim;
    const next = claim.spec?.resources?.requests?.storage;
    const prev = old.spec?.resources?.requests?.storage;
    if (next === undefined || prev === undefined || compareQuantities(next, prev) <= 0) return;
    if (old.status?.phase !== "Bound") ctx.forbid("Only bound persistent volume claims can be expanded");
    const className = claim.spec?.storageClassName;
    const cls = className ? ctx.get<StorageClass>(STORAGE_CLASSES, "", className) : undefined;
    if (!cls?.allowVolumeExpansion) ctx.forbid("only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize");
  },
};
