// kube-apiserver's Priority admission plugin: a new pod's priorityClassName (or the global
// default class) becomes spec.priority and spec.preemptionPolicy; an update keeps them; a
// PriorityClass may not become a second global default.
import type { PodSpecT } from "../resources/types/core";
import { SYSTEM_PRIORITY_CLASSES, type PriorityClass } from "../resources/priorityclass";
import type { AdmissionContext, AdmissionPlugin } from "./plugin";

const CLASSES = "scheduling.k8s.io/priorityclasses";

/** The global default class; if several claim it (a race in kube-apiserver), the lowest value. */
function defaultClass(ctx: AdmissionContext): PriorityClass | null {
  let found: PriorityClass | null = null;
  for (const pc of ctx.scan<PriorityClass>(CLASSES, null)) if (pc.globalDefault && (!found || (pc.value ?? 0) < (found.value ?? 0))) found = pc;
  return found;
}

/** The class a pod names. The built-in ones count even before the post-start hook has stored them
 * (the first node's static pods are admitted while the cluster is being made); they cannot be deleted. */
function namedClass(ctx: AdmissionContext, name: string): Pick<PriorityClass, "value" | "preemptionPolicy"> | null {
  const stored = ctx.get<PriorityClass>(CLASSES, "", name);
  if (stored) return stored;
  const builtIn = SYSTEM_PRIORITY_CLASSES.find((c) => c.name === name);
  return builtIn ? { value: builtIn.value, preemptionPolicy: "PreemptLowerPriority" } : null;
}

function admitNewPod(spec: PodSpecT, ctx: AdmissionContext) {
  let priority = 0;
  let policy: PodSpecT["preemptionPolicy"] = "PreemptLowerPriority";
  if (!spec.priorityClassName) {
    const pc = defaultClass(ctx);
    if (pc) {
      spec.priorityClassName = pc.metadata.name;
      priority = pc.value ?? 0;
      policy = pc.preemptionPolicy;
    }
  } else {
    const pc = namedClass(ctx, spec.priorityClassName);
    if (!pc) ctx.forbid(`no PriorityClass with name ${spec.priorityClassName} was found`);
    priority = pc.value ?? 0;
    policy = pc.preemptionPolicy;
  }
  if (spec.priority != null && spec.priority !== priority)
    ctx.forbid(`the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`);
  spec.priority = priority;
  if (policy) {
    if (spec.preemptionPolicy != null && spec.preemptionPolicy !== policy)
      ctx.forbid(`the string value of PreemptionPolicy (${spec.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`);
    spec.preemptionPolicy = policy;
  }
}

export const priorityAdmission: AdmissionPlugin = {
  name: "Priority",
  resources: ["pods", CLASSES],
  mutate(a, ctx) {
    if (a.storage !== "pods" || a.subresource) return;
    const spec = a.object.spec as PodSpecT | undefined;
    if (!spec) return;
    if (a.operation === "CREATE") return admitNewPod(spec, ctx);
    // An update that leaves them out keeps what admission set on create (validation forbids changing them).
    const old = a.old?.spec as PodSpecT | undefined;
    if (spec.priority == null && old?.priority != null) spec.priority = old.priority;
    if (spec.preemptionPolicy == null && old?.preemptionPolicy != null) spec.preemptionPolicy = old.preemptionPolicy;
  },
  validate(a, ctx) {
    if (a.storage !== CLASSES || a.subresource) return;
    const pc = a.object as PriorityClass;
    if (!pc.globalDefault) return;
    const current = defaultClass(ctx);
    if (current && (a.operation === "CREATE" || current.metadata.name !== pc.metadata.name))
      ctx.forbid(`PriorityClass ${current.metadata.name} is already marked as default. Only one default can exist`);
  },
};
