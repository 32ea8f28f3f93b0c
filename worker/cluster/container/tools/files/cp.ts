// cp: files and trees (-r/-R/-a), -p keeping mode, owner and times, -f/-i/-n, -t/-T.
import type { Effect, Tool, ToolContext } from "../../types";
import { baseName, complain, confirm, errText, joinPath, missingOperand, parseOpts, q, usageError } from "./common";
import { CopyFailure, copyTree, safeLstat, safeStat } from "./copy";

const USAGE = "[-arPLHpfinlsTu] SOURCE DEST\nor: cp [-arPLHpfinlsu] SOURCE... { -t DIRECTORY | DIRECTORY }";

export function copyMessage(ctx: ToolContext, f: CopyFailure, dst = ""): string {
  const gnu = ctx.flavour === "gnu";
  const why = f.error ? errText(f.error) : "";
  switch (f.step) {
    case "stat":
      return gnu ? `cannot stat ${q(f.path)}: ${why}` : `can't stat '${f.path}': ${why}`;
    case "create":
      return gnu ? `cannot create regular file ${q(f.path)}: ${why}` : `can't create '${f.path}': ${why}`;
    case "mkdir":
      return gnu ? `cannot create directory ${q(f.path)}: ${why}` : `can't create directory '${f.path}': ${why}`;
    case "omit":
      return gnu ? `-r not specified; omitting directory ${q(f.path)}` : `omitting directory '${f.path}'`;
    case "into-itself":
      return gnu ? `cannot copy a directory, ${q(f.path)}, into itself, ${q(dst)}` : `recursion detected, omitting directory '${f.path}'`;
    case "overwrite-dir":
      return gnu ? `cannot overwrite directory ${q(f.path)} with non-directory` : `'${f.path}' is a directory`;
    case "not-dir":
      return gnu ? `cannot overwrite non-directory ${q(f.path)} with directory` : `target '${f.path}' is not a directory`;
  }
}

export const cp: Tool = {
  names: ["cp"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const p = parseOpts(ctx, {
      flags: "arRdPLHpfinlsTuv",
      withArg: "t",
      usage: USAGE,
      long: {
        archive: { key: "a" },
        recursive: { key: "R" },
        force: { key: "f" },
        interactive: { key: "i" },
        "no-clobber": { key: "n" },
        "no-dereference": { key: "P" },
        dereference: { key: "L" },
        preserve: { arg: "optional" },
        "no-preserve": { arg: "required" },
        "target-directory": { key: "t", arg: "required" },
        "no-target-directory": { key: "T" },
        verbose: { key: "v" },
        update: { key: "u" },
      },
    });
    if (typeof p === "number") return p;
    const recursive = p.has("r") || p.has("R") || p.has("a");
    const deref = p.last("L", "P", "d", "a") === "L" || (!recursive && !p.has("P") && !p.has("d"));
    const opts = { recursive, noDeref: !deref, preserve: p.has("p") || p.has("a") || (p.get("preserve") ?? "x") !== "x", force: p.has("f") };
    const mode = p.last("f", "i", "n");
    const args = [...p.args];
    let target = p.get("t");
    if (target === undefined) {
      if (args.length === 0) return missingOperand(ctx, USAGE, "file operand");
      if (args.length === 1) return missingOperand(ctx, USAGE, "file operand", args[0]);
      target = args.pop()!;
    }
    const tst = safeStat(ctx, target);
    const intoDir = !p.has("T") && tst?.type === "dir";
    if (!intoDir && (args.length > 1 || p.has("t"))) {
      if (!gnu) return usageError(ctx, `'${target}' is not a directory`, USAGE);
      complain(ctx, `target ${q(target)} is not a directory`);
      return 1;
    }
    let status = 0;
    for (const src of args) {
      const dst = intoDir ? joinPath(target, baseName(src)) : target;
      const sst = safeStat(ctx, src);
      const dstNow = safeLstat(ctx, dst);
      if (sst && dstNow) {
        const real = (x: string) => {
          try {
            return ctx.fs.realpath(ctx.resolve(x));
          } catch {
            return ctx.resolve(x);
          }
        };
        if (real(src) === real(dst) && sst.type !== "dir") {
          complain(ctx, gnu ? `${q(src)} and ${q(dst)} are the same file` : `'${src}' and '${dst}' are the same file`);
          status = 1;
          continue;
        }
        if (sst.type !== "dir") {
          if (mode === "n") continue;
          if (p.has("u") && dstNow.mtime >= sst.mtime) continue;
          if (mode === "i" && !(yield* confirm(ctx, gnu ? `cp: overwrite ${q(dst)}? ` : `cp: overwrite '${dst}'? `))) continue;
        }
      }
      const ok = copyTree(ctx, src, dst, opts, (f) => complain(ctx, copyMessage(ctx, f, dst)));
      if (!ok) status = 1;
      else if (p.has("v")) ctx.stdout.write(`'${src}' -> '${dst}'\n`);
    }
    return status;
  },
};
