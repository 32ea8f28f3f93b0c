// What kubectl's STATUS column prints for a pod (printPod in kubectl's table printer), and the
// colour family the view gives it.
import type { Pod } from "./types";

export interface PodStatus {
  reason: string;
  restarts: number;
  ready: string;
}

export function podStatus(pod: Pod): PodStatus {
  const st = pod.status ?? {};
  const spec = pod.spec;
  let reason = st.reason || st.phase || "Pending";
  let restarts = 0;
  const total = spec.containers.length;
  let readyCount = 0;

  let initializing = false;
  const inits = spec.initContainers ?? [];
  const initStatuses = st.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount;
    const sidecar = inits.find((x) => x.name === c.name)?.restartPolicy === "Always";
    const term = c.state?.terminated;
    const wait = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (sidecar && c.started) continue;
    if (term) {
      reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode ?? 0}`;
    } else if (wait?.reason && wait.reason !== "PodInitializing") {
      reason = `Init:${wait.reason}`;
    } else {
      reason = `Init:${i}/${inits.length}`;
    }
    initializing = true;
    break;
  }

  const initialized = (st.conditions ?? []).some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = 0;
    for (const c of initStatuses) if (inits.find((x) => x.name === c.name)?.restartPolicy === "Always") restarts += c.restartCount;
    let hasRunning = false;
    const statuses = st.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount;
      const wait = c.state?.waiting;
      const term = c.state?.terminated;
      if (wait?.reason) reason = wait.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode ?? 0}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        readyCount++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const ready = (st.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
      reason = ready ? "Running" : "NotReady";
    }
  }

  if (pod.metadata.deletionTimestamp && st.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata.deletionTimestamp) reason = "Terminating";
  return { reason, restarts, ready: `${readyCount}/${total}` };
}

export type Tone = "ok" | "done" | "wait" | "bad" | "gone";

export function tone(reason: string): Tone {
  if (reason === "Running") return "ok";
  if (reason === "Completed" || reason === "Succeeded") return "done";
  if (reason === "Terminating") return "gone";
  if (reason === "Pending" || reason === "ContainerCreating" || reason === "PodInitializing" || /^Init:\d+\/\d+$/.test(reason)) return "wait";
  return "bad";
}
