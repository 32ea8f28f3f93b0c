// find: paths, then an expression of tests (-name -iname -path -type -mtime -mmin -size -newer
// -empty -perm -user -group), actions (-print -print0 -exec {} ; and + -delete -prune -quit)
// and operators (! -not -a -and -o -or , and parentheses); -maxdepth/-mindepth/-depth.
import type { Effect, Stat, Tool, ToolContext } from "../../types";
import { blocksK, complain, errText, joinPath, lookupGroup, lookupUser, usageError } from "./common";
import { applyMode } from "./mode";

const USAGE = "[-HL] [PATH]... [OPTIONS] [ACTIONS]";

type Node =
  | { op: "and" | "or" | "comma"; a: Node; b: Node }
  | { op: "not"; a: Node }
  | { op: "pred"; name: string; args: string[] };

interface Visit {
  path: string;
  /** The resolved path, for the file system. */
  full: string;
  st: Stat;
  depth: number;
}

const TAKES: Record<string, number> = {
  "-name": 1, "-iname": 1, "-path": 1, "-ipath": 1, "-wholename": 1, "-iwholename": 1, "-type": 1, "-xtype": 1, "-mtime": 1, "-mmin": 1, "-ctime": 1, "-cmin": 1,
  "-atime": 1, "-amin": 1, "-size": 1, "-newer": 1, "-perm": 1, "-user": 1, "-group": 1, "-uid": 1, "-gid": 1, "-maxdepth": 1, "-mindepth": 1, "-regex": 1, "-iregex": 1,
  "-links": 1, "-inum": 1, "-samefile": 1, "-fprint": 1,
};
const NULLARY = new Set(["-print", "-print0", "-delete", "-prune", "-quit", "-empty", "-true", "-false", "-depth", "-xdev", "-mount", "-follow", "-ls", "-readable", "-writable", "-executable", "-nouser", "-nogroup"]);
const ACTIONS = new Set(["-print", "-print0", "-delete", "-exec", "-execdir", "-ok", "-ls", "-quit", "-fprint"]);

/** fnmatch(3) with FNM_PERIOD off, as find's -name uses it: * ? [...] and backslash escapes. */
export function globRegExp(glob: string, flags = ""): RegExp {
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*") re += "[\\s\\S]*";
    else if (c === "?") re += "[\\s\\S]";
    else if (c === "\\" && i + 1 < glob.length) re += "\\" + glob[++i];
    else if (c === "[") {
      const end = glob.indexOf("]", i + 2);
      if (end < 0) re += "\\[";
      else {
        let body = glob.slice(i + 1, end);
        if (body.startsWith("!")) body = "^" + body.slice(1);
        re += `[${body.replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += /[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c;
  }
  return new RegExp(`^${re}$`, flags);
}

function numCmp(spec: string, value: number, scale = 1): boolean {
  const sign = spec[0] === "+" || spec[0] === "-" ? spec[0] : "";
  const n = Number(sign ? spec.slice(1) : spec) * scale;
  if (sign === "+") return value > n;
  if (sign === "-") return value < n;
  return value === n;
}

export const find: Tool = {
  names: ["find"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    let args = ctx.argv.slice(1);
    let follow = false;
    while (args[0] === "-H" || args[0] === "-L" || args[0] === "-P") {
      follow = args[0] === "-L";
      args = args.slice(1);
    }
    const firstExpr = args.findIndex((a) => (a.startsWith("-") && a.length > 1) || a === "(" || a === "!");
    const paths = firstExpr < 0 ? args : args.slice(0, firstExpr);
    const expr = firstExpr < 0 ? [] : args.slice(firstExpr);
    let maxDepth = Infinity;
    let minDepth = 0;
    let depthFirst = false;
    let hasAction = false;

    // ---- parse
    let i = 0;
    const fail = (msg: string): never => {
      throw new Error(msg);
    };
    const primary = (): Node => {
      const t = expr[i++];
      if (t === undefined) return fail(gnu ? "expected an expression" : "expected an expression");
      if (t === "(") {
        const n = orExpr();
        if (expr[i++] !== ")") fail(gnu ? "invalid expression; I was expecting to find a ')' somewhere but did not see one." : "missing )");
        return n;
      }
      if (t === "!" || t === "-not") return { op: "not", a: primary() };
      if (t === "-exec" || t === "-execdir" || t === "-ok") {
        const end = expr.findIndex((a, k) => k >= i && (a === ";" || (a === "+" && expr[k - 1] === "{}")));
        if (end < 0) fail(gnu ? `missing argument to \`${t}'` : `${t} requires an argument`);
        const cmd = expr.slice(i, end + 1);
        i = end + 1;
        hasAction = true;
        return { op: "pred", name: t, args: cmd };
      }
      if (t in TAKES) {
        if (i >= expr.length) fail(gnu ? `missing argument to \`${t}'` : `${t} requires an argument`);
        const a = expr[i++]!;
        if (t === "-maxdepth" || t === "-mindepth") {
          if (!/^\d+$/.test(a)) fail(gnu ? `Expected a positive decimal integer argument to ${t}, but got '${a}'` : `invalid number '${a}'`);
          if (t === "-maxdepth") maxDepth = Number(a);
          else minDepth = Number(a);
          return { op: "pred", name: "-true", args: [] };
        }
        if (t === "-type" && !/^[fdlcpsb](,[fdlcpsb])*$/.test(a)) fail(gnu ? `Unknown argument to -type: ${a}` : `invalid argument '${a}' to '-type'`);
        if (ACTIONS.has(t)) hasAction = true;
        return { op: "pred", name: t, args: [a] };
      }
      if (NULLARY.has(t)) {
        if (t === "-depth" || t === "-delete") depthFirst = true;
        if (t === "-follow") follow = true;
        if (ACTIONS.has(t)) hasAction = true;
        return { op: "pred", name: t, args: [] };
      }
      if (t.startsWith("-")) return fail(gnu ? `unknown predicate \`${t}'` : `unrecognized: ${t}`);
      return fail(gnu ? `paths must precede expression: \`${t}'` : `unrecognized: ${t}`);
    };
    const andExpr = (): Node => {
      let n = primary();
      for (;;) {
        const t = expr[i];
        if (t === undefined || t === ")" || t === "-o" || t === "-or" || t === ",") return n;
        if (t === "-a" || t === "-and") i++;
        n = { op: "and", a: n, b: primary() };
      }
    };
    const orExpr = (): Node => {
      let n = andExpr();
      while (expr[i] === "-o" || expr[i] === "-or" || expr[i] === ",") {
        const op = expr[i++] === "," ? "comma" : "or";
        n = { op, a: n, b: andExpr() };
      }
      return n;
    };
    let root: Node = { op: "pred", name: "-true", args: [] };
    try {
      if (expr.length) root = orExpr();
      if (i < expr.length) fail(gnu ? `paths must precede expression: \`${expr[i]}'` : `unrecognized: ${expr[i]}`);
    } catch (e) {
      if (!(e instanceof Error)) throw e;
      if (gnu) {
        complain(ctx, e.message);
        if (/paths must precede/.test(e.message)) ctx.stderr.write("find: possible unquoted pattern after predicate `-name'?\n");
        return 1;
      }
      return usageError(ctx, e.message, USAGE);
    }
    if (!hasAction) root = { op: "and", a: root, b: { op: "pred", name: "-print", args: [] } };

    // ---- evaluate
    const now = ctx.now();
    let status = 0;
    let quit = false;
    let pruned = false;
    const batches = new Map<Extract<Node, { op: "pred" }>, string[]>();
    const runExec = function* (cmd: string[], path: string): Generator<Effect, number, void> {
      const argv = cmd.map((a) => a.replaceAll("{}", path));
      return yield* ctx.exec(argv);
    };
    const newerCache = new Map<string, number>();
    const evaluate = function* (n: Node, v: Visit): Generator<Effect, boolean, void> {
      switch (n.op) {
        case "and":
          return (yield* evaluate(n.a, v)) && (yield* evaluate(n.b, v));
        case "or":
          return (yield* evaluate(n.a, v)) || (yield* evaluate(n.b, v));
        case "comma":
          yield* evaluate(n.a, v);
          return yield* evaluate(n.b, v);
        case "not":
          return !(yield* evaluate(n.a, v));
      }
      const a = n.args[0] ?? "";
      const base = v.path === "/" ? "/" : v.path.replace(/\/+$/, "").split("/").pop()!;
      switch (n.name) {
        case "-true":
        case "-depth":
        case "-xdev":
        case "-mount":
        case "-follow":
        case "-readable":
        case "-writable":
          return true;
        case "-false":
          return false;
        case "-name":
          return globRegExp(a).test(base);
        case "-iname":
          return globRegExp(a, "i").test(base);
        case "-path":
        case "-wholename":
          return globRegExp(a).test(v.path);
        case "-ipath":
        case "-iwholename":
          return globRegExp(a, "i").test(v.path);
        case "-regex":
          return new RegExp(`^(?:${a})$`).test(v.path);
        case "-iregex":
          return new RegExp(`^(?:${a})$`, "i").test(v.path);
        case "-type":
        case "-xtype": {
          const t = { file: "f", dir: "d", symlink: "l", chardev: "c", fifo: "p", socket: "s" }[v.st.type];
          return a.split(",").includes(t);
        }
        case "-empty":
          if (v.st.type === "dir") return ctx.fs.readdir(v.full).length === 0;
          return v.st.type === "file" && v.st.size === 0;
        case "-executable":
          return (v.st.mode & 0o111) !== 0;
        case "-mtime":
        case "-ctime":
        case "-atime":
          return numCmp(a, Math.floor((now - v.st.mtime) / 86_400_000));
        case "-mmin":
        case "-cmin":
        case "-amin":
          return numCmp(a, Math.ceil((now - v.st.mtime) / 60_000));
        case "-size": {
          const m = /^([-+]?)(\d+)([bcwkMG]?)$/.exec(a);
          if (!m) return false;
          const unit = { b: 512, c: 1, w: 2, k: 1024, M: 1024 ** 2, G: 1024 ** 3, "": 512 }[m[3]!]!;
          return numCmp(m[1]! + m[2]!, Math.ceil(v.st.size / unit));
        }
        case "-newer": {
          if (!newerCache.has(a)) newerCache.set(a, ctx.fs.stat(ctx.resolve(a))?.mtime ?? Infinity);
          return v.st.mtime > newerCache.get(a)!;
        }
        case "-perm": {
          const mode = v.st.mode & 0o7777;
          const spec = a.replace(/^[-/+]/, "");
          const want = applyMode(spec, 0, false, 0) ?? 0;
          if (a.startsWith("-")) return (mode & want) === want;
          if (a.startsWith("/") || a.startsWith("+")) return want === 0 || (mode & want) !== 0;
          return mode === want;
        }
        case "-user":
          return lookupUser(ctx.fs, a)?.uid === v.st.uid;
        case "-group":
          return lookupGroup(ctx.fs, a) === v.st.gid;
        case "-uid":
          return numCmp(a, v.st.uid);
        case "-gid":
          return numCmp(a, v.st.gid);
        case "-links":
          return numCmp(a, v.st.nlink);
        case "-inum":
          return numCmp(a, v.st.ino);
        case "-nouser":
        case "-nogroup":
          return false;
        case "-print":
          ctx.stdout.write(v.path + "\n");
          return true;
        case "-print0":
          ctx.stdout.write(v.path + "\0");
          return true;
        case "-ls":
          ctx.stdout.write(`${String(v.st.ino).padStart(9)} ${String(blocksK(v.st)).padStart(6)} ${v.path}\n`);
          return true;
        case "-prune":
          pruned = true;
          return true;
        case "-quit":
          quit = true;
          return true;
        case "-delete":
          try {
            ctx.fs.remove(v.full);
          } catch (e) {
            complain(ctx, gnu ? `cannot delete '${v.path}': ${errText(e)}` : `can't remove '${v.path}': ${errText(e)}`);
            status = 1;
            return false;
          }
          return true;
        case "-exec":
        case "-execdir":
        case "-ok": {
          const cmd = n.args.slice(0, -1);
          if (n.args.at(-1) === "+") {
            const list = batches.get(n) ?? [];
            list.push(v.path);
            batches.set(n, list);
            return true;
          }
          return (yield* runExec(cmd, v.path)) === 0;
        }
      }
      return true;
    };

    const visit = function* (path: string, depth: number): Generator<Effect, void, void> {
      if (quit) return;
      const full = ctx.resolve(path);
      let st: Stat | null;
      try {
        st = follow ? ctx.fs.stat(full) ?? ctx.fs.lstat(full) : ctx.fs.lstat(full);
      } catch (e) {
        complain(ctx, gnu ? `'${path}': ${errText(e)}` : `${path}: ${errText(e)}`);
        status = 1;
        return;
      }
      if (!st) {
        complain(ctx, gnu ? `'${path}': No such file or directory` : `${path}: No such file or directory`);
        status = 1;
        return;
      }
      const v: Visit = { path, full, st, depth };
      pruned = false;
      if (!depthFirst && depth >= minDepth) yield* evaluate(root, v);
      const descend = st.type === "dir" && depth < maxDepth && !pruned;
      if (descend) {
        let names: string[] = [];
        try {
          names = ctx.fs.readdir(full);
        } catch (e) {
          complain(ctx, gnu ? `'${path}': ${errText(e)}` : `${path}: ${errText(e)}`);
          status = 1;
        }
        for (const n of names) {
          if (quit) return;
          yield* visit(joinPath(path, n), depth + 1);
        }
      }
      if (depthFirst && depth >= minDepth && !quit) yield* evaluate(root, v);
    };

    for (const p of paths.length ? paths : ["."]) {
      if (quit) break;
      yield* visit(p, 0);
    }
    for (const [n, list] of batches) {
      if (list.length === 0) continue;
      const cmd = n.args.slice(0, -2);
      const code = yield* ctx.exec([...cmd, ...list]);
      if (code !== 0) status = 1;
    }
    return status;
  },
};
