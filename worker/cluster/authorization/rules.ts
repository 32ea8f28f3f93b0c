// RBAC's rule arithmetic, as kube-apiserver does it: whether one policy rule allows a request
// (rbac/v1 evaluation helpers), whether a set of rules covers another (the escalation check's
// Covers/BreakdownRule), and the compact form escalation errors print missing rules in.
import type { Attributes } from "./types";

/** A policy rule as stored in Roles and ClusterRoles (every list optional on the wire). */
export interface Rule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

const has = (list: readonly string[] | undefined, v: string) => !!list && (list.includes("*") || list.includes(v));

export function verbMatches(r: Rule, verb: string): boolean {
  return has(r.verbs, verb);
}

export function apiGroupMatches(r: Rule, group: string): boolean {
  return has(r.apiGroups, group);
}

/** `combined` is "pods" or "pods/log"; "*" and "*\/log" match as in ResourceMatches. */
export function resourceMatches(r: Rule, combined: string, subresource: string): boolean {
  for (const res of r.resources ?? []) {
    if (res === "*" || res === combined) return true;
    if (subresource && res === `*/${subresource}`) return true;
  }
  return false;
}

export function resourceNameMatches(r: Rule, name: string): boolean {
  return !r.resourceNames?.length || r.resourceNames.includes(name);
}

export function nonResourceURLMatches(r: Rule, path: string): boolean {
  for (const u of r.nonResourceURLs ?? []) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.replace(/\*+$/, ""))) return true;
  }
  return false;
}

/** RBAC's RuleAllows: whether `r` allows the request `a`. */
export function ruleAllows(a: Attributes, r: Rule): boolean {
  if (a.resourceRequest) {
    const combined = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
    return verbMatches(r, a.verb) && apiGroupMatches(r, a.apiGroup) && resourceMatches(r, combined, a.subresource) && resourceNameMatches(r, a.name);
  }
  return verbMatches(r, a.verb) && nonResourceURLMatches(r, a.path);
}

// ---------------------------------------------------------------------------------------------
// Covering (escalation checks)

/** Every (group, resource, verb, name) and (url, verb) tuple of a rule, as BreakdownRule makes them. */
export function breakdown(rule: Rule): Rule[] {
  const out: Rule[] = [];
  for (const g of rule.apiGroups ?? [])
    for (const res of rule.resources ?? [])
      for (const v of rule.verbs ?? []) {
        if (rule.resourceNames?.length) for (const n of rule.resourceNames) out.push({ apiGroups: [g], resources: [res], verbs: [v], resourceNames: [n] });
        else out.push({ apiGroups: [g], resources: [res], verbs: [v] });
      }
  for (const u of rule.nonResourceURLs ?? []) for (const v of rule.verbs ?? []) out.push({ nonResourceURLs: [u], verbs: [v] });
  return out;
}

const hasAll = (set: readonly string[] | undefined, want: readonly string[] | undefined) => (want ?? []).every((w) => (set ?? []).includes(w));

function resourcesCover(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  if ((owner ?? []).includes("*") || hasAll(owner, wanted)) return true;
  for (const path of wanted ?? []) {
    if ((owner ?? []).includes(path)) continue;
    const slash = path.indexOf("/");
    if (slash < 0) return false;
    if (!(owner ?? []).includes(`*/${path.slice(slash + 1)}`)) return false;
  }
  return true;
}

function urlsCover(owner: readonly string[] | undefined, wanted: readonly string[] | undefined): boolean {
  return (wanted ?? []).every((p) => (owner ?? []).some((o) => o === p || (o.endsWith("*") && p.startsWith(o.replace(/\*+$/, "")))));
}

/** Whether `owner` covers `sub` (a broken-down rule: at most one verb, resource and name). */
function ruleCovers(owner: Rule, sub: Rule): boolean {
  const verbs = (owner.verbs ?? []).includes("*") || hasAll(owner.verbs, sub.verbs);
  const groups = (owner.apiGroups ?? []).includes("*") || hasAll(owner.apiGroups, sub.apiGroups);
  const names = sub.resourceNames?.length ? !owner.resourceNames?.length || hasAll(owner.resourceNames, sub.resourceNames) : !owner.resourceNames?.length;
  return verbs && groups && resourcesCover(owner.resources, sub.resources) && urlsCover(owner.nonResourceURLs, sub.nonResourceURLs) && names;
}

/** Whether `owner` covers every rule of `servant`, and the broken-down rules it does not. */
export function covers(owner: readonly Rule[], servant: readonly Rule[]): { ok: boolean; missing: Rule[] } {
  const missing: Rule[] = [];
  for (const s of servant) for (const sub of breakdown(s)) if (!owner.some((o) => ruleCovers(o, sub))) missing.push(sub);
  return { ok: missing.length === 0, missing };
}

/** CompactRules: simple rules (one group, one resource, verbs only) of the same resource merged. */
export function compactRules(rules: readonly Rule[]): Rule[] {
  const out: Rule[] = [];
  const simple = new Map<string, Rule>();
  for (const r of rules) {
    const isSimple = !r.resourceNames?.length && !r.nonResourceURLs?.length && r.apiGroups?.length === 1 && r.resources?.length === 1;
    if (!isSimple) {
      out.push(r);
      continue;
    }
    const key = `${r.apiGroups![0]}\u0000${r.resources![0]}`;
    const found = simple.get(key);
    if (found) found.verbs = [...(found.verbs ?? []), ...(r.verbs ?? [])];
    else simple.set(key, { apiGroups: [...r.apiGroups!], resources: [...r.resources!], verbs: [...(r.verbs ?? [])] });
  }
  return [...out, ...simple.values()];
}

/** Go's %q of a []string: ["a" "b"]. */
export function goQuotedList(list: readonly string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;
}

/** rbac/v1's CompactString, the form escalation errors list missing rules in. */
export function compactString(r: Rule): string {
  const parts: string[] = [];
  if (r.apiGroups?.length) parts.push(`APIGroups:${goQuotedList(r.apiGroups)}`);
  if (r.resources?.length) parts.push(`Resources:${goQuotedList(r.resources)}`);
  if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${goQuotedList(r.nonResourceURLs)}`);
  if (r.resourceNames?.length) parts.push(`ResourceNames:${goQuotedList(r.resourceNames)}`);
  if (r.verbs?.length) parts.push(`Verbs:${goQuotedList(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}
