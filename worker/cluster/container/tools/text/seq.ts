// seq: [first [inc]] last, floats printed with the widest precision given, -s separator, -w
// equal width, -f format.
import type { Tool, ToolContext } from "../../types";
import { say, usageError } from "./common";
import { formatNumber } from "./format";

const USAGE = { busybox: "seq [-w] [-s SEP] [FIRST [INC]] LAST", gnu: "seq [OPTION]... LAST" };

export const seq: Tool = {
  names: ["seq"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const args = ctx.argv.slice(1);
    let sep = "\n";
    let width = false;
    let fmt: string | undefined;
    const nums: string[] = [];
    for (let i = 0; i < args.length; i++) {
      const a = args[i];
      if (nums.length === 0 && a.startsWith("-") && !/^-\.?\d/.test(a) && a !== "-") {
        if (a === "-w" || a === "--equal-width") width = true;
        else if (a === "-s" || a === "-f") {
          if (i + 1 >= args.length) {
            usageError(ctx, USAGE, `option requires an argument -- '${a[1]}'`);
            return 1;
          }
          if (a === "-s") sep = args[++i];
          else fmt = args[++i];
        } else if (a.startsWith("-s")) sep = a.slice(2);
        else if (a.startsWith("-f")) fmt = a.slice(2);
        else if (a.startsWith("--separator=")) sep = a.slice(12);
        else if (a.startsWith("--format=")) fmt = a.slice(9);
        else if (a === "--") continue;
        else {
          usageError(ctx, USAGE, `invalid option -- '${a[1]}'`);
          return 1;
        }
        continue;
      }
      nums.push(a);
    }
    if (nums.length === 0 || nums.length > 3) {
      usageError(ctx, USAGE, gnu ? (nums.length === 0 ? "missing operand" : `extra operand '${nums[3]}'`) : undefined);
      return 1;
    }
    for (const n of nums) {
      if (!/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(n.trim())) {
        if (gnu) usageError(ctx, USAGE, `invalid floating point argument: '${n}'`);
        else say(ctx, `invalid number '${n}'`);
        return 1;
      }
    }
    const first = nums.length > 1 ? Number(nums[0]) : 1;
    const inc = nums.length > 2 ? Number(nums[1]) : 1;
    const last = Number(nums[nums.length - 1]);
    if (inc === 0) {
      if (gnu) usageError(ctx, USAGE, `invalid Zero increment value: '${nums[1]}'`);
      else say(ctx, "increment must not be 0");
      return 1;
    }
    const decimals = (s: string) => (/\.(\d*)/.exec(s)?.[1].length ?? 0);
    const prec = Math.max(...nums.slice(0, nums.length > 1 ? 2 : 0).map(decimals), nums.length > 2 ? decimals(nums[1]) : 0, 0);
    const show = (v: number) => {
      if (fmt) {
        const m = /%([-+ #0']*\d*(?:\.\d+)?)([efgEFG])/.exec(fmt);
        if (m) {
          const pm = /\.(\d+)/.exec(m[1]);
          let s = formatNumber(v, m[2], m[1], pm ? Number(pm[1]) : undefined);
          const w = /(\d+)(?:\.|$)/.exec(m[1].replace(/^[-+ #0']*/, ""));
          if (w && s.length < Number(w[1])) s = m[1].includes("-") ? s.padEnd(Number(w[1])) : s.padStart(Number(w[1]), m[1].startsWith("0") ? "0" : " ");
          return fmt.replace(m[0], s).replace(/%%/g, "%");
        }
        return fmt;
      }
      return v.toFixed(prec);
    };
    const out: string[] = [];
    const count = Math.floor((last - first) / inc + 1e-10);
    for (let k = 0; k <= count; k++) out.push(show(first + k * inc));
    if (width && !fmt) {
      const w = Math.max(...out.map((s) => s.length), 0);
      for (let k = 0; k < out.length; k++) out[k] = out[k].startsWith("-") ? `-${out[k].slice(1).padStart(w - 1, "0")}` : out[k].padStart(w, "0");
    }
    if (out.length) ctx.stdout.write(`${out.join(sep)}\n`);
    return 0;
  },
};
