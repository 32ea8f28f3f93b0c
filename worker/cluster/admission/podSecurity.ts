// PodSecurity: kube-apiserver's built-in Pod Security admission (k8s.io/pod-security-admission).
// A namespace's pod-security.kubernetes.io/* labels choose a level (privileged, baseline,
// restricted) per mode: enforce refuses a pod that violates it, warn adds a Warning to the
// answer, audit only annotates the audit log (kubedo keeps no audit log, so audit shows nowhere).
// Workload kinds with a pod template are never refused, only warned about. Pods the control plane
// creates (a ReplicaSet's) are enforced like a user's. Unlabelled namespaces are privileged.
import { errors } from "../machinery/errors";
import type { KObject } from "../resources/define";
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from "./plugin";
import { evaluatePod, forbiddenDetail, type Aggregate } from "./podSecurity/evaluator";
import { existingPodWarnings, type ExistingPod } from "./podSecurity/existingPods";
import { compareLevels, fullyPrivileged, levelVersionString, policyFromLabels, sameLevelVersion, type LevelVersion } from "./podSecurity/policy";
import type { Container, PodMeta, PodSpec } from "./podSecurity/podSpec";

/** Where each kind keeps its pod template. */
const TEMPLATES: Record<string, (o: KObject) => unknown> = {
  replicationcontrollers: (o) => spec(o)?.template,
  podtemplates: (o) => o.template,
  "apps/replicasets": (o) => spec(o)?.template,
  "apps/deployments": (o) => spec(o)?.template,
  "apps/statefulsets": (o) => spec(o)?.template,
  "apps/daemonsets": (o) => spec(o)?.template,
  "batch/jobs": (o) => spec(o)?.template,
  "batch/cronjobs": (o) => (spec(o)?.jobTemplate as { spec?: { template?: unknown } } | undefined)?.spec?.template,
};

function spec(o: KObject): Record<string, unknown> | undefined {
  return o.spec as Record<string, unknown> | undefined;
}

/** Pod writes that cannot change what the pod runs as (the kubelet's status, bindings, evictions…). */
const IGNORED_POD_SUBRESOURCES = new Set(["exec", "attach", "binding", "eviction", "log", "portforward", "proxy", "status"]);

function clusterMinor(ctx: AdmissionContext): number {
  return Number(/^v?1\.(\d+)/.exec(ctx.cluster.kubernetesVersion)?.[1] ?? 33);
}

function namespaceLabels(ctx: AdmissionContext, namespace: string): Record<string, string> | undefined {
  return ctx.get("namespaces", "", namespace)?.metadata.labels ?? undefined;
}

/** Upstream re-checks a pod update only when a container's image changes or a container comes or goes. */
function significantPodUpdate(pod: PodSpec, old: PodSpec): boolean {
  const images = (cs: Container[] | null | undefined) => (cs ?? []).map((c) => c.image ?? "");
  const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(images(pod.containers), images(old.containers)) || !same(images(pod.initContainers), images(old.initContainers))) return true;
  const before = new Map((old.ephemeralContainers ?? []).map((c) => [c.name, c.image ?? ""]));
  return (pod.ephemeralContainers ?? []).some((c) => before.get(c.name) !== (c.image ?? ""));
}

function validatePod(a: AdmissionAttributes, ctx: AdmissionContext) {
  if (a.subresource && IGNORED_POD_SUBRESOURCES.has(a.subresource)) return;
  const pod = (a.object.spec ?? {}) as PodSpec;
  if (a.operation === "UPDATE" && a.old && !significantPodUpdate(pod, (a.old.spec ?? {}) as PodSpec)) return;
  const { policy, issues } = policyFromLabels(namespaceLabels(ctx, a.namespace));
  if (!issues.length && fullyPrivileged(policy)) return;
  const minor = clusterMinor(ctx);
  const meta = a.object.metadata as PodMeta;
  const enforced = evaluatePod(policy.enforce, minor, meta, pod);
  if (!enforced.allowed) throw errors.forbidden("", "pods", a.name, `violates PodSecurity ${JSON.stringify(levelVersionString(policy.enforce))}: ${forbiddenDetail(enforced)}`);
  warn(ctx, policy.warn, sameLevelVersion(policy.warn, policy.enforce) ? enforced : evaluatePod(policy.warn, minor, meta, pod));
}

function warn(ctx: AdmissionContext, lv: LevelVersion, result: Aggregate) {
  if (!result.allowed) ctx.warn(`would violate PodSecurity ${JSON.stringify(levelVersionString(lv))}: ${forbiddenDetail(result)}`);
}

/** A workload's template is only warned about (audit would annotate too; it shows nowhere here). */
function validateTemplate(a: AdmissionAttributes, ctx: AdmissionContext) {
  if (a.subresource) return;
  const { policy } = policyFromLabels(namespaceLabels(ctx, a.namespace));
  if (policy.warn.level === "privileged") return;
  const template = TEMPLATES[a.storage]?.(a.object) as { metadata?: PodMeta; spec?: PodSpec } | undefined;
  if (!template) return;
  warn(ctx, policy.warn, evaluatePod(policy.warn, clusterMinor(ctx), template.metadata ?? {}, template.spec ?? {}));
}

/**
 * A namespace's labels must name real levels and versions. When its enforce level becomes
 * stricter, the answer warns about the pods already there that the new level would refuse.
 */
function validateNamespace(a: AdmissionAttributes, ctx: AdmissionContext) {
  if (a.subresource) return;
  const { policy, issues } = policyFromLabels(a.object.metadata.labels);
  if (a.operation === "CREATE" || !a.old) {
    if (issues.length) throw errors.invalid("", "Namespace", a.name, issues);
    return;
  }
  const old = policyFromLabels(a.old.metadata.labels);
  if (issues.length && (!old.issues.length || JSON.stringify(issues) !== JSON.stringify(old.issues))) throw errors.invalid("", "Namespace", a.name, issues);
  const [now, before] = [policy.enforce, old.policy.enforce];
  if (sameLevelVersion(now, before) || now.level === "privileged") return;
  if (now.version === before.version && compareLevels(now.level, before.level) < 1) return;
  const pods = [...ctx.scan<KObject>("pods", a.name)] as unknown as ExistingPod[];
  for (const w of existingPodWarnings(a.name, now, clusterMinor(ctx), pods)) ctx.warn(w);
}

export const podSecurity: AdmissionPlugin = {
  name: "PodSecurity",
  resources: ["pods", "namespaces", ...Object.keys(TEMPLATES)],
  validate(a, ctx) {
    if (a.storage === "pods") validatePod(a, ctx);
    else if (a.storage === "namespaces") validateNamespace(a, ctx);
    else validateTemplate(a, ctx);
  },
};
