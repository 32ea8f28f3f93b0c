// ps: busybox's "PID USER TIME COMMAND" table, or procps-ng's (plain, aux, -ef, -o) on GNU images.
import type { ProcessInfo, Tool, ToolContext } from "../../types";
import { badOption, clock, padL, padR, parse, say, two } from "./common";

/** CPU time the simulation shows: none worth counting (nothing really runs). */
const CPU_SECONDS = 0;

function command(p: ProcessInfo): string {
  return p.argv.join(" ");
}

function comm(p: ProcessInfo): string {
  const a = p.argv[0] ?? "";
  return a.slice(a.lastIndexOf("/") + 1).slice(0, 15);
}

function stat(ctx: ToolContext, p: ProcessInfo): string {
  let s = p.state;
  if (p.pid === 1 || p.ppid === 0) s += "s";
  if (p.tty && p.pid !== 1) s += "+";
  if (p.pid === ctx.world.processes.self) s = "R" + s.slice(1);
  return s;
}

function busyboxPs(ctx: ToolContext, list: ProcessInfo[], args: string[]): number {
  const p = parse(args, { short: "wTAel", withArg: "o" });
  if (p.bad) return badOption(ctx, p.bad);
  const cols = (p.all.get("o") ?? []).flatMap((o) => o.split(",")).filter(Boolean);
  if (cols.length) return custom(ctx, list, cols);
  const wide = p.flags.has("w");
  let out = "PID   USER     TIME  COMMAND\n";
  for (const x of list) {
    const line = `${padL(x.pid, 5)} ${padR(x.user.slice(0, 8), 8)} ${padL(`${Math.floor(CPU_SECONDS / 60)}:${two(CPU_SECONDS % 60)}`, 5)} ${command(x)}`;
    // Cut to the terminal's width only when writing to one (busybox's DESKTOP ps).
    out += (wide || !ctx.stdout.tty ? line : line.slice(0, 79)) + "\n";
  }
  say(ctx, out);
  return 0;
}

const CUSTOM: Record<string, { head: string; width: number; left?: boolean; get(ctx: ToolContext, p: ProcessInfo): string }> = {
  pid: { head: "PID", width: 7, get: (_c, p) => String(p.pid) },
  ppid: { head: "PPID", width: 7, get: (_c, p) => String(p.ppid) },
  user: { head: "USER", width: 8, left: true, get: (_c, p) => p.user },
  uid: { head: "UID", width: 5, get: (_c, p) => (p.user === "root" ? "0" : p.user) },
  comm: { head: "COMMAND", width: 15, left: true, get: (_c, p) => comm(p) },
  args: { head: "COMMAND", width: 0, left: true, get: (_c, p) => command(p) },
  cmd: { head: "CMD", width: 0, left: true, get: (_c, p) => command(p) },
  command: { head: "COMMAND", width: 0, left: true, get: (_c, p) => command(p) },
  stat: { head: "STAT", width: 4, left: true, get: (c, p) => stat(c, p) },
  rss: { head: "RSS", width: 5, get: (_c, p) => String(p.rssKb) },
  vsz: { head: "VSZ", width: 6, get: (_c, p) => String(p.vszKb) },
  tty: { head: "TT", width: 8, left: true, get: (_c, p) => p.tty ?? "?" },
  time: { head: "TIME", width: 8, get: () => "00:00:00" },
  etime: { head: "ELAPSED", width: 11, get: (c, p) => elapsed(c.now() - p.startedAt) },
  "%cpu": { head: "%CPU", width: 4, get: () => "0.0" },
  pcpu: { head: "%CPU", width: 4, get: () => "0.0" },
  "%mem": { head: "%MEM", width: 4, get: (c, p) => mem(c, p) },
  pmem: { head: "%MEM", width: 4, get: (c, p) => mem(c, p) },
};

function elapsed(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  return (d ? `${d}-${two(h)}:` : h ? `${two(h)}:` : "") + `${two(m)}:${two(s % 60)}`;
}

function mem(ctx: ToolContext, p: ProcessInfo): string {
  const total = ctx.world.system.memoryKb || 1;
  return ((p.rssKb / total) * 100).toFixed(1);
}

function custom(ctx: ToolContext, list: ProcessInfo[], cols: string[]): number {
  const specs = cols.map((c) => {
    const [key, head] = c.split("=");
    return { spec: CUSTOM[key.toLowerCase()], head, key };
  });
  const unknown = specs.find((s) => !s.spec);
  if (unknown) {
    say(ctx, "");
    ctx.stderr.write(ctx.flavour === "gnu" ? `error: unknown user-defined format specifier "${unknown.key}"\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.\n\nFor more details see ps(1).\n` : `ps: bad -o argument '${unknown.key}', supported arguments: user,group,comm,args,pid,ppid,pgid,etime,nice,rgroup,ruser,time,tty,vsz,sid,stat,rss\n`);
    return 1;
  }
  const row = (vals: string[]) =>
    vals
      .map((v, i) => {
        const s = specs[i].spec!;
        const last = i === vals.length - 1;
        return s.left ? (last ? v : padR(v, s.width)) : padL(v, s.width);
      })
      .join(" ")
      .trimEnd() + "\n";
  let out = specs.every((s) => s.head === "") ? "" : row(specs.map((s) => s.head ?? s.spec!.head));
  for (const p of list) out += row(specs.map((s) => s.spec!.get(ctx, p)));
  say(ctx, out);
  return 0;
}

function startTime(ctx: ToolContext, p: ProcessInfo): string {
  const now = ctx.now();
  const d = new Date(p.startedAt);
  if (now - p.startedAt < 24 * 3600e3 && new Date(now).getUTCDate() === d.getUTCDate()) return clock(p.startedAt).slice(0, 5);
  return ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()] + two(d.getUTCDate());
}

function procpsPs(ctx: ToolContext, list: ProcessInfo[], args: string[]): number {
  // BSD-style words without a dash ("aux", "ax") and UNIX options ("-ef", "-o pid,cmd").
  const bsd = args.length > 0 && !args[0].startsWith("-") ? args[0] : "";
  const p = parse(bsd ? args.slice(1) : args, { short: "efAaxlHwTu", withArg: "opC", longArg: ["format", "sort"], long: ["forest", "no-headers"] });
  if (p.bad) return badOption(ctx, p.bad);
  const cols = [...(p.all.get("o") ?? []), ...(p.all.get("format") ?? [])].flatMap((o) => o.split(",")).filter(Boolean);
  const selfTty = list.find((x) => x.pid === ctx.world.processes.self)?.tty ?? null;
  const everyone = bsd.includes("a") || bsd.includes("x") || p.flags.has("e") || p.flags.has("A");
  let shown = everyone ? list : list.filter((x) => x.tty === selfTty);
  const want = p.flags.get("C");
  if (typeof want === "string") shown = list.filter((x) => comm(x) === want);
  if (cols.length) return custom(ctx, shown, cols);
  let out = "";
  if (bsd.includes("u")) {
    out += "USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND\n";
    for (const x of shown)
      out += `${padR(x.user.slice(0, 8), 8)} ${padL(x.pid, 7)} ${padL("0.0", 4)} ${padL(mem(ctx, x), 4)} ${padL(x.vszKb, 6)} ${padL(x.rssKb, 5)} ${padR(x.tty ?? "?", 8)} ${padR(stat(ctx, x), 4)} ${padL(startTime(ctx, x), 5)} ${padL("0:00", 6)} ${command(x)}\n`;
  } else if (p.flags.has("f")) {
    out += "UID          PID    PPID  C STIME TTY          TIME CMD\n";
    for (const x of shown) out += `${padR(x.user.slice(0, 8), 8)} ${padL(x.pid, 7)} ${padL(x.ppid, 7)} ${padL(0, 2)} ${padL(startTime(ctx, x), 5)} ${padR(x.tty ?? "?", 8)} ${padL("00:00:00", 8)} ${command(x)}\n`;
  } else if (bsd) {
    out += "    PID TTY      STAT   TIME COMMAND\n";
    for (const x of shown) out += `${padL(x.pid, 7)} ${padR(x.tty ?? "?", 8)} ${padR(stat(ctx, x), 4)}   0:00 ${command(x)}\n`;
  } else {
    out += "    PID TTY          TIME CMD\n";
    for (const x of shown) out += `${padL(x.pid, 7)} ${padR(x.tty ?? "?", 8)} ${padL("00:00:00", 8)} ${comm(x)}\n`;
  }
  say(ctx, out);
  return 0;
}

export const ps: Tool = {
  names: ["ps"],
  run(ctx) {
    const list = [...ctx.world.processes.list()].sort((a, b) => a.pid - b.pid);
    return ctx.flavour === "gnu" ? procpsPs(ctx, list, ctx.argv.slice(1)) : busyboxPs(ctx, list, ctx.argv.slice(1));
  },
};
