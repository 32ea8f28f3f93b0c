// The scale subresource (autoscaling/v1 Scale) of ReplicaSets, Deployments, StatefulSets and
// ReplicationControllers: `kubectl scale` PATCHes it; HPAs and clients GET and PUT it.
import type { ApiServer } from "../api/apiserver";
import { errors } from "../machinery/errors";
import type { SubresourceAction } from "../api/http/actions";
import { respond } from "../api/http/respond";
import { outbound } from "../api/http/wire";
import { applyPatch, patchTypeOf } from "../machinery/patch";
import { int32, opt, req, str, struct } from "../machinery/schema/dsl";
import { formatLabelSelector, fromStructured, type StructuredSelector } from "../machinery/selectors";
import type { KObject, ResourceDef } from "../resources/define";
import { objectSchema } from "../resources/types/meta";
import { fieldManagerOf } from "../api/managedFields";

export const ScaleSchema = objectSchema("io.k8s.api.autoscaling.v1.Scale", "The desired and observed size of a scalable resource.", { group: "autoscaling", version: "v1", kind: "Scale" }, {
  spec: opt(2, struct("io.k8s.api.autoscaling.v1.ScaleSpec", "Desired size.", { replicas: opt(1, int32, "Desired number of instances.") }), "Desired size."),
  status: opt(3, struct("io.k8s.api.autoscaling.v1.ScaleStatus", "Observed size.", { replicas: req(1, int32, "Actual number of instances."), selector: opt(2, str, "Label query over the pods, in string form.") }), "Observed size."),
});

interface Scalable extends KObject {
  spec?: { replicas?: number; selector?: StructuredSelector | Record<string, string> };
  status?: { replicas?: number };
}

interface ScaleObject {
  metadata?: { resourceVersion?: string; uid?: string };
  spec?: { replicas?: number };
}

function selectorText(sel: StructuredSelector | Record<string, string> | undefined): string {
  if (!sel) return "";
  // ReplicationControllers have a plain map selector; the apps kinds a structured one.
  const structured = "matchLabels" in sel || "matchExpressions" in sel ? (sel as StructuredSelector) : { matchLabels: sel as Record<string, string> };
  return formatLabelSelector(fromStructured(structured));
}

/** Where a custom resource keeps its replicas and selector (its CRD's scale subresource). */
export interface ScalePaths {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** The value at a simple path such as `.spec.replicas`. */
function at(obj: unknown, path: string): unknown {
  let v = obj;
  for (const key of path.split(".").filter(Boolean)) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[key] : undefined;
  return v;
}

/** A merge patch that sets the value at a simple path. */
function patchAt(path: string, value: unknown): Record<string, unknown> {
  return path
    .split(".")
    .filter(Boolean)
    .reduceRight<unknown>((inner, key) => ({ [key]: inner }), value) as Record<string, unknown>;
}

export function scaleOf(obj: Scalable, paths?: ScalePaths) {
  if (paths) {
    const replicas = at(obj, paths.specReplicasPath);
    const observed = at(obj, paths.statusReplicasPath);
    const selector = paths.labelSelectorPath ? at(obj, paths.labelSelectorPath) : undefined;
    return {
      kind: "Scale",
      apiVersion: "autoscaling/v1",
      metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp },
      spec: { replicas: typeof replicas === "number" ? replicas : 0 },
      status: { replicas: typeof observed === "number" ? observed : 0, ...(typeof selector === "string" ? { selector } : {}) },
    };
  }
  return {
    kind: "Scale",
    apiVersion: "autoscaling/v1",
    metadata: { name: obj.metadata.name, namespace: obj.metadata.namespace, uid: obj.metadata.uid, resourceVersion: obj.metadata.resourceVersion, creationTimestamp: obj.metadata.creationTimestamp },
    spec: { replicas: obj.spec?.replicas ?? 0 },
    status: { replicas: obj.status?.replicas ?? 0, selector: selectorText(obj.spec?.selector) },
  };
}

/** The scale subresource of `def`; `paths` for a custom resource, whose CRD says where replicas live. */
export function scaleAction(api: ApiServer, def: ResourceDef, paths?: ScalePaths): SubresourceAction {
  const setReplicas = (call: Parameters<NonNullable<SubresourceAction["methods"]["GET"]>["handle"]>[0], current: Scalable, wanted: ScaleObject) => {
    const replicas = wanted.spec?.replicas ?? 0;
    if (!Number.isInteger(replicas) || replicas < 0)
      throw errors.invalid("autoscaling", "Scale", call.name, [{ path: ["spec", "replicas"], reason: "FieldValueInvalid", message: `Invalid value: ${replicas}: must be greater than or equal to 0` }]);
    const rv = wanted.metadata?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) throw errors.staleUpdate(def.group, def.plural, call.name);
    const manager = fieldManagerOf(call.query, call.req.userAgent, call.req.method === "PUT" ? "update" : "patch");
    const res = api.patch(def, call.namespace, call.name, "merge", paths ? patchAt(paths.specReplicasPath, replicas) : { spec: { replicas } }, { dryRun: call.dryRun, identity: call.req.identity, manager, subresource: "scale" });
    return respond(call.req, 200, outbound({ schema: ScaleSchema }, scaleOf(res.object as Scalable, paths), call.clock));
  };
  return {
    methods: {
      GET: { verb: "get", handle: (call) => respond(call.req, 200, outbound({ schema: ScaleSchema }, scaleOf(api.get(def, call.namespace, call.name) as Scalable, paths), call.clock)) },
      PUT: {
        verb: "update",
        handle(call) {
          const current = api.get(def, call.namespace, call.name) as Scalable;
          return setReplicas(call, current, call.body<ScaleObject>(ScaleSchema, "Scale", "v1"));
        },
      },
      PATCH: {
        verb: "patch",
        handle(call) {
          const type = patchTypeOf(call.req.contentType);
          if (!type || type === "apply") throw errors.unsupportedMediaType(call.req.contentType ?? "");
          const current = api.get(def, call.namespace, call.name) as Scalable;
          const patched = applyPatch(type, scaleOf(current, paths) as unknown as Record<string, unknown>, call.raw(), ScaleSchema) as ScaleObject;
          return setReplicas(call, current, patched);
        },
      },
    },
  };
}
