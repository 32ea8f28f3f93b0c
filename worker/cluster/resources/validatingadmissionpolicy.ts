// ValidatingAdmissionPolicy (admissionregistration.k8s.io/v1): CEL validations a user writes,
// applied by admission/admissionPolicy.ts to the requests its bindings match. Stored with
// kube-apiserver's defaults and validation; the policy's expressions must compile, reported as
// kube-apiserver reports them. The types shared with the binding are exported from here.
import type { z } from "zod";
import { int64, list, oneOf, opt, PTR, str, struct, type Problems } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind, type KObject } from "./define";
import { Condition, LabelSelector, objectSchema } from "./types/meta";
import { CelCompileError, compileCel } from "../machinery/cel";

const ADM = "io.k8s.api.admissionregistration.v1";

export const ParamKind = struct(`${ADM}.ParamKind`, "The kind of the resources used as a policy's parameters.", {
  apiVersion: opt(1, str, "API group and version of the parameter resource, such as v1 or example.com/v1."),
  kind: opt(2, str, "Kind of the parameter resource, such as ConfigMap."),
});

export const NamedRuleWithOperations = struct(`${ADM}.NamedRuleWithOperations`, "Operations on resources (optionally by name) a rule matches.", {
  resourceNames: opt(1, list(str, { listType: "atomic" }), "Names the rule is limited to; empty for all."),
  operations: opt(undefined, list(str, { listType: "atomic" }), "CREATE, UPDATE, DELETE, CONNECT or '*'."),
  apiGroups: opt(undefined, list(str, { listType: "atomic" }), "API groups; '*' for all."),
  apiVersions: opt(undefined, list(str, { listType: "atomic" }), "API versions; '*' for all."),
  resources: opt(undefined, list(str, { listType: "atomic" }), "Resources, such as pods or pods/status; '*' for all."),
  scope: opt(undefined, str, PTR, "Cluster, Namespaced or '*' (the default)."),
});
export type NamedRule = z.infer<typeof NamedRuleWithOperations>;

export const MatchResources = struct(`${ADM}.MatchResources`, "Which requests a policy or binding applies to.", {
  namespaceSelector: opt(1, LabelSelector, PTR, "Namespaces whose objects are matched, by label."),
  objectSelector: opt(2, LabelSelector, PTR, "Objects matched, by label."),
  resourceRules: opt(3, list(NamedRuleWithOperations, { listType: "atomic" }), "Operations and resources matched."),
  excludeResourceRules: opt(4, list(NamedRuleWithOperations, { listType: "atomic" }), "Operations and resources never matched."),
  matchPolicy: opt(7, oneOf("Exact", "Equivalent"), PTR, "Whether requests through other versions of a resource match: Equivalent (the default) or Exact."),
});
export type MatchResourcesT = z.infer<typeof MatchResources>;

const Validation = struct(`${ADM}.Validation`, "One CEL expression a request must satisfy.", {
  expression: opt(1, str, "CEL expression that must evaluate to true."),
  message: opt(2, str, "Message returned when the expression is false."),
  reason: opt(3, str, PTR, "Reason of the refusal: Unauthorized, Forbidden, Invalid (the default) or RequestEntityTooLarge."),
  messageExpression: opt(4, str, "CEL expression that builds the message (a string)."),
});

const AuditAnnotation = struct(`${ADM}.AuditAnnotation`, "An audit annotation a policy adds.", {
  key: opt(1, str, "Key of the annotation, qualified by the policy's name."),
  valueExpression: opt(2, str, "CEL expression giving the annotation's value (a string, or null to skip)."),
});

const Variable = struct(`${ADM}.Variable`, "A named CEL expression other expressions use as variables.<name>.", {
  name: opt(1, str, "Name of the variable (a CEL identifier)."),
  expression: opt(2, str, "CEL expression of its value."),
});

const PolicyMatchCondition = struct(`${ADM}.MatchCondition`, "A CEL expression a request must satisfy for the policy to apply.", {
  name: opt(1, str, "Name of the condition."),
  expression: opt(2, str, "CEL expression."),
});

const ExpressionWarning = struct(`${ADM}.ExpressionWarning`, "A type-checking warning about one expression.", {
  fieldRef: opt(2, str, "Path of the expression's field."),
  warning: opt(3, str, "What the type checker found."),
});

export const ValidatingAdmissionPolicySchema = objectSchema(
  `${ADM}.ValidatingAdmissionPolicy`,
  "CEL validations applied to the requests its bindings match, without a webhook.",
  { group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingAdmissionPolicy" },
  {
    spec: opt(
      2,
      struct(`${ADM}.ValidatingAdmissionPolicySpec`, "What the policy matches and checks.", {
        paramKind: opt(1, ParamKind, PTR, "Kind of the parameter resources bindings point at; unset for none."),
        matchConstraints: opt(2, MatchResources, PTR, "Requests the policy may apply to (required)."),
        validations: opt(3, list(Validation, { listType: "atomic" }), "CEL validations; all must hold."),
        failurePolicy: opt(4, oneOf("Ignore", "Fail"), PTR, "What an expression error does: Fail (the default) refuses, Ignore admits."),
        auditAnnotations: opt(5, list(AuditAnnotation, { listType: "atomic" }), "Audit annotations to record."),
        matchConditions: opt(6, list(PolicyMatchCondition, { key: "name", strategy: "merge", listType: "map", mapKeys: ["name"] }), "CEL conditions a request must meet for the policy to apply."),
        variables: opt(7, list(Variable, { listType: "atomic" }), "Named expressions the others may use as variables.<name>."),
      }),
      "Desired behaviour of the policy.",
    ),
    status: opt(
      3,
      struct(`${ADM}.ValidatingAdmissionPolicyStatus`, "What the API server found when it checked the policy.", {
        observedGeneration: opt(1, int64, "The generation this status is for."),
        typeChecking: opt(2, struct(`${ADM}.TypeChecking`, "Results of type-checking the expressions.", { expressionWarnings: opt(1, list(ExpressionWarning, { listType: "atomic" }), "Warnings per expression.") }), PTR, "Results of type-checking."),
        conditions: opt(3, list(Condition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "Conditions of the policy."),
      }),
      "Status of the policy.",
    ),
  },
  { check: (o, p) => checkPolicy(o as ValidatingAdmissionPolicy, p.at("spec")) },
);
export type ValidatingAdmissionPolicy = z.infer<typeof ValidatingAdmissionPolicySchema> & KObject;
type PolicySpec = NonNullable<ValidatingAdmissionPolicy["spec"]>;

const REASONS = ["Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"];
const OPERATIONS = ["*", "CONNECT", "CREATE", "DELETE", "UPDATE"];
const CEL_IDENTIFIER = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

function checkPolicy(o: ValidatingAdmissionPolicy, p: Problems) {
  const spec: PolicySpec = o.spec ?? {};
  if (spec.paramKind) {
    if (!spec.paramKind.apiVersion) p.required(["paramKind", "apiVersion"]);
    if (!spec.paramKind.kind) p.required(["paramKind", "kind"]);
  }
  if (!spec.matchConstraints) p.required(["matchConstraints"]);
  else checkMatchResources(spec.matchConstraints, p.at("matchConstraints"), true);
  if (!spec.validations?.length && !spec.auditAnnotations?.length) p.required(["validations"], "validations or auditAnnotations must contain at least one item");
  spec.validations?.forEach((v, i) => {
    const at = p.at("validations", i);
    if (!v.expression?.trim()) at.required(["expression"], "expression is not specified");
    const msg = v.message ?? "";
    if (msg && !msg.trim()) at.invalid(["message"], msg, "message must be non-empty if specified");
    else if (/[\n\r]/.test(msg.trim())) at.invalid(["message"], msg, "message must not contain line breaks");
    if (v.reason != null && !REASONS.includes(v.reason)) at.notSupported(["reason"], v.reason, REASONS);
  });
  spec.auditAnnotations?.forEach((a, i) => {
    if (!a.key) p.required(["auditAnnotations", i, "key"]);
    if (!a.valueExpression?.trim()) p.required(["auditAnnotations", i, "valueExpression"], "valueExpression is not specified");
  });
  spec.variables?.forEach((v, i) => {
    if (!v.name) p.required(["variables", i, "name"], "name is not specified");
    else if (!CEL_IDENTIFIER.test(v.name)) p.invalid(["variables", i, "name"], v.name, "name is not a valid CEL identifier");
    if (!v.expression?.trim()) p.required(["variables", i, "expression"], "expression is not specified");
  });
  spec.matchConditions?.forEach((c, i) => {
    if (!c.name) p.required(["matchConditions", i, "name"]);
    if (!c.expression?.trim()) p.required(["matchConditions", i, "expression"]);
  });
  checkExpressions(spec, p);
}

/** The variables every admission policy expression may use (kube's CEL admission environment). */
export const POLICY_VARIABLES = ["object", "oldObject", "request", "params", "namespaceObject", "authorizer", "variables"] as const;

/** Every expression of the policy must compile: `spec.validations[0].expression: Invalid value: "…": compilation failed: …`. */
function checkExpressions(spec: PolicySpec, p: Problems) {
  const check = (path: (string | number)[], expression: string | undefined) => {
    if (!expression?.trim()) return;
    try {
      compileCel(expression, POLICY_VARIABLES);
    } catch (e) {
      if (!(e instanceof CelCompileError)) throw e;
      p.invalid(path, expression, e.message);
    }
  };
  spec.validations?.forEach((v, i) => {
    check(["validations", i, "expression"], v.expression);
    check(["validations", i, "messageExpression"], v.messageExpression);
  });
  spec.auditAnnotations?.forEach((a, i) => check(["auditAnnotations", i, "valueExpression"], a.valueExpression));
  spec.matchConditions?.forEach((c, i) => check(["matchConditions", i, "expression"], c.expression));
  spec.variables?.forEach((v, i) => check(["variables", i, "expression"], v.expression));
}

/** kube-apiserver's checks of a MatchResources (the policy's constraints need resourceRules). */
export function checkMatchResources(m: MatchResourcesT, p: Problems, requireRules: boolean) {
  if (requireRules && !m.resourceRules?.length) p.required(["resourceRules"]);
  const rules = (field: "resourceRules" | "excludeResourceRules") =>
    m[field]?.forEach((r, i) => {
      const at = p.at(field, i);
      if (!r.operations?.length) at.required(["operations"]);
      for (const [j, op] of (r.operations ?? []).entries()) if (!OPERATIONS.includes(op)) at.notSupported(["operations", j], op, OPERATIONS);
      if (!r.apiGroups?.length) at.required(["apiGroups"]);
      if (!r.apiVersions?.length) at.required(["apiVersions"]);
      if (!r.resources?.length) at.required(["resources"]);
      if (r.scope != null && !["*", "Cluster", "Namespaced"].includes(r.scope)) at.notSupported(["scope"], r.scope, ["*", "Cluster", "Namespaced"]);
    });
  rules("resourceRules");
  rules("excludeResourceRules");
}

/** admissionregistration/v1's defaults of a MatchResources. */
export function matchResourcesDefaults(m: MatchResourcesT) {
  m.matchPolicy ??= "Equivalent";
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  for (const r of [...(m.resourceRules ?? []), ...(m.excludeResourceRules ?? [])]) r.scope ??= "*";
}

export const validatingAdmissionPolicies = defineKind<ValidatingAdmissionPolicy>({
  group: "admissionregistration.k8s.io",
  version: "v1",
  kind: "ValidatingAdmissionPolicy",
  plural: "validatingadmissionpolicies",
  singular: "validatingadmissionpolicy",
  namespaced: false,
  categories: ["api-extensions"],
  schema: ValidatingAdmissionPolicySchema,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  generation: true,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the policy.", cell: (o) => o.metadata.name ?? "" },
    { name: "Validations", type: "integer", description: "Number of validations.", cell: (o) => o.spec?.validations?.length ?? 0 },
    { name: "ParamKind", type: "string", description: "Kind of the parameter resources.", cell: (o) => (o.spec?.paramKind ? `${o.spec.paramKind.apiVersion ?? ""}/${o.spec.paramKind.kind ?? ""}` : "<unset>") },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    if (!o.spec) return;
    o.spec.failurePolicy ??= "Fail";
    if (o.spec.matchConstraints) matchResourcesDefaults(o.spec.matchConstraints);
  },
  prepareCreate(o) {
    delete o.status;
  },
  prepareUpdate(o, old) {
    if (old.status) o.status = old.status;
    else delete o.status;
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
});
