// Runs one tool (or, through ctx.exec, a chain of them) outside any cluster: an in-memory file
// system, a fake clock that moves on {sleep}, stdin fed from a string or in timed chunks, and a
// world whose network, processes and cluster reach are stubs a test may override.
import { MemoryFs, populate, normalize, type PopulateEntry } from "../../worker/cluster/container/fs/memory";
import { Collect, Pipe } from "../../worker/cluster/container/streams";
import { toolNamed } from "../../worker/cluster/container/tools";
import type { ContainerWorld, Effect, FileSystem, Flavour, Input, Output, ToolContext } from "../../worker/cluster/container/types";
import type { Pod } from "../../worker/cluster/resources/pod";

export const T0 = Date.UTC(2026, 11, 3, 14, 45, 1);

export function fakeWorld(over: Partial<ContainerWorld> = {}): ContainerWorld {
  const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "default", uid: "uid-1" }, spec: { containers: [{ name: "app", image: "busybox" }], nodeName: "kind-worker" }, status: { podIP: "10.244.1.5" } } as unknown as Pod;
  return {
    pod,
    container: "app",
    node: "kind-worker",
    imageName: "busybox",
    image: null,
    hostname: "web",
    net: {
      lookup: (name, type) => ({ status: "NXDOMAIN", name, type, server: "10.96.0.10", tried: [name], answered: name, answers: [], additional: [] }),
      connect: () => ({ ok: false, error: "refused", message: "connection refused", trail: [] }),
      resolvConf: () => "search default.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n",
      iface: { name: "eth0", ip: "10.244.1.5", prefix: 24, mac: "6a:1f:3c:22:9e:01", gateway: "10.244.1.1", mtu: 1500 },
    },
    processes: {
      list: () => [{ pid: 1, ppid: 0, user: "root", argv: ["sleep", "3600"], startedAt: T0 - 60_000, state: "S", rssKb: 300, vszKb: 1500, tty: null }],
      kill: (pid) => (pid === 1 ? null : "ESRCH"),
      self: 7,
    },
    cluster: { etcd: () => null, iptablesSave: () => null },
    system: { kernel: "Linux", release: "6.8.0-1021-gcp", version: "#23-Ubuntu SMP Thu Nov 13 2025", machine: "x86_64", cpus: 8, memoryKb: 16_384_000, bootTime: T0 - 86_400_000 },
    ...over,
  };
}

export interface ToolRunOptions {
  fs?: FileSystem;
  files?: Record<string, PopulateEntry>;
  stdin?: string | Uint8Array;
  /** Stdin arriving over time: each chunk at that many ms after the start; ended after the last. */
  stdinChunks?: { at: number; data: string }[];
  env?: Record<string, string>;
  cwd?: string;
  flavour?: Flavour;
  world?: Partial<ContainerWorld>;
  now?: number;
  tty?: boolean;
  /** Stop driving after this much fake time (a tool that follows forever). */
  until?: number;
}

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Uint8Array;
  /** Total fake time slept. */
  slept: number;
  fs: FileSystem;
}

export function runTool(argv: string[], o: ToolRunOptions = {}): ToolResult {
  let clock = o.now ?? T0;
  const start = clock;
  const fs = o.fs ?? new MemoryFs({ now: () => clock });
  if (o.files) populate(fs, o.files);
  const stdin = new Pipe(!!o.tty);
  const timed = [...(o.stdinChunks ?? [])].sort((a, b) => a.at - b.at);
  if (o.stdin !== undefined) stdin.push(o.stdin);
  if (!timed.length) stdin.end();
  const feed = () => {
    while (timed.length && timed[0].at <= clock - start) {
      stdin.push(timed.shift()!.data);
      if (!timed.length) stdin.end();
    }
  };
  const stdout = new Collect(!!o.tty);
  const stderr = new Collect(!!o.tty);
  const world = fakeWorld(o.world);
  const env = o.env ?? { PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", HOME: "/root", HOSTNAME: "web" };
  const cwd = o.cwd ?? "/";
  const context = (argv: string[], io: { stdin: Input; stdout: Output; stderr: Output; env: Record<string, string> }): ToolContext => ({
    argv,
    env: io.env,
    cwd,
    resolve: (p) => normalize(p.startsWith("/") ? p : `${cwd}/${p}`),
    stdin: io.stdin,
    stdout: io.stdout,
    stderr: io.stderr,
    fs,
    now: () => clock,
    flavour: o.flavour ?? "busybox",
    world,
    *exec(argv2, io2) {
      return yield* run(argv2, { stdin: io2?.stdin ?? io.stdin, stdout: io2?.stdout ?? io.stdout, stderr: io2?.stderr ?? io.stderr, env: io2?.env ?? io.env });
    },
  });
  function* run(argv: string[], io: { stdin: Input; stdout: Output; stderr: Output; env: Record<string, string> }): Generator<Effect, number, void> {
    const name = (argv[0] ?? "").split("/").pop()!;
    const tool = toolNamed(name);
    if (!tool) {
      io.stderr.write(`${name}: not found\n`);
      return 127;
    }
    const r = tool.run(context(argv, io));
    if (typeof r === "number") return r;
    return yield* r;
  }
  const gen = run(argv, { stdin, stdout, stderr, env });
  let code: number | null = null;
  const limit = o.until ?? 365 * 86_400_000;
  for (;;) {
    feed();
    const step = gen.next();
    if (step.done) {
      code = step.value;
      break;
    }
    const effect = step.value;
    if ("sleep" in effect) clock += effect.sleep;
    else {
      // Waiting for stdin: jump to the next chunk, or give up if none will come.
      if (!timed.length) throw new Error("tool waits for stdin that will never come");
      clock = Math.max(clock, start + timed[0].at);
    }
    if (clock - start > limit) break;
  }
  return { code, stdout: stdout.text(), stderr: stderr.text(), stdoutBytes: stdout.bytes(), slept: clock - start, fs };
}
