// Copying a tree within one FileSystem: cp's work, and mv's across mounts (EXDEV).
import { FsError, type Stat, type ToolContext } from "../../types";
import { joinPath } from "./common";

export interface CopyOptions {
  recursive: boolean;
  /** Copy symlinks as symlinks (cp -R, -d, -P, -a) instead of what they point at. */
  noDeref: boolean;
  /** Keep mode, owner and times (-p, -a, mv). */
  preserve: boolean;
  /** Remove a destination that cannot be opened and try again (-f). */
  force: boolean;
}

/** What went wrong, for the caller to word: a failing step, the path it was on and why. */
export class CopyFailure {
  constructor(
    readonly step: "stat" | "create" | "mkdir" | "omit" | "into-itself" | "overwrite-dir" | "not-dir",
    readonly path: string,
    readonly error?: FsError,
  ) {}
}

/** Copies src to dst (dst's parent exists); reports each failure and carries on like cp. */
export function copyTree(ctx: ToolContext, srcName: string, dstName: string, o: CopyOptions, report: (f: CopyFailure) => void, srcSt?: Stat): boolean {
  // Names as the user gave them (for messages); paths resolved (for the file system).
  const fs = ctx.fs;
  const src = ctx.resolve(srcName);
  const dst = ctx.resolve(dstName);
  let st: Stat | null;
  try {
    st = srcSt ?? (o.noDeref ? fs.lstat(src) : fs.stat(src) ?? fs.lstat(src));
  } catch (e) {
    if (e instanceof FsError) {
      report(new CopyFailure("stat", srcName, e));
      return false;
    }
    throw e;
  }
  if (!st) {
    report(new CopyFailure("stat", srcName, new FsError("ENOENT", src)));
    return false;
  }
  const dstSt = safeLstat(ctx, dstName);
  const keep = (path: string) => {
    if (!o.preserve) return;
    try {
      fs.chown(path, st.uid, st.gid);
      fs.chmod(path, st.mode);
      fs.utimes(path, st.mtime);
    } catch {
      // Preserving is best effort, as cp -p's own warnings are rare in a container.
    }
  };
  if (st.type === "dir") {
    if (!o.recursive) {
      report(new CopyFailure("omit", srcName));
      return false;
    }
    if (dst === src || dst.startsWith(src.endsWith("/") ? src : src + "/")) {
      report(new CopyFailure("into-itself", srcName));
      return false;
    }
    if (dstSt && dstSt.type !== "dir" && !(dstSt.type === "symlink" && fs.stat(dst)?.type === "dir")) {
      report(new CopyFailure("not-dir", dstName));
      return false;
    }
    if (!dstSt) {
      try {
        fs.mkdir(dst, { mode: st.mode | 0o700 });
      } catch (e) {
        if (e instanceof FsError) {
          report(new CopyFailure("mkdir", dstName, e));
          return false;
        }
        throw e;
      }
    }
    let ok = true;
    let names: string[] = [];
    try {
      names = fs.readdir(src);
    } catch (e) {
      if (!(e instanceof FsError)) throw e;
      report(new CopyFailure("stat", srcName, e));
      return false;
    }
    for (const n of names) ok = copyTree(ctx, joinPath(srcName, n), joinPath(dstName, n), o, report) && ok;
    try {
      fs.chmod(dst, st.mode);
      keep(dst);
    } catch {
      // As above.
    }
    return ok;
  }
  if (dstSt?.type === "dir") {
    report(new CopyFailure("overwrite-dir", dstName));
    return false;
  }
  try {
    if (st.type === "symlink") {
      if (dstSt) fs.remove(dst);
      fs.symlink(fs.readlink(src), dst);
      return true;
    }
    const data = st.type === "file" ? fs.read(src) : new Uint8Array(0);
    try {
      fs.write(dst, data, { mode: st.mode & 0o777 });
    } catch (e) {
      if (!(o.force && dstSt && e instanceof FsError && e.code === "EACCES")) throw e;
      fs.remove(dst);
      fs.write(dst, data, { mode: st.mode & 0o777 });
    }
    keep(dst);
    return true;
  } catch (e) {
    if (e instanceof FsError) {
      report(new CopyFailure("create", e.path === src ? srcName : dstName, e));
      return false;
    }
    throw e;
  }
}

export function safeLstat(ctx: ToolContext, path: string): Stat | null {
  try {
    return ctx.fs.lstat(ctx.resolve(path));
  } catch {
    return null;
  }
}

export function safeStat(ctx: ToolContext, path: string): Stat | null {
  try {
    return ctx.fs.stat(ctx.resolve(path));
  } catch {
    return null;
  }
}
