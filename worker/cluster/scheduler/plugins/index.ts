// The default profile: kube-scheduler's filter order and score weights.
import type { Plugin } from "../framework";
import { interPodAffinity } from "./interPodAffinity";
import { nodeAffinity, nodeName, nodePorts, nodeUnschedulable, taintToleration } from "./nodeFilters";
import { podTopologySpread } from "./podTopologySpread";
import { balancedAllocation, nodeResourcesFit } from "./resources";
import { volumeBinding } from "./volumeBinding";

export const DEFAULT_PLUGINS: Plugin[] = [nodeUnschedulable, nodeName, taintToleration, nodeAffinity, nodePorts, nodeResourcesFit, volumeBinding, podTopologySpread, interPodAffinity, balancedAllocation];
