// Which checks a level and version of the Pod Security Standards runs, in upstream's order
// (baseline ids sorted, then restricted ids sorted), and the aggregate of their findings. The
// cluster's own Kubernetes minor bounds what it knows: "latest" is that version, a newer label
// is read as it, and a check born later is not run (as that release's kube-apiserver would).
import { BASELINE_CHECKS } from "./baseline";
import type { Check, CheckFn, CheckResult } from "./check";
import type { LevelVersion } from "./policy";
import type { PodMeta, PodSpec } from "./podSpec";
import { RESTRICTED_CHECKS } from "./restricted";

const ORDER: readonly Check[] = [...[...BASELINE_CHECKS].sort(byId), ...[...RESTRICTED_CHECKS].sort(byId)];

function byId(a: Check, b: Check): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** The form of a check in force at a minor version, or none before it existed. */
function formAt(check: Check, minor: number) {
  let found = null;
  for (const v of check.versions) if (v.since <= minor) found = v;
  return found;
}

const memo = new Map<string, readonly CheckFn[]>();

/** The checks of `level` at 1.`minor`, in the order their findings are reported. */
export function checksFor(level: "baseline" | "restricted", minor: number): readonly CheckFn[] {
  const key = `${level}:${minor}`;
  let fns = memo.get(key);
  if (fns) return fns;
  const overridden = new Set<string>();
  if (level === "restricted") for (const c of RESTRICTED_CHECKS) for (const o of formAt(c, minor)?.overrides ?? []) overridden.add(o);
  fns = ORDER.filter((c) => (c.level === "baseline" || level === "restricted") && !overridden.has(c.id))
    .map((c) => formAt(c, minor)?.check)
    .filter((f): f is CheckFn => !!f);
  memo.set(key, fns);
  return fns;
}

export interface Aggregate {
  allowed: boolean;
  reasons: string[];
  details: string[];
}

/** Runs the checks of a level and version over a pod (nothing for privileged). */
export function evaluatePod(lv: LevelVersion, clusterMinor: number, meta: PodMeta, spec: PodSpec): Aggregate {
  const out: Aggregate = { allowed: true, reasons: [], details: [] };
  if (lv.level === "privileged") return out;
  const minor = lv.version === "latest" || lv.version > clusterMinor ? clusterMinor : lv.version;
  for (const check of checksFor(lv.level, minor)) {
    const r: CheckResult = check(meta, spec);
    if (r.allowed) continue;
    out.allowed = false;
    out.reasons.push(r.reason || "unknown forbidden reason");
    out.details.push(r.detail ?? "");
  }
  return out;
}

/** `reason (detail), reason (detail)`: the text after `violates PodSecurity "…": `. */
export function forbiddenDetail(a: Aggregate): string {
  return a.reasons.map((r, i) => (a.details[i] ? `${r} (${a.details[i]})` : r)).join(", ");
}

/** `reason, reason`: how one pod is summed up when a namespace's enforce level changes. */
export function forbiddenReason(a: Aggregate): string {
  return a.reasons.join(", ");
}
