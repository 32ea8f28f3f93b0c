// ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1): puts a
// ValidatingAdmissionPolicy to work, with its parameters (paramRef), a narrower scope
// (matchResources) and what a failed validation does (Deny, Warn, Audit). A binding of a policy
// that does not exist is stored and does nothing, as in kube-apiserver.
import type { z } from "zod";
import { list, oneOf, opt, PTR, str, struct, type Problems } from "../machinery/schema/dsl";
import { formatLabelSelector, fromStructured, type StructuredSelector } from "../machinery/selectors";
import { age } from "../machinery/time";
import { defineKind, type KObject } from "./define";
import { LabelSelector, objectSchema } from "./types/meta";
import { checkMatchResources, MatchResources, matchResourcesDefaults } from "./validatingadmissionpolicy";

const ADM = "io.k8s.api.admissionregistration.v1";

const ParamRef = struct(`${ADM}.ParamRef`, "Where a binding finds the policy's parameter resources.", {
  name: opt(1, str, "Name of the parameter resource; exclusive with selector."),
  namespace: opt(2, str, "Namespace of the parameter resources; empty: the request's namespace (namespaced parameters)."),
  selector: opt(3, LabelSelector, PTR, "Label selector of the parameter resources (the policy is evaluated once per match); exclusive with name."),
  parameterNotFoundAction: opt(4, oneOf("Allow", "Deny"), PTR, "What happens when no parameter is found: Allow or Deny."),
});

export const ValidatingAdmissionPolicyBindingSchema = objectSchema(
  `${ADM}.ValidatingAdmissionPolicyBinding`,
  "Binds a ValidatingAdmissionPolicy to parameters and a scope, and says what its failures do.",
  { group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingAdmissionPolicyBinding" },
  {
    spec: opt(
      2,
      struct(`${ADM}.ValidatingAdmissionPolicyBindingSpec`, "What the binding applies, where, and how.", {
        policyName: opt(1, str, "Name of the ValidatingAdmissionPolicy bound."),
        paramRef: opt(2, ParamRef, PTR, "The parameter resources for the policy."),
        matchResources: opt(3, MatchResources, PTR, "Narrows the requests the policy applies to (within its matchConstraints)."),
        validationActions: opt(4, list(str, { listType: "set" }), "What a failed validation does: Deny, Warn and/or Audit."),
      }),
      "Desired behaviour of the binding.",
    ),
  },
  { check: (o, p) => checkBinding(o as ValidatingAdmissionPolicyBinding, p.at("spec")) },
);
export type ValidatingAdmissionPolicyBinding = z.infer<typeof ValidatingAdmissionPolicyBindingSchema> & KObject;

const ACTIONS = ["Audit", "Deny", "Warn"];

function checkBinding(o: ValidatingAdmissionPolicyBinding, p: Problems) {
  const spec = o.spec ?? {};
  if (!spec.policyName) p.required(["policyName"]);
  const ref = spec.paramRef;
  if (ref) {
    if (ref.name && ref.selector) p.forbidden(["paramRef", "name"], "name and selector are mutually exclusive");
    if (!ref.name && !ref.selector) p.required(["paramRef", "name"], "one of name or selector must be specified");
    if (ref.parameterNotFoundAction == null) p.required(["paramRef", "parameterNotFoundAction"]);
  }
  if (spec.matchResources) checkMatchResources(spec.matchResources, p.at("matchResources"), false);
  const actions = spec.validationActions ?? [];
  const seen = new Set<string>();
  actions.forEach((a, i) => {
    if (!ACTIONS.includes(a)) p.notSupported(["validationActions", i], a, ACTIONS);
    if (seen.has(a)) p.duplicate(["validationActions", i], a);
    seen.add(a);
  });
  if (seen.has("Deny") && seen.has("Warn"))
    p.invalid(["validationActions"], actions, "must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)");
  if (!seen.size) p.required(["validationActions"], "at least one validation action is required");
}

// The ParamRef column as kubectl shows it: namespace/name, "*/name", a selector, or <unset>.
function paramRefCell(o: ValidatingAdmissionPolicyBinding): string {
  const ref = o.spec?.paramRef;
  if (!ref) return "<unset>";
  if (ref.name) return `${ref.namespace || "*"}/${ref.name}`;
  if (ref.selector) return formatLabelSelector(fromStructured(ref.selector as StructuredSelector)) || "<none>";
  return "<unset>";
}

export const validatingAdmissionPolicyBindings = defineKind<ValidatingAdmissionPolicyBinding>({
  group: "admissionregistration.k8s.io",
  version: "v1",
  kind: "ValidatingAdmissionPolicyBinding",
  plural: "validatingadmissionpolicybindings",
  singular: "validatingadmissionpolicybinding",
  namespaced: false,
  categories: ["api-extensions"],
  schema: ValidatingAdmissionPolicyBindingSchema,
  generation: true,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the binding.", cell: (o) => o.metadata.name ?? "" },
    { name: "PolicyName", type: "string", description: "The policy bound.", cell: (o) => o.spec?.policyName ?? "" },
    { name: "ParamRef", type: "string", description: "The parameter resources.", cell: paramRefCell },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    if (o.spec?.matchResources) matchResourcesDefaults(o.spec.matchResources);
  },
});
