// Turning a client's JSON into a stored object, the way the API server's decoder does:
// unknown fields (per fieldValidation), type errors as decode errors (400), Go's round trip
// (zero values dropped, non-pointer structs always present), then semantic checks (422).
import type { z } from "zod";
import { ApiError, errors } from "../errors";
import { canonicalQuantity } from "../quantity";
import { formatMicroTime, formatTime, parseTime } from "../time";
import { formatPath, typeOf, type FieldSpec, type K8sIssue, type K8sIssueParams, type PathSeg, type ScalarKind, type TypeNode } from "./dsl";

export type FieldValidation = "Strict" | "Warn" | "Ignore";

// ---------------------------------------------------------------------------------------------
// Unknown fields

/** Paths of fields the schema does not know, as `spec.foo` or `spec.containers[0].bar`. */
export function unknownFields(schema: z.ZodType, value: unknown, path = ""): string[] {
  const node = typeOf(schema);
  if (!node || value === null || value === undefined) return [];
  const out: string[] = [];
  if (node.t === "struct") {
    if (typeof value !== "object" || Array.isArray(value)) return [];
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const f = node.fields[k];
      const p = path ? `${path}.${k}` : k;
      if (!f) {
        if (!node.preserveUnknown) out.push(p);
      }
      else out.push(...unknownFields(f.type, v, p));
    }
  } else if (node.t === "list") {
    if (Array.isArray(value)) value.forEach((v, i) => out.push(...unknownFields(node.of, v, `${path}[${i}]`)));
  } else if (node.t === "map") {
    if (typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value as Record<string, unknown>)) out.push(...unknownFields(node.of, v, `${path}[${k}]`));
  }
  return out;
}

/** Calls `unknown(obj, key)` for every field of `value` the schema does not know, walking the known ones. */
function eachUnknown(schema: z.ZodType, value: unknown, unknown: (obj: Record<string, unknown>, key: string) => void): void {
  const node = typeOf(schema);
  if (!node || value === null || typeof value !== "object") return;
  if (node.t === "struct" && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const f = node.fields[k];
      if (f) eachUnknown(f.type, obj[k], unknown);
      else if (!node.preserveUnknown) unknown(obj, k);
    }
  } else if (node.t === "list" && Array.isArray(value)) {
    for (const v of value) eachUnknown(node.of, v, unknown);
  } else if (node.t === "map" && !Array.isArray(value)) {
    for (const v of Object.values(value)) eachUnknown(node.of, v, unknown);
  }
}

/** Removes fields the schema does not know (what Go's decoder does with them). */
function dropUnknown(schema: z.ZodType, value: unknown): void {
  eachUnknown(schema, value, (obj, k) => delete obj[k]);
}

/**
 * Puts `true` in place of the value of every field the schema does not know, except fields
 * `keep` names (a strategic patch's directives). A patch may nest as deep as a body's bound allows
 * inside an unknown field; the merge would then walk all of it for a value the decoder drops.
 * The field itself stays, so that a strict decode still reports it.
 */
export function flattenUnknown(schema: z.ZodType, value: unknown, keep: (key: string) => boolean = () => false): void {
  eachUnknown(schema, value, (obj, k) => {
    if (!keep(k) && obj[k] !== null && typeof obj[k] === "object") obj[k] = true;
  });
}

// ---------------------------------------------------------------------------------------------
// Go's round trip

function isZero(kind: ScalarKind, v: unknown): boolean {
  switch (kind) {
    case "string":
    case "bytes":
    case "duration":
      return v === "";
    case "int32":
    case "int64":
    case "double":
      return v === 0;
    case "bool":
      return v === false;
    default:
      return false;
  }
}

function zeroOf(kind: ScalarKind): unknown {
  switch (kind) {
    case "string":
      return "";
    case "int32":
    case "int64":
    case "double":
      return 0;
    case "bool":
      return false;
    default:
      return undefined;
  }
}

/**
 * Makes `value` look like it went through Go's types and back to JSON: nulls are gone, zero
 * values of omitempty fields are dropped, empty lists and maps vanish, and value structs and
 * value fields without omitempty are present. Mutates and returns `value`.
 */
export function roundTrip<T>(schema: z.ZodType, value: T): T {
  const node = typeOf(schema);
  if (!node || value === null || typeof value !== "object") return value;
  if (node.t === "struct") {
    if (Array.isArray(value)) return value;
    const obj = value as Record<string, unknown>;
    for (const [k, f] of Object.entries(node.fields)) {
      const v = obj[k];
      if (v === undefined || v === null) {
        const materialized = materialize(f);
        if (materialized === undefined) delete obj[k];
        else obj[k] = materialized;
        continue;
      }
      const fnode = typeOf(f.type);
      if (!fnode) continue;
      if (fnode.t === "scalar") {
        if (f.presence === "omitempty" && isZero(fnode.kind, v)) delete obj[k];
        else obj[k] = canonical(fnode.kind, v);
      } else if (fnode.t === "list") {
        if (Array.isArray(v) && v.length === 0 && f.presence !== "pointer") delete obj[k];
        else roundTrip(f.type, v);
      } else if (fnode.t === "map") {
        if (typeof v === "object" && Object.keys(v as object).length === 0 && f.presence !== "pointer") delete obj[k];
        else roundTrip(f.type, v);
      } else {
        roundTrip(f.type, v);
      }
    }
  } else if (node.t === "list" && Array.isArray(value)) {
    const item = typeOf(node.of);
    for (let i = 0; i < value.length; i++) {
      if (value[i] === null) continue;
      if (item?.t === "scalar") value[i] = canonical(item.kind, value[i]);
      else roundTrip(node.of, value[i]);
    }
  } else if (node.t === "map" && !Array.isArray(value)) {
    const item = typeOf(node.of);
    const obj = value as Record<string, unknown>;
    for (const [k, v] of Object.entries(obj)) {
      if (item?.t === "scalar") obj[k] = canonical(item.kind, v);
      else roundTrip(node.of, v);
    }
  }
  return value;
}

/** Canonical forms Kubernetes stores: quantities ("1000m" is "1"), timestamps in UTC. */
function canonical(kind: ScalarKind, v: unknown): unknown {
  try {
    if (kind === "quantity" && (typeof v === "string" || typeof v === "number")) return canonicalQuantity(v);
    if (kind === "time" && typeof v === "string") {
      const t = parseTime(v);
      return t === null ? v : formatTime(t);
    }
    if (kind === "microTime" && typeof v === "string") {
      const t = parseTime(v);
      return t === null ? v : formatMicroTime(t);
    }
  } catch {
    // Left as is: validation reports it.
  }
  return v;
}

function materialize(f: FieldSpec): unknown {
  if (f.presence !== "always") return undefined;
  const node = typeOf(f.type);
  if (!node) return undefined;
  if (node.t === "struct") return roundTrip(f.type, {});
  if (node.t === "scalar") return zeroOf(node.kind);
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Parsing

export interface DecodeOptions {
  fieldValidation: FieldValidation;
  /** For messages: the kind and version the body is decoded as. */
  kind: string;
  version: string;
}

export interface Decoded<T> {
  value: T;
  warnings: string[];
}

/** Duplicate keys of the text a body was parsed from (machinery/parseBody), carried on the parsed value. */
const DUPLICATE_KEYS = Symbol("duplicate keys");

type Duplicates = { path: string; message: string }[];

/** `value` carrying the duplicate keys its text held, for a strict decode to report. */
export function carryDuplicates<T>(value: T, duplicates: Duplicates): T {
  if (duplicates.length && value !== null && typeof value === "object") Object.defineProperty(value, DUPLICATE_KEYS, { value: duplicates, enumerable: false, configurable: true });
  return value;
}

export function duplicatesOf(value: unknown): Duplicates {
  return value !== null && typeof value === "object" ? ((value as { [DUPLICATE_KEYS]?: Duplicates })[DUPLICATE_KEYS] ?? []) : [];
}

/**
 * What a strict decode reports, in its order: YAML's duplicate keys (found converting YAML to
 * JSON, first), unknown fields, then JSON's duplicate fields. A field both unknown and duplicated
 * is reported as unknown only, as for kube-apiserver's typed kinds.
 */
function strictFindings(unknown: string[], duplicates: Duplicates): string[] {
  const underUnknown = (path: string) => unknown.some((u) => path === u || path.startsWith(`${u}.`) || path.startsWith(`${u}[`));
  const yaml = duplicates.filter((d) => d.message.startsWith("line "));
  const json = duplicates.filter((d) => !d.message.startsWith("line ") && !underUnknown(d.path));
  return [...yaml.map((d) => d.message), ...unknown.map((u) => `unknown field "${u}"`), ...json.map((d) => d.message)];
}

/**
 * Decodes a JSON value into the kind's schema, as Go's decoder would: unknown fields per
 * fieldValidation (400 under Strict), nulls and unknown fields dropped, zero values of omitempty
 * fields dropped, value structs present, canonical quantities and times. A type error is a 400.
 * Semantic problems are left for `validate`, which runs after defaulting. Mutates `input`.
 */
export function decode<T>(schema: z.ZodType, input: unknown, opts: DecodeOptions): Decoded<T> {
  const warnings: string[] = [];
  if (input === null || typeof input !== "object" || Array.isArray(input))
    throw errors.badRequest(`${opts.kind} in version "${opts.version}" cannot be handled as a ${opts.kind}: json: cannot unmarshal ${jsonTypeName(input)} into Go value of type struct`);
  const unknown = opts.fieldValidation === "Ignore" ? [] : unknownFields(schema, input);
  const strict = opts.fieldValidation === "Ignore" ? [] : strictFindings(unknown, duplicatesOf(input));
  if (strict.length) {
    if (opts.fieldValidation === "Strict") throw errors.badRequest(`${opts.kind} in version "${opts.version}" cannot be handled as a ${opts.kind}: strict decoding error: ` + strict.join(", "));
    warnings.push(...strict);
  }
  // Unknown fields first: they may nest as deep as the body's bound allows, and the walks after
  // this one recurse only through what the schema knows.
  dropUnknown(schema, input);
  dropNulls(input);
  roundTrip(schema, input);
  const result = schema.safeParse(input);
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (isSemantic(issue)) continue;
      const detail = decodeMessage(schema, input, issue);
      const err = errors.badRequest(`${opts.kind} in version "${opts.version}" cannot be handled as a ${opts.kind}: ${detail}`);
      throw new DecodeError(err.status, detail, restoreMessage(schema, input, issue));
    }
  }
  return { value: input as T, warnings };
}

/**
 * A body that does not fit the kind's types. Besides the decoder's words (`detail`), it carries
 * what converting the value from unstructured form says (`restore`: "cannot restore map from
 * string"), which is how kube-apiserver words a strategic merge patch that breaks the types.
 */
export class DecodeError extends ApiError {
  constructor(
    status: ApiError["status"],
    readonly detail: string,
    readonly restore: string,
  ) {
    super(status);
  }
}

/** Go's reflect kind of a JSON value as unstructured data holds it. */
function unstructuredKind(v: unknown): string {
  if (Array.isArray(v)) return "slice";
  if (v === null || v === undefined) return "invalid";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "object") return "map";
  return "string";
}

function restoreMessage(schema: z.ZodType, input: unknown, issue: z.core.$ZodIssue): string {
  const { node, value } = walkTo(schema, input, issue.path);
  const kind = unstructuredKind(value);
  if (!node) return issue.message;
  if (node.t === "map") return `cannot restore map from ${kind}`;
  if (node.t === "list") return `cannot restore slice from ${kind}`;
  if (node.t === "struct") return `cannot restore struct from: ${kind}`;
  return `cannot convert ${kind} to ${GO_TYPES[node.kind]}`;
}

/** The schema node and value at a path of `input`. */
function walkTo(schema: z.ZodType, input: unknown, path: readonly PropertyKey[]): { node: TypeNode | undefined; value: unknown; structName: string; names: string[] } {
  let node: TypeNode | undefined = typeOf(schema);
  let value: unknown = input;
  let structName = "";
  const names: string[] = [];
  for (const seg of path) {
    if (!node) break;
    if (node.t === "struct" && typeof seg === "string") {
      structName = node.name.split(".").pop()!;
      names.push(seg);
      const f = node.fields[seg];
      value = (value as Record<string, unknown>)?.[seg];
      node = f ? typeOf(f.type) : undefined;
    } else if (node.t === "list") {
      value = (value as unknown[])?.[seg as number];
      node = typeOf(node.of);
    } else if (node.t === "map") {
      value = (value as Record<string, unknown>)?.[seg as string];
      node = typeOf(node.of);
    } else break;
  }
  return { node, value, structName, names };
}

function isSemantic(issue: z.core.$ZodIssue): boolean {
  const params = (issue as { params?: Partial<K8sIssueParams> }).params;
  return issue.code === "custom" && !!params?.reason;
}

/** Semantic validation (422 Invalid with every cause), after defaulting. `extra` adds causes found elsewhere. */
export function validate(schema: z.ZodType, value: unknown, group: string, kind: string, name: string, extra: K8sIssue[] = []): void {
  const result = schema.safeParse(value);
  const issues: K8sIssue[] = [...extra];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const params = (issue as { params?: Partial<K8sIssueParams> }).params;
      if (isSemantic(issue)) issues.push({ path: issue.path as PathSeg[], reason: params!.reason!, message: params!.message ?? issue.message });
      else throw errors.internal(`object failed its own schema after defaulting: ${formatPath(issue.path as PathSeg[])}: ${issue.message}`);
    }
  }
  if (issues.length) throw errors.invalid(group, kind, name, issues);
}

export function dropNulls(v: unknown): void {
  if (v === null || typeof v !== "object") return;
  if (Array.isArray(v)) {
    for (const x of v) dropNulls(x);
    return;
  }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (o[k] === null) delete o[k];
    else dropNulls(o[k]);
  }
}

const GO_TYPES: Record<ScalarKind, string> = {
  string: "string",
  int32: "int32",
  int64: "int64",
  bool: "bool",
  double: "float64",
  bytes: "[]uint8",
  quantity: "resource.Quantity",
  intOrString: "intstr.IntOrString",
  time: "v1.Time",
  microTime: "v1.MicroTime",
  duration: "v1.Duration",
  any: "runtime.RawExtension",
};

function jsonTypeName(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "number") return `number ${v}`;
  if (typeof v === "boolean") return "bool";
  return typeof v;
}

function decodeMessage(schema: z.ZodType, input: unknown, issue: z.core.$ZodIssue): string {
  const params = (issue as { params?: { decode?: boolean } }).params;
  const { node, value, structName, names } = walkTo(schema, input, issue.path);
  if (params?.decode) return issue.message;
  const goType = !node ? "interface {}" : node.t === "scalar" ? GO_TYPES[node.kind] : node.t === "struct" ? node.name.split(".").pop()! : node.t === "list" ? "[]" : "map[string]";
  const target = names.length ? `Go struct field ${structName}.${names.join(".")}` : "Go value";
  return `json: cannot unmarshal ${jsonTypeName(value)} into ${target} of type ${goType}`;
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}
