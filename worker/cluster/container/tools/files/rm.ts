// rm (-r -f -i -d -v) and rmdir (-p), with each flavour's refusals and prompts.
import { type Effect, FsError, type Stat, type Tool, type ToolContext } from "../../types";
import { baseName, complain, confirm, dirName, errText, joinPath, missingOperand, parseOpts, q } from "./common";
import { safeLstat } from "./copy";
import { fileType } from "./stat";

export const rm: Tool = {
  names: ["rm"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-irf] FILE...";
    const p = parseOpts(ctx, {
      flags: "rRfidv",
      usage: USAGE,
      long: { recursive: { key: "r" }, force: { key: "f" }, interactive: { key: "i", arg: "optional" }, dir: { key: "d" }, verbose: { key: "v" }, "no-preserve-root": {}, "preserve-root": {} },
    });
    if (typeof p === "number") return p;
    const recursive = p.has("r") || p.has("R");
    const force = p.last("f", "i") === "f";
    const interactive = p.last("f", "i") === "i";
    if (p.args.length === 0) return force ? 0 : missingOperand(ctx, USAGE);
    let status = 0;
    const cannot = (name: string, why: string) => {
      complain(ctx, gnu ? `cannot remove ${q(name)}: ${why}` : `can't remove '${name}': ${why}`);
      status = 1;
    };

    const removeOne = function* (name: string, st: Stat): Generator<Effect, boolean, void> {
      const path = ctx.resolve(name);
      if (st.type === "dir") {
        if (!recursive) {
          if (p.has("d")) {
            if (interactive && !(yield* confirm(ctx, `rm: remove directory ${gnu ? q(name) : `'${name}'`}? `))) return true;
            try {
              ctx.fs.remove(path);
              return true;
            } catch (e) {
              cannot(name, errText(e));
              return false;
            }
          }
          if (gnu) cannot(name, "Is a directory");
          else {
            complain(ctx, `'${name}' is a directory`);
            status = 1;
          }
          return false;
        }
        if (interactive && !(yield* confirm(ctx, `rm: descend into directory ${gnu ? q(name) : `'${name}'`}? `))) return true;
        let ok = true;
        let names: string[] = [];
        try {
          names = ctx.fs.readdir(path);
        } catch (e) {
          cannot(name, errText(e));
          return false;
        }
        for (const n of names) {
          const child = joinPath(name, n);
          const cst = safeLstat(ctx, child);
          if (cst) ok = (yield* removeOne(child, cst)) && ok;
        }
        if (!ok) return false;
        if (interactive && !(yield* confirm(ctx, `rm: remove directory ${gnu ? q(name) : `'${name}'`}? `))) return true;
        try {
          ctx.fs.remove(path, { recursive: true });
          if (p.has("v")) ctx.stdout.write(gnu ? `removed directory ${q(name)}\n` : `removed directory: '${name}'\n`);
          return true;
        } catch (e) {
          cannot(name, errText(e));
          return false;
        }
      }
      if (interactive && !(yield* confirm(ctx, gnu ? `rm: remove ${fileType(st)} ${q(name)}? ` : `rm: remove '${name}'? `))) return true;
      try {
        ctx.fs.remove(path);
        if (p.has("v")) ctx.stdout.write(gnu ? `removed ${q(name)}\n` : `removed '${name}'\n`);
        return true;
      } catch (e) {
        if (!(e instanceof FsError)) throw e;
        cannot(name, errText(e));
        return false;
      }
    };

    for (const name of p.args) {
      const base = baseName(name);
      if (base === "." || base === "..") {
        complain(ctx, gnu ? `refusing to remove '.' or '..' directory: skipping ${q(name)}` : `can't remove '.' or '..'`);
        status = 1;
        continue;
      }
      if (recursive && ctx.resolve(name) === "/" && !p.has("no-preserve-root")) {
        if (gnu) {
          complain(ctx, name === "/" ? "it is dangerous to operate recursively on '/'" : `it is dangerous to operate recursively on ${q(name)} (same as '/')`);
          complain(ctx, "use --no-preserve-root to override this failsafe");
        } else complain(ctx, "can't remove '/'");
        status = 1;
        continue;
      }
      const st = safeLstat(ctx, name);
      if (!st) {
        if (!force) cannot(name, "No such file or directory");
        continue;
      }
      yield* removeOne(name, st);
    }
    return status;
  },
};

export const rmdir: Tool = {
  names: ["rmdir"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-p] DIRECTORY...";
    const p = parseOpts(ctx, { flags: "pv", usage: USAGE, long: { parents: { key: "p" }, verbose: { key: "v" }, "ignore-fail-on-non-empty": {} } });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return missingOperand(ctx, USAGE);
    let status = 0;
    for (const name of p.args) {
      let cur = name.replace(/\/+$/, "") || name;
      for (;;) {
        const path = ctx.resolve(cur);
        try {
          const st = ctx.fs.lstat(path);
          if (!st) throw new FsError("ENOENT", path);
          if (st.type !== "dir") throw new FsError("ENOTDIR", path);
          ctx.fs.remove(path);
          if (p.has("v")) ctx.stdout.write(`rmdir: removing directory, ${q(cur)}\n`);
        } catch (e) {
          if (!(e instanceof FsError)) throw e;
          if (!(e.code === "ENOTEMPTY" && p.has("ignore-fail-on-non-empty"))) {
            complain(ctx, gnu ? `failed to remove ${q(cur)}: ${errText(e)}` : `'${cur}': ${errText(e)}`);
            status = 1;
          }
          break;
        }
        if (!p.has("p")) break;
        const up = dirName(cur);
        if (up === cur || up === "." || up === "/") break;
        cur = up;
      }
    }
    return status;
  },
};
