// A pod's containers put together from the cluster: for each container run, its files (the
// store's layers with its processes' effects over them), the world its tools reach (the pod's
// network, its processes, etcd in an etcd pod, the node's rules in kube-proxy's), and its own
// process as a timeline. One per cluster object; what it keeps in memory (computed timelines)
// is a cache, rebuilt from the store after a restart.
import type { Clock } from "../clock";
import type { ClusterNetwork } from "../network/dial";
import { resolvConf, resolve } from "../network/dns";
import { iptablesSave } from "../network/kubeProxy";
import type { NetworkView } from "../network/types";
import { argvOf, staticProgram, type Program } from "../node/program";
import type { ImageBehaviour } from "../node/images";
import type { Pod } from "../resources/pod";
import type { ContainerT } from "../resources/types/core";
import type { Store } from "../store/store";
import { EffectsFs, locator, type Effect as FileEffect } from "./effects";
import { containerEnv, envMayFail } from "./env";
import { etcdOf, etcdVersionFor } from "./etcd";
import { imageProfile } from "./fs/skeletons";
import { dropContainerLayer, dropPodVolumes } from "./fs";
import { SYSTEM } from "./fs/system";
import { spawn } from "./spawn";
import { runsForever } from "./forever";
import { Timeline, type StdinChunk } from "./timeline";
import type { ContainerWorld, FileSystem, Flavour, Net, ProcessInfo, Processes } from "./types";

/** A container run: which container of the pod, and its containerID and start. */
export interface RunRef {
  container: string;
  kind: "init" | "app" | "ephemeral";
  id: string;
  startedAt: number;
  /** Whether the run has ended, when the caller knows (false: it has no final log to look for). */
  finished?: boolean;
}

export interface WorldDeps {
  store: Store;
  clock: Clock;
  network: ClusterNetwork;
  kubernetesVersion: () => string;
  image(pod: Pod, spec: ContainerT): ImageBehaviour | null;
  /** The files the store keeps for a container run (image skeleton, its layer, volumes). */
  baseFs(pod: Pod, spec: ContainerT, run: RunRef, argv: string[], view: NetworkView): FileSystem;
  /** The current run of each started container of a pod (from the kubelet's runtime). */
  runsOf(pod: Pod): RunRef[];
  /** Asks the kubelet to look at a pod again now (its process took input or a signal). */
  poke(pod: Pod): void;
}

type Consult = <T>(ask: () => T) => T;
interface Answered {
  at: number;
  result: unknown;
}

/** Network answers remembered per run (a process that polls for ever stops being remembered). */
const MAX_ANSWERS = 2000;
/** Timelines kept in memory at once; others are recomputed when read. */
const MAX_CACHED = 400;
/** How far other containers' timelines are computed before one that may read their files starts. */
const SHARED_HORIZON_MS = 60_000;

interface Cached {
  program: Program;
  timeline: Timeline | null;
  /** How far the cluster clock led the wall clock when computed (what `date` printed is on the wall clock). */
  lead: number;
}

export function specOfContainer(pod: Pod, name: string): { spec: ContainerT; kind: RunRef["kind"] } | null {
  const s = pod.spec;
  const app = s?.containers.find((c) => c.name === name);
  if (app) return { spec: app, kind: "app" };
  const init = s?.initContainers?.find((c) => c.name === name);
  if (init) return { spec: init, kind: "init" };
  const eph = (s?.ephemeralContainers as ContainerT[] | undefined)?.find((c) => c.name === name);
  return eph ? { spec: eph, kind: "ephemeral" } : null;
}

/**
 * Computed processes keyed `podUid/container/runId`, oldest first, with the keys of each pod at
 * hand: a container that starts forgets its pod's other processes, and that was a pass over every
 * cached key for every container started (2% of starting 10,000 pods).
 */
class ProcessCache {
  private readonly map = new Map<string, Cached>();
  private readonly byPod = new Map<string, Set<string>>();

  get(key: string): Cached | undefined {
    return this.map.get(key);
  }

  /** Keeps `value` as the newest entry; the oldest goes past `max`. */
  set(key: string, value: Cached, max = Infinity): void {
    this.map.delete(key);
    this.map.set(key, value);
    const pod = key.slice(0, key.indexOf("/"));
    let keys = this.byPod.get(pod);
    if (!keys) this.byPod.set(pod, (keys = new Set()));
    keys.add(key);
    if (this.map.size > max) this.delete(this.map.keys().next().value!);
  }

  delete(key: string): void {
    if (!this.map.delete(key)) return;
    const pod = key.slice(0, key.indexOf("/"));
    const keys = this.byPod.get(pod);
    keys?.delete(key);
    if (keys && !keys.size) this.byPod.delete(pod);
  }

  /** The keys of one pod's processes. */
  keysOf(podUid: string): string[] {
    return [...(this.byPod.get(podUid) ?? [])];
  }
}

export class ContainerWorlds {
  private readonly cache = new ProcessCache();
  /** What the network answered each run's process, in order (see compute). */
  private readonly answers = new Map<string, { list: Answered[]; certain: () => number }>();
  private readonly sessions = new Map<string, ProcessInfo[]>();
  private nextPid = 20;
  /** Whether any process has been signalled (a row in process_signals); null until asked. */
  private signalled: boolean | null = null;
  /** Whether any process took input (process_input) or had its environment kept (process_env); null until asked. */
  private typedInto: boolean | null = null;
  private envKept: boolean | null = null;
  /** Pods whose processes took input or a signal since the kubelet last planned them. */
  private readonly poked = new Set<string>();

  constructor(private readonly deps: WorldDeps) {
    const sql = deps.store.sqlStorage;
    sql.exec("CREATE TABLE IF NOT EXISTS process_input (run TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, data BLOB, closed INTEGER NOT NULL DEFAULT 0)");
    sql.exec("CREATE INDEX IF NOT EXISTS process_input_run ON process_input(run, seq)");
    sql.exec("CREATE TABLE IF NOT EXISTS process_signals (run TEXT NOT NULL, at INTEGER NOT NULL, signal INTEGER NOT NULL, code INTEGER NOT NULL)");
    sql.exec("CREATE INDEX IF NOT EXISTS process_signals_run ON process_signals(run)");
    // A container's environment is fixed when it is created; exec sessions inherit it.
    sql.exec("CREATE TABLE IF NOT EXISTS process_env (run TEXT PRIMARY KEY, env TEXT NOT NULL) WITHOUT ROWID");
    // Runs whose writes to volumes were kept when they ended (done once).
    // ... and what it wrote to its log, final now (the kubelet's log file of a dead container).
    sql.exec("CREATE TABLE IF NOT EXISTS process_committed (run TEXT PRIMARY KEY, log TEXT) WITHOUT ROWID");
  }

  // -------------------------------------------------------------------------------------------
  // A container's own process

  /** The process of a container run, computed as far as it has been read. */
  program(pod: Pod, run: RunRef): Program {
    const key = `${pod.metadata.uid}/${run.container}/${run.id}`;
    const hit = this.cache.get(key);
    // A run that has ended has a final history (its log as written): the store keeps it.
    if (!hit && run.finished !== false) {
      const row = this.deps.store.sqlStorage.exec<{ log: string | null }>("SELECT log FROM process_committed WHERE run = ?", run.id).toArray()[0];
      if (row?.log) {
        const program = { ...(JSON.parse(row.log) as Program), known: Infinity };
        this.cache.set(key, { program, timeline: null, lead: this.deps.clock.wallOffset() }, MAX_CACHED);
        return program;
      }
    }
    const stale = hit && ((hit.timeline?.guessedFrom != null && this.deps.clock.now() >= hit.timeline.guessedFrom) || (hit.timeline && hit.lead !== this.deps.clock.wallOffset()));
    if (hit && !stale) {
      this.cache.set(key, hit);
      return hit.program;
    }
    // A container starting now changes what its pod's others will read from shared volumes.
    if (!hit && run.startedAt >= this.deps.clock.now() - 1) this.invalidateOthers(pod.metadata.uid!, run.container);
    this.computing.add(key);
    let made: Cached;
    try {
      made = this.compute(pod, run);
    } finally {
      this.computing.delete(key);
    }
    this.cache.set(key, made, MAX_CACHED);
    return made.program;
  }

  /** Forgets computed processes of a pod (its inputs changed: a volume was rewritten, input was typed). */
  invalidate(podUid: string, runId?: string): void {
    for (const k of this.cache.keysOf(podUid)) if (!runId || k.endsWith(`/${runId}`)) this.cache.delete(k);
  }

  /** Runs whose process is being set up right now (their effects are not known yet: no recursion into them). */
  private readonly computing = new Set<string>();

  private invalidateOthers(podUid: string, container: string): void {
    for (const k of this.cache.keysOf(podUid)) if (!k.startsWith(`${podUid}/${container}/`)) this.cache.delete(k);
  }

  /** The kubelet's runtime of a pod while it syncs it (the store has the state before this sync). */
  private readonly syncing = new Map<string, () => RunRef[]>();

  /** While `fn` runs, the pod's running containers are those `runs` says (the kubelet's live state). */
  whileSyncing<T>(podUid: string, runs: () => RunRef[], fn: () => T): T {
    this.syncing.set(podUid, runs);
    try {
      return fn();
    } finally {
      this.syncing.delete(podUid);
    }
  }

  private runsOf(pod: Pod): RunRef[] {
    const live = this.syncing.get(pod.metadata.uid!);
    return live ? live() : this.deps.runsOf(pod);
  }

  private compute(pod: Pod, run: RunRef): Cached {
    const found = specOfContainer(pod, run.container);
    const spec = found?.spec ?? { name: run.container };
    const image = this.deps.image(pod, spec);
    const argv = image ? argvOf(image, spec.command, spec.args) : [...(spec.command ?? []), ...(spec.args ?? [])];
    const signal = this.signalOf(run.id);
    const withSignal = (p: Program): Program => {
      if (!signal) return p;
      const at = signal.at - run.startedAt;
      if (p.exit && p.exit.at <= at) return p;
      p.extend?.(at);
      return { ...p, steps: p.steps.filter((s) => s.at <= at), loop: undefined, exit: { at, code: signal.code }, known: Infinity, extend: undefined };
    };
    const fixed = image ? staticProgram(image, argv) : null;
    const lead = this.deps.clock.wallOffset();
    if (fixed) return { program: withSignal(fixed), timeline: null, lead };
    // What the pod's other containers write to shared volumes, as far as this one has got: gathered
    // again once a (virtual) second has passed, since containers start and restart.
    let shared: FileEffect[] = [];
    let gatheredAt = -Infinity;
    const gather = (t: number): FileEffect[] => {
      if (t - gatheredAt < 1000) return shared;
      let complete = true;
      const all: FileEffect[] = [];
      for (const o of this.runsOf(pod)) {
        if (o.container === run.container) continue;
        // One being set up right now is left for the next gathering (not remembered as none).
        if (this.computing.has(`${pod.metadata.uid}/${o.container}/${o.id}`)) {
          complete = false;
          continue;
        }
        const p = this.program(pod, o);
        p.extend?.(t - o.startedAt + SHARED_HORIZON_MS);
        const other = this.cache.get(`${pod.metadata.uid}/${o.container}/${o.id}`)?.timeline;
        if (other) for (const e of other.effects) if (!e.loc.startsWith("root:")) all.push(e);
      }
      if (complete) gatheredAt = t;
      const before = shared;
      shared = all.sort((a, b) => a.at - b.at);
      // The same effects as before: keep the array, so readers need not lay them down again.
      if (before.length === shared.length && before.every((e, i) => e === shared[i])) shared = before;
      return shared;
    };
    const input = this.inputOf(run.id);
    let timeline: Timeline | null = null;
    // What the network answered this run's process before, while it was certain: asked again
    // (the process is recomputed), the same question at the same time gets the same answer, so a
    // recomputed history keeps what happened (an init container that waited shows its waiting).
    const runKey = `${pod.metadata.uid}/${run.container}/${run.id}`;
    const prior = this.answers.get(runKey);
    const answered: Answered[] = [];
    const consult: Consult = (ask) => {
      const at = timeline!.clockNow;
      const i = answered.length;
      const known = prior && i < prior.list.length && prior.list[i].at === at && at < prior.certain() ? prior.list[i] : null;
      const result = known ? known.result : ask();
      if (answered.length < MAX_ANSWERS) answered.push({ at, result });
      if (!known) timeline!.consulted();
      return result as ReturnType<typeof ask>;
    };
    this.answers.set(runKey, { list: answered, certain: () => timeline?.guessedFrom ?? Infinity });
    if (this.answers.size > MAX_CACHED) this.answers.delete(this.answers.keys().next().value!);
    const view = this.deps.network.view();
    const env = this.runEnv(pod, run, spec, image);
    const profile = imageProfile(spec.image ?? "", image);
    const base = this.deps.baseFs(pod, spec, run, argv, view);
    timeline = new Timeline({
      start: run.startedAt,
      stdin: !!spec.stdin,
      stdinOnce: !!spec.stdinOnce,
      tty: !!spec.tty,
      typed: input.typed,
      stdinClosedAt: input.closedAt,
      realNow: () => this.deps.clock.now(),
      run: (io) => {
        const fs = new EffectsFs(base, locator(run.container, spec, pod.spec?.volumes), io.now, () => gather(io.now()), io.record);
        const world = this.world(pod, run, spec, image, argv, consult);
        const started = spawn(argv, {
          env,
          cwd: spec.workingDir || profile.workingDir || "/",
          fs,
          // The container's wall clock: what the client's clock says (logs are stamped on it too).
          now: () => io.now() - lead,
          flavour: profile.flavour ?? "busybox",
          world,
          io: { stdin: io.stdin, stdout: io.stdout, stderr: io.stderr },
        });
        if ("error" in started) return { startError: started.message };
        return started;
      },
    });
    if (runsForever(argv) && !input.typed.length) timeline.forever = true;
    return { program: withSignal(timeline), timeline, lead };
  }

  private inputOf(runId: string): { typed: StdinChunk[]; closedAt: number | null } {
    const typed: StdinChunk[] = [];
    let closedAt: number | null = null;
    for (const r of this.deps.store.sqlStorage.exec<{ at: number; data: ArrayBuffer | null; closed: number }>("SELECT at, data, closed FROM process_input WHERE run = ? ORDER BY seq", runId)) {
      if (r.closed) closedAt = r.at;
      else if (r.data) typed.push({ at: r.at, data: new Uint8Array(r.data) });
    }
    return { typed, closedAt };
  }

  private holdsRows(table: "process_input" | "process_signals" | "process_env"): boolean {
    return this.deps.store.sqlStorage.exec(`SELECT 1 FROM ${table} LIMIT 1`).toArray().length > 0;
  }

  private signalOf(runId: string): { at: number; code: number } | null {
    // Most clusters never signal a process: no statement for every container that starts then.
    if (!(this.signalled ??= this.holdsRows("process_signals"))) return null;
    const row = this.deps.store.sqlStorage.exec<{ at: number; code: number }>("SELECT at, code FROM process_signals WHERE run = ? ORDER BY at LIMIT 1", runId).toArray()[0];
    return row ?? null;
  }

  /** Why a container cannot be configured (CreateContainerConfigError), or null. */
  configError(pod: Pod, container: string): string | null {
    const found = specOfContainer(pod, container);
    if (!found || !envMayFail(found.spec)) return null;
    const env = containerEnv({ view: this.deps.network.view(), pod, spec: found.spec, imageName: found.spec.image ?? "", image: this.deps.image(pod, found.spec) });
    return "error" in env ? env.error : null;
  }

  /**
   * A run ended: what its process wrote to the pod's volumes up to its end is written to the
   * stored files at once (an emptyDir keeps it for the container's next run and its neighbours,
   * a PVC beyond the pod). Its own layer goes with it, so that is left alone. Its final log goes
   * into `logs`, for keepLogs when the caller's sync is done: a pod removed in that same sync takes
   * its logs with it, and writing them first cost a row written and deleted again.
   */
  commitRun(pod: Pod, run: RunRef, until: number, logs: Map<string, string>): void {
    const sql = this.deps.store.sqlStorage;
    if (logs.has(run.id) || sql.exec("SELECT 1 FROM process_committed WHERE run = ?", run.id).toArray().length) return;
    const program = this.program(pod, run);
    program.extend?.(until - run.startedAt);
    const end = until - run.startedAt;
    const frozen: Program = { steps: program.steps.filter((st) => st.log !== undefined && st.at <= end), exit: program.exit, serves: program.serves, ...(program.startError ? { startError: program.startError } : {}) };
    logs.set(run.id, JSON.stringify(frozen));
    const timeline = this.cache.get(`${pod.metadata.uid}/${run.container}/${run.id}`)?.timeline;
    const mine = timeline?.effects.filter((e) => e.loc.startsWith("vol:") && e.at <= until && e.path) ?? [];
    if (!mine.length) return;
    const found = specOfContainer(pod, run.container);
    if (!found) return;
    const image = this.deps.image(pod, found.spec);
    const base = this.deps.baseFs(pod, found.spec, run, image ? argvOf(image, found.spec.command, found.spec.args) : [], this.deps.network.view());
    for (const e of mine) {
      try {
        if (e.op === "write" || e.op === "append") base.write(e.path!, e.data!, { append: e.op === "append", mode: e.mode });
        else if (e.op === "mkdir") base.mkdir(e.path!, { parents: true, mode: e.mode });
        else if (e.op === "remove") base.remove(e.path!, { recursive: true });
        else if (e.op === "symlink") base.symlink(e.target!, e.path!);
      } catch {
        // What the store's files no longer allow (a parent gone) is dropped, as a lost write would be.
      }
    }
  }

  /** Keeps the final logs commitRun gave (a dead container's log, for `kubectl logs --previous`). */
  keepLogs(logs: Map<string, string>): void {
    for (const [run, log] of logs) this.deps.store.sqlStorage.exec("INSERT INTO process_committed (run, log) VALUES (?, ?)", run, log);
  }

  /** A dead container's writable layer and inputs, no longer kept. `podGoing`: the pod's volume snapshots all go next (forgetPod), its own need no statement. */
  forgetRun(podUid: string, runId: string, podGoing = false): void {
    const sql = this.deps.store.sqlStorage;
    dropContainerLayer(sql, podUid, runId, !podGoing);
    // Most runs took no input, no signal and never had their environment asked for: no statement
    // for tables that hold nothing (once one has had a row, it is always asked).
    if ((this.typedInto ??= this.holdsRows("process_input"))) sql.exec("DELETE FROM process_input WHERE run = ?", runId);
    if ((this.signalled ??= this.holdsRows("process_signals"))) sql.exec("DELETE FROM process_signals WHERE run = ?", runId);
    if ((this.envKept ??= this.holdsRows("process_env"))) sql.exec("DELETE FROM process_env WHERE run = ?", runId);
    sql.exec("DELETE FROM process_committed WHERE run = ?", runId);
    for (const k of [...this.answers.keys()]) if (k.endsWith(`/${runId}`)) this.answers.delete(k);
    this.invalidate(podUid, runId);
  }

  /** A pod removed from its node (or gone from the API before the kubelet stopped it): its containers' layers and its emptyDirs go. */
  forgetPod(podUid: string, runIds: string[]): void {
    for (const id of runIds) this.forgetRun(podUid, id, true);
    dropPodVolumes(this.deps.store.sqlStorage, podUid);
    this.invalidate(podUid);
  }

  /** Bytes typed into a container's own process (attach), at the cluster's now. */
  type(pod: Pod, run: RunRef, data: Uint8Array): void {
    this.deps.store.sqlStorage.exec("INSERT INTO process_input (run, at, data) VALUES (?, ?, ?)", run.id, this.deps.clock.now(), data);
    this.typedInto = true;
    this.invalidate(pod.metadata.uid!, run.id);
    this.wake(pod);
  }

  private wake(pod: Pod): void {
    this.poked.add(pod.metadata.uid!);
    this.deps.poke(pod);
  }

  /** Whether the kubelet must plan this pod's running containers again (and forgets it). */
  takePoked(podUid: string): boolean {
    return this.poked.delete(podUid);
  }

  /** The attached client closed the process's stdin (stdinOnce). */
  closeInput(pod: Pod, run: RunRef): void {
    this.deps.store.sqlStorage.exec("INSERT INTO process_input (run, at, data, closed) VALUES (?, ?, NULL, 1)", run.id, this.deps.clock.now());
    this.typedInto = true;
    this.invalidate(pod.metadata.uid!, run.id);
    this.wake(pod);
  }

  /** A signal that ends a container's process: recorded, so the process's history keeps it. */
  private signal(pod: Pod, run: RunRef, signal: number, code: number): void {
    this.deps.store.sqlStorage.exec("INSERT INTO process_signals (run, at, signal, code) VALUES (?, ?, ?, ?)", run.id, this.deps.clock.now(), signal, code);
    this.signalled = true;
    this.invalidate(pod.metadata.uid!, run.id);
    this.wake(pod);
  }

  // -------------------------------------------------------------------------------------------
  // Files and the world, now (exec sessions)

  /** A container run's files at the cluster's now: its processes' writes so far over the store's; writes are kept. */
  filesNow(pod: Pod, run: RunRef): FileSystem {
    const found = specOfContainer(pod, run.container);
    const spec = found?.spec ?? { name: run.container };
    const image = this.deps.image(pod, spec);
    const argv = image ? argvOf(image, spec.command, spec.args) : [];
    const view = this.deps.network.view();
    const base = this.deps.baseFs(pod, spec, run, argv, view);
    const runs = this.runsOf(pod);
    const now = () => this.deps.clock.now();
    // Effects of every running process of the pod, as far as they have happened.
    const effects = (): FileEffect[] => {
      const all: FileEffect[] = [];
      for (const r of runs) {
        const p = this.program(pod, r);
        p.extend?.(now() - r.startedAt);
        const t = this.cache.get(`${pod.metadata.uid}/${r.container}/${r.id}`)?.timeline;
        if (!t) continue;
        const own = r.id === run.id;
        for (const e of t.effects) if (own || !e.loc.startsWith("root:")) all.push(e);
      }
      return all.sort((a, b) => a.at - b.at);
    };
    let cachedAt = -1;
    let list: FileEffect[] = [];
    return new EffectsFs(base, locator(run.container, spec, pod.spec?.volumes), now, () => {
      if (cachedAt !== now()) {
        list = effects();
        cachedAt = now();
      }
      return list;
    });
  }

  imageOf(pod: Pod, spec: ContainerT): ImageBehaviour | null {
    return this.deps.image(pod, spec);
  }

  flavourOf(pod: Pod, container: string): Flavour {
    const found = specOfContainer(pod, container);
    const image = found ? this.deps.image(pod, found.spec) : null;
    return imageProfile(found?.spec.image ?? "", image).flavour ?? "busybox";
  }

  /** The environment of a container run: computed when it was created, and kept. */
  runEnv(pod: Pod, run: RunRef, spec?: ContainerT, image?: ImageBehaviour | null): Record<string, string> {
    const sql = this.deps.store.sqlStorage;
    const row = sql.exec<{ env: string }>("SELECT env FROM process_env WHERE run = ?", run.id).toArray()[0];
    if (row) return JSON.parse(row.env) as Record<string, string>;
    const s = spec ?? specOfContainer(pod, run.container)?.spec;
    if (!s) return {};
    const made = containerEnv({ view: this.deps.network.view(), pod, spec: s, imageName: s.image ?? "", image: image === undefined ? this.deps.image(pod, s) : image });
    const env = "env" in made ? made.env : {};
    sql.exec("INSERT OR REPLACE INTO process_env (run, env) VALUES (?, ?)", run.id, JSON.stringify(env));
    this.envKept = true;
    return env;
  }

  workingDirOf(pod: Pod, container: string): string {
    const found = specOfContainer(pod, container);
    if (!found) return "/";
    return found.spec.workingDir || imageProfile(found.spec.image ?? "", this.deps.image(pod, found.spec)).workingDir || "/";
  }

  /** A session's process, listed by ps while it runs. */
  register(pod: Pod, run: RunRef, argv: string[], tty: boolean): { pid: number; done(): void } {
    const key = `${pod.metadata.uid}/${run.container}`;
    const pid = this.nextPid++;
    const list = this.sessions.get(key) ?? [];
    list.push({ pid, ppid: 0, user: "root", argv, startedAt: this.deps.clock.now(), state: "S", rssKb: 1200, vszKb: 4300, tty: tty ? "pts/0" : null });
    this.sessions.set(key, list);
    return {
      pid,
      done: () => {
        const l = this.sessions.get(key)?.filter((p) => p.pid !== pid) ?? [];
        if (l.length) this.sessions.set(key, l);
        else this.sessions.delete(key);
      },
    };
  }

  world(pod: Pod, run: RunRef, spec: ContainerT, image: ImageBehaviour | null, argv: string[], consult?: Consult, self = 1): ContainerWorld {
    const deps = this.deps;
    const node = pod.spec?.nodeName ?? "";
    const view = () => deps.network.view();
    const hostNetwork = !!pod.spec?.hostNetwork;
    const ip = pod.status?.podIP ?? "";
    const net: Net = {
      lookup: (name, type, opts) => {
        const ask = () => resolve(view(), { name: opts?.search === false && !name.endsWith(".") ? `${name}.` : name, type, from: pod });
        return consult ? consult(ask) : ask();
      },
      connect: (host, port, request, protocol) => {
        const dial = () => deps.network.dial(view(), { from: { kind: "pod", pod }, host, port, protocol: protocol ?? "TCP", ...(request ? { request } : {}) });
        return consult ? consult(dial) : dial();
      },
      resolvConf: () => resolvConf(view(), pod),
      iface: hostNetwork
        ? { name: "eth0", ip, prefix: 16, mac: macOf(ip), gateway: "172.18.0.1", mtu: 1500 }
        : { name: "eth0", ip, prefix: 24, mac: macOf(ip), gateway: ip.replace(/\.\d+$/, ".1"), mtu: 1500 },
    };
    const labels = pod.metadata.labels ?? {};
    const inKubeSystem = pod.metadata.namespace === "kube-system";
    const nodeObj = view().node(node);
    const nodeIP = nodeObj?.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
    const cpus = Number(nodeObj?.status?.capacity?.cpu ?? 8) || 8;
    const memKi = Number(/^(\d+)Ki$/.exec(String(nodeObj?.status?.capacity?.memory ?? ""))?.[1] ?? 16_384_000);
    const processes: Processes = {
      self,
      list: () => this.processList(pod, run, spec, image, argv),
      kill: (pid, sig) => this.kill(pod, run, spec, image, pid, sig),
    };
    return {
      pod,
      container: run.container,
      node,
      imageName: spec.image ?? "",
      image,
      hostname: hostNetwork ? node : pod.spec?.hostname ?? pod.metadata.name ?? "",
      net,
      processes,
      cluster: {
        etcd: () => (inKubeSystem && labels.component === "etcd" ? etcdOf(deps.store, { node, nodeIP, version: etcdVersionFor(deps.kubernetesVersion()) }) : null),
        iptablesSave: () => (inKubeSystem && labels["k8s-app"] === "kube-proxy" ? iptablesSave(view(), node) : null),
        // A pod in the node's PID namespace (a node debugging pod) sees the node's containers (crictl).
        nodePods: () => (pod.spec?.hostPID ? view().podsOnNode(node) : null),
      },
      system: {
        ...SYSTEM,
        cpus,
        memoryKb: memKi,
        bootTime: Date.parse(nodeObj?.metadata.creationTimestamp ?? "") || run.startedAt,
      },
    };
  }

  /** What ps shows: the container's process as PID 1 (or the pod's, sharing a namespace), and live sessions. */
  private processList(pod: Pod, run: RunRef, spec: ContainerT, image: ImageBehaviour | null, argv: string[]): ProcessInfo[] {
    const mem = (image?.memoryMi ?? 4) * 1024;
    const main = (pid: number, a: string[], startedAt: number, tty: boolean): ProcessInfo => ({ pid, ppid: 0, user: "root", argv: a, startedAt, state: "S", rssKb: Math.round(mem), vszKb: Math.round(mem * 2.5), tty: tty ? "pts/0" : null });
    const out: ProcessInfo[] = [];
    const shared = !!pod.spec?.shareProcessNamespace;
    const target = (spec as { targetContainerName?: string }).targetContainerName;
    if (shared) {
      out.push(main(1, ["/pause"], run.startedAt, false));
      let pid = 7;
      for (const r of this.runsOf(pod)) {
        const f = specOfContainer(pod, r.container);
        const img = f ? this.deps.image(pod, f.spec) : null;
        out.push(main(pid++, img && f ? argvOf(img, f.spec.command, f.spec.args) : [r.container], r.startedAt, !!f?.spec.tty));
      }
    } else if (target) {
      const t = this.runsOf(pod).find((r) => r.container === target);
      const f = specOfContainer(pod, target);
      const img = f ? this.deps.image(pod, f.spec) : null;
      if (t && f) out.push(main(1, img ? argvOf(img, f.spec.command, f.spec.args) : [target], t.startedAt, !!f.spec.tty));
      out.push(main(out.length ? 7 : 1, argv, run.startedAt, !!spec.tty));
    } else out.push(main(1, argv, run.startedAt, !!spec.tty));
    for (const p of this.sessions.get(`${pod.metadata.uid}/${run.container}`) ?? []) out.push({ ...p, ppid: 0 });
    return out;
  }

  /**
   * kill(2) from inside the container. The namespace's init (PID 1) gets only the signals it
   * handles: a server that stops on TERM/INT/QUIT ends, anything else is ignored (SIGKILL too).
   */
  private kill(pod: Pod, run: RunRef, spec: ContainerT, image: ImageBehaviour | null, pid: number, sig: number): "ESRCH" | "EPERM" | null {
    const list = this.processList(pod, run, spec, image, image ? argvOf(image, spec.command, spec.args) : []);
    const p = list.find((x) => x.pid === pid);
    if (!p) return "ESRCH";
    if (sig === 0) return null;
    const session = this.sessions.get(`${pod.metadata.uid}/${run.container}`)?.find((x) => x.pid === pid);
    if (session) return null;
    const shared = !!pod.spec?.shareProcessNamespace;
    if (pid === 1 && (shared || (spec as { targetContainerName?: string }).targetContainerName)) {
      if (shared) return null; // the pause process ignores what it does not handle
    }
    // Whose process it is: this container's, or (shared namespace / target) another's.
    let victim = run;
    if (shared || (spec as { targetContainerName?: string }).targetContainerName) {
      const runs = this.runsOf(pod);
      if (shared) victim = runs[pid - 7] ?? run;
      else if (pid === 1) victim = runs.find((r) => r.container === (spec as { targetContainerName?: string }).targetContainerName) ?? run;
    }
    const vf = specOfContainer(pod, victim.container);
    const vImage = vf ? this.deps.image(pod, vf.spec) : null;
    const vArgv = vImage && vf ? argvOf(vImage, vf.spec.command, vf.spec.args) : [];
    const serves = !!(vImage && staticProgram(vImage, vArgv)?.serves);
    const isInit = pid === 1 && !shared;
    if (isInit) {
      if (serves && vImage?.stopsOnTerm && (sig === 15 || sig === 2 || sig === 3)) this.signal(pod, victim, sig, 0);
      return null;
    }
    if (sig === 9 || sig === 15 || sig === 2 || sig === 1 || sig === 3 || sig === 6) this.signal(pod, victim, sig, serves && vImage?.stopsOnTerm && sig !== 9 ? 0 : 128 + sig);
    return null;
  }
}

function macOf(ip: string): string {
  const parts = ip.split(".").map((n) => Number(n) || 0);
  const hex = (n: number) => n.toString(16).padStart(2, "0");
  return `0a:58:${parts.map(hex).join(":")}`;
}
