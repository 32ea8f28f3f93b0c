// strings (printable runs of 4 or more, -n N, -t d/o/x offsets) and column -t (a table of
// whitespace- or -s-separated cells, -o separator).
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachChunk, eachInput, eachLine, fsMessage, getopt, say } from "./common";
import { concatBytes } from "../../../machinery/bytes";

export const strings: Tool = {
  names: ["strings"],
  *run(ctx: ToolContext): Gen<number> {
    const o = getopt(ctx, { flags: "afo", args: "nt", usage: { busybox: "strings [-fo] [-t o|d|x] [-n LEN] [FILE]...", gnu: "strings [option(s)] [file(s)]" }, long: { "bytes=": "n", "radix=": "t", all: "a", "print-file-name": "f" } }, ctx.argv.slice(1).map((a) => (/^-\d+$/.test(a) ? `-n${a.slice(1)}` : a)));
    if (!o) return 1;
    const min = Number(o.get("n") ?? 4);
    const radix = o.has("o") ? "o" : o.get("t");
    let status = 0;
    yield* eachInput(ctx, o.rest, (op, e) => {
      status = 1;
      say(ctx, ctx.flavour === "gnu" ? `'${op}': ${fsMessage(e)}` : `can't open '${op}': ${fsMessage(e)}`);
    }, function* (input, op) {
      const parts: Uint8Array[] = [];
      yield* eachChunk(input, (c) => void parts.push(c));
      const data = concatBytes(parts);
      let run = "";
      let start = 0;
      const flush = () => {
        if (run.length >= min) {
          const off = radix === "d" ? `${String(start).padStart(7)} ` : radix === "o" ? `${start.toString(8).padStart(7)} ` : radix === "x" ? `${start.toString(16).padStart(7)} ` : "";
          ctx.stdout.write(`${o.has("f") ? `${op}: ` : ""}${off}${run}\n`);
        }
        run = "";
      };
      for (let i = 0; i < data.length; i++) {
        const b = data[i];
        if ((b >= 32 && b < 127) || b === 9) {
          if (run === "") start = i;
          run += String.fromCharCode(b);
        } else flush();
      }
      flush();
    });
    return status;
  },
};

export const column: Tool = {
  names: ["column"],
  *run(ctx: ToolContext): Gen<number> {
    const o = getopt(ctx, { flags: "tnx", args: "soc", usage: { busybox: "column [-t] [-s SEP] [FILE]...", gnu: "column [options] [<file>...]" }, long: { table: "t", "separator=": "s", "output-separator=": "o", "columns=": "c" } });
    if (!o) return 1;
    const lines: string[] = [];
    let status = 0;
    yield* eachInput(ctx, o.rest, (op, e) => {
      status = 1;
      say(ctx, `${op}: ${fsMessage(e)}`);
    }, function* (input) {
      yield* eachLine(input, (l) => void lines.push(l));
    });
    if (!o.has("t")) {
      // Without -t: fill columns across the width, as column does for a list of words.
      const items = lines.filter((l) => l.trim() !== "");
      const width = Number(o.get("c") ?? ctx.env.COLUMNS ?? 80);
      const w = Math.max(0, ...items.map((s) => s.length));
      const colW = (Math.floor(w / 8) + 1) * 8;
      const perRow = Math.max(1, Math.floor(width / colW));
      const rows = Math.ceil(items.length / perRow);
      for (let r = 0; r < rows; r++) {
        let line = "";
        for (let c = 0; c < perRow; c++) {
          const item = items[c * rows + r];
          if (item === undefined) continue;
          const next = items[(c + 1) * rows + r];
          line += next === undefined ? item : item + "\t".repeat(Math.ceil((colW - item.length) / 8));
        }
        ctx.stdout.write(`${line}\n`);
      }
      return status;
    }
    const sep = o.get("s");
    const osep = o.get("o") ?? "  ";
    const rows = lines.filter((l) => l.trim() !== "").map((l) => (sep === undefined ? l.trim().split(/[ \t]+/) : l.split(new RegExp(`[${sep.replace(/[\]\\^-]/g, "\\$&")}]`))));
    const widths: number[] = [];
    for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
    for (const r of rows) ctx.stdout.write(`${r.map((c, i) => (i === r.length - 1 ? c : c + " ".repeat(widths[i] - [...c].length))).join(osep)}\n`);
    return status;
  },
};
