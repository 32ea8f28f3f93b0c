// tr: translate (set2's last character repeats to set1's length), -d delete, -s squeeze, -c/-C
// complement, -t truncate; sets with ranges, [:classes:], [c*n], [=c=] and escapes. Works on
// bytes, as both tr's do.
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachChunk, getopt, say, usageError } from "./common";

const USAGE = { busybox: "tr [-cds] STRING1 [STRING2]", gnu: "tr [OPTION]... STRING1 [STRING2]" };

const CLASS: Record<string, (c: number) => boolean> = {
  alpha: (c) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122),
  digit: (c) => c >= 48 && c <= 57,
  alnum: (c) => CLASS.alpha(c) || CLASS.digit(c),
  upper: (c) => c >= 65 && c <= 90,
  lower: (c) => c >= 97 && c <= 122,
  space: (c) => c === 32 || (c >= 9 && c <= 13),
  blank: (c) => c === 32 || c === 9,
  punct: (c) => c > 32 && c < 127 && !CLASS.alnum(c),
  xdigit: (c) => CLASS.digit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102),
  print: (c) => c >= 32 && c < 127,
  graph: (c) => c > 32 && c < 127,
  cntrl: (c) => c < 32 || c === 127,
};

function unescape(s: string, i: number): [code: number, next: number] {
  if (s[i] !== "\\" || i + 1 >= s.length) return [s.charCodeAt(i), i + 1];
  const n = s[i + 1];
  const m = /^[0-7]{1,3}/.exec(s.slice(i + 1));
  if (m) return [Number.parseInt(m[0], 8) & 0xff, i + 1 + m[0].length];
  const map: Record<string, number> = { a: 7, b: 8, f: 12, n: 10, r: 13, t: 9, v: 11, "\\": 92 };
  return [map[n] ?? n.charCodeAt(0), i + 2];
}

/** A set's bytes in order. `repeatFill` is the length to fill [c*] to (set2 only). */
function expand(s: string, repeatFill: number | null): number[] | string {
  const out: number[] = [];
  let fillAt = -1;
  let fillChar = 0;
  for (let i = 0; i < s.length; ) {
    if (s[i] === "[" && s[i + 1] === ":") {
      const end = s.indexOf(":]", i + 2);
      if (end > 0) {
        const name = s.slice(i + 2, end);
        const test = CLASS[name];
        if (!test) return `invalid character class '${name}'`;
        for (let c = 0; c < 256; c++) if (test(c)) out.push(c);
        i = end + 2;
        continue;
      }
    }
    if (s[i] === "[" && s[i + 1] === "=" && s[i + 3] === "=" && s[i + 4] === "]") {
      out.push(s.charCodeAt(i + 2));
      i += 5;
      continue;
    }
    if (s[i] === "[" && i + 2 < s.length) {
      const [c, j] = unescape(s, i + 1);
      const m = /^\*(\d*)\]/.exec(s.slice(j));
      if (m) {
        const n = m[1] ? Number.parseInt(m[1], m[1].startsWith("0") ? 8 : 10) : 0;
        if (n === 0 && repeatFill !== null) {
          fillAt = out.length;
          fillChar = c;
        } else for (let k = 0; k < n; k++) out.push(c);
        i = j + m[0].length;
        continue;
      }
    }
    const [c, j] = unescape(s, i);
    if (s[j] === "-" && j + 1 < s.length) {
      const [d, k] = unescape(s, j + 1);
      if (d < c) return `range-endpoints of '${String.fromCharCode(c)}-${String.fromCharCode(d)}' are in reverse collating sequence order`;
      for (let x = c; x <= d; x++) out.push(x);
      i = k;
      continue;
    }
    out.push(c);
    i = j;
  }
  if (fillAt >= 0 && repeatFill !== null) out.splice(fillAt, 0, ...new Array<number>(Math.max(0, repeatFill - out.length)).fill(fillChar));
  return out;
}

export const tr: Tool = {
  names: ["tr"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, { flags: "cCdst", usage: USAGE, long: { complement: "c", delete: "d", "squeeze-repeats": "s", "truncate-set1": "t" } });
    if (!o) return 1;
    const del = o.has("d");
    const squeeze = o.has("s");
    const complement = o.has("c") || o.has("C");
    const [a, b] = o.rest;
    if (a === undefined) {
      usageError(ctx, USAGE, gnu ? "missing operand" : undefined);
      return 1;
    }
    const translating = !del && b !== undefined;
    if (!del && !squeeze && b === undefined) {
      if (gnu) {
        ctx.stderr.write(`tr: missing operand after '${a}'\nTwo strings must be given when translating.\n`);
        usageError(ctx, USAGE);
      } else usageError(ctx, USAGE);
      return 1;
    }
    let set1 = expand(a, null);
    if (typeof set1 === "string") {
      say(ctx, set1);
      return 1;
    }
    if (complement) {
      const inSet = new Set(set1);
      set1 = [];
      for (let c = 0; c < 256; c++) if (!inSet.has(c)) set1.push(c);
    }
    let set2: number[] = [];
    if (b !== undefined) {
      const e = expand(b, set1.length);
      if (typeof e === "string") {
        say(ctx, e);
        return 1;
      }
      set2 = e;
      if (translating && set2.length === 0) {
        say(ctx, gnu ? "when not truncating set1, string2 must be non-empty" : "STRING2 cannot be empty");
        return 1;
      }
    }
    const map = new Int16Array(256).map((_, i) => i);
    if (translating) {
      if (o.has("t")) set1 = set1.slice(0, set2.length);
      set1.forEach((c, i) => (map[c] = set2[Math.min(i, set2.length - 1)]));
    }
    const deleting = new Uint8Array(256);
    if (del) for (const c of set1) deleting[c] = 1;
    const squeezing = new Uint8Array(256);
    if (squeeze) for (const c of del || translating ? set2 : set1) squeezing[c] = 1;
    let last = -1;
    yield* eachChunk(ctx.stdin, (chunk) => {
      const out: number[] = [];
      for (const byte of chunk) {
        if (deleting[byte]) continue;
        const c = map[byte];
        if (squeezing[c] && c === last) continue;
        out.push(c);
        last = c;
      }
      ctx.stdout.write(Uint8Array.from(out));
    });
    return 0;
  },
};
