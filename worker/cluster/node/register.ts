// What a kubelet registers for its node: labels, taints, capacity, addresses and system info,
// shaped like a node of a kind cluster.
import { formatTime } from "../machinery/time";
import type { NodeRole } from "../config";
import type { Node } from "../resources/node";

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

function hex(n: number): string {
  return [...crypto.getRandomValues(new Uint8Array(n))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function nodeConditions(now: number, ready: boolean) {
  const t = formatTime(now);
  return [
    { type: "MemoryPressure", status: "False", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletHasSufficientMemory", message: "kubelet has sufficient memory available" },
    { type: "DiskPressure", status: "False", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletHasNoDiskPressure", message: "kubelet has no disk pressure" },
    { type: "PIDPressure", status: "False", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletHasSufficientPID", message: "kubelet has sufficient PID available" },
    ready
      ? { type: "Ready", status: "True", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletReady", message: "kubelet is posting ready status" }
      : { type: "Ready", status: "False", lastHeartbeatTime: t, lastTransitionTime: t, reason: "KubeletNotReady", message: "container runtime network not ready" },
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
      ...(input.role === "control-plane" && input.taintControlPlane ? { taints: [{ ...CONTROL_PLANE_TAINT }] } : {}),
    },
    status: {
      capacity,
      allocatable: { ...capacity },
      conditions: nodeConditions(now, true),
      addresses: [
        { type: "InternalIP", address: input.address },
        { type: "Hostname", address: input.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: hex(16),
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
