// The kubelet's refresh of configMap, secret, downwardAPI and projected volumes: the kubelet
// writes a pod's snapshot when it starts the pod on its node (node/kubelet.ts) and, when a source
// changes (the object, or the pod's own labels, annotations or resources for downwardAPI), this
// rewrites it after its sync period (60 s on the cluster clock). subPath mounts keep the files
// they started with (their snapshots are kept under their own keys and never refreshed), as in
// Kubernetes.
import type { Controller, ControllerContext } from "../../loop/loop";
import type { NetworkView } from "../../network/types";
import type { KObject } from "../../resources/define";
import type { Pod } from "../../resources/pod";
import type { VolumeT } from "../../resources/types/core";
import { isAtomicVolume, loadSnapshot, sameFiles, saveFirstSnapshot, saveSnapshot, setPending, volumeContent } from "./volumes";
import { podIsBound } from "../../machinery/storedMeta";

export const VOLUME_SYNC = "kubelet-volumes";
/** The kubelet's sync period (syncFrequency: 1m). */
export const VOLUME_SYNC_PERIOD_MS = 60_000;

/** What a downwardAPI item reads of the pod that a write may change (its name, namespace and uid cannot). */
const CHANGING_FIELDS = ['"fieldPath":"metadata.labels', '"fieldPath":"metadata.annotations', '"resourceFieldRef"'];

function split(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** Whether a pod's volumes read the ConfigMap or Secret `name`. */
function readsObject(pod: Pod, kind: "configmaps" | "secrets", name: string): boolean {
  for (const v of pod.spec?.volumes ?? []) {
    if (kind === "configmaps" && v.configMap?.name === name) return true;
    if (kind === "secrets" && v.secret?.secretName === name) return true;
    for (const s of v.projected?.sources ?? []) {
      if (kind === "configmaps" && s.configMap?.name === name) return true;
      if (kind === "secrets" && s.secret?.name === name) return true;
    }
  }
  return false;
}

function viewOf(ctx: ControllerContext): Pick<NetworkView, "get" | "node"> {
  return {
    // Read only: the same ConfigMap (kube-root-ca.crt) and ServiceAccount go into pod after pod.
    get: <T extends KObject>(storage: string, namespace: string, name: string) => ctx.api.sharedPeek<T>(storage, namespace, name),
    node: (name: string) => ctx.api.sharedGet("nodes", "", name),
  };
}

/** Brings one pod's snapshots up to date: first write at once, a change after the sync period. `starting`: the kubelet is starting the pod. */
export function syncPodVolumes(ctx: ControllerContext, pod: Pod, starting = false): void {
  const ns = pod.metadata.namespace ?? "default";
  const uid = pod.metadata.uid ?? "";
  if (!pod.spec?.nodeName || pod.metadata.deletionTimestamp || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") return;
  if (!ctx.machines.isRunning(pod.spec.nodeName)) return;
  const now = ctx.clock.now();
  const view = viewOf(ctx);
  const sql = ctx.store.sqlStorage;
  let next: number | null = null;
  for (const v of (pod.spec.volumes ?? []) as VolumeT[]) {
    if (!isAtomicVolume(v)) continue;
    if (starting) {
      // A pod starting on its node has no snapshots yet as a rule: written in one statement, not
      // looked for first. One it has already is compared below, as on any sync.
      const first = volumeContent(sql, view, pod, v, now, null);
      if (!Array.isArray(first)) continue;
      if (saveFirstSnapshot(sql, uid, v.name, now, first)) continue;
    }
    const snap = loadSnapshot(sql, uid, v.name);
    const content = volumeContent(sql, view, pod, v, now, snap);
    if (!Array.isArray(content)) continue; // a missing source: the files stay as they were
    if (!snap) {
      saveSnapshot(sql, uid, v.name, now, content);
      continue;
    }
    if (sameFiles(snap.files, content)) {
      if (snap.pendingSince !== null) setPending(sql, uid, v.name, null);
      continue;
    }
    const since = snap.pendingSince ?? now;
    if (snap.pendingSince === null) setPending(sql, uid, v.name, now);
    if (now >= since + VOLUME_SYNC_PERIOD_MS) saveSnapshot(sql, uid, v.name, now, content);
    else next = Math.min(next ?? Infinity, since + VOLUME_SYNC_PERIOD_MS);
  }
  if (next !== null) ctx.schedule(VOLUME_SYNC, `pod:${ns}/${pod.metadata.name}`, next);
}

export const volumeSyncController: Controller = {
  name: VOLUME_SYNC,
  keysFor(c, ctx) {
    if (c.resource === "pods") {
      if (c.type === "DELETED" || !podIsBound(c)) return [];
      // Labels, annotations and resources reach downwardAPI files that name them. Every pod's
      // service account volume has a downwardAPI item too (its namespace, which never changes):
      // following every write of every pod re-read each pod and its snapshots for nothing.
      return CHANGING_FIELDS.some((m) => c.body.includes(m)) ? [`pod:${c.namespace}/${c.name}`] : [];
    }
    // A namespace without pods has nothing to refresh (a pod made later is written when it starts):
    // a ConfigMap written there is not looked for in pods at all.
    if ((c.resource === "configmaps" || c.resource === "secrets") && ctx.store.countOf("pods", c.namespace) > 0) return [`${c.resource}:${c.namespace}/${c.name}`];
    return [];
  },
  resync() {
    // Pending rewrites wait on persisted timers; nothing else is owed after a restart.
    return [];
  },
  reconcile(key, ctx) {
    const colon = key.indexOf(":");
    const kind = key.slice(0, colon);
    const [ns, name] = split(key.slice(colon + 1));
    ctx.store.transaction(() => {
      if (kind === "pod") {
        const pod = ctx.api.peek<Pod>("pods", ns, name);
        if (pod) syncPodVolumes(ctx, pod);
        return;
      }
      // Only pods whose JSON names it can read it: the rest of the namespace is not parsed on every write of a ConfigMap.
      for (const pod of ctx.api.scanStoredNaming<Pod>("pods", ns, name)) {
        if (readsObject(pod, kind as "configmaps" | "secrets", name)) syncPodVolumes(ctx, pod);
      }
    });
  },
};
