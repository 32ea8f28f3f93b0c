// truncate (-s [+-<>/%]SIZE[KMG], -c): sets files' sizes, zero-filling when they grow.
import type { Tool, ToolContext } from "../../types";
import { complain, errText, missingOperand, parseOpts, q } from "./common";

const UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4, KB: 1000, MB: 1e6, GB: 1e9, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, k: 1024 };

export const truncate: Tool = {
  names: ["truncate"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-c] -s SIZE FILE...";
    const p = parseOpts(ctx, { flags: "co", withArg: "sr", usage: USAGE, long: { "no-create": { key: "c" }, size: { key: "s", arg: "required" }, reference: { key: "r", arg: "required" } } });
    if (typeof p === "number") return p;
    const spec = p.get("s");
    if (spec === undefined) {
      if (!gnu) return missingOperand(ctx, USAGE);
      complain(ctx, "you must specify either '--size' or '--reference'");
      ctx.stderr.write("Try 'truncate --help' for more information.\n");
      return 1;
    }
    const m = /^([-+<>/%]?)(\d+)([A-Za-z]*)$/.exec(spec);
    const unit = m ? UNITS[m[3]!] : undefined;
    if (!m || unit === undefined) {
      complain(ctx, gnu ? `Invalid number: ${q(spec)}` : `invalid number '${spec}'`);
      return 1;
    }
    if (p.args.length === 0) return missingOperand(ctx, USAGE, "file operand");
    const n = Number(m[2]) * unit;
    let status = 0;
    for (const f of p.args) {
      const path = ctx.resolve(f);
      try {
        const st = ctx.fs.stat(path);
        if (!st && p.has("c")) continue;
        const cur = st ? ctx.fs.read(path) : new Uint8Array(0);
        const len = cur.length;
        const want = { "": n, "+": len + n, "-": Math.max(0, len - n), "<": Math.min(len, n), ">": Math.max(len, n), "/": n ? Math.floor(len / n) * n : len, "%": n ? Math.ceil(len / n) * n : len }[m[1]!]!;
        const out = new Uint8Array(want);
        out.set(cur.subarray(0, Math.min(want, len)));
        ctx.fs.write(path, out);
      } catch (e) {
        complain(ctx, gnu ? `cannot open ${q(f)} for writing: ${errText(e)}` : `${f}: open: ${errText(e)}`);
        status = 1;
      }
    }
    return status;
  },
};
