// Signals: kill, killall, pkill and pgrep over the container's process table.
import type { ProcessInfo, Tool, ToolContext } from "../../types";
import { err, name, say } from "./common";

export const SIGNALS = ["", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "POLL", "PWR", "SYS"];

/** A signal by number or name ("9", "KILL", "SIGKILL", "kill"), or null. */
export function signalOf(s: string): number | null {
  if (/^\d+$/.test(s)) {
    const n = Number(s);
    return n >= 0 && n < 65 ? n : null;
  }
  const up = s.toUpperCase().replace(/^SIG/, "");
  const alias: Record<string, string> = { IOT: "ABRT", IO: "POLL", CLD: "CHLD" };
  const i = SIGNALS.indexOf(alias[up] ?? up);
  return i > 0 ? i : null;
}

function listSignals(ctx: ToolContext, which?: string): number {
  if (which !== undefined) {
    const n = signalOf(which.replace(/^\d+$/, (d) => String(Number(d) & 127)));
    if (n === null) {
      err(ctx, ctx.flavour === "gnu" ? `kill: unknown signal name ${which}` : `kill: bad signal name '${which}'`);
      return 1;
    }
    say(ctx, (/^\d+$/.test(which) ? SIGNALS[n] : String(n)) + "\n");
    return 0;
  }
  if (ctx.flavour === "gnu") say(ctx, SIGNALS.slice(1).join(" ") + "\n");
  else say(ctx, SIGNALS.slice(1).map((s, i) => `${String(i + 1).padStart(2)}) ${s}\n`).join(""));
  return 0;
}

const ERRNO = { ESRCH: "No such process", EPERM: "Operation not permitted" } as const;

export const kill: Tool = {
  names: ["kill"],
  run(ctx) {
    const args = ctx.argv.slice(1);
    let sig = 15;
    let i = 0;
    if (args[0] === "-l" || args[0] === "-L" || args[0] === "--list") return listSignals(ctx, args[1]);
    if (args[0] === "-s" || args[0] === "-n") {
      const s = args[1] === undefined ? null : signalOf(args[1]);
      if (s === null) {
        err(ctx, ctx.flavour === "gnu" ? `kill: unknown signal name ${args[1] ?? ""}` : `kill: bad signal name '${args[1] ?? ""}'`);
        return 1;
      }
      sig = s;
      i = 2;
    } else if (args[0]?.startsWith("-") && args[0] !== "--" && args[0].length > 1) {
      const s = signalOf(args[0].slice(1));
      if (s === null) {
        err(ctx, ctx.flavour === "gnu" ? `kill: unknown signal name ${args[0].slice(1)}` : `kill: bad signal name '${args[0].slice(1)}'`);
        return 1;
      }
      sig = s;
      i = 1;
    }
    if (args[i] === "--") i++;
    const pids = args.slice(i);
    if (!pids.length) {
      err(ctx, ctx.flavour === "gnu" ? "\nUsage:\n kill [options] <pid> [...]\n\nOptions:\n <pid> [...]            send signal to every <pid> listed\n -<signal>, -s, --signal <signal>\n                        specify the <signal> to be sent\n -l, --list=[<signal>]  list all signal names, or convert one to a name\n -L, --table            list all signal names in a nice table\n\n -h, --help     display this help and exit\n -V, --version  output version information and exit\n\nFor more details see kill(1)." : "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: kill [-l] [-SIG] PID...");
      return 1;
    }
    let status = 0;
    for (const p of pids) {
      if (!/^-?\d+$/.test(p)) {
        err(ctx, ctx.flavour === "gnu" ? `kill: failed to parse argument: '${p}'` : `kill: invalid number '${p}'`);
        status = 1;
        continue;
      }
      const r = ctx.world.processes.kill(Number(p), sig);
      if (r) {
        err(ctx, ctx.flavour === "gnu" ? `kill: (${p}) - ${ERRNO[r]}` : `kill: can't kill pid ${p}: ${ERRNO[r]}`);
        status = 1;
      }
    }
    return status;
  },
};

function base(p: ProcessInfo): string {
  const a = p.argv[0] ?? "";
  return a.slice(a.lastIndexOf("/") + 1);
}

export const killall: Tool = {
  names: ["killall"],
  run(ctx) {
    const args = ctx.argv.slice(1);
    let sig = 15;
    let quiet = false;
    const names: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (a === "-q") quiet = true;
      else if (a === "-l") return listSignals(ctx);
      else if (a === "-s" || a === "--signal") sig = signalOf(args[++i] ?? "") ?? 15;
      else if (a.startsWith("-") && a.length > 1) {
        const s = signalOf(a.slice(1));
        if (s === null) {
          err(ctx, ctx.flavour === "gnu" ? `${a.slice(1)}: unknown signal; killall -l lists signals.` : `killall: bad signal name '${a.slice(1)}'`);
          return 1;
        }
        sig = s;
      } else names.push(a);
    }
    if (!names.length) {
      err(ctx, ctx.flavour === "gnu" ? "Usage: killall [OPTION]... [--] NAME..." : "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: killall [-lq] [-SIG] PROCESS_NAME...");
      return 1;
    }
    const self = ctx.world.processes.self;
    let status = 0;
    for (const n of names) {
      const victims = ctx.world.processes.list().filter((p) => base(p) === n && p.pid !== self);
      for (const v of victims) ctx.world.processes.kill(v.pid, sig);
      if (!victims.length) {
        if (!quiet) err(ctx, ctx.flavour === "gnu" ? `${n}: no process found` : `killall: ${n}: no process killed`);
        status = 1;
      }
    }
    return status;
  },
};

/** pgrep and pkill: a regular expression over the process name (or, with -f, the command line). */
export const pgrep: Tool = {
  names: ["pgrep", "pkill"],
  run(ctx) {
    const isKill = name(ctx) === "pkill";
    const args = ctx.argv.slice(1);
    let full = false;
    let list = false;
    let listFull = false;
    let exact = false;
    let newest = false;
    let oldest = false;
    let count = false;
    let invert = false;
    let sig = 15;
    let pattern: string | undefined;
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (pattern === undefined && a.startsWith("-") && a.length > 1) {
        if (isKill && signalOf(a.slice(1)) !== null && !/^-[flaxnocv]+$/.test(a)) {
          sig = signalOf(a.slice(1))!;
          continue;
        }
        if (a === "--signal") {
          sig = signalOf(args[++i] ?? "") ?? 15;
          continue;
        }
        for (const c of a.slice(1)) {
          if (c === "f") full = true;
          else if (c === "l") list = true;
          else if (c === "a") listFull = true;
          else if (c === "x") exact = true;
          else if (c === "n") newest = true;
          else if (c === "o") oldest = true;
          else if (c === "c") count = true;
          else if (c === "v") invert = true;
          else {
            err(ctx, ctx.flavour === "gnu" ? `${name(ctx)}: invalid option -- '${c}'` : `${name(ctx)}: invalid option -- '${c}'`);
            return 2;
          }
        }
      } else pattern = a;
    }
    if (pattern === undefined) {
      err(ctx, ctx.flavour === "gnu" ? `${name(ctx)}: no matching criteria specified\nTry \`${name(ctx)} --help' for more information.` : `BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: ${name(ctx)} [-flnovx${isKill ? "" : "c"}] [-SIGNAL] PATTERN`);
      return 2;
    }
    let re: RegExp;
    try {
      re = new RegExp(exact ? `^(?:${pattern})$` : pattern);
    } catch {
      err(ctx, `${name(ctx)}: bad regex '${pattern}'`);
      return 2;
    }
    const self = ctx.world.processes.self;
    let found = ctx.world.processes.list().filter((p) => p.pid !== self && re.test(full ? p.argv.join(" ") : base(p).slice(0, 15)) !== invert);
    found.sort((a, b) => a.pid - b.pid);
    if (newest) found = found.length ? [found.reduce((a, b) => (b.startedAt >= a.startedAt ? b : a))] : [];
    if (oldest) found = found.length ? [found.reduce((a, b) => (b.startedAt < a.startedAt ? b : a))] : [];
    if (count) say(ctx, `${found.length}\n`);
    else if (isKill) for (const p of found) ctx.world.processes.kill(p.pid, sig);
    else for (const p of found) say(ctx, listFull ? `${p.pid} ${p.argv.join(" ")}\n` : list ? `${p.pid} ${base(p)}\n` : `${p.pid}\n`);
    return found.length ? 0 : 1;
  },
};
