// The interpreter: walks ast.ts as generators, so a script pauses where a tool sleeps or input
// has not arrived and resumes there. State (variables, functions, fds, cwd) lives on a Shell;
// subshells, pipeline stages, $(..) and background jobs run on a fork of it.
import type { ContainerWorld, Effect, FileSystem, Flavour, Input, Output, Tool } from "../types";
import { FsError, FS_MESSAGES } from "../types";
import { normalize } from "../fs/memory";
import { lookPath, spawn, type SpawnError } from "../spawn";
import { ArithError, evalArith } from "./arith";
import type { AndOr, Assign, Command, CondNode, List, ParamPart, Pipeline, Redir, Word, WordPart } from "./ast";
import { findBuiltin, SPECIAL_BUILTINS } from "./builtins";
import { BufferOutput, emptyInput, FileOutput, isInput, isOutput, NULL_OUTPUT, Pipe, SigPipe, TextInput, type Fd } from "./io";
import { BadSubstitution, isName, literalOf, ParseError, Parser, type Dialect } from "./parse";
import { hasPattern, matchPattern, patternSource, removeAffix, replacePattern, type PatSeg } from "./pattern";
import { evalTest } from "./test";

export type Gen<T = number> = Generator<Effect, T, void>;

export interface Var {
  value: string | string[];
  exported: boolean;
  readonly: boolean;
}

// Control flow as exceptions: they unwind generator frames like the C shells' longjmps.
export class ShellExit extends Error {
  constructor(readonly status: number) {
    super("exit");
  }
}
/** An error that ends a non-interactive shell (and aborts the command line in an interactive one). */
export class ShellFatal extends Error {
  constructor(readonly status: number) {
    super("fatal");
  }
}
export class BreakSignal {
  constructor(public n: number) {}
}
export class ContinueSignal {
  constructor(public n: number) {}
}
export class ReturnSignal {
  constructor(readonly status: number) {}
}
/** bash: an expansion error already printed ends the rest of the command line (status 1). */
export class LineAbort extends Error {
  constructor(readonly status: number) {
    super("line abort");
  }
}
/** A command's error already printed; the command fails with this status. */
class CommandError extends Error {
  constructor(readonly status: number) {
    super("command error");
  }
}

interface Seg {
  text: string;
  quoted: boolean;
  /** From an unquoted expansion: field splitting applies. */
  split: boolean;
  /** A hard field break (between "$@"'s elements). */
  brk?: boolean;
}
interface Field {
  segs: Seg[];
  keep: boolean;
}

interface Job {
  id: number;
  pid: number;
  gen: Gen;
  wake: number;
  status: number | null;
  cmd: string;
}

export interface ShellInit {
  dialect: Dialect;
  name: string;
  env: Record<string, string>;
  cwd: string;
  stdin: Input;
  stdout: Output;
  stderr: Output;
  fs: FileSystem;
  now(): number;
  flavour: Flavour;
  world: ContainerWorld;
  tools?: (name: string) => Tool | undefined;
}

export class Shell {
  dialect: Dialect;
  /** argv[0] of the shell as messages name it ($0). */
  arg0: string;
  vars = new Map<string, Var>();
  funcs = new Map<string, Command & { t: "func" }>();
  aliases = new Map<string, string>();
  positional: string[] = [];
  opts = { e: false, u: false, x: false, f: false, C: false, n: false, v: false, pipefail: false, a: false, m: false };
  cwd: string;
  fds = new Map<number, Fd>();
  status = 0;
  lastBg: number | null = null;
  readonly pid: number;
  lineno = 1;
  /** How the shell reads commands: it changes how messages name the line. */
  mode: "c" | "script" | "stdin" = "c";
  interactive = false;
  traps = new Map<string, string>();
  jobs: Job[] = [];
  history: string[] = [];
  fs: FileSystem;
  world: ContainerWorld;
  flavour: Flavour;
  now: () => number;
  tools: ((name: string) => Tool | undefined) | undefined;
  startTime: number;
  private sinceYield = 0;
  private localFrames: Map<string, Var | undefined>[] = [];
  private loopDepth = 0;
  private errexitOff = 0;
  private substStatus: number | null = null;
  private rand: number;
  private nextPid: { n: number };
  /** The builtin running now (ash names it in messages). */
  currentBuiltin: string | null = null;
  getoptsState = { optind: 1, sub: 0 };
  umask = 0o022;
  subshell = 0;
  /** `export x` before x is set: exported once it is. */
  pendingExports = new Set<string>();
  /** Set by `exec` without a command: its redirections stay. */
  keepRedirs = false;
  /** Inside `.`: return is allowed. */
  sourcing = 0;

  constructor(init: ShellInit) {
    this.dialect = init.dialect;
    this.arg0 = init.name;
    this.cwd = init.cwd;
    this.fs = init.fs;
    this.world = init.world;
    this.flavour = init.flavour;
    this.now = init.now;
    this.tools = init.tools;
    this.startTime = init.now();
    this.pid = init.world.processes.self;
    this.rand = (this.pid * 7919 + Math.floor(this.startTime / 1000)) >>> 0;
    this.nextPid = { n: this.pid + 1 };
    this.fds.set(0, init.stdin);
    this.fds.set(1, init.stdout);
    this.fds.set(2, init.stderr);
    for (const [k, v] of Object.entries(init.env)) this.vars.set(k, { value: v, exported: true, readonly: false });
    const def = (k: string, v: string) => {
      if (!this.vars.has(k)) this.vars.set(k, { value: v, exported: false, readonly: false });
    };
    def("IFS", " \t\n");
    def("PS2", "> ");
    def("PS4", "+ ");
    def("OPTIND", "1");
    this.setVar("PWD", init.cwd);
    this.vars.get("PWD")!.exported = true;
    if (this.dialect === "bash") {
      def("BASH", "/bin/bash");
      def("BASH_VERSION", "5.2.15(1)-release");
      def("HOSTNAME", init.world.hostname);
      def("HOSTTYPE", init.world.system.machine);
      def("MACHTYPE", `${init.world.system.machine}-pc-linux-gnu`);
      def("OSTYPE", "linux-gnu");
      def("SHELL", "/bin/bash");
    }
    const shlvl = Number(init.env.SHLVL ?? "0");
    this.vars.set("SHLVL", { value: String((Number.isFinite(shlvl) ? shlvl : 0) + 1), exported: true, readonly: false });
  }

  get bash(): boolean {
    return this.dialect === "bash";
  }

  /** A copy for a subshell, a pipeline stage, $(..) or a background job. */
  fork(): Shell {
    const f: Shell = Object.create(Shell.prototype);
    Object.assign(f, this);
    f.vars = new Map([...this.vars].map(([k, v]) => [k, { ...v, value: Array.isArray(v.value) ? [...v.value] : v.value }]));
    f.funcs = new Map(this.funcs);
    f.aliases = new Map(this.aliases);
    f.positional = [...this.positional];
    f.opts = { ...this.opts };
    f.fds = new Map(this.fds);
    f.traps = new Map();
    f.jobs = [];
    f.localFrames = [];
    f.sinceYield = 0;
    f.loopDepth = 0;
    f.interactive = false;
    f.subshell = this.subshell + 1;
    f.getoptsState = { ...this.getoptsState };
    return f;
  }

  // -------------------------------------------------------------------------------------------
  // Variables

  getVar(name: string): string | undefined {
    switch (name) {
      case "RANDOM":
        if (this.dialect !== "bash" && this.dialect !== "ash") break;
        this.rand = (Math.imul(this.rand, 1103515245) + 12345) >>> 0;
        return String((this.rand >>> 16) & 0x7fff);
      case "SECONDS":
        if (this.dialect !== "bash") break;
        return String(Math.floor((this.now() - this.startTime) / 1000));
      case "LINENO":
        return String(this.lineno);
      case "PPID":
        return String(this.world.processes.list().find((p) => p.pid === this.pid)?.ppid ?? 0);
      case "BASHPID":
        if (this.dialect === "bash") return String(this.pid + this.subshell);
        break;
      case "EPOCHSECONDS":
        if (this.dialect === "bash") return String(Math.floor(this.now() / 1000));
        break;
      case "UID":
      case "EUID":
        if (this.dialect === "bash" && !this.vars.has(name)) return "0";
        break;
    }
    const v = this.vars.get(name);
    if (!v) return undefined;
    return Array.isArray(v.value) ? (v.value[0] ?? "") : v.value;
  }

  setVar(name: string, value: string, index?: number): void {
    const v = this.vars.get(name);
    if (v?.readonly) this.readonlyError(name);
    if (index !== undefined) {
      const arr = v ? (Array.isArray(v.value) ? v.value : [v.value]) : [];
      arr[index] = value;
      for (let i = 0; i < arr.length; i++) if (arr[i] === undefined) arr[i] = "";
      if (v) v.value = arr;
      else this.vars.set(name, { value: arr, exported: this.opts.a, readonly: false });
      return;
    }
    if (v) {
      if (Array.isArray(v.value)) v.value[0] = value;
      else v.value = value;
    } else this.vars.set(name, { value, exported: this.opts.a || this.pendingExports.delete(name), readonly: false });
  }

  private readonlyError(name: string): never {
    if (this.dialect === "bash") {
      this.error(`${name}: readonly variable`, this.currentBuiltin === null ? null : undefined);
      throw this.currentBuiltin === null ? new LineAbort(1) : new CommandError(1);
    }
    this.error(`${name}: is read only`);
    throw new ShellFatal(2);
  }

  /** The path execvp would run for a name, or null. */
  lookPath(name: string): string | null {
    return lookPath(name, this.getVar("PATH"), this.cwd, this.fs);
  }

  setArray(name: string, values: string[]): void {
    const v = this.vars.get(name);
    if (v?.readonly) this.readonlyError(name);
    if (v) v.value = values;
    else this.vars.set(name, { value: values, exported: false, readonly: false });
  }

  unsetVar(name: string): boolean {
    const v = this.vars.get(name);
    if (v?.readonly) return false;
    this.vars.delete(name);
    return true;
  }

  /** Inside a function: `local` saves the variable's old value to restore on return. */
  makeLocal(name: string): boolean {
    const frame = this.localFrames[this.localFrames.length - 1];
    if (!frame) return false;
    if (!frame.has(name)) {
      const old = this.vars.get(name);
      frame.set(name, old ? { ...old } : undefined);
    }
    return true;
  }

  exportedEnv(): Record<string, string> {
    const env: Record<string, string> = {};
    for (const [k, v] of this.vars) if (v.exported) env[k] = Array.isArray(v.value) ? (v.value[0] ?? "") : v.value;
    return env;
  }

  /** $- */
  flags(): string {
    const o = this.opts;
    if (this.bash) {
      // bash lists its letters in the order of its flags table, then i, then c or s
      const on: Record<string, boolean> = { a: o.a, e: o.e, f: o.f, h: true, m: o.m || this.interactive, n: o.n, u: o.u, v: o.v, x: o.x, B: true, C: o.C, H: this.interactive };
      let s = "abefhkmnptuvxBCHP".split("").filter((c) => on[c]).join("");
      if (this.interactive) s += "i";
      if (this.mode === "c") s += "c";
      if (this.mode === "stdin" && !this.interactive) s += "s";
      return s;
    }
    const on: Record<string, boolean> = { e: o.e, f: o.f, i: this.interactive, m: o.m || this.interactive, n: o.n, s: this.mode === "stdin", x: o.x, v: o.v, C: o.C, a: o.a, u: o.u };
    const s = "efIimnsxvVECabu".split("").filter((c) => on[c]).join("");
    return this.dialect === "ash" && this.mode === "c" ? s + "c" : s;
  }

  random(): number {
    this.rand = (Math.imul(this.rand, 1103515245) + 12345) >>> 0;
    return (this.rand >>> 16) & 0x7fff;
  }

  newPid(): number {
    return this.nextPid.n++;
  }

  // -------------------------------------------------------------------------------------------
  // Output and messages

  write(fd: number, s: string): void {
    const f = this.fds.get(fd);
    if (isOutput(f)) f.write(s);
  }

  out(s: string): void {
    this.write(1, s);
  }

  stdin(): Input {
    const f = this.fds.get(0);
    return isInput(f) ? f : emptyInput();
  }

  /** The prefix a shell puts before its messages ("sh: ", "bash: line 1: ", "sh: 1: "). */
  prefix(builtin?: string | null): string {
    const b = builtin === undefined ? this.currentBuiltin : builtin;
    if (this.dialect === "bash") {
      const where = this.interactive ? `${this.arg0}: ` : `${this.arg0}: line ${this.lineno}: `;
      return where + (b ? `${b}: ` : "");
    }
    if (this.dialect === "dash") return `${this.arg0}: ${this.lineno}: ` + (b ? `${b}: ` : "");
    // busybox ash: commandname is the builtin running, or the script being read
    const cmdname = b ?? (this.mode === "script" ? this.arg0 : null);
    let s = `${this.arg0}: `;
    if (cmdname) {
      if (cmdname !== this.arg0) s += `${cmdname}: `;
      // busybox counts the lines of a -c string from 0
      if (!this.interactive) s += `line ${this.mode === "c" ? this.lineno - 1 : this.lineno}: `;
    }
    return s;
  }

  /** Writes "<prefix>message" to stderr. */
  error(message: string, builtin?: string | null): void {
    this.write(2, this.prefix(builtin) + message + "\n");
  }

  // -------------------------------------------------------------------------------------------
  // Time: every effect leaves through pass(), where background jobs get their turn

  *pass(e: Effect): Gen<void> {
    this.sinceYield = 0;
    if (!this.jobs.some((j) => j.status === null)) {
      yield e;
      return;
    }
    if ("sleep" in e) {
      const until = this.now() + e.sleep;
      for (;;) {
        this.stepJobs();
        const now = this.now();
        if (now >= until) return;
        const wakes = this.jobs.filter((j) => j.status === null).map((j) => j.wake);
        const target = Math.min(until, ...wakes);
        yield { sleep: Math.max(1, target - now) };
        if (this.now() === now) return; // a driver that does not move the clock: do not spin
      }
    }
    yield e;
    this.stepJobs();
  }

  /** Runs a generator from outside (a tool, a spawned program), its effects through pass(). */
  *drive<T>(g: Generator<Effect, T, void>): Gen<T> {
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
      yield* this.pass(r.value);
    }
  }

  stepJobs(): void {
    for (const j of this.jobs) {
      if (j.status !== null || j.wake > this.now()) continue;
      this.stepJob(j);
    }
  }

  private stepJob(j: Job): void {
    try {
      const r = j.gen.next();
      if (r.done) j.status = r.value;
      else j.wake = "sleep" in r.value ? this.now() + r.value.sleep : this.now() + 100;
    } catch (e) {
      if (e instanceof SigPipe) j.status = 141;
      else throw e;
    }
  }

  /** `wait`: runs background jobs to their end. */
  *waitJobs(pids: number[] | null): Gen<number> {
    const want = (j: Job) => pids === null || pids.includes(j.pid);
    for (;;) {
      const live = this.jobs.filter((j) => j.status === null && want(j));
      if (!live.length) break;
      const now = this.now();
      const due = live.filter((j) => j.wake <= now);
      if (due.length) {
        for (const j of due) this.stepJob(j);
        continue;
      }
      const wake = Math.min(...live.map((j) => j.wake));
      this.sinceYield = 0;
      yield { sleep: wake - now };
      if (this.now() === now) for (const j of live) j.wake = now;
    }
    const done = this.jobs.filter(want);
    const last = done[done.length - 1];
    if (pids === null) {
      this.jobs = this.jobs.filter((j) => j.status === null);
      return 0;
    }
    return last ? (last.status ?? 0) : 127;
  }

  private *tick(): Gen<void> {
    if (++this.sinceYield >= 10_000) yield* this.pass({ sleep: 1 });
  }

  // -------------------------------------------------------------------------------------------
  // Reading and running source

  /** Parses and runs a whole text (sh -c, a script, eval, .) command by command. */
  *runSource(src: string, startLine = 1): Gen<number> {
    const parser = new Parser(src, this.dialect, startLine);
    for (;;) {
      let list: List | null;
      try {
        list = parser.parseOne();
      } catch (e) {
        if (e instanceof ParseError) {
          this.syntaxError(e, src);
          throw new ShellFatal(2);
        }
        if (e instanceof BadSubstitution) {
          if (this.dialect === "bash") this.error(e.message, null);
          else if (this.dialect === "dash") this.error("Bad substitution", null);
          else this.error("syntax error: bad substitution", null);
          if (this.bash) {
            this.status = 1;
            const nl = src.indexOf("\n", parser.pos);
            if (nl < 0) return 1;
            parser.pos = nl + 1;
            continue;
          }
          throw new ShellFatal(2);
        }
        throw e;
      }
      if (!list) return this.status;
      yield* this.runTop(list);
    }
  }

  /** Runs one complete command read at top level (errors of expansions end it, not the shell, in bash). */
  *runTop(list: List): Gen<number> {
    try {
      this.status = yield* this.runList(list);
    } catch (e) {
      if (e instanceof ShellFatal && this.interactive) this.status = e.status;
      else if (e instanceof CommandError || e instanceof LineAbort) this.status = e.status;
      else throw e;
    }
    return this.status;
  }

  syntaxError(e: ParseError, src: string): void {
    const saved = this.lineno;
    this.lineno = e.line;
    const REDIRS = ["<", ">", ">>", "<<", "<<-", "<&", ">&", "<>", ">|"];
    const tok = (t: string) => (t === "end of file" || t === "newline" || t === "word" ? t : REDIRS.includes(t) && this.dialect !== "bash" ? "redirection" : `"${t}"`);
    if (e.kind === "bad") {
      if (this.dialect === "bash") {
        const where = this.interactive ? `${this.arg0}: ` : this.mode === "c" ? `${this.arg0}: -c: line ${e.line}: ` : `${this.arg0}: line ${e.line}: `;
        this.write(2, `${where}${e.token}\n`);
      } else if (this.dialect === "dash") this.write(2, `${this.arg0}: ${e.line}: Syntax error: ${e.token}\n`);
      else this.write(2, this.prefix(null) + `syntax error: ${e.token}\n`);
      this.lineno = saved;
      return;
    }
    if (this.dialect === "bash") {
      const where = this.interactive ? `${this.arg0}: ` : this.mode === "c" ? `${this.arg0}: -c: line ${e.line}: ` : `${this.arg0}: line ${e.line}: `;
      if (e.kind === "eof") {
        if (e.expecting && ["'", '"', "`", ")", "}", "))"].includes(e.expecting)) {
          this.write(2, `${where}unexpected EOF while looking for matching \`${e.expecting === "))" ? ")" : e.expecting}'\n`);
          this.lineno = saved;
          return;
        }
        // bash counts the end of input as the line after the last
        const last = src.split("\n").length + (src.endsWith("\n") ? 0 : 1);
        const at = this.interactive ? where : this.mode === "c" ? `${this.arg0}: -c: line ${last}: ` : `${this.arg0}: line ${last}: `;
        this.write(2, `${at}syntax error: unexpected end of file\n`);
      } else {
        const t = e.token === "newline" ? "newline" : e.token;
        this.write(2, `${where}syntax error near unexpected token \`${t}'\n`);
        if (!this.interactive) {
          const line = src.split("\n")[e.line - 1] ?? "";
          this.write(2, `${where}\`${line.trim()}'\n`);
        }
      }
    } else if (this.dialect === "dash") {
      // end of file is reported on the last line read
      if (e.kind === "eof" && src.endsWith("\n")) this.lineno = e.line - 1;
      const msg = e.kind === "eof" ? "end of file unexpected" : `${tok(e.token)} unexpected`;
      const exp = e.expecting && /^[a-z]+$|^[)}]$/.test(e.expecting) ? ` (expecting ${tok(e.expecting)})` : "";
      this.write(2, `${this.arg0}: ${this.lineno}: Syntax error: ${e.kind === "eof" && e.expecting && /^['"`]$/.test(e.expecting) ? "Unterminated quoted string" : msg + exp}\n`);
    } else {
      const found = e.kind === "eof" ? "end of file" : e.token;
      const exp = e.expecting && /^[a-z]+$|^[)}]$/.test(e.expecting) ? ` (expecting ${tok(e.expecting)})` : "";
      const text = e.kind === "eof" && e.expecting && /^['"`]$/.test(e.expecting) ? `unterminated quoted string` : `unexpected ${tok(found)}${exp}`;
      if (e.kind === "eof" && src.endsWith("\n")) this.lineno = e.line - 1;
      this.write(2, this.prefix(null) + `syntax error: ${text}\n`);
    }
    this.lineno = saved;
  }

  // -------------------------------------------------------------------------------------------
  // Lists, and-or lists, pipelines

  *runList(list: List): Gen<number> {
    let st = this.status;
    for (const item of list) {
      if (item.bg) {
        this.startJob(item.andor);
        st = 0;
        this.status = 0;
      } else {
        st = yield* this.runAndOr(item.andor);
        this.status = st;
      }
    }
    return st;
  }

  private startJob(a: AndOr): void {
    const f = this.fork();
    const pid = this.newPid();
    f.fds.set(0, emptyInput());
    const gen = (function* (): Gen {
      try {
        return yield* f.runAndOr(a);
      } catch (e) {
        if (e instanceof ShellExit || e instanceof ShellFatal) return e.status;
        throw e;
      }
    })();
    const job: Job = { id: this.jobs.length + 1, pid, gen, wake: this.now(), status: null, cmd: "" };
    this.jobs.push(job);
    this.lastBg = pid;
    this.stepJob(job);
    if (this.interactive) this.write(2, this.dialect === "bash" ? `[${job.id}] ${pid}\n` : `[${job.id}] ${pid}\n`);
  }

  *runAndOr(a: AndOr): Gen<number> {
    const n = a.rest.length;
    let st: number;
    if (n > 0) this.errexitOff++;
    try {
      st = yield* this.runPipeline(a.head);
    } finally {
      if (n > 0) this.errexitOff--;
    }
    let lastRan = 0;
    for (let i = 0; i < n; i++) {
      const r = a.rest[i];
      if (r.op === "&&" ? st !== 0 : st === 0) continue;
      const last = i === n - 1;
      if (!last) this.errexitOff++;
      try {
        st = yield* this.runPipeline(r.pipe);
      } finally {
        if (!last) this.errexitOff--;
      }
      lastRan = i + 1;
    }
    const lastPipe = lastRan === 0 ? a.head : a.rest[lastRan - 1].pipe;
    this.status = st;
    if (st !== 0 && this.opts.e && this.errexitOff === 0 && lastRan === n && !lastPipe.neg) throw new ShellExit(st);
    return st;
  }

  *runPipeline(p: Pipeline): Gen<number> {
    const started = this.now();
    let st: number;
    if (p.neg) this.errexitOff++;
    try {
      if (p.cmds.length === 1) st = yield* this.runCommand(p.cmds[0]);
      else st = yield* this.runStages(p.cmds);
    } finally {
      if (p.neg) this.errexitOff--;
    }
    if (p.time) {
      const secs = (this.now() - started) / 1000;
      const fmt = (s: number) => `${Math.floor(s / 60)}m${(s % 60).toFixed(3)}s`;
      this.write(2, `\nreal\t${fmt(secs)}\nuser\t0m0.000s\nsys\t0m0.000s\n`);
    }
    if (p.neg) st = st === 0 ? 1 : 0;
    this.status = st;
    return st;
  }

  /** A pipeline's stages run side by side, each a fork, joined by pipes; they take turns at each effect. */
  private *runStages(cmds: Command[]): Gen<number> {
    const n = cmds.length;
    const pipes = Array.from({ length: n - 1 }, () => new Pipe());
    type Stage = { gen: Gen; status: number | null; wake: number; waiting: "pipe" | "stdin" | null };
    const stages: Stage[] = cmds.map((cmd, i) => {
      const f = this.fork();
      if (i > 0) f.fds.set(0, pipes[i - 1].in);
      if (i < n - 1) f.fds.set(1, pipes[i].out);
      const gen = (function* (): Gen {
        try {
          return yield* f.runCommand(cmd);
        } catch (e) {
          if (e instanceof ShellExit || e instanceof ShellFatal || e instanceof CommandError) return e.status;
          if (e instanceof BreakSignal || e instanceof ContinueSignal) return 0;
          if (e instanceof ReturnSignal) return e.status;
          throw e;
        }
      })();
      return { gen, status: null, wake: 0, waiting: null };
    });
    const finish = (i: number, status: number) => {
      stages[i].status = status;
      if (i < n - 1) pipes[i].writerClosed = true;
      if (i > 0) pipes[i - 1].readerClosed = true;
    };
    let outerReady = true;
    for (;;) {
      let progressed = false;
      for (let i = 0; i < n; i++) {
        const s = stages[i];
        if (s.status !== null) continue;
        if (s.wake > this.now()) continue;
        if (s.waiting === "pipe" && !pipes[i - 1].readable) continue;
        if (s.waiting === "stdin" && !outerReady) continue;
        s.waiting = null;
        s.wake = 0;
        progressed = true;
        try {
          const r = s.gen.next();
          if (r.done) finish(i, r.value);
          else if ("sleep" in r.value) s.wake = this.now() + r.value.sleep;
          else s.waiting = i > 0 ? "pipe" : "stdin";
        } catch (e) {
          if (e instanceof SigPipe) finish(i, 141);
          else throw e;
        }
      }
      if (stages.every((s) => s.status !== null)) break;
      if (progressed) {
        outerReady = false;
        continue;
      }
      const sleepers = stages.filter((s) => s.status === null && s.wake > this.now());
      if (sleepers.length) {
        const until = Math.min(...sleepers.map((s) => s.wake));
        const before = this.now();
        yield* this.pass({ sleep: until - before });
        if (this.now() === before) for (const s of sleepers) s.wake = 0;
      } else {
        yield* this.pass({ wait: "stdin" });
      }
      outerReady = true;
    }
    const statuses = stages.map((s) => s.status ?? 0);
    if (this.bash) this.vars.set("PIPESTATUS", { value: statuses.map(String), exported: false, readonly: false });
    if (this.opts.pipefail) {
      for (let i = n - 1; i >= 0; i--) if (statuses[i] !== 0) return statuses[i];
      return 0;
    }
    return statuses[n - 1];
  }

  // -------------------------------------------------------------------------------------------
  // Commands

  *runCommand(c: Command): Gen<number> {
    if (c.t === "simple") return yield* this.runSimple(c);
    if (c.t === "func") {
      this.funcs.set(c.name, c);
      return 0;
    }
    const saved = c.redirs.length ? this.fds : null;
    if (c.redirs.length) {
      try {
        this.fds = yield* this.openRedirs(c.redirs, new Map(this.fds));
      } catch (e) {
        if (e instanceof CommandError) return e.status;
        throw e;
      }
    }
    try {
      return yield* this.runCompound(c);
    } catch (e) {
      if (e instanceof CommandError) return (this.status = e.status);
      throw e;
    } finally {
      if (saved) this.fds = saved;
    }
  }

  private *runCompound(c: Exclude<Command, { t: "simple" } | { t: "func" }>): Gen<number> {
    this.lineno = c.line;
    switch (c.t) {
      case "group":
        return yield* this.runList(c.body);
      case "subshell": {
        const f = this.fork();
        try {
          const st = yield* f.runList(c.body);
          yield* f.runExitTrap();
          return st;
        } catch (e) {
          if (e instanceof ShellExit || e instanceof ShellFatal) {
            yield* f.runExitTrap();
            return e.status;
          }
          throw e;
        }
      }
      case "if": {
        for (const cl of c.clauses) {
          this.errexitOff++;
          let cond: number;
          try {
            cond = yield* this.runList(cl.cond);
          } finally {
            this.errexitOff--;
          }
          if (cond === 0) return yield* this.runList(cl.body);
        }
        if (c.else) return yield* this.runList(c.else);
        return 0;
      }
      case "loop": {
        let st = 0;
        this.loopDepth++;
        try {
          for (;;) {
            this.errexitOff++;
            let cond: number;
            try {
              cond = yield* this.runList(c.cond);
            } finally {
              this.errexitOff--;
            }
            if (c.until ? cond === 0 : cond !== 0) break;
            const r = yield* this.loopBody(c.body);
            st = r.status;
            if (r.brk) break;
            yield* this.tick();
          }
        } finally {
          this.loopDepth--;
        }
        return st;
      }
      case "for": {
        let items: string[];
        if (c.words) items = yield* this.expandWords(c.words);
        else items = [...this.positional];
        let st = 0;
        this.loopDepth++;
        try {
          for (const it of items) {
            this.setVar(c.name, it);
            const r = yield* this.loopBody(c.body);
            st = r.status;
            if (r.brk) break;
          }
        } finally {
          this.loopDepth--;
        }
        return st;
      }
      case "cfor": {
        let st = 0;
        this.loopDepth++;
        try {
          yield* this.arithCommand(c.init);
          for (;;) {
            const condText = yield* this.expandString(c.cond);
            if (condText.trim() !== "" && (yield* this.arithCommand({ parts: [{ t: "sq", v: condText }] })) === 0n) break;
            const r = yield* this.loopBody(c.body);
            st = r.status;
            if (r.brk) break;
            yield* this.arithCommand(c.step);
            yield* this.tick();
          }
        } finally {
          this.loopDepth--;
        }
        return st;
      }
      case "case": {
        const w = yield* this.expandString(c.word);
        let fall = false;
        for (let i = 0; i < c.items.length; i++) {
          const it = c.items[i];
          let hit = fall;
          if (!hit) {
            for (const p of it.patterns) {
              const segs = yield* this.expandPattern(p);
              if (matchPattern(segs, w)) {
                hit = true;
                break;
              }
            }
          }
          if (!hit) continue;
          const st = yield* this.runList(it.body);
          if (it.term === ";&") {
            fall = true;
            continue;
          }
          if (it.term === ";;&") {
            fall = false;
            continue;
          }
          return st;
        }
        return 0;
      }
      case "cond":
        return (yield* this.evalCond(c.expr)) ? 0 : 1;
      case "arith": {
        const v = yield* this.arithCommand(c.expr);
        return v !== 0n ? 0 : 1;
      }
    }
  }

  private *loopBody(body: List): Gen<{ status: number; brk: boolean }> {
    try {
      return { status: yield* this.runList(body), brk: false };
    } catch (e) {
      if (e instanceof BreakSignal) {
        if (e.n > 1) {
          e.n--;
          throw e;
        }
        return { status: 0, brk: true };
      }
      if (e instanceof ContinueSignal) {
        if (e.n > 1) {
          e.n--;
          throw e;
        }
        return { status: 0, brk: false };
      }
      throw e;
    }
  }

  get inLoop(): number {
    return this.loopDepth;
  }

  private *evalCond(n: CondNode): Gen<boolean> {
    switch (n.t) {
      case "and":
        return (yield* this.evalCond(n.l)) && (yield* this.evalCond(n.r));
      case "or":
        return (yield* this.evalCond(n.l)) || (yield* this.evalCond(n.r));
      case "not":
        return !(yield* this.evalCond(n.e));
      case "word":
        return (yield* this.expandString(n.w)) !== "";
      case "unary": {
        const a = yield* this.expandString(n.arg);
        return evalTest(this, [n.op, a], "[[") === 0;
      }
      case "binary": {
        const l = yield* this.expandString(n.l);
        if (n.op === "==" || n.op === "=" || n.op === "!=") {
          const segs = yield* this.expandPattern(n.r);
          const m = matchPattern(segs, l);
          return n.op === "!=" ? !m : m;
        }
        if (n.op === "=~") {
          const segs = yield* this.expandPattern(n.r);
          const src = segs.map((s) => (s.quoted ? s.text.replace(/[\\^$.*+?()[\]{}|\/]/g, "\\$&") : s.text)).join("");
          let re: RegExp;
          try {
            re = new RegExp(src);
          } catch {
            return false;
          }
          const m = re.exec(l);
          this.setArray("BASH_REMATCH", m ? [...m].map((x) => x ?? "") : []);
          return !!m;
        }
        const r = yield* this.expandString(n.r);
        if (n.op === "<") return l < r;
        if (n.op === ">") return l > r;
        if (["-eq", "-ne", "-lt", "-le", "-gt", "-ge"].includes(n.op)) {
          const a = yield* this.arithText(l || "0");
          const b = yield* this.arithText(r || "0");
          return { "-eq": a === b, "-ne": a !== b, "-lt": a < b, "-le": a <= b, "-gt": a > b, "-ge": a >= b }[n.op]!;
        }
        return evalTest(this, [l, n.op, r], "[[") === 0;
      }
    }
  }

  // -------------------------------------------------------------------------------------------
  // Simple commands

  private *runSimple(c: Command & { t: "simple" }): Gen<number> {
    this.lineno = c.line;
    if (++this.sinceYield >= 10_000) yield* this.pass({ sleep: 1 });
    this.substStatus = null;
    let argv: string[];
    try {
      argv = yield* this.expandWords(c.words);
    } catch (e) {
      if (e instanceof CommandError) return (this.status = e.status);
      throw e;
    }
    // aliases (interactive shells)
    // bash expands aliases only when interactive (without shopt expand_aliases); ash and dash always
    if (argv.length && (this.interactive || !this.bash) && this.aliases.has(argv[0]) && c.words[0] && literalOf(c.words[0]) === argv[0]) {
      const expanded = yield* this.aliasArgv(argv);
      if (expanded) argv = expanded;
    }
    if (argv.length === 0) {
      try {
        for (const a of c.assigns) yield* this.assign(a, false);
        if (c.redirs.length) {
          const fds = yield* this.openRedirs(c.redirs, new Map(this.fds));
          void fds;
        }
      } catch (e) {
        if (e instanceof CommandError) return e.status;
        throw e;
      }
      return this.substStatus ?? 0;
    }
    const name = argv[0];
    const special = SPECIAL_BUILTINS.has(name) && !(this.dialect === "bash" && !this.funcs.has(name) && false);
    const fn = this.funcs.get(name);
    const builtin = findBuiltin(this, name);
    // assignments: permanent before special builtins, for the command's environment otherwise
    const tempEnv: Record<string, string> = {};
    const savedVars: [string, Var | undefined][] = [];
    try {
      for (const a of c.assigns) {
        if (special && builtin && !fn) yield* this.assign(a, false);
        else {
          const v = a.value ? yield* this.expandString(a.value) : "";
          tempEnv[a.name] = v;
        }
      }
    } catch (e) {
      if (e instanceof CommandError) return e.status;
      throw e;
    }
    if (this.opts.x) {
      const ps4 = this.getVar("PS4") ?? "+ ";
      const parts = [...Object.entries(tempEnv).map(([k, v]) => `${k}=${quoteTrace(v)}`), ...argv.map(quoteTrace)];
      this.write(2, ps4 + parts.join(" ") + "\n");
    }
    let saved: Map<number, Fd> | null = null;
    if (c.redirs.length) {
      saved = this.fds;
      try {
        this.fds = yield* this.openRedirs(c.redirs, new Map(this.fds));
      } catch (e) {
        this.fds = saved;
        if (e instanceof CommandError) return e.status;
        throw e;
      }
    }
    try {
      if (fn || builtin) {
        for (const [k, v] of Object.entries(tempEnv)) {
          savedVars.push([k, this.vars.has(k) ? { ...this.vars.get(k)! } : undefined]);
          this.setVar(k, v);
          this.vars.get(k)!.exported = true;
        }
        try {
          if (fn && !(special && builtin)) return yield* this.callFunction(fn, argv);
          return yield* this.runBuiltin(name, argv);
        } finally {
          for (const [k, v] of savedVars.reverse()) {
            if (v) this.vars.set(k, v);
            else this.vars.delete(k);
          }
        }
      }
      return yield* this.runExternal(argv, tempEnv);
    } catch (e) {
      if (e instanceof CommandError) return e.status;
      throw e;
    } finally {
      if (saved && !this.keepRedirs) this.fds = saved;
      this.keepRedirs = false;
    }
  }

  private *aliasArgv(argv: string[]): Gen<string[] | null> {
    const text = this.aliases.get(argv[0])!;
    try {
      const list = new Parser(text, this.dialect).parseAll();
      const only = list.length === 1 && !list[0].bg && list[0].andor.rest.length === 0 && list[0].andor.head.cmds.length === 1 ? list[0].andor.head.cmds[0] : null;
      if (!only || only.t !== "simple") return null;
      const words = yield* this.expandWords(only.words);
      return [...words, ...argv.slice(1)];
    } catch {
      return null;
    }
  }

  *runBuiltin(name: string, argv: string[]): Gen<number> {
    const b = findBuiltin(this, name)!;
    const prev = this.currentBuiltin;
    this.currentBuiltin = name;
    try {
      const r = b(this, argv);
      const st = typeof r === "number" ? r : yield* r;
      this.status = st;
      return st;
    } finally {
      this.currentBuiltin = prev;
    }
  }

  *callFunction(fn: Command & { t: "func" }, argv: string[]): Gen<number> {
    const savedPos = this.positional;
    const savedArg0 = this.arg0;
    this.positional = argv.slice(1);
    this.localFrames.push(new Map());
    if (this.dialect !== "dash") {
      this.makeLocal("FUNCNAME");
      this.vars.set("FUNCNAME", { value: fn.name, exported: false, readonly: false });
    }
    const savedLoop = this.loopDepth;
    this.loopDepth = 0;
    try {
      return yield* this.runCommand(fn.body);
    } catch (e) {
      if (e instanceof ReturnSignal) return e.status;
      throw e;
    } finally {
      this.loopDepth = savedLoop;
      this.positional = savedPos;
      this.arg0 = savedArg0;
      const frame = this.localFrames.pop()!;
      for (const [k, v] of frame) {
        if (v) this.vars.set(k, v);
        else this.vars.delete(k);
      }
    }
  }

  get inFunction(): boolean {
    return this.localFrames.length > 0;
  }

  /** A program by argv: what spawn finds on PATH, with the shell's messages when it is not there. */
  *runExternal(argv: string[], tempEnv: Record<string, string> = {}, via: string | null = null): Gen<number> {
    const env = { ...this.exportedEnv(), ...tempEnv };
    const io = { stdin: this.stdin(), stdout: this.outputOf(1), stderr: this.outputOf(2) };
    const r = spawn(argv, { env, cwd: this.cwd, fs: this.fs, now: this.now, flavour: this.flavour, world: this.world, io, dialect: this.dialect, tools: this.tools });
    if (isSpawnError(r)) return this.notRunnable(argv[0], r, via);
    try {
      return yield* this.drive(r);
    } catch (e) {
      if (e instanceof ShellExit) return e.status;
      throw e;
    }
  }

  outputOf(fd: number): Output {
    const f = this.fds.get(fd);
    return isOutput(f) ? f : NULL_OUTPUT;
  }

  private notRunnable(name: string, e: SpawnError, via: string | null): number {
    const slash = name.includes("/");
    if (e.error === "notFound" && via) {
      this.error(`${name}: not found`, via);
      return 127;
    }
    if (e.error === "notFound") {
      if (this.dialect === "bash") this.error(slash ? `${name}: No such file or directory` : `${name}: command not found`, null);
      else this.error(`${name}: not found`, null);
      return 127;
    }
    if (e.error === "isDir" && this.dialect === "bash") this.error(`${name}: Is a directory`, null);
    else this.error(`${name}: Permission denied`, null);
    return 126;
  }

  *assign(a: Assign, _temp: boolean): Gen<void> {
    if (a.array) {
      const values = yield* this.expandWords(a.array);
      if (a.append) {
        const v = this.vars.get(a.name);
        const old = v ? (Array.isArray(v.value) ? v.value : [v.value]) : [];
        this.setArray(a.name, [...old, ...values]);
      } else this.setArray(a.name, values);
      return;
    }
    let value = a.value ? yield* this.expandString(a.value) : "";
    let index: number | undefined;
    if (a.index) {
      const it = yield* this.expandString(a.index);
      index = Number(yield* this.arithText(it));
    }
    if (a.append) {
      const old = index !== undefined ? this.arrayOf(a.name)[index] ?? "" : this.getVar(a.name) ?? "";
      value = old + value;
    }
    if (this.opts.x && !a.index) {
      // traced as part of the command line by bash; plain assignments trace alone
    }
    this.setVar(a.name, value, index);
    if (this.opts.a) this.vars.get(a.name)!.exported = true;
  }

  arrayOf(name: string): string[] {
    if (name === "@" || name === "*") return this.positional;
    const v = this.vars.get(name);
    if (!v) return [];
    return Array.isArray(v.value) ? v.value : [v.value];
  }

  // -------------------------------------------------------------------------------------------
  // Redirections

  *openRedirs(redirs: Redir[], fds: Map<number, Fd>): Gen<Map<number, Fd>> {
    for (const r of redirs) {
      const op = r.op;
      const fd = r.fd ?? (op.startsWith("<") ? 0 : 1);
      if (op === "<<" || op === "<<-") {
        const body = r.heredoc ? yield* this.expandString(r.heredoc) : "";
        fds.set(fd, new TextInput(body));
        continue;
      }
      if (op === "<<<") {
        fds.set(fd, new TextInput((yield* this.expandString(r.target)) + "\n"));
        continue;
      }
      const target = yield* this.expandRedirTarget(r.target);
      if (op === ">&" || op === "<&") {
        if (target === "-") {
          fds.delete(fd);
          continue;
        }
        if (/^[0-9]+$/.test(target)) {
          const src = fds.get(Number(target));
          if (!src) {
            this.error(`${target}: Bad file descriptor`, null);
            throw new CommandError(this.dialect === "dash" ? 2 : 1);
          }
          fds.set(fd, src);
          continue;
        }
        if (op === ">&" && r.fd === null) {
          const out = this.openOut(target, false, fds);
          fds.set(1, out);
          fds.set(2, out);
          continue;
        }
        this.error(`${target}: ambiguous redirect`, null);
        throw new CommandError(1);
      }
      if (op === "<" || op === "<>") {
        fds.set(fd, this.openIn(target, fds, op === "<>"));
        continue;
      }
      const out = this.openOut(target, op === ">>" || op === "&>>", fds);
      if (op === "&>" || op === "&>>") {
        fds.set(1, out);
        fds.set(2, out);
      } else fds.set(fd, out);
    }
    return fds;
  }

  private *expandRedirTarget(w: Word): Gen<string> {
    const words = yield* this.expandWords([w]);
    if (words.length !== 1 && this.bash) {
      this.error(`${wordSource(w)}: ambiguous redirect`, null);
      throw new CommandError(1);
    }
    return words.join(" ");
  }

  resolve(path: string): string {
    return normalize(path.startsWith("/") ? path : `${this.cwd}/${path}`);
  }

  private devPath(path: string, fds: Map<number, Fd>): Fd | null | undefined {
    if (path === "/dev/null") return null;
    if (path === "/dev/stdout") return fds.get(1);
    if (path === "/dev/stderr") return fds.get(2);
    if (path === "/dev/stdin") return fds.get(0);
    if (path === "/dev/tty") return fds.get(2);
    const m = /^\/dev\/fd\/([0-9]+)$/.exec(path);
    if (m) return fds.get(Number(m[1]));
    return undefined;
  }

  private openOut(target: string, append: boolean, fds: Map<number, Fd>): Output {
    const dev = this.devPath(target, fds);
    if (dev === null) return NULL_OUTPUT;
    if (dev !== undefined) return isOutput(dev) ? dev : NULL_OUTPUT;
    const path = this.resolve(target);
    try {
      const st = this.fs.stat(path);
      if (st?.type === "dir") throw new FsError("EISDIR", path);
      if (st?.type === "chardev") return NULL_OUTPUT;
      if (!append && this.opts.C && st) throw new FsError("EEXIST", path);
      this.fs.write(path, "", { append: true });
      if (!append) this.fs.write(path, "");
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      this.redirError(target, e, true);
    }
    return new FileOutput(this.fs, path);
  }

  private openIn(target: string, fds: Map<number, Fd>, create: boolean): Input {
    const dev = this.devPath(target, fds);
    if (dev === null) return emptyInput();
    if (dev !== undefined) return isInput(dev) ? dev : emptyInput();
    const path = this.resolve(target);
    try {
      if (create && !this.fs.stat(path)) this.fs.write(path, "");
      const st = this.fs.stat(path);
      if (st?.type === "dir") {
        // reading a directory fails at read(2), not at open(2): the command sees EISDIR
        return emptyInput();
      }
      return new TextInput(new TextDecoder().decode(this.fs.read(path)));
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      this.redirError(target, e, false);
    }
  }

  private redirError(target: string, e: FsError, create: boolean): never {
    if (this.dialect === "bash") this.error(`${target}: ${FS_MESSAGES[e.code]}`, null);
    else if (this.dialect === "dash") {
      const why = e.code === "ENOENT" || e.code === "ENOTDIR" ? (create ? "Directory nonexistent" : "No such file") : FS_MESSAGES[e.code];
      this.error(`cannot ${create ? "create" : "open"} ${target}: ${why}`, null);
    } else {
      const why = e.code === "ENOENT" || e.code === "ENOTDIR" ? (create ? "nonexistent directory" : "no such file") : FS_MESSAGES[e.code];
      this.error(`can't ${create ? "create" : "open"} ${target}: ${why}`, null);
    }
    throw new CommandError(this.dialect === "dash" ? 2 : 1);
  }

  // -------------------------------------------------------------------------------------------
  // Expansion

  /** Words to argv: brace expansion (bash), expansions, field splitting, pathnames, quote removal. */
  *expandWords(words: Word[]): Gen<string[]> {
    const out: string[] = [];
    for (const w0 of words) {
      // the common case: plain unquoted text with nothing to expand
      if (w0.parts.length === 1 && w0.parts[0].t === "lit" && !/[*?[{]/.test(w0.parts[0].v)) {
        out.push(w0.parts[0].v);
        continue;
      }
      const ws = this.bash ? braceExpand(w0) : [w0];
      for (const w of ws) {
        const fields = yield* this.expandToFields(w);
        for (const f of fields) {
          for (const split of this.splitField(f)) {
            const segs = split.segs.map((s) => ({ text: s.text, quoted: s.quoted }));
            if (!this.opts.f && hasPattern(segs)) {
              const matches = this.glob(segs);
              if (matches.length) {
                out.push(...matches);
                continue;
              }
            }
            out.push(segs.map((s) => s.text).join(""));
          }
        }
      }
    }
    return out;
  }

  /** A word to one string: no splitting or globbing (assignments, case words, here-docs). */
  *expandString(w: Word): Gen<string> {
    const fields = yield* this.expandToFields(w, true);
    return fields.map((f) => f.segs.map((s) => s.text).join("")).join(" ");
  }

  /** A word as a pattern: quoted parts match themselves. */
  *expandPattern(w: Word): Gen<PatSeg[]> {
    const fields = yield* this.expandToFields(w, true);
    const segs: PatSeg[] = [];
    fields.forEach((f, i) => {
      if (i > 0) segs.push({ text: " ", quoted: true });
      for (const s of f.segs) segs.push({ text: s.text, quoted: s.quoted });
    });
    return segs;
  }

  private *expandToFields(w: Word, single = false): Gen<Field[]> {
    const fields: Field[] = [{ segs: [], keep: false }];
    yield* this.expandParts(w.parts, false, fields, single);
    return fields;
  }

  private *expandParts(parts: WordPart[], inDq: boolean, fields: Field[], single: boolean): Gen<void> {
    const cur = () => fields[fields.length - 1];
    const add = (text: string, quoted: boolean, split: boolean) => {
      cur().segs.push({ text, quoted, split: split && !single });
      if (quoted) cur().keep = true;
    };
    for (const p of parts) {
      switch (p.t) {
        case "lit":
          add(p.v, inDq, false);
          break;
        case "sq":
          add(p.v, true, false);
          break;
        case "dq":
          // "$@" with no parameters makes no field at all; any other quotes make one
          if (!(p.parts.length === 1 && p.parts[0].t === "param" && (p.parts[0].name === "@" || (p.parts[0].index && literalOf(p.parts[0].index) === "@")) && !p.parts[0].op)) cur().keep = true;
          yield* this.expandParts(p.parts, true, fields, single);
          break;
        case "tilde":
          add(this.tilde(p.user), true, false);
          break;
        case "cmd": {
          const text = yield* this.commandSubst(p.body);
          add(text, inDq, !inDq);
          break;
        }
        case "arith": {
          const v = yield* this.arith(p.expr, true);
          add(String(v ?? 0n), inDq, !inDq);
          break;
        }
        case "param": {
          const r = yield* this.expandParam(p, inDq);
          if (typeof r === "string") add(r, inDq, !inDq);
          else if (r.star && inDq) {
            const sep = (this.getVar("IFS") ?? " \t\n").slice(0, 1);
            add(r.list.join(sep), true, false);
          } else {
            // "$@": one field per element; unquoted: each element split further
            if (inDq && r.list.length === 0) break;
            r.list.forEach((item, i) => {
              if (i > 0) {
                if (single) add(" ", true, false);
                else if (inDq) fields.push({ segs: [], keep: true });
                else cur().segs.push({ text: "", quoted: false, split: true, brk: true });
              }
              add(item, inDq, !inDq);
            });
          }
          break;
        }
      }
    }
  }

  private tilde(user: string): string {
    if (user === "") return this.getVar("HOME") ?? "/root";
    try {
      const passwd = new TextDecoder().decode(this.fs.read("/etc/passwd"));
      for (const line of passwd.split("\n")) {
        const f = line.split(":");
        if (f[0] === user && f[5]) return f[5];
      }
    } catch {
      // no /etc/passwd: ~user stays as it is
    }
    return "~" + user;
  }

  private *commandSubst(body: List): Gen<string> {
    const f = this.fork();
    const buf = new BufferOutput();
    f.fds.set(1, buf);
    let st: number;
    try {
      st = yield* f.runList(body);
    } catch (e) {
      if (e instanceof ShellExit || e instanceof ShellFatal || e instanceof CommandError) st = e.status;
      else if (e instanceof BreakSignal || e instanceof ContinueSignal) st = 0;
      else throw e;
    }
    this.substStatus = st;
    // bash's $? changes at once ("$(exit 3) $?" says 3); the Almquist shells' after the command
    if (this.bash) this.status = st;
    return buf.data.replace(/\n+$/, "");
  }

  /** (( )) and for (( )): bash names "((" in its messages and the command fails with 1. */
  private *arithCommand(expr: Word): Gen<bigint> {
    const text = yield* this.expandString(expr);
    const prev = this.currentBuiltin;
    this.currentBuiltin = "((";
    try {
      return yield* this.arithText(text);
    } finally {
      this.currentBuiltin = prev;
    }
  }

  /** Evaluates an arithmetic word; errors are printed and fail the command. */
  *arith(expr: Word, fatal = true): Gen<bigint | null> {
    const text = yield* this.expandString(expr);
    return yield* this.arithText(text, fatal);
  }

  *arithText(text: string, fatal = false): Gen<bigint> {
    try {
      return evalArith(text, { get: (n) => this.getVar(n), set: (n, v) => this.setVar(n, v) }, this.dialect);
    } catch (e) {
      if (!(e instanceof ArithError)) throw e;
      this.arithError(e);
      if (!fatal) throw new CommandError(this.bash ? 1 : 2);
      if (this.bash) throw new LineAbort(1);
      throw new ShellFatal(2);
    }
  }

  private arithError(e: ArithError): void {
    if (this.dialect === "bash") {
      const what = e.kind === "divzero" ? "division by 0" : e.kind === "operand" ? "syntax error: operand expected" : e.kind === "base" ? "value too great for base" : e.kind === "exponent" ? "exponent less than 0" : e.kind === "recursion" ? "expression recursion level exceeded" : "syntax error in expression";
      this.error(`${e.expr}: ${what} (error token is "${e.token}")`);
    } else if (this.dialect === "dash") {
      const what = e.kind === "divzero" ? "division by zero" : e.kind === "operand" ? "expecting primary" : "expecting EOF";
      this.error(`arithmetic expression: ${what}: "${e.expr}"`);
    } else {
      this.error(e.kind === "divzero" ? "divide by zero" : e.kind === "ternary" ? "malformed ?: operator" : e.kind === "exponent" ? "exponent less than 0" : "arithmetic syntax error");
    }
  }

  private paramValue(p: ParamPart): Gen<string | { list: string[]; star: boolean } | undefined> | string | { list: string[]; star: boolean } | undefined {
    if (!p.index) return this.simpleParam(p.name);
    return function* (this: Shell) {
      const name = p.name;
      if (p.index) {
        const idx = literalOf(p.index);
        if (idx === "@" || idx === "*") {
          const v = this.vars.get(name);
          if (!v) return { list: [], star: idx === "*" };
          return { list: Array.isArray(v.value) ? v.value.filter((x) => x !== undefined) : [v.value], star: idx === "*" };
        }
        const i = Number(yield* this.arithText(yield* this.expandString(p.index)));
        const arr = this.vars.get(name);
        if (!arr) return undefined;
        const list = Array.isArray(arr.value) ? arr.value : [arr.value];
        return list[i < 0 ? list.length + i : i];
      }
      return this.simpleParam(name);
    }.call(this);
  }

  private simpleParam(name: string): string | { list: string[]; star: boolean } | undefined {
    const c = name.charCodeAt(0);
    // letters and underscore: a variable
    if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95) return this.getVar(name);
    if (name === "@" || name === "*") return { list: [...this.positional], star: name === "*" };
    if (name === "#") return String(this.positional.length);
    if (name === "?") return String(this.status);
    if (name === "$") return String(this.pid);
    if (name === "!") return this.lastBg === null ? (this.dialect === "bash" ? undefined : "") : String(this.lastBg);
    if (name === "-") return this.flags();
    if (name === "0") return this.arg0;
    if (/^[0-9]+$/.test(name)) return this.positional[Number(name) - 1];
    return this.getVar(name);
  }

  private *expandParam(p: ParamPart, inDq: boolean): Gen<string | { list: string[]; star: boolean }> {
    if (p.op === "!*" || p.op === "!@") return { list: [...this.vars.keys()].filter((k) => k.startsWith(p.name)).sort(), star: p.op === "!*" };
    const pv = this.paramValue(p);
    let v = pv !== undefined && typeof pv === "object" && "next" in pv ? yield* pv : (pv as string | { list: string[]; star: boolean } | undefined);
    if (p.indirect) {
      const target = typeof v === "string" ? v : undefined;
      if (target === undefined || !isName(target)) {
        if (target !== undefined) {
          this.error(`${target}: invalid variable name`);
          throw new CommandError(1);
        }
        v = undefined;
      } else v = this.getVar(target);
    }
    if (p.length) {
      if (typeof v === "object") return String(v.list.length);
      if (v === undefined) this.checkUnset(p);
      return String([...(v ?? "")].length);
    }
    const op = p.op;
    const isSet = v !== undefined && (typeof v === "string" || v.list.length > 0 || p.name === "@" || p.name === "*");
    const str = () => (typeof v === "object" ? v.list.join(" ") : (v ?? ""));
    const nonEmpty = isSet && (typeof v === "object" ? v.list.length > 0 && v.list.join("") !== "" : v !== "");
    if (!op) {
      if (v === undefined || (typeof v === "object" && v.list.length === 0 && (p.name === "@" || p.name === "*") && false)) this.checkUnset(p);
      return v ?? "";
    }
    switch (op) {
      case "-":
      case ":-":
        if (op === "-" ? isSet : nonEmpty) return v!;
        return yield* this.expandArg(p.arg, inDq);
      case "=":
      case ":=": {
        if (op === "=" ? isSet : nonEmpty) return v!;
        const d = yield* this.expandString(p.arg ?? { parts: [] });
        if (!isName(p.name)) {
          this.error(this.bash ? `$${p.name}: cannot assign in this way` : `${p.name}: bad variable name`);
          throw new ShellFatal(this.bash ? 1 : 2);
        }
        this.setVar(p.name, d);
        return d;
      }
      case "+":
      case ":+":
        if (op === "+" ? isSet : nonEmpty) return yield* this.expandArg(p.arg, inDq);
        return "";
      case "?":
      case ":?": {
        if (op === "?" ? isSet : nonEmpty) return v!;
        const msg = p.arg && p.arg.parts.length ? yield* this.expandString(p.arg) : op === "?" ? "parameter not set" : this.dialect === "bash" ? "parameter null or not set" : "parameter not set or null";
        this.error(`${p.name}: ${msg}`, null);
        throw new ShellFatal(this.bash ? 127 : 2);
      }
      case "#":
      case "##":
      case "%":
      case "%%": {
        const segs = yield* this.expandPattern(p.arg ?? { parts: [] });
        if (typeof v === "object") return { list: v.list.map((x) => removeAffix(x, segs, op)), star: v.star };
        if (v === undefined) this.checkUnset(p);
        return removeAffix(v ?? "", segs, op);
      }
      case "/":
      case "//":
      case "/#":
      case "/%": {
        const segs = yield* this.expandPattern(p.arg ?? { parts: [] });
        const rep = p.arg2 ? yield* this.expandString(p.arg2) : "";
        if (typeof v === "object") return { list: v.list.map((x) => replacePattern(x, segs, rep, op)), star: v.star };
        return replacePattern(v ?? "", segs, rep, op);
      }
      case ":": {
        const off = Number(yield* this.arith(p.arg!));
        const len = p.arg2 ? Number(yield* this.arith(p.arg2)) : undefined;
        if (typeof v === "object") {
          const list = p.name === "@" || p.name === "*" ? [this.arg0, ...v.list] : v.list;
          const start = off < 0 ? Math.max(list.length + off, 0) : off;
          const end = len === undefined ? list.length : len < 0 ? list.length + len : start + len;
          return { list: list.slice(start, end), star: v.star };
        }
        const s = v ?? "";
        const start = off < 0 ? Math.max(s.length + off, 0) : off;
        if (len !== undefined && len < 0) {
          const end = s.length + len;
          if (end < start) {
            this.error(`${len}: substring expression < 0`);
            throw new CommandError(1);
          }
          return s.slice(start, end);
        }
        return len === undefined ? s.slice(start) : s.slice(start, start + len);
      }
      case "^^":
      case ",,":
      case "^":
      case ",": {
        const f = (x: string) => (op === "^^" ? x.toUpperCase() : op === ",," ? x.toLowerCase() : op === "^" ? x.charAt(0).toUpperCase() + x.slice(1) : x.charAt(0).toLowerCase() + x.slice(1));
        if (typeof v === "object") return { list: v.list.map(f), star: v.star };
        return f(str());
      }
    }
    return str();
  }

  private *expandArg(w: Word | undefined, inDq: boolean): Gen<string> {
    if (!w) return "";
    void inDq;
    return yield* this.expandString(w);
  }

  private checkUnset(p: ParamPart): void {
    if (!this.opts.u) return;
    if (p.name === "@" || p.name === "*") return;
    const n = p.name;
    if (this.dialect === "bash") this.error(`${n}: unbound variable`, null);
    else this.error(`${n}: parameter not set`, null);
    throw new ShellFatal(this.bash ? 127 : 2);
  }

  /** Field splitting with IFS over the unquoted expansion results of one field. */
  private splitField(f: Field): Field[] {
    if (!f.segs.some((s) => s.split)) return f.segs.length || f.keep ? [f] : [];
    const ifs = this.getVar("IFS") ?? " \t\n";
    const out: Field[] = [];
    let cur: Seg[] = [];
    let keep = false;
    let has = false;
    // IFS whitespace next to a non-whitespace IFS character is part of that one delimiter
    let lastDelim: "none" | "ws" | "other" = "none";
    const emit = (force: boolean) => {
      if (has || keep || force) out.push({ segs: cur, keep: true });
      cur = [];
      keep = false;
      has = false;
    };
    for (const s of f.segs) {
      if (s.brk) {
        emit(false);
        continue;
      }
      if (!s.split || ifs === "") {
        cur.push(s);
        if (s.text) has = true;
        if (s.quoted) keep = true;
        continue;
      }
      let lit = "";
      for (const ch of s.text) {
        if (ifs.includes(ch)) {
          if (lit) {
            cur.push({ text: lit, quoted: false, split: false });
            has = true;
            lit = "";
          }
          if (" \t\n".includes(ch)) {
            if (has || keep) {
              emit(false);
              lastDelim = "ws";
            }
          } else {
            if (has || keep || lastDelim !== "ws") emit(true);
            lastDelim = "other";
          }
        } else lit += ch;
      }
      if (lit) {
        cur.push({ text: lit, quoted: false, split: false });
        has = true;
      }
    }
    emit(false);
    return out;
  }

  /** Pathname expansion against the container's files, sorted; [] when nothing matches. */
  glob(segs: PatSeg[]): string[] {
    // split the pattern into path components, keeping each piece's quoting
    const comps: PatSeg[][] = [[]];
    for (const s of segs) {
      const parts = s.text.split("/");
      parts.forEach((t, i) => {
        if (i > 0) comps.push([]);
        if (t) comps[comps.length - 1].push({ text: t, quoted: s.quoted });
      });
    }
    const absolute = comps[0].length === 0 && comps.length > 1;
    let results: string[] = [absolute ? "/" : ""];
    const start = absolute ? 1 : 0;
    for (let i = start; i < comps.length; i++) {
      const comp = comps[i];
      const last = i === comps.length - 1;
      const next: string[] = [];
      if (comp.length === 0) {
        if (last) results = results.map((r) => r + (r.endsWith("/") ? "" : "/"));
        continue;
      }
      for (const base of results) {
        const dirPath = this.resolve(base || ".");
        const join = (name: string) => (base === "" ? name : base.endsWith("/") ? base + name : `${base}/${name}`);
        if (!hasPattern(comp)) {
          const name = comp.map((c) => c.text).join("");
          const p = join(name);
          if (this.fs.lstat(this.resolve(p))) next.push(p);
          continue;
        }
        let names: string[];
        try {
          const st = this.fs.stat(dirPath);
          if (!st || st.type !== "dir") continue;
          names = this.fs.readdir(dirPath);
        } catch {
          continue;
        }
        const re = new RegExp(`^(?:${patternSource(comp, { pathname: true })})$`);
        const dotOk = !comp[0].quoted && comp[0].text.startsWith(".") || (comp[0].quoted && comp[0].text.startsWith("."));
        for (const n of names) {
          if (n.startsWith(".") && !dotOk) continue;
          if (!re.test(n)) continue;
          if (!last) {
            const st = this.fs.stat(this.resolve(join(n)));
            if (!st || st.type !== "dir") continue;
          }
          next.push(join(n));
        }
      }
      results = next;
      if (!results.length) return [];
    }
    return results.sort();
  }

  // -------------------------------------------------------------------------------------------
  // Traps and exit

  *runExitTrap(): Gen<void> {
    const t = this.traps.get("EXIT");
    if (t === undefined) return;
    this.traps.delete("EXIT");
    const st = this.status;
    try {
      yield* this.runSource(t);
    } catch (e) {
      if (!(e instanceof ShellExit || e instanceof ShellFatal)) throw e;
    }
    this.status = st;
  }
}

function isSpawnError(r: Gen | SpawnError): r is SpawnError {
  return "error" in r && typeof (r as SpawnError).error === "string";
}

function quoteTrace(s: string): string {
  return s === "" ? "''" : /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

function wordSource(w: Word): string {
  return w.parts.map((p) => (p.t === "lit" || p.t === "sq" ? p.v : p.t === "param" ? "$" + (p.src !== undefined ? `{${p.src}}` : p.name) : "")).join("");
}

// ---------------------------------------------------------------------------------------------
// Brace expansion (bash): {a,b,c} and {1..5}, {a..e}, {1..10..2}, over a word's unquoted text

type Item = { ch: string } | { part: WordPart };

export function braceExpand(w: Word): Word[] {
  if (!w.parts.some((p) => p.t === "lit" && p.v.includes("{"))) return [w];
  const items: Item[] = [];
  for (const p of w.parts) {
    if (p.t === "lit") for (const ch of p.v) items.push({ ch });
    else items.push({ part: p });
  }
  return expandItems(items).map(toWord);
}

function toWord(items: Item[]): Word {
  const parts: WordPart[] = [];
  for (const it of items) {
    if ("ch" in it) {
      const last = parts[parts.length - 1];
      if (last && last.t === "lit") last.v += it.ch;
      else parts.push({ t: "lit", v: it.ch });
    } else parts.push(it.part);
  }
  return { parts };
}

function expandItems(items: Item[]): Item[][] {
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    if (!("ch" in it) || it.ch !== "{") continue;
    if (i > 0 && "ch" in items[i - 1] && (items[i - 1] as { ch: string }).ch === "$") continue;
    let depth = 0;
    const commas: number[] = [];
    let close = -1;
    for (let j = i + 1; j < items.length; j++) {
      const x = items[j];
      if (!("ch" in x)) continue;
      if (x.ch === "{") depth++;
      else if (x.ch === "}") {
        if (depth === 0) {
          close = j;
          break;
        }
        depth--;
      } else if (x.ch === "," && depth === 0) commas.push(j);
    }
    if (close < 0) return [items];
    const pre = items.slice(0, i);
    const post = items.slice(close + 1);
    let alts: Item[][] | null = null;
    if (commas.length) {
      alts = [];
      let s = i + 1;
      for (const c of [...commas, close]) {
        alts.push(items.slice(s, c));
        s = c + 1;
      }
    } else {
      const inner = items.slice(i + 1, close);
      if (inner.every((x) => "ch" in x)) {
        const text = inner.map((x) => (x as { ch: string }).ch).join("");
        const seq = sequence(text);
        if (seq) alts = seq.map((s) => [...s].map((ch) => ({ ch })));
      }
    }
    if (!alts) {
      // not a brace expression: keep "{" and look further on
      const rest = expandItems(items.slice(i + 1));
      return rest.map((r) => [...items.slice(0, i + 1), ...r]);
    }
    const out: Item[][] = [];
    for (const alt of alts) for (const e of expandItems([...pre, ...alt, ...post])) out.push(e);
    return out;
  }
  return [items];
}

function sequence(text: string): string[] | null {
  let m = /^(-?[0-9]+)\.\.(-?[0-9]+)(?:\.\.(-?[0-9]+))?$/.exec(text);
  if (m) {
    const a = Number(m[1]);
    const b = Number(m[2]);
    let step = Math.abs(Number(m[3] ?? 1)) || 1;
    const width = (m[1].startsWith("0") && m[1].length > 1) || (m[2].startsWith("0") && m[2].length > 1) ? Math.max(m[1].length, m[2].length) : 0;
    const out: string[] = [];
    if (a > b) step = -step;
    for (let x = a; step > 0 ? x <= b : x >= b; x += step) {
      out.push(width ? String(Math.abs(x)).padStart(width - (x < 0 ? 1 : 0), "0").replace(/^/, x < 0 ? "-" : "") : String(x));
      if (out.length > 100000) break;
    }
    return out;
  }
  m = /^([A-Za-z])\.\.([A-Za-z])(?:\.\.(-?[0-9]+))?$/.exec(text);
  if (m) {
    const a = m[1].charCodeAt(0);
    const b = m[2].charCodeAt(0);
    let step = Math.abs(Number(m[3] ?? 1)) || 1;
    if (a > b) step = -step;
    const out: string[] = [];
    for (let x = a; step > 0 ? x <= b : x >= b; x += step) out.push(String.fromCharCode(x));
    return out;
  }
  return null;
}
