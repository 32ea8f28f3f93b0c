// A CRD's schema as kube-apiserver publishes it in /openapi/v3 and /openapi/v2
// (apiextensions-apiserver's controller/openapi/builder): int-or-string unfolded to its anyOf,
// embedded resources given apiVersion, kind and metadata, and for v2 what kubectl's v2 reader
// cannot take removed (allOf/anyOf/oneOf/not, nullable, the insides of preserved and nullable
// nodes). The resource root's apiVersion, kind and metadata are added by the document builder.
import type { JSONSchemaProps } from "./types";
import { deepCopy } from "./values";

type Out = Record<string, unknown> & JSONSchemaProps;

const OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
const API_VERSION_DOC =
  "APIVersion defines the versioned schema of this representation of an object. Servers should convert recognized schemas to the latest internal value, and may reject unrecognized values. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources";
const KIND_DOC =
  "Kind is a string value representing the REST resource this object represents. Servers may infer this from the endpoint the client submits requests to. Cannot be updated. In CamelCase. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds";
const METADATA_DOC = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata";

export function toOpenApiV3(schema: JSONSchemaProps): object {
  const out = deepCopy(schema) as Out;
  visit(out, unfold);
  visit(out, (s) => embed(s, "v3"));
  return out;
}

export function toOpenApiV2(schema: JSONSchemaProps): object {
  // kubectl would take a preserving root's missing properties as "no other fields".
  if (schema["x-kubernetes-preserve-unknown-fields"]) return { type: "object" };
  const out = deepCopy(schema) as Out;
  visit(out, unfold);
  visit(out, toV2);
  visit(out, (s) => embed(s, "v2"));
  return out;
}

/** Calls `f` on every node, parents first (after `f`, the node's current children are visited). */
function visit(s: Out, f: (s: Out) => void): void {
  f(s);
  for (const p of Object.values(s.properties ?? {})) visit(p as Out, f);
  if (s.items) visit(s.items as Out, f);
  if (typeof s.additionalProperties === "object") visit(s.additionalProperties as Out, f);
  for (const j of [s.allOf, s.anyOf, s.oneOf]) for (const x of j ?? []) visit(x as Out, f);
  if (s.not) visit(s.not as Out, f);
}

/** Structural Unfold: an int-or-string without its anyOf gets `anyOf: [integer, string]`. */
function unfold(s: Out): void {
  if (s["x-kubernetes-int-or-string"] && !s.anyOf?.length) s.anyOf = [{ type: "integer" }, { type: "string" }];
}

/** What ToStructuralOpenAPIV2 removes. */
function toV2(s: Out): void {
  delete s.allOf;
  delete s.anyOf;
  delete s.oneOf;
  delete s.not;
  if (s.nullable) {
    // No nullable in v2: the node becomes untyped, and kubectl breaks on untyped nodes with insides.
    delete s.type;
    delete s.nullable;
    delete s.items;
    delete s.properties;
  }
  if (s["x-kubernetes-preserve-unknown-fields"]) {
    delete s.items;
    delete s.properties;
  }
  if (s.type === "array" && !s.items) delete s.type;
  // A nullable field may be sent as null, which v2 readers take as missing.
  if (s.required && s.properties) {
    const props = s.properties;
    const required = s.required.filter((r) => !props[r]?.nullable);
    if (required.length) s.required = required;
    else delete s.required;
  }
  if (typeof s.additionalProperties === "object" && s.additionalProperties.nullable) delete s.required;
}

function embed(s: Out, version: "v2" | "v3"): void {
  if (!s["x-kubernetes-embedded-resource"]) return;
  const ref = { $ref: version === "v2" ? `#/definitions/${OBJECT_META}` : `#/components/schemas/${OBJECT_META}` };
  s.properties = {
    ...(s.properties ?? {}),
    apiVersion: { type: "string", description: API_VERSION_DOC },
    kind: { type: "string", description: KIND_DOC },
    metadata: (version === "v2" ? { ...ref, description: METADATA_DOC } : { allOf: [ref], description: METADATA_DOC }) as JSONSchemaProps,
  };
  const required = s.required ?? [];
  if (!required.includes("kind")) required.push("kind");
  if (!required.includes("apiVersion")) required.push("apiVersion");
  s.required = required;
}
