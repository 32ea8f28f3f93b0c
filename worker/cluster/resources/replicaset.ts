// ReplicaSet (apps/v1): keeps a number of pods matching its selector running.
import type { z } from "zod";
import { ALWAYS, int32, int64, list, opt, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind } from "./define";
import { PodTemplateSpec } from "./types/core";
import { LabelSelector, objectSchema } from "./types/meta";
import { conditionStruct, checkSelector, checkSelectorUnchanged, defaultTemplate, wideColumns, type WorkloadLike, statusHooks } from "./workload";

const APPS = "io.k8s.api.apps.v1";

export const ReplicaSetCondition = conditionStruct(`${APPS}.ReplicaSetCondition`, "One aspect of a ReplicaSet's state.", "ReplicaFailure.");

export const ReplicaSetSchema = objectSchema(`${APPS}.ReplicaSet`, "Keeps a number of identical pods running.", { group: "apps", version: "v1", kind: "ReplicaSet" }, {
  spec: opt(
    2,
    struct(`${APPS}.ReplicaSetSpec`, "The desired pods.", {
      replicas: opt(1, int32, "Desired number of pods (default 1)."),
      minReadySeconds: opt(4, int32, "Seconds a pod must be ready before it counts as available."),
      selector: opt(2, LabelSelector, "Pods this ReplicaSet owns; must match the template's labels."),
      template: opt(3, PodTemplateSpec, "The pods it creates."),
    }),
    "The desired pods.",
  ),
  status: opt(
    3,
    struct(`${APPS}.ReplicaSetStatus`, "The observed pods.", {
      replicas: opt(1, int32, ALWAYS, "Pods that exist (not terminating)."),
      fullyLabeledReplicas: opt(2, int32, "Pods whose labels match the template's."),
      readyReplicas: opt(4, int32, "Pods that are ready."),
      availableReplicas: opt(5, int32, "Pods ready for at least minReadySeconds."),
      terminatingReplicas: opt(7, int32, "Pods being deleted."),
      observedGeneration: opt(3, int64, "The generation the status is for."),
      conditions: opt(6, list(ReplicaSetCondition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "ReplicaFailure."),
    }),
    "The observed pods.",
  ),
}, { check: (o, p) => checkSelector(o as WorkloadLike, p, "replicaset") });
export type ReplicaSet = z.infer<typeof ReplicaSetSchema> & WorkloadLike;

export const replicaSets = defineKind<ReplicaSet>({
  group: "apps",
  version: "v1",
  kind: "ReplicaSet",
  plural: "replicasets",
  singular: "replicaset",
  namespaced: true,
  shortNames: ["rs"],
  categories: ["all"],
  schema: ReplicaSetSchema,
  generation: true,
  subresources: [
    { name: "status", verbs: ["get", "patch", "update"] },
    { name: "scale", kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] },
  ],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the ReplicaSet.", cell: (o) => o.metadata.name ?? "" },
    { name: "Desired", type: "integer", description: "Desired pods.", cell: (o) => o.spec?.replicas ?? 0 },
    { name: "Current", type: "integer", description: "Pods that exist.", cell: (o) => o.status?.replicas ?? 0 },
    { name: "Ready", type: "integer", description: "Ready pods.", cell: (o) => o.status?.readyReplicas ?? 0 },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    ...wideColumns<ReplicaSet>(),
  ],
  defaults(o) {
    o.spec ??= {};
    o.spec.replicas ??= 1;
    defaultTemplate(o.spec.template);
    if (!o.metadata.labels && o.spec.template?.metadata?.labels) o.metadata.labels = { ...o.spec.template.metadata.labels };
  },
  validateUpdate(o, old, p) {
    checkSelectorUnchanged(o, old, p);
  },
  prepareCreate(o) {
    o.status = { replicas: 0 };
  },
  ...statusHooks<ReplicaSet>(),
});

