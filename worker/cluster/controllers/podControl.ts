// What the workload controllers share about pods: making one from a template with an owner
// reference, readiness and availability (ready for minReadySeconds on the cluster clock), and
// the order in which surplus pods are deleted (kube-controller-manager's ActivePodsWithRanks).
import { parseTime } from "../machinery/time";
import { ApiError } from "../machinery/errors";
import { controllerRefOf, type StoredOwnerRef } from "../machinery/storedMeta";
import { recordEvent, recordEventOnce, refTo } from "../events";
import type { KObject } from "../resources/define";
import { pods, type Pod } from "../resources/pod";
import type { PodTemplateSpecT } from "../resources/types/core";
import { ObjectBoundError, type Change } from "../store/store";
import type { ControllerContext } from "../loop/loop";

export type OwnerRef = StoredOwnerRef;

export function controllerRef(owner: KObject): OwnerRef {
  return { apiVersion: owner.apiVersion, kind: owner.kind, name: owner.metadata.name!, uid: owner.metadata.uid!, controller: true, blockOwnerDeletion: true };
}

/** The controlling owner reference of an object, if any. */
export function controllerOf(obj: KObject): OwnerRef | undefined {
  return (obj.metadata.ownerReferences as OwnerRef[] | undefined)?.find((r) => r.controller);
}

/**
 * The pods of a namespace that `uid` controls, and with `orphans` also those no controller owns.
 * Rows are tested as text before they are parsed: a namespace of thousands of pods costs a
 * string search per pod, not a parse, on every reconcile.
 */
export function* podsOf(ctx: ControllerContext, namespace: string, uid: string, opts: { orphans?: boolean } = {}): Generator<Pod> {
  for (const row of ctx.store.scan("pods", namespace)) {
    const mine = row.body.includes(uid);
    if (!mine && !(opts.orphans && !row.body.includes('"controller":true'))) continue;
    const p = JSON.parse(row.body) as Pod;
    if (mine && controllerOf(p)?.uid !== uid && !opts.orphans) continue;
    yield p;
  }
}

/**
 * The queue keys ("namespace/name") a change gives a controller of `kind` stored at `storage`:
 * the object's own changes, and changes to the `dependents` it controls.
 */
export function ownerKeys(c: Change, storage: string, kind: string, dependents = "pods"): string[] {
  if (c.resource === storage) return c.type === "DELETED" ? [] : [`${c.namespace}/${c.name}`];
  if (c.resource !== dependents) return [];
  if (!c.meta && !c.body.includes(`"kind":"${kind}"`)) return [];
  const owner = controllerRefOf(c);
  return owner?.kind === kind ? [`${c.namespace}/${owner.name}`] : [];
}

/** Every stored object of `storage` as a queue key (a controller's resync). */
export function allKeys(ctx: ControllerContext, storage: string): string[] {
  return [...ctx.store.scan(storage, null)].map((r) => `${r.namespace}/${r.name}`);
}

export function isActive(p: Pod): boolean {
  return !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed";
}

/** The pod's Ready condition when it is True. */
function readyCondition(p: Pod) {
  const c = p.status?.conditions?.find((x) => x.type === "Ready");
  return c?.status === "True" ? c : null;
}

/** When the pod became Ready (cluster ms), or null when it is not ready. */
export function readySince(p: Pod): number | null {
  const c = readyCondition(p);
  return c ? (parseTime(c.lastTransitionTime ?? "") ?? 0) : null;
}

// The time is parsed only when minReadySeconds asks for it: a sync counts every pod of its
// ReplicaSet, thousands of them, each time it runs.
export function isReady(p: Pod): boolean {
  return readyCondition(p) !== null;
}

/** Ready for at least minReadySeconds at `now`. */
export function isAvailable(p: Pod, minReadySeconds: number, now: number): boolean {
  if (minReadySeconds <= 0) return isReady(p);
  const since = readySince(p);
  return since !== null && since + minReadySeconds * 1000 <= now;
}

/** When a ready pod will become available, for a timer; null if it is not ready or already is. */
export function availableAt(p: Pod, minReadySeconds: number, now: number): number | null {
  if (minReadySeconds <= 0) return null;
  const since = readySince(p);
  if (since === null) return null;
  const at = since + minReadySeconds * 1000;
  return at > now ? at : null;
}

/** Creates a pod from a template, owned by `owner` (generateName "<owner>-"). */
export function createPod(ctx: ControllerContext, owner: KObject, template: PodTemplateSpecT, extra: { name?: string; generateName?: string; labels?: Record<string, string>; hostname?: string; subdomain?: string } = {}): Pod {
  const t = structuredClone(template);
  const metadata: Record<string, unknown> = {
    ...(extra.name ? { name: extra.name } : { generateName: extra.generateName ?? `${owner.metadata.name}-` }),
    labels: { ...(t.metadata?.labels ?? {}), ...(extra.labels ?? {}) },
    ...(t.metadata?.annotations ? { annotations: t.metadata.annotations } : {}),
    ...(t.metadata?.finalizers ? { finalizers: t.metadata.finalizers } : {}),
    ownerReferences: [controllerRef(owner)],
  };
  const spec = { ...t.spec!, ...(extra.hostname ? { hostname: extra.hostname } : {}), ...(extra.subdomain ? { subdomain: extra.subdomain } : {}) };
  // trusted: the template was validated with its owner; admission still runs (service account, tolerations)
  return ctx.api.create(pods, owner.metadata.namespace!, { apiVersion: "v1", kind: "Pod", metadata, spec }, { trusted: true }).object as Pod;
}

const PHASE_RANK: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

/**
 * Pods ordered for deletion, first to go first: unassigned before assigned, Pending before
 * Unknown before Running, not ready before ready, ready for less time first, more restarts
 * first, newer before older.
 */
export function deletionOrder(list: Pod[]): Pod[] {
  const restarts = (p: Pod) => (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
  return [...list].sort((a, b) => {
    const assigned = Number(!!a.spec?.nodeName) - Number(!!b.spec?.nodeName);
    if (assigned) return assigned;
    const phase = (PHASE_RANK[a.status?.phase ?? "Pending"] ?? 0) - (PHASE_RANK[b.status?.phase ?? "Pending"] ?? 0);
    if (phase) return phase;
    const ra = readySince(a);
    const rb = readySince(b);
    if ((ra === null) !== (rb === null)) return ra === null ? -1 : 1;
    if (ra !== null && rb !== null && ra !== rb) return rb - ra;
    const rs = restarts(b) - restarts(a);
    if (rs) return rs;
    return (parseTime(b.metadata.creationTimestamp ?? "") ?? 0) - (parseTime(a.metadata.creationTimestamp ?? "") ?? 0);
  });
}

/** Where a controller whose create was refused parks, and how it names itself in its report. */
export interface BoundReport {
  controller: string;
  key: string;
  component: string;
  /** The FailedCreate message, in the controller's own words, from the refusal. */
  message(err: Error): string;
}

/**
 * Runs `create`. When the cluster's object bound refuses it, the owner reports that once (a
 * FailedCreate warning, not rewritten while the bound stands) and its key waits until objects
 * are deleted instead of retrying on a timer. When admission refuses it (a quota, a limit
 * range), the owner reports a FailedCreate warning with the API's message and its key is tried
 * again after a backoff (1 s doubling to 5 min, cluster time), or as soon as a quota in the
 * namespace has more room. Either way the refusal is returned; other errors propagate.
 */
export function createWithinBound(ctx: ControllerContext, owner: KObject, report: BoundReport, create: () => void): Error | null {
  try {
    create();
    refusalsOf(ctx).failures.delete(`${report.controller}\u0000${report.key}`);
    return null;
  } catch (e) {
    if (e instanceof ObjectBoundError) {
      recordEventOnce(ctx.api, { regarding: refTo(owner), type: "Warning", reason: "FailedCreate", message: report.message(e), component: report.component, at: ctx.clock.now() });
      ctx.waitForRoom(report.controller, report.key);
      return e;
    }
    if (!(e instanceof ApiError) || (e.code !== 403 && e.code !== 422)) throw e;
    // A namespace being deleted refuses quietly, as the pod control does (NamespaceTerminatingCause).
    if (!e.message.endsWith("because it is being terminated"))
      recordEvent(ctx.api, { regarding: refTo(owner), type: "Warning", reason: "FailedCreate", message: report.message(e), component: report.component, at: ctx.clock.now() });
    retryLater(ctx, report.controller, report.key, owner.metadata.namespace ?? "");
    return e;
  }
}

/** Per cluster: how often each refused key failed in a row, and the refused keys by namespace. */
interface Refusals {
  failures: Map<string, number>;
  byNamespace: Map<string, Set<string>>;
}
const refusals = new WeakMap<object, Refusals>();
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 5 * 60 * 1000;

function refusalsOf(ctx: ControllerContext): Refusals {
  let r = refusals.get(ctx.api);
  if (!r) refusals.set(ctx.api, (r = { failures: new Map(), byNamespace: new Map() }));
  return r;
}

function retryLater(ctx: ControllerContext, controller: string, key: string, namespace: string) {
  const r = refusalsOf(ctx);
  const id = `${controller}\u0000${key}`;
  const n = (r.failures.get(id) ?? 0) + 1;
  r.failures.set(id, n);
  ctx.schedule(controller, key, ctx.clock.now() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (n - 1)));
  const waiting = r.byNamespace.get(namespace) ?? new Set<string>();
  r.byNamespace.set(namespace, waiting.add(id));
}

/** Whether refused keys wait in memory for a quota to have room (a restart would forget them). */
export function waitingOnQuota(api: object): boolean {
  return (refusals.get(api)?.byNamespace.size ?? 0) > 0;
}

/** A quota in `namespace` has more room: what it refused there is tried again now. */
export function retryRefused(ctx: ControllerContext, namespace: string) {
  const r = refusalsOf(ctx);
  const waiting = r.byNamespace.get(namespace);
  if (!waiting) return;
  r.byNamespace.delete(namespace);
  const now = ctx.clock.now();
  for (const id of waiting) {
    const [controller, key] = id.split("\u0000");
    ctx.schedule(controller, key, now);
  }
}

/** kube-controller-manager's pod control wording for a refused create. */
export function errorCreating(err: Error): string {
  return `Error creating: ${err.message}`;
}
