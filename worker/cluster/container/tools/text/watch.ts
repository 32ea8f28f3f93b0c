// watch: runs a command every -n seconds (2 by default) through sh -c, with its header
// ("Every 2.0s: cmd   host: date") unless -t; on a terminal each round clears the screen.
import type { Tool, ToolContext } from "../../types";
import { type Gen, getopt, say } from "./common";
import { strftime } from "./date";

const USAGE = { busybox: "watch [-n SEC] [-t] PROG ARGS", gnu: "watch [options] command" };

export const watch: Tool = {
  names: ["watch"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, { flags: "tdebgcx", args: "n", permute: false, usage: USAGE, long: { "interval=": "n", "no-title": "t", differences: "d", errexit: "e", beep: "b", chgexit: "g", color: "c", exec: "x" } });
    if (!o) return 1;
    if (o.rest.length === 0) {
      ctx.stderr.write(gnu ? `Usage:\n ${USAGE.gnu}\n` : `BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.\n\nUsage: ${USAGE.busybox}\n`);
      return 1;
    }
    let secs = Number((o.get("n") ?? "2").replace(",", "."));
    if (!Number.isFinite(secs)) {
      say(ctx, gnu ? `failed to parse argument: '${o.get("n")}'` : `invalid number '${o.get("n")}'`);
      return 1;
    }
    if (gnu) secs = Math.max(secs, 0.1);
    const cmdText = o.rest.join(" ");
    const argv = o.has("x") ? o.rest : ["sh", "-c", cmdText];
    const cols = Number(ctx.env.COLUMNS) || 80;
    for (;;) {
      // busybox homes and clears every round, terminal or not; procps's curses only on a terminal.
      if (!gnu) ctx.stdout.write("\x1b[H\x1b[J");
      else if (ctx.stdout.tty) ctx.stdout.write("\x1b[H\x1b[2J");
      if (!o.has("t")) {
        const left = `Every ${secs.toFixed(1)}s: ${cmdText}`;
        const right = gnu ? `${ctx.world.hostname}: ${strftime("%a %b %e %H:%M:%S %Y", ctx.now())}` : strftime("%Y-%m-%d %H:%M:%S", ctx.now());
        // busybox's header is one short of the width (the time's NUL takes the last column).
        const gap = Math.max(1, cols - (gnu ? 0 : 1) - left.length - right.length);
        ctx.stdout.write(`${left}${" ".repeat(gap)}${right}\n\n`);
      }
      const code = yield* ctx.exec(argv);
      if (o.has("e") && code !== 0) return code;
      yield { sleep: Math.round(secs * 1000) };
    }
  },
};
