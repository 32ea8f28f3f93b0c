// mv: rename, or copy and remove across mounts (EXDEV), as coreutils and busybox do.
import { type Effect, FsError, type Tool, type ToolContext } from "../../types";
import { baseName, complain, confirm, errText, joinPath, missingOperand, parseOpts, q, usageError } from "./common";
import { copyTree, safeLstat, safeStat } from "./copy";
import { copyMessage } from "./cp";

const USAGE = "[-finT] SOURCE DEST\nor: mv [-fin] SOURCE... { -t DIRECTORY | DIRECTORY }";

export const mv: Tool = {
  names: ["mv"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const p = parseOpts(ctx, {
      flags: "finTuv",
      withArg: "t",
      usage: USAGE,
      long: { force: { key: "f" }, interactive: { key: "i" }, "no-clobber": { key: "n" }, "target-directory": { key: "t", arg: "required" }, "no-target-directory": { key: "T" }, verbose: { key: "v" }, update: { key: "u" } },
    });
    if (typeof p === "number") return p;
    const args = [...p.args];
    let target = p.get("t");
    if (target === undefined) {
      if (args.length === 0) return missingOperand(ctx, USAGE, "file operand");
      if (args.length === 1) return missingOperand(ctx, USAGE, "file operand", args[0]);
      target = args.pop()!;
    }
    const intoDir = !p.has("T") && safeStat(ctx, target)?.type === "dir";
    if (!intoDir && args.length > 1) {
      if (!gnu) return usageError(ctx, null, USAGE);
      complain(ctx, `target ${q(target)} is not a directory`);
      return 1;
    }
    const mode = p.last("f", "i", "n");
    let status = 0;
    for (const src of args) {
      const dst = intoDir ? joinPath(target, baseName(src)) : target;
      const sst = safeLstat(ctx, src);
      if (!sst) {
        complain(ctx, gnu ? `cannot stat ${q(src)}: No such file or directory` : `can't rename '${src}': No such file or directory`);
        status = 1;
        continue;
      }
      const dstSt = safeLstat(ctx, dst);
      if (dstSt) {
        if (mode === "n") continue;
        if (p.has("u") && dstSt.mtime >= sst.mtime) continue;
        if (mode === "i" && !(yield* confirm(ctx, gnu ? `mv: overwrite ${q(dst)}? ` : `mv: overwrite '${dst}'? `))) continue;
      }
      const from = ctx.resolve(src);
      const to = ctx.resolve(dst);
      try {
        if (gnu && sst.type === "dir" && (to === from || to.startsWith(from + "/")) && to !== from) {
          complain(ctx, `cannot move ${q(src)} to a subdirectory of itself, ${q(dst)}`);
          status = 1;
          continue;
        }
        if (gnu && dstSt && dstSt.type === "dir" && sst.type !== "dir") {
          complain(ctx, `cannot overwrite directory ${q(dst)} with non-directory`);
          status = 1;
          continue;
        }
        if (gnu && dstSt && dstSt.type !== "dir" && sst.type === "dir") {
          complain(ctx, `cannot overwrite non-directory ${q(dst)} with directory ${q(src)}`);
          status = 1;
          continue;
        }
        ctx.fs.rename(from, to);
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        if (e.code === "EXDEV") {
          // Another mount: copy with everything kept, then remove the source.
          if (dstSt) ctx.fs.remove(to, { recursive: true });
          const ok = copyTree(ctx, src, dst, { recursive: true, noDeref: true, preserve: true, force: true }, (f) => complain(ctx, copyMessage(ctx, f, dst)));
          if (ok) {
            try {
              ctx.fs.remove(from, { recursive: true });
            } catch (e2) {
              complain(ctx, gnu ? `cannot remove ${q(src)}: ${errText(e2)}` : `can't remove '${src}': ${errText(e2)}`);
              status = 1;
            }
          } else status = 1;
          continue;
        }
        if (gnu) complain(ctx, e.code === "ENOTEMPTY" || e.code === "EEXIST" ? `cannot move ${q(src)} to ${q(dst)}: ${errText(e)}` : `cannot move ${q(src)} to ${q(dst)}: ${errText(e)}`);
        else complain(ctx, `can't rename '${src}': ${errText(e)}`);
        status = 1;
        continue;
      }
      if (p.has("v")) ctx.stdout.write(gnu ? `renamed '${src}' -> '${dst}'\n` : `'${src}' -> '${dst}'\n`);
    }
    return status;
  },
};
