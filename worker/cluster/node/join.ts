// A node joining the cluster, as kubeadm join and the kubelet's registration leave it: the Node
// object (from register.ts) and its heartbeat Lease in kube-node-lease, owned by the Node.
import type { ApiServer } from "../api/apiserver";
import { formatMicroTime } from "../machinery/time";
import { nodeAddress, nodePodCidr, type ClusterConfig, type NodeRole } from "../config";
import { leases } from "../resources/lease";
import { nodes, type Node } from "../resources/node";
import { NODE_LEASE_NAMESPACE, NODE_LEASE_SECONDS } from "./heartbeat";
import { buildNode } from "./register";

export interface JoiningNode {
  name: string;
  role: NodeRole;
  labels?: Record<string, string>;
  capacity?: Record<string, string>;
  /** Position among the cluster's nodes: picks its podCIDR and address. */
  index: number;
  taintControlPlane: boolean;
}

export function joinNode(api: ApiServer, config: ClusterConfig, n: JoiningNode, now: number): Node {
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
