// The structural-schema machinery of custom resources, pure functions: value validation with
// kube-apiserver's messages, pruning, defaulting.
import { describe, expect, it } from "vitest";
import { errors } from "../../worker/cluster/machinery/errors";
import type { K8sIssue } from "../../worker/cluster/machinery/schema/dsl";
import { formatPath } from "../../worker/cluster/machinery/schema/dsl";
import { applyDefaults, pruneNonNullableNulls } from "../../worker/cluster/machinery/structural/defaults";
import { prune } from "../../worker/cluster/machinery/structural/prune";
import type { JSONSchemaProps } from "../../worker/cluster/machinery/structural/types";
import { schemaIssues } from "../../worker/cluster/machinery/structural/validate";

/** Issues as kube-apiserver prints them in an Invalid Status: `path: message`. */
const lines = (issues: K8sIssue[]) => issues.map((i) => `${formatPath(i.path)}: ${i.message}`);

const root = (spec: JSONSchemaProps): JSONSchemaProps => ({
  type: "object",
  properties: { apiVersion: { type: "string" }, kind: { type: "string" }, metadata: { type: "object" }, spec },
});
const check = (spec: JSONSchemaProps, value: unknown) => lines(schemaIssues(root(spec), { apiVersion: "x/v1", kind: "X", metadata: { name: "a" }, spec: value }, []));

describe("schemaIssues: kube-openapi's checks", () => {
  it("types, required, enum and bounds", () => {
    const spec: JSONSchemaProps = {
      type: "object",
      required: ["name"],
      properties: {
        name: { type: "string" },
        replicas: { type: "integer" },
        ratio: { type: "number" },
        mode: { type: "string", enum: ["a", "b"] },
        size: { type: "integer", maximum: 100, minimum: 1 },
        limit: { type: "integer", maximum: 10, exclusiveMaximum: true },
      },
    };
    expect(check(spec, { name: "n", replicas: 3, ratio: 2, mode: "a", size: 100, limit: 9 })).toEqual([]);
    expect(check(spec, { replicas: "string", ratio: "x", mode: "x", size: 200, limit: 10 })).toEqual([
      'spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string"',
      'spec.ratio: Invalid value: "string": spec.ratio in body must be of type number: "string"',
      'spec.mode: Unsupported value: "x": supported values: "a", "b"',
      "spec.size: Invalid value: 200: spec.size in body should be less than or equal to 100",
      "spec.limit: Invalid value: 10: spec.limit in body should be less than 10",
      "spec.name: Required value",
    ]);
    // Against a float, bounds are floats as Go prints them; against an integer, truncated integers.
    expect(check({ type: "object", properties: { f: { type: "number", maximum: 1500000 }, i: { type: "integer", maximum: 10.5, exclusiveMaximum: true }, m: { type: "number", multipleOf: 0.5 } } }, { f: 1500000.5, i: 10, m: 0.75 })).toEqual([
      "spec.f: Invalid value: 1.5000005e+06: spec.f in body should be less than or equal to 1.5e+06",
      "spec.i: Invalid value: 10: spec.i in body should be less than 10",
      "spec.m: Invalid value: 0.75: spec.m in body should be a multiple of 0.5",
    ]);
    expect(check(spec, { name: "n", replicas: 1.5, size: 0 })).toEqual([
      'spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number"',
      "spec.size: Invalid value: 0: spec.size in body should be greater than or equal to 1",
    ]);
  });

  it("strings, lists and maps", () => {
    const spec: JSONSchemaProps = {
      type: "object",
      properties: {
        s: { type: "string", maxLength: 3, minLength: 2, pattern: "^[a-z]+$" },
        l: { type: "array", maxItems: 2, minItems: 1, items: { type: "string" } },
        m: { type: "object", maxProperties: 1, minProperties: 1, additionalProperties: { type: "integer" } },
        e: { type: "string", maxLength: 1 },
      },
    };
    expect(check(spec, { s: "abcd", l: ["a", "b", "c"], m: { a: 1, b: "x" }, e: "ab" })).toEqual([
      "spec.s: Too long: may not be more than 3 bytes",
      "spec.l: Too many: 3: must have at most 2 items",
      "spec.m: Too many: 2: must have at most 1 items",
      'spec.m.b: Invalid value: "string": spec.m.b in body must be of type integer: "string"',
      "spec.e: Too long: may not be more than 1 bytes",
    ]);
    expect(check(spec, { s: "A", l: [], m: {} })).toEqual([
      'spec.s: Invalid value: "A": spec.s in body should be at least 2 chars long',
      "spec.s: Invalid value: \"A\": spec.s in body should match '^[a-z]+$'",
      "spec.l: Invalid value: 0: spec.l in body should have at least 1 items",
      "spec.m: Invalid value: 0: spec.m in body should have at least 1 properties",
    ]);
    // Go spellings in patterns: flag groups, the A and z anchors, one-letter classes.
    const go: JSONSchemaProps = { type: "object", properties: { i: { type: "string", pattern: "(?i)^abc$" }, z: { type: "string", pattern: "\\A[a-z]+\\z" }, l: { type: "string", pattern: "^\\pL+$" } } };
    expect(check(go, { i: "ABC", z: "abc", l: "été" })).toEqual([]);
    expect(check(go, { i: "abd", z: "ab1", l: "1" })).toHaveLength(3);
    expect(check({ type: "object", properties: { l: { type: "array", items: { type: "object", required: ["name"], properties: { name: { type: "string" } } } } } }, { l: [{ name: "a" }, {}] })).toEqual(["spec.l[1].name: Required value"]);
  });

  it("formats are checked on strings as kube-apiserver checks them", () => {
    const spec: JSONSchemaProps = {
      type: "object",
      properties: {
        when: { type: "string", format: "date-time" },
        day: { type: "string", format: "date" },
        id: { type: "string", format: "uuid" },
        data: { type: "string", format: "byte" },
        n: { type: "integer", format: "int32" },
        free: { type: "string", format: "no-such-format" },
      },
    };
    expect(check(spec, { when: "2024-01-02T03:04:05Z", day: "2024-02-29", id: "123e4567-e89b-12d3-a456-426614174000", data: "aGVsbG8=", n: 2 ** 40, free: "x" })).toEqual([]);
    expect(check(spec, { when: "yesterday", day: "2023-02-29", id: "nope", data: "###" })).toEqual([
      'spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday"',
      'spec.day: Invalid value: "2023-02-29": spec.day in body must be of type date: "2023-02-29"',
      'spec.id: Invalid value: "nope": spec.id in body must be of type uuid: "nope"',
      'spec.data: Invalid value: "###": spec.data in body must be of type byte: "###"',
    ]);
  });

  it("the other string formats", () => {
    const formats = ["ipv4", "ipv6", "cidr", "mac", "hostname", "email", "uri", "duration", "hexcolor", "bsonobjectid"];
    const spec: JSONSchemaProps = { type: "object", properties: Object.fromEntries(formats.map((f) => [f, { type: "string", format: f }])) };
    const good = { ipv4: "10.0.0.1", ipv6: "fd00::1", cidr: "10.0.0.0/8", mac: "01:23:45:67:89:ab", hostname: "a.example.com", email: "a@example.com", uri: "https://example.com/x", duration: "1h30m", hexcolor: "#ffaa00", bsonobjectid: "507f1f77bcf86cd799439011" };
    expect(check(spec, good)).toEqual([]);
    const bad = { ipv4: "10.0.0.256", ipv6: "10.0.0.1", cidr: "10.0.0.0/33", mac: "01:23:45", hostname: "-bad-", email: "nobody", uri: "not a uri", duration: "soon", hexcolor: "#ffaa0", bsonobjectid: "xyz" };
    expect(check(spec, bad)).toEqual(formats.map((f) => `spec.${f}: Invalid value: ${JSON.stringify(bad[f as keyof typeof bad])}: spec.${f} in body must be of type ${f}: ${JSON.stringify(bad[f as keyof typeof bad])}`));
  });

  it("nullable, int-or-string and preserved fields", () => {
    const spec: JSONSchemaProps = {
      type: "object",
      properties: {
        a: { type: "string", nullable: true },
        b: { type: "string" },
        port: { "x-kubernetes-int-or-string": true, anyOf: [{ type: "integer" }, { type: "string" }] },
        free: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
      },
    };
    expect(check(spec, { a: null, port: 80, free: { anything: [1] } })).toEqual([]);
    expect(check(spec, { port: "http" })).toEqual([]);
    expect(check({ type: "object", properties: { e: { type: "string", nullable: true, enum: ["a", null] }, f: { type: "string", nullable: true, enum: ["a"] }, t: { type: "string", format: "date-time" } } }, { e: null, f: null, t: 5 })).toEqual([
      'spec.f: Unsupported value: null: supported values: "a"',
      'spec.t: Invalid value: "int64": spec.t in body must be of type date-time: "int64"',
    ]);
    expect(check(spec, { b: null, port: true })).toEqual([
      'spec.b: Invalid value: "null": spec.b in body must be of type string: "null"',
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer,string: "boolean"',
      // The int-or-string's anyOf fails too, and reports its first alternative's failure.
      '<nil>: Invalid value: "": "spec.port" must validate at least one schema (anyOf)',
      'spec.port: Invalid value: "boolean": spec.port in body must be of type integer: "boolean"',
    ]);
  });

  it("allOf, anyOf, oneOf and not", () => {
    const spec: JSONSchemaProps = {
      type: "object",
      properties: {
        one: { type: "object", oneOf: [{ required: ["a"] }, { required: ["b"] }], properties: { a: { type: "string" }, b: { type: "string" } } },
        not: { type: "string", not: { enum: ["bad"] } } as JSONSchemaProps,
      },
    };
    expect(check(spec, { one: { a: "x" }, not: "good" })).toEqual([]);
    expect(check(spec, { one: { a: "x", b: "y" } })).toEqual(['<nil>: Invalid value: "": "spec.one" must validate one and only one schema (oneOf). Found 2 valid alternatives']);
    expect(check(spec, { one: {}, not: "bad" })).toEqual([
      '<nil>: Invalid value: "": "spec.one" must validate one and only one schema (oneOf). Found none valid',
      "spec.one.a: Required value",
      '<nil>: Invalid value: "": "spec.not" must not validate the schema (not)',
    ]);
  });

  it("embedded resources need apiVersion and kind", () => {
    const spec: JSONSchemaProps = { type: "object", properties: { template: { type: "object", "x-kubernetes-embedded-resource": true, "x-kubernetes-preserve-unknown-fields": true } } };
    expect(check(spec, { template: { apiVersion: "v1", kind: "Pod" } })).toEqual([]);
    expect(check(spec, { template: { apiVersion: "v1", kind: "Pod", metadata: { name: "a/b", labels: { "bad key": "v" } } } })).toEqual([
      "spec.template.metadata.name: Invalid value: \"a/b\": may not contain '/'",
      expect.stringMatching(/^spec\.template\.metadata\.labels: Invalid value: "bad key": name part must consist of alphanumeric characters/),
    ]);
    expect(check(spec, { template: { kind: "not_a_kind" } })).toEqual([
      "spec.template.apiVersion: Required value",
      `spec.template.kind: Invalid value: "not_a_kind": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')`,
    ]);
  });

  it("list-type set and map refuse duplicates", () => {
    const spec: JSONSchemaProps = {
      type: "object",
      properties: {
        tags: { type: "array", "x-kubernetes-list-type": "set", items: { type: "string" } },
        ports: {
          type: "array",
          "x-kubernetes-list-type": "map",
          "x-kubernetes-list-map-keys": ["port", "protocol"],
          items: { type: "object", required: ["port"], properties: { port: { type: "integer" }, protocol: { type: "string", default: "TCP" } } },
        },
      },
    };
    expect(check(spec, { tags: ["a", "b"], ports: [{ port: 80 }, { port: 80, protocol: "UDP" }] })).toEqual([]);
    expect(check(spec, { tags: ["a", "a"], ports: [{ port: 80, protocol: "TCP" }, { port: 80 }] })).toEqual([
      'spec.tags[1]: Duplicate value: "a"',
      'spec.ports[1]: Duplicate value: map[string]interface {}{"port":80, "protocol":"TCP"}',
    ]);
  });

  it("appends the CEL rules' issues with the old object, and makes a 422 Status", () => {
    const seen: unknown[] = [];
    const issues = schemaIssues(root({ type: "object", properties: { a: { type: "integer" } } }), { spec: { a: "x" } }, [], { spec: { a: 1 } }, (_s, v, old, path) => {
      seen.push(v, old, path);
      return [{ path: ["spec", "a"], reason: "FieldValueInvalid", message: "Invalid value: \"string\": must be small" }];
    });
    expect(seen).toEqual([{ spec: { a: "x" } }, { spec: { a: 1 } }, []]);
    const status = errors.invalid("example.com", "Widget", "w", issues).status;
    expect(status.code).toBe(422);
    expect(status.message).toBe('Widget.example.com "w" is invalid: [spec.a: Invalid value: "string": spec.a in body must be of type integer: "string", spec.a: Invalid value: "string": must be small]');
    expect(status.details?.causes?.[0]).toEqual({ reason: "FieldValueTypeInvalid", message: 'Invalid value: "string": spec.a in body must be of type integer: "string"', field: "spec.a" });
  });
});

describe("prune", () => {
  const spec: JSONSchemaProps = {
    type: "object",
    properties: {
      known: { type: "string" },
      list: { type: "array", items: { type: "object", properties: { a: { type: "string" } } } },
      map: { type: "object", additionalProperties: { type: "object", properties: { x: { type: "integer" } } } },
      free: { type: "object", "x-kubernetes-preserve-unknown-fields": true, properties: { typed: { type: "object", properties: { k: { type: "string" } } } } },
      pod: { type: "object", "x-kubernetes-embedded-resource": true, properties: { spec: { type: "object" } } },
    },
  };
  it("drops unknown fields, keeps preserved and resource fields, and names them as kube does", () => {
    const obj = {
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "a", odd: 1 },
      extra: true,
      spec: {
        known: "k",
        foo: 1,
        list: [{ a: "1", b: 2 }],
        map: { m1: { x: 1, y: 2 } },
        free: { anything: { deep: 1 }, typed: { k: "v", gone: 1 } },
        pod: { apiVersion: "v1", kind: "Pod", metadata: { name: "p", bogus: 1 }, spec: {}, other: 1 },
      },
    };
    const pruned = prune(root(spec), obj, { isResourceRoot: true });
    expect(pruned.sort()).toEqual(["extra", "spec.foo", "spec.free.typed.gone", "spec.list[0].b", "spec.map.m1.y", "spec.pod.metadata.bogus", "spec.pod.other"].sort());
    expect(obj).toEqual({
      apiVersion: "x/v1",
      kind: "X",
      metadata: { name: "a", odd: 1 },
      spec: { known: "k", list: [{ a: "1" }], map: { m1: { x: 1 } }, free: { anything: { deep: 1 }, typed: { k: "v" } }, pod: { apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {} } },
    });
  });
  it("outside a resource root, apiVersion and kind are fields like any", () => {
    const v = { apiVersion: "a", known: "k" };
    expect(prune(spec, v, { isResourceRoot: false })).toEqual(["apiVersion"]);
  });
});

describe("applyDefaults", () => {
  const spec: JSONSchemaProps = {
    type: "object",
    properties: {
      replicas: { type: "integer", default: 1 },
      mode: { type: "string", default: "fast" },
      opt: { type: "string", nullable: true, default: "x" },
      plain: { type: "string" },
      nested: { type: "object", properties: { a: { type: "string", default: "A" } } },
      withDefault: { type: "object", default: {}, properties: { b: { type: "string", default: "B" } } },
      items: { type: "array", items: { type: "object", properties: { p: { type: "integer", default: 80 } } } },
      map: { type: "object", additionalProperties: { type: "object", properties: { v: { type: "boolean", default: true } } } },
    },
  };
  it("fills absent fields in existing objects, defaults inside defaults, and nulls per nullable", () => {
    const v: Record<string, unknown> = { mode: null, opt: null, plain: null, items: [{}, { p: 1 }], map: { k: {} } };
    pruneNonNullableNulls(spec, v);
    expect(v).toEqual({ mode: null, opt: null, items: [{}, { p: 1 }], map: { k: {} } });
    applyDefaults(spec, v);
    expect(v).toEqual({ replicas: 1, mode: "fast", opt: null, withDefault: { b: "B" }, items: [{ p: 80 }, { p: 1 }], map: { k: { v: true } } });
  });
  it("copies defaults rather than sharing them", () => {
    const a: Record<string, unknown> = {};
    const b: Record<string, unknown> = {};
    applyDefaults(spec, a);
    applyDefaults(spec, b);
    (a.withDefault as Record<string, unknown>).b = "changed";
    expect((b.withDefault as Record<string, unknown>).b).toBe("B");
  });
});
