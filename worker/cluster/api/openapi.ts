// OpenAPI v3, generated from the kinds' zod schemas (one document per group-version). kubectl
// uses it for `explain`, for strategic-merge metadata and to learn that the server validates
// fields itself (the fieldValidation parameter on PATCH), which makes `apply` send Strict.
import type { Registry } from "../resources/registry";
import { PATCH_TYPES, pathsObject, PRODUCES, RESPONSE_TEXT, type Operation, type Param } from "./openapi-paths";
import { PATCH, SchemaBuilder, type Schema } from "./openapi-schema";

function param(p: Param): Schema {
  return { name: p.name, in: p.in, description: p.description, ...(p.required ? { required: true } : {}), schema: { type: p.type, uniqueItems: true } };
}

function content(schema: Schema, types: readonly string[] = PRODUCES): Schema {
  return Object.fromEntries(types.map((t) => [t, { schema }]));
}

function operation(o: Operation, tag: string, b: SchemaBuilder): Schema {
  const answer = o.response ? b.refTo(o.response) : { type: "string" };
  const responses: Schema = {};
  for (const code of o.codes) responses[code] = { description: RESPONSE_TEXT[code], content: content(answer) };
  responses["401"] = { description: "Unauthorized" };
  return {
    tags: [tag],
    description: o.description,
    operationId: o.operationId,
    parameters: o.params.map(param),
    ...(o.body === "object" ? { requestBody: { content: content(answer), required: true } } : {}),
    ...(o.body === "patch" ? { requestBody: { content: content(b.refTo(PATCH), o.patchTypes ?? PATCH_TYPES), required: true } } : {}),
    responses,
    "x-kubernetes-action": o.action,
    "x-kubernetes-group-version-kind": o.gvk,
  };
}

function document(registry: Registry, group: string, version: string, serverVersion: string): Record<string, unknown> {
  const b = new SchemaBuilder("v3");
  const paths = pathsObject(registry.kindsOf(group, version), b, param, (o, tag) => operation(o, tag, b));
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

/** The document's ETag: a hash of its text (kube-apiserver uses SHA-512; any stable hash serves). */
export function hashOf(s: string): string {
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

/** Documents of group-versions with custom kinds kept at most (they change with their CRDs). */
const CUSTOM_DOCUMENTS = 64;
const customCache = new Map<string, Built>();

/** One group-version document, built once per isolate and Kubernetes version (for custom kinds, once per version of the cluster's CRDs). */
export function openapiDocument(registry: Registry, group: string, version: string, serverVersion: string): Built | null {
  const kinds = registry.kindsOf(group, version);
  if (!kinds.length) return null;
  const custom = kinds.some((k) => k.custom);
  const docs = custom ? customCache : cache;
  const k = `${serverVersion} ${key(group, version)}${custom ? ` ${registry.signature}` : ""}`;
  let built = docs.get(k);
  if (!built) {
    const body = JSON.stringify(document(registry, group, version, serverVersion));
    built = { body, hash: hashOf(body) };
    if (custom && docs.size >= CUSTOM_DOCUMENTS) docs.delete(docs.keys().next().value!);
    docs.set(k, built);
  }
  return built;
}

/** The v3 root: every group-version with the URL of its document. */
export function openapiRoot(registry: Registry, basePath: string, serverVersion: string) {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const g of registry.groups()) {
    for (const v of g.versions) {
      const k = key(g.group, v);
      const doc = openapiDocument(registry, g.group, v, serverVersion)!;
      paths[k] = { serverRelativeURL: `${basePath}/openapi/v3/${k}?hash=${doc.hash}` };
    }
  }
  return { paths };
}

