// The endpointslicemirroring controller: a Service without a selector keeps the Endpoints its
// owner writes by hand; this controller mirrors them into EndpointSlices (managed by
// endpointslicemirroring-controller.k8s.io, owned by the Endpoints) so that readers of slices
// (kube-proxy, CoreDNS) see them too. Each subset's ports become a slice's ports, ready and
// not-ready addresses become endpoints with `ready` set accordingly, at most 1000 per subset and
// per slice. Endpoints labelled endpointslice.kubernetes.io/skip-mirror=true, or whose Service
// has a selector or is gone, have no mirrored slices.
import { ApiError } from "../machinery/errors";
import { isIPv4 } from "../machinery/validation";
import { LAST_CHANGE_TRIGGER_TIME_ANNOTATION, type EndpointAddressT, type Endpoints } from "../resources/endpoints";
import { endpointSlices, MANAGED_BY_LABEL, SERVICE_NAME_LABEL, type EndpointSlice, type EndpointSlicePortT, type EndpointT } from "../resources/endpointslice";
import type { Service } from "../resources/service";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";
import { SliceTracker } from "./endpointSlice";
import { allKeys, controllerRef } from "./podControl";
import { canonical, hasSelector } from "./serviceMembers";

export const MIRRORING_CONTROLLER = "endpointslicemirroring";
export const MIRRORING_MANAGER = "endpointslicemirroring-controller.k8s.io";
export const SKIP_MIRROR_LABEL = "endpointslice.kubernetes.io/skip-mirror";
/** --mirroring-max-endpoints-per-subset default; also the most endpoints per mirrored slice. */
export const MAX_MIRRORED_PER_SUBSET = 1000;
const LEADER_ANNOTATION = "control-plane.alpha.kubernetes.io/leader";
const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export function endpointSliceMirroringController(): Controller {
  const tracker = new SliceTracker();
  return {
    name: MIRRORING_CONTROLLER,
    keysFor(c) {
      if (c.resource === "services" || c.resource === "endpoints") return [`${c.namespace}/${c.name}`];
      return tracker.keysFor(c, MIRRORING_MANAGER);
    },
    resync(ctx) {
      return allKeys(ctx, "endpoints");
    },
    regarding(key) {
      const [namespace, name] = splitKey(key);
      return { apiVersion: "v1", kind: "Endpoints", namespace, name };
    },
    reconcile(key, ctx) {
      const [ns, name] = splitKey(key);
      ctx.store.transaction(() => mirror(ctx, tracker, ns, name));
    },
  };
}

function shouldMirror(svc: Service | undefined, ep: Endpoints | undefined): ep is Endpoints {
  if (!svc || !ep) return false;
  if (hasSelector(svc)) return false;
  if (ep.metadata.labels?.[SKIP_MIRROR_LABEL] === "true") return false;
  return !(LEADER_ANNOTATION in (ep.metadata.annotations ?? {}));
}

interface Group {
  addressType: "IPv4" | "IPv6";
  ports: EndpointSlicePortT[];
  endpoints: EndpointT[];
}

/** The mirrored slices' content, grouped by address type and ports. */
function desiredGroups(ep: Endpoints): Map<string, Group> {
  const groups = new Map<string, Group>();
  for (const ss of ep.subsets ?? []) {
    const ports: EndpointSlicePortT[] = (ss.ports ?? []).map((p) => ({ name: p.name ?? "", port: p.port, protocol: p.protocol ?? "TCP", ...(p.appProtocol !== undefined ? { appProtocol: p.appProtocol } : {}) }));
    // Ready addresses first, then not-ready ones, up to the bound per subset.
    const all = [...(ss.addresses ?? []).map((a) => [a, true] as const), ...(ss.notReadyAddresses ?? []).map((a) => [a, false] as const)].slice(0, MAX_MIRRORED_PER_SUBSET);
    for (const [addr, ready] of all) {
      const addressType = isIPv4(addr.ip) ? "IPv4" : "IPv6";
      const key = `${addressType}|${canonical(ports)}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { addressType, ports, endpoints: [] }));
      if (g.endpoints.some((e) => e.addresses[0] === addr.ip)) continue;
      g.endpoints.push(toEndpoint(addr, ready));
    }
  }
  return groups;
}

function toEndpoint(a: EndpointAddressT, ready: boolean): EndpointT {
  return {
    addresses: [a.ip],
    conditions: { ready },
    ...(a.hostname ? { hostname: a.hostname } : {}),
    ...(a.targetRef ? { targetRef: a.targetRef } : {}),
    ...(a.nodeName !== undefined ? { nodeName: a.nodeName } : {}),
  };
}

function mirror(ctx: ControllerContext, tracker: SliceTracker, ns: string, name: string) {
  const svc = ctx.api.peek<Service>("services", ns, name);
  const ep = ctx.api.peek<Endpoints>("endpoints", ns, name);
  const needle = `"${SERVICE_NAME_LABEL}":${JSON.stringify(name)}`;
  const existing: EndpointSlice[] = [];
  for (const row of ctx.store.scan("discovery.k8s.io/endpointslices", ns)) {
    if (!row.body.includes(needle) || !row.body.includes(MIRRORING_MANAGER)) continue;
    const s = JSON.parse(row.body) as EndpointSlice;
    if (s.metadata.labels?.[SERVICE_NAME_LABEL] === name && s.metadata.labels?.[MANAGED_BY_LABEL] === MIRRORING_MANAGER && !s.metadata.deletionTimestamp) existing.push(s);
  }
  const desired: EndpointSlice[] = [];
  if (shouldMirror(svc, ep)) {
    const labels: Record<string, string> = { ...(ep.metadata.labels ?? {}), [SERVICE_NAME_LABEL]: name, [MANAGED_BY_LABEL]: MIRRORING_MANAGER };
    const annotations: Record<string, string> = {};
    for (const [k, v] of Object.entries(ep.metadata.annotations ?? {})) if (k !== LAST_CHANGE_TRIGGER_TIME_ANNOTATION && k !== LAST_APPLIED) annotations[k] = v;
    for (const g of desiredGroups(ep).values()) {
      for (let i = 0; i < g.endpoints.length; i += MAX_MIRRORED_PER_SUBSET) {
        desired.push({
          apiVersion: "discovery.k8s.io/v1",
          kind: "EndpointSlice",
          metadata: { generateName: `${name}-`, namespace: ns, labels, annotations, ownerReferences: [controllerRef(ep)] },
          addressType: g.addressType,
          endpoints: g.endpoints.slice(i, i + MAX_MIRRORED_PER_SUBSET),
          ...(g.ports.length ? { ports: g.ports } : {}),
        });
      }
    }
  }
  // Reuse existing slices of the same address type and ports, in order; delete what is left over.
  const pool = [...existing];
  for (const want of desired) {
    const i = pool.findIndex((s) => s.addressType === want.addressType && canonical(s.ports ?? []) === canonical(want.ports ?? []));
    if (i < 0) {
      const res = ctx.api.create(endpointSlices, ns, want, { trusted: true });
      tracker.wrote(ns, res.object.metadata.name!, res.object.metadata.resourceVersion);
      continue;
    }
    const [have] = pool.splice(i, 1);
    const next: EndpointSlice = { ...have, metadata: { ...have.metadata, labels: want.metadata.labels, annotations: want.metadata.annotations, ownerReferences: want.metadata.ownerReferences }, endpoints: want.endpoints };
    if (canonical(next) === canonical(have)) continue;
    const res = ctx.api.update(endpointSlices, ns, have.metadata.name!, next, { trusted: true });
    tracker.wrote(ns, have.metadata.name!, res.object.metadata.resourceVersion);
  }
  for (const s of pool) {
    tracker.deleted(ns, s.metadata.name!);
    try {
      ctx.api.delete(endpointSlices, ns, s.metadata.name!, {});
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 404)) throw e;
    }
  }
}
