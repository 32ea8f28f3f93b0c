// NetworkPolicy enforcement, decided as kindnet's policy agent (kube-network-policies) decides it:
// - A pod is isolated in a direction when a policy of its namespace selects it and lists that
//   policy type; an isolated pod takes (or sends) only what some rule of those policies admits,
//   and the rules of all of them add up. A connection between two pods needs both the source's
//   egress and the destination's ingress.
// - Peers: podSelector alone means pods of the policy's namespace; namespaceSelector alone, every
//   pod of the namespaces it selects; both, the pods matching podSelector in those namespaces.
//   ipBlock is matched against the peer's address whatever it is, a pod's IP included (the agent
//   sees addresses, not names; the API documents ipBlock for outside addresses and leaves pods to
//   the implementation). Selectors never match what is not a pod (nodes, outside clients).
// - Ports: a number (or a range to endPort), or a name looked up in the destination pod's
//   containerPorts (its number and protocol must be the connection's); protocol defaults to TCP.
// - Not filtered: host-network pods (their traffic is the node's), and connections from a pod's
//   own node (kubelet probes): the agent lets traffic of the node's root user through.
// - Only where a CNI that enforces policy runs: ingress is filtered by the agent on the
//   destination's node, egress by the one on the source's node. A node enforces when a Running
//   pod there runs an image whose catalog entry says network.cni.enforcesPolicy (kindnetd,
//   calico-node, cilium, weave; not flannel); without such an agent policies are stored and ignored,
//   as on a real cluster.
// Denials are silent (a real CNI drops the packet and logs nothing): the caller turns one into a
// connection timeout and names the policy in the Outcome's trail.
import { parseIp, parseIpPrefix, prefixContains } from "../machinery/ipPrefix";
import { fromStructured, matchesLabels, type LabelSelector } from "../machinery/selectors";
import type { NetworkPolicy, NetworkPolicyPeerT, NetworkPolicyPortT } from "../resources/networkpolicy";
import type { Pod } from "../resources/pod";
import type { NetworkView, Source } from "./types";

export type Direction = "ingress" | "egress";
export type PolicyVerdict = { allowed: true } | { allowed: false; policy: string; direction: Direction };

const ALLOWED: PolicyVerdict = { allowed: true };

/** The other end of a connection, as a policy rule sees it: an address, and the pod behind it when there is one. */
interface Peer {
  ip: string;
  pod: Pod | null;
}

/**
 * Whether a connection from `from` (leaving with address `fromIP`) may reach `to` on `port`:
 * the source pod's egress policies, then the destination pod's ingress policies.
 */
export function policyVerdict(view: NetworkView, from: Source, fromIP: string, to: Pod, port: number, protocol: string): PolicyVerdict {
  const source = sourcePod(from);
  if (source) {
    // A host-network destination is its node's address to the agent, not a pod.
    const out = egress(view, source, { ip: to.status?.podIP ?? "", pod: to.spec?.hostNetwork ? null : to }, port, protocol);
    if (!out.allowed) return out;
  }
  if (to.spec?.hostNetwork) return ALLOWED;
  const node = to.spec?.nodeName;
  // The destination's own node (its kubelet, a host-network pod beside it) is always let in.
  if (from.kind === "node" && from.node === node) return ALLOWED;
  if (from.kind === "pod" && from.pod.spec?.hostNetwork && from.pod.spec?.nodeName === node) return ALLOWED;
  // The agent knows a pod by its address: a masqueraded connection (a node port reached from a pod)
  // arrives with a node's address and is no pod to the selectors.
  const peerPod = source && source.status?.podIP === fromIP ? source : null;
  return judge(view, to, "ingress", { ip: fromIP, pod: peerPod }, to, port, protocol);
}

/**
 * Whether a pod may send to an address that is not a pod (a node, somewhere outside): only its
 * egress policies decide, and only an ipBlock can admit such a peer.
 */
export function egressVerdict(view: NetworkView, from: Pod, toIP: string, port: number, protocol: string): PolicyVerdict {
  return egress(view, from, { ip: toIP, pod: null }, port, protocol);
}

function sourcePod(from: Source): Pod | null {
  return from.kind === "pod" && !from.pod.spec?.hostNetwork ? from.pod : null;
}

function egress(view: NetworkView, from: Pod, to: Peer, port: number, protocol: string): PolicyVerdict {
  if (from.spec?.hostNetwork) return ALLOWED;
  return judge(view, from, "egress", to, to.pod, port, protocol);
}

/**
 * The verdict of the policies isolating `subject` in one direction, for traffic with `peer`. The
 * node's CNI agent is looked for only when some policy isolates the pod: most connections meet no
 * policy and cost one list of their namespace's policies.
 */
function judge(view: NetworkView, subject: Pod, direction: Direction, peer: Peer, destination: Pod | null, port: number, protocol: string): PolicyVerdict {
  const namespace = subject.metadata.namespace ?? "";
  const isolating = policiesIn(view, namespace).filter((p) => p.types.has(direction) && matchesLabels(p.podSelector, subject.metadata.labels));
  if (isolating.length === 0 || !enforces(view, subject.spec?.nodeName)) return ALLOWED;
  for (const policy of isolating) {
    for (const rule of direction === "ingress" ? policy.ingress : policy.egress) {
      if (!portsMatch(rule.ports, destination, port, protocol)) continue;
      if (rule.peers === null || rule.peers.some((p) => peerMatches(view, p, namespace, peer))) return ALLOWED;
    }
  }
  // Named for the learner: a policy that only isolates (no rules this way, a "default deny") says
  // most about why; otherwise the first by name.
  const blamed = isolating.find((p) => (direction === "ingress" ? p.ingress : p.egress).length === 0) ?? isolating[0];
  return { allowed: false, policy: `${namespace}/${blamed.name}`, direction };
}

// ---------------------------------------------------------------------------------------------
// Policies, compiled once per view (a view serves one decision or one request).

interface CompiledPeer {
  podSelector: LabelSelector | null;
  namespaceSelector: LabelSelector | null;
  ipBlock: { cidr: string; except: string[] } | null;
}

interface CompiledRule {
  ports: NetworkPolicyPortT[];
  /** null: every peer (the rule has no from/to). */
  peers: CompiledPeer[] | null;
}

interface Compiled {
  name: string;
  podSelector: LabelSelector;
  types: Set<string>;
  ingress: CompiledRule[];
  egress: CompiledRule[];
}

interface ViewCache {
  policies: Map<string, Compiled[]>;
  enforcing: Map<string, boolean>;
  namespaceLabels: Map<string, Record<string, string> | undefined>;
}

const caches = new WeakMap<NetworkView, ViewCache>();

function cacheOf(view: NetworkView): ViewCache {
  let c = caches.get(view);
  if (!c) caches.set(view, (c = { policies: new Map(), enforcing: new Map(), namespaceLabels: new Map() }));
  return c;
}

function policiesIn(view: NetworkView, namespace: string): Compiled[] {
  const cache = cacheOf(view).policies;
  let list = cache.get(namespace);
  if (!list) {
    list = view
      .list<NetworkPolicy>("networkpolicies", namespace)
      .map(compile)
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    cache.set(namespace, list);
  }
  return list;
}

function compile(np: NetworkPolicy): Compiled {
  const spec = np.spec ?? { podSelector: {} };
  // Stored policies are defaulted; an empty list still means Ingress, as the defaulter would say.
  const types = new Set((spec.policyTypes?.length ? spec.policyTypes : spec.egress?.length ? ["Ingress", "Egress"] : ["Ingress"]).map((t) => t.toLowerCase()));
  const rules = (list: { ports?: NetworkPolicyPortT[]; peers?: NetworkPolicyPeerT[] }[]): CompiledRule[] =>
    list.map((r) => ({ ports: r.ports ?? [], peers: r.peers?.length ? r.peers.map(compilePeer) : null }));
  return {
    name: np.metadata.name ?? "",
    podSelector: fromStructured(spec.podSelector),
    types,
    ingress: rules((spec.ingress ?? []).map((r) => ({ ports: r.ports, peers: r.from }))),
    egress: rules((spec.egress ?? []).map((r) => ({ ports: r.ports, peers: r.to }))),
  };
}

function compilePeer(p: NetworkPolicyPeerT): CompiledPeer {
  return {
    podSelector: p.podSelector ? fromStructured(p.podSelector) : null,
    namespaceSelector: p.namespaceSelector ? fromStructured(p.namespaceSelector) : null,
    ipBlock: p.ipBlock ? { cidr: p.ipBlock.cidr ?? "", except: p.ipBlock.except ?? [] } : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Matching

function peerMatches(view: NetworkView, p: CompiledPeer, policyNamespace: string, peer: Peer): boolean {
  if (p.ipBlock) return ipBlockHolds(p.ipBlock, peer.ip);
  const pod = peer.pod;
  if (!pod) return false;
  if (p.podSelector && !matchesLabels(p.podSelector, pod.metadata.labels)) return false;
  if (!p.namespaceSelector) return pod.metadata.namespace === policyNamespace;
  return matchesLabels(p.namespaceSelector, namespaceLabels(view, pod.metadata.namespace ?? ""));
}

function ipBlockHolds(block: { cidr: string; except: string[] }, ip: string): boolean {
  const addr = parseIp(ip);
  const cidr = parseIpPrefix(block.cidr);
  if (!addr || !cidr || !prefixContains(cidr, addr)) return false;
  return !block.except.some((e) => {
    const ex = parseIpPrefix(e);
    return ex !== null && prefixContains(ex, addr);
  });
}

function portsMatch(ports: NetworkPolicyPortT[], destination: Pod | null, port: number, protocol: string): boolean {
  if (ports.length === 0) return true;
  return ports.some((pp) => {
    if ((pp.protocol ?? "TCP") !== protocol) return false;
    const want = pp.port;
    if (want === undefined || want === null) return true;
    if (typeof want === "number") return port === want || (pp.endPort != null && port > want && port <= pp.endPort);
    return namedPortIs(destination, want, port, protocol);
  });
}

/** Whether the destination pod names `port` (on `protocol`) `name` among its containers' ports. */
function namedPortIs(pod: Pod | null, name: string, port: number, protocol: string): boolean {
  for (const c of pod?.spec?.containers ?? []) for (const cp of c.ports ?? []) if (cp.name === name && cp.containerPort === port && (cp.protocol ?? "TCP") === protocol) return true;
  return false;
}

function namespaceLabels(view: NetworkView, namespace: string): Record<string, string> | undefined {
  const cache = cacheOf(view).namespaceLabels;
  if (!cache.has(namespace)) cache.set(namespace, view.get("namespaces", "", namespace)?.metadata.labels);
  return cache.get(namespace);
}

/** Whether a Running pod on the node runs a CNI agent that enforces policy. */
function enforces(view: NetworkView, node: string | undefined): boolean {
  if (!node) return false;
  const cache = cacheOf(view).enforcing;
  let yes = cache.get(node);
  if (yes === undefined) {
    yes = view.podsOnNode(node).some((p) => p.status?.phase === "Running" && (p.spec?.containers ?? []).some((c) => view.image(p, c.name)?.network?.cni?.enforcesPolicy === true));
    cache.set(node, yes);
  }
  return yes;
}
