// Small line filters: rev, tac, nl (-b a/t/n, -n ln/rn/rz, -w, -s, -v, -i), paste (-d, -s),
// fold (-w, -s, -b).
import type { Tool, ToolContext } from "../../types";
import { type Gen, eachInput, eachLine, fsMessage, getopt, say } from "./common";

function openError(ctx: ToolContext): (op: string, e: import("../../types").FsError) => void {
  return (op, e) => say(ctx, ctx.flavour === "gnu" ? `${op}: ${fsMessage(e)}` : `can't open '${op}': ${fsMessage(e)}`);
}

export const rev: Tool = {
  names: ["rev"],
  *run(ctx: ToolContext): Gen<number> {
    let status = 0;
    const onErr = openError(ctx);
    yield* eachInput(ctx, ctx.argv.slice(1), (op, e) => { status = 1; onErr(op, e); }, function* (input) {
      yield* eachLine(input, (l, nl) => void ctx.stdout.write(`${[...l].reverse().join("")}${nl ? "\n" : ""}`));
    });
    return status;
  },
};

export const tac: Tool = {
  names: ["tac"],
  *run(ctx: ToolContext): Gen<number> {
    let status = 0;
    const onErr = openError(ctx);
    yield* eachInput(ctx, ctx.argv.slice(1), (op, e) => { status = 1; onErr(op, e); }, function* (input) {
      const lines: string[] = [];
      let lastNl = true;
      yield* eachLine(input, (l, nl) => {
        lines.push(l);
        lastNl = nl;
      });
      // A last line without a newline runs into the one before it, as tac prints it.
      let out = "";
      for (let i = lines.length - 1; i >= 0; i--) out += i === lines.length - 1 && !lastNl ? lines[i] : `${lines[i]}\n`;
      ctx.stdout.write(out);
    });
    return status;
  },
};

export const nl: Tool = {
  names: ["nl"],
  *run(ctx: ToolContext): Gen<number> {
    const o = getopt(ctx, { flags: "p", args: "bnwsvi", usage: { busybox: "nl [OPTIONS] [FILE]...", gnu: "nl [OPTION]... [FILE]..." }, long: { "body-numbering=": "b", "number-format=": "n", "number-width=": "w", "number-separator=": "s", "starting-line-number=": "v", "line-increment=": "i" } });
    if (!o) return 1;
    const style = o.get("b") ?? "t";
    const format = o.get("n") ?? "rn";
    const width = Number(o.get("w") ?? 6);
    const sep = o.get("s") ?? "\t";
    let n = Number(o.get("v") ?? 1);
    const inc = Number(o.get("i") ?? 1);
    let status = 0;
    const onErr = openError(ctx);
    yield* eachInput(ctx, o.rest, (op, e) => { status = 1; onErr(op, e); }, function* (input) {
      yield* eachLine(input, (l) => {
        const number = style === "a" || (style === "t" && l !== "") || (style.startsWith("p") && new RegExp(style.slice(1)).test(l));
        if (!number) {
          ctx.stdout.write(`${" ".repeat(width + sep.length)}${l}\n`);
          return;
        }
        const s = String(n);
        const num = format === "ln" ? s.padEnd(width) : format === "rz" ? s.padStart(width, "0") : s.padStart(width);
        ctx.stdout.write(`${num}${sep}${l}\n`);
        n += inc;
      });
    });
    return status;
  },
};

export const paste: Tool = {
  names: ["paste"],
  *run(ctx: ToolContext): Gen<number> {
    const o = getopt(ctx, { flags: "sz", args: "d", usage: { busybox: "paste [-d LIST] [-s] [FILE]...", gnu: "paste [OPTION]... [FILE]..." }, long: { "delimiters=": "d", serial: "s" } });
    if (!o) return 1;
    const delims = [...(o.get("d") ?? "\t").replace(/\\n/g, "\n").replace(/\\t/g, "\t").replace(/\\0/g, "")];
    if (delims.length === 0) delims.push("");
    const columns: string[][] = [];
    let status = 0;
    const onErr = openError(ctx);
    const ops = o.rest.length ? o.rest : ["-"];
    for (const op of ops) {
      const lines: string[] = [];
      const ok = yield* eachInput(ctx, [op], (p, e) => { status = 1; onErr(p, e); }, function* (input) {
        yield* eachLine(input, (l) => void lines.push(l));
      });
      void ok;
      columns.push(lines);
    }
    if (status) return status;
    const d = (i: number) => delims[i % delims.length];
    if (o.has("s")) {
      for (const col of columns) ctx.stdout.write(`${col.map((l, i) => (i ? d(i - 1) : "") + l).join("")}\n`);
      return 0;
    }
    const rows = Math.max(0, ...columns.map((c) => c.length));
    for (let r = 0; r < rows; r++) ctx.stdout.write(`${columns.map((c, i) => (i ? d(i - 1) : "") + (c[r] ?? "")).join("")}\n`);
    return 0;
  },
};

export const fold: Tool = {
  names: ["fold"],
  *run(ctx: ToolContext): Gen<number> {
    const o = getopt(ctx, { flags: "bs", args: "w", usage: { busybox: "fold [-bs] [-w WIDTH] [FILE]...", gnu: "fold [OPTION]... [FILE]..." }, long: { "width=": "w", spaces: "s", bytes: "b" } }, ctx.argv.slice(1).map((a) => (/^-\d+$/.test(a) ? `-w${a.slice(1)}` : a)));
    if (!o) return 1;
    const width = Number(o.get("w") ?? 80);
    if (!(width > 0)) {
      say(ctx, ctx.flavour === "gnu" ? `invalid number of columns: '${o.get("w")}'` : `invalid number '${o.get("w")}'`);
      return 1;
    }
    let status = 0;
    const onErr = openError(ctx);
    yield* eachInput(ctx, o.rest, (op, e) => { status = 1; onErr(op, e); }, function* (input) {
      yield* eachLine(input, (l, nl) => {
        let rest = l;
        let out = "";
        while (rest.length > width) {
          let cut = width;
          if (o.has("s")) {
            const sp = rest.lastIndexOf(" ", width - 1);
            if (sp >= 0) cut = sp + 1;
          }
          out += `${rest.slice(0, cut)}\n`;
          rest = rest.slice(cut);
        }
        ctx.stdout.write(`${out}${rest}${nl ? "\n" : ""}`);
      });
    });
    return status;
  },
};

