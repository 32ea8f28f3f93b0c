// A container's files: MemoryFs's Linux semantics, and containerFs over a real cluster (image
// skeletons, the kubelet's files, volumes, the writable layer, the configMap refresh) plus the
// container environment the kubelet makes.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Store } from "../../worker/cluster/store/store";
import type { ClusterNetwork } from "../../worker/cluster/network/dial";
import type { ApiServer } from "../../worker/cluster/api/apiserver";
import type { Pod } from "../../worker/cluster/resources/pod";
import { containerFs, dropContainerLayer, dropPodVolumes, nodeFs, type ContainerFsSpec } from "../../worker/cluster/container/fs";
import { MemoryFs, populate } from "../../worker/cluster/container/fs/memory";
import { containerEnv, expand } from "../../worker/cluster/container/env";
import { FsError, text, type FileSystem } from "../../worker/cluster/container/types";
import { catalogImage } from "../../worker/cluster/node/images";
import { volumeSyncController } from "../../worker/cluster/container/fs/volumeSync";
import { kube, newSettledCluster, settle } from "./helpers";

function code(f: () => unknown): string {
  try {
    f();
    return "ok";
  } catch (e) {
    if (e instanceof FsError) return e.code;
    throw e;
  }
}

describe("MemoryFs", () => {
  const make = () => {
    let t = 1000;
    const fs = new MemoryFs({ now: () => t++ });
    populate(fs, {
      "/bin/busybox": { data: "\x7fELF", mode: 0o755 },
      "/bin/sh": { symlink: "busybox" },
      "/tmp": { dir: true, mode: 0o1777 },
      "/etc/hostname": "web\n",
      "/loop": { symlink: "/loop" },
      "/a/b/c": "x",
    });
    return fs;
  };

  it("follows symlinks, except lstat/readlink, and gives up after 40 with ELOOP", () => {
    const fs = make();
    expect(fs.stat("/bin/sh")?.type).toBe("file");
    expect(fs.lstat("/bin/sh")?.type).toBe("symlink");
    expect(fs.readlink("/bin/sh")).toBe("busybox");
    expect(fs.realpath("/bin/sh")).toBe("/bin/busybox");
    expect(fs.realpath("/a/b/../b/./c")).toBe("/a/b/c");
    expect(code(() => fs.read("/loop"))).toBe("ELOOP");
    expect(code(() => fs.readlink("/etc/hostname"))).toBe("EINVAL");
    fs.symlink("/tmp/new", "/dangling");
    fs.write("/dangling", "made through the link");
    expect(text(fs.read("/tmp/new"))).toBe("made through the link");
  });

  it("fails where Linux fails, with Linux's errno", () => {
    const fs = make();
    expect(code(() => fs.read("/a"))).toBe("EISDIR");
    expect(code(() => fs.write("/a", "x"))).toBe("EISDIR");
    expect(code(() => fs.read("/etc/hostname/x"))).toBe("ENOTDIR");
    expect(code(() => fs.read("/nope"))).toBe("ENOENT");
    expect(code(() => fs.write("/nope/x", "x"))).toBe("ENOENT");
    expect(code(() => fs.mkdir("/a"))).toBe("EEXIST");
    expect(code(() => fs.mkdir("/etc/hostname/x", { parents: true }))).toBe("ENOTDIR");
    expect(code(() => fs.remove("/a"))).toBe("ENOTEMPTY");
    expect(code(() => fs.rename("/a", "/a/b/z"))).toBe("EINVAL");
    expect(code(() => fs.rename("/etc/hostname", "/a"))).toBe("EISDIR");
    expect(code(() => fs.rename("/a", "/etc/hostname"))).toBe("ENOTDIR");
    expect(code(() => fs.symlink("x", "/bin/sh"))).toBe("EEXIST");
    expect(code(() => fs.write("/etc/hostname", "y", { exclusive: true }))).toBe("EEXIST");
    expect(fs.stat("/etc/hostname/x")).toBeNull();
  });

  it("keeps modes, owners, inodes, link counts and times", () => {
    const fs = make();
    const before = fs.stat("/etc/hostname")!;
    fs.write("/etc/hostname", "db\n", { append: true });
    expect(text(fs.read("/etc/hostname"))).toBe("web\ndb\n");
    const after = fs.stat("/etc/hostname")!;
    expect(after.ino).toBe(before.ino);
    expect(after.mtime).toBeGreaterThan(before.mtime);
    expect(fs.stat("/tmp")!.mode).toBe(0o1777);
    expect(fs.stat("/")!.nlink).toBe(2 + 4); // a, bin, etc, tmp
    fs.chown("/etc/hostname", 101, 102);
    fs.chmod("/etc/hostname", 0o600);
    expect(fs.stat("/etc/hostname")).toMatchObject({ uid: 101, gid: 102, mode: 0o600 });
    fs.hardlink("/bin/busybox", "/bin/ls");
    expect(fs.stat("/bin/ls")!.nlink).toBe(2);
    expect(fs.stat("/bin/ls")!.ino).toBe(fs.stat("/bin/busybox")!.ino);
    fs.rename("/a/b", "/b2");
    expect(fs.readdir("/")).toEqual(["a", "b2", "bin", "dangling", "etc", "loop", "tmp"].filter((n) => n !== "dangling"));
    fs.remove("/a", { recursive: true });
    expect(fs.stat("/a")).toBeNull();
    expect(fs.mounts()).toHaveLength(1);
    expect(fs.mounts()[0].target).toBe("/");
  });
});

describe("container environment expansion", () => {
  it("expands $(VAR), keeps unknown references and $$ as $", () => {
    const vars: Record<string, string> = { A: "1", B: "two" };
    expect(expand("$(A)-$(B)-$(C)-$$(A)-$$-$x-$(", (k) => vars[k])).toBe("1-two-$(C)-$(A)-$-$x-$(");
  });
});

// ---------------------------------------------------------------------------------------------
// On a cluster

type Inside = { store: Store; network: ClusterNetwork; api: ApiServer; clock: { now(): number } };

const POD = {
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name: "web", labels: { app: "web" } },
  spec: {
    hostAliases: [{ ip: "10.1.2.3", hostnames: ["foo.local", "bar.local"] }],
    volumes: [
      { name: "config", configMap: { name: "web-config" } },
      { name: "secret", secret: { secretName: "web-secret", defaultMode: 0o400 } },
      { name: "shared", emptyDir: {} },
      { name: "info", downwardAPI: { items: [{ path: "labels", fieldRef: { fieldPath: "metadata.labels" } }] } },
      { name: "mem", emptyDir: { medium: "Memory", sizeLimit: "1Ki" } },
      { name: "logs", hostPath: { path: "/var/log/app", type: "DirectoryOrCreate" } },
    ],
    containers: [
      {
        name: "nginx",
        image: "nginx:1.27",
        volumeMounts: [
          { name: "config", mountPath: "/etc/config" },
          { name: "config", mountPath: "/etc/app.conf", subPath: "app.conf" },
          { name: "shared", mountPath: "/usr/share/nginx/html/shared" },
        ],
        env: [
          { name: "GREETING", valueFrom: { configMapKeyRef: { name: "web-config", key: "greeting" } } },
          { name: "MESSAGE", value: "$(GREETING) from $(POD_NAME) $$(POD_NAME)" },
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "MEM", valueFrom: { resourceFieldRef: { resource: "limits.memory", divisor: "1Mi" } } },
          { name: "CPU", valueFrom: { resourceFieldRef: { resource: "requests.cpu", divisor: "1m" } } },
        ],
        envFrom: [{ configMapRef: { name: "web-config" } }, { prefix: "CFG_", configMapRef: { name: "web-config" } }],
        resources: { limits: { memory: "100Mi" }, requests: { cpu: "250m" } },
      },
      {
        name: "side",
        image: "busybox:1.36",
        command: ["sleep", "3600"],
        volumeMounts: [
          { name: "shared", mountPath: "/data" },
          { name: "shared", mountPath: "/ro", readOnly: true },
          { name: "secret", mountPath: "/etc/secret" },
          { name: "info", mountPath: "/etc/podinfo" },
          { name: "mem", mountPath: "/mem" },
          { name: "logs", mountPath: "/logs" },
        ],
      },
    ],
  },
};

async function clusterWithPod() {
  const { stub } = await newSettledCluster();
  expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "web-config" }, data: { greeting: "hello", "app.conf": "port=80\n", "1st-key": "x" } })).status).toBe(201);
  expect((await kube(stub, "POST", "/api/v1/namespaces/default/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "web-secret" }, stringData: { password: "s3cret" } })).status).toBe(201);
  expect((await kube(stub, "POST", "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "my-web" }, spec: { selector: { app: "web" }, ports: [{ name: "http", port: 80, targetPort: 80 }, { name: "metrics", port: 9090, protocol: "UDP" }] } })).status).toBe(201);
  expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", POD)).status).toBe(201);
  await settle(stub);
  await stub.moveClock({ advanceSeconds: 20 });
  await settle(stub);
  return stub;
}

function inside(o: ClusterObject): Inside {
  return o as unknown as Inside;
}

function fsOf(o: ClusterObject, pod: Pod, container: string, runId: string): FileSystem {
  const x = inside(o);
  const spec = pod.spec!.containers.find((c) => c.name === container)!;
  const c: ContainerFsSpec = { name: container, spec, kind: "app", runId, imageName: spec.image!, image: catalogImage(spec.image!.split(":")[0]) ?? null, argv: spec.command ?? ["nginx", "-g", "daemon off;"] };
  return containerFs({ sql: x.store.sqlStorage, view: x.network.view(), pod, node: pod.spec!.nodeName!, now: x.clock.now() }, c);
}

function podOf(o: ClusterObject): Pod {
  return inside(o).api.peek<Pod>("pods", "default", "web")!;
}

describe("containerFs", () => {
  it("shows the image's files, the kubelet's files, /proc and the volumes", async () => {
    const stub = await clusterWithPod();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const pod = podOf(o);
      expect(pod.status?.podIP).toBeTruthy();
      const nginx = fsOf(o, pod, "nginx", "run-nginx-1");
      const side = fsOf(o, pod, "side", "run-side-1");

      // debian under nginx: merged /usr, dash as sh, the official config and pages
      expect(nginx.readlink("/bin")).toBe("usr/bin");
      expect(nginx.realpath("/bin/sh")).toBe("/usr/bin/dash");
      expect(text(nginx.read("/etc/debian_version"))).toMatch(/^12\./);
      expect(text(nginx.read("/usr/share/nginx/html/index.html"))).toContain("<title>Welcome to nginx!</title>");
      expect(text(nginx.read("/etc/nginx/conf.d/default.conf"))).toContain("root   /usr/share/nginx/html;");
      expect(nginx.readlink("/var/log/nginx/access.log")).toBe("/dev/stdout");
      expect(nginx.realpath("/var/log/nginx/access.log")).toBe("/proc/1/fd/1");
      expect(text(nginx.read("/etc/passwd"))).toContain("nginx:x:101:101:nginx user:/nonexistent:/bin/false");

      // busybox: applets are hard links of /bin/busybox
      expect(side.lstat("/bin/ls")).toMatchObject({ type: "file", ino: side.lstat("/bin/busybox")!.ino });
      expect(side.stat("/bin/busybox")!.nlink).toBeGreaterThan(300);
      expect(side.stat("/tmp")!.mode).toBe(0o1777);
      expect(side.lstat("/bin/bash")).toBeNull();

      // the kubelet's /etc/hosts, hostname and resolv.conf
      const hosts = text(side.read("/etc/hosts"));
      expect(hosts.startsWith("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n")).toBe(true);
      expect(hosts).toContain(`${pod.status!.podIP}\tweb\n`);
      expect(hosts.endsWith("\n# Entries added by HostAliases.\n10.1.2.3\tfoo.local\tbar.local\n")).toBe(true);
      expect(text(side.read("/etc/hostname"))).toBe("web\n");
      expect(text(side.read("/etc/resolv.conf"))).toContain("search default.svc.cluster.local svc.cluster.local cluster.local");
      expect(side.stat("/dev/termination-log")).toMatchObject({ type: "file", size: 0 });
      expect(side.stat("/dev/null")?.type).toBe("chardev");

      // /proc
      expect(text(side.read("/proc/1/cmdline"))).toBe("sleep\x003600\x00");
      expect(side.readlink("/proc/self")).toBe("1");
      const mounts = text(side.read("/proc/mounts"));
      expect(mounts.split("\n")[0]).toMatch(/^overlay \/ overlay rw,relatime,lowerdir=/);
      expect(mounts).toContain("proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n");
      expect(mounts).toContain("/dev/sda1 /etc/hosts ext4 rw,relatime 0 0\n");
      expect(mounts).toContain("/dev/sda1 /ro ext4 ro,relatime 0 0\n");
      expect(mounts).toMatch(/tmpfs \/var\/run\/secrets\/kubernetes.io\/serviceaccount tmpfs ro,/);
      expect(text(side.read("/proc/meminfo"))).toMatch(/^MemTotal: +\d+ kB\n/);
      expect(code(() => side.write("/proc/uptime", "1"))).toBe("EACCES");
      expect(text(side.read("/sys/fs/cgroup/memory.max"))).toBe("max\n");
      expect(text(nginx.read("/sys/fs/cgroup/memory.max"))).toBe(`${100 * 1024 * 1024}\n`);
      expect(code(() => side.write("/sys/fs/cgroup/memory.max", "1"))).toBe("EROFS");

      // the service account token, ca.crt and namespace
      const sa = "/var/run/secrets/kubernetes.io/serviceaccount";
      expect(side.readdir(sa).filter((n) => !n.startsWith(".."))).toEqual(["ca.crt", "namespace", "token"]);
      expect(text(side.read(`${sa}/namespace`))).toBe("default");
      const token = text(side.read(`${sa}/token`));
      expect(token.split(".")).toHaveLength(3);
      const claims = JSON.parse(atob(token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/")));
      expect(claims.sub).toBe("system:serviceaccount:default:default");
      expect(claims["kubernetes.io"].pod.name).toBe("web");
      expect(side.realpath("/var/run")).toBe("/var/run"); // busybox has no /run symlink

      // a configMap volume as the atomic writer lays it out
      const names = nginx.readdir("/etc/config");
      expect(names).toContain("..data");
      expect(names.filter((n) => !n.startsWith(".."))).toEqual(["1st-key", "app.conf", "greeting"]);
      const ts = names.find((n) => /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\.\d+$/.test(n));
      expect(ts).toBeTruthy();
      expect(nginx.readlink("/etc/config/..data")).toBe(ts);
      expect(nginx.readlink("/etc/config/greeting")).toBe("..data/greeting");
      expect(text(nginx.read("/etc/config/greeting"))).toBe("hello");
      expect(nginx.stat("/etc/config/greeting")!.mode).toBe(0o644);
      expect(text(nginx.read("/etc/app.conf"))).toBe("port=80\n");
      expect(text(side.read("/etc/secret/password"))).toBe("s3cret");
      expect(side.stat("/etc/secret/password")!.mode).toBe(0o400);
      expect(text(side.read("/etc/podinfo/labels"))).toBe('app="web"');
      expect(code(() => nginx.write("/etc/config/greeting", "x"))).toBe("EROFS");
      expect(code(() => nginx.remove("/etc/config"))).toBe("EBUSY");

      // an emptyDir shared by both containers; a read-only mount of it refuses writes
      side.write("/data/note.txt", "from side\n");
      expect(text(nginx.read("/usr/share/nginx/html/shared/note.txt"))).toBe("from side\n");
      expect(text(side.read("/ro/note.txt"))).toBe("from side\n");
      expect(code(() => side.write("/ro/other", "x"))).toBe("EROFS");
      expect(code(() => side.mkdir("/ro/dir"))).toBe("EROFS");
      expect(code(() => side.rename("/data/note.txt", "/tmp/note.txt"))).toBe("EXDEV");
      expect(side.readdir("/")).toEqual(expect.arrayContaining(["data", "ro", "etc", "proc", "dev", "sys", "tmp"]));
      expect(side.mounts().find((m) => m.target === "/data")).toMatchObject({ fstype: "ext4", readOnly: false });

      // a memory-backed emptyDir is a tmpfs of its size limit
      expect(side.mounts().find((m) => m.target === "/mem")).toMatchObject({ source: "tmpfs", fstype: "tmpfs", sizeBytes: 1024 });
      side.write("/mem/small", "x".repeat(600));
      expect(code(() => side.write("/mem/big", "x".repeat(600)))).toBe("ENOSPC");

      // a hostPath volume is the node's directory (made by DirectoryOrCreate)
      side.write("/logs/app.log", "line\n");
      const x = inside(o);
      const node = nodeFs({ sql: x.store.sqlStorage, view: x.network.view(), node: pod.spec!.nodeName!, now: x.clock.now() }, pod.spec!.nodeName!);
      expect(node.stat("/var/log/app")?.type).toBe("dir");
      expect(text(node.read("/var/log/app/app.log"))).toBe("line\n");
    });
  });

  it("keeps a container's writes in its own layer until it restarts, with whiteouts over the image", async () => {
    const stub = await clusterWithPod();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const pod = podOf(o);
      const sql = inside(o).store.sqlStorage;
      const a = fsOf(o, pod, "side", "run-a");
      a.write("/tmp/state", "1");
      a.mkdir("/root/work");
      a.write("/root/work/f", "x");
      a.remove("/etc/group");
      a.chmod("/etc/passwd", 0o600);
      a.write("/etc/hosts", "# changed\n");
      // a new file system over the same run sees the same files
      const again = fsOf(o, pod, "side", "run-a");
      expect(text(again.read("/tmp/state"))).toBe("1");
      expect(again.readdir("/root")).toEqual(["work"]);
      expect(again.lstat("/etc/group")).toBeNull();
      expect(again.readdir("/etc")).not.toContain("group");
      expect(again.stat("/etc/passwd")!.mode).toBe(0o600);
      expect(text(again.read("/etc/passwd"))).toContain("root:x:0:0:root:/root:/bin/sh");
      // directories of the image are not renamed by overlayfs (mv copies them); new ones are
      expect(code(() => again.rename("/etc", "/etc2"))).toBe("EXDEV");
      again.rename("/root/work", "/root/moved");
      expect(text(again.read("/root/moved/f"))).toBe("x");
      again.remove("/root/moved", { recursive: true });
      expect(again.readdir("/root")).toEqual([]);
      // a restarted container (new run) starts from the image again; /etc/hosts is the pod's
      const b = fsOf(o, pod, "side", "run-b");
      expect(b.lstat("/tmp/state")).toBeNull();
      expect(b.stat("/etc/group")?.type).toBe("file");
      expect(text(b.read("/etc/hosts"))).toBe("# changed\n");
      dropContainerLayer(sql, pod.metadata.uid!, "run-a");
      expect(fsOf(o, pod, "side", "run-a").lstat("/tmp/state")).toBeNull();
      // the emptyDir goes with the pod
      b.write("/data/keep", "1");
      expect(fsOf(o, pod, "nginx", "run-n").stat("/usr/share/nginx/html/shared/keep")).not.toBeNull();
      dropPodVolumes(sql, pod.metadata.uid!);
      expect(fsOf(o, pod, "nginx", "run-n").stat("/usr/share/nginx/html/shared/keep")).toBeNull();
      expect(text(fsOf(o, pod, "side", "run-b").read("/etc/hosts"))).toContain("# Kubernetes-managed hosts file.");
    });
  });

  it("drops every volume snapshot and layer of a pod removed from its node, its runs' subPath snapshots too", async () => {
    const stub = await clusterWithPod();
    const uid = await runInDurableObject(stub, (o: ClusterObject) => podOf(o).metadata.uid!);
    let runIds: string[] = [];
    const rows = () =>
      runInDurableObject(stub, (o: ClusterObject) => {
        const sql = inside(o).store.sqlStorage;
        const layers = ["pod/" + uid + "/", ...runIds.map((id) => `ctr/${id}/`)];
        return {
          snapshots: sql.exec<{ volume: string }>("SELECT volume FROM pod_volume_files WHERE pod_uid = ?", uid).toArray().map((r) => r.volume),
          layers: layers.reduce((n, l) => n + sql.exec<{ n: number }>("SELECT count(*) AS n FROM container_files WHERE layer >= ? AND layer < ?", l, l + "\uffff").one().n, 0),
        };
      });
    // The kubelet's own runs bind the subPath mount: a snapshot of their own.
    runIds = await runInDurableObject(stub, (o: ClusterObject) => {
      const state = inside(o).store.sqlStorage.exec<{ state: string }>("SELECT state FROM pod_runtime WHERE name = 'web'").one().state;
      const ids = (JSON.parse(state) as { containers: { name: string; run?: { id: string } }[] }).containers.filter((c) => c.run).map((c) => ({ name: c.name, id: c.run!.id }));
      // Each writes to its own layer.
      for (const c of ids) fsOf(o, podOf(o), c.name, c.id).write("/tmp/note", `from ${c.name}`);
      text(fsOf(o, podOf(o), "nginx", ids.find((c) => c.name === "nginx")!.id).read("/etc/app.conf"));
      return ids.map((c) => c.id);
    });
    const before = await rows();
    expect(before.snapshots.some((v) => runIds.some((id) => v.includes(`#${id}#`)))).toBe(true);
    expect(before.snapshots.length).toBeGreaterThan(3);
    expect(before.layers).toBeGreaterThan(0);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/web", { gracePeriodSeconds: 0 })).status).toBe(200);
    await settle(stub);
    await stub.moveClock({ advanceSeconds: 5 });
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods/web")).status).toBe(404);
    const after = await rows();
    expect(after.snapshots).toEqual([]);
    expect(after.layers).toBe(0);
  });

  it("keeps the volume snapshots a pod has when its kubelet starts it again", async () => {
    const stub = await clusterWithPod();
    const dataDir = () => runInDurableObject(stub, (o: ClusterObject) => fsOf(o, podOf(o), "nginx", "run-1").readlink("/etc/config/..data"));
    const runtimes = () => runInDurableObject(stub, (o: ClusterObject) => inside(o).store.sqlStorage.exec<{ n: number }>("SELECT count(*) AS n FROM pod_runtime WHERE name = 'web'").one().n);
    const first = await dataDir();
    await stub.moveClock({ advanceSeconds: 5 });
    await settle(stub);
    // The node's runtime forgets the pod (as a node whose container runtime lost its state): the
    // kubelet's next sync starts it as new, while its volume snapshots are still there.
    await runInDurableObject(stub, (o: ClusterObject) => void inside(o).store.sqlStorage.exec("DELETE FROM pod_runtime WHERE name = 'web'"));
    expect(await runtimes()).toBe(0);
    expect((await kube(stub, "PATCH", "/api/v1/namespaces/default/pods/web", { metadata: { annotations: { poke: "1" } } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    await settle(stub);
    expect(await runtimes()).toBe(1);
    // The files are those it had (written 5 s earlier), not a snapshot written again now.
    expect(await dataDir()).toBe(first);
    expect(await runInDurableObject(stub, (o: ClusterObject) => text(fsOf(o, podOf(o), "nginx", "run-1").read("/etc/config/greeting")))).toBe("hello");
  });

  it("rewrites a configMap volume 60 s after the ConfigMap changes; a subPath mount keeps its first files", async () => {
    const stub = await clusterWithPod();
    const read = (path: string) => runInDurableObject(stub, (o: ClusterObject) => text(fsOf(o, podOf(o), "nginx", "run-1").read(path)));
    expect(await read("/etc/config/greeting")).toBe("hello");
    expect(await read("/etc/app.conf")).toBe("port=80\n");
    const firstData = await runInDurableObject(stub, (o: ClusterObject) => fsOf(o, podOf(o), "nginx", "run-1").readlink("/etc/config/..data"));
    const patched = await kube(stub, "PATCH", "/api/v1/namespaces/default/configmaps/web-config", { data: { greeting: "bonjour", "app.conf": "port=8080\n" } }, { contentType: "application/merge-patch+json" });
    expect(patched.status).toBe(200);
    await settle(stub);
    await stub.moveClock({ advanceSeconds: 30 });
    await settle(stub);
    expect(await read("/etc/config/greeting")).toBe("hello");
    await stub.moveClock({ advanceSeconds: 31 });
    await settle(stub);
    expect(await read("/etc/config/greeting")).toBe("bonjour");
    expect(await read("/etc/config/app.conf")).toBe("port=8080\n");
    expect(await read("/etc/app.conf")).toBe("port=80\n");
    // a new run of the container binds the subPath again, from the refreshed volume
    expect(await runInDurableObject(stub, (o: ClusterObject) => text(fsOf(o, podOf(o), "nginx", "run-1b").read("/etc/app.conf")))).toBe("port=8080\n");
    // a run's layer dropped takes its subPath snapshot along: the same run binds the volume anew
    await runInDurableObject(stub, (o: ClusterObject) => dropContainerLayer(inside(o).store.sqlStorage, podOf(o).metadata.uid!, "run-1"));
    expect(await read("/etc/app.conf")).toBe("port=8080\n");
    const secondData = await runInDurableObject(stub, (o: ClusterObject) => fsOf(o, podOf(o), "nginx", "run-1").readlink("/etc/config/..data"));
    expect(secondData).not.toBe(firstData);
    // the pod's labels reach its downwardAPI volume the same way
    await kube(stub, "PATCH", "/api/v1/namespaces/default/pods/web", { metadata: { labels: { tier: "front" } } }, { contentType: "application/merge-patch+json" });
    await settle(stub);
    const labels = () => runInDurableObject(stub, (o: ClusterObject) => text(fsOf(o, podOf(o), "side", "run-2").read("/etc/podinfo/labels")));
    expect(await labels()).toBe('app="web"');
    await stub.moveClock({ advanceSeconds: 61 });
    await settle(stub);
    expect(await labels()).toBe('app="web"\ntier="front"');
  });

  it("has the pod's volume snapshots written when the kubelet starts it, and follows only the pod writes that can change them", async () => {
    const stub = await clusterWithPod();
    const snapshots = await runInDurableObject(stub, (o: ClusterObject) =>
      inside(o).store.sqlStorage
        .exec<{ volume: string }>("SELECT volume FROM pod_volume_files WHERE pod_uid = ? ORDER BY volume", podOf(o).metadata.uid!)
        .toArray()
        .map((r) => r.volume),
    );
    expect(snapshots).toEqual(expect.arrayContaining(["config", "info", "secret"]));
    expect(snapshots.some((v) => v.startsWith("kube-api-access-"))).toBe(true);
    const change = (body: unknown) => ({ rv: 1, type: "MODIFIED" as const, resource: "pods", namespace: "default", name: "web", body: JSON.stringify(body), prev: null });
    const stored = await runInDurableObject(stub, (o: ClusterObject) => podOf(o));
    // Its downwardAPI volume reads its labels: a write of the pod may change that file.
    expect(volumeSyncController.keysFor(change(stored), {} as never)).toEqual(["pod:default/web"]);
    // A pod whose only downwardAPI item is its namespace (the service account's volume) has nothing to follow.
    const spec = stored.spec!;
    const plain = { ...stored, spec: { ...spec, containers: spec.containers.map(({ env: _env, ...c }) => c), volumes: spec.volumes!.filter((v) => v.name.startsWith("kube-api-access-")) } };
    expect(JSON.stringify(plain)).toContain('"downwardAPI"');
    expect(volumeSyncController.keysFor(change(plain), {} as never)).toEqual([]);
    // A ConfigMap's write is followed where pods are, and not looked for in a namespace without any.
    const keys = await runInDurableObject(stub, (o: ClusterObject) => {
      const ctx = { store: inside(o).store } as never;
      const cm = (namespace: string) => ({ rv: 1, type: "MODIFIED" as const, resource: "configmaps", namespace, name: "app-config", body: "{}", prev: null });
      return [volumeSyncController.keysFor(cm("default"), ctx), volumeSyncController.keysFor(cm("no-pods-here"), ctx)];
    });
    expect(keys).toEqual([["configmaps:default/app-config"], []]);
  });

  it("gives the node's files to hostPath volumes and to nodeFs", async () => {
    const { stub } = await newSettledCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const x = inside(o);
      const ctx = { sql: x.store.sqlStorage, view: x.network.view(), node: "test-control-plane", now: x.clock.now() };
      const node = nodeFs(ctx, "test-control-plane");
      expect(node.readdir("/etc/kubernetes/manifests")).toEqual(["etcd.yaml", "kube-apiserver.yaml", "kube-controller-manager.yaml", "kube-scheduler.yaml"]);
      expect(text(node.read("/etc/kubernetes/manifests/etcd.yaml"))).toContain("name: etcd\n");
      node.write("/tmp/on-node", "hi");
      expect(text(nodeFs(ctx, "test-control-plane").read("/tmp/on-node"))).toBe("hi");
      expect(nodeFs(ctx, "test-worker").lstat("/tmp/on-node")).toBeNull();
    });
  });
});

describe("container environment", () => {
  it("is the kubelet's: envFrom, env with expansion, field and resource refs, Service links, HOSTNAME, PATH, HOME", async () => {
    const stub = await clusterWithPod();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const x = inside(o);
      const pod = podOf(o);
      const spec = pod.spec!.containers[0];
      const r = containerEnv({ view: x.network.view(), pod, spec, imageName: spec.image!, image: catalogImage("nginx") ?? null });
      if (!("env" in r)) throw new Error(r.error);
      const env = r.env;
      expect(Object.keys(env).slice(0, 2)).toEqual(["PATH", "HOSTNAME"]);
      expect(env.HOSTNAME).toBe("web");
      expect(env.PATH).toBe("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
      expect(env.NGINX_VERSION).toMatch(/^1\./);
      expect(env.HOME).toBe("/root");
      expect(env.GREETING).toBe("hello");
      // POD_NAME comes after MESSAGE: not yet defined when MESSAGE is expanded
      expect(env.MESSAGE).toBe("hello from $(POD_NAME) $(POD_NAME)");
      expect(env.POD_NAME).toBe("web");
      expect(env.MEM).toBe("100");
      expect(env.CPU).toBe("250");
      expect(env.CFG_greeting).toBe("hello");
      expect(env["1st-key"]).toBeUndefined();
      expect(env["CFG_1st-key"]).toBe("x");
      expect(r.skipped).toEqual(["1st-key"]);
      const svc = x.api.peek<{ spec: { clusterIP: string } } & import("../../worker/cluster/resources/define").KObject>("services", "default", "my-web")!;
      const ip = svc.spec.clusterIP;
      expect(env.MY_WEB_SERVICE_HOST).toBe(ip);
      expect(env.MY_WEB_SERVICE_PORT).toBe("80");
      expect(env.MY_WEB_SERVICE_PORT_HTTP).toBe("80");
      expect(env.MY_WEB_SERVICE_PORT_METRICS).toBe("9090");
      expect(env.MY_WEB_PORT).toBe(`tcp://${ip}:80`);
      expect(env.MY_WEB_PORT_80_TCP).toBe(`tcp://${ip}:80`);
      expect(env.MY_WEB_PORT_80_TCP_PROTO).toBe("tcp");
      expect(env.MY_WEB_PORT_80_TCP_PORT).toBe("80");
      expect(env.MY_WEB_PORT_80_TCP_ADDR).toBe(ip);
      expect(env.MY_WEB_PORT_9090_UDP).toBe(`udp://${ip}:9090`);
      expect(env.KUBERNETES_SERVICE_HOST).toBe("10.96.0.1");
      expect(env.KUBERNETES_PORT_443_TCP).toBe("tcp://10.96.0.1:443");

      // enableServiceLinks: false keeps only the API server's
      const noLinks = containerEnv({ view: x.network.view(), pod: { ...pod, spec: { ...pod.spec!, enableServiceLinks: false } }, spec, imageName: spec.image!, image: null });
      expect("env" in noLinks && noLinks.env.MY_WEB_SERVICE_HOST).toBe(undefined);
      expect("env" in noLinks && noLinks.env.KUBERNETES_SERVICE_HOST).toBe("10.96.0.1");

      // what the kubelet reports as CreateContainerConfigError
      const err = (env: unknown[], envFrom: unknown[] = []) => {
        const res = containerEnv({ view: x.network.view(), pod, spec: { ...spec, env, envFrom } as typeof spec, imageName: "busybox", image: null });
        return "error" in res ? res.error : null;
      };
      expect(err([{ name: "X", valueFrom: { configMapKeyRef: { name: "web-config", key: "foo" } } }])).toBe("couldn't find key foo in ConfigMap default/web-config");
      expect(err([{ name: "X", valueFrom: { configMapKeyRef: { name: "bar", key: "foo" } } }])).toBe('configmap "bar" not found');
      expect(err([{ name: "X", valueFrom: { secretKeyRef: { name: "web-secret", key: "user" } } }])).toBe("couldn't find key user in Secret default/web-secret");
      expect(err([], [{ secretRef: { name: "x" } }])).toBe('secret "x" not found');
      expect(err([{ name: "X", valueFrom: { configMapKeyRef: { name: "bar", key: "foo", optional: true } } }], [{ configMapRef: { name: "nope", optional: true } }])).toBeNull();
    });
  });
});
