// grep, egrep, fgrep: BRE/ERE/fixed patterns (-G -E -F, -e, -f), -i -v -w -x, what to print
// (-c -l -L -o -q -n -h -H -b? no), context (-A -B -C with "--" between groups), -r/-R over
// directories, -m, -s, --color. Exit 0 on a selected line, 1 on none, 2 on an error (unless -q
// found one). Standard input is read line by line as it arrives (tail -f | grep).
import type { Tool, ToolContext } from "../../types";
import { FsError } from "../../types";
import { type Gen, bytesInput, eachLine, fsMessage, getopt, name, readPath, say, text } from "./common";
import { RegexError, compile } from "./regex";

const USAGE = {
  busybox: "grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...",
  gnu: "grep [OPTION]... PATTERNS [FILE]...",
};

const SGR = { match: "\x1b[01;31m\x1b[K", name: "\x1b[35m\x1b[K", sep: "\x1b[36m\x1b[K", num: "\x1b[32m\x1b[K", end: "\x1b[m\x1b[K" };

function escapeRe(s: string): string {
  return s.replace(/[\\^$.*+?()[\]{}|\/]/g, "\\$&");
}

export const grep: Tool = {
  names: ["grep", "egrep", "fgrep"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, {
      flags: "ivclLrREFGwxoqshHnzabTUZ",
      args: "ABCefmd",
      usage: USAGE,
      long: {
        "ignore-case": "i", "invert-match": "v", count: "c", "files-with-matches": "l", "files-without-match": "L",
        recursive: "r", "dereference-recursive": "R", "extended-regexp": "E", "fixed-strings": "F", "basic-regexp": "G",
        "word-regexp": "w", "line-regexp": "x", "only-matching": "o", quiet: "q", silent: "q", "no-messages": "s",
        "no-filename": "h", "with-filename": "H", "line-number": "n", "after-context=": "A", "before-context=": "B",
        "context=": "C", "regexp=": "e", "file=": "f", "max-count=": "m", "color?": "color", "colour?": "color",
        "include=": "include", "exclude=": "exclude", "exclude-dir=": "exclude-dir", text: "a", "null-data": "z", "label=": "label",
      },
    });
    if (!o) return 2;
    const invoked = name(ctx);
    let mode: "G" | "E" | "F" = invoked === "egrep" ? "E" : invoked === "fgrep" ? "F" : "G";
    let after = 0;
    let before = 0;
    let maxCount = Infinity;
    let color = false;
    const patterns: string[] = [];
    let patternGiven = false;
    let withName: boolean | undefined;
    const includes: string[] = [];
    const excludes: string[] = [];
    for (const [k, v] of o.opts) {
      if (k === "E" || k === "F" || k === "G") mode = k;
      else if (k === "H") withName = true;
      else if (k === "h") withName = false;
      else if (k === "A" || k === "B" || k === "C" || k === "m") {
        const n = /^\d+$/.test(v) ? Number(v) : NaN;
        if (Number.isNaN(n)) {
          if (k === "m") say(ctx, gnu ? `invalid max count` : `invalid number '${v}'`);
          else say(ctx, gnu ? `${v}: invalid context length argument` : `invalid number '${v}'`);
          return 2;
        }
        if (k === "A") after = n;
        else if (k === "B") before = n;
        else if (k === "C") after = before = n;
        else maxCount = n;
      } else if (k === "e") {
        patterns.push(...v.split("\n"));
        patternGiven = true;
      } else if (k === "f") {
        const data = v === "-" ? null : readPath(ctx, v);
        if (data instanceof FsError) {
          say(ctx, `${v}: ${fsMessage(data)}`);
          return 2;
        }
        if (data) {
          const t = text(data);
          patterns.push(...(t.endsWith("\n") ? t.slice(0, -1) : t).split("\n").filter((_, i, a) => t !== "" || a.length > 1 || i > 0));
        }
        patternGiven = true;
      } else if (k === "color") color = v === "always" || (v === "" && false) || (v === "auto" && ctx.stdout.tty);
      else if (k === "include") includes.push(v);
      else if (k === "exclude") excludes.push(v);
    }
    let operands = o.rest;
    if (!patternGiven) {
      if (operands.length === 0) {
        if (gnu) ctx.stderr.write(`Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n`);
        else ctx.stderr.write(`BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.\n\nUsage: ${USAGE.busybox}\n`);
        return 2;
      }
      patterns.push(...operands[0].split("\n"));
      operands = operands.slice(1);
    }
    const ignoreCase = o.has("i");
    const invert = o.has("v");
    const word = o.has("w");
    const line = o.has("x");
    const only = o.has("o");
    const quiet = o.has("q");
    const silent = o.has("s");
    const count = o.has("c");
    const listMatch = o.has("l");
    const listNone = o.has("L");
    const numbers = o.has("n");
    const recursive = o.has("r") || o.has("R");

    let re: RegExp;
    try {
      const parts = patterns.map((p) => (mode === "F" ? escapeRe(p) : compile(p, mode === "E").source));
      let src = parts.length ? parts.map((p) => `(?:${p})`).join("|") : "(?!)";
      if (line) src = `^(?:${src})$`;
      else if (word) src = `(?<![0-9A-Za-z_])(?:${src})(?![0-9A-Za-z_])`;
      re = new RegExp(src, ignoreCase ? "gi" : "g");
    } catch (e) {
      if (e instanceof RegexError) {
        say(ctx, gnu ? e.message : `bad regex '${patterns.join("\n")}': ${e.message}`);
        return 2;
      }
      throw e;
    }

    const implicitDot = operands.length === 0 && recursive;
    if (implicitDot) operands = ["."];
    const files = operands.length ? operands : ["-"];
    const showName = withName ?? (files.length > 1 || recursive);
    let anySelected = false;
    let error = false;
    const errorOn = (op: string, msg: string) => {
      error = true;
      if (!silent) say(ctx, `${op}: ${msg}`);
    };
    const paint = (s: string, c: string) => (color ? `${c}${s}${SGR.end}` : s);

    /** Greps one input; returns true when grep should stop altogether (-q found one). */
    const grepOne = function* (input: ReturnType<typeof bytesInput>, label: string, binary: boolean): Gen<boolean> {
      let selectedCount = 0;
      let lineNo = 0;
      let lastPrinted = 0;
      let afterLeft = 0;
      const held: Array<[number, string]> = [];
      const prefix = (n: number, sep: string) =>
        (showName ? paint(label, SGR.name) + paint(sep, SGR.sep) : "") + (numbers ? paint(String(n), SGR.num) + paint(sep, SGR.sep) : "");
      const emit = (n: number, l: string, sep: string) => {
        if ((before || after) && lastPrinted > 0 && n > lastPrinted + 1) ctx.stdout.write(`${paint("--", SGR.sep)}\n`);
        ctx.stdout.write(`${prefix(n, sep)}${l}\n`);
        lastPrinted = n;
      };
      const quietOutput = quiet || count || listMatch || listNone || binary;
      let stop = false;
      yield* eachLine(input, (l) => {
        lineNo++;
        re.lastIndex = 0;
        const hit = re.test(l);
        if (hit !== invert) {
          selectedCount++;
          anySelected = true;
          if (quiet) {
            stop = true;
            return false;
          }
          if (!quietOutput) {
            for (const [n, h] of held) emit(n, h, "-");
            held.length = 0;
            if (only) {
              if (!invert) {
                re.lastIndex = 0;
                for (const m of l.matchAll(re)) if (m[0] !== "") ctx.stdout.write(`${prefix(lineNo, ":")}${paint(m[0], SGR.match)}\n`);
              }
            } else {
              const shown = color && !invert ? l.replace(re, (m) => (m ? paint(m, SGR.match) : m)) : l;
              emit(lineNo, shown, ":");
            }
            afterLeft = after;
          }
          if (listMatch || selectedCount >= maxCount) return false;
        } else if (!quietOutput) {
          if (afterLeft > 0) {
            afterLeft--;
            emit(lineNo, l, "-");
          } else if (before > 0) {
            held.push([lineNo, l]);
            if (held.length > before) held.shift();
          }
        }
      });
      if (stop) return true;
      if (count) ctx.stdout.write(`${showName ? `${paint(label, SGR.name)}${paint(":", SGR.sep)}` : ""}${selectedCount}\n`);
      if (listMatch && selectedCount > 0) ctx.stdout.write(`${paint(label, SGR.name)}\n`);
      if (listNone && selectedCount === 0) ctx.stdout.write(`${paint(label, SGR.name)}\n`);
      if (binary && selectedCount > 0 && !count && !listMatch && !listNone && !quiet) {
        ctx.stdout.write(gnu ? `grep: ${label}: binary file matches\n` : `Binary file ${label} matches\n`);
      }
      return false;
    };

    const glob = (pat: string, s: string) => new RegExp(`^${pat.replace(/[.+^${}()|\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`).test(s);
    const wanted = (base: string) => (includes.length === 0 || includes.some((g) => glob(g, base))) && !excludes.some((g) => glob(g, base));

    const visit = function* (op: string, top: boolean): Gen<boolean> {
      if (op === "-") return yield* grepOne(ctx.stdin as ReturnType<typeof bytesInput>, o.get("label") ?? "(standard input)", false);
      const path = ctx.resolve(op);
      let st;
      try {
        st = top || o.has("R") ? ctx.fs.stat(path) : ctx.fs.lstat(path);
      } catch (e) {
        errorOn(op, fsMessage(e));
        return false;
      }
      if (!st) {
        errorOn(op, fsMessage(new FsError("ENOENT", path)));
        return false;
      }
      if (st.type === "symlink") return false;
      if (st.type === "dir") {
        if (!recursive) {
          if (gnu) errorOn(op, "Is a directory");
          else errorOn(op, "Is a directory");
          return false;
        }
        let names: string[];
        try {
          names = ctx.fs.readdir(path);
        } catch (e) {
          errorOn(op, fsMessage(e));
          return false;
        }
        for (const n of names) {
          const child = implicitDot && gnu && top ? n : `${op.replace(/\/+$/, "")}/${n}`;
          if ((yield* visit(child, false)) === true) return true;
        }
        return false;
      }
      if (!top && !wanted(op.slice(op.lastIndexOf("/") + 1))) return false;
      const data = readPath(ctx, op);
      if (data instanceof FsError) {
        errorOn(op, fsMessage(data));
        return false;
      }
      const binary = !o.has("a") && data.includes(0);
      return yield* grepOne(bytesInput(data), op, binary);
    };

    for (const f of files) if ((yield* visit(f, true)) === true) break;
    if (quiet && anySelected) return 0;
    if (error) return 2;
    return anySelected ? 0 : 1;
  },
};
