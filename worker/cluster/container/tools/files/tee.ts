// tee (-a): stdin to stdout and to each file as it arrives.
import type { Effect, Tool, ToolContext } from "../../types";
import { complain, errText, parseOpts } from "./common";

export const tee: Tool = {
  names: ["tee"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const p = parseOpts(ctx, { flags: "aip", usage: "[-ai] [FILE]...", long: { append: { key: "a" }, "ignore-interrupts": { key: "i" }, "output-error": { arg: "optional" } } });
    if (typeof p === "number") return p;
    let status = 0;
    const files: string[] = [];
    for (const f of p.args) {
      const path = ctx.resolve(f);
      try {
        // Opened (created or emptied) before anything is read, as open(2) at start would.
        ctx.fs.write(path, new Uint8Array(0), { append: p.has("a") });
        files.push(path);
      } catch (e) {
        complain(ctx, gnu ? `${f}: ${errText(e)}` : `can't open '${f}': ${errText(e)}`);
        status = 1;
      }
    }
    for (;;) {
      const c = ctx.stdin.read();
      if (c === null) break;
      if (c === undefined) {
        yield { wait: "stdin" };
        continue;
      }
      ctx.stdout.write(c);
      for (const f of files) ctx.fs.write(f, c, { append: true });
    }
    return status;
  },
};
