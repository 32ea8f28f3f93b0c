// kube-scheduler's VolumeBinding plugin. PreFilter: every claim the pod uses must exist and not be
// being deleted, and an unbound claim must wait for its first consumer (WaitForFirstConsumer) -
// an unbound Immediate claim is the PV controller's to bind first. Filter: a bound claim's volume
// must be reachable from the node (its node affinity); a waiting claim needs an Available volume
// there, or a class that can provision there. PreBind: on the chosen node the scheduler binds the
// static volume it found (claimRef) or asks for provisioning (the claim's selected-node
// annotation), and the pod waits until its claims are bound.
import type { ApiServer } from "../../api/apiserver";
import { persistentVolumes, type PersistentVolume } from "../../resources/persistentvolume";
import { persistentVolumeClaims, type PersistentVolumeClaim } from "../../resources/persistentvolumeclaim";
import { NO_PROVISIONER, type StorageClass } from "../../resources/storageclass";
import { ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, claimClass, findMatchingVolume, isBoundToClaim, podClaimNames } from "../../resources/volumeMatch";
import type { Plugin, Rejection } from "../framework";
import { termMatches } from "../match";
import type { NodeInfo } from "../snapshot";

const NAME = "VolumeBinding";
const CLASSES = "storage.k8s.io/storageclasses";

export const ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims";
export const ERR_NODE_CONFLICT = "node(s) had volume node affinity conflict";
export const ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
export const ERR_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";

interface State {
  api: ApiServer;
  bound: { claim: PersistentVolumeClaim; pv: PersistentVolume | undefined }[];
  waiting: { claim: PersistentVolumeClaim; cls: StorageClass }[];
}

function reachable(pv: PersistentVolume, node: NodeInfo): boolean {
  const terms = pv.spec?.nodeAffinity?.required?.nodeSelectorTerms;
  return !terms || terms.some((t) => termMatches(t, node));
}

function canProvisionOn(cls: StorageClass, node: NodeInfo): boolean {
  if (!cls.provisioner || cls.provisioner === NO_PROVISIONER) return false;
  const terms = cls.allowedTopologies ?? [];
  return !terms.length || terms.some((t) => (t.matchLabelExpressions ?? []).every((r) => r.values?.includes(node.labels[r.key ?? ""] ?? "\u0000")));
}

/** The volumes to bind statically on `node`, one per waiting claim that has one (none twice). */
function staticMatches(state: State, node: NodeInfo): Map<string, PersistentVolume | null> {
  const taken = new Set<string>();
  const out = new Map<string, PersistentVolume | null>();
  const all = [...state.api.scanStored<PersistentVolume>("persistentvolumes", "")];
  for (const { claim } of state.waiting) {
    const pv = findMatchingVolume(
      claim,
      all.filter((v) => !taken.has(v.metadata.name!)),
      { nodeFits: (v) => reachable(v, node) },
    );
    if (pv) taken.add(pv.metadata.name!);
    out.set(claim.metadata.name!, pv);
  }
  return out;
}

export const volumeBinding: Plugin = {
  name: NAME,
  preFilter(pod, snapshot, state): Rejection | null {
    const api = snapshot.api;
    const names = podClaimNames(pod.pod);
    if (!api || !names.length) return null;
    const s: State = { api, bound: [], waiting: [] };
    let immediate = false;
    for (const name of names) {
      const claim = api.peek<PersistentVolumeClaim>("persistentvolumeclaims", pod.namespace, name);
      if (!claim) return { reasons: [`persistentvolumeclaim "${name}" not found`], unresolvable: true };
      if (claim.metadata.deletionTimestamp) return { reasons: [`persistentvolumeclaim "${name}" is being deleted`], unresolvable: true };
      if (claim.spec?.volumeName) {
        s.bound.push({ claim, pv: api.peek<PersistentVolume>("persistentvolumes", "", claim.spec.volumeName) });
        continue;
      }
      const className = claimClass(claim);
      const cls = className ? api.peek<StorageClass>(CLASSES, "", className) : undefined;
      if (cls?.volumeBindingMode === "WaitForFirstConsumer") s.waiting.push({ claim, cls });
      else immediate = true;
    }
    if (immediate) return { reasons: [ERR_UNBOUND_IMMEDIATE], unresolvable: true };
    state.set(NAME, s);
    return null;
  },
  filter(_pod, node, state) {
    const s = state.get(NAME) as State | undefined;
    if (!s) return null;
    const reasons = new Set<string>();
    for (const { pv } of s.bound) {
      if (!pv) reasons.add(ERR_PV_NOT_EXIST);
      else if (!reachable(pv, node)) reasons.add(ERR_NODE_CONFLICT);
    }
    if (s.waiting.length) {
      const matches = staticMatches(s, node);
      for (const { claim, cls } of s.waiting) {
        const selected = claim.metadata.annotations?.[ANN_SELECTED_NODE];
        if (selected && selected !== node.name) reasons.add(ERR_BIND_CONFLICT);
        else if (!matches.get(claim.metadata.name!) && !canProvisionOn(cls, node)) reasons.add(ERR_BIND_CONFLICT);
      }
    }
    return reasons.size ? { reasons: [...reasons], unresolvable: true } : null;
  },
  preBind(pod, node, state) {
    const s = state.get(NAME) as State | undefined;
    if (!s) return true;
    const info = pod;
    const nodeInfo = { name: node, labels: s.api.peek<NodeInfo["node"]>("nodes", "", node)?.metadata.labels ?? {} } as NodeInfo;
    const matches = staticMatches(s, nodeInfo);
    for (const { claim } of s.waiting) {
      const pv = matches.get(claim.metadata.name!);
      if (pv) {
        if (isBoundToClaim(pv, claim) && pv.spec?.claimRef?.uid) continue;
        const next = structuredClone(pv);
        next.spec = { ...next.spec, claimRef: { kind: "PersistentVolumeClaim", namespace: claim.metadata.namespace, name: claim.metadata.name, uid: claim.metadata.uid, apiVersion: "v1", resourceVersion: claim.metadata.resourceVersion } };
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: "yes" };
        s.api.update(persistentVolumes, "", pv.metadata.name!, next, { trusted: true });
      } else if (claim.metadata.annotations?.[ANN_SELECTED_NODE] !== node) {
        s.api.update(persistentVolumeClaims, claim.metadata.namespace!, claim.metadata.name!, { ...claim, metadata: { ...claim.metadata, annotations: { ...(claim.metadata.annotations ?? {}), [ANN_SELECTED_NODE]: node } } }, { trusted: true });
      }
    }
    // Bound when the PV controller has finished both sides.
    for (const name of podClaimNames(info.pod)) {
      const claim = s.api.peek<PersistentVolumeClaim>("persistentvolumeclaims", info.namespace, name);
      if (!claim?.spec?.volumeName || claim.metadata.annotations?.[ANN_BIND_COMPLETED] !== "yes") return false;
    }
    return true;
  },
};
