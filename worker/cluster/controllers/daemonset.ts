// The DaemonSet controller: one pod on every node its template admits (nodeSelector, node
// affinity, and taints against its tolerations plus the ones every daemon pod gets), pinned to
// the node by node affinity and bound by the scheduler; follows nodes joining and leaving;
// RollingUpdate within maxUnavailable and maxSurge, or OnDelete; ControllerRevisions.
import { ApiError } from "../machinery/errors";
import { recordEvent, refTo } from "../events";
import { daemonSets, type DaemonSet } from "../resources/daemonset";
import type { Node } from "../resources/node";
import { pods, type Pod } from "../resources/pod";
import type { PodTemplateSpecT, TaintT, TolerationT } from "../resources/types/core";
import { termMatches, untolerated, type NodeSelectorTermT } from "../scheduler/match";
import type { NodeInfo } from "../scheduler/snapshot";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { allKeys, availableAt, createPod, createWithinBound, errorCreating, isAvailable, isReady, ownerKeys } from "./podControl";
import { ownedPods } from "./ownedPods";
import { pruneRevisions, REVISION_HASH_LABEL, syncRevision } from "./revisions";

export const DAEMONSET = "daemonset";
const COMPONENT = "daemonset-controller";
/** Pods created in one sync at most (kube-controller-manager's BurstReplicas for DaemonSets); the rest in the next. */
const BURST = 250;

/** Tolerations the controller adds to every daemon pod, so it stays through node trouble. */
const DAEMON_TOLERATIONS: TolerationT[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute" },
  { key: "node.kubernetes.io/disk-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/memory-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/pid-pressure", operator: "Exists", effect: "NoSchedule" },
  { key: "node.kubernetes.io/unschedulable", operator: "Exists", effect: "NoSchedule" },
];

/** The tolerations every daemon pod gets; one on the host network (a CNI's agent) also tolerates a node whose network is not up yet. */
function daemonTolerations(spec: NonNullable<PodTemplateSpecT["spec"]>): TolerationT[] {
  return spec.hostNetwork ? [...DAEMON_TOLERATIONS, { key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" }] : DAEMON_TOLERATIONS;
}

export const daemonSetController: Controller = {
  name: DAEMONSET,
  keysFor(c) {
    // A node joining, leaving or changing labels or taints concerns every DaemonSet; heartbeats
    // are computed when read, so node writes are rare.
    if (c.resource === "nodes") return ["*/*"];
    return ownerKeys(c, "apps/daemonsets", "DaemonSet");
  },
  resync(ctx) {
    return allKeys(ctx, "apps/daemonsets");
  },
  regarding(key) {
    const [namespace, name] = splitKey(key);
    return name === "*" ? null : { apiVersion: "apps/v1", kind: "DaemonSet", namespace, name };
  },
  reconcile(key, ctx) {
    const [ns, name] = splitKey(key);
    const sets = name === "*" ? [...ctx.api.scanStored<DaemonSet>("apps/daemonsets", ns === "*" ? null : ns)] : [ctx.api.peek<DaemonSet>("apps/daemonsets", ns, name)];
    for (const ds of sets) if (ds && !ds.metadata.deletionTimestamp) ctx.store.transaction(() => sync(ctx, ds));
  },
};

function nodeInfoLite(node: Node): NodeInfo {
  return { name: node.metadata.name!, node, labels: node.metadata.labels ?? {}, taints: (node.spec?.taints ?? []) as TaintT[] } as NodeInfo;
}

/** Whether a daemon pod of this template belongs on the node. */
export function shouldRun(template: PodTemplateSpecT, node: Node): boolean {
  const info = nodeInfoLite(node);
  const spec = template.spec!;
  for (const [k, v] of Object.entries(spec.nodeSelector ?? {})) if (info.labels[k] !== v) return false;
  const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (required && !required.nodeSelectorTerms.some((t) => termMatches(t as NodeSelectorTermT, info))) return false;
  const tolerations = [...(spec.tolerations ?? []), ...daemonTolerations(spec)] as TolerationT[];
  return !untolerated(info.taints, tolerations, ["NoSchedule", "NoExecute"]);
}

/** The node a daemon pod is for: where it is bound, or where its node affinity pins it. */
function targetNode(p: Pod): string | undefined {
  if (p.spec?.nodeName) return p.spec.nodeName;
  for (const t of p.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? [])
    for (const f of t.matchFields ?? []) if (f.key === "metadata.name" && f.operator === "In" && f.values?.length === 1) return f.values[0];
  return undefined;
}

/** The template of a daemon pod for `node`: the default tolerations, and node affinity that pins it there. */
function podTemplate(template: PodTemplateSpecT, hash: string, node: string): PodTemplateSpecT {
  const t = structuredClone(template);
  t.metadata = { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), [REVISION_HASH_LABEL]: hash, "pod-template-generation": "1" } };
  const spec = t.spec!;
  const tolerations = [...(spec.tolerations ?? [])];
  for (const d of daemonTolerations(spec)) if (!tolerations.some((x) => x.key === d.key && x.effect === d.effect)) tolerations.push(d);
  spec.tolerations = tolerations;
  const pin = { matchFields: [{ key: "metadata.name", operator: "In" as const, values: [node] }] };
  const na = spec.affinity?.nodeAffinity;
  const terms = na?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  const pinned = terms?.length ? terms.map((x) => ({ ...x, matchFields: pin.matchFields })) : [pin];
  spec.affinity = { ...(spec.affinity ?? {}), nodeAffinity: { ...(na ?? {}), requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: pinned } } };
  return t;
}

function intOrPercent(v: unknown, total: number, up: boolean): number {
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(String(v ?? "0"));
  return m ? (up ? Math.ceil : Math.floor)((Number(m[1]) * total) / 100) : Number(v) || 0;
}

function sync(ctx: ControllerContext, ds: DaemonSet) {
  const now = ctx.clock.now();
  const ns = ds.metadata.namespace!;
  const name = ds.metadata.name!;
  const template = ds.spec!.template!;
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const { update, all: revisions } = syncRevision(ctx, ds, template, ds.status?.collisionCount ?? 0);
  const hash = update.metadata.labels?.[REVISION_HASH_LABEL] ?? "";

  // Each node's name and whether the pod belongs there: parsed nodes are not kept (5,000 of them
  // were tens of MiB).
  const nodes: { name: string; run: boolean }[] = [];
  for (const node of ctx.api.scanStored<Node>("nodes", "")) nodes.push({ name: node.metadata.name!, run: shouldRun(template, node) });
  const byNode = podsByNode(ctx, ds);
  const isNew = (p: Pod) => p.metadata.labels?.[REVISION_HASH_LABEL] === hash;
  // After the object bound refuses one pod, no more are tried this pass (the set waits for room).
  let refused: Error | null = null;
  const report = { controller: DAEMONSET, key: `${ns}/${name}`, component: COMPONENT, message: errorCreating };
  let created = 0;
  const create = (node: string) => {
    if (refused) return;
    if (created++ === BURST) ctx.schedule(DAEMONSET, `${ns}/${name}`, now);
    if (created > BURST) return;
    refused = createWithinBound(ctx, ds, report, () => {
      const pod = createPod(ctx, ds, podTemplate(template, hash, node));
      recordEvent(ctx.api, { regarding: refTo(ds), type: "Normal", reason: "SuccessfulCreate", message: `Created pod: ${pod.metadata.name}`, component: COMPONENT, at: now });
    });
  };
  const remove = (p: Pod) => {
    if (p.metadata.deletionTimestamp) return;
    try {
      ctx.api.delete(pods, ns, p.metadata.name!, {});
      recordEvent(ctx.api, { regarding: refTo(ds), type: "Normal", reason: "SuccessfulDelete", message: `Deleted pod: ${p.metadata.name}`, component: COMPONENT, at: now });
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  };

  let desired = 0;
  let misscheduled = 0;
  const eligible: string[] = [];
  const nodeNames = new Set(nodes.map((n) => n.name));
  for (const { name: nodeName, run } of nodes) {
    const list = (byNode.get(nodeName) ?? []).filter((p) => !p.metadata.deletionTimestamp);
    if (!run) {
      if (list.length) misscheduled++;
      list.forEach(remove);
      continue;
    }
    desired++;
    eligible.push(nodeName);
    // failed daemon pods are replaced
    for (const p of list.filter((x) => x.status?.phase === "Failed" || x.status?.phase === "Succeeded")) remove(p);
    const alive = list.filter((x) => x.status?.phase !== "Failed" && x.status?.phase !== "Succeeded");
    // a pod still terminating on the node goes first (it may hold host ports)
    if (!alive.length && !(byNode.get(nodeName) ?? []).some((p) => p.metadata.deletionTimestamp)) create(nodeName);
    else if (alive.length > 1) {
      // duplicates of one revision: the oldest stays (old and new side by side is a surge)
      for (const group of [alive.filter(isNew), alive.filter((p) => !isNew(p))]) group.slice(1).forEach(remove);
    }
  }
  // pods pinned to nodes that no longer exist
  for (const [node, list] of byNode) if (!nodeNames.has(node)) list.forEach(remove);

  // Rolling update
  if (ds.spec?.updateStrategy?.type !== "OnDelete") {
    const ru = ds.spec?.updateStrategy?.rollingUpdate ?? {};
    const maxSurge = intOrPercent(ru.maxSurge, desired, true);
    const maxUnavailable = maxSurge > 0 ? intOrPercent(ru.maxUnavailable, desired, false) : Math.max(1, intOrPercent(ru.maxUnavailable ?? 1, desired, false));
    const current = podsByNode(ctx, ds);
    const state = eligible.map((n) => (current.get(n) ?? []).filter((p) => !p.metadata.deletionTimestamp));
    let unavailable = state.filter((list) => !list.some((p) => isAvailable(p, minReady, now))).length;
    if (maxSurge > 0) {
      let surging = state.filter((list) => list.some(isNew) && list.some((p) => !isNew(p))).length;
      for (let i = 0; i < eligible.length; i++) {
        const list = state[i];
        const old = list.filter((p) => !isNew(p));
        const neu = list.find(isNew);
        if (!old.length) continue;
        if (neu && isAvailable(neu, minReady, now)) old.forEach(remove);
        else if (!neu && surging < maxSurge) {
          create(eligible[i]);
          surging++;
        }
      }
    } else {
      for (let i = 0; i < eligible.length && unavailable < maxUnavailable; i++) {
        const old = state[i].filter((p) => !isNew(p));
        if (!old.length) continue;
        const wasAvailable = state[i].some((p) => isAvailable(p, minReady, now));
        old.forEach(remove);
        if (wasAvailable) unavailable++;
      }
    }
  }

  // Status
  const now2 = podsByNode(ctx, ds);
  let current = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  for (const n of eligible) {
    const list = (now2.get(n) ?? []).filter((p) => !p.metadata.deletionTimestamp);
    if (list.length) current++;
    if (list.some(isReady)) ready++;
    if (list.some((p) => isAvailable(p, minReady, now))) available++;
    if (list.some(isNew)) updated++;
    for (const p of list) {
      const at = availableAt(p, minReady, now);
      if (at !== null) ctx.schedule(DAEMONSET, `${ns}/${name}`, at);
    }
  }
  const status: Record<string, unknown> = {
    ...ds.status,
    currentNumberScheduled: current,
    numberMisscheduled: misscheduled,
    desiredNumberScheduled: desired,
    numberReady: ready,
    observedGeneration: ds.metadata.generation,
    updatedNumberScheduled: updated,
    numberAvailable: available,
    numberUnavailable: desired - available,
  };
  for (const f of ["updatedNumberScheduled", "numberAvailable", "numberUnavailable"]) if (status[f] === 0) delete status[f];
  const latest = ctx.api.peek<DaemonSet>("apps/daemonsets", ns, name)!;
  if (JSON.stringify(status) !== JSON.stringify(latest.status ?? {})) ctx.api.update(daemonSets, ns, name, { ...latest, status }, { subresource: "status", trusted: true });
  const live = new Set<string>([update.metadata.name!]);
  for (const r of revisions) {
    const h = r.metadata.labels?.[REVISION_HASH_LABEL];
    for (const list of now2.values()) if (list.some((p) => p.metadata.labels?.[REVISION_HASH_LABEL] === h)) live.add(r.metadata.name!);
  }
  pruneRevisions(ctx, revisions, live, ds.spec?.revisionHistoryLimit ?? 10);
}

/**
 * The DaemonSet's pods by the node each is for, through the owner index and the slim copies
 * (ownedPods): a sync on a 1,000-node cluster read and parsed every kube-system pod three times.
 */
function podsByNode(ctx: ControllerContext, ds: DaemonSet): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const p of ownedPods(ctx, ds.metadata.namespace!, ds.metadata.uid!)) {
    const node = targetNode(p) ?? "";
    if (!out.has(node)) out.set(node, []);
    out.get(node)!.push(p);
  }
  return out;
}
