// awk's run: values (numbers, strings and the "strnum" input values that compare as numbers when
// they look like them), records and fields, the builtins, and statements walked over the tree.
// Actions run synchronously per record; the tool around this feeds records as they arrive.
import { formatNumber } from "../format";
import { compile } from "../regex";
import type { Expr, Program, Stmt } from "./parser";

export class StrNum {
  constructor(readonly s: string) {}
}
export type Val = number | string | StrNum | undefined;
type Cell = Val | Map<string, Val>;

const NUMERIC = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;
const PREFIX = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;

export class AwkError extends Error {}
class Next {}
class NextFile {}
export class Exit {
  constructor(readonly code: number) {}
}
class Return {
  constructor(readonly v: Val) {}
}
class Break {}
class Continue {}

export interface Host {
  write(s: string): void;
  /** print > file, >> file, | command: collected by the tool. */
  redirect(op: string, target: string, s: string): void;
  close(target: string): number;
  /** A file's lines for getline < file; null if it cannot be read. */
  readFile(path: string): string[] | null;
  /** Runs a command through sh -c: its output captured (cmd | getline) or passed on (system). */
  run(cmd: string, capture: boolean): { code: number; out: string };
  /** The next main-input record for plain getline; null at the end. */
  nextRecord(): string | null;
  now(): number;
  strftime(fmt: string, ms: number, utc: boolean): string;
  env: Record<string, string>;
  fatal(msg: string): never;
}

export function toNum(v: Val): number {
  if (v === undefined) return 0;
  if (typeof v === "number") return v;
  const s = typeof v === "string" ? v : v.s;
  const m = PREFIX.exec(s);
  if (!m) {
    const t = s.trim().toLowerCase();
    if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(t)) return Number.NaN;
    return 0;
  }
  return Number(m[0]);
}

export class Interp {
  globals = new Map<string, Cell>();
  private frames: Array<Map<string, Cell>> = [];
  private fields: string[] | null = null;
  private record = "";
  private regexCache = new Map<string, RegExp>();
  private getlineFiles = new Map<string, { lines: string[]; at: number }>();
  private rangeActive: boolean[] = [];
  private seed = 0;
  private randState = 0;

  constructor(
    readonly prog: Program,
    readonly host: Host,
  ) {
    const g = this.globals;
    g.set("FS", " ");
    g.set("OFS", " ");
    g.set("ORS", "\n");
    g.set("RS", "\n");
    g.set("NR", 0);
    g.set("NF", 0);
    g.set("FNR", 0);
    g.set("SUBSEP", "\x1c");
    g.set("CONVFMT", "%.6g");
    g.set("OFMT", "%.6g");
    g.set("RSTART", 0);
    g.set("RLENGTH", -1);
    g.set("FILENAME", "");
    const env = new Map<string, Val>();
    for (const [k, v] of Object.entries(host.env)) env.set(k, new StrNum(v));
    g.set("ENVIRON", env);
    this.randState = this.seed;
  }

  // ---- values

  str(v: Val, fmt = "CONVFMT"): string {
    if (v === undefined) return "";
    if (typeof v === "string") return v;
    if (v instanceof StrNum) return v.s;
    if (Number.isInteger(v)) return Math.abs(v) < 1e16 ? String(v) : formatNumber(v, "d", "", undefined);
    if (Number.isNaN(v)) return "nan";
    if (!Number.isFinite(v)) return v > 0 ? "inf" : "-inf";
    return this.sprintf(this.str(this.getVar(fmt)), [v]);
  }

  private numeric(v: Val): boolean {
    return v === undefined || typeof v === "number" || (v instanceof StrNum && NUMERIC.test(v.s));
  }

  private truthy(v: Val): boolean {
    if (v === undefined) return false;
    if (typeof v === "number") return v !== 0;
    if (typeof v === "string") return v !== "";
    return NUMERIC.test(v.s) ? toNum(v) !== 0 : v.s !== "";
  }

  regex(src: string): RegExp {
    let re = this.regexCache.get(src);
    if (!re) {
      try {
        re = compile(src, true, "", { awk: true });
      } catch (e) {
        this.host.fatal(`regular expression compile failed (${(e as Error).message})\n${src}`);
      }
      this.regexCache.set(src, re);
    }
    return re;
  }

  private reOf(e: Expr): RegExp {
    if (e.k === "re") return this.regex(e.v);
    return this.regex(this.str(this.eval(e)));
  }

  // ---- variables

  private lookup(name: string): Map<string, Cell> {
    const f = this.frames[this.frames.length - 1];
    if (f && f.has(name)) return f;
    return this.globals;
  }

  getVar(name: string): Val {
    if (name === "NF") {
      this.split();
      return this.fields!.length;
    }
    const c = this.lookup(name).get(name);
    if (c instanceof Map) this.host.fatal(`attempt to use array \`${name}' in a scalar context`);
    return c;
  }

  setVar(name: string, v: Val): void {
    if (name === "NF") {
      this.split();
      const n = Math.max(0, Math.trunc(toNum(v)));
      while (this.fields!.length < n) this.fields!.push("");
      this.fields!.length = n;
      this.rebuild();
      return;
    }
    const scope = this.lookup(name);
    if (scope.get(name) instanceof Map) this.host.fatal(`attempt to use array \`${name}' in a scalar context`);
    scope.set(name, v);
  }

  array(name: string): Map<string, Val> {
    const scope = this.lookup(name);
    let c = scope.get(name);
    if (c === undefined) {
      c = new Map();
      scope.set(name, c);
    }
    if (!(c instanceof Map)) this.host.fatal(`can't use scalar \`${name}' as array`);
    return c;
  }

  private key(subs: Expr[]): string {
    return subs.map((s) => this.str(this.eval(s))).join(this.str(this.getVar("SUBSEP")));
  }

  // ---- records and fields

  setRecord(line: string): void {
    this.record = line;
    this.fields = null;
  }

  private splitWith(s: string, fs: string): string[] {
    if (fs === " ") {
      const t = s.replace(/^[ \t\n]+|[ \t\n]+$/g, "");
      return t === "" ? [] : t.split(/[ \t\n]+/);
    }
    if (s === "") return [];
    if (fs.length === 1 && fs !== "\\") return s.split(fs === "\t" ? "\t" : fs);
    return s.split(new RegExp(this.regex(fs).source, "g"));
  }

  private split(): void {
    if (this.fields === null) this.fields = this.splitWith(this.record, this.str(this.getVar("FS")));
  }

  private rebuild(): void {
    this.record = this.fields!.join(this.str(this.getVar("OFS")));
  }

  private getField(i: number): Val {
    if (i < 0) this.host.fatal(`trying to access out of range field ${i}`);
    if (i === 0) return new StrNum(this.record);
    this.split();
    const f = this.fields![i - 1];
    return f === undefined ? undefined : new StrNum(f);
  }

  private setField(i: number, v: Val): void {
    if (i === 0) {
      this.setRecord(this.str(v));
      return;
    }
    this.split();
    while (this.fields!.length < i) this.fields!.push("");
    this.fields![i - 1] = this.str(v);
    this.rebuild();
  }

  // ---- evaluation

  private assignTo(target: Expr, v: Val): Val {
    if (target.k === "var") this.setVar(target.name, v);
    else if (target.k === "idx") this.array(target.name).set(this.key(target.subs), v);
    else if (target.k === "field") this.setField(Math.trunc(toNum(this.eval(target.e))), v);
    else if (target.k === "group" && target.list.length === 1) return this.assignTo(target.list[0], v);
    else this.host.fatal("assignment to a non-variable");
    return v;
  }

  eval(e: Expr): Val {
    switch (e.k) {
      case "num": return e.v;
      case "str": return e.v;
      case "re": {
        const re = this.regex(e.v);
        re.lastIndex = 0;
        return re.test(this.record) ? 1 : 0;
      }
      case "group": return this.eval(e.list[e.list.length - 1]);
      case "var": return this.getVar(e.name);
      case "idx": {
        const a = this.array(e.name);
        const k = this.key(e.subs);
        if (!a.has(k)) a.set(k, undefined);
        return a.get(k);
      }
      case "field": return this.getField(Math.trunc(toNum(this.eval(e.e))));
      case "assign": {
        if (e.op === "=") return this.assignTo(e.target, this.copy(this.eval(e.e)));
        const r = toNum(this.eval(e.e));
        const l = toNum(this.eval(e.target));
        return this.assignTo(e.target, this.arith(e.op.slice(0, -1), l, r));
      }
      case "cond": return this.truthy(this.eval(e.c)) ? this.eval(e.a) : this.eval(e.b);
      case "or": return this.truthy(this.eval(e.a)) || this.truthy(this.eval(e.b)) ? 1 : 0;
      case "and": return this.truthy(this.eval(e.a)) && this.truthy(this.eval(e.b)) ? 1 : 0;
      case "in": return this.array(e.name).has(this.key(e.subs)) ? 1 : 0;
      case "match": {
        const s = this.str(this.eval(e.a));
        const re = this.reOf(e.re);
        re.lastIndex = 0;
        return re.test(s) !== e.neg ? 1 : 0;
      }
      case "un": {
        if (e.op === "!") return this.truthy(this.eval(e.e)) ? 0 : 1;
        const n = toNum(this.eval(e.e));
        return e.op === "-" ? -n : n;
      }
      case "incdec": {
        const old = toNum(this.eval(e.target));
        const nv = e.op === "++" ? old + 1 : old - 1;
        this.assignTo(e.target, nv);
        return e.prefix ? nv : old;
      }
      case "bin": {
        if (e.op === " ") return this.str(this.eval(e.a)) + this.str(this.eval(e.b));
        if (["<", "<=", "==", "!=", ">=", ">"].includes(e.op)) {
          const a = this.eval(e.a);
          const b = this.eval(e.b);
          let c: number;
          if (this.numeric(a) && this.numeric(b)) {
            const x = toNum(a);
            const y = toNum(b);
            c = x < y ? -1 : x > y ? 1 : 0;
          } else {
            const x = this.str(a);
            const y = this.str(b);
            c = x < y ? -1 : x > y ? 1 : 0;
          }
          switch (e.op) {
            case "<": return c < 0 ? 1 : 0;
            case "<=": return c <= 0 ? 1 : 0;
            case "==": return c === 0 ? 1 : 0;
            case "!=": return c !== 0 ? 1 : 0;
            case ">=": return c >= 0 ? 1 : 0;
            default: return c > 0 ? 1 : 0;
          }
        }
        return this.arith(e.op, toNum(this.eval(e.a)), toNum(this.eval(e.b)));
      }
      case "call": return this.call(e.name, e.args);
      case "builtin": return this.builtin(e.name, e.args);
      case "getline": return this.getline(e);
    }
  }

  private copy(v: Val): Val {
    return v;
  }

  private arith(op: string, a: number, b: number): number {
    switch (op) {
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      case "/":
        if (b === 0) this.host.fatal("division by zero");
        return a / b;
      case "%":
        if (b === 0) this.host.fatal("division by zero in %");
        return a % b;
      case "^": return a ** b;
    }
    return 0;
  }

  private getline(e: Expr & { k: "getline" }): Val {
    let line: string | null;
    if (e.file || e.cmd) {
      const path = this.str(this.eval((e.file ?? e.cmd)!));
      const key = `${e.cmd ? "|" : "<"}${path}`;
      let f = this.getlineFiles.get(key);
      if (!f) {
        let lines: string[] | null;
        if (e.cmd) {
          const out = this.host.run(path, true).out;
          lines = out === "" ? [] : (out.endsWith("\n") ? out.slice(0, -1) : out).split("\n");
        } else lines = this.host.readFile(path);
        if (!lines) return -1;
        f = { lines, at: 0 };
        this.getlineFiles.set(key, f);
      }
      if (f.at >= f.lines.length) return 0;
      line = f.lines[f.at++];
      if (e.target) this.assignTo(e.target, new StrNum(line));
      else this.setRecord(line);
      if (!e.target && e.cmd) this.globals.set("NR", toNum(this.globals.get("NR") as Val) + 1);
      return 1;
    }
    line = this.host.nextRecord();
    if (line === null) return 0;
    this.globals.set("NR", toNum(this.globals.get("NR") as Val) + 1);
    this.globals.set("FNR", toNum(this.globals.get("FNR") as Val) + 1);
    if (e.target) this.assignTo(e.target, new StrNum(line));
    else this.setRecord(line);
    return 1;
  }

  private call(name: string, args: Expr[]): Val {
    const fn = this.prog.funcs.get(name);
    if (!fn) this.host.fatal(`calling undefined function ${name}`);
    const frame = new Map<string, Cell>();
    fn.params.forEach((p, i) => {
      const a = args[i];
      if (!a) {
        frame.set(p, undefined);
        return;
      }
      if (a.k === "var") {
        const scope = this.lookup(a.name);
        const cur = scope.get(a.name);
        if (cur instanceof Map) {
          frame.set(p, cur);
          return;
        }
        if (cur === undefined && this.usedAsArray(fn.body, p)) {
          const m = new Map<string, Val>();
          scope.set(a.name, m);
          frame.set(p, m);
          return;
        }
      }
      frame.set(p, this.eval(a));
    });
    if (this.frames.length > 1000) this.host.fatal("function call nesting too deep");
    this.frames.push(frame);
    try {
      this.execAll(fn.body);
      return undefined;
    } catch (x) {
      if (x instanceof Return) return x.v;
      throw x;
    } finally {
      this.frames.pop();
    }
  }

  private usedAsArray(body: Stmt[], name: string): boolean {
    return JSON.stringify(body).includes(`"name":"${name}","subs"`) || JSON.stringify(body).includes(`"arr":"${name}"`);
  }

  sprintf(fmt: string, vals: Val[]): string {
    let out = "";
    let ai = 0;
    const next = () => vals[ai++];
    for (let i = 0; i < fmt.length; i++) {
      const c = fmt[i];
      if (c !== "%") {
        out += c;
        continue;
      }
      const m = /^%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d*))?([hlLqjzt]*)(.?)/.exec(fmt.slice(i))!;
      i += m[0].length - 1;
      const [, flags, w, p, , conv] = m;
      if (conv === "%") {
        out += "%";
        continue;
      }
      let width = w === "*" ? Math.trunc(toNum(next())) : w ? Number(w) : undefined;
      let left = flags.includes("-");
      if (width !== undefined && width < 0) {
        left = true;
        width = -width;
      }
      const prec = p === undefined ? undefined : p === "*" ? Math.trunc(toNum(next())) : Number(p || 0);
      let s: string;
      let zero = false;
      switch (conv) {
        case "s": {
          s = this.str(next());
          if (prec !== undefined) s = s.slice(0, prec);
          break;
        }
        case "c": {
          const v = next();
          s = typeof v === "number" ? String.fromCodePoint(Math.trunc(v)) : this.str(v).slice(0, 1);
          break;
        }
        case "d": case "i": case "o": case "x": case "X": case "u": case "e": case "E": case "f": case "F": case "g": case "G": {
          const v = toNum(next());
          s = formatNumber(v, conv === "i" ? "d" : conv, flags, prec);
          zero = Number.isFinite(v) && !("diouxX".includes(conv) && prec !== undefined);
          break;
        }
        default:
          out += m[0];
          continue;
      }
      if (width !== undefined && s.length < width) {
        if (left) s += " ".repeat(width - s.length);
        else if (zero && flags.includes("0")) {
          const sign = /^[+\- ]/.exec(s)?.[0] ?? "";
          s = sign + "0".repeat(width - s.length) + s.slice(sign.length);
        } else s = " ".repeat(width - s.length) + s;
      }
      out += s;
    }
    return out;
  }

  private substitute(args: Expr[], global: boolean): number {
    const re = this.reOf(args[0]);
    const repl = this.str(this.eval(args[1]));
    const target = args[2] ?? ({ k: "field", e: { k: "num", v: 0 } } as Expr);
    const s = this.str(this.eval(target));
    let count = 0;
    const g = new RegExp(re.source, "g");
    const result = s.replace(g, (m) => {
      if (!global && count > 0) return m;
      count++;
      let r = "";
      for (let i = 0; i < repl.length; i++) {
        if (repl[i] === "\\" && repl[i + 1] === "&") {
          r += "&";
          i++;
        } else if (repl[i] === "\\" && repl[i + 1] === "\\") {
          r += "\\";
          i++;
        } else if (repl[i] === "&") r += m;
        else r += repl[i];
      }
      return r;
    });
    if (count > 0) this.assignTo(target, result);
    return count;
  }

  private builtin(name: string, args: Expr[]): Val {
    const arg = (i: number) => (args[i] ? this.eval(args[i]) : undefined);
    switch (name) {
      case "length": {
        if (args.length === 0) return this.record.length;
        const a = args[0];
        if (a.k === "var") {
          const c = this.lookup(a.name).get(a.name);
          if (c instanceof Map) return c.size;
        }
        return [...this.str(arg(0))].length;
      }
      case "substr": {
        const s = [...this.str(arg(0))];
        const m = toNum(arg(1));
        const start = Math.round(m);
        const len = args.length > 2 ? Math.round(toNum(arg(2))) : Infinity;
        const from = Math.max(start, 1);
        const to = Math.min(start + len, s.length + 1);
        return to > from ? s.slice(from - 1, to - 1).join("") : "";
      }
      case "index": {
        const s = this.str(arg(0));
        const t = this.str(arg(1));
        return s.indexOf(t) + 1;
      }
      case "split": {
        const s = this.str(arg(0));
        const a = args[1];
        if (!a || a.k !== "var") this.host.fatal("split: second argument is not an array");
        const arr = this.array(a.name);
        arr.clear();
        let parts: string[];
        if (args[2]) {
          const sep = args[2].k === "re" ? args[2].v : this.str(this.eval(args[2]));
          parts = args[2].k === "re" ? (s === "" ? [] : s.split(new RegExp(this.regex(sep).source, "g"))) : this.splitWith(s, sep);
        } else parts = this.splitWith(s, this.str(this.getVar("FS")));
        parts.forEach((p, i) => arr.set(String(i + 1), new StrNum(p)));
        return parts.length;
      }
      case "sub": return this.substitute(args, false);
      case "gsub": return this.substitute(args, true);
      case "match": {
        const s = this.str(arg(0));
        const re = this.reOf(args[1]);
        re.lastIndex = 0;
        const m = re.exec(s);
        this.globals.set("RSTART", m ? m.index + 1 : 0);
        this.globals.set("RLENGTH", m ? m[0].length : -1);
        return m ? m.index + 1 : 0;
      }
      case "sprintf": return args.length ? this.sprintf(this.str(arg(0)), args.slice(1).map((a) => this.eval(a))) : "";
      case "toupper": return this.str(arg(0)).toUpperCase();
      case "tolower": return this.str(arg(0)).toLowerCase();
      case "int": return Math.trunc(toNum(arg(0)));
      case "sqrt": return Math.sqrt(toNum(arg(0)));
      case "exp": return Math.exp(toNum(arg(0)));
      case "log": return Math.log(toNum(arg(0)));
      case "sin": return Math.sin(toNum(arg(0)));
      case "cos": return Math.cos(toNum(arg(0)));
      case "atan2": return Math.atan2(toNum(arg(0)), toNum(arg(1)));
      case "rand": {
        // A small LCG: repeatable from the seed, as awk's rand() is.
        this.randState = (this.randState * 1103515245 + 12345) % 2147483648;
        return this.randState / 2147483648;
      }
      case "srand": {
        const prev = this.seed;
        this.seed = args.length ? Math.trunc(toNum(arg(0))) : Math.floor(this.host.now() / 1000);
        this.randState = this.seed;
        return prev;
      }
      case "systime": return Math.floor(this.host.now() / 1000);
      case "strftime": {
        const fmt = args.length ? this.str(arg(0)) : "%a %b %e %H:%M:%S %Z %Y";
        const ts = args.length > 1 ? toNum(arg(1)) * 1000 : this.host.now();
        return this.host.strftime(fmt, ts, args.length > 2 && this.truthy(arg(2)));
      }
      case "close": {
        const t = this.str(arg(0));
        const had = this.getlineFiles.delete(`|${t}`) || this.getlineFiles.delete(`<${t}`);
        return this.host.close(t) === 0 || had ? 0 : -1;
      }
      case "fflush": return 0;
      case "system": return this.host.run(this.str(arg(0)), false).code;
    }
    return undefined;
  }

  // ---- statements

  execAll(body: Stmt[]): void {
    for (const s of body) this.exec(s);
  }

  exec(s: Stmt): void {
    switch (s.k) {
      case "expr": this.eval(s.e); return;
      case "print": {
        let out: string;
        if (s.printf) {
          if (!s.args.length) this.host.fatal("printf: no format");
          out = this.sprintf(this.str(this.eval(s.args[0])), s.args.slice(1).map((a) => this.eval(a)));
        } else {
          const parts = s.args.length ? s.args.map((a) => this.str(this.eval(a), "OFMT")) : [this.record];
          out = parts.join(this.str(this.getVar("OFS"))) + this.str(this.getVar("ORS"));
        }
        if (s.redir) this.host.redirect(s.redir.op, this.str(this.eval(s.redir.e)), out);
        else this.host.write(out);
        return;
      }
      case "if":
        if (this.truthy(this.eval(s.c))) this.exec(s.a);
        else if (s.b) this.exec(s.b);
        return;
      case "while":
        while (this.truthy(this.eval(s.c))) {
          try {
            this.exec(s.body);
          } catch (x) {
            if (x instanceof Break) break;
            if (x instanceof Continue) continue;
            throw x;
          }
        }
        return;
      case "do":
        do {
          try {
            this.exec(s.body);
          } catch (x) {
            if (x instanceof Break) break;
            if (x instanceof Continue) continue;
            throw x;
          }
        } while (this.truthy(this.eval(s.c)));
        return;
      case "for":
        if (s.init) this.exec(s.init);
        while (!s.c || this.truthy(this.eval(s.c))) {
          try {
            this.exec(s.body);
          } catch (x) {
            if (x instanceof Break) break;
            if (!(x instanceof Continue)) throw x;
          }
          if (s.step) this.exec(s.step);
        }
        return;
      case "forin": {
        const arr = this.array(s.arr);
        for (const k of [...arr.keys()]) {
          if (!arr.has(k)) continue;
          this.assignTo(s.v, new StrNum(k));
          try {
            this.exec(s.body);
          } catch (x) {
            if (x instanceof Break) break;
            if (x instanceof Continue) continue;
            throw x;
          }
        }
        return;
      }
      case "block": this.execAll(s.body); return;
      case "next": throw new Next();
      case "nextfile": throw new NextFile();
      case "break": throw new Break();
      case "continue": throw new Continue();
      case "exit": throw new Exit(s.e ? Math.trunc(toNum(this.eval(s.e))) : 0);
      case "return": throw new Return(s.e ? this.eval(s.e) : undefined);
      case "delete":
        if (s.subs) this.array(s.name).delete(this.key(s.subs));
        else this.array(s.name).clear();
        return;
    }
  }

  /** Runs BEGIN or END actions. */
  runSpecial(kind: "begin" | "end"): void {
    for (const item of this.prog.items) if (item.kind === kind) this.execAll(item.body ?? []);
  }

  /** One record through the main items; returns "nextfile" when the action asked for it. */
  runRecord(line: string): "nextfile" | void {
    this.setRecord(line);
    this.globals.set("NR", toNum(this.globals.get("NR") as Val) + 1);
    this.globals.set("FNR", toNum(this.globals.get("FNR") as Val) + 1);
    try {
      this.prog.items.forEach((item, idx) => {
        if (item.kind !== "main") return;
        let sel: boolean;
        if (!item.pattern) sel = true;
        else if (item.range) {
          if (this.rangeActive[idx]) {
            sel = true;
            if (this.truthy(this.eval(item.range))) this.rangeActive[idx] = false;
          } else if (this.truthy(this.eval(item.pattern))) {
            sel = true;
            this.rangeActive[idx] = !this.truthy(this.eval(item.range));
          } else sel = false;
        } else sel = this.truthy(this.eval(item.pattern));
        if (!sel) return;
        if (item.body) this.execAll(item.body);
        else this.host.write(this.record + this.str(this.getVar("ORS")));
      });
    } catch (x) {
      if (x instanceof Next) return;
      if (x instanceof NextFile) return "nextfile";
      throw x;
    }
  }

  hasMain(): boolean {
    return this.prog.items.some((i) => i.kind !== "begin");
  }

  static isControl(x: unknown): boolean {
    return x instanceof Next || x instanceof Break || x instanceof Continue || x instanceof Return;
  }
}
