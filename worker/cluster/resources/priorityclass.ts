// PriorityClass (scheduling.k8s.io/v1): a named priority a pod asks for with priorityClassName.
// The Priority admission plugin (admission/priority.ts) turns the name into spec.priority; the
// scheduler orders its queue by it and preempts lower-priority pods for it. The two system
// classes are made by kube-apiserver's post-start hook and may not be deleted.
import type { z } from "zod";
import { ALWAYS, bool, int32, oneOf, opt, PTR, str } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import type { PostStartHook } from "../api/postStart";
import { defineKind, type KObject, type ResourceDef } from "./define";
import { objectSchema } from "./types/meta";

const SCHED = "io.k8s.api.scheduling.v1";

/** The highest value a user's class may have; above it is for the system classes. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;
export const SYSTEM_CRITICAL_PRIORITY = 2 * HIGHEST_USER_DEFINABLE_PRIORITY;
const SYSTEM_PREFIX = "system-";

/** kube-apiserver's built-in classes (pkg/apis/scheduling), highest first. */
export const SYSTEM_PRIORITY_CLASSES = [
  { name: "system-node-critical", value: SYSTEM_CRITICAL_PRIORITY + 1000, description: "Used for system critical pods that must not be moved from their current node." },
  { name: "system-cluster-critical", value: SYSTEM_CRITICAL_PRIORITY, description: "Used for system critical pods that must run in the cluster, but can be moved to another node if necessary." },
] as const;

export const PriorityClassSchema = objectSchema(
  `${SCHED}.PriorityClass`,
  "A mapping from a priority class name to the integer priority of the pods that name it. The higher the value, the higher the priority.",
  { group: "scheduling.k8s.io", version: "v1", kind: "PriorityClass" },
  {
    value: opt(2, int32, ALWAYS, "The priority of pods that name this class: the higher, the more important. Immutable."),
    globalDefault: opt(3, bool, "Whether pods that name no class get this one. Only one class may be the global default."),
    description: opt(4, str, "When to use this class."),
    preemptionPolicy: opt(5, oneOf("PreemptLowerPriority", "Never"), PTR, "PreemptLowerPriority (the default) or Never: whether pods of this class may preempt lower-priority pods. Immutable."),
  },
  {
    check(o, p) {
      const pc = o as PriorityClass;
      const name = pc.metadata?.name ?? "";
      if (name.startsWith(SYSTEM_PREFIX)) {
        const why = unknownSystemClass(name, pc.value ?? 0, pc.globalDefault ?? false);
        if (why) p.forbidden(["metadata", "name"], `priority class names with '${SYSTEM_PREFIX}' prefix are reserved for system use only. error: ${why}`);
      } else if ((pc.value ?? 0) > HIGHEST_USER_DEFINABLE_PRIORITY) {
        p.forbidden(["value"], `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`);
      }
    },
  },
);

export type PriorityClass = z.infer<typeof PriorityClassSchema> & KObject;

/** Why a "system-" name is not one of the built-in classes as they are (IsKnownSystemPriorityClass), or null. */
function unknownSystemClass(name: string, value: number, globalDefault: boolean): string | null {
  const known = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  if (!known) return `${name} is not a known system priority class`;
  if (known.value !== value) return `value of ${name} PriorityClass must be ${known.value}`;
  if (globalDefault) return `globalDefault of ${name} PriorityClass must be false`;
  return null;
}

export const priorityClasses = defineKind<PriorityClass>({
  group: "scheduling.k8s.io",
  version: "v1",
  kind: "PriorityClass",
  plural: "priorityclasses",
  singular: "priorityclass",
  shortNames: ["pc"],
  namespaced: false,
  schema: PriorityClassSchema,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the class.", cell: (o) => o.metadata.name ?? "" },
    { name: "Value", type: "integer", description: "The priority of pods that name the class.", cell: (o) => o.value ?? 0 },
    { name: "Global-Default", type: "boolean", description: "Whether pods that name no class get this one.", cell: (o) => o.globalDefault ?? false },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    { name: "PreemptionPolicy", type: "string", description: "Whether pods of the class may preempt lower-priority pods.", cell: (o) => o.preemptionPolicy ?? "<none>" },
  ],
  defaults(o) {
    o.value ??= 0;
    o.preemptionPolicy ??= "PreemptLowerPriority";
  },
  validateUpdate(o, old, p) {
    if ((o.value ?? 0) !== (old.value ?? 0)) p.forbidden(["value"], "may not be changed in an update.");
    if (o.preemptionPolicy !== old.preemptionPolicy) p.invalid(["preemptionPolicy"], o.preemptionPolicy ?? null, "field is immutable");
  },
  forbidDelete(o) {
    return SYSTEM_PRIORITY_CLASSES.some((c) => c.name === o.metadata.name) ? "this is a system priority class and cannot be deleted" : null;
  },
});

/** kube-apiserver's post-start hook "scheduling/bootstrap-system-priority-classes": the built-in
 * classes, made where missing (never changed once there: their value and policy are immutable). */
export const bootstrapSystemPriorityClasses: PostStartHook = {
  name: "scheduling/bootstrap-system-priority-classes",
  version: 1,
  run(api) {
    for (const c of SYSTEM_PRIORITY_CLASSES) {
      if (api.peek("scheduling.k8s.io/priorityclasses", "", c.name)) continue;
      api.create(priorityClasses as unknown as ResourceDef, "", { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: c.name }, value: c.value, description: c.description, preemptionPolicy: "PreemptLowerPriority" }, { manager: "kube-apiserver" });
    }
  },
};
