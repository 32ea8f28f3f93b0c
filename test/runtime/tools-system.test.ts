// The system, network and cluster tools against a fake world (processes, DNS, traffic, etcd),
// in both flavours' words; and etcd's view of a real cluster's store.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { etcdOf, etcdPrefix } from "../../worker/cluster/container/etcd";
import { MemoryFs, populate } from "../../worker/cluster/container/fs/memory";
import { prefixEnd } from "../../worker/cluster/container/tools/system/etcdctl";
import type { ContainerWorld, Etcd, MountInfo, ProcessInfo } from "../../worker/cluster/container/types";
import { decodeObject, readEnvelope } from "../../worker/cluster/machinery/protobuf";
import type { DnsResult, RecordType } from "../../worker/cluster/network/dns";
import type { HttpRequest, Outcome } from "../../worker/cluster/network/types";
import type { ImageBehaviour } from "../../worker/cluster/node/images";
import { BUILT_IN } from "../../worker/cluster/resources/registry";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Store } from "../../worker/cluster/store/store";
import { cm, kube, newCluster } from "./helpers";
import { fakeWorld, runTool, T0 } from "./toolHarness";

// ---------------------------------------------------------------------------------------------
// A small cluster as the fake network sees it

const A: Record<string, string> = {
  "web.default.svc.cluster.local.": "10.96.12.7",
  "db.default.svc.cluster.local.": "10.96.0.5",
  "kube-dns.kube-system.svc.cluster.local.": "10.96.0.10",
};
const PTR: Record<string, string> = { "7.12.96.10.in-addr.arpa.": "web.default.svc.cluster.local.", "10.0.96.10.in-addr.arpa.": "kube-dns.kube-system.svc.cluster.local." };
const SEARCH = ["default.svc.cluster.local", "svc.cluster.local", "cluster.local"];

function lookup(name: string, type: RecordType, opts?: { server?: string; search?: boolean }): DnsResult {
  const dots = name.replace(/\.$/, "").split(".").length - 1;
  const names = name.endsWith(".") || opts?.search === false ? [name.endsWith(".") ? name : name + "."] : dots >= 5 ? [name + "."] : [...SEARCH.map((d) => `${name}.${d}.`), `${name}.`];
  const base = { name, type, server: "10.96.0.10", additional: [] };
  let nodata: string | null = null;
  for (let i = 0; i < names.length; i++) {
    const n = names[i];
    if (type === "PTR" && PTR[n]) return { ...base, status: "NOERROR", tried: names.slice(0, i + 1), answered: n, answers: [{ name: n, type: "PTR", ttl: 30, data: PTR[n] }] };
    if (A[n] && type === "A") return { ...base, status: "NOERROR", tried: names.slice(0, i + 1), answered: n, answers: [{ name: n, type: "A", ttl: 30, data: A[n] }] };
    if (A[n]) nodata ??= n;
  }
  if (nodata) return { ...base, status: "NOERROR", tried: names, answered: nodata, answers: [] };
  return { ...base, status: "NXDOMAIN", tried: names, answered: names[names.length - 1], answers: [] };
}

const PAGE = "<h1>Welcome to nginx!</h1>\n";

function connect(host: string, port: number, req?: HttpRequest): Outcome {
  const pod = { namespace: "default", name: "web-1", ip: "10.244.2.9" };
  if ((host === "10.96.12.7" && port === 80) || (host === "10.244.2.9" && port === 80)) {
    if (!req) return { ok: true, pod, container: "nginx", port: 80, answer: null, trail: [] };
    const found = req.path === "/" || req.path === "/index.html";
    const body = found ? PAGE : "<html>404</html>\n";
    return { ok: true, pod, container: "nginx", port: 80, trail: [], answer: { status: found ? 200 : 404, headers: { date: "Thu, 03 Dec 2026 14:45:01 GMT", "content-type": "text/html", "content-length": String(body.length), server: "nginx/1.27.3" }, body: req.method === "HEAD" ? "" : body } };
  }
  // A pod (or node) answers on any port, with a reset when nothing listens; a ClusterIP is only its Service's ports.
  if (host.startsWith("10.244.")) return { ok: false, error: "refused", message: "refused", trail: [] };
  if (host === "10.96.0.5") return { ok: false, error: "refused", message: "refused", trail: [] };
  return { ok: false, error: "timeout", message: "timeout", trail: [] };
}

function world(over: Partial<ContainerWorld> = {}): Partial<ContainerWorld> {
  const base = fakeWorld();
  return { hostname: "client", net: { ...base.net, lookup, connect }, ...over };
}

const PASSWD = "root:x:0:0:root:/root:/bin/sh\nbin:x:1:1:bin:/bin:/sbin/nologin\nnginx:x:101:101:nginx:/var/cache/nginx:/sbin/nologin\n";
const GROUP = "root:x:0:root\nbin:x:1:root,bin\nwheel:x:10:root\nnginx:x:101:nginx\n";
const HOSTS = "127.0.0.1\tlocalhost\n10.244.1.5\tclient.sub.default.svc.cluster.local\tclient\n";

function files(extra: Record<string, string> = {}) {
  const fs = new MemoryFs({ now: () => T0 });
  populate(fs, { "/etc/passwd": PASSWD, "/etc/group": GROUP, "/etc/hosts": HOSTS, "/tmp": { dir: true, mode: 0o1777 }, ...extra });
  return fs;
}

const PROCS: ProcessInfo[] = [
  { pid: 1, ppid: 0, user: "root", argv: ["nginx:", "master", "process", "nginx", "-g", "daemon off;"], startedAt: T0 - 3_600_000, state: "S", rssKb: 6000, vszKb: 11_000, tty: null },
  { pid: 29, ppid: 1, user: "nginx", argv: ["nginx:", "worker", "process"], startedAt: T0 - 3_600_000, state: "S", rssKb: 2800, vszKb: 11_400, tty: null },
  { pid: 31, ppid: 0, user: "root", argv: ["sh"], startedAt: T0 - 5000, state: "S", rssKb: 1700, vszKb: 1700, tty: "pts/0" },
  { pid: 37, ppid: 31, user: "root", argv: ["ps"], startedAt: T0, state: "R", rssKb: 1600, vszKb: 1600, tty: "pts/0" },
];

function procs(killed: [number, number][] = []): ContainerWorld["processes"] {
  return {
    list: () => PROCS,
    kill: (pid, sig) => {
      if (!PROCS.some((p) => p.pid === pid)) return "ESRCH";
      killed.push([pid, sig]);
      return null;
    },
    self: 37,
  };
}

const NGINX_IMAGE = { ports: [80], servers: ["nginx"] } as unknown as ImageBehaviour;

// ---------------------------------------------------------------------------------------------

describe("ps and kill", () => {
  it("busybox ps: PID USER TIME COMMAND with the whole command line", () => {
    const r = runTool(["ps"], { world: { processes: procs() } });
    expect(r.stdout).toBe(
      "PID   USER     TIME  COMMAND\n" +
        "    1 root      0:00 nginx: master process nginx -g daemon off;\n" +
        "   29 nginx     0:00 nginx: worker process\n" +
        "   31 root      0:00 sh\n" +
        "   37 root      0:00 ps\n",
    );
  });

  it("procps: plain ps shows the terminal's processes; aux and -ef every one", () => {
    const plain = runTool(["ps"], { flavour: "gnu", world: { processes: procs() } });
    expect(plain.stdout).toBe("    PID TTY          TIME CMD\n     31 pts/0    00:00:00 sh\n     37 pts/0    00:00:00 ps\n");
    const aux = runTool(["ps", "aux"], { flavour: "gnu", world: { processes: procs() } }).stdout.split("\n");
    expect(aux[0]).toBe("USER         PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND");
    expect(aux[1]).toMatch(/^root {11}1  0\.0  0\.0  11000  6000 \? {8}Ss   13:45   0:00 nginx: master process nginx -g daemon off;$/);
    const ef = runTool(["ps", "-ef"], { flavour: "gnu", world: { processes: procs() } }).stdout.split("\n");
    expect(ef[0]).toBe("UID          PID    PPID  C STIME TTY          TIME CMD");
    expect(ef[2]).toBe("nginx         29       1  0 13:45 ?        00:00:00 nginx: worker process");
  });

  it("kill sends the signal asked for, and names the missing process in the flavour's words", () => {
    const killed: [number, number][] = [];
    expect(runTool(["kill", "-9", "29"], { world: { processes: procs(killed) } }).code).toBe(0);
    expect(runTool(["kill", "-s", "HUP", "1"], { world: { processes: procs(killed) } }).code).toBe(0);
    expect(runTool(["kill", "1"], { world: { processes: procs(killed) } }).code).toBe(0);
    expect(killed).toEqual([
      [29, 9],
      [1, 1],
      [1, 15],
    ]);
    expect(runTool(["kill", "99"], { world: { processes: procs() } })).toMatchObject({ code: 1, stderr: "kill: can't kill pid 99: No such process\n" });
    expect(runTool(["kill", "99"], { flavour: "gnu", world: { processes: procs() } })).toMatchObject({ code: 1, stderr: "kill: (99) - No such process\n" });
    expect(runTool(["kill", "-l"]).stdout.split("\n").slice(0, 2)).toEqual([" 1) HUP", " 2) INT"]);
    expect(runTool(["kill", "-l", "9"]).stdout).toBe("KILL\n");
  });

  it("pgrep matches process names; pkill signals them; killall says when nothing matched", () => {
    // The process name is the executable's, whatever title it gives itself.
    expect(runTool(["pgrep", "nginx"], { world: { processes: procs() } }).stdout).toBe("1\n29\n");
    expect(runTool(["pgrep", "-f", "master"], { world: { processes: procs() } }).stdout).toBe("1\n");
    expect(runTool(["pgrep", "sh"], { world: { processes: procs() } }).stdout).toBe("31\n");
    const killed: [number, number][] = [];
    runTool(["pkill", "-f", "worker"], { world: { processes: procs(killed) } });
    expect(killed).toEqual([[29, 15]]);
    expect(runTool(["killall", "redis"], { world: { processes: procs() } })).toMatchObject({ code: 1, stderr: "killall: redis: no process killed\n" });
  });
});

describe("who and where", () => {
  it("id and whoami from the image's /etc/passwd and /etc/group", () => {
    const fs = files();
    expect(runTool(["id"], { fs }).stdout).toBe("uid=0(root) gid=0(root) groups=0(root),1(bin),10(wheel)\n");
    expect(runTool(["id", "-u"], { fs }).stdout).toBe("0\n");
    expect(runTool(["id", "-un"], { fs }).stdout).toBe("root\n");
    expect(runTool(["id", "nginx"], { fs }).stdout).toBe("uid=101(nginx) gid=101(nginx) groups=101(nginx)\n");
    expect(runTool(["whoami"], { fs }).stdout).toBe("root\n");
    const asUser = fakeWorld();
    (asUser.pod.spec!.containers[0] as { securityContext?: object }).securityContext = { runAsUser: 101 };
    expect(runTool(["whoami"], { fs, world: { pod: asUser.pod } }).stdout).toBe("nginx\n");
  });

  it("uname and hostname", () => {
    expect(runTool(["uname", "-a"]).stdout).toBe("Linux web 6.8.0-1021-gcp #23-Ubuntu SMP Thu Nov 13 2025 x86_64 Linux\n");
    expect(runTool(["uname", "-a"], { flavour: "gnu" }).stdout).toBe("Linux web 6.8.0-1021-gcp #23-Ubuntu SMP Thu Nov 13 2025 x86_64 GNU/Linux\n");
    expect(runTool(["uname", "-r"]).stdout).toBe("6.8.0-1021-gcp\n");
    expect(runTool(["uname", "-m"]).stdout).toBe("x86_64\n");
    const fs = files();
    expect(runTool(["hostname"], { fs, world: world() }).stdout).toBe("client\n");
    expect(runTool(["hostname", "-i"], { fs, world: world() }).stdout).toBe("10.244.1.5\n");
    expect(runTool(["hostname", "-f"], { fs, world: world() }).stdout).toBe("client.sub.default.svc.cluster.local\n");
    expect(runTool(["hostname", "other"], { fs })).toMatchObject({ code: 1, stderr: "hostname: sethostname: Operation not permitted\n" });
    expect(runTool(["nproc"]).stdout).toBe("8\n");
  });
});

describe("mounts, memory, load", () => {
  const MOUNTS: MountInfo[] = [
    { target: "/", source: "overlay", fstype: "overlay", options: "rw,relatime,lowerdir=/var/lib/containerd/l/1,upperdir=/u,workdir=/w", readOnly: false, sizeBytes: 62_671_097_856, usedBytes: 12_884_901_888 },
    { target: "/dev", source: "tmpfs", fstype: "tmpfs", options: "rw,nosuid,size=65536k,mode=755", readOnly: false, sizeBytes: 67_108_864, usedBytes: 0 },
    { target: "/proc", source: "proc", fstype: "proc", options: "rw,nosuid,nodev,noexec,relatime", readOnly: false, sizeBytes: 0, usedBytes: 0 },
    { target: "/run/secrets/kubernetes.io/serviceaccount", source: "tmpfs", fstype: "tmpfs", options: "ro,relatime,size=16384000k", readOnly: true, sizeBytes: 16_777_216_000, usedBytes: 12_288 },
  ];
  function mfs() {
    const fs = files();
    fs.mounts = () => MOUNTS;
    return fs;
  }

  it("df: busybox's fixed columns, GNU's fitted ones; pseudo file systems left out", () => {
    const bb = runTool(["df"], { fs: mfs() }).stdout.split("\n");
    expect(bb[0]).toBe("Filesystem           1K-blocks      Used Available Use% Mounted on");
    expect(bb[1]).toBe("overlay               61202244  12582912  48619332  21% /");
    expect(bb[2]).toBe("tmpfs                    65536         0     65536   0% /dev");
    expect(bb[3]).toBe("tmpfs                 16384000        12  16383988   0% /run/secrets/kubernetes.io/serviceaccount");
    expect(bb).toHaveLength(5);
    const h = runTool(["df", "-h"], { fs: mfs() }).stdout.split("\n");
    expect(h[0]).toBe("Filesystem                Size      Used Available Use% Mounted on");
    expect(h[1]).toBe("overlay                  58.4G     12.0G     46.4G  21% /");
    const gnu = runTool(["df", "-h"], { fs: mfs(), flavour: "gnu" }).stdout.split("\n");
    expect(gnu[0]).toBe("Filesystem      Size  Used Avail Use% Mounted on");
    expect(gnu[1]).toBe("overlay          59G   12G   47G  21% /");
    expect(gnu[2]).toBe("tmpfs            64M     0   64M   0% /dev");
    // GNU rounds the use up, busybox to the nearest.
    expect(gnu[3]).toBe("tmpfs            16G   12K   16G   1% /run/secrets/kubernetes.io/serviceaccount");
  });

  it("mount lists like /proc/mounts and refuses to mount", () => {
    const r = runTool(["mount"], { fs: mfs() });
    expect(r.stdout.split("\n")[0]).toBe("overlay on / type overlay (rw,relatime,lowerdir=/var/lib/containerd/l/1,upperdir=/u,workdir=/w)");
    expect(runTool(["mount", "-t", "tmpfs", "none", "/mnt"], { fs: mfs() })).toMatchObject({ code: 255, stderr: "mount: permission denied (are you root?)\n" });
    expect(runTool(["mount", "-t", "tmpfs", "none", "/mnt"], { fs: mfs(), flavour: "gnu" }).stderr).toBe("mount: /mnt: permission denied.\n       dmesg(1) may have more information after failed mount system call.\n");
  });

  it("free, uptime and a batch top", () => {
    const free = runTool(["free", "-m"]).stdout.split("\n");
    expect(free[0]).toBe("              total        used        free      shared  buff/cache   available");
    expect(free[1]).toMatch(/^Mem: {10}16000 +\d+ +\d+ +\d+ +\d+ +\d+$/);
    expect(runTool(["uptime"], { now: T0 + 4 * 3_600_000 + 5 * 60_000 }).stdout).toMatch(/^ 18:50:01 up 1 day,  4:05,  0 users,/);
    expect(runTool(["uptime"]).stdout).toMatch(/^ 14:45:01 up 1 day, 0 min,  0 users,  load average: \d\.\d\d, \d\.\d\d, \d\.\d\d\n$/);
    const top = runTool(["top", "-b", "-n", "1"], { world: { processes: procs() } });
    expect(top.stdout).toContain("  PID  PPID USER     STAT   VSZ %VSZ CPU %CPU COMMAND\n");
    expect(top.stdout).toContain("   29     1 nginx    S    11400   0%   0   0% nginx: worker process\n");
    const two = runTool(["top", "-b", "-n", "2", "-d", "1"], { flavour: "gnu", world: { processes: procs() } });
    expect(two.slept).toBe(1000);
    expect(two.stdout.match(/^top - /gm)).toHaveLength(2);
  });
});

describe("DNS", () => {
  it("busybox nslookup asks every search domain for A and AAAA and prints each answer", () => {
    const r = runTool(["nslookup", "web"], { world: world() });
    expect(r.stdout).toBe(
      "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\n" +
        "Name:\tweb.default.svc.cluster.local\nAddress: 10.96.12.7\n\n" +
        "** server can't find web.svc.cluster.local: NXDOMAIN\n\n" +
        "** server can't find web.cluster.local: NXDOMAIN\n\n" +
        "\n" +
        "** server can't find web.svc.cluster.local: NXDOMAIN\n\n" +
        "** server can't find web.cluster.local: NXDOMAIN\n\n",
    );
    // Any NXDOMAIN among them makes busybox 1.36 exit 1; a full name asks only itself.
    expect(r.code).toBe(1);
    const full = runTool(["nslookup", "web.default.svc.cluster.local"], { world: world() });
    expect(full.code).toBe(0);
    expect(full.stdout).toBe("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb.default.svc.cluster.local\nAddress: 10.96.12.7\n\n\n");
  });

  it("busybox 1.28's nslookup (the Kubernetes docs' image) resolves through the search path, with reverse names", () => {
    const r = runTool(["nslookup", "web"], { world: world({ imageName: "busybox:1.28" }) });
    expect(r).toMatchObject({ code: 0, stdout: "Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\nName:      web\nAddress 1: 10.96.12.7 web.default.svc.cluster.local\n" });
    const missing = runTool(["nslookup", "nope"], { world: world({ imageName: "busybox:1.28" }) });
    expect(missing).toMatchObject({ code: 1, stderr: "nslookup: can't resolve 'nope'\n" });
  });

  it("nslookup with no name server answering times out after its wait", () => {
    const dead = world();
    dead.net = { ...dead.net!, lookup: (name, type) => ({ status: "TIMEOUT", name, type, server: "10.96.0.10", tried: [name], answered: null, answers: [], additional: [], message: ";; connection timed out; no servers could be reached" }) };
    const r = runTool(["nslookup", "web"], { world: dead });
    expect(r).toMatchObject({ code: 1, stdout: ";; connection timed out; no servers could be reached\n\n", slept: 5000 });
  });

  it("bind's nslookup on GNU images: the first name of the search path that answers", () => {
    const r = runTool(["nslookup", "web"], { world: world(), flavour: "gnu" });
    expect(r).toMatchObject({ code: 0, stdout: "Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\nName:\tweb.default.svc.cluster.local\nAddress: 10.96.12.7\n\n" });
    expect(runTool(["nslookup", "nope"], { world: world(), flavour: "gnu" }).stdout).toBe("Server:\t\t10.96.0.10\nAddress:\t10.96.0.10#53\n\n** server can't find nope: NXDOMAIN\n\n");
  });

  it("dig: +short, and the full answer with BIND's columns", () => {
    expect(runTool(["dig", "+short", "web.default.svc.cluster.local"], { world: world() }).stdout).toBe("10.96.12.7\n");
    const full = runTool(["dig", "web.default.svc.cluster.local"], { world: world() }).stdout;
    expect(full).toContain(";; ->>HEADER<<- opcode: QUERY, status: NOERROR, id: ");
    expect(full).toContain(";; flags: qr aa rd; QUERY: 1, ANSWER: 1, AUTHORITY: 0, ADDITIONAL: 1\n");
    expect(full).toContain(";; QUESTION SECTION:\n;web.default.svc.cluster.local.\tIN\tA\n");
    expect(full).toContain(";; ANSWER SECTION:\nweb.default.svc.cluster.local. 30 IN\tA\t10.96.12.7\n");
    expect(full).toContain(";; SERVER: 10.96.0.10#53(10.96.0.10) (UDP)\n;; WHEN: Thu Dec 03 14:45:01 UTC 2026\n");
    expect(runTool(["dig", "-x", "10.96.12.7", "+short"], { world: world() }).stdout).toBe("web.default.svc.cluster.local.\n");
    const nx = runTool(["dig", "nope.default.svc.cluster.local"], { world: world() }).stdout;
    expect(nx).toContain("status: NXDOMAIN");
    expect(nx).toContain(";; AUTHORITY SECTION:\ncluster.local.\t\t30\tIN\tSOA\tns.dns.cluster.local. hostmaster.cluster.local.");
  });

  it("host and getent hosts", () => {
    expect(runTool(["host", "web"], { world: world() })).toMatchObject({ code: 0, stdout: "web.default.svc.cluster.local has address 10.96.12.7\n" });
    expect(runTool(["host", "nope"], { world: world() })).toMatchObject({ code: 1, stdout: "Host nope not found: 3(NXDOMAIN)\n" });
    expect(runTool(["host", "10.96.12.7"], { world: world() }).stdout).toBe("7.12.96.10.in-addr.arpa domain name pointer web.default.svc.cluster.local.\n");
    const fs = files();
    expect(runTool(["getent", "hosts", "client"], { fs, world: world() }).stdout).toBe("10.244.1.5      client.sub.default.svc.cluster.local client\n");
    expect(runTool(["getent", "hosts", "web"], { fs, world: world() }).stdout).toBe("10.96.12.7      web.default.svc.cluster.local\n");
    expect(runTool(["getent", "hosts", "db"], { fs, world: world() }).stdout).toBe("10.96.0.5       db.default.svc.cluster.local\n");
    expect(runTool(["getent", "hosts", "nope"], { fs, world: world() }).code).toBe(2);
  });
});

describe("wget and curl", () => {
  it("busybox wget -qO- prints the page; without -q it reports on stderr as busybox does", () => {
    const q = runTool(["wget", "-qO-", "http://web"], { fs: files(), world: world() });
    expect(q).toMatchObject({ code: 0, stdout: PAGE, stderr: "" });
    const loud = runTool(["wget", "-O-", "web"], { fs: files(), world: world() });
    expect(loud.stdout).toBe(PAGE);
    expect(loud.stderr).toBe(`Connecting to web (10.96.12.7:80)\nwriting to stdout\n-                    100% |********************************|    27  0:00:00 ETA\nwritten to stdout\n`);
  });

  it("wget saves to a file named from the URL, and will not overwrite one", () => {
    const fs = files();
    const r = runTool(["wget", "http://web/"], { fs, world: world(), cwd: "/tmp" });
    expect(r.stderr).toBe("Connecting to web (10.96.12.7:80)\nsaving to 'index.html'\nindex.html           100% |********************************|    27  0:00:00 ETA\n'index.html' saved\n");
    expect(new TextDecoder().decode(fs.read("/tmp/index.html"))).toBe(PAGE);
    expect(runTool(["wget", "http://web/"], { fs, world: world(), cwd: "/tmp" })).toMatchObject({ code: 1, stderr: "Connecting to web (10.96.12.7:80)\nwget: can't open 'index.html': File exists\n" });
  });

  it("wget's errors: bad address, refused, a 404", () => {
    expect(runTool(["wget", "-qO-", "http://nope"], { fs: files(), world: world() })).toMatchObject({ code: 1, stderr: "wget: bad address 'nope'\n" });
    expect(runTool(["wget", "-O-", "http://db"], { fs: files(), world: world() })).toMatchObject({ code: 1, stderr: "Connecting to db (10.96.0.5:80)\nwget: can't connect to remote host (10.96.0.5): Connection refused\n" });
    expect(runTool(["wget", "-qO-", "http://web/missing"], { fs: files(), world: world() })).toMatchObject({ code: 1, stdout: "", stderr: "wget: server returned error: HTTP/1.1 404 Not Found\n" });
    const slow = runTool(["wget", "-qO-", "-T", "3", "http://10.96.99.99"], { fs: files(), world: world() });
    expect(slow).toMatchObject({ code: 1, stderr: "wget: download timed out\n", slept: 3000 });
  });

  it("curl: the body, -s -o with -w, -I, and its meter when stdout is not a terminal", () => {
    expect(runTool(["curl", "-s", "http://web"], { fs: files(), world: world() })).toMatchObject({ code: 0, stdout: PAGE, stderr: "" });
    expect(runTool(["curl", "-s", "-o", "/dev/null", "-w", "%{http_code}\\n", "web/missing"], { fs: files({ "/dev/null": "" }), world: world() }).stdout).toBe("404\n");
    const head = runTool(["curl", "-sI", "http://web/"], { fs: files(), world: world() }).stdout;
    expect(head).toBe("HTTP/1.1 200 OK\r\nServer: nginx/1.27.3\r\nDate: Thu, 03 Dec 2026 14:45:01 GMT\r\nContent-Type: text/html\r\nContent-Length: 27\r\n\r\n");
    const meter = runTool(["curl", "http://web"], { fs: files(), world: world() }).stderr.split("\n");
    expect(meter[0]).toBe("  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current");
    expect(meter[2]).toMatch(/^\r100    27  100    27    0     0 +\S+ +0 --:--:-- --:--:-- --:--:-- +\S+$/);
    expect(runTool(["curl", "http://web"], { fs: files(), world: world(), tty: true }).stderr).toBe("");
  });

  it("curl's error lines and exit codes", () => {
    expect(runTool(["curl", "-s", "http://nope"], { fs: files(), world: world() })).toMatchObject({ code: 6, stderr: "" });
    expect(runTool(["curl", "-sS", "http://nope"], { fs: files(), world: world() })).toMatchObject({ code: 6, stderr: "curl: (6) Could not resolve host: nope\n" });
    expect(runTool(["curl", "-sS", "http://db"], { fs: files(), world: world() })).toMatchObject({ code: 7, stderr: "curl: (7) Failed to connect to db port 80 after 0 ms: Couldn't connect to server\n" });
    expect(runTool(["curl", "-sSf", "http://web/missing"], { fs: files(), world: world() })).toMatchObject({ code: 22, stdout: "", stderr: "curl: (22) The requested URL returned error: 404\n" });
    const slow = runTool(["curl", "-sS", "--connect-timeout", "2", "http://10.96.99.99"], { fs: files(), world: world() });
    expect(slow).toMatchObject({ code: 28, stderr: "curl: (28) Connection timed out after 2001 milliseconds\n", slept: 2000 });
    expect(runTool(["curl", "--bogus", "http://web"], { fs: files(), world: world() }).code).toBe(2);
  });
});

describe("nc, ping, ip", () => {
  it("nc -zv says whether a port is open; a typed HTTP request gets the server's answer", () => {
    expect(runTool(["nc", "-zv", "web", "80"], { fs: files(), world: world() })).toMatchObject({ code: 0, stderr: "web (10.96.12.7:80) open\n" });
    expect(runTool(["nc", "-zv", "db", "80"], { fs: files(), world: world() })).toMatchObject({ code: 1, stderr: "nc: db (10.96.0.5:80): Connection refused\n" });
    expect(runTool(["nc", "-zv", "db", "80"], { fs: files(), world: world(), flavour: "gnu" }).stderr).toBe("nc: connect to db port 80 (tcp) failed: Connection refused\n");
    const r = runTool(["nc", "web", "80"], { fs: files(), world: world(), stdin: "GET / HTTP/1.1\r\nHost: web\r\n\r\n" });
    expect(r.stdout).toBe(`HTTP/1.1 200 OK\r\nServer: nginx/1.27.3\r\nDate: Thu, 03 Dec 2026 14:45:01 GMT\r\nContent-Type: text/html\r\nContent-Length: 27\r\n\r\n${PAGE}`);
  });

  it("ping: a pod answers once a second; a ClusterIP never does", () => {
    const pod = runTool(["ping", "-c", "3", "10.244.2.9"], { fs: files(), world: world() });
    expect(pod.code).toBe(0);
    expect(pod.slept).toBe(2000);
    expect(pod.stdout.split("\n")).toEqual([
      "PING 10.244.2.9 (10.244.2.9): 56 data bytes",
      expect.stringMatching(/^64 bytes from 10\.244\.2\.9: seq=0 ttl=62 time=0\.\d{3} ms$/),
      expect.stringMatching(/^64 bytes from 10\.244\.2\.9: seq=1 ttl=62 time=0\.\d{3} ms$/),
      expect.stringMatching(/^64 bytes from 10\.244\.2\.9: seq=2 ttl=62 time=0\.\d{3} ms$/),
      "",
      "--- 10.244.2.9 ping statistics ---",
      "3 packets transmitted, 3 packets received, 0% packet loss",
      expect.stringMatching(/^round-trip min\/avg\/max = [\d.]+\/[\d.]+\/[\d.]+ ms$/),
      "",
    ]);
    const svc = runTool(["ping", "-c", "2", "web"], { fs: files(), world: world() });
    expect(svc).toMatchObject({ code: 1, stdout: "PING web (10.96.12.7): 56 data bytes\n\n--- web ping statistics ---\n2 packets transmitted, 0 packets received, 100% packet loss\n" });
    const gnu = runTool(["ping", "-c", "1", "web"], { fs: files(), world: world(), flavour: "gnu" });
    expect(gnu.stdout.split("\n")[0]).toBe("PING web.default.svc.cluster.local (10.96.12.7) 56(84) bytes of data.");
    expect(gnu.stdout).toContain("1 packets transmitted, 0 received, 100% packet loss, time 0ms");
    expect(runTool(["ping", "-c", "1", "nope"], { fs: files(), world: world() })).toMatchObject({ code: 1, stderr: "ping: bad address 'nope'\n" });
  });

  it("ip addr and ip route show eth0 and kindnet's routes", () => {
    const a = runTool(["ip", "a"]).stdout;
    expect(a).toContain("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536");
    expect(a).toMatch(/2: eth0@if\d+: <BROADCAST,MULTICAST,UP,LOWER_UP,M-DOWN> mtu 1500/);
    expect(a).toContain("    link/ether 6a:1f:3c:22:9e:01 brd ff:ff:ff:ff:ff:ff");
    expect(a).toContain("    inet 10.244.1.5/24 brd 10.244.1.255 scope global eth0\n");
    expect(runTool(["ip", "route"], { flavour: "gnu" }).stdout).toBe("default via 10.244.1.1 dev eth0\n10.244.1.0/24 via 10.244.1.1 dev eth0 src 10.244.1.5\n10.244.1.1 dev eth0 scope link src 10.244.1.5\n");
    expect(runTool(["ip", "route", "add", "1.2.3.0/24", "via", "10.244.1.1"], { flavour: "gnu" })).toMatchObject({ code: 2, stderr: "RTNETLINK answers: Operation not permitted\n" });
    expect(runTool(["ifconfig", "eth0"]).stdout.split("\n")[1]).toBe("          inet addr:10.244.1.5  Bcast:10.244.1.255  Mask:255.255.255.0");
  });

  it("netstat -tlnp and ss -tlnp: the service's listening ports", () => {
    const w = world({ processes: procs(), image: NGINX_IMAGE });
    const n = runTool(["netstat", "-tlnp"], { world: w }).stdout.split("\n");
    expect(n[0]).toBe("Active Internet connections (only servers)");
    expect(n[2]).toBe("tcp        0      0 0.0.0.0:80              0.0.0.0:*               LISTEN      1/nginx: master pro");
    expect(runTool(["ss", "-tlnp"], { world: w, flavour: "gnu" }).stdout.split("\n")[1]).toBe('LISTEN 0      511            0.0.0.0:80         0.0.0.0:* users:(("nginx",pid=1,fd=6))');
    // An nginx image running something else listens on nothing.
    expect(runTool(["netstat", "-tln"], { world: world({ image: NGINX_IMAGE }) }).stdout.split("\n")).toHaveLength(3);
  });
});

describe("package managers without internet", () => {
  it("apk add fails to fetch its indexes and finds no package", () => {
    const fs = files({ "/etc/os-release": 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\n' });
    const r = runTool(["apk", "add", "curl"], { fs });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("fetch https://dl-cdn.alpinelinux.org/alpine/v3.20/main/x86_64/APKINDEX.tar.gz\nfetch https://dl-cdn.alpinelinux.org/alpine/v3.20/community/x86_64/APKINDEX.tar.gz\n");
    expect(r.stderr).toBe(
      "WARNING: updating and opening https://dl-cdn.alpinelinux.org/alpine/v3.20/main: temporary error (try again later)\n" +
        "WARNING: updating and opening https://dl-cdn.alpinelinux.org/alpine/v3.20/community: temporary error (try again later)\n" +
        "ERROR: unable to select packages:\n  curl (no such package):\n    required by: world[curl]\n",
    );
  });

  it("apt-get update cannot resolve the mirror; install finds nothing", () => {
    const fs = files({ "/etc/os-release": 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_CODENAME=bookworm\n' });
    const up = runTool(["apt-get", "update"], { fs, flavour: "gnu" });
    expect(up.code).toBe(0);
    expect(up.stdout.split("\n")[0]).toBe("Ign:1 http://deb.debian.org/debian bookworm InRelease");
    expect(up.stdout).toContain("Err:1 http://deb.debian.org/debian bookworm InRelease\n  Temporary failure resolving 'deb.debian.org'\n");
    expect(up.stderr).toContain("W: Failed to fetch http://deb.debian.org/debian/dists/bookworm/InRelease  Temporary failure resolving 'deb.debian.org'\n");
    expect(runTool(["apt-get", "install", "-y", "curl"], { fs, flavour: "gnu" })).toMatchObject({ code: 100, stderr: "E: Unable to locate package curl\n" });
  });
});

describe("nginx", () => {
  const CONF = "user nginx;\nevents {\n    worker_connections 1024;\n}\nhttp {\n    include /etc/nginx/conf.d/*.conf;\n}\n";
  it("-v, -t over the config files, and a second nginx that cannot bind", () => {
    const fs = files({ "/etc/nginx/nginx.conf": CONF, "/etc/nginx/conf.d/default.conf": "server {\n    listen 80;\n}\n" });
    const w = world({ processes: procs(), image: NGINX_IMAGE });
    expect(runTool(["nginx", "-v"], { fs, world: w }).stderr).toBe("nginx version: nginx/1.27.3\n");
    expect(runTool(["nginx", "-t"], { fs, world: w })).toMatchObject({ code: 0, stderr: "nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n" });
    fs.write("/etc/nginx/conf.d/default.conf", "server {\n    listen 80;\n");
    expect(runTool(["nginx", "-t"], { fs, world: w })).toMatchObject({ code: 1, stderr: 'nginx: [emerg] unexpected end of file, expecting "}" in /etc/nginx/conf.d/default.conf:3\nnginx: configuration file /etc/nginx/nginx.conf test failed\n' });
    const again = runTool(["nginx"], { fs, world: w });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)\n");
    expect(again.stderr.endsWith("nginx: [emerg] still could not bind()\n")).toBe(true);
    expect(again.slept).toBe(2500);
    const killed: [number, number][] = [];
    fs.write("/etc/nginx/conf.d/default.conf", "server {\n    listen 80;\n}\n");
    expect(runTool(["nginx", "-s", "reload"], { fs, world: { ...w, processes: procs(killed) } }).stderr).toMatch(/^2026\/12\/03 14:45:01 \[notice\] 37#37: signal process started\n$/);
    expect(killed).toEqual([[1, 1]]);
  });
});

describe("iptables", () => {
  const SAVE = "# Generated by iptables-save v1.8.9 (nf_tables)\n*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -m comment --comment \"kubernetes service portals\" -j KUBE-SERVICES\n-A KUBE-SERVICES -d 10.96.12.7/32 -p tcp -m comment --comment \"default/web cluster IP\" -m tcp --dport 80 -j KUBE-SVC-ABC\nCOMMIT\n# Completed\n";
  it("iptables-save prints the node's rules in kube-proxy's pod, and is refused elsewhere", () => {
    const w = world({ cluster: { etcd: () => null, iptablesSave: () => SAVE } });
    expect(runTool(["iptables-save"], { world: w }).stdout).toBe(SAVE);
    expect(runTool(["iptables-save"], { world: world() })).toMatchObject({ code: 1, stderr: "iptables-save v1.8.9 (nf_tables): Could not fetch rule set generation id: Permission denied (you must be root)\n" });
    expect(runTool(["iptables", "-t", "nat", "-S", "PREROUTING"], { world: w }).stdout).toBe('-P PREROUTING ACCEPT\n-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES\n');
    const list = runTool(["iptables", "-t", "nat", "-L", "KUBE-SERVICES", "-n"], { world: w }).stdout;
    expect(list).toBe("Chain KUBE-SERVICES (1 references)\ntarget     prot opt source               destination         \nKUBE-SVC-ABC tcp  --  0.0.0.0/0            10.96.12.7/32        /* default/web cluster IP */ tcp dpt:80\n");
  });
});

// ---------------------------------------------------------------------------------------------
// etcdctl

function fakeEtcd(): Etcd {
  const enc = new TextEncoder();
  const kvs = [
    { key: "/registry/configmaps/default/app", value: enc.encode("k8s\0\n\x0f\n\x02v1\x12\tConfigMap"), createRevision: 40, modRevision: 42, version: 2 },
    { key: "/registry/namespaces/default", value: enc.encode("k8s\0ns"), createRevision: 5, modRevision: 5, version: 1 },
    { key: "/registry/pods/default/web", value: enc.encode("k8s\0pod"), createRevision: 50, modRevision: 61, version: 4 },
  ];
  return {
    range(from, end, opts) {
      const inRange = kvs.filter((kv) => (end === null ? kv.key === from : kv.key >= from && (end === "\0" || kv.key < end)));
      const limited = opts?.limit ? inRange.slice(0, opts.limit) : inRange;
      return { kvs: limited.map((kv) => (opts?.keysOnly ? { ...kv, value: new Uint8Array() } : kv)), count: inRange.length, more: limited.length < inRange.length };
    },
    revision: () => 99,
    member: { id: "8e9e05c52164694d", name: "kind-control-plane", peerURL: "https://172.18.0.2:2380", clientURL: "https://172.18.0.2:2379" },
    clusterId: "cdf818194e3a8c32",
    dbSizeBytes: 5_242_880,
    version: "3.5.21",
  };
}

const CERTS = ["--endpoints=https://127.0.0.1:2379", "--cacert=/etc/kubernetes/pki/etcd/ca.crt", "--cert=/etc/kubernetes/pki/etcd/server.crt", "--key=/etc/kubernetes/pki/etcd/server.key"];

describe("etcdctl", () => {
  const w = () => world({ cluster: { etcd: fakeEtcd, iptablesSave: () => null } });

  it("get --prefix --keys-only lists keys with etcdctl's blank lines", () => {
    const r = runTool(["etcdctl", ...CERTS, "get", "/", "--prefix", "--keys-only"], { world: w() });
    expect(r).toMatchObject({ code: 0, stdout: "/registry/configmaps/default/app\n\n/registry/namespaces/default\n\n/registry/pods/default/web\n\n", slept: 0 });
    expect(runTool(["etcdctl", ...CERTS, "get", "/registry/pods", "--prefix", "--keys-only", "--limit=1"], { world: w() }).stdout).toBe("/registry/pods/default/web\n\n");
    expect(runTool(["etcdctl", ...CERTS, "get", "/registry/namespaces/default", "--print-value-only"], { world: w() }).stdout).toBe("k8s\0ns\n");
    expect(runTool(["etcdctl", ...CERTS, "get", "/registry/nothing"], { world: w() })).toMatchObject({ code: 0, stdout: "" });
  });

  it("-w json base64-encodes keys and values; -w fields quotes them as Go does", () => {
    const json = JSON.parse(runTool(["etcdctl", ...CERTS, "get", "/registry/namespaces/default", "-w", "json"], { world: w() }).stdout.replace(/(\d{16,})/g, '"$1"'));
    expect(json).toEqual({ header: { cluster_id: String(BigInt("0xcdf818194e3a8c32")), member_id: String(BigInt("0x8e9e05c52164694d")), revision: 99, raft_term: 2 }, kvs: [{ key: btoa("/registry/namespaces/default"), create_revision: 5, mod_revision: 5, version: 1, value: btoa("k8s\0ns") }], count: 1 });
    const fields = runTool(["etcdctl", ...CERTS, "get", "/registry/namespaces/default", "-w", "fields"], { world: w() }).stdout;
    expect(fields).toContain('"Key" : "/registry/namespaces/default"\n"CreateRevision" : 5\n"ModRevision" : 5\n"Version" : 1\n"Value" : "k8s\\x00ns"\n"Lease" : 0\n');
  });

  it("member list and endpoint status as tables", () => {
    expect(runTool(["etcdctl", ...CERTS, "member", "list"], { world: w() }).stdout).toBe("8e9e05c52164694d, started, kind-control-plane, https://172.18.0.2:2380, https://172.18.0.2:2379, false\n");
    expect(runTool(["etcdctl", ...CERTS, "member", "list", "-w", "table"], { world: w() }).stdout).toBe(
      "+------------------+---------+--------------------+-------------------------+-------------------------+------------+\n" +
        "|        ID        | STATUS  |        NAME        |       PEER ADDRS        |      CLIENT ADDRS       | IS LEARNER |\n" +
        "+------------------+---------+--------------------+-------------------------+-------------------------+------------+\n" +
        "| 8e9e05c52164694d | started | kind-control-plane | https://172.18.0.2:2380 | https://172.18.0.2:2379 |      false |\n" +
        "+------------------+---------+--------------------+-------------------------+-------------------------+------------+\n",
    );
    const status = runTool(["etcdctl", ...CERTS, "endpoint", "status", "-w", "table"], { world: w() }).stdout.split("\n");
    expect(status[1]).toBe("|        ENDPOINT        |        ID        | VERSION | DB SIZE | IS LEADER | IS LEARNER | RAFT TERM | RAFT INDEX | RAFT APPLIED INDEX | ERRORS |");
    expect(status[3]).toBe("| https://127.0.0.1:2379 | 8e9e05c52164694d |  3.5.21 |  5.2 MB |      true |      false |         2 |        103 |                103 |        |");
    expect(runTool(["etcdctl", "version"], { world: w() }).stdout).toBe("etcdctl version: 3.5.21\nAPI version: 3.5\n");
  });

  it("without client certificates it cannot reach kind's etcd and gives up after its command timeout", () => {
    const r = runTool(["etcdctl", "get", "/", "--prefix", "--keys-only"], { world: w() });
    expect(r.code).toBe(1);
    expect(r.slept).toBe(5000);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^\{"level":"warn",.*"error":"rpc error: code = DeadlineExceeded desc = latest balancer error: last connection error: desc = \\"error reading server preface: EOF\\""\}\nError: context deadline exceeded\n$/);
    expect(runTool(["etcdctl", "--cacert=/tmp/nope.crt", "get", "/"], { world: w() })).toMatchObject({ code: 1, stderr: "Error: open /tmp/nope.crt: no such file or directory\n", slept: 0 });
    const noClient = runTool(["etcdctl", "--endpoints=https://127.0.0.1:2379", "--cacert=/etc/kubernetes/pki/etcd/ca.crt", "get", "/"], { world: w() });
    expect(noClient.stderr).toContain("tls: certificate required");
    // The same variables etcdctl reads work instead of flags.
    const env = { ETCDCTL_API: "3", ETCDCTL_ENDPOINTS: "https://127.0.0.1:2379", ETCDCTL_CACERT: "/etc/kubernetes/pki/etcd/ca.crt", ETCDCTL_CERT: "/etc/kubernetes/pki/etcd/server.crt", ETCDCTL_KEY: "/etc/kubernetes/pki/etcd/server.key" };
    expect(runTool(["etcdctl", "get", "/registry/pods/default/web", "--keys-only"], { world: w(), env }).stdout).toBe("/registry/pods/default/web\n\n");
  });

  it("refuses writes rather than change the API server's objects behind its back", () => {
    expect(runTool(["etcdctl", ...CERTS, "put", "/registry/x", "y"], { world: w() })).toMatchObject({ code: 1, stderr: "Error: etcdserver: permission denied\n" });
  });

  it("range ends for --prefix", () => {
    expect(prefixEnd("/")).toBe("0");
    expect(prefixEnd("/registry/pods/")).toBe("/registry/pods0");
  });
});

describe("etcd over the cluster's store", () => {
  it("kube-apiserver's prefixes, with its special cases", () => {
    expect(etcdPrefix("pods")).toBe("/registry/pods/");
    expect(etcdPrefix("services")).toBe("/registry/services/specs/");
    expect(etcdPrefix("endpoints")).toBe("/registry/services/endpoints/");
    expect(etcdPrefix("nodes")).toBe("/registry/minions/");
    expect(etcdPrefix("apps/deployments")).toBe("/registry/deployments/");
    expect(etcdPrefix("networking.k8s.io/ingresses")).toBe("/registry/ingress/");
    expect(etcdPrefix("coordination.k8s.io/leases")).toBe("/registry/leases/");
    expect(etcdPrefix("stable.example.com/crontabs")).toBe("/registry/stable.example.com/crontabs/");
  });

  it("lists a ConfigMap just created, its value protobuf that decodes back to it, revisions from the store", async () => {
    const { stub } = await newCluster();
    const made = await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", cm("etcd-probe", { greeting: "hello" }));
    expect(made.status).toBe(201);
    await kube(stub, "PUT", "/api/v1/namespaces/default/configmaps/etcd-probe", { ...made.json, data: { greeting: "bye" } });
    const seen = await runInDurableObject(stub, (o: ClusterObject) => {
      const store = (o as unknown as { store: Store }).store; // internal access: the etcd view is built over the store itself
      const etcd = etcdOf(store, { node: "kind-control-plane", nodeIP: "172.18.0.2" });
      const keys = etcd.range("/", "0", { keysOnly: true });
      const one = etcd.range("/registry/configmaps/default/etcd-probe", null);
      const sorted = [...keys.kvs.map((k) => k.key)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      const kv = one.kvs[0];
      const env = readEnvelope(kv.value);
      const decoded = decodeObject(env, BUILT_IN.storageKind("configmaps")!.schema) as { apiVersion: string; kind: string; metadata: { name: string; resourceVersion?: string }; data: Record<string, string> };
      return {
        keys: keys.kvs.map((k) => k.key),
        sorted,
        count: keys.count,
        limited: etcd.range("/", "0", { keysOnly: true, limit: 2 }),
        kv: { key: kv.key, createRevision: kv.createRevision, modRevision: kv.modRevision, version: kv.version, magic: [...kv.value.slice(0, 4)] },
        decoded: { apiVersion: decoded.apiVersion, kind: decoded.kind, name: decoded.metadata.name, rv: decoded.metadata.resourceVersion, data: decoded.data },
        rv: store.rv,
        member: etcd.member,
      };
    });
    expect(seen.keys).toContain("/registry/configmaps/default/etcd-probe");
    expect(seen.keys).toContain("/registry/namespaces/default");
    expect(seen.keys.some((k) => k.startsWith("/registry/minions/"))).toBe(true);
    expect(seen.keys).toEqual(seen.sorted);
    expect(seen.count).toBe(seen.keys.length);
    expect(seen.limited.kvs).toHaveLength(2);
    expect(seen.limited.more).toBe(true);
    expect(seen.kv.key).toBe("/registry/configmaps/default/etcd-probe");
    expect(seen.kv.magic).toEqual([0x6b, 0x38, 0x73, 0]);
    expect(seen.kv.createRevision).toBe(Number(made.json.metadata.resourceVersion));
    expect(seen.kv.modRevision).toBeGreaterThan(seen.kv.createRevision);
    expect(seen.kv.version).toBe(2);
    expect(seen.decoded).toEqual({ apiVersion: "v1", kind: "ConfigMap", name: "etcd-probe", rv: undefined, data: { greeting: "bye" } });
    expect(seen.member).toMatchObject({ name: "kind-control-plane", peerURL: "https://172.18.0.2:2380", clientURL: "https://172.18.0.2:2379" });
    expect(seen.member.id).toMatch(/^[0-9a-f]{16}$/);
  });
});
