// The CronJob controller: at each scheduled time on the cluster clock (a timer, never polling)
// it makes a Job named <cronjob>-<minutes since the epoch>, honouring suspend,
// startingDeadlineSeconds and concurrencyPolicy (Allow, Forbid, Replace); it tracks active
// Jobs, lastScheduleTime and lastSuccessfulTime, and deletes finished Jobs beyond the
// history limits.
import { ApiError } from "../machinery/errors";
import { formatTime, parseTime } from "../machinery/time";
import { recordEvent, refTo } from "../events";
import { cronJobs, type CronJob } from "../resources/cronjob";
import { jobFinished, jobs, type Job } from "../resources/job";
import { missedRuns, nextRun } from "../machinery/cron";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { allKeys, controllerOf, controllerRef, ownerKeys } from "./podControl";

export const CRONJOB = "cronjob";
const COMPONENT = "cronjob-controller";
export const SCHEDULED_ANNOTATION = "batch.kubernetes.io/cronjob-scheduled-timestamp";

export const cronJobController: Controller = {
  name: CRONJOB,
  keysFor(c) {
    return ownerKeys(c, "batch/cronjobs", "CronJob", "batch/jobs");
  },
  resync(ctx) {
    return allKeys(ctx, "batch/cronjobs");
  },
  regarding(key) {
    const [namespace, name] = splitKey(key);
    return { apiVersion: "batch/v1", kind: "CronJob", namespace, name };
  },
  reconcile(key, ctx) {
    const [ns, name] = splitKey(key);
    const cj = ctx.api.peek<CronJob>("batch/cronjobs", ns, name);
    if (!cj || cj.metadata.deletionTimestamp) return;
    ctx.store.transaction(() => sync(ctx, cj));
  },
};

function deleteJob(ctx: ControllerContext, cj: CronJob, j: Job, now: number) {
  try {
    ctx.api.delete(jobs, j.metadata.namespace!, j.metadata.name!, { propagationPolicy: "Background" });
    recordEvent(ctx.api, { regarding: refTo(cj), type: "Normal", reason: "SuccessfulDelete", message: `Deleted job ${j.metadata.name}`, component: COMPONENT, at: now });
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}

function sync(ctx: ControllerContext, cj: CronJob) {
  const now = ctx.clock.now();
  const ns = cj.metadata.namespace!;
  const name = cj.metadata.name!;
  const spec = cj.spec!;
  const key = `${ns}/${name}`;
  const tz = spec.timeZone ?? undefined;

  const owned: Job[] = [];
  for (const j of ctx.api.scanStored<Job>("batch/jobs", ns)) if (controllerOf(j)?.uid === cj.metadata.uid && !j.metadata.deletionTimestamp) owned.push(j);
  let active = owned.filter((j) => !jobFinished(j));
  let lastSuccessfulTime = cj.status?.lastSuccessfulTime;
  for (const j of owned) {
    if (jobFinished(j) !== "Complete") continue;
    const t = j.status?.completionTime;
    if (t && (!lastSuccessfulTime || t > lastSuccessfulTime)) lastSuccessfulTime = t;
  }
  const wasActive = new Set((cj.status?.active ?? []).map((r) => r.uid));
  for (const j of owned) {
    const f = jobFinished(j);
    if (f && wasActive.has(j.metadata.uid))
      recordEvent(ctx.api, { regarding: refTo(cj), type: "Normal", reason: "SawCompletedJob", message: `Saw completed job: ${j.metadata.name}, condition: ${f}`, component: COMPONENT, at: now });
  }

  // The most recent unmet scheduled time since the last one (or since creation).
  let lastScheduleTime = cj.status?.lastScheduleTime;
  const since = parseTime(lastScheduleTime ?? "") ?? parseTime(cj.metadata.creationTimestamp ?? "") ?? now;
  const missed = missedRuns(spec.schedule, tz, since, now);
  if (missed.count > 100)
    recordEvent(ctx.api, { regarding: refTo(cj), type: "Warning", reason: "TooManyMissedTimes", message: "too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew", component: COMPONENT, at: now });
  const due = missed.latest;
  if (due !== null && !spec.suspend) {
    const deadline = spec.startingDeadlineSeconds;
    const tooLate = deadline !== undefined && deadline !== null && now > due + deadline * 1000;
    if (tooLate) {
      recordEvent(ctx.api, { regarding: refTo(cj), type: "Warning", reason: "MissSchedule", message: `Missed scheduled time to start a job: ${formatTime(due)}`, component: COMPONENT, at: now });
    } else if (spec.concurrencyPolicy === "Forbid" && active.length) {
      // wait: the run starts when the active one ends, if still within the deadline
      recordEvent(ctx.api, { regarding: refTo(cj), type: "Normal", reason: "JobAlreadyActive", message: "Not starting job because prior execution is running and concurrency policy is Forbid", component: COMPONENT, at: now });
    } else {
      if (spec.concurrencyPolicy === "Replace") {
        for (const j of active) deleteJob(ctx, cj, j, now);
        active = [];
      }
      const jobName = `${name}-${Math.floor(due / 60_000)}`;
      if (!ctx.api.peek("batch/jobs", ns, jobName)) {
        const t = structuredClone(spec.jobTemplate ?? {});
        const made = ctx.api.create(jobs, ns, {
          apiVersion: "batch/v1",
          kind: "Job",
          metadata: { name: jobName, labels: t.metadata?.labels, annotations: { ...(t.metadata?.annotations ?? {}), [SCHEDULED_ANNOTATION]: formatTime(due) }, ownerReferences: [controllerRef(cj)] },
          spec: t.spec ?? {},
        }, { trusted: true }).object as Job;
        active.push(made);
        recordEvent(ctx.api, { regarding: refTo(cj), type: "Normal", reason: "SuccessfulCreate", message: `Created job ${jobName}`, component: COMPONENT, at: now });
      }
      lastScheduleTime = formatTime(due);
    }
  }

  // History limits: the oldest finished Jobs beyond them go.
  const byStart = (a: Job, b: Job) => (a.status?.startTime ?? a.metadata.creationTimestamp ?? "").localeCompare(b.status?.startTime ?? b.metadata.creationTimestamp ?? "");
  for (const [kind, limit] of [["Complete", spec.successfulJobsHistoryLimit ?? 3], ["Failed", spec.failedJobsHistoryLimit ?? 1]] as const) {
    const done = owned.filter((j) => jobFinished(j) === kind).sort(byStart);
    for (const j of done.slice(0, Math.max(0, done.length - limit))) deleteJob(ctx, cj, j, now);
  }

  // The next run, on the cluster clock.
  if (!spec.suspend) {
    const next = nextRun(spec.schedule, tz, now);
    if (next !== null) ctx.schedule(CRONJOB, key, next);
  }

  const status: Record<string, unknown> = {
    ...(active.length ? { active: active.map((j) => ({ kind: "Job", namespace: ns, name: j.metadata.name, uid: j.metadata.uid, apiVersion: "batch/v1" })) } : {}),
    ...(lastScheduleTime ? { lastScheduleTime } : {}),
    ...(lastSuccessfulTime ? { lastSuccessfulTime } : {}),
  };
  const fresh = ctx.api.peek<CronJob>("batch/cronjobs", ns, name)!;
  if (JSON.stringify(status) !== JSON.stringify(fresh.status ?? {})) ctx.api.update(cronJobs, ns, name, { ...fresh, status }, { subresource: "status", trusted: true });
}
