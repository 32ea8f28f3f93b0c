// The kubelet of every simulated node, as one controller keyed by pod. For a pod bound to a
// running machine it gives the pod an IP from the node's podCIDR (a hostNetwork pod has the
// node's; a pod that needs the pod network waits for a CNI's config), replays the container
// runtime up to now (runtime.ts), writes the pod's status and the kubelet's events, and sets a
// timer for the next transition. A pod being deleted is stopped and then removed. A stopped
// machine's kubelet does nothing: its pods keep their last status, as a lost node's do.
import { ApiError } from "../machinery/errors";
import { nthAddress, parseCidr } from "../machinery/cidr";
import type { Controller, ControllerContext } from "../loop/loop";
import { recordEvent, refTo } from "../events";
import type { Node } from "../resources/node";
import { podIpPool, pods, type Pod } from "../resources/pod";
import { timingOf } from "../simulation";
import { SqlAllocations } from "../store/allocations";
import { podStatusOf } from "./podStatus";
import { waitForClaims } from "./claimMounts";
import { advance, imageOf, newRuntime, replan, runRef, specOf, type PodRuntime, type RuntimeEnv, type RuntimeEvent } from "./runtime";
import { NETWORK_NOT_READY_MESSAGE } from "./register";
import { isMirrorPod, MIRROR_ANNOTATION } from "../addons/controlPlane";
import { syncPodVolumes } from "../container/fs/volumeSync";

/** Prefix of a static pod's runtime key (see runtimeId). */
export const STATIC_RUNTIME = "static:";
import { NODE_LIFECYCLE, podsOnNode } from "../controllers/nodeLifecycle";
import type { SimulationSettings } from "../simulation";
import { podIsBound } from "../machinery/storedMeta";

export const KUBELET = "kubelet";

function splitKey(key: string): [string, string] {
  const i = key.indexOf("/");
  return [key.slice(0, i), key.slice(i + 1)];
}

/** The container runtime's state of a pod on its node, or null when it has not started there. */
export function loadRuntime(ctx: Pick<ControllerContext, "store">, pod: Pod): PodRuntime | null {
  const row = ctx.store.sqlStorage.exec<{ state: string }>("SELECT state FROM pod_runtime WHERE uid = ?", runtimeId(pod)).toArray()[0];
  return row ? (JSON.parse(row.state) as PodRuntime) : null;
}

/**
 * The key of a pod's runtime. A static pod's is its manifest's hash: it runs whatever becomes of
 * its mirror pod, so a deleted mirror comes back over the same containers.
 */
function runtimeId(pod: Pod): string {
  const hash = pod.metadata.annotations?.[MIRROR_ANNOTATION];
  return hash ? `${STATIC_RUNTIME}${hash}` : pod.metadata.uid!;
}

function nodeIP(node: Node): string {
  return node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
}

/** The kubelet's event while the runtime's network is not ready (kubelet.go, syncPod). */
function networkNotReady(ctx: ControllerContext, pod: Pod, node: string, now: number) {
  recordEvent(ctx.api, { regarding: refTo(pod), type: "Warning", reason: "NetworkNotReady", message: `network is not ready: ${NETWORK_NOT_READY_MESSAGE}`, component: "kubelet", host: node, at: now });
}

/** The CNI plugin a pod's running container is the node agent of (calico-node, kindnetd, ...). */
function runningCni(pod: Pod, rt: PodRuntime, settings: SimulationSettings): string | null {
  for (const c of rt.containers) {
    if (c.stage !== "running") continue;
    const cni = imageOf(specOf(pod, c), settings)?.network?.cni;
    if (cni) return cni.name;
  }
  return null;
}

/**
 * A CNI agent came up on a node and wrote its config: the kubelet reports the node Ready (the
 * node lifecycle controller posts it) and starts the pods that were waiting for the network.
 */
function networkConfigured(ctx: ControllerContext, node: string, plugin: string, now: number) {
  if (!ctx.machines.setCni(node, plugin, now)) return;
  ctx.schedule(NODE_LIFECYCLE, node, now);
  for (const p of podsOnNode(ctx, node)) if (!p.spec?.hostNetwork) ctx.schedule(KUBELET, `${p.metadata.namespace}/${p.metadata.name}`, now);
}

function allocateIp(ctx: ControllerContext, node: Node, pod: Pod): string | null {
  const cidr = parseCidr(node.spec?.podCIDR ?? "");
  if (!cidr) return null;
  const alloc = new SqlAllocations(ctx.store.sqlStorage);
  const pool = podIpPool(node.metadata.name!);
  const size = Math.min(2 ** (32 - cidr.bits) - 3, 65_000);
  // host-local IPAM hands addresses out in turn from .2 (.1 is the node's bridge), starting after
  // the last one it reserved and wrapping round: a new pod gets the next address, not a freed one.
  const lastKey = `ipam_last/${pool}`;
  const last = Number(ctx.store.meta(lastKey) ?? -1);
  for (let n = 1; n <= size; n++) {
    const i = (last + n) % size;
    const ip = nthAddress(cidr, i + 2);
    if (alloc.tryTake(pool, ip, pod.metadata.uid!)) {
      ctx.store.setMeta(lastKey, String(i));
      return ip;
    }
  }
  return null;
}

/** Every container run a runtime knows of, the current and the last. */
function runIdsOf(rt: PodRuntime): string[] {
  return rt.containers.flatMap((c) => [c.run?.id, c.last?.id].filter((x): x is string => !!x));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export const kubeletController: Controller = {
  name: KUBELET,
  keysFor(c) {
    if (c.resource !== "pods") return [];
    // Its own writes need no second look: the reconcile that made one set its next timer.
    if (c.writer === KUBELET) return [];
    if (c.type === "DELETED") return [`${c.namespace}/${c.name}`];
    return podIsBound(c) ? [`${c.namespace}/${c.name}`] : [];
  },
  resync(ctx) {
    // Not every pod: a running pod's next transition is a stored timer, so only what changed
    // since the kubelet last looked (or has no runtime yet, or lost its pod) needs a reconcile.
    const sql = ctx.store.sqlStorage;
    const keys: string[] = [];
    const changed = sql.exec<{ namespace: string; name: string }>(
      `SELECT r.namespace, r.name FROM pod_runtime r
         LEFT JOIN objects o ON o.resource = 'pods' AND o.namespace = r.namespace AND o.name = r.name
        WHERE o.name IS NULL OR r.seen_rv IS NULL OR o.rv != r.seen_rv`,
    );
    for (const row of changed) keys.push(`${row.namespace}/${row.name}`);
    const unstarted = sql.exec<{ namespace: string; name: string }>(
      `SELECT k.namespace, k.name FROM pod_keys k
        WHERE k.node IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM pod_runtime r WHERE r.namespace = k.namespace AND r.name = k.name)`,
    );
    for (const row of unstarted) keys.push(`${row.namespace}/${row.name}`);
    return [...new Set(keys)];
  },
  regarding(key) {
    const [namespace, name] = splitKey(key);
    return { apiVersion: "v1", kind: "Pod", namespace, name };
  },
  reconcile(key, ctx) {
    const [ns, name] = splitKey(key);
    const sql = ctx.store.sqlStorage;
    ctx.store.transaction(() => {
      const pod = ctx.api.peek<Pod>("pods", ns, name);
      // Forget runtimes of pods that are gone, or were replaced by a pod of the same name (a static
      // pod's outlives its mirror: it goes with the node, node/staticPods.ts). One read finds
      // them and this pod's own.
      const id = pod ? runtimeId(pod) : null;
      let stored: string | null = null;
      for (const row of sql.exec<{ uid: string; state: string }>("SELECT uid, state FROM pod_runtime WHERE namespace = ? AND name = ?", ns, name).toArray()) {
        if (row.uid === id) stored = row.state;
        else if (pod || !row.uid.startsWith(STATIC_RUNTIME)) {
          sql.exec("DELETE FROM pod_runtime WHERE uid = ?", row.uid);
          // A pod deleted at once (grace period 0) never came back here to stop: its layers,
          // volume snapshots and processes are the kubelet's orphaned pod dirs, cleaned up now.
          if (!row.uid.startsWith(STATIC_RUNTIME)) ctx.containers.forgetPod(row.uid, runIdsOf(JSON.parse(row.state) as PodRuntime));
        }
      }
      const nodeName = pod?.spec?.nodeName;
      if (!pod || !nodeName) {
        ctx.cancel(KUBELET, key);
        return;
      }
      if (!ctx.machines.isRunning(nodeName)) return;
      const node = ctx.api.sharedGet<Node>("nodes", "", nodeName);
      if (!node) return;
      if (pod.metadata.deletionTimestamp && isMirrorPod(pod)) {
        // Deleting a mirror pod does not stop its static pod: the kubelet drops the mirror and
        // posts it again.
        remove(ctx, ns, name, pod);
        return;
      }
      const now = ctx.clock.now();
      let rt = stored === null ? null : (JSON.parse(stored) as PodRuntime);
      if (!rt) {
        if (pod.metadata.deletionTimestamp || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") {
          // Never started here (or long finished): nothing to stop.
          if (pod.metadata.deletionTimestamp) remove(ctx, ns, name, pod);
          return;
        }
        if (!pod.spec?.hostNetwork && ctx.machines.cniOf(nodeName) === null) {
          networkNotReady(ctx, pod, nodeName, now);
          // The kubelet still reports the pod: its containers wait in ContainerCreating, with no
          // pod IP and no sandbox (PodReadyToStartContainers False).
          const { podIP: _ip, podIPs: _ips, ...status } = podStatusOf(pod, newRuntime(pod, "", now), nodeIP(node), now);
          const waiting = { ...status, conditions: status.conditions?.map((c) => (c.type === "PodReadyToStartContainers" && c.status === "True" ? { ...c, status: "False" as const } : c)) };
          if (!sameJson(waiting, pod.status)) ctx.api.update(pods, ns, name, { ...pod, status: waiting }, { subresource: "status", trusted: true });
          return;
        }
        // Volumes mount before the sandbox starts: a claim not ready keeps the pod waiting.
        if (waitForClaims(ctx, pod, nodeName, nodeIP(node), now, (at) => ctx.schedule(KUBELET, key, at))) return;
        const ip = pod.spec?.hostNetwork ? nodeIP(node) : allocateIp(ctx, node, pod);
        if (!ip) return;
        // Its configMap, secret, downwardAPI and projected volumes are written before the sandbox
        // starts (the kubelet's volume manager), from the pod this sync has read.
        syncPodVolumes(ctx, pod, true);
        rt = { ...newRuntime(pod, ip, now), uid: runtimeId(pod) };
      }
      const settings = ctx.simulation();
      const pending: RuntimeEvent[] = [];
      // Final logs of runs that ended in this sync, kept when it is done (commitRun).
      const logs = new Map<string, string>();
      const runtimeEnv: RuntimeEnv = {
        pod,
        node: nodeName,
        now,
        timing: timingOf(settings.profile),
        settings,
        hasImage: (image) => ctx.machines.hasImage(nodeName, image),
        addImage: (image) => ctx.machines.addImage(nodeName, image),
        emit: (e) => pending.push(e),
        program: (c) => ctx.containers.program(pod, runRef(c)),
        environment: (c) => ctx.containers.runEnv(pod, runRef(c)),
        configError: (c) => ctx.containers.configError(pod, c.name),
        forget: (runId) => {
          logs.delete(runId);
          ctx.containers.forgetRun(pod.metadata.uid!, runId);
        },
        ended: (c) => ctx.containers.commitRun(pod, runRef(c), c.run!.finishedAt ?? now, logs),
      };
      const live = rt;
      const next = ctx.containers.whileSyncing(
        pod.metadata.uid!,
        () => live.containers.filter((c) => c.stage === "running" && c.run).map(runRef),
        () => {
          if (ctx.containers.takePoked(pod.metadata.uid!)) replan(live, runtimeEnv);
          return advance(live, runtimeEnv);
        },
      );
      pending.sort((a, b) => a.at - b.at);
      // Events of one instant keep their order by microseconds apart, as a real kubelet's would be.
      let last = -Infinity;
      for (const e of pending) {
        const at = e.at <= last ? last + 0.001 : e.at;
        last = at;
        recordEvent(ctx.api, { regarding: refTo(pod, e.fieldPath), type: e.type, reason: e.reason, message: e.message, component: "kubelet", host: nodeName, at });
      }
      if (rt.stopped) {
        // Its runs' logs go with it: never written.
        ctx.cancel(KUBELET, key);
        sql.exec("DELETE FROM pod_runtime WHERE uid = ?", rt.uid);
        ctx.containers.forgetPod(pod.metadata.uid!, runIdsOf(rt));
        remove(ctx, ns, name, pod);
        return;
      }
      ctx.containers.keepLogs(logs);
      const hostIP = nodeIP(node);
      const status = podStatusOf(pod, rt, hostIP, now);
      const cni = runningCni(pod, rt, settings);
      if (cni) networkConfigured(ctx, nodeName, cni, now);
      // A pod with nothing to wait for, now or last time, has no timer to drop: no statement for it.
      const hadWake = rt.wake !== undefined;
      if (next !== null) rt.wake = next;
      else delete rt.wake;
      const seen = sameJson(status, pod.status) ? pod : ctx.api.update(pods, ns, name, { ...pod, metadata: { ...pod.metadata }, status }, { subresource: "status", trusted: true, owned: true, read: pod }).object;
      sql.exec(
        "INSERT INTO pod_runtime (uid, namespace, name, node, state, seen_rv) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(uid) DO UPDATE SET state = excluded.state, seen_rv = excluded.seen_rv",
        rt.uid,
        ns,
        name,
        nodeName,
        JSON.stringify(rt),
        Number(seen.metadata.resourceVersion),
      );
      if (next !== null) ctx.schedule(KUBELET, key, next);
      else if (hadWake) ctx.cancel(KUBELET, key);
    });
  },
};

/** Deletes the pod at once; `read`, the pod as this sync read it, saves parsing it again. */
function remove(ctx: ControllerContext, ns: string, name: string, read?: Pod) {
  try {
    ctx.api.delete(pods, ns, name, { gracePeriodSeconds: 0, read });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}
