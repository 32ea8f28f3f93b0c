// uniq: adjacent repeats folded (-c counts, -d only repeated, -u only unique, -i, -f N fields,
// -s N chars, -w N), from a file or stdin to a file or stdout.
import type { Tool, ToolContext } from "../../types";
import { FsError } from "../../types";
import { type Gen, bytesInput, eachLine, fsMessage, getopt, readPath, say } from "./common";

const USAGE = { busybox: "uniq [-cdui] [-f,s,w N] [FILE [OUTFILE]]", gnu: "uniq [OPTION]... [INPUT [OUTPUT]]" };

export const uniq: Tool = {
  names: ["uniq"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, { flags: "cdui", args: "fsw", usage: USAGE, long: { count: "c", repeated: "d", unique: "u", "ignore-case": "i", "skip-fields=": "f", "skip-chars=": "s", "check-chars=": "w" } });
    if (!o) return 1;
    const num = (k: string) => Number(o.get(k) ?? "0");
    const skipFields = num("f");
    const skipChars = num("s");
    const check = o.has("w") ? num("w") : Infinity;
    const key = (l: string) => {
      let s = l;
      for (let i = 0; i < skipFields; i++) s = s.replace(/^[ \t]*[^ \t]*/, "");
      s = s.slice(skipChars).slice(0, check);
      return o.has("i") ? s.toLowerCase() : s;
    };
    let input = ctx.stdin;
    const [inName, outName] = o.rest;
    if (inName !== undefined && inName !== "-") {
      const data = readPath(ctx, inName);
      if (data instanceof FsError) {
        say(ctx, gnu ? `${inName}: ${fsMessage(data)}` : `can't open '${inName}': ${fsMessage(data)}`);
        return 1;
      }
      input = bytesInput(data);
    }
    let out = "";
    const write = (s: string) => (outName !== undefined && outName !== "-" ? (out += s) : ctx.stdout.write(s));
    let prev: string | null = null;
    let prevKey = "";
    let n = 0;
    const flush = () => {
      if (prev === null) return;
      if ((o.has("d") && n < 2) || (o.has("u") && n > 1)) return;
      write(o.has("c") ? `${String(n).padStart(7)} ${prev}\n` : `${prev}\n`);
    };
    yield* eachLine(input, (l) => {
      const k = key(l);
      if (prev !== null && k === prevKey) {
        n++;
        return;
      }
      flush();
      prev = l;
      prevKey = k;
      n = 1;
    });
    flush();
    if (outName !== undefined && outName !== "-") {
      try {
        ctx.fs.write(ctx.resolve(outName), out);
      } catch (e) {
        say(ctx, `${outName}: ${fsMessage(e)}`);
        return 1;
      }
    }
    return 0;
  },
};
