// The contract of a container's world (DESIGN.md, "Inside a container"): its files, its
// processes, its streams and the tools that run over them. The modules beside this one
// implement it: fs/ (the file system: image skeletons, volumes, kubelet-managed files, /proc),
// shell/ (the sh/bash language), tools/ (one file per command or family), world.ts (a pod's
// containers put together from the store, the clock and the network), timeline.ts (a
// container's own process over cluster time) and session.ts (exec and attach).
//
// Everything here is synchronous: the store, the network view and the clock are, so a shell
// runs as a generator that yields only when time must pass (sleep) or input must arrive.
import type { ImageBehaviour } from "../node/images";
import type { DnsResult, RecordType } from "../network/dns";
import type { HttpRequest, Outcome } from "../network/types";
import type { Pod } from "../resources/pod";

// ---------------------------------------------------------------------------------------------
// Files

export type FsErrorCode = "ENOENT" | "EEXIST" | "ENOTDIR" | "EISDIR" | "EROFS" | "EACCES" | "ENOTEMPTY" | "EINVAL" | "EXDEV" | "ELOOP" | "EPERM" | "EBUSY" | "ENOSPC" | "EFBIG";

/** strerror(3) of each code: what tools print after the path ("No such file or directory"). */
export const FS_MESSAGES: Record<FsErrorCode, string> = {
  ENOENT: "No such file or directory",
  EEXIST: "File exists",
  ENOTDIR: "Not a directory",
  EISDIR: "Is a directory",
  EROFS: "Read-only file system",
  EACCES: "Permission denied",
  ENOTEMPTY: "Directory not empty",
  EINVAL: "Invalid argument",
  EXDEV: "Invalid cross-device link",
  ELOOP: "Too many levels of symbolic links",
  EPERM: "Operation not permitted",
  EBUSY: "Device or resource busy",
  ENOSPC: "No space left on device",
  EFBIG: "File too large",
};

export class FsError extends Error {
  constructor(
    readonly code: FsErrorCode,
    readonly path: string,
  ) {
    super(FS_MESSAGES[code]);
  }
}

export type FileType = "file" | "dir" | "symlink" | "chardev" | "fifo" | "socket";

export interface Stat {
  type: FileType;
  /** Permission bits (0o755), without the type bits. */
  mode: number;
  size: number;
  /** Modification time, cluster ms. */
  mtime: number;
  uid: number;
  gid: number;
  nlink: number;
  ino: number;
  /** Which mount the file is on (df, stat -c %d, cross-device renames). */
  dev: number;
}

export interface MountInfo {
  /** Where it is mounted in the container. */
  target: string;
  /** What /proc/mounts names as its source ("overlay", "tmpfs", "/dev/sda1", "shm"). */
  source: string;
  fstype: string;
  /** Mount options as /proc/mounts prints them ("rw,relatime"). */
  options: string;
  readOnly: boolean;
  /** For df: the file system's size and use, bytes. */
  sizeBytes: number;
  usedBytes: number;
}

/**
 * A container's view of files. Paths are absolute and already resolved against the working
 * directory (ToolContext.resolve); symlinks are followed except by lstat/readlink/remove.
 * Every failure is an FsError.
 */
export interface FileSystem {
  stat(path: string): Stat | null;
  lstat(path: string): Stat | null;
  readlink(path: string): string;
  read(path: string): Uint8Array;
  /** Creates or replaces (or, with append, extends) a regular file; its parent must exist. */
  write(path: string, data: Uint8Array | string, opts?: { append?: boolean; mode?: number; exclusive?: boolean }): void;
  mkdir(path: string, opts?: { parents?: boolean; mode?: number }): void;
  /** Entry names, sorted, without "." and "..". */
  readdir(path: string): string[];
  /** rm/rmdir: a directory must be empty unless recursive. Does not follow a final symlink. */
  remove(path: string, opts?: { recursive?: boolean }): void;
  rename(from: string, to: string): void;
  symlink(target: string, path: string): void;
  chmod(path: string, mode: number): void;
  chown(path: string, uid: number, gid: number): void;
  utimes(path: string, mtime: number): void;
  /** The canonical path, symlinks resolved (readlink -f, cd -P, pwd -P). */
  realpath(path: string): string;
  mounts(): MountInfo[];
}

/** A file's or a stream's bytes as text (UTF-8, lossy). */
export function text(data: Uint8Array): string {
  return new TextDecoder().decode(data);
}

/** Text as bytes (UTF-8). */
export function bytes(s: string): Uint8Array {
  return new TextEncoder().encode(s);
}

/** A change a running process made to files, with when it made it (timeline.ts replays these). */
export type FileEffect =
  | { op: "write"; path: string; data: Uint8Array; append: boolean; mode?: number }
  | { op: "mkdir"; path: string; mode?: number }
  | { op: "remove"; path: string; recursive: boolean }
  | { op: "rename"; from: string; to: string }
  | { op: "symlink"; target: string; path: string };

// ---------------------------------------------------------------------------------------------
// Streams

/**
 * Where a process reads from. read() returns what has arrived (possibly several lines), null
 * at end of input, and undefined when nothing has arrived yet: a tool then yields
 * { wait: "stdin" } and reads again when it is resumed.
 */
export interface Input {
  read(): Uint8Array | null | undefined;
  /** One line without its newline; the last line may lack one. Same null/undefined meaning. */
  readLine(): string | null | undefined;
  /** Whether input comes from a terminal (`[ -t 0 ]`, sh's prompt). */
  readonly tty: boolean;
}

export interface Output {
  write(data: string | Uint8Array): void;
  readonly tty: boolean;
}

// ---------------------------------------------------------------------------------------------
// Running: what a shell or a tool yields when it cannot go on at once

export type Effect =
  /** Let this much cluster time pass (sleep, tail -f's poll, ping's interval); Infinity: until stopped. */
  | { sleep: number }
  /** Wait until more input has arrived on stdin (or it ended). */
  | { wait: "stdin" };

/** A tool's run: an exit status at once, or a generator that yields effects and returns one. */
export type ToolRun = number | Generator<Effect, number, void>;

export interface Tool {
  /** The names it is run by (argv[0]'s basename): ["ls"], ["grep", "egrep", "fgrep"]. */
  names: string[];
  run(ctx: ToolContext): ToolRun;
}

/** Which implementation an image ships: busybox applets (alpine, busybox) or GNU coreutils (debian, ubuntu). Messages differ. */
export type Flavour = "busybox" | "gnu";

export interface ToolContext {
  /** argv[0] is the name as invoked (basename taken for lookup). */
  argv: string[];
  /** The exported environment. */
  env: Record<string, string>;
  cwd: string;
  /** An absolute, normalized path from one relative to cwd ("~" is not expanded here). */
  resolve(path: string): string;
  stdin: Input;
  stdout: Output;
  stderr: Output;
  fs: FileSystem;
  /** The cluster clock now, as the container's wall clock shows it (ms since the epoch). */
  now(): number;
  flavour: Flavour;
  world: ContainerWorld;
  /** Runs another program (xargs, find -exec, env cmd, timeout, watch, nice): its exit status. */
  exec(argv: string[], io?: { stdin?: Input; stdout?: Output; stderr?: Output; env?: Record<string, string> }): Generator<Effect, number, void>;
}

// ---------------------------------------------------------------------------------------------
// Processes

export interface ProcessInfo {
  pid: number;
  ppid: number;
  user: string;
  argv: string[];
  /** Cluster ms. */
  startedAt: number;
  state: "R" | "S" | "Z";
  rssKb: number;
  vszKb: number;
  tty: string | null;
}

export interface Processes {
  /** What `ps` shows: the processes of this container's PID namespace (the pod's when shared). */
  list(): ProcessInfo[];
  /** kill(2): null when sent; PID 1 of a container killed by a fatal signal ends the container. */
  kill(pid: number, signal: number): "ESRCH" | "EPERM" | null;
  /** The calling process. */
  readonly self: number;
}

// ---------------------------------------------------------------------------------------------
// The world outside the container, as its tools reach it

export interface Net {
  /** A lookup through the pod's resolv.conf (search path, ndots), as nslookup/dig/host/ping do. */
  lookup(name: string, type: RecordType, opts?: { server?: string; search?: boolean }): DnsResult;
  /** A connection from this pod (wget, curl, nc, ping's reachability), through network/traffic.ts. */
  connect(host: string, port: number, request?: HttpRequest, protocol?: "TCP" | "UDP"): Outcome;
  /** The pod's /etc/resolv.conf. */
  resolvConf(): string;
  /** eth0 of the pod (or the node's, for host-network pods): ip addr, ip route, hostname -i. */
  iface: { name: string; ip: string; prefix: number; mac: string; gateway: string; mtu: number };
}

/** etcd as `etcdctl` sees it in an etcd pod: the cluster's store under kube-apiserver's keys. */
export interface EtcdKeyValue {
  key: string;
  value: Uint8Array;
  createRevision: number;
  modRevision: number;
  version: number;
}

export interface Etcd {
  /** Keys in [from, end) in byte order (end null: only `from`; "\0": every key >= from). */
  range(from: string, end: string | null, opts?: { limit?: number; keysOnly?: boolean }): { kvs: EtcdKeyValue[]; count: number; more: boolean };
  revision(): number;
  member: { id: string; name: string; peerURL: string; clientURL: string };
  clusterId: string;
  dbSizeBytes: number;
  version: string;
}

export interface ClusterTools {
  /** In an etcd pod of the control plane, its store; null elsewhere. */
  etcd(): Etcd | null;
  /** In a kube-proxy pod (host network), its node's rules as iptables-save prints them; null elsewhere. */
  iptablesSave(): string | null;
  /** On the node's side (a node debug pod: hostPID, the node's root at /host), the pods its kubelet runs, for crictl; null elsewhere. */
  nodePods?(): Pod[] | null;
}

export interface ContainerWorld {
  pod: Pod;
  container: string;
  node: string;
  /** The image reference as the spec names it, and what the catalog says it does. */
  imageName: string;
  image: ImageBehaviour | null;
  hostname: string;
  net: Net;
  processes: Processes;
  cluster: ClusterTools;
  system: { kernel: string; release: string; version: string; machine: string; cpus: number; memoryKb: number; bootTime: number };
}
