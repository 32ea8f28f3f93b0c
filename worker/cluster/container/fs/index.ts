// A container's file system put together as the kubelet and containerd mount it: the image's
// files under the container's writable layer, /proc, /dev, /sys, the kubelet's /etc/hosts,
// /etc/hostname and /etc/resolv.conf, /dev/termination-log, /dev/shm, and the pod's volumes at
// their mount paths. Writable trees live in the cluster's SQLite (layer.ts) keyed so that a
// container's layer goes with its run, emptyDirs with the pod, a node's files with the node
// and a persistent volume's with the volume.
import { stringify } from "yaml";
import { resolvConf } from "../../network/dns";
import type { NetworkView } from "../../network/types";
import type { KObject } from "../../resources/define";
import type { Pod } from "../../resources/pod";
import type { ContainerT, VolumeT } from "../../resources/types/core";

type VolumeMountT = NonNullable<ContainerT["volumeMounts"]>[number];
import type { ImageBehaviour } from "../../node/images";
import { MIRROR_ANNOTATION, CONFIG_HASH_ANNOTATION, CONFIG_SEEN_ANNOTATION, CONFIG_SOURCE_ANNOTATION } from "../../addons/controlPlane";
import { integerQuantity } from "../../machinery/quantity";
import { FsError, type FileSystem, type MountInfo, type ProcessInfo } from "../types";
import { containerEnv, expand } from "../env";
import { dropLayers, SqlLayerFs } from "./layer";
import { MemoryFs, populate } from "./memory";
import { MountedFs, SubFs, type Mount } from "./mounted";
import { imageLower, imageProfile, IMAGE_BUILD_TIME } from "./skeletons";
import { devTree, hostsFile, podHostname, ProcFs, sysTree } from "./system";
import { atomicTree, ensureSnapshot, isAtomicVolume, isTmpfsVolume, loadSnapshot, saveSnapshot } from "./volumes";

export { MemoryFs, populate } from "./memory";
export { imageProfile } from "./skeletons";

export interface FsContext {
  sql: SqlStorage;
  view: NetworkView;
  pod: Pod;
  node: string;
  /** Cluster ms. */
  now: number;
}

export interface ContainerFsSpec {
  name: string;
  spec: ContainerT;
  kind: "init" | "app" | "ephemeral";
  /** The container's ID (containerd://…): its writable layer. */
  runId: string;
  imageName: string;
  image: ImageBehaviour | null;
  /** Its process (/proc/1/cmdline). */
  argv: string[];
  /** The processes of its PID namespace (/proc/<pid>); PID 1 running argv when not given. */
  processes?: ProcessInfo[];
  /** Its environment (/proc/1/environ, subPathExpr); computed when not given. */
  env?: Record<string, string>;
  /** Whether it has a terminal (/dev/pts/0, /dev/console). */
  tty?: boolean;
}

const GiB = 1024 ** 3;
/** The node's disk as df shows it (kind's nodes share the host's). */
const DISK: Pick<MountInfo, "sizeBytes" | "usedBytes"> = { sizeBytes: 100 * GiB, usedBytes: 38 * GiB };

function info(source: string, fstype: string, options: string, readOnly = false, size: Pick<MountInfo, "sizeBytes" | "usedBytes"> = DISK): MountInfo {
  return { target: "", source, fstype, options, readOnly, ...size };
}

/** Layer keys: a container's run, a pod's own trees, a node's files, a volume's. */
export const layerKey = {
  container: (runId: string) => `ctr/${runId}/`,
  pod: (uid: string, what: string) => `pod/${uid}/${what}`,
  node: (node: string, what = "root") => `node/${node}/${what}`,
  volume: (id: string) => `pv/${id}`,
};

function nodeCapacity(view: NetworkView, node: string): { cpus: number; memoryKb: number; bootTime: number } {
  const n = view.node(node);
  const cap = (n?.status?.capacity ?? {}) as Record<string, string>;
  const cpus = cap.cpu ? Math.max(1, Math.ceil(integerQuantity(cap.cpu))) : 8;
  const memoryKb = cap.memory ? Math.round(integerQuantity(cap.memory) / 1024) : 16 * 1024 * 1024;
  const created = n?.metadata.creationTimestamp ? Date.parse(n.metadata.creationTimestamp) : NaN;
  return { cpus, memoryKb, bootTime: Number.isFinite(created) ? created - 30_000 : view.now - 3_600_000 };
}

function nodeIP(view: NetworkView, node: string): string | undefined {
  return view.node(node)?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

// ---------------------------------------------------------------------------------------------
// The node (kindest/node): hostPath volumes and `kubectl debug node/x` (at /host)

const NODE_PROFILE = imageProfile("kindest/node:v1.32.2", null);

function nodeLower(): MemoryFs {
  return imageLowerWith("kindest/node", () => {
    const fs = new MemoryFs({ now: () => IMAGE_BUILD_TIME });
    // kind's node image is debian with the kubelet, containerd and their configuration.
    const base = imageLower({ ...NODE_PROFILE, family: "debian", key: "debian-base-for-node", extra: {} });
    copyTree(base, fs, "/");
    populate(fs, {
      "/usr/bin/kubelet": { data: "\x7fELF kubelet", mode: 0o755 },
      "/usr/bin/kubeadm": { data: "\x7fELF kubeadm", mode: 0o755 },
      "/usr/bin/kubectl": { data: "\x7fELF kubectl", mode: 0o755 },
      "/usr/local/bin/containerd": { data: "\x7fELF containerd", mode: 0o755 },
      "/usr/local/bin/ctr": { data: "\x7fELF ctr", mode: 0o755 },
      "/usr/local/bin/crictl": { data: "\x7fELF crictl", mode: 0o755 },
      "/usr/local/bin/runc": { data: "\x7fELF runc", mode: 0o755 },
      "/usr/sbin/iptables": { data: "\x7fELF iptables", mode: 0o755 },
      "/etc/containerd/config.toml": 'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n',
      "/etc/crictl.yaml": "runtime-endpoint: unix:///run/containerd/containerd.sock\n",
      "/etc/cni/net.d": { dir: true },
      "/etc/kubernetes/pki": { dir: true },
      "/var/lib/kubelet/config.yaml": "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\nclusterDNS:\n- 10.96.0.10\nclusterDomain: cluster.local\nstaticPodPath: /etc/kubernetes/manifests\nsyncFrequency: 1m0s\n",
      "/var/lib/kubelet/pods": { dir: true },
      "/var/log/pods": { dir: true },
      "/var/log/containers": { dir: true },
      "/var/local-path-provisioner": { dir: true },
      "/kind/version": "v1.32.2\n",
    });
    return fs;
  });
}

const extraLowers = new Map<string, MemoryFs>();
function imageLowerWith(key: string, build: () => MemoryFs): MemoryFs {
  let fs = extraLowers.get(key);
  if (!fs) extraLowers.set(key, (fs = build()));
  return fs;
}

function copyTree(from: FileSystem, to: MemoryFs, dir: string): void {
  for (const name of from.readdir(dir)) {
    const p = dir === "/" ? `/${name}` : `${dir}/${name}`;
    const st = from.lstat(p)!;
    if (st.type === "dir") {
      if (!to.lstat(p)) to.mkdir(p, { mode: st.mode });
      copyTree(from, to, p);
    } else if (st.type === "symlink") to.symlink(from.readlink(p), p);
    else if (st.type === "file") to.write(p, from.read(p), { mode: st.mode });
  }
}

/** The static pods' manifests kubeadm wrote on a control-plane node, from their mirror pods. */
function manifests(view: NetworkView, node: string): MemoryFs {
  const fs = new MemoryFs({ now: () => IMAGE_BUILD_TIME });
  for (const p of view.list<Pod>("pods", "kube-system")) {
    if (p.spec?.nodeName !== node || !p.metadata.annotations?.[MIRROR_ANNOTATION]) continue;
    const component = p.metadata.labels?.component ?? p.metadata.name!;
    const annotations = { ...p.metadata.annotations };
    for (const k of [MIRROR_ANNOTATION, CONFIG_HASH_ANNOTATION, CONFIG_SEEN_ANNOTATION, CONFIG_SOURCE_ANNOTATION]) delete annotations[k];
    const { nodeName: _n, ...spec } = p.spec;
    const doc = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { ...(Object.keys(annotations).length ? { annotations } : {}), creationTimestamp: null, labels: p.metadata.labels, name: component, namespace: "kube-system" },
      spec,
      status: {},
    };
    fs.write(`/${component}.yaml`, stringify(doc), { mode: 0o600 });
  }
  return fs;
}

/** The node's root file system (its own files persisted per node; /proc and /dev as the node's). */
export function nodeFs(ctx: Omit<FsContext, "pod">, node: string): FileSystem {
  const now = () => ctx.now;
  const cap = nodeCapacity(ctx.view, node);
  const mounts: Mount[] = [
    { target: "/", fs: new SqlLayerFs({ sql: ctx.sql, layer: layerKey.node(node), lower: nodeLower(), now, mount: info("overlay", "overlay", "rw,relatime"), dev: 0x20 }), info: info("overlay", "overlay", "rw,relatime") },
    {
      target: "/proc",
      fs: () => new ProcFs({ now: ctx.now, bootTime: cap.bootTime, hostname: node, cpus: cap.cpus, memoryKb: cap.memoryKb, processes: [{ pid: 1, ppid: 0, user: "root", argv: ["/sbin/init"], startedAt: cap.bootTime, state: "S", rssKb: 12000, vszKb: 22000, tty: null }], mounts: () => fsRef.mounts(), tty: false }),
      info: info("proc", "proc", "rw,nosuid,nodev,noexec,relatime"),
      deny: "EACCES",
    },
    { target: "/dev", fs: () => devTree(now, false), info: info("tmpfs", "tmpfs", "rw,nosuid,size=65536k,mode=755") },
    {
      target: "/etc/kubernetes/manifests",
      fs: () => new SqlLayerFs({ sql: ctx.sql, layer: layerKey.node(node, "manifests"), lower: manifests(ctx.view, node), now, mount: info("overlay", "overlay", "rw,relatime"), dev: 0x21 }),
      info: info("overlay", "overlay", "rw,relatime"),
    },
  ];
  const fsRef: MountedFs = new MountedFs(mounts);
  return fsRef;
}

// ---------------------------------------------------------------------------------------------
// Volumes

/** The kubelet's check of a hostPath's type before it mounts it; the message it reports, or null. */
export function hostPathCheck(ctx: Omit<FsContext, "pod">, node: string, v: VolumeT): string | null {
  const hp = v.hostPath;
  if (!hp) return null;
  const fs = nodeFs(ctx, node);
  const st = fs.stat(hp.path);
  switch (hp.type ?? "") {
    case "DirectoryOrCreate":
      if (!st) fs.mkdir(hp.path, { parents: true, mode: 0o755 });
      else if (st.type !== "dir") return `hostPath type check failed: ${hp.path} is not a directory`;
      return null;
    case "FileOrCreate":
      if (!st) {
        fs.mkdir(hp.path.replace(/\/[^/]*$/, "") || "/", { parents: true });
        fs.write(hp.path, "", { mode: 0o644 });
      } else if (st.type !== "file") return `hostPath type check failed: ${hp.path} is not a file`;
      return null;
    case "Directory":
      return st?.type === "dir" ? null : `hostPath type check failed: ${hp.path} is not a directory`;
    case "File":
      return st?.type === "file" ? null : `hostPath type check failed: ${hp.path} is not a file`;
    case "Socket":
      return st?.type === "socket" ? null : `hostPath type check failed: ${hp.path} is not a socket file`;
    case "CharDevice":
      return st?.type === "chardev" ? null : `hostPath type check failed: ${hp.path} is not a character device`;
    case "BlockDevice":
      return `hostPath type check failed: ${hp.path} is not a block device`;
  }
  return null;
}

/** The key its atomic-writer snapshot is kept under: a subPath mount's is its container run's and never refreshed (as in Kubernetes). */
export function snapshotKey(volume: string, runId?: string, subPath?: string): string {
  return runId ? `${volume}#${runId}#${subPath ?? ""}` : volume;
}

function volumeMount(ctx: FsContext, c: ContainerFsSpec, m: VolumeMountT, v: VolumeT, env: () => Record<string, string>, nodeRoot: () => FileSystem): Mount | null {
  const uid = ctx.pod.metadata.uid ?? "";
  const now = () => ctx.now;
  let subPath = m.subPath ?? "";
  if (m.subPathExpr) subPath = expand(m.subPathExpr, (k) => env()[k]);
  subPath = subPath.split("/").filter((p) => p && p !== ".").join("/");
  const ro = !!m.readOnly;
  let fs: FileSystem;
  let mi: MountInfo;
  let used: (() => number) | undefined;
  if (isAtomicVolume(v)) {
    const tmpfs = isTmpfsVolume(v);
    // A subPath is bound when the container starts: it keeps the files the volume had then,
    // and only a new run of the container sees newer ones.
    let snap = ensureSnapshot(ctx.sql, ctx.view, ctx.pod, v, snapshotKey(v.name), ctx.now);
    const key = subPath ? snapshotKey(v.name, c.runId, subPath) : snapshotKey(v.name);
    if (subPath) {
      const frozen = loadSnapshot(ctx.sql, uid, key);
      if (frozen) snap = frozen;
      else saveSnapshot(ctx.sql, uid, key, snap.writtenAt, snap.files);
    }
    const tree = atomicTree(ctx.sql, snap, `${uid}/${key}`, tmpfs);
    mi = tmpfs ? info("tmpfs", "tmpfs", "ro,relatime,size=" + 8 * 1024 * 1024 + "k", true, { sizeBytes: 8 * GiB, usedBytes: 12 * 1024 }) : info("/dev/sda1", "ext4", "ro,relatime", true);
    if (subPath) {
      let real: string;
      try {
        real = tree.realpath("/" + subPath);
      } catch {
        return null; // the kubelet would fail the mount: nothing to show
      }
      fs = new SubFs(tree, real);
    } else fs = tree;
    return { target: m.mountPath, fs, info: mi };
  }
  if (v.emptyDir) {
    const memory = v.emptyDir.medium === "Memory";
    const limit = v.emptyDir.sizeLimit ? integerQuantity(v.emptyDir.sizeLimit as string) : 0;
    const layer = new SqlLayerFs({ sql: ctx.sql, layer: layerKey.pod(uid, `vol/${v.name}`), now, mount: info("/dev/sda1", "ext4", "rw,relatime"), dev: 0, rootMode: 0o777, limitBytes: memory && limit ? limit : undefined });
    mi = memory ? info("tmpfs", "tmpfs", `rw,relatime${limit ? `,size=${Math.ceil(limit / 1024)}k` : ""}`, ro, { sizeBytes: limit || 8 * GiB, usedBytes: 0 }) : info("/dev/sda1", "ext4", ro ? "ro,relatime" : "rw,relatime", ro);
    if (memory) used = () => layer.usedBytes();
    fs = layer;
  } else if (v.hostPath) {
    const root = nodeRoot();
    let path = v.hostPath.path;
    // The kubelet makes the *OrCreate types; containerd makes any other missing source a directory.
    const type = v.hostPath.type ?? "";
    if (type === "" || type === "DirectoryOrCreate" || type === "FileOrCreate") {
      try {
        if (!root.stat(path)) {
          if (type === "FileOrCreate") {
            root.mkdir(path.replace(/\/[^/]*$/, "") || "/", { parents: true });
            root.write(path, "", { mode: 0o644 });
          } else root.mkdir(path, { parents: true, mode: 0o755 });
        }
      } catch {
        /* a path the node cannot hold (under /proc): left as it is */
      }
    }
    try {
      path = root.realpath(path);
    } catch {
      /* not there (yet): shown as an empty directory */
    }
    fs = new SubFs(root, path);
    mi = info("/dev/sda1", "ext4", ro ? "ro,relatime" : "rw,relatime", ro);
  } else if (v.persistentVolumeClaim || v.ephemeral) {
    const ns = ctx.pod.metadata.namespace ?? "default";
    const claimName = v.persistentVolumeClaim?.claimName ?? `${ctx.pod.metadata.name}-${v.name}`;
    const claim = ctx.view.get<KObject & { spec?: { volumeName?: string } }>("persistentvolumeclaims", ns, claimName);
    const id = claim?.spec?.volumeName ?? `claim/${claim?.metadata.uid ?? `${ns}/${claimName}`}`;
    const layer = new SqlLayerFs({ sql: ctx.sql, layer: layerKey.volume(id), now, mount: info("/dev/sda1", "ext4", "rw,relatime"), dev: 0, rootMode: 0o777 });
    const roClaim = ro || !!v.persistentVolumeClaim?.readOnly;
    mi = info("/dev/sda1", "ext4", roClaim ? "ro,relatime" : "rw,relatime", roClaim);
    fs = layer;
  } else {
    // Other sources (nfs, csi, image...): an empty tree of the pod's.
    fs = new SqlLayerFs({ sql: ctx.sql, layer: layerKey.pod(uid, `vol/${v.name}`), now, mount: info("/dev/sda1", "ext4", "rw,relatime"), dev: 0, rootMode: 0o755 });
    mi = info("/dev/sda1", "ext4", ro ? "ro,relatime" : "rw,relatime", ro);
  }
  if (subPath) {
    // The kubelet creates a missing subPath as a directory of the volume.
    if (!fs.lstat("/" + subPath) && !ro) {
      try {
        fs.mkdir("/" + subPath, { parents: true, mode: 0o755 });
      } catch {
        /* a read-only source: left missing */
      }
    }
    fs = new SubFs(fs, "/" + subPath);
  }
  return { target: m.mountPath, fs, info: mi, used };
}

// ---------------------------------------------------------------------------------------------
// The container

/** A container's file system, as its processes see it. */
export function containerFs(ctx: FsContext, c: ContainerFsSpec): FileSystem {
  const pod = ctx.pod;
  const uid = pod.metadata.uid ?? "";
  const now = () => ctx.now;
  const profile = imageProfile(c.imageName, c.image);
  const cap = nodeCapacity(ctx.view, ctx.node);
  const hostname = podHostname(pod);
  let envCache: Record<string, string> | undefined = c.env;
  const env = () => {
    if (!envCache) {
      const r = containerEnv({ view: ctx.view, pod, spec: c.spec, imageName: c.imageName, image: c.image });
      envCache = "env" in r ? r.env : {};
    }
    return envCache;
  };
  let nodeRoot: FileSystem | undefined;
  const nodeRootOf = () => (nodeRoot ??= nodeFs(ctx, ctx.node));
  const processes = c.processes ?? [{ pid: 1, ppid: 0, user: "root", argv: c.argv, startedAt: ctx.now, state: "S" as const, rssKb: Math.max(1, (c.image?.memoryMi ?? 1) * 1024), vszKb: Math.max(1, (c.image?.memoryMi ?? 1) * 1024 * 2), tty: c.tty ? "pts/0" : null }];

  const root = new SqlLayerFs({ sql: ctx.sql, layer: layerKey.container(c.runId) + "root", lower: imageLower(profile), now, mount: info("overlay", "overlay", "rw,relatime"), dev: 0 });
  const rootOptions = `rw,relatime,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/${(shortHash(profile.key) % 900) + 10}/fs,upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/${(shortHash(c.runId) % 900) + 1000}/fs,workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/${(shortHash(c.runId) % 900) + 1000}/work`;

  // The kubelet's files for the pod: generated, then kept (with any change made to them) in the pod's tree.
  const etcLower = new MemoryFs({ now });
  populate(etcLower, {
    "/etc-hosts": hostsFile(pod, nodeIP(ctx.view, ctx.node)),
    "/hostname": `${hostname}\n`,
    "/resolv.conf": resolvConf(ctx.view, pod),
  });
  const etc = new SqlLayerFs({ sql: ctx.sql, layer: layerKey.pod(uid, "etc"), lower: etcLower, now, mount: info("/dev/sda1", "ext4", "rw,relatime"), dev: 0 });
  const termLower = new MemoryFs({ now });
  termLower.write("/termination-log", "", { mode: 0o666 });
  const term = new SqlLayerFs({ sql: ctx.sql, layer: layerKey.container(c.runId) + "term", lower: termLower, now, mount: info("/dev/sda1", "ext4", "rw,relatime"), dev: 0 });
  const shm = new SqlLayerFs({ sql: ctx.sql, layer: layerKey.pod(uid, "shm"), now, mount: info("shm", "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=65536k"), dev: 0, rootMode: 0o1777 });

  const base: Mount[] = [
    { target: "/", fs: root, info: info("overlay", "overlay", rootOptions), used: () => DISK.usedBytes + root.usedBytes() },
    {
      target: "/proc",
      fs: () => new ProcFs({ now: ctx.now, bootTime: cap.bootTime, hostname, cpus: cap.cpus, memoryKb: cap.memoryKb, processes, env: envCache ?? env(), mounts: () => fsRef.mounts(), tty: !!c.tty }),
      info: info("proc", "proc", "rw,nosuid,nodev,noexec,relatime", false, { sizeBytes: 0, usedBytes: 0 }),
      deny: "EACCES",
    },
    { target: "/dev", fs: () => devTree(now, !!c.tty), info: info("tmpfs", "tmpfs", "rw,nosuid,size=65536k,mode=755", false, { sizeBytes: 64 * 1024 * 1024, usedBytes: 0 }) },
    { target: "/dev/pts", fs: () => new MemoryFs({ now }), info: info("devpts", "devpts", "rw,nosuid,noexec,relatime,gid=5,mode=620,ptmxmode=666", false, { sizeBytes: 0, usedBytes: 0 }) },
    { target: "/dev/mqueue", fs: () => new MemoryFs({ now }), info: info("mqueue", "mqueue", "rw,nosuid,nodev,noexec,relatime", false, { sizeBytes: 0, usedBytes: 0 }) },
    { target: "/sys", fs: () => sysTree(now, c.spec, (c.image?.memoryMi ?? 1) * 1024 * 1024), info: info("sysfs", "sysfs", "ro,nosuid,nodev,noexec,relatime", true, { sizeBytes: 0, usedBytes: 0 }) },
    { target: "/sys/fs/cgroup", fs: () => new SubFs(sysTree(now, c.spec, (c.image?.memoryMi ?? 1) * 1024 * 1024), "/fs/cgroup"), info: info("cgroup", "cgroup2", "ro,nosuid,nodev,noexec,relatime", true, { sizeBytes: 0, usedBytes: 0 }) },
  ];
  // containerd mounts the rest shallowest first (sortMounts), in the kubelet's order within a depth.
  const rest: Mount[] = [
    { target: "/etc/hosts", fs: new SubFs(etc, "/etc-hosts"), info: info("/dev/sda1", "ext4", "rw,relatime") },
    { target: c.spec.terminationMessagePath ?? "/dev/termination-log", fs: new SubFs(term, "/termination-log"), info: info("/dev/sda1", "ext4", "rw,relatime") },
    { target: "/etc/hostname", fs: new SubFs(etc, "/hostname"), info: info("/dev/sda1", "ext4", "rw,relatime") },
    { target: "/etc/resolv.conf", fs: new SubFs(etc, "/resolv.conf"), info: info("/dev/sda1", "ext4", "rw,relatime") },
    { target: "/dev/shm", fs: shm, info: info("shm", "tmpfs", "rw,nosuid,nodev,noexec,relatime,size=65536k", false, { sizeBytes: 64 * 1024 * 1024, usedBytes: 0 }), used: () => shm.usedBytes() },
  ];
  const volumes = new Map((pod.spec?.volumes ?? []).map((v) => [v.name, v]));
  for (const m of c.spec.volumeMounts ?? []) {
    const v = volumes.get(m.name);
    if (!v) continue;
    const mount = volumeMount(ctx, c, m, v, env, nodeRootOf);
    if (mount) rest.push(mount);
  }
  const depth = (p: string) => p.split("/").filter(Boolean).length;
  rest.sort((a, b) => depth(a.target) - depth(b.target));
  const fsRef = new MountedFs([...base, ...rest]);
  return fsRef;
}

function shortHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * Drops a container's writable layer (and its termination log) and its subPath snapshots: the
 * integrator calls this when the container restarts. The snapshots are found through their pod's
 * uid, the key's first column (a pass over every pod's snapshots made a rollout quadratic).
 */
export function dropContainerLayer(sql: SqlStorage, podUid: string, runId: string, volumeFiles = true): void {
  dropLayers(sql, layerKey.container(runId));
  if (volumeFiles) sql.exec("DELETE FROM pod_volume_files WHERE pod_uid = ? AND instr(volume, ?) > 0", podUid, `#${runId}#`);
}

/** Drops a pod's trees (emptyDirs, /dev/shm, its /etc files) and its volume snapshots: when the pod is removed. */
export function dropPodVolumes(sql: SqlStorage, podUid: string): void {
  dropLayers(sql, layerKey.pod(podUid, ""));
  sql.exec("DELETE FROM pod_volume_files WHERE pod_uid = ?", podUid);
}

export { FsError };
