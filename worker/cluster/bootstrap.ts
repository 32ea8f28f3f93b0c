// A new cluster's first objects, as kubeadm and kind leave them: the system namespaces, the
// nodes from the config, the `kubernetes` Service, and kubeadm's and kind's addons
// (addons/kubeSystem.ts). Everything goes through the API server so it is validated, versioned
// and logged like any later write. The control plane's static pods are the kubelet's to post
// (node/staticPods.ts), once each control-plane node exists.
import type { ApiServer } from "./api/apiserver";
import { nthAddress, parseCidr } from "./machinery/cidr";
import { nodeNames, type ClusterConfig } from "./config";
import { joinNode } from "./node/join";
import type { Machines } from "./node/machines";
import { kubeSystemAddons } from "./addons/kubeSystem";
import { namespaces } from "./resources/namespace";
import { services } from "./resources/service";

export const SYSTEM_NAMESPACES = ["default", "kube-node-lease", "kube-public", "kube-system"];

/**
 * `kubeadm init` on the first control-plane node, then kind's addons. The other nodes join in
 * `joinTheRest`, once the control loop has had a pass: kind joins them after its CNI and storage
 * steps, which is why CoreDNS and the local-path provisioner run on the control plane.
 */
export function bootstrap(api: ApiServer, machines: Machines, config: ClusterConfig, now: number): void {
  for (const name of SYSTEM_NAMESPACES) api.create(namespaces, "", { metadata: { name } });
  joinNodes(api, machines, config, now, (i) => i === initNode(config));
  const range = parseCidr(config.networking.serviceSubnet)!;
  api.create(services, "default", {
    metadata: { name: "kubernetes", labels: { component: "apiserver", provider: "kubernetes" } },
    spec: { type: "ClusterIP", clusterIP: nthAddress(range, 1), ports: [{ name: "https", port: 443, protocol: "TCP", targetPort: 6443 }], sessionAffinity: "None" },
  });
  for (const a of kubeSystemAddons(config)) api.create(a.kind, a.namespace, a.object, { manager: a.manager });
}

/** Nodes joined in one transaction at most: 5,000 in one held every change of them in memory at once. */
export const JOIN_BATCH = 250;

/**
 * `kubeadm join` of every node but the first control plane (those not joined yet: it may run
 * again), in batches of JOIN_BATCH by their place in the config, each run through `inTransaction`.
 */
export function joinTheRest(api: ApiServer, machines: Machines, config: ClusterConfig, now: number, inTransaction: (join: () => void) => void): void {
  for (let from = 0; from < config.nodes.length; from += JOIN_BATCH)
    inTransaction(() => joinNodes(api, machines, config, now, (i) => i >= from && i < from + JOIN_BATCH && i !== initNode(config)));
}

function initNode(config: ClusterConfig): number {
  return config.nodes.findIndex((n) => n.role === "control-plane");
}

function joinNodes(api: ApiServer, machines: Machines, config: ClusterConfig, now: number, which: (index: number) => boolean): void {
  const names = nodeNames(config.name, config.nodes);
  const hasWorkers = config.nodes.some((n) => n.role === "worker");
  config.nodes.forEach((n, i) => {
    if (which(i) && !api.peek("nodes", "", names[i])) joinNode(api, machines, config, { name: names[i], role: n.role, labels: n.labels, index: i, taintControlPlane: hasWorkers, withCluster: true }, now);
  });
}
