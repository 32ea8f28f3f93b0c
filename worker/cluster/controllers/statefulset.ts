// The StatefulSet controller: pods named <set>-<ordinal> with stable hostnames under the
// governing service, one PersistentVolumeClaim per claim template and ordinal (kept when the pod
// goes, unless the retention policy says Delete), created in order and removed in reverse
// (OrderedReady) or all at once (Parallel); RollingUpdate from the highest ordinal down to the
// partition, or OnDelete; ControllerRevisions for every template.
import { ApiError } from "../machinery/errors";
import { recordEvent, refTo } from "../events";
import { persistentVolumeClaims, type PersistentVolumeClaim } from "../resources/persistentvolumeclaim";
import { pods, type Pod } from "../resources/pod";
import { statefulSets, type StatefulSet } from "../resources/statefulset";
import type { PodTemplateSpecT } from "../resources/types/core";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { allKeys, availableAt, controllerOf, controllerRef, createPod, createWithinBound, isAvailable, isReady, ownerKeys, podsOf } from "./podControl";
import { pruneRevisions, REVISION_HASH_LABEL, syncRevision, templateOfRevision } from "./revisions";

export const STATEFULSET = "statefulset";
const COMPONENT = "statefulset-controller";
const POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
const POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";

/** The ordinal of a pod of `set`, or null when the name is not <set>-<n>. */
function ordinalOf(set: string, pod: string): number | null {
  if (!pod.startsWith(`${set}-`)) return null;
  const rest = pod.slice(set.length + 1);
  return /^(0|[1-9]\d*)$/.test(rest) ? Number(rest) : null;
}

export const statefulSetController: Controller = {
  name: STATEFULSET,
  keysFor(c) {
    return ownerKeys(c, "apps/statefulsets", "StatefulSet");
  },
  resync(ctx) {
    return allKeys(ctx, "apps/statefulsets");
  },
  regarding(key) {
    const [namespace, name] = splitKey(key);
    return { apiVersion: "apps/v1", kind: "StatefulSet", namespace, name };
  },
  reconcile(key, ctx) {
    const [ns, name] = splitKey(key);
    const set = ctx.api.peek<StatefulSet>("apps/statefulsets", ns, name);
    if (!set || set.metadata.deletionTimestamp) return;
    ctx.store.transaction(() => sync(ctx, set));
  },
};

function runningAndReady(p: Pod): boolean {
  return p.status?.phase === "Running" && isReady(p) && !p.metadata.deletionTimestamp;
}

function claimName(template: string, pod: string): string {
  return `${template}-${pod}`;
}

/** The pod's template with its identity: labels, hostname, subdomain and claim volumes. */
function podTemplate(set: StatefulSet, template: PodTemplateSpecT, revision: string, name: string, ordinal: number): PodTemplateSpecT {
  const t = structuredClone(template);
  t.metadata = { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: revision, [POD_NAME_LABEL]: name, [POD_INDEX_LABEL]: String(ordinal) } };
  const volumes = (t.spec!.volumes ?? []).filter((v) => !(set.spec?.volumeClaimTemplates ?? []).some((c) => c.metadata?.name === v.name));
  for (const c of set.spec?.volumeClaimTemplates ?? []) volumes.push({ name: c.metadata!.name!, persistentVolumeClaim: { claimName: claimName(c.metadata!.name!, name) } });
  if (volumes.length) t.spec!.volumes = volumes;
  return t;
}

/** Creates the pod's missing claims; returns the bound's refusal if one was refused. */
function ensureClaims(ctx: ControllerContext, set: StatefulSet, podName: string, now: number): Error | null {
  const ns = set.metadata.namespace!;
  for (const c of set.spec?.volumeClaimTemplates ?? []) {
    const name = claimName(c.metadata!.name!, podName);
    if (ctx.api.peek("persistentvolumeclaims", ns, name)) continue;
    const labels = { ...(c.metadata?.labels ?? {}), ...(set.spec?.selector?.matchLabels ?? {}) };
    const owners = set.spec?.persistentVolumeClaimRetentionPolicy?.whenDeleted === "Delete" ? [controllerRef(set)] : undefined;
    const report = { controller: STATEFULSET, key: `${ns}/${set.metadata.name}`, component: COMPONENT, message: (e: Error) => `create Claim ${name} for Pod ${podName} in StatefulSet ${set.metadata.name} failed error: ${e.message}` };
    const refused = createWithinBound(ctx, set, report, () => {
      ctx.api.create(persistentVolumeClaims, ns, {
        apiVersion: "v1",
        kind: "PersistentVolumeClaim",
        metadata: { name, labels, ...(c.metadata?.annotations ? { annotations: c.metadata.annotations } : {}), ...(owners ? { ownerReferences: owners } : {}) },
        spec: structuredClone(c.spec),
      }, { trusted: true });
      recordEvent(ctx.api, { regarding: refTo(set), type: "Normal", reason: "SuccessfulCreate", message: `create Claim ${name} Pod ${podName} in StatefulSet ${set.metadata.name} success`, component: COMPONENT, at: now });
    });
    if (refused) return refused;
  }
  return null;
}

/** A pod removed by scaling down hands its claims to the pod when whenScaled is Delete, so they go with it. */
function releaseClaims(ctx: ControllerContext, set: StatefulSet, pod: Pod) {
  if (set.spec?.persistentVolumeClaimRetentionPolicy?.whenScaled !== "Delete") return;
  const ns = set.metadata.namespace!;
  for (const c of set.spec?.volumeClaimTemplates ?? []) {
    const claim = ctx.api.peek<PersistentVolumeClaim>("persistentvolumeclaims", ns, claimName(c.metadata!.name!, pod.metadata.name!));
    if (!claim || claim.metadata.ownerReferences?.some((r) => r.uid === pod.metadata.uid)) continue;
    // the pod becomes the claim's only owner, so the claim goes with it (not with the set)
    const refs = [...(claim.metadata.ownerReferences ?? []).filter((r) => r.uid !== set.metadata.uid), { apiVersion: "v1", kind: "Pod", name: pod.metadata.name!, uid: pod.metadata.uid! }];
    ctx.api.patch(persistentVolumeClaims, ns, claim.metadata.name!, "merge", { metadata: { ownerReferences: refs } }, { trusted: true });
  }
}

function deletePod(ctx: ControllerContext, set: StatefulSet, p: Pod, now: number) {
  try {
    ctx.api.delete(pods, p.metadata.namespace!, p.metadata.name!, {});
    recordEvent(ctx.api, { regarding: refTo(set), type: "Normal", reason: "SuccessfulDelete", message: `delete Pod ${p.metadata.name} in StatefulSet ${set.metadata.name} successful`, component: COMPONENT, at: now });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}

function sync(ctx: ControllerContext, set: StatefulSet) {
  const now = ctx.clock.now();
  const ns = set.metadata.namespace!;
  const setName = set.metadata.name!;
  const replicas = set.spec?.replicas ?? 1;
  const start = set.spec?.ordinals?.start ?? 0;
  const parallel = set.spec?.podManagementPolicy === "Parallel";
  const minReady = set.spec?.minReadySeconds ?? 0;

  const { update, all: revisions } = syncRevision(ctx, set, set.spec!.template!, set.status?.collisionCount ?? 0);
  const updateRevision = update.metadata.name!;
  const currentName = set.status?.currentRevision ?? updateRevision;
  const current = revisions.find((r) => r.metadata.name === currentName) ?? update;

  const owned = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const p of podsOf(ctx, ns, set.metadata.uid!)) {
    if (controllerOf(p)?.uid !== set.metadata.uid) continue;
    const ord = ordinalOf(setName, p.metadata.name!);
    if (ord === null) continue;
    if (ord >= start && ord < start + replicas) owned.set(ord, p);
    else condemned.push(p);
  }
  const revisionOf = (p: Pod) => p.metadata.labels?.[REVISION_HASH_LABEL];
  const partition = set.spec?.updateStrategy?.type === "RollingUpdate" ? (set.spec.updateStrategy.rollingUpdate?.partition ?? 0) : 0;
  const templateFor = (ord: number) => (set.spec?.updateStrategy?.type !== "OnDelete" && ord - start < partition ? current : update);

  // Create missing pods and replace failed ones, in order.
  let blocked = false;
  for (let ord = start; ord < start + replicas && !blocked; ord++) {
    let p = owned.get(ord);
    if (p && (p.status?.phase === "Failed" || p.status?.phase === "Succeeded") && !p.metadata.deletionTimestamp) {
      deletePod(ctx, set, p, now);
      owned.delete(ord);
      p = undefined;
      if (!parallel) blocked = true;
      continue;
    }
    if (!p) {
      const name = `${setName}-${ord}`;
      if (ctx.api.peek("pods", ns, name)) {
        // the previous pod of this ordinal is still going away
        if (!parallel) blocked = true;
        continue;
      }
      const report = { controller: STATEFULSET, key: `${ns}/${setName}`, component: COMPONENT, message: (e: Error) => `create Pod ${name} in StatefulSet ${setName} failed error: ${e.message}` };
      // Met the object bound: nothing more this pass (it waits for room).
      if (ensureClaims(ctx, set, name, now)) {
        blocked = true;
        break;
      }
      const rev = templateFor(ord);
      const refused = createWithinBound(ctx, set, report, () => {
        const made = createPod(ctx, set, podTemplate(set, templateOfRevision(rev)!, rev.metadata.name!, name, ord), { name, hostname: name, subdomain: set.spec?.serviceName || undefined });
        owned.set(ord, made);
        recordEvent(ctx.api, { regarding: refTo(set), type: "Normal", reason: "SuccessfulCreate", message: `create Pod ${name} in StatefulSet ${setName} successful`, component: COMPONENT, at: now });
      });
      if (refused || !parallel) blocked = true;
      if (refused) break;
      continue;
    }
    if (!parallel && !runningAndReady(p)) blocked = true;
  }

  // Scale down: the highest ordinal first, one at a time unless Parallel.
  if (!blocked || parallel) {
    const going = condemned.sort((a, b) => ordinalOf(setName, b.metadata.name!)! - ordinalOf(setName, a.metadata.name!)!);
    for (const p of going) {
      if (p.metadata.deletionTimestamp) {
        if (!parallel) break;
        continue;
      }
      releaseClaims(ctx, set, p);
      deletePod(ctx, set, p, now);
      if (!parallel) break;
    }
  }

  // Rolling update: from the highest ordinal down to the partition, one pod at a time.
  const allHealthy = [...owned.values()].length === replicas && [...owned.values()].every(runningAndReady) && condemned.length === 0;
  if (set.spec?.updateStrategy?.type !== "OnDelete" && allHealthy) {
    for (let ord = start + replicas - 1; ord >= start + partition; ord--) {
      const p = owned.get(ord)!;
      if (revisionOf(p) !== updateRevision) {
        deletePod(ctx, set, p, now);
        break;
      }
    }
  }

  // Status
  const live = [...owned.values()];
  const existing = [...live, ...condemned];
  const updated = live.filter((p) => revisionOf(p) === updateRevision).length;
  let currentRevision = current.metadata.name!;
  const currentReplicas = live.filter((p) => revisionOf(p) === currentRevision).length;
  if (updated === replicas && live.every((p) => revisionOf(p) === updateRevision)) currentRevision = updateRevision;
  const status: Record<string, unknown> = {
    ...set.status,
    observedGeneration: set.metadata.generation,
    replicas: existing.length,
    readyReplicas: existing.filter(isReady).length,
    currentReplicas: currentRevision === updateRevision ? updated : currentReplicas,
    updatedReplicas: updated,
    availableReplicas: existing.filter((p) => isAvailable(p, minReady, now)).length,
    currentRevision,
    updateRevision,
    collisionCount: set.status?.collisionCount ?? 0,
  };
  for (const f of ["readyReplicas", "currentReplicas", "updatedReplicas"]) if (status[f] === 0) delete status[f];
  for (const p of existing) {
    const at = availableAt(p, minReady, now);
    if (at !== null) ctx.schedule(STATEFULSET, `${ns}/${setName}`, at);
  }
  const fresh = ctx.api.peek<StatefulSet>("apps/statefulsets", ns, setName)!;
  if (JSON.stringify(status) !== JSON.stringify(fresh.status ?? {})) ctx.api.update(statefulSets, ns, setName, { ...fresh, status }, { subresource: "status", trusted: true });

  const inUse = new Set<string>([updateRevision, currentRevision, ...existing.map((p) => revisionOf(p) ?? "")]);
  pruneRevisions(ctx, revisions, inUse, set.spec?.revisionHistoryLimit ?? 10);
}
