// rancher/local-path-provisioner, as kind runs it in local-path-storage: while its pod is Running,
// it provisions claims handed to rancher.io/local-path (the PV controller's storage-provisioner
// annotation; for WaitForFirstConsumer once the scheduler has picked a node) as a hostPath volume
// pvc-<claim uid> under /var/local-path-provisioner on that node, with node affinity to it; and it
// deletes the volumes it made, contents and all, once they are Released under the Delete policy.
// Keys: "claim:<ns>/<name>", "volume:<name>", and "all" (its own pod changed).
import { ApiError } from "../machinery/errors";
import { recordEvent, refTo } from "../events";
import { LOCAL_PATH_NAMESPACE } from "../addons/kubeSystem";
import type { Controller, ControllerContext } from "../loop/loop";
import { persistentVolumes, type PersistentVolume } from "../resources/persistentvolume";
import type { PersistentVolumeClaim } from "../resources/persistentvolumeclaim";
import type { Pod } from "../resources/pod";
import type { StorageClass } from "../resources/storageclass";
import { ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, claimClass } from "../resources/volumeMatch";
import { dropLayers } from "../container/fs/layer";
import { layerKey } from "../container/fs";
import { deleteVolume } from "./persistentVolumeBinder";

export const LOCAL_PATH_PROVISIONER = "local-path-provisioner";
export const LOCAL_PATH = "rancher.io/local-path";
const BASE_PATH = "/var/local-path-provisioner";
const CLASSES = "storage.k8s.io/storageclasses";

function split(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The provisioner's running pod, or null (claims wait, as they would for a stopped provisioner). */
function provisionerPod(ctx: ControllerContext): Pod | null {
  for (const pod of ctx.api.scanStored<Pod>("pods", LOCAL_PATH_NAMESPACE)) {
    if (pod.metadata.labels?.app !== "local-path-provisioner" || pod.metadata.deletionTimestamp) continue;
    if (pod.status?.phase === "Running" && pod.status.containerStatuses?.some((c) => c.state?.running)) return pod;
  }
  return null;
}

export const localPathProvisionerController: Controller = {
  name: LOCAL_PATH_PROVISIONER,
  keysFor(c) {
    if (c.resource === "persistentvolumeclaims" && c.type !== "DELETED" && c.body.includes(LOCAL_PATH)) return [`claim:${c.namespace}/${c.name}`];
    if (c.resource === "persistentvolumes" && c.type !== "DELETED" && c.body.includes(LOCAL_PATH)) return [`volume:${c.name}`];
    if (c.resource === "pods" && c.namespace === LOCAL_PATH_NAMESPACE && c.name.startsWith("local-path-provisioner")) return ["all"];
    return [];
  },
  resync(ctx) {
    const keys: string[] = [];
    for (const row of ctx.store.scan("persistentvolumeclaims", null)) if (row.body.includes(LOCAL_PATH)) keys.push(`claim:${row.namespace}/${row.name}`);
    for (const row of ctx.store.scan("persistentvolumes", null)) if (row.body.includes(LOCAL_PATH)) keys.push(`volume:${row.name}`);
    return keys;
  },
  regarding(key) {
    if (!key.startsWith("claim:")) return null;
    const [namespace, name] = split(key.slice(6));
    return { apiVersion: "v1", kind: "PersistentVolumeClaim", namespace, name };
  },
  reconcile(key, ctx) {
    ctx.store.transaction(() => {
      const pod = provisionerPod(ctx);
      if (!pod) return; // a pod that starts later brings "all" back
      if (key === "all") {
        for (const claim of ctx.api.scanStored<PersistentVolumeClaim>("persistentvolumeclaims", null)) provision(ctx, pod, claim);
        for (const pv of ctx.api.scanStored<PersistentVolume>("persistentvolumes", "")) release(ctx, pv);
        return;
      }
      if (key.startsWith("volume:")) {
        const pv = ctx.api.peek<PersistentVolume>("persistentvolumes", "", key.slice(7));
        if (pv) release(ctx, pv);
        return;
      }
      const [ns, name] = split(key.slice(6));
      const claim = ctx.api.peek<PersistentVolumeClaim>("persistentvolumeclaims", ns, name);
      if (claim) provision(ctx, pod, claim);
    });
  },
};

function provision(ctx: ControllerContext, pod: Pod, claim: PersistentVolumeClaim) {
  const ann = claim.metadata.annotations ?? {};
  if (ann[ANN_STORAGE_PROVISIONER] !== LOCAL_PATH || claim.spec?.volumeName || claim.metadata.deletionTimestamp || claim.status?.phase !== "Pending") return;
  const cls = ctx.api.peek<StorageClass>(CLASSES, "", claimClass(claim));
  if (!cls || cls.provisioner !== LOCAL_PATH) return;
  const node = ann[ANN_SELECTED_NODE];
  // local-path volumes live on one node: without the scheduler's choice there is nowhere to make one.
  if (!node) return;
  const name = `pvc-${claim.metadata.uid}`;
  if (ctx.api.peek("persistentvolumes", "", name)) return;
  const ns = claim.metadata.namespace!;
  const component = `${LOCAL_PATH}_${pod.metadata.name}_${pod.metadata.uid}`;
  const now = ctx.clock.now();
  recordEvent(ctx.api, { regarding: refTo(claim), type: "Normal", reason: "Provisioning", message: `External provisioner is provisioning volume for claim "${ns}/${claim.metadata.name}"`, component, at: now });
  ctx.api.create(
    persistentVolumes,
    "",
    {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name, annotations: { "local.path.provisioner/selected-node": node, [ANN_PROVISIONED_BY]: LOCAL_PATH } },
      spec: {
        accessModes: claim.spec?.accessModes,
        capacity: { storage: claim.spec?.resources?.requests?.storage },
        claimRef: { kind: "PersistentVolumeClaim", namespace: ns, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: "v1", resourceVersion: claim.metadata.resourceVersion },
        hostPath: { path: `${BASE_PATH}/${name}_${ns}_${claim.metadata.name}`, type: "DirectoryOrCreate" },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }] } },
        persistentVolumeReclaimPolicy: cls.reclaimPolicy ?? "Delete",
        storageClassName: cls.metadata.name,
        volumeMode: claim.spec?.volumeMode ?? "Filesystem",
      },
    },
    { trusted: true },
  );
  recordEvent(ctx.api, { regarding: refTo(claim), type: "Normal", reason: "ProvisioningSucceeded", message: `Successfully provisioned volume ${name}`, component, at: now });
}

/** A volume it made, Released under Delete: its directory goes (the teardown helper pod's rm -rf), then the volume. */
function release(ctx: ControllerContext, pv: PersistentVolume) {
  if (pv.metadata.annotations?.[ANN_PROVISIONED_BY] !== LOCAL_PATH || pv.status?.phase !== "Released" || pv.spec?.persistentVolumeReclaimPolicy !== "Delete") return;
  if (pv.metadata.deletionTimestamp) return;
  dropLayers(ctx.store.sqlStorage, layerKey.volume(pv.metadata.name!));
  try {
    deleteVolume(ctx, pv);
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
  }
}
