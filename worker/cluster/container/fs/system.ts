// The files the kubelet and the runtime give every container: /etc/hosts, /etc/hostname and
// /etc/resolv.conf (bind-mounted from the pod's directory), /dev (tmpfs with the usual
// devices), /proc (the container's processes and the machine's figures) and /sys (read-only,
// with the container's cgroup limits).
import { CLUSTER_DOMAIN } from "../../network/types";
import type { Pod } from "../../resources/pod";
import type { ContainerT } from "../../resources/types/core";
import { integerQuantity, milliValue } from "../../machinery/quantity";
import { bytes, type MountInfo, type ProcessInfo } from "../types";
import { MemoryFs, populate, type PopulateEntry } from "./memory";

/** The machine under every node (kind runs on one host): uname and /proc/version. */
export const SYSTEM = {
  kernel: "Linux",
  release: "6.8.0-51-generic",
  version: "#52-Ubuntu SMP PREEMPT_DYNAMIC Thu Dec  5 13:09:44 UTC 2024",
  machine: "x86_64",
};

// ---------------------------------------------------------------------------------------------
// /etc/hosts, /etc/hostname

/** The pod's hostname: spec.hostname or its name (the node's on the host network), at most 63 characters. */
export function podHostname(pod: Pod): string {
  if (pod.spec?.hostNetwork) return pod.spec.nodeName ?? "";
  return (pod.spec?.hostname ?? pod.metadata.name ?? "").slice(0, 63).replace(/[-.]+$/, "");
}

const HOSTS_HEAD = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n";

/** /etc/hosts as the kubelet writes it (kubelet_pods.go, managedHostsFileContent). */
export function hostsFile(pod: Pod, nodeIP?: string): string {
  const spec = pod.spec;
  if (spec?.hostNetwork) {
    // The node's own file (kind's nodes are containers: Docker wrote it), under the kubelet's header.
    let s = "# Kubernetes-managed hosts file (host network).\n" + HOSTS_HEAD;
    if (nodeIP) s += `${nodeIP}\t${spec.nodeName ?? ""}\n`;
    return s + aliases(pod);
  }
  let s = "# Kubernetes-managed hosts file.\n" + HOSTS_HEAD;
  const host = podHostname(pod);
  const ips = pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : []);
  const domain = spec?.subdomain ? `${spec.subdomain}.${pod.metadata.namespace}.svc.${CLUSTER_DOMAIN}` : "";
  for (const ip of ips) s += domain ? `${ip}\t${host}.${domain}\t${host}\n` : `${ip}\t${host}\n`;
  return s + aliases(pod);
}

function aliases(pod: Pod): string {
  const list = pod.spec?.hostAliases ?? [];
  if (!list.length) return "";
  let s = "\n# Entries added by HostAliases.\n";
  for (const a of list) s += `${a.ip}\t${(a.hostnames ?? []).join("\t")}\n`;
  return s;
}

// ---------------------------------------------------------------------------------------------
// /dev

/** Bytes a read of an endless device returns at once (head -c and dd read no more than that). */
const DEVICE_READ = 64 * 1024;

/** /dev: devices read as Linux's do (zeros, deterministic "random" bytes, nothing). */
export class DevFs extends MemoryFs {
  private seed = 0x2545f491;
  override read(path: string): Uint8Array {
    const p = path.replace(/\/+$/, "");
    if (p === "/zero" || p === "/full") return new Uint8Array(DEVICE_READ);
    if (p === "/random" || p === "/urandom") {
      const out = new Uint8Array(DEVICE_READ);
      let x = this.seed;
      for (let i = 0; i < out.length; i++) {
        x ^= x << 13;
        x ^= x >>> 17;
        x ^= x << 5;
        out[i] = x & 0xff;
      }
      this.seed = x;
      return out;
    }
    return super.read(path);
  }
}

export function devTree(now: () => number, tty: boolean): DevFs {
  const fs = new DevFs({ now, mount: { source: "tmpfs", fstype: "tmpfs", options: "rw,nosuid,size=65536k,mode=755" } });
  for (const d of ["null", "zero", "full", "random", "urandom", "tty"]) fs.mknod(`/${d}`);
  populate(fs, {
    "/pts": { dir: true },
    "/mqueue": { dir: true, mode: 0o1777 },
    "/fd": { symlink: "/proc/self/fd" },
    "/stdin": { symlink: "/proc/self/fd/0" },
    "/stdout": { symlink: "/proc/self/fd/1" },
    "/stderr": { symlink: "/proc/self/fd/2" },
    "/core": { symlink: "/proc/kcore" },
    "/ptmx": { symlink: "pts/ptmx" },
  });
  fs.mknod("/pts/ptmx");
  if (tty) fs.mknod("/pts/0", 0o620);
  if (tty) fs.mknod("/console", 0o620);
  return fs;
}

// ---------------------------------------------------------------------------------------------
// /proc

export interface ProcInput {
  now: number;
  /** When the machine booted (cluster ms): uptime and processes' start times are from it. */
  bootTime: number;
  hostname: string;
  cpus: number;
  memoryKb: number;
  processes: ProcessInfo[];
  env?: Record<string, string>;
  mounts: () => MountInfo[];
  tty: boolean;
}

const HZ = 100;

function statusOf(p: ProcessInfo): string {
  const name = (p.argv[0] ?? "").split("/").pop()!.slice(0, 15);
  const state = p.state === "R" ? "R (running)" : p.state === "Z" ? "Z (zombie)" : "S (sleeping)";
  return `Name:\t${name}\nUmask:\t0022\nState:\t${state}\nTgid:\t${p.pid}\nNgid:\t0\nPid:\t${p.pid}\nPPid:\t${p.ppid}\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t64\nGroups:\t0 1 2 3 4 6 10 11 20 26 27 \nVmPeak:\t${p.vszKb} kB\nVmSize:\t${p.vszKb} kB\nVmRSS:\t${p.rssKb} kB\nThreads:\t1\n`;
}

function statOf(p: ProcessInfo, bootTime: number): string {
  const name = (p.argv[0] ?? "").split("/").pop()!.slice(0, 15);
  const start = Math.max(0, Math.round(((p.startedAt - bootTime) / 1000) * HZ));
  const f = [p.pid, `(${name})`, p.state, p.ppid, p.pid, p.pid, p.tty ? 34816 : 0, -1, 4194560, 0, 0, 0, 0, 0, 0, 0, 0, 20, 0, 1, 0, start, p.vszKb * 1024, Math.round(p.rssKb / 4)];
  while (f.length < 52) f.push(0);
  return f.join(" ") + "\n";
}

function mountsText(ms: MountInfo[]): string {
  return ms.map((m) => `${m.source} ${m.target} ${m.fstype} ${m.options} 0 0\n`).join("");
}

/** /proc as the container sees it; its mounts file reads the mount table when asked. */
export class ProcFs extends MemoryFs {
  constructor(private readonly input: ProcInput) {
    super({ now: () => input.now, mount: { source: "proc", fstype: "proc", options: "rw,nosuid,nodev,noexec,relatime" } });
    const { now, bootTime, cpus, memoryKb } = input;
    const up = Math.max(0, (now - bootTime) / 1000);
    const cpu = (i: number) =>
      `processor\t: ${i}\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\nmodel name\t: Intel(R) Xeon(R) Platinum 8272CL CPU @ 2.60GHz\nstepping\t: 7\ncpu MHz\t\t: 2593.907\ncache size\t: 36608 KB\nphysical id\t: 0\nsiblings\t: ${cpus}\ncore id\t\t: ${i}\ncpu cores\t: ${cpus}\napicid\t\t: ${i}\nfpu\t\t: yes\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ss ht syscall nx pdpe1gb rdtscp lm constant_tsc rep_good nopl xtopology cpuid pni pclmulqdq ssse3 fma cx16 pcid sse4_1 sse4_2 movbe popcnt aes xsave avx f16c rdrand hypervisor lahf_lm abm 3dnowprefetch avx2 bmi1 bmi2 erms avx512f avx512dq\nbogomips\t: 5187.81\naddress sizes\t: 46 bits physical, 48 bits virtual\n\n`;
    const free = Math.round(memoryKb * 0.62);
    const files: Record<string, PopulateEntry> = {
      "/cpuinfo": Array.from({ length: cpus }, (_, i) => cpu(i)).join(""),
      "/meminfo": `MemTotal:       ${String(memoryKb).padStart(8)} kB\nMemFree:        ${String(free).padStart(8)} kB\nMemAvailable:   ${String(Math.round(memoryKb * 0.8)).padStart(8)} kB\nBuffers:        ${String(Math.round(memoryKb * 0.02)).padStart(8)} kB\nCached:         ${String(Math.round(memoryKb * 0.15)).padStart(8)} kB\nSwapCached:            0 kB\nActive:         ${String(Math.round(memoryKb * 0.2)).padStart(8)} kB\nInactive:       ${String(Math.round(memoryKb * 0.1)).padStart(8)} kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nShmem:          ${String(Math.round(memoryKb * 0.01)).padStart(8)} kB\n`,
      "/uptime": `${up.toFixed(2)} ${(up * cpus * 0.9).toFixed(2)}\n`,
      "/version": `Linux version ${SYSTEM.release} (buildd@lcy02-amd64-107) (x86_64-linux-gnu-gcc-13 (Ubuntu 13.3.0-6ubuntu2~24.04) 13.3.0, GNU ld (GNU Binutils for Ubuntu) 2.42) ${SYSTEM.version}\n`,
      "/loadavg": `0.42 0.35 0.30 2/${180 + input.processes.length} ${input.processes.reduce((m, p) => Math.max(m, p.pid), 1)}\n`,
      "/filesystems": "nodev\tsysfs\nnodev\ttmpfs\nnodev\tproc\nnodev\tcgroup2\nnodev\tdevpts\nnodev\tmqueue\nnodev\toverlay\n\text4\n",
      "/cmdline": "BOOT_IMAGE=/vmlinuz root=/dev/sda1 ro console=ttyS0\n",
      "/stat": `cpu  ${Math.round(up * HZ * 0.1)} 0 ${Math.round(up * HZ * 0.05)} ${Math.round(up * HZ * cpus * 0.85)} 0 0 0 0 0 0\nbtime ${Math.floor(bootTime / 1000)}\nprocesses ${200 + input.processes.length}\nprocs_running 1\nprocs_blocked 0\n`,
      "/sys/kernel/hostname": `${input.hostname}\n`,
      "/sys/kernel/osrelease": `${SYSTEM.release}\n`,
      "/sys/kernel/ostype": "Linux\n",
      "/sys/kernel/pid_max": "4194304\n",
      "/sys/net/ipv4/ip_forward": "1\n",
      "/sys/net/core/somaxconn": "4096\n",
      "/sys/vm/overcommit_memory": "1\n",
      "/net": { symlink: "self/net" },
      "/mounts": { symlink: "self/mounts" },
      "/self": { symlink: String(input.processes[0]?.pid ?? 1) },
      "/thread-self": { symlink: `${input.processes[0]?.pid ?? 1}/task/${input.processes[0]?.pid ?? 1}` },
    };
    for (const p of input.processes) {
      const d = `/${p.pid}`;
      files[`${d}/cmdline`] = p.argv.map((a) => a + "\0").join("");
      files[`${d}/comm`] = `${(p.argv[0] ?? "").split("/").pop()!.slice(0, 15)}\n`;
      files[`${d}/status`] = statusOf(p);
      files[`${d}/stat`] = statOf(p, bootTime);
      files[`${d}/environ`] = p.pid === (input.processes[0]?.pid ?? 1) && input.env ? Object.entries(input.env).map(([k, v]) => `${k}=${v}\0`).join("") : "";
      files[`${d}/cwd`] = { symlink: "/" };
      files[`${d}/root`] = { symlink: "/" };
      files[`${d}/exe`] = { symlink: p.argv[0]?.startsWith("/") ? p.argv[0] : `/bin/${p.argv[0] ?? ""}` };
      files[`${d}/mounts`] = "";
      files[`${d}/net`] = { dir: true };
      files[`${d}/fd`] = { dir: true };
    }
    populate(this, files);
    for (const p of input.processes) for (const fd of [0, 1, 2]) this.mknod(`/${p.pid}/fd/${fd}`, 0o700);
    for (const p of input.processes) this.chmod(`/${p.pid}`, 0o555);
  }

  override read(path: string): Uint8Array {
    if (/^\/\d+\/mounts$/.test(path)) return bytes(mountsText(this.input.mounts()));
    return super.read(path);
  }
}

// ---------------------------------------------------------------------------------------------
// /sys

/** /sys with the container's cgroup (v2) limits. */
export function sysTree(now: () => number, spec: ContainerT, usageBytes: number): MemoryFs {
  const limits = (spec.resources?.limits ?? {}) as Record<string, string>;
  const mem = limits.memory ? String(integerQuantity(limits.memory)) : "max";
  const cpu = limits.cpu ? `${Math.round(milliValue(limits.cpu) * 100)} 100000` : "max 100000";
  const fs = new MemoryFs({ now, mount: { source: "sysfs", fstype: "sysfs", options: "ro,nosuid,nodev,noexec,relatime", readOnly: true } });
  populate(fs, {
    "/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n",
    "/fs/cgroup/memory.max": `${mem}\n`,
    "/fs/cgroup/memory.current": `${usageBytes}\n`,
    "/fs/cgroup/memory.swap.max": "0\n",
    "/fs/cgroup/cpu.max": `${cpu}\n`,
    "/fs/cgroup/cpu.weight": "100\n",
    "/fs/cgroup/pids.max": "max\n",
    "/fs/cgroup/cgroup.procs": "1\n",
    "/class/net": { dir: true },
    "/kernel": { dir: true },
    "/devices": { dir: true },
  });
  return fs;
}
