// The value validation of a custom resource against its CRD's structural schema, as
// apiextensions-apiserver does it and in its order: the OpenAPI schema (kube-openapi's validator,
// its messages turned into field errors), the embedded resources' apiVersion and kind, the
// list-type set/map uniqueness, then the x-kubernetes-validations CEL rules.
//
// Messages follow kube-openapi: the value's path in the OpenAPI form (`spec.items[0].name`, map
// keys as `.key`) then "in body ..."; the path of each issue is printed by the caller (a 422
// Invalid Status built with errors.invalid, exactly as schema/decode.ts validate() does).
import { goValue, GoLiteral, mapKey, type CauseReason, type K8sIssue, type PathSeg } from "../schema/dsl";
import { isCheckedFormat, matchesFormat } from "./formats";
import { compilePattern } from "./regex";
import type { JSONSchemaProps } from "./types";
import { deepEqual, goFloat, isObject, jsonTypeName } from "./values";
import { dns1035Label, dns1123Label, labelValue, pathSegmentName, qualifiedName, TOTAL_ANNOTATION_SIZE_LIMIT } from "../validation";

/** The x-kubernetes-validations check (cel.ts's celRuleIssues), passed in by the caller: this module needs no CEL interpreter. */
export type CelCheck = (schema: JSONSchemaProps, value: unknown, old: unknown, path: PathSeg[]) => K8sIssue[];

/**
 * Every problem of `value` against `schema`, in kube-apiserver's order. `path` is where `value`
 * sits (`[]` for a whole custom resource); `old` is the stored object on update (transition rules).
 */
export function schemaIssues(schema: JSONSchemaProps, value: unknown, path: PathSeg[], old?: unknown, cel?: CelCheck): K8sIssue[] {
  const out: K8sIssue[] = [];
  openapi(schema, value, path, out);
  embedded(schema, value, path, out, true);
  listTypes(schema, value, path, out);
  if (cel) out.push(...cel(schema, value, old, path));
  return out;
}

// ---------------------------------------------------------------------------------------------
// kube-openapi's schema validation

/** kube-openapi's checks alone (what a CRD's defaults are held to), composite failures at `base`. */
export function openapiIssues(schema: JSONSchemaProps, value: unknown, path: PathSeg[], base: PathSeg[]): K8sIssue[] {
  const out: K8sIssue[] = [];
  openapi(schema, value, path, out, base);
  return out;
}

/** `spec.items[0].name`: the path as kube-openapi prints it in its messages. */
function openapiName(path: PathSeg[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? "." + seg : seg;
  }
  return out;
}

function issue(out: K8sIssue[], path: PathSeg[], reason: CauseReason, message: string) {
  out.push({ path: [...path], reason, message });
}

function invalid(out: K8sIssue[], path: PathSeg[], value: unknown, detail: string) {
  issue(out, path, "FieldValueInvalid", `Invalid value: ${goValue(value)}: ${detail}`);
}

/**
 * A failure kube-openapi reports as a composite error rather than a field error (allOf, anyOf,
 * oneOf, not): kube-apiserver gives it the validator's own field path, nil for a custom resource,
 * which prints as `<nil>`, and an empty value.
 */
function composite(out: K8sIssue[], base: PathSeg[], detail: string) {
  issue(out, base.length ? base : ["<nil>"], "FieldValueInvalid", `Invalid value: "": ${detail}`);
}

/**
 * A bound as kube-openapi applies it: against integer data it is truncated to an integer (Go's
 * int64 conversion) and printed as one; against other numbers it is a float printed as Go does.
 */
function bound(n: number, data: number): { at: number; text: string } {
  if (Number.isInteger(data)) {
    const at = Math.trunc(n);
    return { at, text: String(at) };
  }
  return { at: n, text: goFloat(n) };
}

/** A number as Go prints it in a field error: an integer as is, a float with %v. */
function goNumber(v: number): unknown {
  return Number.isInteger(v) ? v : new GoLiteral(goFloat(v));
}

function allowedTypes(s: JSONSchemaProps): string[] {
  if (s["x-kubernetes-int-or-string"]) return ["integer", "string"];
  return s.type ? [s.type] : [];
}

function typeMatches(types: string[], actual: string): boolean {
  return types.includes(actual) || (actual === "integer" && types.includes("number"));
}

/** The problems of `v` against a junctor's subschema, for the junctor to judge. */
function problemsOf(s: JSONSchemaProps, v: unknown, path: PathSeg[]): K8sIssue[] {
  const out: K8sIssue[] = [];
  openapi(s, v, path, out, path);
  return out;
}

function openapi(s: JSONSchemaProps, v: unknown, path: PathSeg[], out: K8sIssue[], base: PathSeg[] = []): void {
  const name = openapiName(path);
  const types = allowedTypes(s);
  if (v === null || v === undefined) {
    // kube-openapi checks a null against the type and the enum only.
    if (!s.nullable && types.length) issue(out, path, "FieldValueTypeInvalid", `Invalid value: "null": ${name} in body must be of type ${types.join(",")}: "null"`);
    enumCheck(s, null, path, out);
    return;
  }
  const actual = jsonTypeName(v);
  if (s.format && typeof v !== "string" && !Array.isArray(v) && !typeMatches(types, actual)) {
    // A formatted node given a non-string: kube-openapi names the format and the data's Go format.
    const dataFormat = actual === "integer" ? "int64" : actual === "number" ? "double" : "";
    issue(out, path, "FieldValueTypeInvalid", `Invalid value: ${JSON.stringify(dataFormat)}: ${name} in body must be of type ${s.format}: ${JSON.stringify(dataFormat)}`);
  } else if (types.length && !typeMatches(types, actual)) {
    issue(out, path, "FieldValueTypeInvalid", `Invalid value: ${JSON.stringify(actual)}: ${name} in body must be of type ${types.join(",")}: ${JSON.stringify(actual)}`);
  }
  // The other checks still run, each on the values it applies to (as kube-openapi's validators).

  // anyOf, oneOf, allOf, not (kube-openapi's order): the subschemas see the same value at the
  // same path. Their own failures name the path quoted (Go's %q).
  const quoted = JSON.stringify(name);
  if (s.anyOf?.length) {
    const results = s.anyOf.map((sub) => problemsOf(sub, v, path));
    if (!results.some((r) => r.length === 0)) {
      composite(out, base, `${quoted} must validate at least one schema (anyOf)`);
      out.push(...fewest(results));
    }
  }
  if (s.oneOf?.length) {
    const results = s.oneOf.map((sub) => problemsOf(sub, v, path));
    const valid = results.filter((r) => r.length === 0).length;
    if (valid === 0) {
      composite(out, base, `${quoted} must validate one and only one schema (oneOf). Found none valid`);
      out.push(...fewest(results));
    } else if (valid > 1) composite(out, base, `${quoted} must validate one and only one schema (oneOf). Found ${valid} valid alternatives`);
  }
  if (s.allOf?.length) {
    let valid = 0;
    for (const sub of s.allOf) {
      const p = problemsOf(sub, v, path);
      if (!p.length) valid++;
      out.push(...p);
    }
    if (valid !== s.allOf.length) composite(out, base, `${quoted} must validate all the schemas (allOf)${valid === 0 ? ". None validated" : ""}`);
  }
  if (s.not && problemsOf(s.not, v, path).length === 0) composite(out, base, `${quoted} must not validate the schema (not)`);

  if (typeof v === "string") {
    const length = [...v].length;
    if (s.maxLength !== undefined && length > s.maxLength) issue(out, path, "FieldValueTooLong", `Too long: may not be more than ${s.maxLength} bytes`);
    if (s.minLength !== undefined && length < s.minLength) invalid(out, path, v, `${name} in body should be at least ${s.minLength} chars long`);
    if (s.pattern !== undefined) {
      const c = compilePattern(s.pattern);
      if ("re" in c && !c.re.test(v)) invalid(out, path, v, `${name} in body should match '${s.pattern}'`);
    }
    if (s.format && isCheckedFormat(s.format) && !matchesFormat(s.format, v)) issue(out, path, "FieldValueTypeInvalid", `Invalid value: ${goValue(v)}: ${name} in body must be of type ${s.format}: ${JSON.stringify(v)}`);
  }

  if (typeof v === "number") {
    if (s.multipleOf !== undefined && s.multipleOf > 0) {
      const m = bound(s.multipleOf, v);
      const q = v / m.at;
      if (m.at !== 0 && Math.abs(q - Math.round(q)) > 1e-9) invalid(out, path, goNumber(v), `${name} in body should be a multiple of ${m.text}`);
    }
    if (s.maximum !== undefined) {
      const max = bound(s.maximum, v);
      if (s.exclusiveMaximum ? v >= max.at : v > max.at) invalid(out, path, goNumber(v), `${name} in body should be less than ${s.exclusiveMaximum ? "" : "or equal to "}${max.text}`);
    }
    if (s.minimum !== undefined) {
      const min = bound(s.minimum, v);
      if (s.exclusiveMinimum ? v <= min.at : v < min.at) invalid(out, path, goNumber(v), `${name} in body should be greater than ${s.exclusiveMinimum ? "" : "or equal to "}${min.text}`);
    }
  }

  if (Array.isArray(v)) {
    // Items first, then the list's own bounds (kube-openapi's slice validator).
    if (s.items) v.forEach((x, i) => openapi(s.items!, x, [...path, i], out, base));
    if (s.minItems !== undefined && v.length < s.minItems) invalid(out, path, v.length, `${name} in body should have at least ${s.minItems} items`);
    if (s.maxItems !== undefined && v.length > s.maxItems) issue(out, path, "FieldValueTooMany", `Too many: ${v.length}: must have at most ${s.maxItems} items`);
    if (s.uniqueItems && v.some((x, i) => v.findIndex((y) => deepEqual(x, y)) !== i)) invalid(out, path, "", `${name} in body shouldn't contain duplicates`);
  }

  enumCheck(s, v, path, out);

  if (isObject(v)) {
    const keys = Object.keys(v);
    if (s.maxProperties !== undefined && keys.length > s.maxProperties) issue(out, path, "FieldValueTooMany", `Too many: ${keys.length}: must have at most ${s.maxProperties} items`);
    if (s.minProperties !== undefined && keys.length < s.minProperties) invalid(out, path, keys.length, `${name} in body should have at least ${s.minProperties} properties`);
    // kube-openapi's order: map entries, then the named properties, then the required ones.
    for (const k of keys) {
      if (s.properties?.[k]) continue;
      if (typeof s.additionalProperties === "object") openapi(s.additionalProperties, v[k], [...path, k], out, base);
      else if (s.additionalProperties === false && s.properties) invalid(out, path, k, `${name}.${k} in body is a forbidden property`);
    }
    for (const [k, prop] of Object.entries(s.properties ?? {})) if (k in v) openapi(prop, v[k], [...path, k], out, base);
    for (const r of s.required ?? []) if (!(r in v)) issue(out, [...path, r], "FieldValueRequired", "Required value");
  }
}

function enumCheck(s: JSONSchemaProps, v: unknown, path: PathSeg[], out: K8sIssue[]): void {
  if (!s.enum?.length || s.enum.some((e) => deepEqual(e, v))) return;
  const allowed = s.enum.map((e) => (typeof e === "string" ? e : JSON.stringify(e)));
  issue(out, path, "FieldValueNotSupported", `Unsupported value: ${goValue(v)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);
}

/** anyOf and oneOf report the alternative that came closest (the first of the closest). */
function fewest(results: K8sIssue[][]): K8sIssue[] {
  return results.reduce((a, b) => (b.length < a.length ? b : a));
}

// ---------------------------------------------------------------------------------------------
// Embedded resources (schemaobjectmeta): apiVersion and kind present and well formed.

function embedded(s: JSONSchemaProps, v: unknown, path: PathSeg[], out: K8sIssue[], root: boolean): void {
  if (Array.isArray(v)) {
    if (s.items) v.forEach((x, i) => embedded(s.items!, x, [...path, i], out, false));
    return;
  }
  if (!isObject(v)) return;
  if (s["x-kubernetes-embedded-resource"] && !root) {
    const apiVersion = v.apiVersion;
    if (apiVersion === undefined || apiVersion === "") issue(out, [...path, "apiVersion"], "FieldValueRequired", "Required value");
    else if (typeof apiVersion !== "string") invalid(out, [...path, "apiVersion"], apiVersion, "must be a string");
    else if (apiVersion.split("/").length > 2) invalid(out, [...path, "apiVersion"], apiVersion, `unexpected GroupVersion string: ${apiVersion}`);
    const kind = v.kind;
    if (kind === undefined || kind === "") issue(out, [...path, "kind"], "FieldValueRequired", "Required value");
    else if (typeof kind !== "string") invalid(out, [...path, "kind"], kind, "must be a string");
    else {
      const errs = dns1035Label(kind.toLowerCase());
      if (errs.length) invalid(out, [...path, "kind"], kind, "may have mixed case, but should otherwise match: " + errs.join(","));
    }
    if (isObject(v.metadata)) embeddedMeta(v.metadata, [...path, "metadata"], out);
  }
  for (const [k, x] of Object.entries(v)) {
    const prop = s.properties?.[k];
    if (prop) embedded(prop, x, [...path, k], out, false);
    else if (typeof s.additionalProperties === "object") embedded(s.additionalProperties, x, [...path, mapKey(k)], out, false);
  }
}

/** ObjectMeta's checks on an embedded resource's metadata (names are URL path segments). */
function embeddedMeta(meta: Record<string, unknown>, path: PathSeg[], out: K8sIssue[]): void {
  const { name, generateName, namespace, labels, annotations } = meta;
  if (typeof generateName === "string" && generateName) for (const e of pathSegmentName(generateName)) invalid(out, [...path, "generateName"], generateName, e);
  if (typeof name === "string" && name) for (const e of pathSegmentName(name)) invalid(out, [...path, "name"], name, e);
  if (typeof namespace === "string" && namespace) for (const e of dns1123Label(namespace)) invalid(out, [...path, "namespace"], namespace, e);
  if (isObject(labels))
    for (const [k, x] of Object.entries(labels)) {
      for (const e of qualifiedName(k)) invalid(out, [...path, "labels"], k, e);
      if (typeof x === "string") for (const e of labelValue(x)) invalid(out, [...path, "labels"], x, e);
    }
  if (isObject(annotations)) {
    let size = 0;
    for (const [k, x] of Object.entries(annotations)) {
      for (const e of qualifiedName(k.toLowerCase())) invalid(out, [...path, "annotations"], k, e);
      size += k.length + (typeof x === "string" ? x.length : 0);
    }
    if (size > TOTAL_ANNOTATION_SIZE_LIMIT) issue(out, [...path, "annotations"], "FieldValueTooLong", `Too long: may not be more than ${TOTAL_ANNOTATION_SIZE_LIMIT} bytes`);
  }
}

// ---------------------------------------------------------------------------------------------
// x-kubernetes-list-type set and map: no duplicates (structurallisttype). Field paths here are
// Kubernetes field paths: `spec.ports[1]`, map keys as `[key]`.

function listTypes(s: JSONSchemaProps, v: unknown, path: PathSeg[], out: K8sIssue[]): void {
  if (Array.isArray(v)) {
    const type = s["x-kubernetes-list-type"];
    if (type === "set") {
      v.forEach((x, i) => {
        if (v.findIndex((y) => deepEqual(x, y)) !== i) issue(out, [...path, i], "FieldValueDuplicate", `Duplicate value: ${goValue(x)}`);
      });
    } else if (type === "map") listMap(s, v, path, out);
    if (s.items) v.forEach((x, i) => listTypes(s.items!, x, [...path, i], out));
    return;
  }
  if (!isObject(v)) return;
  for (const [k, x] of Object.entries(v)) {
    const prop = s.properties?.[k];
    if (prop) listTypes(prop, x, [...path, k], out);
    else if (typeof s.additionalProperties === "object") listTypes(s.additionalProperties, x, [...path, mapKey(k)], out);
  }
}

function listMap(s: JSONSchemaProps, v: unknown[], path: PathSeg[], out: K8sIssue[]): void {
  const keys = s["x-kubernetes-list-map-keys"] ?? [];
  const seen: Record<string, unknown>[] = [];
  v.forEach((item, i) => {
    if (!isObject(item)) {
      if (item !== null) invalid(out, [...path, i], item, "must be an object for an array of list-type map");
      return;
    }
    // A key field left out counts as its default (defaulting ran first), else as unset.
    const id: Record<string, unknown> = {};
    for (const k of keys) id[k] = k in item ? item[k] : s.items?.properties?.[k]?.default;
    if (seen.some((x) => deepEqual(x, id))) issue(out, [...path, i], "FieldValueDuplicate", `Duplicate value: ${goMap(id)}`);
    else seen.push(id);
  });
}

/** Go's %#v of a map[string]interface{} of scalars, as a list-map duplicate prints its keys. */
function goMap(m: Record<string, unknown>): string {
  const entries = Object.keys(m)
    .sort()
    .map((k) => {
      const x = m[k];
      const text = x === undefined || x === null ? "interface {}(nil)" : typeof x === "string" ? JSON.stringify(x) : typeof x === "number" ? (Number.isInteger(x) ? String(x) : goFloat(x)) : String(x);
      return `${JSON.stringify(k)}:${text}`;
    });
  return `map[string]interface {}{${entries.join(", ")}}`;
}
