// A small vocabulary on top of zod for Kubernetes types.
//
// Every kind's schema is built from these helpers so that one definition serves five readers:
// zod validation (decode and semantic checks), static types (z.infer), the served OpenAPI,
// the protobuf decoder (field numbers) and strategic merge patch (merge keys). zod holds the
// shape; the facts zod has no place for (protobuf numbers, Go presence, patch metadata) live in
// side tables keyed by the zod instance, read back through `typeOf()`.
import { z } from "zod";
import { canonicalQuantity, QUANTITY_REGEX } from "../quantity";
import { parseTime } from "../time";

/** Wire and JSON behaviour of a leaf type. */
export type ScalarKind =
  | "string"
  | "int32"
  | "int64"
  | "bool"
  | "double"
  | "bytes" // []byte: base64 in JSON
  | "quantity" // resource.Quantity
  | "intOrString" // intstr.IntOrString
  | "time" // metav1.Time, RFC 3339 seconds
  | "microTime" // metav1.MicroTime, RFC 3339 microseconds
  | "duration" // metav1.Duration, Go duration string
  | "any"; // runtime.RawExtension or free-form JSON

/**
 * How Go serializes a field, which decides what a round trip through the API server keeps:
 * - "omitempty": a value field with omitempty; zero values disappear.
 * - "pointer": present exactly when set; zero values are kept.
 * - "always": a value field without omitempty (or a non-pointer struct); always present.
 */
export type Presence = "omitempty" | "pointer" | "always";

export interface ListOptions {
  /** patchMergeKey: items are merged by this key in strategic merge patch. */
  key?: string;
  /** patchStrategy on the field: "merge", "replace", "retainKeys", "merge,retainKeys". */
  strategy?: string;
  /** x-kubernetes-list-type. */
  listType?: "atomic" | "set" | "map";
  /** x-kubernetes-list-map-keys. */
  mapKeys?: string[];
}

export interface FieldSpec<T extends z.ZodType = z.ZodType, R extends boolean = boolean> {
  readonly type: T;
  readonly required: R;
  readonly pb?: number;
  readonly presence: Presence;
  readonly description?: string;
  /** patchStrategy for non-list fields ("retainKeys"). */
  readonly strategy?: string;
  /** Set on fields that came from an embedded (inline) Go struct: its protobuf field number. */
  readonly inlineVia?: number;
  /** Required in the type and the OpenAPI, but Kubernetes' validation does not insist (status facts). */
  readonly unchecked?: boolean;
}

export type Fields = Record<string, FieldSpec>;

export type TypeNode =
  | { t: "scalar"; kind: ScalarKind; format?: string; enum?: readonly string[]; description?: string }
  | { t: "struct"; name: string; description?: string; fields: Record<string, FieldSpec>; pb: PbIndex; gvk?: Gvk[]; preserveUnknown?: boolean }
  | { t: "list"; of: z.ZodType; options: ListOptions }
  | { t: "map"; of: z.ZodType };

export interface Gvk {
  group: string;
  version: string;
  kind: string;
}

/** Protobuf field number to JSON field, or to an embedded struct whose fields are inlined. */
export type PbIndex = Map<number, { json: string; field: FieldSpec } | { inline: PbIndex }>;

const nodes = new WeakMap<z.ZodType, TypeNode>();

function register<T extends z.ZodType>(schema: T, node: TypeNode): T {
  nodes.set(schema, node);
  return schema;
}

/** The Kubernetes view of a schema, looking through optional wrappers. */
export function typeOf(schema: z.ZodType): TypeNode | undefined {
  let s: z.ZodType = schema;
  for (;;) {
    const n = nodes.get(s);
    if (n) return n;
    const def = (s as unknown as { _zod: { def: { type: string; innerType?: z.ZodType; getter?: () => z.ZodType } } })._zod.def;
    if (def.type === "optional" || def.type === "nullable" || def.type === "default") s = def.innerType!;
    else if (def.type === "lazy") s = def.getter!();
    else return undefined;
  }
}

/** Gives any zod schema a Kubernetes view: a custom resource's lax types described by its CRD (structural/toDsl.ts). */
export function withNode<T extends z.ZodType>(schema: T, node: TypeNode): T {
  return register(schema, node);
}

export function structOf(schema: z.ZodType): Extract<TypeNode, { t: "struct" }> {
  const n = typeOf(schema);
  if (!n || n.t !== "struct") throw new Error("not a struct schema");
  return n;
}

// ---------------------------------------------------------------------------------------------
// Problems: Kubernetes field errors raised from zod checks.

/** Marks a path segment as a map key, printed as `[key]` the way Kubernetes prints them. */
export const MAP_KEY = "\u0000";
export type PathSeg = string | number;
export const mapKey = (k: string): string => MAP_KEY + k;

export type CauseReason =
  | "FieldValueRequired"
  | "FieldValueInvalid"
  | "FieldValueNotSupported"
  | "FieldValueDuplicate"
  | "FieldValueForbidden"
  | "FieldValueTooLong"
  | "FieldValueTooMany"
  | "FieldValueTypeInvalid"
  | "FieldValueNotFound";

export interface K8sIssueParams {
  reason: CauseReason;
  /** Message after the field path, e.g. `Invalid value: "x": must be ...`. */
  message: string;
}

/** Reporter handed to struct checks; paths are relative to the struct being checked. */
export class Problems {
  constructor(private readonly ctx: { addIssue(issue: z.core.$ZodRawIssue): void } | null, readonly base: PathSeg[] = [], private readonly sink?: K8sIssue[]) {}

  private add(path: PathSeg[], reason: CauseReason, message: string) {
    const full = [...this.base, ...path];
    if (this.sink) this.sink.push({ path: full, reason, message });
    else this.ctx!.addIssue({ code: "custom", path: full as (string | number)[], message, params: { reason, message } satisfies K8sIssueParams, input: undefined, continue: true });
  }
  at(...path: PathSeg[]): Problems {
    return new Problems(this.ctx, [...this.base, ...path], this.sink);
  }
  required(path: PathSeg[], detail?: string) {
    this.add(path, "FieldValueRequired", detail ? `Required value: ${detail}` : "Required value");
  }
  invalid(path: PathSeg[], value: unknown, detail: string) {
    this.add(path, "FieldValueInvalid", `Invalid value: ${goValue(value)}${detail ? ": " + detail : ""}`);
  }
  notSupported(path: PathSeg[], value: unknown, allowed: readonly string[]) {
    const list = allowed.map((a) => JSON.stringify(a)).join(", ");
    this.add(path, "FieldValueNotSupported", `Unsupported value: ${goValue(value)}${allowed.length ? ": supported values: " + list : ""}`);
  }
  notFound(path: PathSeg[], value: unknown) {
    this.add(path, "FieldValueNotFound", `Not found: ${goValue(value)}`);
  }
  duplicate(path: PathSeg[], value: unknown) {
    this.add(path, "FieldValueDuplicate", `Duplicate value: ${goValue(value)}`);
  }
  forbidden(path: PathSeg[], detail: string) {
    this.add(path, "FieldValueForbidden", `Forbidden: ${detail}`);
  }
  tooLong(path: PathSeg[], max: number) {
    this.add(path, "FieldValueTooLong", `Too long: may not be more than ${max} bytes`);
  }
  /** An issue found by another checker (a CRD's structural schema), its path relative to this reporter. */
  raw(issue: K8sIssue) {
    this.add(issue.path, issue.reason, issue.message);
  }
  tooMany(path: PathSeg[], actual: number, max: number) {
    this.add(path, "FieldValueTooMany", `Too many: ${actual}: must have at most ${max} items`);
  }
}

export interface K8sIssue {
  path: PathSeg[];
  reason: CauseReason;
  message: string;
}

/** A value whose Go rendering is known (a struct printed with %#v), for field errors. */
export class GoLiteral {
  constructor(readonly text: string) {}
}

/**
 * Formats a value the way kube-apiserver 1.27 to 1.33 prints it in field errors: %q for strings,
 * %v for numbers and booleans, %#v for the rest (`map[string]string{"app":"web"}`,
 * `[]string{"a", "b"}`). JSON rendering of composite values only came with 1.34.
 */
export function goValue(v: unknown): string {
  if (v instanceof GoLiteral) return v.text;
  if (typeof v === "string") return JSON.stringify(v);
  if (v === undefined || v === null) return "null";
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return goSyntax(v);
}

/** Go's %#v of a JSON value as its natural Go type (string maps and lists; other shapes as JSON). */
export function goSyntax(v: unknown): string {
  if (v instanceof GoLiteral) return v.text;
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === "string")) return `[]string{${v.map((x) => JSON.stringify(x)).join(", ")}}`;
    return JSON.stringify(v);
  }
  if (v && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>);
    // %#v prints maps with sorted keys.
    if (entries.every(([, x]) => typeof x === "string")) return `map[string]string{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, x]) => `${JSON.stringify(k)}:${JSON.stringify(x)}`).join(", ")}}`;
    return JSON.stringify(v);
  }
  return String(v);
}

/** Go's %v of an unstructured (JSON) value: `map[metadata:map[labels:x]]`, as patch errors print it. */
export function goPlain(v: unknown): string {
  if (v === null || v === undefined) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goPlain).join(" ")}]`;
  if (typeof v === "object") {
    const keys = Object.keys(v as object).sort();
    return `map[${keys.map((k) => `${k}:${goPlain((v as Record<string, unknown>)[k])}`).join(" ")}]`;
  }
  if (typeof v === "number" && !Number.isInteger(v)) return String(v);
  return String(v);
}

/** `spec.containers[0].image`, `metadata.labels[app]`. */
export function formatPath(path: readonly PathSeg[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (seg.startsWith(MAP_KEY)) out += `[${seg.slice(1)}]`;
    else out += out ? "." + seg : seg;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Scalars

function scalar<T extends z.ZodType>(schema: T, kind: ScalarKind, extra: { format?: string; enum?: readonly string[]; description?: string } = {}): T {
  return register(schema, { t: "scalar", kind, ...extra });
}

export const str = scalar(z.string(), "string");
export const bool = scalar(z.boolean(), "bool");
export const int32 = scalar(z.number().int().min(-2147483648).max(2147483647), "int32", { format: "int32" });
export const int64 = scalar(z.number().int(), "int64", { format: "int64" });
export const double = scalar(z.number(), "double", { format: "double" });
/** Base64 text in JSON, bytes on the wire. */
export const bytes = scalar(
  z.string().check(
    z.superRefine((v, ctx) => {
      if (!isBase64(v)) ctx.addIssue({ code: "custom", message: "illegal base64 data", params: { decode: true }, input: v });
    }),
  ),
  "bytes",
  { format: "byte" },
);
/** Free-form JSON (RawExtension, arbitrary objects). */
export const anyJson = scalar(z.unknown(), "any");
export const anyObject = scalar(z.record(z.string(), z.unknown()), "any");

function isBase64(s: string): boolean {
  return /^[A-Za-z0-9+/]*={0,2}$/.test(s) && s.length % 4 === 0;
}

/** A string with a fixed set of values (checked as Kubernetes does, with "Unsupported value"). */
export function oneOf<const V extends string>(...values: V[]) {
  const schema = z.string().check(
    z.superRefine((v, ctx) => {
      if (!(values as string[]).includes(v)) new Problems(ctx).notSupported([], v, values);
    }),
  ) as unknown as z.ZodType<V, V>;
  return scalar(schema, "string", { enum: values });
}

/** A string that must satisfy `test`; failures are Invalid with `detail(value)`. */
export function pattern(test: (v: string) => string | null, format?: string) {
  return scalar(
    z.string().check(
      z.superRefine((v, ctx) => {
        const err = test(v);
        if (err) new Problems(ctx).invalid([], v, err);
      }),
    ),
    "string",
    format ? { format } : {},
  );
}

/** An integer in [min, max] with a Kubernetes "Invalid value" message outside. */
export function intRange(min: number, max: number, detail?: string, base: "int32" | "int64" = "int32") {
  return scalar(
    (base === "int32" ? z.number().int().min(-2147483648).max(2147483647) : z.number().int()).check(
      z.superRefine((v, ctx) => {
        if (v < min || v > max) new Problems(ctx).invalid([], v, detail ?? `must be between ${min} and ${max}, inclusive`);
      }),
    ),
    base,
    { format: base },
  );
}

// ---------------------------------------------------------------------------------------------
// Fields

type FieldArg = string | FieldFlags;
interface FieldFlags {
  presence?: Presence;
  strategy?: string;
  unchecked?: boolean;
}
export const PTR: FieldFlags = { presence: "pointer" };
export const ALWAYS: FieldFlags = { presence: "always" };
export const RETAIN_KEYS: FieldFlags = { strategy: "retainKeys" };
/** A required field whose absence Kubernetes does not reject (no "Required value"). */
export const UNCHECKED: FieldFlags = { unchecked: true };

function makeField<T extends z.ZodType, R extends boolean>(pb: number | undefined, type: T, required: R, args: FieldArg[]): FieldSpec<T, R> {
  let description: string | undefined;
  let presence: Presence | undefined;
  let strategy: string | undefined;
  let unchecked: boolean | undefined;
  for (const a of args) {
    if (typeof a === "string") description = a;
    else {
      if (a.presence) presence = a.presence;
      if (a.strategy) strategy = a.strategy;
      if (a.unchecked) unchecked = true;
    }
  }
  if (!presence) {
    // Required scalars are value fields without omitempty; required structs and lists are always present.
    presence = required ? "always" : "omitempty";
  }
  return { type, required, pb, presence, description, strategy, ...(unchecked ? { unchecked } : {}) };
}

/** An optional field: protobuf number, type, then a description and flags in any order. */
export function opt<T extends z.ZodType>(pb: number | undefined, type: T, ...args: FieldArg[]): FieldSpec<T, false> {
  return makeField(pb, type, false, args);
}

/** A field Kubernetes validation requires ("Required value" when absent). */
export function req<T extends z.ZodType>(pb: number | undefined, type: T, ...args: FieldArg[]): FieldSpec<T, true> {
  return makeField(pb, type, true, args);
}

/** The fields of an embedded Go struct, inlined into the parent's JSON (protobuf keeps them nested). */
export function inline<F extends Fields>(pb: number, fields: F): F {
  const out: Fields = {};
  for (const [k, f] of Object.entries(fields)) out[k] = { ...f, inlineVia: pb };
  return out as F;
}

// ---------------------------------------------------------------------------------------------
// Composites

export function list<T extends z.ZodType>(of: T, options: ListOptions = {}): z.ZodArray<T> {
  return register(z.array(of), { t: "list", of, options });
}

export function map<T extends z.ZodType>(of: T): z.ZodRecord<z.ZodString, T> {
  return register(z.record(z.string(), of), { t: "map", of });
}

export const strMap = map(str);

type ShapeOf<F extends Fields> = {
  [K in keyof F]: F[K] extends FieldSpec<infer T, true> ? T : z.ZodOptional<F[K]["type"]>;
};

export interface StructOptions<F extends Fields> {
  /** Semantic checks, run even when a child failed, so every problem is reported at once. */
  check?: (value: z.infer<z.ZodObject<ShapeOf<F>>>, problems: Problems) => void;
  gvk?: Gvk[];
  /** Fields it does not name are kept, not unknown (a custom resource's x-kubernetes-preserve-unknown-fields). */
  preserveUnknown?: boolean;
}

/**
 * A Go struct. `name` is the OpenAPI definition name (io.k8s.api.core.v1.Container); the last
 * segment is the Go struct name used in decode errors.
 */
export function struct<F extends Fields>(name: string, description: string, fields: F, options: StructOptions<F> = {}): z.ZodObject<ShapeOf<F>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [k, f] of Object.entries(fields)) {
    // Required-ness is enforced by the checks below, not by zod, so that a missing field is a
    // 422 "Required value" beside every other problem, never a decode error.
    shape[k] = f.type.optional();
  }
  let schema: z.ZodType = z.object(shape);
  const requiredKeys = Object.entries(fields).filter(([, f]) => f.required && !f.unchecked).map(([k]) => k);
  const userCheck = options.check;
  if (requiredKeys.length || userCheck) {
    schema = (schema as z.ZodObject).check(
      z.superRefine(
        (v: Record<string, unknown>, ctx) => {
          const p = new Problems(ctx);
          for (const k of requiredKeys) {
            const x = v[k];
            if (x === undefined || x === null || x === "" || (Array.isArray(x) && x.length === 0)) p.required([k]);
          }
          if (userCheck) userCheck(v as never, p);
        },
        { when: (payload) => typeof payload.value === "object" && payload.value !== null && !hasDecodeIssue(payload.issues) },
      ),
    );
  }
  return register(schema, { t: "struct", name, description, fields, pb: buildPbIndex(fields), gvk: options.gvk, ...(options.preserveUnknown ? { preserveUnknown: true } : {}) }) as unknown as z.ZodObject<ShapeOf<F>>;
}

/** Type errors are decode errors (400); semantic checks only make sense on well-typed input. */
function hasDecodeIssue(issues: readonly z.core.$ZodRawIssue[]): boolean {
  return issues.some((i) => i.code !== "custom");
}

function buildPbIndex(fields: Fields): PbIndex {
  const idx: PbIndex = new Map();
  for (const [json, f] of Object.entries(fields)) {
    if (f.inlineVia !== undefined) {
      let sub = idx.get(f.inlineVia);
      if (!sub || !("inline" in sub)) {
        sub = { inline: new Map() };
        idx.set(f.inlineVia, sub);
      }
      if (f.pb !== undefined) sub.inline.set(f.pb, { json, field: { ...f, inlineVia: undefined } });
    } else if (f.pb !== undefined) {
      idx.set(f.pb, { json, field: f });
    }
  }
  return idx;
}

/** A recursive reference (for self-referencing types). */
export function lazy<T extends z.ZodType>(get: () => T): z.ZodLazy<T> {
  return z.lazy(get);
}

export type Infer<T extends z.ZodType> = z.infer<T>;

// ---------------------------------------------------------------------------------------------
// Kubernetes' special scalars. Their transforms produce the canonical form Kubernetes stores.


function decodeCheck<T>(test: (v: T) => string | null) {
  return z.superRefine((v: T, ctx) => {
    const message = test(v);
    if (message) ctx.addIssue({ code: "custom", message, params: { decode: true }, input: v });
  });
}

/** Quantities are validated here and put in canonical form by the decoder (normalize.ts). */
export const quantity = scalar(
  z.union([z.string(), z.number()]).check(
    decodeCheck<string | number>((v) => {
      try {
        canonicalQuantity(v);
        return null;
      } catch {
        return `quantities must match the regular expression '${QUANTITY_REGEX}'`;
      }
    }),
  ) as unknown as z.ZodType<string, string | number>,
  "quantity",
);

export const intOrString = scalar(z.union([z.number().int(), z.string()]), "intOrString", { format: "int-or-string" });

export const time = scalar(
  z.string().check(decodeCheck<string>((v) => (parseTime(v) === null ? `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(v)} as "2006"` : null))),
  "time",
  { format: "date-time" },
);

export const microTime = scalar(
  z.string().check(decodeCheck<string>((v) => (parseTime(v) === null ? `parsing time ${JSON.stringify(v)} as "2006-01-02T15:04:05.000000Z07:00": cannot parse ${JSON.stringify(v)} as "2006"` : null))),
  "microTime",
  { format: "date-time" },
);

export const duration = scalar(z.string(), "duration");
