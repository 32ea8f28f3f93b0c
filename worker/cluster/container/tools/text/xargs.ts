// xargs: builds command lines from stdin (blanks and quotes, -0 NULs, -d a delimiter), -n per
// command, -L lines, -I replace (one line each), -r skips an empty input, -t echoes each
// command to stderr; echo by default. 123 when a command failed, 127/126 when it could not run.
import type { Tool, ToolContext } from "../../types";
import { type Gen, execFailed, getopt, readAll, say, text } from "./common";

const USAGE = { busybox: "xargs [OPTIONS] [PROG ARGS]", gnu: "xargs [OPTION]... COMMAND [INITIAL-ARGS]..." };

function words(s: string): string[] | string {
  const out: string[] = [];
  let cur = "";
  let has = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === "'" || c === '"') {
      const end = s.indexOf(c, i + 1);
      if (end < 0) return `unmatched ${c === "'" ? "single" : "double"} quote; by default quotes are special to xargs unless you use the -0 option`;
      cur += s.slice(i + 1, end);
      has = true;
      i = end;
    } else if (c === "\\" && i + 1 < s.length) {
      cur += s[++i];
      has = true;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (has) out.push(cur);
      cur = "";
      has = false;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) out.push(cur);
  return out;
}

export const xargs: Tool = {
  names: ["xargs"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, {
      flags: "0rtpx",
      args: "nILdsPEa",
      permute: false,
      usage: USAGE,
      long: { null: "0", "no-run-if-empty": "r", verbose: "t", "max-args=": "n", "replace?": "I", "max-lines=": "L", "delimiter=": "d", "max-procs=": "P", "arg-file=": "a", interactive: "p" },
    });
    if (!o) return 1;
    const cmd = o.rest.length ? o.rest : ["echo"];
    const data = text(yield* readAll(ctx.stdin));
    const replace = o.has("I") ? o.get("I") || "{}" : undefined;
    let items: string[];
    if (o.has("0")) items = data.split("\0").filter((x, i, a) => !(x === "" && i === a.length - 1));
    else if (o.has("d")) {
      const d = o.get("d")!.replace(/^\\n$/, "\n").replace(/^\\t$/, "\t");
      items = data.split(d).filter((x, i, a) => !(x === "" && i === a.length - 1));
    } else if (replace !== undefined) items = data.split("\n").map((l) => l.replace(/^[ \t]+/, "")).filter((l) => l !== "");
    else {
      const w = words(data);
      if (typeof w === "string") {
        say(ctx, w);
        return 1;
      }
      items = w;
    }
    const perCmd = replace !== undefined ? 1 : o.has("n") ? Math.max(1, Number(o.get("n"))) : o.has("L") ? Math.max(1, Number(o.get("L"))) : Infinity;
    if (items.length === 0) {
      // GNU runs the command once with no arguments unless -r; busybox does too.
      if (o.has("r") || replace !== undefined) return 0;
      items = [];
    }
    let status = 0;
    const batches: string[][] = [];
    if (items.length === 0) batches.push([]);
    for (let i = 0; i < items.length; i += perCmd === Infinity ? items.length || 1 : perCmd) batches.push(items.slice(i, i + (perCmd === Infinity ? items.length : perCmd)));
    for (const batch of batches) {
      const argv = replace !== undefined ? cmd.map((a) => a.split(replace).join(batch[0])) : [...cmd, ...batch];
      if (o.has("t") || o.has("p")) ctx.stderr.write(`${argv.join(" ")}\n`);
      const code = yield* ctx.exec(argv);
      if (code === 255) {
        say(ctx, `${argv[0]}: exited with status 255; aborting`);
        return 124;
      }
      if (code === 127 || code === 126) {
        if (gnu) say(ctx, `${argv[0]}: ${code === 127 ? "No such file or directory" : "Permission denied"}`);
        else execFailed(ctx, code, argv[0], "{}");
        return code;
      }
      if (code >= 128) {
        say(ctx, `${argv[0]}: terminated by signal ${code - 128}`);
        return 125;
      }
      if (code !== 0) status = 123;
    }
    return status;
  },
};
