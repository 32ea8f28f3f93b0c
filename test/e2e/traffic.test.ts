// Reaching the simulated pods from outside with real kubectl and HTTP: the seed's tutorial
// (extraPortMappings 30080, a NodePort Service, curl on the port URL), closing the ports,
// `kubectl proxy` and `kubectl get --raw` through the proxy subresources, the API server's 503 for
// a Service without endpoints, pods/proxy, and a LoadBalancer Service pending until the provider
// is turned on.
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { advance, getJson, kubectl, kubectlBackground, manage, newCluster, ok, request, service, settled, simulate, type TestCluster } from "./helpers";

const KIND_CONFIG = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
  extraPortMappings:
  - containerPort: 30080
    hostPort: 30080
- role: worker
`;

let c: TestCluster;

/** A port URL as the service printed it, as a path on the test server. */
const pathOf = (url: string) => url.slice(new URL(url).origin.length);

function localGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on("error", reject);
  });
}

beforeAll(async () => {
  c = await newCluster("traffic", KIND_CONFIG);
  await simulate(c, { profile: "instant" });
});

afterAll(() => undefined);

describe("the seed's tutorial", () => {
  it("ends with curl on the cluster's port URL showing nginx's welcome page", async () => {
    const info = (await manage("GET", c, "")).json;
    expect(info.portsPublic).toBe(true);
    expect(info.ports).toEqual([{ hostPort: 30080, containerPort: 30080, node: `${c.name}-control-plane`, listenAddress: "0.0.0.0", protocol: "TCP", url: expect.stringMatching(new RegExp(`/v1/ports/${c.id}\\.[a-z0-9]{20,}/30080/$`)) }]);
    const url = pathOf(info.ports[0].url);

    // Nothing is exposed yet: the node has no listener on 30080.
    const before = await request("GET", url);
    expect(before.status).toBe(502);
    expect(before.text).toContain("Connection refused");

    await ok(c, ["create", "deployment", "nginx", "--image=nginx"]);
    await ok(c, ["create", "service", "nodeport", "nginx", "--tcp=80:80", "--node-port=30080"]);
    await advance(c, 10);
    await settled(c);
    const page = await request("GET", url);
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Welcome to nginx!</h1>");
    expect(page.text.length).toBe(615);

    // The request is in the container's log, as nginx writes it.
    const logs = await ok(c, ["logs", "deploy/nginx"]);
    expect(logs).toMatch(/ - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/ HTTP\/1\.1" 200 615 "-" "-" "-"\n$/);
    const missing = await request("GET", url + "nope");
    expect(missing.status).toBe(404);
    expect(missing.text).toContain("<center><h1>404 Not Found</h1></center>");
  });

  it("closes the ports with a cluster setting, and opens them again", async () => {
    const url = pathOf((await manage("GET", c, "")).json.ports[0].url);
    const closed = await manage("PATCH", c, "", { ports: { public: false } });
    expect(closed.status).toBe(200);
    expect(closed.json).toEqual({ ports: { public: false } });
    const refused = await request("GET", url);
    expect(refused.status).toBe(403);
    expect(refused.text).toContain("ports are closed");
    // A wrong key is no port at all.
    const guessed = await request("GET", url.replace(/\.([a-z0-9]+)\//, ".aaaaaaaaaaaaaaaaaaaaaaaaa/"));
    expect(guessed.status).toBe(404);
    const bad = await manage("PATCH", c, "", { ports: { public: "no" } });
    expect(bad.status).toBe(400);
    expect((await manage("PATCH", c, "", { ports: { public: true } })).status).toBe(200);
    expect((await request("GET", url)).status).toBe(200);
  });

  it("refuses a kind config whose extraPortMappings are wrong, naming the field", async () => {
    const r = await request("POST", "/v1/clusters?name=traffic-bad", { token: service.tenantToken, body: "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraPortMappings:\n  - containerPort: 80\n    hostPort: 70000\n", contentType: "application/yaml" });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain("nodes[0].extraPortMappings[0].hostPort: must be a port number from 1 to 65535");
  });
});

describe("the API server's proxy", () => {
  it("answers kubectl get --raw through services/NAME:PORT/proxy/ and pods/NAME/proxy/", async () => {
    const page = await ok(c, ["get", "--raw", "/api/v1/namespaces/default/services/nginx:80/proxy/"]);
    expect(page).toContain("<title>Welcome to nginx!</title>");
    const pod = (await getJson(c, ["pods", "-l", "app=nginx"])).items[0];
    const direct = await ok(c, ["get", "--raw", `/api/v1/namespaces/default/pods/${pod.metadata.name}/proxy/`]);
    expect(direct).toContain("<title>Welcome to nginx!</title>");
    const healthz = await ok(c, ["get", "--raw", `/api/v1/nodes/${c.name}-worker/proxy/healthz`]);
    expect(healthz).toBe("ok");
  });

  it("gives the API server's 503 for a Service without endpoints", async () => {
    await ok(c, ["create", "service", "clusterip", "empty", "--tcp=80:80"]);
    await advance(c, 2);
    const r = await kubectl(c, ["get", "--raw", "/api/v1/namespaces/default/services/empty:80/proxy/"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (ServiceUnavailable): no endpoints available for service "empty"');
  });

  it("serves kubectl proxy: an HTTP GET on localhost reaches the pod", async () => {
    const proxy = kubectlBackground(c, ["proxy", "--port=0"]);
    try {
      await proxy.waitFor(/Starting to serve on 127\.0\.0\.1:\d+/);
      const port = /Starting to serve on 127\.0\.0\.1:(\d+)/.exec(proxy.output())![1];
      const res = await localGet(`http://127.0.0.1:${port}/api/v1/namespaces/default/services/nginx:80/proxy/`);
      expect(res.status).toBe(200);
      expect(res.body).toContain("<h1>Welcome to nginx!</h1>");
      const none = await localGet(`http://127.0.0.1:${port}/api/v1/namespaces/default/services/http:empty:/proxy/`);
      expect(none.status).toBe(503);
      expect(JSON.parse(none.body)).toMatchObject({ reason: "ServiceUnavailable", message: 'no endpoints available for service "empty"' });
    } finally {
      proxy.stop();
    }
  });
});

describe("LoadBalancer Services", () => {
  it("stay <pending> by default; with the provider on they get an address that answers from outside", async () => {
    await ok(c, ["expose", "deployment", "nginx", "--type=LoadBalancer", "--name=lb", "--port=8080", "--target-port=80"]);
    await advance(c, 2);
    expect(await ok(c, ["get", "svc", "lb", "--no-headers"])).toMatch(/^lb\s+LoadBalancer\s+10\.96\.\d+\.\d+\s+<pending>\s+8080:3\d{4}\/TCP/);
    await simulate(c, { loadBalancer: true });
    await advance(c, 2);
    await settled(c);
    const line = await ok(c, ["get", "svc", "lb", "--no-headers"]);
    const ip = /^lb\s+LoadBalancer\s+\S+\s+(172\.18\.255\.\d+)\s+8080:/.exec(line)?.[1];
    expect(ip, line).toBeDefined();
    const events = await ok(c, ["get", "events", "--field-selector", "involvedObject.name=lb", "-o", "custom-columns=R:.reason", "--no-headers"]);
    expect(events).toContain("EnsuringLoadBalancer");
    expect(events).toContain("EnsuredLoadBalancer");
    const info = (await manage("GET", c, "")).json;
    const lb = info.loadBalancers.find((l: { service: string }) => l.service === "default/lb");
    expect(lb).toMatchObject({ ip, port: 8080, url: expect.stringContaining(`/lb/${ip}/8080/`) });
    const page = await request("GET", pathOf(lb.url));
    expect(page.status).toBe(200);
    expect(page.text).toContain("<h1>Welcome to nginx!</h1>");
    // Deleted, it gives its address back and the URL goes away.
    await ok(c, ["delete", "svc", "lb"]);
    await advance(c, 2);
    expect((await manage("GET", c, "")).json.loadBalancers).toEqual([]);
    expect((await request("GET", pathOf(lb.url))).status).toBe(404);
    // Idle afterwards: no alarm left.
    const idle = await settled(c);
    expect(idle.alarm).toBeNull();
  });
});
