// NetworkPolicy: the kind (kube-apiserver's validation, defaults, kubectl's columns) and the
// enforcement decision (network/policy.ts) over a small view of pods, namespaces and policies.
import { describe, expect, it } from "vitest";
import { policyVerdict, egressVerdict } from "../../worker/cluster/network/policy";
import type { NetworkView, Source } from "../../worker/cluster/network/types";
import type { ImageBehaviour } from "../../worker/cluster/node/images";
import type { KObject } from "../../worker/cluster/resources/define";
import type { NetworkPolicy } from "../../worker/cluster/resources/networkpolicy";
import type { Pod } from "../../worker/cluster/resources/pod";
import { kube, newCluster } from "./helpers";

const NP = "/apis/networking.k8s.io/v1/namespaces/default/networkpolicies";

function policy(name: string, spec: Record<string, unknown>, namespace = "default") {
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name, namespace }, spec };
}

describe("NetworkPolicy kind", () => {
  it("defaults policyTypes and protocols, tracks generation, and prints kubectl's columns", async () => {
    const { stub } = await newCluster();
    const deny = await kube(stub, "POST", NP, { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { name: "default-deny" } });
    expect(deny.status).toBe(201);
    expect(deny.json.spec).toEqual({ podSelector: {}, policyTypes: ["Ingress"] });
    expect(deny.json.metadata.generation).toBe(1);

    const web = await kube(stub, "POST", NP, policy("web", { podSelector: { matchLabels: { tier: "web", app: "shop" } }, ingress: [{ ports: [{ port: 80 }, { port: "http", protocol: "UDP" }] }], egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }] }] }));
    expect(web.status).toBe(201);
    expect(web.json.spec.policyTypes).toEqual(["Ingress", "Egress"]);
    expect(web.json.spec.ingress[0].ports).toEqual([{ protocol: "TCP", port: 80 }, { protocol: "UDP", port: "http" }]);
    // Egress-only, as written: the default only fills an empty list.
    const egressOnly = await kube(stub, "POST", NP, policy("out", { podSelector: {}, policyTypes: ["Egress"] }));
    expect(egressOnly.json.spec.policyTypes).toEqual(["Egress"]);

    const changed = await kube(stub, "PUT", `${NP}/web`, { ...web.json, spec: { ...web.json.spec, ingress: [] } });
    expect(changed.status).toBe(200);
    expect(changed.json.metadata.generation).toBe(2);

    const table = await kube(stub, "GET", NP, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    expect(table.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "Pod-Selector", "Age"]);
    const rows = Object.fromEntries(table.json.rows.map((r: { cells: string[] }) => [r.cells[0], r.cells[1]]));
    expect(rows).toEqual({ "default-deny": "<none>", out: "<none>", web: "app=shop,tier=web" });

    const discovery = await kube(stub, "GET", "/apis/networking.k8s.io/v1");
    expect(discovery.json.resources.find((r: { name: string }) => r.name === "networkpolicies")).toMatchObject({ kind: "NetworkPolicy", namespaced: true, shortNames: ["netpol"] });
  });

  it("rejects what kube-apiserver rejects, with its field paths and words, and stores nothing", async () => {
    const { stub } = await newCluster();
    const cases: [Record<string, unknown>, string[]][] = [
      [{ policyTypes: ["Ingress", "Egress", "Ingress"] }, ['spec.policyTypes: Invalid value: []networking.PolicyType{"Ingress", "Egress", "Ingress"}: may not specify more than two policyTypes']],
      [{ policyTypes: ["Inbound"] }, ['spec.policyTypes[0]: Unsupported value: "Inbound": supported values: "Ingress", "Egress"']],
      [{ ingress: [{ ports: [{ protocol: "ICMP", port: 80 }] }] }, ['spec.ingress[0].ports[0].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"']],
      [{ ingress: [{ ports: [{ port: 70000 }] }] }, ["spec.ingress[0].ports[0].port: Invalid value: 70000: must be between 1 and 65535, inclusive"]],
      [{ ingress: [{ ports: [{ port: 8080, endPort: 80 }] }] }, ["spec.ingress[0].ports[0].endPort: Invalid value: 80: must be greater than or equal to `port`"]],
      [{ egress: [{ ports: [{ port: "http", endPort: 90 }] }] }, ["spec.egress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric"]],
      [{ egress: [{ ports: [{ endPort: 90 }] }] }, ["spec.egress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is not specified"]],
      [{ ingress: [{ ports: [{ port: "Web_Port" }] }] }, ['spec.ingress[0].ports[0].port: Invalid value: "Web_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)']],
      [{ ingress: [{ from: [{}] }] }, ["spec.ingress[0].from[0]: Required value: must specify a peer"]],
      [{ ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/8" }, podSelector: {} }] }] }, ["spec.ingress[0].from[0]: Forbidden: may not specify both ipBlock and another peer"]],
      [{ egress: [{ to: [{ ipBlock: { cidr: "10.0.0.300/8" } }] }] }, ['spec.egress[0].to[0].ipBlock.cidr: Invalid value: "10.0.0.300/8": not a valid CIDR']],
      [{ egress: [{ to: [{ ipBlock: { cidr: "" } }] }] }, ["spec.egress[0].to[0].ipBlock.cidr: Required value"]],
      [{ egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["192.168.0.0/16", "10.0.0.0/8", "10.1.0.0/16"] } }] }] }, ['spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`', 'spec.egress[0].to[0].ipBlock.except[1]: Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`']],
      [{ egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8", except: ["nope", "192.168.0.0/16"] } }] }] }, ['spec.egress[0].to[0].ipBlock.except[0]: Invalid value: "nope": not a valid CIDR']],
      [{ podSelector: { matchExpressions: [{ key: "app", operator: "In" }] } }, ["spec.podSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"]],
    ];
    for (const [spec, causes] of cases) {
      const r = await kube(stub, "POST", NP, policy("bad", spec));
      expect(r.status, JSON.stringify(spec)).toBe(422);
      expect(r.json.reason).toBe("Invalid");
      expect(r.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`)).toEqual(causes);
      expect(r.json.message).toContain('NetworkPolicy.networking.k8s.io "bad" is invalid: ');
    }
    expect((await kube(stub, "GET", NP)).json.items).toEqual([]);
    // IPv6 blocks are valid (an allow-all egress often lists "::/0").
    const v6 = await kube(stub, "POST", NP, policy("v6", { egress: [{ to: [{ ipBlock: { cidr: "::/0", except: ["fd00::/8"] } }, { ipBlock: { cidr: "0.0.0.0/0" } }] }] }));
    expect(v6.status).toBe(201);
  });
});

// ---------------------------------------------------------------------------------------------
// The decision, over an in-test view.

const KINDNET: ImageBehaviour = { tags: ["*"], sizeBytes: 0, pullMs: 0, startMs: 0, memoryMi: 0, entrypoint: [], cmd: [], servers: [], ports: [], http: [], logs: [], stopsOnTerm: true, shell: true, network: { cni: { name: "kindnet", enforcesPolicy: true } } };
const FLANNEL: ImageBehaviour = { ...KINDNET, network: { cni: { name: "flannel", enforcesPolicy: false } } };

let ipSeq = 10;
function pod(namespace: string, name: string, labels: Record<string, string>, opts: { node?: string; ports?: { name?: string; containerPort: number; protocol?: "TCP" | "UDP" }[]; image?: string; hostNetwork?: boolean } = {}): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace, name, labels },
    spec: { nodeName: opts.node ?? "kind-worker", hostNetwork: opts.hostNetwork, containers: [{ name: "c", image: opts.image ?? "nginx", ports: opts.ports }] },
    status: { phase: "Running", podIP: opts.hostNetwork ? "172.18.0.3" : `10.244.1.${ipSeq++}` },
  } as Pod;
}

function ns(name: string, labels: Record<string, string> = {}): KObject {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: { ...labels, "kubernetes.io/metadata.name": name } } };
}

function np(namespace: string, name: string, spec: Record<string, unknown>): NetworkPolicy {
  const s = { podSelector: {}, ...spec } as NetworkPolicy["spec"] & { egress?: unknown[]; policyTypes?: string[] };
  // As stored: defaulted.
  s!.policyTypes ??= s!.egress?.length ? ["Ingress", "Egress"] : ["Ingress"];
  return { apiVersion: "networking.k8s.io/v1", kind: "NetworkPolicy", metadata: { namespace, name }, spec: s } as NetworkPolicy;
}

/** Just enough of a NetworkView: pods, namespaces and policies held in arrays. */
function testView(objects: { pods: Pod[]; namespaces: KObject[]; policies: NetworkPolicy[] }): NetworkView {
  const unused = () => {
    throw new Error("not used by policy decisions");
  };
  return {
    now: 0,
    serviceSubnet: "10.96.0.0/16",
    podSubnet: "10.244.0.0/16",
    kubeProxy: true,
    service: unused,
    serviceByIP: unused,
    services: unused,
    slices: unused,
    pod: (namespace, name) => objects.pods.find((p) => p.metadata.namespace === namespace && p.metadata.name === name),
    podByIP: (ip) => objects.pods.find((p) => p.status?.podIP === ip && !p.spec?.hostNetwork),
    podsOnNode: (node) => objects.pods.filter((p) => p.spec?.nodeName === node),
    node: unused,
    nodeByIP: unused,
    nodes: unused,
    list: <T extends KObject>(storage: string, namespace?: string) => {
      if (storage !== "networkpolicies") throw new Error(`unexpected list of ${storage}`);
      return objects.policies.filter((p) => namespace === undefined || p.metadata.namespace === namespace) as unknown as T[];
    },
    get: <T extends KObject>(storage: string, _namespace: string, name: string) => {
      if (storage !== "namespaces") throw new Error(`unexpected get of ${storage}`);
      return objects.namespaces.find((n) => n.metadata.name === name) as T | undefined;
    },
    image: (p, container) => {
      const image = p.spec?.containers.find((c) => c.name === container)?.image ?? "";
      return image.includes("kindnetd") ? KINDNET : image.includes("flannel") ? FLANNEL : null;
    },
  };
}

const fromPod = (p: Pod): Source => ({ kind: "pod", pod: p });

describe("NetworkPolicy decisions", () => {
  const cni = (node: string, image = "docker.io/kindest/kindnetd:v20250512-df8de77b") => pod("kube-system", `cni-${node}`, { app: "cni" }, { node, image, hostNetwork: true });
  const web = pod("default", "web", { app: "web" }, { ports: [{ name: "http", containerPort: 80 }, { name: "metrics", containerPort: 9100 }] });
  const client = pod("default", "client", { app: "client" }, { node: "kind-worker2" });
  const other = pod("default", "other", { app: "other" }, { node: "kind-worker2" });
  const monitor = pod("monitoring", "prom", { app: "prom" }, { node: "kind-worker2" });
  const intruder = pod("dev", "prom", { app: "prom" }, { node: "kind-worker2" });
  const namespaces = [ns("default"), ns("kube-system"), ns("monitoring", { team: "ops" }), ns("dev", { team: "dev" })];
  const base = [cni("kind-worker"), cni("kind-worker2"), web, client, other, monitor, intruder];

  function decide(policies: NetworkPolicy[], from: Source, fromIP: string, to: Pod, port: number, protocol = "TCP", pods = base) {
    return policyVerdict(testView({ pods, namespaces, policies }), from, fromIP, to, port, protocol);
  }
  const ip = (p: Pod) => p.status!.podIP!;

  it("lets everything through when no policy selects the pods", () => {
    expect(decide([], fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
    expect(decide([np("default", "only-db", { podSelector: { matchLabels: { app: "db" } } })], fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
  });

  it("default deny ingress drops every connection to the namespace's pods, but not from their own node", () => {
    const deny = [np("default", "default-deny", {})];
    expect(decide(deny, fromPod(client), ip(client), web, 80)).toEqual({ allowed: false, policy: "default/default-deny", direction: "ingress" });
    expect(decide(deny, { kind: "external", ip: "172.18.0.1" }, "172.18.0.1", web, 80)).toMatchObject({ allowed: false });
    expect(decide(deny, { kind: "node", node: "kind-worker2" }, "172.18.0.4", web, 80)).toMatchObject({ allowed: false });
    // The kubelet's probes come from the pod's own node.
    expect(decide(deny, { kind: "node", node: "kind-worker" }, "172.18.0.3", web, 80)).toEqual({ allowed: true });
    // Egress is not isolated by an Ingress policy: the client may still reach a pod elsewhere.
    expect(decide(deny, fromPod(web), ip(web), monitor, 9090)).toEqual({ allowed: true });
  });

  it("default deny egress drops what the selected pods send, and only that", () => {
    const deny = [np("default", "deny-out", { policyTypes: ["Egress"] })];
    expect(decide(deny, fromPod(client), ip(client), monitor, 9090)).toEqual({ allowed: false, policy: "default/deny-out", direction: "egress" });
    expect(decide(deny, { kind: "pod", pod: monitor }, ip(monitor), web, 80)).toEqual({ allowed: true });
    expect(egressVerdict(testView({ pods: base, namespaces, policies: deny }), client, "93.184.216.34", 443, "TCP")).toMatchObject({ allowed: false, direction: "egress" });
    const outside = [...deny, np("default", "allow-https", { policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] } }], ports: [{ port: 443, protocol: "TCP" }] }] })];
    expect(egressVerdict(testView({ pods: base, namespaces, policies: outside }), client, "93.184.216.34", 443, "TCP")).toEqual({ allowed: true });
    expect(egressVerdict(testView({ pods: base, namespaces, policies: outside }), client, "93.184.216.34", 80, "TCP")).toMatchObject({ allowed: false });
  });

  it("allows pods with a label, in the policy's namespace only", () => {
    const policies = [np("default", "default-deny", {}), np("default", "allow-client", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }] })];
    expect(decide(policies, fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
    // Denied: named after the policy that only isolates, not the one whose rule did not match.
    expect(decide(policies, fromPod(other), ip(other), web, 80)).toEqual({ allowed: false, policy: "default/default-deny", direction: "ingress" });
    expect(decide(policies.slice(1), fromPod(other), ip(other), web, 80)).toEqual({ allowed: false, policy: "default/allow-client", direction: "ingress" });
    // Through a node port on another node the connection is masqueraded: the agent sees that node's address, not the client.
    expect(decide(policies, fromPod(client), "172.18.0.4", web, 80)).toMatchObject({ allowed: false });
    const sameLabelElsewhere = pod("dev", "client", { app: "client" }, { node: "kind-worker2" });
    expect(decide(policies, fromPod(sameLabelElsewhere), ip(sameLabelElsewhere), web, 80, "TCP", [...base, sameLabelElsewhere])).toMatchObject({ allowed: false });
  });

  it("allows namespaces by label, and namespace AND pod when both selectors are in one peer", () => {
    const byNs = [np("default", "from-ops", { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }] }] })];
    expect(decide(byNs, fromPod(monitor), ip(monitor), web, 80)).toEqual({ allowed: true });
    expect(decide(byNs, fromPod(intruder), ip(intruder), web, 80)).toMatchObject({ allowed: false });
    // Its own namespace is not selected unless its labels say so.
    expect(decide(byNs, fromPod(client), ip(client), web, 80)).toMatchObject({ allowed: false });

    const both = [np("default", "ops-prom", { ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: "team", operator: "Exists" }] }, podSelector: { matchLabels: { app: "prom" } } }] }] })];
    const opsOther = pod("monitoring", "grafana", { app: "grafana" }, { node: "kind-worker2" });
    const pods = [...base, opsOther];
    expect(decide(both, fromPod(monitor), ip(monitor), web, 80, "TCP", pods)).toEqual({ allowed: true });
    expect(decide(both, fromPod(intruder), ip(intruder), web, 80, "TCP", pods)).toEqual({ allowed: true });
    expect(decide(both, fromPod(opsOther), ip(opsOther), web, 80, "TCP", pods)).toMatchObject({ allowed: false });
    // Two peers (OR) instead of one (AND): the namespace alone is enough.
    const either = [np("default", "ops-or-prom", { ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }, { podSelector: { matchLabels: { app: "prom" } } }] }] })];
    expect(decide(either, fromPod(opsOther), ip(opsOther), web, 80, "TCP", pods)).toEqual({ allowed: true });
    expect(decide(either, fromPod(intruder), ip(intruder), web, 80, "TCP", pods)).toMatchObject({ allowed: false });
  });

  it("matches ipBlock with except against the peer's address, pods' addresses included", () => {
    const block = [np("default", "lan", { ingress: [{ from: [{ ipBlock: { cidr: "172.18.0.0/16", except: ["172.18.5.0/24"] } }] }] })];
    expect(decide(block, { kind: "external", ip: "172.18.0.1" }, "172.18.0.1", web, 80)).toEqual({ allowed: true });
    expect(decide(block, { kind: "external", ip: "172.18.5.9" }, "172.18.5.9", web, 80)).toMatchObject({ allowed: false });
    expect(decide(block, { kind: "external", ip: "8.8.8.8" }, "8.8.8.8", web, 80)).toMatchObject({ allowed: false });
    expect(decide(block, fromPod(client), ip(client), web, 80)).toMatchObject({ allowed: false });
    const pods = [np("default", "pods", { ingress: [{ from: [{ ipBlock: { cidr: "10.244.0.0/16" } }] }] })];
    expect(decide(pods, fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
  });

  it("resolves named ports against the destination pod and honours endPort ranges and protocols", () => {
    const named = [np("default", "http-only", { ingress: [{ ports: [{ port: "http", protocol: "TCP" }] }] })];
    expect(decide(named, fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
    expect(decide(named, fromPod(client), ip(client), web, 9100)).toMatchObject({ allowed: false });
    expect(decide(named, fromPod(client), ip(client), web, 80, "UDP")).toMatchObject({ allowed: false });
    const range = [np("default", "range", { ingress: [{ ports: [{ port: 9000, endPort: 9200, protocol: "TCP" }] }] })];
    expect(decide(range, fromPod(client), ip(client), web, 9100)).toEqual({ allowed: true });
    expect(decide(range, fromPod(client), ip(client), web, 9000)).toEqual({ allowed: true });
    expect(decide(range, fromPod(client), ip(client), web, 9201)).toMatchObject({ allowed: false });
    expect(decide(range, fromPod(client), ip(client), web, 80)).toMatchObject({ allowed: false });
    // Egress names the destination's port too.
    const out = [np("default", "out-http", { podSelector: { matchLabels: { app: "client" } }, policyTypes: ["Egress"], egress: [{ ports: [{ port: "http", protocol: "TCP" }] }] })];
    expect(decide(out, fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
    expect(decide(out, fromPod(client), ip(client), web, 9100)).toMatchObject({ allowed: false, direction: "egress" });
  });

  it("applies only policies of the pod's own namespace, and adds up several policies", () => {
    const elsewhere = [np("monitoring", "deny-all", {}), np("monitoring", "deny-out", { policyTypes: ["Egress"] })];
    expect(decide(elsewhere, fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
    expect(decide(elsewhere, fromPod(client), ip(client), monitor, 9090)).toMatchObject({ allowed: false, policy: "monitoring/deny-all" });

    const union = [np("default", "a-client", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "client" } } }] }] }), np("default", "b-ops", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: "ops" } } }] }] })];
    expect(decide(union, fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
    expect(decide(union, fromPod(monitor), ip(monitor), web, 80)).toEqual({ allowed: true });
    expect(decide(union, fromPod(other), ip(other), web, 80)).toEqual({ allowed: false, policy: "default/a-client", direction: "ingress" });
    // An allow-all ingress rule beside a default deny opens everything.
    expect(decide([np("default", "deny", {}), np("default", "all", { ingress: [{}] })], fromPod(other), ip(other), web, 80)).toEqual({ allowed: true });
  });

  it("needs both the source's egress and the destination's ingress", () => {
    const policies = [np("default", "client-out", { podSelector: { matchLabels: { app: "client" } }, policyTypes: ["Egress"], egress: [{ to: [{ podSelector: { matchLabels: { app: "web" } } }] }] }), np("monitoring", "prom-in", { ingress: [{ from: [{ podSelector: { matchLabels: { app: "nobody" } } }] }] })];
    expect(decide(policies, fromPod(client), ip(client), web, 80)).toEqual({ allowed: true });
    expect(decide(policies, fromPod(client), ip(client), monitor, 9090)).toEqual({ allowed: false, policy: "default/client-out", direction: "egress" });
    expect(decide(policies, fromPod(other), ip(other), monitor, 9090)).toEqual({ allowed: false, policy: "monitoring/prom-in", direction: "ingress" });
  });

  it("is enforced only where a policy-enforcing CNI agent runs, and never for host-network pods", () => {
    const deny = [np("default", "deny", { policyTypes: ["Ingress", "Egress"] })];
    // flannel on the destination's node: ingress is not filtered there; the client's kindnet still filters its egress.
    const flannelNode = [cni("kind-worker", "docker.io/flannel/flannel:v0.26.1"), cni("kind-worker2"), web, client];
    expect(decide(deny, { kind: "external" }, "172.18.0.1", web, 80, "TCP", flannelNode)).toEqual({ allowed: true });
    expect(decide(deny, fromPod(client), ip(client), web, 80, "TCP", flannelNode)).toMatchObject({ allowed: false, direction: "egress" });
    // No CNI agent at all: policies are stored and ignored.
    expect(decide(deny, fromPod(client), ip(client), web, 80, "TCP", [web, client])).toEqual({ allowed: true });
    // An agent that is not running does not filter.
    const stopped = { ...cni("kind-worker"), status: { phase: "Pending" } } as Pod;
    expect(decide(deny, { kind: "external" }, "172.18.0.1", web, 80, "TCP", [stopped, web])).toEqual({ allowed: true });
    // Host-network pods are the node's traffic.
    const hostPod = pod("default", "node-exporter", { app: "web" }, { hostNetwork: true, ports: [{ containerPort: 9100 }] });
    expect(decide(deny, fromPod(client), ip(client), hostPod, 9100, "TCP", [...base, hostPod])).toMatchObject({ allowed: false, direction: "egress" });
    expect(decide(deny, { kind: "external" }, "172.18.0.1", hostPod, 9100, "TCP", [...base, hostPod])).toEqual({ allowed: true });
    expect(decide(deny, fromPod(hostPod), "172.18.0.3", web, 80, "TCP", [...base, hostPod])).toEqual({ allowed: true });
  });
});
