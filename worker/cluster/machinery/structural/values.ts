// Small helpers over unstructured JSON values and structural schemas, shared by validation,
// pruning, defaulting and the DSL view.
import type { JSONSchemaProps } from "./types";

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The JSON type of a value as kube-openapi names it (an integral number is an "integer"). */
export function jsonTypeName(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "string") return "string";
  return "object";
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const ka = Object.keys(a);
    if (ka.length !== Object.keys(b).length) return false;
    return ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

export function deepCopy<T>(v: T): T {
  return v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T);
}

/** Go's %v of a float64 (strconv's shortest 'g'): an exponent when it is below -4 or 6 and above. */
export function goFloat(n: number): string {
  if (!Number.isFinite(n)) return n > 0 ? "+Inf" : n < 0 ? "-Inf" : "NaN";
  if (n === 0) return "0";
  const exp = Number(n.toExponential().split("e")[1]);
  if (exp < -4 || exp >= 6) {
    const [m, e] = n.toExponential().split("e");
    const en = Number(e);
    return `${m}e${en < 0 ? "-" : "+"}${String(Math.abs(en)).padStart(2, "0")}`;
  }
  return String(n);
}

/** Whether a schema node keeps fields it does not name. */
export function preservesUnknown(s: JSONSchemaProps | undefined): boolean {
  return s?.["x-kubernetes-preserve-unknown-fields"] === true;
}

/** The schema for a field `key` of an object node: its property, else its additionalProperties. */
export function fieldSchema(s: JSONSchemaProps | undefined, key: string): JSONSchemaProps | undefined {
  if (!s) return undefined;
  const p = s.properties?.[key];
  if (p) return p;
  return typeof s.additionalProperties === "object" ? s.additionalProperties : undefined;
}
