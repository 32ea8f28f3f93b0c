// What the system tools share: option parsing in getopt's manner, messages in each flavour's
// words, and the small formats (sizes, times, addresses) several of them print.
import { FsError, FS_MESSAGES, type ToolContext } from "../../types";

export interface Parsed {
  /** Flags seen, by letter or long name; a flag with an argument keeps its last value (and all in `all`). */
  flags: Map<string, string | true>;
  all: Map<string, string[]>;
  args: string[];
  /** The first unknown option, for the usage error. */
  bad?: string;
  /** An option that needs an argument and had none. */
  missing?: string;
}

/**
 * getopt-style parsing: short flags bundle ("-tlnp"), `withArg` letters take the rest of the
 * word or the next word, long options ("--spider", "--output=f" or "--output f" when listed in
 * `longArg`), "--" ends options. Non-options are collected (GNU permutes; busybox too for most).
 */
export function parse(argv: string[], spec: { short?: string; withArg?: string; long?: string[]; longArg?: string[]; stopAtFirst?: boolean }): Parsed {
  const flags = new Map<string, string | true>();
  const all = new Map<string, string[]>();
  const args: string[] = [];
  const out: Parsed = { flags, all, args };
  const set = (k: string, v: string | true) => {
    flags.set(k, v);
    if (typeof v === "string") all.set(k, [...(all.get(k) ?? []), v]);
  };
  const short = spec.short ?? "";
  const withArg = spec.withArg ?? "";
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith("--") && (spec.long || spec.longArg)) {
      const eq = a.indexOf("=");
      const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
      if (spec.longArg?.includes(name)) {
        if (eq > 0) set(name, a.slice(eq + 1));
        else if (i + 1 < argv.length) set(name, argv[++i]);
        else {
          out.missing ??= name;
        }
      } else if (spec.long?.includes(name)) set(name, true);
      else out.bad ??= a;
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j];
        if (withArg.includes(c)) {
          const rest = a.slice(j + 1);
          if (rest) set(c, rest);
          else if (i + 1 < argv.length) set(c, argv[++i]);
          else out.missing ??= c;
          break;
        }
        if (short.includes(c)) set(c, true);
        else {
          out.bad ??= c;
        }
      }
      continue;
    }
    if (spec.stopAtFirst) {
      args.push(...argv.slice(i));
      break;
    }
    args.push(a);
  }
  return out;
}

export function name(ctx: ToolContext): string {
  const a = ctx.argv[0] ?? "";
  return a.slice(a.lastIndexOf("/") + 1);
}

export function say(ctx: ToolContext, s: string) {
  ctx.stdout.write(s);
}

export function err(ctx: ToolContext, s: string) {
  ctx.stderr.write(s.endsWith("\n") ? s : s + "\n");
}

/** "invalid option -- 'x'" in the flavour's words, then the usage pointer. Returns 1 (busybox) or `gnuCode`. */
export function badOption(ctx: ToolContext, opt: string, gnuCode = 1): number {
  const n = name(ctx);
  if (opt.startsWith("--")) err(ctx, ctx.flavour === "gnu" ? `${n}: unrecognized option '${opt}'` : `${n}: unrecognized option '${opt}'`);
  else err(ctx, `${n}: invalid option -- '${opt}'`);
  if (ctx.flavour === "gnu") {
    err(ctx, `Try '${n} --help' for more information.`);
    return gnuCode;
  }
  err(ctx, `BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: ${n} [OPTIONS]`);
  return 1;
}

/** A file's text, or null with the flavour's message on stderr. */
export function readText(ctx: ToolContext, path: string, quiet = false): string | null {
  try {
    return new TextDecoder().decode(ctx.fs.read(ctx.resolve(path)));
  } catch (e) {
    if (!quiet) fileError(ctx, path, e);
    return null;
  }
}

export function fileError(ctx: ToolContext, path: string, e: unknown) {
  const code = e instanceof FsError ? e.code : "EIO";
  const msg = code in FS_MESSAGES ? FS_MESSAGES[code as keyof typeof FS_MESSAGES] : String((e as Error).message);
  err(ctx, ctx.flavour === "gnu" ? `${name(ctx)}: ${path}: ${msg}` : `${name(ctx)}: can't open '${path}': ${msg}`);
}

export function padL(s: string | number, n: number): string {
  return String(s).padStart(n);
}

export function padR(s: string | number, n: number): string {
  return String(s).padEnd(n);
}

/** Sizes as `df -h`/`free -h` print them: 1K-based, one decimal under 10 (GNU rounds up). */
export function human(bytes: number, opts: { gnuFree?: boolean } = {}): string {
  const units = opts.gnuFree ? ["B", "Ki", "Mi", "Gi", "Ti", "Pi"] : ["", "K", "M", "G", "T", "P"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  if (i === 0) return opts.gnuFree ? `${Math.round(v)}B` : String(Math.round(v));
  const s = v < 10 ? (Math.ceil(v * 10) / 10).toFixed(1) : String(Math.ceil(v));
  return s + units[i];
}

export function two(n: number): string {
  return String(n).padStart(2, "0");
}

/** HH:MM:SS of a clock time (UTC: containers run with TZ unset). */
export function clock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`;
}

/** uptime's "up 3 days,  4:05" / "up 12 min" part. */
export function upFor(ms: number): string {
  const mins = Math.floor(ms / 60000);
  const days = Math.floor(mins / 1440);
  const h = Math.floor((mins % 1440) / 60);
  const m = mins % 60;
  let s = "up ";
  if (days) s += `${days} day${days === 1 ? "" : "s"}, `;
  s += h ? `${padL(h, 2)}:${two(m)}` : `${m} min`;
  return s;
}

/** The three load averages the simulation shows (an idle container's node). */
export function loadAverages(ctx: ToolContext): [string, string, string] {
  const cpus = ctx.world.system.cpus || 1;
  const base = Math.min(0.05 * cpus + 0.1, 2);
  return [base.toFixed(2), (base * 0.9).toFixed(2), (base * 0.8).toFixed(2)];
}

export const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

export function isIPv4(s: string): boolean {
  const m = IPV4.exec(s);
  return !!m && m.slice(1).every((x) => Number(x) <= 255);
}

/** The network of an address with a prefix length ("10.244.1.0"). */
export function networkOf(ip: string, prefix: number): string {
  const n = ip.split(".").reduce((a, x) => a * 256 + Number(x), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const v = (n & mask) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
}

export function maskOf(prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return [mask >>> 24, (mask >>> 16) & 255, (mask >>> 8) & 255, mask & 255].join(".");
}

export function broadcastOf(ip: string, prefix: number): string {
  const n = ip.split(".").reduce((a, x) => a * 256 + Number(x), 0);
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  const v = ((n & mask) | (~mask >>> 0)) >>> 0;
  return [v >>> 24, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
}

export const HTTP_REASONS: Record<number, string> = {
  200: "OK",
  201: "Created",
  204: "No Content",
  206: "Partial Content",
  301: "Moved Permanently",
  302: "Found",
  303: "See Other",
  304: "Not Modified",
  307: "Temporary Redirect",
  308: "Permanent Redirect",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Not Allowed",
  408: "Request Timeout",
  413: "Request Entity Too Large",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

export function reason(status: number): string {
  return HTTP_REASONS[status] ?? "";
}

/** A URL as wget/curl take it: scheme optional (http), host, port, path. */
export function parseUrl(raw: string): { scheme: string; host: string; port: number; path: string; hostPort: string } | null {
  const m = /^(?:([a-zA-Z][a-zA-Z0-9+.-]*):\/\/)?([^/?#:]*|\[[^\]]*\])(?::(\d*))?([/?#].*)?$/.exec(raw);
  if (!m || !m[2]) return null;
  const scheme = (m[1] ?? "http").toLowerCase();
  const port = m[3] ? Number(m[3]) : scheme === "https" ? 443 : scheme === "ftp" ? 21 : 80;
  const path = m[4] ? (m[4].startsWith("/") ? m[4] : "/" + m[4]) : "/";
  return { scheme, host: m[2], port, path: path.replace(/#.*$/, ""), hostPort: m[3] ? `${m[2]}:${m[3]}` : m[2] };
}

/** Users and groups of the image: /etc/passwd and /etc/group. */
export interface Account {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export function passwd(ctx: ToolContext): Account[] {
  const t = readText(ctx, "/etc/passwd", true) ?? "root:x:0:0:root:/root:/bin/sh\n";
  return t
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 4)
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] ?? "/", shell: f[6] ?? "/bin/sh" }));
}

export function groups(ctx: ToolContext): { name: string; gid: number; members: string[] }[] {
  const t = readText(ctx, "/etc/group", true) ?? "root:x:0:\n";
  return t
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(":"))
    .filter((f) => f.length >= 3)
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: (f[3] ?? "").split(",").filter(Boolean) }));
}

/** The user the container runs as (its securityContext's runAsUser, else root). */
export function currentUid(ctx: ToolContext): number {
  const c = [...(ctx.world.pod.spec?.containers ?? []), ...(ctx.world.pod.spec?.initContainers ?? []), ...(ctx.world.pod.spec?.ephemeralContainers ?? [])].find((x) => x.name === ctx.world.container);
  const uid = c?.securityContext?.runAsUser ?? ctx.world.pod.spec?.securityContext?.runAsUser;
  return typeof uid === "number" ? uid : 0;
}

export function currentGid(ctx: ToolContext): number {
  const c = [...(ctx.world.pod.spec?.containers ?? []), ...(ctx.world.pod.spec?.initContainers ?? [])].find((x) => x.name === ctx.world.container);
  const gid = c?.securityContext?.runAsGroup ?? ctx.world.pod.spec?.securityContext?.runAsGroup;
  if (typeof gid === "number") return gid;
  const uid = currentUid(ctx);
  return passwd(ctx).find((a) => a.uid === uid)?.gid ?? (uid === 0 ? 0 : uid);
}
