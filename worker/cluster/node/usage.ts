// What running containers use, as cAdvisor would measure it, from what the simulation knows:
// an idle baseline, busy programs (stress --cpu N, yes), the image's memory, and simulated
// traffic: a Service annotated sim.kubedo.dev/cpu-load costs that much CPU in all, shared by the
// endpoints kube-proxy sends its traffic to. Usage is a function of the cluster's state, so it
// needs no sampling loop.
import { milliValue, quantityToNumber } from "../machinery/quantity";
import { portEndpoints, usableEndpoints } from "../network/kubeProxy";
import { storageOf, type KObject, type UsageReader } from "../resources/define";
import { endpointSlices, SERVICE_NAME_LABEL } from "../resources/endpointslice";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import type { ContainerT } from "../resources/types/core";
import type { SimulationSettings } from "../simulation";
import { imageOf } from "./runtime";

export const CPU_LOAD_ANNOTATION = "sim.kubedo.dev/cpu-load";
const MI = 1024 * 1024;
/** Idle CPU of a running container, in millicores. */
const IDLE_MILLI = 1;

export interface ContainerUsage {
  name: string;
  milliCPU: number;
  memory: number;
}

/** CPU a program keeps busy: stress --cpu N, yes. */
function busyMilli(c: ContainerT): number {
  const words = [...(c.command ?? []), ...(c.args ?? [])].join(" ").split(/\s+/);
  const i = words.findIndex((w) => w === "--cpu" || w === "-c");
  if (words.some((w) => w === "stress" || w.endsWith("/stress")) && i >= 0) return (Number(words[i + 1]) || 1) * 1000;
  if (words[0] === "yes" || words.includes("yes")) return 1000;
  return 0;
}

/**
 * Each Service's simulated load, per pod name: shared by the endpoints kube-proxy would send its
 * traffic to (its EndpointSlices' ready endpoints, or serving terminating ones when none is ready:
 * the same choice kubeProxy.ts makes for a connection), each taking an equal share.
 */
export function serviceLoad(services: Iterable<Service>, slices: () => Iterable<KObject>): Map<string, number> {
  const share = new Map<string, number>();
  let byService: Map<string, KObject[]> | null = null;
  for (const s of services) {
    const load = s.metadata.annotations?.[CPU_LOAD_ANNOTATION];
    if (!load) continue;
    let milli: number;
    try {
      milli = milliValue(load);
    } catch {
      continue;
    }
    // Slices are read only for a namespace that has a loaded Service.
    if (!byService) {
      byService = new Map();
      for (const slice of slices()) {
        const owner = slice.metadata.labels?.[SERVICE_NAME_LABEL];
        if (!owner) continue;
        if (!byService.has(owner)) byService.set(owner, []);
        byService.get(owner)!.push(slice);
      }
    }
    const own = byService.get(s.metadata.name!) ?? [];
    const backends = new Set<string>();
    for (const port of s.spec?.ports ?? []) for (const e of usableEndpoints(portEndpoints(s, port, own))) if (e.pod && e.pod.namespace === s.metadata.namespace) backends.add(e.pod.name);
    for (const name of backends) share.set(name, (share.get(name) ?? 0) + milli / backends.size);
  }
  return share;
}

/** Usage of each running container of a pod; null when the pod is not running. */
export function podUsage(p: Pod, settings: SimulationSettings, load: number): ContainerUsage[] | null {
  if (p.status?.phase !== "Running") return null;
  const out: ContainerUsage[] = [];
  // Running sidecars (restartable init containers) use their share too, as cAdvisor sees them.
  const sidecars = (p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  const containers = [...(p.spec?.containers ?? []), ...sidecars];
  const statuses = [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])];
  containers.forEach((c, i) => {
    const st = statuses.find((s) => s.name === c.name);
    if (!st?.state?.running) return;
    const image = imageOf(c, settings);
    let milli = (image?.idleMilli ?? IDLE_MILLI) + busyMilli(c) + (i === 0 ? load : 0);
    const limit = c.resources?.limits?.cpu;
    if (limit !== undefined) milli = Math.min(milli, milliValue(limit as string));
    let memory = (image?.memoryMi ?? 20) * MI;
    const memLimit = c.resources?.limits?.memory;
    if (memLimit !== undefined) memory = Math.min(memory, quantityToNumber(memLimit as string));
    out.push({ name: c.name, milliCPU: Math.round(milli), memory });
  });
  return out;
}

/**
 * What a node's system daemons use besides its pods (kubelet, containerd): a control-plane
 * node's kubelet is busier. The control plane's components are pods (static pods) and count there.
 */
export function systemUsage(controlPlane: boolean): { milliCPU: number; memory: number } {
  return controlPlane ? { milliCPU: 40, memory: 200 * MI } : { milliCPU: 25, memory: 180 * MI };
}

/** Use of every running pod of a namespace (or all), by pod, for metrics and the HPA. */
export function usageByPod(scan: <T extends KObject>(storage: string, namespace: string | null) => Iterable<T>, settings: SimulationSettings, namespace: string | null) {
  const out: { pod: Pod; containers: ContainerUsage[] }[] = [];
  const byNs = new Map<string, Pod[]>();
  for (const p of scan<Pod>("pods", namespace)) {
    const ns = p.metadata.namespace!;
    if (!byNs.has(ns)) byNs.set(ns, []);
    byNs.get(ns)!.push(p);
  }
  for (const [ns, list] of byNs) {
    const load = serviceLoad(scan<Service>("services", ns), () => scan<KObject>(storageOf(endpointSlices), ns));
    for (const p of list) {
      const u = podUsage(p, settings, load.get(p.metadata.name!) ?? 0);
      if (u) out.push({ pod: p, containers: u });
    }
  }
  return out;
}

/** The registry's view of simulated use, for metrics.k8s.io. */
export function usageReader(settings: () => SimulationSettings): UsageReader {
  return { pods: (scan, namespace) => usageByPod(scan, settings(), namespace), system: systemUsage };
}
