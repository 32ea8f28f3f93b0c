// A CRD's schema at CRD-write time (structurality, list and map types, defaults), its DSL view
// (decode and round trip of custom objects) and its published OpenAPI forms.
import { describe, expect, it } from "vitest";
import { decode, roundTrip } from "../../worker/cluster/machinery/schema/decode";
import { formatPath, typeOf, type K8sIssue } from "../../worker/cluster/machinery/schema/dsl";
import { toOpenApiV2, toOpenApiV3 } from "../../worker/cluster/machinery/structural/openapi";
import { structuralIssues } from "../../worker/cluster/machinery/structural/structural";
import { schemaToDsl } from "../../worker/cluster/machinery/structural/toDsl";
import type { JSONSchemaProps } from "../../worker/cluster/machinery/structural/types";

const AT = ["spec", "versions", 0, "schema", "openAPIV3Schema"];
const lines = (issues: K8sIssue[]) => issues.map((i) => `${formatPath(i.path)}: ${i.message}`);
const issues = (schema: JSONSchemaProps) => lines(structuralIssues(schema, AT));
const P = "spec.versions[0].schema.openAPIV3Schema";

/** A schema in the style of the operators' CRDs (controller-gen output). */
const realistic: JSONSchemaProps = {
  type: "object",
  description: "Certificate is a request for a signed certificate.",
  properties: {
    apiVersion: { type: "string" },
    kind: { type: "string" },
    metadata: { type: "object" },
    spec: {
      type: "object",
      required: ["secretName"],
      properties: {
        secretName: { type: "string", maxLength: 253 },
        duration: { type: "string", format: "duration" },
        port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }], pattern: "^(\\d+|[a-z]+)$" },
        size: { allOf: [{ anyOf: [{ type: "integer" }, { type: "string" }] }, { pattern: "^\\d+$" }], "x-kubernetes-int-or-string": true },
        usages: { type: "array", items: { type: "string", enum: ["digital signature", "server auth"] }, "x-kubernetes-list-type": "set" },
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["port", "protocol"],
          items: { type: "object", required: ["port"], properties: { port: { type: "integer", format: "int32" }, protocol: { type: "string", default: "TCP" } } },
        },
        labels: { type: "object", additionalProperties: { type: "string" }, "x-kubernetes-map-type": "atomic" },
        template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true },
        config: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        choice: { type: "object", properties: { a: { type: "string" }, b: { type: "string" } }, oneOf: [{ required: ["a"] }, { required: ["b"] }] },
        replicas: { type: "integer", default: 1, minimum: 0 },
        nested: { type: "object", default: {}, properties: { mode: { type: "string", default: "fast" } } },
        ref: { type: "string", nullable: true },
      },
    },
    status: { type: "object", properties: { conditions: { type: "array", items: { type: "object", properties: { type: { type: "string" } } } } } },
  },
};

describe("structuralIssues", () => {
  it("accepts a realistic structural schema", () => {
    expect(issues(realistic)).toEqual([]);
  });

  it("reports untyped nodes, value validations that say too much, and metadata restrictions", () => {
    expect(
      issues({
        type: "object",
        properties: {
          metadata: { type: "object", properties: { name: { type: "string", maxLength: 10 }, labels: { type: "object" } } },
          spec: {
            type: "object",
            properties: { a: {}, list: { type: "array" }, b: { type: "string" } },
            anyOf: [{ type: "string", properties: { c: { type: "string" } } } as JSONSchemaProps],
          },
        },
      }),
    ).toEqual([
      `${P}.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified`,
      `${P}.properties[spec].anyOf[0].properties[c].type: Forbidden: must be empty to be structural`,
      `${P}.properties[spec].anyOf[0].type: Forbidden: must be empty to be structural`,
      `${P}.properties[spec].properties[a].type: Required value: must not be empty for specified object fields`,
      `${P}.properties[spec].properties[list].items: Required value: must be specified`,
    ]);
    expect(issues({ type: "object", properties: { metadata: { type: "object", properties: { name: { type: "string", maxLength: 10 } } } } })).toEqual([]);
    expect(issues({ type: "object", anyOf: [{ properties: { x: { type: "string" } } } as JSONSchemaProps] })).toEqual([
      `${P}.anyOf[0].properties[x].type: Forbidden: must be empty to be structural`,
      `${P}.properties[x]: Required value: because it is defined in ${P}.anyOf[0].properties[x]`,
    ]);
    expect(issues({ properties: {} } as JSONSchemaProps)).toEqual([`${P}.type: Required value: must not be empty at the root`]);
  });

  it("checks the schema's own rules: preserve-unknown-fields, list and map types, unsupported keywords", () => {
    expect(
      issues({
        type: "object",
        properties: {
          a: { type: "object", "x-kubernetes-preserve-unknown-fields": false },
          b: { type: "array", items: { type: "object", properties: { name: { type: "string" } } }, "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name", "missing"] },
          c: { type: "string", "x-kubernetes-list-type": "set" },
          d: { type: "array", items: { type: "string" }, uniqueItems: true },
          e: { type: "object", additionalProperties: false },
          f: { type: "object", properties: { x: { type: "string" } }, additionalProperties: { type: "string" } },
          g: { type: "string", "x-kubernetes-map-type": "atomic" },
        },
      }),
    ).toEqual([
      `${P}.properties[a].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
      `${P}.properties[b].items.properties[name].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
      `${P}.properties[b].x-kubernetes-list-map-keys: Invalid value: []string{"name", "missing"}: entries must all be names of item properties`,
      `${P}.properties[c].x-kubernetes-list-type: Invalid value: "set": must only be used on type=array`,
      `${P}.properties[d].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${P}.properties[e].additionalProperties: Forbidden: additionalProperties cannot be set to false`,
      `${P}.properties[f].additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
      `${P}.properties[g].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified`,
    ]);
  });

  it("defaults must be pruned and valid", () => {
    expect(
      issues({
        type: "object",
        properties: {
          spec: {
            type: "object",
            properties: {
              n: { type: "integer", default: "one" },
              o: { type: "object", properties: { a: { type: "string" } }, default: { a: "x", b: 1 } },
              m: { type: "string", enum: ["a"], default: "b" },
              q: { type: "object", properties: { a: { type: "string" } }, default: { a: 5 } },
            },
          },
        },
      }),
    ).toEqual([
      `${P}.properties[spec].properties[n].default: Invalid value: "string":  in body must be of type integer: "string"`,
      `${P}.properties[spec].properties[o].default: Invalid value: {"a":"x","b":1}: must not have unknown fields`,
      `${P}.properties[spec].properties[m].default: Unsupported value: "b": supported values: "a"`,
      `${P}.properties[spec].properties[q].default.a: Invalid value: "integer": a in body must be of type string: "integer"`,
    ]);
  });
});

describe("schemaToDsl", () => {
  // The root's metadata is ObjectMeta, given by the caller (customKind.ts); free-form here.
  const zod = schemaToDsl({ ...realistic, properties: { ...realistic.properties, metadata: { type: "object", "x-kubernetes-preserve-unknown-fields": true } } }, "io.cert-manager.v1.Certificate");
  it("describes the schema with the DSL's nodes", () => {
    const root = typeOf(zod);
    expect(root?.t).toBe("struct");
    const spec = typeOf((root as Extract<typeof root, { t: "struct" }>)!.fields.spec.type) as Extract<ReturnType<typeof typeOf>, { t: "struct" }>;
    const node = (k: string) => typeOf(spec.fields[k].type);
    expect(node("ports")).toMatchObject({ t: "list", options: { listType: "map", mapKeys: ["port", "protocol"] } });
    expect(node("usages")).toMatchObject({ t: "list", options: { listType: "set" } });
    expect(typeOf((root as Extract<typeof root, { t: "struct" }>)!.fields.status.type)).toMatchObject({ t: "struct" });
    expect(node("port")).toMatchObject({ t: "scalar", kind: "intOrString" });
    expect(node("config")).toMatchObject({ t: "scalar", kind: "any" });
    expect(node("labels")).toMatchObject({ t: "map" });
    expect(node("replicas")).toMatchObject({ t: "scalar", kind: "int64" });
  });

  it("lets a custom object through decode and Go's round trip unchanged, zero values included", () => {
    const object = {
      apiVersion: "cert-manager.io/v1",
      kind: "Certificate",
      metadata: { name: "c", labels: { a: "b" } },
      spec: {
        secretName: "",
        port: "https",
        size: 0,
        usages: [],
        ports: [{ port: 443, protocol: "TCP" }],
        labels: {},
        template: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { anything: [1, { x: false }] } },
        config: { deep: { deeper: [{}] } },
        choice: { a: "" },
        replicas: 0,
        nested: { mode: "" },
        when: "2024-01-01T00:00:00+02:00",
      },
      status: { conditions: [{ type: "Ready" }] },
    };
    const expected = structuredClone(object);
    delete (expected.spec as Partial<typeof expected.spec>).when;
    const { value, warnings } = decode(zod, structuredClone(object), { fieldValidation: "Warn", kind: "Certificate", version: "v1" });
    expect(warnings).toEqual(['unknown field "spec.when"']);
    expect(value).toEqual(expected);
    expect(roundTrip(zod, structuredClone(expected))).toEqual(expected);
  });

  it("never fails on values of the wrong type: validation reports them, not the decoder", () => {
    const { value } = decode(zod, { spec: { replicas: "many", ports: "none", labels: [1] } }, { fieldValidation: "Strict", kind: "Certificate", version: "v1" });
    expect(value).toEqual({ spec: { replicas: "many", ports: "none", labels: [1] } });
  });
});

describe("OpenAPI publishing", () => {
  it("v3 keeps the schema, unfolds int-or-string and completes embedded resources", () => {
    const v3 = toOpenApiV3({ type: "object", properties: { p: { "x-kubernetes-int-or-string": true }, t: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true }, n: { type: "string", nullable: true } } }) as JSONSchemaProps;
    expect(v3.properties!.p).toEqual({ "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] });
    expect(v3.properties!.n).toEqual({ type: "string", nullable: true });
    expect(v3.properties!.t.required).toEqual(["kind", "apiVersion"]);
    expect(v3.properties!.t.properties!.metadata).toMatchObject({ allOf: [{ $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" }] });
  });
  it("v2 drops what v2 readers cannot take", () => {
    const v2 = toOpenApiV2({
      type: "object",
      required: ["n", "s"],
      properties: {
        p: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
        n: { type: "object", nullable: true, properties: { a: { type: "string" } } },
        s: { type: "string", oneOf: [{ pattern: "a" }, { pattern: "b" }] },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { a: { type: "string" } } },
        list: { type: "array", "x-kubernetes-preserve-unknown-fields": true, items: { type: "string" } },
      },
    }) as JSONSchemaProps;
    expect(v2).toEqual({
      type: "object",
      required: ["s"],
      properties: {
        p: { "x-kubernetes-int-or-string": true },
        n: {},
        s: { type: "string" },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        list: { "x-kubernetes-preserve-unknown-fields": true },
      },
    });
    expect(toOpenApiV2({ type: "object", "x-kubernetes-preserve-unknown-fields": true })).toEqual({ type: "object" });
  });
});
