// Which requests an admission policy or webhook applies to, as kube-apiserver's admission
// matching decides (apiserver/pkg/admission/plugin/webhook/predicates and policy/matching):
// rules of operations, groups, versions, resources (with subresources) and scope, the namespace
// and object label selectors, and the writes no user admission ever sees.
import type { KObject } from "../../resources/define";
import { fromStructured, matchesLabels, type StructuredSelector } from "../../machinery/selectors";
import type { AdmissionAttributes, AdmissionContext } from "../plugin";

export interface Rule {
  operations?: string[];
  apiGroups?: string[];
  apiVersions?: string[];
  resources?: string[];
  scope?: string | null;
  /** Policies' rules may name objects. */
  resourceNames?: string[];
}

export interface Selectors {
  namespaceSelector?: StructuredSelector | null;
  objectSelector?: StructuredSelector | null;
}

const ADMISSION_GROUP = "admissionregistration.k8s.io";
const CONFIGURATION = new Set(["validatingwebhookconfigurations", "mutatingwebhookconfigurations", "validatingadmissionpolicies", "validatingadmissionpolicybindings", "mutatingadmissionpolicies", "mutatingadmissionpolicybindings"]);

/** Writes to the admission configuration itself are never intercepted, so a bad one can always be fixed. */
export function isExempt(a: AdmissionAttributes): boolean {
  return a.def.group === ADMISSION_GROUP && CONFIGURATION.has(a.def.plural);
}

const has = (list: readonly string[] | undefined, v: string) => !!list && (list.includes("*") || list.includes(v));

/**
 * Whether one rule matches the request. `equivalent` (matchPolicy Equivalent) lets a rule for
 * another version of the same group and resource match: every version kubedo serves of a
 * resource is stored as one.
 */
export function ruleMatches(rule: Rule, a: AdmissionAttributes, equivalent: boolean): boolean {
  if (!has(rule.operations, a.operation)) return false;
  if (!has(rule.apiGroups, a.def.group)) return false;
  if (!equivalent && !has(rule.apiVersions, a.def.version)) return false;
  if (equivalent && !rule.apiVersions?.length) return false;
  const sub = a.subresource ?? "";
  const resourceOk = (rule.resources ?? []).some((r) => {
    const slash = r.indexOf("/");
    const [res, rsub] = slash < 0 ? [r, ""] : [r.slice(0, slash), r.slice(slash + 1)];
    return (res === "*" || res === a.def.plural) && (rsub === "*" || rsub === sub);
  });
  if (!resourceOk) return false;
  const isNamespace = a.def.group === "" && a.def.plural === "namespaces";
  const scope = rule.scope ?? "*";
  if (scope === "Namespaced" && (isNamespace || !a.namespace)) return false;
  if (scope === "Cluster" && !isNamespace && a.namespace) return false;
  if (rule.resourceNames?.length && !rule.resourceNames.includes(a.name)) return false;
  return true;
}

function isEmpty(sel: StructuredSelector | null | undefined): boolean {
  return !sel || (!Object.keys(sel.matchLabels ?? {}).length && !sel.matchExpressions?.length);
}

/** The namespaceSelector: cluster-scoped objects always match; a Namespace is judged by its own labels. */
export function namespaceMatches(sel: StructuredSelector | null | undefined, a: AdmissionAttributes, ctx: AdmissionContext): boolean {
  if (isEmpty(sel)) return true;
  let labels: Record<string, string> | undefined;
  if (a.def.group === "" && a.def.plural === "namespaces") labels = (a.object ?? a.old)?.metadata.labels;
  else if (!a.namespace) return true;
  else labels = namespaceOf(a, ctx)?.metadata.labels ?? {};
  return matchesLabels(fromStructured(sel), labels ?? {});
}

/** The objectSelector: the new or the old object's labels may match. */
export function objectMatches(sel: StructuredSelector | null | undefined, a: AdmissionAttributes): boolean {
  if (isEmpty(sel)) return true;
  const s = fromStructured(sel);
  const objects = [a.object, a.old].filter((o): o is KObject => !!o);
  return objects.some((o) => matchesLabels(s, o.metadata.labels ?? {}));
}

export function selectorsMatch(s: Selectors, a: AdmissionAttributes, ctx: AdmissionContext): boolean {
  return namespaceMatches(s.namespaceSelector, a, ctx) && objectMatches(s.objectSelector, a);
}

/** The request's namespace object, or undefined for cluster-scoped requests. */
export function namespaceOf(a: AdmissionAttributes, ctx: AdmissionContext): KObject | undefined {
  return a.namespace ? ctx.get("namespaces", "", a.namespace) : undefined;
}
