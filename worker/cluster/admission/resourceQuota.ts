// The ResourceQuota admission plugin, as kube-apiserver runs it (last in the chain): a create (or
// an update that changes usage: a claim's storage, a service's type) is measured as the quota
// controller measures it, refused when it would take a namespace's quota past `hard`, and
// otherwise charged to the quota's status.used in the same transaction, so `describe quota` is
// right at once and the next write in the same burst (a ReplicaSet's tenth pod) sees it.
// Quotas are checked against status.hard: a quota the controller has not yet seen limits nothing.
import { errors } from "../machinery/errors";
import { formatQuantity, parseQuantity } from "../machinery/quantity";
import type { KObject } from "../resources/define";
import type { Pod } from "../resources/pod";
import { resourceQuotas, type ResourceQuota } from "../resources/resourcequota";
import type { ContainerT } from "../resources/types/core";
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from "./plugin";
import { addQ, claimUsage, cmpQ, count, podMatchesScope, podUsage, scopeRequirements, serviceUsage, STORAGE_CLASS_SUFFIX, type Claim, type ScopeRequirement, type Svc, type Usage } from "./quotaUsage";

const QUOTAS = "resourcequotas";

/** What kube-apiserver's quota evaluator for one resource knows (quota.Evaluator). */
interface Evaluator {
  handlesUpdate: boolean;
  /** The quota resource names this evaluator counts, of those given. */
  matching(names: string[]): string[];
  /** Whether the object is in one scope; only pods are in any. */
  inScope(req: ScopeRequirement, obj: KObject): boolean;
  usage(obj: KObject, now: number): Usage;
  /** Pods only: what the object must state for the quota's compute resources. */
  constraints?(required: Set<string>, obj: KObject): string | null;
}

const noScope = () => false;

// pkg/quota/v1/evaluator/core/pods.go
const POD_RESOURCES = new Set(["count/pods", "cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods"]);
/** Compute resources every container must state when a matching quota tracks them (upstream calls this a mistake it keeps). */
const MUST_STATE = new Set(["cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory"]);
const isNative = (name: string) => !name.includes("/") || name.includes("kubernetes.io/");

const pods: Evaluator = {
  handlesUpdate: false,
  matching: (names) => names.filter((n) => POD_RESOURCES.has(n) || n.startsWith("hugepages-") || n.startsWith("requests.hugepages-") || (!isNative(n) && n.startsWith("requests."))),
  inScope: (req, obj) => podMatchesScope(obj as Pod, req),
  usage: (obj, now) => podUsage(obj as Pod, now),
  constraints(required, obj) {
    const need = [...required].filter((r) => MUST_STATE.has(r));
    if (!need.length) return null;
    const spec = (obj as Pod).spec;
    const missing = new Map<string, Set<string>>();
    for (const c of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
      const has = stated(c);
      for (const r of need) if (!has.has(r)) missing.set(r, (missing.get(r) ?? new Set()).add(c.name));
    }
    if (!missing.size) return null;
    const parts = [...missing.keys()].sort().map((r) => `${r} for: ${[...missing.get(r)!].sort().join(",")}`);
    return `must specify ${parts.join("; ")}`;
  },
};

/** The compute resources one container states (podComputeUsageHelper's names). */
function stated(c: ContainerT): Set<string> {
  const req = (c.resources?.requests ?? {}) as Record<string, string>;
  const lim = (c.resources?.limits ?? {}) as Record<string, string>;
  const out = new Set<string>();
  for (const r of ["cpu", "memory"]) {
    if (req[r] !== undefined) out.add(r).add(`requests.${r}`);
    if (lim[r] !== undefined) out.add(`limits.${r}`);
  }
  return out;
}

// services.go: a Service's type may change, so updates are measured too.
const SERVICE_RESOURCES = new Set(["count/services", "services", "services.nodeports", "services.loadbalancers"]);
const services: Evaluator = {
  handlesUpdate: true,
  matching: (names) => names.filter((n) => SERVICE_RESOURCES.has(n)),
  inScope: noScope,
  usage: (obj) => serviceUsage(obj as Svc),
};

// persistent_volume_claims.go: a claim's request may grow, so updates are measured too.
const CLAIM_RESOURCES = ["persistentvolumeclaims", "count/persistentvolumeclaims", "requests.storage"];
const claims: Evaluator = {
  handlesUpdate: true,
  matching: (names) => names.filter((n) => CLAIM_RESOURCES.includes(n) || CLAIM_RESOURCES.some((r) => n.endsWith(STORAGE_CLASS_SUFFIX + r))),
  inScope: noScope,
  usage: (obj) => claimUsage(obj as Claim),
};

// Kinds counted under an older name as well as count/<resource> (legacyObjectCountAliases).
const ALIASES: Record<string, string> = { configmaps: "configmaps", resourcequotas: "resourcequotas", replicationcontrollers: "replicationcontrollers", secrets: "secrets" };

/** generic.NewObjectCountEvaluator: every other kind counts one per object, on create. */
function objectCount(group: string, plural: string): Evaluator {
  const names = [group ? `count/${plural}.${group}` : `count/${plural}`];
  if (!group && ALIASES[plural]) names.push(ALIASES[plural]);
  return {
    handlesUpdate: false,
    matching: (hard) => hard.filter((n) => names.includes(n)),
    inScope: noScope,
    usage: () => new Map(names.map((n) => [n, count(1)])),
  };
}

function evaluatorFor(a: AdmissionAttributes): Evaluator {
  if (!a.def.group) {
    if (a.def.plural === "pods") return pods;
    if (a.def.plural === "services") return services;
    if (a.def.plural === "persistentvolumeclaims") return claims;
  }
  return objectCount(a.def.group, a.def.plural);
}

// ---------------------------------------------------------------------------------------------
// Resource lists (quota.Mask, Add, LessThanOrEqual…) over parsed quantities

function parsed(list: Record<string, string> | undefined): Usage {
  return new Map(Object.entries(list ?? {}).map(([k, v]) => [k, parseQuantity(v)]));
}

function mask(list: Usage, names: Iterable<string>): Usage {
  const out: Usage = new Map();
  for (const n of names) if (list.has(n)) out.set(n, list.get(n)!);
  return out;
}

function withoutZeros(list: Usage): Usage {
  return new Map([...list].filter(([, q]) => q.m !== 0n));
}

/** a - b per resource of a, never below zero (SubtractWithNonNegativeResult). */
function subtractNonNegative(a: Usage, b: Usage): Usage {
  const out: Usage = new Map();
  for (const [k, q] of a) {
    const prev = b.get(k);
    const d = prev ? addQ(q, { ...prev, m: -prev.m }) : q;
    out.set(k, d.m < 0n ? { m: 0n, e: 0, format: q.format } : d);
  }
  return out;
}

/** "limits.cpu=2,pods=1": keys sorted, quantities in canonical form (the plugin's prettyPrint). */
function pretty(list: Usage): string {
  return [...list.keys()]
    .sort()
    .map((k) => `${k}=${formatQuantity(list.get(k)!)}`)
    .join(",");
}

function sortedRecord(list: Usage): Record<string, string> {
  return Object.fromEntries([...list.keys()].sort().map((k) => [k, formatQuantity(list.get(k)!)]));
}

// ---------------------------------------------------------------------------------------------

function check(a: AdmissionAttributes, ctx: AdmissionContext) {
  if (a.subresource || !a.namespace) return;
  // Only services and claims change what they count when updated (leases, pods and nodes are updated all the time).
  if (a.operation === "UPDATE" && a.storage !== "services" && a.storage !== "persistentvolumeclaims") return;
  const evaluator = evaluatorFor(a);
  if (a.operation === "UPDATE" && !evaluator.handlesUpdate) return;
  const quotas = [...ctx.scan<ResourceQuota>(QUOTAS, a.namespace)];
  if (!quotas.length) return;
  const refuse = (why: string): never => {
    throw errors.forbidden(a.def.group, a.def.plural, a.name, why);
  };

  // The quotas this object falls under: one of their resources is counted here and every scope holds.
  const interesting: { quota: ResourceQuota; hard: Usage; restricted: string[] }[] = [];
  for (const quota of quotas) {
    const hard = parsed(quota.status?.hard);
    const restricted = evaluator.matching([...hard.keys()]);
    if (!restricted.length || !scopeRequirements(quota).every((r) => evaluator.inScope(r, a.object))) continue;
    const name = quota.metadata.name!;
    const missing = evaluator.constraints?.(new Set(restricted), a.object);
    if (missing) refuse(`failed quota: ${name}: ${missing}`);
    const used = quota.status?.used ?? {};
    if (restricted.some((r) => used[r] === undefined)) refuse(`status unknown for quota: ${name}, resources: ${[...restricted].sort().join(",")}`);
    interesting.push({ quota, hard, restricted });
  }
  if (!interesting.length) return;

  const input = evaluator.usage(a.object, ctx.now);
  // An update is charged what it adds, to the quotas the old object was already counted in.
  const prev = a.operation === "UPDATE" && a.old ? evaluator.usage(a.old, ctx.now) : null;
  const delta = prev ? subtractNonNegative(input, prev) : input;
  const charges: { quota: ResourceQuota; used: Usage }[] = [];
  for (const { quota, hard } of interesting) {
    const countedBefore = prev && scopeRequirements(quota).every((r) => evaluator.inScope(r, a.old!));
    const requested = withoutZeros(mask(countedBefore ? delta : input, hard.keys()));
    if (!requested.size) continue;
    const used = parsed(quota.status?.used);
    const next = new Map(used);
    for (const [k, q] of requested) next.set(k, addQ(next.get(k) ?? { m: 0n, e: 0, format: q.format }, q));
    const exceeded = [...requested.keys()].filter((k) => cmpQ(next.get(k)!, hard.get(k)!) > 0);
    if (exceeded.length)
      refuse(`exceeded quota: ${quota.metadata.name}, requested: ${pretty(mask(requested, exceeded))}, used: ${pretty(mask(used, exceeded))}, limited: ${pretty(mask(hard, exceeded))}`);
    charges.push({ quota, used: next });
  }
  if (a.dryRun) return; // checked, not charged
  for (const { quota, used } of charges) {
    const status = { ...(quota.status ?? {}), used: sortedRecord(used) };
    ctx.api.update(resourceQuotas, a.namespace, quota.metadata.name!, { ...(quota as KObject), status }, { subresource: "status", trusted: true });
  }
}

export const resourceQuotaAdmission: AdmissionPlugin = {
  name: "ResourceQuota",
  // Every kind may be counted (count/<resource>.<group>); the first lines return for what no quota measures.
  validate: check,
};
