// The LimitRanger admission plugin, as kube-apiserver runs it (first in the chain): a new pod's
// containers and init containers get the namespace's LimitRange defaults (default limits,
// defaultRequest requests) where they state none, noted in the kubernetes.io/limit-ranger
// annotation; then pods (per Container and per Pod) and claims (per PersistentVolumeClaim) are
// held to min, max and maxLimitRequestRatio with the plugin's messages.
import { errors } from "../machinery/errors";
import { formatQuantity, parseQuantity, type Quantity } from "../machinery/quantity";
import type { LimitRange } from "../resources/limitrange";
import type { Pod } from "../resources/pod";
import type { ContainerT } from "../resources/types/core";
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from "./plugin";
import { podResources } from "./quotaUsage";

const ANNOTATION = "kubernetes.io/limit-ranger";
type List = Record<string, string>;

/** Whether the plugin looks at this write: pods on create, claims on create and update, never a subresource. */
function applies(a: AdmissionAttributes): boolean {
  if (a.subresource || !a.namespace) return false;
  if (a.old?.metadata.deletionTimestamp) return false;
  return a.storage === "pods" ? a.operation === "CREATE" : a.storage === "persistentvolumeclaims";
}

function limitRanges(a: AdmissionAttributes, ctx: AdmissionContext): LimitRange[] {
  return [...ctx.scan<LimitRange>("limitranges", a.namespace)];
}

// ---------------------------------------------------------------------------------------------
// Defaults

function mergeContainer(c: ContainerT, limits: List, requests: List, what: string, notes: string[]) {
  const set = (which: "limits" | "requests", defaults: List): string[] => {
    const added: string[] = [];
    for (const [k, v] of Object.entries(defaults)) {
      const mine = (c.resources?.[which] ?? {}) as List;
      if (mine[k] !== undefined) continue;
      c.resources = { ...(c.resources ?? {}), [which]: { ...mine, [k]: v } };
      added.push(k);
    }
    return added.sort();
  };
  const setLimits = set("limits", limits);
  const setRequests = set("requests", requests);
  if (setRequests.length) notes.push(`${setRequests.join(", ")} request for ${what} ${c.name}`);
  if (setLimits.length) notes.push(`${setLimits.join(", ")} limit for ${what} ${c.name}`);
}

function applyDefaults(pod: Pod, lr: LimitRange) {
  const limits: List = {};
  const requests: List = {};
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== "Container") continue;
    Object.assign(requests, item.defaultRequest ?? {});
    Object.assign(limits, item.default ?? {});
  }
  if (!Object.keys(limits).length && !Object.keys(requests).length) return;
  const notes: string[] = [];
  for (const c of pod.spec?.containers ?? []) mergeContainer(c, limits, requests, "container", notes);
  for (const c of pod.spec?.initContainers ?? []) mergeContainer(c, limits, requests, "init container", notes);
  if (notes.length) pod.metadata.annotations = { ...(pod.metadata.annotations ?? {}), [ANNOTATION]: `LimitRanger plugin set: ${notes.join("; ")}` };
}

// ---------------------------------------------------------------------------------------------
// Bounds (minConstraint, maxConstraint, maxRequestConstraint, limitRequestRatioConstraint)

/** The value in thousandths, rounded up, as Quantity.MilliValue compares them. */
function milli(q: Quantity): bigint {
  if (q.e >= -3) return q.m * 10n ** BigInt(q.e + 3);
  const d = 10n ** BigInt(-3 - q.e);
  const t = q.m / d;
  return q.m % d > 0n ? t + 1n : t;
}

type Side = Map<string, Quantity>;
const show = (q: Quantity) => formatQuantity(q);

function minConstraint(type: string, r: string, enforced: Quantity, req: Side, lim: Side): string | null {
  const rq = req.get(r);
  const lm = lim.get(r);
  if (!rq) return `minimum ${r} usage per ${type} is ${show(enforced)}.  No request is specified`;
  if (milli(rq) < milli(enforced)) return `minimum ${r} usage per ${type} is ${show(enforced)}, but request is ${show(rq)}`;
  if (lm && milli(lm) < milli(enforced)) return `minimum ${r} usage per ${type} is ${show(enforced)}, but limit is ${show(lm)}`;
  return null;
}

function maxConstraint(type: string, r: string, enforced: Quantity, req: Side, lim: Side): string | null {
  const rq = req.get(r);
  const lm = lim.get(r);
  if (!lm) return `maximum ${r} usage per ${type} is ${show(enforced)}.  No limit is specified`;
  if (milli(lm) > milli(enforced)) return `maximum ${r} usage per ${type} is ${show(enforced)}, but limit is ${show(lm)}`;
  if (rq && milli(rq) > milli(enforced)) return `maximum ${r} usage per ${type} is ${show(enforced)}, but request is ${show(rq)}`;
  return null;
}

function maxRequestConstraint(type: string, r: string, enforced: Quantity, req: Side): string | null {
  const rq = req.get(r);
  if (!rq) return `maximum ${r} usage per ${type} is ${show(enforced)}.  No request is specified`;
  if (milli(rq) > milli(enforced)) return `maximum ${r} usage per ${type} is ${show(enforced)}, but request is ${show(rq)}`;
  return null;
}

function ratioConstraint(type: string, r: string, enforced: Quantity, req: Side, lim: Side): string | null {
  const rq = req.get(r);
  const lm = lim.get(r);
  if (!rq || milli(rq) === 0n) return `${r} max limit to request ratio per ${type} is ${show(enforced)}, but no request is specified or request is 0`;
  if (!lm || milli(lm) === 0n) return `${r} max limit to request ratio per ${type} is ${show(enforced)}, but no limit is specified or limit is 0`;
  const ratio = Number(milli(lm)) / Number(milli(rq));
  if (ratio * 1000 > Number(milli(enforced))) return `${r} max limit to request ratio per ${type} is ${show(enforced)}, but provided ratio is ${ratio.toFixed(6)}`;
  return null;
}

const side = (list: List | undefined): Side => new Map(Object.entries(list ?? {}).map(([k, v]) => [k, parseQuantity(v)]));
/** A LimitRange item's list in a stable order (Go ranges over a map; any order is upstream's). */
const entries = (list: List | undefined): [string, Quantity][] =>
  Object.keys(list ?? {})
    .sort()
    .map((k) => [k, parseQuantity(list![k])]);

function podProblems(pod: Pod, lr: LimitRange): string[] {
  const out: string[] = [];
  const add = (m: string | null) => m && out.push(m);
  for (const item of lr.spec?.limits ?? []) {
    if (item.type === "Container") {
      for (const c of [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])]) {
        const req = side(c.resources?.requests as List | undefined);
        const lim = side(c.resources?.limits as List | undefined);
        for (const [k, v] of entries(item.min)) add(minConstraint("Container", k, v, req, lim));
        for (const [k, v] of entries(item.max)) add(maxConstraint("Container", k, v, req, lim));
        for (const [k, v] of entries(item.maxLimitRequestRatio)) add(ratioConstraint("Container", k, v, req, lim));
      }
    } else if (item.type === "Pod") {
      // The pod's own overhead is not LimitRanger's to count.
      const bare = pod.spec?.overhead ? ({ ...pod, spec: { ...pod.spec, overhead: undefined } } as Pod) : pod;
      const req = podResources(bare, "requests");
      const lim = podResources(bare, "limits");
      for (const [k, v] of entries(item.min)) add(minConstraint("Pod", k, v, req, lim));
      for (const [k, v] of entries(item.max)) add(maxConstraint("Pod", k, v, req, lim));
      for (const [k, v] of entries(item.maxLimitRequestRatio)) add(ratioConstraint("Pod", k, v, req, lim));
    }
  }
  return out;
}

interface Claim {
  spec?: { resources?: { requests?: List } };
}

function claimProblems(pvc: Claim, lr: LimitRange): string[] {
  const out: string[] = [];
  const req = side(pvc.spec?.resources?.requests);
  for (const item of lr.spec?.limits ?? []) {
    if (item.type !== "PersistentVolumeClaim") continue;
    for (const [k, v] of entries(item.min)) {
      const m = minConstraint("PersistentVolumeClaim", k, v, req, new Map());
      if (m) out.push(m);
    }
    for (const [k, v] of entries(item.max)) {
      const m = maxRequestConstraint("PersistentVolumeClaim", k, v, req);
      if (m) out.push(m);
    }
  }
  return out;
}

/** utilerrors.NewAggregate(...).Error(): one message as it is, several deduplicated in brackets. */
function aggregate(messages: string[]): string {
  const seen = [...new Set(messages)];
  return seen.length === 1 ? seen[0] : `[${seen.join(", ")}]`;
}

export const limitRanger: AdmissionPlugin = {
  name: "LimitRanger",
  resources: ["pods", "persistentvolumeclaims"],
  mutate(a, ctx) {
    if (!applies(a) || a.storage !== "pods") return;
    for (const lr of limitRanges(a, ctx)) applyDefaults(a.object as Pod, lr);
  },
  validate(a, ctx) {
    if (!applies(a)) return;
    for (const lr of limitRanges(a, ctx)) {
      const problems = a.storage === "pods" ? podProblems(a.object as Pod, lr) : claimProblems(a.object as Claim, lr);
      if (problems.length) throw errors.forbidden(a.def.group, a.def.plural, a.name, aggregate(problems));
    }
  },
};
