// wc: lines, words, bytes (-l -w -c), characters (-m), longest line (-L). GNU pads every column
// to the width of the largest total (7 when reading a pipe; none for one count of one file);
// busybox pads to 9 except a single count of a single operand.
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachChunk, eachInput, fsMessage, getopt, say } from "./common";

const USAGE = { busybox: "wc [-cmlwL] [FILE]...", gnu: "wc [OPTION]... [FILE]..." };

type Counts = [lines: number, words: number, chars: number, bytes: number, longest: number];

export const wc: Tool = {
  names: ["wc"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, { flags: "lwcmL", usage: USAGE, long: { lines: "l", words: "w", bytes: "c", chars: "m", "max-line-length": "L" } });
    if (!o) return 1;
    let want = ["l", "w", "m", "c", "L"].map((k) => o.has(k));
    if (!want.some(Boolean)) want = [true, true, false, true, false];
    // Column order: lines, words, chars, bytes, longest.
    const order = [0, 1, 2, 3, 4];
    const files = o.rest;
    const rows: Array<{ counts: Counts; label: string | null; regular: boolean }> = [];
    let status = 0;
    yield* eachInput(
      ctx,
      files,
      (op, e) => {
        status = 1;
        if (gnu || e.code === "EISDIR") say(ctx, `${op}: ${fsMessage(e)}`);
        else say(ctx, `can't open '${op}': ${fsMessage(e)}`);
      },
      function* (input, op) {
        const c: Counts = [0, 0, 0, 0, 0];
        let inWord = false;
        let lineLen = 0;
        const decoder = new TextDecoder();
        yield* eachChunk(input, (chunk) => {
          c[3] += chunk.length;
          for (const ch of decoder.decode(chunk, { stream: true })) {
            c[2]++;
            if (ch === "\n") {
              c[0]++;
              c[4] = Math.max(c[4], lineLen);
              lineLen = 0;
            } else lineLen += ch === "\t" ? 8 - (lineLen % 8) : 1;
            const space = ch === " " || ch === "\n" || ch === "\t" || ch === "\r" || ch === "\v" || ch === "\f";
            if (space) inWord = false;
            else if (!inWord) {
              inWord = true;
              c[1]++;
            }
          }
        });
        c[4] = Math.max(c[4], lineLen);
        rows.push({ counts: c, label: op === "-" && files.length === 0 ? null : op, regular: op !== "-" });
      },
    );
    const total: Counts = [0, 0, 0, 0, 0];
    for (const r of rows) for (let i = 0; i < 5; i++) total[i] = i === 4 ? Math.max(total[i], r.counts[i]) : total[i] + r.counts[i];
    const shown = order.filter((i) => want[i]);
    let width: number;
    if (gnu) {
      const operands = files.length || 1;
      if (operands === 1 && shown.length === 1) width = 1;
      else {
        const sizes = rows.filter((r) => r.regular).reduce((a, r) => a + r.counts[3], 0);
        width = Math.max(String(sizes).length, rows.some((r) => !r.regular) ? 7 : 1);
      }
    } else width = (files.length <= 1 && shown.length === 1) ? 0 : 9;
    const line = (c: Counts, label: string | null) => {
      const cols = shown.map((i, n) => (gnu || n === 0 ? String(c[i]).padStart(width) : String(c[i]).padStart(width)));
      ctx.stdout.write(`${cols.join(" ")}${label === null ? "" : ` ${label}`}\n`);
    };
    for (const r of rows) line(r.counts, r.label);
    if (files.length > 1) line(total, "total");
    return status;
  },
};
