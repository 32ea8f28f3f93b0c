// A CRD's structural schema seen through the schema DSL's TypeNodes, so the machinery built for
// built-in kinds works on custom resources: unknown-field detection and dropping (decode.ts),
// Go's round trip, managedFields and server-side apply (list-type and map keys), strategic merge
// keys and the OpenAPI view.
//
// Every node is lax: its zod type accepts any value (z.unknown), because a custom resource's
// problems are reported by validate.ts with kube-openapi's messages, never by zod; and every field
// is a "pointer" (unstructured objects keep zero values, empty lists and empty maps as sent).
import { z } from "zod";
import { withNode, type FieldSpec, type ListOptions } from "../schema/dsl";
import type { JSONSchemaProps } from "./types";

const EMBEDDED_META: Record<string, JSONSchemaProps> = {
  apiVersion: { type: "string" },
  kind: { type: "string" },
  // An embedded resource's metadata is ObjectMeta; its fields are cut to ObjectMeta's by prune.ts.
  metadata: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
};

/** The DSL view of `schema`; `name` names its struct nodes (`<definition>.spec.template`). */
export function schemaToDsl(schema: JSONSchemaProps, name: string): z.ZodType {
  const lax = z.unknown();
  const description = schema.description;
  if (schema["x-kubernetes-int-or-string"]) return withNode(lax, { t: "scalar", kind: "intOrString", format: "int-or-string", ...(description ? { description } : {}) });
  // Free-form JSON below here: nothing is pruned, nothing is merged field by field.
  if (schema["x-kubernetes-preserve-unknown-fields"]) return withNode(lax, { t: "scalar", kind: "any", ...(description ? { description } : {}) });
  switch (schema.type) {
    case "object": {
      if (typeof schema.additionalProperties === "object" && !schema.properties) return withNode(lax, { t: "map", of: schemaToDsl(schema.additionalProperties, `${name}.value`) });
      const fields: Record<string, FieldSpec> = {};
      const props = { ...(schema["x-kubernetes-embedded-resource"] ? EMBEDDED_META : {}), ...(schema.properties ?? {}) };
      for (const [key, prop] of Object.entries(props)) fields[key] = { type: schemaToDsl(prop, `${name}.${key}`), required: false, presence: "pointer", ...(prop.description ? { description: prop.description } : {}) };
      return withNode(lax, { t: "struct", name, description: description ?? "", fields, pb: new Map() });
    }
    case "array":
      return withNode(lax, { t: "list", of: schema.items ? schemaToDsl(schema.items, name) : withNode(z.unknown(), { t: "scalar", kind: "any" }), options: listOptions(schema) });
    case "string":
      // Strings stay strings whatever their format: a custom resource stores them as sent.
      return withNode(lax, { t: "scalar", kind: "string", ...(schema.format ? { format: schema.format } : {}), ...(schema.enum ? { enum: schema.enum.map(String) } : {}), ...(description ? { description } : {}) });
    case "integer":
      return withNode(lax, { t: "scalar", kind: "int64", format: schema.format ?? "int64", ...(description ? { description } : {}) });
    case "number":
      return withNode(lax, { t: "scalar", kind: "double", format: schema.format ?? "double", ...(description ? { description } : {}) });
    case "boolean":
      return withNode(lax, { t: "scalar", kind: "bool", ...(description ? { description } : {}) });
    default:
      return withNode(lax, { t: "scalar", kind: "any", ...(description ? { description } : {}) });
  }
}

/**
 * A list's merge semantics from x-kubernetes-list-type (atomic when unset, as for custom
 * resources): a map list merges by its keys in server-side apply, and by its single key in a
 * strategic merge.
 */
function listOptions(schema: JSONSchemaProps): ListOptions {
  const listType = schema["x-kubernetes-list-type"] ?? "atomic";
  const mapKeys = schema["x-kubernetes-list-map-keys"];
  if (listType === "map" && mapKeys?.length) return { listType, mapKeys, ...(mapKeys.length === 1 ? { key: mapKeys[0], strategy: "merge" } : {}) };
  return { listType };
}
