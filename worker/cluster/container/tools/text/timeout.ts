// timeout: runs a command and stops it when its time is up (124 in GNU; busybox's timeout
// kills itself running the program, so the shell sees 143). Time is the cluster clock; a
// command waiting for input is polled so the limit still applies.
import type { Effect, Tool, ToolContext } from "../../types";
import { type Gen, execFailed, getopt, say, usageError } from "./common";

const USAGE = { busybox: "timeout [-s SIG] [-k KILL_SECS] SECS PROG ARGS", gnu: "timeout [OPTION] DURATION COMMAND [ARG]..." };

export function parseDuration(s: string): number | null {
  const m = /^(\d+\.?\d*|\.\d+)([smhd]?)$/.exec(s);
  if (!m) return null;
  return Number(m[1]) * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2]] * 1000;
}

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, KILL: 9, USR1: 10, USR2: 12, TERM: 15 };

export const timeout: Tool = {
  names: ["timeout"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, { flags: "v", args: "sk", permute: false, usage: USAGE, long: { "signal=": "s", "kill-after=": "k", "preserve-status": "p", foreground: "f", verbose: "v" } });
    if (!o) return 125;
    const [dur, ...cmd] = o.rest;
    if (dur === undefined || cmd.length === 0) {
      usageError(ctx, USAGE, gnu ? (dur === undefined ? "missing operand" : undefined) : undefined);
      return 125;
    }
    const limit = parseDuration(dur);
    if (limit === null) {
      if (gnu) usageError(ctx, USAGE, `invalid time interval '${dur}'`);
      else say(ctx, `invalid number '${dur}'`);
      return 125;
    }
    const sigName = (o.get("s") ?? "TERM").toUpperCase().replace(/^SIG/, "");
    const sig = /^\d+$/.test(sigName) ? Number(sigName) : SIGNALS[sigName];
    if (sig === undefined) {
      say(ctx, gnu ? `${o.get("s")}: invalid signal` : `unknown signal '${o.get("s")}'`);
      return 125;
    }
    const start = ctx.now();
    const run = ctx.exec(cmd);
    const left = () => limit - (ctx.now() - start);
    for (;;) {
      if (limit > 0 && left() <= 0) break;
      const step = run.next();
      if (step.done) {
        execFailed(ctx, step.value, cmd[0], "failed to run command '{}'");
        return step.value;
      }
      const e: Effect = step.value;
      if (limit === 0) {
        yield e;
        continue;
      }
      if ("sleep" in e) yield { sleep: Math.max(0, Math.min(e.sleep, left())) };
      else yield { sleep: Math.min(100, Math.max(1, left())) };
    }
    run.return(0);
    if (o.has("v")) say(ctx, `sending signal ${sigName} to command '${cmd[0]}'`);
    if (o.has("p")) return 128 + sig;
    return gnu ? 124 : 128 + sig;
  },
};
