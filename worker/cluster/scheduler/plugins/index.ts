// The default profile: kube-scheduler's filter order and score weights.
import type { Plugin } from "../framework";
import type { PodInfo, Snapshot } from "../snapshot";
import { podClaimNames } from "../../resources/volumeMatch";
import { interPodAffinity } from "./interPodAffinity";
import { nodeAffinity, nodeName, nodePorts, nodeUnschedulable, taintToleration } from "./nodeFilters";
import { podTopologySpread } from "./podTopologySpread";
import { balancedAllocation, nodeResourcesFit } from "./resources";
import { volumeBinding } from "./volumeBinding";

export const DEFAULT_PLUGINS: Plugin[] = [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit, volumeBinding, podTopologySpread, interPodAffinity, balancedAllocation];

/**
 * The pod's signature for the framework's per-node memo (NodeSearch.signature): what the default
 * plugins read of a pod to judge and score a node, when that is all they read. Undefined when a
 * verdict also depends on other nodes' pods or on objects outside the node (inter-pod affinity
 * and anti-affinity, topology spread, claims, an existing pod's required anti-affinity).
 */
export function nodeLocalSignature(pod: PodInfo, snapshot: Snapshot): string | undefined {
  const spec = pod.pod.spec;
  if (!spec || spec.affinity?.podAffinity || spec.affinity?.podAntiAffinity || spec.topologySpreadConstraints?.length) return undefined;
  if (podClaimNames(pod.pod).length) return undefined;
  for (const node of snapshot.withRequiredAntiAffinity()) if (node.withRequiredAntiAffinity.length) return undefined;
  return JSON.stringify([spec.nodeName ?? "", spec.nodeSelector ?? null, spec.affinity?.nodeAffinity ?? null, spec.tolerations ?? null, pod.requests, pod.nonZero, pod.hostPorts]);
}
