// ln (-s -f -n -T -v). The FileSystem has no hard links, so `ln` without -s copies the file's
// bytes and mode: what a reader of either name sees is the same, only nlink differs.
import { FsError, type Tool, type ToolContext } from "../../types";
import { baseName, complain, errText, joinPath, missingOperand, parseOpts, q, usageError } from "./common";
import { safeLstat, safeStat } from "./copy";

export const ln: Tool = {
  names: ["ln"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-sfnbtv] [-S SUF] TARGET... LINK|DIR";
    const p = parseOpts(ctx, {
      flags: "sfnTvbr",
      withArg: "tS",
      usage: USAGE,
      long: { symbolic: { key: "s" }, force: { key: "f" }, "no-dereference": { key: "n" }, "no-target-directory": { key: "T" }, "target-directory": { key: "t", arg: "required" }, verbose: { key: "v" }, relative: { key: "r" } },
    });
    if (typeof p === "number") return p;
    const args = [...p.args];
    if (args.length === 0) return missingOperand(ctx, USAGE, "file operand");
    let dir = p.get("t");
    let single: string | undefined;
    if (dir === undefined) {
      if (args.length === 1) dir = ".";
      else {
        const last = args.at(-1)!;
        const lst = safeLstat(ctx, last);
        const isDir = !p.has("T") && (p.has("n") && lst?.type === "symlink" ? false : safeStat(ctx, last)?.type === "dir");
        args.pop();
        if (isDir) dir = last;
        else if (args.length > 1) {
          if (!gnu) return usageError(ctx, null, USAGE);
          complain(ctx, `target ${q(last)} is not a directory`);
          return 1;
        } else single = last;
      }
    }
    let status = 0;
    for (const target of args) {
      const link = single ?? joinPath(dir!, baseName(target));
      const path = ctx.resolve(link);
      const what = p.has("s") ? "symbolic link" : "hard link";
      try {
        if (!p.has("s")) {
          const st = safeStat(ctx, target);
          if (!st) {
            complain(ctx, gnu ? `failed to access ${q(target)}: No such file or directory` : `${target}: No such file or directory`);
            status = 1;
            continue;
          }
          if (st.type === "dir") {
            complain(ctx, gnu ? `${target}: hard link not allowed for directory` : `${link}: Operation not permitted`);
            status = 1;
            continue;
          }
        }
        const existing = safeLstat(ctx, link);
        if (existing) {
          if (!p.has("f")) throw new FsError("EEXIST", path);
          if (existing.type === "dir") throw new FsError("EISDIR", path);
          ctx.fs.remove(path);
        }
        if (p.has("s")) ctx.fs.symlink(target, path);
        else {
          const src = ctx.resolve(target);
          const st = ctx.fs.stat(src)!;
          ctx.fs.write(path, ctx.fs.read(src), { mode: st.mode });
          ctx.fs.utimes(path, st.mtime);
        }
        if (p.has("v")) ctx.stdout.write(`${q(link)} -> ${q(target)}\n`);
      } catch (e) {
        if (gnu) complain(ctx, p.has("s") ? `failed to create ${what} ${q(link)}: ${errText(e)}` : `failed to create ${what} ${q(link)} => ${q(target)}: ${errText(e)}`);
        else complain(ctx, `${link}: ${errText(e)}`);
        status = 1;
      }
    }
    return status;
  },
};
