// What the scheduler knows of the cluster in one cycle: every node with the pods bound to it
// and what they request, the way kube-scheduler's NodeInfo cache holds it. Built from the store
// when something outside the scheduler changed, and updated in place as the scheduler binds.
import type { NodeMemo } from "./framework";
import { milliValue, quantityToNumber } from "../machinery/quantity";
import type { Node } from "../resources/node";
import type { Pod } from "../resources/pod";
import type { ApiServer } from "../api/apiserver";
import type { ContainerT, TaintT } from "../resources/types/core";
import { Interner } from "../machinery/interner";

export interface Resources {
  milliCPU: number;
  memory: number;
  ephemeralStorage: number;
  pods: number;
  scalar: Record<string, number>;
}

/** Requests the scoring plugins assume for a container that states none (kube-scheduler's). */
export const DEFAULT_MILLI_CPU = 100;
export const DEFAULT_MEMORY = 200 * 1024 * 1024;

export interface PodInfo {
  pod: Pod;
  key: string;
  namespace: string;
  labels: Record<string, string>;
  requests: Resources;
  /** Requests with the scoring defaults filled in for containers that state none. */
  nonZero: { milliCPU: number; memory: number };
  hostPorts: { protocol: string; ip: string; port: number }[];
}

export interface NodeInfo {
  name: string;
  node: Node;
  labels: Record<string, string>;
  taints: TaintT[];
  allocatable: Resources;
  requested: Resources;
  nonZeroRequested: { milliCPU: number; memory: number };
  pods: PodInfo[];
  /**
   * The pods of `pods` with required anti-affinity terms (kube-scheduler's
   * PodsWithRequiredAntiAffinity): every newcomer checks them, so they are kept apart rather than
   * found by a pass over every pod of the cluster per pod scheduled.
   */
  withRequiredAntiAffinity: PodInfo[];
  /** Moves on whenever a pod is counted on the node or taken off: what was judged of it before is stale. */
  generation: number;
  /** The plugins' verdicts on the node for pods that read nothing else, by the pods' signature (framework.ts). */
  memo: NodeMemo[];
}

function empty(): Resources {
  return { milliCPU: 0, memory: 0, ephemeralStorage: 0, pods: 0, scalar: {} };
}

function add(into: Resources, list: Record<string, unknown> | undefined, max = false) {
  for (const [k, v] of Object.entries(list ?? {})) {
    const s = v as string | number;
    const set = (field: "milliCPU" | "memory" | "ephemeralStorage", value: number) => (into[field] = max ? Math.max(into[field], value) : into[field] + value);
    if (k === "cpu") set("milliCPU", milliValue(s));
    else if (k === "memory") set("memory", quantityToNumber(s));
    else if (k === "ephemeral-storage") set("ephemeralStorage", quantityToNumber(s));
    else if (k !== "pods") into.scalar[k] = max ? Math.max(into.scalar[k] ?? 0, quantityToNumber(s)) : (into.scalar[k] ?? 0) + quantityToNumber(s);
  }
}

function containerRequests(c: ContainerT): Record<string, unknown> {
  // A limit without a request means a request of the limit (the API server's defaulting).
  return { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
}

/** A pod's effective request: its containers' sum, or its largest init container, whichever is larger; plus overhead. */
export function podRequests(pod: Pod): Resources {
  const spec = pod.spec!;
  const sum = empty();
  for (const c of spec.containers) add(sum, containerRequests(c));
  const sidecars = empty();
  const initMax = empty();
  for (const c of spec.initContainers ?? []) {
    if (c.restartPolicy === "Always") {
      add(sidecars, containerRequests(c));
      add(sum, containerRequests(c));
    } else {
      const one = empty();
      add(one, containerRequests(c));
      add(one, { cpu: `${sidecars.milliCPU}m`, memory: String(sidecars.memory) });
      initMax.milliCPU = Math.max(initMax.milliCPU, one.milliCPU);
      initMax.memory = Math.max(initMax.memory, one.memory);
      initMax.ephemeralStorage = Math.max(initMax.ephemeralStorage, one.ephemeralStorage);
    }
  }
  sum.milliCPU = Math.max(sum.milliCPU, initMax.milliCPU);
  sum.memory = Math.max(sum.memory, initMax.memory);
  sum.ephemeralStorage = Math.max(sum.ephemeralStorage, initMax.ephemeralStorage);
  add(sum, spec.overhead as Record<string, unknown> | undefined);
  sum.pods = 1;
  return sum;
}

export function podInfo(pod: Pod): PodInfo {
  const requests = podRequests(pod);
  let cpu = 0;
  let mem = 0;
  // Sidecars run beside the app containers, so their requests count here too.
  for (const c of [...pod.spec!.containers, ...(pod.spec!.initContainers ?? []).filter((x) => x.restartPolicy === "Always")]) {
    const r = containerRequests(c);
    cpu += r.cpu !== undefined ? milliValue(r.cpu as string) : DEFAULT_MILLI_CPU;
    mem += r.memory !== undefined ? quantityToNumber(r.memory as string) : DEFAULT_MEMORY;
  }
  const hostPorts: PodInfo["hostPorts"] = [];
  for (const c of [...pod.spec!.containers, ...(pod.spec!.initContainers ?? [])])
    for (const p of c.ports ?? []) if (p.hostPort) hostPorts.push({ protocol: p.protocol ?? "TCP", ip: p.hostIP || "0.0.0.0", port: p.hostPort });
  return {
    pod,
    key: `${pod.metadata.namespace}/${pod.metadata.name}`,
    namespace: pod.metadata.namespace!,
    labels: pod.metadata.labels ?? {},
    requests,
    nonZero: { milliCPU: cpu, memory: mem },
    hostPorts,
  };
}

function nodeInfo(node: Node): NodeInfo {
  const allocatable = empty();
  const alloc = (node.status?.allocatable ?? {}) as Record<string, string>;
  add(allocatable, alloc);
  allocatable.pods = alloc.pods !== undefined ? quantityToNumber(alloc.pods) : 110;
  return {
    name: node.metadata.name!,
    // Its status (images, conditions, addresses) is read above and not kept: 5,000 nodes' worth would weigh.
    node: { apiVersion: node.apiVersion, kind: node.kind, metadata: { name: node.metadata.name, labels: node.metadata.labels }, spec: node.spec ?? {} } as Node,
    labels: node.metadata.labels ?? {},
    taints: node.spec?.taints ?? [],
    allocatable,
    requested: empty(),
    nonZeroRequested: { milliCPU: 0, memory: 0 },
    pods: [],
    withRequiredAntiAffinity: [],
    generation: 0,
    // Present from the start: every NodeInfo keeps one shape for the plugins' hot paths.
    memo: [],
  };
}

export class Snapshot {
  readonly nodes = new Map<string, NodeInfo>();
  /** The API server, for plugins that read claims and volumes (VolumeBinding) and write them in PreBind. */
  api?: ApiServer;

  constructor(
    nodes: Iterable<Node>,
    pods: Iterable<Pod>,
    /** Labels of a namespace (for affinity terms' namespaceSelector). */
    readonly namespaceLabels: (ns: string) => Record<string, string> = () => ({}),
  ) {
    for (const n of nodes) this.nodes.set(n.metadata.name!, nodeInfo(n));
    this.all = [...this.nodes.values()];
    for (const p of pods) {
      const phase = p.status?.phase;
      if (!p.spec?.nodeName || phase === "Succeeded" || phase === "Failed") continue;
      this.place(podInfo(p), p.spec.nodeName);
    }
  }

  /** The nodes, in one array for every cycle: the set is fixed for the snapshot's life (a node's change builds a new one). */
  private readonly all: readonly NodeInfo[];
  /**
   * Nodes that have held a pod with required anti-affinity: every pod's cycle looks at those pods'
   * terms, and on 1,000 nodes without any, a pass over every node for each pod was wasted. A node
   * may stay here with none left (preemption's what-ifs take pods off directly): a superset.
   */
  private readonly antiAffinityNodes = new Set<NodeInfo>();

  /** Where each pod the snapshot counts is (by namespace/name), so that one can be taken off again without a rebuild. */
  private readonly placed = new Map<string, PodInfo>();
  /** Labels, requests and strings that the pods of one template hold alike, kept once. */
  private readonly shared = new Interner();

  /** Counts a pod bound to a node (when building, and after binding it), keeping only what plugins read of a pod already placed. */
  place(info: PodInfo, nodeName: string): void {
    const n = this.nodes.get(nodeName);
    if (!n) return;
    this.forget(info.key);
    const pod = placedPod(info.pod, this.shared, nodeName);
    const kept: PodInfo = {
      pod,
      key: info.key,
      namespace: pod.metadata.namespace!,
      labels: pod.metadata.labels ?? NO_LABELS,
      requests: this.shared.value(info.requests),
      nonZero: this.shared.value(info.nonZero),
      hostPorts: info.hostPorts.length ? this.shared.value(info.hostPorts) : NO_PORTS,
    };
    addPod(n, kept);
    if (n.withRequiredAntiAffinity.length) this.antiAffinityNodes.add(n);
    this.placed.set(info.key, kept);
  }

  /** Stops counting a pod that is gone or finished; a pod the snapshot does not count is left alone. */
  forget(key: string): void {
    const info = this.placed.get(key);
    if (!info) return;
    // A placed pod names its node (place sets it).
    const n = this.nodes.get(info.pod.spec!.nodeName!);
    if (n) removePod(n, info);
    this.placed.delete(key);
  }

  /** Counts a pod on a node for one cycle's what-if (a nominated pod holding its place); removePod takes it off. */
  assume(info: PodInfo, nodeName: string): void {
    const n = this.nodes.get(nodeName);
    if (!n) return;
    addPod(n, info);
    if (n.withRequiredAntiAffinity.length) this.antiAffinityNodes.add(n);
  }

  list(): readonly NodeInfo[] {
    return this.all;
  }

  /** The nodes where a pod with required anti-affinity may be (every such node, perhaps more). */
  withRequiredAntiAffinity(): Iterable<NodeInfo> {
    return this.antiAffinityNodes;
  }
}

const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const NO_PORTS: PodInfo["hostPorts"] = Object.freeze([]) as unknown as PodInfo["hostPorts"];
const NO_CONTAINERS: ContainerT[] = Object.freeze([]) as unknown as ContainerT[];

/**
 * What the plugins and preemption read of a pod already on a node (its requests and host ports
 * are in its PodInfo): names, labels, priority, start, affinity, a deletion and a DisruptionTarget
 * condition. The snapshot holds every bound pod, so the rest of each parsed pod is let go: a
 * cluster of 100,000 pods must fit the object's 128 MB. What pods hold alike (namespace, node,
 * phase, a second's start time, a template's labels and affinity) is kept once, through `shared`.
 */
export function placedPod(p: Pod, shared: Interner, nodeName: string): Pod {
  const m = p.metadata;
  const disruption = p.status?.conditions?.filter((c) => c.type === "DisruptionTarget");
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: m.name,
      namespace: shared.string(m.namespace),
      uid: m.uid,
      ...(m.labels ? { labels: shared.value(m.labels) } : {}),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
    },
    spec: {
      containers: NO_CONTAINERS,
      nodeName: shared.string(nodeName),
      ...(p.spec?.priority !== undefined ? { priority: p.spec.priority } : {}),
      ...(p.spec?.affinity ? { affinity: shared.value(p.spec.affinity) } : {}),
    },
    status: {
      ...(p.status?.phase ? { phase: shared.string(p.status.phase) } : {}),
      ...(p.status?.startTime ? { startTime: shared.string(p.status.startTime) } : {}),
      ...(disruption?.length ? { conditions: disruption } : {}),
    },
  } as Pod;
}

/** Counts a pod and its requests on a node. */
export function addPod(node: NodeInfo, info: PodInfo): void {
  node.pods.push(info);
  if (hasRequiredAntiAffinity(info)) node.withRequiredAntiAffinity.push(info);
  charge(node, info, 1);
}

function hasRequiredAntiAffinity(info: PodInfo): boolean {
  return !!info.pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.length;
}

/** Takes a pod and its requests off a node (preemption's what-if, a nomination given up). */
export function removePod(node: NodeInfo, info: PodInfo): void {
  const i = node.pods.indexOf(info);
  if (i < 0) return;
  node.pods.splice(i, 1);
  const j = node.withRequiredAntiAffinity.indexOf(info);
  if (j >= 0) node.withRequiredAntiAffinity.splice(j, 1);
  charge(node, info, -1);
}

function charge(node: NodeInfo, info: PodInfo, sign: 1 | -1): void {
  node.generation++;
  const r = node.requested;
  r.milliCPU += sign * info.requests.milliCPU;
  r.memory += sign * info.requests.memory;
  r.ephemeralStorage += sign * info.requests.ephemeralStorage;
  r.pods += sign;
  for (const [k, v] of Object.entries(info.requests.scalar)) r.scalar[k] = (r.scalar[k] ?? 0) + sign * v;
  node.nonZeroRequested.milliCPU += sign * info.nonZero.milliCPU;
  node.nonZeroRequested.memory += sign * info.nonZero.memory;
}
