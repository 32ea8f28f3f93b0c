// free, uptime and top: the node's memory and load as a container sees them (the kernel's, not
// the cgroup's), and the container's own processes.
import type { Tool, ToolContext } from "../../types";
import { badOption, clock, err, loadAverages, padL, padR, parse, say, upFor } from "./common";

interface Memory {
  total: number;
  used: number;
  free: number;
  shared: number;
  cache: number;
  available: number;
}

/** A steady picture of the node's memory, in KiB. */
export function memory(ctx: ToolContext): Memory {
  const total = ctx.world.system.memoryKb;
  const used = Math.round(total * 0.18);
  const cache = Math.round(total * 0.3);
  const shared = Math.round(total * 0.01);
  return { total, used, free: total - used - cache, shared, cache, available: Math.round(total * 0.75) };
}

function users(n: number): string {
  return `${n} user${n === 1 ? "" : "s"}`;
}

export const free: Tool = {
  names: ["free"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "bkmghwtl", long: ["human", "mega", "giga", "kilo", "bytes", "mebi", "gibi", "kibi", "wide", "total"] });
    if (p.bad) return badOption(ctx, p.bad);
    const m = memory(ctx);
    const gnu = ctx.flavour === "gnu";
    const h = p.flags.has("h") || p.flags.has("human");
    const div = p.flags.has("b") || p.flags.has("bytes") ? 1 / 1024 : p.flags.has("m") || p.flags.has("mebi") ? 1024 : p.flags.has("g") || p.flags.has("gibi") ? 1024 * 1024 : 1;
    const fmt = (kb: number) => {
      if (!h) return String(Math.floor(kb / div));
      const units = gnu ? ["Ki", "Mi", "Gi", "Ti"] : ["K", "M", "G", "T"];
      let v = kb;
      let i = 0;
      while (v >= 1024 && i < units.length - 1) {
        v /= 1024;
        i++;
      }
      return (v < 10 ? v.toFixed(1) : String(Math.round(v))) + units[i];
    };
    const vals = [m.total, m.used, m.free, m.shared, m.cache, m.available].map(fmt);
    const swap = [0, 0, 0].map(fmt);
    if (gnu) {
      say(ctx, "               total        used        free      shared  buff/cache   available\n");
      say(ctx, padR("Mem:", 8) + vals.map((v) => " " + padL(v, 11)).join("") + "\n");
      say(ctx, padR("Swap:", 8) + swap.map((v) => " " + padL(v, 11)).join("") + "\n");
    } else {
      say(ctx, "              total        used        free      shared  buff/cache   available\n");
      say(ctx, "Mem:   " + vals.map((v) => padL(v, 12)).join("") + "\n");
      say(ctx, "Swap:  " + swap.map((v) => padL(v, 12)).join("") + "\n");
    }
    return 0;
  },
};

function uptimeLine(ctx: ToolContext): string {
  const now = ctx.now();
  const [a, b, c] = loadAverages(ctx);
  return ` ${clock(now)} ${upFor(now - ctx.world.system.bootTime)},  ${users(0)},  load average: ${a}, ${b}, ${c}`;
}

export const uptime: Tool = {
  names: ["uptime"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "ps", long: ["pretty", "since"] });
    if (p.bad) return badOption(ctx, p.bad);
    const up = ctx.now() - ctx.world.system.bootTime;
    if (p.flags.has("s") || p.flags.has("since")) {
      const d = new Date(ctx.world.system.bootTime);
      say(ctx, d.toISOString().slice(0, 10) + " " + clock(d.getTime()) + "\n");
      return 0;
    }
    if (p.flags.has("p") || p.flags.has("pretty")) {
      const mins = Math.floor(up / 60000);
      const parts: string[] = [];
      const days = Math.floor(mins / 1440);
      const hours = Math.floor((mins % 1440) / 60);
      const m = mins % 60;
      if (days) parts.push(`${days} day${days === 1 ? "" : "s"}`);
      if (hours) parts.push(`${hours} hour${hours === 1 ? "" : "s"}`);
      if (m || !parts.length) parts.push(`${m} minute${m === 1 ? "" : "s"}`);
      say(ctx, `up ${parts.join(", ")}\n`);
      return 0;
    }
    say(ctx, uptimeLine(ctx) + "\n");
    return 0;
  },
};

function topOnce(ctx: ToolContext): string {
  const procs = [...ctx.world.processes.list()].sort((a, b) => a.pid - b.pid);
  const m = memory(ctx);
  const [la, lb, lc] = loadAverages(ctx);
  if (ctx.flavour === "gnu") {
    const running = procs.filter((p) => p.state === "R" || p.pid === ctx.world.processes.self).length;
    const zombie = procs.filter((p) => p.state === "Z").length;
    const mib = (kb: number) => padL((kb / 1024).toFixed(1), 8);
    let out = `top - ${uptimeLine(ctx).trimStart()}\n`;
    out += `Tasks: ${padL(procs.length, 3)} total, ${padL(running, 3)} running, ${padL(procs.length - running - zombie, 3)} sleeping, ${padL(0, 3)} stopped, ${padL(zombie, 3)} zombie\n`;
    out += "%Cpu(s):  0.0 us,  0.0 sy,  0.0 ni,100.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st \n";
    out += `MiB Mem : ${mib(m.total)} total, ${mib(m.free)} free, ${mib(m.used)} used, ${mib(m.cache)} buff/cache     \n`;
    out += `MiB Swap: ${mib(0)} total, ${mib(0)} free, ${mib(0)} used. ${mib(m.available)} avail Mem \n\n`;
    out += "    PID USER      PR  NI    VIRT    RES    SHR S  %CPU  %MEM     TIME+ COMMAND\n";
    for (const p of procs) {
      const cmd = (p.argv[0] ?? "").slice((p.argv[0] ?? "").lastIndexOf("/") + 1);
      const st = p.pid === ctx.world.processes.self ? "R" : p.state;
      out += `${padL(p.pid, 7)} ${padR(p.user.slice(0, 8), 8)}  20   0 ${padL(p.vszKb, 7)} ${padL(p.rssKb, 6)} ${padL(Math.round(p.rssKb * 0.8), 6)} ${st} ${padL("0.0", 5)} ${padL(((p.rssKb / m.total) * 100).toFixed(1), 5)}   0:00.00 ${cmd}\n`;
    }
    return out;
  }
  let out = `Mem: ${m.used + m.cache}K used, ${m.free}K free, ${m.shared}K shrd, ${Math.round(m.cache / 10)}K buff, ${m.cache - Math.round(m.cache / 10)}K cached\n`;
  out += "CPU:   0% usr   0% sys   0% nic 100% idle   0% io   0% irq   0% sirq\n";
  out += `Load average: ${la} ${lb} ${lc} 1/${procs.length} ${procs.reduce((x, p) => Math.max(x, p.pid), 0)}\n`;
  out += "  PID  PPID USER     STAT   VSZ %VSZ CPU %CPU COMMAND\n";
  for (const p of procs) {
    const st = p.pid === ctx.world.processes.self ? "R" : p.state;
    const vsz = p.vszKb >= 100000 ? `${Math.round(p.vszKb / 1024)}m` : String(p.vszKb);
    out += `${padL(p.pid, 5)} ${padL(p.ppid, 5)} ${padR(p.user.slice(0, 8), 8)} ${padR(st, 4)} ${padL(vsz, 5)} ${padL(Math.round((p.vszKb / m.total) * 100), 3)}%   0   0% ${p.argv.join(" ")}\n`;
  }
  return out;
}

export const top: Tool = {
  names: ["top"],
  *run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "bHicS", withArg: "ndpmuo" });
    if (p.bad) return badOption(ctx, p.bad);
    const n = p.flags.has("n") ? Number(p.flags.get("n")) : Infinity;
    if (!Number.isFinite(n) && p.flags.has("n")) {
      err(ctx, `top: bad number '${p.flags.get("n")}'`);
      return 1;
    }
    const delay = Number(p.flags.get("d") ?? (ctx.flavour === "gnu" ? 3 : 5)) * 1000;
    for (let i = 0; i < n; i++) {
      if (i > 0) yield { sleep: delay };
      say(ctx, (ctx.stdout.tty && !p.flags.has("b") ? "\x1b[H\x1b[J" : i > 0 ? "\n" : "") + topOnce(ctx));
    }
    return 0;
  },
};
