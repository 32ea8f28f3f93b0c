// The warnings kube-apiserver gives when a namespace's enforce level becomes stricter: which of
// the pods already there would now be refused, grouped by what is wrong with them.
import { evaluatePod, forbiddenReason } from "./evaluator";
import { levelVersionString, type LevelVersion } from "./policy";
import type { PodMeta, PodSpec } from "./podSpec";

/** Upstream stops after this many pods (and says so). */
export const MAX_PODS_TO_CHECK = 3000;

export interface ExistingPod {
  metadata: PodMeta & { ownerReferences?: { uid: string; controller?: boolean }[] | null };
  spec?: PodSpec;
}

/**
 * Pods with no controller and the first pod of each controller come first, then the others of a
 * controller (their replicas are likely alike), so a capped check still sees every kind of pod.
 */
function prioritize(pods: ExistingPod[]): ExistingPod[] {
  const first: ExistingPod[] = [];
  const rest: ExistingPod[] = [];
  const seen = new Set<string>();
  for (const p of pods) {
    const owner = p.metadata.ownerReferences?.find((r) => r.controller);
    if (!owner) first.push(p);
    else if (seen.has(owner.uid)) rest.push(p);
    else {
      seen.add(owner.uid);
      first.push(p);
    }
  }
  return [...first, ...rest];
}

export function existingPodWarnings(namespace: string, enforce: LevelVersion, clusterMinor: number, pods: ExistingPod[]): string[] {
  const ordered = prioritize(pods);
  const checked = ordered.slice(0, MAX_PODS_TO_CHECK);
  const byReason = new Map<string, { pod: string; count: number }>();
  for (const p of checked) {
    const r = evaluatePod(enforce, clusterMinor, p.metadata, p.spec ?? {});
    if (r.allowed) continue;
    const reason = forbiddenReason(r);
    const name = p.metadata.name ?? "";
    const seen = byReason.get(reason);
    if (!seen) byReason.set(reason, { pod: name, count: 1 });
    else {
      seen.count++;
      if (name < seen.pod) seen.pod = name;
    }
  }
  const warnings: string[] = [];
  if (checked.length < ordered.length) warnings.push(`new PodSecurity enforce level only checked against the first ${checked.length} of ${ordered.length} existing pods`);
  if (byReason.size) warnings.push(`existing pods in namespace ${JSON.stringify(namespace)} violate the new PodSecurity enforce level ${JSON.stringify(levelVersionString(enforce))}`);
  const lines = [...byReason].map(([reason, { pod, count }]) =>
    count === 1 ? `${pod}: ${reason}` : count === 2 ? `${pod} (and 1 other pod): ${reason}` : `${pod} (and ${count - 1} other pods): ${reason}`,
  );
  return [...warnings, ...lines.sort()];
}
