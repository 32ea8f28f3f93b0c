// dd: if= of= bs= ibs= obs= count= skip= seek= conv=notrunc status=none|noxfer, and the
// "records in/out" summary on stderr. /dev/zero and /dev/urandom give what they would.
import type { Effect, Tool, ToolContext } from "../../types";
import { complain, errText, readAll } from "./common";
import { concatBytes } from "../../../machinery/bytes";

const SUFFIX: Record<string, number> = { "": 1, c: 1, w: 2, b: 512, k: 1024, K: 1024, kB: 1000, KB: 1000, M: 1024 ** 2, MB: 1e6, G: 1024 ** 3, GB: 1e9, xM: 1024 ** 2 };

function size(text: string): number | null {
  const m = /^(\d+)([a-zA-Z]*)$/.exec(text);
  if (!m) return null;
  const mult = SUFFIX[m[2]!] ?? (m[2] === "KiB" ? 1024 : m[2] === "MiB" ? 1024 ** 2 : m[2] === "GiB" ? 1024 ** 3 : null);
  return mult === null ? null : Number(m[1]) * mult;
}

/** Bytes a device file gives when read: zeros, or reproducible noise for the random ones. */
function device(path: string, n: number): Uint8Array | null {
  if (path === "/dev/zero") return new Uint8Array(n);
  if (path === "/dev/urandom" || path === "/dev/random") {
    const out = new Uint8Array(n);
    let x = 0x9e3779b9;
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      out[i] = x & 0xff;
    }
    return out;
  }
  return null;
}

function human(n: number, si: boolean): string {
  const base = si ? 1000 : 1024;
  const units = si ? ["kB", "MB", "GB", "TB"] : ["KiB", "MiB", "GiB", "TiB"];
  let v = n / base;
  let u = 0;
  while (v >= base && u < units.length - 1) {
    v /= base;
    u++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** printf's %g (6 significant digits, exponent of at least two digits). */
function fmtG(x: number): string {
  if (x !== 0 && (x < 1e-4 || x >= 1e6)) return x.toExponential(5).replace(/\.?0+e/, "e").replace(/e([+-])(\d)$/, "e$10$2");
  return String(Number(x.toPrecision(6)));
}

/** A rate as dd prints it: three significant digits and an SI unit ("10.2 MB", "852 MB"). */
function rate(bps: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bps;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? Math.round(v) : Number(v.toPrecision(3))} ${units[u]}`;
}

export const dd: Tool = {
  names: ["dd"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const o: Record<string, string> = {};
    for (const a of ctx.argv.slice(1)) {
      const eq = a.indexOf("=");
      if (eq < 0) {
        complain(ctx, gnu ? `unrecognized operand '${a}'` : `invalid argument '${a}'`);
        if (gnu) ctx.stderr.write("Try 'dd --help' for more information.\n");
        return 1;
      }
      o[a.slice(0, eq)] = a.slice(eq + 1);
    }
    const num = (k: string, def: number): number | null => {
      if (o[k] === undefined) return def;
      const v = size(o[k]!);
      if (v === null) complain(ctx, gnu ? `invalid number: '${o[k]}'` : `invalid number '${o[k]}'`);
      return v;
    };
    const bs = num("bs", 0);
    const ibs = bs || num("ibs", 512);
    const obs = bs || num("obs", 512);
    const count = o.count !== undefined ? num("count", 0) : Infinity;
    const skip = num("skip", 0);
    const seek = num("seek", 0);
    if (bs === null || ibs === null || obs === null || count === null || skip === null || seek === null) return 1;
    const conv = (o.conv ?? "").split(",");
    // Input
    let input: Uint8Array;
    if (o.if === undefined) input = yield* readAll(ctx);
    else {
      const path = ctx.resolve(o.if);
      const dev = device(path, Number.isFinite(count) ? (skip + count) * ibs : 0);
      if (dev) input = dev;
      else {
        try {
          input = ctx.fs.read(path);
        } catch (e) {
          complain(ctx, gnu ? `failed to open '${o.if}': ${errText(e)}` : `can't open '${o.if}': ${errText(e)}`);
          return 1;
        }
      }
    }
    const start = skip * ibs;
    const blocks: Uint8Array[] = [];
    let fullIn = 0;
    let partIn = 0;
    for (let off = start, n = 0; off < input.length && n < count; off += ibs, n++) {
      const b = input.subarray(off, Math.min(off + ibs, input.length));
      if (b.length === ibs) fullIn++;
      else partIn++;
      blocks.push(conv.includes("sync") && b.length < ibs ? concatBytes([b, new Uint8Array(ibs - b.length)]) : b);
    }
    const data = concatBytes(blocks);
    const fullOut = Math.floor(data.length / obs);
    const partOut = data.length % obs ? 1 : 0;
    // Output
    if (o.of === undefined) ctx.stdout.write(data);
    else {
      const path = ctx.resolve(o.of);
      try {
        let existing: Uint8Array = new Uint8Array(0);
        const st = ctx.fs.stat(path);
        if (st?.type === "file") existing = ctx.fs.read(path);
        if (st && st.type !== "file") ctx.fs.write(path, data);
        else {
          const at = seek * obs;
          const keepTail = conv.includes("notrunc");
          const len = Math.max(at + data.length, keepTail ? existing.length : 0);
          const out = new Uint8Array(len);
          out.set(existing.subarray(0, Math.min(existing.length, keepTail ? existing.length : at)));
          out.set(data, at);
          ctx.fs.write(path, out);
        }
      } catch (e) {
        complain(ctx, gnu ? `failed to open '${o.of}': ${errText(e)}` : `can't open '${o.of}': ${errText(e)}`);
        return 1;
      }
    }
    const status = o.status ?? "";
    if (status !== "none") {
      ctx.stderr.write(`${fullIn}+${partIn} records in\n${fullOut}+${partOut} records out\n`);
      if (status !== "noxfer") {
        // A copy here takes no time; show what a quick disk would (about 1 GB/s).
        const secs = Math.max(data.length / 1e9, 0.000_05);
        if (gnu) {
          const size = data.length >= 1000 ? ` (${human(data.length, true)}, ${human(data.length, false)})` : "";
          ctx.stderr.write(`${data.length} bytes${size} copied, ${fmtG(secs)} s, ${rate(data.length / secs)}/s\n`);
        } else {
          const hr = (n: number) => (n < 1024 ? `${n}` : human(n, false).replace(/iB$/, "").replace(" ", ""));
          ctx.stderr.write(`${data.length} bytes (${hr(data.length)}B) copied, ${secs.toFixed(6)} seconds, ${hr(Math.round(data.length / secs))}B/s\n`);
        }
      }
    }
    return 0;
  },
};
