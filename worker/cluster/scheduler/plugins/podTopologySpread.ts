// PodTopologySpread: keeps matching pods spread over topology domains (zones, hosts) within
// maxSkew. DoNotSchedule constraints filter; ScheduleAnyway constraints score.
import { fromStructured, matchesLabels } from "../../machinery/selectors";
import { scoreRange, type CycleState, type Plugin } from "../framework";
import type { NodeInfo, PodInfo, Snapshot } from "../snapshot";
import { termMatches, type NodeSelectorTermT } from "../match";

interface Constraint {
  maxSkew: number;
  topologyKey: string;
  hard: boolean;
  minDomains: number;
  /** Pods per domain value. */
  counts: Map<string, number>;
  matches: (p: PodInfo) => boolean;
  /** Pods in the emptiest domain, and whether the pod itself matches: filled by the cycle's first filter. */
  least?: number;
  self?: number;
}

/** A cycle's constraints: DoNotSchedule ones filter, ScheduleAnyway ones score. */
interface Split {
  hard: Constraint[];
  soft: Constraint[];
}

const KEY = "PodTopologySpread";

function passesNodeAffinity(pod: PodInfo, node: NodeInfo): boolean {
  for (const [k, v] of Object.entries(pod.pod.spec?.nodeSelector ?? {})) if (node.labels[k] !== v) return false;
  const req = pod.pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  return !req || req.nodeSelectorTerms.some((t) => termMatches(t as NodeSelectorTermT, node));
}

function constraintsOf(pod: PodInfo, snapshot: Snapshot): Constraint[] {
  return (pod.pod.spec?.topologySpreadConstraints ?? []).map((c) => {
    const sel = fromStructured(c.labelSelector);
    for (const k of c.matchLabelKeys ?? []) if (pod.labels[k] !== undefined) sel.push({ key: k, op: "=", value: pod.labels[k] });
    const matches = (p: PodInfo) => p.namespace === pod.namespace && !!c.labelSelector && matchesLabels(sel, p.labels);
    const counts = new Map<string, number>();
    for (const node of snapshot.list()) {
      const domain = node.labels[c.topologyKey];
      if (domain === undefined) continue;
      if ((c.nodeAffinityPolicy ?? "Honor") === "Honor" && !passesNodeAffinity(pod, node)) continue;
      counts.set(domain, (counts.get(domain) ?? 0) + node.pods.filter((p) => !p.pod.metadata.deletionTimestamp && matches(p)).length);
    }
    return { maxSkew: c.maxSkew, topologyKey: c.topologyKey, hard: c.whenUnsatisfiable === "DoNotSchedule", minDomains: c.minDomains ?? 1, counts, matches };
  });
}

export const podTopologySpread: Plugin = {
  name: KEY,
  weight: 2,
  preFilter(pod, snapshot, state) {
    const all = constraintsOf(pod, snapshot);
    state.set(KEY, { hard: all.filter((c) => c.hard), soft: all.filter((c) => !c.hard) } satisfies Split);
  },
  filter(pod, node, state) {
    for (const c of (state.get(KEY) as Split).hard) {
      const domain = node.labels[c.topologyKey];
      if (domain === undefined) return { reasons: ["node(s) didn't match pod topology spread constraints (missing required label)"], unresolvable: true };
      // The counts do not change within a cycle: the least and the pod's own match are worked out once.
      c.least ??= c.counts.size < c.minDomains ? 0 : Math.min(...c.counts.values());
      c.self ??= c.matches(pod) ? 1 : 0;
      if ((c.counts.get(domain) ?? 0) + c.self - c.least > c.maxSkew) return { reasons: ["node(s) didn't match pod topology spread constraints"] };
    }
    return null;
  },
  score(pod, node, state: CycleState) {
    let sum = 0;
    for (const c of (state.get(KEY) as Split).soft) {
      const domain = node.labels[c.topologyKey];
      if (domain !== undefined) sum += (c.counts.get(domain) ?? 0) + c.maxSkew - 1;
    }
    return sum;
  },
  normalize(scores, state) {
    if (!(state.get(KEY) as Split).soft.length) {
      scores.fill(0);
      return;
    }
    // fewer matching pods in the node's domains is better
    const [min, max] = scoreRange(scores);
    for (let i = 0; i < scores.length; i++) scores[i] = max === min ? 100 : (100 * (max + min - scores[i])) / max;
  },
};
