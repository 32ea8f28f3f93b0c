// Plugins that judge a node by itself: NodeUnschedulable, NodeName, TaintToleration,
// NodeAffinity (nodeSelector and node affinity) and NodePorts.
import { scoreRange, type Plugin } from "../framework";
import type { TolerationT } from "../../resources/types/core";
import { termMatches, tolerates, untolerated, type NodeSelectorTermT } from "../match";

export const nodeUnschedulable: Plugin = {
  name: "NodeUnschedulable",
  filter(pod, node) {
    if (!node.node.spec?.unschedulable) return null;
    const ok = (pod.pod.spec?.tolerations ?? []).some((t) => tolerates(t, { key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" }));
    return ok ? null : { reasons: ["node(s) were unschedulable"], unresolvable: true };
  },
};

export const nodeName: Plugin = {
  name: "NodeName",
  filter(pod, node) {
    const want = pod.pod.spec?.nodeName;
    return want && want !== node.name ? { reasons: ["node(s) didn't match the requested node name"], unresolvable: true } : null;
  },
};

const FILTERED_EFFECTS = ["NoSchedule", "NoExecute"];
const PREFER_TOLERATIONS = "TaintToleration/prefer";
const NO_TOLERATIONS: readonly TolerationT[] = [];

export const taintToleration: Plugin = {
  name: "TaintToleration",
  weight: 3,
  filter(pod, node) {
    if (!node.taints.length) return null;
    const taint = untolerated(node.taints, pod.pod.spec?.tolerations ?? NO_TOLERATIONS, FILTERED_EFFECTS);
    return taint ? { reasons: [`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ""}}`], unresolvable: true } : null;
  },
  // The pod's tolerations of PreferNoSchedule taints, once per cycle (kube-scheduler's PreScore state), not once per node.
  preScore(pod, _feasible, state) {
    state.set(PREFER_TOLERATIONS, (pod.pod.spec?.tolerations ?? NO_TOLERATIONS).filter((t) => !t.effect || t.effect === "PreferNoSchedule"));
  },
  score(pod, node, state) {
    if (!node.taints.length) return 0;
    const tolerations = state.get(PREFER_TOLERATIONS) as TolerationT[];
    let n = 0;
    for (const taint of node.taints) if (taint.effect === "PreferNoSchedule" && !tolerations.some((t) => tolerates(t, taint))) n++;
    return n;
  },
  normalize(scores) {
    // fewer intolerable PreferNoSchedule taints is better
    const max = Math.max(0, scoreRange(scores)[1]);
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? 100 : 100 - (scores[i] * 100) / max;
  },
};

const notAffine = () => ({ reasons: ["node(s) didn't match Pod's node affinity/selector"], unresolvable: true });

export const nodeAffinity: Plugin = {
  name: "NodeAffinity",
  weight: 2,
  filter(pod, node) {
    const spec = pod.pod.spec!;
    const selector = spec.nodeSelector;
    if (selector) for (const k in selector) if (node.labels[k] !== selector[k]) return notAffine();
    const required = spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (required && !required.nodeSelectorTerms.some((t) => termMatches(t as NodeSelectorTermT, node))) return notAffine();
    return null;
  },
  score(pod, node) {
    let sum = 0;
    for (const p of pod.pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [])
      if (termMatches(p.preference as NodeSelectorTermT, node)) sum += p.weight;
    return sum;
  },
  normalize(scores) {
    const max = Math.max(0, scoreRange(scores)[1]);
    for (let i = 0; i < scores.length; i++) scores[i] = max === 0 ? 0 : (scores[i] * 100) / max;
  },
};

export const nodePorts: Plugin = {
  name: "NodePorts",
  filter(pod, node) {
    if (!pod.hostPorts.length) return null;
    for (const want of pod.hostPorts) {
      for (const other of node.pods) {
        for (const used of other.hostPorts) {
          if (used.port !== want.port || used.protocol !== want.protocol) continue;
          if (used.ip === "0.0.0.0" || want.ip === "0.0.0.0" || used.ip === want.ip) return { reasons: ["node(s) didn't have free ports for the requested pod ports"] };
        }
      }
    }
    return null;
  },
};
