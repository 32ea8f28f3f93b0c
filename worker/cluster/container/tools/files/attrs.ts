// chmod, chown and chgrp (-R, -v/-c), names from /etc/passwd and /etc/group.
import { FsError, type Tool, type ToolContext } from "../../types";
import { complain, errText, joinPath, lookupGroup, lookupUser, missingOperand, parseOpts, q, usageError } from "./common";
import { applyMode } from "./mode";

/** Visits each operand (and, with -R, what is under it); a missing one is reported once. */
function walk(ctx: ToolContext, names: string[], recursive: boolean, visit: (name: string, path: string, isDir: boolean) => void): number {
  const gnu = ctx.flavour === "gnu";
  let status = 0;
  const go = (name: string, top: boolean) => {
    const path = ctx.resolve(name);
    const lst = ctx.fs.lstat(path);
    if (lst?.type === "symlink" && !top) return; // -R does not follow symlinks below the top
    const st = ctx.fs.stat(path);
    if (!st) throw new FsError("ENOENT", path);
    visit(name, path, st.type === "dir");
    if (recursive && st.type === "dir") for (const n of ctx.fs.readdir(path)) go(joinPath(name, n), false);
  };
  for (const name of names) {
    try {
      go(name, true);
    } catch (e) {
      complain(ctx, gnu ? `cannot access ${q(name)}: ${errText(e)}` : `${name}: ${errText(e)}`);
      status = 1;
    }
  }
  return status;
}

export const chmod: Tool = {
  names: ["chmod"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-R] MODE[,MODE]... FILE...";
    // A mode like -x looks like an option: take it as the mode when it parses as one.
    const argv = ctx.argv.slice(1);
    const modeIdx = argv.findIndex((a) => /^-[rwxXstugo]+$/.test(a) && !/^-[Rcfv]+$/.test(a));
    const rest = modeIdx >= 0 ? [...argv.slice(0, modeIdx), ...argv.slice(modeIdx + 1)] : argv;
    const p = parseOpts(ctx, { flags: "Rcfv", usage: USAGE, long: { recursive: { key: "R" }, changes: { key: "c" }, silent: { key: "f" }, quiet: { key: "f" }, verbose: { key: "v" }, reference: { arg: "required" } } }, rest);
    if (typeof p === "number") return p;
    const args = [...p.args];
    let mode = modeIdx >= 0 ? argv[modeIdx]! : p.get("reference") !== undefined ? null : args.shift();
    if (p.get("reference") !== undefined) {
      const ref = ctx.fs.stat(ctx.resolve(p.get("reference")!));
      if (!ref) {
        complain(ctx, `failed to get attributes of ${q(p.get("reference")!)}: No such file or directory`);
        return 1;
      }
      mode = (ref.mode & 0o7777).toString(8);
    }
    if (mode === undefined || mode === null) return missingOperand(ctx, USAGE);
    if (args.length === 0) {
      if (!gnu) return usageError(ctx, null, USAGE);
      return usageError(ctx, `missing operand after ${q(mode)}`, USAGE);
    }
    if (applyMode(mode, 0, false) === null) {
      if (gnu) return usageError(ctx, `invalid mode: ${q(mode)}`, USAGE);
      complain(ctx, `invalid mode '${mode}'`);
      return 1;
    }
    const m = mode;
    return walk(ctx, args, p.has("R"), (name, path, isDir) => {
      const st = ctx.fs.stat(path)!;
      const next = applyMode(m, st.mode, isDir)!;
      ctx.fs.chmod(path, next);
      const o = (st.mode & 0o7777).toString(8).padStart(4, "0");
      const n = next.toString(8).padStart(4, "0");
      if (p.has("v") || (p.has("c") && o !== n)) ctx.stdout.write(o === n ? `mode of ${q(name)} retained as ${n}\n` : `mode of ${q(name)} changed from ${o} to ${n}\n`);
    });
  },
};

function owners(ctx: ToolContext, spec: string, groupOnly: boolean): { uid: number; gid: number } | string {
  const gnu = ctx.flavour === "gnu";
  if (groupOnly) {
    const g = lookupGroup(ctx.fs, spec);
    return g === null ? (gnu ? `invalid group: ${q(spec)}` : `unknown group ${spec}`) : { uid: -1, gid: g };
  }
  const m = /^([^:.]*)(?:([:.])(.*))?$/.exec(spec)!;
  const [user, sep, grp] = [m[1] ?? "", m[2], m[3] ?? ""];
  let uid = -1;
  let gid = -1;
  if (user) {
    const u = lookupUser(ctx.fs, user);
    if (!u) return gnu ? `invalid user: ${q(spec)}` : `unknown user ${user}`;
    uid = u.uid;
    if (sep && grp === "") gid = u.gid; // "user:" means the user's login group
  }
  if (grp) {
    const g = lookupGroup(ctx.fs, grp);
    if (g === null) return gnu ? `invalid group: ${q(spec)}` : `unknown group ${grp}`;
    gid = g;
  }
  return { uid, gid };
}

function ownerTool(name: "chown" | "chgrp"): Tool {
  return {
    names: [name],
    run(ctx: ToolContext): number {
      const USAGE = name === "chown" ? "[-Rh]... USER[:[GRP]] FILE..." : "[-Rh]... GROUP FILE...";
      const p = parseOpts(ctx, { flags: "RhHLPcfv", usage: USAGE, long: { recursive: { key: "R" }, "no-dereference": { key: "h" }, verbose: { key: "v" }, changes: { key: "c" }, silent: { key: "f" }, quiet: { key: "f" } } });
      if (typeof p === "number") return p;
      const args = [...p.args];
      const spec = args.shift();
      if (spec === undefined) return missingOperand(ctx, USAGE);
      if (args.length === 0) return ctx.flavour === "gnu" ? usageError(ctx, `missing operand after ${q(spec)}`, USAGE) : usageError(ctx, null, USAGE);
      const who = owners(ctx, spec, name === "chgrp");
      if (typeof who === "string") {
        complain(ctx, who);
        return 1;
      }
      return walk(ctx, args, p.has("R"), (n, path) => {
        ctx.fs.chown(path, who.uid, who.gid);
        if (p.has("v")) ctx.stdout.write(`ownership of ${q(n)} retained\n`);
      });
    },
  };
}

export const chown = ownerTool("chown");
export const chgrp = ownerTool("chgrp");
