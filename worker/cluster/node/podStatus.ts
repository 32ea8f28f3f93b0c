// The status a kubelet reports for a pod, written from its runtime state: phase, conditions,
// container statuses (waiting/running/terminated, last state, restarts, ready, started, IDs),
// IPs and start time. Condition transition times are kept while a condition does not change.
import { formatTime } from "../machinery/time";
import { qosClass, type Pod } from "../resources/pod";
import type { ContainerStatusT, PodStatusT } from "../resources/types/core";
import { parseImageRef } from "./imageRef";
import { specOf, type ContainerRuntime, type PodRuntime, type Run } from "./runtime";

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
    imageID: everRan && ref ? `${ref.full.replace(/:[^:/@]+$/, "").replace(/@.*$/, "")}@sha256:${digestOf(ref.full)}` : "",
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

/** Pending, Running, Succeeded or Failed, as the kubelet's getPhase decides. */
function phaseOf(pod: Pod, rt: PodRuntime): PodStatusT["phase"] {
  const inits = rt.containers.filter((c) => c.init);
  const mains = rt.containers.filter((c) => !c.init);
  for (const c of inits) {
    if (specOf(pod, c).restartPolicy === "Always") continue;
    if (c.stage === "exited" && c.run?.exitCode !== 0 && pod.spec?.restartPolicy === "Never") return "Failed";
    if (!(c.stage === "exited" && c.run?.exitCode === 0)) return "Pending";
  }
  const terminal = mains.every((c) => c.stage === "exited" && c.run);
  if (terminal) return mains.every((c) => c.run!.exitCode === 0) ? "Succeeded" : "Failed";
  if (mains.some((c) => c.run || c.last)) return "Running";
  return "Pending";
}

export function podStatusOf(pod: Pod, rt: PodRuntime, hostIP: string, now: number): PodStatusT {
  const old = pod.status ?? {};
  const phase = phaseOf(pod, rt);
  const mains = rt.containers.filter((c) => !c.init);
  const inits = rt.containers.filter((c) => c.init);
  const initsDone = inits.every((c) => (specOf(pod, c).restartPolicy === "Always" ? c.started : c.stage === "exited" && c.run?.exitCode === 0));
  const containersReady = mains.every((c) => c.ready);
  const gates = pod.spec?.readinessGates ?? [];
  const gatesMet = gates.every((g) => old.conditions?.some((c) => c.type === g.conditionType && c.status === "True"));
  const terminalPhase = phase === "Succeeded" || phase === "Failed";
  const cond = (type: string, ok: boolean, reason?: string, message?: string) => {
    const prev = old.conditions?.find((c) => c.type === type);
    const status = ok ? "True" : "False";
    const same = prev && prev.status === status;
    return {
      type,
      status,
      lastTransitionTime: same ? prev!.lastTransitionTime : formatTime(now),
      ...(!ok && reason ? { reason } : {}),
      ...(!ok && message ? { message } : {}),
    };
  };
  const notReady = mains.filter((c) => !c.ready).map((c) => c.name);
  const notReadyMsg = `containers with unready status: [${notReady.join(" ")}]`;
  const readyReason = terminalPhase ? "PodCompleted" : "ContainersNotReady";
  const conditions = [
    cond("PodReadyToStartContainers", rt.killingSince === undefined || !rt.stopped),
    cond("Initialized", initsDone, terminalPhase && initsDone ? "PodCompleted" : "ContainersNotInitialized", `containers with incomplete status: [${inits.filter((c) => !(c.stage === "exited" && c.run?.exitCode === 0)).map((c) => c.name).join(" ")}]`),
    cond("Ready", containersReady && gatesMet && !terminalPhase, gatesMet ? readyReason : "ReadinessGatesNotReady", gatesMet ? notReadyMsg : "corresponding condition of pod readiness gate is not true"),
    cond("ContainersReady", containersReady && !terminalPhase, readyReason, notReadyMsg),
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
    containerStatuses: mains.map((c) => containerStatus(pod, c)),
    qosClass: old.qosClass ?? qosClass(pod.spec),
  };
  if (inits.length) status.initContainerStatuses = inits.map((c) => containerStatus(pod, c));
  else delete status.initContainerStatuses;
  return status;
}
