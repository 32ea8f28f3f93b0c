// The tar format, both ways: ustar headers with GNU's ././@LongLink entries for long names (as
// GNU tar and busybox write them), and a reader that also takes POSIX pax headers (as Go's
// archive/tar, which kubectl cp uses, may write them) and ustar's name prefix.
import { dec, enc } from "./common";
import { concatBytes } from "../../../machinery/bytes";

export type EntryType = "file" | "dir" | "symlink" | "hardlink" | "chardev" | "blockdev" | "fifo";

export interface TarEntry {
  name: string;
  type: EntryType;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  /** Seconds since the epoch. */
  mtime: number;
  linkname: string;
  data: Uint8Array;
  devmajor?: number;
  devminor?: number;
}

const BLOCK = 512;
const FLAG: Record<EntryType, string> = { file: "0", hardlink: "1", symlink: "2", chardev: "3", blockdev: "4", dir: "5", fifo: "6" };

function putString(h: Uint8Array, off: number, len: number, s: string | Uint8Array): void {
  const b = typeof s === "string" ? enc.encode(s) : s;
  h.set(b.subarray(0, len), off);
}

/** An octal field: zero-padded digits and a NUL (len - 1 digits), as GNU tar writes them. */
function putOctal(h: Uint8Array, off: number, len: number, v: number): void {
  const s = Math.max(0, Math.floor(v)).toString(8);
  if (s.length > len - 1) {
    // Too big for octal (files over 8 GiB): GNU's base-256 form.
    h[off] = 0x80;
    let x = BigInt(Math.floor(v));
    for (let i = off + len - 1; i > off; i--) {
      h[i] = Number(x & 0xffn);
      x >>= 8n;
    }
    return;
  }
  putString(h, off, len, s.padStart(len - 1, "0") + "\0");
}

function header(e: Pick<TarEntry, "mode" | "uid" | "gid" | "mtime" | "uname" | "gname" | "linkname" | "devmajor" | "devminor">, name: Uint8Array, flag: string, size: number, gnuMagic: boolean): Uint8Array {
  const h = new Uint8Array(BLOCK);
  putString(h, 0, 100, name);
  putOctal(h, 100, 8, e.mode & 0o7777);
  putOctal(h, 108, 8, e.uid);
  putOctal(h, 116, 8, e.gid);
  putOctal(h, 124, 12, size);
  putOctal(h, 136, 12, e.mtime);
  h[156] = flag.charCodeAt(0);
  putString(h, 157, 100, e.linkname);
  putString(h, 257, 8, gnuMagic ? "ustar  \0" : "ustar\x0000");
  putString(h, 265, 32, e.uname);
  putString(h, 297, 32, e.gname);
  if (flag === "3" || flag === "4") {
    putOctal(h, 329, 8, e.devmajor ?? 0);
    putOctal(h, 337, 8, e.devminor ?? 0);
  }
  // The checksum is summed with its own field as spaces, then written as 6 digits, NUL, space.
  h.fill(0x20, 148, 156);
  let sum = 0;
  for (const b of h) sum += b;
  putString(h, 148, 8, sum.toString(8).padStart(6, "0") + "\0 ");
  return h;
}

function padded(data: Uint8Array): Uint8Array[] {
  const pad = (BLOCK - (data.length % BLOCK)) % BLOCK;
  return pad ? [data, new Uint8Array(pad)] : [data];
}

/** One entry's blocks: a long-name entry first when the name or link target passes 100 bytes. */
export function encodeEntry(e: TarEntry): Uint8Array {
  const out: Uint8Array[] = [];
  const name = enc.encode(e.name);
  const link = enc.encode(e.linkname);
  const meta = { mode: 0, uid: 0, gid: 0, mtime: 0, uname: "root", gname: "root", linkname: "" };
  if (link.length > 100) {
    out.push(header(meta, enc.encode("././@LongLink"), "K", link.length + 1, true));
    out.push(...padded(concatBytes([link, new Uint8Array(1)])));
  }
  if (name.length > 100) {
    out.push(header(meta, enc.encode("././@LongLink"), "L", name.length + 1, true));
    out.push(...padded(concatBytes([name, new Uint8Array(1)])));
  }
  const size = e.type === "file" ? e.data.length : 0;
  out.push(header({ ...e, linkname: dec.decode(link.subarray(0, 100)) }, name.subarray(0, 100), FLAG[e.type], size, true));
  if (size) out.push(...padded(e.data));
  return concatBytes(out);
}

/** The end of an archive: two zero blocks, padded to whole records of `record` bytes. */
export function encodeEnd(written: number, record: number): Uint8Array {
  let n = written + 2 * BLOCK;
  if (record > 0) n = Math.ceil(n / record) * record;
  return new Uint8Array(n - written);
}

function str(h: Uint8Array, off: number, len: number): string {
  const f = h.subarray(off, off + len);
  const nul = f.indexOf(0);
  return dec.decode(nul < 0 ? f : f.subarray(0, nul));
}

function octal(h: Uint8Array, off: number, len: number): number {
  if (h[off]! & 0x80) {
    let v = 0;
    for (let i = off + 1; i < off + len; i++) v = v * 256 + h[i]!;
    return v;
  }
  const s = str(h, off, len).trim();
  return s ? parseInt(s, 8) : 0;
}

export class TarError extends Error {}

/** Parses pax records ("%d key=value\n"). */
function pax(data: Uint8Array): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < data.length) {
    const sp = data.indexOf(0x20, i);
    if (sp < 0) break;
    const len = Number(dec.decode(data.subarray(i, sp)));
    if (!len) break;
    const rec = dec.decode(data.subarray(sp + 1, i + len - 1));
    const eq = rec.indexOf("=");
    if (eq > 0) out[rec.slice(0, eq)] = rec.slice(eq + 1);
    i += len;
  }
  return out;
}

const TYPES: Record<string, EntryType> = { "0": "file", "\0": "file", "7": "file", "1": "hardlink", "2": "symlink", "3": "chardev", "4": "blockdev", "5": "dir", "6": "fifo" };

/** Every entry of an archive. A truncated or damaged one throws TarError after what was read. */
export function* decodeTar(buf: Uint8Array): Generator<TarEntry, void, void> {
  let off = 0;
  let longName: string | null = null;
  let longLink: string | null = null;
  let paxNext: Record<string, string> = {};
  const global: Record<string, string> = {};
  let sawAny = false;
  while (off + BLOCK <= buf.length) {
    const h = buf.subarray(off, off + BLOCK);
    if (h.every((b) => b === 0)) return;
    let sum = 0;
    for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i]!;
    if (sum !== octal(h, 148, 8)) throw new TarError(sawAny ? "Skipping to next header" : "This does not look like a tar archive");
    sawAny = true;
    const flag = String.fromCharCode(h[156]!);
    const size = octal(h, 124, 12);
    const data = buf.subarray(off + BLOCK, off + BLOCK + size);
    if (data.length < size) throw new TarError("Unexpected EOF in archive");
    off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === "L") {
      longName = str(data, 0, data.length);
      continue;
    }
    if (flag === "K") {
      longLink = str(data, 0, data.length);
      continue;
    }
    if (flag === "x") {
      paxNext = pax(data);
      continue;
    }
    if (flag === "g") {
      Object.assign(global, pax(data));
      continue;
    }
    const attrs = { ...global, ...paxNext };
    const magic = str(h, 257, 6);
    const prefix = magic === "ustar" ? str(h, 345, 155) : "";
    let name = longName ?? attrs.path ?? (prefix ? `${prefix}/${str(h, 0, 100)}` : str(h, 0, 100));
    let type = TYPES[flag] ?? "file";
    if (type === "file" && name.endsWith("/")) type = "dir";
    if (type === "dir") name = name.replace(/\/+$/, "") + "/";
    const entry: TarEntry = {
      name,
      type,
      mode: octal(h, 100, 8),
      uid: attrs.uid !== undefined ? Number(attrs.uid) : octal(h, 108, 8),
      gid: attrs.gid !== undefined ? Number(attrs.gid) : octal(h, 116, 8),
      uname: attrs.uname ?? str(h, 265, 32),
      gname: attrs.gname ?? str(h, 297, 32),
      mtime: attrs.mtime !== undefined ? Math.floor(Number(attrs.mtime)) : octal(h, 136, 12),
      linkname: longLink ?? attrs.linkpath ?? str(h, 157, 100),
      data: type === "file" ? data : new Uint8Array(0),
      devmajor: octal(h, 329, 8),
      devminor: octal(h, 337, 8),
    };
    longName = longLink = null;
    paxNext = {};
    yield entry;
  }
  if (off < buf.length || !sawAny) {
    if (!sawAny && buf.length > 0) throw new TarError("This does not look like a tar archive");
    if (off < buf.length) throw new TarError("Unexpected EOF in archive");
  }
}
