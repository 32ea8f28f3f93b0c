// The score plugins' normalization, node by node: each plugin's raw scores become 0-100 among
// the nodes that fit, are weighted, and the best total wins, as kube-scheduler ranks them.
import { describe, expect, it } from "vitest";
import { schedule } from "../../worker/cluster/scheduler/framework";
import { DEFAULT_PLUGINS } from "../../worker/cluster/scheduler/plugins";
import { podInfo, Snapshot } from "../../worker/cluster/scheduler/snapshot";
import type { Node } from "../../worker/cluster/resources/node";
import type { Pod } from "../../worker/cluster/resources/pod";

function node(name: string, labels: Record<string, string>, taints: unknown[] = [], cpu = "4"): Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name, labels: { "kubernetes.io/hostname": name, ...labels } },
    spec: { taints },
    status: { allocatable: { cpu, memory: "8Gi", pods: "110" } },
  } as Node;
}

function pod(name: string, labels: Record<string, string>, spec: Record<string, unknown> = {}, nodeName?: string): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels },
    spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "1", memory: "1Gi" } } }], ...spec, ...(nodeName ? { nodeName } : {}) },
    status: { phase: nodeName ? "Running" : "Pending" },
  } as Pod;
}

describe("scheduler scores", () => {
  it("normalizes and weights every score plugin among the nodes that fit, and picks the best total", () => {
    const nodes = [
      node("n1", { zone: "a" }, [{ key: "old", value: "yes", effect: "PreferNoSchedule" }]),
      node("n2", { zone: "a", disk: "ssd" }),
      node("n3", { zone: "b" }),
      node("n4", { zone: "b" }),
    ];
    // Two web pods already in zone b (one on n3, one on n4), and the database on n4.
    const running = [pod("web-1", { app: "web" }, {}, "n3"), pod("web-2", { app: "web" }, {}, "n4"), pod("db", { app: "db" }, {}, "n4")];
    const snap = new Snapshot(nodes, running);
    const web = podInfo(
      pod("web-3", { app: "web" }, {
        affinity: {
          nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 40, preference: { matchExpressions: [{ key: "disk", operator: "In", values: ["ssd"] }] } }] },
          podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, podAffinityTerm: { labelSelector: { matchLabels: { app: "db" } }, topologyKey: "kubernetes.io/hostname" } }] },
        },
        topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: { app: "web" } } }],
      }),
    );
    const decision = schedule(web, snap, DEFAULT_PLUGINS, (best) => best[0]);
    const scores = Object.fromEntries(decision.verdicts.map((v) => [v.node, v.scores]));
    // PreferNoSchedule: n1's untolerated taint scores it 0 of 100, the rest 100, weight 3.
    expect(Object.values(scores).map((s) => s?.TaintToleration)).toEqual([0, 300, 300, 300]);
    // Preferred node affinity: n2 alone has disk=ssd (40 of 40), weight 2.
    expect(Object.values(scores).map((s) => s?.NodeAffinity)).toEqual([0, 200, 0, 0]);
    // Spread: zone a holds no web pod and b two, so n1 and n2 score 100 and n3, n4 0 ((max + min - v) / max), weight 2.
    expect(Object.values(scores).map((s) => s?.PodTopologySpread)).toEqual([200, 200, 0, 0]);
    // Preferred pod affinity: n4 holds the database, the others nothing ((v - min) / (max - min)), weight 2.
    expect(Object.values(scores).map((s) => s?.InterPodAffinity)).toEqual([0, 0, 0, 200]);
    for (const v of decision.verdicts) expect(v.total).toBe(Object.values(v.scores ?? {}).reduce((a, b) => a + b, 0));
    expect(decision.node).toBe("n2");
  });

  it("filters by DoNotSchedule spread, node selectors, taints and room, in kube-scheduler's words", () => {
    const nodes = [
      node("a1", { zone: "a" }),
      node("a2", { zone: "a" }),
      node("b1", { zone: "b" }),
      node("b2", { zone: "b", disk: "ssd" }),
      node("nozone", {}),
      node("tainted", { zone: "c" }, [{ key: "gpu", value: "yes", effect: "NoSchedule" }]),
      node("small", { zone: "c" }, [], "500m"),
    ];
    // Two web pods in zone a, none in b; zone c's nodes hold none either.
    const snap = new Snapshot(nodes, [pod("web-1", { app: "web" }, {}, "a1"), pod("web-2", { app: "web" }, {}, "a2")]);
    const spread = { topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "zone", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: { app: "web" } } }] };
    const rejected = (d: ReturnType<typeof schedule>) => Object.fromEntries(d.verdicts.filter((v) => v.rejectedBy).map((v) => [v.node, [v.rejectedBy!.plugin, ...v.rejectedBy!.rejection.reasons]]));
    const web = schedule(podInfo(pod("web-3", { app: "web" }, spread)), snap, DEFAULT_PLUGINS, (best) => best[0]);
    expect(rejected(web)).toEqual({
      // Zone a would hold 3 against 0 in the emptiest zone: a skew of 3, over 1.
      a1: ["PodTopologySpread", "node(s) didn't match pod topology spread constraints"],
      a2: ["PodTopologySpread", "node(s) didn't match pod topology spread constraints"],
      nozone: ["PodTopologySpread", "node(s) didn't match pod topology spread constraints (missing required label)"],
      tainted: ["TaintToleration", "node(s) had untolerated taint {gpu: yes}"],
      small: ["NodeResourcesFit", "Insufficient cpu"],
    });
    expect(["b1", "b2"]).toContain(web.node);
    // A pod the constraint does not select is spread nowhere; a node selector keeps it to b2.
    const other = schedule(podInfo(pod("db", { app: "db" }, { ...spread, nodeSelector: { disk: "ssd" } })), snap, DEFAULT_PLUGINS, (best) => best[0]);
    expect(Object.keys(rejected(other)).sort()).toEqual(["a1", "a2", "b1", "nozone", "small", "tainted"]);
    expect(rejected(other).a1).toEqual(["NodeAffinity", "node(s) didn't match Pod's node affinity/selector"]);
    expect(other.node).toBe("b2");
  });

  it("scores nothing apart when every node ties, and places the pod on one of them", () => {
    const snap = new Snapshot([node("n1", {}), node("n2", {}), node("n3", {})], []);
    const decision = schedule(podInfo(pod("p", {})), snap, DEFAULT_PLUGINS, (best) => best[best.length - 1]);
    expect(new Set(decision.verdicts.map((v) => v.total)).size).toBe(1);
    expect(decision.verdicts.map((v) => v.scores?.TaintToleration)).toEqual([300, 300, 300]);
    expect(decision.verdicts.map((v) => v.scores?.InterPodAffinity)).toEqual([0, 0, 0]);
    expect(decision.verdicts.map((v) => v.scores?.PodTopologySpread)).toEqual([0, 0, 0]);
    // The pick sees every best node in the nodes' order.
    expect(decision.node).toBe("n3");
  });
});
