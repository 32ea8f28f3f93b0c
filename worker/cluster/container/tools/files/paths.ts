// Names of paths: readlink (-f -e -m -n), realpath, basename, dirname.
import { normalize } from "../../fs/memory";
import { FsError, type Tool, type ToolContext } from "../../types";
import { baseName, complain, dirName, errText, missingOperand, parseOpts, q } from "./common";

/**
 * A canonical path with symlinks resolved. "all": every component must exist (-e), "parent": all
 * but the last (-f, realpath's default), "none": none need to (-m).
 */
export function canonical(ctx: ToolContext, name: string, need: "all" | "parent" | "none"): string {
  const path = ctx.resolve(name);
  try {
    return ctx.fs.realpath(path);
  } catch (e) {
    if (!(e instanceof FsError) || need === "all") throw e;
  }
  // Resolve the longest prefix that exists, then append the rest lexically.
  const parts = path.split("/").filter(Boolean);
  for (let i = parts.length - 1; i >= 0; i--) {
    const prefix = "/" + parts.slice(0, i).join("/");
    let real: string;
    try {
      real = ctx.fs.realpath(prefix);
    } catch {
      continue;
    }
    if (need === "parent" && i < parts.length - 1) throw new FsError("ENOENT", path);
    if (need === "parent") {
      const st = ctx.fs.stat(real);
      if (st && st.type !== "dir") throw new FsError("ENOTDIR", path);
    }
    return normalize(`${real}/${parts.slice(i).join("/")}`);
  }
  return path;
}

export const readlink: Tool = {
  names: ["readlink"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const p = parseOpts(ctx, { flags: "femnqsvz", usage: "[-fnv] FILE", long: { canonicalize: { key: "f" }, "canonicalize-existing": { key: "e" }, "canonicalize-missing": { key: "m" }, "no-newline": { key: "n" }, quiet: { key: "q" }, silent: { key: "s" }, verbose: { key: "v" }, zero: { key: "z" } } });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return missingOperand(ctx, "[-fnv] FILE");
    const canon = p.last("f", "e", "m");
    const end = p.has("z") ? "\0" : p.has("n") ? "" : "\n";
    let status = 0;
    for (const name of p.args) {
      try {
        const out = canon ? canonical(ctx, name, canon === "e" ? "all" : canon === "m" ? "none" : "parent") : ctx.fs.readlink(ctx.resolve(name));
        ctx.stdout.write(out + end);
      } catch (e) {
        if (p.has("v")) complain(ctx, gnu ? `${name}: ${errText(e)}` : `${name}: ${errText(e)}`);
        status = 1;
      }
    }
    return status;
  },
};

export const realpath: Tool = {
  names: ["realpath"],
  run(ctx: ToolContext): number {
    const p = parseOpts(ctx, { flags: "emqsz", usage: "FILE...", long: { "canonicalize-existing": { key: "e" }, "canonicalize-missing": { key: "m" }, quiet: { key: "q" }, "no-symlinks": { key: "s" }, zero: { key: "z" } } });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return missingOperand(ctx, "FILE...");
    let status = 0;
    for (const name of p.args) {
      try {
        const need = p.has("e") ? "all" : p.has("m") ? "none" : ctx.flavour === "busybox" ? "all" : "parent";
        ctx.stdout.write(canonical(ctx, name, need) + (p.has("z") ? "\0" : "\n"));
      } catch (e) {
        if (!p.has("q")) complain(ctx, `${name}: ${errText(e)}`);
        status = 1;
      }
    }
    return status;
  },
};

export const basename: Tool = {
  names: ["basename"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "FILE [SUFFIX] | -a FILE... | -s SUFFIX FILE...";
    const p = parseOpts(ctx, { flags: "az", withArg: "s", usage: USAGE, long: { multiple: { key: "a" }, suffix: { key: "s", arg: "required" }, zero: { key: "z" } } });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return missingOperand(ctx, USAGE);
    let suffix = p.get("s");
    let names = p.args;
    if (!p.has("a") && suffix === undefined) {
      if (p.args.length > 2) {
        if (!gnu) return missingOperand(ctx, USAGE);
        complain(ctx, `extra operand ${q(p.args[2]!)}`);
        ctx.stderr.write("Try 'basename --help' for more information.\n");
        return 1;
      }
      suffix = p.args[1];
      names = [p.args[0]!];
    }
    for (const n of names) {
      let b = baseName(n);
      if (suffix && b !== suffix && b.endsWith(suffix)) b = b.slice(0, -suffix.length);
      ctx.stdout.write(b + (p.has("z") ? "\0" : "\n"));
    }
    return 0;
  },
};

export const dirname: Tool = {
  names: ["dirname"],
  run(ctx: ToolContext): number {
    const p = parseOpts(ctx, { flags: "z", usage: "FILENAME", long: { zero: { key: "z" } } });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return missingOperand(ctx, "FILENAME");
    for (const n of ctx.flavour === "gnu" ? p.args : p.args.slice(0, 1)) ctx.stdout.write(dirName(n) + (p.has("z") ? "\0" : "\n"));
    return 0;
  },
};
