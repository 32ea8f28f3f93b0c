// Whether a container's command provably never ends: `sh -c '...; while true; do ...; done'`
// with nothing on the way that could leave (exit, break, return, exec, set -e, a function, a
// signal). The kubelet then plans no exit for it and computes its output only when read, so a
// looping pod costs nothing while nobody looks.
import type { Command, List, Word } from "./shell/ast";
import { literalOf, Parser } from "./shell/parse";

const SHELLS = new Set(["sh", "bash", "ash", "dash"]);
const LEAVING = new Set(["exit", "break", "return", "exec", "set", "kill", "trap", "source", ".", "eval", "logout", "killall", "pkill", "timeout", "read"]);

/** A command that never ends by itself: `tail -f` (without --pid), `sleep infinity`. */
function endlessWords(words: (string | null)[]): boolean {
  let w = words;
  if (w[0] === "exec") w = w.slice(1);
  const base = (w[0] ?? "").split("/").pop() ?? "";
  if (base === "tail") return w.some((x) => x !== null && /^-[a-zA-Z]*[fF]/.test(x)) && !w.some((x) => x?.startsWith("--pid"));
  if (base === "sleep") return w.length === 2 && /^inf(inity)?$/i.test(w[1] ?? "");
  return false;
}

export function runsForever(argv: string[]): boolean {
  const base = (argv[0] ?? "").split("/").pop() ?? "";
  if (endlessWords(argv)) return true;
  const c = argv.indexOf("-c");
  if (!SHELLS.has(base) || c < 0 || argv[c + 1] === undefined) return false;
  let list: List;
  try {
    list = new Parser(argv[c + 1], "bash").parseAll();
  } catch {
    return false;
  }
  for (const item of list) {
    const cmds = [item.andor.head, ...item.andor.rest.map((r) => r.pipe)].flatMap((p) => p.cmds);
    if (!item.bg && item.andor.rest.length === 0 && cmds.length === 1 && endless(cmds[0])) return cmds[0].t !== "loop" || safeList(cmds[0].body);
    if (!item.bg && !cmds.every(safe)) return false;
  }
  return false;
}

function endless(cmd: Command): boolean {
  if (cmd.t === "simple") return cmd.redirs.every((r) => r.op !== "<" && r.op !== "<<") && endlessWords(cmd.words.map(literalOf));
  if (cmd.t !== "loop" || cmd.cond.length !== 1) return false;
  const head = cmd.cond[0].andor;
  if (head.rest.length || head.head.cmds.length !== 1 || head.head.neg) return false;
  const c = head.head.cmds[0];
  if (c.t !== "simple" || c.redirs.length) return false;
  const words = c.words.map(literalOf);
  const forever = cmd.until ? ["false"] : ["true", ":"];
  if (words.length === 1 && forever.includes(words[0] ?? "")) return true;
  return !cmd.until && (words.join(" ") === "[ 1 ]" || words.join(" ") === "[ true ]");
}

function safeList(list: List): boolean {
  return list.every((i) => [i.andor.head, ...i.andor.rest.map((r) => r.pipe)].every((p) => p.cmds.every(safe)));
}

function safeWord(w: Word): boolean {
  return w.parts.every((p) => (p.t === "param" ? p.op !== "?" && p.op !== ":?" : p.t === "dq" ? safeWord({ parts: p.parts }) : true));
}

function safe(cmd: Command): boolean {
  switch (cmd.t) {
    case "simple": {
      const first = cmd.words[0] ? literalOf(cmd.words[0]) : "";
      if (first === null || LEAVING.has(first)) return false;
      return cmd.words.every(safeWord) && cmd.assigns.every((a) => !a.value || safeWord(a.value));
    }
    case "group":
    case "subshell":
      return cmd.t === "subshell" || safeList(cmd.body);
    case "if":
      return cmd.clauses.every((c) => safeList(c.cond) && safeList(c.body)) && (!cmd.else || safeList(cmd.else));
    case "loop":
      return safeList(cmd.cond) && safeList(cmd.body);
    case "for":
    case "cfor":
      return safeList(cmd.body);
    case "case":
      return cmd.items.every((i) => safeList(i.body));
    case "cond":
    case "arith":
      return true;
    default:
      return false;
  }
}
