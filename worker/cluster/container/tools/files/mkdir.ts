// mkdir (-p, -m MODE, -v).
import { FsError, type Tool, type ToolContext } from "../../types";
import { complain, errText, joinPath, missingOperand, parseOpts, q } from "./common";
import { applyMode } from "./mode";

export const mkdir: Tool = {
  names: ["mkdir"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-m MODE] [-p] DIRECTORY...";
    const p = parseOpts(ctx, { flags: "pv", withArg: "m", usage: USAGE, long: { parents: { key: "p" }, mode: { key: "m", arg: "required" }, verbose: { key: "v" } } });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return missingOperand(ctx, USAGE);
    let mode = 0o755;
    const m = p.get("m");
    if (m !== undefined) {
      const v = applyMode(m, 0o777, true, 0);
      if (v === null) {
        complain(ctx, gnu ? `invalid mode ${q(m)}` : `invalid mode '${m}'`);
        return 1;
      }
      mode = v;
    }
    let status = 0;
    for (const name of p.args) {
      const path = ctx.resolve(name);
      try {
        if (p.has("p")) {
          // Create each missing ancestor (with the default mode) so -v can name them.
          const parts = name.split("/").filter(Boolean);
          let at = name.startsWith("/") ? "/" : "";
          for (let i = 0; i < parts.length; i++) {
            at = joinPath(at, parts[i]!);
            const full = ctx.resolve(at);
            const st = ctx.fs.stat(full);
            if (st?.type === "dir") continue;
            if (st) throw new FsError(i === parts.length - 1 ? "EEXIST" : "ENOTDIR", full);
            ctx.fs.mkdir(full, { mode: i === parts.length - 1 ? mode : 0o755 });
            if (i === parts.length - 1 && m !== undefined) ctx.fs.chmod(full, mode);
            if (p.has("v")) ctx.stdout.write(gnu ? `mkdir: created directory ${q(at)}\n` : `mkdir: created directory '${at}'\n`);
          }
          continue;
        }
        ctx.fs.mkdir(path, { mode });
        if (m !== undefined) ctx.fs.chmod(path, mode);
        if (p.has("v")) ctx.stdout.write(gnu ? `mkdir: created directory ${q(name)}\n` : `mkdir: created directory '${name}'\n`);
      } catch (e) {
        complain(ctx, gnu ? `cannot create directory ${q(name)}: ${errText(e)}` : `can't create directory '${name}': ${errText(e)}`);
        status = 1;
      }
    }
    return status;
  },
};
