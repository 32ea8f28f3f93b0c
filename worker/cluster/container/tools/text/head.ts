// head: the first lines or bytes (-n N, -c N; GNU's -n -N / -c -N for all but the last), -q/-v
// headers, the obsolete -N form. Reading stops as soon as enough has been printed (yes | head).
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachChunk, eachInput, eachRawLine, fsMessage, getopt, say } from "./common";
import { obsoleteCount, parseCount } from "./count";
import { concatBytes } from "../../../machinery/bytes";

const USAGE = { busybox: "head [OPTIONS] [FILE]...", gnu: "head [OPTION]... [FILE]..." };

export const head: Tool = {
  names: ["head"],
  *run(ctx: ToolContext): Gen<number> {
    const argv = obsoleteCount(ctx.argv.slice(1));
    const o = getopt(ctx, { flags: "qv", args: "nc", usage: USAGE, long: { "lines=": "n", "bytes=": "c", quiet: "q", silent: "q", verbose: "v" } }, argv);
    if (!o) return 1;
    let bytesMode = false;
    let spec = "10";
    for (const [k, v] of o.opts) {
      if (k === "n" || k === "c") {
        bytesMode = k === "c";
        spec = v;
      }
    }
    const negative = spec.startsWith("-");
    const count = parseCount(spec.replace(/^[-+]/, ""));
    if (count === null) {
      if (ctx.flavour === "gnu") say(ctx, `invalid number of ${bytesMode ? "bytes" : "lines"}: '${spec}'`);
      else say(ctx, `invalid number '${spec}'`);
      return 1;
    }
    const files = o.rest.length ? o.rest : ["-"];
    const headers = o.has("v") || (files.length > 1 && !o.has("q"));
    let status = 0;
    let first = true;
    yield* eachInput(
      ctx,
      files,
      (op, e) => {
        status = 1;
        if (ctx.flavour === "gnu") say(ctx, e.code === "EISDIR" ? `error reading '${op}': ${fsMessage(e)}` : `cannot open '${op}' for reading: ${fsMessage(e)}`);
        else say(ctx, e.code === "EISDIR" ? `read error: ${fsMessage(e)}` : `can't open '${op}': ${fsMessage(e)}`);
      },
      function* (input, op) {
        if (headers) ctx.stdout.write(`${first ? "" : "\n"}==> ${op === "-" ? "standard input" : op} <==\n`);
        first = false;
        if (negative) {
          const held: Uint8Array[] = [];
          if (bytesMode) {
            yield* eachChunk(input, (c) => void held.push(c));
            const all = concatBytes(held);
            ctx.stdout.write(all.subarray(0, Math.max(0, all.length - count)));
          } else {
            yield* eachRawLine(input, (l) => void held.push(l.slice()));
            ctx.stdout.write(concatBytes(held.slice(0, Math.max(0, held.length - count))));
          }
          return;
        }
        let left = count;
        if (left <= 0) return;
        if (bytesMode) {
          yield* eachChunk(input, (c) => {
            ctx.stdout.write(c.subarray(0, left));
            left -= c.length;
            return left > 0;
          });
        } else {
          yield* eachRawLine(input, (l) => {
            ctx.stdout.write(l.slice());
            return --left > 0;
          });
        }
      },
    );
    return status;
  },
};
