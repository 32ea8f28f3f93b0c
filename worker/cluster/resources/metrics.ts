// metrics.k8s.io/v1beta1 PodMetrics and NodeMetrics, as metrics-server serves them for
// `kubectl top`: computed when read from the simulated usage (handed in by the node simulation); nothing is stored.
import type { z } from "zod";
import { opt, quantity, list, map, str, struct, time, duration } from "../machinery/schema/dsl";
import { formatTime } from "../machinery/time";
import type { Node } from "./node";
import type { Pod } from "./pod";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

const METRICS = "io.k8s.metrics.pkg.apis.metrics.v1beta1";
const gv = { group: "metrics.k8s.io", version: "v1beta1" };

export const PodMetricsSchema = objectSchema(`${METRICS}.PodMetrics`, "Resource use of a pod's containers, as measured over the window.", { ...gv, kind: "PodMetrics" }, {
  timestamp: opt(2, time, "When the sample was taken."),
  window: opt(3, duration, "The span the sample covers."),
  containers: opt(4, list(struct(`${METRICS}.ContainerMetrics`, "Use of one container.", { name: opt(1, str, "The container."), usage: opt(2, map(quantity), "cpu and memory.") }), { listType: "atomic" }), "Use per container."),
});
export type PodMetrics = z.infer<typeof PodMetricsSchema> & KObject;

export const NodeMetricsSchema = objectSchema(`${METRICS}.NodeMetrics`, "Resource use of a node, as measured over the window.", { ...gv, kind: "NodeMetrics" }, {
  timestamp: opt(2, time, "When the sample was taken."),
  window: opt(3, duration, "The span the sample covers."),
  usage: opt(4, map(quantity), "cpu and memory."),
});
export type NodeMetrics = z.infer<typeof NodeMetricsSchema> & KObject;

const cpu = (milli: number) => `${Math.round(milli * 1_000_000)}n`;
const mem = (bytes: number) => `${Math.round(bytes / 1024)}Ki`;

export const podMetrics = defineKind<PodMetrics>({
  ...gv,
  kind: "PodMetrics",
  plural: "pods",
  singular: "",
  namespaced: true,
  schema: PodMetricsSchema,
  verbs: ["get", "list"],
  *computed(ctx, namespace) {
    for (const { pod, containers } of ctx.usage.pods(ctx.scan, namespace))
      yield {
        apiVersion: "metrics.k8s.io/v1beta1",
        kind: "PodMetrics",
        metadata: { name: pod.metadata.name, namespace: pod.metadata.namespace, labels: pod.metadata.labels, creationTimestamp: formatTime(ctx.now) },
        timestamp: formatTime(ctx.now - 5_000),
        window: "15s",
        containers: containers.map((c) => ({ name: c.name, usage: { cpu: cpu(c.milliCPU), memory: mem(c.memory) } })),
      };
  },
});

export const nodeMetrics = defineKind<NodeMetrics>({
  ...gv,
  kind: "NodeMetrics",
  plural: "nodes",
  singular: "",
  namespaced: false,
  schema: NodeMetricsSchema,
  verbs: ["get", "list"],
  *computed(ctx) {
    const perNode = new Map<string, { milliCPU: number; memory: number }>();
    for (const { pod, containers } of ctx.usage.pods(ctx.scan, null)) {
      const n = (pod as Pod).spec?.nodeName;
      if (!n) continue;
      const t = perNode.get(n) ?? { milliCPU: 0, memory: 0 };
      for (const c of containers) {
        t.milliCPU += c.milliCPU;
        t.memory += c.memory;
      }
      perNode.set(n, t);
    }
    for (const node of ctx.scan<Node>("nodes", null)) {
      const sys = ctx.usage.system("node-role.kubernetes.io/control-plane" in (node.metadata.labels ?? {}));
      const pods = perNode.get(node.metadata.name!) ?? { milliCPU: 0, memory: 0 };
      yield {
        apiVersion: "metrics.k8s.io/v1beta1",
        kind: "NodeMetrics",
        metadata: { name: node.metadata.name, labels: node.metadata.labels, creationTimestamp: formatTime(ctx.now) },
        timestamp: formatTime(ctx.now - 5_000),
        window: "20s",
        usage: { cpu: cpu(sys.milliCPU + pods.milliCPU), memory: mem(sys.memory + pods.memory) },
      };
    }
  },
});
