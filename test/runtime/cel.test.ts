// CEL inside workerd (where run-time code generation is refused): the interpreter, Kubernetes'
// libraries, the cost bound, compile errors, and x-kubernetes-validations rules over a structural
// schema with messages, messageExpression, reason, fieldPath and transition rules.
import { describe, expect, it } from "vitest";
import { CelCompileError, CelEvalError, celOptional, compileCel } from "../../worker/cluster/machinery/cel";
import { costTracking } from "../../worker/cluster/machinery/cel/cost";
import { celRuleCompileIssues, celRuleIssues, escapeName } from "../../worker/cluster/machinery/structural/cel";
import { formatPath } from "../../worker/cluster/machinery/schema/dsl";
import type { JSONSchemaProps } from "../../worker/cluster/machinery/structural/types";

const run = (expr: string, self: unknown = {}) => compileCel(expr, ["self"]).evaluate({ self });

describe("CEL in workerd", () => {
  it("compiles and evaluates without generating code", () => {
    // Production workerd refuses eval and new Function (npm run check:bundle scans the bundle for
    // them); the test pool allows them, so here every way to reach them throws while CEL runs.
    const fnProto = Object.getPrototypeOf(function () {}) as { constructor: unknown };
    const saved = { eval: globalThis.eval, Function: globalThis.Function, ctor: fnProto.constructor };
    const refuse = () => {
      throw new Error("code generation from strings disallowed for this context");
    };
    Object.assign(globalThis, { eval: refuse, Function: refuse });
    Object.defineProperty(fnProto, "constructor", { value: refuse, configurable: true, writable: true });
    try {
      expect(compileCel("self.a.map(x, x * 2).exists(y, y == 4) && 'ab'.matches('^a')", ["self", "unique1"]).evaluate({ self: { a: [1, 2] } })).toBe(true);
    } finally {
      Object.assign(globalThis, { eval: saved.eval, Function: saved.Function });
      Object.defineProperty(fnProto, "constructor", { value: saved.ctor, configurable: true, writable: true });
    }
  });

  it("has the macros and converts values both ways", () => {
    const self = { items: [1, 2, 3], m: { a: "x", b: "y" }, f: 1.5 };
    expect(run("self.items.all(x, x > 0)", self)).toBe(true);
    expect(run("self.items.exists(x, x == 3)", self)).toBe(true);
    expect(run("self.items.exists_one(x, x >= 2)", self)).toBe(false);
    expect(run("self.items.map(x, x * 2)", self)).toEqual([2, 4, 6]);
    expect(run("self.items.filter(x, x > 1)", self)).toEqual([2, 3]);
    expect(run("self.m.all(k, self.m[k].size() == 1)", self)).toBe(true);
    expect(run("has(self.m.a) && !has(self.m.c)", self)).toBe(true);
    expect(run("size(self.items) + self.m.size()", self)).toBe(5);
    expect(run("self.f * 2.0", self)).toBe(3);
    expect(run("{'k': [1, 2]}")).toEqual({ k: [1, 2] });
    expect(run("int('42') + int(2.9)")).toBe(44);
    expect(run("string(7) + string(true)")).toBe("7true");
    expect(run("double(3) / 2.0")).toBe(1.5);
    expect(run("uint(5)")).toBe(5);
    expect(run("null")).toBe(null);
  });

  it("has Kubernetes' string, list, regex, quantity, url and time functions", () => {
    expect(run("'Hello'.lowerAscii() + 'x'.upperAscii() + ' a '.trim()")).toBe("helloXa");
    expect(run("'a,b,c'.split(',').join('-')")).toBe("a-b-c");
    expect(run("'a.b.c'.replace('.', '/')")).toBe("a/b/c");
    expect(run("'a.b.c'.replace('.', '/', 1)")).toBe("a/b.c");
    expect(run("'hello'.substring(1, 3) + 'hello'.charAt(4)")).toBe("elo");
    expect(run("'hello'.indexOf('l') * 10 + 'hello'.lastIndexOf('l')")).toBe(23);
    expect(run("'abc'.startsWith('a') && 'abc'.endsWith('c') && 'abc'.contains('b') && 'abc'.matches('^a.c$')")).toBe(true);
    expect(run("'v1 v22'.findAll('[0-9]+')")).toEqual(["1", "22"]);
    expect(run("'v1 v22'.find('v[0-9]{2}')")).toBe("v22");
    expect(run("[1, 2, 2, 5].isSorted() && ![2, 1].isSorted()")).toBe(true);
    expect(run("[3, 1, 2].sum() * 100 + [3, 1, 2].min() * 10 + [3, 1, 2].max()")).toBe(613);
    expect(run("[1, 2, 1].indexOf(1) * 10 + [1, 2, 1].lastIndexOf(1)")).toBe(2);
    expect(run("quantity('500m').isLessThan(quantity('1')) && quantity('1Gi').isGreaterThan(quantity('1G'))")).toBe(true);
    expect(run("quantity('1').compareTo(quantity('1000m'))")).toBe(0);
    expect(run("quantity('1.5Gi').add(quantity('512Mi'))")).toBe("2Gi");
    expect(run("quantity('2').sub(1).asInteger()")).toBe(1);
    expect(run("quantity('250m').asApproximateFloat()")).toBe(0.25);
    expect(run("isQuantity('1Ki') && !isQuantity('1KB')")).toBe(true);
    expect(run("url('https://example.com:8443/a/b?x=1&x=2').getHost()")).toBe("example.com:8443");
    expect(run("url('https://example.com/p?x=1&x=2').getQuery()")).toEqual({ x: ["1", "2"] });
    expect(run("isURL('https://example.com') && !isURL('not a url')")).toBe(true);
    expect(run("duration('90m')")).toBe("1h30m0s");
    expect(run("timestamp('2024-01-02T03:04:05Z') + duration('1h') > timestamp('2024-01-02T04:00:00Z')")).toBe(true);
  });

  it("reports compile errors as kube-apiserver does", () => {
    expect(() => compileCel("self.a +", ["self"])).toThrow(CelCompileError);
    try {
      compileCel("foo.bar == 1", ["self"]);
      expect.unreachable();
    } catch (e) {
      expect((e as Error).message).toBe("compilation failed: ERROR: <input>:1:1: undeclared reference to 'foo' (in container '')\n | foo.bar == 1\n | ^");
    }
    expect(() => compileCel("1 + 'a'", ["self"])).toThrow(/compilation failed: ERROR: <input>:1:1: /);
  });

  it("reports evaluation errors with cel-go's words", () => {
    expect(() => run("self.replicas > 1", {})).toThrow(new CelEvalError("no such key: replicas"));
    expect(() => run("1 / (size(self) - size(self))", {})).toThrow(/division by zero/);
  });

  it("bounds the cost of an evaluation", () => {
    expect(costTracking).toBe(true);
    const items = Array.from({ length: 200 }, (_, i) => i);
    const p = compileCel("self.all(a, self.all(b, self.all(c, a + b + c >= 0)))", ["self"]);
    expect(() => p.evaluate({ self: items })).toThrow("operation cancelled: actual cost limit exceeded");
    // The same expression within budget evaluates.
    expect(p.evaluate({ self: items.slice(0, 10) })).toBe(true);
  });

  it("gives oldSelf as an optional when asked", () => {
    const p = compileCel("!oldSelf.hasValue() || oldSelf.value() == self", ["self", "oldSelf?"]);
    expect(p.evaluate({ self: 1, oldSelf: celOptional(undefined) })).toBe(true);
    expect(p.evaluate({ self: 1, oldSelf: celOptional(2) })).toBe(false);
    expect(p.evaluate({ self: 2, oldSelf: celOptional(2) })).toBe(true);
    expect(compileCel("oldSelf.orValue(5)", ["oldSelf?"]).evaluate({ oldSelf: celOptional(undefined) })).toBe(5);
  });
});

const schema: JSONSchemaProps = {
  type: "object",
  properties: {
    spec: {
      type: "object",
      "x-kubernetes-validations": [
        { rule: "self.replicas <= self.maxReplicas", message: "replicas must not exceed maxReplicas" },
        { rule: "self.replicas >= oldSelf.replicas", message: "cannot scale down" },
        { rule: "self.name.startsWith('a')", messageExpression: "'name ' + self.name + ' must start with a'", reason: "FieldValueForbidden", fieldPath: ".name" },
        { rule: "self.ratio < 1.0" },
        { rule: "self.replicas != 7", messageExpression: "self.replicas", message: "seven is not allowed" },
        { rule: "self.missing == 1" },
      ],
      properties: { replicas: { type: "integer" }, maxReplicas: { type: "integer" }, name: { type: "string" }, ratio: { type: "number" } },
    },
    labels: { type: "object", additionalProperties: { type: "string", "x-kubernetes-validations": [{ rule: "self.size() < 4", reason: "FieldValueRequired", message: "short values only" }] } },
    ports: {
      type: "array",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
      items: { type: "object", properties: { name: { type: "string" }, port: { type: "integer" } }, "x-kubernetes-validations": [{ rule: "self.port >= oldSelf.port", message: "ports only grow" }] },
    },
    tags: { type: "array", items: { type: "string", "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "tags never correlate" }] } },
    id: { type: "string", "x-kubernetes-validations": [{ rule: "!oldSelf.hasValue() || oldSelf.value() == self", optionalOldSelf: true, message: "id is immutable" }] },
    dup: { type: "string", "x-kubernetes-validations": [{ rule: "false", reason: "FieldValueDuplicate" }] },
  },
};

const render = (issues: ReturnType<typeof celRuleIssues>) => issues.map((i) => `${formatPath(i.path)}: ${i.message}`);

describe("x-kubernetes-validations", () => {
  const base = { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" }, spec: { replicas: 2, maxReplicas: 5, name: "abc", ratio: 0.5, missing: 1 } };

  it("passes a good object", () => {
    expect(celRuleIssues(schema, base, undefined, [])).toEqual([]);
  });

  it("reports message, messageExpression, reason, fieldPath and evaluation errors", () => {
    const bad = { ...base, spec: { replicas: 7, maxReplicas: 5, name: "bob", ratio: 1 }, labels: { "app.kubernetes.io/x": "long" }, dup: "x" };
    const issues = celRuleIssues(schema, bad, undefined, []);
    expect(render(issues)).toEqual([
      'spec: Invalid value: "object": replicas must not exceed maxReplicas',
      "spec.name: Forbidden: name bob must start with a",
      'spec: Invalid value: "object": failed rule: self.ratio < 1.0',
      // messageExpression that is not a string falls back to message.
      'spec: Invalid value: "object": seven is not allowed',
      'spec: Invalid value: "object": no such key: missing evaluating rule: self.missing == 1',
      "labels[app.kubernetes.io/x]: Required value: short values only",
      'dup: Duplicate value: "string"',
    ]);
    expect(issues.map((i) => i.reason)).toEqual(["FieldValueInvalid", "FieldValueForbidden", "FieldValueInvalid", "FieldValueInvalid", "FieldValueInvalid", "FieldValueRequired", "FieldValueDuplicate"]);
  });

  it("evaluates transition rules only where the old value correlates", () => {
    const old = { ...base, spec: { ...base.spec, replicas: 4 }, ports: [{ name: "web", port: 80 }], tags: ["a"], id: "one" };
    const next = { ...base, spec: { ...base.spec, replicas: 3 }, ports: [{ name: "new", port: 1 }, { name: "web", port: 70 }], tags: ["b"], id: "two" };
    expect(render(celRuleIssues(schema, next, old, []))).toEqual([
      'spec: Invalid value: "object": cannot scale down',
      // Correlated by map key (web), not by index; "new" has no old value and is not judged.
      'ports[1]: Invalid value: "object": ports only grow',
      'id: Invalid value: "string": id is immutable',
    ]);
    // On create, a transition rule is skipped; optionalOldSelf rules run with oldSelf absent.
    expect(render(celRuleIssues(schema, next, undefined, []))).toEqual([]);
  });

  it("does not hold an unchanged value to a rule (ratcheting)", () => {
    const stored = { ...base, spec: { ...base.spec, ratio: 2 } };
    expect(celRuleIssues(schema, stored, stored, [])).toEqual([]);
    expect(render(celRuleIssues(schema, { ...stored, spec: { ...stored.spec, maxReplicas: 6 } }, stored, []))).toEqual(['spec: Invalid value: "object": failed rule: self.ratio < 1.0']);
  });

  it("reports compile problems of a CRD's rules at their place in the schema", () => {
    const crd: JSONSchemaProps = {
      type: "object",
      properties: { spec: { type: "object", "x-kubernetes-validations": [{ rule: "self.a +" }, { rule: "true", messageExpression: "nope", reason: "Bad" }] } },
    };
    const issues = celRuleCompileIssues(crd, ["spec", "validation", "openAPIV3Schema"]);
    expect(issues.map((i) => formatPath(i.path))).toEqual([
      "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[0].rule",
      "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].messageExpression",
      "spec.validation.openAPIV3Schema.properties[spec].x-kubernetes-validations[1].reason",
    ]);
    expect(issues[0].message).toMatch(/^Invalid value: apiextensions\.ValidationRule\{Rule:"self\.a \+", .*\}: compilation failed: ERROR: <input>:1:9: /);
    expect(issues[1].message).toContain("messageExpression compilation failed: ERROR: <input>:1:1: undeclared reference to 'nope' (in container '')");
    expect(issues[2].message).toBe('Unsupported value: "Bad": supported values: "FieldValueRequired", "FieldValueForbidden", "FieldValueInvalid", "FieldValueDuplicate"');
  });

  it("reaches properties by their escaped names, as kube-apiserver types them", () => {
    expect(escapeName("max-replicas")).toBe("max__dash__replicas");
    expect(escapeName("a__b.c/d")).toBe("a__underscores__b__dot__c__slash__d");
    expect(escapeName("namespace")).toBe("__namespace__");
    expect(escapeName("1st")).toBe(null);
    const s: JSONSchemaProps = {
      type: "object",
      properties: { "max-replicas": { type: "integer" }, in: { type: "string" } },
      "x-kubernetes-validations": [{ rule: "self.max__dash__replicas < 10 && self.__in__ != 'x'", message: "bad" }],
    };
    expect(celRuleIssues(s, { "max-replicas": 3, in: "y" }, undefined, ["spec"])).toEqual([]);
    expect(render(celRuleIssues(s, { "max-replicas": 30, in: "y" }, undefined, ["spec"]))).toEqual(['spec: Invalid value: "object": bad']);
  });

  it("refuses at CRD time a rule naming a field the schema does not have, and oldSelf where values cannot correlate", () => {
    const crd: JSONSchemaProps = {
      type: "object",
      "x-kubernetes-validations": [{ rule: "self.metadata.name.startsWith('a') && self.spec.size == 1" }, { rule: "self.metadata.namespace == 'x'" }],
      properties: {
        spec: {
          type: "object",
          properties: {
            size: { type: "integer" },
            labels: { type: "object", additionalProperties: { type: "string" } },
            extra: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
            tags: { type: "array", items: { type: "string", "x-kubernetes-validations": [{ rule: "self == oldSelf" }] } },
            ports: { type: "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"], items: { type: "object", properties: { name: { type: "string" } }, required: ["name"], "x-kubernetes-validations": [{ rule: "self.name == oldSelf.name" }] } },
          },
          "x-kubernetes-validations": [{ rule: "self.labels.any == 'a' && self.extra.whatever == 1 && has(self.size)" }, { rule: "self.?sise.orValue(0) == 0" }],
        },
      },
    };
    const issues = celRuleCompileIssues(crd, ["openAPIV3Schema"]);
    expect(issues.map((i) => `${formatPath(i.path)}: ${i.message.replace(/^Invalid value: apiextensions\.ValidationRule\{.*?\}: /, "")}`)).toEqual([
      "openAPIV3Schema.x-kubernetes-validations[1].rule: compilation failed: ERROR: <input>:1:14: undefined field 'namespace'\n | self.metadata.namespace == 'x'\n | .............^",
      "openAPIV3Schema.properties[spec].x-kubernetes-validations[1].rule: compilation failed: ERROR: <input>:1:5: undefined field 'sise'\n | self.?sise.orValue(0) == 0\n | ....^",
      'openAPIV3Schema.properties[spec].properties[tags].items.x-kubernetes-validations[0].rule: Invalid value: "self == oldSelf": oldSelf cannot be used on the uncorrelatable portion of the schema within openAPIV3Schema.properties[spec].properties[tags]',
    ]);
  });
});
