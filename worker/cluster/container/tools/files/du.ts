// du (-s -a -h -c -k -m -d N): 1K blocks of a 4K-block file system, per directory as it walks.
import type { Stat, Tool, ToolContext } from "../../types";
import { blocksK, complain, errText, humanSize, joinPath, parseOpts, q } from "./common";

export const du: Tool = {
  names: ["du"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const p = parseOpts(ctx, {
      flags: "sahckmxLHl",
      withArg: "d",
      usage: "[-aHLdclsxhmk] [FILE]...",
      long: { summarize: { key: "s" }, all: { key: "a" }, "human-readable": { key: "h" }, total: { key: "c" }, "max-depth": { key: "d", arg: "required" }, "one-file-system": { key: "x" }, "apparent-size": {}, bytes: { key: "b" } },
    });
    if (typeof p === "number") return p;
    const maxDepth = p.has("s") ? 0 : p.get("d") !== undefined ? Number(p.get("d")) : Infinity;
    const fmt = (k: number) => (p.has("h") ? humanSize(k * 1024) : p.has("m") ? String(Math.ceil(k / 1024)) : String(k));
    let status = 0;
    let grand = 0;
    const walk = (name: string, depth: number, top: boolean): number => {
      const full = ctx.resolve(name);
      let st: Stat | null;
      try {
        st = top && (p.has("L") || p.has("H")) ? ctx.fs.stat(full) : ctx.fs.lstat(full);
      } catch (e) {
        complain(ctx, gnu ? `cannot access ${q(name)}: ${errText(e)}` : `${name}: ${errText(e)}`);
        status = 1;
        return 0;
      }
      if (!st) {
        complain(ctx, gnu ? `cannot access ${q(name)}: No such file or directory` : `${name}: No such file or directory`);
        status = 1;
        return 0;
      }
      let total = blocksK(st);
      if (st.type === "dir") {
        for (const n of ctx.fs.readdir(full)) total += walk(joinPath(name, n), depth + 1, false);
        if (depth <= maxDepth) ctx.stdout.write(`${fmt(total)}\t${name}\n`);
      } else if ((p.has("a") && depth <= maxDepth) || top) ctx.stdout.write(`${fmt(total)}\t${name}\n`);
      return total;
    };
    for (const a of p.args.length ? p.args : ["."]) grand += walk(a, 0, true);
    if (p.has("c")) ctx.stdout.write(`${fmt(grand)}\ttotal\n`);
    return status;
  },
};
