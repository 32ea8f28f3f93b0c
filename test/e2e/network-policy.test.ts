// NetworkPolicy through real kubectl: the kind (discovery, explain, validation, columns, describe)
// and its enforcement on a kind cluster (kindnet enforces policy): a client reaches a web Service,
// a default-deny ingress policy makes the same connection time out, an allow rule for the
// client's label lets it through again.
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, kubectl, manage, newCluster, ok, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("netpol");
  await simulate(c, { profile: "instant" });
});

const DENY = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
spec:
  podSelector: {}
  policyTypes:
  - Ingress
`;

const ALLOW = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-client
spec:
  podSelector:
    matchLabels:
      app: web
  ingress:
  - from:
    - podSelector:
        matchLabels:
          app: client
    ports:
    - port: http
`;

describe("the NetworkPolicy kind", () => {
  it("is discovered as netpol and explained from the OpenAPI", async () => {
    const res = await ok(c, ["api-resources", "--api-group=networking.k8s.io"]);
    expect(res).toMatch(/^networkpolicies\s+netpol\s+networking\.k8s\.io\/v1\s+true\s+NetworkPolicy$/m);
    const ex = await ok(c, ["explain", "networkpolicy.spec.ingress.from.ipBlock"]);
    expect(ex).toMatch(/^KIND:\s+NetworkPolicy$/m);
    expect(ex).toMatch(/^\s+cidr\s+<string> -required-$/m);
    expect(ex).toMatch(/^\s+except\s+<\[\]string>$/m);
  });

  it("refuses what kube-apiserver refuses, in its words, and creates nothing", async () => {
    const bad = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: bad
spec:
  podSelector: {}
  policyTypes: [Ingress, Sideways]
  ingress:
  - from:
    - ipBlock:
        cidr: 10.0.0.0/8
        except: [192.168.0.0/16]
      namespaceSelector: {}
    ports:
    - port: 8080
      endPort: 80
  egress:
  - to:
    - ipBlock:
        cidr: 10.0.0.0/33
`;
    const r = await kubectl(c, ["apply", "-f", "-"], { input: bad });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The NetworkPolicy "bad" is invalid:');
    expect(r.stderr).toContain("spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`");
    expect(r.stderr).toContain('spec.ingress[0].from[0].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`');
    expect(r.stderr).toContain("spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer");
    expect(r.stderr).toContain('spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": not a valid CIDR');
    expect(r.stderr).toContain('spec.policyTypes[1]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"');
    expect((await kubectl(c, ["get", "netpol", "bad"])).stderr).toContain('networkpolicies.networking.k8s.io "bad" not found');
  });

  it("prints kubectl's columns and describes as on a real cluster", async () => {
    await ok(c, ["apply", "-f", "-"], DENY);
    await ok(c, ["apply", "-f", "-"], ALLOW);
    const table = await ok(c, ["get", "netpol"]);
    expect(table).toMatch(/^NAME\s+POD-SELECTOR\s+AGE$/m);
    expect(table).toMatch(/^allow-client\s+app=web\s+\d+s$/m);
    expect(table).toMatch(/^default-deny\s+<none>\s+\d+s$/m);
    const deny = await getJson(c, ["netpol", "default-deny"]);
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
    const allow = await getJson(c, ["netpol", "allow-client"]);
    expect(allow.spec.policyTypes).toEqual(["Ingress"]);
    expect(allow.spec.ingress[0].ports).toEqual([{ port: "http", protocol: "TCP" }]);

    const d = await ok(c, ["describe", "netpol", "default-deny"]);
    expect(d).toMatch(/^Name:\s+default-deny$/m);
    expect(d).toMatch(/^Namespace:\s+default$/m);
    expect(d).toMatch(/^\s+PodSelector:\s+<none> \(Allowing the specific traffic to all pods in this namespace\)$/m);
    expect(d).toMatch(/^\s+<none> \(Selected pods are isolated for ingress connectivity\)$/m);
    expect(d).toMatch(/^\s+Not affecting egress traffic$/m);
    expect(d).toMatch(/^\s+Policy Types: Ingress$/m);
    const a = await ok(c, ["describe", "networkpolicy", "allow-client"]);
    expect(a).toMatch(/^\s+PodSelector:\s+app=web$/m);
    expect(a).toMatch(/^\s+To Port: http\/TCP$/m);
    expect(a).toMatch(/^\s+PodSelector: app=client$/m);
    await ok(c, ["delete", "netpol", "default-deny", "allow-client"]);
  });
});

const DENY_OUT = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: client-deny-out
spec:
  podSelector:
    matchLabels:
      app: client
  policyTypes:
  - Egress
`;

const ALLOW_OUT = `apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: client-allow-out
spec:
  podSelector:
    matchLabels:
      app: client
  egress:
  - to:
    - namespaceSelector:
        matchLabels:
          kubernetes.io/metadata.name: kube-system
      podSelector:
        matchLabels:
          k8s-app: kube-dns
    ports:
    - port: 53
      protocol: UDP
    - port: 53
      protocol: TCP
  - to:
    - podSelector:
        matchLabels:
          app: web
    ports:
    - port: 80
`;

const APPS = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - name: http
          containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: http
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: client
spec:
  selector:
    matchLabels: {app: client}
  template:
    metadata:
      labels: {app: client}
    spec:
      containers:
      - name: shell
        image: busybox:1.36
        command: ["sleep", "infinity"]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: other
spec:
  selector:
    matchLabels: {app: other}
  template:
    metadata:
      labels: {app: other}
    spec:
      containers:
      - name: shell
        image: busybox:1.36
        command: ["sleep", "infinity"]
`;

describe("NetworkPolicy enforced by kindnet", () => {
  // any: the Outcome JSON of POST /v1/clusters/{name}/connect, read field by field
  async function get(pod: string, to = "web.default.svc.cluster.local:80"): Promise<any> {
    const r = await manage("POST", c, "/connect", { from: `pod/default/${pod}`, to, request: { method: "GET", path: "/" } });
    expect(r.status).toBe(200);
    return r.json;
  }
  async function podOf(app: string): Promise<string> {
    return (await getJson(c, ["pods", "-l", `app=${app}`])).items[0].metadata.name;
  }

  it("a default deny makes a Service connection time out; an allow rule for the client's label lets it through", async () => {
    await ok(c, ["apply", "-f", "-"], APPS);
    // Ours and the cluster's own (kindnet on every node, CoreDNS for the Service's name) all Ready.
    await eventually(async () => {
      const pods = (await getJson(c, ["pods", "-A"])).items as { metadata: { namespace: string }; status: { conditions?: { type: string; status: string }[] } }[];
      return pods.filter((p) => p.metadata.namespace === "default").length === 4 && pods.every((p) => p.status.conditions?.some((x) => x.type === "Ready" && x.status === "True"));
    }, 30_000);
    const client = await podOf("client");
    const other = await podOf("other");

    const before = await get(client);
    expect(before).toMatchObject({ ok: true, pod: { namespace: "default", name: expect.stringMatching(/^web-/) }, answer: { status: 200 } });
    expect(before.answer.body).toContain("<title>Welcome to nginx!</title>");

    await ok(c, ["apply", "-f", "-"], DENY);
    for (const from of [client, other]) {
      const denied = await get(from);
      expect(denied).toMatchObject({ ok: false, error: "timeout", message: "Failed to connect to web.default.svc.cluster.local port 80: Connection timed out" });
      expect(denied.trail.join("\n")).toContain("NetworkPolicy default/default-deny (ingress)");
    }
    // The node's own traffic (the kubelet's probes) is not filtered: the web pods stay Ready.
    const webPod = (await getJson(c, ["pods", "-l", "app=web"])).items[0];
    const fromNode = await manage("POST", c, "/connect", { from: `node/${webPod.spec.nodeName}`, to: `${webPod.status.podIP}:80`, request: { method: "GET", path: "/" } });
    expect(fromNode.json).toMatchObject({ ok: true, answer: { status: 200 } });

    await ok(c, ["apply", "-f", "-"], ALLOW);
    const allowed = await get(client);
    expect(allowed).toMatchObject({ ok: true, answer: { status: 200 } });
    expect(allowed.answer.body).toContain("<title>Welcome to nginx!</title>");
    expect(await get(other)).toMatchObject({ ok: false, error: "timeout" });

    // Egress: the client may send nothing, then only DNS and web's port (as a learner writes it, DNS included).
    await ok(c, ["apply", "-f", "-"], DENY_OUT);
    // Even the name's lookup is a packet the policy drops: the resolver times out.
    const byName = await get(client);
    expect(byName).toMatchObject({ ok: false, error: "timeout" });
    expect(byName.message).toContain("Resolving timed out");
    const clusterIP = (await getJson(c, ["svc", "web"])).spec.clusterIP;
    const out = await get(client, `${clusterIP}:80`);
    expect(out).toMatchObject({ ok: false, error: "timeout" });
    expect(out.trail.join("\n")).toContain("NetworkPolicy default/client-deny-out (egress)");
    await ok(c, ["apply", "-f", "-"], ALLOW_OUT);
    expect(await get(client)).toMatchObject({ ok: true, answer: { status: 200 } });
    await ok(c, ["delete", "netpol", "client-deny-out", "client-allow-out"]);

    // Deleting the policies opens the namespace again.
    await ok(c, ["delete", "netpol", "default-deny", "allow-client"]);
    expect(await get(other)).toMatchObject({ ok: true, answer: { status: 200 } });
    const idle = await settled(c);
    expect(idle.alarm).toBeNull();
  });
});
