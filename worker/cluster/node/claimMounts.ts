// The kubelet's volume manager for claims: before a pod's sandbox starts, every claim its
// containers mount must exist, not be being deleted, and be Bound to a volume that points back at
// it. Until then the pod waits in ContainerCreating (no IP, no sandbox) and the kubelet reports
// FailedMount in the volume manager's words, trying again with a growing delay.
import { recordEvent, refTo } from "../events";
import type { ControllerContext } from "../loop/loop";
import type { PersistentVolume } from "../resources/persistentvolume";
import type { PersistentVolumeClaim } from "../resources/persistentvolumeclaim";
import { pods, type Pod } from "../resources/pod";
import { podStatusOf } from "./podStatus";
import { newRuntime } from "./runtime";

const RETRY_MIN_MS = 1_000;
/** The volume manager's attach-and-mount timeout: the longest a retry waits. */
const RETRY_MAX_MS = 120_000;

/** Why one claim volume cannot be mounted yet (desired_state_of_world_populator's words), or null. */
function claimProblem(ctx: ControllerContext, ns: string, claimName: string): string | null {
  const claim = ctx.api.peek<PersistentVolumeClaim>("persistentvolumeclaims", ns, claimName);
  const prefix = `error processing PVC ${ns}/${claimName}`;
  if (!claim) return `${prefix}: failed to fetch PVC from API server: persistentvolumeclaims "${claimName}" not found`;
  if (claim.metadata.deletionTimestamp) return `${prefix}: PVC is being deleted`;
  if (claim.status?.phase !== "Bound") return `${prefix}: PVC is not bound`;
  const volumeName = claim.spec?.volumeName;
  if (!volumeName) return `${prefix}: PVC has empty pvc.Spec.VolumeName`;
  const pv = ctx.api.peek<PersistentVolume>("persistentvolumes", "", volumeName);
  if (!pv) return `${prefix}: failed to fetch PV ${volumeName} from API server: persistentvolumes "${volumeName}" not found`;
  if (!pv.spec?.claimRef) return `${prefix}: found PV object ${volumeName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim`;
  if (pv.spec.claimRef.uid !== claim.metadata.uid)
    return `${prefix}: found PV object ${volumeName} but its pv.Spec.ClaimRef.UID ${pv.spec.claimRef.uid ?? ""} does not point to claim.UID ${claim.metadata.uid}`;
  return null;
}

/** The volumes containers mount (the only ones the volume manager waits for). */
function mountedVolumes(pod: Pod): Set<string> {
  const out = new Set<string>();
  for (const c of [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])]) {
    for (const m of c.volumeMounts ?? []) out.add(m.name);
    for (const d of c.volumeDevices ?? []) out.add(d.name);
  }
  return out;
}

/**
 * Whether the pod must wait for its claims. When it must, the FailedMount event, the waiting
 * status and the retry are done here and the kubelet does nothing else for the pod this time.
 */
export function waitForClaims(ctx: ControllerContext, pod: Pod, node: string, hostIP: string, now: number, retry: (at: number) => void): boolean {
  const mounted = mountedVolumes(pod);
  const failed: string[] = [];
  const errors: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (!mounted.has(v.name)) continue;
    const claimName = v.persistentVolumeClaim?.claimName ?? (v.ephemeral ? `${pod.metadata.name}-${v.name}` : null);
    if (!claimName) continue;
    const problem = claimProblem(ctx, pod.metadata.namespace!, claimName);
    if (!problem) continue;
    failed.push(v.name);
    errors.push(problem);
  }
  if (!failed.length) return false;
  failed.sort();
  const list = `[${failed.join(" ")}]`;
  recordEvent(ctx.api, {
    regarding: refTo(pod),
    type: "Warning",
    reason: "FailedMount",
    message: `Unable to attach or mount volumes: unmounted volumes=${list}, unattached volumes=[], failed to process volumes=${list}: ${errors.join("; ")}`,
    component: "kubelet",
    host: node,
    at: now,
  });
  // No sandbox yet: no pod IP, containers waiting in ContainerCreating.
  const { podIP: _ip, podIPs: _ips, ...status } = podStatusOf(pod, newRuntime(pod, "", now), hostIP, now);
  const waiting = { ...status, conditions: status.conditions?.map((c) => (c.type === "PodReadyToStartContainers" && c.status === "True" ? { ...c, status: "False" as const } : c)) };
  if (JSON.stringify(waiting) !== JSON.stringify(pod.status)) ctx.api.update(pods, pod.metadata.namespace!, pod.metadata.name!, { ...pod, status: waiting }, { subresource: "status", trusted: true });
  // The pod worker's back-off: the longer the pod has waited, the longer the next wait.
  const created = Date.parse(pod.metadata.creationTimestamp ?? "") || now;
  retry(now + Math.min(RETRY_MAX_MS, Math.max(RETRY_MIN_MS, (now - created) / 2)));
  return true;
}
