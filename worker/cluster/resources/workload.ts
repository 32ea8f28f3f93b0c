// What the workload kinds share: the pod template's defaulting, the selector rules the apps
// API validates (required, non-empty, matching the template's labels, immutable), and the
// wide table columns (containers, images, selector).
import { formatLabelSelector, fromStructured, matchesLabels, type StructuredSelector } from "../machinery/selectors";
import { ALWAYS, opt, str, struct, time, type Problems } from "../machinery/schema/dsl";
import type { Column, KObject } from "./define";
import type { PodTemplateSpecT } from "./types/core";
import { labelSelectorLiteral } from "./types/meta";
import { defaultPodSpec } from "./types/podDefaults";

export interface WorkloadLike extends KObject {
  spec?: { replicas?: number; selector?: StructuredSelector; template?: PodTemplateSpecT };
}

export function defaultTemplate(t: PodTemplateSpecT | undefined): void {
  if (!t) return;
  t.metadata ??= {};
  t.spec ??= { containers: [] };
  defaultPodSpec(t.spec);
}

/** The selector rules of apps/v1 kinds. */
export function checkSelector(o: WorkloadLike, p: Problems, kind: string, restartPolicies: string[] = ["Always"]): void {
  const spec = o.spec ?? {};
  if (!spec.selector) {
    p.required(["spec", "selector"]);
    return;
  }
  const sel = fromStructured(spec.selector);
  if (!sel.length) p.invalid(["spec", "selector"], labelSelectorLiteral(spec.selector), `empty selector is invalid for ${kind}`);
  else if (!matchesLabels(sel, spec.template?.metadata?.labels ?? {})) p.invalid(["spec", "template", "metadata", "labels"], spec.template?.metadata?.labels ?? {}, "`selector` does not match template `labels`");
  if (spec.replicas !== undefined && spec.replicas < 0) p.invalid(["spec", "replicas"], spec.replicas, "must be greater than or equal to 0");
  const rp = spec.template?.spec?.restartPolicy;
  if (rp && !restartPolicies.includes(rp)) p.notSupported(["spec", "template", "spec", "restartPolicy"], rp, restartPolicies);
}

export function checkSelectorUnchanged(o: WorkloadLike, old: WorkloadLike, p: Problems): void {
  if (JSON.stringify(o.spec?.selector ?? null) !== JSON.stringify(old.spec?.selector ?? null)) p.invalid(["spec", "selector"], labelSelectorLiteral(o.spec?.selector), "field is immutable");
}

export function selectorText(sel: StructuredSelector | undefined): string {
  return sel ? formatLabelSelector(fromStructured(sel)) || "<none>" : "<none>";
}

/** The wide columns CONTAINERS and IMAGES of a kind whose pod template `template` finds. */
export function templateColumns<T>(template: (o: T) => PodTemplateSpecT | undefined): Column<T>[] {
  return [
    { name: "Containers", type: "string", priority: 1, description: "Names of the template's containers.", cell: (o) => (template(o)?.spec?.containers ?? []).map((c) => c.name).join(",") },
    { name: "Images", type: "string", priority: 1, description: "Images of the template's containers.", cell: (o) => (template(o)?.spec?.containers ?? []).map((c) => c.image ?? "").join(",") },
  ];
}

export function wideColumns<T extends WorkloadLike>(): Column<T>[] {
  return [
    ...templateColumns<T>((o) => o.spec?.template),
    { name: "Selector", type: "string", priority: 1, description: "Label selector of the pods.", cell: (o) => selectorText(o.spec?.selector) },
  ];
}

/** The condition shape most workload kinds share (type, status, lastTransitionTime, reason, message). */
export function conditionStruct(name: string, description: string, types: string) {
  return struct(name, description, {
    type: opt(1, str, ALWAYS, types),
    status: opt(2, str, ALWAYS, "True, False or Unknown."),
    lastTransitionTime: opt(3, time, "When the status last changed."),
    reason: opt(4, str, "Machine-readable reason."),
    message: opt(5, str, "Human-readable details."),
  });
}

/** A plain update keeps the status; the status subresource keeps the spec. */
export function statusHooks<T extends { spec?: unknown; status?: unknown }>() {
  return {
    prepareUpdate(o: T, old: T) {
      o.status = old.status;
    },
    prepareStatusUpdate(o: T, old: T) {
      o.spec = old.spec;
    },
  };
}
