// An in-memory file system with Linux's semantics (path walk, symlinks, errno per case). Tools'
// tests use it directly; it is also the shape the mounted container file system keeps to.
import { FsError, bytes, type FileSystem, type FileType, type MountInfo, type Stat } from "../types";
import { concatBytes } from "../../machinery/bytes";

/** Linux's limit on symlinks followed while resolving one path (MAXSYMLINKS). */
export const MAX_SYMLINKS = 40;

interface Node {
  ino: number;
  type: FileType;
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  nlink: number;
  data?: Uint8Array;
  target?: string;
  children?: Map<string, Node>;
}

export interface MemoryFsOptions {
  /** The clock stamped on changes (cluster ms). */
  now?: () => number;
  /** The device number stat reports. */
  dev?: number;
  /** Owner of what is created (the process's uid/gid). */
  uid?: number;
  gid?: number;
  /** The root's entry in mounts(). */
  mount?: Partial<MountInfo>;
}

interface Walk {
  /** The directory holding the last component, and its name. */
  parent: Node;
  name: string;
  /** The entry itself (its final symlink followed when asked), or null when absent. */
  node: Node | null;
  /** Canonical path of the parent. */
  parentPath: string;
}

/** Components of an absolute path; "" and "." dropped ("..": kept for the walk). */
function parts(path: string): string[] {
  return path.split("/").filter((p) => p !== "" && p !== ".");
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

export class MemoryFs implements FileSystem {
  private readonly root: Node;
  private nextIno = 2;
  private readonly now: () => number;
  private readonly dev: number;
  private readonly uid: number;
  private readonly gid: number;
  private readonly mount: MountInfo;

  constructor(opts: MemoryFsOptions = {}) {
    this.now = opts.now ?? (() => 0);
    this.dev = opts.dev ?? 1;
    this.uid = opts.uid ?? 0;
    this.gid = opts.gid ?? 0;
    this.mount = {
      target: "/",
      source: "overlay",
      fstype: "overlay",
      options: "rw,relatime",
      readOnly: false,
      sizeBytes: 64 * 1024 ** 3,
      usedBytes: 0,
      ...opts.mount,
    };
    this.root = { ino: 1, type: "dir", mode: 0o755, uid: 0, gid: 0, mtime: this.now(), nlink: 2, children: new Map() };
  }

  // -------------------------------------------------------------------------------------------
  // The path walk

  /**
   * Resolves every component but the last (following symlinks), then the last one, followed
   * only when `follow`. A trailing slash forces the last component to be a directory and is
   * followed, as the kernel does.
   */
  private walk(path: string, follow: boolean): Walk {
    if (!path.startsWith("/")) throw new FsError("ENOENT", path);
    const trailingSlash = path.length > 1 && path.endsWith("/");
    let todo = parts(path);
    let links = 0;
    // The stack of directories from the root: ".." pops it, as the kernel walks.
    const stack: { node: Node; name: string }[] = [{ node: this.root, name: "" }];
    if (todo.length === 0) return { parent: this.root, name: "", node: this.root, parentPath: "/" };
    for (;;) {
      const name = todo[0];
      const rest = todo.slice(1);
      const dir = stack[stack.length - 1].node;
      const last = rest.length === 0;
      if (name === "..") {
        if (stack.length > 1) stack.pop();
        if (last) {
          const top = stack[stack.length - 1];
          if (stack.length === 1) return { parent: this.root, name: "", node: this.root, parentPath: "/" };
          const up = stack[stack.length - 2];
          return { parent: up.node, name: top.name, node: top.node, parentPath: this.pathOf(stack.slice(0, -1)) };
        }
        todo = rest;
        continue;
      }
      if (dir.type !== "dir") throw new FsError("ENOTDIR", path);
      const node = dir.children!.get(name) ?? null;
      if (node && node.type === "symlink" && (!last || follow || trailingSlash)) {
        if (++links > MAX_SYMLINKS) throw new FsError("ELOOP", path);
        const target = node.target!;
        if (target.startsWith("/")) stack.splice(1);
        todo = [...parts(target), ...rest];
        if (todo.length === 0) {
          // A link to "/" (or to "."): the directory it names.
          const top = stack[stack.length - 1];
          if (stack.length === 1) return { parent: this.root, name: "", node: this.root, parentPath: "/" };
          return { parent: stack[stack.length - 2].node, name: top.name, node: top.node, parentPath: this.pathOf(stack.slice(0, -1)) };
        }
        continue;
      }
      if (last) {
        if (trailingSlash && node && node.type !== "dir") throw new FsError("ENOTDIR", path);
        return { parent: dir, name, node, parentPath: this.pathOf(stack) };
      }
      if (!node) throw new FsError("ENOENT", path);
      if (node.type !== "dir") throw new FsError("ENOTDIR", path);
      stack.push({ node, name });
      todo = rest;
    }
  }

  private pathOf(stack: { name: string }[]): string {
    return "/" + stack.slice(1).map((s) => s.name).join("/");
  }

  private existing(path: string, follow: boolean): Node {
    const w = this.walk(path, follow);
    if (!w.node) throw new FsError("ENOENT", path);
    return w.node;
  }

  private statOf(n: Node): Stat {
    const size = n.type === "file" ? n.data!.length : n.type === "symlink" ? bytes(n.target!).length : n.type === "dir" ? 4096 : 0;
    return { type: n.type, mode: n.mode, size, mtime: n.mtime, uid: n.uid, gid: n.gid, nlink: n.nlink, ino: n.ino, dev: this.dev };
  }

  private make(type: FileType, mode: number): Node {
    const n: Node = { ino: this.nextIno++, type, mode: mode & 0o7777, uid: this.uid, gid: this.gid, mtime: this.now(), nlink: type === "dir" ? 2 : 1 };
    if (type === "dir") n.children = new Map();
    return n;
  }

  private link(parent: Node, name: string, node: Node): void {
    parent.children!.set(name, node);
    if (node.type === "dir") parent.nlink++;
    parent.mtime = this.now();
  }

  private unlink(parent: Node, name: string): void {
    const node = parent.children!.get(name);
    if (!node) return;
    parent.children!.delete(name);
    if (node.type === "dir") parent.nlink--;
    node.nlink = node.type === "dir" ? 0 : node.nlink - 1;
    parent.mtime = this.now();
  }

  // -------------------------------------------------------------------------------------------
  // FileSystem

  /** null when the path does not exist (ENOENT, or a component that is not a directory). */
  stat(path: string): Stat | null {
    return this.tryStat(path, true);
  }

  lstat(path: string): Stat | null {
    return this.tryStat(path, false);
  }

  private tryStat(path: string, follow: boolean): Stat | null {
    try {
      const w = this.walk(path, follow);
      return w.node ? this.statOf(w.node) : null;
    } catch (e) {
      if (e instanceof FsError && (e.code === "ENOENT" || e.code === "ENOTDIR")) return null;
      throw e;
    }
  }

  readlink(path: string): string {
    const n = this.existing(path, false);
    if (n.type !== "symlink") throw new FsError("EINVAL", path);
    return n.target!;
  }

  read(path: string): Uint8Array {
    const n = this.existing(path, true);
    if (n.type === "dir") throw new FsError("EISDIR", path);
    return n.data ?? new Uint8Array(0);
  }

  write(path: string, data: Uint8Array | string, opts: { append?: boolean; mode?: number; exclusive?: boolean } = {}): void {
    const buf = typeof data === "string" ? bytes(data) : data;
    if (opts.exclusive && this.lstat(path)) throw new FsError("EEXIST", path);
    const w = this.walk(path, true);
    if (w.node) {
      if (w.node.type === "dir") throw new FsError("EISDIR", path);
      if (w.node.type !== "file") {
        w.node.mtime = this.now(); // writes to /dev/null and the like go nowhere
        return;
      }
      w.node.data = opts.append ? concatBytes([w.node.data!, buf]) : buf.slice();
      w.node.mtime = this.now();
      return;
    }
    if (w.name === "" || path.endsWith("/")) throw new FsError("EISDIR", path);
    const n = this.make("file", opts.mode ?? 0o644);
    n.data = buf.slice();
    this.link(w.parent, w.name, n);
  }

  mkdir(path: string, opts: { parents?: boolean; mode?: number } = {}): void {
    const mode = opts.mode ?? 0o755;
    if (opts.parents) {
      let at = "/";
      for (const p of parts(path)) {
        at = join(at, p);
        const s = this.stat(at);
        if (s?.type === "dir") continue;
        if (s) throw new FsError(at === normalize(path) ? "EEXIST" : "ENOTDIR", path);
        this.mkdir(at, { mode });
      }
      return;
    }
    const w = this.walk(path, false);
    if (w.node || w.name === "") throw new FsError("EEXIST", path);
    this.link(w.parent, w.name, this.make("dir", mode));
  }

  readdir(path: string): string[] {
    const n = this.existing(path, true);
    if (n.type !== "dir") throw new FsError("ENOTDIR", path);
    return [...n.children!.keys()].sort();
  }

  remove(path: string, opts: { recursive?: boolean } = {}): void {
    const last = parts(path).at(-1);
    if (last === ".." || /\/\.\/*$/.test(path) || path === ".") throw new FsError("EINVAL", path);
    const w = this.walk(path, false);
    if (w.name === "") throw new FsError("EBUSY", path);
    if (!w.node) throw new FsError("ENOENT", path);
    if (w.node.type === "dir" && w.node.children!.size > 0 && !opts.recursive) throw new FsError("ENOTEMPTY", path);
    this.unlink(w.parent, w.name);
  }

  rename(from: string, to: string): void {
    const src = this.walk(from, false);
    if (!src.node || src.name === "") throw new FsError(src.name === "" ? "EBUSY" : "ENOENT", from);
    const dst = this.walk(to, false);
    if (dst.name === "") throw new FsError("EBUSY", to);
    if (dst.node === src.node) return;
    if (src.node.type === "dir") {
      // Into its own subtree: the destination's parent chain passes through the source.
      const srcPath = join(src.parentPath, src.name);
      const dstParent = dst.parentPath;
      if (dstParent === srcPath || dstParent.startsWith(srcPath + "/")) throw new FsError("EINVAL", to);
      if (dst.node && dst.node.type !== "dir") throw new FsError("ENOTDIR", to);
      if (dst.node && dst.node.children!.size > 0) throw new FsError("ENOTEMPTY", to);
    } else if (dst.node?.type === "dir") {
      throw new FsError("EISDIR", to);
    }
    if (dst.node) this.unlink(dst.parent, dst.name);
    src.parent.children!.delete(src.name);
    if (src.node.type === "dir") src.parent.nlink--;
    src.parent.mtime = this.now();
    this.link(dst.parent, dst.name, src.node);
  }

  symlink(target: string, path: string): void {
    const w = this.walk(path, false);
    if (w.node || w.name === "") throw new FsError("EEXIST", path);
    const n = this.make("symlink", 0o777);
    n.target = target;
    this.link(w.parent, w.name, n);
  }

  chmod(path: string, mode: number): void {
    const n = this.existing(path, true);
    n.mode = mode & 0o7777;
  }

  chown(path: string, uid: number, gid: number): void {
    const n = this.existing(path, true);
    if (uid >= 0) n.uid = uid;
    if (gid >= 0) n.gid = gid;
  }

  utimes(path: string, mtime: number): void {
    this.existing(path, true).mtime = mtime;
  }

  realpath(path: string): string {
    const w = this.walk(path, true);
    if (!w.node) throw new FsError("ENOENT", path);
    return w.name === "" ? "/" : join(w.parentPath, w.name);
  }

  mounts(): MountInfo[] {
    return [{ ...this.mount }];
  }

  /** A hard link: `path` names the same file as `existing` (busybox's applets in /bin). */
  hardlink(existing: string, path: string): void {
    const n = this.existing(existing, false);
    if (n.type === "dir") throw new FsError("EPERM", existing);
    const w = this.walk(path, false);
    if (w.node) throw new FsError("EEXIST", path);
    n.nlink++;
    w.parent.children!.set(w.name, n);
    w.parent.mtime = this.now();
  }

  /** Makes a character device (/dev/null and friends): reads give nothing, writes vanish. */
  mknod(path: string, mode = 0o666): void {
    const w = this.walk(path, false);
    if (w.node) throw new FsError("EEXIST", path);
    this.link(w.parent, w.name, this.make("chardev", mode));
  }
}

/** "/a/./b/" → "/a/b" (no symlink resolution; ".." is lexical). */
export function normalize(path: string): string {
  const out: string[] = [];
  for (const p of parts(path)) {
    if (p === "..") out.pop();
    else out.push(p);
  }
  return "/" + out.join("/");
}

export type PopulateEntry =
  | string
  | Uint8Array
  | { symlink: string }
  | { dir: true; mode?: number; uid?: number; gid?: number }
  | { data: string | Uint8Array; mode?: number; uid?: number; gid?: number };

/**
 * Fills a file system from a map of absolute paths, creating parent directories as needed:
 * `populate(fs, { "/etc/hostname": "web\n", "/bin/sh": { symlink: "busybox" }, "/tmp": { dir: true, mode: 0o1777 } })`.
 */
export function populate(fs: FileSystem, files: Record<string, PopulateEntry>): FileSystem {
  for (const [path, entry] of Object.entries(files)) {
    const parent = normalize(path + "/..");
    if (!fs.stat(parent)) fs.mkdir(parent, { parents: true });
    if (typeof entry === "string" || entry instanceof Uint8Array) {
      fs.write(path, entry);
    } else if ("symlink" in entry) {
      fs.symlink(entry.symlink, path);
    } else if ("dir" in entry) {
      if (!fs.stat(path)) fs.mkdir(path, { mode: entry.mode });
      if (entry.mode !== undefined) fs.chmod(path, entry.mode);
      if (entry.uid !== undefined || entry.gid !== undefined) fs.chown(path, entry.uid ?? -1, entry.gid ?? -1);
    } else {
      fs.write(path, entry.data, { mode: entry.mode });
      if (entry.mode !== undefined) fs.chmod(path, entry.mode);
      if (entry.uid !== undefined || entry.gid !== undefined) fs.chown(path, entry.uid ?? -1, entry.gid ?? -1);
    }
  }
  return fs;
}
