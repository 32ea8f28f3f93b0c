// cat: files and stdin to stdout as they come (stdin is streamed: `kubectl exec -i p -- cat`),
// with -n/-b numbering and -v/-E/-T/-A's visible characters.
import type { Effect, Tool, ToolContext } from "../../types";
import { complain, enc, errText, parseOpts, q } from "./common";

interface Shaper {
  numberAll: boolean;
  numberNonEmpty: boolean;
  ends: boolean;
  tabs: boolean;
  visible: boolean;
  line: number;
  atStart: boolean;
}

/** cat -v's notation for one byte. */
function visible(b: number, tabs: boolean): string {
  if (b === 9) return tabs ? "^I" : "\t";
  let s = "";
  if (b >= 128) {
    s = "M-";
    b -= 128;
  }
  if (b < 32) return s + "^" + String.fromCharCode(b + 64);
  if (b === 127) return s + "^?";
  return s + String.fromCharCode(b);
}

function shape(sh: Shaper, data: Uint8Array): Uint8Array {
  const out: (string | Uint8Array)[] = [];
  let plainFrom = -1;
  const flush = (to: number) => {
    if (plainFrom >= 0 && to > plainFrom) out.push(data.subarray(plainFrom, to));
    plainFrom = -1;
  };
  for (let i = 0; i < data.length; i++) {
    const b = data[i]!;
    if (sh.atStart) {
      flush(i);
      if (sh.numberAll || (sh.numberNonEmpty && b !== 10)) out.push(`${String(sh.line++).padStart(6)}\t`);
      sh.atStart = false;
    }
    if (b === 10) {
      flush(i);
      out.push(sh.ends ? "$\n" : "\n");
      sh.atStart = true;
      continue;
    }
    if ((sh.visible && (b < 32 || b >= 127) && b !== 9) || (sh.tabs && b === 9)) {
      flush(i);
      out.push(visible(b, sh.tabs));
      continue;
    }
    if (plainFrom < 0) plainFrom = i;
  }
  flush(data.length);
  const parts = out.map((p) => (typeof p === "string" ? enc.encode(p) : p));
  const n = parts.reduce((a, p) => a + p.length, 0);
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    buf.set(p, o);
    o += p.length;
  }
  return buf;
}

export const cat: Tool = {
  names: ["cat"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const p = parseOpts(ctx, {
      flags: "nbeEtTvAus",
      usage: "[-nbvteA] [FILE]...",
      long: { number: { key: "n" }, "number-nonblank": { key: "b" }, "show-ends": { key: "E" }, "show-tabs": { key: "T" }, "show-nonprinting": { key: "v" }, "show-all": { key: "A" }, "squeeze-blank": { key: "s" } },
    });
    if (typeof p === "number") return p;
    const A = p.has("A");
    const sh: Shaper = {
      numberAll: p.has("n") && !p.has("b"),
      numberNonEmpty: p.has("b"),
      ends: A || p.has("e") || p.has("E"),
      tabs: A || p.has("t") || p.has("T"),
      visible: A || p.has("v") || p.has("e") || p.has("t"),
      line: 1,
      atStart: true,
    };
    const plain = !sh.numberAll && !sh.numberNonEmpty && !sh.ends && !sh.tabs && !sh.visible;
    const emit = (d: Uint8Array) => ctx.stdout.write(plain ? d : shape(sh, d));
    let status = 0;
    for (const f of p.args.length ? p.args : ["-"]) {
      if (f === "-") {
        for (;;) {
          const c = ctx.stdin.read();
          if (c === null) break;
          if (c === undefined) {
            yield { wait: "stdin" };
            continue;
          }
          if (c.length) emit(c);
        }
        continue;
      }
      const path = ctx.resolve(f);
      try {
        const st = ctx.fs.stat(path);
        if (st?.type === "dir") {
          complain(ctx, gnu ? `${f}: Is a directory` : "read error: Is a directory");
          status = 1;
          continue;
        }
        emit(ctx.fs.read(path));
      } catch (e) {
        complain(ctx, gnu ? `${f}: ${errText(e)}` : `can't open ${q(f)}: ${errText(e)}`);
        status = 1;
      }
    }
    return status;
  },
};
