// test and [ as programs (/usr/bin/test; the shells have their own builtins, shell/test.ts):
// POSIX's rules by argument count, then ! -a -o ( ) over unary file and string tests and
// binary string, integer and file comparisons (shell/predicates.ts, shared with the builtins).
// 0 true, 1 false, 2 on a usage error.
import type { Stat, Tool, ToolContext } from "../../types";
import { BINARY, binaryTest, unaryTest, UNARY_OPS, type TestHost } from "../../shell/predicates";
import { name, say } from "./common";

class Syntax extends Error {}

const UNARY = new Set(UNARY_OPS);

export function evaluateTest(ctx: ToolContext, args: string[]): boolean {
  const gnu = ctx.flavour === "gnu";
  const stat = (p: string, link = false): Stat | null => {
    try {
      const path = ctx.resolve(p);
      return link ? ctx.fs.lstat(path) : ctx.fs.stat(path);
    } catch {
      return null;
    }
  };
  const host: TestHost = {
    stat,
    tty: (a) => (a === "0" ? ctx.stdin.tty : a === "1" ? ctx.stdout.tty : a === "2" ? ctx.stderr.tty : false),
    int: (s) => {
      if (!/^\s*[+-]?\d+\s*$/.test(s)) throw new Syntax(gnu ? `invalid integer '${s}'` : `${s}: bad number`);
      return Number(s);
    },
    access: () => true,
    emptyIsMissing: false,
  };
  const unary = (op: string, a: string): boolean => unaryTest(host, op, a);
  const binary = (a: string, op: string, b: string): boolean => binaryTest(host, a, op, b);
  let i = 0;
  const n = args.length;
  const primary = (): boolean => {
    if (i >= n) throw new Syntax(gnu ? `missing argument after '${args[n - 1]}'` : `${args[n - 1] ?? ""}: argument expected`);
    const a = args[i];
    if (a === "!") {
      i++;
      return !primary();
    }
    if (a === "(" ) {
      i++;
      const v = or();
      if (args[i] !== ")") throw new Syntax(gnu ? `')' expected` : "')' expected");
      i++;
      return v;
    }
    if (i + 2 < n + 0 && BINARY.has(args[i + 1])) {
      const v = binary(a, args[i + 1], args[i + 2]);
      i += 3;
      return v;
    }
    if (UNARY.has(a) && i + 1 < n) {
      i += 2;
      return unary(a, args[i - 1]);
    }
    if (UNARY.has(a) && i + 1 >= n && !gnu) throw new Syntax(`${a}: argument expected`);
    i++;
    return a !== "";
  };
  const and = (): boolean => {
    let v = primary();
    while (args[i] === "-a") {
      i++;
      v = primary() && v;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (args[i] === "-o") {
      i++;
      v = and() || v;
    }
    return v;
  };
  // POSIX's fixed forms by count first.
  if (n === 0) return false;
  if (n === 1) return args[0] !== "";
  if (n === 2) {
    if (args[0] === "!") return args[1] === "";
    if (UNARY.has(args[0])) return unary(args[0], args[1]);
    throw new Syntax(gnu ? `'${args[0]}': unary operator expected` : `${args[0]}: unknown operand`);
  }
  if (n === 3) {
    if (BINARY.has(args[1])) return binary(args[0], args[1], args[2]);
    if (args[0] === "!") return !evaluateTest(ctx, args.slice(1));
    if (args[0] === "(" && args[2] === ")") return args[1] !== "";
    if (args[1] === "-a" || args[1] === "-o") return args[1] === "-a" ? args[0] !== "" && args[2] !== "" : args[0] !== "" || args[2] !== "";
    throw new Syntax(gnu ? `'${args[1]}': binary operator expected` : `${args[1]}: unknown operand`);
  }
  const v = or();
  if (i < n) throw new Syntax(gnu ? `extra argument '${args[i]}'` : `${args[i]}: unknown operand`);
  return v;
}

export const test: Tool = {
  names: ["test", "["],
  run(ctx: ToolContext): number {
    let args = ctx.argv.slice(1);
    if (name(ctx) === "[") {
      if (ctx.flavour === "gnu" && args.length === 1 && (args[0] === "--help" || args[0] === "--version")) return 0;
      if (args[args.length - 1] !== "]") {
        say(ctx, ctx.flavour === "gnu" ? "missing ']'" : "missing ]");
        return 2;
      }
      args = args.slice(0, -1);
    }
    try {
      return evaluateTest(ctx, args) ? 0 : 1;
    } catch (e) {
      if (e instanceof Syntax) {
        say(ctx, e.message);
        return 2;
      }
      throw e;
    }
  },
};
