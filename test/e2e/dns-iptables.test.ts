// Cluster DNS and kube-proxy's rules through the management API, over objects made with the real
// kubectl: Services, a headless StatefulSet, ExternalName, the search path from another namespace,
// and a node's iptables-save naming the Service's chains with the probability cascade.
import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { advance, getJson, manage, newCluster, ok, request, service, settled, simulate, type TestCluster } from "./helpers";

const MANIFEST = `
apiVersion: v1
kind: Namespace
metadata: {name: dev}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: frontend}
spec:
  replicas: 3
  selector: {matchLabels: {app: frontend}}
  template:
    metadata: {labels: {app: frontend}}
    spec: {containers: [{name: nginx, image: nginx:1.27, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: frontend}
spec:
  type: NodePort
  selector: {app: frontend}
  ports: [{name: http, port: 80, targetPort: 80, nodePort: 30080}]
---
apiVersion: v1
kind: Service
metadata: {name: nginx}
spec:
  clusterIP: None
  selector: {app: nginx-sts}
  ports: [{name: web, port: 80}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: nginx
  replicas: 2
  selector: {matchLabels: {app: nginx-sts}}
  template:
    metadata: {labels: {app: nginx-sts}}
    spec: {containers: [{name: nginx, image: nginx:1.27, ports: [{name: web, containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: search}
spec: {type: ExternalName, externalName: www.example.com}
---
apiVersion: v1
kind: Service
metadata: {name: db-service, namespace: dev}
spec:
  selector: {app: db}
  ports: [{name: postgres, port: 5432}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec: {containers: [{name: sh, image: busybox:1.36, command: [sleep, "3600"]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: tool, namespace: dev}
spec: {containers: [{name: sh, image: busybox:1.36, command: [sleep, "3600"]}]}
`;

/** kube-proxy's chain name for a Service port, computed here independently: base32(sha256(name + protocol))[:16]. */
function svcChain(portName: string, protocol = "tcp"): string {
  const bytes = createHash("sha256").update(portName + protocol).digest();
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const b of bytes) bits += b.toString(2).padStart(8, "0");
  let out = "";
  for (let i = 0; i + 5 <= bits.length && out.length < 16; i += 5) out += alphabet[parseInt(bits.slice(i, i + 5), 2)];
  return `KUBE-SVC-${out}`;
}

describe("cluster DNS and kube-proxy's rules", () => {
  let c: TestCluster;
  let worker: string;
  const dns = (query: string) => manage("GET", c, `/dns?${query}`);

  beforeAll(async () => {
    c = await newCluster("dnsipt");
    await simulate(c, { profile: "instant" });
    await ok(c, ["apply", "-f", "-"], MANIFEST);
    await advance(c, 30);
    await settled(c);
    worker = `${c.name}-worker`;
  });

  it("resolves Service names in the pod's namespace, and with the namespace from another one", async () => {
    const frontendIP = (await getJson(c, ["svc", "frontend"])).spec.clusterIP;
    const dbIP = (await getJson(c, ["svc", "db-service", "-n", "dev"])).spec.clusterIP;

    const same = await dns("name=frontend&from=default/client");
    expect(same.status).toBe(200);
    expect(same.json).toMatchObject({ status: "NOERROR", server: "10.96.0.10", tried: ["frontend.default.svc.cluster.local."], answers: [{ name: "frontend.default.svc.cluster.local.", type: "A", ttl: 30, data: frontendIP }] });

    const across = await dns("name=db-service.dev&from=default/client");
    expect(across.json.tried).toEqual(["db-service.dev.default.svc.cluster.local.", "db-service.dev.svc.cluster.local."]);
    expect(across.json.answers.map((a: { data: string }) => a.data)).toEqual([dbIP]);
    expect((await dns("name=db-service&from=dev/tool")).json.answers.map((a: { data: string }) => a.data)).toEqual([dbIP]);

    // Not in the client's namespace: every search domain is tried, then NXDOMAIN.
    const missing = await dns("name=db-service&from=default/client");
    expect(missing.json).toMatchObject({ status: "NXDOMAIN", answers: [], tried: ["db-service.default.svc.cluster.local.", "db-service.svc.cluster.local.", "db-service.cluster.local."] });
    expect((await dns("name=nothing.default.svc.cluster.local")).json.status).toBe("NXDOMAIN");
  });

  it("answers a headless StatefulSet's pods by name, its Service with every ready pod, and SRV for its port", async () => {
    const ips = Object.fromEntries((await getJson(c, ["pods", "-l", "app=nginx-sts"])).items.map((p: { metadata: { name: string }; status: { podIP: string } }) => [p.metadata.name, p.status.podIP]));
    expect(Object.keys(ips).sort()).toEqual(["web-0", "web-1"]);
    expect((await dns("name=web-0.nginx.default.svc.cluster.local")).json.answers).toEqual([{ name: "web-0.nginx.default.svc.cluster.local.", type: "A", ttl: 30, data: ips["web-0"] }]);
    expect((await dns("name=web-1.nginx&from=default/client")).json.answers.map((a: { data: string }) => a.data)).toEqual([ips["web-1"]]);
    const all = await dns("name=nginx.default.svc.cluster.local");
    expect(all.json.answers.map((a: { data: string }) => a.data).sort()).toEqual([ips["web-0"], ips["web-1"]].sort());
    const srv = await dns("name=_web._tcp.nginx.default.svc.cluster.local&type=SRV");
    expect(srv.json.answers.map((a: { data: string }) => a.data)).toEqual(["0 50 80 web-0.nginx.default.svc.cluster.local.", "0 50 80 web-1.nginx.default.svc.cluster.local."]);
  });

  it("answers an ExternalName Service with a CNAME", async () => {
    const r = await dns("name=search&from=default/client");
    expect(r.json).toMatchObject({ status: "NOERROR", answers: [{ name: "search.default.svc.cluster.local.", type: "CNAME", ttl: 30, data: "www.example.com." }] });
  });

  it("honours publishNotReadyAddresses: a pod failing readiness is in DNS only through the Service that publishes it", async () => {
    await ok(c, ["apply", "-f", "-"], `
apiVersion: v1
kind: Service
metadata: {name: peers}
spec: {clusterIP: None, publishNotReadyAddresses: true, selector: {app: unready}, ports: [{name: gossip, port: 7000}]}
---
apiVersion: v1
kind: Service
metadata: {name: ready-only}
spec: {clusterIP: None, selector: {app: unready}, ports: [{name: gossip, port: 7000}]}
---
apiVersion: v1
kind: Pod
metadata: {name: member, labels: {app: unready}}
spec:
  hostname: m0
  subdomain: peers
  containers:
  - name: nginx
    image: nginx:1.27
    ports: [{containerPort: 7000, name: gossip}]
    readinessProbe: {httpGet: {path: /, port: 81}, periodSeconds: 5}
`);
    await advance(c, 30);
    await settled(c);
    const pod = await getJson(c, ["pod", "member"]);
    expect(pod.status.conditions.find((x: { type: string }) => x.type === "Ready").status).toBe("False");
    expect((await dns("name=peers.default.svc.cluster.local")).json.answers.map((a: { data: string }) => a.data)).toEqual([pod.status.podIP]);
    expect((await dns("name=m0.peers&from=default/client")).json.answers.map((a: { data: string }) => a.data)).toEqual([pod.status.podIP]);
    expect((await dns("name=ready-only.default.svc.cluster.local")).json.status).toBe("NXDOMAIN");
  });

  it("follows each pod's dnsPolicy: Default asks the node's resolver; None uses its dnsConfig's search list", async () => {
    await ok(c, ["apply", "-f", "-"], `
apiVersion: v1
kind: Pod
metadata: {name: nodedns}
spec: {dnsPolicy: Default, containers: [{name: sh, image: busybox:1.36, command: [sleep, "3600"]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: custom}
spec:
  dnsPolicy: None
  dnsConfig: {nameservers: [10.96.0.10], searches: [dev.svc.cluster.local], options: [{name: ndots, value: "2"}]}
  containers: [{name: sh, image: busybox:1.36, command: [sleep, "3600"]}]
`);
    await advance(c, 30);
    await settled(c);
    const viaNode = await dns("name=frontend.default.svc.cluster.local&from=default/nodedns");
    expect(viaNode.json).toMatchObject({ status: "NXDOMAIN", server: "172.18.0.1" });
    expect((await dns(`name=${c.name}-worker.&from=default/nodedns`)).json.answers[0]).toMatchObject({ type: "A", data: expect.stringMatching(/^172\.18\./) });
    const custom = await dns("name=db-service&from=default/custom");
    expect(custom.json).toMatchObject({ status: "NOERROR", server: "10.96.0.10", tried: ["db-service.dev.svc.cluster.local."] });
  });

  it("refuses bad lookups with the problem named", async () => {
    const cases: [string, number, string][] = [
      ["", 400, '"name" is required'],
      ["name=web&type=BOGUS", 400, '"type" must be one of'],
      ["name=-bad.default", 400, '"-bad" is not a DNS label'],
      ["name=web&from=client", 400, '"from" must name a pod as "<namespace>/<pod>"'],
      ["name=web&from=default/ghost", 404, "pod default/ghost not found"],
    ];
    for (const [q, status, message] of cases) {
      const r = await dns(q);
      expect([q, r.status]).toEqual([q, status]);
      expect(r.json.error.message).toContain(message);
    }
    const stranger = await request("GET", `/v1/clusters/${c.name}/dns?name=web`, { token: "kd_nope" });
    expect(stranger.status).toBe(401);
  });

  it("prints a node's iptables-save: the Service's chains and the 1/3, 1/2 cascade over its 3 pods", async () => {
    const r = await request("GET", `/v1/clusters/${c.name}/nodes/${worker}/iptables`, { token: service.tenantToken });
    expect(r.status).toBe(200);
    const text = r.text;
    const chain = svcChain("default/frontend:http");
    const ip = (await getJson(c, ["svc", "frontend"])).spec.clusterIP;
    expect(text).toContain(`-A KUBE-SERVICES -d ${ip}/32 -p tcp -m comment --comment "default/frontend:http cluster IP" -m tcp --dport 80 -j ${chain}\n`);
    expect(text).toMatch(new RegExp(`-A KUBE-NODEPORTS -p tcp -m comment --comment "default/frontend:http" -m tcp --dport 30080 -j KUBE-EXT-${chain.slice(9)}\\n`));
    const podIPs = (await getJson(c, ["pods", "-l", "app=frontend"])).items.map((p: { status: { podIP: string } }) => p.status.podIP).sort();
    expect(podIPs).toHaveLength(3);
    const jumps = text.split("\n").filter((l) => l.startsWith(`-A ${chain} -m comment --comment "default/frontend:http -> `));
    expect(jumps).toHaveLength(3);
    // iptables-save prints kube-proxy's 1/3 and 1/2 as the kernel keeps them.
    expect(jumps[0]).toMatch(/ -m statistic --mode random --probability 0\.33333333349 -j KUBE-SEP-[A-Z2-7]{16}$/);
    expect(jumps[1]).toMatch(/ -m statistic --mode random --probability 0\.50000000000 -j KUBE-SEP-[A-Z2-7]{16}$/);
    expect(jumps[2]).toMatch(/"default\/frontend:http -> [\d.]+:80" -j KUBE-SEP-[A-Z2-7]{16}$/);
    expect(jumps.map((l) => /-> ([\d.]+):80"/.exec(l)![1]).sort()).toEqual(podIPs);
    // The kubernetes Service's well-known chain.
    expect(text).toContain('-m comment --comment "default/kubernetes:https cluster IP" -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y');
    expect(r.text.startsWith("# Generated by iptables-save")).toBe(true);

    expect((await request("GET", `/v1/clusters/${c.name}/nodes/nope/iptables`, { token: service.tenantToken })).status).toBe(404);
  });

  it("follows the endpoints: scaled to zero, the Service is REJECTed in the filter table", async () => {
    await ok(c, ["scale", "deployment/frontend", "--replicas=0"]);
    await advance(c, 60);
    await settled(c);
    const text = (await request("GET", `/v1/clusters/${c.name}/nodes/${worker}/iptables`, { token: service.tenantToken })).text;
    expect(text).toContain('-m comment --comment "default/frontend:http has no endpoints" -m tcp --dport 80 -j REJECT --reject-with icmp-port-unreachable');
    expect(text).not.toContain(`:${svcChain("default/frontend:http")} `);
  });

  it("times out while no CoreDNS pod runs, and answers again once one does", async () => {
    await ok(c, ["scale", "deployment/coredns", "-n", "kube-system", "--replicas=0"]);
    await advance(c, 60);
    await settled(c);
    const down = await dns("name=frontend&from=default/client");
    expect(down.json).toMatchObject({ status: "TIMEOUT", answers: [], message: ";; connection timed out; no servers could be reached" });
    await ok(c, ["scale", "deployment/coredns", "-n", "kube-system", "--replicas=2"]);
    await advance(c, 60);
    await settled(c);
    expect((await dns("name=frontend&from=default/client")).json.status).toBe("NOERROR");
  });
});

describe("a cluster without kube-proxy (kubeProxyMode: none)", () => {
  it("has no KUBE- service rules, and pods cannot reach cluster DNS", async () => {
    const n = await newCluster("noproxy", { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", networking: { kubeProxyMode: "none" }, nodes: [{ role: "control-plane" }, { role: "worker" }] });
    await simulate(n, { profile: "instant" });
    await ok(n, ["run", "client", "--image=busybox:1.36", "--", "sleep", "3600"]);
    await advance(n, 30);
    await settled(n);
    const text = (await request("GET", `/v1/clusters/${n.name}/nodes/${n.name}-worker/iptables`, { token: service.tenantToken })).text;
    expect(text).toContain("*nat");
    expect(text).not.toMatch(/KUBE-(SERVICES|SVC-|SEP-|NODEPORTS)/);
    const r = await manage("GET", n, "/dns?name=kubernetes&from=default/client");
    expect(r.json).toMatchObject({ status: "TIMEOUT", server: "10.96.0.10", message: ";; connection timed out; no servers could be reached" });
  });
});
