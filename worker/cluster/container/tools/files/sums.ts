// md5sum, sha1sum, sha256sum, sha512sum: print ("HASH  NAME") or check (-c) digests.
import { md5, sha1 } from "@noble/hashes/legacy.js";
import { sha256, sha512 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Effect, Tool, ToolContext } from "../../types";
import { complain, dec, errText, parseOpts, readAll } from "./common";

const HASHES: Record<string, { fn: (d: Uint8Array) => Uint8Array; hexLen: number; label: string }> = {
  md5sum: { fn: md5, hexLen: 32, label: "MD5" },
  sha1sum: { fn: sha1, hexLen: 40, label: "SHA1" },
  sha256sum: { fn: sha256, hexLen: 64, label: "SHA256" },
  sha512sum: { fn: sha512, hexLen: 128, label: "SHA512" },
};

export const sums: Tool = {
  names: Object.keys(HASHES),
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const name = (ctx.argv[0] ?? "").split("/").pop()!;
    const h = HASHES[name] ?? HASHES.sha256sum!;
    const p = parseOpts(ctx, { flags: "bctwsqz", usage: "[-c[sw]] [FILE]...", long: { binary: { key: "b" }, check: { key: "c" }, text: { key: "t" }, warn: { key: "w" }, status: { key: "s" }, quiet: { key: "q" }, strict: {}, tag: {}, zero: { key: "z" } } });
    if (typeof p === "number") return p;
    const read = function* (f: string): Generator<Effect, Uint8Array | string, void> {
      if (f === "-") return yield* readAll(ctx);
      try {
        const path = ctx.resolve(f);
        if (ctx.fs.stat(path)?.type === "dir") return "Is a directory";
        return ctx.fs.read(path);
      } catch (e) {
        return errText(e);
      }
    };
    const cantRead = (f: string, why: string) => complain(ctx, gnu ? `${f}: ${why}` : `can't open '${f}': ${why}`);
    let status = 0;
    const files = p.args.length ? p.args : ["-"];
    if (!p.has("c")) {
      for (const f of files) {
        const d = yield* read(f);
        if (typeof d === "string") {
          cantRead(f, d);
          status = 1;
          continue;
        }
        const hex = bytesToHex(h.fn(d));
        ctx.stdout.write(p.has("tag") ? `${h.label} (${f}) = ${hex}\n` : `${hex}  ${f}\n`);
      }
      return status;
    }
    let mismatched = 0;
    let unreadable = 0;
    let bad = 0;
    let checked = 0;
    for (const f of files) {
      const list = yield* read(f);
      if (typeof list === "string") {
        cantRead(f, list);
        status = 1;
        continue;
      }
      for (const line of dec.decode(list).split("\n")) {
        if (!line.trim()) continue;
        const m = new RegExp(`^\\\\?([0-9a-fA-F]{${h.hexLen}}) [ *](.+)$`).exec(line) ?? new RegExp(`^${h.label} \\((.+)\\) = ([0-9a-fA-F]{${h.hexLen}})$`).exec(line);
        if (!m) {
          bad++;
          continue;
        }
        const [want, target] = m[0].startsWith(h.label) ? [m[2]!, m[1]!] : [m[1]!, m[2]!];
        checked++;
        const d = yield* read(target);
        if (typeof d === "string") {
          cantRead(target, d);
          if (!p.has("s")) ctx.stdout.write(gnu ? `${target}: FAILED open or read\n` : `${target}: FAILED\n`);
          unreadable++;
          continue;
        }
        const ok = bytesToHex(h.fn(d)) === want.toLowerCase();
        if (!ok) mismatched++;
        if (!p.has("s") && !(ok && p.has("q"))) ctx.stdout.write(`${target}: ${ok ? "OK" : "FAILED"}\n`);
      }
    }
    if (checked === 0 && bad > 0) {
      complain(ctx, gnu ? `${files[0]}: no properly formatted ${h.label} checksum lines found` : "no checksum lines found");
      return 1;
    }
    if (!p.has("s")) {
      if (gnu) {
        if (bad) complain(ctx, `WARNING: ${bad} line${bad > 1 ? "s are" : " is"} improperly formatted`);
        if (unreadable) complain(ctx, `WARNING: ${unreadable} listed file${unreadable > 1 ? "s" : ""} could not be read`);
        if (mismatched) complain(ctx, `WARNING: ${mismatched} computed checksum${mismatched > 1 ? "s" : ""} did NOT match`);
      } else if (mismatched + unreadable) complain(ctx, `WARNING: ${mismatched + unreadable} of ${checked} computed checksums did NOT match`);
    }
    return status || mismatched || unreadable ? 1 : 0;
  },
};
