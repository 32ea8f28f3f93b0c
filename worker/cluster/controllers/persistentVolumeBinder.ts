// kube-controller-manager's persistentvolume-binder: binds claims to volumes both ways (the
// volume's claimRef, the claim's volumeName, the bind-completed and bound-by-controller
// annotations), hands claims of a class with a provisioner to it (ExternalProvisioning), waits
// for the first consumer where the class says so, gives claims without a class the default one,
// and moves volumes through Available, Bound, Released and Failed, reclaiming released ones by
// their policy. Keys: "claim:<ns>/<name>", "volume:<name>", and "classes" (a class changed:
// claims that wait for one look again).
import { ApiError } from "../machinery/errors";
import { formatTime } from "../machinery/time";
import { compareQuantities } from "../machinery/quantity";
import { recordEvent, refTo } from "../events";
import type { Controller, ControllerContext } from "../loop/loop";
import { KUBELET } from "../node/kubelet";
import { persistentVolumes, type PersistentVolume } from "../resources/persistentvolume";
import { persistentVolumeClaims, type PersistentVolumeClaim } from "../resources/persistentvolumeclaim";
import type { Pod } from "../resources/pod";
import { defaultClass, NO_PROVISIONER, type StorageClass } from "../resources/storageclass";
import {
  ANN_BETA_STORAGE_PROVISIONER,
  ANN_BIND_COMPLETED,
  ANN_BOUND_BY_CONTROLLER,
  ANN_PROVISIONED_BY,
  ANN_SELECTED_NODE,
  ANN_STORAGE_PROVISIONER,
  claimClass,
  findMatchingVolume,
  isBoundToClaim,
  podClaimNames,
} from "../resources/volumeMatch";
import { dropLayers } from "../container/fs/layer";
import { layerKey } from "../container/fs";

export const PV_BINDER = "persistentvolume-binder";
const COMPONENT = "persistentvolume-controller";
const CLASSES = "storage.k8s.io/storageclasses";

const claimKey = (ns: string, name: string) => `claim:${ns}/${name}`;

function split(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

export const persistentVolumeBinderController: Controller = {
  name: PV_BINDER,
  keysFor(c) {
    if (c.resource === "persistentvolumeclaims") {
      const keys = [claimKey(c.namespace, c.name)];
      // A claim that goes releases its volume.
      const volume = /"volumeName":"([^"]+)"/.exec(c.body)?.[1];
      if (c.type === "DELETED" && volume) keys.push(`volume:${volume}`);
      return keys;
    }
    if (c.resource === "persistentvolumes") {
      const keys = [`volume:${c.name}`];
      const ref = /"claimRef":\{[^}]*\}/.exec(c.body)?.[0];
      if (ref) {
        const ns = /"namespace":"([^"]+)"/.exec(ref)?.[1];
        const name = /"name":"([^"]+)"/.exec(ref)?.[1];
        if (ns && name) keys.push(claimKey(ns, name));
      }
      return keys;
    }
    if (c.resource === CLASSES) return ["classes"];
    return [];
  },
  resync(ctx) {
    const keys: string[] = [];
    for (const row of ctx.store.scan("persistentvolumeclaims", null)) keys.push(claimKey(row.namespace, row.name));
    for (const row of ctx.store.scan("persistentvolumes", null)) keys.push(`volume:${row.name}`);
    return keys;
  },
  regarding(key) {
    if (key.startsWith("claim:")) {
      const [namespace, name] = split(key.slice(6));
      return { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name };
    }
    if (key.startsWith("volume:")) return { apiVersion: "v1", kind: "PersistentVolume", name: key.slice(7) };
    return null;
  },
  reconcile(key, ctx) {
    ctx.store.transaction(() => {
      if (key === "classes") return retryWaitingClaims(ctx);
      if (key.startsWith("volume:")) {
        const pv = ctx.api.peek<PersistentVolume>("persistentvolumes", "", key.slice(7));
        if (pv) syncVolume(ctx, pv);
        return;
      }
      const [ns, name] = split(key.slice(6));
      const claim = ctx.api.peek<PersistentVolumeClaim>("persistentvolumeclaims", ns, name);
      if (claim && !claim.metadata.deletionTimestamp) syncClaim(ctx, claim);
      else if (claim) wakeKubelets(ctx, claim);
    });
  },
};

/** Claims waiting for a class (none named, or one not there yet) look again when classes change. */
function retryWaitingClaims(ctx: ControllerContext) {
  for (const claim of ctx.api.scanStored<PersistentVolumeClaim>("persistentvolumeclaims", null)) {
    if (claim.status?.phase === "Bound" || claim.metadata.deletionTimestamp) continue;
    syncClaim(ctx, claim);
  }
}

function event(ctx: ControllerContext, obj: PersistentVolumeClaim | PersistentVolume, type: "Normal" | "Warning", reason: string, message: string) {
  recordEvent(ctx.api, { regarding: refTo(obj), type, reason, message, component: COMPONENT, at: ctx.clock.now() });
}

function syncClaim(ctx: ControllerContext, claim: PersistentVolumeClaim) {
  // The retroactive default class: a claim made before any default class gets the one there is now.
  if (claim.spec?.storageClassName == null && !claim.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"] && !claim.spec?.volumeName) {
    const def = defaultClass(ctx.api.scanStored<StorageClass>(CLASSES, null));
    if (def) {
      ctx.api.update(persistentVolumeClaims, claim.metadata.namespace!, claim.metadata.name!, { ...claim, spec: { ...claim.spec, storageClassName: def.metadata.name } }, { trusted: true });
      return; // the write brings the claim back here
    }
  }
  if (claim.metadata.annotations?.[ANN_BIND_COMPLETED] === undefined) syncUnboundClaim(ctx, claim);
  else syncBoundClaim(ctx, claim);
}

function volumes(ctx: ControllerContext): PersistentVolume[] {
  return [...ctx.api.scanStored<PersistentVolume>("persistentvolumes", "")];
}

function classOf(ctx: ControllerContext, claim: PersistentVolumeClaim): StorageClass | undefined {
  const name = claimClass(claim);
  return name ? ctx.api.peek<StorageClass>(CLASSES, "", name) : undefined;
}

function syncUnboundClaim(ctx: ControllerContext, claim: PersistentVolumeClaim) {
  const wanted = claim.spec?.volumeName;
  if (!wanted) {
    const cls = classOf(ctx, claim);
    const delay = cls?.volumeBindingMode === "WaitForFirstConsumer" && !claim.metadata.annotations?.[ANN_SELECTED_NODE];
    const pv = findMatchingVolume(claim, volumes(ctx), { delayBinding: cls?.volumeBindingMode === "WaitForFirstConsumer" });
    if (pv) return bind(ctx, pv, claim);
    if (delay) {
      event(ctx, claim, "Normal", "WaitForFirstConsumer", "waiting for first consumer to be created before binding");
    } else if (claimClass(claim)) {
      provision(ctx, claim, cls);
    } else {
      event(ctx, claim, "Normal", "FailedBinding", "no persistent volumes available for this claim and no storage class is set");
    }
    return setClaimStatus(ctx, claim, "Pending", null);
  }
  const pv = ctx.api.peek<PersistentVolume>("persistentvolumes", "", wanted);
  if (!pv) return setClaimStatus(ctx, claim, "Pending", null);
  if (!pv.spec?.claimRef || isBoundToClaim(pv, claim)) return bind(ctx, pv, claim);
  // The volume the user named is someone else's: wait.
  setClaimStatus(ctx, claim, "Pending", null);
}

/** Hands the claim to its class's provisioner: the annotations a provisioner looks for, and the event. */
function provision(ctx: ControllerContext, claim: PersistentVolumeClaim, cls: StorageClass | undefined) {
  if (!cls) {
    event(ctx, claim, "Warning", "ProvisioningFailed", `storageclass.storage.k8s.io "${claimClass(claim)}" not found`);
    return;
  }
  const provisioner = cls.provisioner ?? "";
  // An in-tree name no plugin serves (kubernetes.io/no-provisioner: static local volumes only).
  if (provisioner === NO_PROVISIONER) {
    event(ctx, claim, "Warning", "ProvisioningFailed", `no volume plugin matched name: ${provisioner}`);
    return;
  }
  const ann = claim.metadata.annotations ?? {};
  if (ann[ANN_STORAGE_PROVISIONER] !== provisioner || ann[ANN_BETA_STORAGE_PROVISIONER] !== provisioner) {
    const updated = ctx.api.update(
      persistentVolumeClaims,
      claim.metadata.namespace!,
      claim.metadata.name!,
      { ...claim, metadata: { ...claim.metadata, annotations: { ...ann, [ANN_BETA_STORAGE_PROVISIONER]: provisioner, [ANN_STORAGE_PROVISIONER]: provisioner } } },
      { trusted: true },
    ).object as PersistentVolumeClaim;
    claim.metadata = updated.metadata;
  }
  event(
    ctx,
    claim,
    "Normal",
    "ExternalProvisioning",
    `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`,
  );
}

function syncBoundClaim(ctx: ControllerContext, claim: PersistentVolumeClaim) {
  const name = claim.spec?.volumeName;
  if (!name) return lost(ctx, claim, "ClaimLost", "Bound claim has lost reference to PersistentVolume. Data on the volume is lost!");
  const pv = ctx.api.peek<PersistentVolume>("persistentvolumes", "", name);
  if (!pv) return lost(ctx, claim, "ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!");
  if (pv.spec?.claimRef?.uid === claim.metadata.uid) return bind(ctx, expand(ctx, pv, claim), claim);
  if (!pv.spec?.claimRef) return bind(ctx, pv, claim);
  lost(ctx, claim, "ClaimMisbound", "Two claims are bound to the same volume, this one is bound incorrectly");
}

/**
 * Expansion (kube-controller-manager's expand controller and the external resizer in one step): a
 * bound claim asking for more than its volume has, in a class that allows it, grows the volume;
 * the claim's status.capacity follows in bind().
 */
function expand(ctx: ControllerContext, pv: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume {
  const want = claim.spec?.resources?.requests?.storage;
  const have = pv.spec?.capacity?.storage;
  if (want === undefined || have === undefined || compareQuantities(String(want), String(have)) <= 0) return pv;
  if (!classOf(ctx, claim)?.allowVolumeExpansion) return pv;
  recordEvent(ctx.api, { regarding: refTo(claim), type: "Normal", reason: "ExternalExpanding", message: "waiting for an external controller to expand this PVC", component: "volume_expand", at: ctx.clock.now() });
  return ctx.api.update(persistentVolumes, "", pv.metadata.name!, { ...pv, spec: { ...pv.spec, capacity: { ...pv.spec?.capacity, storage: want } } }, { trusted: true }).object as PersistentVolume;
}

function lost(ctx: ControllerContext, claim: PersistentVolumeClaim, reason: string, message: string) {
  if (claim.status?.phase === "Lost") return;
  setClaimStatus(ctx, claim, "Lost", null);
  event(ctx, claim, "Warning", reason, message);
}

/** The two-way bind: the volume's claimRef, its phase, the claim's volumeName, annotations and status. */
function bind(ctx: ControllerContext, pv: PersistentVolume, claim: PersistentVolumeClaim) {
  if (!isBoundToClaim(pv, claim) || !pv.spec?.claimRef?.uid) {
    const byController = !isBoundToClaim(pv, claim);
    const next = structuredClone(pv);
    next.spec = {
      ...next.spec,
      claimRef: { kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: "v1", resourceVersion: claim.metadata.resourceVersion },
    };
    if (byController) next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: "yes" };
    pv = ctx.api.update(persistentVolumes, "", pv.metadata.name!, next, { trusted: true }).object as PersistentVolume;
  }
  pv = setVolumePhase(ctx, pv, "Bound", "");
  const ann = claim.metadata.annotations ?? {};
  if (claim.spec?.volumeName !== pv.metadata.name || ann[ANN_BIND_COMPLETED] !== "yes") {
    const annotations: Record<string, string> = { ...ann, [ANN_BIND_COMPLETED]: "yes" };
    if (claim.spec?.volumeName !== pv.metadata.name) annotations[ANN_BOUND_BY_CONTROLLER] = "yes";
    claim = ctx.api.update(
      persistentVolumeClaims,
      claim.metadata.namespace!,
      claim.metadata.name!,
      { ...claim, metadata: { ...claim.metadata, annotations }, spec: { ...claim.spec, volumeName: pv.metadata.name } },
      { trusted: true },
    ).object as PersistentVolumeClaim;
  }
  setClaimStatus(ctx, claim, "Bound", pv);
  wakeKubelets(ctx, claim);
}

/** Pods on nodes that wait for this claim to mount are looked at again now, not at their next retry. */
function wakeKubelets(ctx: ControllerContext, claim: PersistentVolumeClaim) {
  const now = ctx.clock.now();
  for (const pod of ctx.api.scanStored<Pod>("pods", claim.metadata.namespace!)) {
    if (pod.spec?.nodeName && pod.status?.phase === "Pending" && podClaimNames(pod).includes(claim.metadata.name!)) ctx.schedule(KUBELET, `${pod.metadata.namespace}/${pod.metadata.name}`, now);
  }
}

function setClaimStatus(ctx: ControllerContext, claim: PersistentVolumeClaim, phase: "Pending" | "Bound" | "Lost", pv: PersistentVolume | null): PersistentVolumeClaim {
  const status = { ...(claim.status ?? {}), phase } as NonNullable<PersistentVolumeClaim["status"]>;
  if (pv) {
    status.accessModes = pv.spec?.accessModes;
    // The claim's capacity follows the volume's (an expanded volume's too).
    status.capacity = { ...(status.capacity ?? {}), storage: pv.spec?.capacity?.storage ?? "" };
  } else {
    delete status.accessModes;
    delete status.capacity;
  }
  if (JSON.stringify(status) === JSON.stringify(claim.status ?? {})) return claim;
  return ctx.api.update(persistentVolumeClaims, claim.metadata.namespace!, claim.metadata.name!, { ...claim, status }, { subresource: "status", trusted: true }).object as PersistentVolumeClaim;
}

function setVolumePhase(ctx: ControllerContext, pv: PersistentVolume, phase: string, message: string, reason?: string): PersistentVolume {
  const cur = pv.status ?? {};
  if (cur.phase === phase && (cur.message ?? "") === message && (cur.reason ?? "") === (reason ?? "")) return pv;
  const status: NonNullable<PersistentVolume["status"]> = { phase, lastPhaseTransitionTime: cur.phase === phase ? cur.lastPhaseTransitionTime : formatTime(ctx.clock.now()) };
  if (message) status.message = message;
  if (reason) status.reason = reason;
  return ctx.api.update(persistentVolumes, "", pv.metadata.name!, { ...pv, status }, { subresource: "status", trusted: true }).object as PersistentVolume;
}

function syncVolume(ctx: ControllerContext, pv: PersistentVolume) {
  const ref = pv.spec?.claimRef;
  if (!ref || !ref.uid) {
    if (pv.status?.phase !== "Failed" || !ref) setVolumePhase(ctx, pv, "Available", "");
    return;
  }
  let claim = ctx.api.peek<PersistentVolumeClaim>("persistentvolumeclaims", ref.namespace ?? "", ref.name ?? "");
  if (claim && claim.metadata.uid !== ref.uid) claim = undefined; // the claim was replaced by another of its name
  if (!claim) {
    if (pv.status?.phase !== "Released" && pv.status?.phase !== "Failed") pv = setVolumePhase(ctx, pv, "Released", "");
    return reclaim(ctx, pv);
  }
  if (!claim.spec?.volumeName) return; // the claim's sync finishes the bind
  if (claim.spec.volumeName === pv.metadata.name) {
    setVolumePhase(ctx, pv, "Bound", "");
    return;
  }
  // Bound to a claim that went to another volume.
  if (pv.metadata.annotations?.[ANN_PROVISIONED_BY] && pv.spec?.persistentVolumeReclaimPolicy === "Delete") {
    if (pv.status?.phase !== "Released" && pv.status?.phase !== "Failed") pv = setVolumePhase(ctx, pv, "Released", "");
    return reclaim(ctx, pv);
  }
  unbind(ctx, pv);
}

/** Takes the controller's claimRef off a volume (or only its uid, when a user pre-bound it). */
function unbind(ctx: ControllerContext, pv: PersistentVolume): PersistentVolume {
  const next = structuredClone(pv);
  if (next.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER]) {
    delete next.spec!.claimRef;
    delete next.metadata.annotations[ANN_BOUND_BY_CONTROLLER];
  } else if (next.spec?.claimRef) delete next.spec.claimRef.uid;
  const out = ctx.api.update(persistentVolumes, "", pv.metadata.name!, next, { trusted: true }).object as PersistentVolume;
  return setVolumePhase(ctx, out, "Available", "");
}

/** A released volume's reclaim policy: Retain keeps it Released, Recycle scrubs it for reuse, Delete removes it. */
function reclaim(ctx: ControllerContext, pv: PersistentVolume) {
  switch (pv.spec?.persistentVolumeReclaimPolicy) {
    case "Retain":
      return;
    case "Recycle": {
      if (!pv.spec.hostPath && !pv.spec.nfs) {
        if (pv.status?.phase === "Failed") return;
        setVolumePhase(ctx, pv, "Failed", "No recycler plugin found for the volume!");
        event(ctx, pv, "Warning", "VolumeFailedRecycle", "No recycler plugin found for the volume!");
        return;
      }
      dropLayers(ctx.store.sqlStorage, layerKey.volume(pv.metadata.name!));
      unbind(ctx, pv);
      event(ctx, pv, "Normal", "VolumeRecycled", "Volume recycled");
      return;
    }
    default: {
      const provisioner = pv.metadata.annotations?.[ANN_PROVISIONED_BY];
      // A provisioner outside kube-controller-manager deletes what it provisioned (controllers/localPathProvisioner.ts).
      if (provisioner) return;
      if (pv.status?.phase === "Failed") return;
      const path = pv.spec?.hostPath?.path;
      if (path !== undefined && /^\/tmp\/.+/.test(path)) {
        dropLayers(ctx.store.sqlStorage, layerKey.volume(pv.metadata.name!));
        deleteVolume(ctx, pv);
        return;
      }
      const message =
        path !== undefined
          ? `host_path deleter only supports /tmp/.+ but received provided ${path}`
          : `error getting deleter volume plugin for volume "${pv.metadata.name}": no deletable volume plugin matched`;
      setVolumePhase(ctx, pv, "Failed", message);
      event(ctx, pv, "Warning", "VolumeFailedDelete", message);
    }
  }
}

export function deleteVolume(ctx: ControllerContext, pv: PersistentVolume) {
  try {
    ctx.api.delete(persistentVolumes, "", pv.metadata.name!, {});
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}
