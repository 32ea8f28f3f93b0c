// The framework's per-node memo (NodeSearch.signature): pods of one template are judged and
// scored as they would be afresh, node by node, as nodes fill up and empty; and pods whose
// verdicts depend on more than themselves and the node get no signature.
import { describe, expect, it } from "vitest";
import { schedule, type Decision } from "../../worker/cluster/scheduler/framework";
import { DEFAULT_PLUGINS, nodeLocalSignature } from "../../worker/cluster/scheduler/plugins";
import { podInfo, Snapshot } from "../../worker/cluster/scheduler/snapshot";
import type { Node } from "../../worker/cluster/resources/node";
import type { Pod } from "../../worker/cluster/resources/pod";

/** Nodes unlike each other: sizes, a zone label, a PreferNoSchedule and a NoSchedule taint, one unschedulable. */
function nodes(): Node[] {
  return Array.from({ length: 12 }, (_, i) => {
    const name = `n${i}`;
    const taints = i % 5 === 1 ? [{ key: "soft", value: "x", effect: "PreferNoSchedule" }] : i % 5 === 2 ? [{ key: "hard", value: "x", effect: "NoSchedule" }] : [];
    return {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name, labels: { "kubernetes.io/hostname": name, zone: i % 2 ? "a" : "b" } },
      spec: { taints, ...(i === 7 ? { unschedulable: true } : {}) },
      status: { allocatable: { cpu: String(1 + (i % 3)), memory: `${2 + (i % 4)}Gi`, pods: "110" } },
    } as Node;
  });
}

function pod(name: string, spec: Record<string, unknown> = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels: { app: "web" } },
    spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "300m", memory: "256Mi" } } }], ...spec },
    status: { phase: "Pending" },
  } as Pod;
}

/** A decision in a form two runs can be compared by. */
function read(d: Decision) {
  return { node: d.node, verdicts: d.verdicts.map((v) => ({ node: v.node, rejected: v.rejectedBy ? [v.rejectedBy.plugin, ...v.rejectedBy.rejection.reasons] : null, total: v.total, scores: v.rejectedBy ? null : v.scores })) };
}

const first = (best: string[]) => best[0];

describe("scheduler memo", () => {
  it("places pods of one template as a scheduler without it does, as nodes fill up and empty", () => {
    const memo = new Snapshot(nodes(), []);
    const fresh = new Snapshot(nodes(), []);
    const spec = { nodeSelector: { zone: "a" }, tolerations: [{ key: "soft", operator: "Exists", effect: "PreferNoSchedule" }] };
    let memoHits = 0;
    for (let i = 0; i < 40; i++) {
      const p = podInfo(pod(`p${i}`, i % 4 === 3 ? {} : spec));
      const signature = nodeLocalSignature(p, memo);
      expect(signature).toBeDefined();
      // Starting where the last cycle stopped, and stopping at a few that fit, as on a big cluster.
      const search = { start: i % 12, find: 4 };
      memoHits += memo.list().filter((n) => (n.memo ?? []).some((m) => m.generation === n.generation)).length;
      const a = schedule(p, memo, DEFAULT_PLUGINS, first, { ...search, signature });
      const b = schedule(p, fresh, DEFAULT_PLUGINS, first, search);
      expect(read(a)).toEqual(read(b));
      if (a.node) {
        memo.place(p, a.node);
        fresh.place(p, b.node!);
      }
      // Pods go too: the room they leave is seen.
      if (i % 6 === 5) {
        memo.forget(`default/p${i - 2}`);
        fresh.forget(`default/p${i - 2}`);
      }
    }
    // The memo was used (most nodes were unchanged from one pod to the next) and the nodes filled:
    // the comparison above covered nodes judged from the memo and nodes judged again.
    expect(memoHits).toBeGreaterThan(40);
    expect(schedule(podInfo(pod("last", spec)), fresh, DEFAULT_PLUGINS, first).verdicts.some((v) => v.rejectedBy?.plugin === "NodeResourcesFit")).toBe(true);
  });

  it("gives no signature to a pod whose verdicts depend on other nodes' pods or on claims", () => {
    const snap = new Snapshot(nodes(), []);
    const term = { labelSelector: { matchLabels: { app: "web" } }, topologyKey: "zone" };
    expect(nodeLocalSignature(podInfo(pod("plain")), snap)).toBeDefined();
    expect(nodeLocalSignature(podInfo(pod("aff", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } })), snap)).toBeUndefined();
    expect(nodeLocalSignature(podInfo(pod("anti", { affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: term }] } } })), snap)).toBeUndefined();
    expect(nodeLocalSignature(podInfo(pod("spread", { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: term.labelSelector }] })), snap)).toBeUndefined();
    expect(nodeLocalSignature(podInfo(pod("claim", { volumes: [{ name: "data", persistentVolumeClaim: { claimName: "data" } }] })), snap)).toBeUndefined();
    // Node affinity is the node's own business: a signature, different from a plain pod's.
    const byNode = nodeLocalSignature(podInfo(pod("node-aff", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "zone", operator: "In", values: ["a"] }] }] } } } })), snap);
    expect(byNode).toBeDefined();
    expect(byNode).not.toBe(nodeLocalSignature(podInfo(pod("plain")), snap));
    // A pod with required anti-affinity placed anywhere: every pod's verdicts depend on it.
    snap.place(podInfo(pod("guard", { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [term] } } })), "n0");
    expect(nodeLocalSignature(podInfo(pod("plain")), snap)).toBeUndefined();
    snap.forget("default/guard");
    expect(nodeLocalSignature(podInfo(pod("plain")), snap)).toBeDefined();
  });
});
