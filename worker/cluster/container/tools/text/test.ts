// test and [ as programs (/usr/bin/test; the shells have their own builtins, shell/test.ts):
// POSIX's rules by argument count, then ! -a -o ( ) over unary file and string tests and
// binary string, integer and file comparisons. 0 true, 1 false, 2 on a usage error.
import type { Stat, Tool, ToolContext } from "../../types";
import { name, say } from "./common";

class Syntax extends Error {}

const UNARY = new Set(["-e", "-f", "-d", "-r", "-w", "-x", "-s", "-L", "-h", "-b", "-c", "-p", "-S", "-z", "-n", "-t", "-g", "-u", "-k", "-O", "-G", "-N"]);
const BINARY = new Set(["=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"]);

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
  const int = (s: string): number => {
    if (!/^\s*[+-]?\d+\s*$/.test(s)) throw new Syntax(gnu ? `invalid integer '${s}'` : `${s}: bad number`);
    return Number(s);
  };
  const unary = (op: string, a: string): boolean => {
    switch (op) {
      case "-z": return a === "";
      case "-n": return a !== "";
      case "-t": return a === "0" ? ctx.stdin.tty : a === "1" ? ctx.stdout.tty : a === "2" ? ctx.stderr.tty : false;
      case "-L": case "-h": return stat(a, true)?.type === "symlink";
    }
    const st = stat(a);
    if (!st) return false;
    switch (op) {
      case "-e": return true;
      case "-f": return st.type === "file";
      case "-d": return st.type === "dir";
      case "-s": return st.size > 0;
      case "-b": return false;
      case "-c": return st.type === "chardev";
      case "-p": return st.type === "fifo";
      case "-S": return st.type === "socket";
      case "-r": case "-w": return true;
      case "-x": return (st.mode & 0o111) !== 0 || st.type === "dir";
      case "-u": return (st.mode & 0o4000) !== 0;
      case "-g": return (st.mode & 0o2000) !== 0;
      case "-k": return (st.mode & 0o1000) !== 0;
      case "-O": case "-G": return st.uid === 0;
      case "-N": return false;
    }
    return false;
  };
  const binary = (a: string, op: string, b: string): boolean => {
    switch (op) {
      case "=": case "==": return a === b;
      case "!=": return a !== b;
      case "<": return a < b;
      case ">": return a > b;
      case "-eq": return int(a) === int(b);
      case "-ne": return int(a) !== int(b);
      case "-lt": return int(a) < int(b);
      case "-le": return int(a) <= int(b);
      case "-gt": return int(a) > int(b);
      case "-ge": return int(a) >= int(b);
      case "-nt": case "-ot": {
        const x = stat(a);
        const y = stat(b);
        if (op === "-nt") return !!x && (!y || x.mtime > y.mtime);
        return !!y && (!x || x.mtime < y.mtime);
      }
      case "-ef": {
        const x = stat(a);
        const y = stat(b);
        return !!x && !!y && x.ino === y.ino && x.dev === y.dev;
      }
    }
    return false;
  };
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
