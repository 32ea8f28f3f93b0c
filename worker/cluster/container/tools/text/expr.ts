// expr: | & comparisons + - * / % and the string operators (: match substr index length),
// integers only, BRE anchored at the start for ":". Prints the value; status 1 when it is
// null or 0, 2 on a syntax error.
import type { Tool, ToolContext } from "../../types";
import { say } from "./common";
import { RegexError, compile } from "./regex";

class ExprError extends Error {
  constructor(msg: string, readonly code = 2) {
    super(msg);
  }
}

type V = string | number;

export const expr: Tool = {
  names: ["expr"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    let args = ctx.argv.slice(1);
    if (args[0] === "--") args = args.slice(1);
    if (args.length === 0) {
      if (gnu) ctx.stderr.write("expr: missing operand\nTry 'expr --help' for more information.\n");
      else ctx.stderr.write(`BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.\n\nUsage: expr EXPRESSION\n`);
      return 2;
    }
    let i = 0;
    const isInt = (v: V) => typeof v === "number" || /^[+-]?\d+$/.test(v);
    const toInt = (v: V): number => {
      if (!isInt(v)) throw new ExprError(gnu ? "non-integer argument" : "non-numeric argument");
      return Number(v);
    };
    const isNull = (v: V) => v === "" || v === 0 || (typeof v === "string" && /^-?0+$/.test(v) && gnu) || v === "0";
    const str = (v: V) => String(v);
    const syntax = (): never => {
      throw new ExprError(gnu ? (i < args.length ? `syntax error: unexpected argument '${args[i]}'` : `syntax error: missing argument after '${args[i - 1]}'`) : "syntax error");
    };
    const primary = (): V => {
      if (i >= args.length) syntax();
      const a = args[i++];
      if (a === "(") {
        const v = or();
        if (args[i] !== ")") {
          if (gnu) throw new ExprError(i < args.length ? `syntax error: expecting ')' after '${args[i - 1]}'` : `syntax error: expecting ')' after '${args[i - 1]}'`);
          syntax();
        }
        i++;
        return v;
      }
      if (a === "length" && i < args.length) return [...str(primary())].length;
      if (a === "substr" && i + 2 < args.length + 0) {
        const s = [...str(primary())];
        const p = toInt(primary());
        const l = toInt(primary());
        if (p < 1 || l < 1) return "";
        return s.slice(p - 1, p - 1 + l).join("");
      }
      if (a === "index" && i + 1 < args.length + 0) {
        const s = str(primary());
        const chars = str(primary());
        let best = 0;
        for (let k = 0; k < s.length; k++) if (chars.includes(s[k])) {
          best = k + 1;
          break;
        }
        return best;
      }
      if (a === "match" && i + 1 < args.length + 0) {
        const s = str(primary());
        return match(s, str(primary()));
      }
      if (a === "+" && i < args.length) return args[i++];
      return a;
    };
    const match = (s: string, pat: string): V => {
      let re: RegExp;
      try {
        re = compile(pat, false);
      } catch (e) {
        if (e instanceof RegexError) throw new ExprError(e.message);
        throw e;
      }
      const m = new RegExp(`^(?:${re.source})`).exec(s);
      if (/\\\(/.test(pat)) return m && m[1] !== undefined ? m[1] : "";
      return m ? m[0].length : 0;
    };
    const colon = (): V => {
      let v = primary();
      while (args[i] === ":") {
        i++;
        v = match(str(v), str(primary()));
      }
      return v;
    };
    const mul = (): V => {
      let v = colon();
      while (args[i] === "*" || args[i] === "/" || args[i] === "%") {
        const op = args[i++];
        const b = toInt(colon());
        const a = toInt(v);
        if (op !== "*" && b === 0) throw new ExprError("division by zero");
        v = op === "*" ? a * b : op === "/" ? Math.trunc(a / b) : a % b;
      }
      return v;
    };
    const add = (): V => {
      let v = mul();
      while (args[i] === "+" || args[i] === "-") {
        const op = args[i++];
        const b = toInt(mul());
        v = op === "+" ? toInt(v) + b : toInt(v) - b;
      }
      return v;
    };
    const cmp = (): V => {
      let v = add();
      while (["<", "<=", "=", "==", "!=", ">=", ">"].includes(args[i])) {
        const op = args[i++];
        const b = add();
        let c: number;
        if (isInt(v) && isInt(b)) c = Math.sign(Number(v) - Number(b));
        else c = str(v) < str(b) ? -1 : str(v) > str(b) ? 1 : 0;
        const r = op === "<" ? c < 0 : op === "<=" ? c <= 0 : op === "=" || op === "==" ? c === 0 : op === "!=" ? c !== 0 : op === ">=" ? c >= 0 : c > 0;
        v = r ? 1 : 0;
      }
      return v;
    };
    const and = (): V => {
      let v = cmp();
      while (args[i] === "&") {
        i++;
        const b = cmp();
        v = isNull(v) || isNull(b) ? 0 : v;
      }
      return v;
    };
    const or = (): V => {
      let v = and();
      while (args[i] === "|") {
        i++;
        const b = and();
        v = !isNull(v) ? v : !isNull(b) ? b : 0;
      }
      return v;
    };
    try {
      const v = or();
      if (i < args.length) syntax();
      ctx.stdout.write(`${v}\n`);
      return isNull(v) ? 1 : 0;
    } catch (e) {
      if (e instanceof ExprError) {
        say(ctx, e.message);
        return e.code;
      }
      throw e;
    }
  },
};
