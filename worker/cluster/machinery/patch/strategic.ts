// Strategic merge patch, as Kubernetes applies it. Lists with a merge key merge item by item;
// lists without one are replaced; directives ($patch, $retainKeys, $setElementOrder/<field>,
// $deleteFromPrimitiveList/<field>) do the rest. Merge keys come from the kind's schema.
import type { z } from "zod";
import { typeOf, type FieldSpec, type ListOptions } from "../schema/dsl";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonObject = { [k: string]: Json };

export class PatchError extends Error {}

const SET_ORDER = "$setElementOrder/";
const DELETE_PRIMITIVE = "$deleteFromPrimitiveList/";

function isObject(v: unknown): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function fieldOf(schema: z.ZodType | undefined, key: string): FieldSpec | undefined {
  if (!schema) return undefined;
  const node = typeOf(schema);
  if (node?.t === "struct") return node.fields[key];
  return undefined;
}

/** The schema of the values of a map, or undefined when `schema` is not a map. */
function mapValueOf(schema: z.ZodType | undefined): z.ZodType | undefined {
  if (!schema) return undefined;
  const node = typeOf(schema);
  return node?.t === "map" ? node.of : undefined;
}

function listOf(schema: z.ZodType | undefined): { of: z.ZodType; options: ListOptions } | undefined {
  if (!schema) return undefined;
  const node = typeOf(schema);
  return node?.t === "list" ? { of: node.of, options: node.options } : undefined;
}

/** Applies `patch` to `original` (neither is changed) and returns the result. */
export function strategicMergePatch(original: JsonObject, patch: JsonObject, schema: z.ZodType): JsonObject {
  if (!isObject(patch)) throw new PatchError("strategic merge patch must be a JSON object");
  const result = mergeMap(structuredClone(original) as JsonObject, patch, schema);
  if (result === undefined) throw new PatchError("a strategic merge patch may not delete the whole object");
  return result;
}

/** Returns undefined when the patch deletes the map. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: z.ZodType | undefined): JsonObject | undefined {
  const directive = patch["$patch"];
  if (directive === "replace") return clean(patch) as JsonObject;
  if (directive === "delete") return undefined;
  if (directive !== undefined && directive !== "merge") throw new PatchError(`Unknown patch type: ${String(directive)}`);

  const retain = patch["$retainKeys"];
  for (const [key, pv] of Object.entries(patch)) {
    if (key.startsWith("$")) continue;
    const field = fieldOf(schema, key);
    const valueSchema = field?.type ?? mapValueOf(schema);
    if (pv === null) {
      delete original[key];
      continue;
    }
    const ov = original[key];
    if (isObject(pv)) {
      const merged = mergeMap(isObject(ov) ? ov : {}, pv, valueSchema);
      if (merged === undefined) delete original[key];
      else original[key] = merged;
    } else if (Array.isArray(pv)) {
      const list = listOf(valueSchema);
      const order = patch[SET_ORDER + key];
      if (list && (list.options.strategy ?? "").split(",").includes("merge")) {
        original[key] = mergeList(Array.isArray(ov) ? ov : [], pv, list.of, list.options.key, Array.isArray(order) ? order : undefined);
      } else {
        original[key] = clean(pv);
      }
    } else {
      original[key] = pv;
    }
  }

  // Directives that apply to fields the patch may not mention.
  for (const [key, v] of Object.entries(patch)) {
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = key.slice(DELETE_PRIMITIVE.length);
      if (!Array.isArray(v)) throw new PatchError(`${key} must be a list`);
      const cur = original[field];
      if (Array.isArray(cur)) {
        const remaining = cur.filter((x) => !v.some((d) => d === x));
        if (remaining.length) original[field] = remaining;
        else delete original[field];
      }
    } else if (key.startsWith(SET_ORDER) && !(key.slice(SET_ORDER.length) in patch)) {
      // An order without a change to the list: reorder what is there.
      const field = key.slice(SET_ORDER.length);
      const cur = original[field];
      const list = listOf(fieldOf(schema, field)?.type);
      if (Array.isArray(cur) && Array.isArray(v)) original[field] = applyOrder(cur, [], v, cur, list?.options.key);
    }
  }
  if (retain !== undefined) {
    if (!Array.isArray(retain)) throw new PatchError("$retainKeys must be a list");
    for (const key of Object.keys(original)) if (!retain.includes(key)) delete original[key];
  }
  return original;
}

function keyOf(item: Json, mergeKey: string | undefined): Json | undefined {
  if (mergeKey === undefined) return item;
  return isObject(item) ? item[mergeKey] : undefined;
}

function sameKey(a: Json | undefined, b: Json | undefined): boolean {
  return a !== undefined && JSON.stringify(a) === JSON.stringify(b);
}

function mergeList(original: Json[], patch: Json[], itemSchema: z.ZodType, mergeKey: string | undefined, order: Json[] | undefined): Json[] {
  const isMapList = mergeKey !== undefined && (patch.some(isObject) || original.some(isObject));
  if (!isMapList) {
    // A set of primitives: union, keeping the original order.
    const out = [...original];
    for (const v of patch) if (!out.some((x) => JSON.stringify(x) === JSON.stringify(v))) out.push(v);
    return order ? applyOrder(out, patch, order, original, undefined) : out;
  }
  if (patch.some((p) => isObject(p) && p["$patch"] === "replace")) {
    return patch.filter((p) => !(isObject(p) && p["$patch"] === "replace")).map(clean);
  }
  const out = original.map((x) => structuredClone(x));
  const touched: Json[] = [];
  for (const p of patch) {
    if (!isObject(p)) throw new PatchError(`expected a map in the list, got ${JSON.stringify(p)}`);
    const key = p[mergeKey!];
    if (key === undefined) throw new PatchError(`map: ${JSON.stringify(p)} does not contain declared merge key: ${mergeKey}`);
    const idx = out.findIndex((x) => sameKey(keyOf(x, mergeKey), key));
    if (p["$patch"] === "delete") {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) {
      const merged = mergeMap(out[idx] as JsonObject, p, itemSchema);
      if (merged === undefined) out.splice(idx, 1);
      else out[idx] = merged;
    } else {
      out.push(mergeMap({}, p, itemSchema) ?? {});
    }
    touched.push(key);
  }
  return order ? applyOrder(out, patch, order, original, mergeKey) : out;
}

/**
 * Orders a merged list by $setElementOrder: items named in the order come in that order; items
 * only the server has keep their place relative to them, as Kubernetes interleaves them.
 */
function applyOrder(merged: Json[], _patch: Json[], order: Json[], original: Json[], mergeKey: string | undefined): Json[] {
  const orderKeys = order.map((o) => (mergeKey === undefined ? o : isObject(o) ? o[mergeKey] : undefined));
  const inOrder = (item: Json) => orderKeys.findIndex((k) => sameKey(keyOf(item, mergeKey), k));
  const serverIndex = (item: Json) => original.findIndex((x) => sameKey(keyOf(x, mergeKey), keyOf(item, mergeKey)));
  const patched = merged.filter((x) => inOrder(x) >= 0).sort((a, b) => inOrder(a) - inOrder(b));
  const serverOnly = merged.filter((x) => inOrder(x) < 0).sort((a, b) => serverIndex(a) - serverIndex(b));
  const out: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < serverOnly.length || j < patched.length) {
    if (j >= patched.length) out.push(serverOnly[i++]);
    else if (i >= serverOnly.length) out.push(patched[j++]);
    else {
      const si = serverIndex(serverOnly[i]);
      const pi = serverIndex(patched[j]);
      if (si >= 0 && pi >= 0 && si < pi) out.push(serverOnly[i++]);
      else out.push(patched[j++]);
    }
  }
  return out;
}

/** Removes directives from a value that is taken as is. */
function clean(v: Json): Json {
  if (Array.isArray(v)) return v.filter((x) => !(isObject(x) && x["$patch"] === "delete")).map(clean);
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const [k, x] of Object.entries(v)) if (!k.startsWith("$")) out[k] = clean(x);
    return out;
  }
  return v;
}
