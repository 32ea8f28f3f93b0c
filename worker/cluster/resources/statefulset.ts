// StatefulSet (apps/v1): pods with stable names (web-0 … web-N), stable hostnames under a
// headless service, and one PersistentVolumeClaim per ordinal from volumeClaimTemplates.
import type { z } from "zod";
import { ALWAYS, int32, int64, intOrString, list, oneOf, opt, PTR, str, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind } from "./define";
import { PodTemplateSpec } from "./types/core";
import { LabelSelector, objectSchema } from "./types/meta";
import { PersistentVolumeClaimSchema } from "./persistentvolumeclaim";
import { conditionStruct, checkSelector, checkSelectorUnchanged, defaultTemplate, wideColumns, type WorkloadLike, statusHooks } from "./workload";

const APPS = "io.k8s.api.apps.v1";

export const StatefulSetCondition = conditionStruct(`${APPS}.StatefulSetCondition`, "One aspect of a StatefulSet's state.", "Condition type.");

export const StatefulSetSchema = objectSchema(
  `${APPS}.StatefulSet`,
  "Pods with stable identities and storage, created and replaced in order.",
  { group: "apps", version: "v1", kind: "StatefulSet" },
  {
    spec: opt(
      2,
      struct(`${APPS}.StatefulSetSpec`, "The desired pods.", {
        replicas: opt(1, int32, PTR, "Desired number of pods (default 1)."),
        selector: opt(2, LabelSelector, "Pods this StatefulSet owns; must match the template's labels; immutable."),
        template: opt(3, PodTemplateSpec, "The pods it creates."),
        volumeClaimTemplates: opt(4, list(PersistentVolumeClaimSchema, { listType: "atomic" }), "Claims made for every pod, named <template>-<pod>."),
        serviceName: opt(5, str, "The headless service that gives the pods their DNS names."),
        podManagementPolicy: opt(6, oneOf("OrderedReady", "Parallel"), "OrderedReady (default): one pod at a time, in order; Parallel: all at once."),
        updateStrategy: opt(
          7,
          struct(`${APPS}.StatefulSetUpdateStrategy`, "How pods are replaced when the template changes.", {
            type: opt(1, oneOf("RollingUpdate", "OnDelete"), "RollingUpdate (default) or OnDelete."),
            rollingUpdate: opt(
              2,
              struct(`${APPS}.RollingUpdateStatefulSetStrategy`, "Bounds of a rolling update.", {
                partition: opt(1, int32, PTR, "Pods with an ordinal below this keep the old template."),
                maxUnavailable: opt(2, intOrString, "Pods that may be unavailable during the update."),
              }),
              "Bounds of a rolling update.",
            ),
          }),
          "How pods are replaced when the template changes.",
        ),
        revisionHistoryLimit: opt(8, int32, PTR, "ControllerRevisions to keep (default 10)."),
        minReadySeconds: opt(9, int32, "Seconds a pod must be ready before it counts as available."),
        persistentVolumeClaimRetentionPolicy: opt(
          10,
          struct(`${APPS}.StatefulSetPersistentVolumeClaimRetentionPolicy`, "What happens to the claims when the set is deleted or scaled down.", {
            whenDeleted: opt(1, oneOf("Retain", "Delete"), "Retain (default) or Delete, when the StatefulSet is deleted."),
            whenScaled: opt(2, oneOf("Retain", "Delete"), "Retain (default) or Delete, when a pod is removed by scaling down."),
          }),
          "What happens to the claims when the set is deleted or scaled down.",
        ),
        ordinals: opt(11, struct(`${APPS}.StatefulSetOrdinals`, "Where ordinals start.", { start: opt(1, int32, "The first ordinal (default 0).") }), "Where ordinals start."),
      }),
      "The desired pods.",
    ),
    status: opt(
      3,
      struct(`${APPS}.StatefulSetStatus`, "The observed pods.", {
        observedGeneration: opt(1, int64, "The generation the status is for."),
        replicas: opt(2, int32, ALWAYS, "Pods that exist."),
        readyReplicas: opt(3, int32, "Ready pods."),
        currentReplicas: opt(4, int32, "Pods at currentRevision."),
        updatedReplicas: opt(5, int32, "Pods at updateRevision."),
        currentRevision: opt(6, str, "The revision the pods before the update are at."),
        updateRevision: opt(7, str, "The revision of the current template."),
        collisionCount: opt(9, int32, PTR, "Hash collisions met when naming ControllerRevisions."),
        conditions: opt(10, list(StatefulSetCondition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "Conditions."),
        availableReplicas: opt(11, int32, ALWAYS, "Pods ready for at least minReadySeconds."),
      }),
      "The observed pods.",
    ),
  },
  {
    check(o, p) {
      const s = o as StatefulSet;
      checkSelector(s, p, "statefulset");
      const u = s.spec?.updateStrategy;
      if (u?.type === "OnDelete" && u.rollingUpdate) p.invalid(["spec", "updateStrategy", "rollingUpdate"], u.rollingUpdate, "only allowed for updateStrategy 'RollingUpdate'");
      const part = u?.rollingUpdate?.partition;
      if (part !== undefined && part < 0) p.invalid(["spec", "updateStrategy", "rollingUpdate", "partition"], part, "must be greater than or equal to 0");
    },
  },
);
export type StatefulSet = z.infer<typeof StatefulSetSchema> & WorkloadLike;

export const statefulSets = defineKind<StatefulSet>({
  group: "apps",
  version: "v1",
  kind: "StatefulSet",
  plural: "statefulsets",
  singular: "statefulset",
  namespaced: true,
  shortNames: ["sts"],
  categories: ["all"],
  schema: StatefulSetSchema,
  generation: true,
  subresources: [
    { name: "status", verbs: ["get", "patch", "update"] },
    { name: "scale", kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] },
  ],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the StatefulSet.", cell: (o) => o.metadata.name ?? "" },
    { name: "Ready", type: "string", description: "Ready pods out of desired.", cell: (o) => `${o.status?.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}` },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    ...wideColumns<StatefulSet>().slice(0, 2),
  ],
  defaults(o) {
    o.spec ??= {};
    o.spec.replicas ??= 1;
    o.spec.podManagementPolicy ??= "OrderedReady";
    o.spec.updateStrategy ??= {};
    o.spec.updateStrategy.type ??= "RollingUpdate";
    if (o.spec.updateStrategy.type === "RollingUpdate") {
      o.spec.updateStrategy.rollingUpdate ??= {};
      o.spec.updateStrategy.rollingUpdate.partition ??= 0;
    }
    o.spec.revisionHistoryLimit ??= 10;
    o.spec.persistentVolumeClaimRetentionPolicy ??= {};
    o.spec.persistentVolumeClaimRetentionPolicy.whenDeleted ??= "Retain";
    o.spec.persistentVolumeClaimRetentionPolicy.whenScaled ??= "Retain";
    for (const t of o.spec.volumeClaimTemplates ?? []) {
      t.apiVersion ??= "v1";
      t.kind ??= "PersistentVolumeClaim";
      t.spec ??= {};
      t.spec.volumeMode ??= "Filesystem";
      t.status ??= { phase: "Pending" };
    }
    defaultTemplate(o.spec.template);
  },
  // The template's mounts may name claim templates: its pods get those volumes (as kube-apiserver
  // accepts them), so the pod spec is checked with them in place.
  validationView(o) {
    const claims = o.spec?.volumeClaimTemplates ?? [];
    if (!claims.length || !o.spec?.template?.spec) return o;
    const view = structuredClone(o);
    const spec = view.spec!.template!.spec!;
    const have = new Set((spec.volumes ?? []).map((v) => v.name));
    spec.volumes = [...(spec.volumes ?? []), ...claims.filter((c) => c.metadata?.name && !have.has(c.metadata.name)).map((c) => ({ name: c.metadata!.name!, persistentVolumeClaim: { claimName: c.metadata!.name! } }))];
    return view;
  },
  validateUpdate(o, old, p) {
    checkSelectorUnchanged(o, old, p);
    const fixed = (s: StatefulSet) => JSON.stringify([s.spec?.podManagementPolicy, s.spec?.serviceName, s.spec?.volumeClaimTemplates ?? null]);
    if (fixed(o) !== fixed(old))
      p.forbidden(["spec"], "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden");
  },
  prepareCreate(o) {
    o.status = { replicas: 0, availableReplicas: 0 };
  },
  ...statusHooks<StatefulSet>(),
});
