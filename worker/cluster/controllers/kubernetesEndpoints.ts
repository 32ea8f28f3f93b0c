// kube-apiserver's endpoint reconciler, as a loop controller: the `kubernetes` Service in
// `default` has no selector; each API server writes its own address into the Endpoints and the
// EndpointSlice named `kubernetes`. Here every control-plane node runs one, listening on its
// InternalIP at 6443, so the list follows control-plane nodes joining and leaving. A stopped
// control-plane machine's API server stops renewing its lease and drops out (here when its node
// is next seen to change: the node controller marks it NotReady). The Endpoints carry
// skip-mirror (the API server writes the slice itself).
import { canonical } from "./serviceMembers";
import { endpoints, type Endpoints } from "../resources/endpoints";
import { endpointSlices, SERVICE_NAME_LABEL, type EndpointSlice } from "../resources/endpointslice";
import type { Node } from "../resources/node";
import type { Controller, ControllerContext } from "../loop/loop";
import { SKIP_MIRROR_LABEL } from "./endpointSliceMirroring";

export const KUBERNETES_ENDPOINTS = "apiserver-endpoints";
const NS = "default";
const NAME = "kubernetes";
const KEY = `${NS}/${NAME}`;
const SECURE_PORT = 6443;
const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

export const kubernetesEndpointsController: Controller = {
  name: KUBERNETES_ENDPOINTS,
  keysFor(c) {
    if (c.resource === "nodes") return c.body.includes(`"${CONTROL_PLANE_LABEL}"`) || c.prev?.labels[CONTROL_PLANE_LABEL] !== undefined ? [KEY] : [];
    const ours = c.namespace === NS && c.name === NAME;
    return ours && (c.resource === "services" || c.resource === "endpoints" || c.resource === "discovery.k8s.io/endpointslices") ? [KEY] : [];
  },
  resync() {
    return [KEY];
  },
  regarding() {
    return { apiVersion: "v1", kind: "Service", namespace: NS, name: NAME };
  },
  reconcile(_key, ctx) {
    if (!ctx.api.peek("services", NS, NAME)) return;
    ctx.store.transaction(() => write(ctx, apiServerAddresses(ctx)));
  },
};

/** The InternalIP of every running control-plane node, sorted as the reconciler sorts them. */
function apiServerAddresses(ctx: ControllerContext): string[] {
  const ips: string[] = [];
  for (const row of ctx.api.scanStoredFields("nodes", "", ["$.metadata.labels", "$.status.addresses", "$.metadata.deletionTimestamp"])) {
    const [labels, addresses, deleting] = row.values;
    if (deleting || typeof labels !== "string" || !(CONTROL_PLANE_LABEL in (JSON.parse(labels) as Record<string, string>))) continue;
    if (!ctx.machines.isRunning(row.name)) continue;
    const addrs = typeof addresses === "string" ? (JSON.parse(addresses) as NonNullable<Node["status"]>["addresses"]) : [];
    const ip = addrs?.find((a) => a.type === "InternalIP")?.address;
    if (ip) ips.push(ip);
  }
  return ips.sort();
}

function write(ctx: ControllerContext, ips: string[]) {
  const ep: Endpoints = {
    apiVersion: "v1",
    kind: "Endpoints",
    metadata: { name: NAME, namespace: NS, labels: { [SKIP_MIRROR_LABEL]: "true" } },
    ...(ips.length ? { subsets: [{ addresses: ips.map((ip) => ({ ip })), ports: [{ name: "https", port: SECURE_PORT, protocol: "TCP" as const }] }] } : {}),
  };
  const slice: EndpointSlice = {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { name: NAME, namespace: NS, labels: { [SERVICE_NAME_LABEL]: NAME } },
    addressType: "IPv4",
    // As the API server's adapter writes it: ports only when there is an address.
    ...(ips.length ? { endpoints: ips.map((ip) => ({ addresses: [ip], conditions: { ready: true } })), ports: [{ name: "https", port: SECURE_PORT, protocol: "TCP" as const }] } : {}),
  };
  upsert(ctx, endpoints, "endpoints", ep, (o) => [o.metadata.labels, o.subsets ?? []]);
  upsert(ctx, endpointSlices, "discovery.k8s.io/endpointslices", slice, (o) => [o.metadata.labels, o.addressType, o.endpoints ?? [], o.ports ?? []]);
}

function upsert<T extends Endpoints | EndpointSlice>(ctx: ControllerContext, def: typeof endpoints | typeof endpointSlices, storage: string, want: T, view: (o: T) => unknown) {
  const have = ctx.api.peek<T>(storage, NS, NAME);
  if (!have) {
    ctx.api.create(def, NS, want, { trusted: true });
    return;
  }
  if (canonical(view(have)) === canonical(view(want))) return;
  const next = { ...have, ...want, metadata: { ...have.metadata, labels: want.metadata.labels } } as T;
  for (const f of ["subsets", "endpoints", "ports"]) if (!(f in want)) delete (next as Record<string, unknown>)[f];
  ctx.api.update(def, NS, NAME, next, { trusted: true });
}
