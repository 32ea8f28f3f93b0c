// OpenAPI v3, generated from the kinds' zod schemas (one document per group-version). kubectl
// uses it for `explain`, for strategic-merge metadata and to learn that the server validates
// fields itself (the fieldValidation parameter on PATCH), which makes `apply` send Strict.
import type { z } from "zod";
import { ALL_VERBS, type ResourceDef } from "../resources/define";
import { groups, kindsOf } from "../resources/registry";
import { DeleteOptions, ListMeta } from "../resources/types/meta";
import { typeOf, type FieldSpec, type ScalarKind, type TypeNode } from "../machinery/schema/dsl";

type Schema = Record<string, unknown>;

const SPECIAL_SCALARS: Partial<Record<ScalarKind, { name: string; schema: Schema }>> = {
  quantity: {
    name: "io.k8s.apimachinery.pkg.api.resource.Quantity",
    schema: {
      description: "A fixed-point amount such as 500m (half a CPU), 128Mi or 1.5G, written as a string (or a number).",
      oneOf: [{ type: "string" }, { type: "number" }],
    },
  },
  intOrString: {
    name: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    schema: { description: "An integer or a string, such as a port number or a port name.", type: "string", format: "int-or-string", "x-kubernetes-int-or-string": true },
  },
  time: {
    name: "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
    schema: { description: "A timestamp in RFC 3339 form, UTC, in whole seconds.", type: "string", format: "date-time" },
  },
  microTime: {
    name: "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
    schema: { description: "A timestamp in RFC 3339 form with microseconds.", type: "string", format: "date-time" },
  },
  any: {
    name: "io.k8s.apimachinery.pkg.runtime.RawExtension",
    schema: { description: "Any JSON object.", type: "object", "x-kubernetes-preserve-unknown-fields": true },
  },
};

class SchemaBuilder {
  readonly schemas: Record<string, Schema> = {};

  /** Adds `schema` (a struct) and everything it references; returns its $ref. */
  ref(schema: z.ZodType): string {
    const node = typeOf(schema);
    if (!node || node.t !== "struct") throw new Error("ref of a non-struct");
    this.addStruct(node);
    return `#/components/schemas/${node.name}`;
  }

  private addStruct(node: Extract<TypeNode, { t: "struct" }>) {
    if (this.schemas[node.name]) return;
    const out: Schema = { description: node.description ?? "", type: "object" };
    this.schemas[node.name] = out; // placed first so recursive types terminate
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    for (const [key, f] of Object.entries(node.fields)) {
      properties[key] = this.field(f);
      if (f.required) required.push(key);
    }
    out.properties = properties;
    if (required.length) out.required = required.sort();
    if (node.gvk) out["x-kubernetes-group-version-kind"] = node.gvk;
  }

  private field(f: FieldSpec): Schema {
    const s = this.type(f.type);
    if (f.description) {
      if ("$ref" in s) return { allOf: [s], description: f.description, ...(f.presence === "always" ? { default: {} } : {}), ...(f.strategy ? { "x-kubernetes-patch-strategy": f.strategy } : {}) };
      s.description = f.description;
    }
    if (f.strategy) s["x-kubernetes-patch-strategy"] = f.strategy;
    return s;
  }

  type(t: z.ZodType): Schema {
    const node = typeOf(t);
    if (!node) return { type: "object" };
    switch (node.t) {
      case "struct":
        this.addStruct(node);
        return { $ref: `#/components/schemas/${node.name}` };
      case "list": {
        const s: Schema = { type: "array", items: this.type(node.of) };
        const o = node.options;
        if (o.key) s["x-kubernetes-patch-merge-key"] = o.key;
        if (o.strategy) s["x-kubernetes-patch-strategy"] = o.strategy;
        if (o.listType) s["x-kubernetes-list-type"] = o.listType;
        if (o.mapKeys) s["x-kubernetes-list-map-keys"] = o.mapKeys;
        const items = s.items as Schema;
        if ("$ref" in items) s.items = { allOf: [items], default: {} };
        return s;
      }
      case "map": {
        const v = this.type(node.of);
        return { type: "object", additionalProperties: "$ref" in v ? { allOf: [v], default: {} } : v };
      }
      case "scalar": {
        const special = SPECIAL_SCALARS[node.kind];
        if (special) {
          this.schemas[special.name] ??= special.schema;
          return { $ref: `#/components/schemas/${special.name}` };
        }
        switch (node.kind) {
          case "int32":
          case "int64":
            return { type: "integer", format: node.kind };
          case "double":
            return { type: "number", format: "double" };
          case "bool":
            return { type: "boolean" };
          case "bytes":
            return { type: "string", format: "byte" };
          default: {
            const s: Schema = { type: "string" };
            if (node.enum) s.enum = [...node.enum];
            return s;
          }
        }
      }
    }
  }
}

function gvkOf(def: ResourceDef, kind = def.kind) {
  return { group: def.group, version: def.version, kind };
}

function listSchemaName(def: ResourceDef): string {
  const node = typeOf(def.schema) as Extract<TypeNode, { t: "struct" }>;
  return `${node.name}List`;
}

const Q = (name: string, description: string, type: Schema = { type: "string" }, uniqueItems = true) => ({ name, in: "query", description, schema: type, ...(uniqueItems ? { uniqueItems: true } : {}) });
const PARAMS = {
  pretty: Q("pretty", "If 'true', the output is pretty printed."),
  dryRun: Q("dryRun", "When present (All), nothing is persisted."),
  fieldManager: Q("fieldManager", "Name of the actor making the change."),
  fieldValidation: Q("fieldValidation", "How to treat unknown or duplicate fields: Ignore, Warn (the default) or Strict."),
  force: Q("force", "Force an apply request, taking fields from other managers.", { type: "boolean" }),
  labelSelector: Q("labelSelector", "Select objects by label."),
  fieldSelector: Q("fieldSelector", "Select objects by field."),
  limit: Q("limit", "Most items to return; continue for more.", { type: "integer" }),
  continue: Q("continue", "Token from a previous limited list."),
  resourceVersion: Q("resourceVersion", "Version to read at or watch from."),
  watch: Q("watch", "Watch for changes instead of listing.", { type: "boolean" }),
  timeoutSeconds: Q("timeoutSeconds", "How long a list or watch may last.", { type: "integer" }),
  allowWatchBookmarks: Q("allowWatchBookmarks", "Ask for BOOKMARK events in a watch.", { type: "boolean" }),
  gracePeriodSeconds: Q("gracePeriodSeconds", "Seconds before the object is removed.", { type: "integer" }),
  propagationPolicy: Q("propagationPolicy", "Orphan, Background or Foreground garbage collection of dependents."),
};
const path = (name: string, description: string) => ({ name, in: "path", description, required: true, schema: { type: "string", uniqueItems: true } });

function json(ref: string) {
  return { "application/json": { schema: { $ref: ref } }, "application/yaml": { schema: { $ref: ref } }, "application/vnd.kubernetes.protobuf": { schema: { $ref: ref } } };
}

function op(def: ResourceDef, action: string, verb: string, summary: string, parameters: unknown[], response: string, body?: Record<string, unknown>, kind = def.kind) {
  const o: Record<string, unknown> = {
    tags: [def.group ? `${def.group.replace(/\..*/, "")}_${def.version}` : `core_${def.version}`],
    description: summary,
    operationId: `${verb}${def.group ? "" : "Core"}${def.version[0].toUpperCase()}${def.version.slice(1)}${def.namespaced ? "Namespaced" : ""}${kind}`,
    parameters,
    responses: { "200": { description: "OK", content: json(response) }, "401": { description: "Unauthorized" } },
    "x-kubernetes-action": action,
    "x-kubernetes-group-version-kind": gvkOf(def, kind),
  };
  if (body) o.requestBody = body;
  return o;
}

function pathsFor(def: ResourceDef, b: SchemaBuilder): Record<string, unknown> {
  const prefix = def.group ? `/apis/${def.group}/${def.version}` : `/api/${def.version}`;
  const base = def.namespaced ? `${prefix}/namespaces/{namespace}/${def.plural}` : `${prefix}/${def.plural}`;
  const item = `${base}/{name}`;
  const objRef = b.ref(def.schema);
  const listRef = `#/components/schemas/${listSchemaName(def)}`;
  const verbs = new Set(def.verbs ?? ALL_VERBS);
  const nsParams = def.namespaced ? [path("namespace", "object name and auth scope, such as for teams and projects")] : [];
  const writeBody = { content: json(objRef), required: true };
  const patchBody = {
    content: Object.fromEntries(
      ["application/json-patch+json", "application/merge-patch+json", "application/strategic-merge-patch+json", "application/apply-patch+yaml"].map((t) => [
        t,
        { schema: { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch" } },
      ]),
    ),
    required: true,
  };
  const out: Record<string, unknown> = {};
  const collection: Record<string, unknown> = { parameters: [...nsParams, PARAMS.pretty] };
  if (verbs.has("list"))
    collection.get = op(def, "list", "list", `list or watch objects of kind ${def.kind}`, [PARAMS.allowWatchBookmarks, PARAMS.continue, PARAMS.fieldSelector, PARAMS.labelSelector, PARAMS.limit, PARAMS.resourceVersion, PARAMS.timeoutSeconds, PARAMS.watch], listRef);
  if (verbs.has("create")) collection.post = op(def, "post", "create", `create a ${def.kind}`, [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation], objRef, writeBody);
  if (verbs.has("deletecollection"))
    collection.delete = op(def, "deletecollection", "deletecollection", `delete collection of ${def.kind}`, [PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy, PARAMS.labelSelector, PARAMS.fieldSelector], "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status");
  out[base] = collection;
  if (verbs.has("get") || verbs.has("update")) {
    const single: Record<string, unknown> = { parameters: [path("name", `name of the ${def.kind}`), ...nsParams, PARAMS.pretty] };
    if (verbs.has("get")) single.get = op(def, "get", "read", `read the specified ${def.kind}`, [], objRef);
    if (verbs.has("update")) single.put = op(def, "put", "replace", `replace the specified ${def.kind}`, [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation], objRef, writeBody);
    if (verbs.has("patch")) single.patch = op(def, "patch", "patch", `partially update the specified ${def.kind}`, [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation, PARAMS.force], objRef, patchBody);
    if (verbs.has("delete")) single.delete = op(def, "delete", "delete", `delete a ${def.kind}`, [PARAMS.dryRun, PARAMS.gracePeriodSeconds, PARAMS.propagationPolicy], objRef);
    out[item] = single;
  }
  for (const s of def.subresources ?? []) {
    if (s.kind) continue;
    const sub: Record<string, unknown> = { parameters: [path("name", `name of the ${def.kind}`), ...nsParams, PARAMS.pretty] };
    if (s.verbs.includes("get")) sub.get = op(def, "get", "read", `read ${s.name} of the specified ${def.kind}`, [], objRef);
    if (s.verbs.includes("update")) sub.put = op(def, "put", "replace", `replace ${s.name} of the specified ${def.kind}`, [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation], objRef, writeBody);
    if (s.verbs.includes("patch")) sub.patch = op(def, "patch", "patch", `partially update ${s.name} of the specified ${def.kind}`, [PARAMS.dryRun, PARAMS.fieldManager, PARAMS.fieldValidation, PARAMS.force], objRef, patchBody);
    out[`${item}/${s.name}`] = sub;
  }
  if (def.namespaced && verbs.has("list")) {
    out[`${prefix}/${def.plural}`] = {
      parameters: [PARAMS.pretty],
      get: op(def, "list", "list", `list or watch objects of kind ${def.kind} in every namespace`, [PARAMS.allowWatchBookmarks, PARAMS.continue, PARAMS.fieldSelector, PARAMS.labelSelector, PARAMS.limit, PARAMS.resourceVersion, PARAMS.timeoutSeconds, PARAMS.watch], listRef),
    };
  }
  return out;
}

function addCommon(b: SchemaBuilder) {
  b.ref(ListMeta);
  b.ref(DeleteOptions);
  b.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"] = { description: "A patch document: JSON patch, merge patch, strategic merge patch or apply configuration.", type: "object" };
  b.schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Status"] = {
    description: "The result of an operation that does not return an object, and every error.",
    type: "object",
    properties: {
      apiVersion: { type: "string" },
      kind: { type: "string" },
      code: { type: "integer", format: "int32", description: "HTTP status code." },
      message: { type: "string", description: "Human-readable description." },
      reason: { type: "string", description: "Machine-readable reason, such as NotFound or Invalid." },
      status: { type: "string", description: "Success or Failure." },
      details: { type: "object", description: "Extra data about the failure." },
      metadata: { allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" }], default: {} },
    },
    "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "Status" }],
  };
}

function document(group: string, version: string, serverVersion: string): Record<string, unknown> {
  const b = new SchemaBuilder();
  addCommon(b);
  let paths: Record<string, unknown> = {};
  for (const def of kindsOf(group, version)) {
    paths = { ...paths, ...pathsFor(def, b) };
    const node = typeOf(def.schema) as Extract<TypeNode, { t: "struct" }>;
    b.schemas[listSchemaName(def)] = {
      description: `A list of ${def.kind} objects.`,
      type: "object",
      required: ["items"],
      properties: {
        apiVersion: { type: "string", description: "Versioned schema of this object." },
        kind: { type: "string", description: "Kind of this object." },
        metadata: { allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta" }], default: {}, description: "Standard list metadata." },
        items: { type: "array", description: `The ${def.plural}.`, items: { allOf: [{ $ref: `#/components/schemas/${node.name}` }], default: {} } },
      },
      "x-kubernetes-group-version-kind": [{ group, version, kind: `${def.kind}List` }],
    };
  }
  return {
    openapi: "3.0.0",
    info: { title: "Kubernetes", version: serverVersion },
    paths,
    components: { schemas: b.schemas, securitySchemes: { BearerToken: { type: "apiKey", description: "Bearer token authentication", name: "authorization", in: "header" } } },
  };
}

interface Built {
  body: string;
  hash: string;
}
const cache = new Map<string, Built>();

function fnv(s: string): string {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < s.length; i++) {
    h1 = Math.imul(h1 ^ s.charCodeAt(i), 16777619);
    h2 = Math.imul(h2 ^ s.charCodeAt(i), 2246822519);
  }
  return ((h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0")).toUpperCase();
}

function key(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

/** One group-version document, built once per isolate. */
export function openapiDocument(group: string, version: string, serverVersion: string): Built | null {
  if (!kindsOf(group, version).length) return null;
  const k = key(group, version);
  let built = cache.get(k);
  if (!built) {
    const body = JSON.stringify(document(group, version, serverVersion));
    built = { body, hash: fnv(body) };
    cache.set(k, built);
  }
  return built;
}

/** The v3 root: every group-version with the URL of its document. */
export function openapiRoot(basePath: string, serverVersion: string) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of groups()) {
    for (const v of g.versions) {
      const k = key(g.group, v);
      const doc = openapiDocument(g.group, v, serverVersion)!;
      paths[k] = { serverRelativeURL: `${basePath}/openapi/v3/${k}?hash=${doc.hash}` };
    }
  }
  return { paths };
}

