// sort: byte order (the C locale a container runs in), -n -g -h -V -M numeric/version/month
// keys, -r -u -f -b -s, keys (-k F[.C][opts][,F[.C][opts]]) with -t, -o, -c/-C. Without -s,
// lines whose keys tie are ordered by the whole line, as both sorts do.
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachInput, eachLine, fsMessage, getopt, say } from "./common";

const USAGE = { busybox: "sort [-nrugMcszbdfiokt] [-o FILE] [-k START[.OFS][OPTS][,END[.OFS][OPTS]] [-t CHAR] [FILE]...", gnu: "sort [OPTION]... [FILE]..." };

interface KeyOpts {
  n?: boolean; g?: boolean; h?: boolean; V?: boolean; M?: boolean; r?: boolean; f?: boolean; b?: boolean; d?: boolean; i?: boolean;
}
interface Key extends KeyOpts {
  f1: number; c1: number; f2: number; c2: number;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const SUFFIX = "KMGTPEZY";

function numPrefix(s: string): number {
  const m = /^\s*([+-]?\d*\.?\d+|[+-]?\d+\.?)/.exec(s);
  return m ? Number(m[1]) : 0;
}

function humanValue(s: string): [number, number] {
  const m = /^\s*([+-]?\d*\.?\d+|[+-]?\d+\.?)([KMGTPEZYk]?)/.exec(s);
  if (!m) return [0, 0];
  const v = Number(m[1]);
  const mag = m[2] ? SUFFIX.indexOf(m[2].toUpperCase()) + 1 : 0;
  return [Math.sign(v) * mag, v];
}

/** GNU's version order (filevercmp, simplified): digits as numbers, others by character. */
export function versionCompare(a: string, b: string): number {
  const re = /(\d+|\D+)/g;
  const pa = a.match(re) ?? [];
  const pb = b.match(re) ?? [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    const dx = /^\d/.test(x);
    const dy = /^\d/.test(y);
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d) return d < 0 ? -1 : 1;
    } else if (x !== y) {
      // "~" sorts before everything, letters before other characters.
      const order = (c: string) => (c === "~" ? -2 : c === undefined ? -1 : /[A-Za-z]/.test(c) ? c.charCodeAt(0) : c.charCodeAt(0) + 256);
      for (let j = 0; j < Math.max(x.length, y.length); j++) {
        const ox = j < x.length ? order(x[j]) : dx ? -1 : -1;
        const oy = j < y.length ? order(y[j]) : -1;
        if (ox !== oy) return ox < oy ? -1 : 1;
      }
    }
  }
  return 0;
}

function byteCompare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBy(o: KeyOpts, a: string, b: string): number {
  if (o.b) {
    a = a.replace(/^\s+/, "");
    b = b.replace(/^\s+/, "");
  }
  if (o.d) {
    a = a.replace(/[^A-Za-z0-9 \t]/g, "");
    b = b.replace(/[^A-Za-z0-9 \t]/g, "");
  }
  if (o.i) {
    a = a.replace(/[^\x20-\x7e]/g, "");
    b = b.replace(/[^\x20-\x7e]/g, "");
  }
  if (o.n || o.g) {
    const x = o.g ? Number.parseFloat(a) : numPrefix(a);
    const y = o.g ? Number.parseFloat(b) : numPrefix(b);
    const nx = Number.isNaN(x) ? -Infinity : x;
    const ny = Number.isNaN(y) ? -Infinity : y;
    return nx < ny ? -1 : nx > ny ? 1 : 0;
  }
  if (o.h) {
    const [ma, va] = humanValue(a);
    const [mb, vb] = humanValue(b);
    if (ma !== mb) return ma < mb ? -1 : 1;
    return va < vb ? -1 : va > vb ? 1 : 0;
  }
  if (o.M) {
    const x = MONTHS.indexOf(a.trim().slice(0, 3).toUpperCase());
    const y = MONTHS.indexOf(b.trim().slice(0, 3).toUpperCase());
    return x - y;
  }
  if (o.V) return versionCompare(a, b);
  if (o.f) return byteCompare(a.toUpperCase(), b.toUpperCase());
  return byteCompare(a, b);
}

function fieldStarts(line: string, sep: string | undefined): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  if (sep !== undefined) {
    let start = 0;
    for (;;) {
      const at = line.indexOf(sep, start);
      if (at < 0) {
        spans.push([start, line.length]);
        break;
      }
      spans.push([start, at]);
      start = at + sep.length;
    }
    return spans;
  }
  // Default fields: each begins with the blanks before it.
  const re = /[ \t]*[^ \t]+|[ \t]+$/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line))) spans.push([m.index, m.index + m[0].length]);
  if (spans.length === 0) spans.push([0, line.length]);
  return spans;
}

function extract(line: string, k: Key, sep: string | undefined, globalB: boolean): string {
  const spans = fieldStarts(line, sep);
  const f1 = spans[k.f1 - 1];
  if (!f1) return "";
  let start = f1[0];
  if (k.b || globalB) while (start < f1[1] && (line[start] === " " || line[start] === "\t")) start++;
  start = Math.min(start + Math.max(0, k.c1 - 1), line.length);
  let end = line.length;
  if (k.f2 > 0) {
    const f2 = spans[k.f2 - 1];
    if (f2) {
      if (k.c2 > 0) {
        let s2 = f2[0];
        if (k.b) while (s2 < f2[1] && (line[s2] === " " || line[s2] === "\t")) s2++;
        end = Math.min(s2 + k.c2, line.length);
      } else end = f2[1];
    }
  }
  return end > start ? line.slice(start, end) : "";
}

function parseKey(spec: string): Key | null {
  const m = /^(\d+)(?:\.(\d+))?([bdfghinMrV]*)(?:,(\d+)(?:\.(\d+))?([bdfghinMrV]*))?$/.exec(spec);
  if (!m || Number(m[1]) === 0) return null;
  const k: Key = { f1: Number(m[1]), c1: m[2] ? Number(m[2]) : 1, f2: m[4] ? Number(m[4]) : 0, c2: m[5] ? Number(m[5]) : 0 };
  for (const c of (m[3] ?? "") + (m[6] ?? "")) (k as unknown as Record<string, boolean>)[c] = true;
  return k;
}

export const sort: Tool = {
  names: ["sort"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, {
      flags: "nrugMcCszbdfiVh",
      args: "okTtS",
      usage: USAGE,
      long: {
        "numeric-sort": "n", reverse: "r", unique: "u", "general-numeric-sort": "g", "month-sort": "M", check: "c", "ignore-leading-blanks": "b",
        "dictionary-order": "d", "ignore-case": "f", "ignore-nonprinting": "i", "version-sort": "V", "human-numeric-sort": "h", stable: "s",
        "output=": "o", "key=": "k", "field-separator=": "t", "buffer-size=": "S", "temporary-directory=": "T", "zero-terminated": "z", "parallel=": "parallel",
      },
    });
    if (!o) return 2;
    const global: KeyOpts = {};
    for (const c of "ngMrfbdiVh") if (o.has(c)) (global as Record<string, boolean>)[c] = true;
    const keys: Key[] = [];
    for (const spec of o.all("k")) {
      const k = parseKey(spec);
      if (!k) {
        say(ctx, gnu ? (/^0(\D|$)/.test(spec) ? `field number is zero: invalid field specification '${spec}'` : `invalid number at field start: invalid count at start of '${spec}'`) : `bad field specification '${spec}'`);
        return 2;
      }
      // A key with no options of its own takes the global ones.
      if (!"ngMrfbdiVh".split("").some((c) => (k as unknown as Record<string, boolean>)[c])) Object.assign(k, global);
      keys.push(k);
    }
    const sep = o.get("t");
    if (sep !== undefined && sep.length !== 1) {
      say(ctx, gnu ? `multi-character tab '${sep}'` : "bad -t parameter");
      return 2;
    }
    const lines: string[] = [];
    let status = 0;
    yield* eachInput(
      ctx,
      o.rest,
      (op, e) => {
        status = 2;
        say(ctx, gnu ? `cannot read: ${op}: ${fsMessage(e)}` : `can't open '${op}': ${fsMessage(e)}`);
      },
      function* (input) {
        yield* eachLine(input, (l) => void lines.push(l));
      },
    );
    if (status) return gnu ? 2 : 1;
    const cmpKeys = (a: string, b: string): number => {
      if (keys.length === 0) {
        const c = compareBy(global, a, b);
        return global.r ? -c : c;
      }
      for (const k of keys) {
        const c = compareBy(k, extract(a, k, sep, false), extract(b, k, sep, false));
        if (c) return k.r ? -c : c;
      }
      return 0;
    };
    const lastResort = !o.has("s") && !o.has("u");
    const cmp = (a: string, b: string): number => {
      const c = cmpKeys(a, b);
      if (c || !lastResort) return c;
      if (keys.length === 0 && !global.n && !global.g && !global.h && !global.M && !global.V && !global.f && !global.b && !global.d && !global.i) return 0;
      const d = byteCompare(a, b);
      return global.r ? -d : d;
    };
    if (o.has("c") || o.has("C")) {
      for (let i = 1; i < lines.length; i++) {
        const c = cmp(lines[i - 1], lines[i]);
        if (c > 0 || (o.has("u") && c === 0)) {
          if (!o.has("C")) ctx.stderr.write(gnu ? `sort: -:${i + 1}: disorder: ${lines[i]}\n` : `sort: disorder: ${lines[i]}\n`);
          return 1;
        }
      }
      return 0;
    }
    lines.sort(cmp);
    let out = lines;
    if (o.has("u")) out = lines.filter((l, i) => i === 0 || cmpKeys(lines[i - 1], l) !== 0);
    const textOut = out.map((l) => `${l}\n`).join("");
    const outFile = o.get("o");
    if (outFile !== undefined) {
      try {
        ctx.fs.write(ctx.resolve(outFile), textOut);
      } catch (e) {
        say(ctx, gnu ? `open failed: ${outFile}: ${fsMessage(e)}` : `can't create '${outFile}': ${fsMessage(e)}`);
        return 2;
      }
    } else ctx.stdout.write(textOut);
    return 0;
  },
};
