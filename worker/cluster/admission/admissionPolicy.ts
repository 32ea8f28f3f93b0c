// The ValidatingAdmissionPolicy admission plugin (apiserver/pkg/admission/plugin/policy/
// validating): each binding whose policy exists and which both match the request has its
// parameters collected and the policy's CEL evaluated against them: matchConditions (all must
// hold), variables, validations, auditAnnotations (evaluated; nothing is recorded: no audit log
// here). A failed validation does what the binding's validationActions say: Deny refuses, Warn
// adds a warning, Audit records nothing. Expression errors follow the policy's failurePolicy.
// The first denial refuses the request, with kube-apiserver's words, reason and code.
import { errors } from "../machinery/errors";
import { CelCompileError, CelEvalError, compileCel } from "../machinery/cel";
import { fromStructured, matchesLabels, type StructuredSelector } from "../machinery/selectors";
import { storageOf, type KObject } from "../resources/define";
import { POLICY_VARIABLES, type MatchResourcesT, type ValidatingAdmissionPolicy } from "../resources/validatingadmissionpolicy";
import type { ValidatingAdmissionPolicyBinding } from "../resources/validatingadmissionpolicybinding";
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from "./plugin";
import { isExempt, namespaceOf, ruleMatches, selectorsMatch } from "./policy/matching";
import { admissionRequest, namespaceObject } from "./policy/request";

const POLICIES = "admissionregistration.k8s.io/validatingadmissionpolicies";
const BINDINGS = "admissionregistration.k8s.io/validatingadmissionpolicybindings";

type Policy = ValidatingAdmissionPolicy;
type Binding = ValidatingAdmissionPolicyBinding;
type Spec = NonNullable<Policy["spec"]>;

/** One outcome of a validation (kube's PolicyDecision). */
interface Decision {
  deny: boolean;
  message: string;
  /** The status reason a denial answers with; "" means Invalid. */
  reason: string;
}

class ConfigError extends Error {}

/** Whether a MatchResources matches the request (policy/matching's Matches). */
export function matchResourcesMatch(m: MatchResourcesT, a: AdmissionAttributes, ctx: AdmissionContext): boolean {
  if (!selectorsMatch(m as { namespaceSelector?: StructuredSelector; objectSelector?: StructuredSelector }, a, ctx)) return false;
  const equivalent = (m.matchPolicy ?? "Equivalent") === "Equivalent";
  if ((m.excludeResourceRules ?? []).some((r) => ruleMatches(r, a, equivalent))) return false;
  const rules = m.resourceRules ?? [];
  return !rules.length || rules.some((r) => ruleMatches(r, a, equivalent));
}

/** The parameter objects a binding gives its policy: [null] without paramKind or paramRef. */
function collectParams(spec: Spec, binding: Binding, a: AdmissionAttributes, ctx: AdmissionContext): (KObject | null)[] {
  const kind = spec.paramKind;
  if (!kind) return [null];
  const [group, version] = (kind.apiVersion ?? "").includes("/") ? (kind.apiVersion ?? "").split("/", 2) : ["", kind.apiVersion ?? ""];
  const def = ctx.api.registry.findKind(group, version, kind.kind ?? "");
  if (!def || def.virtual || def.computed) throw new ConfigError(`failed to configure policy: failed to find resource referenced by paramKind: '${group ? `${group}/` : ""}${version}, Kind=${kind.kind ?? ""}'`);
  const ref = binding.spec?.paramRef;
  if (!ref) return [null];
  let namespace = "";
  if (def.namespaced) {
    namespace = ref.namespace || a.namespace;
    if (!namespace) throw new ConfigError("failed to configure binding: cannot use namespaced paramRef in policy binding that matches cluster-scoped resources");
  } else if (ref.namespace) throw new ConfigError("failed to configure binding: paramRef.namespace must not be provided for a cluster-scoped `paramKind`");
  const storage = storageOf(def);
  let params: KObject[];
  if (ref.name) {
    const found = ctx.get(storage, namespace, ref.name);
    params = found ? [ctx.api.toWire(def, found)] : [];
  } else {
    const sel = fromStructured(ref.selector as StructuredSelector | undefined);
    params = [...ctx.scan(storage, def.namespaced ? namespace : null)].filter((o) => matchesLabels(sel, o.metadata.labels ?? {})).map((o) => ctx.api.toWire(def, o));
  }
  if (!params.length && ref.parameterNotFoundAction === "Deny") throw new ConfigError("failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction");
  return params;
}

/** kube's cel.Error detail for an expression that failed. */
function evalError(expression: string, e: unknown): string {
  if (e instanceof CelCompileError) return `compilation error: ${e.message}`;
  if (e instanceof CelEvalError) return `expression '${expression}' resulted in error: ${e.message}`;
  throw e;
}

function run(expression: string, vars: Record<string, unknown>): unknown {
  return compileCel(expression, POLICY_VARIABLES).evaluate(vars);
}

/** One policy's evaluation for one parameter (kube's validator.Validate). */
export function validatePolicy(spec: Spec, a: AdmissionAttributes, params: KObject | null, ns: KObject | undefined): Decision[] {
  const fail = (spec.failurePolicy ?? "Fail") === "Fail";
  const vars: Record<string, unknown> = {
    object: a.operation === "DELETE" ? null : a.object,
    oldObject: a.old,
    request: admissionRequest(a),
    params,
    namespaceObject: namespaceObject(ns),
    authorizer: null,
  };
  const variables: Record<string, unknown> = {};
  vars.variables = variables;

  // matchConditions: any false skips the policy; errors, with none false, follow failurePolicy.
  const conditionErrors: string[] = [];
  for (const c of spec.matchConditions ?? []) {
    try {
      if (run(c.expression ?? "", vars) === false) return [];
    } catch (e) {
      conditionErrors.push(evalError(c.expression ?? "", e));
    }
  }
  if (conditionErrors.length) {
    if (!fail) return [];
    return [{ deny: true, reason: "", message: conditionErrors.length === 1 ? conditionErrors[0] : `[${conditionErrors.join(", ")}]` }];
  }

  // Variables in order, each may use the ones before; one that fails is left out (its users fail).
  for (const v of spec.variables ?? []) {
    try {
      variables[v.name ?? ""] = run(v.expression ?? "", vars);
    } catch (e) {
      if (!(e instanceof CelEvalError) && !(e instanceof CelCompileError)) throw e;
    }
  }

  const decisions: Decision[] = [];
  for (const v of spec.validations ?? []) {
    const expression = v.expression ?? "";
    let result: unknown;
    try {
      result = run(expression, vars);
    } catch (e) {
      decisions.push({ deny: fail, reason: "", message: evalError(expression, e) });
      continue;
    }
    if (result === true) continue;
    decisions.push({ deny: true, reason: v.reason ?? "Invalid", message: failureMessage(v, vars) });
  }
  for (const an of spec.auditAnnotations ?? []) {
    try {
      run(an.valueExpression ?? "", vars);
    } catch (e) {
      if (fail) decisions.push({ deny: true, reason: "", message: evalError(an.valueExpression ?? "", e) });
    }
  }
  return decisions;
}

/** messageExpression's string, else message, else `failed expression: <expression>`. */
function failureMessage(v: NonNullable<Spec["validations"]>[number], vars: Record<string, unknown>): string {
  let message = "";
  if (v.messageExpression) {
    try {
      const m = run(v.messageExpression, vars);
      if (typeof m === "string") message = m.trim();
      if (message.length > 5 * 1024 || message.includes("\n")) message = "";
    } catch (e) {
      if (!(e instanceof CelEvalError) && !(e instanceof CelCompileError)) throw e;
    }
  }
  if (!message && v.message) message = v.message.trim();
  return message || `failed expression: ${(v.expression ?? "").trim()}`;
}

const CODES: Record<string, number> = { Forbidden: 403, Unauthorized: 401, RequestEntityTooLarge: 413, Invalid: 422 };

function refuse(a: AdmissionAttributes, policy: string, binding: string | null, d: Decision): never {
  const message = binding ? `ValidatingAdmissionPolicy '${policy}' with binding '${binding}' denied request: ${d.message}` : `ValidatingAdmissionPolicy '${policy}' denied request: ${d.message}`;
  const err = errors.forbidden(a.def.group, a.def.plural, a.name || (a.object?.metadata.generateName ?? "Unknown"), message);
  const reason = d.reason || "Invalid";
  err.status.reason = reason;
  err.status.code = CODES[reason] ?? 422;
  err.status.details = { ...err.status.details, causes: [{ message }] };
  throw err;
}

const byName = <T extends KObject>(x: T, y: T) => ((x.metadata.name ?? "") < (y.metadata.name ?? "") ? -1 : 1);

export const validatingAdmissionPolicy: AdmissionPlugin = {
  name: "ValidatingAdmissionPolicy",
  deletes: true,
  validate(a, ctx) {
    if (isExempt(a)) return;
    const bindings = [...ctx.scan<Binding>(BINDINGS, null)];
    if (!bindings.length) return;
    const byPolicy = new Map<string, Binding[]>();
    for (const b of bindings.sort(byName)) {
      const name = b.spec?.policyName ?? "";
      byPolicy.set(name, [...(byPolicy.get(name) ?? []), b]);
    }
    const denials: { policy: string; binding: string | null; decision: Decision }[] = [];
    const deny = (policy: string, binding: string | null, decision: Decision) => void denials.push({ policy, binding, decision });
    let ns: KObject | undefined | null = null;
    const namespace = () => (ns === null ? (ns = a.def.group === "" && a.def.plural === "namespaces" ? undefined : namespaceOf(a, ctx)) : ns);

    for (const [policyName, policyBindings] of [...byPolicy].sort(([x], [y]) => (x < y ? -1 : 1))) {
      const policy = ctx.get<Policy>(POLICIES, "", policyName);
      const spec = policy?.spec;
      if (!spec?.matchConstraints || !matchResourcesMatch(spec.matchConstraints, a, ctx)) continue;
      const fail = (spec.failurePolicy ?? "Fail") === "Fail";
      for (const binding of policyBindings) {
        const bname = binding.metadata.name ?? "";
        if (binding.spec?.matchResources && !matchResourcesMatch(binding.spec.matchResources, a, ctx)) continue;
        let params: (KObject | null)[];
        try {
          params = collectParams(spec, binding, a, ctx);
        } catch (e) {
          if (!(e instanceof ConfigError)) throw e;
          if (fail) deny(policyName, bname, { deny: true, reason: "", message: e.message });
          continue;
        }
        const actions = binding.spec?.validationActions ?? [];
        for (const p of params) {
          for (const d of validatePolicy(spec, a, p, namespace())) {
            if (!d.deny) continue;
            if (actions.includes("Deny")) deny(policyName, bname, d);
            if (actions.includes("Warn")) ctx.warn(`Validation failed for ValidatingAdmissionPolicy '${policyName}' with binding '${bname}': ${d.message}`);
          }
        }
      }
    }
    const first = denials[0];
    if (first) refuse(a, first.policy, first.binding, first.decision);
  },
};
