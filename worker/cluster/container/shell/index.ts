// sh (busybox ash, debian's dash) and bash as one generator-based interpreter: shell() runs a
// shell's argv (-c script, a script file, or commands from stdin, interactive or not) and
// returns its exit status, yielding whenever time must pass or input must arrive.
import type { ContainerWorld, Effect, FileSystem, Flavour, Input, Output, Tool } from "../types";
import { FsError } from "../types";
import { Shell, ShellExit, ShellFatal } from "./interp";
import { ParseError, Parser, type Dialect } from "./parse";
import type { List } from "./ast";

export type { Dialect } from "./parse";

export interface ShellOptions {
  dialect: Dialect;
  /** The shell's own argv after its name: ["-c", "script", "arg0", ...], [] (read commands from stdin), ["-i"], ["script.sh", "a"] */
  args: string[];
  /** argv[0] as invoked ("sh", "/bin/bash"): used in error messages. */
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
  /** Interactive: prints prompts (PS1) to stderr, as when stdin is a tty or -i is given. */
  interactive?: boolean;
  /** Tools found before the registry's (tests' stubs); passed on to what the shell runs. */
  tools?: (name: string) => Tool | undefined;
}

export function* shell(opts: ShellOptions): Generator<Effect, number, void> {
  const sh = new Shell(opts);
  const args = [...opts.args];
  let command: string | null = null;
  let cMode = false;
  let forceInteractive = false;
  let fromStdin = false;
  while (args.length && /^[-+]./.test(args[0])) {
    const a = args.shift()!;
    if (a === "--" || a === "-") break;
    if (a.startsWith("--")) continue; // --login, --norc, --noprofile, --posix
    const on = a[0] === "-";
    for (const c of a.slice(1)) {
      if (c === "c") cMode = true;
      else if (c === "i") forceInteractive = on;
      else if (c === "s") fromStdin = true;
      else if (c === "o") {
        const n = args.shift();
        if (n === "pipefail") sh.opts.pipefail = on;
        else if (n === "errexit") sh.opts.e = on;
        else if (n === "nounset") sh.opts.u = on;
        else if (n === "xtrace") sh.opts.x = on;
      } else if (c === "e" || c === "u" || c === "x" || c === "f" || c === "C" || c === "a" || c === "v" || c === "n") sh.opts[c] = on;
    }
  }
  if (cMode) {
    command = args.shift() ?? null;
    if (command === null) {
      const d = opts.dialect;
      opts.stderr.write(d === "bash" ? `${opts.name}: -c: option requires an argument\n` : d === "dash" ? `${opts.name}: 0: -c requires an argument\n` : `${opts.name}: -c requires an argument\n`);
      return 2;
    }
    sh.arg0 = args.shift() ?? opts.name;
    sh.positional = args;
    sh.mode = "c";
  } else if (args.length && !fromStdin) {
    const script = args.shift()!;
    sh.arg0 = script;
    sh.positional = args;
    sh.mode = "script";
    try {
      const path = sh.resolve(script);
      const st = opts.fs.stat(path);
      if (!st) throw new FsError("ENOENT", path);
      if (st.type === "dir") throw new FsError("EISDIR", path);
      command = new TextDecoder().decode(opts.fs.read(path));
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      const d = opts.dialect;
      const why = e.code === "ENOENT" ? "No such file or directory" : e.code === "EISDIR" ? "Is a directory" : e.message;
      if (d === "bash") {
        opts.stderr.write(e.code === "EISDIR" ? `${opts.name}: ${script}: ${why}\n` : `${opts.name}: ${script}: ${why}\n`);
        return e.code === "EISDIR" ? 126 : 127;
      }
      if (d === "dash") opts.stderr.write(`${opts.name}: 0: cannot open ${script}: ${e.code === "ENOENT" ? "No such file" : why}\n`);
      else opts.stderr.write(`${opts.name}: can't open '${script}': ${why}\n`);
      return d === "dash" ? 2 : 2;
    }
  } else {
    sh.mode = "stdin";
    sh.positional = args;
    sh.interactive = forceInteractive || (opts.interactive ?? opts.stdin.tty);
  }
  let status: number;
  try {
    if (command !== null) status = yield* sh.runSource(command);
    else status = yield* readLoop(sh);
    yield* sh.runExitTrap();
  } catch (e) {
    if (e instanceof ShellExit || e instanceof ShellFatal) {
      status = e.status;
      sh.status = status;
      try {
        yield* sh.runExitTrap();
      } catch (e2) {
        if (!(e2 instanceof ShellExit || e2 instanceof ShellFatal)) throw e2;
      }
    } else throw e;
  }
  return status;
}

/** Commands from stdin as they arrive, line by line; prompts when interactive. */
function* readLoop(sh: Shell): Generator<Effect, number, void> {
  const input = sh.stdin();
  // ash and dash read a script from a pipe in blocks (a `read` in it sees what comes after the
  // block); bash reads it a line at a time, so `read` takes the script's next line
  const blocks = sh.dialect !== "bash" && !sh.interactive;
  let pending = "";
  let ended = false;
  const nextLine = (): string | null | undefined => {
    if (!blocks) return input.readLine();
    for (;;) {
      const i = pending.indexOf("\n");
      if (i >= 0) {
        const l = pending.slice(0, i);
        pending = pending.slice(i + 1);
        return l;
      }
      if (ended) {
        if (!pending) return null;
        const l = pending;
        pending = "";
        return l;
      }
      const d = input.read();
      if (d === undefined) return undefined;
      if (d === null) ended = true;
      else pending += new TextDecoder().decode(d);
    }
  };
  let buffer = "";
  let startLine = 1;
  let line = 1;
  let prompted = false;
  if (sh.interactive && sh.dialect === "bash" && !sh.vars.has("PS1")) sh.setVar("PS1", "\\u@\\h:\\w\\$ ");
  if (sh.interactive && sh.dialect === "ash" && !sh.vars.has("PS1")) sh.setVar("PS1", "\\w \\$ ");
  if (sh.interactive && sh.dialect === "dash" && !sh.vars.has("PS1")) sh.setVar("PS1", "# ");
  for (;;) {
    if (sh.interactive && !prompted) {
      sh.stepJobs();
      sh.write(2, yield* prompt(sh, buffer === "" ? "PS1" : "PS2"));
      prompted = true;
    }
    const l = nextLine();
    if (l === undefined) {
      yield* sh.pass({ wait: "stdin" });
      continue;
    }
    prompted = false;
    const eof = l === null;
    if (!eof) {
      buffer += l + "\n";
      line++;
      if (sh.interactive && l.trim()) sh.history.push(l);
    } else if (buffer === "") {
      if (sh.interactive) sh.write(2, sh.dialect === "bash" ? "exit\n" : "\n");
      return sh.status;
    }
    const lists: List[] = [];
    const parser = new Parser(buffer, sh.dialect, startLine);
    try {
      for (;;) {
        const list = parser.parseOne();
        if (!list) break;
        lists.push(list);
      }
      if (parser.unterminatedHeredoc && !eof) continue;
      // a line ending in an unquoted backslash goes on on the next line
      if (!eof && /(^|[^\\])(\\\\)*\\\n$/.test(buffer)) continue;
    } catch (e) {
      if (e instanceof ParseError && e.kind === "eof" && !eof) continue;
      if (e instanceof ParseError) {
        sh.lineno = e.line;
        sh.syntaxError(e, buffer);
        buffer = "";
        startLine = line;
        sh.status = 2;
        if (!sh.interactive) return 2;
        continue;
      }
      throw e;
    }
    buffer = "";
    startLine = line;
    for (const list of lists) yield* sh.runTop(list);
    if (eof) {
      if (sh.interactive) sh.write(2, sh.dialect === "bash" ? "exit\n" : "\n");
      return sh.status;
    }
  }
}

/** PS1/PS2 as the shell shows it: bash's and busybox's backslash escapes, then $parameters. */
function* prompt(sh: Shell, which: "PS1" | "PS2"): Generator<Effect, string, void> {
  const raw = sh.getVar(which) ?? (which === "PS1" ? "$ " : "> ");
  let s = raw;
  if (sh.dialect !== "dash") {
    const home = sh.getVar("HOME");
    const cwd = sh.cwd;
    const w = home && (cwd === home || cwd.startsWith(home + "/")) ? "~" + cwd.slice(home.length) : cwd;
    const uid = Number(sh.getVar("EUID") ?? "0");
    const user = sh.getVar("USER") ?? (uid === 0 ? "root" : "user");
    s = raw.replace(/\\([uhHwW$sv\\n\[\]])/g, (_m, c: string) => {
      switch (c) {
        case "u":
          return user;
        case "h":
          return sh.world.hostname.split(".")[0];
        case "H":
          return sh.world.hostname;
        case "w":
          return w;
        case "W":
          return w === "/" ? "/" : (w.split("/").pop() ?? w);
        case "$":
          return uid === 0 ? "#" : "$";
        case "s":
          return sh.dialect === "bash" ? "bash" : "sh";
        case "v":
          return "5.2";
        case "n":
          return "\n";
        case "\\":
          return "\\";
        default:
          return "";
      }
    });
  }
  if (!s.includes("$") && !s.includes("`")) return s;
  try {
    const p = new Parser(s, sh.dialect);
    const parts = p.readDqContent(null, true);
    return yield* sh.expandString({ parts });
  } catch {
    return s;
  }
}
