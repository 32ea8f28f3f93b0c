// Small programs about running: true, false, yes (until its reader goes), sleep (s m h d
// suffixes, fractions, infinity; cluster time passes), nohup and nice (run the command).
import type { Tool, ToolContext } from "../../types";
import { type Gen, execFailed, say, usageError } from "./common";

export const trueTool: Tool = { names: ["true"], run: () => 0 };
export const falseTool: Tool = { names: ["false"], run: () => 1 };

export const yes: Tool = {
  names: ["yes"],
  *run(ctx: ToolContext): Gen<number> {
    const line = `${ctx.argv.length > 1 ? ctx.argv.slice(1).join(" ") : "y"}\n`;
    // Written in batches; the pipe's reader (head) stops the process when it has enough.
    const batch = line.repeat(Math.max(1, Math.floor(4096 / line.length)));
    for (;;) {
      ctx.stdout.write(batch);
      yield { sleep: 1 };
    }
  },
};

const SLEEP_USAGE = { busybox: "sleep [N]...", gnu: "sleep NUMBER[SUFFIX]..." };

export const sleep: Tool = {
  names: ["sleep"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const args = ctx.argv.slice(1).filter((a) => a !== "--");
    if (args.length === 0) {
      usageError(ctx, SLEEP_USAGE, gnu ? "missing operand" : undefined);
      return 1;
    }
    let total = 0;
    for (const a of args) {
      const m = /^(\d+\.?\d*|\.\d+|inf|infinity)([smhd]?)$/i.exec(a);
      if (!m) {
        if (gnu) usageError(ctx, SLEEP_USAGE, `invalid time interval '${a}'`);
        else say(ctx, `invalid number '${a}'`);
        return 1;
      }
      const n = /^inf/i.test(m[1]) ? Infinity : Number(m[1]);
      total += n * ({ "": 1, s: 1, m: 60, h: 3600, d: 86400 } as Record<string, number>)[m[2].toLowerCase()] * 1000;
    }
    if (total === Infinity) for (;;) yield { sleep: Infinity };
    if (total > 0) yield { sleep: Math.round(total) };
    return 0;
  },
};

export const nohup: Tool = {
  names: ["nohup"],
  *run(ctx: ToolContext): Gen<number> {
    const args = ctx.argv.slice(1);
    if (args[0] === "--") args.shift();
    if (args.length === 0) {
      usageError(ctx, { busybox: "nohup PROG ARGS", gnu: "nohup COMMAND [ARG]..." }, ctx.flavour === "gnu" ? "missing operand" : undefined);
      return ctx.flavour === "gnu" ? 125 : 1;
    }
    if (ctx.stdout.tty) {
      // Output to a terminal goes to nohup.out, as both nohups do.
      say(ctx, "ignoring input and appending output to 'nohup.out'");
      const path = ctx.resolve("nohup.out");
      const out = { tty: false, write: (d: string | Uint8Array) => ctx.fs.write(path, d, { append: true }) };
      const code = yield* ctx.exec(args, { stdout: out, stderr: out });
      execFailed(ctx, code, args[0], "failed to run command '{}'");
      return code;
    }
    const code = yield* ctx.exec(args);
    execFailed(ctx, code, args[0], "failed to run command '{}'");
    return code;
  },
};

export const nice: Tool = {
  names: ["nice"],
  *run(ctx: ToolContext): Gen<number> {
    let args = ctx.argv.slice(1);
    if (args[0] === "-n" && args.length > 1) args = args.slice(2);
    else if (/^-n?-?\d+$/.test(args[0] ?? "") || /^--adjustment=/.test(args[0] ?? "")) args = args.slice(1);
    if (args[0] === "--") args = args.slice(1);
    // Without a command, nice prints the niceness the container's processes run at.
    if (args.length === 0) {
      ctx.stdout.write("0\n");
      return 0;
    }
    const code = yield* ctx.exec(args);
    execFailed(ctx, code, args[0], "'{}'");
    return code;
  },
};
