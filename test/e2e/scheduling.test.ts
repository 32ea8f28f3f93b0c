// The scheduler: filters and scores as kube-scheduler does, explains itself, reports a pod that
// fits nowhere in kube-scheduler's words, and schedules it once the cluster changes.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, eventually, getJson, manage, newCluster, ok, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("sched", {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    nodes: [{ role: "control-plane" }, { role: "worker" }, { role: "worker", labels: { disk: "ssd" } }],
  });
  await simulate(c, { profile: "instant" });
});

function pod(name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}) {
  return stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, labels }, spec: { containers: [{ name: "c", image: "nginx:1.27" }], ...spec } });
}

async function nodeOf(name: string): Promise<string | undefined> {
  return (await getJson(c, ["pod", name])).spec.nodeName;
}

describe("scheduler", () => {
  it("honours nodeSelector, tolerations and node affinity", async () => {
    const cp = `${c.name}-control-plane`;
    await ok(c, ["apply", "-f", "-"], pod("ssd", { nodeSelector: { disk: "ssd" } }));
    await ok(c, ["apply", "-f", "-"], pod("on-cp", { nodeSelector: { "node-role.kubernetes.io/control-plane": "" }, tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }] }));
    await ok(c, ["apply", "-f", "-"], pod("not-ssd", { affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: "disk", operator: "DoesNotExist" }, { key: "node-role.kubernetes.io/control-plane", operator: "DoesNotExist" }] }] } } } }));
    await ok(c, ["apply", "-f", "-"], pod("cp-untolerated", { nodeSelector: { "node-role.kubernetes.io/control-plane": "" } }));
    await advance(c, 1);
    expect(await nodeOf("ssd")).toBe(`${c.name}-worker2`);
    expect(await nodeOf("on-cp")).toBe(cp);
    expect(await nodeOf("not-ssd")).toBe(`${c.name}-worker`);
    const stuck = await getJson(c, ["pod", "cp-untolerated"]);
    expect(stuck.spec.nodeName).toBeUndefined();
    const cond = stuck.status.conditions.find((x: { type: string }) => x.type === "PodScheduled");
    expect(cond).toMatchObject({ status: "False", reason: "Unschedulable" });
    expect(cond.message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
    );
    // the reasoning is on the pod for a learner to read
    const why = (await getJson(c, ["pod", "ssd"])).metadata.annotations["scheduler.kubedo.dev/decision"];
    expect(why).toContain(`chose ${c.name}-worker2: 1 of 3 nodes fit`);
    expect(why).toContain(`${c.name}-worker: filtered by NodeAffinity: node(s) didn't match Pod's node affinity/selector`);
    await ok(c, ["delete", "pod", "cp-untolerated", "on-cp", "ssd", "not-ssd", "--wait=false"]);
  });

  it("keeps pods with required anti-affinity apart, and says why the third one cannot run", async () => {
    const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "spread" } }, topologyKey: "kubernetes.io/hostname" }] } } };
    for (const n of ["s1", "s2", "s3"]) await ok(c, ["apply", "-f", "-"], pod(n, anti, { app: "spread" }));
    await advance(c, 1);
    const placed = [await nodeOf("s1"), await nodeOf("s2"), await nodeOf("s3")];
    const bound = placed.filter(Boolean);
    expect(bound).toHaveLength(2);
    expect(new Set(bound).size).toBe(2);
    const pending = ["s1", "s2", "s3"][placed.findIndex((p) => !p)];
    const events = await getJson(c, ["events", "--field-selector", `involvedObject.name=${pending},reason=FailedScheduling`]);
    expect(events.items[0].message).toContain("2 node(s) didn't match pod anti-affinity rules");
    expect(events.items[0].source.component).toBe("default-scheduler");
    await ok(c, ["delete", "pod", "s1", "s2", "s3", "--wait=false"]);
  });

  it("co-locates with required pod affinity", async () => {
    await ok(c, ["apply", "-f", "-"], pod("db", { nodeSelector: { disk: "ssd" } }, { app: "db" }));
    await ok(c, ["apply", "-f", "-"], pod("cache", { affinity: { podAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: "db" } }, topologyKey: "kubernetes.io/hostname" }] } } }));
    await advance(c, 1);
    expect(await nodeOf("cache")).toBe(await nodeOf("db"));
    await ok(c, ["delete", "pod", "db", "cache", "--wait=false"]);
  });

  it("leaves a pod that needs more cpu than any node has Pending, and schedules it when a big enough node joins", async () => {
    await ok(c, ["apply", "-f", "-"], stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "big" }, spec: { containers: [{ name: "c", image: "nginx:1.27", resources: { requests: { cpu: "6" } } }] } }));
    await advance(c, 1);
    const pending = await getJson(c, ["pod", "big"]);
    expect(pending.status.phase).toBe("Pending");
    const events = await getJson(c, ["events", "--field-selector", "involvedObject.name=big,reason=FailedScheduling"]);
    expect(events.items[0].message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
    expect(await ok(c, ["get", "pod", "big", "--no-headers"])).toMatch(/^big\s+0\/1\s+Pending/);

    const added = await manage("POST", c, "/nodes", { role: "worker", capacity: { cpu: "8", memory: "16Gi" } });
    expect(added.status).toBe(201);
    expect(added.json.name).toBe(`${c.name}-worker3`);
    await advance(c, 2);
    const running = await getJson(c, ["pod", "big"]);
    expect(running.spec.nodeName).toBe(`${c.name}-worker3`);
    expect(running.status.phase).toBe("Running");
    const node = await getJson(c, ["node", `${c.name}-worker3`]);
    expect(node.status.capacity.cpu).toBe("8");
    expect(node.spec.podCIDR).toBe("10.244.3.0/24");
  });

  it("does not schedule onto a cordoned node", async () => {
    for (const n of ["worker", "worker2", "worker3"]) await ok(c, ["cordon", `${c.name}-${n}`]);
    await ok(c, ["run", "nowhere", "--image=nginx:1.27"]);
    await advance(c, 1);
    const events = await getJson(c, ["events", "--field-selector", "involvedObject.name=nowhere,reason=FailedScheduling"]);
    expect(events.items[0].message).toContain("3 node(s) were unschedulable");
    await ok(c, ["uncordon", `${c.name}-worker`]);
    await advance(c, 1);
    expect(await nodeOf("nowhere")).toBe(`${c.name}-worker`);
    for (const n of ["worker2", "worker3"]) await ok(c, ["uncordon", `${c.name}-${n}`]);
  });

  it("binds through pods/binding for a scheduler of one's own", async () => {
    await ok(c, ["apply", "-f", "-"], pod("mine", { schedulerName: "my-scheduler" }));
    await advance(c, 1);
    expect(await nodeOf("mine")).toBeUndefined();
    const r = await manage("GET", c, "");
    const binding = await import("./helpers").then((h) =>
      h.request("POST", `/k8s/${r.json.id}/api/v1/namespaces/default/pods/mine/binding`, { token: c.token, body: { apiVersion: "v1", kind: "Binding", metadata: { name: "mine" }, target: { apiVersion: "v1", kind: "Node", name: `${c.name}-worker2` } } }),
    );
    expect(binding.status).toBe(201);
    await advance(c, 1);
    expect(await nodeOf("mine")).toBe(`${c.name}-worker2`);
    expect((await getJson(c, ["pod", "mine"])).status.phase).toBe("Running");
  });
});

describe("on a big cluster", () => {
  it("places a pod among the first 100 nodes that fit of 151, starting where the last pod's search ended", async () => {
    const big = await newCluster("sched-big", { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, ...Array.from({ length: 150 }, () => ({ role: "worker" }))] });
    await simulate(big, { profile: "instant" });
    await ok(big, ["run", "first", "--image=nginx:1.27"]);
    await ok(big, ["run", "second", "--image=nginx:1.27"]);
    const why = async (name: string) => {
      await eventually(async () => !!(await getJson(big, ["pod", name])).metadata.annotations?.["scheduler.kubedo.dev/decision"], 30_000);
      return (await getJson(big, ["pod", name])).metadata.annotations["scheduler.kubedo.dev/decision"] as string;
    };
    // kube-scheduler's numFeasibleNodesToFind: 151 nodes score 49%, which is under its floor of 100.
    const first = await why("first");
    expect(first.split("\n")[0]).toMatch(new RegExp(`^chose ${big.name}-worker\\d*: 100 of 10[01] nodes fit \\(the filters stop at 100 that fit, of 151 nodes\\)$`));
    expect((await why("second")).split("\n")[0]).toMatch(/: 100 of 10[01] nodes fit \(the filters stop at 100 that fit, of 151 nodes\)$/);
  }, 120_000);
});
