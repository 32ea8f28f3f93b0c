// The node lifecycle controller: watches each node's heartbeat (computed from its machine: a
// stopped machine stops heartbeating) and, after the 40 s grace period, marks the node's
// conditions Unknown, taints it unreachable (NoSchedule and NoExecute) and marks its pods not
// ready; when the kubelet is back, it clears them. A running kubelet's own Ready condition
// (nodeConditions: NotReady until a CNI's config is on the node) is posted here too, and a node
// whose Ready is False is tainted not-ready (NoSchedule by condition, NoExecute for eviction). It also keeps the unschedulable taint in step
// with cordoning, and collects the pods of nodes that are gone (pod GC).
import { ApiError } from "../machinery/errors";
import { formatTime } from "../machinery/time";
import { recordEvent, refTo } from "../events";
import { nodeConditions } from "../node/register";
import { nodes, type Node } from "../resources/node";
import { pods, type Pod } from "../resources/pod";
import type { TaintT } from "../resources/types/core";
import type { Controller, ControllerContext } from "../loop/loop";

export const NODE_MONITOR_GRACE_MS = 40_000;
export const NODE_LIFECYCLE = "node-lifecycle";

const UNREACHABLE = "node.kubernetes.io/unreachable";
const NOT_READY = "node.kubernetes.io/not-ready";
const UNSCHEDULABLE = "node.kubernetes.io/unschedulable";
const MANAGED = new Set([UNREACHABLE, NOT_READY, UNSCHEDULABLE]);

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The pods bound to a node, through the store's nodeName index (not a pass over every pod). */
export function podsOnNode(ctx: Pick<ControllerContext, "store">, node: string): Pod[] {
  const out: Pod[] = [];
  for (const k of ctx.store.podKeysBy("nodeName", node)) {
    const body = ctx.store.getRaw("pods", k.namespace, k.name);
    if (body) out.push(JSON.parse(body) as Pod);
  }
  return out;
}

export const nodeLifecycleController: Controller = {
  name: NODE_LIFECYCLE,
  keysFor(c) {
    return c.resource === "nodes" ? [c.name] : [];
  },
  resync(ctx) {
    return [...ctx.store.scan("nodes", "")].map((r) => r.name).concat(ctx.store.sqlStorage.exec<{ name: string }>("SELECT name FROM machines").toArray().map((r) => r.name));
  },
  regarding(name) {
    return { apiVersion: "v1", kind: "Node", name, uid: name };
  },
  reconcile(name, ctx) {
    const node = ctx.api.peek<Node>("nodes", "", name);
    if (!node) {
      collectPods(ctx, name);
      return;
    }
    const now = ctx.clock.now();
    const stoppedAt = ctx.machines.stoppedAt(name);
    // A stopped machine's last heartbeat is the moment it stopped: NotReady follows 40 s later.
    const lastBeat = stoppedAt === null ? now : stoppedAt;
    const lost = stoppedAt !== null && now >= lastBeat + NODE_MONITOR_GRACE_MS;
    if (stoppedAt !== null && !lost) ctx.schedule(NODE_LIFECYCLE, name, lastBeat + NODE_MONITOR_GRACE_MS);
    const lostAt = lastBeat + NODE_MONITOR_GRACE_MS;

    ctx.store.transaction(() => {
      // Conditions: Unknown once lost; healthy again once the kubelet posts status.
      const conditions = node.status?.conditions ?? [];
      const ready = conditions.find((c) => c.type === "Ready");
      let nextConditions = conditions;
      if (lost && ready?.status !== "Unknown") {
        const beat = formatTime(lastBeat);
        const at = formatTime(lostAt);
        nextConditions = conditions.map((c) => ({ ...c, status: "Unknown" as const, reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status.", lastHeartbeatTime: beat, lastTransitionTime: at }));
        recordEvent(ctx.api, { regarding: { apiVersion: "v1", kind: "Node", name, uid: name }, type: "Normal", reason: "NodeNotReady", message: `Node ${name} status is now: NodeNotReady`, component: "node-controller", at: lostAt });
        markPodsNotReady(ctx, name, lostAt);
      } else if (stoppedAt === null) {
        // The kubelet posts its conditions: Ready follows the node's pod network.
        const networkReady = ctx.machines.cniOf(name) !== null;
        if (ready?.status !== (networkReady ? "True" : "False")) {
          nextConditions = nodeConditions(now, networkReady) as typeof conditions;
          const reason = networkReady ? "NodeReady" : "NodeNotReady";
          recordEvent(ctx.api, { regarding: { apiVersion: "v1", kind: "Node", name, uid: name }, type: "Normal", reason, message: `Node ${name} status is now: ${reason}`, component: "kubelet", host: name, at: now });
        }
      }
      if (!same(nextConditions, conditions)) {
        const fresh = ctx.api.peek<Node>("nodes", "", name)!;
        ctx.api.update(nodes, "", name, { ...fresh, status: { ...fresh.status, conditions: nextConditions } }, { subresource: "status", trusted: true });
      }

      // Taints the controller owns.
      const current = ctx.api.peek<Node>("nodes", "", name)!;
      const taints = current.spec?.taints ?? [];
      const keep = taints.filter((t) => !MANAGED.has(t.key));
      const managed: TaintT[] = [];
      const existing = (key: string, effect: string) => taints.find((t) => t.key === key && t.effect === effect);
      if (current.spec?.unschedulable) managed.push(existing(UNSCHEDULABLE, "NoSchedule") ?? { key: UNSCHEDULABLE, effect: "NoSchedule", timeAdded: formatTime(now) });
      if (lost) {
        managed.push(existing(UNREACHABLE, "NoSchedule") ?? { key: UNREACHABLE, effect: "NoSchedule", timeAdded: formatTime(lostAt) });
        managed.push(existing(UNREACHABLE, "NoExecute") ?? { key: UNREACHABLE, effect: "NoExecute", timeAdded: formatTime(lostAt) });
      } else if (current.status?.conditions?.find((c) => c.type === "Ready")?.status === "False") {
        // TaintNodesByCondition's NoSchedule taint carries no time; the eviction taint does.
        managed.push(existing(NOT_READY, "NoSchedule") ?? { key: NOT_READY, effect: "NoSchedule" });
        managed.push(existing(NOT_READY, "NoExecute") ?? { key: NOT_READY, effect: "NoExecute", timeAdded: formatTime(now) });
      }
      const next = [...keep, ...managed];
      if (!same(next, taints)) {
        const spec = { ...current.spec, taints: next.length ? next : undefined };
        if (!next.length) delete spec.taints;
        ctx.api.update(nodes, "", name, { ...current, spec }, { trusted: true });
      }
    });
  },
};

/**
 * The node controller's MarkPodsNotReady: only the pod's Ready condition turns False (the
 * containers' own statuses are the kubelet's, which cannot post), so endpoints and workload
 * availability drop the pod; each pod gets a NodeNotReady warning.
 */
function markPodsNotReady(ctx: ControllerContext, node: string, at: number) {
  for (const pod of podsOnNode(ctx, node)) {
    const conditions = pod.status?.conditions ?? [];
    const ready = conditions.find((c) => c.type === "Ready");
    if (!ready || ready.status === "False") continue;
    const next = conditions.map((c) => (c.type === "Ready" ? { ...c, status: "False" as const, lastTransitionTime: formatTime(at) } : c));
    ctx.api.update(pods, pod.metadata.namespace!, pod.metadata.name!, { ...pod, status: { ...pod.status, conditions: next } }, { subresource: "status", trusted: true });
    recordEvent(ctx.api, { regarding: refTo(pod), type: "Warning", reason: "NodeNotReady", message: "Node is not ready", component: "node-controller", at });
  }
}

/** Pod GC: pods bound to a node that no longer exists are deleted at once. */
function collectPods(ctx: ControllerContext, node: string) {
  for (const pod of podsOnNode(ctx, node)) {
    try {
      ctx.api.delete(pods, pod.metadata.namespace!, pod.metadata.name!, { gracePeriodSeconds: 0 });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}
