// x-kubernetes-validations: CEL rules on a custom resource's structural schema, evaluated the way
// apiextensions-apiserver does (schema/cel/validation.go): the schema and the value walked together,
// `self` the value at the rule's node, `oldSelf` the correlated stored value for transition rules,
// messages, messageExpression, reason and fieldPath as it reports them.
import { CelCompileError, CelEvalError, CelPrepared, celCompileErrorAt, celOptional, compileCel, fieldReferences, PER_CALL_COST_LIMIT, type CelProgram } from "../cel";
import { formatPath, GoLiteral, mapKey, type CauseReason, type K8sIssue, type PathSeg } from "../schema/dsl";
import type { JSONSchemaProps, ValidationRule } from "./types";

const VARS = ["self", "oldSelf"] as const;
/** With optionalOldSelf, oldSelf is an optional (none on create). */
const OPTIONAL_VARS = ["self", "oldSelf?"] as const;
const varsOf = (rule: ValidationRule) => (rule.optionalOldSelf ? OPTIONAL_VARS : VARS);
/** kube-apiserver's runtime cost budget for all the rules of one object (celconfig.RuntimeCELCostBudget). */
const OBJECT_COST_BUDGET = 10_000_000;

interface Walk {
  issues: K8sIssue[];
  /** What is left of the object's cost budget. */
  budget: number;
}

/** The issues CEL rules in `schema` raise for `value` (old: the stored object on update, undefined on create). */
export function celRuleIssues(schema: JSONSchemaProps, value: unknown, old: unknown, path: PathSeg[]): K8sIssue[] {
  const walk: Walk = { issues: [], budget: OBJECT_COST_BUDGET };
  validate(walk, schema, rootView(value, path), rootView(old, path), path);
  return walk.issues;
}

/** At a resource's root, rules see apiVersion, kind and only metadata.name and generateName. */
function rootView(value: unknown, path: PathSeg[]): unknown {
  if (path.length !== 0 || !isObject(value) || !("apiVersion" in value && "kind" in value && isObject(value.metadata))) return value;
  const { name, generateName } = value.metadata as Record<string, unknown>;
  const metadata: Record<string, unknown> = {};
  if (name !== undefined) metadata.name = name;
  if (generateName !== undefined) metadata.generateName = generateName;
  return { ...value, metadata };
}

function validate(walk: Walk, schema: JSONSchemaProps, value: unknown, old: unknown, path: PathSeg[]): void {
  if (value === null || value === undefined || walk.budget < 0) return;
  const rules = schema["x-kubernetes-validations"];
  if (rules?.length) validateRules(walk, schema, rules, value, old, path);
  for (const sub of schema.allOf ?? []) validate(walk, sub, value, old, path);
  if (walk.budget < 0) return;
  if (Array.isArray(value)) {
    if (!schema.items) return;
    const olds = Array.isArray(old) ? old : [];
    value.forEach((item, i) => validate(walk, schema.items!, item, correlatedItem(schema, item, olds), [...path, i]));
  } else if (isObject(value)) {
    const oldMap = isObject(old) ? old : undefined;
    const additional = typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
    for (const [k, v] of Object.entries(value)) {
      if (walk.budget < 0) return;
      const prop = schema.properties && Object.hasOwn(schema.properties, k) ? schema.properties[k] : undefined;
      if (prop) validate(walk, prop, v, oldMap?.[k], [...path, k]);
      else if (additional) validate(walk, additional, v, oldMap?.[k], [...path, mapKey(k)]);
    }
  }
}

/** Only map lists correlate items across an update: by their map keys. */
function correlatedItem(schema: JSONSchemaProps, item: unknown, olds: unknown[]): unknown {
  const keys = schema["x-kubernetes-list-map-keys"];
  if (schema["x-kubernetes-list-type"] !== "map" || !keys?.length || !isObject(item)) return undefined;
  return olds.find((o) => isObject(o) && keys.every((k) => deepEqual(o[k], item[k])));
}

function validateRules(walk: Walk, schema: JSONSchemaProps, rules: ValidationRule[], value: unknown, old: unknown, path: PathSeg[]): void {
  const type = goType(schema, value);
  const self = new CelPrepared(typedCel(schema, value));
  const hasOld = old !== undefined && old !== null;
  const oldSelf = hasOld ? new CelPrepared(typedCel(schema, old)) : undefined;
  for (const rule of rules) {
    if (walk.budget <= 0) {
      walk.issues.push(invalid(path, type, "validation failed due to running out of cost budget, no further validation rules will be run"));
      walk.budget = -1;
      return;
    }
    let program: CelProgram;
    try {
      program = compileCel(rule.rule, varsOf(rule));
    } catch (e) {
      walk.issues.push(invalid(path, type, `rule compile error: ${(e as Error).message}`));
      continue;
    }
    const transition = usesOldSelf(rule.rule);
    if (transition && !hasOld && !rule.optionalOldSelf) continue;
    // Ratcheting: an unchanged value is not held to a rule it may have passed before.
    if (!transition && hasOld && deepEqual(value, old)) continue;
    const vars = { self, oldSelf: rule.optionalOldSelf ? celOptional(oldSelf) : oldSelf };
    let result: unknown;
    try {
      result = evaluate(program, vars, walk);
    } catch (e) {
      if (!(e instanceof CelEvalError)) throw e;
      const err = e.message;
      if (err.startsWith("operation cancelled: actual cost limit exceeded")) {
        walk.issues.push(invalid(path, type, `'${err}': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(rule)}`));
        walk.budget = -1;
        return;
      }
      if (err.startsWith("no such overload")) walk.issues.push(invalid(path, type, `'${err}': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(rule)}`));
      else walk.issues.push(invalid(path, type, `${err} evaluating rule: ${ruleErrorString(rule)}`));
      continue;
    }
    if (result === true) continue;
    const at = rule.fieldPath ? [...path, ...fieldPathSegments(rule.fieldPath, schema)] : path;
    const detail = messageFrom(rule, vars, walk) ?? ruleMessageOrDefault(rule);
    walk.issues.push(issueForReason(at, type, detail, rule.reason));
  }
}

/** Evaluates under the per-call limit and what is left of the object's budget, and charges the budget. */
function evaluate(program: CelProgram, vars: Record<string, unknown>, walk: Walk): unknown {
  const cost = { used: 0 };
  try {
    return program.evaluate(vars, { costLimit: Math.min(PER_CALL_COST_LIMIT, walk.budget), cost });
  } finally {
    walk.budget -= Math.max(1, cost.used);
  }
}

/** messageExpression's string, or undefined to fall back to message (on error, a non-string or an empty string). */
function messageFrom(rule: ValidationRule, vars: Record<string, unknown>, walk: Walk): string | undefined {
  if (!rule.messageExpression) return undefined;
  try {
    const out = evaluate(compileCel(rule.messageExpression, varsOf(rule)), vars, walk);
    if (typeof out !== "string") return undefined;
    const trimmed = out.trim();
    if (!trimmed || /\n/.test(trimmed) || trimmed.length > 5 * 1024) return undefined;
    return trimmed;
  } catch (e) {
    if (e instanceof CelCompileError || e instanceof CelEvalError) return undefined;
    throw e;
  }
}

function ruleErrorString(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : rule.rule.trim();
}

function ruleMessageOrDefault(rule: ValidationRule): string {
  return rule.message ? rule.message.trim() : `failed rule: ${ruleErrorString(rule)}`;
}

function invalid(path: PathSeg[], type: string, detail: string): K8sIssue {
  return { path, reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(type)}: ${detail}` };
}

function issueForReason(path: PathSeg[], type: string, detail: string, reason: string | undefined): K8sIssue {
  const as = (r: CauseReason, message: string): K8sIssue => ({ path, reason: r, message });
  switch (reason) {
    case "FieldValueForbidden":
      return as("FieldValueForbidden", `Forbidden: ${detail}`);
    case "FieldValueRequired":
      return as("FieldValueRequired", `Required value: ${detail}`);
    case "FieldValueDuplicate":
      // field.Duplicate carries the value (the type name) and no detail.
      return as("FieldValueDuplicate", `Duplicate value: ${JSON.stringify(type)}`);
    default:
      return invalid(path, type, detail);
  }
}

/** The Go type name kube-apiserver prints as the rule's "value": the schema's type. */
function goType(schema: JSONSchemaProps, value: unknown): string {
  if (schema.type) return schema.type;
  if (Array.isArray(value)) return "array";
  if (isObject(value)) return "object";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** Whether a rule refers to oldSelf (outside string literals): a transition rule. */
export function usesOldSelf(rule: string): boolean {
  const code = rule.replace(/'''[\s\S]*?'''|"""[\s\S]*?"""|'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"/g, "''");
  return /(^|[^\w.])oldSelf\b/.test(code);
}

/** A value as CEL sees it under its schema: integer fields as int, number fields as double, date-time strings as timestamps. */
function typedCel(schema: JSONSchemaProps | undefined, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  if (!schema || schema["x-kubernetes-int-or-string"] || (!schema.type && !schema.properties && !schema.items && !schema.additionalProperties)) return dynamic(value);
  if (typeof value === "number") return schema.type === "number" ? value : Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value === "string" && schema.type === "string" && schema.format === "date-time") {
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? value : d;
  }
  if (Array.isArray(value)) return value.map((v) => typedCel(schema.items, v));
  if (isObject(value)) {
    const additional = typeof schema.additionalProperties === "object" ? schema.additionalProperties : undefined;
    const entries: [string, unknown][] = [];
    for (const [k, v] of Object.entries(value)) {
      const prop = schema.properties && Object.hasOwn(schema.properties, k) ? schema.properties[k] : undefined;
      if (prop) {
        // A property is a field of an object type, reached by its escaped name (or not at all).
        const name = escapeName(k);
        if (name !== null) entries.push([name, typedCel(prop, v)]);
      } else entries.push([k, additional ? typedCel(additional, v) : dynamic(v)]);
    }
    return Object.fromEntries(entries);
  }
  return value;
}

/** An untyped JSON value (int-or-string, preserved unknown fields): integers as int. */
function dynamic(value: unknown): unknown {
  if (typeof value === "number") return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(dynamic);
  if (isObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, dynamic(v)]));
  return value;
}

const CEL_RESERVED = new Set(["true", "false", "null", "in", "as", "break", "const", "continue", "else", "for", "function", "if", "import", "let", "loop", "package", "namespace", "return", "var", "void", "while"]);

/**
 * A property's name as a CEL field (k8s.io/apiserver/pkg/cel escaping): reserved words as
 * `__in__`, and `__`, `.`, `-`, `/` spelled out (`__underscores__`, `__dot__`, `__dash__`,
 * `__slash__`); null for names CEL cannot reach (leading digit, other characters).
 */
export function escapeName(name: string): string | null {
  if (!name || /^[0-9]/.test(name)) return null;
  if (CEL_RESERVED.has(name)) return `__${name}__`;
  if (!/^[a-zA-Z_./-][a-zA-Z0-9_./-]*$/.test(name)) return null;
  return name.replace(/__|[-./]/g, (m) => ({ __: "__underscores__", ".": "__dot__", "-": "__dash__", "/": "__slash__" })[m]!);
}

/**
 * A rule's fieldPath (`.spec.x`, `['a.b']`, `.m['key']`) as path segments: a name under properties,
 * a map key under additionalProperties. Invalid paths are refused when the CRD is written.
 */
export function fieldPathSegments(fieldPath: string, schema: JSONSchemaProps): PathSeg[] {
  const out: PathSeg[] = [];
  let s: JSONSchemaProps | undefined = schema;
  const re = /\.([^.[\]]+)|\['((?:[^'\\]|\\.)*)'\]/y;
  let m: RegExpExecArray | null;
  let at = 0;
  while (at < fieldPath.length && (m = re.exec(fieldPath))) {
    at = re.lastIndex;
    const name = m[1] ?? m[2].replace(/\\(.)/g, "$1");
    const named: boolean = !!s?.properties;
    if (named) out.push(name);
    else out.push(mapKey(name));
    s = named ? s?.properties?.[name] : typeof s?.additionalProperties === "object" ? s.additionalProperties : undefined;
  }
  if (at !== fieldPath.length) throw new Error(`invalid fieldPath ${JSON.stringify(fieldPath)}`);
  return out;
}

// ---- CRD-time checks ----

/** Compile-time problems of every rule in a CRD schema (for CRD validation); `path` is where the schema sits. */
export function celRuleCompileIssues(schema: JSONSchemaProps, path: PathSeg[]): K8sIssue[] {
  const issues: K8sIssue[] = [];
  walkSchema(schema, path, issues, true);
  return issues;
}

/** What rules at a resource's root see besides the schema's own properties. */
const ROOT_FIELDS: Record<string, JSONSchemaProps> = {
  apiVersion: { type: "string" },
  kind: { type: "string" },
  metadata: { type: "object", properties: { name: { type: "string" }, generateName: { type: "string" } } },
};

/** cel-go's "undefined field" for `self.x` where the schema's object has no x (typed as kube types self). */
function checkFields(expression: string, schema: JSONSchemaProps, root: boolean): void {
  for (const ref of fieldReferences(expression, ["self", "oldSelf"])) {
    let s: JSONSchemaProps | undefined = schema;
    for (let i = 0; i < ref.fields.length && s; i++) {
      if (s["x-kubernetes-preserve-unknown-fields"] || s["x-kubernetes-int-or-string"] || s.additionalProperties || s.type !== "object") break;
      const field = ref.fields[i];
      const props: Record<string, JSONSchemaProps> = { ...(i === 0 && root ? ROOT_FIELDS : {}), ...(s.properties ?? {}) };
      const hit = Object.entries(props).find(([k]) => escapeName(k) === field);
      if (!hit) {
        // Only the selection that names the missing field reports it (its prefixes are their own references).
        if (i === ref.fields.length - 1) throw celCompileErrorAt(expression, ref.pos, `undefined field '${field}'`);
        break;
      }
      s = hit[1];
    }
  }
}

/**
 * `uncorrelatable`: where the schema left the part whose old values correlate (the first list that
 * is not a map list above this node), or null.
 */
function walkSchema(schema: JSONSchemaProps, path: PathSeg[], issues: K8sIssue[], root = false, uncorrelatable: PathSeg[] | null = null): void {
  (schema["x-kubernetes-validations"] ?? []).forEach((rule, i) => {
    const at = [...path, "x-kubernetes-validations", i];
    const value = goRule(rule);
    const bad = (field: string, detail: string) => issues.push({ path: [...at, field], reason: "FieldValueInvalid", message: `Invalid value: ${value.text}: ${detail}` });
    if (!rule.rule?.trim()) {
      issues.push({ path: [...at, "rule"], reason: "FieldValueRequired", message: "Required value: rule is not specified" });
      return;
    }
    try {
      compileCel(rule.rule, varsOf(rule));
      checkFields(rule.rule, schema, root);
    } catch (e) {
      if (e instanceof CelCompileError) bad("rule", e.message);
      else throw e;
    }
    if (uncorrelatable && usesOldSelf(rule.rule)) {
      issues.push({ path: [...at, "rule"], reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(rule.rule)}: oldSelf cannot be used on the uncorrelatable portion of the schema within ${formatPath(uncorrelatable)}` });
    }
    if (rule.messageExpression !== undefined) {
      if (!rule.messageExpression.trim()) issues.push({ path: [...at, "messageExpression"], reason: "FieldValueRequired", message: "Required value: messageExpression must be non-empty if specified" });
      else {
        try {
          compileCel(rule.messageExpression, varsOf(rule));
          checkFields(rule.messageExpression, schema, root);
        } catch (e) {
          if (e instanceof CelCompileError) bad("messageExpression", `messageExpression ${e.message}`);
          else throw e;
        }
      }
    }
    if (rule.message !== undefined && rule.message.trim() === "") issues.push({ path: [...at, "message"], reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(rule.message)}: message must be non-empty if specified` });
    if (rule.reason !== undefined && !REASONS.includes(rule.reason)) {
      issues.push({ path: [...at, "reason"], reason: "FieldValueNotSupported", message: `Unsupported value: ${JSON.stringify(rule.reason)}: supported values: ${REASONS.map((r) => JSON.stringify(r)).join(", ")}` });
    }
    if (rule.fieldPath !== undefined) {
      try {
        fieldPathSegments(rule.fieldPath, schema);
      } catch {
        issues.push({ path: [...at, "fieldPath"], reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(rule.fieldPath)}: fieldPath must be a valid path` });
      }
    }
  });
  for (const [k, sub] of Object.entries(schema.properties ?? {})) walkSchema(sub, [...path, "properties", mapKey(k)], issues, false, uncorrelatable);
  if (typeof schema.additionalProperties === "object") walkSchema(schema.additionalProperties, [...path, "additionalProperties"], issues, false, uncorrelatable);
  if (schema.items) {
    const mapList = schema["x-kubernetes-list-type"] === "map" && !!schema["x-kubernetes-list-map-keys"]?.length;
    walkSchema(schema.items, [...path, "items"], issues, false, uncorrelatable ?? (mapList ? null : path));
  }
  (schema.allOf ?? []).forEach((s, i) => walkSchema(s, [...path, "allOf", i], issues, false, uncorrelatable));
}

const REASONS = ["FieldValueRequired", "FieldValueForbidden", "FieldValueInvalid", "FieldValueDuplicate"];

/** The rule as Go's %#v prints an apiextensions.ValidationRule, the value kube shows for it. */
function goRule(rule: ValidationRule): GoLiteral {
  const reason = rule.reason === undefined ? "(*apiextensions.FieldValueErrorReason)(nil)" : `"${rule.reason}"`;
  const old = rule.optionalOldSelf === undefined ? "(*bool)(nil)" : `(*bool)(${rule.optionalOldSelf})`;
  return new GoLiteral(
    `apiextensions.ValidationRule{Rule:${JSON.stringify(rule.rule ?? "")}, Message:${JSON.stringify(rule.message ?? "")}, MessageExpression:${JSON.stringify(rule.messageExpression ?? "")}, Reason:${reason}, FieldPath:${JSON.stringify(rule.fieldPath ?? "")}, OptionalOldSelf:${old}}`,
  );
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((x, i) => deepEqual(x, b[i]));
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}
