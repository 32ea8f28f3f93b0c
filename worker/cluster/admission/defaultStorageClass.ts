// kube-apiserver's DefaultStorageClass admission plugin: a new claim that names no class (no
// spec.storageClassName at all, nor the beta annotation) gets the default StorageClass. An empty
// class ("") means "no class" and is left alone.
import type { PersistentVolumeClaim } from "../resources/persistentvolumeclaim";
import { defaultClass, type StorageClass } from "../resources/storageclass";
import type { AdmissionPlugin } from "./plugin";

export const STORAGE_CLASSES = "storage.k8s.io/storageclasses";
const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

export const defaultStorageClass: AdmissionPlugin = {
  name: "DefaultStorageClass",
  resources: ["persistentvolumeclaims"],
  mutate(a, ctx) {
    if (a.operation !== "CREATE" || a.subresource) return;
    const claim = a.object as PersistentVolumeClaim;
    if (claim.spec?.storageClassName != null || claim.metadata.annotations?.[BETA_CLASS_ANNOTATION] !== undefined) return;
    const def = defaultClass(ctx.scan<StorageClass>(STORAGE_CLASSES, null));
    if (!def) return;
    claim.spec = { ...(claim.spec ?? {}), storageClassName: def.metadata.name };
  },
};
