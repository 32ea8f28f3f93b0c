// The container runtime of a simulated kubelet: each container of a pod moves through stages
// (pull, create, run, exit, back-off, stop) on the cluster clock. `advance` replays every
// transition that fell due up to `now`, in time order, each stamped with the time it happened,
// so a jump of the clock leaves the same history a real kubelet would have written. The state
// is plain data kept in the object's SQLite (pod_runtime), so an evicted object resumes.
import type { Pod } from "../resources/pod";
import type { ContainerT } from "../resources/types/core";
import { lookupImage, type SimulationSettings, type Timing } from "../simulation";
import { parseImageRef } from "./imageRef";
import type { ImageBehaviour } from "./images";
import { firstRun, timingOf as probeTiming, type ProbeTarget } from "./probes";
import { argvOf, staticProgram, type Program } from "./program";
import type { RunRef } from "../container/world";
import { asContainer } from "../subresources/ephemeralContainers";
import { randomHex } from "../machinery/hex";

export type Stage = "blocked" | "waiting" | "pulling" | "pullFailed" | "pullBackoff" | "invalid" | "creating" | "running" | "stopping" | "backoff" | "exited";

export interface Run {
  id: string;
  startedAt: number;
  finishedAt?: number;
  exitCode?: number;
  reason?: string;
  message?: string;
}

export interface ContainerRuntime {
  name: string;
  init: boolean;
  /** A debug container added through pods/ephemeralcontainers: started once, never restarted, no probes, no say in the pod's phase or readiness. */
  kind?: "ephemeral";
  stage: Stage;
  /** When the current stage ends (cluster ms), or null when it lasts until something else happens. */
  next: number | null;
  /** What ends a running container's stage at `next`. */
  pending?: "exit" | "oom" | "liveness" | "startup" | "started" | "ready" | "unready" | "probeFailed" | "recheck";
  /** A failing readiness probe was reported (one Unhealthy event until the container is ready). */
  unhealthyReported?: boolean;
  /** Why it stops (stage stopping). */
  stopFor?: "liveness" | "startup" | "delete" | "complete";
  waitingReason?: string;
  waitingMessage?: string;
  restarts: number;
  pullFailures: number;
  /** Syncs that found the container's config wanting (CreateContainerConfigError), for the retry back-off. */
  configFailures?: number;
  crashes: number;
  ready: boolean;
  started: boolean;
  run?: Run;
  last?: Run;
}

export interface PodRuntime {
  uid: string;
  ip: string;
  startTime: number;
  containers: ContainerRuntime[];
  /** Deletion seen: when the kubelet began stopping the pod. */
  killingSince?: number;
  /** Every container has stopped after deletion: the pod may be removed. */
  stopped?: boolean;
  /** The pod's work is done (its app containers will not restart): its sidecars are being stopped by this deadline. */
  finishing?: { since: number; deadline: number };
  /** When the kubelet must have stopped everything (deletion or completion), cluster ms. */
  killDeadline?: number;
  /** The kubelet's own timer for the pod when it last looked (cluster ms); absent when none. */
  wake?: number;
}

export interface RuntimeEvent {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  at: number;
  fieldPath?: string;
}

export interface RuntimeEnv {
  pod: Pod;
  node: string;
  now: number;
  timing: Timing;
  settings: SimulationSettings;
  hasImage(image: string): boolean;
  addImage(image: string): void;
  emit(e: RuntimeEvent): void;
  /** The process of a container's current run (container/world.ts), computed as far as it is read. */
  program(c: ContainerRuntime): Program;
  /** The environment of a container's current run (fixed when it was created). */
  environment(c: ContainerRuntime): Record<string, string>;
  /** Why the container cannot be configured (a missing ConfigMap, Secret or key), in the kubelet's words; null when it can. */
  configError(c: ContainerRuntime): string | null;
  /** A container's run ended (c.run.finishedAt set): what its process wrote to volumes is kept. */
  ended(c: ContainerRuntime): void;
  /** A dead container the runtime no longer keeps: its writable layer and inputs go. */
  forget(runId: string): void;
}

const CRASH_BACKOFF_BASE_MS = 10_000;
const CRASH_BACKOFF_MAX_MS = 300_000;
/** A container that ran this long before exiting starts its back-off over. */
const BACKOFF_RESET_MS = 600_000;
const PULL_RETRY_MS = 1000;
const RECHECK_PULL_MS = 300;
/** An over-limit process is killed this soon after it starts. */
const OOM_AFTER_MS = 500;

export function newRuntime(pod: Pod, ip: string, at: number): PodRuntime {
  const spec = pod.spec!;
  const inits = (spec.initContainers ?? []).map((c, i) => container(c.name, true, i === 0 ? "waiting" : "blocked", i === 0 ? at : null));
  const mains = spec.containers.map((c) => container(c.name, false, inits.length ? "blocked" : "waiting", inits.length ? null : at));
  return { uid: pod.metadata.uid!, ip, startTime: at, containers: [...inits, ...mains] };
}

function container(name: string, init: boolean, stage: Stage, next: number | null): ContainerRuntime {
  return { name, init, stage, next, restarts: 0, pullFailures: 0, crashes: 0, ready: false, started: false, ...(stage === "blocked" ? { waitingReason: "PodInitializing" } : { waitingReason: "ContainerCreating" }) };
}

export function specOf(pod: Pod, c: ContainerRuntime): ContainerT {
  if (c.kind === "ephemeral") return asContainer(pod.spec!.ephemeralContainers!.find((x) => x.name === c.name)!);
  const list = c.init ? pod.spec!.initContainers ?? [] : pod.spec!.containers;
  return list.find((x) => x.name === c.name)!;
}

/** Whether a container is one of the pod's own (app or init), not a debug container added later. */
export function isOwn(c: ContainerRuntime): boolean {
  return c.kind !== "ephemeral";
}

/**
 * Ephemeral containers the spec gained since the runtime last looked: the kubelet starts each
 * at once (whether or not the pod has finished initializing), unless the pod is stopping or done.
 */
function addEphemeral(rt: PodRuntime, pod: Pod, at: number) {
  const wanted = pod.spec?.ephemeralContainers ?? [];
  if (!wanted.length || rt.killingSince !== undefined || rt.finishing) return;
  for (const ec of wanted) {
    if (rt.containers.some((c) => c.kind === "ephemeral" && c.name === ec.name)) continue;
    rt.containers.push({ ...container(ec.name, false, "waiting", at), kind: "ephemeral" });
  }
}

export function imageOf(spec: ContainerT, settings: SimulationSettings): ImageBehaviour | null {
  const ref = parseImageRef(spec.image ?? "");
  return ref ? lookupImage(ref, settings) : null;
}

/** Whether a container runs its image's service (which stops promptly on TERM when the image says so). */
export function servesOf(spec: ContainerT, image: ImageBehaviour): boolean {
  return staticProgram(image, argvOf(image, spec.command, spec.args))?.serves ?? false;
}

function memoryMi(q: string | undefined): number | null {
  if (!q) return null;
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/.exec(q);
  if (!m) return null;
  const n = Number(m[1]);
  const f: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024, k: 1000 / 1048576, M: 1e6 / 1048576, G: 1e9 / 1048576, T: 1e12 / 1048576, m: 0.001 / 1048576, "": 1 / 1048576 };
  return n * f[m[2] ?? ""];
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, "") || "0"}s`;
}

/** Plans the running containers again: their processes changed (input typed, a signal). */
export function replan(rt: PodRuntime, env: RuntimeEnv): void {
  for (const c of rt.containers) if (c.stage === "running" && c.run) planRunning(rt, c, env.now, env);
}

/** A container's current run, as the container world names it. */
export function runRef(c: ContainerRuntime): RunRef {
  return { container: c.name, kind: c.kind === "ephemeral" ? "ephemeral" : c.init ? "init" : "app", id: c.run!.id, startedAt: c.run!.startedAt, finished: c.run!.finishedAt !== undefined };
}

/** Replays every transition due by env.now. Returns the time of the next one, or null. */
export function advance(rt: PodRuntime, env: RuntimeEnv): number | null {
  const pod = env.pod;
  if (pod.metadata.deletionTimestamp && rt.killingSince === undefined) beginStop(rt, env);
  addEphemeral(rt, pod, env.now);
  for (let guard = 0; guard < 100_000; guard++) {
    let c: ContainerRuntime | undefined;
    for (const x of rt.containers) if (x.next !== null && x.next <= env.now && (!c || x.next < c.next!)) c = x;
    if (!c) break;
    const at = c.next!;
    c.next = null;
    step(rt, c, at, env);
  }
  if (rt.killingSince !== undefined && rt.containers.every((c) => c.stage !== "stopping" && c.stage !== "running")) rt.stopped = true;
  let next: number | null = null;
  for (const x of rt.containers) if (x.next !== null && (next === null || x.next < next)) next = x.next;
  return next;
}

function beginStop(rt: PodRuntime, env: RuntimeEnv) {
  const pod = env.pod;
  const grace = (pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  const deadline = Date.parse(pod.metadata.deletionTimestamp!);
  const since = Math.min(env.now, deadline - grace > 0 ? Math.max(deadline - grace, rt.startTime) : env.now);
  rt.killingSince = since;
  rt.killDeadline = Math.min(deadline, rt.killDeadline ?? Infinity);
  stopInOrder(rt, env, since, "delete");
}

export function isSidecar(pod: Pod, c: ContainerRuntime): boolean {
  return c.init && specOf(pod, c).restartPolicy === "Always";
}

/**
 * Sends TERM to what may stop now, in the kubelet's order: the app containers (and any plain
 * init container) first, then the sidecars in reverse order, each once everything after it
 * has exited. All of it within the one deadline (the grace period).
 */
function stopInOrder(rt: PodRuntime, env: RuntimeEnv, at: number, why: "delete" | "complete") {
  const pod = env.pod;
  const deadline = rt.killDeadline ?? at;
  const gone = (c: ContainerRuntime) => c.stage !== "running" && c.stage !== "stopping";
  const term = (c: ContainerRuntime) => {
    if (c.stage === "running") {
      const spec = specOf(pod, c);
      env.emit({ type: "Normal", reason: "Killing", message: `Stopping container ${c.name}`, at, fieldPath: fieldPath(pod, c) });
      c.stage = "stopping";
      c.stopFor = why;
      c.pending = undefined;
      const image = imageOf(spec, env.settings);
      const quick = image && servesOf(spec, image) && image.stopsOnTerm;
      c.next = Math.max(at, Math.min(deadline, quick ? at + env.timing.termMs : deadline));
    } else if (c.stage !== "exited" && c.stage !== "stopping") {
      c.stage = "exited";
      c.next = null;
    }
  };
  const first = rt.containers.filter((c) => !isSidecar(pod, c));
  for (const c of first) term(c);
  if (!first.every(gone)) return;
  for (const c of rt.containers.filter((x) => isSidecar(pod, x)).reverse()) {
    term(c);
    if (!gone(c)) return;
  }
}

/** Whether the pod's work is over: nothing of it will restart, so its sidecars must go. */
function podDone(rt: PodRuntime, pod: Pod): boolean {
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (policy === "Always") return false;
  const failedInit = rt.containers.some((c) => c.init && !isSidecar(pod, c) && c.stage === "exited" && c.run && c.run.exitCode !== 0);
  if (failedInit && policy === "Never") return true;
  return rt.containers.filter((c) => !c.init && isOwn(c)).every((c) => c.stage === "exited" && c.run);
}

export function fieldPath(pod: Pod, c: ContainerRuntime): string {
  if (c.kind === "ephemeral") return `spec.ephemeralContainers{${c.name}}`;
  return `${c.init ? "spec.initContainers" : "spec.containers"}{${c.name}}`;
}

function step(rt: PodRuntime, c: ContainerRuntime, at: number, env: RuntimeEnv) {
  const pod = env.pod;
  const spec = specOf(pod, c);
  const fp = fieldPath(pod, c);
  const emit = (type: RuntimeEvent["type"], reason: string, message: string) => env.emit({ type, reason, message, at, fieldPath: fp });
  const imageName = spec.image ?? "";
  switch (c.stage) {
    case "waiting":
    case "pullBackoff": {
      const ref = parseImageRef(imageName);
      if (!ref) {
        const msg = `Failed to apply default image tag ${JSON.stringify(imageName)}: couldn't parse image name ${JSON.stringify(imageName)}: invalid reference format`;
        emit("Warning", "InspectFailed", msg);
        emit("Warning", "Failed", "Error: InvalidImageName");
        c.stage = "invalid";
        c.waitingReason = "InvalidImageName";
        c.waitingMessage = msg;
        return;
      }
      const policy = spec.imagePullPolicy ?? (ref.tag === "latest" ? "Always" : "IfNotPresent");
      const present = env.hasImage(ref.full);
      if (policy === "Never" && !present) {
        const msg = `Container image ${JSON.stringify(imageName)} is not present with pull policy of Never`;
        emit("Warning", "ErrImageNeverPull", msg);
        emit("Warning", "Failed", "Error: ErrImageNeverPull");
        c.stage = "invalid";
        c.waitingReason = "ErrImageNeverPull";
        c.waitingMessage = msg;
        return;
      }
      if (present && policy !== "Always") {
        emit("Normal", "Pulled", `Container image ${JSON.stringify(imageName)} already present on machine`);
        c.stage = "creating";
        c.next = at + env.timing.createMs;
        return;
      }
      emit("Normal", "Pulling", `Pulling image ${JSON.stringify(imageName)}`);
      const image = lookupImage(ref, env.settings);
      c.stage = "pulling";
      c.waitingReason = c.pullFailures ? c.waitingReason : "ContainerCreating";
      // A pull of an image the node has only checks the registry for a newer digest.
      c.next = at + (image ? (present ? Math.min(env.timing.pullMs(image), RECHECK_PULL_MS) : env.timing.pullMs(image)) : env.timing.pullFailMs);
      return;
    }
    case "pulling": {
      const ref = parseImageRef(imageName)!;
      const image = lookupImage(ref, env.settings);
      if (image) {
        const pullMs = env.hasImage(ref.full) ? Math.min(env.timing.pullMs(image), RECHECK_PULL_MS) : env.timing.pullMs(image);
        const took = 0;
        emit("Normal", "Pulled", `Successfully pulled image ${JSON.stringify(imageName)} in ${seconds(pullMs)} (${seconds(pullMs + took)} including waiting). Image size: ${image.sizeBytes} bytes.`);
        env.addImage(ref.full);
        c.pullFailures = 0;
        c.stage = "creating";
        c.next = at + env.timing.createMs;
        return;
      }
      const exists = lookupImage({ ...ref, tag: "latest", digest: null }, env.settings);
      const why = exists
        ? `failed to pull and unpack image "${ref.full}": failed to resolve reference "${ref.full}": ${ref.full}: not found`
        : `failed to pull and unpack image "${ref.full}": failed to resolve reference "${ref.full}": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed`;
      const msg = `Failed to pull image ${JSON.stringify(imageName)}: ${why}`;
      emit("Warning", "Failed", msg);
      emit("Warning", "Failed", "Error: ErrImagePull");
      c.pullFailures++;
      c.stage = "pullFailed";
      c.waitingReason = "ErrImagePull";
      c.waitingMessage = msg;
      c.next = at + PULL_RETRY_MS;
      return;
    }
    case "pullFailed": {
      const delay = Math.min(CRASH_BACKOFF_MAX_MS, CRASH_BACKOFF_BASE_MS * 2 ** (c.pullFailures - 1));
      emit("Normal", "BackOff", `Back-off pulling image ${JSON.stringify(imageName)}`);
      emit("Warning", "Failed", "Error: ImagePullBackOff");
      c.stage = "pullBackoff";
      c.waitingReason = "ImagePullBackOff";
      c.waitingMessage = `Back-off pulling image ${JSON.stringify(imageName)}: ErrImagePull: ${(c.waitingMessage ?? "").replace(/^Failed to pull image "[^"]*": /, "")}`;
      c.next = at + delay;
      return;
    }
    case "creating": {
      const configError = env.configError(c);
      if (configError) {
        // The kubelet tries again on its next syncs, backing off; the container waits.
        emit("Warning", "Failed", `Error: ${configError}`);
        c.waitingReason = "CreateContainerConfigError";
        c.waitingMessage = configError;
        c.configFailures = (c.configFailures ?? 0) + 1;
        c.next = at + Math.min(CRASH_BACKOFF_MAX_MS, CRASH_BACKOFF_BASE_MS * 2 ** Math.min(5, c.configFailures - 1));
        return;
      }
      c.configFailures = undefined;
      const id = `containerd://${randomHex(32)}`;
      c.run = { id, startedAt: at };
      const program = env.program(c);
      if (program.startError) {
        const msg = `failed to create containerd task: failed to create shim task: OCI runtime create failed: runc create failed: unable to start container process: error during container init: ${program.startError}: unknown`;
        emit("Normal", "Created", `Created container: ${c.name}`);
        emit("Warning", "Failed", `Error: ${msg}`);
        c.run = { id, startedAt: at, finishedAt: at, exitCode: 128, reason: "StartError", message: msg };
        exited(rt, c, at, env);
        return;
      }
      emit("Normal", "Created", `Created container: ${c.name}`);
      emit("Normal", "Started", `Started container ${c.name}`);
      c.run = { id, startedAt: at };
      c.stage = "running";
      c.waitingReason = undefined;
      c.waitingMessage = undefined;
      c.started = !spec.startupProbe;
      c.ready = c.started && !spec.readinessProbe && isOwn(c);
      planRunning(rt, c, at, env);
      if (c.init) progressInit(rt, env, at);
      return;
    }
    case "running": {
      const what = c.pending;
      c.pending = undefined;
      const image = imageOf(spec, env.settings)!;
      const target = probeTarget(rt, c, spec, image, env);
      const offset = at - c.run!.startedAt;
      if (what === "exit" && target.program.exit && c.run!.startedAt + target.program.exit.at <= at) {
        const code = target.program.exit.code;
        c.run = { ...c.run!, finishedAt: at, exitCode: code, reason: code === 0 ? "Completed" : "Error" };
        exited(rt, c, at, env);
        return;
      }
      if (what === "oom") {
        c.run = { ...c.run!, finishedAt: at, exitCode: 137, reason: "OOMKilled" };
        exited(rt, c, at, env);
        return;
      }
      if (what === "liveness" || what === "startup") {
        const probe = what === "liveness" ? spec.livenessProbe! : spec.startupProbe!;
        const verdict = firstRunVerdict(probe, target, offset);
        emit("Warning", "Unhealthy", `${what === "liveness" ? "Liveness" : "Startup"} probe failed: ${verdict}`);
        emit("Normal", "Killing", `Container ${c.name} failed ${what} probe, will be restarted`);
        const grace = (probe.terminationGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
        const quick = target.program.serves && image.stopsOnTerm;
        c.stage = "stopping";
        c.stopFor = what;
        c.ready = false;
        c.next = at + (quick ? env.timing.termMs : grace);
        return;
      }
      if (what === "probeFailed") {
        c.unhealthyReported = true;
        emit("Warning", "Unhealthy", `Readiness probe failed: ${firstRunVerdict(spec.readinessProbe!, target, offset)}`);
      }
      if (what === "started") c.started = true;
      if (what === "started" && !spec.readinessProbe) c.ready = true;
      if (what === "ready") {
        c.ready = true;
        c.unhealthyReported = false;
      }
      if (what === "unready") {
        c.ready = false;
        emit("Warning", "Unhealthy", `Readiness probe failed: ${firstRunVerdict(spec.readinessProbe!, target, offset)}`);
      }
      planRunning(rt, c, at, env);
      if (c.init) progressInit(rt, env, at);
      return;
    }
    case "stopping": {
      const image = imageOf(spec, env.settings);
      const quick = image && servesOf(spec, image) && image.stopsOnTerm;
      c.run = { ...c.run!, finishedAt: at, exitCode: quick ? 0 : 137, reason: quick ? "Completed" : "Error" };
      c.ready = false;
      if (c.stopFor === "delete" || c.stopFor === "complete") {
        env.ended(c);
        c.stage = "exited";
        stopInOrder(rt, env, at, c.stopFor);
        return;
      }
      exited(rt, c, at, env, true);
      return;
    }
    case "backoff": {
      // The kubelet keeps one dead container per container (for --previous); older ones go.
      if (c.last && c.last.id !== c.run?.id) env.forget(c.last.id);
      c.last = c.run;
      c.run = undefined;
      c.restarts++;
      c.started = false;
      emit("Normal", "Pulled", `Container image ${JSON.stringify(imageName)} already present on machine`);
      c.stage = "creating";
      c.next = at + env.timing.createMs;
      return;
    }
    default:
      return;
  }
}

function firstRunVerdict(probe: NonNullable<ContainerT["livenessProbe"]>, t: ProbeTarget, offset: number): string {
  return firstRun(probe, t, Math.max(0, offset - probeTiming(probe).periodMs * probeTiming(probe).failureThreshold), false, 1, offset)?.verdict.message ?? "probe failed";
}

/** What a probe reaches: the image's server is up after the start delay of the cluster's simulation profile (none when instant), not the catalog's. */
function probeTarget(rt: PodRuntime, c: ContainerRuntime, spec: ContainerT, image: ImageBehaviour, env: RuntimeEnv): ProbeTarget {
  // The environment is read only by an exec probe that runs a command: a read of the run's stored
  // env and a parse that every other container (and every planning pass) would do for nothing.
  let environment: Record<string, string> | undefined;
  return {
    image: { ...image, startMs: env.timing.startMs(image) },
    program: env.program(c),
    container: spec,
    podIP: rt.ip,
    get env() {
      return (environment ??= env.environment(c));
    },
  };
}

/** How far ahead of a plan a container's process is computed to find when it exits. */
const PLAN_AHEAD_MS = 24 * 3_600_000;
const FOREVER_AHEAD_MS = 60_000;

/** Picks what ends a running container's stage next: exit, OOM kill, a probe's verdict. */
function planRunning(rt: PodRuntime, c: ContainerRuntime, at: number, env: RuntimeEnv) {
  const pod = env.pod;
  const spec = specOf(pod, c);
  const image = imageOf(spec, env.settings)!;
  const target = probeTarget(rt, c, spec, image, env);
  const start = c.run!.startedAt;
  const from = at - start;
  const candidates: { what: NonNullable<ContainerRuntime["pending"]>; at: number }[] = [];
  // A process that never ends is still read a little ahead: its first files decide its probes.
  target.program.extend?.(from + (target.program.forever ? FOREVER_AHEAD_MS : PLAN_AHEAD_MS));
  const exitAt = target.program.exit ? start + target.program.exit.at : null;
  // Past this the process's history is a guess (it read the network then): look again when it comes.
  const certain = start + (target.program.validUntil ?? Infinity);
  if (exitAt !== null && exitAt <= certain) candidates.push({ what: "exit", at: Math.max(at, exitAt) });
  else if (certain !== Infinity) candidates.push({ what: "recheck", at: Math.max(at + 1, certain) });
  // Known only so far (it read the network at a time still to come, or ran out of steps): look again then.
  else if (!target.program.forever && target.program.known !== undefined && target.program.known !== Infinity) candidates.push({ what: "recheck", at: Math.max(at + 1, start + target.program.known) });
  const limit = memoryMi(spec.resources?.limits?.memory as string | undefined);
  if (limit !== null && limit < image.memoryMi) candidates.push({ what: "oom", at: Math.max(at, start + OOM_AFTER_MS) });
  const horizon = exitAt !== null ? exitAt - start : Infinity;
  if (!c.started && spec.startupProbe) {
    const tm = probeTiming(spec.startupProbe);
    const ok = firstRun(spec.startupProbe, target, from, true, 1, horizon);
    const bad = firstRun(spec.startupProbe, target, from, false, tm.failureThreshold, horizon);
    if (ok && (!bad || ok.at <= bad.at)) candidates.push({ what: "started", at: start + ok.at });
    else if (bad) candidates.push({ what: "startup", at: start + bad.at });
  }
  if (c.started && spec.livenessProbe) {
    const tm = probeTiming(spec.livenessProbe);
    const bad = firstRun(spec.livenessProbe, target, Math.max(from, 0), false, tm.failureThreshold, horizon);
    if (bad) candidates.push({ what: "liveness", at: start + bad.at });
  }
  if (c.started && spec.readinessProbe) {
    const tm = probeTiming(spec.readinessProbe);
    const r = c.ready ? firstRun(spec.readinessProbe, target, from + 1, false, tm.failureThreshold, horizon) : firstRun(spec.readinessProbe, target, from, true, tm.successThreshold, horizon);
    if (r) candidates.push({ what: c.ready ? "unready" : "ready", at: start + r.at });
    if (!c.ready && !c.unhealthyReported) {
      const fail = firstRun(spec.readinessProbe, target, from, false, 1, horizon);
      if (fail && (!r || fail.at < r.at)) candidates.push({ what: "probeFailed", at: start + fail.at });
    }
  }
  candidates.sort((a, b) => a.at - b.at);
  const first = candidates[0];
  c.pending = first?.what;
  c.next = first ? Math.max(at, first.at) : null;
}

/** After a container's process ended: restart it (with back-off) or leave it terminated. */
function exited(rt: PodRuntime, c: ContainerRuntime, at: number, env: RuntimeEnv, killed = false) {
  const pod = env.pod;
  if (c.run) env.ended(c);
  const policy = pod.spec?.restartPolicy ?? "Always";
  const sidecar = c.init && specOf(pod, c).restartPolicy === "Always";
  const effective = !isOwn(c) ? "Never" : sidecar ? "Always" : c.init ? (policy === "Never" ? "Never" : "OnFailure") : policy;
  const code = c.run?.exitCode ?? 0;
  c.ready = false;
  const restart = rt.killingSince === undefined && !rt.finishing && (effective === "Always" || (effective === "OnFailure" && (code !== 0 || killed)));
  if (!restart) {
    c.stage = "exited";
    c.next = null;
    if (c.init && code === 0) progressInit(rt, env, at);
    if (rt.killingSince !== undefined) stopInOrder(rt, env, at, "delete");
    else if (rt.finishing) stopInOrder(rt, env, at, "complete");
    else if (podDone(rt, pod)) {
      // The app containers are done for good: the kubelet stops the sidecars (grace period applies).
      const grace = (pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
      rt.finishing = { since: at, deadline: at + grace };
      rt.killDeadline = at + grace;
      stopInOrder(rt, env, at, "complete");
    }
    return;
  }
  const ran = (c.run?.finishedAt ?? at) - (c.run?.startedAt ?? at);
  if (ran >= BACKOFF_RESET_MS) c.crashes = 0;
  const delay = c.crashes === 0 ? 0 : Math.min(CRASH_BACKOFF_MAX_MS, CRASH_BACKOFF_BASE_MS * 2 ** (c.crashes - 1));
  c.crashes++;
  c.stage = "backoff";
  c.next = at + delay;
  if (delay > 0) {
    c.waitingReason = "CrashLoopBackOff";
    c.waitingMessage = `back-off ${Math.round(delay / 1000) >= 60 ? `${Math.floor(delay / 60000)}m${(delay / 1000) % 60}s` : `${delay / 1000}s`} restarting failed container=${c.name} pod=${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`;
    env.emit({ type: "Warning", reason: "BackOff", message: `Back-off restarting failed container ${c.name} in pod ${pod.metadata.name}_${pod.metadata.namespace}(${pod.metadata.uid})`, at, fieldPath: fieldPath(pod, c) });
  }
}

/** Starts the next init container, or the app containers once every init container is done. */
function progressInit(rt: PodRuntime, env: RuntimeEnv, at: number) {
  const pod = env.pod;
  const inits = rt.containers.filter((c) => c.init);
  for (const c of inits) {
    const sidecar = specOf(pod, c).restartPolicy === "Always";
    const done = sidecar ? c.started && (c.stage === "running" || c.restarts > 0) : c.stage === "exited" && c.run?.exitCode === 0;
    if (done) continue;
    if (c.stage === "blocked") {
      c.stage = "waiting";
      c.waitingReason = "PodInitializing";
      c.next = at;
    }
    return;
  }
  for (const c of rt.containers) {
    if (!c.init && c.stage === "blocked") {
      c.stage = "waiting";
      c.waitingReason = "PodInitializing";
      c.next = at;
    }
  }
}
