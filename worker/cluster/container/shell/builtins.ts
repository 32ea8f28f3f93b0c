// The shell's builtins. Each writes through the shell's fds and words its errors per dialect
// (sh.error() adds "sh: cd: line 1: " / "bash: line 1: cd: " / "sh: 1: cd: ").
import { FsError, FS_MESSAGES, type Input } from "../types";
import { BreakSignal, ContinueSignal, ReturnSignal, ShellExit, ShellFatal, type Gen, type Shell } from "./interp";
import { isName } from "./parse";
import { escapes as expandEscapes } from "../tools/text/escapes";
import { printf, shellQuote } from "./printf";
import { evalTest } from "./test";

export type Builtin = (sh: Shell, argv: string[]) => number | Gen<number>;

export const SPECIAL_BUILTINS = new Set([":", ".", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return", "set", "shift", "times", "trap", "unset"]);
const BASH_ONLY = new Set(["builtin", "let", "declare", "typeset", "shopt", "history", "source", "mapfile", "readarray", "help", "disown", "enable", "caller", "dirs", "pushd", "popd", "compgen", "complete", "logout"]);
const ASH_HAS = new Set(["let", "source", "history", "typeset"]);
const KEYWORDS = ["!", "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in", "then", "until", "while", "{", "}", "[[", "]]", "time", "select"];

/** The builtin of this name in this shell, if it has one (dash has no `source`, only bash has `declare`). */
export function findBuiltin(sh: Shell, name: string): Builtin | undefined {
  const b = Object.prototype.hasOwnProperty.call(BUILTINS, name) ? BUILTINS[name] : undefined;
  if (!b) return undefined;
  if (BASH_ONLY.has(name) && sh.dialect !== "bash" && !(sh.dialect === "ash" && ASH_HAS.has(name))) return undefined;
  if (name === "history" && !sh.interactive) return undefined;
  return b;
}

export const SIGNALS = ["EXIT", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS"];

function signalNumber(s: string): number | null {
  if (/^[0-9]+$/.test(s)) return Number(s);
  const n = s.toUpperCase().replace(/^SIG/, "");
  const i = SIGNALS.indexOf(n === "IO" ? "POLL" : n);
  return i < 0 ? null : i;
}

function numArg(sh: Shell, s: string | undefined, what: string): number | null {
  if (s === undefined) return null;
  if (/^-?[0-9]+$/.test(s.trim())) return Number(s);
  if (sh.dialect === "bash") sh.error(`${s}: numeric argument required`);
  else sh.error(`Illegal number: ${s}`);
  void what;
  return NaN;
}

const sq = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
const dq = (v: string) => `"${v.replace(/(["\\$`])/g, "\\$1")}"`;

function echo(sh: Shell, argv: string[]): number {
  const args = argv.slice(1);
  let newline = true;
  let escapes = sh.dialect === "dash";
  while (args.length && /^-[neE]+$/.test(args[0]) && sh.dialect !== "dash") {
    const f = args.shift()!;
    for (const c of f.slice(1)) {
      if (c === "n") newline = false;
      else if (c === "e") escapes = true;
      else if (c === "E") escapes = false;
    }
  }
  if (sh.dialect === "dash" && args[0] === "-n") {
    args.shift();
    newline = false;
  }
  let s = args.join(" ");
  if (escapes) {
    const e = sh.dialect === "dash" ? expandEscapes(s, "b", { hex: false }) : expandEscapes(s, "echo");
    s = e.text;
    if (e.stop) newline = false;
  }
  sh.out(s + (newline ? "\n" : ""));
  return 0;
}

function* cd(sh: Shell, argv: string[]): Gen<number> {
  let args = argv.slice(1);
  let physical = false;
  while (args.length && /^-[LP]+$/.test(args[0])) {
    physical = args[0].includes("P");
    args = args.slice(1);
  }
  if (args[0] === "--") args = args.slice(1);
  if (args.length > 1 && sh.dialect === "bash") {
    sh.error("too many arguments");
    return 1;
  }
  let dir: string | undefined = args[0];
  let print = false;
  if (dir === undefined) {
    dir = sh.getVar("HOME");
    if (dir === undefined) {
      sh.error("HOME not set");
      return 1;
    }
  } else if (dir === "-") {
    dir = sh.getVar("OLDPWD");
    if (dir === undefined) {
      sh.error("OLDPWD not set");
      return 1;
    }
    print = true;
  }
  if (dir === "") return 0;
  let path = sh.resolve(dir);
  let err: string | null = null;
  try {
    const st = sh.fs.stat(path);
    if (!st) err = "ENOENT";
    else if (st.type !== "dir") err = "ENOTDIR";
    else if (physical) path = sh.fs.realpath(path);
  } catch (e) {
    if (!(e instanceof FsError)) throw e;
    err = e.code;
  }
  if (err) {
    const msg = FS_MESSAGES[err as keyof typeof FS_MESSAGES];
    if (sh.dialect === "bash") sh.error(`${dir}: ${msg}`);
    else if (sh.dialect === "dash") sh.error(`can't cd to ${dir}`);
    else sh.error(`can't cd to ${dir}: ${msg}`);
    return sh.dialect === "bash" ? 1 : 2;
  }
  sh.setVar("OLDPWD", sh.cwd);
  sh.vars.get("OLDPWD")!.exported = true;
  sh.cwd = path;
  sh.setVar("PWD", path);
  if (print) sh.out(path + "\n");
  return 0;
}

function listVars(sh: Shell, filter: (v: { exported: boolean; readonly: boolean }) => boolean, kind: "export" | "readonly"): void {
  const names = [...sh.vars.keys()].filter((k) => filter(sh.vars.get(k)!)).sort();
  for (const k of names) {
    const v = sh.vars.get(k)!;
    const val = Array.isArray(v.value) ? (v.value[0] ?? "") : v.value;
    if (sh.dialect === "bash") {
      const flags = (Array.isArray(v.value) ? "a" : "") + (v.readonly ? "r" : "") + (v.exported ? "x" : "");
      sh.out(`declare -${flags || "-"} ${k}${Array.isArray(v.value) ? "=(" + v.value.map((x, i) => `[${i}]=${dq(x)}`).join(" ") + ")" : "=" + dq(val)}\n`);
    } else sh.out(`${kind} ${k}=${sq(val)}\n`);
  }
}

function* exportOrReadonly(sh: Shell, argv: string[], kind: "export" | "readonly"): Gen<number> {
  let args = argv.slice(1);
  let unexport = false;
  while (args.length && /^-[pnf]+$/.test(args[0])) {
    if (args[0].includes("n")) unexport = true;
    args = args.slice(1);
  }
  if (!args.length) {
    listVars(sh, (v) => (kind === "export" ? v.exported : v.readonly), kind);
    return 0;
  }
  let st = 0;
  for (const a of args) {
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!isName(name)) {
      if (sh.dialect === "bash") sh.error(`\`${a}': not a valid identifier`);
      else sh.error(`${name}: bad variable name`);
      if (sh.dialect !== "bash") throw new ShellFatal(2);
      st = 1;
      continue;
    }
    if (eq >= 0) sh.setVar(name, a.slice(eq + 1));
    let v = sh.vars.get(name);
    if (!v && kind === "readonly") {
      sh.setVar(name, "");
      v = sh.vars.get(name)!;
      delete (v as { value: unknown }).value;
      v.value = "";
    }
    if (!v) {
      sh.vars.set(name, { value: "", exported: kind === "export" && !unexport, readonly: false });
      if (kind === "export") {
        // exported but unset: not in the environment until set (kept as an empty marker)
        sh.vars.delete(name);
        sh.pendingExports.add(name);
      }
      continue;
    }
    if (kind === "export") v.exported = !unexport;
    else v.readonly = true;
  }
  return st;
}

function* read(sh: Shell, argv: string[]): Gen<number> {
  let raw = false;
  let prompt: string | null = null;
  let timeout: number | null = null;
  let arrayName: string | null = null;
  let nchars: number | null = null;
  let delim = "\n";
  let silent = false;
  let i = 1;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      i++;
      break;
    }
    if (!a.startsWith("-") || a === "-") break;
    for (let j = 1; j < a.length; j++) {
      const c = a[j];
      if (sh.dialect === "dash" && c !== "r" && c !== "p") {
        sh.error(`Illegal option -${c}`);
        return 2;
      }
      if (c === "r") raw = true;
      else if (c === "s") silent = true;
      else if (c === "p" || c === "t" || c === "a" || c === "n" || c === "d" || c === "N" || c === "u") {
        const rest = a.slice(j + 1) || argv[++i];
        if (rest === undefined) {
          sh.error(`-${c}: option requires an argument`);
          return 2;
        }
        if (c === "p") prompt = rest;
        else if (c === "t") timeout = Number(rest);
        else if (c === "a") arrayName = rest;
        else if (c === "n" || c === "N") nchars = Number(rest);
        else if (c === "d") delim = rest[0] ?? "\0";
        break;
      } else {
        sh.error(`-${c}: invalid option`);
        return 2;
      }
    }
  }
  void silent;
  const names = argv.slice(i);
  if (!names.length && sh.dialect === "dash") {
    sh.error("arg count");
    return 2;
  }
  if (!names.length && !arrayName) names.push("REPLY");
  for (const n of names) {
    if (!isName(n)) {
      sh.error(sh.dialect === "bash" ? `\`${n}': not a valid identifier` : `${n}: bad variable name`);
      return sh.dialect === "bash" ? 1 : 2;
    }
  }
  const input = sh.stdin();
  if (prompt !== null && (sh.dialect !== "bash" || input.tty)) sh.write(2, prompt);
  const deadline = timeout !== null ? sh.now() + timeout * 1000 : null;
  let text = "";
  let eof = false;
  if (nchars !== null) return yield* readChars(sh, input, nchars, names, raw);
  for (;;) {
    const line = takeLine(input);
    if (line === undefined) {
      if (deadline !== null) {
        if (sh.now() >= deadline) return 142;
        yield* sh.pass({ sleep: Math.min(100, deadline - sh.now()) });
      } else yield* sh.pass({ wait: "stdin" });
      continue;
    }
    if (line === null) {
      eof = true;
      break;
    }
    // a trailing backslash continues the line unless -r
    if (!raw && /(^|[^\\])(\\\\)*\\$/.test(line)) {
      text += line.slice(0, -1);
      continue;
    }
    text += line;
    break;
  }
  if (eof && text === "") {
    for (const n of names) sh.setVar(n, "");
    return 1;
  }
  if (nchars !== null) text = text.slice(0, nchars);
  const ifs = sh.getVar("IFS") ?? " \t\n";
  const fields = splitRead(text, ifs, raw, arrayName ? Infinity : names.length);
  if (arrayName) {
    sh.setArray(arrayName, fields);
    return eof ? 1 : 0;
  }
  names.forEach((n, k) => sh.setVar(n, fields[k] ?? ""));
  return eof ? 1 : 0;
}

/** What `read -n` took from a line beyond its characters: later reads see it first. */
const PUSHBACK = new WeakMap<Input, string>();

function takeLine(input: Input): string | null | undefined {
  const pending = PUSHBACK.get(input);
  if (pending !== undefined) {
    const i = pending.indexOf("\n");
    if (i >= 0) {
      const rest = pending.slice(i + 1);
      if (rest) PUSHBACK.set(input, rest);
      else PUSHBACK.delete(input);
      return pending.slice(0, i);
    }
    PUSHBACK.delete(input);
    const more = input.readLine();
    if (more === undefined) {
      PUSHBACK.set(input, pending);
      return undefined;
    }
    return pending + (more ?? "");
  }
  return input.readLine();
}

/** read -n N: up to N characters, or fewer when a newline comes first. */
function* readChars(sh: Shell, input: Input, n: number, names: string[], raw: boolean): Gen<number> {
  let buf = PUSHBACK.get(input) ?? "";
  PUSHBACK.delete(input);
  for (;;) {
    const nl = buf.indexOf("\n");
    if ((nl >= 0 && nl < n) || buf.length >= n) break;
    const d = input.read();
    if (d === undefined) {
      PUSHBACK.set(input, buf);
      yield* sh.pass({ wait: "stdin" });
      buf = PUSHBACK.get(input) ?? "";
      PUSHBACK.delete(input);
      continue;
    }
    if (d === null) {
      if (!buf) {
        for (const name of names) sh.setVar(name, "");
        return 1;
      }
      break;
    }
    buf += new TextDecoder().decode(d);
  }
  const nl = buf.indexOf("\n");
  const endsAtNewline = nl >= 0 && nl < n;
  const got = buf.slice(0, endsAtNewline ? nl : Math.min(n, buf.length));
  const rest = buf.slice(endsAtNewline ? nl + 1 : got.length);
  if (rest) PUSHBACK.set(input, rest);
  const ifs = sh.getVar("IFS") ?? " \t\n";
  const fields = splitRead(got, ifs, raw, names.length);
  names.forEach((name, k) => sh.setVar(name, fields[k] ?? ""));
  return 0;
}

/** read's splitting: IFS whitespace trimmed, the last name takes the rest of the line. */
function splitRead(text: string, ifs: string, raw: boolean, max: number): string[] {
  const ws = [...ifs].filter((c) => " \t\n".includes(c)).join("");
  const isWs = (c: string) => ws.includes(c);
  const isIfs = (c: string) => ifs.includes(c);
  const out: string[] = [];
  let i = 0;
  const n = text.length;
  while (i < n && isWs(text[i])) i++;
  while (i < n) {
    if (out.length === max - 1) {
      let rest = text.slice(i);
      // trailing IFS whitespace is trimmed from the last field
      let end = rest.length;
      while (end > 0 && isWs(rest[end - 1]) && !(end > 1 && rest[end - 2] === "\\" && !raw)) end--;
      rest = rest.slice(0, end);
      out.push(raw ? rest : rest.replace(/\\(.)/g, "$1"));
      return out;
    }
    let f = "";
    while (i < n && !isIfs(text[i])) {
      if (text[i] === "\\" && !raw && i + 1 < n) {
        f += text[i + 1];
        i += 2;
        continue;
      }
      f += text[i++];
    }
    out.push(f);
    while (i < n && isWs(text[i])) i++;
    if (i < n && isIfs(text[i]) && !isWs(text[i])) {
      i++;
      while (i < n && isWs(text[i])) i++;
    }
  }
  return out;
}

function* setBuiltin(sh: Shell, argv: string[]): Gen<number> {
  const args = argv.slice(1);
  if (!args.length) {
    for (const k of [...sh.vars.keys()].sort()) {
      const v = sh.vars.get(k)!;
      const val = Array.isArray(v.value) ? null : v.value;
      if (sh.dialect === "bash") {
        if (val === null) sh.out(`${k}=(${(v.value as string[]).map((x, i) => `[${i}]=${dq(x)}`).join(" ")})\n`);
        else sh.out(`${k}=${/^[A-Za-z0-9_@%+=:,./-]*$/.test(val) && val !== "" ? val : sq(val)}\n`);
      } else sh.out(`${k}=${sq(val ?? "")}\n`);
    }
    return 0;
  }
  const longNames: Record<string, keyof Shell["opts"]> = { errexit: "e", nounset: "u", xtrace: "x", noglob: "f", noclobber: "C", noexec: "n", verbose: "v", pipefail: "pipefail", allexport: "a", monitor: "m" };
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i];
    if (a === "--") {
      sh.positional = args.slice(i + 1);
      return 0;
    }
    if (a === "-" ) {
      sh.opts.x = false;
      sh.opts.v = false;
      sh.positional = args.slice(i + 1);
      return 0;
    }
    if (!/^[-+]/.test(a)) break;
    const on = a[0] === "-";
    for (const c of a.slice(1)) {
      if (c === "o") {
        const name = args[++i];
        if (name === undefined) {
          const names = Object.keys(longNames).sort();
          for (const n of names) {
            const v = sh.opts[longNames[n]];
            if (sh.dialect === "bash") sh.out(on ? `${n.padEnd(15)}\t${v ? "on" : "off"}\n` : `set ${v ? "-" : "+"}o ${n}\n`);
            else sh.out(on ? `${n.padEnd(16)}${v ? "on" : "off"}\n` : `set ${v ? "-" : "+"}o ${n}\n`);
          }
          continue;
        }
        const key = longNames[name];
        if (!key || (key === "pipefail" && sh.dialect === "dash")) {
          if (sh.dialect === "bash") sh.error(`${name}: invalid option name`);
          else sh.error(`Illegal option -o ${name}`);
          if (sh.dialect === "bash") return 1;
          throw new ShellFatal(2);
        }
        sh.opts[key] = on;
        continue;
      }
      const key = (["e", "u", "x", "f", "C", "n", "v", "a", "m"] as const).find((k) => k === c);
      if (!key) {
        if (c === "h" || c === "B" || c === "H" || c === "b" || c === "i") continue;
        if (sh.dialect === "bash") sh.error(`-${c}: invalid option`);
        else sh.error(`Illegal option -${c}`);
        return 2;
      }
      sh.opts[key] = on;
    }
  }
  if (i < args.length) sh.positional = args.slice(i);
  return 0;
}

function* dot(sh: Shell, argv: string[]): Gen<number> {
  const name = argv[1];
  if (name === undefined) {
    if (sh.dialect === "bash") {
      sh.error("filename argument required");
      sh.write(2, `${argv[0]}: usage: ${argv[0]} filename [arguments]\n`);
      return 2;
    }
    return 0;
  }
  let path: string | null = null;
  if (name.includes("/")) path = sh.resolve(name);
  else {
    for (const dir of (sh.getVar("PATH") ?? "").split(":")) {
      const p = sh.resolve(`${dir || "."}/${name}`);
      const st = sh.fs.stat(p);
      if (st && st.type === "file") {
        path = p;
        break;
      }
    }
    if (!path && sh.dialect !== "dash") path = sh.resolve(name);
  }
  let src: string | null = null;
  try {
    if (path) src = new TextDecoder().decode(sh.fs.read(path));
  } catch (e) {
    if (!(e instanceof FsError)) throw e;
  }
  if (src === null) {
    if (sh.dialect === "bash") {
      sh.error(`${name}: No such file or directory`, null);
      return 1;
    }
    if (sh.dialect === "dash") sh.error(`cannot open ${name}: No such file`);
    else sh.error(`can't open '${name}': No such file or directory`);
    throw new ShellFatal(2);
  }
  const savedPos = sh.positional;
  const savedLine = sh.lineno;
  if (argv.length > 2) sh.positional = argv.slice(2);
  try {
    return yield* sh.runSource(src);
  } catch (e) {
    if (e instanceof ReturnSignal) return e.status;
    throw e;
  } finally {
    if (argv.length > 2) sh.positional = savedPos;
    sh.lineno = savedLine;
  }
}

function* exec(sh: Shell, argv: string[]): Gen<number> {
  const args = argv.slice(1);
  if (args[0] === "--") args.shift();
  if (!args.length) {
    sh.keepRedirs = true;
    return 0;
  }
  const st = yield* sh.runExternal(args, {}, "exec");
  throw new ShellExit(st);
}

function* exitBuiltin(sh: Shell, argv: string[]): Gen<number> {
  if (sh.interactive && sh.dialect === "bash") sh.write(2, "exit\n");
  const n = numArg(sh, argv[1], "exit");
  if (n !== null && Number.isNaN(n)) throw new ShellExit(2);
  yield* sh.runExitTrap();
  throw new ShellExit(n === null ? sh.status : ((n % 256) + 256) % 256);
}

function returnBuiltin(sh: Shell, argv: string[]): number {
  const n = numArg(sh, argv[1], "return");
  if (n !== null && Number.isNaN(n)) return 2;
  if (!sh.inFunction && !sh.sourcing) {
    if (sh.dialect === "bash") {
      sh.error("can only `return' from a function or sourced script");
      return 2;
    }
    throw new ShellExit(n === null ? sh.status : n & 255);
  }
  throw new ReturnSignal(n === null ? sh.status : ((n % 256) + 256) % 256);
}

function loopControl(sh: Shell, argv: string[], brk: boolean): number {
  const n = argv[1] === undefined ? 1 : Number(argv[1]);
  if (!Number.isInteger(n) || n < 1) {
    if (sh.dialect === "bash") sh.error(`${argv[1]}: loop count out of range`);
    else sh.error(`Illegal number: ${argv[1]}`);
    return 1;
  }
  if (!sh.inLoop) {
    if (sh.dialect === "bash") sh.error("only meaningful in a `for', `while', or `until' loop");
    return 0;
  }
  throw brk ? new BreakSignal(Math.min(n, sh.inLoop)) : new ContinueSignal(Math.min(n, sh.inLoop));
}

function shift(sh: Shell, argv: string[]): number {
  const n = argv[1] === undefined ? 1 : Number(argv[1]);
  if (!Number.isInteger(n) || n < 0) {
    sh.error(sh.dialect === "bash" ? `${argv[1]}: numeric argument required` : `Illegal number: ${argv[1]}`);
    return sh.dialect === "bash" ? 1 : 2;
  }
  if (n > sh.positional.length) {
    if (sh.dialect !== "dash") return 1;
    sh.error("can't shift that many");
    if (sh.dialect === "dash") throw new ShellFatal(2);
    return 1;
  }
  sh.positional = sh.positional.slice(n);
  return 0;
}

function unset(sh: Shell, argv: string[]): number {
  let args = argv.slice(1);
  let funcs = false;
  while (args.length && /^-[fv]+$/.test(args[0])) {
    funcs = args[0].includes("f");
    args = args.slice(1);
  }
  let st = 0;
  for (const n of args) {
    if (funcs) {
      sh.funcs.delete(n);
      continue;
    }
    if (!sh.unsetVar(n)) {
      if (sh.dialect === "bash") sh.error(`${n}: cannot unset: readonly variable`);
      else sh.error(`${n}: is read only`);
      st = 1;
    } else if (sh.funcs.has(n) && !sh.vars.has(n) && sh.dialect === "bash" && false) sh.funcs.delete(n);
  }
  return st;
}

function trap(sh: Shell, argv: string[]): number {
  const args = argv.slice(1);
  if (args[0] === "-l") {
    sh.out(SIGNALS.slice(1).map((s, i) => `${String(i + 1).padStart(2)}) SIG${s}`).join("\t").replace(/((?:[^\t]*\t){4}[^\t]*)\t/g, "$1\n") + "\n");
    return 0;
  }
  if (!args.length || args[0] === "-p") {
    for (const [sig, action] of sh.traps) sh.out(`trap -- ${sq(action)} ${sh.dialect === "bash" && sig !== "EXIT" ? "SIG" + sig : sig}\n`);
    return 0;
  }
  let action: string | null = args[0];
  let sigs = args.slice(1);
  if (/^[0-9]+$/.test(action) || (args.length === 1)) {
    sigs = args;
    action = null;
  } else if (action === "-") action = null;
  let st = 0;
  for (const s of sigs) {
    const n = signalNumber(s);
    if (n === null) {
      if (sh.dialect === "bash") sh.error(`${s}: invalid signal specification`);
      else sh.error(`${s}: bad trap`);
      st = 1;
      continue;
    }
    const name = SIGNALS[n] ?? String(n);
    if (action === null) sh.traps.delete(name);
    else sh.traps.set(name, action);
  }
  return st;
}

function typeOf(sh: Shell, name: string): { kind: "alias" | "keyword" | "function" | "special" | "builtin" | "file" | null; detail: string } {
  if (sh.aliases.has(name)) return { kind: "alias", detail: sh.aliases.get(name)! };
  if (KEYWORDS.includes(name) && (sh.dialect === "bash" || !["[[", "]]", "function", "time", "select"].includes(name))) return { kind: "keyword", detail: "" };
  const fn = sh.funcs.get(name);
  if (fn) return { kind: "function", detail: fn.src };
  if (findBuiltin(sh, name)) return { kind: SPECIAL_BUILTINS.has(name) ? "special" : "builtin", detail: "" };
  const path = sh.lookPath(name);
  if (path) return { kind: "file", detail: path };
  return { kind: null, detail: "" };
}

function typeBuiltin(sh: Shell, argv: string[], verbose = true): number {
  let args = argv.slice(1);
  let pathOnly = false;
  let kindOnly = false;
  while (sh.dialect === "bash" && args.length && /^-[aptfP]+$/.test(args[0])) {
    if (/[pP]/.test(args[0])) pathOnly = true;
    if (args[0].includes("t")) kindOnly = true;
    args = args.slice(1);
  }
  let st = 0;
  for (const name of args) {
    const t = typeOf(sh, name);
    if (kindOnly || pathOnly) {
      if (kindOnly && t.kind) sh.out(`${t.kind === "special" ? "builtin" : t.kind}\n`);
      else if (t.kind === "file") sh.out(t.detail + "\n");
      if (!t.kind) st = 1;
      continue;
    }
    switch (t.kind) {
      case "alias":
        sh.out(sh.dialect === "bash" ? `${name} is aliased to \`${t.detail}'\n` : `${name} is an alias for ${t.detail}\n`);
        break;
      case "keyword":
        sh.out(`${name} is a shell keyword\n`);
        break;
      case "function":
        if (sh.dialect === "bash") sh.out(`${name} is a function\n${name} () \n${t.detail}\n`);
        else sh.out(sh.dialect === "dash" ? `${name} is a shell function\n` : `${name} is a function\n`);
        break;
      case "special":
        sh.out(sh.dialect === "bash" ? `${name} is a shell builtin\n` : `${name} is a special shell builtin\n`);
        break;
      case "builtin":
        sh.out(`${name} is a shell builtin\n`);
        break;
      case "file":
        sh.out(`${name} is ${t.detail}\n`);
        break;
      default:
        if (sh.dialect === "bash") sh.error(`${name}: not found`);
        else sh.out(`${name}: not found\n`);
        st = sh.dialect === "bash" ? 1 : 127;
    }
  }
  void verbose;
  return st;
}

function* command(sh: Shell, argv: string[]): Gen<number> {
  let args = argv.slice(1);
  let mode: "v" | "V" | null = null;
  while (args.length && /^-[pvV]+$/.test(args[0])) {
    if (args[0].includes("v")) mode = "v";
    if (args[0].includes("V")) mode = "V";
    args = args.slice(1);
  }
  if (args[0] === "--") args = args.slice(1);
  if (mode === "V") return typeBuiltin(sh, ["type", ...args]);
  if (mode === "v") {
    let st = 0;
    for (const name of args) {
      const t = typeOf(sh, name);
      if (t.kind === "file") sh.out(t.detail + "\n");
      else if (t.kind === "alias") sh.out(sh.dialect === "bash" ? `alias ${name}=${sq(t.detail)}\n` : `alias ${name}=${sq(t.detail)}\n`);
      else if (t.kind) sh.out(name + "\n");
      else st = sh.dialect === "bash" ? 1 : 127;
    }
    return st;
  }
  if (!args.length) return 0;
  const b = findBuiltin(sh, args[0]);
  if (b) return yield* sh.runBuiltin(args[0], args);
  return yield* sh.runExternal(args);
}

function alias(sh: Shell, argv: string[]): number {
  const args = argv.slice(1).filter((a) => a !== "-p");
  const show = (n: string) => sh.out(sh.dialect === "bash" || argv.includes("-p") ? `alias ${n}=${sq(sh.aliases.get(n)!)}\n` : `${n}=${sq(sh.aliases.get(n)!)}\n`);
  if (!args.length) {
    for (const n of [...sh.aliases.keys()].sort()) show(n);
    return 0;
  }
  let st = 0;
  for (const a of args) {
    const eq = a.indexOf("=");
    if (eq > 0) sh.aliases.set(a.slice(0, eq), a.slice(eq + 1));
    else if (sh.aliases.has(a)) show(a);
    else {
      if (sh.dialect === "bash") sh.error(`${a}: not found`);
      else sh.error(`${a}: not found`);
      st = 1;
    }
  }
  return st;
}

function unalias(sh: Shell, argv: string[]): number {
  if (argv[1] === "-a") {
    sh.aliases.clear();
    return 0;
  }
  let st = 0;
  for (const a of argv.slice(1)) {
    if (!sh.aliases.delete(a)) {
      sh.error(`${a}: not found`);
      st = 1;
    }
  }
  return st;
}

function getopts(sh: Shell, argv: string[]): number {
  const optstring = argv[1];
  const name = argv[2];
  if (optstring === undefined || name === undefined) {
    if (sh.dialect === "bash") sh.write(2, "getopts: usage: getopts optstring name [arg ...]\n");
    else if (sh.dialect === "dash") sh.error("Usage: getopts optstring var [arg...]");
    else sh.error("usage: getopts optstring var [arg]");
    return 2;
  }
  const args = argv.length > 3 ? argv.slice(3) : sh.positional;
  const silent = optstring.startsWith(":");
  const spec = silent ? optstring.slice(1) : optstring;
  let optind = Number(sh.getVar("OPTIND") ?? "1") || 1;
  const state = sh.getoptsState;
  if (state.optind !== optind) {
    state.optind = optind;
    state.sub = 0;
  }
  const arg = args[optind - 1];
  if (arg === undefined || !arg.startsWith("-") || arg === "-" || (state.sub === 0 && arg === "--")) {
    if (arg === "--" && state.sub === 0) optind++;
    sh.setVar("OPTIND", String(optind));
    state.optind = optind;
    sh.setVar(name, "?");
    return 1;
  }
  const pos = state.sub || 1;
  const c = arg[pos];
  const advance = () => {
    if (pos + 1 >= arg.length) {
      optind++;
      state.sub = 0;
    } else state.sub = pos + 1;
  };
  const i = spec.indexOf(c);
  sh.unsetVar("OPTARG");
  if (i < 0 || c === ":") {
    advance();
    if (silent) {
      sh.setVar("OPTARG", c);
    } else sh.write(2, sh.dialect === "bash" ? `${sh.arg0}: illegal option -- ${c}\n` : `Illegal option -${c}\n`);
    sh.setVar(name, "?");
  } else if (spec[i + 1] === ":") {
    let val: string | undefined;
    if (pos + 1 < arg.length) {
      val = arg.slice(pos + 1);
      optind++;
    } else {
      val = args[optind];
      optind += 2;
    }
    state.sub = 0;
    if (val === undefined) {
      if (silent) {
        sh.setVar(name, ":");
        sh.setVar("OPTARG", c);
      } else {
        sh.write(2, sh.dialect === "bash" ? `${sh.arg0}: option requires an argument -- ${c}\n` : `No arg for -${c} option\n`);
        sh.setVar(name, "?");
      }
    } else {
      sh.setVar("OPTARG", val);
      sh.setVar(name, c);
    }
  } else {
    advance();
    sh.setVar(name, c);
  }
  sh.setVar("OPTIND", String(optind));
  state.optind = optind;
  return 0;
}

function umask(sh: Shell, argv: string[]): number {
  const args = argv.slice(1);
  const symbolic = args[0] === "-S";
  if (symbolic) args.shift();
  if (!args.length) {
    if (symbolic) {
      const p = (shift: number) => {
        const bits = (~sh.umask >> shift) & 7;
        return (bits & 4 ? "r" : "") + (bits & 2 ? "w" : "") + (bits & 1 ? "x" : "");
      };
      sh.out(`u=${p(6)},g=${p(3)},o=${p(0)}\n`);
    } else sh.out(sh.umask.toString(8).padStart(4, "0") + "\n");
    return 0;
  }
  if (!/^[0-7]+$/.test(args[0])) {
    sh.error(sh.dialect === "bash" ? `${args[0]}: octal number out of range` : `Illegal number: ${args[0]}`);
    return 1;
  }
  sh.umask = parseInt(args[0], 8) & 0o777;
  return 0;
}

const ULIMITS: [string, string, string, string][] = [
  ["c", "core file size", "(blocks, -c)", "unlimited"],
  ["d", "data seg size", "(kbytes, -d)", "unlimited"],
  ["e", "scheduling priority", "(-e)", "0"],
  ["f", "file size", "(blocks, -f)", "unlimited"],
  ["i", "pending signals", "(-i)", "63457"],
  ["l", "max locked memory", "(kbytes, -l)", "8192"],
  ["m", "max memory size", "(kbytes, -m)", "unlimited"],
  ["n", "open files", "(-n)", "1048576"],
  ["p", "pipe size", "(512 bytes, -p)", "8"],
  ["q", "POSIX message queues", "(bytes, -q)", "819200"],
  ["r", "real-time priority", "(-r)", "0"],
  ["s", "stack size", "(kbytes, -s)", "8192"],
  ["t", "cpu time", "(seconds, -t)", "unlimited"],
  ["u", "max user processes", "(-u)", "unlimited"],
  ["v", "virtual memory", "(kbytes, -v)", "unlimited"],
  ["x", "file locks", "(-x)", "unlimited"],
];

function ulimit(sh: Shell, argv: string[]): number {
  const args = argv.slice(1).filter((a) => a !== "-S" && a !== "-H");
  if (args[0] === "-a") {
    for (const [, name, unit, value] of ULIMITS) {
      const flag = unit.match(/-(\w)\)/)![1];
      const what = unit.replace(/,? ?-\w\)$/, ")").replace("()", "").replace("kbytes", "kb");
      if (sh.dialect === "bash") sh.out(`${`${name} `.padEnd(25)}${unit.padEnd(15)}${value}\n`);
      else if (sh.dialect === "ash") sh.out(`${`${name}${what ? " " + what : ""}`.padEnd(32)}(-${flag}) ${value}\n`);
      else sh.out(`-${flag}: ${`${name}${what ? " " + what : ""}`.padEnd(29)}${value}\n`);
    }
    return 0;
  }
  const flag = args.find((a) => a.startsWith("-"))?.slice(1) ?? "f";
  const lim = ULIMITS.find((l) => l[0] === flag);
  if (args.some((a) => !a.startsWith("-"))) return 0;
  sh.out((lim ? lim[3] : "unlimited") + "\n");
  return 0;
}

function kill(sh: Shell, argv: string[]): number {
  const args = argv.slice(1);
  if (args[0] === "-l" || args[0] === "-L") {
    if (args[1] !== undefined) {
      const n = Number(args[1]);
      sh.out((Number.isInteger(n) ? SIGNALS[n > 128 ? n - 128 : n] ?? "" : String(signalNumber(args[1]) ?? "")) + "\n");
      return 0;
    }
    if (sh.dialect === "bash") {
      const items = SIGNALS.slice(1).map((s, i) => `${String(i + 1).padStart(2)}) SIG${s}`);
      let out = "";
      items.forEach((it, i) => (out += it.padEnd(16) + ((i + 1) % 5 === 0 ? "\n" : "")));
      sh.out(out.replace(/ +\n/g, "\n").trimEnd() + "\n");
    } else if (sh.dialect === "dash") sh.out(SIGNALS.slice(1).join("\n") + "\n");
    else sh.out(SIGNALS.slice(1).map((s, i) => `${String(i + 1).padStart(2)}) ${s}\n`).join(""));
    return 0;
  }
  let sig = 15;
  if (args[0] === "-s" || args[0] === "-n") {
    const n = signalNumber(args[1] ?? "");
    if (n === null) {
      sh.error(`${args[1]}: invalid signal specification`);
      return 1;
    }
    sig = n;
    args.splice(0, 2);
  } else if (args[0]?.startsWith("-") && args[0] !== "--") {
    const n = signalNumber(args[0].slice(1));
    if (n === null) {
      sh.error(sh.dialect === "bash" ? `${args[0].slice(1)}: invalid signal specification` : `invalid signal number or name: ${args[0].slice(1)}`);
      return 1;
    }
    sig = n;
    args.shift();
  }
  if (args[0] === "--") args.shift();
  if (!args.length) {
    if (sh.dialect === "bash") sh.write(2, "kill: usage: kill [-s sigspec | -n signum | -sigspec] pid | jobspec ... or kill -l [sigspec]\n");
    else if (sh.dialect === "ash") {
      sh.write(2, `${sh.arg0.split("/").pop()}: you need to specify whom to kill\n`);
      return 1;
    } else sh.error("Usage: kill [-s sigspec | -signum | -sigspec] [pid | job]... or\nkill -l [exitstatus]");
    return sh.dialect === "bash" ? 2 : 2;
  }
  let st = 0;
  for (const a of args) {
    let pid: number;
    if (a.startsWith("%")) {
      const job = sh.jobs[Number(a.slice(1) || sh.jobs.length) - 1];
      if (!job) {
        sh.error(`${a}: no such job`);
        st = 1;
        continue;
      }
      pid = job.pid;
    } else if (/^-?[0-9]+$/.test(a)) pid = Number(a);
    else {
      sh.error(sh.dialect === "bash" ? `${a}: arguments must be process or job IDs` : `Illegal number: ${a}`);
      st = 1;
      continue;
    }
    const job = sh.jobs.find((j) => j.pid === pid && j.status === null);
    if (job) {
      if (sig !== 0 && sig !== 18 && sig !== 28 && sig !== 17) {
        job.gen.return(128 + sig);
        job.status = 128 + sig;
      }
      continue;
    }
    const r = sh.world.processes.kill(pid, sig);
    if (r === "ESRCH") {
      if (sh.dialect === "bash") sh.error(`(${pid}) - No such process`);
      else if (sh.dialect === "dash") sh.error("No such process\n");
      else sh.write(2, `${sh.arg0.split("/").pop()}: can't kill pid ${pid}: No such process\n`);
      st = 1;
    } else if (r === "EPERM") {
      if (sh.dialect === "bash") sh.error(`(${pid}) - Operation not permitted`);
      else if (sh.dialect === "dash") sh.error("Operation not permitted");
      else sh.write(2, `${sh.arg0.split("/").pop()}: can't kill pid ${pid}: Operation not permitted\n`);
      st = 1;
    }
  }
  return st;
}

function local(sh: Shell, argv: string[]): number {
  if (!sh.inFunction) {
    sh.error(sh.dialect === "bash" ? "can only be used in a function" : "not in a function");
    return sh.dialect === "bash" ? 1 : 2;
  }
  for (const a of argv.slice(1)) {
    if (a.startsWith("-")) continue;
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    if (!isName(name)) {
      sh.error(sh.dialect === "bash" ? `\`${a}': not a valid identifier` : `${name}: bad variable name`);
      return 1;
    }
    sh.makeLocal(name);
    if (eq >= 0) sh.setVar(name, a.slice(eq + 1));
    else if (sh.dialect === "bash" || !sh.vars.has(name)) {
      if (sh.dialect === "bash") sh.vars.delete(name);
    }
  }
  return 0;
}

function* letBuiltin(sh: Shell, argv: string[]): Gen<number> {
  if (argv.length < 2) {
    sh.error("expression expected");
    return 1;
  }
  let v = 0n;
  for (const e of argv.slice(1)) v = yield* sh.arithText(e);
  return v !== 0n ? 0 : 1;
}

function* declare(sh: Shell, argv: string[]): Gen<number> {
  let flags = "";
  const names: string[] = [];
  for (const a of argv.slice(1)) {
    if (/^[-+][a-zA-Z]+$/.test(a)) flags += a[0] === "-" ? a.slice(1) : "";
    else names.push(a);
  }
  if (flags.includes("f")) {
    for (const n of names.length ? names : [...sh.funcs.keys()].sort()) {
      const f = sh.funcs.get(n);
      if (f) sh.out(flags.includes("F") ? `declare -f ${n}\n` : `${n} () \n${f.src}\n`);
    }
    return 0;
  }
  if (!names.length || flags.includes("p")) {
    const list = names.length ? names : [...sh.vars.keys()].sort();
    let st = 0;
    for (const n of list) {
      const v = sh.vars.get(n);
      if (!v) {
        sh.error(`${n}: not found`);
        st = 1;
        continue;
      }
      const f = (Array.isArray(v.value) ? "a" : "") + (v.readonly ? "r" : "") + (v.exported ? "x" : "");
      const val = Array.isArray(v.value) ? "=(" + v.value.map((x, i) => `[${i}]=${dq(x)}`).join(" ") + ")" : "=" + dq(v.value);
      sh.out(`declare -${f || "-"} ${n}${val}\n`);
    }
    return st;
  }
  if (sh.inFunction && !flags.includes("g")) for (const a of names) sh.makeLocal(a.split("=")[0]);
  for (const a of names) {
    const eq = a.indexOf("=");
    const name = eq < 0 ? a : a.slice(0, eq);
    let value = eq < 0 ? undefined : a.slice(eq + 1);
    if (flags.includes("a") && value?.startsWith("(") && value.endsWith(")")) {
      sh.setArray(name, value.slice(1, -1).split(/\s+/).filter(Boolean));
      value = undefined;
    } else if (flags.includes("a") && !sh.vars.has(name)) sh.setArray(name, []);
    if (flags.includes("i") && value !== undefined) value = String(yield* sh.arithText(value));
    if (value !== undefined) sh.setVar(name, value);
    else if (!sh.vars.has(name)) sh.vars.set(name, { value: "", exported: false, readonly: false });
    const v = sh.vars.get(name)!;
    if (flags.includes("x")) v.exported = true;
    if (flags.includes("r")) v.readonly = true;
  }
  return 0;
}

function* wait(sh: Shell, argv: string[]): Gen<number> {
  const pids = argv.slice(1).filter((a) => a !== "-n" && a !== "-f").map((a) => (a.startsWith("%") ? (sh.jobs[Number(a.slice(1)) - 1]?.pid ?? -1) : Number(a)));
  return yield* sh.waitJobs(pids.length ? pids : null);
}

function history(sh: Shell, argv: string[]): number {
  if (argv[1] === "-c") {
    sh.history.length = 0;
    return 0;
  }
  sh.history.forEach((h, i) => sh.out(`${String(i + 1).padStart(5)}  ${h}\n`));
  return 0;
}

function jobs(sh: Shell, _argv: string[]): number {
  sh.jobs.forEach((j, i) => {
    const cur = i === sh.jobs.length - 1 ? "+" : i === sh.jobs.length - 2 ? "-" : " ";
    sh.out(`[${j.id}]${cur}  ${j.status === null ? "Running" : j.status === 0 ? "Done" : `Exit ${j.status}`}                 ${j.cmd}\n`);
  });
  sh.jobs = sh.jobs.filter((j) => j.status === null);
  return 0;
}

function pwd(sh: Shell, argv: string[]): number {
  if (argv.includes("-P")) {
    try {
      sh.out(sh.fs.realpath(sh.cwd) + "\n");
      return 0;
    } catch {
      // fall back to the logical path
    }
  }
  sh.out(sh.cwd + "\n");
  return 0;
}

function printfBuiltin(sh: Shell, argv: string[]): number {
  let args = argv.slice(1);
  let target: string | null = null;
  if (args[0] === "-v" && sh.dialect === "bash") {
    target = args[1];
    args = args.slice(2);
  } else if (sh.dialect === "dash" && /^-./.test(args[0] ?? "") && args[0] !== "--") {
    sh.error(`Illegal option ${args[0].slice(0, 2)}`);
    return 2;
  }
  if (args[0] === "--") args = args.slice(1);
  if (!args.length) {
    if (sh.dialect === "bash") {
      sh.write(2, "printf: usage: printf [-v var] format [arguments]\n");
      return 2;
    }
    if (sh.dialect === "dash") sh.error("usage: printf format [arg ...]");
    else sh.write(2, `${sh.arg0.split("/").pop()}: usage: printf FORMAT [ARGUMENT...]\n`);
    return 2;
  }
  const r = printf(args[0], args.slice(1), sh.dialect);
  if (target) sh.setVar(target, r.out);
  else sh.out(r.out);
  for (const e of r.errors) {
    if (sh.dialect === "ash") sh.write(2, `${sh.arg0.split("/").pop()}: ${e}\n`);
    else sh.error(e);
  }
  return r.status;
}

function testBuiltin(sh: Shell, argv: string[]): number {
  let args = argv.slice(1);
  if (argv[0] === "[") {
    if (args[args.length - 1] !== "]") {
      if (sh.dialect === "ash") sh.write(2, `${sh.arg0.split("/").pop()}: missing ]\n`);
      else sh.error(sh.dialect === "bash" ? "missing `]'" : "missing ]");
      return 2;
    }
    args = args.slice(0, -1);
  }
  return evalTest(sh, args, argv[0]);
}

function times(sh: Shell): number {
  sh.out(sh.dialect === "bash" ? "0m0.000s 0m0.000s\n0m0.000s 0m0.000s\n" : sh.dialect === "dash" ? "0m0.000000s 0m0.000000s\n0m0.000000s 0m0.000000s\n" : "0m0.000s 0m0.000s\n0m0.000s 0m0.000s\n");
  return 0;
}

function* evalBuiltin(sh: Shell, argv: string[]): Gen<number> {
  const src = argv.slice(1).join(" ");
  if (!src.trim()) return 0;
  const line = sh.lineno;
  try {
    return yield* sh.runSource(src, line);
  } finally {
    sh.lineno = line;
  }
}

function hash(sh: Shell, argv: string[]): number {
  for (const n of argv.slice(1)) {
    if (n.startsWith("-")) continue;
    if (!sh.lookPath(n)) {
      sh.error(`${n}: not found`);
      return 1;
    }
  }
  return 0;
}

function mapfile(sh: Shell, argv: string[]): Gen<number> {
  return (function* () {
    let strip = false;
    const args = argv.slice(1).filter((a) => {
      if (a === "-t") {
        strip = true;
        return false;
      }
      return true;
    });
    const name = args[0] ?? "MAPFILE";
    const input = sh.stdin();
    const lines: string[] = [];
    for (;;) {
      const l = input.readLine();
      if (l === undefined) {
        yield* sh.pass({ wait: "stdin" });
        continue;
      }
      if (l === null) break;
      lines.push(strip ? l : l + "\n");
    }
    sh.setArray(name, lines);
    return 0;
  })();
}

export const BUILTINS: Record<string, Builtin> = {
  ":": () => 0,
  true: () => 0,
  false: () => 1,
  echo,
  printf: printfBuiltin,
  cd,
  pwd,
  export: (sh, a) => exportOrReadonly(sh, a, "export"),
  readonly: (sh, a) => exportOrReadonly(sh, a, "readonly"),
  unset,
  set: setBuiltin,
  shift,
  read,
  test: testBuiltin,
  "[": testBuiltin,
  exit: exitBuiltin,
  return: returnBuiltin,
  break: (sh, a) => loopControl(sh, a, true),
  continue: (sh, a) => loopControl(sh, a, false),
  eval: evalBuiltin,
  exec,
  ".": dot,
  source: dot,
  trap,
  wait,
  type: (sh, a) => typeBuiltin(sh, a),
  command,
  alias,
  unalias,
  getopts,
  umask,
  ulimit,
  times,
  kill,
  local,
  let: letBuiltin,
  declare,
  typeset: declare,
  history,
  jobs,
  hash,
  shopt: () => 0,
  builtin: function* (sh, argv) {
    const name = argv[1];
    if (name === undefined) return 0;
    if (!findBuiltin(sh, name)) {
      sh.error(`${name}: not a shell builtin`);
      return 1;
    }
    return yield* sh.runBuiltin(name, argv.slice(1));
  },
  mapfile,
  readarray: mapfile,
};

export { shellQuote };
