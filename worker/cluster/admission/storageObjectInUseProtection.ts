// kube-apiserver's StorageObjectInUseProtection admission plugin: every new claim gets the
// kubernetes.io/pvc-protection finalizer and every new volume kubernetes.io/pv-protection, so a
// claim a pod uses (or a volume a claim is bound to) is not removed until it is free
// (controllers/pvcProtection.ts, controllers/pvProtection.ts).
import type { AdmissionPlugin } from "./plugin";

export const PVC_PROTECTION_FINALIZER = "kubernetes.io/pvc-protection";
export const PV_PROTECTION_FINALIZER = "kubernetes.io/pv-protection";

export const storageObjectInUseProtection: AdmissionPlugin = {
  name: "StorageObjectInUseProtection",
  resources: ["persistentvolumeclaims", "persistentvolumes"],
  mutate(a) {
    if (a.operation !== "CREATE" || a.subresource) return;
    const finalizer = a.storage === "persistentvolumes" ? PV_PROTECTION_FINALIZER : PVC_PROTECTION_FINALIZER;
    const meta = a.object.metadata;
    if (!(meta.finalizers ?? []).includes(finalizer)) meta.finalizers = [...(meta.finalizers ?? []), finalizer];
  },
};
