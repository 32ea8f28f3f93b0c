// PodDisruptionBudget (policy/v1): how many pods of a set may be down at once for voluntary
// disruptions. Evictions (kubectl drain) are refused when they would break a budget; the
// disruption controller keeps its status.
import type { z } from "zod";
import { ALWAYS, int32, int64, intOrString, list, map, opt, str, struct, time } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind, type KObject } from "./define";
import { Condition, DeleteOptions, LabelSelector, objectSchema } from "./types/meta";

const POLICY = "io.k8s.api.policy.v1";

export const PodDisruptionBudgetSchema = objectSchema(
  `${POLICY}.PodDisruptionBudget`,
  "The least number (or most) of a set of pods that must stay up during voluntary disruptions such as drains.",
  { group: "policy", version: "v1", kind: "PodDisruptionBudget" },
  {
    spec: opt(
      2,
      struct(
        `${POLICY}.PodDisruptionBudgetSpec`,
        "The budget.",
        {
          minAvailable: opt(1, intOrString, "Pods that must stay available: a number or a percentage."),
          selector: opt(2, LabelSelector, "The pods the budget covers."),
          maxUnavailable: opt(3, intOrString, "Pods that may be unavailable: a number or a percentage."),
          unhealthyPodEvictionPolicy: opt(4, str, "IfHealthyBudget or AlwaysAllow: when unhealthy pods may be evicted."),
        },
        {
          check(s, p) {
            if (s.minAvailable !== undefined && s.maxUnavailable !== undefined) p.invalid(["minAvailable"], s.minAvailable, "minAvailable and maxUnavailable cannot be both set");
          },
        },
      ),
      "What the budget protects.",
    ),
    status: opt(
      3,
      struct(`${POLICY}.PodDisruptionBudgetStatus`, "How the budget stands.", {
        observedGeneration: opt(1, int64, "The generation this status is for."),
        disruptedPods: opt(2, map(time), "Pods being evicted, by name, with when."),
        disruptionsAllowed: opt(3, int32, ALWAYS, "Evictions allowed now."),
        currentHealthy: opt(4, int32, ALWAYS, "Healthy pods now."),
        desiredHealthy: opt(5, int32, ALWAYS, "Healthy pods the budget requires."),
        expectedPods: opt(6, int32, ALWAYS, "Pods the budget counts."),
        conditions: opt(7, list(Condition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "DisruptionAllowed."),
      }),
      "Kept by the disruption controller from the selected pods.",
    ),
  },
);
export type PodDisruptionBudget = z.infer<typeof PodDisruptionBudgetSchema> & KObject;

function show(v: number | string | undefined): string {
  return v === undefined ? "N/A" : String(v);
}

export const podDisruptionBudgets = defineKind<PodDisruptionBudget>({
  group: "policy",
  version: "v1",
  kind: "PodDisruptionBudget",
  plural: "poddisruptionbudgets",
  singular: "poddisruptionbudget",
  namespaced: true,
  shortNames: ["pdb"],
  schema: PodDisruptionBudgetSchema,
  generation: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the budget.", cell: (o) => o.metadata.name ?? "" },
    { name: "Min Available", type: "string", description: "Pods that must stay available.", cell: (o) => show(o.spec?.minAvailable as number | string | undefined) },
    { name: "Max Unavailable", type: "string", description: "Pods that may be unavailable.", cell: (o) => show(o.spec?.maxUnavailable as number | string | undefined) },
    { name: "Allowed Disruptions", type: "integer", description: "Evictions allowed now.", cell: (o) => o.status?.disruptionsAllowed ?? 0 },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  prepareCreate(o) {
    o.status = { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 };
  },
  prepareUpdate(o, old) {
    o.status = old.status;
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
});

/** The Eviction a client posts to pods/eviction (not stored). */
export const EvictionSchema = objectSchema(`${POLICY}.Eviction`, "A request to evict a pod, honouring disruption budgets.", { group: "policy", version: "v1", kind: "Eviction" }, {
  deleteOptions: opt(2, DeleteOptions, "Options for the pod's deletion."),
});
