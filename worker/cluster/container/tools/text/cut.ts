// cut: fields (-f with -d, -s), characters (-c) and bytes (-b) by lists (N, N-M, N-, -M),
// --complement and --output-delimiter.
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachInput, eachLine, fsMessage, getopt, say, usageError } from "./common";

const USAGE = { busybox: "cut [OPTIONS] [FILE]...", gnu: "cut OPTION... [FILE]..." };

type Range = [from: number, to: number];

function parseList(list: string): Range[] | string {
  const out: Range[] = [];
  for (const part of list.split(/[,\s]+/)) {
    const m = /^(\d*)(-?)(\d*)$/.exec(part);
    if (!m || part === "" || part === "-") return part === "-" ? "invalid range with no endpoint: -" : "invalid field range";
    const from = m[1] ? Number(m[1]) : 1;
    const to = m[2] ? (m[3] ? Number(m[3]) : Infinity) : from;
    if (from === 0 || to === 0) return "positions are numbered from 1";
    if (to < from) return "invalid decreasing range";
    out.push([from, to]);
  }
  return out;
}

export const cut: Tool = {
  names: ["cut"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, { flags: "snz", args: "bcdfO", usage: USAGE, long: { "bytes=": "b", "characters=": "c", "delimiter=": "d", "fields=": "f", "only-delimited": "s", complement: "complement", "output-delimiter=": "O" } });
    if (!o) return 1;
    const modes = ["b", "c", "f"].filter((k) => o.has(k));
    if (modes.length === 0) {
      if (gnu) usageError(ctx, USAGE, "you must specify a list of bytes, characters, or fields");
      else say(ctx, "expected a list of bytes, characters, or fields");
      return 1;
    }
    if (modes.length > 1) {
      if (gnu) usageError(ctx, USAGE, "only one list may be specified");
      else say(ctx, "only one of -b, -c, -f can be used");
      return 1;
    }
    const mode = modes[0];
    const delim = o.get("d") ?? "\t";
    if (o.has("d") && [...delim].length !== 1) {
      if (gnu) usageError(ctx, USAGE, "the delimiter must be a single character");
      else say(ctx, "the delimiter must be a single character");
      return 1;
    }
    if (o.has("d") && mode !== "f") {
      if (gnu) usageError(ctx, USAGE, "an input delimiter may be specified only when operating on fields");
      else say(ctx, "-d DELIM makes sense only with -f");
      return 1;
    }
    const list = parseList(o.get(mode)!);
    if (typeof list === "string") {
      const msg = list === "positions are numbered from 1" ? (mode === "f" ? "fields are numbered from 1" : "byte/character positions are numbered from 1") : list;
      if (gnu) usageError(ctx, USAGE, msg);
      else say(ctx, msg);
      return 1;
    }
    const complement = o.has("complement");
    const selected = (i: number) => list.some(([a, b]) => i >= a && i <= b) !== complement;
    const outDelim = o.get("O") ?? (mode === "f" ? delim : "");
    let status = 0;
    yield* eachInput(
      ctx,
      o.rest,
      (op, e) => {
        status = 1;
        say(ctx, gnu ? `${op}: ${fsMessage(e)}` : `can't open '${op}': ${fsMessage(e)}`);
      },
      function* (input) {
        yield* eachLine(input, (l) => {
          if (mode === "f") {
            if (!l.includes(delim)) {
              if (!o.has("s")) ctx.stdout.write(`${l}\n`);
              return;
            }
            const fields = l.split(delim);
            ctx.stdout.write(`${fields.filter((_, i) => selected(i + 1)).join(outDelim)}\n`);
            return;
          }
          const units = mode === "c" ? [...l] : [...new TextEncoder().encode(l)].map((b) => String.fromCharCode(b));
          // Adjacent selected positions run together; --output-delimiter goes between ranges.
          let s = "";
          let prev = -1;
          units.forEach((u, i) => {
            if (!selected(i + 1)) return;
            if (outDelim && prev >= 0 && prev !== i - 1) s += outDelim;
            s += u;
            prev = i;
          });
          if (mode === "b") s = new TextDecoder().decode(Uint8Array.from(s, (ch) => ch.charCodeAt(0)));
          ctx.stdout.write(`${s}\n`);
        });
      },
    );
    return status;
  },
};
