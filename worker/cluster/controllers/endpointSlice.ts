// The endpointslice controller: for every Service with a selector (ExternalName aside), the
// selected pods as EndpointSlices of at most 100 endpoints (maxEndpointsPerSlice), one group of
// slices per set of resolved ports, with ready/serving/terminating conditions, owned by the
// Service and labelled with its name and this controller. Like the upstream reconciler it keeps
// endpoints in the slice they are in, fills slices it is changing anyway before touching others,
// writes a slice only when it changed, and keeps one empty placeholder slice when no pod is left.
import { ApiError } from "../machinery/errors";
import { LAST_CHANGE_TRIGGER_TIME_ANNOTATION } from "../resources/endpoints";
import { endpointSlices, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type EndpointSlice, type EndpointSlicePortT, type EndpointT } from "../resources/endpointslice";
import type { Node } from "../resources/node";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import type { Change } from "../store/store";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { allKeys, controllerRef } from "./podControl";
import { belongsInEndpoints, canonical, hasSelector, serviceRef, findPort, HEADLESS_LABEL, hostnameFor, isHeadless, isPodReady, lastChangeTriggerTime, podIP, podsSelectedBy, ServiceIndex } from "./serviceMembers";

export const ENDPOINTSLICE_CONTROLLER = "endpointslice";
export const ENDPOINTSLICE_MANAGER = "endpointslice-controller.k8s.io";
/** kube-controller-manager's --max-endpoints-per-slice default. */
export const MAX_ENDPOINTS_PER_SLICE = 100;
const ZONE_LABEL = "topology.kubernetes.io/zone";

/**
 * The resourceVersions this controller last wrote, per slice, so that its own writes coming back
 * as changes do not queue the Service again, while anyone else's change (or deletion) does.
 */
export class SliceTracker {
  private readonly written = new Map<string, string>();
  wrote(ns: string, name: string, rv: string | undefined) {
    this.written.set(`${ns}/${name}`, rv ?? "");
  }
  deleted(ns: string, name: string) {
    this.written.set(`${ns}/${name}`, "deleted");
  }
  /**
   * The Service key to sync for a change to a slice `manager` manages, when the change is not the
   * controller's own (someone edited or deleted its slice); none otherwise.
   */
  keysFor(c: Change, manager: string): string[] {
    if (c.resource !== "discovery.k8s.io/endpointslices" || !c.body.includes(manager)) return [];
    const slice = JSON.parse(c.body) as EndpointSlice;
    const service = slice.metadata.labels?.[SERVICE_NAME_LABEL];
    if (!service || slice.metadata.labels?.[MANAGED_BY_LABEL] !== manager) return [];
    return this.unexpected(c.namespace, c.name, slice.metadata.resourceVersion, c.type === "DELETED") ? [`${c.namespace}/${service}`] : [];
  }

  private unexpected(ns: string, name: string, rv: string | undefined, gone: boolean): boolean {
    const key = `${ns}/${name}`;
    const mine = this.written.get(key);
    if (gone) {
      this.written.delete(key);
      return mine !== "deleted";
    }
    return mine !== rv;
  }
}

export function endpointSliceController(index: ServiceIndex): Controller {
  const tracker = new SliceTracker();
  return {
    name: ENDPOINTSLICE_CONTROLLER,
    keysFor(c) {
      return index.servicesOf(c) ?? tracker.keysFor(c, ENDPOINTSLICE_MANAGER);
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
      // A deleted Service's slices are the garbage collector's (they are owned by it).
      if (!svc || svc.spec?.type === "ExternalName" || !hasSelector(svc)) return;
      const pods = [...podsSelectedBy(ctx, svc)];
      ctx.store.transaction(() => reconcileSlices(ctx, tracker, svc, pods));
    },
  };
}

/** The ports a pod's endpoint serves: each Service port resolved on the pod (none for a portless headless Service). */
function endpointPorts(svc: Service, pod: Pod): EndpointSlicePortT[] {
  const out: EndpointSlicePortT[] = [];
  for (const sp of svc.spec?.ports ?? []) {
    const port = findPort(pod, sp);
    if (port === null) continue;
    out.push({ name: sp.name ?? "", port, protocol: sp.protocol ?? "TCP", ...(sp.appProtocol !== undefined ? { appProtocol: sp.appProtocol } : {}) });
  }
  return out;
}

function portsKey(ports: EndpointSlicePortT[] | undefined): string {
  return JSON.stringify((ports ?? []).map((p) => [p.name ?? "", p.port ?? null, p.protocol ?? "TCP", p.appProtocol ?? null]).sort());
}

function endpointFor(svc: Service, pod: Pod, zoneOf: (node: string) => string | undefined): EndpointT {
  const serving = isPodReady(pod);
  const terminating = !!pod.metadata.deletionTimestamp;
  // A terminating pod is never "ready" unless the Service publishes not-ready addresses.
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const hostname = hostnameFor(pod, svc);
  const node = pod.spec?.nodeName;
  const zone = node ? zoneOf(node) : undefined;
  return {
    addresses: [podIP(pod)],
    conditions: { ready, serving, terminating },
    ...(hostname ? { hostname } : {}),
    targetRef: { kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    ...(node ? { nodeName: node } : {}),
    ...(zone ? { zone } : {}),
  };
}

function sliceLabels(svc: Service): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(svc.metadata.labels ?? {})) if (k !== SERVICE_NAME_LABEL && k !== MANAGED_BY_LABEL) labels[k] = v;
  if (isHeadless(svc)) labels[HEADLESS_LABEL] = "";
  labels[SERVICE_NAME_LABEL] = svc.metadata.name!;
  labels[MANAGED_BY_LABEL] = ENDPOINTSLICE_MANAGER;
  return labels;
}

const same = (a: unknown, b: unknown) => canonical(a) === canonical(b);

interface Group {
  ports: EndpointSlicePortT[];
  /** Desired endpoints not yet placed, by address. */
  want: Map<string, EndpointT>;
}

export function reconcileSlices(ctx: ControllerContext, tracker: SliceTracker, svc: Service, pods: Pod[]) {
  const ns = svc.metadata.namespace!;
  const zones = new Map<string, string | undefined>();
  const zoneOf = (node: string) => {
    if (!zones.has(node)) zones.set(node, ctx.api.peek<Node>("nodes", "", node)?.metadata.labels?.[ZONE_LABEL]);
    return zones.get(node);
  };
  const groups = new Map<string, Group>();
  for (const pod of pods) {
    // Terminating pods stay, as serving or not, with terminating set.
    if (!belongsInEndpoints(pod, true)) continue;
    const ports = endpointPorts(svc, pod);
    const key = portsKey(ports);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { ports, want: new Map() }));
    g.want.set(podIP(pod), endpointFor(svc, pod, zoneOf));
  }

  const labels = sliceLabels(svc);
  const trigger = lastChangeTriggerTime(svc, pods);
  const existing: EndpointSlice[] = [];
  const needle = `"${SERVICE_NAME_LABEL}":${JSON.stringify(svc.metadata.name)}`;
  for (const row of ctx.store.scan("discovery.k8s.io/endpointslices", ns)) {
    if (!row.body.includes(needle) || !row.body.includes(ENDPOINTSLICE_MANAGER)) continue;
    const s = JSON.parse(row.body) as EndpointSlice;
    if (s.metadata.labels?.[SERVICE_NAME_LABEL] !== svc.metadata.name || s.metadata.labels?.[MANAGED_BY_LABEL] !== ENDPOINTSLICE_MANAGER) continue;
    if (s.metadata.deletionTimestamp) continue;
    existing.push(s);
  }

  const toCreate: EndpointSlice[] = [];
  const toUpdate: EndpointSlice[] = [];
  const toDelete: EndpointSlice[] = [];
  const unchanged: EndpointSlice[] = [];
  const bySlicePorts = new Map<string, EndpointSlice[]>();
  for (const s of existing) {
    const k = s.addressType === "IPv4" ? portsKey(s.ports) : "wrong-family";
    bySlicePorts.set(k, [...(bySlicePorts.get(k) ?? []), s]);
  }
  for (const [k, slices] of bySlicePorts) {
    const g = groups.get(k);
    if (!g) {
      toDelete.push(...slices);
      continue;
    }
    // 1. Keep each endpoint where it is, updated; drop the ones no longer wanted.
    for (const s of slices) {
      let changed = !same(s.metadata.labels, labels);
      const kept: EndpointT[] = [];
      for (const ep of s.endpoints ?? []) {
        const want = g.want.get(ep.addresses?.[0] ?? "");
        if (!want) {
          changed = true;
          continue;
        }
        if (!same(want, ep)) changed = true;
        kept.push(want);
        g.want.delete(ep.addresses![0]);
      }
      if (!kept.length && (s.endpoints ?? []).length) toDelete.push(s);
      else if (changed) toUpdate.push({ ...s, endpoints: kept });
      else unchanged.push(s);
    }
  }
  for (const [k, g] of groups) {
    const mine = (list: EndpointSlice[]) => list.filter((s) => s.addressType === "IPv4" && portsKey(s.ports) === k);
    // 2. Fill the slices being written anyway.
    for (const s of mine(toUpdate)) fill(s, g.want);
    // 3. The rest: into the unchanged slice that fits them best, else into new slices.
    while (g.want.size) {
      let target: EndpointSlice | undefined;
      if (g.want.size < MAX_ENDPOINTS_PER_SLICE) {
        const fits = mine(unchanged).filter((s) => (s.endpoints ?? []).length + g.want.size <= MAX_ENDPOINTS_PER_SLICE);
        target = fits.sort((a, b) => (b.endpoints ?? []).length - (a.endpoints ?? []).length)[0];
        if (target) {
          unchanged.splice(unchanged.indexOf(target), 1);
          target = { ...target, endpoints: [...(target.endpoints ?? [])] };
          toUpdate.push(target);
        }
      }
      if (!target) {
        target = newSlice(svc, labels, g.ports);
        toCreate.push(target);
      }
      fill(target, g.want);
    }
  }
  // No endpoints at all: one empty placeholder slice stays (an existing one is kept as it is).
  if (!toCreate.length && !toUpdate.length && !unchanged.length) {
    const placeholder = toDelete.find((s) => !(s.endpoints ?? []).length && !(s.ports ?? []).length && s.addressType === "IPv4");
    if (placeholder) {
      toDelete.splice(toDelete.indexOf(placeholder), 1);
      if (!same(placeholder.metadata.labels, labels)) toUpdate.push(placeholder);
    } else toCreate.push(newSlice(svc, labels, []));
  }

  // A slice about to be deleted takes the content of one about to be created: one update
  // instead of a delete and a create, as the upstream reconciler finalizes.
  for (let i = toDelete.length - 1; i >= 0 && toCreate.length; i--) {
    const old = toDelete[i];
    if (old.addressType !== "IPv4") continue;
    toDelete.splice(i, 1);
    const fresh = toCreate.pop()!;
    const reused: EndpointSlice = { ...old, endpoints: fresh.endpoints, ports: fresh.ports };
    if (!fresh.ports) delete reused.ports;
    toUpdate.push(reused);
  }

  const stamp = (s: EndpointSlice): EndpointSlice => {
    const annotations = { ...(s.metadata.annotations ?? {}) };
    if (trigger) annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION] = trigger;
    else delete annotations[LAST_CHANGE_TRIGGER_TIME_ANNOTATION];
    return { ...s, metadata: { ...s.metadata, labels, annotations } };
  };
  for (const s of toDelete) {
    try {
      tracker.deleted(ns, s.metadata.name!);
      ctx.api.delete(endpointSlices, ns, s.metadata.name!, {});
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
  for (const s of toUpdate) {
    const out = stamp(s);
    if (!out.endpoints?.length) delete out.endpoints;
    const res = ctx.api.update(endpointSlices, ns, s.metadata.name!, out, { trusted: true });
    tracker.wrote(ns, s.metadata.name!, res.object.metadata.resourceVersion);
  }
  for (const s of toCreate) {
    const res = ctx.api.create(endpointSlices, ns, stamp(s), { trusted: true });
    tracker.wrote(ns, res.object.metadata.name!, res.object.metadata.resourceVersion);
  }
}

function fill(s: EndpointSlice, want: Map<string, EndpointT>) {
  const eps = (s.endpoints ??= []);
  for (const [ip, ep] of want) {
    if (eps.length >= MAX_ENDPOINTS_PER_SLICE) break;
    eps.push(ep);
    want.delete(ip);
  }
}

function newSlice(svc: Service, labels: Record<string, string>, ports: EndpointSlicePortT[]): EndpointSlice {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { generateName: `${svc.metadata.name}-`, namespace: svc.metadata.namespace, labels, ownerReferences: [controllerRef(svc)] },
    addressType: "IPv4",
    endpoints: [],
    ...(ports.length ? { ports } : {}),
  };
}
