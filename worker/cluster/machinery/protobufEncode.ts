// Encoding an object as Kubernetes' protobuf (what kube-apiserver writes to etcd and serves as
// application/vnd.kubernetes.protobuf): the "k8s\0" magic, then a runtime.Unknown holding the
// type and the object's message. The walk mirrors protobuf.ts's decoder over the kind's schema.
// Fields are written when the JSON has them (Go also writes zero non-pointer fields; the bytes
// differ there, the content does not). Map entries are sorted by key, as Go's marshaller does.
import type { z } from "zod";
import { typeOf, type FieldSpec, type PbIndex, type TypeNode } from "./schema/dsl";
import { parseTime } from "./time";

const MAGIC = [0x6b, 0x38, 0x73, 0x00];
const utf8 = new TextEncoder();

class Writer {
  private chunks: number[] = [];

  varint(v: bigint | number) {
    let n = BigInt.asUintN(64, BigInt(v));
    while (n >= 0x80n) {
      this.chunks.push(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.chunks.push(Number(n));
  }

  tag(num: number, wire: number) {
    this.varint((num << 3) | wire);
  }

  bytes(num: number, b: Uint8Array) {
    this.tag(num, 2);
    this.varint(b.length);
    for (const x of b) this.chunks.push(x);
  }

  string(num: number, s: string) {
    this.bytes(num, utf8.encode(s));
  }

  raw(b: Uint8Array | number[]) {
    for (const x of b) this.chunks.push(x);
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }
}

function fromBase64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A Go duration string ("1h2m3.5s", "300ms") in nanoseconds. */
function durationNs(s: string): bigint {
  const units: Record<string, number> = { ns: 1, us: 1e3, "µs": 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };
  let total = 0;
  const neg = s.startsWith("-");
  for (const m of s.replace(/^[-+]/, "").matchAll(/([\d.]+)(ns|us|µs|ms|s|m|h)/g)) total += Number(m[1]) * units[m[2]];
  return BigInt(Math.round(neg ? -total : total));
}

function timestamp(s: string): Uint8Array {
  const ms = parseTime(s) ?? 0;
  const w = new Writer();
  const seconds = Math.floor(ms / 1000);
  w.tag(1, 0);
  w.varint(seconds);
  const nanos = Math.round((ms - seconds * 1000) * 1e6);
  w.tag(2, 0);
  w.varint(nanos);
  return w.finish();
}

/** Writes one value of `type` as field `num`. */
function field(w: Writer, num: number, type: z.ZodType, v: unknown) {
  const node = typeOf(type);
  if (!node || v === undefined || v === null) return;
  if (node.t === "struct") {
    if (typeof v === "object") w.bytes(num, message(v as Record<string, unknown>, node));
    return;
  }
  if (node.t === "list") {
    if (Array.isArray(v)) for (const item of v) field(w, num, node.of, item);
    return;
  }
  if (node.t === "map") {
    if (typeof v !== "object") return;
    for (const k of Object.keys(v as object).sort()) {
      const e = new Writer();
      e.string(1, k);
      field(e, 2, node.of, (v as Record<string, unknown>)[k]);
      w.bytes(num, e.finish());
    }
    return;
  }
  scalar(w, num, node, v);
}

function scalar(w: Writer, num: number, node: Extract<TypeNode, { t: "scalar" }>, v: unknown) {
  switch (node.kind) {
    case "string":
      w.string(num, String(v));
      return;
    case "int32":
    case "int64":
      w.tag(num, 0);
      w.varint(BigInt(Math.trunc(Number(v))));
      return;
    case "bool":
      w.tag(num, 0);
      w.varint(v ? 1 : 0);
      return;
    case "double": {
      const b = new Uint8Array(8);
      new DataView(b.buffer).setFloat64(0, Number(v), true);
      w.tag(num, 1);
      w.raw(b);
      return;
    }
    case "bytes":
      w.bytes(num, fromBase64(String(v)));
      return;
    case "quantity": {
      const q = new Writer();
      q.string(1, String(v));
      w.bytes(num, q.finish());
      return;
    }
    case "intOrString": {
      const q = new Writer();
      q.tag(1, 0);
      q.varint(typeof v === "string" ? 1 : 0);
      q.tag(2, 0);
      q.varint(typeof v === "number" ? v : 0);
      q.string(3, typeof v === "string" ? v : "");
      w.bytes(num, q.finish());
      return;
    }
    case "time":
    case "microTime":
      w.bytes(num, timestamp(String(v)));
      return;
    case "duration": {
      const q = new Writer();
      q.tag(1, 0);
      q.varint(durationNs(String(v)));
      w.bytes(num, q.finish());
      return;
    }
    case "any": {
      const q = new Writer();
      q.bytes(1, utf8.encode(JSON.stringify(v)));
      w.bytes(num, q.finish());
      return;
    }
  }
}

function message(obj: Record<string, unknown>, node: Extract<TypeNode, { t: "struct" }>, index: PbIndex = node.pb): Uint8Array {
  const w = new Writer();
  for (const num of [...index.keys()].sort((a, b) => a - b)) {
    const entry = index.get(num)!;
    if ("inline" in entry) {
      w.bytes(num, message(obj, node, entry.inline));
      continue;
    }
    writeField(w, num, entry.field, obj[entry.json]);
  }
  return w.finish();
}

function writeField(w: Writer, num: number, f: FieldSpec, v: unknown) {
  field(w, num, f.type, v);
}

/** An object as kube-apiserver stores it in etcd: "k8s\0" + runtime.Unknown{typeMeta, raw, "", ""}. */
export function encodeObject(obj: Record<string, unknown>, schema: z.ZodType): Uint8Array {
  const node = typeOf(schema);
  if (!node || node.t !== "struct") throw new Error("protobuf encode of a non-struct schema");
  const typeMeta = new Writer();
  typeMeta.string(1, String(obj.apiVersion ?? ""));
  typeMeta.string(2, String(obj.kind ?? ""));
  const unknown = new Writer();
  unknown.raw(MAGIC);
  unknown.bytes(1, typeMeta.finish());
  unknown.bytes(2, message(obj, node));
  unknown.string(3, "");
  unknown.string(4, "");
  return unknown.finish();
}
