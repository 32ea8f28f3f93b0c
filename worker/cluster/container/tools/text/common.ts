// What the text tools share: option parsing in getopt's manner (GNU permutes and takes long
// options by unambiguous prefix; busybox stops at the first operand on musl), the two
// flavours' usage errors, reading operands and stdin (waiting for input that has not arrived),
// and line-by-line streaming so a pipeline after `tail -f` prints as lines come.
import { type Effect, FS_MESSAGES, FsError, type Input, type ToolContext, bytes, text } from "../../types";
import { concatBytes } from "../../../machinery/bytes";

export type Gen<T = number> = Generator<Effect, T, void>;

/** The banner busybox prints above an applet's usage. */
export const BUSYBOX_BANNER = "BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.";

export function name(ctx: ToolContext): string {
  const a0 = ctx.argv[0] ?? "";
  return a0.slice(a0.lastIndexOf("/") + 1);
}

/** Whether the image's busybox is built on musl (alpine), whose getopt words errors differently from glibc's. */
export function musl(ctx: ToolContext): boolean {
  try {
    return /alpine/i.test(ctx.world?.imageName ?? "");
  } catch {
    return false;
  }
}

export function say(ctx: ToolContext, msg: string): void {
  ctx.stderr.write(`${name(ctx)}: ${msg}\n`);
}

export function fsMessage(e: unknown): string {
  if (e instanceof FsError) return FS_MESSAGES[e.code];
  throw e;
}

export interface Usage {
  /** Busybox's one-line usage (after "Usage: "), e.g. "head [OPTIONS] [FILE]...". */
  busybox: string;
  /** GNU's, e.g. "head [OPTION]... [FILE]...". */
  gnu: string;
}

/** A usage error as the flavour prints it: busybox's banner and usage, or GNU's "Try '… --help'". */
export function usageError(ctx: ToolContext, usage: Usage, msg?: string): void {
  const n = name(ctx);
  if (msg !== undefined) ctx.stderr.write(`${n}: ${msg}\n`);
  if (ctx.flavour === "busybox") ctx.stderr.write(`${BUSYBOX_BANNER}\n\nUsage: ${usage.busybox}\n`);
  else ctx.stderr.write(`Try '${n} --help' for more information.\n`);
}

export interface OptSpec {
  /** Short options without an argument. */
  flags?: string;
  /** Short options that take one. */
  args?: string;
  /** Long options (GNU) by name: the key they report; a name ending in "=" takes an argument, "?" an optional one. */
  long?: Record<string, string>;
  /** Permute options after operands (default: GNU yes, busybox no). */
  permute?: boolean;
  usage: Usage;
}

export interface Parsed {
  opts: Array<[key: string, value: string]>;
  rest: string[];
  has(key: string): boolean;
  /** The last value given for an option. */
  get(key: string): string | undefined;
  all(key: string): string[];
}

function parsed(opts: Array<[string, string]>, rest: string[]): Parsed {
  return {
    opts,
    rest,
    has: (k) => opts.some(([o]) => o === k),
    get: (k) => {
      for (let i = opts.length - 1; i >= 0; i--) if (opts[i][0] === k) return opts[i][1];
      return undefined;
    },
    all: (k) => opts.filter(([o]) => o === k).map(([, v]) => v),
  };
}

/** getopt_long over argv (argv[0] excluded). On a bad option it prints the flavour's error and returns null. */
export function getopt(ctx: ToolContext, spec: OptSpec, argv: string[] = ctx.argv.slice(1)): Parsed | null {
  const flags = spec.flags ?? "";
  const args = spec.args ?? "";
  const permute = spec.permute ?? ctx.flavour === "gnu";
  const opts: Array<[string, string]> = [];
  const rest: string[] = [];
  const gnuWords = ctx.flavour === "gnu" || !musl(ctx);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--") && spec.long) {
      const eq = a.indexOf("=");
      const given = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const names = Object.keys(spec.long);
      const bare = (n: string) => n.replace(/[=?]$/, "");
      let hits = names.filter((n) => bare(n) === given);
      if (hits.length === 0) hits = names.filter((n) => bare(n).startsWith(given));
      const keys = new Set(hits.map((h) => spec.long![h]));
      if (hits.length === 0 || keys.size > 1) {
        usageError(ctx, spec.usage, hits.length === 0 ? `unrecognized option '${a}'` : `option '${a}' is ambiguous`);
        return null;
      }
      const n = hits[0];
      const key = spec.long[n];
      if (n.endsWith("=")) {
        if (eq >= 0) opts.push([key, a.slice(eq + 1)]);
        else if (i + 1 < argv.length) opts.push([key, argv[++i]]);
        else {
          usageError(ctx, spec.usage, `option '--${bare(n)}' requires an argument`);
          return null;
        }
      } else if (n.endsWith("?")) opts.push([key, eq >= 0 ? a.slice(eq + 1) : ""]);
      else {
        if (eq >= 0) {
          usageError(ctx, spec.usage, `option '--${bare(n)}' doesn't allow an argument`);
          return null;
        }
        opts.push([key, ""]);
      }
      continue;
    }
    if (a.length > 1 && a[0] === "-") {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (args.includes(c)) {
          let v = a.slice(j + 1);
          if (v === "") {
            if (i + 1 >= argv.length) {
              usageError(ctx, spec.usage, gnuWords ? `option requires an argument -- '${c}'` : `option requires an argument: ${c}`);
              return null;
            }
            v = argv[++i];
          }
          opts.push([c, v]);
          break;
        }
        if (!flags.includes(c)) {
          usageError(ctx, spec.usage, gnuWords ? `invalid option -- '${c}'` : `unrecognized option: ${c}`);
          return null;
        }
        opts.push([c, ""]);
      }
      continue;
    }
    if (!permute) {
      rest.push(...argv.slice(i));
      break;
    }
    rest.push(a);
  }
  return parsed(opts, rest);
}

/** All of an input, waiting (yielding) until it ends. */
export function* readAll(input: Input): Gen<Uint8Array> {
  const parts: Uint8Array[] = [];
  for (;;) {
    const chunk = input.read();
    if (chunk === null) break;
    if (chunk === undefined) {
      yield { wait: "stdin" };
      continue;
    }
    parts.push(chunk);
  }
  return concatBytes(parts);
}

/** A file operand's bytes, or the error code why not (a directory reads as EISDIR). */
export function readPath(ctx: ToolContext, path: string): Uint8Array | FsError {
  const p = ctx.resolve(path);
  try {
    const st = ctx.fs.stat(p);
    if (!st) return new FsError("ENOENT", p);
    if (st.type === "dir") return new FsError("EISDIR", p);
    return ctx.fs.read(p);
  } catch (e) {
    if (e instanceof FsError) return e;
    throw e;
  }
}

/** An Input over bytes already in hand. */
export function bytesInput(data: Uint8Array): Input {
  let done = false;
  return {
    tty: false,
    read() {
      if (done) return null;
      done = true;
      return data;
    },
    readLine() {
      throw new Error("readLine on a bytes input");
    },
  };
}

/**
 * Calls fn with each line of an input (without its newline; `nl` says whether it had one) as
 * it arrives. fn returns false to stop reading. Returns whether it was stopped early.
 */
export function* eachLine(input: Input, fn: (line: string, nl: boolean) => boolean | void): Gen<boolean> {
  const decoder = new TextDecoder();
  let pending = "";
  for (;;) {
    const chunk = input.read();
    if (chunk === undefined) {
      yield { wait: "stdin" };
      continue;
    }
    if (chunk === null) break;
    pending += decoder.decode(chunk, { stream: true });
    let at: number;
    while ((at = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, at);
      pending = pending.slice(at + 1);
      if (fn(line, true) === false) return true;
    }
  }
  pending += decoder.decode();
  if (pending !== "" && fn(pending, false) === false) return true;
  return false;
}

/** Lines of a whole text, and whether the last had a newline. */
export function splitLines(s: string): { lines: string[]; lastNl: boolean } {
  if (s === "") return { lines: [], lastNl: true };
  const lastNl = s.endsWith("\n");
  const lines = (lastNl ? s.slice(0, -1) : s).split("\n");
  return { lines, lastNl };
}

/**
 * The operands as inputs, in order: "-" (or none) is stdin. A file that cannot be read calls
 * onError and is skipped. Each is handed to fn with its display name.
 */
export function* eachInput(
  ctx: ToolContext,
  operands: string[],
  onError: (operand: string, e: FsError) => void,
  fn: (input: Input, operand: string) => Gen<boolean | void>,
): Gen<boolean> {
  const list = operands.length === 0 ? ["-"] : operands;
  for (const op of list) {
    let input: Input;
    if (op === "-") input = ctx.stdin;
    else {
      const data = readPath(ctx, op);
      if (data instanceof FsError) {
        onError(op, data);
        continue;
      }
      input = bytesInput(data);
    }
    if ((yield* fn(input, op)) === true) return true;
  }
  return false;
}

/** Runs a generator-or-status tool body uniformly. */
export function* drive(run: number | Gen<number>): Gen<number> {
  if (typeof run === "number") return run;
  return yield* run;
}

export { bytes, text };

/** C's strtol-like parse of a whole decimal integer (optional sign); null when it is not one. */
export function parseInteger(s: string): number | null {
  if (!/^\s*[+-]?\d+$/.test(s)) return null;
  return Number.parseInt(s, 10);
}

/** A quoted name as GNU's quote() prints it in messages: 'x'. */
export function q(s: string): string {
  return `'${s.replace(/'/g, "'\\''")}'`;
}

/** Text as a "byte string": one char per UTF-8 byte, so escapes can make any byte and widths count bytes. */
export function binary(s: string): string {
  const b = bytes(s);
  let out = "";
  for (let i = 0; i < b.length; i++) out += String.fromCharCode(b[i]);
  return out;
}

/** A byte string's bytes. */
export function fromBinary(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Like eachLine over raw bytes: each line with its newline (the last may lack one), for tools that must not re-encode. */
export function* eachRawLine(input: Input, fn: (line: Uint8Array) => boolean | void): Gen<boolean> {
  let pending: Uint8Array = new Uint8Array(0);
  for (;;) {
    const chunk = input.read();
    if (chunk === undefined) {
      yield { wait: "stdin" };
      continue;
    }
    if (chunk === null) break;
    pending = pending.length ? concatBytes([pending, chunk]) : chunk;
    let start = 0;
    let at: number;
    while ((at = pending.indexOf(10, start)) >= 0) {
      if (fn(pending.subarray(start, at + 1)) === false) return true;
      start = at + 1;
    }
    pending = pending.slice(start);
  }
  if (pending.length && fn(pending) === false) return true;
  return false;
}

/** Chunks of an input as they arrive; fn returns false to stop. */
export function* eachChunk(input: Input, fn: (chunk: Uint8Array) => boolean | void): Gen<boolean> {
  for (;;) {
    const chunk = input.read();
    if (chunk === undefined) {
      yield { wait: "stdin" };
      continue;
    }
    if (chunk === null) return false;
    if (fn(chunk) === false) return true;
  }
}

/**
 * After ctx.exec returned 127 or 126 (the program could not be run: spawn says nothing), the
 * words a tool that runs others prints. `gnu` is GNU's form for this tool ({} is the name).
 */
export function execFailed(ctx: ToolContext, code: number, cmd: string, gnu: string): void {
  if (code !== 127 && code !== 126) return;
  const why = code === 127 ? "No such file or directory" : "Permission denied";
  if (ctx.flavour === "gnu") say(ctx, `${gnu.replace("{}", cmd)}: ${why}`);
  else say(ctx, `can't execute '${cmd}': ${why}`);
}
