// kube-controller-manager's pv-protection controller: a volume being deleted keeps its
// kubernetes.io/pv-protection finalizer while it is Bound to a claim; it goes when the volume is
// no longer bound (its claim gone, the volume Released or Available). Keys: volume names.
import type { Controller } from "../loop/loop";
import { persistentVolumes, type PersistentVolume } from "../resources/persistentvolume";
import { PV_PROTECTION_FINALIZER } from "../admission/storageObjectInUseProtection";

export const PV_PROTECTION = "pv-protection";

export const pvProtectionController: Controller = {
  name: PV_PROTECTION,
  keysFor(c) {
    return c.resource === "persistentvolumes" && c.type !== "DELETED" && c.body.includes('"deletionTimestamp"') ? [c.name] : [];
  },
  resync(ctx) {
    const keys: string[] = [];
    for (const row of ctx.store.scan("persistentvolumes", null)) if (row.body.includes('"deletionTimestamp"')) keys.push(row.name);
    return keys;
  },
  regarding(key) {
    return { apiVersion: "v1", kind: "PersistentVolume", name: key };
  },
  reconcile(key, ctx) {
    ctx.store.transaction(() => {
      const pv = ctx.api.peek<PersistentVolume>("persistentvolumes", "", key);
      if (!pv?.metadata.deletionTimestamp || !pv.metadata.finalizers?.includes(PV_PROTECTION_FINALIZER)) return;
      if (pv.status?.phase === "Bound") return;
      const finalizers = pv.metadata.finalizers.filter((f) => f !== PV_PROTECTION_FINALIZER);
      ctx.api.update(persistentVolumes, "", key, { ...pv, metadata: { ...pv.metadata, finalizers } }, { trusted: true });
    });
  },
};
