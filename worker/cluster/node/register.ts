// What a kubelet registers for its node: labels, taints, capacity, addresses and system info,
// shaped like a node of a kind cluster.
import { formatTime } from "../machinery/time";
import type { NodeRole } from "../config";
import type { Node } from "../resources/node";
import { randomHex } from "../machinery/hex";

export interface NodeSpecInput {
  name: string;
  role: NodeRole;
  labels?: Record<string, string>;
  podCIDR: string;
  address: string;
  cluster: string;
  kubernetesVersion: string;
  /** Whether control-plane nodes carry the NoSchedule taint (not when they are the only nodes). */
  taintControlPlane: boolean;
  /** Whether a CNI's config is on the node: without one the kubelet registers NotReady. */
  networkReady: boolean;
  capacity?: Record<string, string>;
}

export const DEFAULT_CAPACITY: Record<string, string> = {
  cpu: "4",
  "ephemeral-storage": "102626232Ki",
  "hugepages-1Gi": "0",
  "hugepages-2Mi": "0",
  memory: "8148140Ki",
  pods: "110",
};

export const CONTROL_PLANE_TAINT = { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" as const };

/**
 * The not-ready taints of a node whose Ready is False (the node lifecycle controller's: NoSchedule
 * by condition, NoExecute for eviction). A node that registers NotReady carries them from the
 * start, so nothing is scheduled onto it in the moment before the controller first sees it.
 */
export function notReadyTaints(now: number) {
  return [
    { key: "node.kubernetes.io/not-ready", effect: "NoSchedule" as const },
    { key: "node.kubernetes.io/not-ready", effect: "NoExecute" as const, timeAdded: formatTime(now) },
  ];
}

/** What the kubelet reports while the container runtime has no CNI config (containerd's words). */
export const NETWORK_NOT_READY_MESSAGE =
  "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";

/**
 * The conditions a running kubelet posts. The one decision of the Ready condition: Ready when
 * the node's pod network is (a CNI's config is in place), else NotReady with the runtime's words.
 */
export function nodeConditions(now: number, networkReady: boolean) {
  const ready = networkReady;
  const t = formatTime(now);
  return [
    { type: "MemoryPressure", status: "False", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
    { type: "DiskPressure", status: "False", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
    { type: "PIDPressure", status: "False", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
    ready
      ? { type: "Ready", status: "True", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletReady", message: "kubelet is posting ready status" }
      : { type: "Ready", status: "False", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletNotReady", message: NETWORK_NOT_READY_MESSAGE },
  ];
}

export function buildNode(input: NodeSpecInput, now: number): Node {
  const labels: Record<string, string> = {
    "beta.kubernetes.io/arch": "amd64",
    "beta.kubernetes.io/os": "linux",
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/hostname": input.name,
    "kubernetes.io/os": "linux",
    ...(input.role === "control-plane" ? { "node-role.kubernetes.io/control-plane": "", "node.kubernetes.io/exclude-from-external-load-balancers": "" } : {}),
    ...(input.labels ?? {}),
  };
  const capacity = { ...DEFAULT_CAPACITY, ...(input.capacity ?? {}) };
  const taints = [...(input.role === "control-plane" && input.taintControlPlane ? [{ ...CONTROL_PLANE_TAINT }] : []), ...(input.networkReady ? [] : notReadyTaints(now))];
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: input.name,
      labels,
      annotations: {
        "kubeadm.alpha.kubernetes.io/cri-socket": "unix:///run/containerd/containerd.sock",
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
    },
    spec: {
      podCIDR: input.podCIDR,
      podCIDRs: [input.podCIDR],
      providerID: `kind://docker/${input.cluster}/${input.name}`,
      ...(taints.length ? { taints } : {}),
    },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: nodeConditions(now, input.networkReady),
      addresses: [
        { type: "InternalIP", address: input.address },
        { type: "Hostname", address: input.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: randomHex(16),
        systemUUID: crypto.randomUUID(),
        bootID: crypto.randomUUID(),
        kernelVersion: "6.8.0-1021-gcp",
        osImage: "Debian GNU/Linux 12 (bookworm)",
        containerRuntimeVersion: "containerd://2.0.3",
        kubeletVersion: input.kubernetesVersion,
        kubeProxyVersion: input.kubernetesVersion,
        operatingSystem: "linux",
        architecture: "amd64",
      },
    },
  } as Node;
}
