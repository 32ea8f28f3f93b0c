// The scheduler's snapshot kept up to date pod by pod: a pod placed, forgotten (deleted or
// finished) or placed again leaves each node's requests and its list of pods with required
// anti-affinity as a snapshot built afresh would have them; and in a cluster, the room a
// deleted or finished pod leaves (and the anti-affinity it held) is seen at once.
import { describe, expect, it } from "vitest";
import { schedule } from "../../worker/cluster/scheduler/framework";
import { DEFAULT_PLUGINS } from "../../worker/cluster/scheduler/plugins";
import { podInfo, Snapshot } from "../../worker/cluster/scheduler/snapshot";
import type { Node } from "../../worker/cluster/resources/node";
import type { Pod } from "../../worker/cluster/resources/pod";
import { kube, newSettledCluster, settle } from "./helpers";

function node(name: string): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name, labels: { "kubernetes.io/hostname": name } }, spec: {}, status: { allocatable: { cpu: "4", memory: "8Gi", pods: "110" } } } as Node;
}

const antiWeb = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "web" } }, topologyKey: "kubernetes.io/hostname" }] } };

function pod(name: string, cpu: string, extra: { node?: string; labels?: Record<string, string>; affinity?: unknown } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "default", uid: `uid-${name}`, labels: extra.labels ?? {} },
    spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu } } }], ...(extra.node ? { nodeName: extra.node } : {}), ...(extra.affinity ? { affinity: extra.affinity } : {}) },
    status: { phase: extra.node ? "Running" : "Pending" },
  } as Pod;
}

/** What a snapshot counts, node by node, in a form two snapshots can be compared by. */
function counted(s: Snapshot) {
  return s.list().map((n) => ({ node: n.name, cpu: n.requested.milliCPU, pods: n.pods.map((p) => p.key).sort(), anti: n.withRequiredAntiAffinity.map((p) => p.key).sort() }));
}

describe("scheduler snapshot", () => {
  it("keeps requests and pods with required anti-affinity true as pods are placed, forgotten and placed again", () => {
    const guard = pod("guard", "1", { node: "n1", affinity: antiWeb });
    const other = pod("other", "2", { node: "n1" });
    const snap = new Snapshot([node("n1"), node("n2")], [guard, other]);
    expect(counted(snap)[0]).toEqual({ node: "n1", cpu: 3000, pods: ["default/guard", "default/other"], anti: ["default/guard"] });

    // A web pod is kept off n1 by the guard's anti-affinity.
    const web = podInfo(pod("web", "1", { labels: { app: "web" } }));
    expect(schedule(web, snap, DEFAULT_PLUGINS, (b) => b[0]).verdicts.find((v) => v.node === "n1")?.rejectedBy?.rejection.reasons).toEqual(["node(s) didn't satisfy existing pods anti-affinity rules"]);

    snap.forget("default/guard");
    snap.forget("default/nobody");
    expect(counted(snap)).toEqual(counted(new Snapshot([node("n1"), node("n2")], [other])));
    expect(schedule(web, snap, DEFAULT_PLUGINS, (b) => b[0]).verdicts.find((v) => v.node === "n1")?.rejectedBy).toBeUndefined();

    // Placed twice (a bind seen again), a pod counts once, on the node of its last placing.
    snap.place(podInfo(guard), "n1");
    snap.place(podInfo(guard), "n2");
    expect(counted(snap)).toEqual(counted(new Snapshot([node("n1"), node("n2")], [other, { ...guard, spec: { ...guard.spec!, nodeName: "n2" } }])));
    // The guard's terms follow it to n2 (the cycle reads them from the nodes that hold such pods).
    const moved = schedule(web, snap, DEFAULT_PLUGINS, (b) => b[0]);
    expect(moved.verdicts.find((v) => v.node === "n2")?.rejectedBy?.rejection.reasons).toEqual(["node(s) didn't satisfy existing pods anti-affinity rules"]);
    expect(moved.node).toBe("n1");

    // A pod assumed on a node (a nominated pod holding its place) counts its terms there too.
    const fresh = new Snapshot([node("n1"), node("n2")], [other]);
    fresh.assume(podInfo(pod("held", "1", { affinity: antiWeb })), "n1");
    expect(schedule(web, fresh, DEFAULT_PLUGINS, (b) => b[0]).verdicts.find((v) => v.node === "n1")?.rejectedBy?.rejection.reasons).toEqual(["node(s) didn't satisfy existing pods anti-affinity rules"]);
  });

  it("keeps of a placed pod what plugins and preemption read, and lets the rest go", () => {
    const full = pod("kept", "1", { node: "n1", labels: { app: "web" }, affinity: antiWeb });
    full.metadata.annotations = { big: "x".repeat(1000) };
    full.spec!.priority = 7;
    full.status = { phase: "Running", startTime: "2026-01-01T00:00:00Z", conditions: [{ type: "Ready", status: "True" }, { type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }] };
    const snap = new Snapshot([node("n1")], [full]);
    const [info] = snap.nodes.get("n1")!.pods;
    expect(info.requests.milliCPU).toBe(1000);
    expect(info.pod).toEqual({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "kept", namespace: "default", uid: "uid-kept", labels: { app: "web" } },
      spec: { containers: [], nodeName: "n1", priority: 7, affinity: antiWeb },
      status: { phase: "Running", startTime: "2026-01-01T00:00:00Z", conditions: [{ type: "DisruptionTarget", status: "True", reason: "PreemptionByScheduler" }] },
    });
    expect(snap.nodes.get("n1")!.node.status).toBeUndefined();
  });

  it("keeps what the pods of one template hold alike once, and counts each pod apart", () => {
    const web = (name: string, nodeName: string) => {
      const p = JSON.parse(JSON.stringify(pod(name, "250m", { node: nodeName, labels: { app: "web", tier: "front" }, affinity: antiWeb }))) as Pod;
      p.status!.startTime = "2026-01-01T00:00:00Z";
      return p;
    };
    const snap = new Snapshot([node("n1"), node("n2")], [web("a", "n1"), web("b", "n1"), web("c", "n2")]);
    const [a, b] = snap.nodes.get("n1")!.pods;
    const [c] = snap.nodes.get("n2")!.pods;
    // Parsed apart, kept once: labels, requests, affinity, namespace, node and start time.
    expect(a.labels).toBe(b.labels);
    expect(a.labels).toBe(c.labels);
    expect(a.pod.metadata.labels).toBe(a.labels);
    expect(a.requests).toBe(c.requests);
    expect(a.pod.spec!.affinity).toBe(c.pod.spec!.affinity);
    expect(a.pod.spec!.nodeName).toBe("n1");
    expect(c.pod.spec!.nodeName).toBe("n2");
    expect(a.pod.status!.startTime).toBe("2026-01-01T00:00:00Z");
    // Each pod is still its own entry: one taken off leaves the others counted.
    expect(a).not.toBe(b);
    expect(snap.nodes.get("n1")!.requested.milliCPU).toBe(500);
    snap.forget("default/a");
    expect(snap.nodes.get("n1")!.requested.milliCPU).toBe(250);
    expect(snap.nodes.get("n1")!.pods.map((p) => p.key)).toEqual(["default/b"]);
    expect(snap.nodes.get("n1")!.withRequiredAntiAffinity.map((p) => p.key)).toEqual(["default/b"]);
    expect(counted(snap)).toEqual(counted(new Snapshot([node("n1"), node("n2")], [web("b", "n1"), web("c", "n2")])));
  });

  it("in a cluster, gives a pending pod the room of a pod that finished, and lets it near a deleted pod whose anti-affinity kept it away", async () => {
    const { stub } = await newSettledCluster({ name: "snap", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    await stub.simulate({ profile: "instant" });
    const worker = (await kube(stub, "GET", "/api/v1/nodes/snap-worker")).json;
    const most = `${Math.floor(Number.parseFloat(worker.status.allocatable.cpu) * 600)}m`;
    const get = async (name: string) => (await kube(stub, "GET", `/api/v1/namespaces/default/pods/${name}`)).json;
    const make = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) =>
      kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name, labels }, spec: { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"] }], ...spec } });

    // A pod that runs to completion holds most of the node; one that wants as much waits, then runs.
    expect((await make("job", { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "sleep 30"], resources: { requests: { cpu: most } } }] })).status).toBe(201);
    await settle(stub);
    expect((await get("job")).spec.nodeName).toBe("snap-worker");
    expect((await make("after-job", { containers: [{ name: "c", image: "nginx:1.27", resources: { requests: { cpu: most } } }] })).status).toBe(201);
    await settle(stub);
    expect((await get("after-job")).spec.nodeName).toBeUndefined();
    await stub.moveClock({ advanceSeconds: 31 });
    await settle(stub);
    expect((await get("job")).status.phase).toBe("Succeeded");
    expect((await get("after-job")).spec.nodeName).toBe("snap-worker");

    // A guard with anti-affinity against web pods keeps one off the only worker until it is deleted.
    expect((await make("guard", { affinity: antiWeb })).status).toBe(201);
    await settle(stub);
    expect((await get("guard")).spec.nodeName).toBe("snap-worker");
    expect((await make("web", {}, { app: "web" })).status).toBe(201);
    await settle(stub);
    expect((await get("web")).spec.nodeName).toBeUndefined();
    await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/guard?gracePeriodSeconds=0");
    await settle(stub);
    expect((await get("web")).spec.nodeName).toBe("snap-worker");
  });
});
