// Byte dumps: od (-A o/d/x/n, -t x1/x2/o2/d…/c, -c, -x, -b, -d, -o, -v), hexdump (-C
// canonical, default 16-bit words, -c, -x) and xxd (default, -p plain, -r? no, -c cols, -l,
// -s, -u, -g).
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachInput, eachChunk, fsMessage, getopt, say } from "./common";
import { concatBytes } from "../../../machinery/bytes";

function* gather(ctx: ToolContext, ops: string[]): Gen<Uint8Array | null> {
  const parts: Uint8Array[] = [];
  let failed = false;
  yield* eachInput(ctx, ops, (op, e) => {
    failed = true;
    say(ctx, ctx.flavour === "gnu" || e.code === "EISDIR" ? `${op}: ${fsMessage(e)}` : `can't open '${op}': ${fsMessage(e)}`);
  }, function* (input) {
    yield* eachChunk(input, (c) => void parts.push(c));
  });
  return failed && parts.length === 0 ? null : concatBytes(parts);
}

const CHAR_NAMES: Record<number, string> = { 0: "\\0", 7: "\\a", 8: "\\b", 9: "\\t", 10: "\\n", 11: "\\v", 12: "\\f", 13: "\\r" };

export const od: Tool = {
  names: ["od"],
  *run(ctx: ToolContext): Gen<number> {
    const o = getopt(ctx, { flags: "bcdoxvsi", args: "AtjNw", usage: { busybox: "od [-abcdfhilovxs] [-t TYPE] [-A RADIX] [-N SIZE] [-j SKIP] [-S MINSTR] [-w WIDTH] [--] [FILE]...", gnu: "od [OPTION]... [FILE]..." }, long: { "address-radix=": "A", "format=": "t", "skip-bytes=": "j", "read-bytes=": "N", "width?": "w", "output-duplicates": "v" } });
    if (!o) return 1;
    let data = yield* gather(ctx, o.rest);
    if (data === null) return 1;
    if (o.has("j")) data = data.subarray(Number(o.get("j")));
    if (o.has("N")) data = data.subarray(0, Number(o.get("N")));
    const radix = o.get("A") ?? "o";
    const types: string[] = [];
    for (const [k, v] of o.opts) {
      if (k === "t") types.push(v);
      else if (k === "c") types.push("c");
      else if (k === "b") types.push("o1");
      else if (k === "x") types.push("x2");
      else if (k === "d") types.push("u2");
      else if (k === "o") types.push("o2");
      else if (k === "s") types.push("d2");
      else if (k === "i") types.push("d4");
    }
    if (types.length === 0) types.push("o2");
    const width = 16;
    const addr = (n: number) => (radix === "n" ? "" : radix === "d" ? String(n).padStart(7, "0") : radix === "x" ? n.toString(16).padStart(6, "0") : n.toString(8).padStart(7, "0"));
    let out = "";
    let prev = "";
    let starred = false;
    for (let off = 0; off < data.length; off += width) {
      const row = data.subarray(off, off + width);
      const key = Array.from(row).join(",");
      if (!o.has("v") && key === prev && row.length === width) {
        if (!starred) out += "*\n";
        starred = true;
        continue;
      }
      prev = key;
      starred = false;
      types.forEach((t, ti) => {
        const kind = t[0];
        const size = kind === "c" || kind === "a" ? 1 : Number(t.slice(1) || (kind === "f" ? 4 : 4)) || 1;
        const cells: string[] = [];
        for (let i = 0; i < row.length; i += size) {
          let v = 0;
          for (let b = size - 1; b >= 0; b--) v = v * 256 + (row[i + b] ?? 0);
          if (kind === "c") {
            const c = row[i];
            cells.push((CHAR_NAMES[c] ?? (c >= 32 && c < 127 ? String.fromCharCode(c) : c.toString(8).padStart(3, "0"))).padStart(4));
          } else if (kind === "x") cells.push(` ${v.toString(16).padStart(size * 2, "0")}`);
          else if (kind === "o") cells.push(` ${v.toString(8).padStart(Math.ceil((size * 8) / 3), "0")}`);
          else if (kind === "u") cells.push(String(v).padStart(String(2 ** (size * 8) - 1).length + 1));
          else if (kind === "d") {
            const sv = v >= 2 ** (size * 8 - 1) ? v - 2 ** (size * 8) : v;
            cells.push(String(sv).padStart(String(2 ** (size * 8 - 1)).length + 2));
          } else cells.push(` ${v}`);
        }
        out += `${ti === 0 ? addr(off) : " ".repeat(addr(off).length)}${cells.join("")}\n`;
      });
    }
    if (radix !== "n") out += `${addr(data.length)}\n`;
    ctx.stdout.write(out);
    return 0;
  },
};

function printable(b: number): string {
  return b >= 32 && b < 127 ? String.fromCharCode(b) : ".";
}

export const hexdump: Tool = {
  names: ["hexdump", "hd"],
  *run(ctx: ToolContext): Gen<number> {
    const argv = ctx.argv[0].endsWith("hd") ? ["-C", ...ctx.argv.slice(1)] : ctx.argv.slice(1);
    const o = getopt(ctx, { flags: "Ccbdovx", args: "nse", usage: { busybox: "hexdump [-bcdoxCv] [-e FMT] [-f FMT_FILE] [-n LENGTH] [-s OFFSET] [FILE]...", gnu: "hexdump [options] <file>..." } }, argv);
    if (!o) return 1;
    let data = yield* gather(ctx, o.rest);
    if (data === null) return 1;
    const base = o.has("s") ? Number(o.get("s")) : 0;
    data = data.subarray(base);
    if (o.has("n")) data = data.subarray(0, Number(o.get("n")));
    let out = "";
    let prev = "";
    let starred = false;
    const canonical = o.has("C");
    for (let off = 0; off < data.length; off += 16) {
      const row = data.subarray(off, off + 16);
      const key = Array.from(row).join(",");
      if (!o.has("v") && key === prev && row.length === 16) {
        if (!starred) out += "*\n";
        starred = true;
        continue;
      }
      prev = key;
      starred = false;
      const at = base + off;
      if (canonical) {
        let hex = "";
        for (let i = 0; i < 16; i++) hex += (i < row.length ? row[i].toString(16).padStart(2, "0") : "  ") + " " + (i === 7 ? " " : "");
        out += `${at.toString(16).padStart(8, "0")}  ${hex} |${Array.from(row, printable).join("")}|\n`;
      } else if (o.has("c")) {
        out += `${at.toString(16).padStart(7, "0")} ${Array.from(row, (c) => (CHAR_NAMES[c] ?? (c >= 32 && c < 127 ? String.fromCharCode(c) : c.toString(8).padStart(3, "0"))).padStart(3)).join(" ")}\n`;
      } else {
        const words: string[] = [];
        for (let i = 0; i < row.length; i += 2) {
          const v = row[i] + (row[i + 1] ?? 0) * 256;
          words.push(o.has("d") ? String(v).padStart(5, "0") : o.has("o") ? v.toString(8).padStart(6, "0") : v.toString(16).padStart(4, "0"));
        }
        out += `${at.toString(16).padStart(7, "0")} ${words.join(" ")}\n`;
      }
    }
    out += `${(base + data.length).toString(16).padStart(canonical ? 8 : 7, "0")}\n`;
    ctx.stdout.write(out);
    return 0;
  },
};

export const xxd: Tool = {
  names: ["xxd"],
  *run(ctx: ToolContext): Gen<number> {
    const o = getopt(ctx, { flags: "pui", args: "clsg", usage: { busybox: "xxd [-pr] [-g N] [-c N] [-l LENGTH] [-s OFFSET] [FILE]", gnu: "xxd [options] [infile [outfile]]" }, long: { ps: "p", postscript: "p", plain: "p" } });
    if (!o) return 1;
    let data = yield* gather(ctx, o.rest.slice(0, 1));
    if (data === null) return 1;
    const skip = o.has("s") ? Number(o.get("s")) : 0;
    data = data.subarray(skip);
    if (o.has("l")) data = data.subarray(0, Number(o.get("l")));
    const hex = (b: number) => {
      const h = b.toString(16).padStart(2, "0");
      return o.has("u") ? h.toUpperCase() : h;
    };
    if (o.has("p")) {
      const cols = Number(o.get("c") ?? 30);
      let out = "";
      for (let i = 0; i < data.length; i += cols) out += `${Array.from(data.subarray(i, i + cols), hex).join("")}\n`;
      ctx.stdout.write(out);
      return 0;
    }
    const cols = Number(o.get("c") ?? 16);
    const group = Number(o.get("g") ?? 2);
    let out = "";
    for (let off = 0; off < data.length; off += cols) {
      const row = data.subarray(off, off + cols);
      let h = "";
      for (let i = 0; i < cols; i++) {
        h += i < row.length ? hex(row[i]) : "  ";
        if (group > 0 && (i + 1) % group === 0 && i + 1 < cols) h += " ";
      }
      out += `${(skip + off).toString(16).padStart(8, "0")}: ${h}  ${Array.from(row, printable).join("")}\n`;
    }
    ctx.stdout.write(out);
    return 0;
  },
};
