// Nodes: heartbeats, a lost node going NotReady after the 40 s grace period and its pods
// evicted after their 300 s toleration, cordon and drain, describe, adding and removing nodes,
// and a cluster that settles to no alarm at all.
import { beforeAll, describe, expect, it } from "vitest";
import { advance, getJson, kubectl, manage, newCluster, ok, service, settled, simulate, request, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("nodes");
});

describe("nodes", () => {
  it("marks a stopped worker NotReady after 40 s of cluster time and evicts its pods 300 s later", async () => {
    const worker = `${c.name}-worker`;
    await ok(c, ["run", "lost", "--image=nginx:1.27", `--overrides={"spec":{"nodeName":"${worker}"}}`]);
    await advance(c, 5);
    expect((await getJson(c, ["pod", "lost"])).status.phase).toBe("Running");
    // renewTime on the cluster's clock: served times are moved back by the clock's lead
    const renewed = async () => Date.parse((await getJson(c, ["lease", "-n", "kube-node-lease", worker])).spec.renewTime) + (await manage("GET", c, "")).json.offsetSeconds * 1000;
    const lease1 = await renewed();

    expect((await manage("POST", c, `/nodes/${worker}/stop`)).json).toEqual({ name: worker, running: false });
    await advance(c, 30);
    expect(await ok(c, ["get", "node", worker, "--no-headers"])).toMatch(/\sReady\s/);
    await advance(c, 15);
    expect(await ok(c, ["get", "node", worker, "--no-headers"])).toMatch(/\sNotReady\s/);
    const node = await getJson(c, ["node", worker]);
    const ready = node.status.conditions.find((x: { type: string }) => x.type === "Ready");
    expect(ready).toMatchObject({ status: "Unknown", reason: "NodeStatusUnknown", message: "Kubelet stopped posting node status." });
    expect(node.spec.taints.map((t: { key: string; effect: string }) => `${t.key}:${t.effect}`).sort()).toEqual(["node.kubernetes.io/unreachable:NoExecute", "node.kubernetes.io/unreachable:NoSchedule"]);
    // the lease stopped renewing when the machine stopped
    const lease2 = await renewed();
    await advance(c, 20);
    expect(await renewed()).toBe(lease2);
    expect(lease2).toBeGreaterThanOrEqual(lease1);
    // the pod keeps its last status while its toleration (300 s) runs
    expect((await getJson(c, ["pod", "lost"])).metadata.deletionTimestamp).toBeUndefined();
    await advance(c, 300);
    const evicted = await getJson(c, ["pod", "lost"]);
    expect(evicted.metadata.deletionTimestamp).toBeTruthy();
    expect(evicted.status.conditions.find((x: { type: string }) => x.type === "DisruptionTarget")).toMatchObject({ status: "True", reason: "DeletionByTaintManager" });
    expect(await ok(c, ["get", "pod", "lost", "--no-headers"])).toMatch(/Terminating/);
    const events = await getJson(c, ["events", "--field-selector", "involvedObject.name=lost,reason=TaintManagerEviction"]);
    expect(events.items[0].message).toBe("Marking for deletion Pod default/lost");

    // the machine comes back: the node is Ready again and the kubelet finishes the deletion
    await manage("POST", c, `/nodes/${worker}/start`);
    await advance(c, 5);
    expect(await ok(c, ["get", "node", worker, "--no-headers"])).toMatch(/\sReady\s/);
    expect((await getJson(c, ["node", worker])).spec.taints).toBeUndefined();
    expect((await kubectl(c, ["get", "pod", "lost"])).stderr).toContain("not found");
  });

  it("marks a lost node's pods not ready, so the Deployment counts them unavailable until the kubelet is back", async () => {
    const worker = `${c.name}-worker2`;
    const deploy = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "stranded" }, spec: { replicas: 2, selector: { matchLabels: { app: "stranded" } }, template: { metadata: { labels: { app: "stranded" } }, spec: { nodeSelector: { "kubernetes.io/hostname": worker }, containers: [{ name: "web", image: "nginx:1.27" }] } } } };
    await ok(c, ["apply", "-f", "-"], JSON.stringify(deploy));
    await advance(c, 10);
    expect(await ok(c, ["get", "deploy", "stranded", "--no-headers"])).toMatch(/^stranded\s+2\/2\s+2\s+2\s/);

    await manage("POST", c, `/nodes/${worker}/stop`);
    await advance(c, 45);
    const list = await getJson(c, ["pods", "-l", "app=stranded"]);
    expect(list.items).toHaveLength(2);
    for (const pod of list.items) {
      const cond = (t: string) => pod.status.conditions.find((x: { type: string }) => x.type === t);
      // MarkPodsNotReady turns only the Ready condition False; the containers' statuses are the
      // kubelet's, which cannot post, so kube-apiserver's printer still counts them ready (1/1).
      expect(cond("Ready")).toMatchObject({ status: "False" });
      expect(cond("ContainersReady")).toMatchObject({ status: "True" });
      expect(pod.status.phase).toBe("Running");
    }
    expect(await ok(c, ["get", "pods", "-l", "app=stranded", "--no-headers"])).toMatch(/^stranded-\S+\s+1\/1\s+Running\s+0\s/m);
    expect(await ok(c, ["get", "deploy", "stranded", "--no-headers"])).toMatch(/^stranded\s+0\/2\s+2\s+0\s/);
    const described = await ok(c, ["describe", "pod", list.items[0].metadata.name]);
    expect(described).toMatch(/Conditions:[\s\S]*\n\s+Ready\s+False\s*\n\s+ContainersReady\s+True/);
    expect(described).toMatch(/Warning\s+NodeNotReady\s+\S+\s+node-controller\s+Node is not ready/);
    const dep = await getJson(c, ["deploy", "stranded"]);
    expect(dep.status.availableReplicas ?? 0).toBe(0);
    expect(dep.status.unavailableReplicas).toBe(2);

    // the machine comes back before the 300 s toleration: the kubelet reports the pods ready again
    await manage("POST", c, `/nodes/${worker}/start`);
    await advance(c, 5);
    expect(await ok(c, ["get", "deploy", "stranded", "--no-headers"])).toMatch(/^stranded\s+2\/2\s+2\s+2\s/);
    for (const pod of (await getJson(c, ["pods", "-l", "app=stranded"])).items) expect(pod.status.conditions.find((x: { type: string }) => x.type === "Ready").status).toBe("True");
    // the evictions that were due in 300 s are called off with the taints
    expect((await manage("GET", c, "")).json.timers.filter((t: { controller: string }) => t.controller === "taint-eviction")).toEqual([]);
    await ok(c, ["delete", "deploy", "stranded"]);
  });

  it("cordons, drains through the eviction API, and uncordons", async () => {
    const worker = `${c.name}-worker2`;
    await ok(c, ["run", "d1", "--image=nginx:1.27", `--overrides={"spec":{"nodeName":"${worker}"}}`]);
    await advance(c, 5);
    await ok(c, ["cordon", worker]);
    expect(await ok(c, ["get", "node", worker, "--no-headers"])).toMatch(/Ready,SchedulingDisabled/);
    const refused = await kubectl(c, ["drain", worker, "--timeout=10s"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("cannot delete Pods that declare no controller (use --force to override): default/d1");
    // kindnet and kube-proxy run on every node: drain leaves DaemonSet pods only when told to.
    expect(refused.stderr).toMatch(/cannot delete DaemonSet-managed Pods \(use --ignore-daemonsets to ignore\): kube-system\/kindnet-\w{5}, kube-system\/kube-proxy-\w{5}/);
    const drain = await kubectl(c, ["drain", worker, "--force", "--ignore-daemonsets", "--timeout=30s"]);
    expect(drain.code).toBe(0);
    expect(drain.stdout + drain.stderr).toContain("evicting pod default/d1");
    expect(drain.stdout).toContain(`node/${worker} drained`);
    expect((await kubectl(c, ["get", "pod", "d1"])).stderr).toContain("not found");
    expect((await getJson(c, ["node", worker])).spec.taints).toEqual([expect.objectContaining({ key: "node.kubernetes.io/unschedulable", effect: "NoSchedule" })]);
    await ok(c, ["uncordon", worker]);
    expect(await ok(c, ["get", "node", worker, "--no-headers"])).not.toContain("SchedulingDisabled");
  });

  it("refuses an eviction that would break a PodDisruptionBudget", async () => {
    await ok(c, ["run", "guarded", "--image=nginx:1.27", "--labels=app=guarded"]);
    await ok(c, ["create", "poddisruptionbudget", "guard", "--selector=app=guarded", "--min-available=1"]);
    await advance(c, 5);
    const pdb = await getJson(c, ["pdb", "guard"]);
    expect(pdb.status).toMatchObject({ currentHealthy: 1, desiredHealthy: 1, expectedPods: 1, disruptionsAllowed: 0 });
    expect(await ok(c, ["get", "pdb", "guard", "--no-headers"])).toMatch(/^guard\s+1\s+N\/A\s+0\s/);
    const info = (await manage("GET", c, "")).json;
    const r = await request("POST", `/k8s/${info.id}/api/v1/namespaces/default/pods/guarded/eviction`, { token: c.token, body: { apiVersion: "policy/v1", kind: "Eviction", metadata: { name: "guarded" } } });
    expect(r.status).toBe(429);
    expect(r.json.message).toBe("Cannot evict pod as it would violate the pod's disruption budget.");
    await ok(c, ["delete", "pdb", "guard"]);
    await ok(c, ["delete", "pod", "guarded", "--force", "--grace-period=0"]);
  });

  it("describes a node with its conditions, capacity, allocated resources and pods", async () => {
    await ok(c, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "sized" }, spec: { nodeName: `${c.name}-worker`, containers: [{ name: "c", image: "nginx:1.27", resources: { requests: { cpu: "500m", memory: "256Mi" } } }] } }));
    await advance(c, 5);
    const out = await ok(c, ["describe", "node", `${c.name}-worker`]);
    expect(out).toMatch(/Conditions:[\s\S]*Ready\s+True\s+.*KubeletReady\s+kubelet is posting ready status/);
    expect(out).toMatch(/Capacity:\s+cpu:\s+4/);
    expect(out).toMatch(/PodCIDR:\s+10\.244\.1\.0\/24/);
    expect(out).toMatch(/default\s+sized\s+500m \(12%\)\s+0 \(0%\)\s+256Mi/);
    // sized's 500m and what the node's system pods ask for (kindnet's 100m, coredns if it landed here)
    const onNode = (await getJson(c, ["pods", "-A", "--field-selector", `spec.nodeName=${c.name}-worker`])).items;
    const milli = (q: string | undefined) => (!q ? 0 : q.endsWith("m") ? Number(q.slice(0, -1)) : Number(q) * 1000);
    const requested = onNode.reduce((n: number, p: { spec: { containers: { resources?: { requests?: { cpu?: string } } }[] } }) => n + p.spec.containers.reduce((m, x) => m + milli(x.resources?.requests?.cpu), 0), 0);
    expect(requested).toBeGreaterThanOrEqual(600);
    expect(out).toMatch(new RegExp(`Allocated resources:[\\s\\S]*cpu\\s+${requested}m \\(${Math.floor(requested / 40)}%\\)`));
    const pod = await ok(c, ["describe", "pod", "sized"]);
    expect(pod).toMatch(/Status:\s+Running/);
    expect(pod).toMatch(/Events:[\s\S]*Started\s+\S+\s+kubelet\s+Started container c/);
    await ok(c, ["delete", "pod", "sized", "--force", "--grace-period=0"]);
  });

  it("adds and removes nodes; the pods of a removed node are collected", async () => {
    const added = await manage("POST", c, "/nodes", { role: "worker", labels: { tier: "extra" } });
    expect(added.status).toBe(201);
    const name = added.json.name;
    expect(name).toBe(`${c.name}-worker3`);
    await advance(c, 1);
    const node = await getJson(c, ["node", name]);
    expect(node.metadata.labels.tier).toBe("extra");
    expect(await ok(c, ["get", "node", name, "--no-headers"])).toMatch(/\sReady\s/);
    await ok(c, ["run", "extra", "--image=nginx:1.27", `--overrides={"spec":{"nodeName":"${name}"}}`]);
    await advance(c, 5);
    expect((await manage("DELETE", c, `/nodes/${name}`)).status).toBe(200);
    await advance(c, 1);
    expect((await kubectl(c, ["get", "node", name])).stderr).toContain("not found");
    expect((await kubectl(c, ["get", "pod", "extra"])).stderr).toContain("not found");
    expect((await kubectl(c, ["get", "lease", "-n", "kube-node-lease", name])).stderr).toContain("not found");
  });

  it("answers bad management requests with an error that names the bound, and changes nothing", async () => {
    const before = (await manage("GET", c, "")).json.now;
    const bad = [
      await manage("POST", c, "/clock", {}),
      await manage("POST", c, "/clock", { advanceSeconds: -1 }),
      await manage("POST", c, "/clock", { advanceSeconds: 1e9 }),
      await manage("POST", c, "/clock", { speed: 0 }),
      await manage("POST", c, "/clock", { speed: 5000 }),
      await manage("PATCH", c, "", { simulation: { profile: "turbo" } }),
      await manage("PATCH", c, "", { other: 1 }),
      await manage("POST", c, "/nodes", { role: "etcd" }),
      await manage("POST", c, "/nodes", { name: "Bad_Name" }),
      await manage("POST", c, "/nodes", { capacity: { cpu: "lots" } }),
    ];
    for (const r of bad) {
      expect(r.status).toBe(400);
      expect(r.json.error.message).toBeTruthy();
    }
    expect(bad[2].json.error.message).toContain("from 0 to 2592000");
    expect(bad[4].json.error.message).toContain("at most 1000");
    expect((await manage("POST", c, "/nodes/nope/stop")).status).toBe(404);
    expect((await manage("DELETE", c, "/nodes/nope")).status).toBe(404);
    expect((await manage("POST", c, "/nodes", { name: `${c.name}-worker` })).status).toBe(409);
    const after = (await manage("GET", c, "")).json.now;
    expect(Date.parse(after) - Date.parse(before)).toBeLessThan(60_000);
    // only an admin token may move the clock
    const view = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `clock-viewer-${process.pid}`, cluster: c.name, role: "view" } });
    const denied = await request("POST", `/v1/clusters/${c.name}/clock`, { token: view.json.token, body: { advanceSeconds: 10 } });
    expect(denied.status).toBe(403);
  });

  it("settles: with every pod running and nothing scheduled, the cluster has no alarm", async () => {
    await simulate(c, { profile: "instant" });
    await ok(c, ["run", "calm", "--image=nginx:1.27"]);
    await advance(c, 5);
    const info = await settled(c);
    expect(info.alarm).toBeNull();
    expect(info.timers).toEqual([]);
    expect(info.simulation.profile).toBe("instant");
  });
});

describe("a big cluster", () => {
  it("has 300 nodes when its podSubnet holds them, and names the bound when it does not", async () => {
    const nodes = (n: number) => [{ role: "control-plane" }, ...Array.from({ length: n - 1 }, () => ({ role: "worker" }))];
    // kind's default podSubnet (a /16) has 256 node ranges of /24.
    const small = await request("POST", `/v1/clusters?name=toosmall-${process.pid % 10000}`, { token: service.tenantToken, body: { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: nodes(300) } });
    expect(small.status).toBe(400);
    expect(small.json.error.message).toBe("networking.podSubnet: 10.244.0.0/16 holds 256 node ranges (/24), fewer than the 300 nodes");
    const many = await request("POST", `/v1/clusters?name=toomany-${process.pid % 10000}`, { token: service.tenantToken, body: { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", networking: { podSubnet: "10.240.0.0/12" }, nodes: nodes(5001) } });
    expect(many.status).toBe(400);
    expect(many.json.error.message).toBe("nodes: 5001 nodes is more than the limit of 5000");

    const big = await newCluster("big", { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", networking: { podSubnet: "10.240.0.0/12" }, nodes: nodes(300) });
    const listed = (await ok(big, ["get", "nodes", "--no-headers"])).trim().split("\n");
    expect(listed).toHaveLength(300);
    expect(listed.every((l) => /\sReady\s/.test(l))).toBe(true);
    const cidrs = new Set((await ok(big, ["get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}"])).trim().split(" "));
    expect(cidrs.size).toBe(300);
    expect(cidrs.has("10.241.43.0/24")).toBe(true);
  }, 120_000);
});
