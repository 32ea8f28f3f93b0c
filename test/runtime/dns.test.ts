// Cluster DNS (network/dns.ts): CoreDNS's answers as kind's Corefile configures it, the resolv.conf
// the kubelet writes for each dnsPolicy, and the resolver's search path.
import { describe, expect, it } from "vitest";
import { resolvConf, resolve, resolveHost, searchNames, TIMEOUT_MESSAGE } from "../../worker/cluster/network/dns";
import type { Pod } from "../../worker/cluster/resources/pod";
import { fakeView, node, pod, service, slice, type FakeCluster } from "./fakeNetworkView";
import { newCluster } from "./helpers";

const NODES = [node("kind-control-plane", "172.18.0.2"), node("kind-worker", "172.18.0.3")];
const coredns = pod("kube-system", "coredns-7db6d8ff4d-abcde", { ip: "10.244.0.2", node: "kind-control-plane", image: "registry.k8s.io/coredns/coredns:v1.11.3", labels: { "k8s-app": "kube-dns" } });
const kubeDns = service("kube-system", "kube-dns", { clusterIP: "10.96.0.10", ports: [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }] });
const kubeDnsSlice = slice("kube-system", "kube-dns", [{ name: "dns", port: 53, protocol: "UDP" }, { name: "dns-tcp", port: 53, protocol: "TCP" }], [{ ip: "10.244.0.2", node: "kind-control-plane", pod: coredns.metadata.name }]);

const dbDev = service("dev", "db-service", { clusterIP: "10.96.50.5", ports: [{ name: "postgres", port: 5432 }] });
const web = service("default", "web", { clusterIP: "10.96.12.7", ports: [{ name: "http", port: 80 }, { port: 8443, protocol: "TCP", name: "https" }] });
const webSlice = slice("default", "web", [{ name: "http", port: 8080 }, { name: "https", port: 8443 }], [{ ip: "10.244.1.5", node: "kind-worker", pod: "web-1" }]);
const nginx = service("default", "nginx", { clusterIP: "None", ports: [{ name: "web", port: 80 }] });
const nginxSlice = slice("default", "nginx", [{ name: "web", port: 80 }], [
  { ip: "10.244.1.10", hostname: "web-0", pod: "web-0" },
  { ip: "10.244.1.11", hostname: "web-1", pod: "web-1" },
  { ip: "10.244.1.12", hostname: "web-2", pod: "web-2", ready: false },
]);
const external = service("default", "search", { type: "ExternalName", externalName: "www.example.com" });
const alias = service("default", "db", { type: "ExternalName", externalName: "db-service.dev.svc.cluster.local" });

const client = pod("default", "client", { ip: "10.244.1.20", node: "kind-worker" });
const devClient = pod("dev", "tool", { ip: "10.244.1.21", node: "kind-worker" });

const cluster: FakeCluster = {
  nodes: NODES,
  namespaces: ["default", "kube-system", "dev"],
  services: [kubeDns, dbDev, web, nginx, external, alias],
  slices: [kubeDnsSlice, webSlice, nginxSlice],
  pods: [coredns, client, devClient],
};
const view = fakeView(cluster);

function withSpec(p: Pod, spec: Record<string, unknown>): Pod {
  return { ...p, spec: { ...p.spec!, ...spec } } as Pod;
}

describe("resolv.conf", () => {
  it("ClusterFirst: the namespace's search path, kube-dns and ndots:5", () => {
    expect(resolvConf(view, client)).toBe("search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n");
    expect(resolvConf(view, devClient)).toContain("search dev.svc.cluster.local svc.cluster.local cluster.local\n");
  });

  it("Default and host-network pods use the node's resolver; ClusterFirstWithHostNet brings cluster DNS back", () => {
    const node = "nameserver 172.18.0.1\noptions edns0 trust-ad ndots:0\n";
    expect(resolvConf(view, withSpec(client, { dnsPolicy: "Default" }))).toBe(node);
    expect(resolvConf(view, withSpec(client, { hostNetwork: true }))).toBe(node);
    expect(resolvConf(view, withSpec(client, { hostNetwork: true, dnsPolicy: "ClusterFirstWithHostNet" }))).toContain("nameserver 10.96.0.10\n");
  });

  it("dnsConfig: None takes only it; with a policy its searches come first and its options win by name", () => {
    const none = withSpec(client, { dnsPolicy: "None", dnsConfig: { nameservers: ["1.1.1.1"], searches: ["corp.example"], options: [{ name: "ndots", value: "2" }, { name: "edns0" }] } });
    expect(resolvConf(view, none)).toBe("search corp.example\nnameserver 1.1.1.1\noptions ndots:2 edns0\n");
    const merged = withSpec(client, { dnsConfig: { nameservers: ["10.96.0.10", "8.8.8.8"], searches: ["corp.example"], options: [{ name: "ndots", value: "1" }] } });
    expect(resolvConf(view, merged)).toBe("search corp.example default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\nnameserver 8.8.8.8\noptions ndots:1\n");
  });

  it("walks the search list as glibc does", () => {
    const conf = { nameservers: ["10.96.0.10"], searches: ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"], options: ["ndots:5"] };
    expect(searchNames("web", conf)).toEqual(["web.default.svc.cluster.local.", "web.svc.cluster.local.", "web.cluster.local."]);
    expect(searchNames("example.com", conf)).toEqual(["example.com.default.svc.cluster.local.", "example.com.svc.cluster.local.", "example.com.cluster.local.", "example.com."]);
    expect(searchNames("a.b.c.d.e.f", conf)[0]).toBe("a.b.c.d.e.f.");
    expect(searchNames("web.default.svc.cluster.local.", conf)).toEqual(["web.default.svc.cluster.local."]);
  });
});

describe("CoreDNS's answers", () => {
  it("a Service name resolves to its ClusterIP in the pod's namespace, and with the namespace from another", () => {
    const same = resolve(view, { name: "db-service", from: devClient });
    expect(same).toMatchObject({ status: "NOERROR", server: "10.96.0.10", tried: ["db-service.dev.svc.cluster.local."], answers: [{ name: "db-service.dev.svc.cluster.local.", type: "A", ttl: 30, data: "10.96.50.5" }] });
    const other = resolve(view, { name: "db-service.dev", from: client });
    expect(other.tried).toEqual(["db-service.dev.default.svc.cluster.local.", "db-service.dev.svc.cluster.local."]);
    expect(other.answers.map((a) => a.data)).toEqual(["10.96.50.5"]);
    const missing = resolve(view, { name: "db-service", from: client });
    expect(missing).toMatchObject({ status: "NXDOMAIN", answers: [] });
    expect(missing.tried).toEqual(["db-service.default.svc.cluster.local.", "db-service.svc.cluster.local.", "db-service.cluster.local."]);
    // Fully qualified, without a pod: asked of CoreDNS as it is.
    expect(resolve(view, { name: "web.default.svc.cluster.local" }).answers.map((a) => a.data)).toEqual(["10.96.12.7"]);
    expect(resolve(view, { name: "WEB.Default.svc.cluster.local." }).status).toBe("NOERROR");
    expect(resolve(view, { name: "web.nowhere.svc.cluster.local" }).status).toBe("NXDOMAIN");
    // An IPv4-only Service has no AAAA: an empty answer, not NXDOMAIN.
    expect(resolve(view, { name: "web.default.svc.cluster.local", type: "AAAA" })).toMatchObject({ status: "NOERROR", answers: [] });
  });

  it("a headless Service answers with its ready endpoints; StatefulSet pods by hostname", () => {
    const all = resolve(view, { name: "nginx.default.svc.cluster.local" });
    expect(all.answers.map((a) => a.data).sort()).toEqual(["10.244.1.10", "10.244.1.11"]);
    expect(resolve(view, { name: "web-0.nginx.default.svc.cluster.local" }).answers).toEqual([{ name: "web-0.nginx.default.svc.cluster.local.", type: "A", ttl: 30, data: "10.244.1.10" }]);
    expect(resolve(view, { name: "web-1.nginx", from: client }).answers.map((a) => a.data)).toEqual(["10.244.1.11"]);
    // Not ready: left out.
    expect(resolve(view, { name: "web-2.nginx.default.svc.cluster.local" }).status).toBe("NXDOMAIN");
    const none = fakeView({ ...cluster, slices: [kubeDnsSlice] });
    expect(resolve(none, { name: "nginx.default.svc.cluster.local" }).status).toBe("NXDOMAIN");
  });

  it("SRV records for named ports, with CoreDNS's weights and the targets' addresses", () => {
    const srv = resolve(view, { name: "_http._tcp.web.default.svc.cluster.local", type: "SRV" });
    expect(srv.answers).toEqual([{ name: "_http._tcp.web.default.svc.cluster.local.", type: "SRV", ttl: 30, data: "0 100 80 web.default.svc.cluster.local." }]);
    expect(srv.additional).toEqual([{ name: "web.default.svc.cluster.local.", type: "A", ttl: 30, data: "10.96.12.7" }]);
    expect(resolve(view, { name: "web.default.svc.cluster.local", type: "SRV" }).answers.map((a) => a.data)).toEqual(["0 50 80 web.default.svc.cluster.local.", "0 50 8443 web.default.svc.cluster.local."]);
    const headless = resolve(view, { name: "_web._tcp.nginx.default.svc.cluster.local", type: "SRV" });
    expect(headless.answers.map((a) => a.data)).toEqual(["0 50 80 web-0.nginx.default.svc.cluster.local.", "0 50 80 web-1.nginx.default.svc.cluster.local."]);
    expect(resolve(view, { name: "_nope._tcp.web.default.svc.cluster.local", type: "SRV" }).status).toBe("NXDOMAIN");
  });

  it("ExternalName is a CNAME, followed when the target is in the cluster", () => {
    expect(resolve(view, { name: "search.default.svc.cluster.local" }).answers).toEqual([{ name: "search.default.svc.cluster.local.", type: "CNAME", ttl: 30, data: "www.example.com." }]);
    expect(resolve(view, { name: "db", from: client }).answers).toEqual([
      { name: "db.default.svc.cluster.local.", type: "CNAME", ttl: 30, data: "db-service.dev.svc.cluster.local." },
      { name: "db-service.dev.svc.cluster.local.", type: "A", ttl: 30, data: "10.96.50.5" },
    ]);
    expect(resolveHost(view, { kind: "pod", pod: client }, "db")).toMatchObject({ ok: true, ip: "10.96.50.5" });
  });

  it("pod names (pods insecure), PTR for Service and endpoint addresses, CoreDNS's own names", () => {
    expect(resolve(view, { name: "10-244-1-5.default.pod.cluster.local" }).answers.map((a) => a.data)).toEqual(["10.244.1.5"]);
    expect(resolve(view, { name: "10-244-1-5.nowhere.pod.cluster.local" }).status).toBe("NXDOMAIN");
    expect(resolve(view, { name: "10-244-1-999.default.pod.cluster.local" }).status).toBe("NXDOMAIN");
    expect(resolve(view, { name: "7.12.96.10.in-addr.arpa", type: "PTR" }).answers.map((a) => a.data)).toEqual(["web.default.svc.cluster.local."]);
    expect(resolve(view, { name: "10.1.244.10.in-addr.arpa", type: "PTR" }).answers.map((a) => a.data)).toEqual(["web-0.nginx.default.svc.cluster.local."]);
    expect(resolve(view, { name: "99.9.244.10.in-addr.arpa", type: "PTR" }).status).toBe("NXDOMAIN");
    expect(resolve(view, { name: "dns-version.cluster.local", type: "TXT" }).answers.map((a) => a.data)).toEqual(['"1.1.0"']);
    expect(resolve(view, { name: "ns.dns.cluster.local" }).answers.map((a) => a.data)).toEqual(["10.96.0.10"]);
  });

  it("outside the cluster domain: the node resolver knows the nodes; there is no internet", () => {
    expect(resolve(view, { name: "kind-worker" }).answers.map((a) => a.data)).toEqual(["172.18.0.3"]);
    // From a pod the single label is only tried with the search domains.
    expect(resolve(view, { name: "kind-worker", from: client }).status).toBe("NXDOMAIN");
    expect(resolve(view, { name: "kind-worker.", from: client }).answers.map((a) => a.data)).toEqual(["172.18.0.3"]);
    const ext = resolve(view, { name: "example.com", from: client });
    expect(ext.tried.at(-1)).toBe("example.com.");
    expect(ext.status).toBe("SERVFAIL");
    // Five dots: asked as it is first; the failed upstream does not end the walk, and is what is reported.
    const deep = resolve(view, { name: "a.b.c.d.e.example", from: client });
    expect(deep.tried).toEqual(["a.b.c.d.e.example.", "a.b.c.d.e.example.default.svc.cluster.local.", "a.b.c.d.e.example.svc.cluster.local.", "a.b.c.d.e.example.cluster.local."]);
    expect(deep).toMatchObject({ status: "SERVFAIL", answered: "a.b.c.d.e.example." });
    // A Default-policy pod asks the node's resolver, which does not know cluster names.
    expect(resolve(view, { name: "web.default.svc.cluster.local", from: withSpec(client, { dnsPolicy: "Default" }) })).toMatchObject({ status: "NXDOMAIN", server: "172.18.0.1" });
  });

  it("resolveHost: /etc/hosts first (localhost, the pod's own names), then DNS", () => {
    const sts = withSpec(pod("default", "web-0", { ip: "10.244.1.10" }), { hostname: "web-0", subdomain: "nginx" });
    expect(resolveHost(view, { kind: "pod", pod: sts }, "web-0.nginx.default.svc.cluster.local")).toMatchObject({ ok: true, ip: "10.244.1.10", tried: [] });
    expect(resolveHost(view, { kind: "pod", pod: client }, "localhost")).toMatchObject({ ok: true, ip: "127.0.0.1" });
    expect(resolveHost(view, { kind: "pod", pod: client }, "web")).toMatchObject({ ok: true, ip: "10.96.12.7", name: "web.default.svc.cluster.local" });
    expect(resolveHost(view, { kind: "pod", pod: client }, "nothing-here")).toMatchObject({ ok: false, error: "nxdomain" });
    // From a node, cluster names are unknown.
    expect(resolveHost(view, { kind: "node", node: "kind-worker" }, "web.default.svc.cluster.local")).toMatchObject({ ok: false, error: "nxdomain" });
  });
});

describe("when CoreDNS cannot answer", () => {
  it("times out without a running CoreDNS pod, without kube-dns endpoints, or without kube-proxy", () => {
    const pending = pod("kube-system", coredns.metadata.name!, { node: "kind-control-plane", image: "registry.k8s.io/coredns/coredns:v1.11.3", running: false });
    const cases: FakeCluster[] = [
      { ...cluster, pods: [pending, client] },
      { ...cluster, slices: [webSlice, nginxSlice] },
      { ...cluster, kubeProxy: false },
    ];
    for (const c of cases) {
      const r = resolve(fakeView(c), { name: "web", from: client });
      expect(r).toMatchObject({ status: "TIMEOUT", server: "10.96.0.10", answers: [], message: TIMEOUT_MESSAGE });
      expect(TIMEOUT_MESSAGE).toBe(";; connection timed out; no servers could be reached");
      expect(resolveHost(fakeView(c), { kind: "pod", pod: client }, "web")).toMatchObject({ ok: false, error: "timeout" });
    }
  });
});

describe("the lookup API's checks", () => {
  it("refuses bad names, types and pods with a message naming the problem", async () => {
    const { stub } = await newCluster({ name: "dnscheck" });
    const bad: [Record<string, unknown>, number, string][] = [
      [{}, 400, '"name" is required'],
      [{ name: "a..b" }, 400, '"" is not a DNS label'],
      [{ name: "-web" }, 400, '"-web" is not a DNS label'],
      [{ name: "x".repeat(64) }, 400, "is not a DNS label"],
      [{ name: `${"a.".repeat(127)}ab` }, 400, "at most 253 characters"],
      [{ name: "web", type: "MX" }, 400, '"type" must be one of A, AAAA, CNAME, SRV, PTR, TXT, NS, SOA'],
      [{ name: "web", from: "client" }, 400, '"from" must name a pod as "<namespace>/<pod>"'],
      [{ name: "web", from: "default/ghost" }, 404, "pod default/ghost not found"],
    ];
    for (const [req, status, message] of bad) {
      const r = await stub.dnsLookup(req);
      expect(r.ok, JSON.stringify(req)).toBe(false);
      if (!r.ok) {
        expect(r.status).toBe(status);
        expect(r.message).toContain(message);
      }
    }
    const ok = await stub.dnsLookup({ name: "kubernetes.default.svc.cluster.local", type: "a" });
    expect(ok.ok).toBe(true);
    if (ok.ok) expect(ok.value).toMatchObject({ name: "kubernetes.default.svc.cluster.local", type: "A", tried: ["kubernetes.default.svc.cluster.local."] });
  });
});
