// DaemonSet (apps/v1): one pod on every node that its template's nodeSelector, affinity and
// tolerations admit, following nodes as they join and leave.
import type { z } from "zod";
import { ALWAYS, int32, int64, intOrString, list, oneOf, opt, PTR, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind } from "./define";
import { PodTemplateSpec } from "./types/core";
import { LabelSelector, objectSchema } from "./types/meta";
import { conditionStruct, checkSelector, checkSelectorUnchanged, defaultTemplate, wideColumns, type WorkloadLike, statusHooks } from "./workload";

const APPS = "io.k8s.api.apps.v1";

export const DaemonSetSchema = objectSchema(
  `${APPS}.DaemonSet`,
  "Runs a copy of a pod on every eligible node.",
  { group: "apps", version: "v1", kind: "DaemonSet" },
  {
    spec: opt(
      2,
      struct(`${APPS}.DaemonSetSpec`, "The pods and how to update them.", {
        selector: opt(1, LabelSelector, "Pods this DaemonSet owns; must match the template's labels; immutable."),
        template: opt(2, PodTemplateSpec, "The pods it creates, one per node."),
        updateStrategy: opt(
          3,
          struct(`${APPS}.DaemonSetUpdateStrategy`, "How pods are replaced when the template changes.", {
            type: opt(1, oneOf("RollingUpdate", "OnDelete"), "RollingUpdate (default) or OnDelete."),
            rollingUpdate: opt(
              2,
              struct(`${APPS}.RollingUpdateDaemonSet`, "Bounds of a rolling update.", {
                maxUnavailable: opt(1, intOrString, "Nodes whose pod may be unavailable during the update (default 1)."),
                maxSurge: opt(2, intOrString, "Nodes that may run an old and a new pod at once (default 0)."),
              }),
              "Bounds of a rolling update.",
            ),
          }),
          "How pods are replaced when the template changes.",
        ),
        minReadySeconds: opt(4, int32, "Seconds a pod must be ready before it counts as available."),
        revisionHistoryLimit: opt(6, int32, PTR, "ControllerRevisions to keep (default 10)."),
      }),
      "The pods and how to update them.",
    ),
    status: opt(
      3,
      struct(`${APPS}.DaemonSetStatus`, "How the pods stand.", {
        currentNumberScheduled: opt(1, int32, ALWAYS, "Nodes running a pod that should."),
        numberMisscheduled: opt(2, int32, ALWAYS, "Nodes running a pod that should not."),
        desiredNumberScheduled: opt(3, int32, ALWAYS, "Nodes that should run a pod."),
        numberReady: opt(4, int32, ALWAYS, "Nodes whose pod is ready."),
        observedGeneration: opt(5, int64, "The generation the status is for."),
        updatedNumberScheduled: opt(6, int32, "Nodes running the current template."),
        numberAvailable: opt(7, int32, "Nodes whose pod is available."),
        numberUnavailable: opt(8, int32, "Nodes that should run an available pod and do not."),
        collisionCount: opt(9, int32, PTR, "Hash collisions met when naming ControllerRevisions."),
        conditions: opt(
          10,
          list(
            conditionStruct(`${APPS}.DaemonSetCondition`, "One aspect of a DaemonSet's state.", "Condition type."),
            { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] },
          ),
          "Conditions.",
        ),
      }),
      "How the pods stand.",
    ),
  },
  {
    check(o, p) {
      const d = o as DaemonSet;
      checkSelector(d, p, "daemonset");
      const ru = d.spec?.updateStrategy?.rollingUpdate;
      if (ru) {
        const zero = (v: unknown) => v === undefined || v === 0 || v === "0" || v === "0%";
        if (zero(ru.maxUnavailable) && zero(ru.maxSurge) && ru.maxUnavailable !== undefined) p.invalid(["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"], ru.maxUnavailable, "may not be 0 when `maxSurge` is 0");
      }
    },
  },
);
export type DaemonSet = z.infer<typeof DaemonSetSchema> & WorkloadLike;

export const daemonSets = defineKind<DaemonSet>({
  group: "apps",
  version: "v1",
  kind: "DaemonSet",
  plural: "daemonsets",
  singular: "daemonset",
  namespaced: true,
  shortNames: ["ds"],
  categories: ["all"],
  schema: DaemonSetSchema,
  generation: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the DaemonSet.", cell: (o) => o.metadata.name ?? "" },
    { name: "Desired", type: "integer", description: "Nodes that should run a pod.", cell: (o) => o.status?.desiredNumberScheduled ?? 0 },
    { name: "Current", type: "integer", description: "Nodes running a pod.", cell: (o) => o.status?.currentNumberScheduled ?? 0 },
    { name: "Ready", type: "integer", description: "Nodes whose pod is ready.", cell: (o) => o.status?.numberReady ?? 0 },
    { name: "Up-to-date", type: "integer", description: "Nodes running the current template.", cell: (o) => o.status?.updatedNumberScheduled ?? 0 },
    { name: "Available", type: "integer", description: "Nodes whose pod is available.", cell: (o) => o.status?.numberAvailable ?? 0 },
    {
      name: "Node Selector",
      type: "string",
      description: "The template's nodeSelector.",
      cell: (o) => Object.entries(o.spec?.template?.spec?.nodeSelector ?? {}).map(([k, v]) => `${k}=${v}`).join(",") || "<none>",
    },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    ...wideColumns<DaemonSet>(),
  ],
  defaults(o) {
    o.spec ??= {};
    o.spec.updateStrategy ??= {};
    o.spec.updateStrategy.type ??= "RollingUpdate";
    if (o.spec.updateStrategy.type === "RollingUpdate") {
      o.spec.updateStrategy.rollingUpdate ??= {};
      o.spec.updateStrategy.rollingUpdate.maxUnavailable ??= 1;
      o.spec.updateStrategy.rollingUpdate.maxSurge ??= 0;
    }
    o.spec.revisionHistoryLimit ??= 10;
    defaultTemplate(o.spec.template);
  },
  validateUpdate(o, old, p) {
    checkSelectorUnchanged(o, old, p);
  },
  prepareCreate(o) {
    o.status = { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
  },
  ...statusHooks<DaemonSet>(),
});
