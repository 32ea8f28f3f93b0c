// Pod (core/v1): the unit that runs containers. Defaulting and admission here do what the API
// server and its admission plugins do on create: spec defaults, the service account token
// volume, the default NoExecute tolerations, and an initial Pending status (priority is the
// Priority admission plugin's, admission/priority.ts).
import type { z } from "zod";
import { opt } from "../machinery/schema/dsl";
import { age, parseTime } from "../machinery/time";
import { defineKind, type HookContext, type KObject } from "./define";
import { PodSpec, PodStatus, type ContainerStatusT, type PodSpecT, type TolerationT } from "./types/core";
import { objectSchema } from "./types/meta";
import { defaultContainer, defaultPodOnly, defaultPodSpec } from "./types/podDefaults";
import { asContainer, checkCreate, checkEphemeralContainers, EPHEMERAL_SUBRESOURCE, keepOnlyEphemeralChanges, validateEphemeralUpdate } from "../subresources/ephemeralContainers";

export const PodSchema = objectSchema(
  "io.k8s.api.core.v1.Pod",
  "A group of containers that run together on one node, sharing a network address and volumes.",
  { group: "", version: "v1", kind: "Pod" },
  {
    spec: opt(2, PodSpec, "What the pod runs."),
    status: opt(3, PodStatus, "What is known about the pod; written by the system."),
  },
  {
    check(o, p) {
      const pod = o as Pod;
      if (!pod.spec) return;
      checkEphemeralContainers(pod.spec, p.at("spec"));
      // Only a pod being created has no uid yet when it is validated.
      if (!pod.metadata?.uid) checkCreate(pod.spec, p.at("spec"));
    },
  },
);

export type Pod = z.infer<typeof PodSchema> & KObject;

/** The allocation pool of a node's pod IPs (from its podCIDR). */
export function podIpPool(node: string): string {
  return `podip/${node}`;
}

export const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

const DEFAULT_TOLERATIONS: TolerationT[] = [
  { key: "node.kubernetes.io/not-ready", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
  { key: "node.kubernetes.io/unreachable", operator: "Exists", effect: "NoExecute", tolerationSeconds: 300 },
];

/** The pod's QoS class, from its containers' requests and limits. */
export function qosClass(spec: PodSpecT | undefined): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    for (const r of ["cpu", "memory"]) {
      if (req[r] !== undefined || lim[r] !== undefined) any = true;
      if (lim[r] === undefined || (req[r] !== undefined && req[r] !== lim[r])) guaranteed = false;
    }
  }
  if (!any) return "BestEffort";
  return guaranteed ? "Guaranteed" : "Burstable";
}

/** The STATUS column, computed the way kubectl's pod printer does. */
export function podStatusReason(pod: Pod): { reason: string; ready: number; total: number; restarts: number; lastRestart: number | null } {
  const status = pod.status ?? {};
  let reason = status.reason || status.phase || "";
  const spec = pod.spec;
  // Sidecars (restartable init containers) count among the pod's containers, as since 1.29.
  const isSidecar = (name: string) => spec?.initContainers?.find((c) => c.name === name)?.restartPolicy === "Always";
  const total = (spec?.containers?.length ?? 0) + (spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always").length;
  let ready = 0;
  let restarts = 0;
  let lastRestart: number | null = null;
  let sidecarRestarts = 0;
  let sidecarLastRestart: number | null = null;
  const finishedAt = (cs: ContainerStatusT) => {
    const t = cs.lastState?.terminated?.finishedAt;
    return t ? parseTime(t) : null;
  };
  const noteRestart = (cs: ContainerStatusT) => {
    restarts += cs.restartCount ?? 0;
    const ms = finishedAt(cs);
    if (ms !== null && (lastRestart === null || ms > lastRestart)) lastRestart = ms;
  };
  let initializing = false;
  const inits = status.initContainerStatuses ?? [];
  for (let i = 0; i < inits.length; i++) {
    const cs = inits[i];
    noteRestart(cs);
    const t = cs.state?.terminated;
    const w = cs.state?.waiting;
    const sidecar = isSidecar(cs.name);
    if (sidecar) {
      sidecarRestarts += cs.restartCount ?? 0;
      const ms = finishedAt(cs);
      if (ms !== null && (sidecarLastRestart === null || ms > sidecarLastRestart)) sidecarLastRestart = ms;
    }
    if (t && t.exitCode === 0) continue;
    if (sidecar && cs.started) {
      if (cs.ready) ready++;
      continue;
    }
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (w?.reason && w.reason !== "PodInitializing") reason = `Init:${w.reason}`;
    else reason = `Init:${i}/${spec?.initContainers?.length ?? inits.length}`;
    initializing = true;
    break;
  }
  const initialized = status.conditions?.some((c) => c.type === "Initialized" && c.status === "True");
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = sidecarLastRestart;
    let hasRunning = false;
    const css = status.containerStatuses ?? [];
    for (let i = css.length - 1; i >= 0; i--) {
      const cs = css[i];
      noteRestart(cs);
      const w = cs.state?.waiting;
      const t = cs.state?.terminated;
      if (w?.reason) reason = w.reason;
      else if (t?.reason) reason = t.reason;
      else if (t) reason = t.signal ? `Signal:${t.signal}` : `ExitCode:${t.exitCode}`;
      else if (cs.ready && cs.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === "Completed" && hasRunning) {
      const readyCond = status.conditions?.some((c) => c.type === "Ready" && c.status === "True");
      reason = readyCond ? "Running" : "NotReady";
    }
  }
  if (pod.metadata.deletionTimestamp && status.reason === "NodeLost") reason = "Unknown";
  else if (pod.metadata.deletionTimestamp && status.phase !== "Succeeded" && status.phase !== "Failed") reason = "Terminating";
  return { reason, ready, total, restarts, lastRestart };
}

function tolerationPresent(list: TolerationT[], t: TolerationT): boolean {
  // An empty key with Exists tolerates every taint (DefaultTolerationSeconds counts it).
  return list.some((x) => (x.key === t.key || !x.key) && (x.effect === t.effect || !x.effect) && (x.operator ?? "Equal") === "Exists");
}

/** Fields of a pod's spec that may change after creation; everything else is fixed. */
function withMutableFieldsFrom(oldSpec: PodSpecT, newSpec: PodSpecT): PodSpecT {
  const merged: PodSpecT = structuredClone(oldSpec);
  merged.containers = oldSpec.containers.map((c, i) => ({ ...c, image: newSpec.containers?.[i]?.image ?? c.image }));
  if (oldSpec.initContainers) merged.initContainers = oldSpec.initContainers.map((c, i) => ({ ...c, image: newSpec.initContainers?.[i]?.image ?? c.image }));
  merged.activeDeadlineSeconds = newSpec.activeDeadlineSeconds;
  merged.tolerations = newSpec.tolerations;
  merged.schedulingGates = newSpec.schedulingGates;
  if (oldSpec.terminationGracePeriodSeconds !== undefined && oldSpec.terminationGracePeriodSeconds < 0) merged.terminationGracePeriodSeconds = newSpec.terminationGracePeriodSeconds;
  return merged;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object")
    return Object.fromEntries(
      Object.keys(v as object)
        .sort()
        .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
    );
  return v;
}

function randomSuffix(n: number): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  const bytes = crypto.getRandomValues(new Uint8Array(n));
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return s;
}

/** The service account admission plugin: the account must exist; its token is mounted. */
function admitServiceAccount(pod: Pod, ctx: HookContext) {
  const spec = pod.spec!;
  spec.serviceAccountName ||= "default";
  spec.serviceAccount = spec.serviceAccountName;
  const ns = pod.metadata.namespace ?? "default";
  const sa = ctx.get<KObject & { automountServiceAccountToken?: boolean }>("serviceaccounts", ns, spec.serviceAccountName);
  if (!sa && spec.serviceAccountName !== "default") {
    ctx.forbid(`error looking up service account ${ns}/${spec.serviceAccountName}: serviceaccount "${spec.serviceAccountName}" not found`);
  }
  const automount = spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
  if (!automount) return;
  const all = [...(spec.containers ?? []), ...(spec.initContainers ?? [])];
  if (all.some((c) => c.volumeMounts?.some((m) => m.mountPath === SERVICE_ACCOUNT_MOUNT))) return;
  const name = `kube-api-access-${randomSuffix(5)}`;
  spec.volumes = [
    ...(spec.volumes ?? []),
    {
      name,
      projected: {
        defaultMode: 420,
        sources: [
          { serviceAccountToken: { expirationSeconds: 3607, path: "token" } },
          { configMap: { name: "kube-root-ca.crt", items: [{ key: "ca.crt", path: "ca.crt" }] } },
          { downwardAPI: { items: [{ path: "namespace", fieldRef: { apiVersion: "v1", fieldPath: "metadata.namespace" } }] } },
        ],
      },
    },
  ];
  for (const c of all) c.volumeMounts = [...(c.volumeMounts ?? []), { name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT }];
}

export const pods = defineKind<Pod>({
  group: "",
  version: "v1",
  kind: "Pod",
  plural: "pods",
  singular: "pod",
  namespaced: true,
  shortNames: ["po"],
  categories: ["all"],
  schema: PodSchema,
  subresources: [
    { name: "status", verbs: ["get", "patch", "update"] },
    { name: "attach", kind: { group: "", version: "v1", kind: "PodAttachOptions" }, verbs: ["create", "get"] },
    { name: "binding", kind: { group: "", version: "v1", kind: "Binding" }, verbs: ["create"] },
    { name: "eviction", kind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"] },
    { name: EPHEMERAL_SUBRESOURCE, verbs: ["get", "patch", "update"] },
    { name: "exec", kind: { group: "", version: "v1", kind: "PodExecOptions" }, verbs: ["create", "get"] },
    { name: "log", verbs: ["get"] },
    { name: "portforward", kind: { group: "", version: "v1", kind: "PodPortForwardOptions" }, verbs: ["create", "get"] },
    { name: "proxy", kind: { group: "", version: "v1", kind: "PodProxyOptions" }, verbs: ["create", "delete", "get", "patch", "update"] },
  ],
  deleteReturnsObject: true,
  allowUnconditionalUpdate: true,
  fieldSelectors: {
    "spec.nodeName": (o) => o.spec?.nodeName ?? "",
    "spec.restartPolicy": (o) => o.spec?.restartPolicy,
    "spec.schedulerName": (o) => o.spec?.schedulerName,
    "spec.serviceAccountName": (o) => o.spec?.serviceAccountName,
    "spec.hostNetwork": (o) => String(o.spec?.hostNetwork ?? false),
    "status.phase": (o) => o.status?.phase,
    "status.podIP": (o) => o.status?.podIP ?? "",
    "status.nominatedNodeName": (o) => o.status?.nominatedNodeName ?? "",
  },
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the pod.", cell: (o) => o.metadata.name ?? "" },
    { name: "Ready", type: "string", description: "Ready containers out of all containers.", cell: (o) => { const s = podStatusReason(o); return `${s.ready}/${s.total}`; } },
    { name: "Status", type: "string", description: "The pod's phase, or why it is not running.", cell: (o) => podStatusReason(o).reason },
    {
      name: "Restarts",
      type: "string",
      description: "Container restarts, and when the last one was.",
      cell: (o, c) => {
        const s = podStatusReason(o);
        return s.restarts > 0 && s.lastRestart !== null ? `${s.restarts} (${age(new Date(s.lastRestart).toISOString(), c.now)} ago)` : String(s.restarts);
      },
    },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    { name: "IP", type: "string", priority: 1, description: "Address of the pod.", cell: (o) => o.status?.podIP || "<none>" },
    { name: "Node", type: "string", priority: 1, description: "Node the pod runs on.", cell: (o) => o.spec?.nodeName || "<none>" },
    { name: "Nominated Node", type: "string", priority: 1, description: "Node the pod may move to after preemption.", cell: (o) => o.status?.nominatedNodeName || "<none>" },
    {
      name: "Readiness Gates",
      type: "string",
      priority: 1,
      description: "Readiness gates met out of all.",
      cell: (o) => {
        const gates = o.spec?.readinessGates ?? [];
        if (!gates.length) return "<none>";
        const met = gates.filter((g) => o.status?.conditions?.some((c) => c.type === g.conditionType && c.status === "True")).length;
        return `${met}/${gates.length}`;
      },
    },
  ],
  defaults(o) {
    o.spec ??= { containers: [] };
    defaultPodSpec(o.spec);
    defaultPodOnly(o.spec);
    for (const c of o.spec.ephemeralContainers ?? []) defaultContainer(asContainer(c));
  },
  prepareCreate(o, ctx) {
    const spec = o.spec!;
    // A kubelet's mirror pod is posted as it is: no service account, no token (the admission
    // plugin leaves mirror pods alone).
    if (!o.metadata.annotations?.["kubernetes.io/config.mirror"]) admitServiceAccount(o, ctx);
    const tolerations = spec.tolerations ?? [];
    for (const t of DEFAULT_TOLERATIONS) if (!tolerationPresent(tolerations, t)) tolerations.push({ ...t });
    spec.tolerations = tolerations;
    o.status = { phase: "Pending", qosClass: qosClass(spec) };
  },
  prepareUpdate(o, old, ctx) {
    if (ctx.subresource === EPHEMERAL_SUBRESOURCE) keepOnlyEphemeralChanges(o, old);
    else o.status = old.status;
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
  validateUpdate(o, old, p, subresource) {
    if (subresource === EPHEMERAL_SUBRESOURCE) return validateEphemeralUpdate(o, old, p);
    // A status update carries the stored spec itself (prepareStatusUpdate): nothing to compare.
    if (!o.spec || !old.spec || o.spec === old.spec) return;
    if (!sameJson(withMutableFieldsFrom(old.spec, o.spec), o.spec)) {
      p.forbidden(
        ["spec"],
        "pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
      );
    }
    const oldTol = old.spec.tolerations ?? [];
    const newTol = o.spec.tolerations ?? [];
    if (!oldTol.every((t) => newTol.some((n) => sameJson(n, t)))) p.forbidden(["spec", "tolerations"], "existing toleration can not be modified except its tolerationSeconds");
  },
  onDelete(o, ctx) {
    if (o.spec?.nodeName) ctx.allocations.releaseOwner(podIpPool(o.spec.nodeName), o.metadata.uid!);
  },
  gracePeriod(o, requested) {
    if (!o.spec?.nodeName) return 0; // never scheduled: nothing to stop
    if (o.status?.phase === "Succeeded" || o.status?.phase === "Failed") return 0;
    return requested ?? o.spec.terminationGracePeriodSeconds ?? 30;
  },
});
