// printf(1) as sh's builtin: the format reused while arguments remain, C conversions with
// flags/width/precision, %b (echo-style escapes), %q (bash). Exported for a printf tool too.
import { escapes } from "../tools/text/escapes";

export interface PrintfResult {
  out: string;
  /** Messages about bad numbers, without a prefix ("abc: invalid number"). */
  errors: string[];
  status: number;
}

export type PrintfDialect = "ash" | "bash" | "dash";

export function shellQuote(s: string): string {
  if (s === "") return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(s)) return s;
  if (/[\n\t\r\x00-\x1f]/.test(s)) {
    return "$'" + s.replace(/\\/g, "\\\\").replace(/'/g, "\\'").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r").replace(/[\x00-\x1f]/g, (c) => "\\" + c.charCodeAt(0).toString(8).padStart(3, "0")) + "'";
  }
  return s.replace(/[^A-Za-z0-9_@%+=:,./-]/g, "\\$&");
}

export function printf(fmt: string, args: string[], dialect: PrintfDialect): PrintfResult {
  const errors: string[] = [];
  let status = 0;
  let out = "";
  let ai = 0;
  const next = (): string | undefined => (ai < args.length ? args[ai++] : undefined);
  const num = (s: string | undefined, float: boolean): number | bigint => {
    if (s === undefined || s === "") return float ? 0 : 0n;
    if (/^['"]/.test(s)) return float ? (s.codePointAt(1) ?? 0) : BigInt(s.codePointAt(1) ?? 0);
    const t = s.trim();
    if (float) {
      const v = Number(t);
      if (!Number.isNaN(v) && t !== "") return v;
    } else {
      const m = /^([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(t);
      if (m) {
        const v = BigInt(m[2].startsWith("0") && !/^0[xX]/.test(m[2]) && m[2].length > 1 ? "0o" + m[2].slice(1) : m[2]);
        return m[1] === "-" ? -v : v;
      }
    }
    status = 1;
    const lead = /^[+-]?[0-9]+/.exec(t);
    errors.push(dialect === "bash" ? `${s}: invalid number` : dialect === "dash" ? (lead ? `${s}: not completely converted` : `${s}: expected numeric value`) : `invalid number '${s}'`);
    // busybox prints 0 for a partly numeric argument; bash and dash the leading number
    if (dialect === "ash") return float ? 0 : 0n;
    return float ? Number(lead?.[0] ?? 0) : BigInt(lead?.[0] ?? 0);
  };
  const pad = (s: string, flags: string, width: number | undefined) => {
    if (width === undefined || s.length >= width) return s;
    if (flags.includes("-")) return s.padEnd(width);
    if (flags.includes("0") && /^[+-]?[0-9]/.test(s)) {
      const sign = /^[+-]/.test(s) ? s[0] : "";
      return sign + s.slice(sign.length).padStart(width - sign.length, "0");
    }
    return s.padStart(width);
  };
  let first = true;
  while (first || ai < args.length) {
    const startAi = ai;
    first = false;
    for (let i = 0; i < fmt.length; i++) {
      const c = fmt[i];
      if (c === "\\") {
        const m = /^\\(?:[0-7]{1,3}|x[0-9a-fA-F]{1,2}|.)/s.exec(fmt.slice(i));
        const esc = m ? m[0] : "\\";
        if (esc === "\\c") return { out, errors, status };
        out += escapes(esc, "format", { keep: `"'` }).text;
        i += esc.length - 1;
        continue;
      }
      if (c !== "%") {
        out += c;
        continue;
      }
      const m = /^%([-+ #0]*)(\*|[0-9]+)?(?:\.(\*|[0-9]*))?([hlLqjzt]*)([a-zA-Z%])/.exec(fmt.slice(i));
      if (!m) {
        out += c;
        continue;
      }
      i += m[0].length - 1;
      const flags = m[1];
      let width = m[2] === "*" ? Number(num(next(), false)) : m[2] ? Number(m[2]) : undefined;
      let flagsEff = flags;
      if (width !== undefined && width < 0) {
        flagsEff += "-";
        width = -width;
      }
      const prec = m[3] === "*" ? Number(num(next(), false)) : m[3] !== undefined ? Number(m[3] || "0") : undefined;
      const conv = m[5];
      switch (conv) {
        case "%":
          out += "%";
          break;
        case "s": {
          let s = next() ?? "";
          if (prec !== undefined) s = s.slice(0, prec);
          out += pad(s, flagsEff, width);
          break;
        }
        case "b": {
          const e = escapes(next() ?? "", "echo");
          let s = e.text;
          if (prec !== undefined) s = s.slice(0, prec);
          out += pad(s, flagsEff, width);
          if (e.stop) return { out, errors, status };
          break;
        }
        case "q":
          if (dialect !== "bash") {
            errors.push(dialect === "dash" ? `%q: invalid directive` : `${fmt.slice(i - m[0].length + 1)}: invalid format`);
            return { out, errors, status: dialect === "dash" ? 2 : 1 };
          }
          out += pad(shellQuote(next() ?? ""), flagsEff, width);
          break;
        case "c": {
          const s = next() ?? "";
          out += pad(s === "" ? "\0" : s.slice(0, 1), flagsEff, width);
          break;
        }
        case "d":
        case "i":
        case "u":
        case "x":
        case "X":
        case "o": {
          let v = num(next(), false) as bigint;
          if (conv === "u" && v < 0n) v = BigInt.asUintN(64, v);
          let s: string;
          const neg = v < 0n;
          const abs = neg ? -v : v;
          if (conv === "x" || conv === "X") s = abs.toString(16);
          else if (conv === "o") s = abs.toString(8);
          else s = abs.toString();
          if (conv === "X") s = s.toUpperCase();
          if ((conv === "x" || conv === "X" || conv === "o") && neg) s = BigInt.asUintN(64, v).toString(conv === "o" ? 8 : 16);
          if (conv === "X") s = s.toUpperCase();
          if (prec !== undefined) s = s.padStart(prec, "0");
          if (flags.includes("#") && v !== 0n) s = (conv === "o" ? "0" : conv === "x" ? "0x" : conv === "X" ? "0X" : "") + s;
          if (neg && (conv === "d" || conv === "i")) s = "-" + s;
          else if (flags.includes("+") && (conv === "d" || conv === "i")) s = "+" + s;
          else if (flags.includes(" ") && (conv === "d" || conv === "i")) s = " " + s;
          out += pad(s, prec !== undefined ? flagsEff.replace("0", "") : flagsEff, width);
          break;
        }
        case "f":
        case "F":
        case "e":
        case "E":
        case "g":
        case "G": {
          const v = num(next(), true) as number;
          const p = prec ?? 6;
          let s: string;
          if (conv === "f" || conv === "F") s = v.toFixed(p);
          else if (conv === "e" || conv === "E") s = cExp(v, p);
          else {
            const P = p === 0 ? 1 : p;
            const exp = v === 0 ? 0 : Math.floor(Math.log10(Math.abs(v)));
            if (exp < -4 || exp >= P) s = cExp(v, P - 1);
            else s = v.toFixed(Math.max(P - 1 - exp, 0));
            if (!flags.includes("#") && s.includes(".")) s = s.replace(/(\.[0-9]*?)0+(e|$)/, "$1$2").replace(/\.(e|$)/, "$1");
          }
          if (conv === "E" || conv === "G") s = s.toUpperCase();
          if (flags.includes("+") && v >= 0) s = "+" + s;
          else if (flags.includes(" ") && v >= 0) s = " " + s;
          out += pad(s, flagsEff, width);
          break;
        }
        default:
          errors.push(dialect === "bash" ? `%${conv}: invalid format character` : dialect === "dash" ? `%${conv}: invalid directive` : `${fmt.slice(i - m[0].length + 1)}: invalid format`);
          return { out, errors, status: dialect === "dash" ? 2 : 1 };
      }
    }
    if (ai === startAi) break;
  }
  return { out, errors, status };
}

function cExp(v: number, p: number): string {
  const s = v.toExponential(p);
  return s.replace(/e([+-])([0-9])$/, "e$10$2");
}
