// The ReplicaSet controller (and, through the same reconcile, the ReplicationController's):
// keeps `replicas` active pods matching the selector, adopting orphans that match and
// releasing owned pods that no longer do, deleting surplus pods in Kubernetes' order, and
// writing the status kubectl reads.
import { ApiError } from "../machinery/errors";
import { controllerRefOf } from "../machinery/storedMeta";
import { formatTime } from "../machinery/time";
import { fromStructured, matchesLabels, type LabelSelector } from "../machinery/selectors";
import { recordEvent, refTo } from "../events";
import type { KObject, ResourceDef } from "../resources/define";
import { pods, type Pod } from "../resources/pod";
import { replicaSets, type ReplicaSet } from "../resources/replicaset";
import { replicationControllers, type ReplicationController } from "../resources/replicationcontroller";
import type { PodTemplateSpecT } from "../resources/types/core";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { allKeys, availableAt, controllerOf, controllerRef, createPod, createWithinBound, deletionOrder, errorCreating, isActive, isAvailable, isReady } from "./podControl";
import { ownedPods } from "./ownedPods";

/** Pods created or deleted in one reconcile at most (kube-controller-manager's burstReplicas). */
const BURST = 500;

export interface ReplicatedKind {
  name: string;
  def: ResourceDef;
  storage: string;
  kind: string;
  component: string;
  selector(o: KObject): LabelSelector;
  template(o: KObject): PodTemplateSpecT | undefined;
  replicas(o: KObject): number;
  minReadySeconds(o: KObject): number;
}

export function replicatedController(k: ReplicatedKind): Controller {
  return {
    name: k.name,
    keysFor(c) {
      if (c.resource === k.storage) return c.type === "DELETED" ? [] : [`${c.namespace}/${c.name}`];
      if (c.resource !== "pods") return [];
      const owner = controllerRefOf(c);
      // A pod no controller owns may be one to adopt.
      if (!owner) return c.type === "DELETED" ? [] : [`${c.namespace}/*`];
      return owner.kind === k.kind ? [`${c.namespace}/${owner.name}`] : [];
    },
    resync(ctx) {
      return allKeys(ctx, k.storage);
    },
    regarding(key) {
      const [namespace, name] = splitKey(key);
      return name === "*" ? null : { apiVersion: k.def.group ? `${k.def.group}/${k.def.version}` : k.def.version, kind: k.kind, namespace, name };
    },
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      if (name === "*") {
        for (const o of ctx.api.scanStored<KObject>(k.storage, ns)) ctx.store.transaction(() => sync(ctx, k, o));
        return;
      }
      const owner = ctx.api.peek<KObject>(k.storage, ns, name);
      if (!owner || owner.metadata.deletionTimestamp) return;
      ctx.store.transaction(() => sync(ctx, k, owner));
    },
  };
}

function sync(ctx: ControllerContext, k: ReplicatedKind, owner: KObject) {
  const ns = owner.metadata.namespace!;
  const uid = owner.metadata.uid!;
  const selector = k.selector(owner);
  const now = ctx.clock.now();
  const owned: Pod[] = [];
  for (const p of ownedPods(ctx, ns, uid, { orphans: true })) {
    const ref = controllerOf(p);
    const matches = selector.length > 0 && matchesLabels(selector, p.metadata.labels);
    if (ref?.uid === uid) {
      if (matches) owned.push(p);
      else if (!p.metadata.deletionTimestamp) release(ctx, p, uid);
    } else if (!ref && matches && isActive(p)) {
      adopt(ctx, p, owner);
      owned.push(p);
    }
  }
  const active = owned.filter(isActive);
  const want = k.replicas(owner);
  const diff = active.length - want;
  const template = k.template(owner);
  let refused: Error | null = null;
  if (diff < 0 && template) {
    const report = { controller: k.name, key: `${ns}/${owner.metadata.name}`, component: k.component, message: errorCreating };
    for (let i = 0; i < Math.min(-diff, BURST) && !refused; i++) {
      refused = createWithinBound(ctx, owner, report, () => {
        const pod = createPod(ctx, owner, template);
        active.push(pod);
        recordEvent(ctx.api, { regarding: refTo(owner), type: "Normal", reason: "SuccessfulCreate", message: `Created pod: ${pod.metadata.name}`, component: k.component, at: now });
      });
    }
    if (-diff > BURST && !refused) ctx.schedule(k.name, `${ns}/${owner.metadata.name}`, now);
  } else if (diff > 0) {
    const doomed = deletionOrder(active).slice(0, Math.min(diff, BURST));
    for (const p of doomed) {
      try {
        ctx.api.delete(pods, ns, p.metadata.name!, {});
        recordEvent(ctx.api, { regarding: refTo(owner), type: "Normal", reason: "SuccessfulDelete", message: `Deleted pod: ${p.metadata.name}`, component: k.component, at: now });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    const gone = new Set(doomed.map((p) => p.metadata.name));
    active.splice(0, active.length, ...active.filter((p) => !gone.has(p.metadata.name)));
  }
  // status
  const minReady = k.minReadySeconds(owner);
  const templateLabels = template?.metadata?.labels ?? {};
  const status = {
    replicas: active.length,
    fullyLabeledReplicas: active.filter((p) => Object.entries(templateLabels).every(([l, v]) => p.metadata.labels?.[l] === v)).length,
    readyReplicas: active.filter(isReady).length,
    availableReplicas: active.filter((p) => isAvailable(p, minReady, now)).length,
    observedGeneration: owner.metadata.generation,
  };
  let nextAvailable: number | null = null;
  for (const p of active) {
    const at = availableAt(p, minReady, now);
    if (at !== null && (nextAvailable === null || at < nextAvailable)) nextAvailable = at;
  }
  if (nextAvailable !== null) ctx.schedule(k.name, `${ns}/${owner.metadata.name}`, nextAvailable);
  const old = (owner.status ?? {}) as Record<string, unknown>;
  const next: Record<string, unknown> = { ...old, ...status };
  const conditions = replicaFailure(old.conditions as Condition[] | undefined, refused, now);
  if (conditions.length) next.conditions = conditions;
  else delete next.conditions;
  for (const f of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"]) if (next[f] === 0) delete next[f];
  if (JSON.stringify(next) !== JSON.stringify(old)) {
    const fresh = ctx.api.peek<KObject>(k.storage, ns, owner.metadata.name!)!;
    ctx.api.update(k.def, ns, owner.metadata.name!, { ...fresh, status: next }, { subresource: "status", trusted: true });
  }
}

type Condition = { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string };

/**
 * The ReplicaFailure condition, as calculateStatus keeps it: set when creating failed (and
 * kept as first written while it keeps failing), dropped after a pass that did not fail.
 */
function replicaFailure(conditions: Condition[] | undefined, refused: Error | null, now: number): Condition[] {
  const list = conditions ?? [];
  const has = list.some((c) => c.type === "ReplicaFailure");
  if (refused && !has) return [...list, { type: "ReplicaFailure", status: "True", lastTransitionTime: formatTime(now), reason: "FailedCreate", message: refused.message }];
  if (!refused && has) return list.filter((c) => c.type !== "ReplicaFailure");
  return list;
}

function adopt(ctx: ControllerContext, p: Pod, owner: KObject) {
  const refs = [...((p.metadata.ownerReferences as unknown[]) ?? []), controllerRef(owner)];
  ctx.api.patch(pods, p.metadata.namespace!, p.metadata.name!, "merge", { metadata: { ownerReferences: refs, resourceVersion: p.metadata.resourceVersion } }, { trusted: true });
}

function release(ctx: ControllerContext, p: Pod, uid: string) {
  const refs = ((p.metadata.ownerReferences as { uid: string }[]) ?? []).filter((r) => r.uid !== uid);
  ctx.api.patch(pods, p.metadata.namespace!, p.metadata.name!, "merge", { metadata: { ownerReferences: refs.length ? refs : null } }, { trusted: true });
}

export const replicaSetController = replicatedController({
  name: "replicaset",
  def: replicaSets,
  storage: "apps/replicasets",
  kind: "ReplicaSet",
  component: "replicaset-controller",
  selector: (o) => fromStructured((o as ReplicaSet).spec?.selector),
  template: (o) => (o as ReplicaSet).spec?.template,
  replicas: (o) => (o as ReplicaSet).spec?.replicas ?? 1,
  minReadySeconds: (o) => (o as ReplicaSet).spec?.minReadySeconds ?? 0,
});

export const replicationControllerController = replicatedController({
  name: "replicationcontroller",
  def: replicationControllers,
  storage: "replicationcontrollers",
  kind: "ReplicationController",
  component: "replication-controller",
  selector: (o) => fromStructured({ matchLabels: (o as ReplicationController).spec?.selector ?? {} }),
  template: (o) => (o as ReplicationController).spec?.template,
  replicas: (o) => (o as ReplicationController).spec?.replicas ?? 1,
  minReadySeconds: (o) => (o as ReplicationController).spec?.minReadySeconds ?? 0,
});
