// The traffic function inside workerd with the real Durable Object: Service -> endpoint -> the
// image's answer, refused and no-endpoint failures, NodePorts on every node and the Local policy,
// hostPorts, pod IPs, the access log in `kubectl logs`, the proxy subresources and the
// load-balancer provider.
import { beforeAll, describe, expect, it } from "vitest";
import { adminIdentity, kube, kubeRequest, newCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];
// any: tests read the objects' fields as the API answers them
type Obj = Record<string, any>;

const NS = "/api/v1/namespaces/default";

async function create(stub: Stub, path: string, body: unknown) {
  const r = await kube(stub, "POST", path, body);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}

function deployment(name: string, replicas: number, container: Obj, extra: Obj = {}) {
  const labels = { app: name };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "c", ...container }], ...extra } } },
  };
}

function service(name: string, spec: Obj) {
  return { apiVersion: "v1", kind: "Service", metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 80 }], ...spec } };
}

async function podsOf(stub: Stub, app: string): Promise<Obj[]> {
  return (await kube(stub, "GET", `${NS}/pods?labelSelector=app%3D${app}`)).json.items;
}

async function traffic(stub: Stub, req: Obj): Promise<Obj> {
  const out = await stub.traffic(req);
  expect(out.ok, JSON.stringify(out)).toBe(true);
  return (out as { value: Obj }).value;
}

let stub: Stub;
let nodes: Obj[];
const ipOf = (n: Obj) => n.status.addresses.find((a: Obj) => a.type === "InternalIP").address;

beforeAll(async () => {
  ({ stub } = await newCluster({ name: "traffic" }));
  await stub.simulate({ profile: "instant" });
  await create(stub, "/apis/apps/v1/namespaces/default/deployments", deployment("web", 3, { image: "nginx:1.27", ports: [{ containerPort: 80 }] }));
  await create(stub, "/apis/apps/v1/namespaces/default/deployments", deployment("one", 1, { image: "nginx:1.27" }));
  await create(stub, "/apis/apps/v1/namespaces/default/deployments", deployment("hp", 1, { image: "httpd:2.4", ports: [{ containerPort: 80, hostPort: 8081 }] }));
  await create(stub, "/apis/apps/v1/namespaces/default/deployments", deployment("client", 1, { image: "busybox", command: ["sleep", "3600"] }));
  await create(stub, "/apis/apps/v1/namespaces/default/deployments", deployment("hello", 1, { image: "gcr.io/google-samples/hello-app:2.0" }));
  await create(stub, `${NS}/services`, service("web", {}));
  await create(stub, `${NS}/services`, service("empty", { selector: { app: "nothing" } }));
  await create(stub, `${NS}/services`, service("np", { type: "NodePort", selector: { app: "web" }, ports: [{ port: 80, targetPort: 80, nodePort: 30080 }] }));
  await create(stub, `${NS}/services`, service("local", { type: "NodePort", selector: { app: "one" }, externalTrafficPolicy: "Local", ports: [{ port: 80, targetPort: 80, nodePort: 30081 }] }));
  await create(stub, `${NS}/services`, service("hello", { ports: [{ port: 80, targetPort: 8080 }] }));
  await stub.moveClock({ advanceSeconds: 10 });
  await settle(stub);
  nodes = (await kube(stub, "GET", "/api/v1/nodes")).json.items;
});

describe("the traffic function", () => {
  it("follows a ClusterIP to a ready endpoint, which answers nginx's welcome page", async () => {
    const svc = (await kube(stub, "GET", `${NS}/services/web`)).json;
    const client = (await podsOf(stub, "client"))[0];
    const names = (await podsOf(stub, "web")).map((p) => p.metadata.name);
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const out = await traffic(stub, { from: `pod/default/${client.metadata.name}`, to: `${svc.spec.clusterIP}:80`, request: { path: "/" } });
      expect(out.ok, JSON.stringify(out)).toBe(true);
      expect(names).toContain(out.pod.name);
      expect(out.answer.status).toBe(200);
      expect(out.answer.body).toContain("<title>Welcome to nginx!</title>");
      expect(out.answer.headers.server).toMatch(/^nginx\/1\.27\./);
      expect(out.answer.headers["content-length"]).toBe("615");
      expect(out.trail.join("\n")).toMatch(/KUBE-SVC-/);
      seen.add(out.pod.name);
    }
    // kube-proxy's random choice spreads connections over the endpoints.
    expect(seen.size).toBeGreaterThan(1);
    const missing = await traffic(stub, { from: `pod/default/${client.metadata.name}`, to: `${svc.spec.clusterIP}:80`, request: { path: "/nope" } });
    expect(missing.answer.status).toBe(404);
    expect(missing.answer.body).toContain("<center><h1>404 Not Found</h1></center>");
  });

  it("resolves names as the source's resolver does: a Service in its namespace, NXDOMAIN otherwise", async () => {
    const client = (await podsOf(stub, "client"))[0];
    const out = await traffic(stub, { from: `pod/default/${client.metadata.name}`, to: "web:80", request: {} });
    expect(out).toMatchObject({ ok: true, answer: { status: 200 } });
    expect(out.trail[0]).toMatch(/^DNS web\.default\.svc\.cluster\.local -> 10\.96\./);
    const fqdn = await traffic(stub, { from: `pod/default/${client.metadata.name}`, to: "web.default.svc.cluster.local:80" });
    expect(fqdn.ok).toBe(true);
    const none = await traffic(stub, { from: `pod/default/${client.metadata.name}`, to: "nosuch:80" });
    expect(none).toMatchObject({ ok: false, error: "nxdomain", message: "Could not resolve host: nosuch" });
    // localhost in a pod is the pod itself: busybox serves nothing there.
    expect(await traffic(stub, { from: `pod/default/${client.metadata.name}`, to: "localhost:80" })).toMatchObject({ ok: false, error: "refused" });
  });

  it("answers with the image's own words: hello-app's version and hostname", async () => {
    const svc = (await kube(stub, "GET", `${NS}/services/hello`)).json;
    const pod = (await podsOf(stub, "hello"))[0];
    const out = await traffic(stub, { from: `node/${nodes[0].metadata.name}`, to: `${svc.spec.clusterIP}:80`, request: {} });
    expect(out.answer.body).toBe(`Hello, world!\nVersion: 2.0.0\nHostname: ${pod.metadata.name}\n`);
  });

  it("refuses a port nothing listens on, and a Service without endpoints (kube-proxy's REJECT)", async () => {
    const pod = (await podsOf(stub, "web"))[0];
    const refused = await traffic(stub, { from: "node/" + nodes[0].metadata.name, to: `${pod.status.podIP}:81` });
    expect(refused).toMatchObject({ ok: false, error: "refused" });
    expect(refused.message).toContain("Connection refused");
    const busybox = (await podsOf(stub, "client"))[0];
    expect(await traffic(stub, { from: "external", to: `${ipOf(nodes[0])}:80` })).toMatchObject({ ok: false, error: "refused" });
    const empty = (await kube(stub, "GET", `${NS}/services/empty`)).json;
    const out = await traffic(stub, { from: `pod/default/${busybox.metadata.name}`, to: `${empty.spec.clusterIP}:80` });
    expect(out).toMatchObject({ ok: false, error: "refused" });
    expect(out.trail.join("\n")).toContain("has no endpoints");
    // A ClusterIP from outside the cluster goes nowhere.
    expect(await traffic(stub, { from: "external", to: `${empty.spec.clusterIP}:80` })).toMatchObject({ ok: false, error: "timeout" });
  });

  it("reaches a pod by its IP, and only while its container serves", async () => {
    const pod = (await podsOf(stub, "web"))[0];
    const out = await traffic(stub, { from: "node/" + nodes[1].metadata.name, to: `${pod.status.podIP}:80`, request: { method: "HEAD" } });
    expect(out).toMatchObject({ ok: true, pod: { name: pod.metadata.name }, answer: { status: 200, body: "" } });
    const busybox = (await podsOf(stub, "client"))[0];
    expect(await traffic(stub, { from: "external", to: `${busybox.status.podIP}:80` })).toMatchObject({ ok: false, error: "refused" });
  });

  it("takes a NodePort on every node; with externalTrafficPolicy Local only the nodes with an endpoint answer", async () => {
    for (const n of nodes) {
      const out = await traffic(stub, { from: "external", to: `${ipOf(n)}:30080`, request: { path: "/" } });
      expect(out, n.metadata.name).toMatchObject({ ok: true, answer: { status: 200 } });
      expect(out.trail.join("\n")).toContain("KUBE-NODEPORTS");
    }
    const one = (await podsOf(stub, "one"))[0];
    for (const n of nodes) {
      const out = await traffic(stub, { from: "external", to: `${ipOf(n)}:30081`, request: {} });
      if (n.metadata.name === one.spec.nodeName) expect(out, n.metadata.name).toMatchObject({ ok: true, pod: { name: one.metadata.name } });
      else expect(out, n.metadata.name).toMatchObject({ ok: false, error: "timeout" });
    }
  });

  it("takes a hostPort on the pod's node only, to the container's port", async () => {
    const pod = (await podsOf(stub, "hp"))[0];
    const node = nodes.find((n) => n.metadata.name === pod.spec.nodeName)!;
    const out = await traffic(stub, { from: "external", to: `${ipOf(node)}:8081`, request: {} });
    expect(out).toMatchObject({ ok: true, pod: { name: pod.metadata.name }, port: 80, answer: { status: 200, body: "<html><body><h1>It works!</h1></body></html>\n" } });
    const other = nodes.find((n) => n.metadata.name !== pod.spec.nodeName)!;
    expect(await traffic(stub, { from: "external", to: `${ipOf(other)}:8081` })).toMatchObject({ ok: false, error: "refused" });
  });

  it("writes the server's access-log line into the container's log", async () => {
    const pod = (await podsOf(stub, "one"))[0];
    const out = await traffic(stub, { from: "external", to: `${pod.status.podIP}:80`, request: { path: "/index.html?x=1", headers: { "user-agent": "curl/8.5.0" } } });
    expect(out.ok).toBe(true);
    const res = await stub.kube(kubeRequest("GET", `${NS}/pods/${pod.metadata.name}/log`, undefined, { accept: "*/*" }));
    expect(res.status).toBe(200);
    expect(res.body).toMatch(/\n172\.18\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/index\.html\?x=1 HTTP\/1\.1" 200 615 "-" "curl\/8\.5\.0" "-"\n$/);
    // The startup lines come first, as nginx wrote them.
    expect(res.body.indexOf("start worker processes")).toBeLessThan(res.body.indexOf("GET /index.html"));
  });

  it("repeats a connection and shows how kube-proxy spread it", async () => {
    const client = (await podsOf(stub, "client"))[0];
    const out = await traffic(stub, { from: `pod/default/${client.metadata.name}`, to: "web:80", repeat: 600 });
    const counts = Object.values(out.answered as Record<string, number>);
    expect(counts).toHaveLength(3);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(600);
    // Each of three endpoints gets about a third (1/3, then 1/2 of the rest).
    for (const n of counts) expect(n).toBeGreaterThan(120);
    const refused = await traffic(stub, { from: `pod/default/${client.metadata.name}`, to: "empty:80", repeat: 5 });
    expect(refused).toMatchObject({ repeat: 5, answered: {}, failed: { refused: 5 } });
    expect(await stub.traffic({ from: "external", to: "1.2.3.4:80", repeat: 0 })).toMatchObject({ ok: false, status: 400, message: '"repeat" must be a whole number from 1 to 10000' });
  });

  it("refuses bad requests with what is wrong", async () => {
    expect(await stub.traffic({ from: "pod/default/nope", to: "1.2.3.4:80" })).toMatchObject({ ok: false, status: 400, message: "pod default/nope not found" });
    expect(await stub.traffic({ from: "external", to: "1.2.3.4" })).toMatchObject({ ok: false, status: 400 });
    expect(await stub.traffic({ from: "external", to: "1.2.3.4:70000" })).toMatchObject({ ok: false, status: 400 });
    expect(await stub.traffic({ from: "somewhere", to: "1.2.3.4:80" })).toMatchObject({ ok: false, status: 400 });
  });
});

describe("the API server's proxy", () => {
  it("answers services/NAME:PORT/proxy/PATH from an endpoint, and 503 without endpoints", async () => {
    const ok = await stub.kube(kubeRequest("GET", `${NS}/services/web:80/proxy/`, undefined, { accept: "*/*" }));
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("Welcome to nginx!");
    expect(ok.headers).toContainEqual(["server", expect.stringMatching(/^nginx\//)]);
    const none = await kube(stub, "GET", `${NS}/services/empty/proxy/`);
    expect(none.status).toBe(503);
    expect(none.json).toMatchObject({ kind: "Status", reason: "ServiceUnavailable", message: 'no endpoints available for service "empty"' });
    const badPort = await kube(stub, "GET", `${NS}/services/web:81/proxy/`);
    expect(badPort.json).toMatchObject({ code: 503, message: 'no service port 81 found for service "web"' });
    const redirect = await stub.kube(kubeRequest("GET", `${NS}/services/web/proxy`));
    expect(redirect.status).toBe(301);
    expect(redirect.headers).toContainEqual(["Location", `/k8s/test${NS}/services/web/proxy/`]);
  });

  it("answers pods/NAME/proxy on its first port, refuses a closed port, and nodes/NAME/proxy is the kubelet", async () => {
    const pod = (await podsOf(stub, "web"))[0];
    const ok = await stub.kube(kubeRequest("GET", `${NS}/pods/${pod.metadata.name}/proxy/`, undefined, { accept: "*/*" }));
    expect(ok.status).toBe(200);
    expect(ok.body).toContain("Welcome to nginx!");
    const closed = await kube(stub, "GET", `${NS}/pods/${pod.metadata.name}:81/proxy/`);
    expect(closed.json).toMatchObject({ code: 503, message: `error trying to reach service: dial tcp ${pod.status.podIP}:81: connect: connection refused` });
    const healthz = await stub.kube(kubeRequest("GET", `/api/v1/nodes/${nodes[0].metadata.name}/proxy/healthz`));
    expect(healthz).toMatchObject({ status: 200, body: "ok" });
    const podsOnNode = JSON.parse((await stub.kube(kubeRequest("GET", `/api/v1/nodes/${pod.spec.nodeName}/proxy/pods`))).body);
    expect(podsOnNode.items.map((p: Obj) => p.metadata.name)).toContain(pod.metadata.name);
  });

  it("is refused to the view role, as Kubernetes' view role may not proxy", async () => {
    const viewer = { ...adminIdentity, role: "view" as const };
    const r = await kube(stub, "GET", `${NS}/services/web:80/proxy/`, undefined, { identity: viewer });
    expect(r.status).toBe(403);
    expect(r.json.message).toContain('cannot get resource "services/proxy" in API group "" in the namespace "default"');
    expect((await kube(stub, "GET", `${NS}/services/web`, undefined, { identity: viewer })).status).toBe(200);
  });

  it("is listed in discovery as services/proxy, pods/proxy and nodes/proxy", async () => {
    const list = (await kube(stub, "GET", "/api/v1")).json.resources.map((r: Obj) => r.name);
    expect(list).toEqual(expect.arrayContaining(["services/proxy", "pods/proxy", "nodes/proxy"]));
  });
});

describe("what containers answer", () => {
  it("passes method, query, headers and body through pods/proxy to echoserver, and a declared image answers its fixed body", async () => {
    await stub.simulate({ images: { "example.com/team/api": { ports: [9000], http: [9000], answer: { status: 201, body: '{"ok":true}', contentType: "application/json" } } } });
    await create(stub, "/apis/apps/v1/namespaces/default/deployments", deployment("echo", 1, { image: "registry.k8s.io/echoserver:1.10", ports: [{ containerPort: 8080 }] }));
    await create(stub, "/apis/apps/v1/namespaces/default/deployments", deployment("mine", 1, { image: "example.com/team/api:v1" }));
    await create(stub, "/apis/apps/v1/namespaces/default/deployments", deployment("netexec", 1, { image: "registry.k8s.io/e2e-test-images/agnhost:2.53", args: ["netexec", "--http-port=8081"] }));
    await stub.moveClock({ advanceSeconds: 5 });
    await settle(stub);
    const echo = (await podsOf(stub, "echo"))[0];
    const req = kubeRequest("POST", `${NS}/pods/${echo.metadata.name}/proxy/submit?x=1`, "hello body", { contentType: "text/plain", accept: "*/*" });
    req.headers = [["x-trace", "abc"]];
    const res = await stub.kube(req);
    expect(res.status).toBe(200);
    expect(res.body).toContain(`Hostname: ${echo.metadata.name}`);
    expect(res.body).toContain("\tmethod=POST\n");
    expect(res.body).toContain("\treal path=/submit\n");
    expect(res.body).toContain("\tquery=x=1\n");
    expect(res.body).toContain("\tx-trace=abc\n");
    expect(res.body).toContain("hello body");
    // The API server's connection comes from the control-plane node.
    const cp = nodes.find((n) => "node-role.kubernetes.io/control-plane" in n.metadata.labels)!;
    expect(res.body).toContain(`\tclient_address=${ipOf(cp)}\n`);

    const mine = (await podsOf(stub, "mine"))[0];
    const fixed = await traffic(stub, { from: "external", to: `${mine.status.podIP}:9000`, request: { method: "PUT", path: "/x" } });
    expect(fixed.answer).toMatchObject({ status: 201, body: '{"ok":true}', headers: { "content-type": "application/json" } });
    // agnhost listens where its flags say.
    const ne = (await podsOf(stub, "netexec"))[0];
    expect(await traffic(stub, { from: "external", to: `${ne.status.podIP}:8080` })).toMatchObject({ ok: false, error: "refused" });
    expect((await traffic(stub, { from: "external", to: `${ne.status.podIP}:8081`, request: { path: "/hostname" } })).answer.body).toBe(ne.metadata.name);
  });
});

describe("the load-balancer provider", () => {
  it("leaves EXTERNAL-IP pending by default; once on, gives an address from the pool that reaches the Service", async () => {
    await create(stub, `${NS}/services`, service("lb", { type: "LoadBalancer", selector: { app: "web" } }));
    await settle(stub);
    expect((await kube(stub, "GET", `${NS}/services/lb`)).json.status).toEqual({ loadBalancer: {} });
    await stub.simulate({ loadBalancer: true });
    await settle(stub);
    const svc = (await kube(stub, "GET", `${NS}/services/lb`)).json;
    const ingress = svc.status.loadBalancer.ingress;
    expect(ingress).toEqual([{ ip: expect.stringMatching(/^172\.18\.255\.\d+$/), ipMode: "Proxy", ports: [{ port: 80, protocol: "TCP" }] }]);
    const out = await traffic(stub, { from: "external", to: `${ingress[0].ip}:80`, request: {} });
    expect(out).toMatchObject({ ok: true, answer: { status: 200 } });
    const events = (await kube(stub, "GET", `${NS}/events?fieldSelector=involvedObject.name%3Dlb`)).json.items.map((e: Obj) => e.reason);
    expect(events).toEqual(expect.arrayContaining(["EnsuringLoadBalancer", "EnsuredLoadBalancer"]));
    const ports = await stub.ports();
    expect(ports).toMatchObject({ ok: true, value: { loadBalancers: [{ service: "default/lb", ip: ingress[0].ip, port: 80 }] } });
    // Made a ClusterIP, it gives the address back.
    const r = await kube(stub, "PATCH", `${NS}/services/lb`, { spec: { type: "ClusterIP", ports: [{ port: 80, targetPort: 80, nodePort: null }] } }, { contentType: "application/merge-patch+json" });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    await settle(stub);
    expect((await kube(stub, "GET", `${NS}/services/lb`)).json.status).toEqual({ loadBalancer: {} });
    expect(await traffic(stub, { from: "external", to: `${ingress[0].ip}:80` })).toMatchObject({ ok: false });
  });

  it("honours allocateLoadBalancerNodePorts: false (no node ports; the balancer sends to the endpoints itself)", async () => {
    await create(stub, `${NS}/services`, service("lbnp", { type: "LoadBalancer", selector: { app: "web" }, allocateLoadBalancerNodePorts: false }));
    await settle(stub);
    const svc = (await kube(stub, "GET", `${NS}/services/lbnp`)).json;
    expect(svc.spec.ports[0].nodePort).toBeUndefined();
    const ip = svc.status.loadBalancer.ingress[0].ip;
    const out = await traffic(stub, { from: "external", to: `${ip}:80`, request: {} });
    expect(out).toMatchObject({ ok: true, answer: { status: 200 } });
    expect(out.trail.join("\n")).toContain("-> endpoint");
  });
});

describe("the load-balancer provider's choices", () => {
  it("takes spec.loadBalancerIP when it is free on kind's network, refuses it with an event otherwise", async () => {
    await create(stub, `${NS}/services`, service("fixed", { type: "LoadBalancer", selector: { app: "web" }, loadBalancerIP: "172.18.100.7" }));
    await create(stub, `${NS}/services`, service("taken", { type: "LoadBalancer", selector: { app: "web" }, loadBalancerIP: "172.18.100.7" }));
    await settle(stub);
    expect((await kube(stub, "GET", `${NS}/services/fixed`)).json.status.loadBalancer.ingress[0].ip).toBe("172.18.100.7");
    expect((await kube(stub, "GET", `${NS}/services/taken`)).json.status).toEqual({ loadBalancer: {} });
    const events = (await kube(stub, "GET", `${NS}/events?fieldSelector=involvedObject.name%3Dtaken`)).json.items;
    expect(events.map((e: Obj) => e.message)).toContain("Error syncing load balancer: failed to ensure load balancer: loadBalancerIP 172.18.100.7 is already in use");
  });

  it("sends to a node port on a node that is not excluded, and under the Local policy only where an endpoint runs", async () => {
    await create(stub, `${NS}/services`, service("lblocal", { type: "LoadBalancer", selector: { app: "one" }, externalTrafficPolicy: "Local" }));
    await settle(stub);
    const ip = (await kube(stub, "GET", `${NS}/services/lblocal`)).json.status.loadBalancer.ingress[0].ip;
    const one = (await podsOf(stub, "one"))[0];
    for (let i = 0; i < 10; i++) {
      const out = await traffic(stub, { from: "external", to: `${ip}:80`, request: {} });
      expect(out).toMatchObject({ ok: true, pod: { name: one.metadata.name } });
      expect(out.trail.join("\n")).toContain(`-> node ${one.spec.nodeName} `);
    }
  });
});

describe("without kube-proxy", () => {
  it("Service addresses go nowhere (kubeProxyMode: none), pod addresses still answer", async () => {
    const { stub: s } = await newCluster({ name: "noproxy", kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", networking: { kubeProxyMode: "none" } });
    await s.simulate({ profile: "instant" });
    await create(s, "/apis/apps/v1/namespaces/default/deployments", deployment("web", 1, { image: "nginx:1.27" }));
    await create(s, `${NS}/services`, service("web", {}));
    await s.moveClock({ advanceSeconds: 5 });
    await settle(s);
    const svc = (await kube(s, "GET", `${NS}/services/web`)).json;
    const node = (await kube(s, "GET", "/api/v1/nodes")).json.items[0];
    const viaService = (await s.traffic({ from: `node/${node.metadata.name}`, to: `${svc.spec.clusterIP}:80`, request: {} })) as { ok: true; value: Obj };
    expect(viaService.value).toMatchObject({ ok: false, error: "timeout" });
    const pod = (await kube(s, "GET", `${NS}/pods`)).json.items[0];
    const direct = (await s.traffic({ from: `node/${node.metadata.name}`, to: `${pod.status.podIP}:80`, request: {} })) as { ok: true; value: Obj };
    expect(direct.value).toMatchObject({ ok: true, answer: { status: 200 } });
  });
});
