// ReplicationController (core/v1): the ReplicaSet's predecessor, with a plain map selector
// (defaulted from the template's labels). The ReplicaSet controller's reconcile keeps it.
import type { z } from "zod";
import { ALWAYS, int32, int64, list, opt, strMap, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { matchesLabels, fromStructured } from "../machinery/selectors";
import { defineKind, type KObject } from "./define";
import { PodTemplateSpec } from "./types/core";
import { objectSchema } from "./types/meta";
import { conditionStruct, defaultTemplate, statusHooks, templateColumns } from "./workload";

const CORE = "io.k8s.api.core.v1";

export const ReplicationControllerSchema = objectSchema(
  `${CORE}.ReplicationController`,
  "Keeps a number of identical pods running (ReplicaSet is its successor).",
  { group: "", version: "v1", kind: "ReplicationController" },
  {
    spec: opt(
      2,
      struct(`${CORE}.ReplicationControllerSpec`, "The desired pods.", {
        replicas: opt(1, int32, "Desired number of pods (default 1)."),
        minReadySeconds: opt(4, int32, "Seconds a pod must be ready before it counts as available."),
        selector: opt(2, strMap, "Labels of the pods it owns (default: the template's labels)."),
        template: opt(3, PodTemplateSpec, "The pods it creates."),
      }),
      "The desired pods.",
    ),
    status: opt(
      3,
      struct(`${CORE}.ReplicationControllerStatus`, "The observed pods.", {
        replicas: opt(1, int32, ALWAYS, "Pods that exist."),
        fullyLabeledReplicas: opt(2, int32, "Pods whose labels match the template's."),
        readyReplicas: opt(4, int32, "Ready pods."),
        availableReplicas: opt(5, int32, "Pods ready for at least minReadySeconds."),
        observedGeneration: opt(3, int64, "The generation the status is for."),
        conditions: opt(
          6,
          list(
            conditionStruct(`${CORE}.ReplicationControllerCondition`, "One aspect of the controller's state.", "Condition type."),
            { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] },
          ),
          "Conditions.",
        ),
      }),
      "The observed pods.",
    ),
  },
  {
    check(o, p) {
      const rc = o as ReplicationController;
      const sel = rc.spec?.selector ?? {};
      if (!Object.keys(sel).length) p.required(["spec", "selector"]);
      else if (rc.spec?.template && !matchesLabels(fromStructured({ matchLabels: sel }), rc.spec.template.metadata?.labels ?? {}))
        p.invalid(["spec", "template", "metadata", "labels"], rc.spec.template.metadata?.labels ?? {}, "`selector` does not match template `labels`");
      if (rc.spec?.replicas !== undefined && rc.spec.replicas < 0) p.invalid(["spec", "replicas"], rc.spec.replicas, "must be greater than or equal to 0");
    },
  },
);
export type ReplicationController = z.infer<typeof ReplicationControllerSchema> & KObject;

export const replicationControllers = defineKind<ReplicationController>({
  group: "",
  version: "v1",
  kind: "ReplicationController",
  plural: "replicationcontrollers",
  singular: "replicationcontroller",
  namespaced: true,
  shortNames: ["rc"],
  categories: ["all"],
  schema: ReplicationControllerSchema,
  generation: true,
  subresources: [
    { name: "status", verbs: ["get", "patch", "update"] },
    { name: "scale", kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] },
  ],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the ReplicationController.", cell: (o) => o.metadata.name ?? "" },
    { name: "Desired", type: "integer", description: "Desired pods.", cell: (o) => o.spec?.replicas ?? 0 },
    { name: "Current", type: "integer", description: "Pods that exist.", cell: (o) => o.status?.replicas ?? 0 },
    { name: "Ready", type: "integer", description: "Ready pods.", cell: (o) => o.status?.readyReplicas ?? 0 },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    ...templateColumns<ReplicationController>((o) => o.spec?.template),
    { name: "Selector", type: "string", priority: 1, description: "Label selector of the pods.", cell: (o) => Object.entries(o.spec?.selector ?? {}).map(([k, v]) => `${k}=${v}`).join(",") },
  ],
  defaults(o) {
    o.spec ??= {};
    o.spec.replicas ??= 1;
    defaultTemplate(o.spec.template);
    if (!o.spec.selector && o.spec.template?.metadata?.labels) o.spec.selector = { ...o.spec.template.metadata.labels };
    if (!o.metadata.labels && o.spec.template?.metadata?.labels) o.metadata.labels = { ...o.spec.template.metadata.labels };
  },
  prepareCreate(o) {
    o.status = { replicas: 0 };
  },
  ...statusHooks<ReplicationController>(),
});
