// Which PersistentVolume satisfies a claim, as kube-controller-manager's PV controller and
// kube-scheduler's VolumeBinding plugin both decide it (FindMatchingVolume): a volume pre-bound to
// the claim wins; otherwise the smallest Available volume of the claim's class and volume mode
// that is large enough, carries every access mode asked for (fewest extra modes first) and
// matches the claim's selector (and, for the scheduler, the node).
import { compareQuantities } from "../machinery/quantity";
import { fromStructured, matchesLabels } from "../machinery/selectors";
import type { KObject } from "./define";
import type { PersistentVolume } from "./persistentvolume";
import { volumeClass } from "./persistentvolume";
import type { PersistentVolumeClaim } from "./persistentvolumeclaim";
import type { Pod } from "./pod";

export const ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed";
export const ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller";
export const ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node";
export const ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner";
export const ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner";
export const ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by";
const BETA_CLASS_ANNOTATION = "volume.beta.kubernetes.io/storage-class";

/** The class a claim asks for: the beta annotation, else spec.storageClassName, else none (""). */
export function claimClass(claim: PersistentVolumeClaim): string {
  return claim.metadata.annotations?.[BETA_CLASS_ANNOTATION] ?? claim.spec?.storageClassName ?? "";
}

/** Whether a volume's claimRef names this claim (and its uid, once set). */
export function isBoundToClaim(pv: PersistentVolume, claim: KObject): boolean {
  const ref = pv.spec?.claimRef;
  if (!ref) return false;
  if (ref.name !== claim.metadata.name || ref.namespace !== claim.metadata.namespace) return false;
  return !ref.uid || ref.uid === claim.metadata.uid;
}

/** The claims a pod's volumes use: persistentVolumeClaim sources and generic ephemeral volumes (<pod>-<volume>). */
export function podClaimNames(pod: Pod): string[] {
  const out: string[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.persistentVolumeClaim?.claimName) out.push(v.persistentVolumeClaim.claimName);
    else if (v.ephemeral) out.push(`${pod.metadata.name}-${v.name}`);
  }
  return out;
}

/** A pod that still counts as using its volumes (not Succeeded or Failed). */
export function podIsActive(pod: Pod): boolean {
  return pod.status?.phase !== "Succeeded" && pod.status?.phase !== "Failed";
}

export interface MatchOptions {
  /** The scheduler's node check (PV node affinity); absent in the PV controller. */
  nodeFits?: (pv: PersistentVolume) => boolean;
  /** WaitForFirstConsumer without a node yet: only a volume pre-bound to the claim may match. */
  delayBinding?: boolean;
}

function modesCover(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const have = pv.spec?.accessModes ?? [];
  return (claim.spec?.accessModes ?? []).every((m) => have.includes(m));
}

export function findMatchingVolume(claim: PersistentVolumeClaim, volumes: Iterable<PersistentVolume>, opts: MatchOptions = {}): PersistentVolume | null {
  const requested = String(claim.spec?.resources?.requests?.storage ?? "0");
  const cls = claimClass(claim);
  const selector = claim.spec?.selector ? fromStructured(claim.spec.selector) : null;
  const claimMode = claim.spec?.volumeMode ?? "Filesystem";
  let best: PersistentVolume | null = null;
  for (const pv of volumes) {
    if (pv.spec?.claimRef && !isBoundToClaim(pv, claim)) continue;
    const size = String(pv.spec?.capacity?.storage ?? "0");
    if (compareQuantities(size, requested) < 0) continue;
    if ((pv.spec?.volumeMode ?? "Filesystem") !== claimMode) continue;
    if (pv.metadata.deletionTimestamp) continue;
    const nodeOk = opts.nodeFits ? opts.nodeFits(pv) : true;
    if (isBoundToClaim(pv, claim)) return nodeOk ? pv : null;
    if (!opts.nodeFits && opts.delayBinding) continue;
    if (pv.status?.phase !== "Available") continue;
    if (selector && !matchesLabels(selector, pv.metadata.labels)) continue;
    if (volumeClass(pv) !== cls) continue;
    if (!nodeOk || !modesCover(pv, claim)) continue;
    if (!best || better(pv, best)) best = pv;
  }
  return best;
}

/** Fewer access modes first (the PV controller's index walks mode sets from the smallest), then the smaller volume. */
function better(a: PersistentVolume, b: PersistentVolume): boolean {
  const ma = a.spec?.accessModes?.length ?? 0;
  const mb = b.spec?.accessModes?.length ?? 0;
  if (ma !== mb) return ma < mb;
  return compareQuantities(String(a.spec?.capacity?.storage ?? "0"), String(b.spec?.capacity?.storage ?? "0")) < 0;
}
