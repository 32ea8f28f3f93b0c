// A container's file system as the runtime mounts it: the root (image + writable layer) with
// volumes, kubelet files, /dev, /proc and /sys mounted over it. One path walk over all of them
// follows symlinks across mounts (nginx's access.log -> /dev/stdout -> /proc/self/fd/1), so
// each mounted tree only ever sees canonical paths inside itself.
import { FsError, type FileSystem, type FsErrorCode, type MountInfo, type Stat } from "../types";
import { MAX_SYMLINKS } from "./memory";

export interface Mount {
  /** Where it is mounted (made canonical against the mounts before it). */
  target: string;
  /** The tree (built on first use when a function). */
  fs: FileSystem | (() => FileSystem);
  info: MountInfo;
  /** Mutations fail with this code (EROFS for read-only mounts, EACCES for /proc's files). */
  deny?: FsErrorCode;
  /** Bytes in use now (df), when it changes. */
  used?: () => number;
}

interface Placed {
  target: string;
  get: () => FileSystem;
  info: MountInfo;
  deny?: FsErrorCode;
  used?: () => number;
  dev: number;
}

function parts(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}

interface Walked {
  /** Canonical path of the entry (whether or not it exists). */
  path: string;
  stat: Stat | null;
}

export class MountedFs implements FileSystem {
  private readonly placed: Placed[] = [];
  /** Directories that exist only because something is mounted below them (runc creates them). */
  private readonly ancestors = new Set<string>();

  constructor(mounts: Mount[]) {
    let dev = 0x30;
    for (const m of mounts) {
      let cache: FileSystem | null = null;
      const get = () => (cache ??= typeof m.fs === "function" ? m.fs() : m.fs);
      const target = m.target === "/" ? "/" : this.canonicalTarget(m.target);
      this.placed.push({ target, get, info: { ...m.info, target }, deny: m.deny, used: m.used, dev: dev++ });
      for (let p = parentOf(target); p !== "/"; p = parentOf(p)) this.ancestors.add(p);
      if (target !== "/") this.ancestors.add(target);
      // Deepest first: the mount that holds a path is the first whose target prefixes it (a
      // later mount on the same target hides an earlier one).
      this.placed.sort((a, b) => b.target.length - a.target.length || b.dev - a.dev);
    }
  }

  /** Resolves a mount target's existing part through the mounts so far (/var/run -> /run). */
  private canonicalTarget(target: string): string {
    const ps = parts(target);
    for (let i = ps.length; i > 0; i--) {
      try {
        const head = this.realpath("/" + ps.slice(0, i).join("/"));
        return [head, ...ps.slice(i)].reduce((a, b) => join(a, b));
      } catch {
        continue;
      }
    }
    return "/" + ps.join("/");
  }

  private mountOf(path: string): { m: Placed; rel: string } {
    for (const m of this.placed) {
      if (m.target === "/") return { m, rel: path };
      if (path === m.target) return { m, rel: "/" };
      if (path.startsWith(m.target + "/")) return { m, rel: path.slice(m.target.length) };
    }
    throw new FsError("ENOENT", path);
  }

  private lst(path: string): Stat | null {
    const { m, rel } = this.mountOf(path);
    let st: Stat | null;
    try {
      st = m.get().lstat(rel);
    } catch (e) {
      if (e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR")) st = null;
      else throw e;
    }
    if (!st && this.ancestors.has(path)) return { type: "dir", mode: 0o755, size: 4096, mtime: 0, uid: 0, gid: 0, nlink: 2, ino: 2, dev: m.dev };
    return st ? { ...st, dev: m.dev } : null;
  }

  /** The kernel's path walk over every mount: intermediate symlinks always followed, the last one when `follow`. */
  private walk(path: string, follow: boolean): Walked {
    if (!path.startsWith("/")) throw new FsError("ENOENT", path);
    const trailingSlash = path.length > 1 && path.endsWith("/");
    let todo = parts(path);
    let cur = "/";
    let links = 0;
    while (todo.length) {
      const name = todo[0];
      todo = todo.slice(1);
      const last = todo.length === 0;
      if (name === "..") {
        cur = parentOf(cur);
        continue;
      }
      const next = join(cur, name);
      const st = this.lst(next);
      if (st?.type === "symlink" && (!last || follow || trailingSlash)) {
        if (++links > MAX_SYMLINKS) throw new FsError("ELOOP", path);
        const { m, rel } = this.mountOf(next);
        const target = m.get().readlink(rel);
        if (target.startsWith("/")) cur = "/";
        todo = [...parts(target), ...todo];
        continue;
      }
      if (last) {
        if (trailingSlash && st && st.type !== "dir") throw new FsError("ENOTDIR", path);
        return { path: next, stat: st };
      }
      if (!st) throw new FsError("ENOENT", path);
      if (st.type !== "dir") throw new FsError("ENOTDIR", path);
      cur = next;
    }
    return { path: cur, stat: this.lst(cur) };
  }

  private existing(path: string, follow: boolean): { path: string; stat: Stat } {
    const w = this.walk(path, follow);
    if (!w.stat) throw new FsError("ENOENT", path);
    return w as { path: string; stat: Stat };
  }

  /** The tree holding a canonical path, for a change: refused on read-only mounts. */
  private writable(canon: string, shown: string): { fs: FileSystem; rel: string } {
    const { m, rel } = this.mountOf(canon);
    if (m.deny) throw new FsError(m.deny, shown);
    if (m.info.readOnly) throw new FsError("EROFS", shown);
    return { fs: m.get(), rel };
  }

  /** A call into a mounted tree, its errors reported against the path the caller gave. */
  private at<T>(shown: string, f: () => T): T {
    try {
      return f();
    } catch (e) {
      if (e instanceof FsError && e.path !== shown) throw new FsError(e.code, shown);
      throw e;
    }
  }

  private isMountPoint(canon: string): boolean {
    return canon === "/" || this.placed.some((m) => m.target === canon);
  }

  // -------------------------------------------------------------------------------------------
  // FileSystem

  stat(path: string): Stat | null {
    return this.tryStat(path, true);
  }

  lstat(path: string): Stat | null {
    return this.tryStat(path, false);
  }

  private tryStat(path: string, follow: boolean): Stat | null {
    try {
      return this.walk(path, follow).stat;
    } catch (e) {
      if (e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR")) return null;
      throw e;
    }
  }

  readlink(path: string): string {
    const w = this.existing(path, false);
    if (w.stat.type !== "symlink") throw new FsError("EINVAL", path);
    const { m, rel } = this.mountOf(w.path);
    return this.at(path, () => m.get().readlink(rel));
  }

  read(path: string): Uint8Array {
    const w = this.existing(path, true);
    if (w.stat.type === "dir") throw new FsError("EISDIR", path);
    const { m, rel } = this.mountOf(w.path);
    return this.at(path, () => m.get().read(rel));
  }

  write(path: string, data: Uint8Array | string, opts: { append?: boolean; mode?: number; exclusive?: boolean } = {}): void {
    if (opts.exclusive && this.lstat(path)) throw new FsError("EEXIST", path);
    const w = this.walk(path, true);
    if (w.stat?.type === "dir") throw new FsError("EISDIR", path);
    if (w.stat && w.stat.type !== "file") return; // devices take the bytes
    const { fs, rel } = this.writable(w.path, path);
    this.at(path, () => fs.write(rel, data, opts));
  }

  mkdir(path: string, opts: { parents?: boolean; mode?: number } = {}): void {
    if (opts.parents) {
      const ps = parts(path);
      for (let i = 1; i <= ps.length; i++) {
        const at = "/" + ps.slice(0, i).join("/");
        const s = this.stat(at);
        if (s?.type === "dir") continue;
        if (s) throw new FsError(i === ps.length ? "EEXIST" : "ENOTDIR", path);
        this.mkdir(at, { mode: opts.mode });
      }
      return;
    }
    const w = this.walk(path, false);
    if (w.stat) throw new FsError("EEXIST", path);
    const { fs, rel } = this.writable(w.path, path);
    this.at(path, () => fs.mkdir(rel, { mode: opts.mode }));
  }

  readdir(path: string): string[] {
    const w = this.existing(path, true);
    if (w.stat.type !== "dir") throw new FsError("ENOTDIR", path);
    const { m, rel } = this.mountOf(w.path);
    const names = new Set<string>();
    try {
      for (const n of m.get().readdir(rel)) names.add(n);
    } catch (e) {
      if (!(e instanceof FsError && e.code === "ENOENT" && this.ancestors.has(w.path))) throw e;
    }
    // Mount points (and the directories created for them) show in their parent.
    for (const a of this.ancestors) if (a !== w.path && parentOf(a) === w.path) names.add(a.slice(a.lastIndexOf("/") + 1));
    return [...names].sort();
  }

  remove(path: string, opts: { recursive?: boolean } = {}): void {
    if (/(^|\/)\.\.?\/*$/.test(path)) throw new FsError("EINVAL", path);
    const w = this.existing(path, false);
    if (this.isMountPoint(w.path)) throw new FsError("EBUSY", path);
    const { fs, rel } = this.writable(w.path, path);
    this.at(path, () => fs.remove(rel, opts));
  }

  rename(from: string, to: string): void {
    const src = this.existing(from, false);
    const dst = this.walk(to, false);
    if (this.isMountPoint(src.path) || this.isMountPoint(dst.path)) throw new FsError("EBUSY", from);
    const a = this.mountOf(src.path);
    const b = this.mountOf(dst.path);
    if (a.m !== b.m) throw new FsError("EXDEV", to);
    if (src.stat.type === "dir" && (dst.path === src.path || dst.path.startsWith(src.path + "/"))) {
      if (dst.path === src.path) return;
      throw new FsError("EINVAL", to);
    }
    const { fs } = this.writable(src.path, from);
    this.at(from, () => fs.rename(a.rel, b.rel));
  }

  symlink(target: string, path: string): void {
    const w = this.walk(path, false);
    if (w.stat) throw new FsError("EEXIST", path);
    const { fs, rel } = this.writable(w.path, path);
    this.at(path, () => fs.symlink(target, rel));
  }

  chmod(path: string, mode: number): void {
    const w = this.existing(path, true);
    const { fs, rel } = this.writable(w.path, path);
    this.at(path, () => fs.chmod(rel, mode));
  }

  chown(path: string, uid: number, gid: number): void {
    const w = this.existing(path, true);
    const { fs, rel } = this.writable(w.path, path);
    this.at(path, () => fs.chown(rel, uid, gid));
  }

  utimes(path: string, mtime: number): void {
    const w = this.existing(path, true);
    const { fs, rel } = this.writable(w.path, path);
    this.at(path, () => fs.utimes(rel, mtime));
  }

  realpath(path: string): string {
    return this.existing(path, true).path;
  }

  /** Every mount, in the order they were made (as /proc/mounts lists them). */
  mounts(): MountInfo[] {
    return [...this.placed]
      .sort((a, b) => a.dev - b.dev)
      .map((m) => ({ ...m.info, usedBytes: m.used ? m.used() : m.info.usedBytes }));
  }
}

/** A subtree of another file system as its own (a subPath mount, a file bind-mounted alone). */
export class SubFs implements FileSystem {
  constructor(
    private readonly inner: FileSystem,
    private readonly prefix: string,
  ) {}
  private p(rel: string): string {
    return rel === "/" ? this.prefix : this.prefix === "/" ? rel : this.prefix + rel;
  }
  stat(path: string) {
    return this.inner.lstat(this.p(path));
  }
  lstat(path: string) {
    return this.inner.lstat(this.p(path));
  }
  readlink(path: string) {
    return this.inner.readlink(this.p(path));
  }
  read(path: string) {
    return this.inner.read(this.p(path));
  }
  write(path: string, data: Uint8Array | string, opts?: { append?: boolean; mode?: number; exclusive?: boolean }) {
    this.inner.write(this.p(path), data, opts);
  }
  mkdir(path: string, opts?: { parents?: boolean; mode?: number }) {
    this.inner.mkdir(this.p(path), opts);
  }
  readdir(path: string) {
    return this.inner.readdir(this.p(path));
  }
  remove(path: string, opts?: { recursive?: boolean }) {
    this.inner.remove(this.p(path), opts);
  }
  rename(from: string, to: string) {
    this.inner.rename(this.p(from), this.p(to));
  }
  symlink(target: string, path: string) {
    this.inner.symlink(target, this.p(path));
  }
  chmod(path: string, mode: number) {
    this.inner.chmod(this.p(path), mode);
  }
  chown(path: string, uid: number, gid: number) {
    this.inner.chown(this.p(path), uid, gid);
  }
  utimes(path: string, mtime: number) {
    this.inner.utimes(this.p(path), mtime);
  }
  realpath(path: string) {
    return path;
  }
  mounts() {
    return this.inner.mounts();
  }
}
