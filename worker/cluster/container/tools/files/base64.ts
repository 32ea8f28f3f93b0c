// base64 (-d, -w COLS, -i): encode wrapped at 76 columns, or decode.
import type { Effect, Tool, ToolContext } from "../../types";
import { complain, dec, enc, errText, parseOpts, readAll, usageError } from "./common";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function encodeBase64(d: Uint8Array): string {
  let out = "";
  for (let i = 0; i < d.length; i += 3) {
    const n = (d[i]! << 16) | ((d[i + 1] ?? 0) << 8) | (d[i + 2] ?? 0);
    out += ALPHABET[(n >> 18) & 63]! + ALPHABET[(n >> 12) & 63]! + (i + 1 < d.length ? ALPHABET[(n >> 6) & 63]! : "=") + (i + 2 < d.length ? ALPHABET[n & 63]! : "=");
  }
  return out;
}

/** The bytes decoded up to the first character that is not base64 (ok false when there was one). */
export function decodeBase64(text: string, ignoreGarbage: boolean): { data: Uint8Array; ok: boolean } {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  let ok = true;
  let ended = false;
  for (const c of text) {
    if (c === "\n" || c === "\r") continue;
    if (c === "=") {
      ended = true;
      continue;
    }
    const v = ALPHABET.indexOf(c);
    if (v < 0 || ended) {
      if (ignoreGarbage && v < 0) continue;
      ok = false;
      break;
    }
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return { data: new Uint8Array(out), ok };
}

export const base64: Tool = {
  names: ["base64"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-d] [-w COL] [FILE]";
    const p = parseOpts(ctx, { flags: "di", withArg: "w", usage: USAGE, long: { decode: { key: "d" }, "ignore-garbage": { key: "i" }, wrap: { key: "w", arg: "required" } } });
    if (typeof p === "number") return p;
    if (p.args.length > 1) return gnu ? usageError(ctx, `extra operand '${p.args[1]}'`, USAGE) : usageError(ctx, null, USAGE);
    const f = p.args[0] ?? "-";
    let data: Uint8Array;
    if (f === "-") data = yield* readAll(ctx);
    else {
      try {
        data = ctx.fs.read(ctx.resolve(f));
      } catch (e) {
        complain(ctx, gnu ? `${f}: ${errText(e)}` : `can't open '${f}': ${errText(e)}`);
        return 1;
      }
    }
    if (p.has("d")) {
      const r = decodeBase64(dec.decode(data), p.has("i"));
      ctx.stdout.write(r.data);
      if (!r.ok) {
        complain(ctx, "invalid input");
        return 1;
      }
      return 0;
    }
    const w = p.get("w") === undefined ? 76 : Number(p.get("w"));
    if (!Number.isInteger(w) || w < 0) {
      complain(ctx, gnu ? `invalid wrap size: '${p.get("w")}'` : `invalid number '${p.get("w")}'`);
      return 1;
    }
    const text = encodeBase64(data);
    // -w 0: one line without a newline, as coreutils prints it.
    let out = w === 0 ? text : "";
    if (w > 0) for (let i = 0; i < text.length; i += w) out += text.slice(i, i + w) + "\n";
    ctx.stdout.write(enc.encode(out));
    return 0;
  },
};
