// env (print the environment, or run a command with it changed: -i, -u NAME, NAME=value) and
// printenv (all, or the named variables; 1 when one is unset).
import type { Tool, ToolContext } from "../../types";
import { type Gen, execFailed, usageError } from "./common";

const USAGE = { busybox: "env [-i] [-u NAME]... [-] [NAME=VALUE]... [PROG ARGS]", gnu: "env [OPTION]... [-] [NAME=VALUE]... [COMMAND [ARG]...]" };

export const env: Tool = {
  names: ["env"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const args = ctx.argv.slice(1);
    let vars: Record<string, string> = { ...ctx.env };
    let nul = false;
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i];
      if (a === "-i" || a === "--ignore-environment" || a === "-") vars = {};
      else if (a === "-0" || a === "--null") nul = true;
      else if (a === "-u" || a === "--unset") {
        if (i + 1 >= args.length) {
          usageError(ctx, USAGE, gnu ? "option requires an argument -- 'u'" : "option requires an argument -- 'u'");
          return 125;
        }
        delete vars[args[++i]];
      } else if (a.startsWith("--unset=")) delete vars[a.slice(8)];
      else if (a.startsWith("-u") && a.length > 2) delete vars[a.slice(2)];
      else if (a === "--") {
        i++;
        break;
      } else if (a.startsWith("-") && a.length > 1) {
        usageError(ctx, USAGE, gnu ? `invalid option -- '${a[1]}'` : `unrecognized option: ${a[1]}`);
        return 125;
      } else break;
    }
    for (; i < args.length && /^[^=]+=/.test(args[i]); i++) {
      const at = args[i].indexOf("=");
      vars[args[i].slice(0, at)] = args[i].slice(at + 1);
    }
    const cmd = args.slice(i);
    if (cmd.length === 0) {
      ctx.stdout.write(Object.entries(vars).map(([k, v]) => `${k}=${v}${nul ? "\0" : "\n"}`).join(""));
      return 0;
    }
    const code = yield* ctx.exec(cmd, { env: vars });
    execFailed(ctx, code, cmd[0], "'{}'");
    return code;
  },
};

export const printenv: Tool = {
  names: ["printenv"],
  run(ctx: ToolContext): number {
    const names = ctx.argv.slice(1).filter((a) => a !== "-0" && a !== "--null");
    const end = ctx.argv.includes("-0") || ctx.argv.includes("--null") ? "\0" : "\n";
    if (names.length === 0) {
      ctx.stdout.write(Object.entries(ctx.env).map(([k, v]) => `${k}=${v}${end}`).join(""));
      return 0;
    }
    let status = 0;
    for (const n of names) {
      if (Object.hasOwn(ctx.env, n)) ctx.stdout.write(`${ctx.env[n]}${end}`);
      else status = 1;
    }
    return status;
  },
};
