// A cluster's configuration: the kind-style layout it was created from, normalized, and how its
// nodes are named and addressed (as kind does it).
import { formatCidr, nthSubnet, parseCidr } from "./machinery/cidr";

export type NodeRole = "control-plane" | "worker";

export interface NodeConfig {
  role: NodeRole;
  labels?: Record<string, string>;
  /** Any other kind fields (image, extraPortMappings, ...), kept as given. */
  [extra: string]: unknown;
}

export interface ClusterConfig {
  name: string;
  nodes: NodeConfig[];
  networking: {
    podSubnet: string;
    serviceSubnet: string;
    /** No kindnet: the nodes stay NotReady until a CNI of the user's runs on them. */
    disableDefaultCNI: boolean;
    /** kube-proxy's mode; "none" means no kube-proxy DaemonSet (and no Service traffic). */
    kubeProxyMode: KubeProxyMode;
    [extra: string]: unknown;
  };
  /** The Kubernetes version the cluster reports, e.g. v1.32.2. */
  kubernetesVersion: string;
  /** The config document as the user sent it (kind fields we do not act on are kept). */
  original: Record<string, unknown>;
}

/** kube-proxy modes kind accepts (networking.kubeProxyMode). */
export const KUBE_PROXY_MODES = ["iptables", "ipvs", "nftables", "none"] as const;
export type KubeProxyMode = (typeof KUBE_PROXY_MODES)[number];

export const DEFAULT_POD_SUBNET = "10.244.0.0/16";
export const DEFAULT_SERVICE_SUBNET = "10.96.0.0/16";
export const DEFAULT_KUBERNETES_VERSION = "v1.32.2";
export const NODE_PORT_RANGE: [number, number] = [30000, 32767];
/** Kubernetes minor versions a cluster may report (the kubectl versions on hand). */
export const SUPPORTED_MINORS = [27, 28, 29, 30, 31, 32, 33];

/** kind's node names: <cluster>-control-plane, <cluster>-control-plane2, <cluster>-worker, <cluster>-worker2, ... */
export function nodeNames(cluster: string, nodes: { role: NodeRole }[]): string[] {
  const counts: Record<NodeRole, number> = { "control-plane": 0, worker: 0 };
  return nodes.map((n) => {
    const i = ++counts[n.role];
    return `${cluster}-${n.role}${i === 1 ? "" : i}`;
  });
}

/** The i-th node's pod range: a /24 carved from the pod subnet, in node order. */
export function nodePodCidr(podSubnet: string, index: number): string | null {
  const c = parseCidr(podSubnet);
  if (!c) return null;
  const sub = nthSubnet(c, Math.max(24, c.bits), index);
  return sub ? formatCidr(sub) : null;
}

/** The i-th node's address on the simulated node network (kind's docker network). */
export function nodeAddress(index: number): string {
  return `172.18.${Math.floor((index + 2) / 256)}.${(index + 2) % 256}`;
}

/** A stored config with the fields later versions added filled in with kind's defaults. */
export function withNetworkingDefaults(config: ClusterConfig): ClusterConfig {
  const n = config.networking;
  return { ...config, networking: { ...n, disableDefaultCNI: n.disableDefaultCNI === true, kubeProxyMode: n.kubeProxyMode ?? "iptables" } };
}
