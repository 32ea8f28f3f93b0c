// What the file tools share: option parsing with each flavour's wording, error lines, names of
// users and groups, mode strings, ls's dates and human sizes, and stdin read to the end.
import { type Effect, type FileSystem, FS_MESSAGES, FsError, type Stat, type ToolContext } from "../../types";
import { concatBytes } from "../../../machinery/bytes";

/** The banner busybox prints above a usage text (alpine 3.20's build). */
export const BUSYBOX_BANNER = "BusyBox v1.36.1 (2024-06-10 07:11:47 UTC) multi-call binary.";

export function progName(ctx: ToolContext): string {
  const a0 = ctx.argv[0] ?? "";
  return a0.slice(a0.lastIndexOf("/") + 1);
}

/** `prog: msg` on stderr. */
export function complain(ctx: ToolContext, msg: string): void {
  ctx.stderr.write(`${progName(ctx)}: ${msg}\n`);
}

/** strerror of a thrown FsError; anything else is a bug and goes on up. */
export function errText(e: unknown): string {
  if (e instanceof FsError) return FS_MESSAGES[e.code];
  throw e;
}

/**
 * A name as GNU quotes it in messages (quoteaf: 'x', with "x'y" when it holds a quote); busybox
 * prints names bare or in its own fixed quotes, so callers choose.
 */
export function q(name: string): string {
  if (!name.includes("'")) return `'${name}'`;
  if (!/["$`\\]/.test(name)) return `"${name}"`;
  return `'${name.replace(/'/g, "'\\''")}'`;
}

/** A usage error: GNU points at --help, busybox prints its usage text. */
export function usageError(ctx: ToolContext, msg: string | null, usage: string, status = 1): number {
  if (ctx.flavour === "gnu") {
    if (msg !== null) complain(ctx, msg);
    ctx.stderr.write(`Try '${progName(ctx)} --help' for more information.\n`);
  } else {
    if (msg !== null) complain(ctx, msg);
    ctx.stderr.write(`${BUSYBOX_BANNER}\n\nUsage: ${progName(ctx)} ${usage}\n`);
  }
  return status;
}

export interface LongOpt {
  /** The key it is recorded under (a short letter or its own name). */
  key?: string;
  arg?: "none" | "required" | "optional";
}

export interface OptSpec {
  /** Short options without an argument. */
  flags?: string;
  /** Short options taking one. */
  withArg?: string;
  long?: Record<string, LongOpt>;
  /** Options end at the first operand (as find-like and POSIXLY_CORRECT parsing). */
  stopAtOperand?: boolean;
  /** Busybox's usage line, for errors. */
  usage: string;
  /** Status of a usage error (ls: 2 on GNU). */
  status?: number;
}

export class Parsed {
  constructor(
    readonly list: Array<[string, string | true]>,
    readonly args: string[],
  ) {}
  has(key: string): boolean {
    return this.list.some(([k]) => k === key);
  }
  /** The last value given for key. */
  get(key: string): string | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) {
      const [k, v] = this.list[i]!;
      if (k === key) return v === true ? "" : v;
    }
    return undefined;
  }
  /** Which of keys came last (-f vs -i, -L vs -P). */
  last(...keys: string[]): string | undefined {
    for (let i = this.list.length - 1; i >= 0; i--) if (keys.includes(this.list[i]![0])) return this.list[i]![0];
    return undefined;
  }
  count(key: string): number {
    return this.list.filter(([k]) => k === key).length;
  }
}

/** getopt_long as each flavour's libc does it (GNU permutes; musl, which alpine's busybox uses, too). */
export function parseOpts(ctx: ToolContext, spec: OptSpec, argv: string[] = ctx.argv.slice(1)): Parsed | number {
  const gnu = ctx.flavour === "gnu";
  const status = spec.status ?? 1;
  const list: Array<[string, string | true]> = [];
  const args: string[] = [];
  const flags = spec.flags ?? "";
  const withArg = spec.withArg ?? "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--") && spec.long) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const exact = spec.long[name];
      const matches = exact ? [name] : Object.keys(spec.long).filter((n) => n.startsWith(name));
      const distinct = new Set(matches.map((m) => spec.long![m]!.key ?? m));
      if (matches.length === 0 || distinct.size > 1) {
        const msg = matches.length === 0 ? (gnu ? `unrecognized option '${a}'` : `unrecognized option: ${a.slice(2)}`) : gnu ? `option '${a}' is ambiguous` : `option is ambiguous: ${name}`;
        return usageError(ctx, msg, spec.usage, status);
      }
      const full = matches[0]!;
      const opt = spec.long[full]!;
      const key = opt.key ?? full;
      const kind = opt.arg ?? "none";
      if (eq >= 0) {
        if (kind === "none") return usageError(ctx, gnu ? `option '--${full}' doesn't allow an argument` : `option does not take an argument: ${full}`, spec.usage, status);
        list.push([key, a.slice(eq + 1)]);
      } else if (kind === "required") {
        if (i + 1 >= argv.length) return usageError(ctx, gnu ? `option '--${full}' requires an argument` : `option requires an argument: ${full}`, spec.usage, status);
        list.push([key, argv[++i]!]);
      } else list.push([key, true]);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (withArg.includes(c)) {
          const rest = a.slice(j + 1);
          if (rest !== "") list.push([c, rest]);
          else if (i + 1 < argv.length) list.push([c, argv[++i]!]);
          else return usageError(ctx, gnu ? `option requires an argument -- '${c}'` : `option requires an argument: ${c}`, spec.usage, status);
          break;
        }
        if (!flags.includes(c)) return usageError(ctx, gnu ? `invalid option -- '${c}'` : `unrecognized option: ${c}`, spec.usage, status);
        list.push([c, true]);
      }
      continue;
    }
    if (spec.stopAtOperand) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(a);
  }
  return new Parsed(list, args);
}

/** The operand a usage error about a missing one names (GNU) or the usage text (busybox). */
export function missingOperand(ctx: ToolContext, usage: string, what = "operand", after?: string): number {
  if (ctx.flavour === "busybox") return usageError(ctx, null, usage);
  return usageError(ctx, after ? `missing destination file operand after ${q(after)}` : `missing ${what}`, usage);
}

// ---------------------------------------------------------------------------------------------
// Paths

export function joinPath(dir: string, name: string): string {
  if (dir === "") return name;
  return dir.endsWith("/") ? dir + name : `${dir}/${name}`;
}

/** basename(3) as tools use it: trailing slashes ignored, "/" stays "/". */
export function baseName(p: string): string {
  const t = p.replace(/\/+$/, "");
  if (t === "") return p.startsWith("/") ? "/" : "";
  return t.slice(t.lastIndexOf("/") + 1);
}

/** dirname(3). */
export function dirName(p: string): string {
  const t = p.replace(/\/+$/, "");
  if (t === "") return p.startsWith("/") ? "/" : ".";
  const i = t.lastIndexOf("/");
  if (i < 0) return ".";
  const d = t.slice(0, i).replace(/\/+$/, "");
  return d === "" ? "/" : d;
}

// ---------------------------------------------------------------------------------------------
// Users and groups

function table(fs: FileSystem, path: string): string[][] {
  try {
    return new TextDecoder()
      .decode(fs.read(path))
      .split("\n")
      .filter((l) => l && !l.startsWith("#"))
      .map((l) => l.split(":"));
  } catch {
    return [];
  }
}

export function userName(fs: FileSystem, uid: number): string | null {
  return table(fs, "/etc/passwd").find((r) => Number(r[2]) === uid)?.[0] ?? null;
}

export function groupName(fs: FileSystem, gid: number): string | null {
  return table(fs, "/etc/group").find((r) => Number(r[2]) === gid)?.[0] ?? null;
}

/** A user by name or number: uid and primary gid. */
export function lookupUser(fs: FileSystem, name: string): { uid: number; gid: number } | null {
  const row = table(fs, "/etc/passwd").find((r) => r[0] === name);
  if (row) return { uid: Number(row[2]), gid: Number(row[3]) };
  return /^\d+$/.test(name) ? { uid: Number(name), gid: -1 } : null;
}

export function lookupGroup(fs: FileSystem, name: string): number | null {
  const row = table(fs, "/etc/group").find((r) => r[0] === name);
  if (row) return Number(row[2]);
  return /^\d+$/.test(name) ? Number(name) : null;
}

// ---------------------------------------------------------------------------------------------
// Modes, dates and sizes

const TYPE_CHAR: Record<Stat["type"], string> = { file: "-", dir: "d", symlink: "l", chardev: "c", fifo: "p", socket: "s" };

/** "drwxr-xr-x", with s/S t/T for the special bits. */
export function modeString(st: Pick<Stat, "type" | "mode">): string {
  const m = st.mode;
  const rwx = (bits: number, special: boolean, ch: string) => (bits & 4 ? "r" : "-") + (bits & 2 ? "w" : "-") + (special ? (bits & 1 ? ch : ch.toUpperCase()) : bits & 1 ? "x" : "-");
  return TYPE_CHAR[st.type] + rwx((m >> 6) & 7, (m & 0o4000) !== 0, "s") + rwx((m >> 3) & 7, (m & 0o2000) !== 0, "s") + rwx(m & 7, (m & 0o1000) !== 0, "t");
}

export const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
export const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const pad2 = (n: number) => String(n).padStart(2, "0");

/** ls -l's date: "Dec  3 14:45" within six months, "Dec  3  2025" otherwise (UTC: containers' TZ). */
export function lsDate(mtime: number, now: number): string {
  const d = new Date(mtime);
  const age = now - mtime;
  const head = `${MONTHS[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2)}`;
  if (age < (31556952 / 2) * 1000 && age > -15 * 60 * 1000) return `${head} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  return `${head}  ${d.getUTCFullYear()}`;
}

/** "2026-12-03 14:45:01.000000000 +0000" (stat, ls --full-time). */
export function fullTime(ms: number, nanos = true): string {
  const d = new Date(ms);
  const frac = nanos ? "." + String(d.getUTCMilliseconds()).padStart(3, "0") + "000000" : "";
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}${frac} +0000`;
}

/** -h sizes as ls/du print them: 1023, 1.0K, 9.9K, 10K, 1.5M (rounded up, as coreutils does). */
export function humanSize(n: number): string {
  const units = ["K", "M", "G", "T", "P"];
  if (n < 1024) return String(n);
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  if (v < 10) {
    const r = Math.ceil(v * 10) / 10;
    if (r < 10) return r.toFixed(1) + units[u];
    v = r;
  }
  const r = Math.ceil(v);
  if (r >= 1024 && u < units.length - 1) return "1.0" + units[u + 1];
  return r + units[u]!;
}

/** Disk blocks (1K) a file takes, as on a 4K-block file system: du, ls -s, ls's total. */
export function blocksK(st: Stat): number {
  if (st.type === "dir") return 4;
  if (st.type !== "file") return 0;
  return Math.ceil(st.size / 4096) * 4;
}

// ---------------------------------------------------------------------------------------------
// Streams

/** Reads stdin to its end, waiting as input arrives. */
export function* readAll(ctx: ToolContext, input = ctx.stdin): Generator<Effect, Uint8Array, void> {
  const chunks: Uint8Array[] = [];
  for (;;) {
    const c = input.read();
    if (c === null) return concatBytes(chunks);
    if (c === undefined) {
      yield { wait: "stdin" };
      continue;
    }
    chunks.push(c);
  }
}

/** A line from stdin (the -i prompts' answer), null at end of input. */
export function* readLine(ctx: ToolContext): Generator<Effect, string | null, void> {
  for (;;) {
    const l = ctx.stdin.readLine();
    if (l !== undefined) return l;
    yield { wait: "stdin" };
  }
}

/** An answer to a -i prompt is yes when it starts with y or Y. */
export function* confirm(ctx: ToolContext, prompt: string): Generator<Effect, boolean, void> {
  ctx.stderr.write(prompt);
  const l = yield* readLine(ctx);
  return l !== null && /^[yY]/.test(l);
}

export const enc = new TextEncoder();
export const dec = new TextDecoder();
