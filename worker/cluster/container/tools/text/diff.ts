// diff for small files: the normal format (2c2, 3a4, < and >) and unified (-u, -U N) with
// GNU's headers, -q, -s, -i, -w, -b; "-" is stdin. 0 same, 1 different, 2 trouble.
import type { Tool, ToolContext } from "../../types";
import { FsError } from "../../types";
import { type Gen, fsMessage, getopt, readAll, readPath, say, splitLines, text } from "./common";
import { strftime } from "./date";

type Op = { k: "=" | "-" | "+"; a: number; b: number };

/** An edit script by longest common subsequence (inputs are small). */
function script(a: string[], b: string[], eq: (x: string, y: string) => boolean): Op[] {
  const n = a.length;
  const m = b.length;
  const L: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) L[i][j] = eq(a[i], b[j]) ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && eq(a[i], b[j])) ops.push({ k: "=", a: i++, b: j++ });
    else if (i < n && (j >= m || L[i + 1][j] >= L[i][j + 1])) ops.push({ k: "-", a: i++, b: j });
    else ops.push({ k: "+", a: i, b: j++ });
  }
  return ops;
}

const range = (start: number, count: number) => (count <= 1 ? String(count === 0 ? start : start + 1) : `${start + 1},${start + count}`);

export const diff: Tool = {
  names: ["diff"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, { flags: "uqsiwbBaNr", args: "UL", usage: { busybox: "diff [-abBdiNqrTstw] [-L LABEL] [-S FILE] [-U LINES] FILE1 FILE2", gnu: "diff [OPTION]... FILES" }, long: { unified: "u", "unified=": "U", brief: "q", "report-identical-files": "s", "ignore-case": "i", "ignore-all-space": "w", "ignore-space-change": "b", "label=": "L", text: "a" } });
    if (!o) return 2;
    if (o.rest.length !== 2) {
      if (gnu) say(ctx, o.rest.length < 2 ? `missing operand after '${o.rest[o.rest.length - 1] ?? "diff"}'` : `extra operand '${o.rest[2]}'`);
      else ctx.stderr.write(`BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.\n\nUsage: diff [-abBdiNqrTstw] [-L LABEL] [-S FILE] [-U LINES] FILE1 FILE2\n`);
      if (gnu) ctx.stderr.write("diff: Try 'diff --help' for more information.\n");
      return 2;
    }
    const contents: string[] = [];
    const mtimes: number[] = [];
    for (const op of o.rest) {
      if (op === "-") {
        contents.push(text(yield* readAll(ctx.stdin)));
        mtimes.push(ctx.now());
        continue;
      }
      const data = readPath(ctx, op);
      if (data instanceof FsError) {
        say(ctx, `${op}: ${fsMessage(data)}`);
        return 2;
      }
      contents.push(text(data));
      mtimes.push(ctx.fs.stat(ctx.resolve(op))?.mtime ?? ctx.now());
    }
    const [A, B] = contents.map(splitLines);
    const norm = (s: string) => {
      let t = s;
      if (o.has("i")) t = t.toLowerCase();
      if (o.has("w")) t = t.replace(/\s+/g, "");
      else if (o.has("b")) t = t.replace(/\s+/g, " ").replace(/ $/, "");
      return t;
    };
    const ops = script(A.lines, B.lines, (x, y) => norm(x) === norm(y));
    const same = ops.every((x) => x.k === "=") && (A.lastNl === B.lastNl || A.lines.length === 0);
    const [n1, n2] = o.rest;
    if (same) {
      if (o.has("s")) ctx.stdout.write(`Files ${n1} and ${n2} are identical\n`);
      return 0;
    }
    if (o.has("q")) {
      ctx.stdout.write(`Files ${n1} and ${n2} differ\n`);
      return 1;
    }
    const noNl = "\\ No newline at end of file\n";
    const lineOut = (prefix: string, lines: string[], idx: number, lastNl: boolean) => `${prefix}${lines[idx]}\n${idx === lines.length - 1 && !lastNl ? noNl : ""}`;
    let out = "";
    const unified = o.has("u") || o.has("U");
    if (unified) {
      const ctxN = o.has("U") ? Number(o.get("U")) : 3;
      const labels = o.all("L");
      const stamp = (ms: number) => strftime("%Y-%m-%d %H:%M:%S.%N %z", ms);
      out += `--- ${labels[0] ?? `${n1}\t${stamp(mtimes[0])}`}\n+++ ${labels[1] ?? `${n2}\t${stamp(mtimes[1])}`}\n`;
      // Group changes whose context windows touch into hunks.
      const changes = ops.map((x, i) => (x.k === "=" ? -1 : i)).filter((i) => i >= 0);
      let h = 0;
      while (h < changes.length) {
        let start = Math.max(0, changes[h] - ctxN);
        let end = changes[h];
        while (h < changes.length && changes[h] - end <= 2 * ctxN) end = changes[h++];
        end = Math.min(ops.length - 1, end + ctxN);
        start = Math.max(0, start);
        const slice = ops.slice(start, end + 1);
        const aStart = slice[0].a;
        const bStart = slice[0].b;
        const aCount = slice.filter((x) => x.k !== "+").length;
        const bCount = slice.filter((x) => x.k !== "-").length;
        const r = (s: number, c: number) => (c === 1 ? `${s + 1}` : `${c === 0 ? s : s + 1},${c}`);
        out += `@@ -${r(aStart, aCount)} +${r(bStart, bCount)} @@\n`;
        for (const x of slice) {
          if (x.k === "=") out += lineOut(" ", A.lines, x.a, A.lastNl);
          else if (x.k === "-") out += lineOut("-", A.lines, x.a, A.lastNl);
          else out += lineOut("+", B.lines, x.b, B.lastNl);
        }
      }
    } else {
      let i = 0;
      while (i < ops.length) {
        if (ops[i].k === "=") {
          i++;
          continue;
        }
        const del: number[] = [];
        const add: number[] = [];
        const a0 = ops[i].a;
        const b0 = ops[i].b;
        while (i < ops.length && ops[i].k !== "=") {
          if (ops[i].k === "-") del.push(ops[i].a);
          else add.push(ops[i].b);
          i++;
        }
        if (del.length && add.length) out += `${range(a0, del.length)}c${range(b0, add.length)}\n`;
        else if (del.length) out += `${range(a0, del.length)}d${b0}\n`;
        else out += `${a0}a${range(b0, add.length)}\n`;
        for (const d of del) out += lineOut("< ", A.lines, d, A.lastNl);
        if (del.length && add.length) out += "---\n";
        for (const a of add) out += lineOut("> ", B.lines, a, B.lastNl);
      }
    }
    ctx.stdout.write(out);
    return 1;
  },
};
