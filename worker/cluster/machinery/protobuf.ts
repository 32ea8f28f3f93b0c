// Decoding Kubernetes' protobuf request bodies (kubectl create, auth and others send them and
// never retry in JSON). The decoder walks the kind's schema, whose fields carry Kubernetes'
// protobuf numbers; there is no generated code (Workers forbid code generation at run time).
//
// Envelope: the bytes "k8s\0", then a runtime.Unknown message:
//   1: typeMeta {1: apiVersion, 2: kind}   2: raw (the object's own message)
//   3: contentEncoding                     4: contentType
// Go writes every non-pointer field, zero or not; the decoder keeps what it reads and the JSON
// decoder's round trip (schema/decode.ts) drops zero values the way Go's JSON encoder would.
import type { z } from "zod";
import { errors } from "./errors";
import { typeOf, type FieldSpec, type PbIndex, type TypeNode } from "./schema/dsl";
import { formatMicroTime, formatTime } from "./time";

export const PROTOBUF = "application/vnd.kubernetes.protobuf";
const MAGIC = [0x6b, 0x38, 0x73, 0x00];

class Reader {
  pos = 0;
  constructor(readonly buf: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.buf.length;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.buf.length) throw new ProtoError("unexpected end of varint");
      const b = this.buf[this.pos++];
      result |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return result;
      shift += 7n;
      if (shift > 70n) throw new ProtoError("varint too long");
    }
  }

  bytes(): Uint8Array {
    const len = Number(this.varint());
    if (this.pos + len > this.buf.length) throw new ProtoError("length-delimited field runs past the end");
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  fixed(n: 4 | 8): Uint8Array {
    if (this.pos + n > this.buf.length) throw new ProtoError("fixed field runs past the end");
    const out = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  skip(wire: number) {
    if (wire === 0) this.varint();
    else if (wire === 1) this.fixed(8);
    else if (wire === 2) this.bytes();
    else if (wire === 5) this.fixed(4);
    else throw new ProtoError(`unsupported wire type ${wire}`);
  }
}

class ProtoError extends Error {}

const utf8 = new TextDecoder();

function toBase64(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

/** A varint read as Go's int32/int64 (two's complement in 64 bits). */
function signed(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** Reads a message into a map of field number to raw values (in order). */
function fields(buf: Uint8Array): { num: number; wire: number; value: bigint | Uint8Array }[] {
  const r = new Reader(buf);
  const out: { num: number; wire: number; value: bigint | Uint8Array }[] = [];
  while (!r.done) {
    const key = Number(r.varint());
    const num = key >>> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ num, wire, value: r.varint() });
    else if (wire === 2) out.push({ num, wire, value: r.bytes() });
    else if (wire === 1) out.push({ num, wire, value: r.fixed(8) });
    else if (wire === 5) out.push({ num, wire, value: r.fixed(4) });
    else throw new ProtoError(`unsupported wire type ${wire} in field ${num}`);
  }
  return out;
}

function str(v: bigint | Uint8Array): string {
  if (!(v instanceof Uint8Array)) throw new ProtoError("expected a length-delimited string");
  return utf8.decode(v);
}

function msg(v: bigint | Uint8Array): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new ProtoError("expected an embedded message");
  return v;
}

function goDuration(ns: number): string {
  if (ns === 0) return "0s";
  let s = "";
  let rest = Math.abs(ns);
  const h = Math.floor(rest / 3.6e12);
  rest -= h * 3.6e12;
  const m = Math.floor(rest / 6e10);
  rest -= m * 6e10;
  const sec = rest / 1e9;
  if (h) s += `${h}h`;
  if (h || m) s += `${m}m`;
  s += `${Number(sec.toFixed(9))}s`;
  return (ns < 0 ? "-" : "") + s;
}

function timeOf(buf: Uint8Array, micro: boolean): string | undefined {
  let seconds = 0;
  let nanos = 0;
  for (const f of fields(buf)) {
    if (f.num === 1) seconds = signed(f.value as bigint);
    else if (f.num === 2) nanos = signed(f.value as bigint);
  }
  if ((seconds === 0 && nanos === 0) || seconds === -62135596800) return undefined; // Go's zero time
  const ms = seconds * 1000 + nanos / 1e6;
  return micro ? formatMicroTime(ms) : formatTime(ms);
}

/** Decodes one value of `type` from a field's raw wire value. */
function value(type: z.ZodType, raw: bigint | Uint8Array): unknown {
  const node = typeOf(type);
  if (!node) return undefined;
  if (node.t === "struct") return message(msg(raw), node);
  if (node.t === "scalar") {
    switch (node.kind) {
      case "string":
      case "duration":
        return node.kind === "duration" ? goDuration(Number(fields(msg(raw)).find((f) => f.num === 1)?.value ?? 0n)) : str(raw);
      case "int32":
      case "int64":
        return signed(raw as bigint);
      case "bool":
        return (raw as bigint) !== 0n;
      case "double":
        return new DataView((raw as Uint8Array).buffer, (raw as Uint8Array).byteOffset, 8).getFloat64(0, true);
      case "bytes":
        return toBase64(msg(raw));
      case "quantity": {
        const f = fields(msg(raw)).find((x) => x.num === 1);
        return f ? str(f.value) : "0";
      }
      case "intOrString": {
        let kind = 0;
        let intVal = 0;
        let strVal = "";
        for (const f of fields(msg(raw))) {
          if (f.num === 1) kind = signed(f.value as bigint);
          else if (f.num === 2) intVal = signed(f.value as bigint);
          else if (f.num === 3) strVal = str(f.value);
        }
        return kind === 1 ? strVal : intVal;
      }
      case "time":
        return timeOf(msg(raw), false);
      case "microTime":
        return timeOf(msg(raw), true);
      case "any": {
        // RawExtension and FieldsV1 both carry JSON in field 1.
        const f = fields(msg(raw)).find((x) => x.num === 1);
        if (!f) return undefined;
        const text = str(f.value);
        return text ? JSON.parse(text) : undefined;
      }
    }
  }
  return undefined;
}

function message(buf: Uint8Array, node: Extract<TypeNode, { t: "struct" }>, index: PbIndex = node.pb, into: Record<string, unknown> = {}): Record<string, unknown> {
  for (const f of fields(buf)) {
    const entry = index.get(f.num);
    if (!entry) continue; // a field we do not know: as a JSON decoder drops unknown fields
    if ("inline" in entry) {
      message(msg(f.value), node, entry.inline, into);
      continue;
    }
    assign(into, entry.json, entry.field, f.value, f.wire);
  }
  return into;
}

function assign(into: Record<string, unknown>, key: string, field: FieldSpec, raw: bigint | Uint8Array, wire: number) {
  const node = typeOf(field.type);
  if (!node) return;
  if (node.t === "list") {
    const list = (into[key] as unknown[] | undefined) ?? [];
    const item = typeOf(node.of);
    if (wire === 2 && item?.t === "scalar" && ["int32", "int64", "bool"].includes(item.kind) && raw instanceof Uint8Array) {
      // A packed repeated scalar.
      const r = new Reader(raw);
      while (!r.done) list.push(value(node.of, r.varint()));
    } else {
      list.push(value(node.of, raw));
    }
    into[key] = list;
  } else if (node.t === "map") {
    const map = (into[key] as Record<string, unknown> | undefined) ?? {};
    let k = "";
    let v: unknown = undefined;
    for (const f of fields(msg(raw))) {
      if (f.num === 1) k = str(f.value);
      else if (f.num === 2) v = value(node.of, f.value);
    }
    const valueNode = typeOf(node.of);
    if (v === undefined && valueNode?.t === "scalar") v = valueNode.kind === "string" || valueNode.kind === "bytes" ? "" : v;
    map[k] = v;
    into[key] = map;
  } else {
    const v = value(field.type, raw);
    if (v !== undefined) into[key] = v;
  }
}

export function isProtobuf(contentType: string | null): boolean {
  return (contentType ?? "").split(";")[0].trim().toLowerCase() === PROTOBUF;
}

export interface ProtoEnvelope {
  apiVersion: string;
  kind: string;
  raw: Uint8Array;
}

/** Reads the envelope: which type the body is, and its bytes. */
export function readEnvelope(body: Uint8Array): ProtoEnvelope {
  if (body.length < 4 || MAGIC.some((b, i) => body[i] !== b)) throw errors.badRequest("provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]");
  try {
    let apiVersion = "";
    let kind = "";
    let raw: Uint8Array = new Uint8Array();
    for (const f of fields(body.subarray(4))) {
      if (f.num === 1) {
        for (const t of fields(msg(f.value))) {
          if (t.num === 1) apiVersion = str(t.value);
          else if (t.num === 2) kind = str(t.value);
        }
      } else if (f.num === 2) raw = msg(f.value);
    }
    return { apiVersion, kind, raw };
  } catch (e) {
    throw errors.badRequest(`unable to decode protobuf body: ${(e as Error).message}`);
  }
}

/** Decodes an object message by its schema into JSON, with apiVersion and kind set. */
export function decodeObject(env: ProtoEnvelope, schema: z.ZodType): Record<string, unknown> {
  const node = typeOf(schema);
  if (!node || node.t !== "struct") throw errors.internal("protobuf decode of a non-struct schema");
  try {
    const obj = message(env.raw, node);
    return { apiVersion: env.apiVersion, kind: env.kind, ...obj };
  } catch (e) {
    if (e instanceof ProtoError) throw errors.badRequest(`unable to decode protobuf ${env.kind}: ${e.message}`);
    throw e;
  }
}
