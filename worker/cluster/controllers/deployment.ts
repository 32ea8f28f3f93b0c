// The Deployment controller: one ReplicaSet per pod template (named with the template's hash),
// rolled out by RollingUpdate (maxSurge, maxUnavailable) or Recreate; revisions in annotations,
// reused when an old template comes back (kubectl rollout undo); old ReplicaSets pruned to
// revisionHistoryLimit; pause; progress deadline; the status and conditions kubectl reads.
import { ApiError } from "../machinery/errors";
import { fromStructured, matchesLabels } from "../machinery/selectors";
import { formatTime, parseTime } from "../machinery/time";
import { recordEvent, refTo } from "../events";
import { deployments, REVISION_ANNOTATION, type Deployment } from "../resources/deployment";
import type { KObject } from "../resources/define";
import { replicaSets, type ReplicaSet } from "../resources/replicaset";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { allKeys, controllerOf, controllerRef } from "./podControl";
import { HASH_LABEL, sameTemplate, templateHash } from "./revisions";

export const DEPLOYMENT = "deployment";
const DESIRED = "deployment.kubernetes.io/desired-replicas";
const MAX = "deployment.kubernetes.io/max-replicas";
const HISTORY = "deployment.kubernetes.io/revision-history";
const COMPONENT = "deployment-controller";
/** Annotations of a Deployment that are not copied to its ReplicaSets. */
const NOT_COPIED = new Set([REVISION_ANNOTATION, HISTORY, DESIRED, MAX, "kubectl.kubernetes.io/last-applied-configuration"]);

function revisionOf(rs: KObject): number {
  return Number(rs.metadata.annotations?.[REVISION_ANNOTATION] ?? 0) || 0;
}

/** maxSurge and maxUnavailable as numbers (surge rounds up, unavailable down; not both 0). */
export function fenceposts(d: Deployment): { surge: number; unavailable: number } {
  const replicas = d.spec?.replicas ?? 1;
  if (d.spec?.strategy?.type === "Recreate") return { surge: 0, unavailable: replicas };
  const ru = d.spec?.strategy?.rollingUpdate ?? {};
  const scaled = (v: unknown, up: boolean, dflt: string) => {
    const x = v ?? dflt;
    if (typeof x === "number") return x;
    const m = /^(\d+)%$/.exec(String(x));
    if (m) return (up ? Math.ceil : Math.floor)((Number(m[1]) * replicas) / 100);
    return Number(x) || 0;
  };
  const surge = scaled(ru.maxSurge, true, "25%");
  let unavailable = scaled(ru.maxUnavailable, false, "25%");
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export const deploymentController: Controller = {
  name: DEPLOYMENT,
  keysFor(c) {
    if (c.resource === "apps/deployments") return c.type === "DELETED" ? [] : [`${c.namespace}/${c.name}`];
    if (c.resource === "apps/replicasets") {
      if (!c.body.includes('"kind":"Deployment"')) return c.type === "DELETED" ? [] : [`${c.namespace}/*`];
      const owner = controllerOf(JSON.parse(c.body) as KObject);
      return owner?.kind === "Deployment" ? [`${c.namespace}/${owner.name}`] : [];
    }
    return [];
  },
  resync(ctx) {
    return allKeys(ctx, "apps/deployments");
  },
  regarding(key) {
    const [namespace, name] = splitKey(key);
    return name === "*" ? null : { apiVersion: "apps/v1", kind: "Deployment", namespace, name };
  },
  reconcile(key, ctx) {
    const [ns, name] = splitKey(key);
    const targets = name === "*" ? [...ctx.api.scanStored<Deployment>("apps/deployments", ns)] : [ctx.api.peek<Deployment>("apps/deployments", ns, name)].filter((d): d is Deployment => !!d);
    for (const d of targets) if (!d.metadata.deletionTimestamp) ctx.store.transaction(() => sync(ctx, d));
  },
};

function ownedReplicaSets(ctx: ControllerContext, d: Deployment): ReplicaSet[] {
  const sel = fromStructured(d.spec?.selector);
  const out: ReplicaSet[] = [];
  for (const rs of ctx.api.scanStored<ReplicaSet>("apps/replicasets", d.metadata.namespace!)) {
    const ref = controllerOf(rs);
    if (ref?.uid === d.metadata.uid) out.push(rs);
    else if (!ref && !rs.metadata.deletionTimestamp && sel.length && matchesLabels(sel, rs.spec?.template?.metadata?.labels ?? {})) {
      // adopt an orphaned ReplicaSet that matches
      const refs = [...((rs.metadata.ownerReferences as unknown[]) ?? []), controllerRef(d)];
      out.push(ctx.api.patch(replicaSets, rs.metadata.namespace!, rs.metadata.name!, "merge", { metadata: { ownerReferences: refs } }, { trusted: true }).object as ReplicaSet);
    }
  }
  return out;
}

function scaleRs(ctx: ControllerContext, d: Deployment, rs: ReplicaSet, replicas: number, now: number): ReplicaSet {
  const from = rs.spec?.replicas ?? 0;
  const { surge } = fenceposts(d);
  const annotations = { ...(rs.metadata.annotations ?? {}), [DESIRED]: String(d.spec?.replicas ?? 1), [MAX]: String((d.spec?.replicas ?? 1) + surge) };
  if (from === replicas && rs.metadata.annotations?.[DESIRED] === annotations[DESIRED] && rs.metadata.annotations?.[MAX] === annotations[MAX]) return rs;
  const updated = ctx.api.update(replicaSets, rs.metadata.namespace!, rs.metadata.name!, { ...rs, metadata: { ...rs.metadata, annotations }, spec: { ...rs.spec, replicas } }, { trusted: true }).object as ReplicaSet;
  // The caller's copy follows, so a second write in the same sync carries the new resourceVersion.
  rs.metadata = updated.metadata;
  rs.spec = updated.spec;
  if (from !== replicas)
    recordEvent(ctx.api, { regarding: refTo(d), type: "Normal", reason: "ScalingReplicaSet", message: `Scaled ${replicas > from ? "up" : "down"} replica set ${rs.metadata.name} from ${from} to ${replicas}`, component: COMPONENT, at: now });
  return updated;
}

function sync(ctx: ControllerContext, d: Deployment) {
  const now = ctx.clock.now();
  const ns = d.metadata.namespace!;
  const all = ownedReplicaSets(ctx, d);
  const replicas = d.spec?.replicas ?? 1;
  const maxRevision = Math.max(0, ...all.map(revisionOf));
  let newRs = all.find((rs) => sameTemplate(rs.spec?.template, d.spec?.template));
  let progressed: { reason: string; message: string } | null = null;

  // A paused Deployment only scales; a new template waits for resume.
  if (!newRs && !d.spec?.paused) {
    const hash = templateHash(d.spec?.template, d.status?.collisionCount ?? 0);
    const template = structuredClone(d.spec!.template!);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [HASH_LABEL]: hash } };
    const selector = structuredClone(d.spec!.selector!);
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [HASH_LABEL]: hash };
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) annotations[k] = v;
    annotations[REVISION_ANNOTATION] = String(maxRevision + 1);
    const { surge } = fenceposts(d);
    annotations[DESIRED] = String(replicas);
    annotations[MAX] = String(replicas + surge);
    try {
      newRs = ctx.api.create(replicaSets, ns, {
        metadata: { name: `${d.metadata.name}-${hash}`, labels: template.metadata.labels, annotations, ownerReferences: [controllerRef(d)] },
        spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds, selector, template },
      }, { trusted: true }).object as ReplicaSet;
      all.push(newRs);
      progressed = { reason: "NewReplicaSetCreated", message: `Created new replica set "${newRs.metadata.name}"` };
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409)) throw e;
      // a ReplicaSet of that name with another template: count the collision and try again
      ctx.api.update(deployments, ns, d.metadata.name!, { ...d, status: { ...d.status, collisionCount: (d.status?.collisionCount ?? 0) + 1 } }, { subresource: "status", trusted: true });
      return;
    }
  } else if (newRs && !d.spec?.paused) {
    // The template came back (rollout undo) or annotations changed: the ReplicaSet takes the
    // next revision and the Deployment's annotations.
    const annotations: Record<string, string> = { ...(newRs.metadata.annotations ?? {}) };
    for (const [k, v] of Object.entries(d.metadata.annotations ?? {})) if (!NOT_COPIED.has(k)) annotations[k] = v;
    const current = revisionOf(newRs);
    if (current < maxRevision) {
      const history = [annotations[HISTORY], String(current)].filter(Boolean).join(",");
      annotations[HISTORY] = history;
      annotations[REVISION_ANNOTATION] = String(maxRevision + 1);
      progressed = { reason: "FoundNewReplicaSet", message: `Found new replica set "${newRs.metadata.name}"` };
    }
    if (JSON.stringify(annotations) !== JSON.stringify(newRs.metadata.annotations ?? {})) {
      newRs = ctx.api.update(replicaSets, ns, newRs.metadata.name!, { ...newRs, metadata: { ...newRs.metadata, annotations } }, { trusted: true }).object as ReplicaSet;
      const i = all.findIndex((r) => r.metadata.uid === newRs!.metadata.uid);
      all[i] = newRs;
    }
  }

  const old = all.filter((rs) => rs !== newRs && rs.metadata.uid !== newRs?.metadata.uid);
  const spec = (rs: ReplicaSet) => rs.spec?.replicas ?? 0;
  const available = (rs: ReplicaSet) => rs.status?.availableReplicas ?? 0;

  if (d.spec?.paused || !newRs) {
    // scale only: keep proportions, the newest ReplicaSet takes the difference
    const active = all.filter((rs) => spec(rs) > 0);
    const target = newRs && (spec(newRs) > 0 || !active.length) ? newRs : active.sort((a, b) => revisionOf(b) - revisionOf(a))[0];
    const total = all.reduce((n, rs) => n + spec(rs), 0);
    if (target && total !== replicas && active.length <= 1) scaleRs(ctx, d, target, replicas, now);
  } else if (d.spec?.strategy?.type === "Recreate") {
    for (const rs of old) if (spec(rs) > 0) scaleRs(ctx, d, rs, 0, now);
    const oldPods = old.reduce((n, rs) => n + (rs.status?.replicas ?? 0), 0);
    if (oldPods === 0 && spec(newRs) !== replicas) newRs = scaleRs(ctx, d, newRs, replicas, now);
  } else {
    const { surge, unavailable } = fenceposts(d);
    // scale up the new ReplicaSet within maxSurge
    if (spec(newRs) > replicas) newRs = scaleRs(ctx, d, newRs, replicas, now);
    else if (spec(newRs) < replicas) {
      const current = all.reduce((n, rs) => n + spec(rs), 0);
      const room = replicas + surge - current;
      if (room > 0) newRs = scaleRs(ctx, d, newRs, spec(newRs) + Math.min(room, replicas - spec(newRs)), now);
    }
    // scale down old ReplicaSets within maxUnavailable
    const oldCount = old.reduce((n, rs) => n + spec(rs), 0);
    if (oldCount > 0) {
      const allCount = all.reduce((n, rs) => n + (rs === newRs ? spec(newRs) : spec(rs)), 0);
      const minAvailable = replicas - unavailable;
      const newUnavailable = spec(newRs) - available(newRs);
      let maxScaleDown = allCount - minAvailable - newUnavailable;
      if (maxScaleDown > 0) {
        // first the old pods that are not available anyway
        const oldest = [...old].sort((a, b) => (parseTime(a.metadata.creationTimestamp ?? "") ?? 0) - (parseTime(b.metadata.creationTimestamp ?? "") ?? 0));
        for (const rs of oldest) {
          if (maxScaleDown <= 0) break;
          const unhealthy = spec(rs) - available(rs);
          if (unhealthy <= 0) continue;
          const down = Math.min(unhealthy, maxScaleDown);
          scaleRs(ctx, d, rs, spec(rs) - down, now);
          maxScaleDown -= down;
        }
        // then available ones, keeping minAvailable
        const availableNow = all.reduce((n, rs) => n + available(rs), 0);
        let budget = Math.min(maxScaleDown, availableNow - minAvailable);
        for (const rs of oldest) {
          if (budget <= 0) break;
          if (spec(rs) === 0) continue;
          const down = Math.min(spec(rs), budget);
          scaleRs(ctx, d, rs, spec(rs) - down, now);
          budget -= down;
        }
      }
    }
  }

  cleanup(ctx, d, all, newRs);
  writeStatus(ctx, d, all, newRs, progressed, now);
}

/** Old ReplicaSets with nothing left beyond revisionHistoryLimit go, oldest first. */
function cleanup(ctx: ControllerContext, d: Deployment, all: ReplicaSet[], newRs: ReplicaSet | undefined) {
  const limit = d.spec?.revisionHistoryLimit ?? 10;
  const idle = all.filter((rs) => rs !== newRs && rs.metadata.uid !== newRs?.metadata.uid && (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0 && !rs.metadata.deletionTimestamp);
  idle.sort((a, b) => revisionOf(a) - revisionOf(b));
  for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
    try {
      ctx.api.delete(replicaSets, rs.metadata.namespace!, rs.metadata.name!, {});
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}

type Condition = { type: string; status: "True" | "False" | "Unknown"; reason?: string; message?: string; lastUpdateTime?: string; lastTransitionTime?: string };

function setCondition(list: Condition[], c: Condition, now: number): Condition[] {
  const prev = list.find((x) => x.type === c.type);
  const t = formatTime(now);
  if (prev && prev.status === c.status && prev.reason === c.reason && prev.message === c.message) return list;
  const next: Condition = { ...c, lastUpdateTime: t, lastTransitionTime: prev && prev.status === c.status ? prev.lastTransitionTime : t };
  return [...list.filter((x) => x.type !== c.type), next];
}

function writeStatus(ctx: ControllerContext, d: Deployment, all: ReplicaSet[], newRs: ReplicaSet | undefined, progressed: { reason: string; message: string } | null, now: number) {
  const ns = d.metadata.namespace!;
  const replicas = d.spec?.replicas ?? 1;
  const { unavailable } = fenceposts(d);
  const sum = (f: (rs: ReplicaSet) => number) => all.reduce((n, rs) => n + f(rs), 0);
  const statusReplicas = sum((rs) => rs.status?.replicas ?? 0);
  const availableReplicas = sum((rs) => rs.status?.availableReplicas ?? 0);
  const updated = newRs?.status?.replicas ?? 0;
  let conditions = (d.status?.conditions ?? []) as Condition[];
  conditions = setCondition(
    conditions,
    availableReplicas >= replicas - unavailable
      ? { type: "Available", status: "True", reason: "MinimumReplicasAvailable", message: "Deployment has minimum availability." }
      : { type: "Available", status: "False", reason: "MinimumReplicasUnavailable", message: "Deployment does not have minimum availability." },
    now,
  );
  const complete = updated === replicas && statusReplicas === replicas && availableReplicas >= replicas && (newRs?.status?.observedGeneration ?? 0) >= (newRs?.metadata.generation ?? 0);
  const prevProgress = conditions.find((c) => c.type === "Progressing");
  if (d.spec?.paused) {
    conditions = setCondition(conditions, { type: "Progressing", status: "Unknown", reason: "DeploymentPaused", message: "Deployment is paused" }, now);
  } else if (prevProgress?.reason === "DeploymentPaused") {
    conditions = setCondition(conditions, { type: "Progressing", status: "Unknown", reason: "DeploymentResumed", message: "Deployment is resumed" }, now);
  } else if (newRs && complete) {
    conditions = setCondition(conditions, { type: "Progressing", status: "True", reason: "NewReplicaSetAvailable", message: `ReplicaSet "${newRs.metadata.name}" has successfully progressed.` }, now);
  } else if (progressed) {
    conditions = setCondition(conditions, { type: "Progressing", status: "True", ...progressed }, now);
  } else if (newRs) {
    const deadline = (d.spec?.progressDeadlineSeconds ?? 600) * 1000;
    const last = parseTime(prevProgress?.lastUpdateTime ?? "") ?? now;
    const changed = JSON.stringify([updated, availableReplicas, statusReplicas]) !== JSON.stringify([d.status?.updatedReplicas ?? 0, d.status?.availableReplicas ?? 0, d.status?.replicas ?? 0]);
    if (changed || !prevProgress) conditions = setCondition(conditions, { type: "Progressing", status: "True", reason: "ReplicaSetUpdated", message: `ReplicaSet "${newRs.metadata.name}" is progressing.` }, now);
    else if (prevProgress.reason !== "ProgressDeadlineExceeded" && prevProgress.reason !== "NewReplicaSetAvailable" && now >= last + deadline)
      conditions = setCondition(conditions, { type: "Progressing", status: "False", reason: "ProgressDeadlineExceeded", message: `ReplicaSet "${newRs.metadata.name}" has timed out progressing.` }, now);
    const p = conditions.find((c) => c.type === "Progressing");
    if (p?.status === "True" && p.reason !== "NewReplicaSetAvailable") ctx.schedule(DEPLOYMENT, `${ns}/${d.metadata.name}`, (parseTime(p.lastUpdateTime ?? "") ?? now) + deadline);
  }
  // A ReplicaSet that cannot make its pods (a quota, the object bound) shows on its Deployment,
  // the new ReplicaSet's failure first, as the deployment controller's getReplicaFailures picks it.
  const failing = [newRs, ...all.filter((rs) => rs !== newRs)]
    .map((rs) => (rs?.status?.conditions as Condition[] | undefined)?.find((c) => c.type === "ReplicaFailure"))
    .find((c) => c !== undefined);
  if (failing) conditions = setCondition(conditions, { type: "ReplicaFailure", status: failing.status, reason: failing.reason, message: failing.message }, now);
  else conditions = conditions.filter((c) => c.type !== "ReplicaFailure");
  // Nothing left to time: a settled Deployment keeps no timer (an idle cluster has no alarm).
  const progressing = conditions.find((c) => c.type === "Progressing");
  if (!progressing || progressing.status !== "True" || progressing.reason === "NewReplicaSetAvailable") ctx.cancel(DEPLOYMENT, `${ns}/${d.metadata.name}`);
  if (changedOrder(conditions)) conditions = sortConditions(conditions);
  const status: Record<string, unknown> = {
    ...d.status,
    observedGeneration: d.metadata.generation,
    replicas: statusReplicas,
    updatedReplicas: updated,
    readyReplicas: sum((rs) => rs.status?.readyReplicas ?? 0),
    availableReplicas,
    unavailableReplicas: Math.max(0, replicas - availableReplicas),
    conditions,
  };
  for (const f of ["replicas", "updatedReplicas", "readyReplicas", "availableReplicas", "unavailableReplicas"]) if (status[f] === 0) delete status[f];
  const revision = newRs ? newRs.metadata.annotations?.[REVISION_ANNOTATION] : undefined;
  const fresh = ctx.api.peek<Deployment>("apps/deployments", ns, d.metadata.name!)!;
  if (revision && fresh.metadata.annotations?.[REVISION_ANNOTATION] !== revision) {
    ctx.api.patch(deployments, ns, d.metadata.name!, "merge", { metadata: { annotations: { [REVISION_ANNOTATION]: revision } } }, { trusted: true });
  }
  const latest = ctx.api.peek<Deployment>("apps/deployments", ns, d.metadata.name!)!;
  if (JSON.stringify(status) !== JSON.stringify(latest.status ?? {})) ctx.api.update(deployments, ns, d.metadata.name!, { ...latest, status }, { subresource: "status", trusted: true });
}

function changedOrder(c: Condition[]): boolean {
  return c.length === 2 && c[0].type !== "Available";
}

function sortConditions(c: Condition[]): Condition[] {
  return [...c].sort((a, b) => (a.type === "Available" ? -1 : b.type === "Available" ? 1 : 0));
}
