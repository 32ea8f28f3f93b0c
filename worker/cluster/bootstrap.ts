// A new cluster's first objects, as kubeadm and kind leave them: the system namespaces, the
// nodes from the config, and the `kubernetes` Service. Everything goes through the API server so
// it is validated, versioned and logged like any later write.
import type { ApiServer } from "./api/apiserver";
import { nthAddress, parseCidr } from "./api/cidr";
import { nodeAddress, nodeNames, nodePodCidr, type ClusterConfig } from "./config";
import { NODE_LEASE_NAMESPACE, NODE_LEASE_SECONDS } from "./node/heartbeat";
import { buildNode } from "./node/register";
import { formatMicroTime } from "./api/time";
import { leases } from "./resources/lease";
import { namespaces } from "./resources/namespace";
import { nodes } from "./resources/node";
import { services } from "./resources/service";

export const SYSTEM_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

export function bootstrap(api: ApiServer, config: ClusterConfig, now: number): void {
  for (const name of SYSTEM_NAMESPACES) api.create(namespaces, "", { metadata: { name } });
  const names = nodeNames(config.name, config.nodes);
  const hasWorkers = config.nodes.some((n) => n.role === "worker");
  config.nodes.forEach((n, i) => {
    const node = buildNode(
      {
        name: names[i],
        role: n.role,
        labels: n.labels,
        podCIDR: nodePodCidr(config.networking.podSubnet, i)!,
        address: nodeAddress(i),
        cluster: config.name,
        kubernetesVersion: config.kubernetesVersion,
        taintControlPlane: hasWorkers,
      },
      now,
    );
    const created = api.create(nodes, "", node).object;
    const now2 = formatMicroTime(now);
    api.create(leases, NODE_LEASE_NAMESPACE, {
      metadata: { name: names[i], ownerReferences: [{ apiVersion: "v1", kind: "Node", name: names[i], uid: created.metadata.uid! }] },
      spec: { holderIdentity: names[i], leaseDurationSeconds: NODE_LEASE_SECONDS, renewTime: now2 },
    });
  });
  const range = parseCidr(config.networking.serviceSubnet)!;
  api.create(services, "default", {
    metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: nthAddress(range, 1), ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }], sessionAffinity: "None" },
  });
}
