// tar: create (c), extract (x) and list (t), to and from files or stdin/stdout, with -C, -v, -z,
// -m, -p, -o/--no-same-owner, --no-same-permissions, -O, --strip-components, --exclude, -h.
// kubectl cp runs `tar cf - <path>` (from a pod) and `tar -xmf - -C <dir>` or
// `tar --no-same-permissions --no-same-owner -xmf - -C <dir>` (into one, --no-preserve).
import { gunzipSync, gzipSync } from "fflate";
import { type Effect, FsError, type Stat, type Tool, type ToolContext } from "../../types";
import { complain, errText, groupName, joinPath, lookupGroup, lookupUser, modeString, parseOpts, readAll, userName } from "./common";
import { decodeTar, encodeEnd, encodeEntry, type TarEntry, TarError } from "./ustar";
import { concatBytes } from "../../../machinery/bytes";

const USAGE = "c|x|t [-ZzJjahmvokO] [-f TARFILE] [-C DIR] [-T FILE] [-X FILE] [LONGOPT]... [FILE]...";
/** Old-style letters that take the next operand as their argument. */
const WITH_ARG = "fCTXb";

/** `tar cf - x` → `tar -c -f - x`: the first word's letters are options, their arguments follow. */
function expandOldStyle(argv: string[]): string[] {
  const first = argv[0];
  if (first === undefined || first.startsWith("-")) return argv;
  const out: string[] = [];
  let next = 1;
  for (const c of first) {
    out.push(`-${c}`);
    if (WITH_ARG.includes(c) && next < argv.length) out.push(argv[next++]!);
  }
  return [...out, ...argv.slice(next)];
}

function pad2(n: number): string {
  return String(n).padStart(2, "0");
}

function isoMinute(sec: number, seconds: boolean): string {
  const d = new Date(sec * 1000);
  const base = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}`;
  return seconds ? `${base}:${pad2(d.getUTCSeconds())}` : base;
}

function globToRegExp(glob: string): RegExp {
  let re = "";
  for (const c of glob) re += c === "*" ? ".*" : c === "?" ? "." : /[\\^$.|+()[\]{}]/.test(c) ? `\\${c}` : c;
  return new RegExp(`(^|/)${re}(/|$)`);
}

export const tar: Tool = {
  names: ["tar"],
  *run(ctx: ToolContext): Generator<Effect, number, void> {
    const gnu = ctx.flavour === "gnu";
    const argv = expandOldStyle(ctx.argv.slice(1));
    const p = parseOpts(
      ctx,
      {
        flags: "cxtvzZjJmpohOkPaHUw",
        withArg: WITH_ARG,
        usage: USAGE,
        long: {
          create: { key: "c" },
          extract: { key: "x" },
          get: { key: "x" },
          list: { key: "t" },
          verbose: { key: "v" },
          file: { key: "f", arg: "required" },
          directory: { key: "C", arg: "required" },
          gzip: { key: "z" },
          gunzip: { key: "z" },
          "touch": { key: "m" },
          "preserve-permissions": { key: "p" },
          "same-permissions": { key: "p" },
          "no-same-permissions": {},
          "same-owner": {},
          "no-same-owner": { key: "o" },
          "to-stdout": { key: "O" },
          "keep-old-files": { key: "k" },
          dereference: { key: "h" },
          "absolute-names": { key: "P" },
          "strip-components": { arg: "required" },
          exclude: { arg: "required" },
          "numeric-owner": {},
          overwrite: {},
          "no-overwrite-dir": {},
          "files-from": { key: "T", arg: "required" },
          "exclude-from": { key: "X", arg: "required" },
          "warning": { arg: "required" },
          "no-recursion": {},
          "recursion": {},
          "owner": { arg: "required" },
          "group": { arg: "required" },
          "mode": { arg: "required" },
          "mtime": { arg: "required" },
          "format": { arg: "required" },
          "blocking-factor": { key: "b", arg: "required" },
        },
      },
      argv,
    );
    if (typeof p === "number") return p;
    const ops = ["c", "x", "t"].filter((k) => p.has(k));
    if (ops.length !== 1) {
      if (gnu) {
        complain(ctx, ops.length ? "You may not specify more than one '-Acdtrux', '--delete' or  '--test-label' option" : "You must specify one of the '-Acdtrux', '--delete' or '--test-label' options");
        ctx.stderr.write("Try 'tar --help' or 'tar --usage' for more information.\n");
        return 2;
      }
      complain(ctx, "need exactly one of 'c', 'x' or 't'");
      return 1;
    }
    if (p.has("j") || p.has("J") || p.has("Z")) {
      const prog = p.has("j") ? "bzip2" : p.has("J") ? "xz" : "compress";
      complain(ctx, gnu ? `${prog}: Cannot exec: No such file or directory` : `${prog}: applet not found`);
      if (gnu) ctx.stderr.write("tar: Error is not recoverable: exiting now\n");
      return 2;
    }
    const op = ops[0]!;
    const verbose = p.count("v");
    const file = p.get("f") ?? "-";
    const excludes = p.list.filter(([k]) => k === "exclude").map(([, v]) => globToRegExp(String(v)));
    const excluded = (name: string) => excludes.some((r) => r.test(name));
    let failed = false;
    const fatal = (msg: string): number => {
      complain(ctx, msg);
      if (gnu) {
        ctx.stderr.write("tar: Error is not recoverable: exiting now\n");
        return 2;
      }
      return 1;
    };
    const finish = (): number => {
      if (!failed) return 0;
      if (gnu) {
        ctx.stderr.write("tar: Exiting with failure status due to previous errors\n");
        return 2;
      }
      return 1;
    };

    // ---- create ------------------------------------------------------------------------
    if (op === "c") {
      // -C applies to the operands after it, so walk the option list in order.
      const order: { dir: string; name: string }[] = [];
      let dir = ctx.cwd;
      const positional = [...p.args];
      const fromOpts = p.list.filter(([k]) => k === "C" || k === "T");
      for (const [k, v] of fromOpts) {
        if (k === "C") dir = ctx.resolve(String(v).startsWith("/") ? String(v) : joinPath(dir, String(v)));
        if (k === "T") {
          try {
            for (const l of new TextDecoder().decode(ctx.fs.read(ctx.resolve(String(v)))).split("\n")) if (l) order.push({ dir, name: l });
          } catch (e) {
            return fatal(gnu ? `${v}: Cannot open: ${errText(e)}` : `can't open '${v}': ${errText(e)}`);
          }
        }
      }
      for (const name of positional) order.push({ dir, name });
      if (order.length === 0) {
        if (gnu) {
          complain(ctx, "Cowardly refusing to create an empty archive");
          ctx.stderr.write("Try 'tar --help' or 'tar --usage' for more information.\n");
          return 2;
        }
        complain(ctx, "empty archive");
        return 1;
      }
      if (p.get("C") !== undefined && ctx.fs.stat(dir)?.type !== "dir") {
        const c = p.get("C")!;
        return fatal(gnu ? `${c}: Cannot open: No such file or directory` : `can't change directory to '${c}': No such file or directory`);
      }
      const chunks: Uint8Array[] = [];
      let written = 0;
      const toStdout = file === "-";
      const vout = toStdout ? ctx.stderr : ctx.stdout;
      let warnedSlash = false;
      const archivePath = toStdout ? null : ctx.resolve(file);
      const add = (e: TarEntry) => {
        const b = encodeEntry(e);
        chunks.push(b);
        written += b.length;
        if (verbose) vout.write(verbose > 1 ? listLine(e, gnu) + "\n" : e.name + "\n");
      };
      const entryOf = (full: string, member: string, st: Stat): TarEntry => ({
        name: member,
        type: st.type === "dir" ? "dir" : st.type === "symlink" ? "symlink" : st.type === "chardev" ? "chardev" : st.type === "fifo" ? "fifo" : "file",
        mode: st.mode,
        uid: st.uid,
        gid: st.gid,
        uname: userName(ctx.fs, st.uid) ?? "",
        gname: groupName(ctx.fs, st.gid) ?? "",
        mtime: Math.floor(st.mtime / 1000),
        linkname: st.type === "symlink" ? ctx.fs.readlink(full) : "",
        data: st.type === "file" ? ctx.fs.read(full) : new Uint8Array(0),
      });
      const walk = (full: string, member: string) => {
        if (excluded(member)) return;
        if (archivePath !== null && full === archivePath) {
          if (gnu) complain(ctx, `${member}: file is the archive; not dumped`);
          return;
        }
        let st: Stat | null;
        try {
          st = p.has("h") ? ctx.fs.stat(full) ?? ctx.fs.lstat(full) : ctx.fs.lstat(full);
          if (!st) throw new FsError("ENOENT", full);
        } catch (e) {
          complain(ctx, gnu ? `${member}: Cannot stat: ${errText(e)}` : `${member}: ${errText(e)}`);
          failed = true;
          return;
        }
        if (st.type === "dir") {
          add(entryOf(full, member.replace(/\/*$/, "/"), st));
          if (p.has("no-recursion")) return;
          for (const n of ctx.fs.readdir(full)) walk(joinPath(full, n), joinPath(member.replace(/\/+$/, ""), n));
          return;
        }
        try {
          add(entryOf(full, member, st));
        } catch (e) {
          complain(ctx, gnu ? `${member}: Cannot open: ${errText(e)}` : `can't open '${member}': ${errText(e)}`);
          failed = true;
        }
      };
      for (const { dir: d, name } of order) {
        let member = name;
        if (!p.has("P") && member.startsWith("/")) {
          member = member.replace(/^\/+/, "");
          if (!warnedSlash) {
            complain(ctx, gnu ? "Removing leading `/' from member names" : "removing leading '/' from member names");
            warnedSlash = true;
          }
          if (member === "") member = ".";
        }
        const full = name.startsWith("/") ? name : joinPath(d, name);
        walk(ctx.resolve(full), member);
      }
      chunks.push(encodeEnd(written, gnu ? 10240 : 0));
      let archive = concatBytes(chunks);
      if (p.has("z")) archive = gzipSync(archive, { mtime: ctx.now(), level: 6 });
      if (toStdout) ctx.stdout.write(archive);
      else {
        try {
          ctx.fs.write(archivePath!, archive);
        } catch (e) {
          return fatal(gnu ? `${file}: Cannot open: ${errText(e)}` : `can't create '${file}': ${errText(e)}`);
        }
      }
      return finish();
    }

    // ---- read an archive (x, t) ----------------------------------------------------------
    let raw: Uint8Array;
    if (file === "-") raw = yield* readAll(ctx);
    else {
      try {
        raw = ctx.fs.read(ctx.resolve(file));
      } catch (e) {
        return fatal(gnu ? `${file}: Cannot open: ${errText(e)}` : `can't open '${file}': ${errText(e)}`);
      }
    }
    if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
      try {
        raw = gunzipSync(raw);
      } catch {
        if (gnu) {
          ctx.stderr.write("\ngzip: stdin: unexpected end of file\n");
          return fatal("Child returned status 1");
        }
        return fatal("corrupted data");
      }
    }
    const strip = Number(p.get("strip-components") ?? 0);
    const wanted = p.args.map((a) => a.replace(/\/+$/, ""));
    const matched = new Set<string>();
    const selected = (name: string) => {
      if (wanted.length === 0) return true;
      const n = name.replace(/\/+$/, "");
      const w = wanted.find((x) => n === x || n.startsWith(x + "/"));
      if (w !== undefined) matched.add(w);
      return w !== undefined;
    };

    let base = ctx.cwd;
    const cdir = p.get("C");
    if (cdir !== undefined) {
      base = ctx.resolve(cdir);
      const st = ctx.fs.stat(base);
      if (!st || st.type !== "dir") {
        const why = st ? "Not a directory" : "No such file or directory";
        return fatal(gnu ? `${cdir}: Cannot open: ${why}` : `can't change directory to '${cdir}': ${why}`);
      }
    }
    const sameOwner = !p.has("o") && !p.has("no-same-owner");
    const samePerms = !p.has("no-same-permissions");
    const touchNow = p.has("m");
    const dirTimes: { path: string; mtime: number; mode: number }[] = [];
    let warnedSlash = false;

    try {
      for (const e of decodeTar(raw)) {
        if (!selected(e.name) || excluded(e.name)) continue;
        if (op === "t") {
          ctx.stdout.write((verbose ? listLine(e, gnu) : e.name) + "\n");
          continue;
        }
        // ---- extract one entry
        let name = e.name;
        if (name.startsWith("/") && !p.has("P")) {
          name = name.replace(/^\/+/, "");
          if (!warnedSlash) {
            complain(ctx, gnu ? "Removing leading `/' from member names" : "removing leading '/' from member names");
            warnedSlash = true;
          }
        }
        const parts = name.split("/").filter((x) => x !== "" && x !== ".");
        if (parts.includes("..")) {
          complain(ctx, gnu ? `${e.name}: Member name contains '..'` : `skipping '${e.name}': unsafe path`);
          failed = true;
          continue;
        }
        if (parts.length <= strip) continue;
        const rel = parts.slice(strip).join("/");
        if (verbose) ctx.stdout.write((verbose > 1 ? listLine(e, gnu) : e.name) + "\n");
        if (p.has("O")) {
          if (e.type === "file") ctx.stdout.write(e.data);
          continue;
        }
        const path = joinPath(base, rel);
        const parent = path.slice(0, path.lastIndexOf("/")) || "/";
        try {
          if (!ctx.fs.stat(parent)) ctx.fs.mkdir(parent, { parents: true });
          const existing = ctx.fs.lstat(path);
          const mode = samePerms ? e.mode & 0o7777 : e.mode & 0o777 & ~0o022;
          if (e.type === "dir") {
            if (existing && existing.type !== "dir") ctx.fs.remove(path);
            if (!existing || existing.type !== "dir") ctx.fs.mkdir(path, { mode });
            dirTimes.push({ path, mtime: e.mtime * 1000, mode });
          } else {
            if (existing) {
              if (p.has("k")) {
                complain(ctx, gnu ? `${rel}: Cannot open: File exists` : `can't open '${rel}': File exists`);
                failed = true;
                continue;
              }
              if (existing.type === "dir") throw new FsError("EISDIR", path);
              ctx.fs.remove(path);
            }
            if (e.type === "symlink") ctx.fs.symlink(e.linkname, path);
            else if (e.type === "hardlink") {
              const target = joinPath(base, e.linkname.split("/").filter((x) => x && x !== ".").slice(strip).join("/"));
              ctx.fs.write(path, ctx.fs.read(target), { mode: ctx.fs.stat(target)?.mode ?? mode });
            } else ctx.fs.write(path, e.type === "file" ? e.data : new Uint8Array(0), { mode });
            if (e.type !== "symlink") {
              ctx.fs.chmod(path, mode);
              ctx.fs.utimes(path, touchNow ? ctx.now() : e.mtime * 1000);
            }
          }
          if (sameOwner && e.type !== "symlink") {
            const uid = (!p.has("numeric-owner") && e.uname ? lookupUser(ctx.fs, e.uname)?.uid : undefined) ?? e.uid;
            const gid = (!p.has("numeric-owner") && e.gname ? lookupGroup(ctx.fs, e.gname) : null) ?? e.gid;
            ctx.fs.chown(path, uid, gid);
          }
        } catch (err) {
          if (!(err instanceof FsError)) throw err;
          const what = e.type === "dir" ? "Cannot mkdir" : e.type === "symlink" ? `Cannot create symlink to ${"`"}${e.linkname}'` : "Cannot open";
          complain(ctx, gnu ? `${rel}: ${what}: ${errText(err)}` : `can't create '${rel}': ${errText(err)}`);
          failed = true;
        }
      }
    } catch (err) {
      if (!(err instanceof TarError)) throw err;
      complain(ctx, gnu ? err.message : err.message === "This does not look like a tar archive" ? "invalid tar magic" : "short read");
      if (gnu && err.message === "This does not look like a tar archive") {
        ctx.stderr.write("tar: Exiting with failure status due to previous errors\n");
        return 2;
      }
      failed = true;
    }
    // Directories' times last: writing into them moved their mtime.
    for (const d of dirTimes.reverse()) {
      try {
        if (!touchNow) ctx.fs.utimes(d.path, d.mtime);
      } catch {
        // Gone or read-only: tar says nothing either.
      }
    }
    for (const w of wanted) {
      if (!matched.has(w)) {
        complain(ctx, gnu ? `${w}: Not found in archive` : `${w}: not found in archive`);
        failed = true;
      }
    }
    return finish();
  },
};

/** tar tv's line: GNU's user/group+size in at least 19 columns, busybox's fixed widths. */
function listLine(e: TarEntry, gnu: boolean): string {
  const mode = modeString({ type: e.type === "hardlink" || e.type === "blockdev" ? "file" : e.type, mode: e.mode });
  const fixedMode = e.type === "blockdev" ? "b" + mode.slice(1) : e.type === "hardlink" ? "h" + mode.slice(1) : mode;
  const user = e.uname || String(e.uid);
  const group = e.gname || String(e.gid);
  const size = e.type === "chardev" || e.type === "blockdev" ? `${e.devmajor ?? 0},${e.devminor ?? 0}` : String(e.type === "file" ? e.data.length : 0);
  let line: string;
  if (gnu) {
    const width = Math.max(19, user.length + group.length + size.length + 2);
    line = `${fixedMode} ${user}/${group} ${size.padStart(width - user.length - group.length - 2)} ${isoMinute(e.mtime, false)} ${e.name}`;
  } else line = `${fixedMode} ${user}/${group} ${size.padStart(9)} ${isoMinute(e.mtime, true)} ${e.name}`;
  if (e.type === "symlink") line += ` -> ${e.linkname}`;
  if (e.type === "hardlink") line += gnu ? ` link to ${e.linkname}` : ` -> ${e.linkname}`;
  return line;
}
