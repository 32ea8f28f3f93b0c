// kind's extraPortMappings: a port of the host mapped to a port of a node container. Here the
// host is the service: each mapped TCP host port gets a public URL, and a request there is a
// connection from outside to the node's containerPort (a NodePort, a hostPort, an ingress
// controller). Also the URL's key: unguessable, since kind's ports need no credentials.
import { nodeNames, type ClusterConfig, type NodeConfig } from "../config";

export interface PortMapping {
  node: string;
  containerPort: number;
  hostPort: number;
  listenAddress: string;
  protocol: "TCP" | "UDP" | "SCTP";
}

/** Mappings a cluster may have in all (kind has no bound; ours keeps GET /v1/clusters/{name} small). */
export const MAX_PORT_MAPPINGS = 50;
const PROTOCOLS = ["TCP", "UDP", "SCTP"];
const IPV4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;

function isPort(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 65535;
}

/**
 * Checks the nodes' extraPortMappings and fills in kind's defaults (listenAddress 0.0.0.0,
 * protocol TCP; a missing hostPort is chosen, as Docker picks a free one). Returns the problem, or
 * null when they are valid (then `nodes` carries the normalized mappings).
 */
export function checkPortMappings(nodes: NodeConfig[]): string | null {
  const seen = new Map<string, string>();
  let count = 0;
  let nextFree = 32768;
  const taken = new Set<number>();
  for (const n of nodes) for (const m of Array.isArray(n.extraPortMappings) ? n.extraPortMappings : []) if (m && typeof m === "object" && isPort((m as { hostPort?: unknown }).hostPort)) taken.add((m as { hostPort: number }).hostPort);
  for (let i = 0; i < nodes.length; i++) {
    const raw = nodes[i].extraPortMappings;
    if (raw === undefined || raw === null) continue;
    const field = `nodes[${i}].extraPortMappings`;
    if (!Array.isArray(raw)) return `${field}: must be a list`;
    const out: PortMapping[] = [];
    for (let j = 0; j < raw.length; j++) {
      const f = `${field}[${j}]`;
      const m = raw[j] as Record<string, unknown>;
      if (!m || typeof m !== "object" || Array.isArray(m)) return `${f}: must be an object with containerPort and hostPort`;
      const unknown = Object.keys(m).find((k) => !["containerPort", "hostPort", "listenAddress", "protocol"].includes(k));
      if (unknown) return `${f}.${unknown}: unknown field (kind's fields are containerPort, hostPort, listenAddress and protocol)`;
      if (!isPort(m.containerPort)) return `${f}.containerPort: must be a port number from 1 to 65535, got ${JSON.stringify(m.containerPort)}`;
      let hostPort = m.hostPort ?? 0;
      if (hostPort !== 0 && !isPort(hostPort)) return `${f}.hostPort: must be a port number from 1 to 65535 (or 0 for any free port), got ${JSON.stringify(m.hostPort)}`;
      if (hostPort === 0) {
        while (taken.has(nextFree)) nextFree++;
        hostPort = nextFree;
        taken.add(nextFree);
      }
      const listenAddress = m.listenAddress ?? "0.0.0.0";
      if (typeof listenAddress !== "string" || !IPV4.test(listenAddress)) return `${f}.listenAddress: must be an IPv4 address such as 0.0.0.0 or 127.0.0.1, got ${JSON.stringify(m.listenAddress)}`;
      const protocol = typeof m.protocol === "string" ? m.protocol.toUpperCase() : m.protocol ?? "TCP";
      if (!PROTOCOLS.includes(protocol as string)) return `${f}.protocol: must be one of TCP, UDP or SCTP, got ${JSON.stringify(m.protocol)}`;
      const key = `${protocol}/${hostPort}`;
      const clash = seen.get(key);
      if (clash) return `${f}.hostPort: host port ${hostPort}/${protocol} is already mapped by ${clash} (a host port can be bound once)`;
      seen.set(key, f);
      if (++count > MAX_PORT_MAPPINGS) return `${f}: more than ${MAX_PORT_MAPPINGS} extraPortMappings in all`;
      out.push({ node: "", containerPort: m.containerPort, hostPort: hostPort as number, listenAddress, protocol: protocol as PortMapping["protocol"] });
    }
    nodes[i].extraPortMappings = out.map(({ node: _node, ...rest }) => rest);
  }
  return null;
}

/** The cluster's mappings, with the node each one reaches. */
export function portMappings(config: ClusterConfig): PortMapping[] {
  const names = nodeNames(config.name, config.nodes);
  const out: PortMapping[] = [];
  config.nodes.forEach((n, i) => {
    // A cluster made before mappings were checked keeps them as given: only valid ones count.
    for (const m of (Array.isArray(n.extraPortMappings) ? n.extraPortMappings : []) as Partial<PortMapping>[]) {
      if (!isPort(m?.containerPort) || !isPort(m.hostPort)) continue;
      out.push({ node: names[i], containerPort: m.containerPort, hostPort: m.hostPort, listenAddress: m.listenAddress ?? "0.0.0.0", protocol: (String(m.protocol ?? "TCP").toUpperCase() as PortMapping["protocol"]) });
    }
  });
  return out;
}

const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** A new key for a cluster's port URLs: 128 random bits in base 36. */
export function newPortKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let n = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  let s = "";
  for (let i = 0; i < 25; i++) {
    s += ALPHABET[Number(n % 36n)];
    n /= 36n;
  }
  return s;
}

/** Compares two strings in time that does not depend on where they differ. */
export function sameKey(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}
