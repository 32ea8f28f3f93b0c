// The endpoints controller: for every Service with a selector, an Endpoints object of the same
// name listing the selected pods' addresses, ready ones under `addresses` and the others under
// `notReadyAddresses`, grouped into subsets by the ports they serve (RepackSubsets), at most
// 1000 addresses (the rest cut, with the over-capacity annotation). A Service without a
// selector keeps the Endpoints its owner writes; a deleted Service's Endpoints go with it.
import { ApiError } from "../machinery/errors";
import { endpoints, LAST_CHANGE_TRIGGER_TIME_ANNOTATION, OVER_CAPACITY_ANNOTATION, type EndpointAddressT, type EndpointPortT, type Endpoints, type EndpointSubsetT } from "../resources/endpoints";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { endpointSliceController } from "./endpointSlice";
import { endpointSliceMirroringController } from "./endpointSliceMirroring";
import { kubernetesEndpointsController } from "./kubernetesEndpoints";
import { allKeys } from "./podControl";
import { belongsInEndpoints, canonical, hasSelector, serviceRef, findPort, HEADLESS_LABEL, hostnameFor, isHeadless, isPodReady, lastChangeTriggerTime, podIP, podsSelectedBy, ServiceIndex } from "./serviceMembers";

export const ENDPOINTS_CONTROLLER = "endpoints";
/** kube-controller-manager's maxCapacity of one Endpoints object. */
export const MAX_ENDPOINTS_ADDRESSES = 1000;

export function endpointsController(index: ServiceIndex): Controller {
  return {
    name: ENDPOINTS_CONTROLLER,
    keysFor(c) {
      // Someone deleted an Endpoints the controller keeps: make it again.
      return index.servicesOf(c) ?? (c.resource === "endpoints" && c.type === "DELETED" ? [`${c.namespace}/${c.name}`] : []);
    },
    restore(ctx) {
      index.rebuild(ctx);
    },
    resync(ctx) {
      return allKeys(ctx, "services");
    },
    regarding: serviceRef,
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      const svc = ctx.api.peek<Service>("services", ns, name);
      if (!svc) {
        ctx.store.transaction(() => removeEndpoints(ctx, ns, name));
        return;
      }
      // ExternalName Services get no endpoints (issues.k8s.io/105986), nor do selectorless ones from here.
      if (svc.spec?.type === "ExternalName" || !hasSelector(svc)) return;
      const pods = [...podsSelectedBy(ctx, svc)];
      ctx.store.transaction(() => sync(ctx, svc, pods));
    },
  };
}

function removeEndpoints(ctx: ControllerContext, ns: string, name: string) {
  try {
    ctx.api.delete(endpoints, ns, name, {});
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}

interface Member {
  address: EndpointAddressT;
  ready: boolean;
}

/** The subsets for a Service's pods, as syncService and RepackSubsets build them. */
export function subsetsFor(svc: Service, pods: Pod[]): EndpointSubsetT[] {
  const tolerate = svc.spec?.publishNotReadyAddresses === true;
  const ports = svc.spec?.ports ?? [];
  // port (or the no-port sentinel) -> address key -> member
  const byPort = new Map<string, { port: EndpointPortT | null; members: Map<string, Member> }>();
  const add = (port: EndpointPortT | null, m: Member) => {
    const k = port ? JSON.stringify([port.name ?? "", port.port, port.protocol, port.appProtocol ?? null]) : "";
    let entry = byPort.get(k);
    if (!entry) byPort.set(k, (entry = { port, members: new Map() }));
    const key = `${m.address.ip}|${m.address.targetRef?.uid ?? ""}`;
    const had = entry.members.get(key);
    entry.members.set(key, had ? { ...had, ready: had.ready || m.ready } : m);
  };
  for (const pod of pods) {
    if (!belongsInEndpoints(pod, tolerate)) continue;
    const address: EndpointAddressT = {
      ip: podIP(pod),
      ...(hostnameFor(pod, svc) ? { hostname: hostnameFor(pod, svc) } : {}),
      nodeName: pod.spec?.nodeName ?? "",
      targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    const ready = tolerate || isPodReady(pod);
    if (!ports.length) {
      // A headless Service may have no ports; its pods are listed without any.
      if (svc.spec?.clusterIP === "None") add(null, { address, ready });
      continue;
    }
    for (const sp of ports) {
      const num = findPort(pod, sp);
      if (num === null) continue;
      add({ ...(sp.name ? { name: sp.name } : {}), port: num, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}) }, { address, ready });
    }
  }
  // Ports served by exactly the same addresses share a subset.
  const groups = new Map<string, { ports: EndpointPortT[]; members: Member[] }>();
  for (const { port, members } of byPort.values()) {
    const list = [...members.values()].sort((a, b) => compareAddress(a.address, b.address));
    const k = list.map((m) => `${m.address.ip}|${m.address.targetRef?.uid}|${m.ready}`).join(",");
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { ports: [], members: list }));
    if (port) g.ports.push(port);
  }
  const subsets: EndpointSubsetT[] = [];
  for (const g of groups.values()) {
    const ready = g.members.filter((m) => m.ready).map((m) => m.address);
    const notReady = g.members.filter((m) => !m.ready).map((m) => m.address);
    subsets.push({
      ...(ready.length ? { addresses: ready } : {}),
      ...(notReady.length ? { notReadyAddresses: notReady } : {}),
      ...(g.ports.length ? { ports: g.ports.sort((a, b) => ((a.name ?? "") < (b.name ?? "") ? -1 : (a.name ?? "") > (b.name ?? "") ? 1 : a.port! - b.port!)) } : {}),
    });
  }
  return subsets.sort((a, b) => compareAddress(firstAddress(a), firstAddress(b)));
}

function firstAddress(s: EndpointSubsetT): EndpointAddressT {
  return s.addresses?.[0] ?? s.notReadyAddresses?.[0] ?? { ip: "" };
}

/** Addresses in the order Kubernetes sorts them: by IP as text, then by the pod's uid. */
function compareAddress(a: EndpointAddressT, b: EndpointAddressT): number {
  if (a.ip !== b.ip) return a.ip < b.ip ? -1 : 1;
  const ua = a.targetRef?.uid ?? "";
  const ub = b.targetRef?.uid ?? "";
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * truncateEndpoints: over 1000 addresses, keep the ready ones first (each subset its share,
 * rounded up), dropping not-ready ones before any ready one. Returns whether anything was cut.
 */
export function truncate(subsets: EndpointSubsetT[]): boolean {
  let ready = 0;
  let notReady = 0;
  for (const s of subsets) {
    ready += s.addresses?.length ?? 0;
    notReady += s.notReadyAddresses?.length ?? 0;
  }
  if (ready + notReady <= MAX_ENDPOINTS_ADDRESSES) return false;
  const cutReady = ready > MAX_ENDPOINTS_ADDRESSES;
  const max = cutReady ? MAX_ENDPOINTS_ADDRESSES : MAX_ENDPOINTS_ADDRESSES - ready;
  const total = cutReady ? ready : notReady;
  let room = max;
  for (const s of subsets) {
    const n = (cutReady ? s.addresses?.length : s.notReadyAddresses?.length) ?? 0;
    const take = Math.min(Math.ceil((n / total) * max), room);
    if (cutReady) {
      s.addresses = (s.addresses ?? []).slice(0, take);
      delete s.notReadyAddresses;
      room -= s.addresses.length;
    } else {
      s.notReadyAddresses = (s.notReadyAddresses ?? []).slice(0, take);
      room -= s.notReadyAddresses.length;
    }
  }
  return true;
}

function sync(ctx: ControllerContext, svc: Service, pods: Pod[]) {
  const ns = svc.metadata.namespace!;
  const name = svc.metadata.name!;
  const subsets = subsetsFor(svc, pods);
  const truncated = truncate(subsets);
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  const current = ctx.api.peek<Endpoints>("endpoints", ns, name);
  const annotations: Record<string, string> = { ...(current?.metadata.annotations ?? {}) };
  const trigger = lastChangeTriggerTime(svc, pods);
  if (trigger) annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = trigger;
  else delete annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
  if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = "truncated";
  else delete annotations[OVER_CAPACITY_ANNOTATION];
  if (current) {
    // Written only when what clients read changed (the trigger time alone is no reason).
    const sameSubsets = canonical(current.subsets ?? []) === canonical(subsets);
    const sameLabels = sameMap(current.metadata.labels, labels);
    const sameCapacity = current.metadata.annotations?.[OVER_CAPACITY_ANNOTATION] === annotations[OVER_CAPACITY_ANNOTATION];
    if (sameSubsets && sameLabels && sameCapacity) return;
    const next: Endpoints = { ...current, metadata: { ...current.metadata, labels, annotations }, subsets };
    if (!subsets.length) delete next.subsets;
    ctx.api.update(endpoints, ns, name, next, { trusted: true });
    return;
  }
  const body: Endpoints = { apiVersion: "v1", kind: "Endpoints", metadata: { name, namespace: ns, labels, annotations }, ...(subsets.length ? { subsets } : {}) };
  ctx.api.create(endpoints, ns, body, { trusted: true });
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string>): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => a![k] === b[k]);
}

/**
 * The controllers that keep a Service's endpoints, sharing one index of Service selectors:
 * endpoints, endpointslice, endpointslicemirroring, and the API server's own `kubernetes` endpoint.
 */
export function serviceEndpointControllers(): Controller[] {
  const index = new ServiceIndex();
  return [endpointsController(index), endpointSliceController(index), endpointSliceMirroringController(), kubernetesEndpointsController];
}
