// InterPodAffinity: required and preferred pod affinity and anti-affinity, including the
// anti-affinity of pods already running (they keep newcomers they select out of their domain).
import { scoreRange, type Plugin } from "../framework";
import type { NodeInfo, PodInfo, Snapshot } from "../snapshot";
import { termSelects, type AffinityTermT } from "../match";

const KEY = "InterPodAffinity";

interface State {
  snapshot: Snapshot;
  /** For each required affinity term: domains (topology values) holding a matching pod. */
  affinity: { term: AffinityTermT; domains: Set<string>; any: boolean }[];
  /** For each required anti-affinity term: domains holding a matching pod. */
  anti: { term: AffinityTermT; domains: Set<string> }[];
  /** Domains (per topology key) an existing pod's anti-affinity keeps this pod out of. */
  existingAnti: Map<string, Set<string>>;
  preferred?: Map<string, number>;
}

function everyPod(s: Snapshot): { pod: PodInfo; node: NodeInfo }[] {
  const out: { pod: PodInfo; node: NodeInfo }[] = [];
  for (const node of s.list()) for (const pod of node.pods) out.push({ pod, node });
  return out;
}

export const interPodAffinity: Plugin = {
  name: KEY,
  weight: 2,
  preFilter(pod, snapshot, state) {
    const nsLabels = snapshot.namespaceLabels;
    const aff = (pod.pod.spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as AffinityTermT[];
    const anti = (pod.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as AffinityTermT[];
    const s: State = { snapshot, affinity: [], anti: [], existingAnti: new Map() };
    // Every pod is looked at only for a pod with terms of its own.
    const all = aff.length || anti.length ? everyPod(snapshot) : [];
    for (const term of aff) {
      const domains = new Set<string>();
      for (const { pod: other, node } of all) if (node.labels[term.topologyKey] !== undefined && termSelects(term, pod, other, nsLabels)) domains.add(node.labels[term.topologyKey]);
      s.affinity.push({ term, domains, any: domains.size > 0 });
    }
    for (const term of anti) {
      const domains = new Set<string>();
      for (const { pod: other, node } of all) if (node.labels[term.topologyKey] !== undefined && termSelects(term, pod, other, nsLabels)) domains.add(node.labels[term.topologyKey]);
      s.anti.push({ term, domains });
    }
    for (const node of snapshot.withRequiredAntiAffinity()) {
      for (const other of node.withRequiredAntiAffinity) {
        for (const term of (other.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) as AffinityTermT[]) {
          const domain = node.labels[term.topologyKey];
          if (domain === undefined || !termSelects(term, other, pod, nsLabels)) continue;
          if (!s.existingAnti.has(term.topologyKey)) s.existingAnti.set(term.topologyKey, new Set());
          s.existingAnti.get(term.topologyKey)!.add(domain);
        }
      }
    }
    state.set(KEY, s);
  },
  filter(pod, node, state) {
    const s = state.get(KEY) as State;
    // Affinity with no matching pod anywhere is met by the first pod of a group that matches itself.
    const noneAnywhere = s.affinity.every((a) => !a.any) && s.affinity.every((a) => termSelects(a.term, pod, pod, s.snapshot.namespaceLabels));
    for (const a of s.affinity) {
      const domain = node.labels[a.term.topologyKey];
      if (domain === undefined) return { reasons: ["node(s) didn't match pod affinity rules"], unresolvable: true };
      if (!a.domains.has(domain) && !noneAnywhere) return { reasons: ["node(s) didn't match pod affinity rules"] };
    }
    // kube-scheduler's order: the pod's affinity, its anti-affinity, then existing pods' anti-affinity.
    for (const a of s.anti) if (node.labels[a.term.topologyKey] !== undefined && a.domains.has(node.labels[a.term.topologyKey])) return { reasons: ["node(s) didn't match pod anti-affinity rules"] };
    for (const [key, domains] of s.existingAnti) if (node.labels[key] !== undefined && domains.has(node.labels[key])) return { reasons: ["node(s) didn't satisfy existing pods anti-affinity rules"] };
    return null;
  },
  preScore(pod, feasible, state) {
    const s = state.get(KEY) as State;
    const prefAff = pod.pod.spec?.affinity?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const prefAnti = pod.pod.spec?.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
    const scores = new Map<string, number>();
    if (prefAff.length || prefAnti.length) {
      const all = everyPod(s.snapshot);
      for (const node of feasible) {
        let sum = 0;
        for (const { pod: other, node: where } of all) {
          for (const w of prefAff) {
            const t = w.podAffinityTerm as AffinityTermT;
            if (where.labels[t.topologyKey] !== undefined && where.labels[t.topologyKey] === node.labels[t.topologyKey] && termSelects(t, pod, other, s.snapshot.namespaceLabels)) sum += w.weight;
          }
          for (const w of prefAnti) {
            const t = w.podAffinityTerm as AffinityTermT;
            if (where.labels[t.topologyKey] !== undefined && where.labels[t.topologyKey] === node.labels[t.topologyKey] && termSelects(t, pod, other, s.snapshot.namespaceLabels)) sum -= w.weight;
          }
        }
        scores.set(node.name, sum);
      }
    }
    s.preferred = scores;
  },
  score(_pod, node, state) {
    return (state.get(KEY) as State).preferred?.get(node.name) ?? 0;
  },
  normalize(scores) {
    const [min, max] = scoreRange(scores);
    for (let i = 0; i < scores.length; i++) scores[i] = max === min ? 0 : ((scores[i] - min) * 100) / (max - min);
  },
};
