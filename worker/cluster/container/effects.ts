// What running processes have written, laid over the files the store keeps. A container's own
// process is computed ahead of time (timeline.ts) and replayed after the object restarts, so its
// writes are not stored as they happen: they are effects stamped with the cluster time they
// happen at, and a view of the files at time t is the stored files with every effect up to t
// applied. Effects are keyed by where they land (the container's own layer, or a volume of the
// pod with the path inside it), so a sidecar sees its app's writes to a shared emptyDir.
import type { ContainerT, VolumeT } from "../resources/types/core";
import { normalize } from "./fs/memory";
import { FsError, type FileSystem, type MountInfo, type Stat } from "./types";
import { concatBytes } from "../machinery/bytes";

/** A write a process made, where it landed, and when. */
export interface Effect {
  at: number;
  /** Layer key + path inside it ("root:app:/tmp/x", "vol:logs:/app.log"). */
  loc: string;
  /** The path the process wrote, in its own container. */
  path?: string;
  op: "write" | "append" | "mkdir" | "remove" | "symlink";
  data?: Uint8Array;
  target?: string;
  mode?: number;
}

/** A file's bytes as the appends made them; joined when read (a log appended to every second stays cheap). */
class Content {
  private parts: Uint8Array[];
  size: number;
  constructor(first: Uint8Array) {
    this.parts = [first];
    this.size = first.length;
  }
  append(b: Uint8Array): void {
    if (!b.length) return;
    this.parts.push(b);
    this.size += b.length;
  }
  bytes(): Uint8Array {
    if (this.parts.length > 1) this.parts = [concatBytes(this.parts)];
    return this.parts[0];
  }
}

type Entry = { type: "file"; data: Content; mode: number; mtime: number } | { type: "dir"; mode: number; mtime: number } | { type: "symlink"; target: string; mtime: number } | { type: "gone" };

/** Volumes whose files the kubelet writes and containers only read. */
const READ_ONLY_SOURCES = ["configMap", "secret", "downwardAPI", "projected", "serviceAccountToken"];

export interface Mounted {
  /** Layer key, shared by every container mounting the same volume. */
  layer: string;
  /** Path inside the layer. */
  inner: string;
  readOnly: boolean;
  /** Paths the kubelet and the kernel own (/proc, /sys, /dev): never overlaid. */
  passThrough: boolean;
}

/** Where a container path lands: its own root layer, or one of the pod's volumes. */
export function locator(container: string, spec: Pick<ContainerT, "volumeMounts">, volumes: VolumeT[] | undefined): (path: string) => Mounted {
  const mounts = [...(spec.volumeMounts ?? [])].sort((a, b) => b.mountPath.length - a.mountPath.length);
  return (path) => {
    if (/^\/(proc|sys|dev)(\/|$)/.test(path)) return { layer: "kernel", inner: path, readOnly: false, passThrough: true };
    for (const m of mounts) {
      const mp = m.mountPath.replace(/\/+$/, "") || "/";
      if (path === mp || path.startsWith(mp === "/" ? "/" : `${mp}/`)) {
        const rest = path.slice(mp.length);
        const vol = volumes?.find((v) => v.name === m.name);
        const ro = !!m.readOnly || (vol ? READ_ONLY_SOURCES.some((k) => (vol as Record<string, unknown>)[k] !== undefined) : false);
        const sub = m.subPath ? `/${m.subPath.replace(/^\/+|\/+$/g, "")}` : "";
        return { layer: `vol:${m.name}`, inner: `${sub}${rest}` || "/", readOnly: ro, passThrough: false };
      }
    }
    return { layer: `root:${container}`, inner: path, readOnly: false, passThrough: false };
  };
}

function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i <= 0 ? "/" : path.slice(0, i);
}


/**
 * The files as a process sees them: `base` (what the store keeps) with effects applied. Writes
 * either become effects (a process computed ahead: `record` is set) or go to `base` (an exec
 * session, whose writes are kept). Effects of other processes arrive through `feed` in time
 * order and are applied up to `now()`.
 */
export class EffectsFs implements FileSystem {
  private readonly entries = new Map<string, Entry>();
  private cursor = 0;
  /** The feed as last read: a new array means others' effects were gathered again. */
  private lastFeed: readonly Effect[] | null = null;
  /** This process's own effects, to replay when the others' are gathered again. */
  private readonly own: Effect[] = [];

  constructor(
    private readonly base: FileSystem,
    private readonly locate: (path: string) => Mounted,
    private readonly now: () => number,
    /** Effects of the pod's processes, sorted by time; grows as they are computed. */
    private readonly feed: () => readonly Effect[],
    /** Where this process's own writes go as effects; without it they go to `base`. */
    private readonly record?: (e: Effect) => void,
  ) {}

  private key(path: string): { key: string; m: Mounted } {
    const m = this.locate(this.canonicalParent(path));
    return { key: `${m.layer}:${m.inner}`, m };
  }

  /** The path with its parent's symlinks resolved (writes through /bin → usr/bin land once). */
  private canonicalParent(path: string): string {
    if (path === "/") return path;
    const parent = parentOf(path);
    const name = path.slice(parent.length + (parent === "/" ? 0 : 1));
    try {
      const real = this.realpath(parent);
      return real === "/" ? `/${name}` : `${real}/${name}`;
    } catch {
      return path;
    }
  }

  private catchUp(): void {
    const all = this.feed();
    const t = this.now();
    const prev = this.lastFeed;
    // Gathered again but only grown (what was laid down is still its start): go on from there.
    if (all !== prev && prev && this.cursor <= all.length && (this.cursor === 0 ? prev.length === 0 : all[this.cursor - 1] === prev[this.cursor - 1])) this.lastFeed = all;
    if (all !== this.lastFeed) {
      // Others' effects were gathered again: lay everything down afresh, in time order.
      this.lastFeed = all;
      this.entries.clear();
      this.cursor = 0;
      let o = 0;
      while (o < this.own.length || (this.cursor < all.length && all[this.cursor].at <= t)) {
        const mine = this.own[o];
        const theirs = this.cursor < all.length && all[this.cursor].at <= t ? all[this.cursor] : undefined;
        if (mine && (!theirs || mine.at <= theirs.at)) {
          this.apply(mine);
          o++;
        } else {
          this.apply(theirs!);
          this.cursor++;
        }
      }
      return;
    }
    while (this.cursor < all.length && all[this.cursor].at <= t) this.apply(all[this.cursor++]);
  }

  private apply(e: Effect): void {
    switch (e.op) {
      case "write":
        this.entries.set(e.loc, { type: "file", data: new Content(e.data!), mode: e.mode ?? 0o644, mtime: e.at });
        return;
      case "append": {
        const prev = this.entries.get(e.loc);
        if (prev?.type === "file") {
          prev.data.append(e.data!);
          prev.mtime = e.at;
          return;
        }
        const data = new Content(prev ? new Uint8Array(0) : this.baseAt(e.loc) ?? new Uint8Array(0));
        data.append(e.data!);
        this.entries.set(e.loc, { type: "file", data, mode: e.mode ?? 0o644, mtime: e.at });
        return;
      }
      case "mkdir":
        this.entries.set(e.loc, { type: "dir", mode: e.mode ?? 0o755, mtime: e.at });
        return;
      case "symlink":
        this.entries.set(e.loc, { type: "symlink", target: e.target!, mtime: e.at });
        return;
      case "remove":
        for (const k of [...this.entries.keys()]) if (k.startsWith(`${e.loc}/`)) this.entries.set(k, { type: "gone" });
        this.entries.set(e.loc, { type: "gone" });
        return;
    }
  }

  /** Base content behind a location, found by the path that led there (remembered on write). */
  private readonly basePaths = new Map<string, string>();
  private baseAt(loc: string): Uint8Array | null {
    const path = this.basePaths.get(loc);
    if (!path) return null;
    try {
      return this.base.read(path);
    } catch {
      return null;
    }
  }

  private lookup(path: string): Entry | undefined {
    this.catchUp();
    // Nothing written yet: the stored files are the whole answer (the common case, and cheap).
    if (this.entries.size === 0) return undefined;
    const { key, m } = this.key(path);
    if (m.passThrough) return undefined;
    const own = this.entries.get(key);
    if (own) return own;
    // A removed ancestor hides what the base has below it.
    for (let p = parentOf(path); p !== "/"; p = parentOf(p)) {
      const e = this.entries.get(this.key(p).key);
      if (e?.type === "gone") return { type: "gone" };
      if (e) break;
    }
    return undefined;
  }

  private emit(path: string, op: Effect["op"], extra: Partial<Effect> = {}): void {
    const { key, m } = this.key(path);
    if (m.readOnly) throw new FsError("EROFS", path);
    this.basePaths.set(key, path);
    const e: Effect = { at: this.now(), loc: key, path, op, ...extra };
    this.apply(e);
    this.own.push(e);
    this.record!(e);
  }

  private statOf(e: Entry, path: string): Stat {
    const base = { uid: 0, gid: 0, nlink: 1, ino: hashIno(path), dev: 0x2f } as const;
    if (e.type === "file") return { ...base, type: "file", mode: e.mode, size: e.data.size, mtime: e.mtime };
    if (e.type === "dir") return { ...base, type: "dir", mode: e.mode, size: 4096, mtime: e.mtime, nlink: 2 };
    if (e.type === "symlink") return { ...base, type: "symlink", mode: 0o777, size: e.target.length, mtime: e.mtime };
    throw new FsError("ENOENT", path);
  }

  stat(path: string): Stat | null {
    const e = this.lookup(path);
    if (!e) return this.base.stat(path);
    if (e.type === "gone") return null;
    if (e.type === "symlink") {
      const target = e.target.startsWith("/") ? e.target : `${parentOf(path)}/${e.target}`;
      return this.stat(normalize(target));
    }
    return this.statOf(e, path);
  }

  lstat(path: string): Stat | null {
    const e = this.lookup(path);
    if (!e) return this.base.lstat(path);
    return e.type === "gone" ? null : this.statOf(e, path);
  }

  readlink(path: string): string {
    const e = this.lookup(path);
    if (!e) return this.base.readlink(path);
    if (e.type === "symlink") return e.target;
    throw new FsError(e.type === "gone" ? "ENOENT" : "EINVAL", path);
  }

  read(path: string): Uint8Array {
    const e = this.lookup(path);
    if (!e) return this.base.read(path);
    if (e.type === "file") return e.data.bytes();
    if (e.type === "dir") throw new FsError("EISDIR", path);
    if (e.type === "symlink") return this.read(normalize(e.target.startsWith("/") ? e.target : `${parentOf(path)}/${e.target}`));
    throw new FsError("ENOENT", path);
  }

  write(path: string, data: Uint8Array | string, opts?: { append?: boolean; mode?: number; exclusive?: boolean }): void {
    if (!this.record || this.locate(path).passThrough) return this.base.write(path, data, opts);
    const st = this.stat(path);
    if (st?.type === "dir") throw new FsError("EISDIR", path);
    if (st && opts?.exclusive) throw new FsError("EEXIST", path);
    const parent = this.stat(parentOf(path));
    if (!parent) throw new FsError("ENOENT", path);
    if (parent.type !== "dir") throw new FsError("ENOTDIR", path);
    const b = typeof data === "string" ? new TextEncoder().encode(data) : data;
    // Opening for append (`>> file`) writes nothing: no effect unless the file is new.
    if (opts?.append && !b.length && st) return;
    this.emit(path, opts?.append ? "append" : "write", { data: b, mode: opts?.mode });
  }

  mkdir(path: string, opts?: { parents?: boolean; mode?: number }): void {
    if (!this.record) return this.base.mkdir(path, opts);
    const st = this.stat(path);
    if (st) {
      if (opts?.parents && st.type === "dir") return;
      throw new FsError("EEXIST", path);
    }
    const parent = parentOf(path);
    if (!this.stat(parent)) {
      if (!opts?.parents) throw new FsError("ENOENT", path);
      this.mkdir(parent, opts);
    }
    this.emit(path, "mkdir", { mode: opts?.mode });
  }

  readdir(path: string): string[] {
    const e = this.lookup(path);
    if (e && e.type !== "dir") {
      if (e.type === "symlink") return this.readdir(this.realpath(path));
      throw new FsError(e.type === "gone" ? "ENOENT" : "ENOTDIR", path);
    }
    let names: string[] = [];
    try {
      names = this.base.readdir(path);
    } catch (err) {
      if (!e) throw err;
    }
    const set = new Set(names);
    const { key } = this.key(path.endsWith("/") ? path : `${path}/x`);
    const prefix = key.slice(0, -1);
    for (const [k, v] of this.entries) {
      if (!k.startsWith(prefix)) continue;
      const name = k.slice(prefix.length);
      if (name.includes("/") || !name) continue;
      if (v.type === "gone") set.delete(name);
      else set.add(name);
    }
    return [...set].sort();
  }

  remove(path: string, opts?: { recursive?: boolean }): void {
    if (!this.record) return this.base.remove(path, opts);
    const st = this.lstat(path);
    if (!st) throw new FsError("ENOENT", path);
    if (st.type === "dir" && !opts?.recursive && this.readdir(path).length) throw new FsError("ENOTEMPTY", path);
    this.emit(path, "remove", { });
  }

  rename(from: string, to: string): void {
    if (!this.record) return this.base.rename(from, to);
    const st = this.lstat(from);
    if (!st) throw new FsError("ENOENT", from);
    if (st.type === "dir") throw new FsError("EXDEV", from);
    if (st.type === "symlink") this.emit(to, "symlink", { target: this.readlink(from) });
    else this.emit(to, "write", { data: this.read(from), mode: st.mode });
    this.emit(from, "remove");
  }

  symlink(target: string, path: string): void {
    if (!this.record) return this.base.symlink(target, path);
    if (this.lstat(path)) throw new FsError("EEXIST", path);
    this.emit(path, "symlink", { target });
  }

  chmod(path: string, mode: number): void {
    if (!this.record) return this.base.chmod(path, mode);
    const e = this.lookup(path);
    if (e?.type === "file" || e?.type === "dir") e.mode = mode;
    else if (!this.stat(path)) throw new FsError("ENOENT", path);
  }

  chown(path: string, uid: number, gid: number): void {
    if (!this.record) return this.base.chown(path, uid, gid);
    if (!this.stat(path)) throw new FsError("ENOENT", path);
  }

  utimes(path: string, mtime: number): void {
    if (!this.record) return this.base.utimes(path, mtime);
    const e = this.lookup(path);
    if (e && e.type !== "gone") e.mtime = mtime;
    else if (!e) {
      const st = this.stat(path);
      if (!st) throw new FsError("ENOENT", path);
      if (st.type === "file") this.emit(path, "append", { data: new Uint8Array(0) });
    }
  }

  realpath(path: string): string {
    const out: string[] = [];
    const todo = normalize(path).split("/").filter(Boolean);
    let hops = 0;
    while (todo.length) {
      const name = todo.shift()!;
      if (name === "..") {
        out.pop();
        continue;
      }
      if (name === ".") continue;
      const here = `/${[...out, name].join("/")}`;
      const m = this.locate(here);
      const e = m.passThrough ? undefined : this.entries.get(`${m.layer}:${m.inner}`);
      let target: string | null = null;
      if (e?.type === "symlink") target = e.target;
      else if (e?.type === "gone") throw new FsError("ENOENT", path);
      else if (!e) {
        const st = this.base.lstat(here);
        if (!st) throw new FsError("ENOENT", path);
        if (st.type === "symlink") target = this.base.readlink(here);
      }
      if (target !== null) {
        if (++hops > 40) throw new FsError("ELOOP", path);
        if (target.startsWith("/")) out.length = 0;
        todo.unshift(...target.split("/").filter(Boolean));
        continue;
      }
      out.push(name);
    }
    return `/${out.join("/")}`;
  }

  mounts(): MountInfo[] {
    return this.base.mounts();
  }
}

function hashIno(path: string): number {
  let h = 2166136261;
  for (let i = 0; i < path.length; i++) h = Math.imul(h ^ path.charCodeAt(i), 16777619);
  return (h >>> 0) % 10_000_000;
}
