// What a container's process does over time, from its image and its command and args: a
// timeline of log lines and file changes, an optional repeating loop, and how it ends. The
// shell is understood well enough for what tutorials run: echo, sleep, exit, true/false, date,
// touch/rm/cat on files, env, `while true; do ...; done`, `for x in ...; do ...; done`, ; && ||.
import type { ImageBehaviour } from "./images";

export interface Step {
  /** Milliseconds after the process started. */
  at: number;
  log?: string;
  /** Which stream a line was written to (stdout when not said). */
  stream?: "stdout" | "stderr";
  file?: { path: string; exists: boolean };
}

export interface Program {
  steps: Step[];
  /** A body that repeats forever from `start`, every `period` ms. */
  loop?: { start: number; period: number; steps: Step[] };
  /** When and how the process exits; null when it runs until stopped. */
  exit: { at: number; code: number } | null;
  /** Whether the image's service runs (it serves its ports and answers HTTP). */
  serves: boolean;
  /** The process could not start (executable not found): the runtime's message. */
  startError?: string;
  /**
   * A program computed as it runs (container/timeline.ts): steps and exit are final up to
   * `known` ms after the start (Infinity once it has ended, or waits for input nobody typed);
   * extend() computes further. Programs without it are known whole.
   */
  known?: number;
  extend?(offset: number): void;
  /** Provably never ends (container/forever.ts): no exit to plan for. */
  forever?: boolean;
  /** Raw output with its times, for attach (a terminal's bytes, prompts included). */
  output?: { at: number; data: string }[];
}

/** The most a loop body may unroll (a `for` over many words). */
const MAX_STEPS = 2000;
/** A loop with no sleep in it still takes time; this is how long one turn is taken to last. */
const BUSY_LOOP_MS = 10;

export function argvOf(image: ImageBehaviour, command: string[] | undefined, args: string[] | undefined): string[] {
  if (command?.length) return [...command, ...(args ?? [])];
  if (args?.length) return [...image.entrypoint, ...args];
  return [...image.entrypoint, ...image.cmd];
}

/** Programs that need no shell: an image's server, its one-shot tools, `python -c`. */
export function staticProgram(image: ImageBehaviour, argv: string[]): Program | null {
  if (!argv.length) return { steps: [], exit: { at: 0, code: 0 }, serves: false };
  const [bin, ...rest] = argv;
  const base = bin.split("/").pop()!;
  if (image.servers.includes(bin) || image.servers.includes(base)) return serve(image);
  if (image.tools?.includes(bin) || image.tools?.includes(base)) return { steps: [], exit: { at: 0, code: 0 }, serves: false };
  if (["python3", "python", "node", "perl", "perl5"].includes(base) && rest.length) return interpreterScript(base, rest);
  return null;
}

export function programOf(image: ImageBehaviour, argv: string[], env: Record<string, string>): Program {
  if (!argv.length) return { steps: [], exit: { at: 0, code: 0 }, serves: false };
  const [bin, ...rest] = argv;
  const base = bin.split("/").pop()!;
  if (image.servers.includes(bin) || image.servers.includes(base)) return serve(image);
  if (image.tools?.includes(bin) || image.tools?.includes(base)) return { steps: [], exit: { at: 0, code: 0 }, serves: false };
  const shells = ["sh", "bash", "ash", "dash", "zsh"];
  if (shells.includes(base) && image.shell) {
    const c = rest.indexOf("-c");
    if (c >= 0 && rest[c + 1] !== undefined) return new Shell(image, env).run(rest[c + 1]);
    // A shell with no script and no terminal reads an empty stdin and exits at once.
    return { steps: [], exit: { at: 0, code: 0 }, serves: false };
  }
  if (!image.shell && !BUILTINS.has(base)) {
    return { steps: [], exit: { at: 0, code: 128 }, serves: false, startError: `exec: "${bin}": executable file not found in $PATH` };
  }
  if (base === "python3" || base === "python" || base === "node" || base === "perl" || base === "perl5") {
    if (!rest.length) return { steps: [], exit: { at: 0, code: 0 }, serves: false };
    return interpreterScript(base, rest);
  }
  const program = new Shell(image, env).run(argv.map(quote).join(" "));
  if (program.startError === undefined && program.exit?.code === 127 && program.steps.length === 1 && program.steps[0].log?.includes("not found")) {
    return { steps: [], exit: { at: 0, code: 128 }, serves: false, startError: `exec: "${bin}": executable file not found in $PATH` };
  }
  return program;
}

export function serve(image: ImageBehaviour): Program {
  const steps: Step[] = image.logs.map((log, i) => ({ at: Math.min(image.startMs, i), log }));
  if (image.exits) {
    for (const log of image.exits.logs ?? []) steps.push({ at: image.exits.afterMs, log });
    return { steps, exit: { at: image.exits.afterMs, code: image.exits.code }, serves: false };
  }
  return { steps, exit: null, serves: true };
}

/** `python -c 'print("hi")'`, `perl -e 'print ...'`: prints what is printed, then exits 0. */
export function interpreterScript(base: string, args: string[]): Program {
  const flag = args.indexOf(base.startsWith("perl") ? "-e" : "-c");
  const code = flag >= 0 ? args[flag + 1] ?? "" : "";
  const steps: Step[] = [];
  for (const m of code.matchAll(/(?:print|console\.log)\s*\(?\s*(["'])(.*?)\1/g)) steps.push({ at: 0, log: m[2] });
  if (/bpi\(\d+\)/.test(code)) steps.push({ at: 5000, log: "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664709384460955058223172535940812848111745028410270193852110555964462294895493038196" });
  const loops = /while\s+True|setInterval|while\s*\(\s*1\s*\)/.test(code);
  const exitMatch = /(?:sys\.exit|process\.exit|exit)\((\d+)\)/.exec(code);
  if (loops) return { steps, exit: null, serves: false };
  return { steps, exit: { at: steps.length ? steps[steps.length - 1].at : 0, code: exitMatch ? Number(exitMatch[1]) : 0 }, serves: false };
}

function quote(s: string): string {
  return /^[\w./:=@%+,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

const BUILTINS = new Set(["echo", "sleep", "exit", "true", "false", ":", "date", "touch", "rm", "cat", "env", "printenv", "hostname", "mkdir", "ls", "tail", "printf", "exec", "wget", "curl", "nslookup", "ping", "test", "[", "cp", "mv", "chmod", "export", "trap", "wait", "set", "cd", "pwd", "whoami", "id", "uname", "seq", "yes", "stress"]);

type Token = { word: string } | { op: string };

function tokenize(script: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let word: string | null = null;
  const flush = () => {
    if (word !== null) out.push({ word });
    word = null;
  };
  while (i < script.length) {
    const ch = script[i];
    if (ch === "'") {
      const end = script.indexOf("'", i + 1);
      word = (word ?? "") + script.slice(i + 1, end < 0 ? script.length : end);
      i = end < 0 ? script.length : end + 1;
    } else if (ch === '"') {
      let j = i + 1;
      let s = "";
      while (j < script.length && script[j] !== '"') {
        if (script[j] === "\\" && j + 1 < script.length) {
          s += script[j + 1];
          j += 2;
        } else s += script[j++];
      }
      word = (word ?? "") + s.replace(/\$/g, "\u0000");
      i = j + 1;
    } else if (ch === "\\" && i + 1 < script.length) {
      word = (word ?? "") + script[i + 1];
      i += 2;
    } else if (ch === "#" && word === null) {
      while (i < script.length && script[i] !== "\n") i++;
    } else if (ch === ";" || ch === "\n") {
      flush();
      out.push({ op: ";" });
      i++;
    } else if (script.startsWith("&&", i) || script.startsWith("||", i)) {
      flush();
      out.push({ op: script.slice(i, i + 2) });
      i += 2;
    } else if (ch === "&" || ch === "|") {
      flush();
      out.push({ op: ";" });
      i++;
    } else if (ch === ">" ) {
      flush();
      const append = script[i + 1] === ">";
      out.push({ op: append ? ">>" : ">" });
      i += append ? 2 : 1;
    } else if (/\s/.test(ch)) {
      flush();
      i++;
    } else {
      word = (word ?? "") + ch;
      i++;
    }
  }
  flush();
  return out;
}

interface Command {
  words: string[];
  redirect?: string;
  /** How it joins the previous command. */
  join: ";" | "&&" | "||";
}

type Node = { t: "cmd"; cmd: Command } | { t: "while"; body: Node[]; join: Command["join"] } | { t: "for"; name: string; items: string[]; body: Node[]; join: Command["join"] };

function parse(tokens: Token[]): Node[] {
  let pos = 0;
  const block = (until: string[]): Node[] => {
    const nodes: Node[] = [];
    let join: Command["join"] = ";";
    while (pos < tokens.length) {
      const t = tokens[pos];
      if ("op" in t) {
        if (t.op === ";" ) join = ";";
        else if (t.op === "&&" || t.op === "||") join = t.op;
        pos++;
        continue;
      }
      if (until.includes(t.word)) return nodes;
      if (t.word === "while" || t.word === "until") {
        pos++;
        // the condition runs to `do`; `while true`, `while :` and `while [ 1 ]` loop forever
        while (pos < tokens.length && !("word" in tokens[pos] && (tokens[pos] as { word: string }).word === "do")) pos++;
        pos++;
        const body = block(["done"]);
        pos++;
        nodes.push({ t: "while", body, join });
        join = ";";
        continue;
      }
      if (t.word === "for") {
        const name = (tokens[pos + 1] as { word?: string }).word ?? "i";
        pos += 2;
        const items: string[] = [];
        if ("word" in (tokens[pos] ?? {}) && (tokens[pos] as { word: string }).word === "in") {
          pos++;
          while (pos < tokens.length && "word" in tokens[pos] && (tokens[pos] as { word: string }).word !== "do") items.push((tokens[pos++] as { word: string }).word);
        }
        while (pos < tokens.length && !("word" in tokens[pos] && (tokens[pos] as { word: string }).word === "do")) pos++;
        pos++;
        const body = block(["done"]);
        pos++;
        nodes.push({ t: "for", name, items, body, join });
        join = ";";
        continue;
      }
      const words: string[] = [];
      let redirect: string | undefined;
      while (pos < tokens.length) {
        const x = tokens[pos];
        if ("op" in x) {
          if (x.op === ">" || x.op === ">>") {
            const target = tokens[pos + 1];
            redirect = target && "word" in target ? target.word : undefined;
            pos += 2;
            continue;
          }
          break;
        }
        if (words.length === 0 && until.includes(x.word)) break;
        words.push(x.word);
        pos++;
      }
      nodes.push({ t: "cmd", cmd: { words, redirect, join } });
      join = ";";
    }
    return nodes;
  };
  return block([]);
}

class Shell {
  private t = 0;
  private status = 0;
  private steps: Step[] = [];
  private exited: { at: number; code: number } | null = null;
  private forever = false;
  private loop?: Program["loop"];
  private vars: Record<string, string>;
  private files = new Set<string>();

  constructor(
    private readonly image: ImageBehaviour,
    env: Record<string, string>,
  ) {
    this.vars = { ...env };
  }

  run(script: string): Program {
    try {
      this.block(parse(tokenize(script)));
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
    }
    const exit = this.forever || this.loop ? null : this.exited ?? { at: this.t, code: this.status };
    return { steps: this.steps, loop: this.loop, exit, serves: this.serves };
  }

  private serves = false;

  private block(nodes: Node[]) {
    for (const n of nodes) {
      if (this.exited || this.forever || this.loop) throw new Stop();
      const join = n.t === "cmd" ? n.cmd.join : n.join;
      if (join === "&&" && this.status !== 0) continue;
      if (join === "||" && this.status === 0) continue;
      if (n.t === "cmd") this.command(n.cmd);
      else if (n.t === "for") {
        for (const item of n.items) {
          this.vars[n.name] = item;
          this.block(n.body);
          if (this.steps.length > MAX_STEPS) throw new Stop();
        }
      } else {
        // Run the body once to learn its length and output, then repeat it forever.
        const start = this.t;
        const before = this.steps.length;
        this.block(n.body);
        const body = this.steps.splice(before).map((s) => ({ ...s, at: s.at - start }));
        const period = Math.max(BUSY_LOOP_MS, this.t - start);
        if (!this.exited) {
          this.loop = { start, period, steps: body };
          throw new Stop();
        }
        this.steps.push(...body.map((s) => ({ ...s, at: s.at + start })));
      }
    }
  }

  private expand(w: string): string {
    return w
      .replace(/\u0000/g, "$")
      .replace(/\$\(date[^)]*\)|`date[^`]*`/g, "\u0001DATE\u0001")
      .replace(/\$\(hostname\)|`hostname`/g, this.vars.HOSTNAME ?? "")
      .replace(/\$\{(\w+)(?::-([^}]*))?\}|\$(\w+|\?)/g, (_m, a: string | undefined, def: string | undefined, b: string | undefined) => {
        const name = a ?? b!;
        if (name === "?") return String(this.status);
        return this.vars[name] ?? def ?? "";
      });
  }

  private emit(text: string, redirect?: string) {
    if (redirect) {
      if (redirect !== "/dev/null" && !redirect.startsWith("/proc/")) this.touch(redirect, true);
      return;
    }
    for (const line of text.split("\n")) this.steps.push({ at: this.t, log: line });
  }

  private touch(path: string, exists: boolean) {
    if (exists) this.files.add(path);
    else this.files.delete(path);
    this.steps.push({ at: this.t, file: { path, exists } });
  }

  private command(cmd: Command) {
    const words = cmd.words.map((w) => this.expand(w));
    if (!words.length) return;
    let [bin, ...args] = words;
    if (bin === "exec" && args.length) [bin, ...args] = args;
    const base = bin.split("/").pop()!;
    this.status = 0;
    if (this.image.servers.includes(bin) || this.image.servers.includes(base)) {
      const s = serve(this.image);
      for (const step of s.steps) this.steps.push({ ...step, at: this.t + step.at });
      if (s.exit) {
        this.t += s.exit.at;
        this.status = s.exit.code;
        return;
      }
      this.serves = true;
      this.forever = true;
      return;
    }
    if (this.image.tools?.includes(bin) || this.image.tools?.includes(base)) return;
    switch (base) {
      case "echo": {
        let a = args;
        let newline = true;
        if (a[0] === "-n") {
          newline = false;
          a = a.slice(1);
        } else if (a[0] === "-e") a = a.slice(1);
        const text = a.join(" ");
        if (newline || text) this.emit(text.replace(/\\n/g, "\n"), cmd.redirect);
        return;
      }
      case "printf":
        this.emit((args[0] ?? "").replace(/%s/g, () => args[1] ?? "").replace(/\\n$/, "").replace(/\\n/g, "\n"), cmd.redirect);
        return;
      case "sleep": {
        const d = args[0] ?? "0";
        if (d === "infinity" || d === "inf") {
          this.forever = true;
          return;
        }
        const m = /^(\d+(?:\.\d+)?)([smhd]?)$/.exec(d);
        if (!m) {
          this.emit(`sleep: invalid number '${d}'`);
          this.status = 1;
          return;
        }
        const unit = { "": 1000, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]]!;
        this.t += Number(m[1]) * unit;
        return;
      }
      case "exit":
        this.exited = { at: this.t, code: Number(args[0] ?? this.status) & 255 };
        this.status = this.exited.code;
        return;
      case "true":
      case ":":
      case "mkdir":
      case "cd":
      case "export":
      case "trap":
      case "set":
      case "chmod":
      case "wait":
        if (base === "export") for (const a of args) { const [k, ...v] = a.split("="); if (v.length) this.vars[k] = v.join("="); }
        return;
      case "false":
        this.status = 1;
        return;
      case "date":
        this.emit("\u0001DATE\u0001", cmd.redirect);
        return;
      case "hostname":
        this.emit(this.vars.HOSTNAME ?? "", cmd.redirect);
        return;
      case "pwd":
        this.emit("/", cmd.redirect);
        return;
      case "whoami":
        this.emit("root", cmd.redirect);
        return;
      case "uname":
        this.emit(args.includes("-a") ? "Linux pod 6.8.0-1021-gcp #23-Ubuntu SMP x86_64 GNU/Linux" : "Linux", cmd.redirect);
        return;
      case "env":
      case "printenv":
        if (args[0]) {
          if (this.vars[args[0]] === undefined) this.status = 1;
          else this.emit(this.vars[args[0]], cmd.redirect);
        } else this.emit(Object.entries(this.vars).map(([k, v]) => `${k}=${v}`).join("\n"), cmd.redirect);
        return;
      case "touch":
        for (const a of args) this.touch(a, true);
        return;
      case "rm":
        for (const a of args.filter((a) => !a.startsWith("-"))) this.touch(a, false);
        return;
      case "cat":
        for (const a of args) {
          if (!this.files.has(a)) {
            this.emit(`cat: can't open '${a}': No such file or directory`);
            this.status = 1;
          }
        }
        return;
      case "tail":
        if (args.includes("-f")) this.forever = true;
        return;
      case "yes":
        this.loop = { start: this.t, period: BUSY_LOOP_MS, steps: [{ at: 0, log: args[0] ?? "y" }] };
        return;
      case "seq": {
        const n = Number(args[args.length - 1] ?? 0);
        const from = args.length > 1 ? Number(args[0]) : 1;
        const lines: string[] = [];
        for (let i = from; i <= n && lines.length < MAX_STEPS; i++) lines.push(String(i));
        this.emit(lines.join("\n"), cmd.redirect);
        return;
      }
      case "stress":
        this.forever = true;
        return;
      case "ls":
      case "cp":
      case "mv":
      case "id":
        return;
      case "test":
      case "[":
        this.status = args.includes("-f") || args.includes("-e") ? (this.files.has(args[args.indexOf("-f") + 1] ?? args[args.indexOf("-e") + 1]) ? 0 : 1) : 0;
        return;
      case "wget":
      case "curl":
      case "nslookup":
      case "ping":
        this.t += 100;
        this.emit(`${base}: bad address '${args.filter((a) => !a.startsWith("-"))[0] ?? ""}'`);
        this.status = 1;
        return;
      default:
        this.emit(`sh: ${bin}: not found`);
        this.status = 127;
    }
  }
}

class Stop extends Error {}

/** Whether `path` exists at `offset` ms into the program (files made by touch, rm and redirects). */
export function fileExistsAt(p: Program, path: string, offset: number): boolean {
  let exists = false;
  for (const s of p.steps) if (s.at <= offset && s.file?.path === path) exists = s.file.exists;
  if (p.loop && offset >= p.loop.start) {
    const into = (offset - p.loop.start) % p.loop.period;
    const turns = Math.floor((offset - p.loop.start) / p.loop.period);
    for (const s of p.loop.steps) if (s.file?.path === path && (turns > 0 || s.at <= into)) exists = s.file.exists;
  }
  return exists;
}
