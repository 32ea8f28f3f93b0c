// What one object counts for in a ResourceQuota, as kube-apiserver's quota evaluators measure it
// (pkg/quota/v1/evaluator/core): pods (requests and limits with the init-container rule, scopes),
// claims, services and plain object counts, and a quota's status.used computed from a namespace.
// Pure: quota admission charges a new object with exactly what the quota controller counts.
import { formatQuantity, parseQuantity, type Quantity } from "../machinery/quantity";
import { storageOf, type KObject } from "../resources/define";
import type { Pod } from "../resources/pod";
import { qosClass } from "../resources/pod";
import { BUILT_IN } from "../resources/registry";
import { isExtendedResource, type ResourceQuota } from "../resources/resourcequota";
import type { ContainerT } from "../resources/types/core";

const QUOTAS = "resourcequotas";
export const STORAGE_CLASS_SUFFIX = ".storageclass.storage.k8s.io/";

export type Usage = Map<string, Quantity>;

// ---------------------------------------------------------------------------------------------
// Quantity arithmetic as resource.Quantity does it: a sum keeps the format of its first non-zero
// operand, so "128Mi" plus "64Mi" reads "192Mi" and "250m" plus "250m" reads "500m".

export const ZERO: Quantity = { m: 0n, e: 0, format: "DecimalSI" };

export function addQ(a: Quantity, b: Quantity): Quantity {
  const e = Math.min(a.e, b.e);
  let m = a.m * 10n ** BigInt(a.e - e) + b.m * 10n ** BigInt(b.e - e);
  let exp = e;
  if (m === 0n) exp = 0;
  else
    while (m % 10n === 0n) {
      m /= 10n;
      exp++;
    }
  return { m, e: exp, format: a.m === 0n ? b.format : a.format };
}

export function cmpQ(a: Quantity, b: Quantity): number {
  const e = Math.min(a.e, b.e);
  const va = a.m * 10n ** BigInt(a.e - e);
  const vb = b.m * 10n ** BigInt(b.e - e);
  return va < vb ? -1 : va > vb ? 1 : 0;
}

export function count(n: number): Quantity {
  return { m: BigInt(n), e: 0, format: "DecimalSI" };
}

function addInto(into: Usage, list: Record<string, string> | Usage | undefined) {
  if (!list) return;
  const entries = list instanceof Map ? [...list] : Object.entries(list).map(([k, v]) => [k, parseQuantity(v)] as const);
  for (const [k, q] of entries) into.set(k, addQ(into.get(k) ?? ZERO, q));
}

function maxInto(into: Usage, list: Usage) {
  for (const [k, q] of list) {
    const cur = into.get(k);
    if (!cur || cmpQ(q, cur) > 0) into.set(k, q);
  }
}

// ---------------------------------------------------------------------------------------------
// Pods

/**
 * A pod's requests or limits as Kubernetes' resource helpers aggregate them: the app containers
 * and sidecars summed, or the largest init container (with the sidecars started before it), the
 * larger of the two; plus the runtime's overhead (for limits, only where a limit is set).
 */
export function podResources(pod: Pod, which: "requests" | "limits"): Usage {
  const spec = pod.spec!;
  const of = (c: ContainerT) => c.resources?.[which] as Record<string, string> | undefined;
  const total: Usage = new Map();
  for (const c of spec.containers) addInto(total, of(c));
  const sidecars: Usage = new Map();
  const initMax: Usage = new Map();
  for (const c of spec.initContainers ?? []) {
    let each: Usage;
    if (c.restartPolicy === "Always") {
      addInto(total, of(c));
      addInto(sidecars, of(c));
      each = sidecars;
    } else {
      each = new Map();
      addInto(each, of(c));
      addInto(each, sidecars);
    }
    maxInto(initMax, each);
  }
  maxInto(total, initMax);
  const overhead = spec.overhead as Record<string, string> | undefined;
  if (overhead) {
    if (which === "requests") addInto(total, overhead);
    else for (const [k, v] of Object.entries(overhead)) if (total.has(k)) total.set(k, addQ(total.get(k)!, parseQuantity(v)));
  }
  return total;
}

/** Whether a pod still counts for compute quota: not finished, and not past its deletion grace. */
export function podCountsForQuota(pod: Pod, now: number): boolean {
  const phase = pod.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  const del = pod.metadata.deletionTimestamp;
  const grace = pod.metadata.deletionGracePeriodSeconds;
  if (del && grace !== undefined && grace !== null && now > Date.parse(del) + grace * 1000) return false;
  return true;
}

/** What one pod counts for (pkg/quota/v1/evaluator/core/pods.go). */
export function podUsage(pod: Pod, now: number): Usage {
  const out: Usage = new Map([["count/pods", count(1)]]);
  if (!podCountsForQuota(pod, now)) return out;
  out.set("pods", count(1));
  const requests = podResources(pod, "requests");
  const limits = podResources(pod, "limits");
  for (const r of ["cpu", "memory", "ephemeral-storage"]) {
    const req = requests.get(r);
    if (req) {
      out.set(r, req);
      out.set(`requests.${r}`, req);
    }
    const lim = limits.get(r);
    if (lim) out.set(`limits.${r}`, lim);
  }
  for (const [r, q] of requests) {
    if (r.startsWith("hugepages-")) {
      out.set(r, q);
      out.set(`requests.${r}`, q);
    }
    if (isExtendedResource(r)) out.set(`requests.${r}`, q);
  }
  return out;
}

function usesCrossNamespaceAffinity(pod: Pod): boolean {
  const a = pod.spec?.affinity;
  const terms = [
    ...(a?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
    ...(a?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []),
    ...(a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((w) => w.podAffinityTerm),
  ];
  return terms.some((t) => !!t && ((t.namespaces?.length ?? 0) > 0 || !!t.namespaceSelector));
}

export interface ScopeRequirement {
  scopeName?: string;
  operator?: string;
  values?: string[];
}

export function podMatchesScope(pod: Pod, req: ScopeRequirement): boolean {
  switch (req.scopeName) {
    case "Terminating":
      return pod.spec?.activeDeadlineSeconds !== undefined && pod.spec.activeDeadlineSeconds !== null && pod.spec.activeDeadlineSeconds >= 0;
    case "NotTerminating":
      return pod.spec?.activeDeadlineSeconds === undefined || pod.spec.activeDeadlineSeconds === null;
    case "BestEffort":
      return qosClass(pod.spec) === "BestEffort";
    case "NotBestEffort":
      return qosClass(pod.spec) !== "BestEffort";
    case "CrossNamespacePodAffinity":
      return usesCrossNamespaceAffinity(pod);
    case "PriorityClass": {
      const pc = pod.spec?.priorityClassName ?? "";
      switch (req.operator) {
        case "Exists":
          return pc !== "";
        case "DoesNotExist":
          return pc === "";
        case "In":
          return pc !== "" && (req.values ?? []).includes(pc);
        case "NotIn":
          return pc === "" || !(req.values ?? []).includes(pc);
        default:
          return false;
      }
    }
    default:
      return false;
  }
}

/** The quota's scopes and scope selector as one list of requirements, all of which must hold. */
export function scopeRequirements(quota: ResourceQuota): ScopeRequirement[] {
  return [...(quota.spec?.scopes ?? []).map((s) => ({ scopeName: s, operator: "Exists" })), ...(quota.spec?.scopeSelector?.matchExpressions ?? [])];
}

export function podMatchesQuota(pod: Pod, quota: ResourceQuota): boolean {
  return scopeRequirements(quota).every((r) => podMatchesScope(pod, r));
}

// ---------------------------------------------------------------------------------------------
// Claims and services

export interface Claim extends KObject {
  spec?: { storageClassName?: string; resources?: { requests?: Record<string, string> } };
  status?: { allocatedResources?: Record<string, string> };
}

/** What one PersistentVolumeClaim counts for, overall and against its storage class. */
export function claimUsage(pvc: Claim): Usage {
  const out: Usage = new Map([
    ["persistentvolumeclaims", count(1)],
    ["count/persistentvolumeclaims", count(1)],
  ]);
  const cls = pvc.metadata.annotations?.["volume.beta.kubernetes.io/storage-class"] ?? pvc.spec?.storageClassName ?? "";
  if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}persistentvolumeclaims`, count(1));
  const asked = pvc.spec?.resources?.requests?.storage;
  const allocated = pvc.status?.allocatedResources?.storage;
  let storage = asked !== undefined ? parseQuantity(asked) : undefined;
  if (allocated !== undefined && (!storage || cmpQ(parseQuantity(allocated), storage) > 0)) storage = parseQuantity(allocated);
  if (storage) {
    out.set("requests.storage", storage);
    if (cls) out.set(`${cls}${STORAGE_CLASS_SUFFIX}requests.storage`, storage);
  }
  return out;
}

export interface Svc extends KObject {
  spec?: { type?: string; ports?: { nodePort?: number }[]; allocateLoadBalancerNodePorts?: boolean };
}

/** What one Service counts for: itself, a load balancer, and the node ports it takes. */
export function serviceUsage(svc: Svc): Usage {
  const out: Usage = new Map([
    ["services", count(1)],
    ["count/services", count(1)],
  ]);
  const ports = svc.spec?.ports ?? [];
  const type = svc.spec?.type ?? "ClusterIP";
  if (type === "NodePort") out.set("services.nodeports", count(ports.length));
  if (type === "LoadBalancer") {
    out.set("services.loadbalancers", count(1));
    const nodePorts = svc.spec?.allocateLoadBalancerNodePorts === false ? ports.filter((p) => !!p.nodePort).length : ports.length;
    out.set("services.nodeports", count(nodePorts));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Which stored resource a quota's resource name counts

const PLAIN_COUNTS: Record<string, string> = {
  configmaps: "configmaps",
  secrets: "secrets",
  replicationcontrollers: "replicationcontrollers",
  resourcequotas: QUOTAS,
  persistentvolumeclaims: "persistentvolumeclaims",
  services: "services",
  "services.nodeports": "services",
  "services.loadbalancers": "services",
};

/** The storage key of "count/<resource>.<group>" (or "count/<resource>" for the core group). */
function countedStorage(spec: string): string {
  const dot = spec.indexOf(".");
  const plural = dot < 0 ? spec : spec.slice(0, dot);
  const group = dot < 0 ? "" : spec.slice(dot + 1);
  const kind = BUILT_IN.kinds.find((k) => k.group === group && k.plural === plural && !k.virtual && !k.computed);
  return kind ? storageOf(kind) : group ? `${group}/${plural}` : plural;
}

/** The stored resource whose objects a quota resource name counts. */
export function storageFor(resource: string): string {
  if (resource.startsWith("count/")) return countedStorage(resource.slice("count/".length));
  if (resource in PLAIN_COUNTS) return PLAIN_COUNTS[resource];
  if (resource === "requests.storage" || resource.includes(STORAGE_CLASS_SUFFIX)) return "persistentvolumeclaims";
  return "pods"; // compute resources: cpu, memory, requests.*, limits.*, hugepages, extended resources
}

// ---------------------------------------------------------------------------------------------
// The controller

/** Reads the controller needs: objects of a namespace, their number, the time. */
export interface QuotaReads {
  scan<T extends KObject>(storage: string, namespace: string): Iterable<T>;
  count(storage: string, namespace: string): number;
  now: number;
}

/** status.used of one quota: every hard resource, computed from the namespace's objects. */
export function computeUsed(quota: ResourceQuota, reads: QuotaReads): Record<string, string> {
  const hard = Object.keys(quota.spec?.hard ?? {}).sort();
  const ns = quota.metadata.namespace!;
  const scoped = scopeRequirements(quota).length > 0;
  const used: Usage = new Map(hard.map((k) => [k, ZERO]));
  const byStorage = new Map<string, string[]>();
  for (const k of hard) byStorage.set(storageFor(k), [...(byStorage.get(storageFor(k)) ?? []), k]);
  const sum = (names: string[], each: Usage) => {
    for (const k of names) {
      const q = each.get(k);
      if (q) used.set(k, addQ(used.get(k)!, q));
    }
  };
  for (const [storage, names] of byStorage) {
    if (storage === "pods") {
      for (const pod of reads.scan<Pod>("pods", ns)) if (!scoped || podMatchesQuota(pod, quota)) sum(names, podUsage(pod, reads.now));
    } else if (scoped) {
      // Only pods match a scope: every other object is outside a scoped quota.
    } else if (storage === "persistentvolumeclaims") {
      for (const pvc of reads.scan<Claim>(storage, ns)) sum(names, claimUsage(pvc));
    } else if (storage === "services") {
      for (const svc of reads.scan<Svc>(storage, ns)) sum(names, serviceUsage(svc));
    } else {
      const n = count(reads.count(storage, ns));
      for (const k of names) used.set(k, n);
    }
  }
  return Object.fromEntries([...used].map(([k, q]) => [k, formatQuantity(q)]));
}
