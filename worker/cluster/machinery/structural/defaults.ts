// Structural defaulting of custom resources, as apiextensions-apiserver does it after pruning:
// first nulls that can be neither kept (not nullable) nor defaulted are dropped, then every
// absent field with a default, and every null in a non-nullable field with a default, gets a copy
// of the default, inside objects that exist (defaulting never creates a parent). Defaults were
// pruned and validated when the CRD was written (structural.ts), so they are copied as they are.
import type { JSONSchemaProps } from "./types";
import { deepCopy, fieldSchema, isObject } from "./values";

function nonNullableNull(v: unknown, s: JSONSchemaProps | undefined): s is JSONSchemaProps {
  return v === null && !!s && !s.nullable;
}

/** Drops nulls in non-nullable fields that have no default (they would fail validation otherwise). */
export function pruneNonNullableNulls(schema: JSONSchemaProps | undefined, value: unknown): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    for (const v of value) pruneNonNullableNulls(schema.items, v);
    return;
  }
  if (!isObject(value)) return;
  for (const k of Object.keys(value)) {
    const s = fieldSchema(schema, k);
    if (nonNullableNull(value[k], s) && s.default === undefined) delete value[k];
    else pruneNonNullableNulls(s, value[k]);
  }
}

/** Applies the schema's defaults to `value` in place. */
export function applyDefaults(schema: JSONSchemaProps | undefined, value: unknown): void {
  if (!schema) return;
  if (Array.isArray(value)) {
    const items = schema.items;
    for (let i = 0; i < value.length; i++) {
      if (nonNullableNull(value[i], items) && items.default !== undefined) value[i] = deepCopy(items.default);
      applyDefaults(items, value[i]);
    }
    return;
  }
  if (!isObject(value)) return;
  for (const [k, prop] of Object.entries(schema.properties ?? {})) {
    if (prop.default === undefined) continue;
    if (!(k in value) || nonNullableNull(value[k], prop)) value[k] = deepCopy(prop.default);
  }
  for (const k of Object.keys(value)) {
    const prop = schema.properties?.[k];
    if (prop) applyDefaults(prop, value[k]);
    else if (typeof schema.additionalProperties === "object") {
      const ap = schema.additionalProperties;
      if (nonNullableNull(value[k], ap) && ap.default !== undefined) value[k] = deepCopy(ap.default);
      applyDefaults(ap, value[k]);
    }
  }
}
