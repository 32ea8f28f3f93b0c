// Node (core/v1): a machine of the cluster. Nodes are made from the cluster's config (kind-style)
// and simulated; their heartbeat-driven state is computed when read.
import type { z } from "zod";
import { ALWAYS, bool, int32, int64, list, map, oneOf, opt, quantity, req, str, struct, time, UNCHECKED } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind, type KObject } from "./define";
import { Taint } from "./types/core";
import { objectSchema } from "./types/meta";

const CORE = "io.k8s.api.core.v1";
const n = (s: string) => `${CORE}.${s}`;

export const NodeCondition = struct(n("NodeCondition"), "One aspect of a node's health.", {
  type: req(1, str, ALWAYS, UNCHECKED, "Ready, MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable."),
  status: req(2, oneOf("True", "False", "Unknown"), ALWAYS, UNCHECKED, "True, False or Unknown."),
  lastHeartbeatTime: opt(3, time, ALWAYS, "When the kubelet last reported this condition."),
  lastTransitionTime: opt(4, time, ALWAYS, "When the status last changed."),
  reason: opt(5, str, "Machine-readable reason."),
  message: opt(6, str, "Human-readable details."),
});

const ConfigMapNodeConfigSource = struct(n("ConfigMapNodeConfigSource"), "Deprecated dynamic kubelet config.", {
  namespace: req(1, str),
  name: req(2, str),
  uid: opt(3, str),
  resourceVersion: opt(4, str),
  kubeletConfigKey: req(5, str),
});
const NodeConfigSource = struct(n("NodeConfigSource"), "Deprecated dynamic kubelet config source.", { configMap: opt(2, ConfigMapNodeConfigSource) });

export const NodeSpec = struct(n("NodeSpec"), "How a node may be used.", {
  podCIDR: opt(1, str, "Pod address range of the node."),
  podCIDRs: opt(7, list(str, { strategy: "merge", listType: "set" }), "Pod address ranges of the node (one per IP family)."),
  providerID: opt(3, str, "ID from the infrastructure provider, such as kind://docker/kind/kind-worker."),
  unschedulable: opt(4, bool, "When true (kubectl cordon), no new pods are scheduled here."),
  taints: opt(5, list(Taint, { listType: "atomic" }), "Taints that repel pods without matching tolerations."),
  configSource: opt(6, NodeConfigSource, "Deprecated."),
  externalID: opt(2, str, "Deprecated."),
});

export const NodeSystemInfo = struct(n("NodeSystemInfo"), "Facts about the node's machine and software.", {
  machineID: req(1, str, ALWAYS, UNCHECKED, "Machine ID."),
  systemUUID: req(2, str, ALWAYS, UNCHECKED, "System UUID."),
  bootID: req(3, str, ALWAYS, UNCHECKED, "Boot ID."),
  kernelVersion: req(4, str, ALWAYS, UNCHECKED, "Kernel version (uname -r)."),
  osImage: req(5, str, ALWAYS, UNCHECKED, "OS image (from /etc/os-release)."),
  containerRuntimeVersion: req(6, str, ALWAYS, UNCHECKED, "Container runtime and version, such as containerd://2.0.2."),
  kubeletVersion: req(7, str, ALWAYS, UNCHECKED, "Kubelet version."),
  kubeProxyVersion: req(8, str, ALWAYS, UNCHECKED, "Deprecated: kube-proxy version."),
  operatingSystem: req(9, str, ALWAYS, UNCHECKED, "linux or windows."),
  architecture: req(10, str, ALWAYS, UNCHECKED, "amd64 or arm64."),
  swap: opt(11, struct(n("NodeSwapStatus"), "Swap on the node.", { capacity: opt(1, int64, "Swap bytes.") }), "Swap on the node."),
});

export const NodeAddress = struct(n("NodeAddress"), "An address of the node.", {
  type: req(1, str, ALWAYS, UNCHECKED, "Hostname, InternalIP, ExternalIP, InternalDNS or ExternalDNS."),
  address: req(2, str, ALWAYS, UNCHECKED, "The address."),
});

export const NodeStatus = struct(n("NodeStatus"), "What is known about a node.", {
  capacity: opt(1, map(quantity), "Total resources of the node."),
  allocatable: opt(2, map(quantity), "Resources available to pods."),
  phase: opt(3, str, "Deprecated and never set."),
  conditions: opt(4, list(NodeCondition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "Ready and pressure conditions."),
  addresses: opt(5, list(NodeAddress, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "Addresses of the node."),
  daemonEndpoints: opt(
    6,
    struct(n("NodeDaemonEndpoints"), "Ports of daemons on the node.", {
      kubeletEndpoint: opt(1, struct(n("DaemonEndpoint"), "A daemon's port.", { Port: req(1, int32, ALWAYS, UNCHECKED, "Port number.") }), ALWAYS, "The kubelet's port."),
    }),
    ALWAYS,
    "Ports of the node's daemons.",
  ),
  nodeInfo: opt(7, NodeSystemInfo, ALWAYS, "Machine and software facts."),
  images: opt(8, list(struct(n("ContainerImage"), "An image on the node.", { names: opt(1, list(str, { listType: "atomic" })), sizeBytes: opt(2, int64) }), { listType: "atomic" }), "Images cached on the node."),
  volumesInUse: opt(9, list(str, { listType: "atomic" }), "Volumes in use."),
  volumesAttached: opt(10, list(struct(n("AttachedVolume"), "An attached volume.", { name: req(1, str, ALWAYS, UNCHECKED), devicePath: req(2, str, ALWAYS, UNCHECKED) }), { listType: "atomic" }), "Volumes attached."),
  runtimeHandlers: opt(
    12,
    list(struct(n("NodeRuntimeHandler"), "A runtime handler.", { name: opt(1, str), features: opt(2, struct(n("NodeRuntimeHandlerFeatures"), "Handler features.", { recursiveReadOnlyMounts: opt(1, bool), userNamespaces: opt(2, bool) })) }), { listType: "atomic" }),
    "Runtime handlers.",
  ),
  features: opt(13, struct(n("NodeFeatures"), "Node features.", { supplementalGroupsPolicy: opt(1, bool) }), "Features of the node."),
});

export const NodeSchema = objectSchema(n("Node"), "A machine of the cluster where pods run.", { group: "", version: "v1", kind: "Node" }, {
  spec: opt(2, NodeSpec, ALWAYS, "How the node may be used."),
  status: opt(3, NodeStatus, ALWAYS, "What is known about the node."),
});

export type Node = z.infer<typeof NodeSchema> & KObject;

/** Roles from node-role.kubernetes.io/<role> labels, as kubectl prints them. */
export function nodeRoles(node: Node): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata.labels ?? {})) {
    if (k.startsWith("node-role.kubernetes.io/")) roles.add(k.slice("node-role.kubernetes.io/".length));
    else if (k === "kubernetes.io/role" && v) roles.add(v);
  }
  return roles.size ? [...roles].sort().join(",") : "<none>";
}

export function nodeStatusText(node: Node): string {
  const ready = node.status?.conditions?.find((c) => c.type === "Ready");
  const parts = [ready ? (ready.status === "True" ? "Ready" : "NotReady") : "Unknown"];
  if (node.spec?.unschedulable) parts.push("SchedulingDisabled");
  return parts.join(",");
}

function address(node: Node, type: string): string {
  return node.status?.addresses?.find((a) => a.type === type)?.address || "<none>";
}

export const nodes = defineKind<Node>({
  group: "",
  version: "v1",
  kind: "Node",
  plural: "nodes",
  singular: "node",
  namespaced: false,
  shortNames: ["no"],
  schema: NodeSchema,
  subresources: [
    { name: "status", verbs: ["get", "patch", "update"] },
    { name: "proxy", kind: { group: "", version: "v1", kind: "NodeProxyOptions" }, verbs: ["create", "delete", "get", "patch", "update"] },
  ],
  deleteReturnsObject: true,
  allowUnconditionalUpdate: true,
  fieldSelectors: { "spec.unschedulable": (o) => String(o.spec?.unschedulable ?? false) },
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the node.", cell: (o) => o.metadata.name ?? "" },
    { name: "Status", type: "string", description: "Ready, NotReady or Unknown; SchedulingDisabled when cordoned.", cell: (o) => nodeStatusText(o) },
    { name: "Roles", type: "string", description: "Roles from node-role labels.", cell: (o) => nodeRoles(o) },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    { name: "Version", type: "string", description: "Kubelet version.", cell: (o) => o.status?.nodeInfo?.kubeletVersion ?? "" },
    { name: "Internal-IP", type: "string", priority: 1, description: "Internal address.", cell: (o) => address(o, "InternalIP") },
    { name: "External-IP", type: "string", priority: 1, description: "External address.", cell: (o) => address(o, "ExternalIP") },
    { name: "OS-Image", type: "string", priority: 1, description: "Operating system image.", cell: (o) => o.status?.nodeInfo?.osImage || "<unknown>" },
    { name: "Kernel-Version", type: "string", priority: 1, description: "Kernel version.", cell: (o) => o.status?.nodeInfo?.kernelVersion || "<unknown>" },
    { name: "Container-Runtime", type: "string", priority: 1, description: "Container runtime and version.", cell: (o) => o.status?.nodeInfo?.containerRuntimeVersion || "<unknown>" },
  ],
  prepareUpdate(o, old) {
    o.status = old.status;
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
  decorate(o, now, read) {
    const conditions = o.status?.conditions;
    // Once the node controller marked the node Unknown, nothing heartbeats until the kubelet is back.
    if (!conditions || conditions.some((c) => c.type === "Ready" && c.status === "Unknown")) return o;
    return { ...o, status: { ...o.status, conditions: conditions.map((c) => ({ ...c, lastHeartbeatTime: read.heartbeat(o.metadata.name!, c.lastHeartbeatTime, now) })) } };
  },
  validateUpdate(o, old, p) {
    if (old.spec?.podCIDR && o.spec?.podCIDR !== old.spec.podCIDR) p.forbidden(["spec", "podCIDR"], "node updates may not change podCIDR except from \"\" to valid");
    if (old.spec?.providerID && o.spec?.providerID !== old.spec.providerID) p.forbidden(["spec", "providerID"], "node updates may not change providerID except from \"\" to valid");
  },
});
