// which (-a): the first (or every) executable of that name along PATH.
import type { Tool, ToolContext } from "../../types";
import { joinPath, parseOpts } from "./common";

export const which: Tool = {
  names: ["which"],
  run(ctx: ToolContext): number {
    const p = parseOpts(ctx, { flags: "as", usage: "[-a] COMMAND..." });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return 1;
    let status = 0;
    const dirs = (ctx.env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin").split(":");
    for (const name of p.args) {
      const candidates = name.includes("/") ? [name] : dirs.map((d) => joinPath(d || ".", name));
      let found = false;
      for (const c of candidates) {
        let st;
        try {
          st = ctx.fs.stat(ctx.resolve(c));
        } catch {
          continue;
        }
        if (st?.type !== "file" || (st.mode & 0o111) === 0) continue;
        found = true;
        if (!p.has("s")) ctx.stdout.write(c + "\n");
        if (!p.has("a")) break;
      }
      if (!found) status = 1;
    }
    return status;
  },
};
