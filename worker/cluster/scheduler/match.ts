// Matching rules the scheduling plugins share: node selector terms, tolerations against taints,
// and pod affinity terms against pods.
import { fromStructured, matchesLabels, type StructuredSelector } from "../machinery/selectors";
import type { TaintT, TolerationT } from "../resources/types/core";
import type { NodeInfo, PodInfo } from "./snapshot";

export interface NodeSelectorRequirementT {
  key: string;
  operator: string;
  values?: string[];
}

export interface NodeSelectorTermT {
  matchExpressions?: NodeSelectorRequirementT[];
  matchFields?: NodeSelectorRequirementT[];
}

function requirementHolds(r: NodeSelectorRequirementT, value: string | undefined): boolean {
  const vals = r.values ?? [];
  switch (r.operator) {
    case "In":
      return value !== undefined && vals.includes(value);
    case "NotIn":
      return value === undefined || !vals.includes(value);
    case "Exists":
      return value !== undefined;
    case "DoesNotExist":
      return value === undefined;
    case "Gt":
    case "Lt": {
      if (value === undefined || !/^-?\d+$/.test(value)) return false;
      const v = Number(value);
      const w = Number(vals[0]);
      return r.operator === "Gt" ? v > w : v < w;
    }
    default:
      return false;
  }
}

/** A term matches when all its requirements hold; an empty term matches nothing. */
export function termMatches(term: NodeSelectorTermT, node: NodeInfo): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (!exprs.length && !fields.length) return false;
  return exprs.every((r) => requirementHolds(r, node.labels[r.key])) && fields.every((r) => r.key === "metadata.name" && requirementHolds(r, node.name));
}

export function tolerates(t: TolerationT, taint: TaintT): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (!t.key) return t.operator === "Exists";
  if (t.key !== taint.key) return false;
  if (t.operator === "Exists") return true;
  return (t.value ?? "") === (taint.value ?? "");
}

export function untolerated(taints: TaintT[], tolerations: readonly TolerationT[], effects: readonly string[]): TaintT | undefined {
  return taints.find((taint) => effects.includes(taint.effect) && !tolerations.some((t) => tolerates(t, taint)));
}

export interface AffinityTermT {
  labelSelector?: StructuredSelector;
  namespaces?: string[];
  topologyKey: string;
  namespaceSelector?: StructuredSelector;
  matchLabelKeys?: string[];
  mismatchLabelKeys?: string[];
}

/** Whether `other` is one of the pods an affinity term of `owner` selects. */
export function termSelects(term: AffinityTermT, owner: { namespace: string; labels: Record<string, string> }, other: PodInfo, namespaceLabels: (ns: string) => Record<string, string>): boolean {
  const namespaces = term.namespaces ?? [];
  let inScope: boolean;
  if (term.namespaceSelector) {
    const sel = fromStructured(term.namespaceSelector);
    inScope = namespaces.includes(other.namespace) || matchesLabels(sel, namespaceLabels(other.namespace));
  } else inScope = namespaces.length ? namespaces.includes(other.namespace) : other.namespace === owner.namespace;
  if (!inScope) return false;
  if (!term.labelSelector) return false;
  const sel = fromStructured(term.labelSelector);
  for (const k of term.matchLabelKeys ?? []) if (owner.labels[k] !== undefined) sel.push({ key: k, op: "=", value: owner.labels[k] });
  for (const k of term.mismatchLabelKeys ?? []) if (owner.labels[k] !== undefined) sel.push({ key: k, op: "!=", value: owner.labels[k] });
  return matchesLabels(sel, other.labels);
}
