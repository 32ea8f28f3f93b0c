// Job (batch/v1): runs pods to completion: completions and parallelism, NonIndexed or Indexed,
// a back-off limit, a deadline, suspend, pod failure policies and clean-up after it finishes.
import type { z } from "zod";
import { ALWAYS, bool, int32, list, oneOf, opt, PTR, req, str, struct, time } from "../machinery/schema/dsl";
import { age, humanDuration, parseTime } from "../machinery/time";
import { fromStructured, matchesLabels } from "../machinery/selectors";
import { defineKind } from "./define";
import { PodTemplateSpec } from "./types/core";
import { LabelSelector, labelSelectorLiteral, objectSchema } from "./types/meta";
import { defaultTemplate, selectorText, templateColumns, type WorkloadLike, statusHooks } from "./workload";

const BATCH = "io.k8s.api.batch.v1";
export const CONTROLLER_UID_LABEL = "batch.kubernetes.io/controller-uid";
export const JOB_NAME_LABEL = "batch.kubernetes.io/job-name";

export const JobCondition = struct(`${BATCH}.JobCondition`, "One aspect of a Job's state.", {
  type: opt(1, str, ALWAYS, "Complete, Failed, Suspended, FailureTarget or SuccessCriteriaMet."),
  status: opt(2, str, ALWAYS, "True, False or Unknown."),
  lastProbeTime: opt(3, time, "When the condition was last checked."),
  lastTransitionTime: opt(4, time, "When the status last changed."),
  reason: opt(5, str, "Machine-readable reason."),
  message: opt(6, str, "Human-readable details."),
});

const PodFailurePolicyRule = struct(`${BATCH}.PodFailurePolicyRule`, "What to do with a failed pod that matches: by container exit codes or pod conditions.", {
  action: req(1, oneOf("FailJob", "FailIndex", "Ignore", "Count"), "FailJob, FailIndex, Ignore or Count."),
  onExitCodes: opt(
    2,
    struct(`${BATCH}.PodFailurePolicyOnExitCodesRequirement`, "Exit codes of the pod's containers.", {
      containerName: opt(1, str, PTR, "Only this container's exit code (default: any container)."),
      operator: req(2, oneOf("In", "NotIn"), "In or NotIn."),
      values: req(3, list(int32, { listType: "set" }), "Exit codes (up to 255 values)."),
    }),
    "Exit codes of the pod's containers.",
  ),
  onPodConditions: opt(
    3,
    list(
      struct(`${BATCH}.PodFailurePolicyOnPodConditionsPattern`, "A pod condition to match.", {
        type: req(1, str, "Condition type, such as DisruptionTarget."),
        status: opt(2, str, "True (default), False or Unknown."),
      }),
      { listType: "atomic" },
    ),
    "Pod conditions, any of which matches.",
  ),
});

export const JobSpec = struct(`${BATCH}.JobSpec`, "What the Job runs and when it is done.", {
  parallelism: opt(1, int32, PTR, "Pods running at once at most (default 1)."),
  completions: opt(2, int32, PTR, "Successful pods needed (default 1; unset with parallelism set: a work queue)."),
  activeDeadlineSeconds: opt(3, int32, PTR, "Seconds the Job may run before it is failed."),
  podFailurePolicy: opt(11, struct(`${BATCH}.PodFailurePolicy`, "Rules for failed pods, first match wins.", { rules: req(1, list(PodFailurePolicyRule, { listType: "atomic" }), "The rules.") }), "Rules for failed pods."),
  backoffLimit: opt(7, int32, PTR, "Failed pods before the Job is failed (default 6)."),
  selector: opt(4, LabelSelector, "Pods of the Job (generated unless manualSelector)."),
  manualSelector: opt(5, bool, PTR, "Whether the selector is given by the user."),
  template: opt(6, PodTemplateSpec, "The pods it runs; restartPolicy must be OnFailure or Never."),
  ttlSecondsAfterFinished: opt(8, int32, PTR, "Seconds after finishing when the Job is deleted."),
  completionMode: opt(9, oneOf("NonIndexed", "Indexed"), "NonIndexed (default) or Indexed: each pod gets a completion index."),
  suspend: opt(10, bool, PTR, "Whether the Job is suspended (its pods are stopped)."),
});

export const JobSchema = objectSchema(`${BATCH}.Job`, "Runs pods until a number of them succeed.", { group: "batch", version: "v1", kind: "Job" }, {
  spec: opt(2, JobSpec, "What the Job runs."),
  status: opt(
    3,
    struct(`${BATCH}.JobStatus`, "How the Job stands.", {
      conditions: opt(1, list(JobCondition, { key: "type", strategy: "merge", listType: "atomic" }), "Complete, Failed, Suspended."),
      startTime: opt(2, time, "When the Job started (or resumed)."),
      completionTime: opt(3, time, "When the Job completed."),
      active: opt(4, int32, "Pods running or pending."),
      succeeded: opt(5, int32, "Pods that succeeded."),
      failed: opt(6, int32, "Pods that failed."),
      terminating: opt(11, int32, PTR, "Pods being deleted."),
      completedIndexes: opt(7, str, "Indexes that completed, such as 1,3-5 (Indexed Jobs)."),
      uncountedTerminatedPods: opt(
        8,
        struct(`${BATCH}.UncountedTerminatedPods`, "Finished pods not yet counted.", { succeeded: opt(1, list(str, { listType: "set" }), "UIDs."), failed: opt(2, list(str, { listType: "set" }), "UIDs.") }),
        "Finished pods not yet counted.",
      ),
      ready: opt(9, int32, PTR, "Active pods that are ready."),
    }),
    "How the Job stands.",
  ),
}, {
  check(o, p) {
    const j = o as Job;
    const s = j.spec ?? {};
    const rp = s.template?.spec?.restartPolicy;
    if (rp !== "OnFailure" && rp !== "Never") p.notSupported(["spec", "template", "spec", "restartPolicy"], rp ?? "", ["OnFailure", "Never"]);
    for (const f of ["parallelism", "completions", "backoffLimit", "ttlSecondsAfterFinished"] as const) {
      const v = s[f];
      if (v !== undefined && v !== null && v < 0) p.invalid(["spec", f], v, "must be greater than or equal to 0");
    }
    if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds !== null && s.activeDeadlineSeconds <= 0) p.invalid(["spec", "activeDeadlineSeconds"], s.activeDeadlineSeconds, "must be greater than 0");
    if (s.completionMode === "Indexed" && (s.completions === undefined || s.completions === null)) p.required(["spec", "completions"], "when completion mode is Indexed");
    if (s.podFailurePolicy && rp !== "Never") p.invalid(["spec", "podFailurePolicy"], null, "only allowed when template.spec.restartPolicy is Never");
    if (s.manualSelector) {
      const sel = fromStructured(s.selector);
      if (!sel.length) p.required(["spec", "selector"]);
      else if (!matchesLabels(sel, s.template?.metadata?.labels ?? {})) p.invalid(["spec", "template", "metadata", "labels"], s.template?.metadata?.labels ?? {}, "`selector` does not match template `labels`");
    }
  },
});
export type Job = z.infer<typeof JobSchema> & WorkloadLike;
export type JobSpecT = NonNullable<Job["spec"]>;

export function jobCondition(j: Job, type: string): boolean {
  return !!j.status?.conditions?.some((c) => c.type === type && c.status === "True");
}

export function jobFinished(j: Job): "Complete" | "Failed" | null {
  return jobCondition(j, "Complete") ? "Complete" : jobCondition(j, "Failed") ? "Failed" : null;
}

/** The STATUS column of `kubectl get jobs`. */
function jobStatusText(j: Job): string {
  if (j.metadata.deletionTimestamp) return "Terminating";
  for (const t of ["Complete", "Failed", "FailureTarget", "SuccessCriteriaMet", "Suspended"]) if (jobCondition(j, t)) return t;
  return "Running";
}

export function completionsText(j: Job): string {
  const succeeded = j.status?.succeeded ?? 0;
  if (j.spec?.completions !== undefined && j.spec.completions !== null) return `${succeeded}/${j.spec.completions}`;
  const par = j.spec?.parallelism ?? 1;
  return par > 1 ? `${succeeded}/1 of ${par}` : `${succeeded}/1`;
}

export function defaultJobSpec(s: JobSpecT): void {
  if ((s.completions === undefined || s.completions === null) && (s.parallelism === undefined || s.parallelism === null)) {
    s.completions = 1;
    s.parallelism = 1;
  }
  s.parallelism ??= 1;
  s.backoffLimit ??= 6;
  s.completionMode ??= "NonIndexed";
  s.suspend ??= false;
  s.manualSelector ??= undefined;
  defaultTemplate(s.template);
}

export const jobs = defineKind<Job>({
  group: "batch",
  version: "v1",
  kind: "Job",
  plural: "jobs",
  singular: "job",
  namespaced: true,
  categories: ["all"],
  schema: JobSchema,
  generation: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the Job.", cell: (o) => o.metadata.name ?? "" },
    { name: "Status", type: "string", description: "Running, Complete, Failed or Suspended.", cell: (o) => jobStatusText(o) },
    { name: "Completions", type: "string", description: "Successful pods out of those needed.", cell: (o) => completionsText(o) },
    {
      name: "Duration",
      type: "string",
      description: "How long the Job ran.",
      cell: (o, c) => {
        const start = parseTime(o.status?.startTime ?? "");
        if (start === null) return "";
        const end = parseTime(o.status?.completionTime ?? "") ?? c.now;
        return humanDuration(end - start);
      },
    },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    ...templateColumns<Job>((o) => o.spec?.template),
    { name: "Selector", type: "string", priority: 1, description: "Label selector of the pods.", cell: (o) => selectorText(o.spec?.selector) },
  ],
  defaults(o) {
    o.spec ??= {};
    defaultJobSpec(o.spec);
  },
  prepareCreate(o) {
    // The generated selector: every pod of this Job, and only those, carries its uid.
    if (!o.spec!.manualSelector) {
      const uid = o.metadata.uid!;
      o.spec!.selector = { matchLabels: { [CONTROLLER_UID_LABEL]: uid } };
      const t = o.spec!.template!;
      t.metadata = { ...(t.metadata ?? {}), labels: { ...(t.metadata?.labels ?? {}), [CONTROLLER_UID_LABEL]: uid, [JOB_NAME_LABEL]: o.metadata.name!, "controller-uid": uid, "job-name": o.metadata.name! } };
    }
    o.status = {};
  },
  validateUpdate(o, old, p) {
    if (JSON.stringify(o.spec?.selector ?? null) !== JSON.stringify(old.spec?.selector ?? null)) p.invalid(["spec", "selector"], labelSelectorLiteral(o.spec?.selector), "field is immutable");
    if (JSON.stringify(o.spec?.template ?? null) !== JSON.stringify(old.spec?.template ?? null)) p.invalid(["spec", "template"], o.spec?.template, "field is immutable");
    if ((o.spec?.completions ?? null) !== (old.spec?.completions ?? null)) p.invalid(["spec", "completions"], o.spec?.completions, "field is immutable");
    if (o.spec?.completionMode !== old.spec?.completionMode) p.invalid(["spec", "completionMode"], o.spec?.completionMode, "field is immutable");
  },
  ...statusHooks<Job>(),
});
