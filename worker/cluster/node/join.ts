// A node joining the cluster, as kubeadm join and the kubelet's registration leave it: the Node
// object (from register.ts) and its heartbeat Lease in kube-node-lease, owned by the Node. The
// machine comes from kind's node image: its images are preloaded, and with kind's default CNI
// kindnet's config is in place by the time the node reports (kind's nodes are Ready when
// `kind create cluster` returns); without it the node registers NotReady until a CNI runs.
import type { ApiServer } from "../api/apiserver";
import { formatMicroTime } from "../machinery/time";
import { nodeAddress, nodePodCidr, type ClusterConfig, type NodeRole } from "../config";
import { leases } from "../resources/lease";
import { nodes, type Node } from "../resources/node";
import { NODE_LEASE_NAMESPACE, NODE_LEASE_SECONDS } from "./heartbeat";
import { buildNode } from "./register";
import type { Machines } from "./machines";
import { preloadedImages } from "../addons/kubeSystem";

/** kind's default CNI. */
export const DEFAULT_CNI = "kindnet";

export interface JoiningNode {
  name: string;
  role: NodeRole;
  labels?: Record<string, string>;
  capacity?: Record<string, string>;
  /** Position among the cluster's nodes: picks its podCIDR and address. */
  index: number;
  taintControlPlane: boolean;
  /**
   * Made with the cluster: `kind create cluster` returns once its nodes have joined and kindnet
   * runs on them. A node added later joins NotReady until its kindnet pod runs.
   */
  withCluster?: boolean;
}

export function joinNode(api: ApiServer, machines: Machines, config: ClusterConfig, n: JoiningNode, now: number): Node {
  for (const image of preloadedImages(config)) machines.addImage(n.name, image);
  if (n.withCluster && !config.networking.disableDefaultCNI) machines.setCni(n.name, DEFAULT_CNI, now);
  const node = buildNode(
    {
      name: n.name,
      role: n.role,
      labels: n.labels,
      podCIDR: nodePodCidr(config.networking.podSubnet, n.index)!,
      address: nodeAddress(n.index),
      cluster: config.name,
      kubernetesVersion: config.kubernetesVersion,
      taintControlPlane: n.taintControlPlane,
      capacity: n.capacity,
      networkReady: machines.cniOf(n.name) !== null,
    },
    now,
  );
  // The kubelet registers its node and its lease (their managedFields name it).
  const created = api.create(nodes, "", node, { manager: "kubelet" }).object as Node;
  api.create(leases, NODE_LEASE_NAMESPACE, {
    metadata: { name: n.name, ownerReferences: [{ apiVersion: "v1", kind: "Node", name: n.name, uid: created.metadata.uid! }] },
    spec: { holderIdentity: n.name, leaseDurationSeconds: NODE_LEASE_SECONDS, renewTime: formatMicroTime(now) },
  }, { manager: "kubelet" });
  return created;
}

/** The lowest node index whose podCIDR no existing node uses. */
export function freeNodeIndex(config: ClusterConfig, existing: Node[]): number {
  const used = new Set(existing.map((n) => n.spec?.podCIDR));
  for (let i = 0; ; i++) {
    const cidr = nodePodCidr(config.networking.podSubnet, i);
    if (cidr === null) return -1;
    if (!used.has(cidr)) return i;
  }
}
