// mktemp (-d -p DIR -t -u -q): a new file or directory with the template's X's replaced.
import type { Tool, ToolContext } from "../../types";
import { complain, errText, joinPath, parseOpts } from "./common";

const CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export const mktemp: Tool = {
  names: ["mktemp"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const p = parseOpts(ctx, { flags: "dqtu", withArg: "p", usage: "[-dt] [-p DIR] [TEMPLATE]", long: { directory: { key: "d" }, quiet: { key: "q" }, "dry-run": { key: "u" }, tmpdir: { key: "p", arg: "optional" }, suffix: { arg: "required" } } });
    if (typeof p === "number") return p;
    const template = p.args[0] ?? (gnu ? "tmp.XXXXXXXXXX" : "tmp.XXXXXX");
    const suffix = p.get("suffix") ?? "";
    const xs = /X+$/.exec(template)?.[0].length ?? 0;
    if (xs < 3) {
      if (!p.has("q")) complain(ctx, gnu ? `too few X's in template '${template}'` : `Invalid argument`);
      return 1;
    }
    const useDir = p.args.length === 0 || p.has("t") || p.has("p");
    const dir = useDir ? p.get("p") || ctx.env.TMPDIR || "/tmp" : "";
    for (let attempt = 0; attempt < 100; attempt++) {
      const rnd = new Uint8Array(xs);
      crypto.getRandomValues(rnd);
      const name = template.slice(0, template.length - xs) + [...rnd].map((b) => CHARS[b % CHARS.length]).join("") + suffix;
      const shown = dir ? joinPath(dir, name) : name;
      const path = ctx.resolve(shown);
      if (ctx.fs.lstat(path)) continue;
      try {
        if (!p.has("u")) {
          if (p.has("d")) ctx.fs.mkdir(path, { mode: 0o700 });
          else ctx.fs.write(path, new Uint8Array(0), { mode: 0o600, exclusive: true });
        }
      } catch (e) {
        if (!p.has("q")) complain(ctx, gnu ? `failed to create ${p.has("d") ? "directory" : "file"} via template '${shown.slice(0, shown.length - suffix.length - xs)}${"X".repeat(xs)}${suffix}': ${errText(e)}` : `${errText(e)}`);
        return 1;
      }
      ctx.stdout.write(shown + "\n");
      return 0;
    }
    return 1;
  },
};
