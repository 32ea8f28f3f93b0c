// A namespace's Pod Security policy from its pod-security.kubernetes.io/* labels, as
// k8s.io/pod-security-admission/api reads them. With no labels every mode is privileged:latest
// (kind passes no AdmissionConfiguration, so those are the defaults, with no exemptions).
import { MAP_KEY, type K8sIssue } from "../../machinery/schema/dsl";
import type { Level } from "./check";

export const LABEL_PREFIX = "pod-security.kubernetes.io/";
export const ENFORCE = `${LABEL_PREFIX}enforce`;
export const AUDIT = `${LABEL_PREFIX}audit`;
export const WARN = `${LABEL_PREFIX}warn`;

/** A minor of Kubernetes 1.x, or "latest". */
export type Version = number | "latest";

export interface LevelVersion {
  level: Level;
  version: Version;
}

export interface Policy {
  enforce: LevelVersion;
  audit: LevelVersion;
  warn: LevelVersion;
}

export function levelVersionString(lv: LevelVersion): string {
  return `${lv.level}:${lv.version === "latest" ? "latest" : `v1.${lv.version}`}`;
}

export function sameLevelVersion(a: LevelVersion, b: LevelVersion): boolean {
  return a.level === b.level && a.version === b.version;
}

const RANK: Record<Level, number> = { privileged: 0, baseline: 1, restricted: 2 };

/** Negative, zero or positive as `a` is less strict, as strict or stricter than `b`. */
export function compareLevels(a: Level, b: Level): number {
  return RANK[a] - RANK[b];
}

export function fullyPrivileged(p: Policy): boolean {
  return p.enforce.level === "privileged" && p.audit.level === "privileged" && p.warn.level === "privileged";
}

const LEVEL_ERROR = "must be one of privileged, baseline, restricted";
const VERSION_ERROR = 'must be "latest" or "v1.x"';

function parseLevel(v: string): Level | null {
  return v === "privileged" || v === "baseline" || v === "restricted" ? v : null;
}

function parseVersion(v: string): Version | null {
  if (v === "latest") return "latest";
  const m = /^v1\.([0-9]|[1-9][0-9]*)$/.exec(v);
  return m ? Number(m[1]) : null;
}

/**
 * The policy the labels ask for, and what in them is not valid (kube-apiserver refuses a
 * namespace with such labels). A bad enforce level is read as restricted (fail closed); a bad
 * audit or warn level as privileged (fail open); a bad version as latest. Without its own warn
 * label, warn is at least as strict as enforce.
 */
export function policyFromLabels(labels: Record<string, string> | null | undefined): { policy: Policy; issues: K8sIssue[] } {
  const policy: Policy = { enforce: { level: "privileged", version: "latest" }, audit: { level: "privileged", version: "latest" }, warn: { level: "privileged", version: "latest" } };
  const issues: K8sIssue[] = [];
  if (!labels) return { policy, issues };
  const invalid = (label: string, value: string, detail: string) =>
    issues.push({ path: ["metadata", "labels", MAP_KEY + label], reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(value)}: ${detail}` });
  let hasEnforceLevel = false;
  let hasWarnLevel = false;
  let hasWarnVersion = false;
  for (const [mode, failOpen] of [
    ["enforce", false],
    ["audit", true],
    ["warn", true],
  ] as const) {
    const label = `${LABEL_PREFIX}${mode}`;
    const level = labels[label];
    if (level !== undefined) {
      const parsed = parseLevel(level);
      if (!parsed) invalid(label, level, LEVEL_ERROR);
      policy[mode].level = parsed ?? (failOpen ? "privileged" : "restricted");
      if (mode === "enforce") hasEnforceLevel = parsed !== null;
      if (mode === "warn") hasWarnLevel = true;
    }
    const version = labels[`${label}-version`];
    if (version !== undefined) {
      const parsed = parseVersion(version);
      if (parsed === null) invalid(`${label}-version`, version, VERSION_ERROR);
      policy[mode].version = parsed ?? "latest";
      if (mode === "warn") hasWarnVersion = true;
    }
  }
  if (!hasWarnLevel && hasEnforceLevel && compareLevels(policy.enforce.level, policy.warn.level) > 0) {
    policy.warn.level = policy.enforce.level;
    if (!hasWarnVersion) policy.warn.version = policy.enforce.version;
  }
  return { policy, issues };
}
