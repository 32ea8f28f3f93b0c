// /bin/echo as a program (the shell has its own builtin): -n, -e, -E, as GNU and busybox take them.
import type { Tool, ToolContext } from "../../types";
import { binary, fromBinary } from "./common";
import { escapes } from "./escapes";

export const echo: Tool = {
  names: ["echo"],
  run(ctx: ToolContext): number {
    let args = ctx.argv.slice(1);
    let newline = true;
    let interpret = false;
    // Only words made wholly of n, e and E are options; anything else is text (`echo -x` prints "-x").
    while (args.length > 0 && /^-[neE]+$/.test(args[0])) {
      for (const c of args[0].slice(1)) {
        if (c === "n") newline = false;
        else if (c === "e") interpret = true;
        else interpret = false;
      }
      args = args.slice(1);
    }
    // Escapes make bytes (\xff is one byte), so the text is handled as bytes throughout.
    let out = binary(args.join(" "));
    if (interpret) {
      const r = escapes(out, "echo");
      out = r.text;
      if (r.stop) newline = false;
    }
    ctx.stdout.write(fromBinary(newline ? `${out}\n` : out));
    return 0;
  },
};
