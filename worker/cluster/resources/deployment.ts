// Deployment (apps/v1): declarative rollouts of pods through ReplicaSets, one per template
// revision, with RollingUpdate or Recreate.
import type { z } from "zod";
import { ALWAYS, bool, int32, int64, intOrString, list, oneOf, opt, PTR, str, struct, time } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind } from "./define";
import { PodTemplateSpec } from "./types/core";
import { LabelSelector, objectSchema } from "./types/meta";
import { checkSelector, checkSelectorUnchanged, defaultTemplate, wideColumns, type WorkloadLike, statusHooks } from "./workload";

const APPS = "io.k8s.api.apps.v1";

export const DeploymentCondition = struct(`${APPS}.DeploymentCondition`, "One aspect of a Deployment's state.", {
  type: opt(1, str, ALWAYS, "Available, Progressing or ReplicaFailure."),
  status: opt(2, str, ALWAYS, "True, False or Unknown."),
  lastUpdateTime: opt(6, time, "When the condition was last updated."),
  lastTransitionTime: opt(7, time, "When the status last changed."),
  reason: opt(4, str, "Machine-readable reason."),
  message: opt(5, str, "Human-readable details."),
});

export const DeploymentSchema = objectSchema(
  `${APPS}.Deployment`,
  "Declarative updates of pods: a desired template and count, rolled out through ReplicaSets.",
  { group: "apps", version: "v1", kind: "Deployment" },
  {
    spec: opt(
      2,
      struct(`${APPS}.DeploymentSpec`, "The desired pods and how to roll out changes.", {
        replicas: opt(1, int32, PTR, "Desired number of pods (default 1)."),
        selector: opt(2, LabelSelector, "Pods this Deployment manages; must match the template's labels; immutable."),
        template: opt(3, PodTemplateSpec, "The pods it creates."),
        strategy: opt(
          4,
          struct(`${APPS}.DeploymentStrategy`, "How pods are replaced.", {
            type: opt(1, oneOf("Recreate", "RollingUpdate"), "RollingUpdate (default) or Recreate."),
            rollingUpdate: opt(
              2,
              struct(`${APPS}.RollingUpdateDeployment`, "Bounds of a rolling update.", {
                maxUnavailable: opt(1, intOrString, "Pods that may be unavailable during the update: a number or a percentage (default 25%)."),
                maxSurge: opt(2, intOrString, "Pods that may exist above the desired count: a number or a percentage (default 25%)."),
              }),
              "Bounds of a rolling update.",
            ),
          }),
          { strategy: "retainKeys" },
          "How pods are replaced.",
        ),
        minReadySeconds: opt(5, int32, "Seconds a new pod must be ready before it counts as available."),
        revisionHistoryLimit: opt(6, int32, PTR, "Old ReplicaSets to keep for rollback (default 10)."),
        paused: opt(7, bool, "Whether rollouts are paused."),
        progressDeadlineSeconds: opt(9, int32, PTR, "Seconds a rollout may go without progress before it counts as failed (default 600)."),
      }),
      "The desired pods.",
    ),
    status: opt(
      3,
      struct(`${APPS}.DeploymentStatus`, "How the rollout stands.", {
        observedGeneration: opt(1, int64, "The generation the status is for."),
        replicas: opt(2, int32, "Pods (not terminating) of all its ReplicaSets."),
        updatedReplicas: opt(3, int32, "Pods with the current template."),
        readyReplicas: opt(7, int32, "Ready pods."),
        availableReplicas: opt(4, int32, "Pods ready for at least minReadySeconds."),
        unavailableReplicas: opt(5, int32, "Pods still needed for full availability."),
        terminatingReplicas: opt(9, int32, "Pods being deleted."),
        conditions: opt(6, list(DeploymentCondition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "Available, Progressing, ReplicaFailure."),
        collisionCount: opt(8, int32, PTR, "Hash collisions met when naming ReplicaSets."),
      }),
      "How the rollout stands.",
    ),
  },
  {
    check(o, p) {
      const d = o as Deployment;
      checkSelector(d, p, "deployment");
      const ru = d.spec?.strategy?.rollingUpdate;
      if (d.spec?.strategy?.type === "Recreate" && ru) p.forbidden(["spec", "strategy", "rollingUpdate"], "may not be specified when strategy `type` is 'Recreate'");
      if (ru) {
        const zero = (v: unknown) => v === 0 || v === "0" || v === "0%";
        if (zero(ru.maxUnavailable) && zero(ru.maxSurge)) p.invalid(["spec", "strategy", "rollingUpdate", "maxUnavailable"], ru.maxUnavailable, "may not be 0 when `maxSurge` is 0");
        for (const f of ["maxUnavailable", "maxSurge"] as const) {
          const v = ru[f];
          if (typeof v === "string" && !/^\d+%$/.test(v)) p.invalid(["spec", "strategy", "rollingUpdate", f], v, "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
          if (typeof v === "number" && v < 0) p.invalid(["spec", "strategy", "rollingUpdate", f], v, "must be greater than or equal to 0");
        }
      }
      if (d.spec?.progressDeadlineSeconds !== undefined && d.spec.progressDeadlineSeconds <= (d.spec.minReadySeconds ?? 0))
        p.invalid(["spec", "progressDeadlineSeconds"], d.spec.progressDeadlineSeconds, "must be greater than minReadySeconds");
    },
  },
);
export type Deployment = z.infer<typeof DeploymentSchema> & WorkloadLike;

export const REVISION_ANNOTATION = "deployment.kubernetes.io/revision";

export const deployments = defineKind<Deployment>({
  group: "apps",
  version: "v1",
  kind: "Deployment",
  plural: "deployments",
  singular: "deployment",
  namespaced: true,
  shortNames: ["deploy"],
  categories: ["all"],
  schema: DeploymentSchema,
  generation: true,
  subresources: [
    { name: "status", verbs: ["get", "patch", "update"] },
    { name: "scale", kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] },
  ],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the Deployment.", cell: (o) => o.metadata.name ?? "" },
    { name: "Ready", type: "string", description: "Ready pods out of desired.", cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}` },
    { name: "Up-to-date", type: "integer", description: "Pods with the current template.", cell: (o) => o.status?.updatedReplicas ?? 0 },
    { name: "Available", type: "integer", description: "Pods available to serve.", cell: (o) => o.status?.availableReplicas ?? 0 },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    ...wideColumns<Deployment>(),
  ],
  defaults(o) {
    o.spec ??= {};
    o.spec.replicas ??= 1;
    o.spec.strategy ??= {};
    o.spec.strategy.type ??= "RollingUpdate";
    if (o.spec.strategy.type === "RollingUpdate") {
      o.spec.strategy.rollingUpdate ??= {};
      o.spec.strategy.rollingUpdate.maxUnavailable ??= "25%";
      o.spec.strategy.rollingUpdate.maxSurge ??= "25%";
    }
    o.spec.revisionHistoryLimit ??= 10;
    o.spec.progressDeadlineSeconds ??= 600;
    defaultTemplate(o.spec.template);
  },
  validateUpdate(o, old, p) {
    checkSelectorUnchanged(o, old, p);
  },
  prepareCreate(o) {
    o.status = {};
  },
  ...statusHooks<Deployment>(),
});
