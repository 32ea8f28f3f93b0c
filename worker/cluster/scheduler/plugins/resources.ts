// NodeResourcesFit (requests against what is left of allocatable, and the pod count), with
// LeastAllocated scoring, and NodeResourcesBalancedAllocation.
import type { Plugin } from "../framework";

function fitsScalars(want: Record<string, number>, allocatable: Record<string, number>, requested: Record<string, number>): boolean {
  for (const k in want) if (want[k] > 0 && want[k] > (allocatable[k] ?? 0) - (requested[k] ?? 0)) return false;
  return true;
}

export const nodeResourcesFit: Plugin = {
  name: "NodeResourcesFit",
  weight: 1,
  filter(pod, node) {
    const a = node.allocatable;
    const r = node.requested;
    const want = pod.requests;
    // The common case, a pod that fits, allocates nothing: this runs for every node a pod is tried on.
    if (
      r.pods + 1 <= a.pods &&
      !(want.milliCPU > 0 && want.milliCPU > a.milliCPU - r.milliCPU) &&
      !(want.memory > 0 && want.memory > a.memory - r.memory) &&
      !(want.ephemeralStorage > 0 && want.ephemeralStorage > a.ephemeralStorage - r.ephemeralStorage) &&
      fitsScalars(want.scalar, a.scalar, r.scalar)
    )
      return null;
    const reasons: string[] = [];
    if (r.pods + 1 > a.pods) reasons.push("Too many pods");
    if (want.milliCPU > 0 && want.milliCPU > a.milliCPU - r.milliCPU) reasons.push("Insufficient cpu");
    if (want.memory > 0 && want.memory > a.memory - r.memory) reasons.push("Insufficient memory");
    if (want.ephemeralStorage > 0 && want.ephemeralStorage > a.ephemeralStorage - r.ephemeralStorage) reasons.push("Insufficient ephemeral-storage");
    for (const [k, v] of Object.entries(want.scalar)) if (v > 0 && v > (a.scalar[k] ?? 0) - (r.scalar[k] ?? 0)) reasons.push(`Insufficient ${k}`);
    return reasons.length ? { reasons } : null;
  },
  // LeastAllocated: the share of cpu and memory left free after placing the pod.
  score(pod, node) {
    const free = (cap: number, used: number) => (cap <= 0 || used > cap ? 0 : ((cap - used) * 100) / cap);
    const cpu = free(node.allocatable.milliCPU, node.nonZeroRequested.milliCPU + pod.nonZero.milliCPU);
    const mem = free(node.allocatable.memory, node.nonZeroRequested.memory + pod.nonZero.memory);
    return Math.floor((cpu + mem) / 2);
  },
};

export const balancedAllocation: Plugin = {
  name: "NodeResourcesBalancedAllocation",
  weight: 1,
  score(pod, node) {
    const frac = (cap: number, used: number) => (cap <= 0 ? 1 : Math.min(1, used / cap));
    const cpu = frac(node.allocatable.milliCPU, node.nonZeroRequested.milliCPU + pod.nonZero.milliCPU);
    const mem = frac(node.allocatable.memory, node.nonZeroRequested.memory + pod.nonZero.memory);
    const mean = (cpu + mem) / 2;
    const std = Math.sqrt(((cpu - mean) ** 2 + (mem - mean) ** 2) / 2);
    return Math.floor((1 - std) * 100);
  },
};
