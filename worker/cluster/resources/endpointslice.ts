// EndpointSlice (discovery.k8s.io/v1): a slice of a Service's endpoints, at most 1000 per object
// (the controllers fill at most 100). kube-proxy and CoreDNS read these, not core/v1 Endpoints.
import type { z } from "zod";
import { bool, int32, list, oneOf, opt, type Problems, PTR, req, str, strMap, struct, UNCHECKED } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { dns1123Label, dns1123Subdomain, isIP, isIPv4, labelValue, qualifiedName } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { specialIPProblems } from "./endpoints";
import { ObjectReference, PROTOCOLS } from "./types/core";
import { checkLabels, objectSchema } from "./types/meta";

const DISCOVERY = "io.k8s.api.discovery.v1";
const n = (s: string) => `${DISCOVERY}.${s}`;

/** Sorted, as the API server lists them. The deprecated "IP" is accepted by kube-apiserver only
 * on slices that already carry it, and none here ever did, so it is refused like any other. */
export const ADDRESS_TYPES = ["FQDN", "IPv4", "IPv6"] as const;

export const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;
const MAX_TOPOLOGY_LABELS = 16;
const MAX_ZONE_HINTS = 8;

export const SERVICE_NAME_LABEL = "kubernetes.io/service-name";
export const MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by";

const EndpointConditions = struct(n("EndpointConditions"), "What is known about an endpoint's readiness.", {
  ready: opt(1, bool, PTR, "The endpoint is ready for traffic; false while it terminates."),
  serving: opt(2, bool, PTR, "The endpoint passes its readiness checks, even while terminating."),
  terminating: opt(3, bool, PTR, "The endpoint is terminating."),
});

const EndpointHints = struct(n("EndpointHints"), "Where an endpoint should be consumed from, for topology-aware routing.", {
  forZones: opt(1, list(struct(n("ForZone"), "A zone that should consume the endpoint.", { name: req(1, str, "Name of the zone.") }), { listType: "atomic" }), "Zones that should consume the endpoint."),
  forNodes: opt(2, list(struct(n("ForNode"), "A node that should consume the endpoint.", { name: req(1, str, "Name of the node.") }), { listType: "atomic" }), "Nodes that should consume the endpoint."),
});

export const Endpoint = struct(n("Endpoint"), "One endpoint of a Service: a pod's address and what is known about it.", {
  addresses: req(1, list(str, { listType: "set" }), "Addresses of the endpoint, of the slice's addressType (one for a pod)."),
  conditions: opt(2, EndpointConditions, "Readiness of the endpoint."),
  hostname: opt(3, str, PTR, "Hostname of the endpoint, for DNS."),
  targetRef: opt(4, ObjectReference, "The object behind the endpoint, usually a Pod."),
  deprecatedTopology: opt(5, strMap, "Deprecated topology labels; use nodeName and zone."),
  nodeName: opt(6, str, PTR, "Node hosting the endpoint."),
  zone: opt(7, str, PTR, "Zone of the endpoint."),
  hints: opt(8, EndpointHints, "Routing hints."),
});
export type EndpointT = z.infer<typeof Endpoint>;

export const EndpointSlicePort = struct(n("EndpointPort"), "A port of the slice's endpoints.", {
  name: opt(1, str, PTR, "Name of the port, matching the Service port's name; empty when unnamed."),
  protocol: opt(2, oneOf(...PROTOCOLS), PTR, "TCP (the default), UDP or SCTP."),
  port: opt(3, int32, PTR, "Port number; unset means all ports."),
  appProtocol: opt(4, str, PTR, "Application protocol of the port."),
});
export type EndpointSlicePortT = z.infer<typeof EndpointSlicePort>;

export const EndpointSliceSchema = objectSchema(
  n("EndpointSlice"),
  "A subset of the endpoints behind a Service. A Service's endpoints are spread over slices of at most 1000 endpoints, found by the kubernetes.io/service-name label.",
  { group: "discovery.k8s.io", version: "v1", kind: "EndpointSlice" },
  {
    addressType: req(4, oneOf(...ADDRESS_TYPES), "Type of the addresses: IPv4, IPv6 or FQDN. Immutable."),
    // Required in the API's schema, yet an empty slice (the controllers' placeholder) is valid.
    endpoints: req(2, list(Endpoint, { listType: "atomic" }), UNCHECKED, "The endpoints, at most 1000."),
    ports: opt(3, list(EndpointSlicePort, { listType: "atomic" }), "Ports every endpoint serves, at most 100."),
  },
  { check: (o, p) => checkSlice(o as EndpointSlice, p) },
);

// addressType and endpoints are required by the schema, but optional in the type so a slice is a KObject like any other.
export type EndpointSlice = Omit<z.infer<typeof EndpointSliceSchema>, "addressType" | "endpoints"> & { addressType?: (typeof ADDRESS_TYPES)[number]; endpoints?: EndpointT[] } & KObject;

function checkSlice(s: EndpointSlice, p: Problems) {
  checkEndpoints(s.endpoints ?? [], s.addressType ?? "", p.at("endpoints"));
  checkPorts(s.ports ?? [], p.at("ports"));
}

function checkEndpoints(eps: EndpointT[], type: string, p: Problems) {
  if (eps.length > MAX_ENDPOINTS) return p.tooMany([], eps.length, MAX_ENDPOINTS);
  eps.forEach((ep, i) => {
    const at = p.at(i);
    const addrs = ep.addresses ?? [];
    if (addrs.length > MAX_ADDRESSES) at.tooMany(["addresses"], addrs.length, MAX_ADDRESSES);
    addrs.forEach((a, j) => {
      const path = ["addresses", j];
      if (type === "IPv4") {
        if (!isIPv4(a)) at.invalid(path, a, "must be a valid IPv4 address");
        else for (const e of specialIPProblems(a)) at.invalid(path, a, e);
      } else if (type === "IPv6") {
        if (!isIP(a) || isIPv4(a)) at.invalid(path, a, "must be a valid IPv6 address");
        else for (const e of specialIPProblems(a)) at.invalid(path, a, e);
      } else if (type === "FQDN") {
        for (const e of dns1123Subdomain(a)) at.invalid(path, a, e);
      }
    });
    const topo = ep.deprecatedTopology;
    if (topo && Object.keys(topo).length > MAX_TOPOLOGY_LABELS) at.tooMany(["deprecatedTopology"], Object.keys(topo).length, MAX_TOPOLOGY_LABELS);
    checkLabels(topo, at.at("deprecatedTopology"));
    if (ep.hostname !== undefined) for (const e of dns1123Label(ep.hostname)) at.invalid(["hostname"], ep.hostname, e);
    if (ep.nodeName !== undefined) for (const e of dns1123Subdomain(ep.nodeName)) at.invalid(["nodeName"], ep.nodeName, e);
    if (ep.zone !== undefined) for (const e of labelValue(ep.zone)) at.invalid(["zone"], ep.zone, e);
    const zones = ep.hints?.forZones ?? [];
    if (zones.length > MAX_ZONE_HINTS) at.tooMany(["hints", "forZones"], zones.length, MAX_ZONE_HINTS);
    const seen = new Set<string>();
    zones.forEach((z, j) => {
      if (!z.name) return;
      if (seen.has(z.name)) at.duplicate(["hints", "forZones", j], z.name);
      seen.add(z.name);
      for (const e of labelValue(z.name)) at.invalid(["hints", "forZones", j, "name"], z.name, e);
    });
  });
}

function checkPorts(ports: EndpointSlicePortT[], p: Problems) {
  if (ports.length > MAX_PORTS) return p.tooMany([], ports.length, MAX_PORTS);
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const at = p.at(i);
    const name = port.name ?? "";
    if (name) for (const e of dns1123Label(name)) at.invalid(["name"], name, e);
    if (names.has(name)) at.duplicate(["name"], name);
    names.add(name);
    if (port.protocol === undefined) at.required(["protocol"]);
    if (port.appProtocol !== undefined) for (const e of qualifiedName(port.appProtocol)) at.invalid(["appProtocol"], port.appProtocol, e);
  });
}

/** The first three of a list and "+ N more...", `<unset>` when empty: kube-apiserver's slice printer. */
function moreText(items: string[]): string {
  const max = 3;
  if (items.length > max) return `${items.slice(0, max).join(",")} + ${items.length - max} more...`;
  return items.length ? items.join(",") : "<unset>";
}

function portsText(s: EndpointSlice): string {
  return moreText((s.ports ?? []).map((p) => (p.port !== undefined ? String(p.port) : p.name ? p.name : "*")));
}

function endpointsText(s: EndpointSlice): string {
  return moreText((s.endpoints ?? []).flatMap((ep) => ep.addresses ?? []));
}

export const endpointSlices = defineKind<EndpointSlice>({
  group: "discovery.k8s.io",
  version: "v1",
  kind: "EndpointSlice",
  plural: "endpointslices",
  singular: "endpointslice",
  namespaced: true,
  schema: EndpointSliceSchema,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the EndpointSlice.", cell: (o) => o.metadata.name ?? "" },
    { name: "AddressType", type: "string", description: "Type of the addresses.", cell: (o) => o.addressType ?? "" },
    { name: "Ports", type: "string", description: "Ports of the endpoints.", cell: (o) => portsText(o) },
    { name: "Endpoints", type: "string", description: "Addresses of the endpoints.", cell: (o) => endpointsText(o) },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    for (const port of o.ports ?? []) {
      port.name ??= "";
      port.protocol ??= "TCP";
    }
  },
  validateUpdate(o, old, p) {
    if (o.addressType !== old.addressType) p.invalid(["addressType"], o.addressType ?? "", "field is immutable");
  },
});
