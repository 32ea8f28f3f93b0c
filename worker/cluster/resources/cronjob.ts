// CronJob (batch/v1): makes Jobs on a cron schedule (standard five fields or @hourly-style
// macros, in a time zone), with a concurrency policy, a starting deadline and history limits.
import type { z } from "zod";
import { bool, int32, list, oneOf, opt, PTR, req, str, struct, time } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { statusHooks, templateColumns } from "./workload";
import { defineKind, type KObject } from "./define";
import { JobSpec, defaultJobSpec, type JobSpecT } from "./job";
import { ObjectReference } from "./types/core";
import { ObjectMeta, objectSchema } from "./types/meta";
import { cronProblem } from "../machinery/cron";

const BATCH = "io.k8s.api.batch.v1";

export const CronJobSchema = objectSchema(`${BATCH}.CronJob`, "Makes Jobs on a schedule.", { group: "batch", version: "v1", kind: "CronJob" }, {
  spec: opt(
    2,
    struct(`${BATCH}.CronJobSpec`, "The schedule and the Job to make.", {
      schedule: req(1, str, "Cron schedule: five fields (minute hour day-of-month month day-of-week) or @yearly, @monthly, @weekly, @daily, @midnight, @hourly."),
      timeZone: opt(8, str, PTR, "IANA time zone of the schedule (default: the controller's, UTC)."),
      startingDeadlineSeconds: opt(2, int32, PTR, "Seconds after a missed start time within which the Job may still start."),
      concurrencyPolicy: opt(3, oneOf("Allow", "Forbid", "Replace"), "Allow (default), Forbid or Replace concurrent runs."),
      suspend: opt(4, bool, PTR, "Whether new runs are suspended."),
      jobTemplate: req(5, struct(`${BATCH}.JobTemplateSpec`, "The Job to make.", { metadata: opt(1, ObjectMeta, "Labels and annotations of the Jobs."), spec: opt(2, JobSpec, "The Jobs' spec.") }), "The Job to make."),
      successfulJobsHistoryLimit: opt(6, int32, PTR, "Finished successful Jobs to keep (default 3)."),
      failedJobsHistoryLimit: opt(7, int32, PTR, "Failed Jobs to keep (default 1)."),
    }),
    "The schedule and the Job to make.",
  ),
  status: opt(
    3,
    struct(`${BATCH}.CronJobStatus`, "How the CronJob stands.", {
      active: opt(1, list(ObjectReference, { listType: "atomic" }), "Jobs running now."),
      lastScheduleTime: opt(4, time, "When a Job was last scheduled."),
      lastSuccessfulTime: opt(5, time, "When a Job last completed."),
    }),
    "How the CronJob stands.",
  ),
}, {
  check(o, p) {
    const c = o as CronJob;
    const s = c.spec;
    if (!s) return;
    if (s.schedule) {
      const problem = cronProblem(s.schedule, s.timeZone ?? undefined);
      if (problem) p.invalid(problem.field === "timeZone" ? ["spec", "timeZone"] : ["spec", "schedule"], problem.field === "timeZone" ? s.timeZone : s.schedule, problem.message);
    }
    const rp = s.jobTemplate?.spec?.template?.spec?.restartPolicy;
    if (rp !== "OnFailure" && rp !== "Never") p.notSupported(["spec", "jobTemplate", "spec", "template", "spec", "restartPolicy"], rp ?? "", ["OnFailure", "Never"]);
    for (const f of ["startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit"] as const) {
      const v = s[f];
      if (v !== undefined && v !== null && v < 0) p.invalid(["spec", f], v, "must be greater than or equal to 0");
    }
    if ((c.metadata?.name ?? "").length > 52) p.invalid(["metadata", "name"], c.metadata!.name, "must be no more than 52 characters");
  },
});
export type CronJob = z.infer<typeof CronJobSchema> & KObject;

export const cronJobs = defineKind<CronJob>({
  group: "batch",
  version: "v1",
  kind: "CronJob",
  plural: "cronjobs",
  singular: "cronjob",
  namespaced: true,
  shortNames: ["cj"],
  categories: ["all"],
  schema: CronJobSchema,
  generation: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the CronJob.", cell: (o) => o.metadata.name ?? "" },
    { name: "Schedule", type: "string", description: "The cron schedule.", cell: (o) => o.spec?.schedule ?? "" },
    { name: "TimeZone", type: "string", description: "The schedule's time zone.", cell: (o) => o.spec?.timeZone ?? "<none>" },
    { name: "Suspend", type: "boolean", description: "Whether new runs are suspended.", cell: (o) => !!o.spec?.suspend },
    { name: "Active", type: "integer", description: "Jobs running now.", cell: (o) => o.status?.active?.length ?? 0 },
    { name: "Last Schedule", type: "string", description: "Time since a Job was last scheduled.", cell: (o, c) => (o.status?.lastScheduleTime ? age(o.status.lastScheduleTime, c.now) : "<none>") },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    ...templateColumns<CronJob>((o) => o.spec?.jobTemplate?.spec?.template),
    { name: "Selector", type: "string", priority: 1, description: "Label selector of the pods.", cell: () => "<none>" },
  ],
  defaults(o) {
    o.spec ??= { schedule: "", jobTemplate: {} };
    o.spec.concurrencyPolicy ??= "Allow";
    o.spec.suspend ??= false;
    o.spec.successfulJobsHistoryLimit ??= 3;
    o.spec.failedJobsHistoryLimit ??= 1;
    o.spec.jobTemplate ??= {};
    if (o.spec.jobTemplate.spec) {
      // Jobs made from the template are defaulted again when created; completions stay unset
      // here only when parallelism is given, as the API server does.
      defaultJobSpec(o.spec.jobTemplate.spec as JobSpecT);
    }
  },
  prepareCreate(o) {
    o.status = {};
  },
  ...statusHooks<CronJob>(),
});
