// A persisted, writable file tree in the cluster's SQLite: a container's upper layer over its
// image (overlayfs: copy-up on change, whiteouts for deleted lower files), or a volume on its own
// (emptyDir, a node's files for hostPath, a persistent volume). Rows are read on demand, one
// lookup per path component; nothing loads a whole layer.
//
// Paths given here are canonical inside the layer (the mount table resolved every symlink
// before them), so nothing here follows links.
import { FsError, bytes, type FileSystem, type FileType, type MountInfo, type Stat } from "../types";

/** The table (store/schema.ts creates it): one row per entry, keyed by its directory and name. */
export const LAYER_TABLE = "container_files";

type Row = {
  dir: string;
  name: string;
  type: FileType | "whiteout";
  mode: number;
  uid: number;
  gid: number;
  mtime: number;
  data: ArrayBuffer | null;
  target: string | null;
};

function split(path: string): [string, string] {
  const i = path.lastIndexOf("/");
  return [i <= 0 ? "/" : path.slice(0, i), path.slice(i + 1)];
}

function join(dir: string, name: string): string {
  return dir === "/" ? `/${name}` : `${dir}/${name}`;
}

/** SQLite takes blobs as ArrayBuffers: the view's bytes, copied. */
function toBuffer(u: Uint8Array): ArrayBuffer {
  return u.buffer.slice(u.byteOffset, u.byteOffset + u.byteLength) as ArrayBuffer;
}

/** A stable inode number for a layer's path (FNV-1a), above the image's. */
function inodeOf(layer: string, path: string): number {
  let h = 0x811c9dc5;
  const s = layer + "\0" + path;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return 100_000 + ((h >>> 0) % 2_000_000_000);
}

/** The range of `dir` values strictly under `path` (its whole subtree). */
function subtree(path: string): [string, string] {
  const p = path === "/" ? "/" : path + "/";
  return [p, p.slice(0, -1) + "0"]; // "0" sorts right after "/"
}

export interface LayerOptions {
  sql: SqlStorage;
  layer: string;
  /** The read-only tree underneath (the image), or none for a plain volume. */
  lower?: FileSystem | null;
  now: () => number;
  mount: MountInfo;
  dev: number;
  /** Owner and mode of the root when no row and no lower root say otherwise. */
  rootMode?: number;
  /** A size beyond which writes fail with ENOSPC (emptyDir sizeLimit, tmpfs size). */
  limitBytes?: number;
}

export class SqlLayerFs implements FileSystem {
  private readonly sql: SqlStorage;
  readonly layer: string;
  private readonly lower: FileSystem | null;
  private readonly now: () => number;
  private readonly mount: MountInfo;
  private readonly dev: number;
  private readonly rootMode: number;
  private readonly limitBytes: number | undefined;

  constructor(opts: LayerOptions) {
    this.sql = opts.sql;
    this.layer = opts.layer;
    this.lower = opts.lower ?? null;
    this.now = opts.now;
    this.mount = opts.mount;
    this.dev = opts.dev;
    this.rootMode = opts.rootMode ?? 0o755;
    this.limitBytes = opts.limitBytes;
  }

  /** A tmpfs is full when its size would be passed (ENOSPC, as the kernel says). */
  private room(path: string, adding: number, replacing: number): void {
    if (this.limitBytes !== undefined && this.usedBytes() - replacing + adding > this.limitBytes) throw new FsError("ENOSPC", path);
  }

  // -------------------------------------------------------------------------------------------
  // Rows

  private row(path: string): Row | null {
    const [dir, name] = path === "/" ? ["", ""] : split(path);
    return (
      this.sql.exec<Row>(`SELECT dir, name, type, mode, uid, gid, mtime, data, target FROM ${LAYER_TABLE} WHERE layer = ? AND dir = ? AND name = ?`, this.layer, dir, name).toArray()[0] ?? null
    );
  }

  private put(path: string, r: Omit<Row, "dir" | "name">): void {
    const [dir, name] = path === "/" ? ["", ""] : split(path);
    this.sql.exec(
      `INSERT OR REPLACE INTO ${LAYER_TABLE} (layer, dir, name, type, mode, uid, gid, mtime, data, target) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      this.layer,
      dir,
      name,
      r.type,
      r.mode,
      r.uid,
      r.gid,
      r.mtime,
      r.data,
      r.target,
    );
  }

  private deleteRow(path: string): void {
    const [dir, name] = split(path);
    this.sql.exec(`DELETE FROM ${LAYER_TABLE} WHERE layer = ? AND dir = ? AND name = ?`, this.layer, dir, name);
  }

  private deleteSubtree(path: string): void {
    const [lo, hi] = subtree(path);
    this.sql.exec(`DELETE FROM ${LAYER_TABLE} WHERE layer = ? AND dir >= ? AND dir < ?`, this.layer, lo, hi);
    if (path !== "/") this.sql.exec(`DELETE FROM ${LAYER_TABLE} WHERE layer = ? AND dir = ?`, this.layer, path);
  }

  private lowerStat(path: string): Stat | null {
    if (!this.lower) return null;
    try {
      return this.lower.lstat(path);
    } catch {
      return null;
    }
  }

  /** The entry at a canonical path: the upper row, else the lower file (unless whited out). */
  private entry(path: string): { stat: Stat; row: Row | null } | null {
    const r = this.row(path);
    if (r) {
      if (r.type === "whiteout") return null;
      return { row: r, stat: this.rowStat(path, r) };
    }
    const l = this.lowerStat(path);
    if (l) return { row: null, stat: { ...l, dev: this.dev } };
    if (path === "/") return { row: null, stat: { type: "dir", mode: this.rootMode, size: 4096, mtime: 0, uid: 0, gid: 0, nlink: 2, ino: inodeOf(this.layer, "/"), dev: this.dev } };
    return null;
  }

  private rowStat(path: string, r: Row): Stat {
    const size = r.type === "file" ? (r.data?.byteLength ?? 0) : r.type === "symlink" ? bytes(r.target ?? "").length : r.type === "dir" ? 4096 : 0;
    return { type: r.type as FileType, mode: r.mode, size, mtime: r.mtime, uid: r.uid, gid: r.gid, nlink: r.type === "dir" ? 2 : 1, ino: inodeOf(this.layer, path), dev: this.dev };
  }

  private need(path: string): { stat: Stat; row: Row | null } {
    const [dir] = split(path);
    if (path !== "/") {
      const parent = this.entry(dir);
      if (!parent) throw new FsError("ENOENT", path);
      if (parent.stat.type !== "dir") throw new FsError("ENOTDIR", path);
    }
    const e = this.entry(path);
    if (!e) throw new FsError("ENOENT", path);
    return e;
  }

  /** The parent must be an existing directory; a lower one gets its upper row (copy-up of the directory). */
  private parentFor(path: string): void {
    const [dir] = split(path);
    const p = this.entry(dir);
    if (!p) throw new FsError("ENOENT", path);
    if (p.stat.type !== "dir") throw new FsError("ENOTDIR", path);
    this.touchDir(dir, p);
  }

  private touchDir(dir: string, e: { stat: Stat; row: Row | null }): void {
    this.put(dir, { type: "dir", mode: e.stat.mode, uid: e.stat.uid, gid: e.stat.gid, mtime: this.now(), data: null, target: null });
  }

  /** Lower children of `path` get whiteouts (a directory replaced in the upper layer hides the lower one's entries). */
  private hideLower(path: string): void {
    if (!this.lower) return;
    let names: string[] = [];
    try {
      if (this.lower.lstat(path)?.type === "dir") names = this.lower.readdir(path);
    } catch {
      return;
    }
    for (const n of names) this.put(join(path, n), { type: "whiteout", mode: 0, uid: 0, gid: 0, mtime: 0, data: null, target: null });
  }

  // -------------------------------------------------------------------------------------------
  // FileSystem (canonical paths)

  stat(path: string): Stat | null {
    return this.lstat(path);
  }

  lstat(path: string): Stat | null {
    return this.entry(path)?.stat ?? null;
  }

  readlink(path: string): string {
    const e = this.need(path);
    if (e.stat.type !== "symlink") throw new FsError("EINVAL", path);
    return e.row ? (e.row.target ?? "") : this.lower!.readlink(path);
  }

  read(path: string): Uint8Array {
    const e = this.need(path);
    if (e.stat.type === "dir") throw new FsError("EISDIR", path);
    if (!e.row) return this.lower!.read(path);
    return e.row.data ? new Uint8Array(e.row.data) : new Uint8Array(0);
  }

  write(path: string, data: Uint8Array | string, opts: { append?: boolean; mode?: number; exclusive?: boolean } = {}): void {
    const buf = typeof data === "string" ? bytes(data) : data;
    const e = this.entry(path);
    if (e) {
      if (opts.exclusive) throw new FsError("EEXIST", path);
      if (e.stat.type === "dir") throw new FsError("EISDIR", path);
      if (e.stat.type !== "file") return; // a device: the bytes go nowhere
      let out = buf;
      this.room(path, buf.length + (opts.append ? e.stat.size : 0), e.stat.size);
      if (opts.append) {
        const old = this.read(path);
        out = new Uint8Array(old.length + buf.length);
        out.set(old, 0);
        out.set(buf, old.length);
      }
      this.put(path, { type: "file", mode: e.stat.mode, uid: e.stat.uid, gid: e.stat.gid, mtime: this.now(), data: toBuffer(out), target: null });
      return;
    }
    if (path === "/") throw new FsError("EISDIR", path);
    this.parentFor(path);
    this.room(path, buf.length, 0);
    this.put(path, { type: "file", mode: (opts.mode ?? 0o644) & 0o7777, uid: 0, gid: 0, mtime: this.now(), data: toBuffer(buf), target: null });
  }

  mkdir(path: string, opts: { parents?: boolean; mode?: number } = {}): void {
    if (opts.parents) {
      let at = "";
      for (const part of path.split("/").filter(Boolean)) {
        at += "/" + part;
        const s = this.lstat(at);
        if (s?.type === "dir") continue;
        if (s) throw new FsError(at === path ? "EEXIST" : "ENOTDIR", path);
        this.mkdir(at, { mode: opts.mode });
      }
      return;
    }
    if (this.entry(path)) throw new FsError("EEXIST", path);
    this.parentFor(path);
    const whitedOut = this.row(path)?.type === "whiteout";
    this.put(path, { type: "dir", mode: (opts.mode ?? 0o755) & 0o7777, uid: 0, gid: 0, mtime: this.now(), data: null, target: null });
    if (whitedOut) this.hideLower(path);
  }

  readdir(path: string): string[] {
    const e = this.need(path);
    if (e.stat.type !== "dir") throw new FsError("ENOTDIR", path);
    const names = new Set<string>();
    if (this.lower && this.lowerStat(path)?.type === "dir") for (const n of this.lower.readdir(path)) names.add(n);
    const dir = path;
    for (const r of this.sql.exec<{ name: string; type: string }>(`SELECT name, type FROM ${LAYER_TABLE} WHERE layer = ? AND dir = ?`, this.layer, dir)) {
      if (r.name === "") continue;
      if (r.type === "whiteout") names.delete(r.name);
      else names.add(r.name);
    }
    return [...names].sort();
  }

  remove(path: string, opts: { recursive?: boolean } = {}): void {
    if (path === "/") throw new FsError("EBUSY", path);
    const e = this.need(path);
    if (e.stat.type === "dir" && !opts.recursive && this.readdir(path).length > 0) throw new FsError("ENOTEMPTY", path);
    this.parentFor(path);
    if (e.stat.type === "dir") this.deleteSubtree(path);
    if (this.lowerStat(path)) this.put(path, { type: "whiteout", mode: 0, uid: 0, gid: 0, mtime: 0, data: null, target: null });
    else this.deleteRow(path);
  }

  rename(from: string, to: string): void {
    if (from === "/" || to === "/") throw new FsError("EBUSY", from === "/" ? from : to);
    const src = this.need(from);
    const dst = this.entry(to);
    if (from === to) return;
    if (src.stat.type === "dir") {
      if (to.startsWith(from + "/")) throw new FsError("EINVAL", to);
      if (dst && dst.stat.type !== "dir") throw new FsError("ENOTDIR", to);
      if (dst && this.readdir(to).length > 0) throw new FsError("ENOTEMPTY", to);
      // overlayfs without redirect_dir: a directory of the image cannot be renamed (mv copies it).
      if (this.lowerStat(from)) throw new FsError("EXDEV", from);
    } else if (dst?.stat.type === "dir") {
      throw new FsError("EISDIR", to);
    }
    this.parentFor(to);
    this.parentFor(from);
    if (dst) {
      if (dst.stat.type === "dir") this.deleteSubtree(to);
      this.deleteRow(to);
    }
    if (src.stat.type === "dir") {
      // Move the subtree's rows: their directory prefix changes.
      const [lo, hi] = subtree(from);
      this.sql.exec(`UPDATE ${LAYER_TABLE} SET dir = ? || substr(dir, ?) WHERE layer = ? AND ((dir >= ? AND dir < ?) OR dir = ?)`, to, from.length + 1, this.layer, lo, hi, from);
      const r = src.row!;
      this.put(to, { ...r });
      if (this.lowerStat(to)) this.hideLower(to);
    } else {
      const r = src.row ?? this.copyUp(from, src.stat);
      this.put(to, { ...r, mtime: r.mtime });
    }
    if (this.lowerStat(from)) this.put(from, { type: "whiteout", mode: 0, uid: 0, gid: 0, mtime: 0, data: null, target: null });
    else this.deleteRow(from);
  }

  private copyUp(path: string, st: Stat): Row {
    const [dir, name] = split(path);
    const r: Row = { dir, name, type: st.type, mode: st.mode, uid: st.uid, gid: st.gid, mtime: st.mtime, data: null, target: null };
    if (st.type === "file") r.data = toBuffer(this.lower!.read(path));
    if (st.type === "symlink") r.target = this.lower!.readlink(path);
    return r;
  }

  symlink(target: string, path: string): void {
    if (this.entry(path)) throw new FsError("EEXIST", path);
    this.parentFor(path);
    this.put(path, { type: "symlink", mode: 0o777, uid: 0, gid: 0, mtime: this.now(), data: null, target });
  }

  private change(path: string, f: (r: Row) => void): void {
    const e = this.need(path);
    if (e.stat.type === "dir" && !e.row) {
      this.touchDir(path, e);
    }
    const r = this.row(path) ?? this.copyUp(path, e.stat);
    f(r);
    this.put(path, r);
  }

  chmod(path: string, mode: number): void {
    this.change(path, (r) => (r.mode = mode & 0o7777));
  }

  chown(path: string, uid: number, gid: number): void {
    this.change(path, (r) => {
      if (uid >= 0) r.uid = uid;
      if (gid >= 0) r.gid = gid;
    });
  }

  utimes(path: string, mtime: number): void {
    this.change(path, (r) => (r.mtime = mtime));
  }

  realpath(path: string): string {
    this.need(path);
    return path;
  }

  mounts(): MountInfo[] {
    return [{ ...this.mount, usedBytes: this.mount.usedBytes + this.usedBytes() }];
  }

  /** Bytes of file data written to this layer (df). */
  usedBytes(): number {
    const row = this.sql.exec<{ n: number | null }>(`SELECT sum(length(data)) AS n FROM ${LAYER_TABLE} WHERE layer = ?`, this.layer).toArray()[0];
    return row?.n ?? 0;
  }
}

/** Drops every row of the layers whose name starts with `prefix`. */
export function dropLayers(sql: SqlStorage, prefix: string): void {
  sql.exec(`DELETE FROM ${LAYER_TABLE} WHERE layer >= ? AND layer < ?`, prefix, prefix + "\uffff");
}
