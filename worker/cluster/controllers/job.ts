// The Job controller: runs pods until enough succeed (NonIndexed) or every index succeeds
// (Indexed), at most `parallelism` at once; counts finished pods exactly once through the
// batch.kubernetes.io/job-tracking finalizer; replaces failed pods after an exponential
// back-off (10 s doubling, at most 6 min) until backoffLimit; applies podFailurePolicy;
// fails the Job at activeDeadlineSeconds; stops pods while suspended; deletes the Job
// ttlSecondsAfterFinished after it ends. Conditions and events as kube-controller-manager's.
import { ApiError } from "../machinery/errors";
import { formatTime, parseTime } from "../machinery/time";
import { recordEvent, refTo } from "../events";
import { jobFinished, jobs, type Job } from "../resources/job";
import { pods, type Pod } from "../resources/pod";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { allKeys, createPod, createWithinBound, errorCreating, isReady, ownerKeys, podsOf } from "./podControl";

export const JOB = "job";
const COMPONENT = "job-controller";
export const TRACKING_FINALIZER = "batch.kubernetes.io/job-tracking";
const INDEX_ANNOTATION = "batch.kubernetes.io/job-completion-index";
const INDEX_LABEL = "batch.kubernetes.io/job-completion-index";
const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 6 * 60_000;

type Condition = { type: string; status: string; reason?: string; message?: string; lastProbeTime?: string; lastTransitionTime?: string };

export const jobController: Controller = {
  name: JOB,
  keysFor(c) {
    return ownerKeys(c, "batch/jobs", "Job");
  },
  resync(ctx) {
    return allKeys(ctx, "batch/jobs");
  },
  regarding(key) {
    const [namespace, name] = splitKey(key);
    return { apiVersion: "batch/v1", kind: "Job", namespace, name };
  },
  reconcile(key, ctx) {
    const [ns, name] = splitKey(key);
    const job = ctx.api.peek<Job>("batch/jobs", ns, name);
    if (!job) return;
    ctx.store.transaction(() => sync(ctx, job));
  },
};

function indexOf(p: Pod): number | null {
  const v = p.metadata.annotations?.[INDEX_ANNOTATION];
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : null;
}

/** "1,3-5" from a set of indexes. */
export function formatIndexes(set: Iterable<number>): string {
  const sorted = [...new Set(set)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j] + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(",");
}

export function parseIndexes(text: string | undefined): Set<number> {
  const out = new Set<number>();
  for (const part of (text ?? "").split(",").filter(Boolean)) {
    const [a, b] = part.split("-").map(Number);
    for (let i = a; i <= (b ?? a); i++) out.add(i);
  }
  return out;
}

function finishedAt(p: Pod): number {
  let t = 0;
  for (const c of p.status?.containerStatuses ?? []) {
    const f = parseTime((c.state?.terminated?.finishedAt as string | undefined) ?? "");
    if (f !== null && f > t) t = f;
  }
  return t || (parseTime(p.metadata.deletionTimestamp ?? "") ?? 0);
}

/** The podFailurePolicy rule a failed pod matches, with a message naming why. */
function matchRule(job: Job, p: Pod): { action: string; message: string } | null {
  const rules = job.spec?.podFailurePolicy?.rules ?? [];
  for (let i = 0; i < rules.length; i++) {
    const r = rules[i];
    if (r.onExitCodes) {
      for (const c of p.status?.containerStatuses ?? []) {
        if (r.onExitCodes.containerName && r.onExitCodes.containerName !== c.name) continue;
        const code = c.state?.terminated?.exitCode as number | undefined;
        if (code === undefined || code === 0) continue;
        const inList = r.onExitCodes.values.includes(code);
        if (r.onExitCodes.operator === "In" ? inList : !inList)
          return { action: r.action, message: `Container ${c.name} for pod ${p.metadata.namespace}/${p.metadata.name} failed with exit code ${code} matching ${r.action} rule at index ${i}` };
      }
    }
    for (const pat of r.onPodConditions ?? []) {
      if ((p.status?.conditions ?? []).some((c) => c.type === pat.type && c.status === (pat.status ?? "True")))
        return { action: r.action, message: `Pod ${p.metadata.namespace}/${p.metadata.name} has condition ${pat.type} matching ${r.action} rule at index ${i}` };
    }
  }
  return null;
}

function setCondition(list: Condition[], c: Condition, now: number): Condition[] {
  const prev = list.find((x) => x.type === c.type);
  if (prev && prev.status === c.status && prev.reason === c.reason) return list;
  const t = formatTime(now);
  const next = { ...c, lastProbeTime: t, lastTransitionTime: prev?.status === c.status ? prev.lastTransitionTime : t };
  return prev ? list.map((x) => (x === prev ? next : x)) : [...list, next];
}

function deletePod(ctx: ControllerContext, job: Job, p: Pod, now: number) {
  if (p.metadata.deletionTimestamp) return;
  try {
    ctx.api.delete(pods, p.metadata.namespace!, p.metadata.name!, {});
    recordEvent(ctx.api, { regarding: refTo(job), type: "Normal", reason: "SuccessfulDelete", message: `Deleted pod: ${p.metadata.name}`, component: COMPONENT, at: now });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}

function dropFinalizer(ctx: ControllerContext, p: Pod) {
  if (!p.metadata.finalizers?.includes(TRACKING_FINALIZER)) return;
  try {
    const fresh = ctx.api.peek<Pod>("pods", p.metadata.namespace!, p.metadata.name!);
    if (!fresh) return;
    ctx.api.update(pods, p.metadata.namespace!, p.metadata.name!, { ...fresh, metadata: { ...fresh.metadata, finalizers: (fresh.metadata.finalizers ?? []).filter((f) => f !== TRACKING_FINALIZER) } }, { trusted: true });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}

function sync(ctx: ControllerContext, job: Job) {
  const now = ctx.clock.now();
  const ns = job.metadata.namespace!;
  const name = job.metadata.name!;
  const spec = job.spec!;
  const indexed = spec.completionMode === "Indexed";
  const completions = spec.completions ?? null;
  const parallelism = spec.parallelism ?? 1;
  const backoffLimit = spec.backoffLimit ?? 6;
  const key = `${ns}/${name}`;

  const mine: Pod[] = [];
  for (const p of podsOf(ctx, ns, job.metadata.uid!)) mine.push(p);

  let succeeded = job.status?.succeeded ?? 0;
  let failed = job.status?.failed ?? 0;
  const completed = parseIndexes(job.status?.completedIndexes);
  let failJob: { reason: string; message: string } | null = null;

  // Count finished pods once: the tracking finalizer goes in the same transaction.
  for (const p of mine) {
    if (!p.metadata.finalizers?.includes(TRACKING_FINALIZER)) continue;
    const phase = p.status?.phase;
    const gone = !!p.metadata.deletionTimestamp && phase !== "Succeeded";
    if (phase === "Succeeded") {
      const idx = indexOf(p);
      if (indexed && idx !== null) {
        if (!completed.has(idx)) {
          completed.add(idx);
          succeeded++;
        }
      } else succeeded++;
    } else if (phase === "Failed" || gone) {
      const rule = phase === "Failed" ? matchRule(job, p) : null;
      if (rule?.action === "Ignore") {
        // not counted against backoffLimit
      } else if (rule?.action === "FailJob") {
        failed++;
        failJob ??= { reason: "PodFailurePolicy", message: rule.message };
      } else failed++;
    } else continue;
    dropFinalizer(ctx, p);
  }
  // OnFailure pods restart in place; their restarts count against the back-off limit.
  const restarts = spec.template?.spec?.restartPolicy === "OnFailure" ? mine.reduce((n, p) => n + (p.status?.containerStatuses ?? []).reduce((m, c) => m + (c.restartCount ?? 0), 0), 0) : 0;

  let conditions = (job.status?.conditions ?? []) as Condition[];
  let finished = jobFinished(job);
  const active = () => mine.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  let startTime = job.status?.startTime;
  let completionTime = job.status?.completionTime;

  if (!finished) {
    // Suspend and resume
    if (spec.suspend) {
      for (const p of active()) deletePod(ctx, job, p, now);
      if (!conditions.some((c) => c.type === "Suspended" && c.status === "True")) {
        conditions = setCondition(conditions, { type: "Suspended", status: "True", reason: "JobSuspended", message: "Job suspended" }, now);
        recordEvent(ctx.api, { regarding: refTo(job), type: "Normal", reason: "Suspended", message: "Job suspended", component: COMPONENT, at: now });
      }
      startTime = undefined;
    } else {
      if (conditions.some((c) => c.type === "Suspended" && c.status === "True")) {
        conditions = setCondition(conditions, { type: "Suspended", status: "False", reason: "JobResumed", message: "Job resumed" }, now);
        recordEvent(ctx.api, { regarding: refTo(job), type: "Normal", reason: "Resumed", message: "Job resumed", component: COMPONENT, at: now });
        startTime = undefined;
      }
      startTime ??= formatTime(now);
    }

    const deadline = spec.activeDeadlineSeconds;
    const started = parseTime(startTime ?? "");
    if (!failJob && !spec.suspend && deadline && started !== null) {
      if (now >= started + deadline * 1000) failJob = { reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" };
      else ctx.schedule(JOB, key, started + deadline * 1000);
    }
    if (!failJob && (failed > backoffLimit || (restarts > 0 && restarts + failed > backoffLimit)))
      failJob = { reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" };

    const done = indexed ? completed.size >= (completions ?? 0) : completions !== null ? succeeded >= completions : succeeded > 0 && active().length === 0;

    if (failJob) {
      for (const p of active()) deletePod(ctx, job, p, now);
      conditions = setCondition(conditions, { type: "FailureTarget", status: "True", ...failJob }, now);
      conditions = setCondition(conditions, { type: "Failed", status: "True", ...failJob }, now);
      recordEvent(ctx.api, { regarding: refTo(job), type: "Warning", reason: failJob.reason, message: failJob.message, component: COMPONENT, at: now });
      finished = "Failed";
    } else if (done) {
      for (const p of active()) deletePod(ctx, job, p, now);
      conditions = setCondition(conditions, { type: "SuccessCriteriaMet", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods" }, now);
      conditions = setCondition(conditions, { type: "Complete", status: "True", reason: "CompletionsReached", message: "Reached expected number of succeeded pods" }, now);
      completionTime = formatTime(now);
      recordEvent(ctx.api, { regarding: refTo(job), type: "Normal", reason: "Completed", message: "Job completed", component: COMPONENT, at: now });
      finished = "Complete";
    } else if (!spec.suspend && !job.metadata.deletionTimestamp) {
      // A Job being deleted makes no new pods.
      manage(ctx, job, mine, active(), { succeeded, failed, completed, now, parallelism, completions, indexed });
    }
  }

  // TTL after finishing. The TTL controller acts on the finished status as stored: a Job that finishes in this sync is
  // written first and collected on the next (its status would otherwise be lost with the pods it counted).
  if (finished && spec.ttlSecondsAfterFinished !== undefined && spec.ttlSecondsAfterFinished !== null && !job.metadata.deletionTimestamp) {
    const endedAt = parseTime(completionTime ?? conditions.find((c) => c.type === finished)?.lastTransitionTime ?? "") ?? now;
    const due = endedAt + spec.ttlSecondsAfterFinished * 1000;
    if (now >= due && jobFinished(job)) {
      try {
        ctx.api.delete(jobs, ns, name, { propagationPolicy: "Foreground" });
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
      return;
    }
    ctx.schedule(JOB, key, due);
  }

  // the pods as this sync left them (deleted ones gone, terminating ones marked)
  const current = [...podsOf(ctx, ns, job.metadata.uid!)];
  const live = current.filter((p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
  const fresh = ctx.api.peek<Job>("batch/jobs", ns, name);
  if (!fresh) return;
  const status: Record<string, unknown> = {
    ...(conditions.length ? { conditions } : {}),
    ...(startTime ? { startTime } : {}),
    ...(completionTime ? { completionTime } : {}),
    ...(live.length ? { active: live.length } : {}),
    ...(succeeded ? { succeeded } : {}),
    ...(failed ? { failed } : {}),
    terminating: current.filter((p) => p.metadata.deletionTimestamp).length,
    ...(indexed && completed.size ? { completedIndexes: formatIndexes(completed) } : {}),
    uncountedTerminatedPods: {},
    ready: live.filter(isReady).length,
  };
  if (JSON.stringify(status) !== JSON.stringify(fresh.status ?? {})) ctx.api.update(jobs, ns, name, { ...fresh, status }, { subresource: "status", trusted: true });
}

interface Counts {
  succeeded: number;
  failed: number;
  completed: Set<number>;
  now: number;
  parallelism: number;
  completions: number | null;
  indexed: boolean;
}

/** Creates or deletes pods so that the right number are active, after any back-off. */
function manage(ctx: ControllerContext, job: Job, mine: Pod[], active: Pod[], c: Counts) {
  const ns = job.metadata.namespace!;
  const key = `${ns}/${job.metadata.name}`;
  let want: number;
  if (c.indexed) want = Math.min(c.parallelism, (c.completions ?? 0) - c.completed.size);
  else if (c.completions !== null) want = Math.min(c.parallelism, c.completions - c.succeeded);
  else want = c.succeeded > 0 ? 0 : c.parallelism;
  want = Math.max(0, want);

  if (active.length > want) {
    // newest first, not-yet-running before running
    const doomed = [...active].sort((a, b) => Number(a.status?.phase === "Running") - Number(b.status?.phase === "Running") || (b.metadata.creationTimestamp ?? "").localeCompare(a.metadata.creationTimestamp ?? ""));
    for (const p of doomed.slice(0, active.length - want)) deletePod(ctx, job, p, c.now);
    return;
  }
  if (active.length === want) return;

  // Back-off after failures: 10 s doubling per failure, at most 6 minutes, from the last one.
  if (c.failed > 0) {
    const last = Math.max(0, ...mine.filter((p) => p.status?.phase === "Failed" || p.metadata.deletionTimestamp).map(finishedAt));
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (c.failed - 1));
    if (last > 0 && c.now < last + delay) {
      ctx.schedule(JOB, key, last + delay);
      return;
    }
  }

  const template = job.spec!.template!;
  const busy = new Set(active.map(indexOf).filter((i): i is number => i !== null));
  let toMake = want - active.length;
  for (let i = 0; toMake > 0; i++) {
    let extra: Parameters<typeof createPod>[3] = {};
    const t = structuredClone(template);
    t.metadata = { ...(t.metadata ?? {}), finalizers: [...(t.metadata?.finalizers ?? []), TRACKING_FINALIZER] };
    if (c.indexed) {
      if (i >= (c.completions ?? 0)) break;
      if (c.completed.has(i) || busy.has(i)) continue;
      t.metadata.annotations = { ...(t.metadata.annotations ?? {}), [INDEX_ANNOTATION]: String(i) };
      t.metadata.labels = { ...(t.metadata.labels ?? {}), [INDEX_LABEL]: String(i) };
      for (const ctr of t.spec!.containers) ctr.env = [...(ctr.env ?? []).filter((e) => e.name !== "JOB_COMPLETION_INDEX"), { name: "JOB_COMPLETION_INDEX", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: `metadata.annotations['${INDEX_ANNOTATION}']` } } }];
      extra = { hostname: `${job.metadata.name}-${i}`, generateName: `${job.metadata.name}-${i}-` };
    }
    const refused = createWithinBound(ctx, job, { controller: JOB, key, component: COMPONENT, message: errorCreating }, () => {
      const pod = createPod(ctx, job, t, extra);
      recordEvent(ctx.api, { regarding: refTo(job), type: "Normal", reason: "SuccessfulCreate", message: `Created pod: ${pod.metadata.name}`, component: COMPONENT, at: c.now });
    });
    if (refused) return;
    toMake--;
  }
}
