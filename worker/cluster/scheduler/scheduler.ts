// The scheduler as a controller: every pod without a node goes through the framework's filter
// and score plugins and is bound to the best node, with the reasoning written into an
// annotation a learner can read. A pod that fits nowhere gets PodScheduled=False/Unschedulable
// and a FailedScheduling event in kube-scheduler's words, and is tried again when the cluster
// changes (a node added or changed, a pod gone or finished).
import { formatTime } from "../machinery/time";
import type { Controller, ControllerContext } from "../loop/loop";
import { recordEvent, refTo } from "../events";
import type { KObject } from "../resources/define";
import type { Node } from "../resources/node";
import { pods, type Pod } from "../resources/pod";
import { explain, fitError, schedule } from "./framework";
import { DEFAULT_PLUGINS } from "./plugins";
import { podInfo, Snapshot } from "./snapshot";

export const SCHEDULER = "scheduler";
export const SCHEDULER_NAME = "default-scheduler";
/** Where the scheduler explains its choice (or why no node fits). */
export const DECISION_ANNOTATION = "scheduler.kubedo.dev/decision";

export function schedulerController(): Controller {
  let snapshot: Snapshot | null = null;
  const unschedulable = new Set<string>();
  const retryAll = () => [...unschedulable];

  function current(ctx: ControllerContext): Snapshot {
    if (!snapshot) {
      const nsLabels = new Map<string, Record<string, string>>();
      snapshot = new Snapshot(ctx.api.scanStored<Node>("nodes", ""), ctx.api.scanStored<Pod>("pods", null), (ns) => {
        if (!nsLabels.has(ns)) nsLabels.set(ns, ctx.api.peek<KObject>("namespaces", "", ns)?.metadata.labels ?? {});
        return nsLabels.get(ns)!;
      });
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
      if (c.resource === "namespaces" && c.type !== "DELETED") {
        snapshot = null;
        return [];
      }
      if (c.resource !== "pods") return [];
      const key = `${c.namespace}/${c.name}`;
      if (c.type === "DELETED") {
        unschedulable.delete(key);
        snapshot = null;
        return retryAll();
      }
      if (!c.body.includes('"nodeName"')) return [key];
      if (c.type === "ADDED" || c.body.includes('"phase":"Succeeded"') || c.body.includes('"phase":"Failed"')) {
        snapshot = null;
        return retryAll();
      }
      return [];
    },
    resync(ctx) {
      snapshot = null;
      const keys: string[] = [];
      for (const row of ctx.store.scan("pods", null)) if (!row.body.includes('"nodeName"')) keys.push(`${row.namespace}/${row.name}`);
      return keys;
    },
    regarding(key) {
      const i = key.indexOf("/");
      return { apiVersion: "v1", kind: "Pod", namespace: key.slice(0, i), name: key.slice(i + 1) };
    },
    reconcile(key, ctx) {
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
      const decision = schedule(info, snap, DEFAULT_PLUGINS, (best) => best[Math.floor(Math.random() * best.length)]);
      const why = explain(decision);
      if (decision.node) {
        ctx.store.transaction(() => {
          ctx.api.bind(ns, name, decision.node!, { annotations: { [DECISION_ANNOTATION]: why } });
          recordEvent(ctx.api, { regarding: refTo(pod), type: "Normal", reason: "Scheduled", message: `Successfully assigned ${ns}/${name} to ${decision.node}`, component: SCHEDULER_NAME, at: now });
        });
        snap.assume(info, decision.node);
        unschedulable.delete(key);
        return;
      }
      unschedulable.add(key);
      const message = fitError(snap.nodes.size, decision.verdicts);
      ctx.store.transaction(() => {
        setUnschedulable(ctx, pod, "Unschedulable", message, why);
        recordEvent(ctx.api, { regarding: refTo(pod), type: "Warning", reason: "FailedScheduling", message, component: SCHEDULER_NAME, at: now });
      });
    },
  };
}

function setUnschedulable(ctx: ControllerContext, pod: Pod, reason: string, message: string, why: string | null) {
  const ns = pod.metadata.namespace!;
  const name = pod.metadata.name!;
  const prev = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
  if (!prev || prev.status !== "False" || prev.reason !== reason || prev.message !== message) {
    const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
    conditions.push({ type: "PodScheduled", status: "False", lastTransitionTime: prev?.status === "False" ? prev.lastTransitionTime : formatTime(ctx.clock.now()), reason, message });
    ctx.api.update(pods, ns, name, { ...pod, status: { ...pod.status, conditions } }, { subresource: "status", trusted: true });
  }
  if (why !== null && pod.metadata.annotations?.[DECISION_ANNOTATION] !== why) {
    ctx.api.patch(pods, ns, name, "merge", { metadata: { annotations: { [DECISION_ANNOTATION]: why } } }, { trusted: true });
  }
}
