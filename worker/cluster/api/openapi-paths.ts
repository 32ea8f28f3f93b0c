// The operations a kind serves, as kube-apiserver lists them in its OpenAPI documents: one
// path per collection, object and subresource, each operation with its operationId,
// x-kubernetes-action and group-version-kind. Kept neutral here; openapi.ts writes them as
// OpenAPI v3, openapi-v2.ts as Swagger 2.0. kubectl reads the PATCH operation's parameters to
// learn that the server validates fields itself (fieldValidation), and so sends Strict.
import { ALL_VERBS, type ResourceDef } from "../resources/define";
import { PATCH, STATUS, type Schema, type SchemaBuilder } from "./openapi-schema";

export interface Param {
  name: string;
  in: "query" | "path";
  description: string;
  type: "string" | "boolean" | "integer";
  required?: boolean;
}

export interface Operation {
  method: "get" | "put" | "post" | "delete" | "patch";
  action: string;
  operationId: string;
  description: string;
  params: Param[];
  /** The request body: an object of the response's schema, or a patch. */
  body?: "object" | "patch";
  /** The patch types a PATCH consumes (no strategic merge for a custom kind). */
  patchTypes?: readonly string[];
  /** Name of the schema answered; none for a text answer (a container's log). */
  response?: string;
  /** Success codes besides 401 Unauthorized. */
  codes: number[];
  gvk: { group: string; version: string; kind: string };
}

export interface PathSpec {
  path: string;
  /** Parameters every operation of the path shares. */
  params: Param[];
  ops: Operation[];
}

const q = (name: string, description: string, type: Param["type"] = "string"): Param => ({ name, in: "query", description, type });
const P = {
  pretty: q("pretty", "If 'true', the output is pretty printed."),
  dryRun: q("dryRun", "When present (All), nothing is persisted."),
  fieldManager: q("fieldManager", "Name of the actor making the change."),
  fieldValidation: q("fieldValidation", "How to treat unknown or duplicate fields: Ignore, Warn (the default) or Strict."),
  force: q("force", "Force an apply request, taking fields from other managers.", "boolean"),
  labelSelector: q("labelSelector", "Select objects by label."),
  fieldSelector: q("fieldSelector", "Select objects by field."),
  limit: q("limit", "Most items to return; continue for more.", "integer"),
  continue: q("continue", "Token from a previous limited list."),
  resourceVersion: q("resourceVersion", "Version to read at or watch from."),
  watch: q("watch", "Watch for changes instead of listing.", "boolean"),
  timeoutSeconds: q("timeoutSeconds", "How long a list or watch may last.", "integer"),
  allowWatchBookmarks: q("allowWatchBookmarks", "Ask for BOOKMARK events in a watch.", "boolean"),
  gracePeriodSeconds: q("gracePeriodSeconds", "Seconds before the object is removed.", "integer"),
  propagationPolicy: q("propagationPolicy", "Orphan, Background or Foreground garbage collection of dependents."),
};
const LIST = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.timeoutSeconds, P.watch];
const WRITE = [P.dryRun, P.fieldManager, P.fieldValidation];
const pathParam = (name: string, description: string): Param => ({ name, in: "path", description, type: "string", required: true });

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The group as operationIds spell it: "" is Core, rbac.authorization.k8s.io RbacAuthorization. */
function groupWord(group: string): string {
  if (!group) return "Core";
  return group.replace(/\.k8s\.io$/, "").split(/[.-]/).map(cap).join("");
}

/** The tag kube-apiserver files a group-version's operations under: apps_v1, core_v1. */
function tagOf(group: string, version: string): string {
  const g = groupWord(group);
  return `${g.charAt(0).toLowerCase()}${g.slice(1)}_${version}`;
}

/** Every path the kind serves, with its operations. */
function pathsOf(def: ResourceDef, b: SchemaBuilder): PathSpec[] {
  const prefix = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const base = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
  const item = `${base}/{name}`;
  const { object, list } = b.addKind(def);
  const verbs = new Set(def.verbs ?? ALL_VERBS);
  const gvk = { group: def.group, version: def.version, kind: def.kind };
  const gv = `${groupWord(def.group)}${cap(def.version)}`;
  const ns = def.namespaced ? "Namespaced" : "";
  const id = (verb: string, middle = ns, suffix = "") => `${verb}${gv}${middle}${def.kind}${suffix}`;
  const nsParams = def.namespaced ? [pathParam("namespace", "object name and auth scope, such as for teams and projects")] : [];
  const nameParam = pathParam("name", `name of the ${def.kind}`);
  const out: PathSpec[] = [];

  const collection: Operation[] = [];
  if (verbs.has("list")) collection.push({ method: "get", action: "list", operationId: id("list"), description: `list or watch objects of kind ${def.kind}`, params: LIST, response: list, codes: [200], gvk });
  if (verbs.has("create")) collection.push({ method: "post", action: "post", operationId: id("create"), description: `create a ${def.kind}`, params: WRITE, body: "object", response: object, codes: [200, 201, 202], gvk });
  if (verbs.has("deletecollection"))
    collection.push({
      method: "delete",
      action: "deletecollection",
      operationId: id("delete", `Collection${ns}`),
      description: `delete collection of ${def.kind}`,
      params: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy, P.labelSelector, P.fieldSelector],
      response: STATUS,
      codes: [200],
      gvk,
    });
  if (collection.length) out.push({ path: base, params: [...nsParams, P.pretty], ops: collection });

  const single: Operation[] = [];
  if (verbs.has("get")) single.push({ method: "get", action: "get", operationId: id("read"), description: `read the specified ${def.kind}`, params: [], response: object, codes: [200], gvk });
  if (verbs.has("update")) single.push({ method: "put", action: "put", operationId: id("replace"), description: `replace the specified ${def.kind}`, params: WRITE, body: "object", response: object, codes: [200, 201], gvk });
  if (verbs.has("patch")) single.push({ method: "patch", action: "patch", operationId: id("patch"), description: `partially update the specified ${def.kind}`, params: [...WRITE, P.force], body: "patch", patchTypes: patchTypesOf(def), response: object, codes: [200, 201], gvk });
  if (verbs.has("delete")) single.push({ method: "delete", action: "delete", operationId: id("delete"), description: `delete a ${def.kind}`, params: [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], response: object, codes: [200, 202], gvk });
  if (single.length) out.push({ path: item, params: [nameParam, ...nsParams, P.pretty], ops: single });

  for (const s of def.subresources ?? []) {
    // Subresources answering another kind (scale, eviction, binding) are not described yet.
    if (s.kind) continue;
    const what = `${s.name} of the specified ${def.kind}`;
    const sub = cap(s.name);
    const ops: Operation[] = [];
    const read = s.name === "log" ? undefined : object;
    if (s.verbs.includes("get")) ops.push({ method: "get", action: "get", operationId: id("read", ns, sub), description: `read ${what}`, params: [], response: read, codes: [200], gvk });
    if (s.verbs.includes("update")) ops.push({ method: "put", action: "put", operationId: id("replace", ns, sub), description: `replace ${what}`, params: WRITE, body: "object", response: object, codes: [200, 201], gvk });
    if (s.verbs.includes("patch")) ops.push({ method: "patch", action: "patch", operationId: id("patch", ns, sub), description: `partially update ${what}`, params: [...WRITE, P.force], body: "patch", patchTypes: patchTypesOf(def), response: object, codes: [200, 201], gvk });
    if (ops.length) out.push({ path: `${item}/${s.name}`, params: [nameParam, ...nsParams, P.pretty], ops });
  }

  if (def.namespaced && verbs.has("list")) {
    out.push({
      path: `${prefix}/${def.plural}`,
      params: [P.pretty],
      ops: [{ method: "get", action: "list", operationId: id("list", "", "ForAllNamespaces"), description: `list or watch objects of kind ${def.kind} in every namespace`, params: LIST, response: list, codes: [200], gvk }],
    });
  }
  return out;
}

/** The paths object of a document: every kind's paths, each written in the document's own form. */
export function pathsObject(defs: readonly ResourceDef[], b: SchemaBuilder, param: (p: Param) => Schema, operation: (o: Operation, tag: string) => Schema): Record<string, Schema> {
  const paths: Record<string, Schema> = {};
  for (const def of defs) {
    const tag = tagOf(def.group, def.version);
    for (const p of pathsOf(def, b)) {
      const item: Schema = { parameters: p.params.map(param) };
      for (const o of p.ops) item[o.method] = operation(o, tag);
      paths[p.path] = item;
    }
  }
  return paths;
}

export const RESPONSE_TEXT: Record<number, string> = { 200: "OK", 201: "Created", 202: "Accepted" };

/** The patch types a PATCH operation consumes. */
export const PATCH_TYPES = ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"];
/** A custom resource has no Go struct to carry patch strategies, so no strategic merge patch. */
export const CUSTOM_PATCH_TYPES = PATCH_TYPES.filter((t) => t !== "application/strategic-merge-patch+json");

/** What a PATCH of `def` consumes; kubectl apply reads it to choose between strategic and JSON merge patches. */
export function patchTypesOf(def: ResourceDef): readonly string[] {
  return def.custom ? CUSTOM_PATCH_TYPES : PATCH_TYPES;
}
/** What every operation produces. */
export const PRODUCES = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"];
export { PATCH };
