// LimitRange (core/v1): per-namespace bounds and defaults for containers, pods and claims. Served
// with kube-apiserver's defaulting and validation; applying its defaults and bounds at admission
// is issue 13's part.
import type { z } from "zod";
import { list, map, mapKey, opt, quantity, req, str, struct, type Problems } from "../machinery/schema/dsl";
import { milliValue, parseQuantity, type Quantity } from "../machinery/quantity";
import { qualifiedName } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { goQuantity, isExtendedResource } from "./resourcequota";
import { objectSchema } from "./types/meta";

const CORE = "io.k8s.api.core.v1";

const LimitRangeItem = struct(`${CORE}.LimitRangeItem`, "Bounds and defaults for one type of object.", {
  type: req(1, str, "Container, Pod or PersistentVolumeClaim."),
  max: opt(2, map(quantity), "The most of each resource one object may have."),
  min: opt(3, map(quantity), "The least of each resource one object must have."),
  default: opt(4, map(quantity), "Limits given to containers that set none."),
  defaultRequest: opt(5, map(quantity), "Requests given to containers that set none."),
  maxLimitRequestRatio: opt(6, map(quantity), "The largest limit/request ratio allowed per resource."),
});

export const LimitRangeSchema = objectSchema(
  `${CORE}.LimitRange`,
  "Bounds and defaults for the resources of containers, pods and claims in one namespace.",
  { group: "", version: "v1", kind: "LimitRange" },
  {
    spec: opt(2, struct(`${CORE}.LimitRangeSpec`, "The limits.", { limits: req(1, list(LimitRangeItem, { listType: "atomic" }), "One item per object type.") }), "The limits."),
  },
  {
    check(o, p) {
      checkLimits((o as LimitRange).spec?.limits ?? [], p.at("spec", "limits"));
    },
  },
);
export type LimitRange = z.infer<typeof LimitRangeSchema> & KObject;
type Item = z.infer<typeof LimitRangeItem>;

const STANDARD_TYPES = new Set(["Pod", "Container", "PersistentVolumeClaim"]);
const STANDARD_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage", "requests.cpu", "requests.memory", "requests.ephemeral-storage", "limits.cpu", "limits.memory", "limits.ephemeral-storage", "pods", "resourcequotas", "services", "replicationcontrollers", "secrets", "configmaps", "persistentvolumeclaims", "storage", "requests.storage", "services.nodeports", "services.loadbalancers"]);
const isHugePages = (name: string) => name.startsWith("hugepages-") || name.startsWith("requests.hugepages-");
const isNative = (name: string) => !name.includes("/") || name.includes("kubernetes.io/");

function checkResourceName(type: string, name: string, p: Problems, path: (string | number)[]) {
  const errs = qualifiedName(name);
  for (const e of errs) p.invalid(path, name, e);
  if (errs.length) return;
  const single = !name.includes("/");
  if (single && !STANDARD_RESOURCES.has(name) && !isHugePages(name)) return p.invalid(path, name, "must be a standard resource type or fully qualified");
  if (type !== "Pod" && type !== "Container") return;
  if (single) {
    if (!["cpu", "memory", "ephemeral-storage"].includes(name) && !name.startsWith("hugepages-")) p.invalid(path, name, "must be a standard resource for containers");
  } else if (!isNative(name) && !isExtendedResource(name)) p.invalid(path, name, "doesn't follow extended resource name standard");
}

function checkLimits(limits: Item[], p: Problems) {
  const types = new Set<string>();
  limits.forEach((item, i) => {
    const at = p.at(i);
    const errs = qualifiedName(item.type);
    for (const e of errs) at.invalid(["type"], item.type, e);
    if (!errs.length && !item.type.includes("/") && !STANDARD_TYPES.has(item.type)) at.invalid(["type"], item.type, "must be a standard limit type or fully qualified");
    if (types.has(item.type)) at.duplicate(["type"], item.type);
    types.add(item.type);
    const lists: Record<string, Record<string, string>> = { max: item.max ?? {}, min: item.min ?? {}, default: item.default ?? {}, defaultRequest: item.defaultRequest ?? {}, maxLimitRequestRatio: item.maxLimitRequestRatio ?? {} };
    for (const f of ["max", "min"]) for (const k of Object.keys(lists[f])) checkResourceName(item.type, k, at, [f, mapKey(k)]);
    if (item.type === "Pod") {
      if (Object.keys(lists.default).length) at.forbidden(["default"], "may not be specified when `type` is 'Pod'");
      if (Object.keys(lists.defaultRequest).length) at.forbidden(["defaultRequest"], "may not be specified when `type` is 'Pod'");
    } else for (const f of ["default", "defaultRequest"]) for (const k of Object.keys(lists[f])) checkResourceName(item.type, k, at, [f, mapKey(k)]);
    if (item.type === "PersistentVolumeClaim" && lists.min.storage === undefined && lists.max.storage === undefined)
      at.required(["limits"], "either minimum or maximum storage value is required, but neither was provided");
    for (const k of Object.keys(lists.maxLimitRequestRatio)) checkResourceName(item.type, k, at, ["maxLimitRequestRatio", mapKey(k)]);
    const keys = new Set(Object.values(lists).flatMap((l) => Object.keys(l)));
    const q = (f: string, k: string) => (lists[f][k] === undefined ? undefined : parseQuantity(lists[f][k]));
    for (const k of keys) {
      const [min, max, def, defReq, ratio] = [q("min", k), q("max", k), q("default", k), q("defaultRequest", k), q("maxLimitRequestRatio", k)];
      const gt = (a: Quantity, b: Quantity) => milliCmp(a, b) > 0;
      if (min && max && gt(min, max)) at.invalid(["min", mapKey(k)], goQuantity(lists.min[k]), `min value ${lists.min[k]} is greater than max value ${lists.max[k]}`);
      if (defReq && min && gt(min, defReq)) at.invalid(["defaultRequest", mapKey(k)], goQuantity(lists.defaultRequest[k]), `min value ${lists.min[k]} is greater than default request value ${lists.defaultRequest[k]}`);
      if (defReq && max && gt(defReq, max)) at.invalid(["defaultRequest", mapKey(k)], goQuantity(lists.defaultRequest[k]), `default request value ${lists.defaultRequest[k]} is greater than max value ${lists.max[k]}`);
      if (defReq && def && gt(defReq, def)) at.invalid(["defaultRequest", mapKey(k)], goQuantity(lists.defaultRequest[k]), `default request value ${lists.defaultRequest[k]} is greater than default limit value ${lists.default[k]}`);
      if (def && min && gt(min, def)) at.invalid(["default", mapKey(k)], goQuantity(lists.min[k]), `min value ${lists.min[k]} is greater than default value ${lists.default[k]}`);
      if (def && max && gt(def, max)) at.invalid(["default", mapKey(k)], goQuantity(lists.max[k]), `default value ${lists.default[k]} is greater than max value ${lists.max[k]}`);
      if (ratio && milliValue(ratio) < 1000) at.invalid(["maxLimitRequestRatio", mapKey(k)], goQuantity(lists.maxLimitRequestRatio[k]), `ratio ${lists.maxLimitRequestRatio[k]} is less than 1`);
      if (ratio && min && max) {
        const limit = milliValue(max) / milliValue(min);
        if (milliValue(ratio) / 1000 > limit) at.invalid(["maxLimitRequestRatio", mapKey(k)], goQuantity(lists.maxLimitRequestRatio[k]), `ratio ${lists.maxLimitRequestRatio[k]} is greater than max/min = ${limit.toFixed(6)}`);
      }
      // Resources that may not be overcommitted (hugepages, extended ones) need default == defaultRequest.
      if ((!isNative(k) || k.startsWith("hugepages-")) && def && defReq && milliCmp(def, defReq) !== 0)
        at.invalid(["defaultRequest", mapKey(k)], goQuantity(lists.defaultRequest[k]), `default value ${lists.default[k]} must equal to defaultRequest value ${lists.defaultRequest[k]} in ${k}`);
    }
  });
}

function milliCmp(a: Quantity, b: Quantity): number {
  const e = Math.min(a.e, b.e);
  const va = a.m * 10n ** BigInt(a.e - e);
  const vb = b.m * 10n ** BigInt(b.e - e);
  return va < vb ? -1 : va > vb ? 1 : 0;
}

export const limitRanges = defineKind<LimitRange>({
  group: "",
  version: "v1",
  kind: "LimitRange",
  plural: "limitranges",
  singular: "limitrange",
  namespaced: true,
  shortNames: ["limits"],
  schema: LimitRangeSchema,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the limit range.", cell: (o) => o.metadata.name ?? "" },
    { name: "Created At", type: "date", description: "When the limit range was created.", cell: (o) => o.metadata.creationTimestamp ?? "" },
  ],
  // SetDefaults_LimitRangeItem: a container's default limit falls back to max, its default request to the default limit, then to min.
  defaults(o) {
    for (const item of o.spec?.limits ?? []) {
      if (item.type !== "Container") continue;
      const def = { ...(item.max ?? {}), ...(item.default ?? {}) };
      const defReq = { ...(item.min ?? {}), ...def, ...(item.defaultRequest ?? {}) };
      if (Object.keys(def).length) item.default = def;
      if (Object.keys(defReq).length) item.defaultRequest = defReq;
    }
  },
});
