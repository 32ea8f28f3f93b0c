// sed: scripts from -e/-f or the first operand; addresses (N, $, /re/, \cREc, first~step,
// ranges, addr,+N, !); commands { } s y p P d D n N g G h H x a i c = l q Q b t T : r w; s///
// with & \1..\9, \n, \U \L \u \l \E and flags g p i I N w; -n -i[SUF] -E -r -s -z? no.
import type { Tool, ToolContext } from "../../types";
import { FsError } from "../../types";
import { type Gen, fsMessage, getopt, readPath, say, text } from "./common";
import { LineReader } from "./lines";
import { RegexError, compile } from "./regex";

const USAGE = { busybox: "sed [-i[SFX]] [-nrE] [-f FILE]... [-e CMD]... [FILE]...", gnu: "sed [OPTION]... {script-only-if-no-other-script} [input-file]..." };

type Addr = { kind: "line"; n: number } | { kind: "last" } | { kind: "re"; re: RegExp | null } | { kind: "step"; first: number; step: number } | { kind: "plus"; n: number };

interface Cmd {
  a1?: Addr;
  a2?: Addr;
  negate: boolean;
  name: string;
  /** For ranges: whether it is inside, and where it ends for +N. */
  active?: boolean;
  endLine?: number;
  text?: string;
  label?: string;
  re?: RegExp | null;
  replacement?: string;
  global?: boolean;
  nth?: number;
  print?: number;
  wfile?: string;
  from?: string;
  to?: string;
  /** For "{": the index after its "}". */
  blockEnd?: number;
}

class ScriptError extends Error {}

function parseScript(script: string, extended: boolean, gnu: boolean): Cmd[] {
  const cmds: Cmd[] = [];
  const blocks: number[] = [];
  let i = 0;
  const s = script;
  const ws = () => {
    while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  };
  const err = (m: string) => new ScriptError(`-e expression #1, char ${i}: ${m}`);
  /** Text up to an unescaped delimiter, with "\delim" turned into delim (and \n into newline in replacements). */
  const delimited = (d: string, isRegex: boolean): string => {
    let out = "";
    while (i < s.length && s[i] !== d) {
      if (s[i] === "\\" && i + 1 < s.length) {
        if (s[i + 1] === d) out += d === "&" && !isRegex ? "\\&" : d;
        else if (s[i + 1] === "n" && isRegex) out += "\\n";
        else out += s.slice(i, i + 2);
        i += 2;
        continue;
      }
      if (s[i] === "\n" && isRegex) throw err(`unterminated address regex`);
      out += s[i++];
    }
    if (i >= s.length) throw err(isRegex ? "unterminated `s' command" : "unterminated `s' command");
    i++;
    return out;
  };
  const regex = (src: string, flags: string): RegExp | null => {
    if (src === "") return null;
    try {
      return compile(src, extended, flags);
    } catch (e) {
      if (e instanceof RegexError) throw err(e.message);
      throw e;
    }
  };
  const address = (): Addr | undefined => {
    if (/\d/.test(s[i] ?? "")) {
      const m = /^(\d+)(?:~(\d+))?/.exec(s.slice(i))!;
      i += m[0].length;
      if (m[2] !== undefined) return { kind: "step", first: Number(m[1]), step: Number(m[2]) };
      return { kind: "line", n: Number(m[1]) };
    }
    if (s[i] === "$") {
      i++;
      return { kind: "last" };
    }
    if (s[i] === "/" || s[i] === "\\") {
      let d = "/";
      if (s[i] === "\\") {
        d = s[i + 1];
        i++;
      }
      i++;
      const src = delimited(d, true);
      let flags = "";
      while (s[i] === "I" || s[i] === "M") {
        if (s[i] === "I") flags += "i";
        else flags += "m";
        i++;
      }
      return { kind: "re", re: regex(src, flags) };
    }
    return undefined;
  };
  const readText = (): string => {
    // GNU's one-liner form "a text", or "a\" followed by lines ending in "\".
    ws();
    if (s[i] === "\\") {
      i++;
      if (s[i] === "\n") i++;
      else ws();
    }
    let out = "";
    while (i < s.length && s[i] !== "\n") {
      if (s[i] === "\\" && i + 1 < s.length) {
        out += s[i + 1];
        i += 2;
        continue;
      }
      out += s[i++];
    }
    return out;
  };
  const label = (): string => {
    ws();
    let out = "";
    while (i < s.length && s[i] !== "\n" && s[i] !== ";" && s[i] !== "}") out += s[i++];
    return out.trim();
  };
  while (i < s.length) {
    while (i < s.length && /[\s;]/.test(s[i])) i++;
    if (i >= s.length) break;
    if (s[i] === "#") {
      while (i < s.length && s[i] !== "\n") i++;
      continue;
    }
    const cmd: Cmd = { negate: false, name: "" };
    cmd.a1 = address();
    if (cmd.a1 && s[i] === ",") {
      i++;
      ws();
      if (s[i] === "+") {
        const m = /^\+(\d+)/.exec(s.slice(i))!;
        i += m[0].length;
        cmd.a2 = { kind: "plus", n: Number(m[1]) };
      } else {
        cmd.a2 = address();
        if (!cmd.a2) throw err("unexpected `,'");
      }
    }
    ws();
    while (s[i] === "!") {
      cmd.negate = true;
      i++;
      ws();
    }
    const c = s[i++];
    if (c === undefined) throw err("missing command");
    cmd.name = c;
    switch (c) {
      case "{":
        blocks.push(cmds.length);
        break;
      case "}":
        if (!blocks.length) throw err("unexpected `}'");
        cmds[blocks.pop()!].blockEnd = cmds.length + 1;
        break;
      case "s": {
        const d = s[i++];
        const src = delimited(d, true);
        cmd.replacement = delimited(d, false);
        let flags = "";
        cmd.print = 0;
        for (;;) {
          const f = s[i];
          if (f === "g") cmd.global = true;
          else if (f === "p") cmd.print = (cmd.print ?? 0) + 1;
          else if (f === "i" || f === "I") flags += "i";
          else if (f === "m" || f === "M") flags += "m";
          else if (f !== undefined && /\d/.test(f)) {
            const m = /^\d+/.exec(s.slice(i))!;
            cmd.nth = Number(m[0]);
            i += m[0].length - 1;
          } else if (f === "w") {
            i++;
            cmd.wfile = label();
            break;
          } else if (f !== undefined && !/[\s;}#]/.test(f)) {
            i++;
            throw err("unknown option to `s'");
          } else break;
          i++;
        }
        cmd.re = regex(src, flags);
        if (cmd.re === null) cmd.from = flags;
        break;
      }
      case "y": {
        const d = s[i++];
        const from = [...delimited(d, false).replace(/\\\\/g, "\\").replace(/\\n/g, "\n")];
        const to = [...delimited(d, false).replace(/\\\\/g, "\\").replace(/\\n/g, "\n")];
        if (from.length !== to.length) throw err("strings for `y' command are different lengths");
        cmd.from = from.join("");
        cmd.to = to.join("");
        break;
      }
      case "a": case "i": case "c":
        cmd.text = readText();
        break;
      case ":":
        if (cmd.a1) throw err(": doesn't want any addresses");
        cmd.label = label();
        if (!cmd.label) throw err("\":\" lacks a label");
        break;
      case "b": case "t": case "T":
        cmd.label = label();
        break;
      case "r": case "w": case "R": case "W":
        cmd.wfile = label();
        break;
      case "q": case "Q": case "l": case "L": {
        ws();
        const m = /^\d+/.exec(s.slice(i));
        if (m) {
          cmd.nth = Number(m[0]);
          i += m[0].length;
        }
        break;
      }
      case "p": case "P": case "d": case "D": case "n": case "N": case "g": case "G": case "h": case "H": case "x": case "=": case "z": case "F":
        break;
      default:
        throw err(`unknown command: \`${c}'`);
    }
    cmds.push(cmd);
    ws();
    if (i < s.length && !/[\n;}#]/.test(s[i]) && cmd.name !== "}" && cmd.name !== "{") {
      if (!(cmd.name === "a" || cmd.name === "i" || cmd.name === "c")) throw err(`extra characters after command`);
    }
  }
  if (blocks.length) throw err("unmatched `{'");
  void gnu;
  return cmds;
}

/** Expands a replacement for one match: & \0-\9 \n \t and GNU's case conversions. */
function substitute(rep: string, m: RegExpExecArray | string[]): string {
  let out = "";
  let mode: "" | "U" | "L" = "";
  let one: "" | "u" | "l" = "";
  const add = (t: string) => {
    for (const ch of t) {
      let c = mode === "U" ? ch.toUpperCase() : mode === "L" ? ch.toLowerCase() : ch;
      if (one) {
        c = one === "u" ? c.toUpperCase() : c.toLowerCase();
        one = "";
      }
      out += c;
    }
  };
  for (let i = 0; i < rep.length; i++) {
    const c = rep[i];
    if (c === "&") add(m[0] ?? "");
    else if (c === "\\" && i + 1 < rep.length) {
      const n = rep[++i];
      if (n >= "0" && n <= "9") add(m[Number(n)] ?? "");
      else if (n === "n") add("\n");
      else if (n === "t") add("\t");
      else if (n === "U" || n === "L") mode = n;
      else if (n === "E") mode = "";
      else if (n === "u" || n === "l") one = n;
      else add(n);
    } else add(c);
  }
  return out;
}

/** sed's `l`: escapes and octal for unprintables, lines folded at 69 characters plus "\", "$" at the end. */
function listLine(s: string, width: number): string {
  const esc: Record<string, string> = { "\\": "\\\\", "\x07": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\v": "\\v" };
  let out = "";
  let col = 0;
  for (const b of new TextEncoder().encode(s)) {
    const ch = String.fromCharCode(b);
    const piece = esc[ch] ?? (b < 32 || b >= 127 ? `\\${b.toString(8).padStart(3, "0")}` : ch);
    if (width > 1 && col + piece.length > width - 1) {
      out += "\\\n";
      col = 0;
    }
    out += piece;
    col += piece.length;
  }
  return `${out}$\n`;
}

export const sed: Tool = {
  names: ["sed"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, {
      flags: "nrEsuz",
      args: "efl",
      usage: USAGE,
      long: { quiet: "n", silent: "n", "regexp-extended": "E", separate: "s", "expression=": "e", "file=": "f", "in-place?": "i", "null-data": "z", unbuffered: "u", debug: "debug", posix: "posix", "line-length=": "l" },
    }, preprocessInPlace(ctx.argv.slice(1)));
    if (!o) return 1;
    const parts: string[] = [];
    for (const [k, v] of o.opts) {
      if (k === "e") parts.push(v);
      else if (k === "f") {
        const data = v === "-" ? null : readPath(ctx, v);
        if (data instanceof FsError) {
          say(ctx, gnu ? `couldn't open file ${v}: ${fsMessage(data)}` : `can't open '${v}': ${fsMessage(data)}`);
          return 1;
        }
        if (data) parts.push(text(data).replace(/\n$/, ""));
      }
    }
    let operands = o.rest;
    if (parts.length === 0) {
      if (operands.length === 0) {
        if (gnu) {
          ctx.stderr.write(`Usage: ${USAGE.gnu}\n\n`);
        } else ctx.stderr.write(`BusyBox v1.36.1 (2023-07-27 17:12:24 UTC) multi-call binary.\n\nUsage: ${USAGE.busybox}\n`);
        return gnu ? 1 : 1;
      }
      parts.push(operands[0]);
      operands = operands.slice(1);
    }
    const extended = o.has("E") || o.has("r");
    let cmds: Cmd[];
    try {
      cmds = parseScript(parts.join("\n"), extended, gnu);
    } catch (e) {
      if (e instanceof ScriptError) {
        say(ctx, gnu ? e.message : e.message.replace(/^-e expression #1, char \d+: /, ""));
        return 1;
      }
      throw e;
    }
    const inPlace = o.has("i");
    const suffix = o.get("i") ?? "";
    const quiet = o.has("n");
    const separate = inPlace || o.has("s");
    if (inPlace && operands.length === 0) {
      say(ctx, gnu ? "no input files" : "-i requires an argument");
      return gnu ? 1 : 1;
    }
    const labels = new Map<string, number>();
    cmds.forEach((c, idx) => c.name === ":" && labels.set(c.label!, idx));
    for (const c of cmds) {
      if ((c.name === "b" || c.name === "t" || c.name === "T") && c.label && !labels.has(c.label)) {
        say(ctx, gnu ? `-e expression #1, char 0: can't find label for jump to \`${c.label}'` : `can't find label for jump to '${c.label}'`);
        return 1;
      }
    }

    let status = 0;
    const onError = (op: string, e: FsError) => {
      status = 2;
      say(ctx, gnu ? `can't read ${op}: ${fsMessage(e)}` : `${op}: ${fsMessage(e)}`);
    };
    const groups: string[][] = inPlace ? operands.map((f) => [f]) : [operands];
    let lastRe: RegExp | null = null;
    const files = new Map<string, string>();
    let quitCode: number | null = null;
    for (const group of groups) {
      if (quitCode !== null) break;
      const reader = LineReader.of(ctx, group, onError);
      let out = "";
      const emit = (s: string) => {
        if (inPlace) out += s;
        else ctx.stdout.write(s);
      };
      let hold = "";
      let lineNo = 0;
      let readAny = false;
      for (const c of cmds) c.active = false;
      let line: string | null = yield* reader.next();
      while (line !== null) {
        readAny = true;
        lineNo++;
        let space: string = line;
        let appendQueue = "";
        let substituted = false;
        let deleted = false;
        let autoprint = !quiet;
        let restart = false;
        const isLast = function* (): Gen<boolean> {
          return yield* reader.atEnd(separate);
        };
        const matchAddr = function* (a: Addr): Gen<boolean> {
          switch (a.kind) {
            case "line": return lineNo === a.n;
            case "last": return yield* isLast();
            case "step": return a.step <= 0 ? lineNo === a.first : lineNo >= a.first && (lineNo - a.first) % a.step === 0;
            case "re": {
              const re = a.re ?? lastRe;
              if (!re) return false;
              lastRe = re;
              re.lastIndex = 0;
              return re.test(space);
            }
            case "plus": return false;
          }
        };
        const selects = function* (c: Cmd): Gen<boolean> {
          if (!c.a1) return true;
          if (!c.a2) return yield* matchAddr(c.a1);
          if (c.active) {
            const a2 = c.a2;
            let ends: boolean;
            if (a2.kind === "line") ends = lineNo >= a2.n;
            else if (a2.kind === "plus") ends = lineNo >= c.endLine!;
            else ends = yield* matchAddr(a2);
            if (ends) c.active = false;
            return true;
          }
          if (yield* matchAddr(c.a1)) {
            const a2 = c.a2;
            if (a2.kind === "line") c.active = a2.n > lineNo;
            else if (a2.kind === "plus") {
              c.endLine = lineNo + a2.n;
              c.active = a2.n > 0;
            } else if (a2.kind === "last") c.active = !(yield* isLast());
            else c.active = true;
            return true;
          }
          return false;
        };
        let pc = 0;
        while (pc < cmds.length) {
          const c = cmds[pc];
          let sel = yield* selects(c);
          if (c.negate) sel = !sel;
          if (!sel) {
            pc = c.name === "{" ? c.blockEnd! : pc + 1;
            continue;
          }
          pc++;
          switch (c.name) {
            case "{": case "}": case ":": break;
            case "=": emit(`${lineNo}\n`); break;
            case "p": emit(`${space}\n`); break;
            case "P": emit(`${space.split("\n")[0]}\n`); break;
            case "l": emit(listLine(space, c.nth ?? Number(o.get("l") ?? 70))); break;
            case "d": deleted = true; pc = cmds.length; break;
            case "D": {
              const at = space.indexOf("\n");
              if (at < 0) {
                deleted = true;
                pc = cmds.length;
              } else {
                space = space.slice(at + 1);
                restart = true;
                pc = cmds.length;
              }
              break;
            }
            case "h": hold = space; break;
            case "H": hold += `\n${space}`; break;
            case "g": space = hold; break;
            case "G": space += `\n${hold}`; break;
            case "x": [space, hold] = [hold, space]; break;
            case "z": space = ""; break;
            case "F": emit(`${reader.name === "-" ? "-" : reader.name}\n`); break;
            case "a": appendQueue += `${c.text}\n`; break;
            case "i": emit(`${c.text}\n`); break;
            case "c":
              // In a range, the text goes out once, at its end.
              if (!c.a2 || !c.active) emit(`${c.text}\n`);
              deleted = true;
              pc = cmds.length;
              break;
            case "r": {
              const data = readPath(ctx, c.wfile!);
              if (!(data instanceof FsError)) appendQueue += text(data);
              break;
            }
            case "w": files.set(c.wfile!, (files.get(c.wfile!) ?? "") + `${space}\n`); break;
            case "y": {
              let r = "";
              for (const ch of space) {
                const k = c.from!.indexOf(ch);
                r += k >= 0 ? [...c.to!][k] : ch;
              }
              space = r;
              break;
            }
            case "s": {
              let re = c.re ?? null;
              if (!re) {
                if (!lastRe) {
                  say(ctx, "no previous regular expression");
                  return 1;
                }
                re = lastRe;
              } else lastRe = re;
              const g = new RegExp(re.source, re.flags.includes("g") ? re.flags : `${re.flags}g`);
              let count = 0;
              let did = false;
              const nth = c.nth ?? 1;
              const result = space.replace(g, (...args: unknown[]) => {
                const groupsEnd = args.findIndex((a) => typeof a === "number");
                const m = args.slice(0, groupsEnd).map((x) => (x === undefined ? "" : String(x)));
                count++;
                if (count < nth || (!c.global && count > nth)) return m[0];
                did = true;
                return substitute(c.replacement!, m);
              });
              if (did) {
                space = result;
                substituted = true;
                for (let k = 0; k < (c.print ?? 0); k++) emit(`${space}\n`);
                if (c.wfile) files.set(c.wfile, (files.get(c.wfile) ?? "") + `${space}\n`);
              }
              break;
            }
            case "t": case "T":
              if (substituted === (c.name === "t")) {
                pc = c.label ? labels.get(c.label)! : cmds.length;
              }
              if (c.name === "t") substituted = false;
              break;
            case "b": pc = c.label ? labels.get(c.label)! : cmds.length; break;
            case "n": {
              if (yield* isLast()) {
                if (!gnu || !quiet) {
                  /* GNU prints the pattern space and ends without running the rest */
                }
                pc = cmds.length;
                break;
              }
              if (autoprint) emit(`${space}\n`);
              emit(appendQueue);
              appendQueue = "";
              const nl = yield* reader.next();
              lineNo++;
              space = nl ?? "";
              break;
            }
            case "N": {
              if (yield* isLast()) {
                // GNU prints the pattern space when N runs out of input (POSIX would not).
                if (!gnu) deleted = true;
                pc = cmds.length;
                break;
              }
              const nl = yield* reader.next();
              lineNo++;
              space += `\n${nl ?? ""}`;
              break;
            }
            case "q":
              quitCode = c.nth ?? 0;
              pc = cmds.length;
              break;
            case "Q":
              quitCode = c.nth ?? 0;
              deleted = true;
              autoprint = false;
              appendQueue = "";
              pc = cmds.length;
              break;
          }
        }
        if (!deleted && autoprint) emit(reader.lastHadNewline || !(yield* isLast()) ? `${space}\n` : space);
        emit(appendQueue);
        if (quitCode !== null) break;
        if (restart) {
          // D with a newline left: start the cycle again without reading.
          line = space;
          lineNo--;
          continue;
        }
        line = yield* reader.next();
      }
      if (inPlace && readAny !== undefined) {
        const target = ctx.resolve(group[0]);
        if (ctx.fs.stat(target)) {
          try {
            if (suffix) ctx.fs.write(suffix.includes("*") ? ctx.resolve(suffix.replace(/\*/g, group[0])) : `${target}${suffix}`, ctx.fs.read(target));
            ctx.fs.write(target, out);
          } catch (e) {
            say(ctx, `couldn't edit ${group[0]}: ${fsMessage(e)}`);
            status = 4;
          }
        }
      }
    }
    for (const [f, data] of files) {
      try {
        ctx.fs.write(ctx.resolve(f), data);
      } catch (e) {
        say(ctx, `couldn't open file ${f}: ${fsMessage(e)}`);
        status = 4;
      }
    }
    return quitCode ?? status;
  },
};

/** -i takes its suffix only when attached (-i.bak), never from the next word. */
function preprocessInPlace(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    const m = /^-([nrEsuz]*)i(.*)$/.exec(a);
    if (m) {
      if (m[1]) out.push(`-${m[1]}`);
      out.push(`--in-place=${m[2]}`);
      continue;
    }
    out.push(a);
  }
  return out;
}
