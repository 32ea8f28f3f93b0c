// kube-controller-manager's pvc-protection controller: a claim being deleted keeps its
// kubernetes.io/pvc-protection finalizer (and shows Terminating) while a pod that is not finished
// uses it; the finalizer goes when the last such pod does. Keys: "<ns>/<claim>".
import type { Controller, ControllerContext } from "../loop/loop";
import { persistentVolumeClaims, type PersistentVolumeClaim } from "../resources/persistentvolumeclaim";
import type { Pod } from "../resources/pod";
import { PVC_PROTECTION_FINALIZER } from "../admission/storageObjectInUseProtection";
import { podClaimNames, podIsActive } from "../resources/volumeMatch";
import { podHasFinished } from "../machinery/storedMeta";

export const PVC_PROTECTION = "pvc-protection";

/** The claims a pod's stored body uses; most pods use none and are not parsed. */
function claimsIn(body: string): string[] {
  if (!body.includes('"persistentVolumeClaim"') && !body.includes('"ephemeral"')) return [];
  return podClaimNames(JSON.parse(body) as Pod);
}

export function claimInUse(ctx: ControllerContext, claim: PersistentVolumeClaim): boolean {
  for (const pod of ctx.api.scanStored<Pod>("pods", claim.metadata.namespace!)) if (podIsActive(pod) && podClaimNames(pod).includes(claim.metadata.name!)) return true;
  return false;
}

export const pvcProtectionController: Controller = {
  name: PVC_PROTECTION,
  keysFor(c) {
    if (c.resource === "persistentvolumeclaims" && c.type !== "DELETED" && c.body.includes('"deletionTimestamp"')) return [`${c.namespace}/${c.name}`];
    // A pod that goes or finishes may free its claims.
    if (c.resource === "pods" && (c.type === "DELETED" || podHasFinished(c)))
      return claimsIn(c.body).map((n) => `${c.namespace}/${n}`);
    return [];
  },
  resync(ctx) {
    const keys: string[] = [];
    for (const row of ctx.store.scan("persistentvolumeclaims", null)) if (row.body.includes('"deletionTimestamp"')) keys.push(`${row.namespace}/${row.name}`);
    return keys;
  },
  regarding(key) {
    const i = key.indexOf("/");
    return { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace: key.slice(0, i), name: key.slice(i + 1) };
  },
  reconcile(key, ctx) {
    const i = key.indexOf("/");
    ctx.store.transaction(() => {
      const claim = ctx.api.peek<PersistentVolumeClaim>("persistentvolumeclaims", key.slice(0, i), key.slice(i + 1));
      if (!claim?.metadata.deletionTimestamp || !claim.metadata.finalizers?.includes(PVC_PROTECTION_FINALIZER)) return;
      if (claimInUse(ctx, claim)) return;
      const finalizers = claim.metadata.finalizers.filter((f) => f !== PVC_PROTECTION_FINALIZER);
      ctx.api.update(persistentVolumeClaims, claim.metadata.namespace!, claim.metadata.name!, { ...claim, metadata: { ...claim.metadata, finalizers } }, { trusted: true });
    });
  },
};
