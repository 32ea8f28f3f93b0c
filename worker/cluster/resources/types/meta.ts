// meta/v1 types shared by every kind: object metadata, list metadata, selectors, owner references,
// Status and DeleteOptions.
import type { z } from "zod";
import { ALWAYS, UNCHECKED, GoLiteral, goSyntax, anyObject, bool, int64, list, mapKey, oneOf, opt, PTR, req, str, strMap, struct, time, type Fields, type Problems } from "../../machinery/schema/dsl";
import { labelValue, qualifiedName, TOTAL_ANNOTATION_SIZE_LIMIT } from "../../machinery/validation";

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";

export const OwnerReference = struct(
  `${META}.OwnerReference`,
  "Points at an object this one depends on. When every owner is gone, the object is garbage collected.",
  {
    // Checked by ObjectMeta with kube-apiserver's words ("version must not be empty"), not as Required.
    apiVersion: req(5, str, ALWAYS, UNCHECKED, "API version of the owner."),
    kind: req(1, str, ALWAYS, UNCHECKED, "Kind of the owner."),
    name: req(3, str, ALWAYS, UNCHECKED, "Name of the owner."),
    uid: req(4, str, ALWAYS, UNCHECKED, "UID of the owner."),
    controller: opt(6, bool, PTR, "True when the owner is the managing controller; at most one owner may say so."),
    blockOwnerDeletion: opt(7, bool, PTR, "With foreground deletion, the owner is not removed until this dependent is gone."),
  },
);

export const ManagedFieldsEntry = struct(`${META}.ManagedFieldsEntry`, "Which fields one manager set, and how.", {
  manager: opt(1, str, "The workflow that manages these fields."),
  operation: opt(2, str, "Apply or Update."),
  apiVersion: opt(3, str, "The version the field set is expressed in."),
  time: opt(4, time, PTR, "When the entry was last changed."),
  fieldsType: opt(6, str, "Format of fieldsV1; always FieldsV1."),
  fieldsV1: opt(7, anyObject, PTR, "The set of fields."),
  subresource: opt(8, str, "The subresource the fields were written through, if any."),
});

export function checkLabels(labels: Record<string, string> | undefined, p: Problems) {
  if (!labels) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const e of qualifiedName(k)) p.invalid([], k, e);
    for (const e of labelValue(v)) p.invalid([], v, e);
  }
}

function checkAnnotations(annotations: Record<string, string> | undefined, p: Problems) {
  if (!annotations) return;
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const e of qualifiedName(k.toLowerCase())) p.invalid([], k, e);
    size += k.length + v.length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) p.tooLong([], TOTAL_ANNOTATION_SIZE_LIMIT);
}

export const ObjectMeta = struct(
  `${META}.ObjectMeta`,
  "Metadata every stored object has: its name and namespace, labels and annotations, and the fields the system keeps.",
  {
    name: opt(1, str, "Unique within a namespace (or the cluster, for cluster-scoped kinds). Cannot be changed."),
    generateName: opt(2, str, "When name is empty, the server makes a unique name from this prefix and a random suffix."),
    namespace: opt(3, str, "The namespace the object lives in. Empty for cluster-scoped kinds."),
    selfLink: opt(4, str, "Deprecated and never set."),
    uid: opt(5, str, "Unique in time and space; set by the server at creation."),
    resourceVersion: opt(6, str, "Opaque version of the object, for optimistic concurrency and watches."),
    generation: opt(7, int64, "Sequence number of the desired state; grows when the spec changes."),
    creationTimestamp: opt(8, time, ALWAYS, "When the object was created, in UTC."),
    deletionTimestamp: opt(9, time, PTR, "When deletion was requested; the object goes once its finalizers are done and its grace period is over."),
    deletionGracePeriodSeconds: opt(10, int64, PTR, "Seconds the object is given to terminate gracefully."),
    labels: opt(11, strMap, "Key/value pairs for organizing and selecting objects."),
    annotations: opt(12, strMap, "Key/value pairs for tools; not used for selection."),
    ownerReferences: opt(13, list(OwnerReference, { key: "uid", strategy: "merge", listType: "map", mapKeys: ["uid"] }), "Objects this one depends on."),
    finalizers: opt(14, list(str, { strategy: "merge", listType: "set" }), "Conditions that must be cleared before the object is removed from storage."),
    managedFields: opt(17, list(ManagedFieldsEntry), "Which managers own which fields."),
  },
  {
    check(m, p) {
      checkLabels(m.labels, p.at("labels"));
      checkAnnotations(m.annotations, p.at("annotations"));
      if (m.finalizers) {
        m.finalizers.forEach((f, i) => {
          for (const e of qualifiedName(f)) p.invalid(["finalizers", i], f, e);
          if (!f.includes("/") && !STANDARD_FINALIZERS.has(f))
            p.invalid(["finalizers", i], f, "name is neither a standard finalizer name nor is it fully qualified");
        });
      }
      if (m.ownerReferences) {
        let controllers = 0;
        // kube-apiserver names these fields without the item's index.
        for (const o of m.ownerReferences) {
          if (o.controller) controllers++;
          const version = (o.apiVersion ?? "").split("/").pop() ?? "";
          if (!version) p.invalid(["ownerReferences", "apiVersion"], o.apiVersion ?? "", "version must not be empty");
          if (!o.kind) p.invalid(["ownerReferences", "kind"], o.kind ?? "", "kind must not be empty");
          if (!o.name) p.invalid(["ownerReferences", "name"], o.name ?? "", "name must not be empty");
          if (!o.uid) p.invalid(["ownerReferences", "uid"], o.uid ?? "", "uid must not be empty");
        }
        if (controllers > 1) p.invalid(["ownerReferences"], m.ownerReferences, "Only one reference can have Controller set to true");
      }
    },
  },
);

const STANDARD_FINALIZERS = new Set(["kubernetes", "orphan", "foregroundDeletion"]);

export type ObjectMetaT = z.infer<typeof ObjectMeta>;
export type OwnerReferenceT = z.infer<typeof OwnerReference>;

export const ListMeta = struct(`${META}.ListMeta`, "Metadata of a list: its resourceVersion and the token for the next page.", {
  selfLink: opt(1, str, "Deprecated and never set."),
  resourceVersion: opt(2, str, "The version of the collection this list reflects."),
  continue: opt(3, str, "Token for the next page, when the list was limited."),
  remainingItemCount: opt(4, int64, PTR, "How many items remain after this page, when known."),
});

export const LabelSelectorRequirement = struct(`${META}.LabelSelectorRequirement`, "One selector term: a key, an operator and values.", {
  key: req(1, str, "The label key the term applies to."),
  operator: req(2, oneOf("In", "NotIn", "Exists", "DoesNotExist"), "In, NotIn, Exists or DoesNotExist."),
  values: opt(3, list(str, { listType: "atomic" }), "Values for In and NotIn; must be empty for Exists and DoesNotExist."),
});

/** A LabelSelector as kube-apiserver prints it in a field error (Go's %#v of v1.LabelSelector). */
export function labelSelectorLiteral(s: { matchLabels?: Record<string, string>; matchExpressions?: { key?: string; operator?: string; values?: string[] }[] } | undefined | null): GoLiteral | null {
  if (!s) return null;
  const labels = s.matchLabels ? goSyntax(s.matchLabels) : "map[string]string(nil)";
  const req = (r: { key?: string; operator?: string; values?: string[] }) =>
    `v1.LabelSelectorRequirement{Key:${JSON.stringify(r.key ?? "")}, Operator:${JSON.stringify(r.operator ?? "")}, Values:${r.values ? goSyntax(r.values) : "[]string(nil)"}}`;
  const exprs = s.matchExpressions ? `[]v1.LabelSelectorRequirement{${s.matchExpressions.map(req).join(", ")}}` : "[]v1.LabelSelectorRequirement(nil)";
  return new GoLiteral(`v1.LabelSelector{MatchLabels:${labels}, MatchExpressions:${exprs}}`);
}

export const LabelSelector = struct(
  `${META}.LabelSelector`,
  "Selects objects by labels. The terms are ANDed; an empty selector matches everything.",
  {
    matchLabels: opt(1, strMap, "Exact key=value pairs."),
    matchExpressions: opt(2, list(LabelSelectorRequirement, { listType: "atomic" }), "Set-based requirements."),
  },
  {
    check(s, p) {
      if (s.matchLabels) checkLabels(s.matchLabels, p.at("matchLabels"));
      s.matchExpressions?.forEach((r, i) => {
        const vals = r.values ?? [];
        if ((r.operator === "In" || r.operator === "NotIn") && vals.length === 0)
          p.required(["matchExpressions", i, "values"], "must be specified when `operator` is 'In' or 'NotIn'");
        if ((r.operator === "Exists" || r.operator === "DoesNotExist") && vals.length > 0)
          p.forbidden(["matchExpressions", i, "values"], "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
        for (const e of qualifiedName(r.key ?? "")) p.invalid(["matchExpressions", i, "key"], r.key, e);
      });
    },
  },
);
export type LabelSelectorT = z.infer<typeof LabelSelector>;

export const Condition = struct(`${META}.Condition`, "One aspect of an object's current state.", {
  type: req(1, str, "The condition's type, in CamelCase."),
  status: req(2, oneOf("True", "False", "Unknown"), "True, False or Unknown."),
  observedGeneration: opt(3, int64, "The generation the condition was set for."),
  lastTransitionTime: req(4, time, "When the status last changed."),
  reason: req(5, str, "Machine-readable reason in CamelCase."),
  message: opt(6, str, "Human-readable details."),
});

export const StatusCause = struct(`${META}.StatusCause`, "One reason an operation failed.", {
  reason: opt(1, str, "Machine-readable reason, such as FieldValueRequired."),
  message: opt(2, str, "Human-readable description."),
  field: opt(3, str, "The field the cause applies to, as a path such as spec.containers[0].image."),
});

export const StatusDetails = struct(`${META}.StatusDetails`, "Extra data about a failure.", {
  name: opt(1, str, "Name of the object concerned."),
  group: opt(2, str, "API group of the object concerned."),
  kind: opt(3, str, "Kind (or resource) of the object concerned."),
  uid: opt(6, str, "UID of the object concerned."),
  causes: opt(4, list(StatusCause, { listType: "atomic" }), "Individual causes."),
  retryAfterSeconds: opt(5, int64, "Suggested seconds to wait before retrying."),
});

export const Preconditions = struct(`${META}.Preconditions`, "Conditions the object must meet for an operation to go ahead.", {
  uid: opt(1, str, PTR, "The object's UID must be this."),
  resourceVersion: opt(2, str, PTR, "The object's resourceVersion must be this."),
});

export const DeleteOptions = struct(
  `${META}.DeleteOptions`,
  "Options for a delete.",
  {
    apiVersion: opt(undefined, str, "Always v1 or meta.k8s.io/v1."),
    kind: opt(undefined, str, "Always DeleteOptions."),
    gracePeriodSeconds: opt(1, int64, PTR, "Seconds before the object is removed; 0 removes it at once."),
    preconditions: opt(2, Preconditions, PTR, "Must hold for the delete to go ahead."),
    orphanDependents: opt(3, bool, PTR, "Deprecated: use propagationPolicy."),
    propagationPolicy: opt(4, oneOf("Orphan", "Background", "Foreground"), PTR, "Whether and how dependents are garbage collected."),
    dryRun: opt(5, list(oneOf("All"), { listType: "atomic" }), "With All, nothing is written."),
    ignoreStoreReadErrorWithClusterBreakingPotential: opt(6, bool, PTR, "Unsafe deletion of corrupt objects; not supported here."),
  },
  { gvk: [{ group: "", version: "v1", kind: "DeleteOptions" }] },
);
export type DeleteOptionsT = z.infer<typeof DeleteOptions>;

/** A map-key path segment helper, re-exported for kinds that validate maps. */
export { mapKey };

/**
 * The schema of a top-level kind: apiVersion, kind and metadata, then the kind's own fields.
 * The GVK is what the served OpenAPI tags the definition with (kubectl explain finds kinds by it).
 */
export function objectSchema<F extends Fields>(name: string, description: string, gvk: { group: string; version: string; kind: string }, fields: F, options: { check?: StructCheck; preserveUnknown?: boolean } = {}) {
  return struct(
    name,
    description,
    {
      apiVersion: opt(undefined, str, "Versioned schema of this object, such as v1 or apps/v1."),
      kind: opt(undefined, str, "Kind of this object, such as Pod."),
      metadata: opt(1, ObjectMeta, ALWAYS, "Standard object metadata: name, namespace, labels, annotations and more."),
      ...fields,
    },
    { gvk: [gvk], check: options.check as never, preserveUnknown: options.preserveUnknown },
  );
}

// Checks on a whole object receive it untyped; each kind narrows it.
type StructCheck = (value: Record<string, unknown>, problems: Problems) => void;
