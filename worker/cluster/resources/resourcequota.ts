// ResourceQuota (core/v1): caps on what a namespace may hold (object counts, compute requests and
// limits, storage). The quota controller keeps status (hard, used); admission is issue 13's part.
import type { z } from "zod";
import { GoLiteral, list, map, mapKey, opt, quantity, str, struct, type Problems } from "../machinery/schema/dsl";
import { milliValue, parseQuantity, type Quantity } from "../machinery/quantity";
import { age } from "../machinery/time";
import { qualifiedName } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

const CORE = "io.k8s.api.core.v1";

export const QUOTA_SCOPES = ["Terminating", "NotTerminating", "BestEffort", "NotBestEffort", "PriorityClass", "CrossNamespacePodAffinity"] as const;
export type QuotaScope = (typeof QUOTA_SCOPES)[number];

const ScopedResourceSelectorRequirement = struct(`${CORE}.ScopedResourceSelectorRequirement`, "One scope the quota's objects must match.", {
  scopeName: opt(1, str, "The scope: Terminating, NotTerminating, BestEffort, NotBestEffort, PriorityClass or CrossNamespacePodAffinity."),
  operator: opt(2, str, "In, NotIn, Exists or DoesNotExist."),
  values: opt(3, list(str, { listType: "atomic" }), "Values for In and NotIn; empty for Exists and DoesNotExist."),
});

const ResourceQuotaSpec = struct(`${CORE}.ResourceQuotaSpec`, "The caps and which objects they apply to.", {
  hard: opt(1, map(quantity), "The most of each named resource the namespace may hold, e.g. pods: 10, requests.cpu: 1."),
  scopes: opt(2, list(str, { listType: "atomic" }), "Scopes every tracked object must match; all of them."),
  scopeSelector: opt(
    3,
    struct(`${CORE}.ScopeSelector`, "Scopes as selector expressions, ANDed.", {
      matchExpressions: opt(1, list(ScopedResourceSelectorRequirement, { listType: "atomic" }), "The expressions, ANDed."),
    }),
    "Scopes as selector expressions (PriorityClass In/NotIn with values), ANDed with scopes.",
  ),
});

const ResourceQuotaStatus = struct(`${CORE}.ResourceQuotaStatus`, "The enforced caps and what is used now.", {
  hard: opt(1, map(quantity), "The caps being enforced (spec.hard as the quota controller last saw it)."),
  used: opt(2, map(quantity), "What the namespace uses now of each capped resource."),
});

// Resource names kube-apiserver knows (pkg/apis/core/helper): all standard ones, those a quota may
// hold without a domain, and those counted in whole objects.
const STANDARD_RESOURCES = new Set([
  "cpu",
  "memory",
  "ephemeral-storage",
  "requests.cpu",
  "requests.memory",
  "requests.ephemeral-storage",
  "limits.cpu",
  "limits.memory",
  "limits.ephemeral-storage",
  "pods",
  "resourcequotas",
  "services",
  "replicationcontrollers",
  "secrets",
  "configmaps",
  "persistentvolumeclaims",
  "storage",
  "requests.storage",
  "services.nodeports",
  "services.loadbalancers",
]);
const QUOTA_RESOURCES = new Set([...STANDARD_RESOURCES].filter((r) => r !== "storage"));
const INTEGER_RESOURCES = new Set(["pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "services.nodeports", "services.loadbalancers"]);
const POD_COUNT_RESOURCES = new Set(["pods"]);
const POD_COMPUTE_RESOURCES = new Set(["cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"]);

const isHugePages = (name: string) => name.startsWith("hugepages-") || name.startsWith("requests.hugepages-");
export const isStandardQuotaResource = (name: string) => QUOTA_RESOURCES.has(name) || isHugePages(name);

/** A resource outside kubernetes.io that a container may ask for (example.com/gpu). */
export function isExtendedResource(name: string): boolean {
  if (!name.includes("/") || name.includes("kubernetes.io/") || name.startsWith("requests.")) return false;
  return qualifiedName(`requests.${name}`).length === 0;
}

function isScopeValidForResource(scope: string, resource: string): boolean {
  switch (scope) {
    case "Terminating":
    case "NotTerminating":
    case "NotBestEffort":
    case "PriorityClass":
    case "CrossNamespacePodAffinity":
      return POD_COUNT_RESOURCES.has(resource) || POD_COMPUTE_RESOURCES.has(resource);
    case "BestEffort":
      return POD_COUNT_RESOURCES.has(resource);
    default:
      return true;
  }
}

const SUFFIX_EXP: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/**
 * Go's %#v of a Quantity value, as kube-apiserver prints one in a field error: the int64 amount
 * as ParseQuantity reads the string, and the cached string only where Go keeps it (canonical
 * input). `text` is the stored (canonical) form, so a value typed in another form ("1.5") prints
 * as its canonical form would.
 */
export function goQuantity(text: string): GoLiteral {
  const q = parseQuantity(text);
  const m = /^(-?)(\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?|e-?\d+)$/.exec(text);
  let value = q.m.toString();
  let scale = q.e;
  let cached = "";
  if (m) {
    const [, sign, digits, suffix] = m;
    const binary = /^[KMGTPE]i$/.test(suffix);
    if (binary) {
      value = (BigInt(sign + digits) * 1024n ** BigInt("KMGTPE".indexOf(suffix[0]) + 1)).toString();
      scale = 0;
      if ((BigInt(digits) & 7n) !== 0n) cached = text;
    } else {
      value = BigInt(sign + digits).toString();
      scale = suffix.startsWith("e") ? Number(suffix.slice(1)) : SUFFIX_EXP[suffix];
      if (scale % 3 === 0 && !digits.endsWith("0") && digits[0] !== "0") cached = text;
    }
  }
  return new GoLiteral(`resource.Quantity{i:resource.int64Amount{value:${value}, scale:${scale}}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:${JSON.stringify(cached)}, Format:"${q.format}"}`);
}

/** Go's %#v of the scopes list (a []core.ResourceQuotaScope). */
function goScopes(scopes: readonly string[] | undefined): GoLiteral {
  if (!scopes) return new GoLiteral("[]core.ResourceQuotaScope(nil)");
  return new GoLiteral(`[]core.ResourceQuotaScope{${scopes.map((s) => JSON.stringify(s)).join(", ")}}`);
}

/** One map of resource quantities (spec.hard, status.hard, status.used) as ValidateResourceQuotaSpec checks it. */
function checkResourceList(list: Record<string, string> | undefined, p: Problems) {
  for (const [k, v] of Object.entries(list ?? {})) {
    const path = [mapKey(k)];
    const nameErrors = qualifiedName(k);
    for (const e of nameErrors) p.invalid(path, k, e);
    if (!nameErrors.length && !k.includes("/")) {
      if (!STANDARD_RESOURCES.has(k) && !isHugePages(k)) p.invalid(path, k, "must be a standard resource type or fully qualified");
      else if (!isStandardQuotaResource(k)) p.invalid(path, k, "must be a standard resource for quota");
    }
    let q: Quantity;
    try {
      q = parseQuantity(v);
    } catch {
      continue; // the schema reports malformed quantities
    }
    if (q.m < 0n) p.invalid(path, v, "must be greater than or equal to 0");
    if ((INTEGER_RESOURCES.has(k) || isExtendedResource(k)) && milliValue(q) % 1000 !== 0) p.invalid(path, goQuantity(v), "must be an integer");
  }
}

type Spec = NonNullable<ResourceQuota["spec"]>;

function checkScopes(spec: Spec, p: Problems) {
  const scopes = spec.scopes ?? [];
  if (!scopes.length) return;
  const hard = Object.keys(spec.hard ?? {}).sort();
  const seen = new Set<string>();
  for (const scope of scopes) {
    if (!(QUOTA_SCOPES as readonly string[]).includes(scope)) p.invalid(["scopes"], goScopes(scopes), "unsupported scope");
    for (const k of hard) if (isStandardQuotaResource(k) && !isScopeValidForResource(scope, k)) p.invalid(["scopes"], goScopes(scopes), "unsupported scope applied to resource");
    seen.add(scope);
  }
  checkConflicts(seen, spec, p.at("scopes"));
}

function checkConflicts(seen: Set<string>, spec: Spec, p: Problems) {
  for (const [a, b] of [
    ["BestEffort", "NotBestEffort"],
    ["Terminating", "NotTerminating"],
  ])
    if (seen.has(a) && seen.has(b)) p.invalid([], goScopes(spec.scopes), "conflicting scopes");
}

function goSelector(spec: Spec): GoLiteral {
  const reqs = (spec.scopeSelector?.matchExpressions ?? []).map(
    (r) => `core.ScopedResourceSelectorRequirement{ScopeName:${JSON.stringify(r.scopeName ?? "")}, Operator:${JSON.stringify(r.operator ?? "")}, Values:${r.values ? `[]string{${r.values.map((v) => JSON.stringify(v)).join(", ")}}` : "[]string(nil)"}}`,
  );
  return new GoLiteral(`core.ScopeSelector{MatchExpressions:[]core.ScopedResourceSelectorRequirement{${reqs.join(", ")}}}`);
}

function checkScopeSelector(spec: Spec, p: Problems) {
  if (!spec.scopeSelector) return;
  const at = p.at("scopeSelector", "matchExpressions");
  const hard = Object.keys(spec.hard ?? {}).sort();
  const seen = new Set<string>();
  for (const req of spec.scopeSelector.matchExpressions ?? []) {
    const scope = req.scopeName ?? "";
    if (!(QUOTA_SCOPES as readonly string[]).includes(scope)) at.invalid(["scopeName"], scope, "unsupported scope");
    for (const k of hard) if (isStandardQuotaResource(k) && !isScopeValidForResource(scope, k)) at.invalid([], goSelector(spec), "unsupported scope applied to resource");
    if (scope !== "PriorityClass" && (QUOTA_SCOPES as readonly string[]).includes(scope) && req.operator !== "Exists")
      at.invalid(
        ["operator"],
        req.operator ?? "",
        "must be 'Exist' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
      );
    switch (req.operator) {
      case "In":
      case "NotIn":
        if (!req.values?.length) at.required(["values"], "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector");
        break;
      case "Exists":
      case "DoesNotExist":
        if (req.values?.length) at.invalid(["values"], req.values, "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector");
        break;
      default:
        at.invalid(["operator"], req.operator ?? "", "not a valid selector operator");
    }
    seen.add(scope);
  }
  checkConflicts(seen, spec, at);
}

export const ResourceQuotaSchema = objectSchema(
  `${CORE}.ResourceQuota`,
  "Caps on what one namespace may hold: object counts, compute requests and limits, storage.",
  { group: "", version: "v1", kind: "ResourceQuota" },
  {
    spec: opt(2, ResourceQuotaSpec, "The caps."),
    status: opt(3, ResourceQuotaStatus, "The caps enforced and what is used, kept by the quota controller."),
  },
  {
    check(o, p) {
      const spec = (o as ResourceQuota).spec;
      if (!spec) return;
      checkResourceList(spec.hard, p.at("spec", "hard"));
      checkScopes(spec, p.at("spec"));
      checkScopeSelector(spec, p.at("spec"));
    },
  },
);
export type ResourceQuota = z.infer<typeof ResourceQuotaSchema> & KObject;

/** "pods: 2/10, requests.cpu: 500m/1", as kube-apiserver's table prints the request or limit side. */
function usage(o: ResourceQuota, limits: boolean): string {
  const hard = o.status?.hard ?? {};
  return Object.keys(hard)
    .sort()
    .filter((k) => (k.split(".").length > 1 && k.split(".")[0] === "limits") === limits)
    .map((k) => `${k}: ${o.status?.used?.[k] ?? "0"}/${hard[k]}`)
    .join(", ");
}

export const resourceQuotas = defineKind<ResourceQuota>({
  group: "",
  version: "v1",
  kind: "ResourceQuota",
  plural: "resourcequotas",
  singular: "resourcequota",
  namespaced: true,
  shortNames: ["quota"],
  schema: ResourceQuotaSchema,
  allowUnconditionalUpdate: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the quota.", cell: (o) => o.metadata.name ?? "" },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    { name: "Request", type: "string", description: "Request represents a minimum amount of cpu/memory that a container may consume.", cell: (o) => usage(o, false) },
    { name: "Limit", type: "string", description: "Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.", cell: (o) => usage(o, true) },
  ],
  prepareCreate(o) {
    o.status = {};
  },
  prepareUpdate(o, old) {
    o.status = old.status;
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
  validateUpdate(o, old, p, subresource) {
    if (subresource === "status") {
      checkResourceList(o.status?.hard, p.at("status", "hard"));
      checkResourceList(o.status?.used, p.at("status", "used"));
      return;
    }
    const a = [...new Set(o.spec?.scopes ?? [])].sort();
    const b = [...new Set(old.spec?.scopes ?? [])].sort();
    if (a.join("\u0000") !== b.join("\u0000")) p.invalid(["spec", "scopes"], goScopes(o.spec?.scopes), "field is immutable");
  },
});
