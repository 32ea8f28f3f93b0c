// The checks a CRD's openAPIV3Schema must pass when the CRD is written, with
// apiextensions-apiserver's messages: the schema's own rules (list and map types, what v1 does not
// support), structurality (every node typed, value validations under allOf/anyOf/oneOf/not
// restricted and complete, the two int-or-string forms, metadata at the root restricted to name and
// generateName), then defaults, which must be pruned and valid against their schema.
import { formatPath, goValue, mapKey, type CauseReason, type K8sIssue, type PathSeg } from "../schema/dsl";
import { prune } from "./prune";
import { compilePattern } from "./regex";
import type { JSONSchemaProps } from "./types";
import { openapiIssues } from "./validate";
import { deepCopy, deepEqual, isObject } from "./values";

type Level = "root" | "item" | "field";

const TYPES = ["array", "boolean", "integer", "number", "object", "string"];
const UNSUPPORTED = ["$ref", "definitions", "id", "$schema", "patternProperties", "dependencies", "additionalItems"];

function add(out: K8sIssue[], path: PathSeg[], reason: CauseReason, message: string) {
  out.push({ path, reason, message });
}
const required = (out: K8sIssue[], path: PathSeg[], detail: string) => add(out, path, "FieldValueRequired", `Required value: ${detail}`);
const forbidden = (out: K8sIssue[], path: PathSeg[], detail: string) => add(out, path, "FieldValueForbidden", `Forbidden: ${detail}`);
const invalid = (out: K8sIssue[], path: PathSeg[], value: unknown, detail: string) => add(out, path, "FieldValueInvalid", `Invalid value: ${goValue(value)}: ${detail}`);
const notSupported = (out: K8sIssue[], path: PathSeg[], value: unknown, allowed: string[]) =>
  add(out, path, "FieldValueNotSupported", `Unsupported value: ${goValue(value)}: supported values: ${allowed.map((a) => JSON.stringify(a)).join(", ")}`);

/** Every problem of a CRD version's schema at `path` (`spec.versions[0].schema.openAPIV3Schema`). */
export function structuralIssues(schema: JSONSchemaProps, path: PathSeg[]): K8sIssue[] {
  const schemaErrors: K8sIssue[] = [];
  schemaRules(schema, path, schemaErrors);
  const structure: K8sIssue[] = [];
  invariants(schema, "root", path, structure);
  completeness(schema, schema, path, path, structure);
  // kube-apiserver sorts these by their text: the schema's maps have no order.
  const text = (i: K8sIssue) => `${formatPath(i.path)}: ${i.message}`;
  structure.sort((a, b) => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0));
  const out = [...schemaErrors, ...structure];
  if (!out.length) defaults(schema, path, true, false, out);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The schema's own rules (ValidateCustomResourceDefinitionOpenAPISchema)

function children(s: JSONSchemaProps, path: PathSeg[]): [JSONSchemaProps, PathSeg[]][] {
  const out: [JSONSchemaProps, PathSeg[]][] = [];
  for (const [k, p] of Object.entries(s.properties ?? {})) out.push([p, [...path, "properties", mapKey(k)]]);
  if (s.items && isObject(s.items)) out.push([s.items, [...path, "items"]]);
  if (isObject(s.additionalProperties)) out.push([s.additionalProperties as JSONSchemaProps, [...path, "additionalProperties"]]);
  for (const j of ["allOf", "anyOf", "oneOf"] as const) (s[j] ?? []).forEach((x, i) => out.push([x, [...path, j, i]]));
  if (s.not) out.push([s.not, [...path, "not"]]);
  return out;
}

function schemaRules(s: JSONSchemaProps, path: PathSeg[], out: K8sIssue[]): void {
  const raw = s as Record<string, unknown>;
  for (const k of UNSUPPORTED) if (raw[k] !== undefined) forbidden(out, [...path, k], `${k} is not supported`);
  if (s.type !== undefined && !TYPES.includes(s.type)) notSupported(out, [...path, "type"], s.type, TYPES);
  if (s.uniqueItems) forbidden(out, [...path, "uniqueItems"], "uniqueItems cannot be set to true since the runtime complexity becomes quadratic");
  if (s.additionalProperties !== undefined) {
    if (s.additionalProperties === false) forbidden(out, [...path, "additionalProperties"], "additionalProperties cannot be set to false");
    else if (s.properties && Object.keys(s.properties).length) forbidden(out, [...path, "additionalProperties"], "additionalProperties and properties are mutual exclusive");
  }
  if (s["x-kubernetes-preserve-unknown-fields"] === false) invalid(out, [...path, "x-kubernetes-preserve-unknown-fields"], false, "must be true or undefined");
  if (s.pattern !== undefined) {
    const c = compilePattern(s.pattern);
    if ("error" in c) invalid(out, [...path, "pattern"], s.pattern, `must be a valid regular expression, but isn't: ${c.error}`);
  }
  listAndMapTypes(s, path, out);
  for (const [c, p] of children(s, path)) schemaRules(c, p, out);
}

function listAndMapTypes(s: JSONSchemaProps, path: PathSeg[], out: K8sIssue[]): void {
  const listType = s["x-kubernetes-list-type"];
  const keys = s["x-kubernetes-list-map-keys"] ?? [];
  if (listType !== undefined && !["atomic", "set", "map"].includes(listType)) notSupported(out, [...path, "x-kubernetes-list-type"], listType, ["atomic", "set", "map"]);
  if (listType !== undefined && s.type !== "array") invalid(out, [...path, "x-kubernetes-list-type"], listType, "must only be used on type=array");
  if (keys.length) {
    if (listType === undefined) required(out, [...path, "x-kubernetes-list-type"], "must be map if x-kubernetes-list-map-keys is non-empty");
    else if (listType !== "map") invalid(out, [...path, "x-kubernetes-list-type"], listType, "must be map if x-kubernetes-list-map-keys is non-empty");
  }
  if (listType === "map") {
    if (!keys.length) required(out, [...path, "x-kubernetes-list-map-keys"], "must not be empty if x-kubernetes-list-type is map");
    const items = s.items;
    if (!items) required(out, [...path, "items"], "must have a schema if x-kubernetes-list-type is map");
    else if (items.type !== "object") invalid(out, [...path, "items", "type"], items.type ?? "", "must be object if parent array's x-kubernetes-list-type is map");
    else {
      const seen = new Set<string>();
      for (const k of keys) {
        const prop = items.properties?.[k];
        if (!prop) invalid(out, [...path, "x-kubernetes-list-map-keys"], keys, "entries must all be names of item properties");
        else {
          if (prop.type === "array" || prop.type === "object") invalid(out, [...path, "items", "properties", mapKey(k), "type"], items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map");
          if (!(items.required ?? []).includes(k) && prop.default === undefined)
            required(out, [...path, "items", "properties", mapKey(k), "default"], "this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property");
        }
        if (seen.has(k)) invalid(out, [...path, "x-kubernetes-list-map-keys"], keys, "must not contain duplicate entries");
        seen.add(k);
      }
    }
  } else if (keys.length && listType !== undefined) {
    forbidden(out, [...path, "x-kubernetes-list-map-keys"], "must only be set if x-kubernetes-list-type is map");
  }
  if (listType === "set" && s.items) {
    const is = s.items;
    if (is.type === "array" && is["x-kubernetes-list-type"] !== undefined && is["x-kubernetes-list-type"] !== "atomic")
      invalid(out, [...path, "items", "x-kubernetes-list-type"], is["x-kubernetes-list-type"], "must be atomic as item of a list with x-kubernetes-list-type=set");
    if (is.type === "object" && is["x-kubernetes-map-type"] !== "atomic") invalid(out, [...path, "items", "x-kubernetes-map-type"], is["x-kubernetes-map-type"] ?? null, "must be atomic as item of a list with x-kubernetes-list-type=set");
  }
  const mapType = s["x-kubernetes-map-type"];
  if (mapType !== undefined) {
    if (mapType !== "atomic" && mapType !== "granular") notSupported(out, [...path, "x-kubernetes-map-type"], mapType, ["atomic", "granular"]);
    if (s.type !== "object") {
      if (!s.type) required(out, [...path, "type"], "must be object if x-kubernetes-map-type is specified");
      else invalid(out, [...path, "type"], s.type, "must be object if x-kubernetes-map-type is specified");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Structurality (apiserver/schema validation.go and complete.go)

const INT_OR_STRING_ANY_OF = [{ type: "integer" }, { type: "string" }];

function invariants(s: JSONSchemaProps, level: Level, path: PathSeg[], out: K8sIssue[]): void {
  if (s.type === "array" && !s.items) required(out, [...path, "items"], "must be specified");
  if (s.items) invariants(s.items, "item", [...path, "items"], out);
  for (const [k, p] of Object.entries(s.properties ?? {})) invariants(p, "field", [...path, "properties", mapKey(k)], out);
  if (s.additionalProperties !== undefined) {
    if (level === "root") forbidden(out, [...path, "additionalProperties"], "must not be used at the root");
    if (isObject(s.additionalProperties)) invariants(s.additionalProperties as JSONSchemaProps, "field", [...path, "additionalProperties"], out);
  }
  const intOrString = !!s["x-kubernetes-int-or-string"];
  const preserve = !!s["x-kubernetes-preserve-unknown-fields"];
  const embedded = !!s["x-kubernetes-embedded-resource"];
  if (intOrString && preserve) invalid(out, [...path, "x-kubernetes-preserve-unknown-fields"], true, "must be false if x-kubernetes-int-or-string is true");
  if (intOrString && embedded) invalid(out, [...path, "x-kubernetes-embedded-resource"], true, "must be false if x-kubernetes-int-or-string is true");

  const skipAnyOf = s.anyOf?.length === 2 && deepEqual(s.anyOf, INT_OR_STRING_ANY_OF);
  const skipFirstAllOfAnyOf = !!s.allOf?.length && s.allOf[0].anyOf?.length === 2 && deepEqual(s.allOf[0].anyOf, INT_OR_STRING_ANY_OF);
  valueValidation(s, skipAnyOf, skipFirstAllOfAnyOf, path, out);

  const checkMetadata = level === "root" || embedded;
  if (embedded && s.type !== "object") {
    if (!s.type) required(out, [...path, "type"], "must be object if x-kubernetes-embedded-resource is true");
    else invalid(out, [...path, "type"], s.type, "must be object if x-kubernetes-embedded-resource is true");
  } else if (!s.type && !intOrString && !preserve) {
    required(out, [...path, "type"], level === "root" ? "must not be empty at the root" : level === "item" ? "must not be empty for specified array items" : "must not be empty for specified object fields");
  }
  if (embedded && s.additionalProperties !== undefined) forbidden(out, [...path, "additionalProperties"], "must not be used if x-kubernetes-embedded-resource is set");
  if (level === "root" && s.type && s.type !== "object") invalid(out, [...path, "type"], s.type, "must be object at the root");
  for (const f of ["kind", "apiVersion"]) {
    const p = s.properties?.[f];
    if (p && checkMetadata && p.type !== "string") invalid(out, [...path, "properties", mapKey(f), "type"], p.type ?? "", "must be string");
  }
  const meta = s.properties?.metadata;
  if (meta) {
    const mpath = [...path, "properties", mapKey("metadata")];
    if (checkMetadata && meta.type !== "object") invalid(out, [...mpath, "type"], meta.type ?? "", "must be object");
    if (level === "root" && !onlyNameRestrictions(meta)) forbidden(out, mpath, "must not specify anything other than name and generateName, but metadata is implicitly specified");
  }
  if (embedded && !preserve && !Object.keys(s.properties ?? {}).length) required(out, [...path, "properties"], "must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields");
}

/** Metadata at the root may only restrict name and generateName; its type and default are ignored. */
function onlyNameRestrictions(meta: JSONSchemaProps): boolean {
  const names = Object.keys(meta.properties ?? {});
  if (names.some((n) => n !== "name" && n !== "generateName")) return false;
  return Object.keys(meta).every((k) => k === "type" || k === "default" || k === "properties");
}

/** Junctors' rules (validateValueValidation). */
function valueValidation(v: JSONSchemaProps, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, path: PathSeg[], out: K8sIssue[]): void {
  if (!skipAnyOf) (v.anyOf ?? []).forEach((x, i) => nested(x, false, false, [...path, "anyOf", i], out));
  (v.allOf ?? []).forEach((x, i) => nested(x, skipFirstAllOfAnyOf && i === 0, false, [...path, "allOf", i], out));
  (v.oneOf ?? []).forEach((x, i) => nested(x, false, false, [...path, "oneOf", i], out));
  if (v.not) nested(v.not, false, false, [...path, "not"], out);
}

/** What a schema under allOf/anyOf/oneOf/not may not say: only value validations are allowed there. */
function nested(v: JSONSchemaProps, skipAnyOf: boolean, skipAllOfAnyOf: boolean, path: PathSeg[], out: K8sIssue[]): void {
  valueValidation(v, skipAnyOf, skipAllOfAnyOf, path, out);
  if (v.items) nested(v.items, false, false, [...path, "items"], out);
  for (const [k, p] of Object.entries(v.properties ?? {})) nested(p, false, false, [...path, "properties", mapKey(k)], out);
  if (v.type) forbidden(out, [...path, "type"], "must be empty to be structural");
  if (v.additionalProperties !== undefined) forbidden(out, [...path, "additionalProperties"], "must be undefined to be structural");
  if (v.default !== undefined) forbidden(out, [...path, "default"], "must be undefined to be structural");
  if (v.title) forbidden(out, [...path, "title"], "must be empty to be structural");
  if (v.description) forbidden(out, [...path, "description"], "must be empty to be structural");
  if (v.nullable) forbidden(out, [...path, "nullable"], "must be false to be structural");
  if (v.externalDocs) forbidden(out, [...path, "externalDocs"], "must be undefined to be structural");
  if (v["x-kubernetes-preserve-unknown-fields"]) forbidden(out, [...path, "x-kubernetes-preserve-unknown-fields"], "must be false to be structural");
  if (v["x-kubernetes-embedded-resource"]) forbidden(out, [...path, "x-kubernetes-embedded-resource"], "must be false to be structural");
  if (v["x-kubernetes-int-or-string"]) forbidden(out, [...path, "x-kubernetes-int-or-string"], "must be false to be structural");
  if (v["x-kubernetes-list-map-keys"]?.length) forbidden(out, [...path, "x-kubernetes-list-map-keys"], "must be empty to be structural");
  if (v["x-kubernetes-list-type"] !== undefined) forbidden(out, [...path, "x-kubernetes-list-type"], "must be undefined to be structural");
  if (v["x-kubernetes-map-type"] !== undefined) forbidden(out, [...path, "x-kubernetes-map-type"], "must be undefined to be structural");
  if (v["x-kubernetes-validations"]?.length) forbidden(out, [...path, "x-kubernetes-validations"], "must be empty to be structural");
  if (v.properties?.metadata) forbidden(out, [...path, "properties", mapKey("metadata")], "must not be specified in a nested context");
}

/**
 * Every field or list the root's junctors speak of is also specified outside them, at the same
 * place (kube-apiserver checks the root's junctors; the nested ones are bounded by nested()).
 */
function completeness(v: JSONSchemaProps, s: JSONSchemaProps | undefined, sPath: PathSeg[], vPath: PathSeg[], out: K8sIssue[]): void {
  const junctors: [JSONSchemaProps, PathSeg[]][] = [];
  if (v.not) junctors.push([v.not, [...vPath, "not"]]);
  for (const j of ["allOf", "anyOf", "oneOf"] as const) (v[j] ?? []).forEach((x, i) => junctors.push([x, [...vPath, j, i]]));
  for (const [n, np] of junctors) nestedCompleteness(n, s, sPath, np, out);
}

function nestedCompleteness(v: JSONSchemaProps, s: JSONSchemaProps | undefined, sPath: PathSeg[], vPath: PathSeg[], out: K8sIssue[]): void {
  if (!s) {
    required(out, sPath, `because it is defined in ${formatPath(vPath)}`);
    return;
  }
  const junctors: [JSONSchemaProps, PathSeg[]][] = [];
  if (v.not) junctors.push([v.not, [...vPath, "not"]]);
  for (const j of ["allOf", "anyOf", "oneOf"] as const) (v[j] ?? []).forEach((x, i) => junctors.push([x, [...vPath, j, i]]));
  for (const [n, np] of junctors) nestedCompleteness(n, s, sPath, np, out);
  if (v.items) nestedCompleteness(v.items, s.items, [...sPath, "items"], [...vPath, "items"], out);
  for (const [k, p] of Object.entries(v.properties ?? {})) {
    const sp = s.properties?.[k];
    if (!sp) required(out, [...sPath, "properties", mapKey(k)], `because it is defined in ${formatPath([...vPath, "properties", mapKey(k)])}`);
    else nestedCompleteness(p, sp, [...sPath, "properties", mapKey(k)], [...vPath, "properties", mapKey(k)], out);
  }
}

// ---------------------------------------------------------------------------------------------
// Defaults: pruned, and valid against their own schema (defaulting/validation.go)

function defaults(s: JSONSchemaProps, path: PathSeg[], resource: boolean, insideMeta: boolean, out: K8sIssue[]): void {
  // An embedded resource starts afresh; the root is one too.
  if (s["x-kubernetes-embedded-resource"]) {
    resource = true;
    insideMeta = false;
  }
  // Defaults of apiVersion, kind and metadata must make valid metadata; not checked here.
  if (s.default !== undefined && !insideMeta) {
    const pruned = deepCopy(s.default);
    prune(s, pruned, { isResourceRoot: !!s["x-kubernetes-embedded-resource"] });
    if (!deepEqual(pruned, s.default)) invalid(out, [...path, "default"], s.default, "must not have unknown fields");
    // Checked as a value of its own: kube-openapi names its fields from the default (`a in body ...`).
    for (const i of openapiIssues(s, s.default, [], [])) out.push({ ...i, path: [...path, "default", ...i.path.filter((seg) => seg !== "<nil>")] });
  }
  if (s.items) defaults(s.items, [...path, "items"], false, insideMeta, out);
  for (const [k, p] of Object.entries(s.properties ?? {})) defaults(p, [...path, "properties", mapKey(k)], false, insideMeta || (resource && (k === "metadata" || k === "apiVersion" || k === "kind")), out);
  // Not into additionalProperties: kube-apiserver does not look for defaults there.
}
