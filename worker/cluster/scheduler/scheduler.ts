// The scheduler as a controller: every pod without a node goes through the framework's filter
// and score plugins and is bound to the best node, with the reasoning written into an
// annotation a learner can read. A pod that fits nowhere gets PodScheduled=False/Unschedulable
// and a FailedScheduling event in kube-scheduler's words, and is tried again when the cluster
// changes (a node added or changed, a pod gone or finished). Pods wait in kube-scheduler's
// PrioritySort order (higher priority first, then the one queued first); a pod that fits nowhere
// may preempt lower-priority pods (preemption.ts) and waits, nominated to that node, for them to go.
import { formatTime } from "../machinery/time";
import { ApiError } from "../machinery/errors";
import { fromStructured } from "../machinery/selectors";
import type { Controller, ControllerContext } from "../loop/loop";
import { recordEvent, refTo } from "../events";
import type { KObject } from "../resources/define";
import type { Node } from "../resources/node";
import { pods, type Pod } from "../resources/pod";
import type { PodDisruptionBudget } from "../resources/poddisruptionbudget";
import { explain, feasibleNodesToFind, fitError, preBind, schedule, type Decision } from "./framework";
import { DEFAULT_PLUGINS, nodeLocalSignature } from "./plugins";
import { preempt, priorityOf, type Budget, type Candidate, type PreemptionOutcome } from "./preemption";
import { podInfo, removePod, Snapshot, type PodInfo } from "./snapshot";
import { podIsBound, podHasFinished } from "../machinery/storedMeta";

export const SCHEDULER = "scheduler";
export const SCHEDULER_NAME = "default-scheduler";
/** Where the scheduler explains its choice (or why no node fits). */
export const DECISION_ANNOTATION = "scheduler.kubedo.dev/decision";

/** kube-scheduler's activeQ with PrioritySort: higher priority first, then the pod queued first. */
export class ActiveQueue {
  private seq = 0;
  private readonly entries = new Map<string, { key: string; priority: number; seq: number }>();
  private heap: { key: string; priority: number; seq: number }[] = [];

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Queues a pod; one already waiting keeps its place. */
  add(key: string, priority: number): void {
    if (this.entries.has(key)) return;
    const e = { key, priority, seq: this.seq++ };
    this.entries.set(key, e);
    const h = this.heap;
    h.push(e);
    for (let i = h.length - 1; i > 0; ) {
      const up = (i - 1) >> 1;
      if (!before(h[i], h[up])) break;
      [h[i], h[up]] = [h[up], h[i]];
      i = up;
    }
  }

  /** The next pod to try, or undefined. */
  pop(): string | undefined {
    const h = this.heap;
    while (h.length) {
      const top = h[0];
      const last = h.pop()!;
      if (h.length) {
        h[0] = last;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const r = l + 1;
          let m = i;
          if (l < h.length && before(h[l], h[m])) m = l;
          if (r < h.length && before(h[r], h[m])) m = r;
          if (m === i) break;
          [h[i], h[m]] = [h[m], h[i]];
          i = m;
        }
      }
      if (this.entries.get(top.key) === top) {
        this.entries.delete(top.key);
        return top.key;
      }
    }
    return undefined;
  }
}

function before(a: { priority: number; seq: number }, b: { priority: number; seq: number }): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}

/** spec.priority read from a stored pod's JSON without parsing it (keysFor runs on every change). */
function priorityIn(body: string): number {
  const m = /"priority":(-?\d+)/.exec(body);
  return m ? Number(m[1]) : 0;
}

export function schedulerController(): Controller {
  let snapshot: Snapshot | null = null;
  /** Pods that fit nowhere (with their priority), tried again when the cluster changes. */
  const unschedulable = new Map<string, number>();
  const queue = new ActiveQueue();
  /** Where the next scheduling cycle's filters start among the nodes. */
  let nextStartNode = 0;
  /** Pods tried ahead of their turn on the loop's queue: their own turn then has nothing to do. */
  const triedAhead = new Set<string>();
  /** Pods waiting for a node their preemption is freeing: counted there against pods of no higher priority. */
  const nominated = new Map<string, { node: string; info: PodInfo }>();
  const retryAll = () => {
    for (const [k, priority] of unschedulable) queue.add(k, priority);
    return [...unschedulable.keys()];
  };
  const enqueue = (key: string, priority: number) => {
    queue.add(key, priority);
    return [key];
  };

  function current(ctx: ControllerContext): Snapshot {
    if (!snapshot) {
      const nsLabels = new Map<string, Record<string, string>>();
      nominated.clear();
      const all = ctx.api.scanStored<Pod>("pods", null);
      const collectNominated = function* () {
        for (const p of all) {
          const node = p.status?.nominatedNodeName;
          if (!p.spec?.nodeName && node && !p.metadata.deletionTimestamp) nominated.set(`${p.metadata.namespace}/${p.metadata.name}`, { node, info: podInfo(p) });
          yield p;
        }
      };
      snapshot = new Snapshot(ctx.api.scanStored<Node>("nodes", ""), collectNominated(), (ns) => {
        if (!nsLabels.has(ns)) nsLabels.set(ns, ctx.api.peek<KObject>("namespaces", "", ns)?.metadata.labels ?? {});
        return nsLabels.get(ns)!;
      });
      snapshot.api = ctx.api;
    }
    return snapshot;
  }

  return {
    name: SCHEDULER,
    keysFor(c) {
      if (c.resource === "nodes") {
        snapshot = null;
        return retryAll();
      }
      // Claims, volumes and classes decide VolumeBinding (and a pod waiting in PreBind for its claims).
      if (c.resource === "persistentvolumeclaims" || c.resource === "persistentvolumes" || c.resource === "storage.k8s.io/storageclasses") return retryAll();
      if (c.resource === "namespaces" && c.type !== "DELETED") {
        snapshot = null;
        return [];
      }
      if (c.resource !== "pods") return [];
      const key = `${c.namespace}/${c.name}`;
      // A pod gone or finished leaves its node: the snapshot forgets it (no rebuild, which reads
      // every pod: a rollout or a mass delete would read them all once per pod).
      if (c.type === "DELETED") {
        unschedulable.delete(key);
        nominated.delete(key);
        snapshot?.forget(key);
        return retryAll();
      }
      if (!podIsBound(c)) return enqueue(key, priorityIn(c.body));
      nominated.delete(key);
      if (c.type === "ADDED") {
        snapshot = null;
        return retryAll();
      }
      if (podHasFinished(c)) {
        snapshot?.forget(key);
        return retryAll();
      }
      return [];
    },
    restore(ctx) {
      // The pods waiting for a node are waiting still: a change to the cluster tries them again.
      // Only the unbound pods' bodies are read (pod_keys), for their priority.
      snapshot = null;
      unschedulable.clear();
      for (const k of ctx.store.unboundPods()) {
        const body = ctx.store.getRaw("pods", k.namespace, k.name);
        if (body && !body.includes('"nodeName"')) unschedulable.set(`${k.namespace}/${k.name}`, priorityIn(body));
      }
    },
    resync() {
      return retryAll();
    },
    regarding(key) {
      const i = key.indexOf("/");
      return { apiVersion: "v1", kind: "Pod", namespace: key.slice(0, i), name: key.slice(i + 1) };
    },
    reconcile(key, ctx) {
      if (!queue.has(key)) {
        // Tried already, out of the loop's order; or a retry after a failed attempt.
        if (!triedAhead.delete(key)) scheduleOne(key, ctx);
        return;
      }
      // The loop's queue is first come, first served: the pods ahead of this one in
      // PrioritySort's order go first.
      for (;;) {
        const next = queue.pop()!;
        triedAhead.delete(next);
        if (next !== key) triedAhead.add(next);
        try {
          scheduleOne(next, ctx);
        } catch (e) {
          if (next !== key) {
            // Its own turn on the loop's queue tries it again; this key (still queued) waits for its retry.
            triedAhead.delete(next);
            queue.add(next, unschedulable.get(next) ?? 0);
          }
          throw e;
        }
        if (next === key) return;
      }
    },
  };

  function scheduleOne(key: string, ctx: ControllerContext): void {
    const i = key.indexOf("/");
    const ns = key.slice(0, i);
    const name = key.slice(i + 1);
    const pod = ctx.api.peek<Pod>("pods", ns, name);
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp || (pod.spec?.schedulerName ?? SCHEDULER_NAME) !== SCHEDULER_NAME) {
      unschedulable.delete(key);
      return;
    }
    const now = ctx.clock.now();
    if (pod.spec?.schedulingGates?.length) {
      setUnschedulable(ctx, pod, "SchedulingGated", "Scheduling is blocked due to non-empty scheduling gates", null);
      return;
    }
    const snap = current(ctx);
    const info = podInfo(pod);
    // Pods nominated to a node, of this pod's priority or higher, hold their place there.
    const holding: { node: string; info: PodInfo }[] = [];
    for (const [k, n] of nominated) if (k !== key && snap.nodes.has(n.node) && priorityOf(n.info) >= priorityOf(info)) holding.push(n);
    for (const n of holding) snap.assume(n.info, n.node);
    let decision: Decision;
    let preemption: PreemptionOutcome | undefined;
    try {
      const count = snap.list().length;
      decision = schedule(info, snap, DEFAULT_PLUGINS, (best) => best[Math.floor(Math.random() * best.length)], { start: nextStartNode % Math.max(1, count), find: feasibleNodesToFind(count), signature: nodeLocalSignature(info, snap) });
      // The next pod's filters start after the last node this one looked at (kube-scheduler's nextStartNodeIndex).
      if (count) nextStartNode = (nextStartNode + decision.verdicts.length) % count;
      if (!decision.node) preemption = preempt(info, snap, DEFAULT_PLUGINS, decision.verdicts, () => budgets(ctx), now);
    } finally {
      for (const n of holding) removePod(snap.nodes.get(n.node)!, n.info);
    }
    let why = explain(decision);
    if (preemption?.candidate) why += `\npreempting on ${preemption.candidate.node}: ${preemption.candidate.victims.map((v) => v.key).join(", ")}`;
    if (decision.node && !ctx.store.transaction(() => preBind(DEFAULT_PLUGINS, info, decision.node!, decision))) {
      // PreBind made the pod's volumes on the node (or asked for them): it waits for them, unbound.
      unschedulable.set(key, priorityOf(info));
      return;
    }
    if (decision.node) {
      ctx.store.transaction(() => {
        ctx.api.bind(ns, name, decision.node!, { annotations: { [DECISION_ANNOTATION]: why }, read: pod });
        recordEvent(ctx.api, { regarding: refTo(pod), type: "Normal", reason: "Scheduled", message: `Successfully assigned ${ns}/${name} to ${decision.node}`, component: SCHEDULER_NAME, at: now });
      });
      snap.place(info, decision.node);
      unschedulable.delete(key);
      nominated.delete(key);
      return;
    }
    unschedulable.set(key, priorityOf(info));
    const message = fitError(snap.nodes.size, decision.verdicts, preemption?.message);
    const candidate = preemption?.candidate;
    const nominate = candidate ? candidate.node : preemption?.clearNomination ? null : undefined;
    ctx.store.transaction(() => {
      if (candidate) preemptOn(ctx, pod, candidate, nominated, now);
      setUnschedulable(ctx, pod, "Unschedulable", message, why, nominate);
      recordEvent(ctx.api, { regarding: refTo(pod), type: "Warning", reason: "FailedScheduling", message, component: SCHEDULER_NAME, at: now });
    });
    if (candidate) {
      nominated.set(key, { node: candidate.node, info });
      // The victims are terminating now: the next cycle must see it (and wait for them).
      snapshot = null;
    } else if (nominate === null) nominated.delete(key);
  }
}

/** The PodDisruptionBudgets preemption respects where it can. */
function budgets(ctx: ControllerContext): Budget[] {
  const out: Budget[] = [];
  for (const pdb of ctx.api.scanStored<PodDisruptionBudget>("policy/poddisruptionbudgets", null)) {
    const sel = pdb.spec?.selector;
    const selector = sel && (Object.keys(sel.matchLabels ?? {}).length || sel.matchExpressions?.length) ? fromStructured(sel) : null;
    out.push({ namespace: pdb.metadata.namespace!, selector, disruptionsAllowed: pdb.status?.disruptionsAllowed ?? 0, disrupted: new Set(Object.keys(pdb.status?.disruptedPods ?? {})) });
  }
  return out;
}

/**
 * prepareCandidate: each victim gets a DisruptionTarget condition, a graceful delete and a
 * Preempted event; pods of lower priority nominated to the node lose their nomination.
 */
function preemptOn(ctx: ControllerContext, preemptor: Pod, candidate: Candidate, nominated: Map<string, { node: string; info: PodInfo }>, now: number) {
  const schedulerName = preemptor.spec?.schedulerName ?? SCHEDULER_NAME;
  for (const v of candidate.victims) {
    const ns = v.namespace;
    const name = v.pod.metadata.name!;
    const victim = ctx.api.peek<Pod>("pods", ns, name);
    if (!victim || victim.metadata.uid !== v.pod.metadata.uid) continue;
    try {
      const conditions = (victim.status?.conditions ?? []).filter((c) => c.type !== "DisruptionTarget");
      conditions.push({ type: "DisruptionTarget", status: "True", lastTransitionTime: formatTime(now), reason: "PreemptionByScheduler", message: `${schedulerName}: preempting to accommodate a higher priority pod` });
      ctx.api.update(pods, ns, name, { ...victim, status: { ...victim.status, conditions } }, { subresource: "status", trusted: true });
      ctx.api.delete(pods, ns, name, {});
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
    recordEvent(ctx.api, { regarding: refTo(victim), type: "Normal", reason: "Preempted", message: `Preempted by pod ${preemptor.metadata.uid} on node ${candidate.node}`, component: SCHEDULER_NAME, at: now });
  }
  const priority = preemptor.spec?.priority ?? 0;
  for (const [k, n] of nominated) {
    if (n.node !== candidate.node || priorityOf(n.info) >= priority) continue;
    const other = ctx.api.peek<Pod>("pods", n.info.namespace, n.info.pod.metadata.name!);
    if (other?.status?.nominatedNodeName) {
      const status = { ...other.status };
      delete status.nominatedNodeName;
      ctx.api.update(pods, n.info.namespace, other.metadata.name!, { ...other, status }, { subresource: "status", trusted: true });
    }
    nominated.delete(k);
  }
}

/** `nominate`: a node to set as status.nominatedNodeName, null to clear it, undefined to leave it. */
function setUnschedulable(ctx: ControllerContext, pod: Pod, reason: string, message: string, why: string | null, nominate?: string | null) {
  const ns = pod.metadata.namespace!;
  const name = pod.metadata.name!;
  const prev = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  const nominationChanges = nominate !== undefined && (pod.status?.nominatedNodeName ?? null) !== nominate;
  if (!prev || prev.status !== "False" || prev.reason !== reason || prev.message !== message || nominationChanges) {
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    conditions.push({ type: "PodScheduled", status: "False", lastTransitionTime: prev?.status === "False" ? prev.lastTransitionTime : formatTime(ctx.clock.now()), reason, message });
    const status = { ...pod.status, conditions };
    if (nominate) status.nominatedNodeName = nominate;
    else if (nominate === null) delete status.nominatedNodeName;
    ctx.api.update(pods, ns, name, { ...pod, status }, { subresource: "status", trusted: true });
  }
  if (why !== null && pod.metadata.annotations?.[DECISION_ANNOTATION] !== why) {
    ctx.api.patch(pods, ns, name, "merge", { metadata: { annotations: { [DECISION_ANNOTATION]: why } } }, { trusted: true });
  }
}
