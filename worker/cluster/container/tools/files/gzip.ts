// gzip, gunzip and zcat (-c -d -k -f -t -1..-9), through fflate (synchronous).
import { gunzipSync, gzipSync } from "fflate";
import type { Effect, Tool, ToolContext } from "../../types";
import { complain, errText, parseOpts, readAll } from "./common";

export const gzip: Tool = {
  names: ["gzip", "gunzip", "zcat"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const prog = (ctx.argv[0] ?? "").split("/").pop()!;
    const p = parseOpts(ctx, { flags: "cdfkntqv123456789lrN", usage: "[-cfkdt123456789] [FILE]...", long: { stdout: { key: "c" }, "to-stdout": { key: "c" }, decompress: { key: "d" }, uncompress: { key: "d" }, force: { key: "f" }, keep: { key: "k" }, test: { key: "t" }, quiet: { key: "q" }, best: { key: "9" }, fast: { key: "1" } } });
    if (typeof p === "number") return p;
    const decompress = prog !== "gzip" || p.has("d") || p.has("t");
    const toStdout = prog === "zcat" || p.has("c") || p.has("t");
    const level = Number([..."123456789"].filter((d) => p.has(d)).at(-1) ?? 6) as 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9;
    const convert = (data: Uint8Array): Uint8Array | null => {
      if (!decompress) return gzipSync(data, { level, mtime: ctx.now() });
      try {
        return gunzipSync(data);
      } catch {
        return null;
      }
    };
    let status = 0;
    for (const f of p.args.length ? p.args : ["-"]) {
      if (f === "-") {
        if (!decompress && ctx.stdout.tty && !p.has("f")) {
          complain(ctx, gnu ? "compressed data not written to a terminal. Use -f to force compression.\nFor help, type: gzip -h" : "compressed data not written to a terminal. Use -f to force compression.");
          return 1;
        }
        const out = convert(yield* readAll(ctx));
        if (!out) {
          complain(ctx, gnu ? "stdin: not in gzip format" : "invalid magic");
          status = 1;
          continue;
        }
        if (!p.has("t")) ctx.stdout.write(out);
        continue;
      }
      const path = ctx.resolve(f);
      let data: Uint8Array;
      try {
        data = ctx.fs.read(path);
      } catch (e) {
        complain(ctx, gnu ? `${f}: ${errText(e)}` : `can't open '${f}': ${errText(e)}`);
        status = 1;
        continue;
      }
      if (decompress && !toStdout && !/\.(gz|tgz|z)$/i.test(f)) {
        complain(ctx, gnu ? `${f}: unknown suffix -- ignored` : `${f}: unknown suffix - ignored`);
        status = gnu ? 2 : 1;
        continue;
      }
      if (!decompress && /\.gz$/.test(f) && !p.has("f")) {
        complain(ctx, gnu ? `${f} already has .gz suffix -- unchanged` : `${f}: already has .gz suffix`);
        status = gnu ? 2 : 1;
        continue;
      }
      const out = convert(data);
      if (!out) {
        complain(ctx, gnu ? `${f}: not in gzip format` : "invalid magic");
        status = 1;
        continue;
      }
      if (p.has("t")) continue;
      if (toStdout) {
        ctx.stdout.write(out);
        continue;
      }
      const target = decompress ? path.replace(/\.tgz$/i, ".tar").replace(/\.(gz|z)$/i, "") : path + ".gz";
      if (ctx.fs.lstat(target) && !p.has("f")) {
        complain(ctx, gnu ? `${target.split("/").pop()} already exists; not overwritten` : `can't open '${target.split("/").pop()}': File exists`);
        status = gnu ? 2 : 1;
        continue;
      }
      try {
        const st = ctx.fs.stat(path)!;
        ctx.fs.write(target, out, { mode: st.mode });
        ctx.fs.utimes(target, st.mtime);
        if (!p.has("k")) ctx.fs.remove(path);
      } catch (e) {
        complain(ctx, gnu ? `${target}: ${errText(e)}` : `can't open '${target}': ${errText(e)}`);
        status = 1;
      }
    }
    return status;
  },
};
