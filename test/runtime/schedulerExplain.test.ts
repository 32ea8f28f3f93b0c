// The scheduler's decision annotation: what a learner reads on the pod, and how big it is.
import { describe, expect, it } from "vitest";
import { explain, schedule, type NodeVerdict } from "../../worker/cluster/scheduler/framework";
import { DEFAULT_PLUGINS } from "../../worker/cluster/scheduler/plugins";
import { podInfo, Snapshot } from "../../worker/cluster/scheduler/snapshot";
import type { Node } from "../../worker/cluster/resources/node";
import type { Pod } from "../../worker/cluster/resources/pod";

const scores = { TaintToleration: 300, NodeResourcesFit: 87, NodeResourcesBalancedAllocation: 94 };
const fitting = (node: string, total = 481, s: Record<string, number> = scores): NodeVerdict => ({ node, scores: s, total });
const tainted = (node: string): NodeVerdict => ({
  node,
  rejectedBy: { plugin: "TaintToleration", rejection: { reasons: ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"] } },
});

describe("the scheduler's explanation", () => {
  it("gives each node its own line when no two share a verdict", () => {
    const why = explain({ node: "w2", verdicts: [tainted("cp"), fitting("w1", 470, { NodeResourcesFit: 70 }), fitting("w2")] });
    expect(why.split("\n")).toEqual([
      "chose w2: 2 of 3 nodes fit",
      "w2: fits, score 481 (TaintToleration 300, NodeResourcesFit 87, NodeResourcesBalancedAllocation 94)",
      "w1: fits, score 470 (NodeResourcesFit 70)",
      "cp: filtered by TaintToleration: node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
    ]);
  });

  it("puts nodes with the same verdict on one line, the chosen one first, and stays short on 81 like nodes", () => {
    const workers = Array.from({ length: 80 }, (_, i) => fitting(`worker${i}`, i < 12 ? 481 : 479));
    const why = explain({ node: "worker7", verdicts: [tainted("cp"), ...workers] });
    expect(why.split("\n")).toEqual([
      "chose worker7: 80 of 81 nodes fit",
      "worker7, worker0, worker1 and 9 more: fits, score 481 (TaintToleration 300, NodeResourcesFit 87, NodeResourcesBalancedAllocation 94)",
      "worker12, worker13, worker14 and 65 more: fits, score 479 (TaintToleration 300, NodeResourcesFit 87, NodeResourcesBalancedAllocation 94)",
      "cp: filtered by TaintToleration: node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
    ]);
    // A line a node came to about 1.2 KB on such a cluster, a fifth of the pod.
    expect(why.length).toBeLessThan(500);
  });

  it("groups the best 100 nodes and counts the rest", () => {
    const workers = Array.from({ length: 420 }, (_, i) => fitting(`w${i}`, 481));
    const why = explain({ node: "w0", verdicts: [...workers, tainted("cp")] }).split("\n");
    expect(why).toEqual([
      "chose w0: 420 of 421 nodes fit",
      "w0, w1, w2 and 97 more: fits, score 481 (TaintToleration 300, NodeResourcesFit 87, NodeResourcesBalancedAllocation 94)",
      "... and 321 more nodes",
    ]);
  });

  it("keeps apart nodes of one total whose scores differ, and nodes filtered for other reasons", () => {
    const other = { TaintToleration: 300, NodeResourcesFit: 90, NodeResourcesBalancedAllocation: 91 };
    const full = (node: string, what: string): NodeVerdict => ({ node, rejectedBy: { plugin: "NodeResourcesFit", rejection: { reasons: [`Insufficient ${what}`] } } });
    const why = explain({ node: "a", verdicts: [fitting("a"), fitting("b", 481, other), fitting("c"), full("d", "cpu"), full("e", "memory"), full("f", "cpu")] });
    expect(why.split("\n")).toEqual([
      "chose a: 3 of 6 nodes fit",
      "a, c: fits, score 481 (TaintToleration 300, NodeResourcesFit 87, NodeResourcesBalancedAllocation 94)",
      "b: fits, score 481 (TaintToleration 300, NodeResourcesFit 90, NodeResourcesBalancedAllocation 91)",
      "d, f: filtered by NodeResourcesFit: Insufficient cpu",
      "e: filtered by NodeResourcesFit: Insufficient memory",
    ]);
  });

  it("counts the nodes past its last line", () => {
    const verdicts = Array.from({ length: 20 }, (_, i) => fitting(`n${i}`, 500 - i));
    const why = explain({ node: "n0", verdicts }, 5).split("\n");
    expect(why).toHaveLength(7);
    expect(why[5]).toBe("n4: fits, score 496 (TaintToleration 300, NodeResourcesFit 87, NodeResourcesBalancedAllocation 94)");
    expect(why[6]).toBe("... and 15 more nodes");
  });

  it("reads the same whatever order nodes of equal total were given in the stable order a sort would keep, the chosen node first among them", () => {
    // A small generator with a fixed seed: many ties, a few totals, some filtered nodes.
    let seed = 7;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 200; round++) {
      const count = 1 + next(160);
      const verdicts: NodeVerdict[] = Array.from({ length: count }, (_, i) =>
        next(5) === 0 ? tainted(`n${i}`) : fitting(`n${i}`, 470 + 5 * next(4), next(2) ? scores : { ...scores, NodeResourcesFit: 80 }),
      );
      const fit = verdicts.filter((v) => !v.rejectedBy);
      // As the scheduler picks: one of the nodes of the best total.
      const best = Math.max(...fit.map((v) => v.total ?? 0));
      const top = fit.filter((v) => v.total === best);
      const chosen = top.length ? top[next(top.length)].node : null;
      // The reference: a stable sort by total, best first, the chosen node first among its equals.
      const sorted = [...fit].sort((a, b) => (b.total ?? 0) - (a.total ?? 0) || Number(b.node === chosen) - Number(a.node === chosen));
      const reference = [...sorted, ...verdicts.filter((v) => v.rejectedBy)];
      expect(explain({ node: chosen, verdicts })).toBe(explain({ node: chosen, verdicts: reference }));
      if (chosen) expect(explain({ node: chosen, verdicts }).split("\n")[1].startsWith(chosen)).toBe(true);
    }
  });

  it("groups a scheduling cycle's own verdicts: like nodes on one line, a node of another shape on its own", () => {
    const node = (name: string, cpu: string, memory: string): Node =>
      ({ apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } }, spec: {}, status: { allocatable: { cpu, memory, pods: "110" } } }) as Node;
    // a and b alike; c, larger, scores otherwise.
    const nodes = [node("a", "4", "8Gi"), node("b", "4", "8Gi"), node("c", "64", "16Gi")];
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "p", namespace: "default", uid: "u", labels: {} }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "1", memory: "1Gi" } } }] }, status: {} } as Pod;
    const decision = schedule(podInfo(pod), new Snapshot(nodes, []), DEFAULT_PLUGINS, (best) => best[0]);
    const why = explain(decision).split("\n");
    const fitsOf = (n: string) => why.find((l) => l.split(":")[0]!.split(", ").includes(n));
    expect(fitsOf("a")).toBe(fitsOf("b"));
    expect(fitsOf("a")).toMatch(/^(a, b|b, a): fits, score \d+/);
    expect(fitsOf("c")).toMatch(/^c: fits, score \d+/);
    expect(why).toHaveLength(3);
  });
});
