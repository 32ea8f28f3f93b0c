// The shape of a Pod Security check, as k8s.io/pod-security-admission's policy package has it: an
// id, the level it belongs to, and the versions of the standard in which it changed.
import type { PodMeta, PodSpec } from "./podSpec";

export type Level = "privileged" | "baseline" | "restricted";

export interface CheckResult {
  allowed: boolean;
  /** Short reason (`privileged`, `host namespaces`), listed per pod when a namespace is labelled. */
  reason?: string;
  /** Which containers or fields, and what they must do. */
  detail?: string;
}

export type CheckFn = (meta: PodMeta, spec: PodSpec) => CheckResult;

export interface VersionedCheck {
  /** The minor of Kubernetes (1.x) from which this form of the check applies. */
  since: number;
  check: CheckFn;
  /** Baseline checks this restricted check replaces from this version on. */
  overrides?: readonly string[];
}

export interface Check {
  id: string;
  level: "baseline" | "restricted";
  /** Strictly increasing by `since`. */
  versions: readonly VersionedCheck[];
}

export const ALLOWED: CheckResult = { allowed: true };

export function forbidden(reason: string, detail: string): CheckResult {
  return { allowed: false, reason, detail };
}
