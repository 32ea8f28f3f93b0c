// HorizontalPodAutoscaler: autoscaling/v2 (stored) and autoscaling/v1 (converted), scaling a
// Deployment, ReplicaSet, StatefulSet or ReplicationController through its scale subresource
// from the pods' CPU or memory use (metrics.k8s.io). `kubectl autoscale` makes them.
import type { z } from "zod";
import { ALWAYS, int32, int64, list, oneOf, opt, PTR, quantity, req, str, struct, time, UNCHECKED } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { statusHooks } from "./workload";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

const V2 = "io.k8s.api.autoscaling.v2";
const V1 = "io.k8s.api.autoscaling.v1";

const CrossVersionObjectReference = (ns: string) =>
  struct(`${ns}.CrossVersionObjectReference`, "The object to scale.", {
    kind: req(1, str, "Its kind, such as Deployment."),
    name: req(2, str, "Its name."),
    apiVersion: opt(3, str, "Its API version, such as apps/v1."),
  });

/** What both versions' specs start with: the target and the replica bounds. */
const boundsFields = (ns: string) => ({
  scaleTargetRef: req(1, CrossVersionObjectReference(ns), "The object to scale."),
  minReplicas: opt(2, int32, PTR, "Fewest replicas (default 1)."),
  // Absent is 0, which validation refuses as "must be greater than 0" (not Required).
  maxReplicas: req(3, int32, ALWAYS, UNCHECKED, "Most replicas."),
});

const MetricTarget = struct(`${V2}.MetricTarget`, "The value to keep a metric at.", {
  type: req(1, oneOf("Utilization", "Value", "AverageValue"), "Utilization (percent of the pods' requests), Value or AverageValue."),
  value: opt(2, quantity, "Target value."),
  averageValue: opt(3, quantity, "Target average over the pods."),
  averageUtilization: opt(4, int32, "Target percent of the pods' requests."),
});

const MetricValueStatus = struct(`${V2}.MetricValueStatus`, "A metric's current value.", {
  value: opt(1, quantity, "Current value."),
  averageValue: opt(2, quantity, "Current average over the pods."),
  averageUtilization: opt(3, int32, "Current percent of the pods' requests."),
});

const ScalingRules = struct(`${V2}.HPAScalingRules`, "How fast to scale in one direction.", {
  stabilizationWindowSeconds: opt(3, int32, PTR, "Past recommendations to consider (scale down: the highest of the last window)."),
  selectPolicy: opt(1, oneOf("Max", "Min", "Disabled"), "Which policy wins: Max (default), Min or Disabled."),
  policies: opt(
    2,
    list(
      struct(`${V2}.HPAScalingPolicy`, "A limit on change per period.", {
        type: req(1, oneOf("Pods", "Percent"), "Pods or Percent."),
        value: req(2, int32, "How many pods, or what percent."),
        periodSeconds: req(3, int32, "The period, in seconds (1 to 1800)."),
      }),
      { listType: "atomic" },
    ),
    "Limits on change per period.",
  ),
});

export const HorizontalPodAutoscalerSchema = objectSchema(
  `${V2}.HorizontalPodAutoscaler`,
  "Scales a workload between bounds to keep its pods' resource use near a target.",
  { group: "autoscaling", version: "v2", kind: "HorizontalPodAutoscaler" },
  {
    spec: opt(
      2,
      struct(`${V2}.HorizontalPodAutoscalerSpec`, "What to scale and on what.", {
        ...boundsFields(V2),
        metrics: opt(
          4,
          list(
            struct(`${V2}.MetricSpec`, "One metric to scale on.", {
              type: req(1, oneOf("Resource", "ContainerResource", "Pods", "Object", "External"), "Resource is supported; the others are accepted and reported as unavailable."),
              resource: opt(4, struct(`${V2}.ResourceMetricSource`, "A resource of the pods (cpu, memory).", { name: req(1, str, "cpu or memory."), target: req(2, MetricTarget, "The target.") }), "A resource of the pods."),
            }),
            { listType: "atomic" },
          ),
          "Metrics to scale on (default: 80% CPU).",
        ),
        behavior: opt(5, struct(`${V2}.HorizontalPodAutoscalerBehavior`, "How fast to scale up and down.", { scaleUp: opt(1, ScalingRules, "Scaling up."), scaleDown: opt(2, ScalingRules, "Scaling down.") }), "How fast to scale."),
      }),
      "What to scale and on what.",
    ),
    status: opt(
      3,
      struct(`${V2}.HorizontalPodAutoscalerStatus`, "How the autoscaler stands.", {
        observedGeneration: opt(1, int64, PTR, "The generation the status is for."),
        lastScaleTime: opt(2, time, "When it last scaled."),
        currentReplicas: opt(3, int32, "Replicas the target has."),
        desiredReplicas: opt(4, int32, ALWAYS, "Replicas it wants."),
        currentMetrics: opt(
          5,
          list(
            struct(`${V2}.MetricStatus`, "A metric's current value.", {
              type: req(1, str, ALWAYS, UNCHECKED, "Resource."),
              resource: opt(4, struct(`${V2}.ResourceMetricStatus`, "A resource's current value.", { name: req(1, str, ALWAYS, UNCHECKED, "cpu or memory."), current: req(2, MetricValueStatus, ALWAYS, UNCHECKED, "The value.") }), "A resource's value."),
            }),
            { listType: "atomic" },
          ),
          "Current values of the metrics.",
        ),
        conditions: opt(
          6,
          list(
            struct(`${V2}.HorizontalPodAutoscalerCondition`, "One aspect of the autoscaler's state.", {
              type: req(1, str, ALWAYS, UNCHECKED, "AbleToScale, ScalingActive or ScalingLimited."),
              status: req(2, str, ALWAYS, UNCHECKED, "True, False or Unknown."),
              lastTransitionTime: opt(3, time, "When the status last changed."),
              reason: opt(4, str, "Machine-readable reason."),
              message: opt(5, str, "Human-readable details."),
            }),
            { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] },
          ),
          "Conditions.",
        ),
      }),
      "How the autoscaler stands.",
    ),
  },
  {
    check(o, p) {
      const h = o as HorizontalPodAutoscaler;
      const s = h.spec;
      if (!s) return;
      const min = s.minReplicas ?? 1;
      if (min < 1) p.invalid(["spec", "minReplicas"], min, "must be greater than or equal to 1");
      if ((s.maxReplicas ?? 0) < 1) p.invalid(["spec", "maxReplicas"], s.maxReplicas ?? 0, "must be greater than 0");
      if ((s.maxReplicas ?? 0) < min) p.invalid(["spec", "maxReplicas"], s.maxReplicas ?? 0, "must be greater than or equal to `minReplicas`");
      (s.metrics ?? []).forEach((m, i) => {
        if (m.type === "Resource" && !m.resource) p.required(["spec", "metrics", i, "resource"], "must populate information for the given metric source");
        const t = m.resource?.target;
        if (t?.type === "Utilization" && (t.averageUtilization === undefined || t.averageUtilization <= 0)) p.required(["spec", "metrics", i, "resource", "target", "averageUtilization"], "must set averageUtilization when type is Utilization");
      });
    },
  },
);
export type HorizontalPodAutoscaler = z.infer<typeof HorizontalPodAutoscalerSchema> & KObject;

/** TARGETS as kubectl shows it: "cpu: 45%/50%", "<unknown>" until measured. */
function targets(h: HorizontalPodAutoscaler): string {
  const parts = (h.spec?.metrics ?? []).map((m) => {
    if (m.type !== "Resource" || !m.resource) return `<unknown>/<unknown>`;
    const cur = h.status?.currentMetrics?.find((c) => c.resource?.name === m.resource!.name)?.resource?.current;
    const t = m.resource.target;
    const want = t.type === "Utilization" ? `${t.averageUtilization}%` : String(t.averageValue ?? t.value ?? "");
    const have = t.type === "Utilization" ? (cur?.averageUtilization !== undefined ? `${cur.averageUtilization}%` : "<unknown>") : String(cur?.averageValue ?? cur?.value ?? "<unknown>");
    return `${m.resource.name}: ${have}/${want}`;
  });
  return parts.join(", ") || "<none>";
}

/** autoscaling/v2's default metric when none is given: average CPU utilization of 80%. */
const DEFAULT_CPU_UTILIZATION = 80;

export const horizontalPodAutoscalers = defineKind<HorizontalPodAutoscaler>({
  group: "autoscaling",
  version: "v2",
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  singular: "horizontalpodautoscaler",
  namespaced: true,
  shortNames: ["hpa"],
  categories: ["all"],
  schema: HorizontalPodAutoscalerSchema,
  generation: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the autoscaler.", cell: (o) => o.metadata.name ?? "" },
    { name: "Reference", type: "string", description: "The object it scales.", cell: (o) => `${o.spec?.scaleTargetRef.kind}/${o.spec?.scaleTargetRef.name}` },
    { name: "Targets", type: "string", description: "Current and target values of its metrics.", cell: (o) => targets(o) },
    { name: "MinPods", type: "string", description: "Fewest replicas.", cell: (o) => String(o.spec?.minReplicas ?? 1) },
    { name: "MaxPods", type: "string", description: "Most replicas.", cell: (o) => String(o.spec?.maxReplicas ?? "") },
    { name: "Replicas", type: "string", description: "Current replicas.", cell: (o) => String(o.status?.currentReplicas ?? 0) },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    if (!o.spec) return;
    o.spec.minReplicas ??= 1;
    if (!o.spec.metrics?.length) o.spec.metrics = [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
  },
  prepareCreate(o) {
    o.status = { desiredReplicas: 0 };
  },
  ...statusHooks<HorizontalPodAutoscaler>(),
});

// autoscaling/v1: CPU utilization only; converted to and from the stored v2 object.
export const HorizontalPodAutoscalerV1Schema = objectSchema(
  `${V1}.HorizontalPodAutoscaler`,
  "Scales a workload between bounds to keep its pods' CPU use near a target (autoscaling/v2 has more).",
  { group: "autoscaling", version: "v1", kind: "HorizontalPodAutoscaler" },
  {
    spec: opt(
      2,
      struct(`${V1}.HorizontalPodAutoscalerSpec`, "What to scale and on what.", {
        ...boundsFields(V1),
        targetCPUUtilizationPercentage: opt(4, int32, PTR, "Target CPU use, percent of the pods' requests (default 80)."),
      }),
      "What to scale and on what.",
    ),
    status: opt(
      3,
      struct(`${V1}.HorizontalPodAutoscalerStatus`, "How the autoscaler stands.", {
        observedGeneration: opt(1, int64, PTR, "The generation the status is for."),
        lastScaleTime: opt(2, time, "When it last scaled."),
        currentReplicas: opt(3, int32, ALWAYS, "Replicas the target has."),
        desiredReplicas: opt(4, int32, ALWAYS, "Replicas it wants."),
        currentCPUUtilizationPercentage: opt(5, int32, PTR, "Current CPU use, percent of requests."),
      }),
      "How the autoscaler stands.",
    ),
  },
);
type HpaV1 = z.infer<typeof HorizontalPodAutoscalerV1Schema> & KObject;

function toV2(o: KObject): KObject {
  const v = o as HpaV1;
  const cpu = v.spec?.targetCPUUtilizationPercentage;
  return {
    ...v,
    apiVersion: "autoscaling/v2",
    spec: v.spec && {
      scaleTargetRef: v.spec.scaleTargetRef,
      minReplicas: v.spec.minReplicas,
      maxReplicas: v.spec.maxReplicas,
      // Without a target, v2's default (CPU at 80%) applies, as when kube-apiserver reads it back.
      metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: cpu ?? DEFAULT_CPU_UTILIZATION } } }],
    },
    status: v.status && {
      observedGeneration: v.status.observedGeneration,
      lastScaleTime: v.status.lastScaleTime,
      currentReplicas: v.status.currentReplicas,
      desiredReplicas: v.status.desiredReplicas,
    },
  };
}

function toV1(o: KObject): HpaV1 {
  const v = o as HorizontalPodAutoscaler;
  const cpu = v.spec?.metrics?.find((m) => m.type === "Resource" && m.resource?.name === "cpu" && m.resource.target.type === "Utilization");
  const cur = v.status?.currentMetrics?.find((m) => m.resource?.name === "cpu")?.resource?.current.averageUtilization;
  return {
    ...v,
    apiVersion: "autoscaling/v1",
    spec: v.spec && { scaleTargetRef: v.spec.scaleTargetRef, minReplicas: v.spec.minReplicas, maxReplicas: v.spec.maxReplicas, ...(cpu ? { targetCPUUtilizationPercentage: cpu.resource!.target.averageUtilization } : {}) },
    status: { currentReplicas: v.status?.currentReplicas ?? 0, desiredReplicas: v.status?.desiredReplicas ?? 0, ...(v.status?.lastScaleTime ? { lastScaleTime: v.status.lastScaleTime } : {}), ...(cur !== undefined ? { currentCPUUtilizationPercentage: cur } : {}) },
  } as HpaV1;
}

export const horizontalPodAutoscalersV1 = defineKind<HpaV1>({
  group: "autoscaling",
  version: "v1",
  kind: "HorizontalPodAutoscaler",
  plural: "horizontalpodautoscalers",
  singular: "horizontalpodautoscaler",
  namespaced: true,
  shortNames: ["hpa"],
  categories: ["all"],
  schema: HorizontalPodAutoscalerV1Schema,
  generation: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  storage: { resource: "autoscaling/horizontalpodautoscalers", toStorage: toV2, fromStorage: toV1 },
  columns: horizontalPodAutoscalers.columns!.map((c) => ({ ...c, cell: (o: HpaV1, ctx) => c.cell(toV2(o) as HorizontalPodAutoscaler, ctx) })),
  defaults(o) {
    if (o.spec) o.spec.minReplicas ??= 1;
  },
});
