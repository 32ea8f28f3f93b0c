// Moving every timestamp of an object by the same amount, found by the object's schema.
//
// Which fields are timestamps is a fact of the schema (the `time` and `microTime` field types),
// never of the value: a ConfigMap value or an annotation that looks like a time is user data and
// does not move. The walk follows a plan built once per struct type, holding only the paths that
// lead to a timestamp, so shifting an object costs a handful of property reads.
import type { z } from "zod";
import { typeOf, type TypeNode } from "./schema/dsl";
import { Memo } from "./memo";
import { formatMicroTime, formatTime, parseTime } from "./time";

type Plan =
  | { t: "time"; micro: boolean }
  | { t: "struct"; fields: [string, Plan][] }
  | { t: "list"; of: Plan }
  | { t: "map"; of: Plan };

const TIME: Plan = { t: "time", micro: false };
const MICRO_TIME: Plan = { t: "time", micro: true };

type StructNode = Extract<TypeNode, { t: "struct" }>;
const plans = new WeakMap<StructNode, Plan | null>();
const building = new Map<StructNode, Plan>();

/** The paths of `schema` that lead to timestamps, or null when it holds none. */
function planOf(schema: z.ZodType): Plan | null {
  const node = typeOf(schema);
  if (!node) return null;
  switch (node.t) {
    case "scalar":
      return node.kind === "time" ? TIME : node.kind === "microTime" ? MICRO_TIME : null;
    case "list": {
      const of = planOf(node.of);
      return of && { t: "list", of };
    }
    case "map": {
      const of = planOf(node.of);
      return of && { t: "map", of };
    }
    case "struct": {
      const known = plans.get(node);
      if (known !== undefined) return known;
      // A recursive type refers to itself while being planned: hand out the plan being filled.
      const open = building.get(node);
      if (open) return open;
      const plan: Extract<Plan, { t: "struct" }> = { t: "struct", fields: [] };
      building.set(node, plan);
      try {
        for (const [name, field] of Object.entries(node.fields)) {
          const p = planOf(field.type);
          if (p) plan.fields.push([name, p]);
        }
      } finally {
        building.delete(node);
      }
      const out = plan.fields.length ? plan : null;
      plans.set(node, out);
      return out;
    }
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Timestamps already moved, for the current shift. Objects written together share their times
 * (a Deployment's thousand pods were created in the same few seconds), so a list of them parses
 * and formats each distinct time once instead of every one: that was a tenth of a Table page.
 */
let movedBy = 0;
// A time and a micro time never share their text (only the micro form has a fraction), but one
// written without a fraction in a micro field is formatted with one: the key's first letter says which.
const moved = new Memo((key: string) => {
  const value = key.slice(1);
  // Unparseable text is left for decoding to report, as the client wrote it.
  const t = parseTime(value);
  return t === null ? value : key[0] === "µ" ? formatMicroTime(t + movedBy) : formatTime(t + movedBy);
}, 4096);

function shiftTime(value: string, micro: boolean, deltaMs: number): string {
  if (deltaMs !== movedBy) {
    moved.clear();
    movedBy = deltaMs;
  }
  return moved.get(`${micro ? "µ" : "t"}${value}`);
}

/** `value` with every timestamp moved by `deltaMs`; untouched parts are shared, not copied. */
function shift(plan: Plan, value: unknown, deltaMs: number): unknown {
  switch (plan.t) {
    case "time":
      return typeof value === "string" ? shiftTime(value, plan.micro, deltaMs) : value;
    case "struct": {
      if (!isRecord(value)) return value;
      let out: Record<string, unknown> | null = null;
      for (const [name, p] of plan.fields) {
        const v = value[name];
        if (v === undefined || v === null) continue;
        const moved = shift(p, v, deltaMs);
        if (moved !== v) (out ??= { ...value })[name] = moved;
      }
      return out ?? value;
    }
    case "list": {
      if (!Array.isArray(value)) return value;
      let out: unknown[] | null = null;
      for (let i = 0; i < value.length; i++) {
        const moved = shift(plan.of, value[i], deltaMs);
        if (moved !== value[i]) (out ??= value.slice())[i] = moved;
      }
      return out ?? value;
    }
    case "map": {
      if (!isRecord(value)) return value;
      let out: Record<string, unknown> | null = null;
      for (const [k, v] of Object.entries(value)) {
        const moved = shift(plan.of, v, deltaMs);
        if (moved !== v) (out ??= { ...value })[k] = moved;
      }
      return out ?? value;
    }
  }
}

/** `value` (shaped by `schema`) with every timestamp field moved by `deltaMs`. */
export function shiftTimes<T>(schema: z.ZodType, value: T, deltaMs: number): T {
  if (deltaMs === 0) return value;
  const plan = planOf(schema);
  return plan ? (shift(plan, value, deltaMs) as T) : value;
}

/**
 * A patch document's timestamps moved by `deltaMs`. Merge and strategic merge patches have the
 * object's shape (their directives hold no times); a JSON patch's values are found by their path.
 */
export function shiftPatchTimes(schema: z.ZodType, type: "json" | "merge" | "strategic", patch: unknown, deltaMs: number): unknown {
  if (deltaMs === 0) return patch;
  if (type !== "json") return shiftTimes(schema, patch, deltaMs);
  if (!Array.isArray(patch)) return patch;
  return patch.map((op: unknown) => {
    if (!isRecord(op) || !("value" in op) || typeof op.path !== "string") return op;
    const at = schemaAt(schema, op.path);
    if (!at) return op;
    const value = shiftTimes(at, op.value, deltaMs);
    return value === op.value ? op : { ...op, value };
  });
}

/** The schema a JSON pointer (RFC 6901) points at, or null when it leaves the schema. */
function schemaAt(schema: z.ZodType, pointer: string): z.ZodType | null {
  if (pointer === "") return schema;
  if (!pointer.startsWith("/")) return null;
  let at = schema;
  for (const raw of pointer.slice(1).split("/")) {
    const seg = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    const node = typeOf(at);
    if (!node) return null;
    if (node.t === "struct") {
      const field = node.fields[seg];
      if (!field) return null;
      at = field.type;
    } else if (node.t === "list" || node.t === "map") at = node.of;
    else return null;
  }
  return at;
}
