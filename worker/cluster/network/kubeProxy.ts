// kube-proxy in iptables mode, as kind runs it (detect-local by the pod subnet, masquerade bit 14,
// localhost node ports on): the rules a node holds for the cluster's Services and EndpointSlices,
// and the decision those rules make for one packet. One model serves both: `serviceRules` turns a
// Service port and its endpoints into the chains and endpoints kube-proxy would program, then
// `serviceTargets` walks them for a connection and `iptablesSave` prints them.
//
// Names and comments follow kube-proxy (pkg/proxy/iptables): chain names are the first 16 base32
// characters of the SHA-256 of "<ns>/<svc>[:<port name>]<protocol>" (+ "<ip>:<port>" for an
// endpoint's KUBE-SEP chain). Rule text is in the normalized form iptables-save prints.
import { cidrContains, parseCidr } from "../machinery/cidr";
import { parseIpPrefix, prefixContains } from "../machinery/ipPrefix";
// Synchronous SHA-256 and Go's StdEncoding base32 (crypto.subtle is async; decisions are not).
import { sha256 } from "@noble/hashes/sha2.js";
import { base32 } from "@scure/base";
import { storageOf, type KObject } from "../resources/define";
import { endpointSlices, SERVICE_NAME_LABEL, type EndpointSlice } from "../resources/endpointslice";
import type { Service } from "../resources/service";
import type { NetworkView, Target } from "./types";

export type Protocol = "TCP" | "UDP" | "SCTP";
type ServicePort = NonNullable<NonNullable<Service["spec"]>["ports"]>[number];

/** kube-proxy's masquerade mark (--iptables-masquerade-bit 14). */
const MASQ_MARK = "0x4000";
/** Above this many endpoints kube-proxy drops per-endpoint comments ("large cluster mode"). */
const LARGE_CLUSTER_ENDPOINTS = 1000;

// ---------------------------------------------------------------------------------------------
// Chain names

const encoder = new TextEncoder();
const utf8 = (text: string) => encoder.encode(text);

function hash16(text: string): string {
  return base32.encode(sha256(utf8(text))).slice(0, 16);
}

/** "ns/name" or "ns/name:port", as kube-proxy's ServicePortName prints. */
export function servicePortName(svc: Service, port: ServicePort): string {
  return `${svc.metadata.namespace}/${svc.metadata.name}${port.name ? `:${port.name}` : ""}`;
}

export interface ServiceChains {
  /** KUBE-SVC-…: all usable endpoints (Cluster traffic policy). */
  cluster: string;
  /** KUBE-SVL-…: this node's endpoints (Local traffic policy). */
  local: string;
  /** KUBE-EXT-…: traffic to node ports, external IPs and load-balancer IPs. */
  external: string;
  /** KUBE-FW-…: loadBalancerSourceRanges filtering. */
  firewall: string;
}

export function serviceChains(name: string, protocol: Protocol): ServiceChains {
  const h = hash16(name + protocol.toLowerCase());
  return { cluster: `KUBE-SVC-${h}`, local: `KUBE-SVL-${h}`, external: `KUBE-EXT-${h}`, firewall: `KUBE-FW-${h}` };
}

/** KUBE-SEP-…: one endpoint ("ip:port") of a Service port. */
export function endpointChain(name: string, protocol: Protocol, endpoint: string): string {
  return `KUBE-SEP-${hash16(name + protocol.toLowerCase() + endpoint)}`;
}

// ---------------------------------------------------------------------------------------------
// Endpoints, as kube-proxy's EndpointSlice cache reads them

/** What the proxy and CoreDNS read: the EndpointSlice kind. */
export type SliceLike = EndpointSlice;

export interface ProxyEndpoint {
  ip: string;
  port: number;
  /** "ip:port". */
  address: string;
  ready: boolean;
  serving: boolean;
  terminating: boolean;
  node: string | null;
  pod: { namespace: string; name: string } | null;
  /** Its KUBE-SEP chain. */
  readonly chain: string;
}

class Endpoint implements ProxyEndpoint {
  private hash: string | undefined;
  constructor(
    private readonly portName: string,
    private readonly protocol: Protocol,
    readonly ip: string,
    readonly port: number,
    readonly address: string,
    readonly ready: boolean,
    readonly serving: boolean,
    readonly terminating: boolean,
    readonly node: string | null,
    readonly pod: { namespace: string; name: string } | null,
  ) {}
  /** Hashed when a rule or a decision needs it, not for every endpoint of a large Service. */
  get chain(): string {
    return (this.hash ??= endpointChain(this.portName, this.protocol, this.address));
  }
}

/** The endpoints of one Service port across its slices, deduplicated and sorted by address. */
export function portEndpoints(svc: Service, port: ServicePort, slices: readonly KObject[]): ProxyEndpoint[] {
  const name = servicePortName(svc, port);
  const protocol = (port.protocol ?? "TCP") as Protocol;
  const byAddress = new Map<string, ProxyEndpoint>();
  for (const s of slices as SliceLike[]) {
    if (s.addressType !== "IPv4") continue;
    const sp = (s.ports ?? []).find((p) => (p.name ?? "") === (port.name ?? "") && (p.protocol ?? "TCP") === protocol);
    if (!sp || typeof sp.port !== "number") continue;
    for (const ep of s.endpoints ?? []) {
      const ip = ep.addresses?.[0];
      if (!ip) continue;
      const address = `${ip}:${sp.port}`;
      if (byAddress.has(address)) continue;
      // A nil condition means ready (and serving as ready says), as the API documents.
      const ready = ep.conditions?.ready ?? true;
      const ref = ep.targetRef;
      const pod = ref?.kind === "Pod" && ref.name ? { namespace: ref.namespace ?? svc.metadata.namespace!, name: ref.name } : null;
      byAddress.set(address, new Endpoint(name, protocol, ip, sp.port, address, ready === true, (ep.conditions?.serving ?? ready) === true, ep.conditions?.terminating === true, ep.nodeName ?? null, pod));
    }
  }
  return [...byAddress.values()].sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------
// One Service port's rules on one node

/** What kube-proxy programs for one Service port on one node (pkg/proxy CategorizeEndpoints and syncProxyRules). */
export interface ServiceRules {
  service: Service;
  port: ServicePort;
  /** "ns/name:port". */
  name: string;
  protocol: Protocol;
  chains: ServiceChains;
  clusterIP: string;
  nodePort: number;
  externalIPs: string[];
  loadBalancerIPs: string[];
  sourceRanges: string[];
  internalLocal: boolean;
  externalLocal: boolean;
  externallyAccessible: boolean;
  /** sessionAffinity ClientIP: stickiness in seconds; null without affinity. */
  affinitySeconds: number | null;
  /** Endpoints for Cluster policy (ready ones, else serving-and-terminating ones). */
  clusterEndpoints: ProxyEndpoint[];
  /** This node's endpoints for Local policy. */
  localEndpoints: ProxyEndpoint[];
  /** Any usable endpoint anywhere: without one, every address of the port is REJECTed. */
  hasEndpoints: boolean;
  /** ClusterIP traffic has somewhere to go (false: REJECT without endpoints, DROP without local ones). */
  hasInternalEndpoints: boolean;
  hasExternalEndpoints: boolean;
  /** The chain ClusterIP traffic jumps to (KUBE-SVC or KUBE-SVL). */
  internalChain: string;
  /** The chain KUBE-EXT falls through to for traffic from outside (KUBE-SVC or KUBE-SVL). */
  externalPolicyChain: string;
  usesClusterChain: boolean;
  usesLocalChain: boolean;
  usesExternalChain: boolean;
  usesFirewallChain: boolean;
  /** Endpoints with a KUBE-SEP chain on this node. */
  reachable: ProxyEndpoint[];
}

/** The endpoints that take traffic: the ready ones; with none ready anywhere, terminating ones still serving (KEP-1669). */
export function usableEndpoints(endpoints: ProxyEndpoint[]): ProxyEndpoint[] {
  const ready = endpoints.filter((e) => e.ready);
  return ready.length ? ready : endpoints.filter((e) => e.serving && e.terminating);
}

/** Whether kube-proxy proxies a Service at all: it needs a cluster IP (not headless, not ExternalName). */
export function isProxied(svc: Service): boolean {
  const ip = svc.spec?.clusterIP;
  return !!ip && ip !== "None" && svc.spec?.type !== "ExternalName";
}

export function serviceRules(svc: Service, port: ServicePort, endpoints: ProxyEndpoint[], node: string | null): ServiceRules {
  const spec = svc.spec!;
  const name = servicePortName(svc, port);
  const protocol = (port.protocol ?? "TCP") as Protocol;
  const chains = serviceChains(name, protocol);
  const type = spec.type ?? "ClusterIP";
  const nodePort = (type === "NodePort" || type === "LoadBalancer") && port.nodePort ? port.nodePort : 0;
  const externalIPs = spec.externalIPs ?? [];
  // A load balancer address of ipMode Proxy is not captured on the nodes (KEP-1860).
  const loadBalancerIPs = type === "LoadBalancer" ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip && i.ipMode !== "Proxy").map((i) => i.ip!) : [];
  const sourceRanges = type === "LoadBalancer" ? spec.loadBalancerSourceRanges ?? [] : [];
  const externallyAccessible = nodePort !== 0 || externalIPs.length > 0 || loadBalancerIPs.length > 0;
  const internalLocal = spec.internalTrafficPolicy === "Local";
  const externalLocal = externallyAccessible && spec.externalTrafficPolicy === "Local";
  const usesClusterEndpoints = !internalLocal || externallyAccessible;
  const usesLocalEndpoints = internalLocal || externalLocal;

  let clusterEndpoints: ProxyEndpoint[] = [];
  let hasEndpoints = false;
  if (usesClusterEndpoints) {
    clusterEndpoints = usableEndpoints(endpoints);
    hasEndpoints = clusterEndpoints.length > 0;
  }
  let localEndpoints: ProxyEndpoint[] = [];
  if (usesLocalEndpoints) {
    if (endpoints.some((e) => e.ready || (e.serving && e.terminating))) hasEndpoints = true;
    const local = endpoints.filter((e) => node !== null && e.node === node);
    localEndpoints = local.filter((e) => e.ready);
    if (!localEndpoints.length) localEndpoints = local.filter((e) => e.serving && e.terminating);
  }
  const reachable = !usesLocalEndpoints ? clusterEndpoints : !usesClusterEndpoints ? localEndpoints : [...new Map([...clusterEndpoints, ...localEndpoints].map((e) => [e.address, e])).values()];

  const hasInternalEndpoints = hasEndpoints && (!internalLocal || localEndpoints.length > 0);
  const hasExternalEndpoints = hasEndpoints && (!externalLocal || localEndpoints.length > 0);
  const affinity = spec.sessionAffinity === "ClientIP";
  return {
    service: svc,
    port,
    name,
    protocol,
    chains,
    clusterIP: spec.clusterIP!,
    nodePort,
    externalIPs,
    loadBalancerIPs,
    sourceRanges,
    internalLocal,
    externalLocal,
    externallyAccessible,
    affinitySeconds: affinity ? spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800 : null,
    clusterEndpoints,
    localEndpoints,
    hasEndpoints,
    hasInternalEndpoints,
    hasExternalEndpoints,
    internalChain: internalLocal ? chains.local : chains.cluster,
    externalPolicyChain: externalLocal ? chains.local : chains.cluster,
    usesClusterChain: clusterEndpoints.length > 0 && usesClusterEndpoints,
    usesLocalChain: localEndpoints.length > 0 && usesLocalEndpoints,
    usesExternalChain: hasEndpoints && externallyAccessible,
    usesFirewallChain: hasEndpoints && loadBalancerIPs.length > 0 && sourceRanges.length > 0,
    reachable,
  };
}

// ---------------------------------------------------------------------------------------------
// The decision for one connection

/** How a packet reached the Service's address, which the rules treat differently. */
export type ServiceAddressKind = "cluster IP" | "external IP" | "loadbalancer IP" | "node port";

export interface ServiceAddressQuery {
  /** The destination address and port. */
  ip: string;
  port: number;
  protocol?: Protocol;
  /**
   * The node whose rules see the packet first: the source pod's node, or the node itself for a
   * node or host-network source; null or absent for traffic from outside the cluster. A node port
   * is judged on the node that owns the destination address (the packet is routed there first).
   */
  node?: string | null;
  /** The source address: it keys sessionAffinity ClientIP and loadBalancerSourceRanges. */
  clientIP?: string;
  /**
   * What the source is, which the rules tell apart by its address: a pod (in the pod subnet), the
   * node itself or a host-network pod (--src-type LOCAL), or outside. Inferred from clientIP when absent.
   */
  origin?: "pod" | "node" | "external";
  /** A uniform random number in [0, 1) (tests pass their own). */
  random?: () => number;
}

interface DecisionBase {
  service: Service;
  servicePort: ServicePort;
  /** "ns/name:port", as kube-proxy's comments name it. */
  servicePortName: string;
  via: ServiceAddressKind;
  /** The node whose rules decided. */
  node: string | null;
  /** The chains the packet went through, in order ("KUBE-SERVICES", "KUBE-SVC-…", "KUBE-SEP-…"). */
  chains: string[];
  /** The same steps in words, for a learner's trail ("KUBE-SVC-… -> KUBE-SEP-… (1 of 3)"). */
  trail: string[];
}

/**
 * What kube-proxy's rules did with a packet to a Service address:
 * - "dnat": sent to `target`, one of `candidates` (chosen as the --probability cascade chooses, or
 *   sticky by source address under sessionAffinity ClientIP); `masquerade` says whether KUBE-MARK-MASQ
 *   marked it (the pod then sees the forwarding node's address as the source);
 * - "reject": the Service has no usable endpoints; kube-proxy REJECTs with icmp-port-unreachable,
 *   which a client reports as "Connection refused" (a node port without kube-proxy: nothing listens);
 * - "drop": nothing takes it (Local traffic policy without a local endpoint, a source outside
 *   loadBalancerSourceRanges, a cluster IP from outside or without kube-proxy): the client times out.
 */
export type ProxyDecision =
  | (DecisionBase & { verdict: "dnat"; target: Target; candidates: Target[]; masquerade: boolean })
  | (DecisionBase & { verdict: "reject" | "drop"; message: string });

function targetOf(e: ProxyEndpoint): Target {
  return { ip: e.ip, port: e.port, ready: e.ready, ...(e.pod ? { pod: e.pod } : {}), ...(e.node ? { node: e.node } : {}) };
}

/** Where kube-proxy finds a Service address: the Service and port, and how the packet reached it. */
function findServicePort(view: NetworkView, ip: string, port: number, protocol: Protocol, local: boolean): { svc: Service; port: ServicePort; via: ServiceAddressKind } | null {
  const matches = (svc: Service, pick: (sp: ServicePort) => boolean) => (svc.spec?.ports ?? []).find((sp) => (sp.protocol ?? "TCP") === protocol && pick(sp));
  const byIP = view.serviceByIP(ip);
  // Several Services may share an external IP on different ports: look further only when the first has no such port.
  const owners = function* () {
    if (!byIP) return;
    yield byIP;
    for (const svc of view.services()) if (svc !== byIP) yield svc;
  };
  for (const svc of owners()) {
    if (!isProxied(svc)) continue;
    const spec = svc.spec!;
    const lb = spec.type === "LoadBalancer" ? (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ipMode !== "Proxy").map((i) => i.ip) : [];
    const via: ServiceAddressKind | null = spec.clusterIP === ip ? "cluster IP" : (spec.externalIPs ?? []).includes(ip) ? "external IP" : lb.includes(ip) ? "loadbalancer IP" : null;
    if (!via) continue;
    const sp = matches(svc, (p) => p.port === port);
    if (sp) return { svc, port: sp, via };
  }
  // A node port answers on any address local to the node (KUBE-NODEPORTS after --dst-type LOCAL).
  if (local)
    for (const svc of view.services()) {
      if (!isProxied(svc) || (svc.spec?.type !== "NodePort" && svc.spec?.type !== "LoadBalancer")) continue;
      const sp = matches(svc, (p) => p.nodePort === port);
      if (sp) return { svc, port: sp, via: "node port" };
    }
  return null;
}

function nodeAddresses(view: NetworkView, node: string): string[] {
  return (view.node(node)?.status?.addresses ?? []).filter((a) => a.type === "InternalIP" || a.type === "ExternalIP").map((a) => a.address);
}

/** Endpoints per slice list (a view hands back the same list for a Service): repeated decisions in one view parse them once. */
const endpointCache = new WeakMap<readonly KObject[], Map<string, ProxyEndpoint[]>>();
function cachedEndpoints(svc: Service, port: ServicePort, slices: readonly KObject[]): ProxyEndpoint[] {
  let byPort = endpointCache.get(slices);
  if (!byPort) endpointCache.set(slices, (byPort = new Map()));
  const key = `${svc.metadata.uid ?? ""}/${port.name ?? ""}/${port.protocol ?? "TCP"}`;
  let eps = byPort.get(key);
  if (!eps) byPort.set(key, (eps = portEndpoints(svc, port, slices)));
  return eps;
}

/** Picks among endpoints as the rules do: sticky by client address with affinity, else the 1/n, 1/(n-1), … cascade. */
function choose(endpoints: ProxyEndpoint[], affinity: number | null, clientIP: string | undefined, random: () => number): { endpoint: ProxyEndpoint; why: string } {
  const n = endpoints.length;
  // Stickiness without state: one client address always lands on the same endpoint while the set
  // is unchanged, which is what the "recent" match gives within its timeout.
  if (affinity !== null && clientIP) return { endpoint: endpoints[parseInt(base32.encode(sha256(utf8(clientIP))).slice(0, 6), 36) % n], why: `sessionAffinity ClientIP, sticky for ${clientIP}` };
  for (let i = 0; i < n - 1; i++) if (random() < 1 / (n - i)) return { endpoint: endpoints[i], why: `${i + 1} of ${n}, --probability ${savedProbability(n - i)}` };
  return { endpoint: endpoints[n - 1], why: n === 1 ? "the only endpoint" : `${n} of ${n}, the last rule` };
}

/**
 * kube-proxy's decision for a packet to `ip:port` (ClusterIP, externalIP, load-balancer IP, or a
 * node's address and NodePort), as the iptables rules `iptablesSave` prints would make it; null
 * when that is no Service address for the rules (a pod IP, a host port, an unknown address): the
 * caller routes the packet on. traffic.ts calls this for every connection before pod IPs.
 */
export function serviceTargets(view: NetworkView, q: ServiceAddressQuery): ProxyDecision | null {
  const protocol = q.protocol ?? "TCP";
  const owner = view.nodeByIP(q.ip)?.metadata.name;
  const fromNode = q.node ?? null;
  const loopback = q.ip.startsWith("127.") && fromNode !== null;
  const found = findServicePort(view, q.ip, q.port, protocol, !!owner || loopback);
  if (!found) return null;
  const { svc, port, via } = found;
  const name = servicePortName(svc, port);
  const source = q.origin ?? (q.clientIP && inPodSubnet(view, q.clientIP) ? "pod" : q.clientIP ? (view.nodeByIP(q.clientIP) || q.clientIP.startsWith("127.") ? "node" : "external") : fromNode ? "pod" : "external");
  // The node that owns a node port's address decides it; a Service IP is decided where the packet starts.
  let node: string | null = via === "node port" ? owner ?? fromNode : fromNode;
  const base = (chains: string[], trail: string[]) => ({ service: svc, servicePort: port, servicePortName: name, via, node, chains, trail });
  const dest = `${q.ip}:${q.port}/${protocol}`;

  if (!view.kubeProxy) {
    return via === "node port"
      ? { ...base([], [`no kube-proxy: nothing listens on node port ${q.port}`]), verdict: "reject", message: `nothing listens on node port ${q.port}: kube-proxy is not running (kubeProxyMode: none)` }
      : { ...base([], [`no kube-proxy: nothing translates ${dest}`]), verdict: "drop", message: `no route to ${q.ip}: kube-proxy is not running (kubeProxyMode: none), so nothing translates Service addresses` };
  }

  const endpoints = cachedEndpoints(svc, port, view.slices(svc.metadata.namespace!, svc.metadata.name!));
  // A load balancer sends outside traffic to a node with a local endpoint under Local policy (its health check says which), else to any node.
  if (node === null && (via === "loadbalancer IP" || via === "external IP")) {
    const preferred = svc.spec?.externalTrafficPolicy === "Local" ? endpoints.find((e) => e.ready && e.node)?.node : undefined;
    node = preferred ?? view.nodes()[0]?.metadata.name ?? null;
  }
  const rules = serviceRules(svc, port, endpoints, node);
  const random = q.random ?? Math.random;
  const at = node ? ` on ${node}` : "";
  const dnat = (chains: string[], trail: string[], pool: ProxyEndpoint[], chain: string, masq: boolean): ProxyDecision => {
    const { endpoint, why } = choose(pool, rules.affinitySeconds, q.clientIP, random);
    // An endpoint reaching itself through its Service is masqueraded by its KUBE-SEP chain (hairpin).
    const masquerade = masq || q.clientIP === endpoint.ip;
    return {
      ...base([...chains, chain, endpoint.chain], [...trail, `${chain} -> ${endpoint.chain} (${why})`, `${endpoint.chain}: DNAT to ${endpoint.address}${masquerade ? ", marked for masquerade" : ""}`]),
      verdict: "dnat",
      target: targetOf(endpoint),
      candidates: pool.map(targetOf),
      masquerade,
    };
  };

  if (via === "cluster IP") {
    if (node === null) return { ...base([], [`${dest}: cluster IPs are not routed outside the cluster`]), verdict: "drop", message: `no route to ${q.ip}: cluster IPs are reachable only from inside the cluster` };
    if (!rules.hasEndpoints) return { ...base(["KUBE-SERVICES"], [`KUBE-SERVICES (filter)${at}: "${name} has no endpoints" -> REJECT`]), verdict: "reject", message: `${name} has no endpoints` };
    if (!rules.hasInternalEndpoints) return { ...base(["KUBE-SERVICES"], [`KUBE-SERVICES (filter)${at}: "${name} has no local endpoints" -> DROP`]), verdict: "drop", message: `${name} has no local endpoints (internalTrafficPolicy: Local) on node ${node}` };
    const pool = rules.internalLocal ? rules.localEndpoints : rules.clusterEndpoints;
    return dnat(["KUBE-SERVICES"], [`KUBE-SERVICES${at}: "${name} cluster IP" ${dest} -> ${rules.internalChain}`], pool, rules.internalChain, source !== "pod");
  }

  const entry = via === "node port" ? ["KUBE-SERVICES", "KUBE-NODEPORTS"] : ["KUBE-SERVICES"];
  const entryTrail = via === "node port" ? [`KUBE-SERVICES${at}: ${dest} is local -> KUBE-NODEPORTS`, `KUBE-NODEPORTS: "${name}" -> ${rules.chains.external}`] : [`KUBE-SERVICES${at}: "${name} ${via}" ${dest} -> ${rules.usesFirewallChain && via === "loadbalancer IP" ? rules.chains.firewall : rules.chains.external}`];
  if (!rules.hasEndpoints) return { ...base(entry, [`KUBE-EXTERNAL-SERVICES (filter)${at}: "${name} has no endpoints" -> REJECT`]), verdict: "reject", message: `${name} has no endpoints` };
  const chains = [...entry];
  const trail = [...entryTrail];
  if (via === "loadbalancer IP" && rules.usesFirewallChain) {
    chains.push(rules.chains.firewall);
    const allowed = !!q.clientIP && rules.sourceRanges.some((r) => {
      const p = parseIpPrefix(r);
      return p ? prefixContains(p, q.clientIP!) : false;
    });
    if (!allowed) return { ...base(chains, [...trail, `${rules.chains.firewall}: ${q.clientIP ?? "source"} not in loadBalancerSourceRanges -> KUBE-PROXY-FIREWALL DROP`]), verdict: "drop", message: `${name}: ${q.clientIP ?? "the client"} is not in loadBalancerSourceRanges` };
    trail.push(`${rules.chains.firewall}: ${q.clientIP} in loadBalancerSourceRanges -> ${rules.chains.external}`);
  }
  chains.push(rules.chains.external);
  // KUBE-EXT under Local policy: pods and the node itself short-circuit to the cluster-wide chain.
  const shortCircuit = rules.externalLocal && source !== "external";
  if (!shortCircuit && !rules.hasExternalEndpoints)
    return { ...base(chains, [...trail, `${rules.chains.external}: no local endpoint${at} -> KUBE-EXTERNAL-SERVICES (filter) DROP`]), verdict: "drop", message: `${name} has no local endpoints (externalTrafficPolicy: Local) on node ${node}` };
  const pool = shortCircuit || !rules.externalLocal ? rules.clusterEndpoints : rules.localEndpoints;
  const chain = shortCircuit ? rules.chains.cluster : rules.externalPolicyChain;
  // Cluster policy masquerades all external-destination traffic; Local keeps the source, except the node's own.
  const masq = !rules.externalLocal || source === "node";
  trail.push(`${rules.chains.external} -> ${chain}${shortCircuit ? ` (${source} traffic skips externalTrafficPolicy Local)` : masq ? " (marked for masquerade)" : ""}`);
  return dnat(chains, trail, pool, chain, masq);
}

function inPodSubnet(view: NetworkView, ip: string): boolean {
  const c = parseCidr(view.podSubnet);
  return !!c && cidrContains(c, ip);
}

/**
 * The endpoints traffic to a Service from inside the cluster is spread over (Cluster policy), for
 * callers that look at the set rather than follow one connection.
 */
export function serviceBackends(view: NetworkView, svc: Service): Target[] {
  if (!isProxied(svc) || !view.kubeProxy) return [];
  const slices = view.slices(svc.metadata.namespace!, svc.metadata.name!);
  const seen = new Map<string, Target>();
  for (const port of svc.spec?.ports ?? []) for (const e of usableEndpoints(cachedEndpoints(svc, port, slices))) seen.set(e.ip, targetOf(e));
  return [...seen.values()];
}

// ---------------------------------------------------------------------------------------------
// iptables-save

/** A probability as iptables-save prints it: the kernel keeps 2^31 * p as an integer, printed with 11 decimals. */
export function savedProbability(n: number): string {
  const stored = Math.round(0x80000000 * Number((1 / n).toFixed(10)));
  return (stored / 0x80000000).toFixed(11);
}

class Table {
  private readonly rules = new Map<string, string[]>();
  constructor(
    readonly name: string,
    private readonly builtins: string[],
  ) {
    for (const b of builtins) this.rules.set(b, []);
  }
  chain(name: string): void {
    if (!this.rules.has(name)) this.rules.set(name, []);
  }
  add(chain: string, rule: string): void {
    this.chain(chain);
    this.rules.get(chain)!.push(`-A ${chain} ${rule}`);
  }
  text(): string {
    const user = [...this.rules.keys()].filter((c) => !this.builtins.includes(c)).sort();
    const lines = [`*${this.name}`];
    for (const b of this.builtins) lines.push(`:${b} ACCEPT [0:0]`);
    for (const c of user) lines.push(`:${c} - [0:0]`);
    for (const c of [...this.builtins, ...user]) lines.push(...this.rules.get(c)!);
    lines.push("COMMIT");
    return lines.join("\n");
  }
}

const q = (s: string) => `"${s.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
const comment = (s: string) => `-m comment --comment ${q(s)}`;

/** Every Service's EndpointSlices, read in one pass and grouped by the service-name label. */
function slicesByService(view: NetworkView): Map<string, KObject[]> {
  const out = new Map<string, KObject[]>();
  for (const s of view.list<KObject>(storageOf(endpointSlices))) {
    const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!svc) continue;
    const key = `${s.metadata.namespace}/${svc}`;
    if (!out.has(key)) out.set(key, []);
    out.get(key)!.push(s);
  }
  return out;
}

/** ctime(3) as iptables-save writes it ("Thu Dec  3 12:19:49 2026"), in UTC (kind's nodes). */
function ctime(ms: number): string {
  const d = new Date(ms);
  const days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const two = (n: number) => String(n).padStart(2, "0");
  return `${days[d.getUTCDay()]} ${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, " ")} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} ${d.getUTCFullYear()}`;
}

/** The rules of every proxied Service port on a node, sorted by Service port name. */
export function nodeServiceRules(view: NetworkView, node: string): ServiceRules[] {
  const slices = slicesByService(view);
  const out: ServiceRules[] = [];
  for (const svc of view.services()) {
    if (!isProxied(svc)) continue;
    const own = slices.get(`${svc.metadata.namespace}/${svc.metadata.name}`) ?? [];
    for (const port of svc.spec?.ports ?? []) out.push(serviceRules(svc, port, portEndpoints(svc, port, own), node));
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.protocol < b.protocol ? -1 : 1));
}

/**
 * What `iptables-save` prints on a node (mangle, filter and nat tables) with kube-proxy in iptables
 * mode and the kubelet's own chains. Only kube-proxy's and the kubelet's rules are shown (not the
 * CNI's or the container runtime's). With kubeProxyMode none there are no KUBE- rules but the
 * kubelet's; in nftables mode kube-proxy's rules live in nftables, which iptables-save does not
 * show; ipvs mode's ipset-based rules are not drawn (the same kubelet-only tables are printed).
 */
export function iptablesSave(view: NetworkView, node: string, mode: "iptables" | "ipvs" | "nftables" | "none" = view.kubeProxy ? "iptables" : "none"): string {
  const mangle = new Table("mangle", ["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
  const filter = new Table("filter", ["INPUT", "FORWARD", "OUTPUT"]);
  const nat = new Table("nat", ["PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"]);

  // The kubelet's chains (its canaries, the iptables hint, and its localnet firewall).
  for (const c of ["KUBE-IPTABLES-HINT", "KUBE-KUBELET-CANARY"]) mangle.chain(c);
  filter.chain("KUBE-KUBELET-CANARY");
  nat.chain("KUBE-KUBELET-CANARY");
  const kubeletFirewall = () => {
    filter.add("KUBE-FIREWALL", `! -s 127.0.0.0/8 -d 127.0.0.0/8 ${comment("block incoming localnet connections")} -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  };
  if (!view.kubeProxy || mode !== "iptables") {
    filter.add("INPUT", "-j KUBE-FIREWALL");
    filter.add("OUTPUT", "-j KUBE-FIREWALL");
    kubeletFirewall();
    return render(view, [mangle, filter, nat]);
  }

  for (const t of [mangle, filter, nat]) t.chain("KUBE-PROXY-CANARY");
  // kube-proxy prepends its jumps after the kubelet's, so they read in reverse of the order it makes them.
  const newConn = "-m conntrack --ctstate NEW";
  filter.add("INPUT", `${newConn} ${comment("kubernetes load balancer firewall")} -j KUBE-PROXY-FIREWALL`);
  filter.add("INPUT", `${comment("kubernetes health check service ports")} -j KUBE-NODEPORTS`);
  filter.add("INPUT", `${newConn} ${comment("kubernetes externally-visible service portals")} -j KUBE-EXTERNAL-SERVICES`);
  filter.add("INPUT", "-j KUBE-FIREWALL");
  filter.add("FORWARD", `${newConn} ${comment("kubernetes load balancer firewall")} -j KUBE-PROXY-FIREWALL`);
  filter.add("FORWARD", `${comment("kubernetes forwarding rules")} -j KUBE-FORWARD`);
  filter.add("FORWARD", `${newConn} ${comment("kubernetes service portals")} -j KUBE-SERVICES`);
  filter.add("FORWARD", `${newConn} ${comment("kubernetes externally-visible service portals")} -j KUBE-EXTERNAL-SERVICES`);
  filter.add("OUTPUT", `${newConn} ${comment("kubernetes load balancer firewall")} -j KUBE-PROXY-FIREWALL`);
  filter.add("OUTPUT", `${newConn} ${comment("kubernetes service portals")} -j KUBE-SERVICES`);
  filter.add("OUTPUT", "-j KUBE-FIREWALL");
  for (const c of ["KUBE-SERVICES", "KUBE-EXTERNAL-SERVICES", "KUBE-FORWARD", "KUBE-NODEPORTS", "KUBE-PROXY-FIREWALL"]) filter.chain(c);
  kubeletFirewall();

  nat.add("PREROUTING", `${comment("kubernetes service portals")} -j KUBE-SERVICES`);
  nat.add("OUTPUT", `${comment("kubernetes service portals")} -j KUBE-SERVICES`);
  nat.add("POSTROUTING", `${comment("kubernetes postrouting rules")} -j KUBE-POSTROUTING`);
  nat.add("KUBE-MARK-MASQ", `-j MARK --set-xmark ${MASQ_MARK}/${MASQ_MARK}`);
  nat.add("KUBE-POSTROUTING", `-m mark ! --mark ${MASQ_MARK}/${MASQ_MARK} -j RETURN`);
  nat.add("KUBE-POSTROUTING", `-j MARK --set-xmark ${MASQ_MARK}/0x0`);
  nat.add("KUBE-POSTROUTING", `${comment("kubernetes service traffic requiring SNAT")} -j MASQUERADE --random-fully`);
  for (const c of ["KUBE-SERVICES", "KUBE-NODEPORTS"]) nat.chain(c);

  const all = nodeServiceRules(view, node);
  const total = all.reduce((n, r) => n + r.clusterEndpoints.length + r.localEndpoints.length, 0);
  const large = total > LARGE_CLUSTER_ENDPOINTS;
  const addresses = nodeAddresses(view, node);
  for (const r of all) writeService(r, filter, nat, view.podSubnet, large, addresses);

  nat.add("KUBE-SERVICES", `${comment("kubernetes service nodeports; NOTE: this must be the last rule in this chain")} -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS`);
  filter.add("KUBE-FORWARD", "-m conntrack --ctstate INVALID -j DROP");
  filter.add("KUBE-FORWARD", `${comment("kubernetes forwarding rules")} -m mark --mark ${MASQ_MARK}/${MASQ_MARK} -j ACCEPT`);
  filter.add("KUBE-FORWARD", `${comment("kubernetes forwarding conntrack rule")} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
  return render(view, [mangle, filter, nat]);
}

function render(view: NetworkView, tables: Table[]): string {
  const when = ctime(view.now);
  return tables.map((t) => `# Generated by iptables-save v1.8.9 (nf_tables) on ${when}\n${t.text()}\n# Completed on ${when}`).join("\n") + "\n";
}

/** One Service port's rules, in the order kube-proxy writes them. */
function writeService(r: ServiceRules, filter: Table, nat: Table, podSubnet: string, large: boolean, nodeIPs: string[]): void {
  const p = r.protocol.toLowerCase();
  const dst = (ip: string, port: number) => `-d ${ip}/32 -p ${p}`;
  const dport = (port: number) => `-m ${p} --dport ${port}`;
  const reject = "-j REJECT --reject-with icmp-port-unreachable";
  const noEndpoints = `${r.name} has no endpoints`;
  const noLocal = `${r.name} has no local endpoints`;
  const externalFilter = r.hasEndpoints ? { comment: noLocal, target: "-j DROP" } : { comment: noEndpoints, target: reject };

  // Cluster IP.
  if (r.hasInternalEndpoints) nat.add("KUBE-SERVICES", `${dst(r.clusterIP, r.port.port)} ${comment(`${r.name} cluster IP`)} ${dport(r.port.port)} -j ${r.internalChain}`);
  else filter.add("KUBE-SERVICES", `${dst(r.clusterIP, r.port.port)} ${comment(r.hasEndpoints ? noLocal : noEndpoints)} ${dport(r.port.port)} ${r.hasEndpoints ? "-j DROP" : reject}`);
  // External IPs.
  for (const ip of r.externalIPs) {
    if (r.hasEndpoints) nat.add("KUBE-SERVICES", `${dst(ip, r.port.port)} ${comment(`${r.name} external IP`)} ${dport(r.port.port)} -j ${r.chains.external}`);
    if (!r.hasExternalEndpoints) filter.add("KUBE-EXTERNAL-SERVICES", `${dst(ip, r.port.port)} ${comment(externalFilter.comment)} ${dport(r.port.port)} ${externalFilter.target}`);
  }
  // Load-balancer IPs.
  for (const ip of r.loadBalancerIPs) {
    if (r.hasEndpoints) nat.add("KUBE-SERVICES", `${dst(ip, r.port.port)} ${comment(`${r.name} loadbalancer IP`)} ${dport(r.port.port)} -j ${r.usesFirewallChain ? r.chains.firewall : r.chains.external}`);
    if (r.usesFirewallChain) filter.add("KUBE-PROXY-FIREWALL", `${dst(ip, r.port.port)} ${comment(`${r.name} traffic not accepted by ${r.chains.firewall}`)} ${dport(r.port.port)} -j DROP`);
  }
  if (!r.hasExternalEndpoints)
    for (const ip of r.loadBalancerIPs) filter.add("KUBE-EXTERNAL-SERVICES", `${dst(ip, r.port.port)} ${comment(externalFilter.comment)} ${dport(r.port.port)} ${externalFilter.target}`);
  // Node port.
  if (r.nodePort) {
    if (r.hasEndpoints) nat.add("KUBE-NODEPORTS", `-p ${p} ${comment(r.name)} ${dport(r.nodePort)} -j ${r.chains.external}`);
    if (!r.hasExternalEndpoints) filter.add("KUBE-EXTERNAL-SERVICES", `-p ${p} ${comment(externalFilter.comment)} -m addrtype --dst-type LOCAL ${dport(r.nodePort)} ${externalFilter.target}`);
  }
  const hc = r.service.spec?.healthCheckNodePort;
  if (hc && r.externalLocal) filter.add("KUBE-NODEPORTS", `-p tcp ${comment(`${r.name} health check node port`)} -m tcp --dport ${hc} -j ACCEPT`);

  // Masquerade off-cluster traffic to the cluster IP.
  if (r.hasInternalEndpoints) nat.add(r.internalChain, `! -s ${podSubnet} ${dst(r.clusterIP, r.port.port)} ${comment(`${r.name} cluster IP`)} ${dport(r.port.port)} -j KUBE-MARK-MASQ`);

  if (r.usesExternalChain) {
    const ext = r.chains.external;
    nat.chain(ext);
    if (!r.externalLocal) nat.add(ext, `${comment(`masquerade traffic for ${r.name} external destinations`)} -j KUBE-MARK-MASQ`);
    else {
      nat.add(ext, `-s ${podSubnet} ${comment(`pod traffic for ${r.name} external destinations`)} -j ${r.chains.cluster}`);
      nat.add(ext, `${comment(`masquerade LOCAL traffic for ${r.name} external destinations`)} -m addrtype --src-type LOCAL -j KUBE-MARK-MASQ`);
      nat.add(ext, `${comment(`route LOCAL traffic for ${r.name} external destinations`)} -m addrtype --src-type LOCAL -j ${r.chains.cluster}`);
    }
    if (r.hasExternalEndpoints) nat.add(ext, `-j ${r.externalPolicyChain}`);
  }

  if (r.usesFirewallChain) {
    const fw = r.chains.firewall;
    let fromNode = false;
    for (const range of r.sourceRanges) {
      nat.add(fw, `-s ${range} ${comment(`${r.name} loadbalancer IP`)} -j ${r.chains.external}`);
      const prefix = parseIpPrefix(range);
      if (prefix && nodeIPs.some((ip) => prefixContains(prefix, ip))) fromNode = true;
    }
    if (fromNode) for (const ip of r.loadBalancerIPs) nat.add(fw, `-s ${ip}/32 ${comment(`${r.name} loadbalancer IP`)} -j ${r.chains.external}`);
    nat.add(fw, comment(`other traffic to ${r.name} will be dropped by KUBE-PROXY-FIREWALL`));
  }

  if (r.usesClusterChain) writeEndpointJumps(nat, r, r.chains.cluster, r.clusterEndpoints, large);
  if (r.usesLocalChain) writeEndpointJumps(nat, r, r.chains.local, r.localEndpoints, large);

  for (const e of r.reachable) {
    const c = large ? "" : ` ${comment(r.name)}`;
    nat.add(e.chain, `-s ${e.ip}/32${c} -j KUBE-MARK-MASQ`);
    const recent = r.affinitySeconds !== null ? ` -m recent --set --name ${e.chain} --mask 255.255.255.255 --rsource` : "";
    nat.add(e.chain, `-p ${p}${c}${recent} -m ${p} -j DNAT --to-destination ${e.address}`);
  }
}

function writeEndpointJumps(nat: Table, r: ServiceRules, chain: string, endpoints: ProxyEndpoint[], large: boolean): void {
  nat.chain(chain);
  const c = (e: ProxyEndpoint) => (large ? "" : ` ${comment(`${r.name} -> ${e.address}`)}`);
  if (r.affinitySeconds !== null)
    for (const e of endpoints) nat.add(chain, `${c(e).trim()} -m recent --rcheck --seconds ${r.affinitySeconds} --reap --name ${e.chain} --mask 255.255.255.255 --rsource -j ${e.chain}`.trim());
  endpoints.forEach((e, i) => {
    const stat = i < endpoints.length - 1 ? ` -m statistic --mode random --probability ${savedProbability(endpoints.length - i)}` : "";
    nat.add(chain, `${c(e)}${stat} -j ${e.chain}`.trim());
  });
}
