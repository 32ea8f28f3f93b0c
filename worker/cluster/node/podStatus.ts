// The status a kubelet reports for a pod, written from its runtime state: phase, conditions,
// container statuses (waiting/running/terminated, last state, restarts, ready, started, IDs),
// IPs and start time. Condition transition times are kept while a condition does not change.
import { Memo } from "../machinery/memo";
import { formatTime } from "../machinery/time";
import { qosClass, type Pod } from "../resources/pod";
import type { ContainerStatusT, PodStatusT } from "../resources/types/core";
import { parseImageRef } from "./imageRef";
import { isOwn, specOf, type ContainerRuntime, type PodRuntime, type Run } from "./runtime";

/** The image ID a container status shows, by the image's full reference (kept: a few images, many statuses). */
const imageIds = new Memo((full: string) => `${full.replace(/:[^:/@]+$/, "").replace(/@.*$/, "")}@sha256:${digestOf(full)}`, 1024);

function digestOf(s: string): string {
  let out = "";
  let h = 2166136261;
  for (let round = 0; out.length < 64; round++) {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619 + round) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 64);
}

function terminated(run: Run) {
  return {
    exitCode: run.exitCode ?? 0,
    reason: run.reason,
    ...(run.message ? { message: run.message } : {}),
    startedAt: formatTime(run.startedAt),
    finishedAt: formatTime(run.finishedAt ?? run.startedAt),
    containerID: run.id,
  };
}

function containerStatus(pod: Pod, c: ContainerRuntime): ContainerStatusT {
  const spec = specOf(pod, c);
  const ref = parseImageRef(spec.image ?? "");
  const everRan = !!(c.run || c.last);
  const status: ContainerStatusT = {
    name: c.name,
    state: {},
    lastState: c.last && (c.stage !== "backoff" || c.run) ? { terminated: terminated(c.last) } : {},
    ready: c.ready,
    restartCount: c.restarts,
    image: ref ? ref.full : spec.image ?? "",
    imageID: everRan && ref ? imageIds.get(ref.full) : "",
    started: c.stage === "running" ? c.started : false,
  };
  if (c.run?.id) status.containerID = c.run.id;
  switch (c.stage) {
    case "running":
    case "stopping":
      status.state = { running: { startedAt: formatTime(c.run!.startedAt) } };
      break;
    case "exited":
      status.state = c.run ? { terminated: terminated(c.run) } : { waiting: { reason: c.waitingReason ?? "ContainerCreating" } };
      break;
    case "backoff":
      if (c.waitingReason === "CrashLoopBackOff") {
        status.state = { waiting: { reason: "CrashLoopBackOff", message: c.waitingMessage } };
        if (c.run) status.lastState = { terminated: terminated(c.run) };
      } else status.state = c.run ? { terminated: terminated(c.run) } : { waiting: { reason: "ContainerCreating" } };
      break;
    default:
      status.state = { waiting: { reason: c.waitingReason ?? "ContainerCreating", ...(c.waitingMessage ? { message: c.waitingMessage } : {}) } };
      if (c.restarts > 0 && c.stage === "creating") status.state = { waiting: { reason: "CrashLoopBackOff", message: c.waitingMessage } };
  }
  return status;
}

type Phase = NonNullable<PodStatusT["phase"]>;

function isSidecar(pod: Pod, name: string): boolean {
  return pod.spec?.initContainers?.find((c) => c.name === name)?.restartPolicy === "Always";
}

function regularStarted(mains: ContainerStatusT[]): boolean {
  return mains.some((s) => s.state?.running || s.state?.terminated || s.lastState?.terminated);
}

/**
 * Pending, Running, Succeeded or Failed, as the kubelet's getPhase decides from the container
 * statuses: sidecars keep a pod Pending only until a regular container has started, and a
 * stopped sidecar does not hold a finished pod back.
 */
function phaseOf(pod: Pod, inits: ContainerStatusT[], mains: ContainerStatusT[]): Phase {
  let pendingInit = 0;
  let pendingSidecar = 0;
  let failedInit = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const s of inits) {
    if (isSidecar(pod, s.name)) {
      if (s.state?.running) {
        if (!s.started) pendingSidecar++;
        running++;
      } else if (s.state?.waiting && !s.lastState?.terminated) {
        // never started yet; one that is restarting (or stopped) does not count
        pendingSidecar++;
        waiting++;
      }
      continue;
    }
    if (s.state?.terminated) {
      if (s.state.terminated.exitCode !== 0) failedInit++;
    } else if (s.state?.waiting && s.lastState?.terminated) {
      if (s.lastState.terminated.exitCode !== 0) failedInit++;
    } else pendingInit++;
  }
  for (const s of mains) {
    if (s.state?.running) running++;
    else if (s.state?.terminated) {
      stopped++;
      if (s.state.terminated.exitCode === 0) succeeded++;
    } else if (s.lastState?.terminated) stopped++;
    else waiting++;
  }
  const policy = pod.spec?.restartPolicy ?? "Always";
  if (failedInit > 0 && policy === "Never") return "Failed";
  if (pendingInit > 0 || (pendingSidecar > 0 && !regularStarted(mains)) || waiting > 0) return "Pending";
  if (running > 0) return "Running";
  if (stopped > 0) {
    if (policy === "Always") return "Running";
    if (stopped === succeeded) return "Succeeded";
    return policy === "Never" ? "Failed" : "Running";
  }
  return "Pending";
}

export function podStatusOf(pod: Pod, rt: PodRuntime, hostIP: string, now: number): PodStatusT {
  const old = pod.status ?? {};
  const initStatuses = rt.containers.filter((c) => c.init).map((c) => containerStatus(pod, c));
  const mainStatuses = rt.containers.filter((c) => !c.init && isOwn(c)).map((c) => containerStatus(pod, c));
  // Debug containers are reported apart, in the spec's order, never ready and without `started`
  // (the prober sets that only for the pod's own containers).
  const ephemeralStatuses = (pod.spec?.ephemeralContainers ?? []).flatMap((ec) => {
    const c = rt.containers.find((x) => !isOwn(x) && x.name === ec.name);
    if (!c) return [];
    const { started: _started, ...status } = containerStatus(pod, c);
    return [{ ...status, ready: false }];
  });
  // A pod never leaves a terminal phase.
  const phase = old.phase === "Succeeded" || old.phase === "Failed" ? old.phase : phaseOf(pod, initStatuses, mainStatuses);
  const terminalPhase = phase === "Succeeded" || phase === "Failed";
  const terminalReason = phase === "Failed" ? "PodFailed" : "PodCompleted";
  // Initialized: every plain init container exited 0 and every sidecar has started (or a
  // regular container has run: a restarting sidecar does not un-initialize the pod).
  const incomplete = initStatuses.filter((s) => (isSidecar(pod, s.name) ? !s.started : !(s.state?.terminated && s.state.terminated.exitCode === 0))).map((s) => s.name);
  const initialized = phase === "Succeeded" || regularStarted(mainStatuses) || incomplete.length === 0;
  // ContainersReady counts the sidecars (in their order) and the app containers.
  const counted = [...initStatuses.filter((s) => isSidecar(pod, s.name)), ...mainStatuses];
  const notReady = counted.filter((s) => !s.ready).map((s) => s.name);
  const containersReady = notReady.length === 0;
  const gates = pod.spec?.readinessGates ?? [];
  const gatesMet = gates.every((g) => old.conditions?.some((c) => c.type === g.conditionType && c.status === "True"));
  const cond = (type: string, ok: boolean, reason?: string, message?: string) => {
    const prev = old.conditions?.find((c) => c.type === type);
    const status = ok ? "True" : "False";
    const same = prev && prev.status === status;
    return {
      type,
      status,
      lastTransitionTime: same ? prev!.lastTransitionTime : formatTime(now),
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
  };
  const notReadyMsg = `containers with unready status: [${notReady.join(" ")}]`;
  const containersCond = terminalPhase ? cond("ContainersReady", false, terminalReason) : cond("ContainersReady", containersReady, containersReady ? undefined : "ContainersNotReady", containersReady ? undefined : notReadyMsg);
  const readyCond = !containersCond.status || containersCond.status !== "True"
    ? cond("Ready", false, containersCond.reason, containersCond.message)
    : cond("Ready", gatesMet, gatesMet ? undefined : "ReadinessGatesNotReady", gatesMet ? undefined : "corresponding condition of pod readiness gate is not true");
  const conditions = [
    cond("PodReadyToStartContainers", rt.killingSince === undefined || !rt.stopped),
    phase === "Succeeded" ? cond("Initialized", true, "PodCompleted") : cond("Initialized", initialized, initialized ? undefined : "ContainersNotInitialized", initialized ? undefined : `containers with incomplete status: [${incomplete.join(" ")}]`),
    readyCond,
    containersCond,
    ...(old.conditions ?? []).filter((c) => !["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady"].includes(c.type)),
  ];
  const status: PodStatusT = {
    ...old,
    phase,
    conditions: conditions as PodStatusT["conditions"],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    podIP: rt.ip,
    podIPs: [{ ip: rt.ip }],
    startTime: formatTime(rt.startTime),
    containerStatuses: mainStatuses,
    qosClass: old.qosClass ?? qosClass(pod.spec),
  };
  if (initStatuses.length) status.initContainerStatuses = initStatuses;
  else delete status.initContainerStatuses;
  if (ephemeralStatuses.length) status.ephemeralContainerStatuses = ephemeralStatuses;
  else delete status.ephemeralContainerStatuses;
  return status;
}
