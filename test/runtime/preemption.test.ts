// kube-scheduler's PrioritySort queue and DefaultPreemption: which pods are chosen as victims
// (the most important reprieved first, budgets respected where possible), which node is picked,
// the PostFilter's words, and, in a cluster object, a higher-priority pod taking freed room first.
import { describe, expect, it } from "vitest";
import { fitError, schedule } from "../../worker/cluster/scheduler/framework";
import { DEFAULT_PLUGINS } from "../../worker/cluster/scheduler/plugins";
import { pickCandidate, preempt, type Budget, type Candidate } from "../../worker/cluster/scheduler/preemption";
import { ActiveQueue } from "../../worker/cluster/scheduler/scheduler";
import { podInfo, Snapshot, type PodInfo } from "../../worker/cluster/scheduler/snapshot";
import type { Node } from "../../worker/cluster/resources/node";
import type { Pod } from "../../worker/cluster/resources/pod";
import { kube, newSettledCluster, settle } from "./helpers";

const NOW = Date.parse("2026-01-01T00:00:00Z");

function node(name: string, cpu: string): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } }, spec: {}, status: { allocatable: { cpu, memory: "8Gi", pods: "110" } } } as Node;
}

function pod(name: string, priority: number, cpu: string, extra: { node?: string; labels?: Record<string, string>; startedAt?: string; policy?: "Never" } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels: extra.labels ?? {} },
    spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu } } }], priority, ...(extra.node ? { nodeName: extra.node } : {}), ...(extra.policy ? { preemptionPolicy: extra.policy } : {}) },
    status: { phase: extra.node ? "Running" : "Pending", ...(extra.startedAt ? { startTime: extra.startedAt } : {}) },
  } as Pod;
}

function run(nodes: Node[], running: Pod[], incoming: Pod, budgets: Budget[] = []) {
  const snap = new Snapshot(nodes, running);
  const info = podInfo(incoming);
  const decision = schedule(info, snap, DEFAULT_PLUGINS, (b) => b[0]);
  expect(decision.node).toBeNull();
  const before = JSON.stringify(snap.list().map((n) => [n.name, n.requested, n.pods.map((p) => p.key)]));
  const out = preempt(info, snap, DEFAULT_PLUGINS, decision.verdicts, () => budgets, NOW);
  // The snapshot is scratch space for the dry run and is left as it was.
  expect(JSON.stringify(snap.list().map((n) => [n.name, n.requested, n.pods.map((p) => p.key)]))).toBe(before);
  return { out, message: fitError(snap.nodes.size, decision.verdicts, out.message) };
}

const names = (c: Candidate | null) => c?.victims.map((v) => v.pod.metadata.name);

describe("victim selection", () => {
  it("reprieves the most important pods and takes only what must go", () => {
    const { out, message } = run([node("n1", "4")], [pod("p100", 100, "1", { node: "n1" }), pod("p50", 50, "1", { node: "n1" }), pod("p10", 10, "2", { node: "n1" })], pod("big", 200, "2"));
    expect(out.candidate?.node).toBe("n1");
    expect(names(out.candidate)).toEqual(["p10"]);
    expect(message).toBe("0/1 nodes are available: 1 Insufficient cpu.");
  });

  it("never takes a pod of equal or higher priority, and says so", () => {
    const { out, message } = run([node("n1", "2"), node("n2", "2")], [pod("same", 100, "2", { node: "n1" }), pod("higher", 500, "2", { node: "n2" })], pod("p", 100, "1"));
    expect(out.candidate).toBeNull();
    expect(message).toBe("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");
  });

  it("reports what still stands in the way when removing every lower pod is not enough", () => {
    const { out, message } = run([node("n1", "2")], [pod("low", 1, "1", { node: "n1" })], pod("huge", 100, "3"));
    expect(out.candidate).toBeNull();
    expect(message).toBe("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu.");
  });

  it("keeps a pod a PodDisruptionBudget protects when another can go instead", () => {
    const running = [pod("guarded", 10, "2", { node: "n1", labels: { app: "guarded" } }), pod("free", 20, "2", { node: "n1", labels: { app: "free" } })];
    const budget: Budget = { namespace: "default", selector: [{ key: "app", op: "=", value: "guarded" }], disruptionsAllowed: 0, disrupted: new Set() };
    // Without the budget, the less important pod goes.
    expect(names(run([node("n1", "4")], running, pod("p", 100, "2")).out.candidate)).toEqual(["guarded"]);
    const withBudget = run([node("n1", "4")], running, pod("p", 100, "2"), [budget]).out.candidate;
    expect(names(withBudget)).toEqual(["free"]);
    expect(withBudget?.pdbViolations).toBe(0);
    // When only the guarded pod can make room, it goes, and the violation is counted.
    const forced = run([node("n1", "2")], [running[0]], pod("p", 100, "2"), [budget]).out.candidate;
    expect(names(forced)).toEqual(["guarded"]);
    expect(forced?.pdbViolations).toBe(1);
  });

  it("does not preempt for a pod whose policy is Never", () => {
    const { out, message } = run([node("n1", "2")], [pod("low", 1, "2", { node: "n1" })], pod("polite", 100, "1", { policy: "Never" }));
    expect(out.candidate).toBeNull();
    expect(message).toBe("0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.");
  });

  it("says preemption cannot help when every node is ruled out for good", () => {
    const tainted = { ...node("n1", "4"), spec: { taints: [{ key: "k", value: "v", effect: "NoSchedule" }] } } as Node;
    const { out, message } = run([tainted], [pod("low", 1, "1", { node: "n1" })], pod("p", 100, "1"));
    expect(out).toMatchObject({ candidate: null, clearNomination: true });
    expect(message).toBe("0/1 nodes are available: 1 node(s) had untolerated taint {k: v}. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.");
  });

  it("waits for victims already leaving its nominated node rather than preempting again", () => {
    const leaving = pod("leaving", 1, "2", { node: "n1" });
    leaving.metadata.deletionTimestamp = "2026-01-01T00:00:00Z";
    leaving.status!.conditions = [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler", message: "default-scheduler: preempting to accommodate a higher priority pod" }];
    const preemptor = pod("p", 100, "2");
    preemptor.status!.nominatedNodeName = "n1";
    const { out } = run([node("n1", "2")], [leaving], preemptor);
    expect(out).toMatchObject({ candidate: null, message: "preemption: not eligible due to a terminating pod on the nominated node." });
  });
});

describe("node choice", () => {
  const info = (name: string, priority: number, startedAt?: string): PodInfo => podInfo(pod(name, priority, "1", { node: "x", startedAt }));
  const cand = (node: string, victims: PodInfo[], pdbViolations = 0): Candidate => ({ node, victims, pdbViolations });

  it("picks fewest budget violations, then the lowest highest victim, the smallest sum, the fewest victims, the latest start", () => {
    expect(pickCandidate([cand("a", [info("x", 1)], 1), cand("b", [info("y", 50)], 0)], NOW)?.node).toBe("b");
    expect(pickCandidate([cand("a", [info("x", 50)]), cand("b", [info("y", 10), info("z", 10)])], NOW)?.node).toBe("b");
    expect(pickCandidate([cand("a", [info("x", 10), info("y", 5)]), cand("b", [info("z", 10), info("w", 1)])], NOW)?.node).toBe("b");
    expect(pickCandidate([cand("a", [info("x", -5), info("y", -5)]), cand("b", [info("z", -5)])], NOW)?.node).toBe("b");
    expect(pickCandidate([cand("a", [info("x", 10, "2026-01-01T00:00:00Z")]), cand("b", [info("y", 10, "2026-01-01T01:00:00Z")])], NOW)?.node).toBe("b");
    expect(pickCandidate([cand("a", [info("x", 10)]), cand("b", [info("y", 10)])], NOW)?.node).toBe("a");
  });

  it("prefers the node whose victims matter least", () => {
    const { out } = run([node("n1", "2"), node("n2", "2")], [pod("mid", 50, "2", { node: "n1" }), pod("low", 5, "2", { node: "n2" })], pod("p", 100, "2"));
    expect(out.candidate?.node).toBe("n2");
    expect(names(out.candidate)).toEqual(["low"]);
  });
});

describe("PrioritySort queue", () => {
  it("pops higher priority first, then the pod queued first; a pod queued again keeps its place", () => {
    const q = new ActiveQueue();
    for (const [k, p] of [["a", 0], ["b", 100], ["c", 100], ["d", -5], ["e", 1000], ["f", 0]] as const) q.add(k, p);
    q.add("a", 0);
    const out: string[] = [];
    for (let k = q.pop(); k !== undefined; k = q.pop()) out.push(k);
    expect(out).toEqual(["e", "b", "c", "a", "f", "d"]);
    expect(q.size).toBe(0);
  });
});

describe("in a cluster", () => {
  it("gives room that frees up to the higher-priority pod, though the lower one waited first", async () => {
    const { stub } = await newSettledCluster({ name: "prio", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    await stub.simulate({ profile: "instant" });
    const worker = (await kube(stub, "GET", "/api/v1/nodes/prio-worker")).json;
    const cpu = `${Math.floor(Number.parseFloat(worker.status.allocatable.cpu) * 600)}m`;
    const make = (name: string, spec: Record<string, unknown> = {}) =>
      kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name }, spec: { containers: [{ name: "c", image: "nginx:1.27", resources: { requests: { cpu } } }], ...spec } });
    for (const [name, value] of [["low", 10], ["high", 1000]] as const)
      expect((await kube(stub, "POST", "/apis/scheduling.k8s.io/v1/priorityclasses", { metadata: { name }, value })).status).toBe(201);
    await make("filler", { priorityClassName: "high" });
    await settle(stub);
    await make("waits-low", { priorityClassName: "low" });
    await settle(stub);
    // Of the filler's own priority, it has no one to preempt.
    await make("waits-high", { priorityClassName: "high" });
    await settle(stub);
    const get = async (name: string) => (await kube(stub, "GET", `/api/v1/namespaces/default/pods/${name}`)).json;
    expect((await get("waits-low")).spec.nodeName).toBeUndefined();
    expect((await get("waits-high")).spec.nodeName).toBeUndefined();
    await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/filler?gracePeriodSeconds=0");
    await settle(stub);
    expect((await get("waits-high")).spec.nodeName).toBe("prio-worker");
    expect((await get("waits-low")).spec.nodeName).toBeUndefined();
  });
});
