// /openapi/v2: the Swagger 2.0 document of every kind, built from the same zod schemas and
// operations as v3. kubectl 1.27 and 1.28 validate, explain and take strategic-merge metadata
// from it, and every kubectl still downloads it to validate a `kind: List`. client-go asks for
// it as protobuf only (gnostic's openapi_v2.Document) and parses whatever comes back as
// protobuf, so both forms are served, negotiated on Accept as kube-openapi's handler does.
import type { Registry } from "../resources/registry";
import { errors } from "../machinery/errors";
import { hashOf } from "./openapi";
import { PATCH_TYPES, PRODUCES, pathsObject, RESPONSE_TEXT, type Operation, type Param } from "./openapi-paths";
import { encodeDocument } from "./openapi-proto";
import { PATCH, SchemaBuilder, type Schema } from "./openapi-schema";
import type { KubeRequest, KubeResponse } from "./http/types";

function param(p: Param): Schema {
  return { uniqueItems: true, type: p.type, description: p.description, name: p.name, in: p.in, ...(p.required ? { required: true } : {}) };
}

function operation(o: Operation, tag: string, b: SchemaBuilder): Schema {
  const answer = o.response ? b.refTo(o.response) : { type: "string" };
  const parameters: Schema[] = o.params.map(param);
  if (o.body) parameters.unshift({ name: "body", in: "body", required: true, schema: o.body === "patch" ? b.refTo(PATCH) : answer });
  const responses: Schema = {};
  for (const code of o.codes) responses[code] = { description: RESPONSE_TEXT[code], schema: answer };
  responses["401"] = { description: "Unauthorized" };
  return {
    description: o.description,
    consumes: o.body === "patch" ? (o.patchTypes ?? PATCH_TYPES) : ["*/*"],
    produces: o.response ? PRODUCES : ["text/plain", "application/json", "application/yaml", "application/vnd.kubernetes.protobuf"],
    schemes: ["https"],
    tags: [tag],
    operationId: o.operationId,
    parameters,
    responses,
    "x-kubernetes-action": o.action,
    "x-kubernetes-group-version-kind": o.gvk,
  };
}

export function swagger(registry: Registry, serverVersion: string): Record<string, unknown> {
  const b = new SchemaBuilder("v2");
  const paths = pathsObject(registry.kinds, b, param, (o, tag) => operation(o, tag, b));
  return {
    swagger: "2.0",
    info: { title: "Kubernetes", version: serverVersion },
    paths,
    definitions: b.schemas,
    securityDefinitions: { BearerToken: { description: "Bearer Token authentication", type: "apiKey", name: "authorization", in: "header" } },
    security: [{ BearerToken: [] }],
  };
}

interface BuiltV2 {
  json: string;
  proto: Uint8Array<ArrayBuffer>;
  etag: string;
}
const cache = new Map<string, BuiltV2>();
/** Documents with custom kinds kept at most (they change with the cluster's CRDs). */
const CUSTOM_DOCUMENTS = 16;

/** The document in both forms, built once per isolate and Kubernetes version (and version of the cluster's CRDs). */
export function openapiV2(registry: Registry, serverVersion: string): BuiltV2 {
  const key = registry.signature ? `${serverVersion} ${registry.signature}` : serverVersion;
  let built = cache.get(key);
  if (!built) {
    const doc = swagger(registry, serverVersion);
    const json = JSON.stringify(doc);
    // One ETag for both forms, as kube-openapi does: they differ by Content-Type (Vary: Accept).
    built = { json, proto: encodeDocument(doc), etag: hashOf(json) };
    if (registry.signature && cache.size >= CUSTOM_DOCUMENTS) for (const k of cache.keys()) if (k.includes(" ")) { cache.delete(k); break; }
    cache.set(key, built);
  }
  return built;
}

export const OPENAPI_V2_PROTOBUF = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf";
const FORMATS: { subtype: string; form: "json" | "proto" }[] = [
  { subtype: "json", form: "json" },
  { subtype: "com.github.proto-openapi.spec.v2@v1.0+protobuf", form: "proto" },
  { subtype: "com.github.proto-openapi.spec.v2.v1.0+protobuf", form: "proto" },
];

/** Which form an Accept header asks for: the first clause by preference that names one of ours. */
export function negotiateV2(accept: string | null): "json" | "proto" | null {
  const clauses = (accept || "*/*")
    .split(",")
    .map((c, i) => {
      const [range, ...params] = c.trim().split(";");
      const qp = params.map((p) => p.trim()).find((p) => p.startsWith("q="));
      const [type, subtype = ""] = range.trim().toLowerCase().split("/");
      return { type, subtype, q: qp ? Number(qp.slice(2)) : 1, i };
    })
    .filter((c) => c.q > 0)
    // Higher q first; among equals, the more specific range first (as goautoneg orders them).
    .sort((a, b) => b.q - a.q || Number(a.subtype === "*") - Number(b.subtype === "*") || Number(a.type === "*") - Number(b.type === "*") || a.i - b.i);
  for (const c of clauses) {
    if (c.type !== "application" && c.type !== "*") continue;
    const hit = FORMATS.find((f) => c.subtype === "*" || c.subtype === f.subtype);
    if (hit) return hit.form;
  }
  return null;
}

/** The answer to GET /openapi/v2. */
export function serveOpenapiV2(registry: Registry, req: Pick<KubeRequest, "accept">, serverVersion: string): KubeResponse {
  const form = negotiateV2(req.accept);
  if (!form) throw errors.notAcceptable(`only the following media types are accepted: application/json, application/${FORMATS[1].subtype}, ${OPENAPI_V2_PROTOBUF}`);
  const doc = openapiV2(registry, serverVersion);
  const headers: [string, string][] = [
    ["Content-Type", form === "json" ? "application/json" : OPENAPI_V2_PROTOBUF],
    ["Etag", `"${doc.etag}"`],
    ["Vary", "Accept"],
  ];
  return form === "json" ? { status: 200, headers, body: doc.json } : { status: 200, headers, body: "", bytes: doc.proto };
}
