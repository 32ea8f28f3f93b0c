// The endpoints, endpointslice and endpointslicemirroring controllers and the API server's own
// `kubernetes` endpoint, inside workerd with the real Durable Object: readiness, named ports,
// publishNotReadyAddresses, 100 endpoints per slice, headless hostnames, mirroring of hand-made
// Endpoints, node loss, and writes only when something changed.
import { describe, expect, it } from "vitest";
import { kube, newCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];
// any: tests read the objects' fields as the API answers them
type Obj = Record<string, any>;

const NS = "/api/v1/namespaces/default";
const DISC = "/apis/discovery.k8s.io/v1/namespaces/default";

async function endpointsOf(stub: Stub, name: string): Promise<Obj> {
  const r = await kube(stub, "GET", `${NS}/endpoints/${name}`);
  expect(r.status).toBe(200);
  return r.json;
}

async function slicesOf(stub: Stub, service: string): Promise<Obj[]> {
  const r = await kube(stub, "GET", `${DISC}/endpointslices?labelSelector=${encodeURIComponent(`kubernetes.io/service-name=${service}`)}`);
  expect(r.status).toBe(200);
  return r.json.items;
}

const ips = (addrs: Obj[] | undefined) => (addrs ?? []).map((a) => a.ip).sort();

function deployment(name: string, replicas: number, container: Obj, labels: Record<string, string> = { app: name }) {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", image: "nginx:1.27", ...container }] } } },
  };
}

async function create(stub: Stub, path: string, body: unknown) {
  const r = await kube(stub, "POST", path, body);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

/** Moves the clock a second at a time until `count` pods of the selector run (the kubelet starts pods by the clock). */
async function untilRunning(stub: Stub, selector: string, count: number) {
  for (let i = 0; i < 30; i++) {
    await settle(stub);
    const pods = (await kube(stub, "GET", `${NS}/pods?labelSelector=${encodeURIComponent(selector)}`)).json.items as Obj[];
    if (pods.filter((p) => p.status.phase === "Running" && !p.metadata.deletionTimestamp).length === count && pods.length === count) return;
    await stub.moveClock({ advanceSeconds: 1 });
  }
  throw new Error(`pods ${selector} did not reach ${count} running`);
}

async function cluster(config?: Record<string, unknown>) {
  const { stub } = await newCluster(config);
  await stub.simulate({ profile: "instant" });
  return stub;
}

describe("the kubernetes Service's endpoint", { timeout: 30_000 }, () => {
  it("lists each control-plane node's InternalIP on 6443, following control-plane nodes joining and leaving", async () => {
    const stub = await cluster();
    const nodes = (await kube(stub, "GET", "/api/v1/nodes")).json.items as Obj[];
    const cp = nodes.find((n) => "node-role.kubernetes.io/control-plane" in n.metadata.labels)!;
    const cpIP = cp.status.addresses.find((a: Obj) => a.type === "InternalIP").address;
    const ep = await endpointsOf(stub, "kubernetes");
    expect(ep.metadata.labels).toEqual({ "endpointslice.kubernetes.io/skip-mirror": "true" });
    expect(ep.subsets).toEqual([{ addresses: [{ ip: cpIP }], ports: [{ name: "https", port: 6443, protocol: "TCP" }] }]);
    const slice = (await kube(stub, "GET", `${DISC}/endpointslices/kubernetes`)).json;
    expect(slice).toMatchObject({ addressType: "IPv4", endpoints: [{ addresses: [cpIP], conditions: { ready: true } }], ports: [{ name: "https", port: 6443, protocol: "TCP" }] });
    expect(slice.metadata.labels).toEqual({ "kubernetes.io/service-name": "kubernetes" });
    // Nothing mirrors it (skip-mirror) and no controller adds a slice of its own.
    expect((await slicesOf(stub, "kubernetes")).map((s) => s.metadata.name)).toEqual(["kubernetes"]);

    const added = await stub.addNode({ role: "control-plane" });
    expect(added).toMatchObject({ ok: true });
    await settle(stub);
    const two = await endpointsOf(stub, "kubernetes");
    expect(two.subsets[0].addresses).toHaveLength(2);
    expect((await kube(stub, "GET", `${DISC}/endpointslices/kubernetes`)).json.endpoints).toHaveLength(2);
    // A stopped control-plane machine's API server drops out once its node is seen NotReady, and comes back with it.
    const second = (added as { value: { name: string } }).value.name;
    expect(await stub.power(second, false)).toMatchObject({ ok: true });
    await stub.moveClock({ advanceSeconds: 45 });
    await settle(stub);
    expect(ips((await endpointsOf(stub, "kubernetes")).subsets[0].addresses)).toEqual([cpIP]);
    expect(await stub.power(second, true)).toMatchObject({ ok: true });
    await stub.moveClock({ advanceSeconds: 5 });
    await settle(stub);
    expect((await endpointsOf(stub, "kubernetes")).subsets[0].addresses).toHaveLength(2);
    await stub.removeNode((added as { value: { name: string } }).value.name);
    await settle(stub);
    expect(ips((await endpointsOf(stub, "kubernetes")).subsets[0].addresses)).toEqual([cpIP]);
    // Deleted by hand, it comes back.
    await kube(stub, "DELETE", `${DISC}/endpointslices/kubernetes`);
    await settle(stub);
    expect((await kube(stub, "GET", `${DISC}/endpointslices/kubernetes`)).status).toBe(200);
  });
});

describe("endpoints of a Service with a selector", { timeout: 30_000 }, () => {
  it("list ready pods by the named port they declare, leave a pod without the port out of it, and follow readiness", async () => {
    const stub = await cluster();
    await create(stub, `/apis/apps/v1/namespaces/default/deployments`, deployment("web", 3, { ports: [{ name: "http", containerPort: 80 }] }, { app: "web", tier: "a" }));
    // A pod of the Service without the named port "metrics", and one that never gets ready.
    await create(stub, `${NS}/pods`, { apiVersion: "v1", kind: "Pod", metadata: { name: "odd", labels: { app: "web", tier: "b" } }, spec: { containers: [{ name: "c", image: "nginx:1.27", ports: [{ name: "http", containerPort: 8080 }, { name: "metrics", containerPort: 9090 }] }] } });
    await create(stub, `${NS}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "sick", labels: { app: "web", tier: "c" } },
      spec: { containers: [{ name: "c", image: "nginx:1.27", ports: [{ name: "http", containerPort: 80 }], readinessProbe: { httpGet: { path: "/notfound", port: 80 }, periodSeconds: 1 } }] },
    });
    await create(stub, `${NS}/services`, {
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "web", labels: { team: "blue" } },
      spec: { selector: { app: "web" }, ports: [{ name: "web", port: 80, targetPort: "http" }, { name: "metrics", port: 9090, targetPort: "metrics" }] },
    });
    await settle(stub);
    await stub.moveClock({ advanceSeconds: 5 });
    await settle(stub);
    const pods = (await kube(stub, "GET", `${NS}/pods?labelSelector=app%3Dweb`)).json.items as Obj[];
    const ipOf = (name: string) => pods.find((p) => p.metadata.name === name)!.status.podIP as string;
    const webIPs = pods.filter((p) => p.metadata.labels.tier === "a").map((p) => p.status.podIP as string);
    expect(webIPs).toHaveLength(3);

    const ep = await endpointsOf(stub, "web");
    expect(ep.metadata.labels).toEqual({ team: "blue" });
    expect(ep.metadata.annotations["endpoints.kubernetes.io/last-change-trigger-time"]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // The Deployment's pods and "sick" serve web on 80 (sick not ready); "odd" serves web on 8080 and metrics on 9090.
    const byPort = new Map((ep.subsets as Obj[]).map((s) => [JSON.stringify(s.ports), s]));
    const web80 = byPort.get(JSON.stringify([{ name: "web", port: 80, protocol: "TCP" }]))!;
    expect(ips(web80.addresses)).toEqual([...webIPs].sort());
    expect(ips(web80.notReadyAddresses)).toEqual([ipOf("sick")]);
    const odd = byPort.get(JSON.stringify([{ name: "metrics", port: 9090, protocol: "TCP" }, { name: "web", port: 8080, protocol: "TCP" }]))!;
    expect(ips(odd.addresses)).toEqual([ipOf("odd")]);
    expect(ep.subsets).toHaveLength(2);
    const one = web80.addresses[0];
    expect(one.targetRef).toMatchObject({ kind: "Pod", namespace: "default" });
    expect(one.nodeName).toMatch(/worker/);

    const slices = await slicesOf(stub, "web");
    expect(slices).toHaveLength(2);
    for (const s of slices) {
      expect(s.metadata.generateName).toBe("web-");
      expect(s.metadata.labels).toEqual({ team: "blue", "kubernetes.io/service-name": "web", "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io" });
      expect(s.metadata.ownerReferences).toMatchObject([{ apiVersion: "v1", kind: "Service", name: "web", controller: true, blockOwnerDeletion: true }]);
      expect(s.addressType).toBe("IPv4");
    }
    const main = slices.find((s) => s.ports.length === 1)!;
    expect(main.ports).toEqual([{ name: "web", port: 80, protocol: "TCP" }]);
    const sick = main.endpoints.find((e: Obj) => e.targetRef.name === "sick");
    expect(sick.conditions).toEqual({ ready: false, serving: false, terminating: false });
    expect(main.endpoints.filter((e: Obj) => e.conditions.ready)).toHaveLength(3);
    expect(main.endpoints[0]).not.toHaveProperty("zone");
    expect(main.endpoints[0]).not.toHaveProperty("hints");

    // A pod being deleted leaves the Endpoints at once, and stays in its slice as terminating
    // (serving, not ready) until it is gone: busybox's sleep ignores SIGTERM for the grace period.
    await create(stub, `${NS}/pods`, { apiVersion: "v1", kind: "Pod", metadata: { name: "slow", labels: { app: "web", tier: "d" } }, spec: { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"], ports: [{ name: "http", containerPort: 80 }] }] } });
    await untilRunning(stub, "tier=d", 1);
    const slowIP = (await kube(stub, "GET", `${NS}/pods/slow`)).json.status.podIP;
    const readyIPs = async () => ((await endpointsOf(stub, "web")).subsets as Obj[]).flatMap((s) => ips(s.addresses));
    expect(await readyIPs()).toContain(slowIP);
    expect((await kube(stub, "DELETE", `${NS}/pods/slow`)).status).toBe(200);
    await settle(stub);
    expect(await readyIPs()).not.toContain(slowIP);
    const endpointOf = async (ip: string) => (await slicesOf(stub, "web")).flatMap((s) => s.endpoints ?? []).find((e: Obj) => e.addresses[0] === ip);
    expect((await endpointOf(slowIP)).conditions).toEqual({ ready: false, serving: true, terminating: true });
    await stub.moveClock({ advanceSeconds: 31 });
    await settle(stub);
    expect(await endpointOf(slowIP)).toBeUndefined();
    // "odd" deleted: its own slice (ports 8080 and 9090) goes, the Endpoints lose its subset.
    expect((await kube(stub, "DELETE", `${NS}/pods/odd`)).status).toBe(200);
    await settle(stub);
    expect(await slicesOf(stub, "web")).toHaveLength(1);
    expect((await endpointsOf(stub, "web")).subsets).toHaveLength(1);
  });

  it("publishes not-ready addresses when asked, and writes nothing when nothing changed", async () => {
    const stub = await cluster();
    await create(stub, `${NS}/pods`, {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "sick", labels: { app: "db" } },
      spec: { containers: [{ name: "c", image: "nginx:1.27", readinessProbe: { httpGet: { path: "/notfound", port: 80 } } }] },
    });
    await create(stub, `${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "db" }, spec: { selector: { app: "db" }, publishNotReadyAddresses: true, ports: [{ port: 5432, targetPort: 80 }] } });
    await settle(stub);
    await stub.moveClock({ advanceSeconds: 30 });
    await settle(stub);
    const pod = (await kube(stub, "GET", `${NS}/pods/sick`)).json;
    expect(pod.status.conditions.find((c: Obj) => c.type === "Ready").status).toBe("False");
    const ep = await endpointsOf(stub, "db");
    expect(ep.subsets).toEqual([{ addresses: [expect.objectContaining({ ip: pod.status.podIP })], ports: [{ port: 80, protocol: "TCP" }] }]);
    const [slice] = await slicesOf(stub, "db");
    expect(slice.ports).toEqual([{ name: "", port: 80, protocol: "TCP" }]);
    expect(slice.endpoints[0].conditions).toEqual({ ready: true, serving: false, terminating: false });

    // An unrelated change to the pod (an annotation) leaves both untouched.
    const rv = [ep.metadata.resourceVersion, slice.metadata.resourceVersion];
    expect((await kube(stub, "PATCH", `${NS}/pods/sick`, { metadata: { annotations: { note: "x" } } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    await settle(stub);
    expect([(await endpointsOf(stub, "db")).metadata.resourceVersion, (await slicesOf(stub, "db"))[0].metadata.resourceVersion]).toEqual(rv);
    // Nothing of these controllers waits on a timer.
    const mine = new Set(["endpoints", "endpointslice", "endpointslicemirroring", "apiserver-endpoints"]);
    expect((await stub.info()).timers.filter((t: { controller: string }) => mine.has(t.controller))).toEqual([]);
  });

  it("splits 250 pods into slices of at most 100, keeps one Endpoints, and shrinks with the Deployment", async () => {
    const stub = await cluster({ name: "test", nodes: [{ role: "control-plane" }, { role: "worker" }, { role: "worker" }, { role: "worker" }] });
    await create(stub, `${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "big" }, spec: { selector: { app: "big" }, ports: [{ port: 80 }] } });
    await settle(stub);
    // No pods yet: one placeholder slice without ports or endpoints, and Endpoints without subsets.
    const empty = await slicesOf(stub, "big");
    expect(empty).toHaveLength(1);
    expect(empty[0].endpoints ?? []).toEqual([]);
    expect(empty[0].ports ?? []).toEqual([]);
    expect((await endpointsOf(stub, "big")).subsets).toBeUndefined();

    await create(stub, `/apis/apps/v1/namespaces/default/deployments`, deployment("big", 250, {}));
    await settle(stub);
    await untilRunning(stub, "app=big", 250);
    const slices = await slicesOf(stub, "big");
    expect(slices.map((s) => s.endpoints.length).sort((a, b) => a - b)).toEqual([50, 100, 100]);
    expect(new Set(slices.flatMap((s) => s.endpoints.map((e: Obj) => e.addresses[0]))).size).toBe(250);
    const ep = await endpointsOf(stub, "big");
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets[0].addresses).toHaveLength(250);
    expect(ep.metadata.annotations).not.toHaveProperty("endpoints.kubernetes.io/over-capacity");

    expect((await kube(stub, "PATCH", "/apis/apps/v1/namespaces/default/deployments/big", { spec: { replicas: 120 } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    await untilRunning(stub, "app=big", 120);
    const fewer = await slicesOf(stub, "big");
    const counts = fewer.map((s) => s.endpoints?.length ?? 0);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(120);
    expect(Math.max(...counts)).toBeLessThanOrEqual(100);
    expect((await endpointsOf(stub, "big")).subsets[0].addresses).toHaveLength(120);

    // A new target port moves every endpoint to another port group: the slices are rewritten in place, not replaced.
    const names = fewer.map((s) => s.metadata.name).sort();
    expect((await kube(stub, "PATCH", `${NS}/services/big`, { spec: { ports: [{ port: 80, targetPort: 8080 }] } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    await settle(stub);
    const moved = await slicesOf(stub, "big");
    expect(moved).toHaveLength(2);
    for (const s of moved) expect(names).toContain(s.metadata.name);
    expect(moved.map((s) => s.ports)).toEqual(moved.map(() => [{ name: "", port: 8080, protocol: "TCP" }]));
    expect(moved.reduce((n, s) => n + s.endpoints.length, 0)).toBe(120);
  }, 60_000);
});

describe("headless Services, selectorless Services and node loss", { timeout: 30_000 }, () => {
  it("gives StatefulSet pods behind a headless Service their hostname", async () => {
    const stub = await cluster();
    await create(stub, `${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "nginx" }, spec: { clusterIP: "None", selector: { app: "nginx" }, ports: [{ name: "web", port: 80 }] } });
    await create(stub, "/apis/apps/v1/namespaces/default/statefulsets", {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web" },
      spec: { serviceName: "nginx", replicas: 2, selector: { matchLabels: { app: "nginx" } }, template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] } } },
    });
    for (let i = 0; i < 5; i++) {
      await stub.moveClock({ advanceSeconds: 10 });
      await settle(stub);
    }
    const ep = await endpointsOf(stub, "nginx");
    expect(ep.metadata.labels).toEqual({ "service.kubernetes.io/headless": "" });
    expect((ep.subsets[0].addresses as Obj[]).map((a) => a.hostname).sort()).toEqual(["web-0", "web-1"]);
    const [slice] = await slicesOf(stub, "nginx");
    expect(slice.metadata.labels["service.kubernetes.io/headless"]).toBe("");
    expect(slice.endpoints.map((e: Obj) => e.hostname).sort()).toEqual(["web-0", "web-1"]);
  });

  it("leaves hand-made Endpoints alone and mirrors them into a slice", async () => {
    const stub = await cluster();
    await create(stub, `${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "ext" }, spec: { ports: [{ name: "pg", port: 5432 }] } });
    await create(stub, `${NS}/endpoints`, {
      apiVersion: "v1",
      kind: "Endpoints",
      metadata: { name: "ext", labels: { owner: "me" } },
      subsets: [{ addresses: [{ ip: "192.168.10.5" }, { ip: "192.168.10.6" }], notReadyAddresses: [{ ip: "192.168.10.7" }], ports: [{ name: "pg", port: 5432 }] }],
    });
    await settle(stub);
    const ep = await endpointsOf(stub, "ext");
    expect(ips(ep.subsets[0].addresses)).toEqual(["192.168.10.5", "192.168.10.6"]);
    let [slice] = await slicesOf(stub, "ext");
    expect(slice.metadata.labels).toEqual({ owner: "me", "kubernetes.io/service-name": "ext", "endpointslice.kubernetes.io/managed-by": "endpointslicemirroring-controller.k8s.io" });
    expect(slice.metadata.ownerReferences).toMatchObject([{ apiVersion: "v1", kind: "Endpoints", name: "ext", controller: true }]);
    expect(slice.ports).toEqual([{ name: "pg", port: 5432, protocol: "TCP" }]);
    expect(slice.endpoints).toEqual([
      { addresses: ["192.168.10.5"], conditions: { ready: true } },
      { addresses: ["192.168.10.6"], conditions: { ready: true } },
      { addresses: ["192.168.10.7"], conditions: { ready: false } },
    ]);
    ep.subsets[0].addresses = [{ ip: "192.168.10.9" }];
    expect((await kube(stub, "PUT", `${NS}/endpoints/ext`, ep)).status).toBe(200);
    await settle(stub);
    [slice] = await slicesOf(stub, "ext");
    expect(slice.endpoints.map((e: Obj) => e.addresses[0])).toEqual(["192.168.10.9", "192.168.10.7"]);
    expect((await kube(stub, "DELETE", `${NS}/endpoints/ext`)).status).toBe(200);
    await settle(stub);
    expect(await slicesOf(stub, "ext")).toEqual([]);
    // ExternalName Services get nothing.
    await create(stub, `${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "alias" }, spec: { type: "ExternalName", externalName: "example.com" } });
    await settle(stub);
    expect((await kube(stub, "GET", `${NS}/endpoints/alias`)).status).toBe(404);
    expect(await slicesOf(stub, "alias")).toEqual([]);
  });

  it("moves a lost node's pods to not ready, and deletes a deleted Service's Endpoints", async () => {
    const stub = await cluster();
    await create(stub, `/apis/apps/v1/namespaces/default/deployments`, deployment("app", 4, {}));
    await create(stub, `${NS}/services`, { apiVersion: "v1", kind: "Service", metadata: { name: "app" }, spec: { selector: { app: "app" }, ports: [{ port: 80 }] } });
    await settle(stub);
    const pods = (await kube(stub, "GET", `${NS}/pods?labelSelector=app%3Dapp`)).json.items as Obj[];
    const node = pods[0].spec.nodeName as string;
    const onNode = pods.filter((p) => p.spec.nodeName === node).map((p) => p.status.podIP as string).sort();
    expect(ips((await endpointsOf(stub, "app")).subsets[0].addresses)).toHaveLength(4);
    expect(await stub.power(node, false)).toMatchObject({ ok: true });
    await stub.moveClock({ advanceSeconds: 45 });
    await settle(stub);
    const ep = await endpointsOf(stub, "app");
    expect(ips(ep.subsets[0].notReadyAddresses)).toEqual(onNode);
    expect(ips(ep.subsets[0].addresses)).toHaveLength(4 - onNode.length);
    const slices = await slicesOf(stub, "app");
    const notReady = slices.flatMap((s) => s.endpoints).filter((e: Obj) => !e.conditions.ready).map((e: Obj) => e.addresses[0]).sort();
    expect(notReady).toEqual(onNode);

    expect((await kube(stub, "DELETE", `${NS}/services/app`)).status).toBe(200);
    await settle(stub);
    expect((await kube(stub, "GET", `${NS}/endpoints/app`)).status).toBe(404);
    expect(await slicesOf(stub, "app")).toEqual([]);
  });

  it("warns on v1 Endpoints requests from Kubernetes 1.33, not before", async () => {
    const old = await cluster();
    const quiet = await kube(old, "GET", `${NS}/endpoints`);
    expect(quiet.headers.filter(([k]) => k === "Warning")).toEqual([]);
    const stub = await cluster({ name: "test", nodes: [{ role: "control-plane", image: "kindest/node:v1.33.1" }] });
    const r = await kube(stub, "GET", `${NS}/endpoints/kubernetes`);
    expect(r.headers).toContainEqual(["Warning", '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"']);
    const slices = await kube(stub, "GET", `${DISC}/endpointslices`);
    expect(slices.headers.filter(([k]) => k === "Warning")).toEqual([]);
  });
});
