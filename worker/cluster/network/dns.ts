// Cluster DNS as a kind cluster has it. CoreDNS serves the Corefile kubeadm writes:
//
//   kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 }
//   forward . /etc/resolv.conf
//
// so cluster names are answered from Services, EndpointSlices and namespaces, and everything else
// goes to the node's resolver: Docker's DNS on the kind network, which knows the node containers'
// names. The simulation has no internet behind that: any other name is SERVFAIL ("no upstream"),
// and a reverse name nobody owns is NXDOMAIN.
//
// A pod's resolver follows the resolv.conf the kubelet writes for its dnsPolicy and dnsConfig, and
// walks the search list as glibc does (ndots). The query reaches CoreDNS through the kube-dns
// Service, decided by kube-proxy's rules (kubeProxy.ts): no running CoreDNS, no answer.
import { nthAddress, parseCidr } from "../machinery/cidr";
import type { KObject } from "../resources/define";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import { serviceTargets, type SliceLike } from "./kubeProxy";
import { policyVerdict } from "./policy";
import { CLUSTER_DOMAIN, type NetworkView, type Source } from "./types";
import { SERVICE_NAME_LABEL, SLICE_STORAGE } from "./view";

export const RECORD_TYPES = ["A", "AAAA", "CNAME", "SRV", "PTR", "TXT", "NS", "SOA"] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export interface DnsRecord {
  /** Owner name, fully qualified with the trailing dot. */
  name: string;
  type: RecordType;
  ttl: number;
  /** As dig prints it: "10.96.12.7", "0 100 80 web.default.svc.cluster.local.", "web.default.svc.cluster.local.". */
  data: string;
}

export type DnsStatus = "NOERROR" | "NXDOMAIN" | "SERVFAIL" | "TIMEOUT";

export interface DnsResult {
  /** NOERROR (with or without answers), NXDOMAIN, SERVFAIL, or TIMEOUT when no name server answered. */
  status: DnsStatus;
  /** The name as asked. */
  name: string;
  type: RecordType;
  /** The name server asked (the first of resolv.conf that answered, or the first tried). */
  server: string | null;
  /** Each fully qualified name queried, in order. */
  tried: string[];
  /** The name whose answer is returned (the last tried). */
  answered: string | null;
  answers: DnsRecord[];
  /** Extra records (the A records of SRV targets), as CoreDNS adds them. */
  additional: DnsRecord[];
  /** What a client prints when it got nothing, e.g. ";; connection timed out; no servers could be reached". */
  message?: string;
}

const TTL = 30;
/** Docker's embedded DNS TTL for container names. */
const DOCKER_TTL = 600;
/** kind's node resolver: Docker's embedded DNS, reached at the kind network's gateway. */
export const NODE_RESOLVER = "172.18.0.1";
const NODE_RESOLV_OPTIONS = ["edns0", "trust-ad", "ndots:0"];
const MAX_NAMESERVERS = 3;
const MAX_SEARCHES = 32;
const MAX_SEARCH_CHARS = 2048;
export const TIMEOUT_MESSAGE = ";; connection timed out; no servers could be reached";

// ---------------------------------------------------------------------------------------------
// resolv.conf

export interface ResolverConfig {
  nameservers: string[];
  searches: string[];
  /** "ndots:5", "edns0"... */
  options: string[];
}

/** The cluster DNS address the kubelet is given (kube-dns: the 10th address of the service subnet). */
export function clusterDnsIP(view: NetworkView): string | null {
  const c = parseCidr(view.serviceSubnet);
  return c ? nthAddress(c, 10) : null;
}

function nodeResolver(): ResolverConfig {
  return { nameservers: [NODE_RESOLVER], searches: [], options: [...NODE_RESOLV_OPTIONS] };
}

/** The resolver a source uses: a pod's per its dnsPolicy and dnsConfig (the kubelet's rules), a node's own. */
export function resolverConfig(view: NetworkView, from: Source | undefined): ResolverConfig {
  if (!from || from.kind !== "pod") return nodeResolver();
  const pod = from.pod;
  const spec: NonNullable<Pod["spec"]> = pod.spec ?? ({} as NonNullable<Pod["spec"]>);
  const policy = spec.dnsPolicy ?? "ClusterFirst";
  let conf: ResolverConfig;
  const clusterDNS = clusterDnsIP(view);
  const clusterFirst = (policy === "ClusterFirst" && !spec.hostNetwork) || policy === "ClusterFirstWithHostNet";
  if (policy === "None") conf = { nameservers: [], searches: [], options: [] };
  else if (clusterFirst && clusterDNS) {
    const ns = pod.metadata.namespace ?? "default";
    conf = { nameservers: [clusterDNS], searches: [`${ns}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN], options: ["ndots:5"] };
  } else conf = nodeResolver();
  const extra = spec.dnsConfig;
  if (extra) {
    conf.nameservers = unique([...conf.nameservers, ...(extra.nameservers ?? [])]);
    conf.searches = unique([...(extra.searches ?? []), ...conf.searches]);
    conf.options = mergeOptions(conf.options, (extra.options ?? []).map((o) => (o.value !== undefined && o.value !== null ? `${o.name}:${o.value}` : o.name ?? "")).filter(Boolean));
  }
  conf.nameservers = conf.nameservers.slice(0, MAX_NAMESERVERS);
  conf.searches = fitSearches(conf.searches);
  return conf;
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)];
}

/** Options by name: a pod's option replaces the policy's of the same name (the kubelet's mergeDNSOptions). */
function mergeOptions(base: string[], extra: string[]): string[] {
  const key = (o: string) => o.split(":")[0];
  const out = new Map<string, string>();
  for (const o of [...base, ...extra]) out.set(key(o), o);
  return [...out.values()];
}

/** The kubelet keeps at most 32 search domains and 2048 characters of them. */
function fitSearches(searches: string[]): string[] {
  const out: string[] = [];
  let chars = 0;
  for (const s of searches.slice(0, MAX_SEARCHES)) {
    chars += s.length + (out.length ? 1 : 0);
    if (chars > MAX_SEARCH_CHARS) break;
    out.push(s);
  }
  return out;
}

/** /etc/resolv.conf as the container runtime writes it for the pod. */
export function resolvConf(view: NetworkView, pod: Pod): string {
  const c = resolverConfig(view, { kind: "pod", pod });
  const lines: string[] = [];
  if (c.searches.length) lines.push(`search ${c.searches.join(" ")}`);
  for (const ns of c.nameservers) lines.push(`nameserver ${ns}`);
  if (c.options.length) lines.push(`options ${c.options.join(" ")}`);
  return lines.join("\n") + "\n";
}

function ndotsOf(c: ResolverConfig): number {
  const o = c.options.find((x) => x.startsWith("ndots:"));
  const n = o ? Number(o.slice(6)) : 1;
  return Number.isFinite(n) ? Math.min(Math.max(n, 0), 15) : 1;
}

/** The names glibc's res_search tries, in order, for a name and a resolver configuration. */
export function searchNames(name: string, c: ResolverConfig): string[] {
  if (name.endsWith(".")) return [name];
  const dots = name.split(".").length - 1;
  const asIs = `${name}.`;
  const searched = c.searches.map((d) => `${name}.${d.replace(/\.$/, "")}.`);
  if (dots >= ndotsOf(c)) return [asIs, ...searched.filter((n) => n !== asIs)];
  // A name without dots is not tried as it is once a search list applied (glibc's rule).
  return dots > 0 || !searched.length ? [...searched, asIs] : searched;
}

// ---------------------------------------------------------------------------------------------
// CoreDNS: the kubernetes plugin for cluster.local and the reverse zones, then forward

interface ZoneAnswer {
  rcode: "NOERROR" | "NXDOMAIN" | "SERVFAIL";
  answers: DnsRecord[];
  additional: DnsRecord[];
}

const ok = (answers: DnsRecord[] = [], additional: DnsRecord[] = []): ZoneAnswer => ({ rcode: "NOERROR", answers, additional });
const nxdomain = (): ZoneAnswer => ({ rcode: "NXDOMAIN", answers: [], additional: [] });

/** What CoreDNS (kind's Corefile) answers for one fully qualified name. */
export function coreDnsAnswer(view: NetworkView, qname: string, qtype: RecordType): ZoneAnswer {
  const name = qname.toLowerCase().replace(/\.?$/, ".");
  const zone = `${CLUSTER_DOMAIN}.`;
  if (name === zone) return apexAnswer(view, name, qtype);
  if (name.endsWith(`.${zone}`)) return clusterAnswer(view, name, name.slice(0, -zone.length - 1).split("."), qtype);
  if (name.endsWith(".in-addr.arpa.")) {
    const ptr = qtype === "PTR" ? reverseName(view, name) : null;
    // Not a Service's or endpoint's address: falls through to the node's resolver, which knows no such name.
    return ptr ? ok([{ name, type: "PTR", ttl: TTL, data: ptr }]) : nxdomain();
  }
  return upstreamAnswer(view, name, qtype);
}

function apexAnswer(view: NetworkView, name: string, qtype: RecordType): ZoneAnswer {
  if (qtype === "NS") return ok([{ name, type: "NS", ttl: TTL, data: `ns.dns.${CLUSTER_DOMAIN}.` }]);
  if (qtype === "SOA") return ok([soa(name)]);
  return ok();
}

function soa(name: string): DnsRecord {
  return { name, type: "SOA", ttl: TTL, data: `ns.dns.${CLUSTER_DOMAIN}. hostmaster.${CLUSTER_DOMAIN}. 1 7200 1800 86400 ${TTL}` };
}

/** Records of the given type among candidate addresses (A for IPv4; nothing answers AAAA here). */
function addressRecords(name: string, qtype: RecordType, ips: string[]): DnsRecord[] {
  if (qtype !== "A") return [];
  return ips.map((ip) => ({ name, type: "A" as const, ttl: TTL, data: ip }));
}

function namespaceExists(view: NetworkView, ns: string): boolean {
  return !!view.get<KObject>("namespaces", "", ns);
}

/** A name under cluster.local, by labels left of the zone: [...rest, service, namespace, "svc"|"pod"]. */
function clusterAnswer(view: NetworkView, name: string, labels: string[], qtype: RecordType): ZoneAnswer {
  const n = labels.length;
  // CoreDNS's own names: the DNS schema version and the name server.
  if (name === `dns-version.${CLUSTER_DOMAIN}.`) return ok(qtype === "TXT" ? [{ name, type: "TXT", ttl: TTL, data: '"1.1.0"' }] : []);
  if (name === `ns.dns.${CLUSTER_DOMAIN}.`) {
    const dns = view.serviceByIP(clusterDnsIP(view) ?? "");
    return ok(addressRecords(name, qtype, dns ? [dns.spec!.clusterIP!] : []));
  }
  const kind = labels[n - 1];
  if (kind !== "svc" && kind !== "pod") return nxdomain();
  if (n < 3) return nxdomain();
  const namespace = labels[n - 2];
  if (!namespaceExists(view, namespace)) return nxdomain();
  if (kind === "pod") return podAnswer(name, labels.slice(0, n - 2), qtype);
  const service = labels[n - 3];
  const rest = labels.slice(0, n - 3);
  if (rest.length > 2) return nxdomain();
  const svc = view.service(namespace, service);
  if (!svc) return nxdomain();
  const endpoint = rest.length === 1 ? rest[0] : null;
  const port = rest.length === 2 ? { name: stripUnderscore(rest[0]), protocol: stripUnderscore(rest[1]) } : null;
  return serviceAnswer(view, name, svc, endpoint, port, qtype);
}

function stripUnderscore(s: string): string {
  return s.startsWith("_") ? s.slice(1) : s;
}

/** "pods insecure": a-b-c-d.<ns>.pod.cluster.local is a.b.c.d in any existing namespace. */
function podAnswer(name: string, rest: string[], qtype: RecordType): ZoneAnswer {
  if (rest.length !== 1) return nxdomain();
  const parts = rest[0].split("-");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return nxdomain();
  return ok(addressRecords(name, qtype, [parts.map(Number).join(".")]));
}

interface Found {
  /** The record's owner in CoreDNS's terms: the name SRV targets point to. */
  target: string;
  ip: string;
  port: number;
}

/** The ready endpoints of a Service as CoreDNS reads its EndpointSlices, with their DNS hostnames. */
function dnsEndpoints(view: NetworkView, svc: Service): { ip: string; hostname: string; ports: { name: string; protocol: string; port: number }[] }[] {
  const out = new Map<string, { ip: string; hostname: string; ports: { name: string; protocol: string; port: number }[] }>();
  for (const s of view.slices(svc.metadata.namespace!, svc.metadata.name!) as SliceLike[]) {
    if (s.addressType !== "IPv4") continue;
    const ports = (s.ports ?? []).filter((p) => typeof p.port === "number").map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port! }));
    for (const ep of s.endpoints ?? []) {
      // A nil ready condition counts as ready; not-ready endpoints are left out (publishNotReadyAddresses makes them ready in the slice).
      if (ep.conditions?.ready === false) continue;
      for (const ip of ep.addresses ?? []) {
        const key = `${ip}/${ep.hostname ?? ""}`;
        const prev = out.get(key);
        if (prev) prev.ports.push(...ports);
        else out.set(key, { ip, hostname: ep.hostname || ip.replace(/\./g, "-"), ports: [...ports] });
      }
    }
  }
  return [...out.values()];
}

function serviceAnswer(view: NetworkView, name: string, svc: Service, endpoint: string | null, port: { name: string; protocol: string } | null, qtype: RecordType): ZoneAnswer {
  const spec = svc.spec ?? {};
  const base = `${svc.metadata.name}.${svc.metadata.namespace}.svc.${CLUSTER_DOMAIN}.`;
  const portMatches = (p: { name: string; protocol: string }) => !port || (port.name.toLowerCase() === p.name.toLowerCase() && port.protocol.toLowerCase() === p.protocol.toLowerCase());

  if (spec.type === "ExternalName") {
    if (endpoint || port) return nxdomain();
    const target = `${(spec.externalName ?? "").toLowerCase().replace(/\.$/, "")}.`;
    const cname: DnsRecord = { name, type: "CNAME", ttl: TTL, data: target };
    if (qtype === "CNAME") return ok([cname]);
    if (qtype !== "A" && qtype !== "AAAA") return ok();
    // CoreDNS follows the alias through its own zones and its upstream; an unresolvable target leaves the CNAME alone.
    const chased = target === name ? null : coreDnsAnswer(view, target, qtype);
    return ok([cname, ...(chased?.rcode === "NOERROR" ? chased.answers : [])]);
  }

  const found: Found[] = [];
  const headless = spec.clusterIP === "None" || !spec.clusterIP;
  if (headless || endpoint) {
    for (const ep of dnsEndpoints(view, svc)) {
      if (endpoint && ep.hostname !== endpoint) continue;
      for (const p of ep.ports) if (portMatches(p)) found.push({ target: `${ep.hostname}.${base}`, ip: ep.ip, port: p.port });
    }
  } else {
    for (const p of spec.ports ?? []) if (portMatches({ name: p.name ?? "", protocol: p.protocol ?? "TCP" })) found.push({ target: base, ip: spec.clusterIP!, port: p.port });
  }
  if (!found.length) return nxdomain();

  if (qtype === "SRV") {
    // CoreDNS splits a weight of 100 over the records of one priority.
    const unique = [...new Map(found.map((f) => [`${f.target}:${f.port}`, f])).values()];
    const weight = Math.max(1, Math.floor(100 / unique.length));
    const answers = unique.map((f) => ({ name, type: "SRV" as const, ttl: TTL, data: `0 ${weight} ${f.port} ${f.target}` }));
    const additional = [...new Map(unique.map((f) => [f.target, { name: f.target, type: "A" as const, ttl: TTL, data: f.ip }])).values()];
    return ok(answers, additional);
  }
  return ok(addressRecords(name, qtype, [...new Set(found.map((f) => f.ip))]));
}

/** PTR for a Service's cluster IP, or for an endpoint's address (its hostname under the Service). */
function reverseName(view: NetworkView, name: string): string | null {
  const labels = name.slice(0, -".in-addr.arpa.".length).split(".");
  if (labels.length !== 4) return null;
  const ip = labels.reverse().join(".");
  const svc = view.serviceByIP(ip);
  if (svc && svc.spec?.clusterIP === ip) return `${svc.metadata.name}.${svc.metadata.namespace}.svc.${CLUSTER_DOMAIN}.`;
  for (const s of view.list<SliceLike>(SLICE_STORAGE)) {
    const owner = s.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!owner || s.addressType !== "IPv4") continue;
    for (const ep of s.endpoints ?? []) {
      if (!ep.addresses?.includes(ip)) continue;
      return `${ep.hostname || ip.replace(/\./g, "-")}.${owner}.${s.metadata.namespace}.svc.${CLUSTER_DOMAIN}.`;
    }
  }
  return null;
}

/**
 * The node's resolver (Docker's DNS on the kind network): it knows the node containers' names;
 * the simulated cluster has no internet, so every other name fails as an unreachable upstream does.
 */
function upstreamAnswer(view: NetworkView, name: string, qtype: RecordType): ZoneAnswer {
  const host = name.slice(0, -1);
  const node = view.node(host);
  if (node) {
    const ip = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
    return ok(qtype === "A" && ip ? [{ name, type: "A", ttl: DOCKER_TTL, data: ip }] : []);
  }
  if (host === "localhost") return ok(qtype === "A" ? [{ name, type: "A", ttl: DOCKER_TTL, data: "127.0.0.1" }] : []);
  return { rcode: "SERVFAIL", answers: [], additional: [] };
}

// ---------------------------------------------------------------------------------------------
// Asking a name server

type Server = { kind: "coredns" } | { kind: "node" } | { kind: "none" };

/** Who answers queries sent to `ip` from a source: CoreDNS through kube-proxy, the node's resolver, or nobody. */
function serverAt(view: NetworkView, ip: string, from: Source | undefined): Server {
  if (ip === NODE_RESOLVER) return { kind: "node" };
  const pod = from?.kind === "pod" ? from.pod : undefined;
  const node = from?.kind === "pod" ? pod?.spec?.nodeName ?? null : from?.kind === "node" ? from.node : view.nodes()[0]?.metadata.name ?? null;
  const clientIP = pod ? (pod.spec?.hostNetwork ? pod.status?.hostIP : pod.status?.podIP) : node ? view.node(node)?.status?.addresses?.find((a) => a.type === "InternalIP")?.address : undefined;
  const origin = pod && !pod.spec?.hostNetwork ? "pod" : "node";
  const decision = serviceTargets(view, { ip, port: 53, protocol: "UDP", ...(node ? { node } : {}), ...(clientIP ? { clientIP } : {}), origin });
  let target: { namespace: string; name: string } | undefined;
  if (decision) {
    if (decision.verdict !== "dnat") return { kind: "none" };
    target = decision.target.pod;
  } else {
    const p = view.podByIP(ip);
    target = p ? { namespace: p.metadata.namespace!, name: p.metadata.name! } : undefined;
  }
  const server = target ? view.pod(target.namespace, target.name) : undefined;
  if (!server || !isRunningCoreDns(server)) return { kind: "none" };
  // A query is a UDP packet like any other: an egress (or CoreDNS ingress) policy drops it, and the resolver times out.
  if (from && clientIP && !policyVerdict(view, from, clientIP, server, 53, "UDP").allowed) return { kind: "none" };
  return { kind: "coredns" };
}

function isRunningCoreDns(pod: Pod): boolean {
  if (pod.status?.phase !== "Running" || pod.metadata.deletionTimestamp) return false;
  const dns = (pod.spec?.containers ?? []).find((c) => /(^|\/)coredns(:|@|$)/.test(c.image ?? "") || pod.metadata.labels?.["k8s-app"] === "kube-dns");
  return !!dns && !!pod.status?.containerStatuses?.some((s) => s.name === dns.name && s.state?.running);
}

function ask(view: NetworkView, server: Server, qname: string, qtype: RecordType): ZoneAnswer | null {
  if (server.kind === "none") return null;
  if (server.kind === "node") return qname.toLowerCase().endsWith(`.${CLUSTER_DOMAIN}.`) ? nxdomain() : upstreamAnswer(view, qname.toLowerCase(), qtype);
  return coreDnsAnswer(view, qname, qtype);
}

export interface ResolveQuery {
  name: string;
  type?: RecordType;
  /** The asking pod (its resolv.conf and search path); without it the name is asked of cluster DNS as given, from a node. */
  from?: Pod;
}

/**
 * A lookup as a pod's resolver makes it (nslookup/dig with the search path): the names tried in
 * order, the first that answers, and what the name server said. Without `from`, the name is asked
 * of the cluster DNS Service directly (as `dig @10.96.0.10 <name>` on a node), with no search path.
 */
export function resolve(view: NetworkView, q: ResolveQuery): DnsResult {
  const type = q.type ?? "A";
  const source: Source | undefined = q.from ? { kind: "pod", pod: q.from } : undefined;
  const conf: ResolverConfig = q.from ? resolverConfig(view, source) : { nameservers: [clusterDnsIP(view) ?? ""], searches: [], options: [] };
  const names = q.from ? searchNames(q.name, conf) : [q.name.endsWith(".") ? q.name : `${q.name}.`];
  const servers = conf.nameservers.map((ip) => ({ ip, server: serverAt(view, ip, source ?? { kind: "node", node: view.nodes()[0]?.metadata.name ?? "" }) }));
  const live = servers.find((s) => s.server.kind !== "none");
  const result: DnsResult = { status: "TIMEOUT", name: q.name, type, server: live?.ip ?? servers[0]?.ip ?? null, tried: [], answered: null, answers: [], additional: [] };
  if (!live) return { ...result, tried: names.slice(0, 1), message: TIMEOUT_MESSAGE };
  // glibc's res_search: an answer ends the walk; NXDOMAIN, an empty answer and SERVFAIL go on to
  // the next name. Without an answer it reports an empty answer first, then SERVFAIL, then NXDOMAIN.
  let nodata: { name: string; answer: ZoneAnswer } | null = null;
  let servfail: { name: string; answer: ZoneAnswer } | null = null;
  let last: { name: string; answer: ZoneAnswer } | null = null;
  for (const n of names) {
    result.tried.push(n);
    const a = ask(view, live.server, n, type)!;
    last = { name: n, answer: a };
    if (a.rcode === "NOERROR" && a.answers.length) break;
    if (a.rcode === "NOERROR") nodata ??= last;
    if (a.rcode === "SERVFAIL") servfail ??= last;
  }
  const end = last?.answer.answers.length ? last : nodata ?? servfail ?? last;
  if (!end) return result;
  return { ...result, status: end.answer.rcode, answered: end.name, answers: end.answer.answers, additional: end.answer.additional };
}

/**
 * The address a client in `from` connects to for `host` (curl, wget): /etc/hosts first (localhost,
 * the pod's own names), then DNS A records through the source's resolver.
 */
export function resolveHost(view: NetworkView, from: Source, host: string): { ok: true; ip: string; name: string; tried: string[] } | { ok: false; error: "nxdomain" | "timeout"; message: string; tried: string[] } {
  const h = host.toLowerCase();
  if (h === "localhost" || h === "localhost.") return { ok: true, ip: "127.0.0.1", name: "localhost", tried: [] };
  if (from.kind === "pod") {
    const own = hostsEntries(from.pod).find((e) => e.names.includes(h.replace(/\.$/, "")));
    if (own) return { ok: true, ip: own.ip, name: h, tried: [] };
  }
  const conf = resolverConfig(view, from);
  const names = from.kind === "pod" ? searchNames(host, conf) : [host.endsWith(".") ? host : `${host}.`];
  const live = conf.nameservers.map((ip) => serverAt(view, ip, from)).find((s) => s.kind !== "none");
  if (!live) return { ok: false, error: "timeout", message: TIMEOUT_MESSAGE, tried: names.slice(0, 1) };
  const tried: string[] = [];
  for (const n of names) {
    tried.push(n);
    const a = ask(view, live, n, "A");
    const ip = a ? lastAddress(a.answers) : null;
    if (ip) return { ok: true, ip, name: n.replace(/\.$/, ""), tried };
  }
  return { ok: false, error: "nxdomain", message: `Could not resolve host: ${host}`, tried };
}

/** The A record a CNAME chain ends in. */
function lastAddress(records: DnsRecord[]): string | null {
  const a = records.find((r) => r.type === "A");
  return a ? a.data : null;
}

/** The kubelet's /etc/hosts for a pod: localhost, its address under its hostname (and FQDN with a subdomain), hostAliases. */
export function hostsEntries(pod: Pod): { ip: string; names: string[] }[] {
  const out: { ip: string; names: string[] }[] = [{ ip: "127.0.0.1", names: ["localhost"] }];
  const spec: NonNullable<Pod["spec"]> = pod.spec ?? ({} as NonNullable<Pod["spec"]>);
  const ip = pod.status?.podIP;
  if (ip && !spec.hostNetwork) {
    const hostname = spec.hostname ?? pod.metadata.name ?? "";
    const names = spec.subdomain ? [`${hostname}.${spec.subdomain}.${pod.metadata.namespace}.svc.${CLUSTER_DOMAIN}`, hostname] : [hostname];
    out.push({ ip, names });
  }
  for (const a of spec.hostAliases ?? []) out.push({ ip: a.ip, names: a.hostnames ?? [] });
  return out;
}

// ---------------------------------------------------------------------------------------------
// The management API's query (GET /v1/clusters/{name}/dns?name=&type=&from=)

export interface DnsLookupRequest {
  name?: unknown;
  type?: unknown;
  from?: unknown;
}

const MAX_NAME = 253;
const LABEL = /^[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$/;

/** A lookup's parameters checked; a string says what is wrong. */
export function dnsQueryOf(req: DnsLookupRequest): { name: string; type: RecordType; from?: { namespace: string; name: string } } | string {
  const { name, type, from } = req;
  if (typeof name !== "string" || !name) return '"name" is required: a DNS name such as web.default.svc.cluster.local or web';
  const bare = name.endsWith(".") ? name.slice(0, -1) : name;
  if (bare.length > MAX_NAME) return `"name" must be at most ${MAX_NAME} characters (it has ${bare.length})`;
  for (const label of bare.split(".")) if (!LABEL.test(label)) return `"name": ${JSON.stringify(label)} is not a DNS label (1 to 63 letters, digits, "-" or "_", not starting or ending with "-")`;
  let t: RecordType = "A";
  if (type !== undefined && type !== "") {
    const upper = typeof type === "string" ? type.toUpperCase() : "";
    if (!(RECORD_TYPES as readonly string[]).includes(upper)) return `"type" must be one of ${RECORD_TYPES.join(", ")}`;
    t = upper as RecordType;
  }
  if (from === undefined || from === "") return { name, type: t };
  const parts = typeof from === "string" ? from.split("/") : [];
  if (parts.length !== 2 || !parts[0] || !parts[1]) return '"from" must name a pod as "<namespace>/<pod>"';
  return { name, type: t, from: { namespace: parts[0], name: parts[1] } };
}
