// The HorizontalPodAutoscaler controller, with kube-controller-manager's arithmetic: desired =
// ceil(current × usage / target) over the ready pods, a 10% tolerance, the bounds, scale-up
// policies (double or +4 pods per 15 s by default) and the scale-down stabilization window (the
// highest recommendation of the last 300 s). Usage is simulated from the cluster's state
// (node/usage.ts), so instead of polling every 15 s the controller runs when pods, services or
// the target change, and on timers for its windows.
import { ApiError } from "../machinery/errors";
import { milliValue, quantityToNumber } from "../machinery/quantity";
import { fromStructured, matchesLabels, parseLabelSelector, type LabelSelector } from "../machinery/selectors";
import { formatTime } from "../machinery/time";
import { recordEvent, refTo } from "../events";
import type { KObject, ResourceDef } from "../resources/define";
import { horizontalPodAutoscalers, type HorizontalPodAutoscaler } from "../resources/horizontalpodautoscaler";
import { usageByPod } from "../node/usage";
import { storageOf } from "../resources/define";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";

export const HPA = "horizontal-pod-autoscaler";
const COMPONENT = "horizontal-pod-autoscaler";
const TOLERANCE = 0.1;
const DEFAULT_DOWN_WINDOW_S = 300;

type Condition = { type: string; status: string; reason: string; message: string; lastTransitionTime?: string };

export function horizontalPodAutoscalerController(): Controller {
  /** The autoscalers of each namespace that has any: only their pod changes concern this controller. */
  const namespaces = new Map<string, Set<string>>();
  /** Recent recommendations per autoscaler (as kube-controller-manager keeps them in memory). */
  const recommendations = new Map<string, { at: number; replicas: number }[]>();
  /** Scale events per autoscaler, for the rate policies. */
  const scaleEvents = new Map<string, { at: number; change: number }[]>();

  return {
    name: HPA,
    keysFor(c) {
      if (c.resource === "autoscaling/horizontalpodautoscalers") {
        // A set, not a count: a change replayed after a restart may be one the index already holds.
        const names = namespaces.get(c.namespace) ?? new Set<string>();
        if (c.type === "DELETED") {
          names.delete(c.name);
          if (!names.size) namespaces.delete(c.namespace);
          recommendations.delete(`${c.namespace}/${c.name}`);
          scaleEvents.delete(`${c.namespace}/${c.name}`);
          return [];
        }
        namespaces.set(c.namespace, names.add(c.name));
        return [`${c.namespace}/${c.name}`];
      }
      if (!namespaces.has(c.namespace)) return [];
      if (["pods", "services", "apps/deployments", "apps/replicasets", "apps/statefulsets", "replicationcontrollers"].includes(c.resource)) return [`${c.namespace}/*`];
      return [];
    },
    restore(ctx) {
      namespaces.clear();
      for (const r of ctx.store.scan("autoscaling/horizontalpodautoscalers", null)) namespaces.set(r.namespace, (namespaces.get(r.namespace) ?? new Set<string>()).add(r.name));
    },
    resync(ctx) {
      return [...ctx.store.scan("autoscaling/horizontalpodautoscalers", null)].map((r) => `${r.namespace}/${r.name}`);
    },
    regarding(key) {
      const [namespace, name] = splitKey(key);
      return name === "*" ? null : { apiVersion: "autoscaling/v2", kind: "HorizontalPodAutoscaler", namespace, name };
    },
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const list = name === "*" ? [...ctx.api.scanStored<HorizontalPodAutoscaler>("autoscaling/horizontalpodautoscalers", ns)] : [ctx.api.peek<HorizontalPodAutoscaler>("autoscaling/horizontalpodautoscalers", ns, name)];
      for (const h of list) if (h && !h.metadata.deletionTimestamp) ctx.store.transaction(() => sync(ctx, h, recommendations, scaleEvents));
    },
  };
}

interface Target {
  def: ResourceDef;
  obj: KObject & { spec?: { replicas?: number; selector?: unknown } };
  selector: LabelSelector;
}

function targetOf(ctx: ControllerContext, h: HorizontalPodAutoscaler): Target | string {
  const ref = h.spec!.scaleTargetRef;
  const [group, version] = (ref.apiVersion ?? "apps/v1").includes("/") ? (ref.apiVersion ?? "apps/v1").split("/") : ["", ref.apiVersion!];
  const def = ctx.api.registry.findKind(group, version, ref.kind);
  if (!def || !def.subresources?.some((s) => s.name === "scale")) return `the HPA controller was unable to get the target's current scale: no matches for kind "${ref.kind}" in group "${group}"`;
  const obj = ctx.api.peek<Target["obj"]>(storageOf(def), h.metadata.namespace!, ref.name);
  if (!obj) return `the HPA controller was unable to get the target's current scale: ${def.plural}${def.group ? "." + def.group : ""} "${ref.name}" not found`;
  const raw = obj.spec?.selector as Record<string, unknown> | undefined;
  const selector = !raw ? [] : "matchLabels" in raw || "matchExpressions" in raw ? fromStructured(raw as never) : parseLabelSelector(Object.entries(raw).map(([k, v]) => `${k}=${v}`).join(","));
  return { def, obj, selector };
}

function setCondition(list: Condition[], c: Condition, now: number): Condition[] {
  const prev = list.find((x) => x.type === c.type);
  const next = { ...c, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : formatTime(now) };
  return [...list.filter((x) => x.type !== c.type), next].sort((a, b) => ["AbleToScale", "ScalingActive", "ScalingLimited"].indexOf(a.type) - ["AbleToScale", "ScalingActive", "ScalingLimited"].indexOf(b.type));
}

function sync(ctx: ControllerContext, h: HorizontalPodAutoscaler, recommendations: Map<string, { at: number; replicas: number }[]>, scaleEvents: Map<string, { at: number; change: number }[]>) {
  const now = ctx.clock.now();
  const ns = h.metadata.namespace!;
  const key = `${ns}/${h.metadata.name}`;
  const spec = h.spec!;
  const min = spec.minReplicas ?? 1;
  const max = spec.maxReplicas;
  let conditions = (h.status?.conditions ?? []) as Condition[];
  const write = (status: Record<string, unknown>) => {
    const fresh = ctx.api.peek<HorizontalPodAutoscaler>("autoscaling/horizontalpodautoscalers", ns, h.metadata.name!)!;
    const next = { ...status, observedGeneration: fresh.metadata.generation, conditions };
    if (JSON.stringify(next) !== JSON.stringify(fresh.status ?? {})) ctx.api.update(horizontalPodAutoscalers, ns, h.metadata.name!, { ...fresh, status: next }, { subresource: "status", trusted: true });
  };

  const target = targetOf(ctx, h);
  if (typeof target === "string") {
    conditions = setCondition(conditions, { type: "AbleToScale", status: "False", reason: "FailedGetScale", message: target }, now);
    write({ currentReplicas: h.status?.currentReplicas ?? 0, desiredReplicas: h.status?.desiredReplicas ?? 0 });
    return;
  }
  const current = target.obj.spec?.replicas ?? 1;
  if (current === 0 && min > 0) {
    conditions = setCondition(conditions, { type: "ScalingActive", status: "False", reason: "ScalingDisabled", message: "scaling is disabled since the replica count of the target is zero" }, now);
    write({ currentReplicas: 0, desiredReplicas: 0 });
    return;
  }

  // Metrics: the ready pods of the target, their usage and requests.
  const usage = usageByPod((s, n) => ctx.api.scanStored(s, n), ctx.simulation(), ns).filter(
    ({ pod }) => target.selector.length > 0 && matchesLabels(target.selector, pod.metadata.labels) && !pod.metadata.deletionTimestamp,
  );
  const ready = usage.filter(({ pod }) => pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True"));
  let desired = 0;
  let problem: string | null = null;
  const currentMetrics: unknown[] = [];
  let reason = "";
  for (const m of spec.metrics ?? []) {
    if (m.type !== "Resource" || !m.resource) {
      problem = `the HPA was unable to compute the replica count: unable to get metric of type ${m.type}: only Resource metrics are simulated`;
      continue;
    }
    const resource = m.resource.name;
    if (resource !== "cpu" && resource !== "memory") {
      problem = `the HPA was unable to compute the replica count: unable to get metrics for resource ${resource}`;
      continue;
    }
    if (!ready.length) {
      problem = `the HPA was unable to compute the replica count: unable to get metrics for resource ${resource}: no metrics returned from resource metrics API`;
      continue;
    }
    const amount = (u: (typeof ready)[number]) => u.containers.reduce((n, c) => n + (resource === "cpu" ? c.milliCPU : c.memory), 0);
    const total = ready.reduce((n, u) => n + amount(u), 0);
    const t = m.resource.target;
    let ratio: number;
    if (t.type === "Utilization") {
      let requested = 0;
      for (const { pod } of ready) {
        for (const c of pod.spec?.containers ?? []) {
          const r = c.resources?.requests?.[resource];
          if (r === undefined) {
            problem = `the HPA was unable to compute the replica count: failed to get ${resource} utilization: missing request for ${resource} in container ${c.name} of Pod ${pod.metadata.name}`;
            requested = -1;
            break;
          }
          requested += resource === "cpu" ? milliValue(r as string) : quantityToNumber(r as string);
        }
        if (requested < 0) break;
      }
      if (requested <= 0) continue;
      const utilization = Math.round((total * 100) / requested);
      ratio = utilization / (t.averageUtilization ?? 80);
      currentMetrics.push({ type: "Resource", resource: { name: resource, current: { averageUtilization: utilization, averageValue: resource === "cpu" ? `${Math.round(total / ready.length)}m` : String(Math.round(total / ready.length)) } } });
      reason = `${resource} resource utilization (percentage of request)`;
    } else {
      const want = t.averageValue ?? t.value;
      const per = total / ready.length;
      const wantN = resource === "cpu" ? milliValue(String(want)) : quantityToNumber(String(want));
      ratio = wantN > 0 ? per / wantN : 1;
      currentMetrics.push({ type: "Resource", resource: { name: resource, current: { averageValue: resource === "cpu" ? `${Math.round(per)}m` : String(Math.round(per)) } } });
      reason = `${resource} resource`;
    }
    const proposal = Math.abs(ratio - 1) <= TOLERANCE ? current : Math.ceil(ratio * ready.length);
    if (proposal > desired) desired = proposal;
  }
  if (!currentMetrics.length) {
    conditions = setCondition(conditions, { type: "ScalingActive", status: "False", reason: "FailedGetResourceMetric", message: problem ?? "the HPA was unable to compute the replica count" }, now);
    if (!conditions.some((c) => c.type === "AbleToScale")) conditions = setCondition(conditions, { type: "AbleToScale", status: "True", reason: "SucceededGetScale", message: "the HPA controller was able to get the target's current scale" }, now);
    write({ currentReplicas: current, desiredReplicas: h.status?.desiredReplicas ?? 0, ...(h.status?.lastScaleTime ? { lastScaleTime: h.status.lastScaleTime } : {}) });
    return;
  }
  conditions = setCondition(conditions, { type: "ScalingActive", status: "True", reason: "ValidMetricFound", message: `the HPA was able to successfully calculate a replica count from ${reason}` }, now);

  // Stabilization (scale down: the highest recommendation in the window) and rate limits.
  const recs = (recommendations.get(key) ?? []).filter((r) => r.at > now - windowOf(h, "down") * 1000);
  recs.push({ at: now, replicas: desired });
  recommendations.set(key, recs);
  let stabilized = desired;
  if (desired < current) stabilized = Math.min(current, Math.max(...recs.map((r) => r.replicas)));
  const upWindow = windowOf(h, "up");
  if (desired > current && upWindow > 0) stabilized = Math.max(current, Math.min(...recs.filter((r) => r.at > now - upWindow * 1000).map((r) => r.replicas)));

  const events = (scaleEvents.get(key) ?? []).filter((e) => e.at > now - 1800_000);
  scaleEvents.set(key, events);
  const [upLimit, upNext] = rateLimit(h, "up", current, events, now);
  const [downLimit, downNext] = rateLimit(h, "down", current, events, now);
  let next = Math.min(Math.max(stabilized, downLimit), upLimit);
  let limited: Condition = { type: "ScalingLimited", status: "False", reason: "DesiredWithinRange", message: "the desired count is within the acceptable range" };
  if (next !== stabilized) limited = { type: "ScalingLimited", status: "True", reason: next < stabilized ? "ScaleUpLimit" : "ScaleDownLimit", message: `the desired replica count is ${next < stabilized ? "increasing" : "decreasing"} faster than the maximum scale rate` };
  if (next > max) {
    next = max;
    limited = { type: "ScalingLimited", status: "True", reason: "TooManyReplicas", message: "the desired replica count is more than the maximum replica count" };
  } else if (next < min) {
    next = min;
    limited = { type: "ScalingLimited", status: "True", reason: "TooFewReplicas", message: "the desired replica count is less than the minimum replica count" };
  }
  conditions = setCondition(conditions, limited, now);

  let lastScaleTime = h.status?.lastScaleTime;
  if (next !== current) {
    try {
      ctx.api.patch(target.def, ns, target.obj.metadata.name!, "merge", { spec: { replicas: next } }, { trusted: true });
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
      conditions = setCondition(conditions, { type: "AbleToScale", status: "False", reason: "FailedUpdateScale", message: `the HPA controller was unable to update the target scale: ${e.message}` }, now);
      write({ currentReplicas: current, desiredReplicas: next, currentMetrics });
      return;
    }
    events.push({ at: now, change: next - current });
    lastScaleTime = formatTime(now);
    const why = next > current ? `${reason} above target` : "All metrics below target";
    recordEvent(ctx.api, { regarding: refTo(h), type: "Normal", reason: "SuccessfulRescale", message: `New size: ${next}; reason: ${why}`, component: COMPONENT, at: now });
    conditions = setCondition(conditions, { type: "AbleToScale", status: "True", reason: "SucceededRescale", message: `the HPA controller was able to update the target scale to ${next}` }, now);
  } else {
    conditions = setCondition(conditions, { type: "AbleToScale", status: "True", reason: "ReadyForNewScale", message: "recommended size matches current size" }, now);
  }

  // Wake when a window moves: the oldest higher recommendation leaves it, or a rate period ends.
  const wakes: number[] = [];
  if (desired < next) {
    const higher = recs.filter((r) => r.replicas > desired).map((r) => r.at + windowOf(h, "down") * 1000);
    if (higher.length) wakes.push(Math.min(...higher) + 1);
  }
  if (limited.reason === "ScaleUpLimit" && upNext) wakes.push(upNext);
  if (limited.reason === "ScaleDownLimit" && downNext) wakes.push(downNext);
  if (wakes.length) ctx.schedule(HPA, key, Math.min(...wakes));
  write({ ...(lastScaleTime ? { lastScaleTime } : {}), currentReplicas: current, desiredReplicas: next, currentMetrics });
}

function windowOf(h: HorizontalPodAutoscaler, dir: "up" | "down"): number {
  const rules = dir === "up" ? h.spec?.behavior?.scaleUp : h.spec?.behavior?.scaleDown;
  return rules?.stabilizationWindowSeconds ?? (dir === "down" ? DEFAULT_DOWN_WINDOW_S : 0);
}

/** The furthest the policies allow this period, and when the period frees up. */
function rateLimit(h: HorizontalPodAutoscaler, dir: "up" | "down", current: number, events: { at: number; change: number }[], now: number): [number, number | null] {
  const rules = dir === "up" ? h.spec?.behavior?.scaleUp : h.spec?.behavior?.scaleDown;
  if (rules?.selectPolicy === "Disabled") return [current, null];
  const policies = rules?.policies ?? (dir === "up" ? [{ type: "Percent", value: 100, periodSeconds: 15 }, { type: "Pods", value: 4, periodSeconds: 15 }] : [{ type: "Percent", value: 100, periodSeconds: 15 }]);
  const pick = rules?.selectPolicy === "Min" ? Math.min : Math.max;
  const limits: number[] = [];
  let freeAt: number | null = null;
  for (const p of policies) {
    const inPeriod = events.filter((e) => e.at > now - p.periodSeconds * 1000 && (dir === "up" ? e.change > 0 : e.change < 0));
    const changed = inPeriod.reduce((n, e) => n + Math.abs(e.change), 0);
    const base = dir === "up" ? current - changed : current + changed;
    if (dir === "up") limits.push(p.type === "Pods" ? base + p.value : Math.ceil(base * (1 + p.value / 100)));
    else limits.push(p.type === "Pods" ? base - p.value : Math.floor(base * (1 - p.value / 100)));
    if (inPeriod.length) {
      const at = Math.min(...inPeriod.map((e) => e.at)) + p.periodSeconds * 1000 + 1;
      freeAt = freeAt === null ? at : Math.min(freeAt, at);
    }
  }
  return [pick(...limits), freeAt];
}
