// df, mount and umount over the container's mounts.
import type { MountInfo, Tool, ToolContext } from "../../types";
import { badOption, err, human, padL, padR, parse, say } from "./common";

/** busybox's make_human_readable_str: one fractional digit once scaled, "0" for nothing. */
function bbHuman(bytes: number): string {
  if (bytes === 0) return "0";
  const units = ["", "K", "M", "G", "T", "P"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? String(v) : v.toFixed(1) + units[i];
}

/** Use%: GNU rounds up; busybox to the nearest. */
function percent(used: number, avail: number, gnu = true): number {
  const total = used + avail;
  if (!total) return 0;
  return gnu ? Math.ceil((used * 100) / total) : Math.floor((used * 100 + total / 2) / total);
}

/** The mounts df shows for its arguments: every real one, or the mount holding each path. */
function selected(ctx: ToolContext, paths: string[], all: boolean, type?: string): MountInfo[] | null {
  const mounts = ctx.fs.mounts();
  if (!paths.length) return mounts.filter((m) => (all || m.sizeBytes > 0) && (!type || m.fstype === type));
  const out: MountInfo[] = [];
  for (const p of paths) {
    const abs = ctx.resolve(p);
    if (!ctx.fs.stat(abs)) {
      err(ctx, ctx.flavour === "gnu" ? `df: ${p}: No such file or directory` : `df: ${p}: can't find mount point`);
      return null;
    }
    const best = mounts.filter((m) => abs === m.target || abs.startsWith(m.target === "/" ? "/" : m.target + "/")).sort((a, b) => b.target.length - a.target.length)[0];
    if (best) out.push(best);
  }
  return out;
}

function busyboxDf(ctx: ToolContext): number {
  const p = parse(ctx.argv.slice(1), { short: "PkmhTai", withArg: "tB" });
  if (p.bad) return badOption(ctx, p.bad);
  const h = p.flags.has("h");
  const m = p.flags.has("m");
  const T = p.flags.has("T");
  const mounts = selected(ctx, p.args, p.flags.has("a"), p.flags.get("t") as string | undefined);
  if (!mounts) return 1;
  const units = h ? "     Size" : m ? "1M-blocks" : "1K-blocks";
  let out = `Filesystem           ${T ? "Type       " : ""}${padR(units, 15)}Used Available Use% Mounted on\n`;
  const scale = m ? 1024 * 1024 : 1024;
  for (const x of mounts) {
    const avail = x.sizeBytes - x.usedBytes;
    out += x.source.length > 20 ? `${x.source}\n${" ".repeat(20)}` : padR(x.source, 20);
    if (T) out += x.fstype.length > 10 ? ` ${x.fstype}\n${" ".repeat(31)}` : " " + padR(x.fstype, 10);
    const fmt = (b: number) => (h ? bbHuman(b) : String(Math.floor(b / scale)));
    out += ` ${padL(fmt(x.sizeBytes), 9)} ${padL(fmt(x.usedBytes), 9)} ${padL(fmt(avail), 9)} ${padL(percent(x.usedBytes, avail, false), 3)}% ${x.target}\n`;
  }
  say(ctx, out);
  return 0;
}

function gnuDf(ctx: ToolContext): number {
  const p = parse(ctx.argv.slice(1), { short: "ahHiklmPT", withArg: "tBx", long: ["all", "human-readable", "si", "print-type", "local", "total"], longArg: ["type", "output", "block-size", "exclude-type"] });
  if (p.bad) return badOption(ctx, p.bad);
  const h = p.flags.has("h") || p.flags.has("human-readable");
  const T = p.flags.has("T") || p.flags.has("print-type");
  const mb = p.flags.has("m");
  const mounts = selected(ctx, p.args, p.flags.has("a") || p.flags.has("all"), (p.flags.get("t") ?? p.flags.get("type")) as string | undefined);
  if (!mounts) return 1;
  const scale = mb ? 1024 * 1024 : 1024;
  const fmt = (b: number) => (h ? (b === 0 ? "0" : human(b)) : String(Math.ceil(b / scale)));
  const head = ["Filesystem", ...(T ? ["Type"] : []), h ? "Size" : mb ? "1M-blocks" : "1K-blocks", "Used", h ? "Avail" : "Available", "Use%", "Mounted on"];
  const rows = mounts.map((x) => {
    const avail = x.sizeBytes - x.usedBytes;
    return [x.source, ...(T ? [x.fstype] : []), fmt(x.sizeBytes), fmt(x.usedBytes), fmt(avail), x.sizeBytes ? `${percent(x.usedBytes, avail)}%` : "-", x.target];
  });
  // GNU sizes each column to its widest cell, with minimums (Filesystem 14, Type 4, numbers 5, Use% 4).
  const mins = [14, ...(T ? [4] : []), 5, 5, 5, 4, 0];
  const widths = head.map((hd, i) => Math.max(mins[i], hd.length, ...rows.map((r) => r[i].length)));
  const left = (i: number) => i === 0 || (T && i === 1) || i === head.length - 1;
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : left(i) ? padR(c, widths[i]) : padL(c, widths[i])))
      .join(" ")
      .trimEnd() + "\n";
  let out = line(head);
  for (const r of rows) out += line(r);
  say(ctx, out);
  return 0;
}

export const df: Tool = {
  names: ["df"],
  run(ctx) {
    return ctx.flavour === "gnu" ? gnuDf(ctx) : busyboxDf(ctx);
  },
};

export const mount: Tool = {
  names: ["mount"],
  run(ctx) {
    const p = parse(ctx.argv.slice(1), { short: "arwvfnt", withArg: "toOL", long: ["bind", "rbind", "make-private"] });
    const positional = p.args;
    if (!positional.length && !p.flags.has("a")) {
      const type = p.flags.get("t");
      let out = "";
      for (const m of ctx.fs.mounts()) if (typeof type !== "string" || m.fstype === type) out += `${m.source} on ${m.target} type ${m.fstype} (${m.options})\n`;
      say(ctx, out);
      return 0;
    }
    // A container has no CAP_SYS_ADMIN: mount(2) fails with EPERM.
    if (ctx.flavour === "gnu") {
      const target = positional[positional.length - 1] ?? "";
      err(ctx, `mount: ${target}: permission denied.\n       dmesg(1) may have more information after failed mount system call.`);
      return 32;
    }
    err(ctx, "mount: permission denied (are you root?)");
    return 255;
  },
};

export const umount: Tool = {
  names: ["umount"],
  run(ctx) {
    const target = ctx.argv.slice(1).filter((a) => !a.startsWith("-"))[0];
    if (!target) {
      err(ctx, ctx.flavour === "gnu" ? "Usage:\n umount [-hV]\n umount -a [options]\n umount [options] <source> | <directory>" : "BusyBox v1.36.1 (2023-06-02 00:42:02 UTC) multi-call binary.\n\nUsage: umount [-rlfda] [-t FSTYPE] FILESYSTEM|DIRECTORY");
      return 1;
    }
    const abs = ctx.resolve(target);
    const mounted = ctx.fs.mounts().some((m) => m.target === abs);
    if (ctx.flavour === "gnu") {
      err(ctx, mounted ? `umount: ${abs}: must be superuser to unmount.` : `umount: ${target}: not mounted.`);
      return 32;
    }
    err(ctx, mounted ? `umount: can't unmount ${abs}: Operation not permitted` : `umount: can't unmount ${abs}: Invalid argument`);
    return 1;
  },
};
