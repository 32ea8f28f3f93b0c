// The taint eviction controller (the "taint manager"): pods on a node with NoExecute taints
// they do not tolerate are deleted at once; pods that tolerate them for tolerationSeconds (the
// default 300 s for not-ready and unreachable) are deleted when that time has passed.
import { ApiError } from "../machinery/errors";
import { formatTime, parseTime } from "../machinery/time";
import { recordEvent, refTo } from "../events";
import type { Node } from "../resources/node";
import { pods, type Pod } from "../resources/pod";
import type { TaintT } from "../resources/types/core";
import { tolerates } from "../scheduler/match";
import type { Controller, ControllerContext } from "../loop/loop";
import { podsOnNode } from "./nodeLifecycle";

export const TAINT_EVICTION = "taint-eviction";

/** When a pod must go because of a node's NoExecute taints: 0 = now, Infinity = never. */
export function evictionTime(pod: Pod, taints: TaintT[]): number {
  let at = Infinity;
  for (const taint of taints) {
    if (taint.effect !== "NoExecute") continue;
    const matching = (pod.spec?.tolerations ?? []).filter((t) => tolerates(t, taint));
    if (!matching.length) return 0;
    const seconds = Math.min(...matching.map((t) => (t.tolerationSeconds === undefined || t.tolerationSeconds === null ? Infinity : Math.max(0, t.tolerationSeconds))));
    if (seconds === Infinity) continue;
    const added = parseTime(taint.timeAdded ?? "") ?? 0;
    at = Math.min(at, added + seconds * 1000);
  }
  return at;
}

export const taintEvictionController: Controller = {
  name: TAINT_EVICTION,
  keysFor(c) {
    // Every node change: one whose NoExecute taints went away drops its pending eviction timer.
    return c.resource === "nodes" ? [c.name] : [];
  },
  resync(ctx) {
    return [...ctx.store.scan("nodes", "")].filter((r) => r.body.includes('"NoExecute"')).map((r) => r.name);
  },
  reconcile(name, ctx) {
    const node = ctx.api.peek<Node>("nodes", "", name);
    const taints = (node?.spec?.taints ?? []).filter((t) => t.effect === "NoExecute");
    if (!node || !taints.length) {
      ctx.cancel(TAINT_EVICTION, name);
      return;
    }
    const now = ctx.clock.now();
    let next = Infinity;
    for (const pod of podsOnNode(ctx, name)) {
      if (pod.metadata.deletionTimestamp || pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed") continue;
      const at = evictionTime(pod, taints);
      if (at <= now) evict(ctx, pod, Math.max(at, parseTime(taints[0].timeAdded ?? "") ?? now));
      else next = Math.min(next, at);
    }
    if (next !== Infinity) ctx.schedule(TAINT_EVICTION, name, next);
  },
};

function evict(ctx: ControllerContext, pod: Pod, at: number) {
  const ns = pod.metadata.namespace!;
  const name = pod.metadata.name!;
  ctx.store.transaction(() => {
    try {
      const conditions = (pod.status?.conditions ?? []).filter((c) => c.type !== "DisruptionTarget");
      conditions.push({ type: "DisruptionTarget", status: "True", lastTransitionTime: formatTime(at), reason: "DeletionByTaintManager", message: "Taint manager: deleting due to NoExecute taint" });
      ctx.api.update(pods, ns, name, { ...pod, status: { ...pod.status, conditions } }, { subresource: "status", trusted: true });
      recordEvent(ctx.api, { regarding: refTo(pod), type: "Normal", reason: "TaintManagerEviction", message: `Marking for deletion Pod ${ns}/${name}`, component: "taint-eviction-controller", at });
      ctx.api.delete(pods, ns, name, {});
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  });
}
