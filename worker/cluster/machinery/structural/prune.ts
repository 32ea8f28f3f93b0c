// Pruning of unknown fields in a custom resource, as apiextensions-apiserver's structural pruning
// does it: a field the schema does not name is dropped unless its object preserves unknown fields
// (x-kubernetes-preserve-unknown-fields), below which the named fields are still pruned. At the
// resource root and in embedded resources apiVersion, kind and metadata are kept. The root's
// metadata is left whole here: the caller decodes it as ObjectMeta (which drops its unknown
// fields and reports them as `metadata.foo`). An embedded resource's metadata is cut to
// ObjectMeta's fields here.
import type { JSONSchemaProps } from "./types";
import { isObject } from "./values";

export interface PruneOptions {
  /** Whether `value` is a whole resource (apiVersion, kind and metadata kept). */
  isResourceRoot: boolean;
}

const META_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/** ObjectMeta's JSON fields: what survives in an embedded resource's metadata. */
const OBJECT_META_FIELDS = new Set([
  "name",
  "generateName",
  "namespace",
  "selfLink",
  "uid",
  "resourceVersion",
  "generation",
  "creationTimestamp",
  "deletionTimestamp",
  "deletionGracePeriodSeconds",
  "labels",
  "annotations",
  "ownerReferences",
  "finalizers",
  "managedFields",
]);

/**
 * Removes the fields of `value` the schema does not know, in place, and returns their paths in
 * kube's form (`spec.foo`, `spec.items[0].bar`, map entries as `spec.map.key.bar`), which the
 * caller reports for fieldValidation: `unknown field "spec.foo"` (Strict: 400, Warn: warnings).
 */
export function prune(schema: JSONSchemaProps | undefined, value: unknown, opts: PruneOptions): string[] {
  const pruned: string[] = [];
  let s = schema;
  // The resource root behaves as an embedded resource.
  if (opts.isResourceRoot) s = { ...(s ?? {}), "x-kubernetes-embedded-resource": true };
  walk(value, s, "", pruned);
  return pruned;
}

const join = (parent: string, key: string) => (parent ? `${parent}.${key}` : key);

function walk(x: unknown, s: JSONSchemaProps | undefined, path: string, pruned: string[]): void {
  if (s?.["x-kubernetes-preserve-unknown-fields"]) return keep(x, s, path, pruned);
  if (Array.isArray(x)) {
    x.forEach((v, i) => walk(v, s?.items, `${path}[${i}]`, pruned));
    return;
  }
  if (!isObject(x)) return;
  for (const k of Object.keys(x)) {
    if (s?.["x-kubernetes-embedded-resource"] && META_FIELDS.has(k)) {
      if (k === "metadata" && path) pruneMeta(x[k], join(path, k), pruned);
      continue;
    }
    const prop = s?.properties?.[k];
    if (prop) walk(x[k], prop, join(path, k), pruned);
    else if (s && typeof s.additionalProperties === "object") walk(x[k], s.additionalProperties, join(path, k), pruned);
    else {
      pruned.push(join(path, k));
      delete x[k];
    }
  }
}

/** Below a node that preserves unknown fields: unknown fields stay, named ones are still pruned. */
function keep(x: unknown, s: JSONSchemaProps, path: string, pruned: string[]): void {
  if (Array.isArray(x)) {
    // As kube-apiserver: the items of a list that preserves unknown fields keep theirs too.
    if (s.items) x.forEach((v, i) => keep(v, s.items!, `${path}[${i}]`, pruned));
    return;
  }
  if (!isObject(x)) return;
  for (const k of Object.keys(x)) {
    if (s["x-kubernetes-embedded-resource"] && META_FIELDS.has(k)) {
      if (k === "metadata" && path) pruneMeta(x[k], join(path, k), pruned);
      continue;
    }
    const prop = s.properties?.[k];
    if (prop) walk(x[k], prop, join(path, k), pruned);
    else if (typeof s.additionalProperties === "object") walk(x[k], s.additionalProperties, join(path, k), pruned);
  }
}

function pruneMeta(meta: unknown, path: string, pruned: string[]): void {
  if (!isObject(meta)) return;
  for (const k of Object.keys(meta)) {
    if (!OBJECT_META_FIELDS.has(k)) {
      pruned.push(join(path, k));
      delete meta[k];
    }
  }
}
