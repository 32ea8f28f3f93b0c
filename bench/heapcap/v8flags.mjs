// Writes the workerd config read on stdin (a binary Cap'n Proto message, as miniflare makes it)
// to stdout with the given V8 flags in Config.v8Flags, which miniflare has no option for: the
// benchmarks give the isolate the heap limit a deployed Durable Object has.
import { readFileSync } from "node:fs";

const flags = process.argv.slice(2);
const msg = readFileSync(0);
const segments = msg.readUInt32LE(0) + 1;
const tableBytes = 4 + 4 * segments;
const headerBytes = tableBytes + (tableBytes % 8);
const words0 = msg.readUInt32LE(4);
const seg0 = Buffer.from(msg.subarray(headerBytes, headerBytes + words0 * 8));
const rest = msg.subarray(headerBytes + words0 * 8);

// The root: a struct pointer (kind 0) in the first word of segment 0.
const root = seg0.readBigUInt64LE(0);
if ((root & 3n) !== 0n) throw new Error("the config's root is not a plain struct pointer");
const structAt = 1 + (Number(root & 0xffffffffn) >> 2);
const dataWords = Number((root >> 32n) & 0xffffn);
const pointers = Number(root >> 48n);
// Config: services @0, sockets @1, v8Flags @2 (workerd.capnp).
const slot = structAt + dataWords + 2;
if (pointers < 3) throw new Error("the config has no v8Flags field");
if (seg0.readBigUInt64LE(slot * 8) !== 0n) throw new Error("the config already sets v8Flags");

/** A list pointer at word `from` to word `to`: element size 2 (bytes) or 6 (pointers). */
function listPointer(from, to, size, count) {
  return (BigInt(((to - from - 1) << 2) | 1) & 0xffffffffn) | (BigInt(size) << 32n) | (BigInt(count) << 35n);
}

// Appended to segment 0: the list of text pointers, then each text (NUL-terminated, word-padded).
const texts = flags.map((f) => Buffer.concat([Buffer.from(f), Buffer.alloc(1)]));
const start = words0;
const added = Buffer.alloc((texts.length + texts.reduce((n, t) => n + Math.ceil(t.length / 8), 0)) * 8);
let at = start + texts.length;
texts.forEach((t, i) => {
  added.writeBigUInt64LE(listPointer(start + i, at, 2, t.length), i * 8);
  t.copy(added, (at - start) * 8);
  at += Math.ceil(t.length / 8);
});
seg0.writeBigUInt64LE(listPointer(slot, start, 6, texts.length), slot * 8);
const header = Buffer.from(msg.subarray(0, headerBytes));
header.writeUInt32LE(words0 + added.length / 8, 4);
process.stdout.write(Buffer.concat([header, seg0, added, rest]));
