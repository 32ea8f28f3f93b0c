// printf(1) as a program: the format reused until the arguments run out, %s %b %c %d %i %u %o
// %x %X %e %E %f %F %g %G %%, flags, width and precision (also `*`), escapes in the format.
import type { Tool, ToolContext } from "../../types";
import { binary, fromBinary, say, usageError } from "./common";
import { escapes } from "./escapes";
import { formatNumber } from "./format";

const USAGE = { busybox: "printf FORMAT [ARG]...", gnu: "printf FORMAT [ARGUMENT]..." };

export const printf: Tool = {
  names: ["printf"],
  run(ctx: ToolContext): number {
    let args = ctx.argv.slice(1);
    if (args[0] === "--") args = args.slice(1);
    if (args.length === 0) {
      usageError(ctx, USAGE, ctx.flavour === "gnu" ? "missing operand" : undefined);
      return 1;
    }
    const r = runPrintf(ctx, binary(args[0]), args.slice(1).map(binary));
    ctx.stdout.write(fromBinary(r.out));
    return r.status;
  },
};

/** Formats as printf(1) does; errors about arguments go to ctx's stderr. Shared with awk-less callers. */
export function runPrintf(ctx: ToolContext, format: string, args: string[]): { out: string; status: number } {
  let out = "";
  let status = 0;
  let ai = 0;
  const next = (): string | undefined => (ai < args.length ? args[ai++] : undefined);
  const num = (a: string | undefined, integer: boolean): number => {
    if (a === undefined || a === "") return 0;
    if (/^['"]/.test(a)) return a.length > 1 ? a.charCodeAt(1) : 0;
    const t = a.trim();
    let v: number;
    let whole: boolean;
    const m = integer ? /^[+-]?(0x[0-9a-f]+|0[0-7]*|[1-9]\d*)/i.exec(t) : /^[+-]?(0x[0-9a-f]+|\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)/i.exec(t);
    if (!m) {
      v = 0;
      whole = false;
    } else {
      const s = m[0];
      const neg = s.startsWith("-");
      const body = s.replace(/^[+-]/, "");
      if (/^0x/i.test(body)) v = Number.parseInt(body, 16);
      else if (integer && body.length > 1 && body.startsWith("0")) v = Number.parseInt(body, 8);
      else v = Number(body.replace(/^inf(inity)?$/i, "Infinity"));
      if (neg) v = -v;
      whole = s.length === t.length;
    }
    if (!whole) {
      status = 1;
      if (ctx.flavour === "busybox") say(ctx, `invalid number '${a}'`);
      else say(ctx, m ? `'${a}': value not completely converted` : `'${a}': expected a numeric value`);
    }
    return v;
  };
  for (;;) {
    const startArgs = ai;
    let i = 0;
    while (i < format.length) {
      const c = format[i];
      if (c === "\\") {
        // One escape at a time so \c can stop everything.
        let j = i + 1;
        if (format[j] === "x") j += Math.min(2, /^[0-9a-fA-F]*/.exec(format.slice(j + 1))![0].length) + 1;
        else if (/[0-7]/.test(format[j] ?? "")) j += /^[0-7]{1,3}/.exec(format.slice(j))![0].length;
        else j += 1;
        const e = escapes(format.slice(i, j), "format");
        out += e.text;
        if (e.stop) return { out, status };
        i = j;
        continue;
      }
      if (c !== "%") {
        out += c;
        i++;
        continue;
      }
      const m = /^%([-+ #0']*)(\*|\d+)?(?:\.(\*|\d*))?([hlLqjzt]*)(.?)/.exec(format.slice(i))!;
      i += m[0].length;
      const [, flags, w, p, , conv] = m;
      if (conv === "%") {
        out += "%";
        continue;
      }
      let width = w === "*" ? num(next(), true) : w ? Number(w) : undefined;
      let left = flags.includes("-");
      if (width !== undefined && width < 0) {
        left = true;
        width = -width;
      }
      const precision = p === undefined ? undefined : p === "*" ? num(next(), true) : Number(p || 0);
      const pad = (s: string, zeroOk: boolean): string => {
        if (width === undefined || s.length >= width) return s;
        if (left) return s + " ".repeat(width - s.length);
        if (zeroOk && flags.includes("0")) {
          const sign = /^[+\- ]|^0[xX]/.exec(s)?.[0] ?? "";
          return sign + "0".repeat(width - s.length) + s.slice(sign.length);
        }
        return " ".repeat(width - s.length) + s;
      };
      switch (conv) {
        case "s": {
          let s = next() ?? "";
          if (precision !== undefined) s = s.slice(0, precision);
          out += pad(s, false);
          break;
        }
        case "b": {
          const e = escapes(next() ?? "", "b");
          let s = e.text;
          if (precision !== undefined) s = s.slice(0, precision);
          out += pad(s, false);
          if (e.stop) return { out, status };
          break;
        }
        case "c": {
          const a = next();
          out += pad(a ? a[0] : "", false);
          break;
        }
        case "d": case "i": case "u": case "o": case "x": case "X":
        case "e": case "E": case "f": case "F": case "g": case "G": case "a": case "A": {
          const integer = "diuoxX".includes(conv);
          const v = num(next(), integer);
          const s = formatNumber(v, conv, flags, precision);
          out += pad(s, Number.isFinite(v) && !(integer && precision !== undefined));
          break;
        }
        default: {
          const spec = m[0];
          if (ctx.flavour === "busybox") say(ctx, `${spec}: invalid format`);
          else say(ctx, `${spec}: invalid conversion specification`);
          return { out, status: 1 };
        }
      }
    }
    // The format is reused while arguments remain (and consumed at least one this round).
    if (ai >= args.length || ai === startArgs) break;
  }
  return { out, status };
}
