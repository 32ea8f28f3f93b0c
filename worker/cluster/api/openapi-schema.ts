// The kinds' zod schemas as OpenAPI schemas, for both documents the API server serves: v3
// (components.schemas, a reference with siblings wrapped in allOf) and v2 (Swagger 2.0
// definitions, a reference with siblings side by side, no oneOf). Both key their schemas by
// the same Go-style names, so a definition in one is the schema of the same name in the other.
import type { z } from "zod";
import type { ResourceDef } from "../resources/define";
import { DeleteOptions, ListMeta, ObjectMeta } from "../resources/types/meta";
import { typeOf, type FieldSpec, type ScalarKind, type TypeNode } from "../machinery/schema/dsl";

export type Schema = Record<string, unknown>;
export type OpenApiVersion = "v2" | "v3";

type Struct = Extract<TypeNode, { t: "struct" }>;

const META = "io.k8s.apimachinery.pkg.apis.meta.v1";
export const STATUS = `${META}.Status`;
export const PATCH = `${META}.Patch`;
const LIST_META = `${META}.ListMeta`;

interface Special {
  name: string;
  schema: Schema;
  /** Swagger 2.0 has no oneOf: the v2 document says what kube-apiserver's does there. */
  v2?: Schema;
}

const SPECIAL_SCALARS: Partial<Record<ScalarKind, Special>> = {
  quantity: {
    name: "io.k8s.apimachinery.pkg.api.resource.Quantity",
    schema: {
      description: "A fixed-point amount such as 500m (half a CPU), 128Mi or 1.5G, written as a string (or a number).",
      oneOf: [{ type: "string" }, { type: "number" }],
    },
    v2: { description: "A fixed-point amount such as 500m (half a CPU), 128Mi or 1.5G, written as a string (or a number).", type: "string" },
  },
  intOrString: {
    name: "io.k8s.apimachinery.pkg.util.intstr.IntOrString",
    schema: { description: "An integer or a string, such as a port number or a port name.", type: "string", format: "int-or-string", "x-kubernetes-int-or-string": true },
  },
  time: {
    name: `${META}.Time`,
    schema: { description: "A timestamp in RFC 3339 form, UTC, in whole seconds.", type: "string", format: "date-time" },
  },
  microTime: {
    name: `${META}.MicroTime`,
    schema: { description: "A timestamp in RFC 3339 form with microseconds.", type: "string", format: "date-time" },
  },
  any: {
    name: "io.k8s.apimachinery.pkg.runtime.RawExtension",
    schema: { description: "Any JSON object.", type: "object", "x-kubernetes-preserve-unknown-fields": true },
  },
};

export class SchemaBuilder {
  readonly schemas: Record<string, Schema> = {};

  constructor(readonly version: OpenApiVersion) {
    this.addCommon();
  }

  /** Where a named schema lives in this version's document. */
  refTo(name: string): Schema {
    return { $ref: this.version === "v2" ? `#/definitions/${name}` : `#/components/schemas/${name}` };
  }

  /** Adds `schema` (a struct) and everything it references; returns its name. */
  add(schema: z.ZodType): string {
    const node = typeOf(schema);
    if (!node || node.t !== "struct") throw new Error("ref of a non-struct");
    this.addStruct(node);
    return node.name;
  }

  /** Adds a kind's schema and its list's; returns their names. */
  addKind(def: ResourceDef): { object: string; list: string } {
    const object = def.custom ? this.addCustom(def) : this.add(def.schema);
    const list = `${object}List`;
    this.schemas[list] ??= {
      description: `A list of ${def.kind} objects.`,
      type: "object",
      required: ["items"],
      properties: {
        apiVersion: { type: "string", description: "Versioned schema of this object." },
        kind: { type: "string", description: "Kind of this object." },
        metadata: this.beside(this.refTo(LIST_META), { default: {}, description: "Standard list metadata." }),
        items: { type: "array", description: `The ${def.plural}.`, items: this.beside(this.refTo(object), { default: {} }) },
      },
      "x-kubernetes-group-version-kind": [{ group: def.group, version: def.version, kind: `${def.kind}List` }],
    };
    return { object, list };
  }

  /** A custom kind: its CRD's schema as published, with the metadata every kind has. */
  private addCustom(def: ResourceDef): string {
    const { name, v2, v3 } = def.custom!.openapi;
    if (this.schemas[name]) return name;
    const schema = structuredClone(this.version === "v2" ? v2 : v3) as Schema & { properties?: Record<string, Schema> };
    const properties = (schema.properties ??= {});
    properties.apiVersion ??= { type: "string", description: "APIVersion defines the versioned schema of this representation of an object." };
    properties.kind ??= { type: "string", description: "Kind is a string value representing the REST resource this object represents." };
    properties.metadata = this.beside(this.refTo(this.add(ObjectMeta)), { description: "Standard object's metadata." });
    schema.type ??= "object";
    schema["x-kubernetes-group-version-kind"] = [{ group: def.group, version: def.version, kind: def.kind }];
    this.schemas[name] = schema;
    return name;
  }

  /** A reference with keys beside it: side by side in v2, through allOf in v3 (where $ref takes no siblings). */
  private beside(ref: Schema, extra: Schema): Schema {
    return this.version === "v2" ? { ...ref, ...extra } : { allOf: [ref], ...extra };
  }

  private addStruct(node: Struct) {
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
      if ("$ref" in s) return this.beside(s, { description: f.description, ...(f.presence === "always" ? { default: {} } : {}), ...(f.strategy ? { "x-kubernetes-patch-strategy": f.strategy } : {}) });
      s.description = f.description;
    }
    if (f.strategy) s["x-kubernetes-patch-strategy"] = f.strategy;
    return s;
  }

  private type(t: z.ZodType): Schema {
    const node = typeOf(t);
    if (!node) return { type: "object" };
    switch (node.t) {
      case "struct":
        this.addStruct(node);
        return this.refTo(node.name);
      case "list": {
        const items = this.type(node.of);
        const s: Schema = { type: "array", items: "$ref" in items ? this.beside(items, { default: {} }) : items };
        const o = node.options;
        if (o.key) s["x-kubernetes-patch-merge-key"] = o.key;
        if (o.strategy) s["x-kubernetes-patch-strategy"] = o.strategy;
        if (o.listType) s["x-kubernetes-list-type"] = o.listType;
        if (o.mapKeys) s["x-kubernetes-list-map-keys"] = o.mapKeys;
        return s;
      }
      case "map": {
        const v = this.type(node.of);
        return { type: "object", additionalProperties: "$ref" in v ? this.beside(v, { default: {} }) : v };
      }
      case "scalar": {
        const special = SPECIAL_SCALARS[node.kind];
        if (special) {
          this.schemas[special.name] ??= (this.version === "v2" && special.v2) || special.schema;
          return this.refTo(special.name);
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

  /** What every document references: list metadata, delete options, patches and Status. */
  private addCommon() {
    this.add(ListMeta);
    this.add(DeleteOptions);
    this.schemas[PATCH] = { description: "A patch document: JSON patch, merge patch, strategic merge patch or apply configuration.", type: "object" };
    this.schemas[STATUS] = {
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
        metadata: this.beside(this.refTo(LIST_META), { default: {} }),
      },
      "x-kubernetes-group-version-kind": [{ group: "", version: "v1", kind: "Status" }],
    };
  }
}
