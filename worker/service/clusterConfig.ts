// Parsing the body of POST /v1/clusters: a kind cluster config (YAML or JSON) or just {"name"}.
// Problems are reported with where they are: the YAML line, or the field path.
import { parseDocument } from "yaml";
import { cidrContains, intToIp, parseCidr } from "../cluster/machinery/cidr";
import { jsonDepthProblem } from "../cluster/machinery/json";
import { labelValue, qualifiedName } from "../cluster/machinery/validation";
import {
  DEFAULT_KUBERNETES_VERSION,
  DEFAULT_POD_SUBNET,
  DEFAULT_SERVICE_SUBNET,
  KUBE_PROXY_MODES,
  SUPPORTED_MINORS,
  type KubeProxyMode,
  type ClusterConfig,
  type NodeConfig,
} from "../cluster/config";
import { LIMITS } from "../limits";
import { checkPortMappings } from "../cluster/network/ports";

export class ConfigError extends Error {}

const KIND_API_VERSION = "kind.x-k8s.io/v1alpha4";
const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const MAX_CLUSTER_NAME = 40;

export function checkClusterName(name: unknown): string {
  if (typeof name !== "string" || !name) throw new ConfigError("name: a cluster name is required");
  if (name.length > MAX_CLUSTER_NAME || !NAME.test(name))
    throw new ConfigError(`name: ${JSON.stringify(name)} is not a valid cluster name: use lowercase letters, digits and '-', start and end with a letter or digit, at most ${MAX_CLUSTER_NAME} characters`);
  return name;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** Nesting of brackets a config may use; kind's configs are a few levels deep. */
const MAX_CONFIG_DEPTH = 64;
/** Alias expansions a config may make (yaml's own default): more is an alias bomb. */
const MAX_ALIAS_COUNT = 100;

function parseText(text: string): unknown {
  if (!text.trim()) return {};
  // Checked before parsing: the parser would otherwise recurse until the stack runs out.
  const deep = jsonDepthProblem(text, MAX_CONFIG_DEPTH);
  if (deep) throw new ConfigError(`the cluster config is not valid: ${deep}`);
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e.linePos?.[0];
    const where = pos ? ` at line ${pos.line}, column ${pos.col}` : "";
    const what = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
    throw new ConfigError(`the cluster config is not valid YAML or JSON${where}: ${what}`);
  }
  try {
    return doc.toJS({ json: true, maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    // yaml refuses a document whose aliases expand past the bound with a ReferenceError.
    if (e instanceof ReferenceError) throw new ConfigError(`the cluster config is not valid YAML: its aliases expand too much (the limit is ${MAX_ALIAS_COUNT} alias expansions)`);
    throw e;
  }
}

function subnet(value: unknown, field: string, fallback: string): string {
  if (value === undefined || value === null || value === "") return fallback;
  if (typeof value !== "string") throw new ConfigError(`${field}: must be a CIDR string such as ${fallback}`);
  if (value.includes(":")) throw new ConfigError(`${field}: ${JSON.stringify(value)} is an IPv6 range; only IPv4 is supported`);
  const c = parseCidr(value);
  if (!c) throw new ConfigError(`${field}: ${JSON.stringify(value)} is not a valid CIDR (expected an IPv4 range such as ${fallback})`);
  return `${intToIp(c.base)}/${c.bits}`;
}

function versionFromImage(image: unknown, field: string): string | null {
  if (typeof image !== "string" || !image) return null;
  const m = /^(?:[\w.-]+\/)*kindest\/node:(v\d+\.\d+\.\d+)(?:@sha256:[0-9a-f]+)?$/.exec(image);
  if (!m) return null;
  const minor = Number(m[1].split(".")[1]);
  if (!m[1].startsWith("v1.") || !SUPPORTED_MINORS.includes(minor))
    throw new ConfigError(`${field}: ${image} is not supported; clusters can run Kubernetes 1.${SUPPORTED_MINORS[0]} to 1.${SUPPORTED_MINORS[SUPPORTED_MINORS.length - 1]}`);
  return m[1];
}

/**
 * Node labels a node's kubeadm patches give its kubelet (nodeRegistration.kubeletExtraArgs
 * node-labels, as kind's older ingress guide sets ingress-ready=true), from the patches of the
 * kind this node is made with (InitConfiguration for the first control plane, else
 * JoinConfiguration). Null when there are none. Other patch contents are accepted and ignored.
 */
function kubeletNodeLabels(patches: unknown, kind: "InitConfiguration" | "JoinConfiguration", field: string): Record<string, string> | null {
  if (patches === undefined || patches === null) return null;
  if (!Array.isArray(patches)) throw new ConfigError(`${field}: must be a list of YAML documents`);
  let labels: Record<string, string> | null = null;
  patches.forEach((patch, j) => {
    if (typeof patch !== "string") throw new ConfigError(`${field}[${j}]: must be a string holding a YAML document`);
    const doc = parseDocument(patch);
    if (doc.errors.length) throw new ConfigError(`${field}[${j}]: ${doc.errors[0].message}`);
    const obj = doc.toJS() as unknown;
    if (!isObject(obj) || obj.kind !== kind || !isObject(obj.nodeRegistration)) return;
    const args = obj.nodeRegistration.kubeletExtraArgs;
    // v1beta3 writes a map; v1beta4 a list of {name, value}.
    const value = Array.isArray(args) ? args.find((a) => isObject(a) && a.name === "node-labels")?.value : isObject(args) ? args["node-labels"] : undefined;
    if (value === undefined) return;
    if (typeof value !== "string") throw new ConfigError(`${field}[${j}]: node-labels must be a string such as "ingress-ready=true"`);
    for (const pair of value.split(",").filter(Boolean)) {
      const eq = pair.indexOf("=");
      const [k, v] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
      const errs = [...qualifiedName(k), ...labelValue(v)];
      if (errs.length) throw new ConfigError(`${field}[${j}]: node-labels ${JSON.stringify(pair)}: ${errs[0]}`);
      labels = { ...labels, [k]: v };
    }
  });
  return labels;
}

/** Parses a cluster config. `nameOverride` is ?name=. */
export function parseClusterConfig(text: string, nameOverride: string | null): ClusterConfig {
  const raw = parseText(text);
  if (!isObject(raw)) throw new ConfigError("the cluster config must be a YAML or JSON object");
  const isKind = raw.kind !== undefined || raw.apiVersion !== undefined || raw.nodes !== undefined || raw.networking !== undefined;
  if (raw.kind !== undefined && raw.kind !== "Cluster") throw new ConfigError(`kind: must be "Cluster", got ${JSON.stringify(raw.kind)}`);
  if (raw.apiVersion !== undefined && raw.apiVersion !== KIND_API_VERSION) throw new ConfigError(`apiVersion: must be "${KIND_API_VERSION}", got ${JSON.stringify(raw.apiVersion)}`);
  const name = checkClusterName(nameOverride ?? raw.name);

  let nodes: NodeConfig[];
  if (raw.nodes === undefined || raw.nodes === null) {
    // kind's own default is a single control-plane; {"name"} alone gets the sandbox layout.
    nodes = isKind ? [{ role: "control-plane" }] : [{ role: "control-plane" }, { role: "worker" }, { role: "worker" }];
  } else {
    if (!Array.isArray(raw.nodes)) throw new ConfigError("nodes: must be a list");
    if (raw.nodes.length === 0) throw new ConfigError("nodes: must have at least one node");
    if (raw.nodes.length > LIMITS.nodesPerCluster) throw new ConfigError(`nodes: ${raw.nodes.length} nodes is more than the limit of ${LIMITS.nodesPerCluster}`);
    nodes = raw.nodes.map((n, i) => {
      const field = `nodes[${i}]`;
      if (!isObject(n)) throw new ConfigError(`${field}: must be an object`);
      const role = n.role ?? "control-plane";
      if (role !== "control-plane" && role !== "worker") throw new ConfigError(`${field}.role: must be "control-plane" or "worker", got ${JSON.stringify(role)}`);
      if (n.labels !== undefined) {
        if (!isObject(n.labels)) throw new ConfigError(`${field}.labels: must be a map of strings`);
        for (const [k, v] of Object.entries(n.labels)) {
          if (typeof v !== "string") throw new ConfigError(`${field}.labels[${k}]: value must be a string`);
          const errs = [...qualifiedName(k), ...labelValue(v)];
          if (errs.length) throw new ConfigError(`${field}.labels[${k}]: ${errs[0]}`);
        }
      }
      // The first control-plane node is kubeadm's init node; every other node joins.
      const init = role === "control-plane" && !(raw.nodes as unknown[]).slice(0, i).some((m) => isObject(m) && (m.role ?? "control-plane") === "control-plane");
      const patched = kubeletNodeLabels(n.kubeadmConfigPatches, init ? "InitConfiguration" : "JoinConfiguration", `${field}.kubeadmConfigPatches`);
      if (patched) return { ...n, role, labels: { ...patched, ...(n.labels as Record<string, string> | undefined) } } as NodeConfig;
      return { ...n, role } as NodeConfig;
    });
    if (!nodes.some((n) => n.role === "control-plane")) throw new ConfigError("nodes: must have at least one control-plane node");
    const ports = checkPortMappings(nodes);
    if (ports) throw new ConfigError(ports);
  }

  const networking = isObject(raw.networking) ? raw.networking : {};
  if (raw.networking !== undefined && !isObject(raw.networking)) throw new ConfigError("networking: must be an object");
  const podSubnet = subnet(networking.podSubnet, "networking.podSubnet", DEFAULT_POD_SUBNET);
  const serviceSubnet = subnet(networking.serviceSubnet, "networking.serviceSubnet", DEFAULT_SERVICE_SUBNET);
  const pod = parseCidr(podSubnet)!;
  const svc = parseCidr(serviceSubnet)!;
  if (pod.bits > 24) throw new ConfigError(`networking.podSubnet: ${podSubnet} is too small: every node gets a /24 from it`);
  if (nodes.length > 2 ** (24 - pod.bits)) throw new ConfigError(`networking.podSubnet: ${podSubnet} holds ${2 ** (24 - pod.bits)} node ranges (/24), fewer than the ${nodes.length} nodes`);
  if (svc.bits > 28) throw new ConfigError(`networking.serviceSubnet: ${serviceSubnet} is too small (at most /28)`);
  if (cidrContains(pod, intToIp(svc.base)) || cidrContains(svc, intToIp(pod.base))) throw new ConfigError(`networking.serviceSubnet: ${serviceSubnet} overlaps networking.podSubnet ${podSubnet}`);

  const disableDefaultCNI = networking.disableDefaultCNI ?? false;
  if (typeof disableDefaultCNI !== "boolean") throw new ConfigError(`networking.disableDefaultCNI: must be true or false, got ${JSON.stringify(disableDefaultCNI)}`);
  const kubeProxyMode = networking.kubeProxyMode ?? "iptables";
  if (typeof kubeProxyMode !== "string" || !(KUBE_PROXY_MODES as readonly string[]).includes(kubeProxyMode))
    throw new ConfigError(`networking.kubeProxyMode: invalid kubeProxyMode ${JSON.stringify(kubeProxyMode)}: must be one of ${KUBE_PROXY_MODES.map((m) => `"${m}"`).join(", ")}`);

  let version: string | null = null;
  nodes.forEach((n, i) => {
    const v = versionFromImage(n.image, `nodes[${i}].image`);
    if (v && version && v !== version) throw new ConfigError(`nodes[${i}].image: every node must run the same Kubernetes version (${version} and ${v})`);
    version ??= v;
  });

  return {
    name,
    nodes,
    networking: { ...networking, podSubnet, serviceSubnet, disableDefaultCNI, kubeProxyMode: kubeProxyMode as KubeProxyMode },
    kubernetesVersion: version ?? DEFAULT_KUBERNETES_VERSION,
    original: raw,
  };
}
