// Endpoints (core/v1): the addresses behind a Service, kept by the endpoints controller (or by
// hand for a Service without a selector). Superseded by discovery.k8s.io/v1 EndpointSlice and
// deprecated from Kubernetes 1.33, but still served and still written.
import type { z } from "zod";
import { int32, list, oneOf, opt, type Problems, PTR, req, str, struct, ALWAYS } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { dns1123Label, dns1123Subdomain, isIP, isIPv4, portNumber, qualifiedName } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { ObjectReference, PROTOCOLS } from "./types/core";
import { objectSchema } from "./types/meta";

const CORE = "io.k8s.api.core.v1";
const n = (s: string) => `${CORE}.${s}`;

/** The warning kube-apiserver 1.33+ attaches to every v1 Endpoints request. */
export const ENDPOINTS_DEPRECATION_WARNING = "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice";

/** The annotation the endpoints controller sets when it keeps only the first 1000 addresses. */
export const OVER_CAPACITY_ANNOTATION = "endpoints.kubernetes.io/over-capacity";
export const LAST_CHANGE_TRIGGER_TIME_ANNOTATION = "endpoints.kubernetes.io/last-change-trigger-time";

export const EndpointAddress = struct(n("EndpointAddress"), "One address of an endpoint.", {
  ip: req(1, str, ALWAYS, "IP address of the endpoint."),
  hostname: opt(3, str, "Hostname of the endpoint (a headless Service's pod with spec.hostname)."),
  nodeName: opt(4, str, PTR, "Node hosting the endpoint."),
  targetRef: opt(2, ObjectReference, "The object behind the address, usually a Pod."),
});
export type EndpointAddressT = z.infer<typeof EndpointAddress>;

export const EndpointPort = struct(n("EndpointPort"), "A port of an endpoint.", {
  name: opt(1, str, "Name of the port, matching the Service port's name; optional when there is one port."),
  port: req(2, int32, ALWAYS, "Port number."),
  protocol: opt(3, oneOf(...PROTOCOLS), "TCP (the default), UDP or SCTP."),
  appProtocol: opt(4, str, PTR, "Application protocol of the port."),
});
export type EndpointPortT = z.infer<typeof EndpointPort>;

export const EndpointSubset = struct(n("EndpointSubset"), "A set of addresses sharing a set of ports: every address serves every port.", {
  addresses: opt(1, list(EndpointAddress, { listType: "atomic" }), "Addresses ready to serve."),
  notReadyAddresses: opt(2, list(EndpointAddress, { listType: "atomic" }), "Addresses not ready yet, or no longer ready."),
  ports: opt(3, list(EndpointPort, { listType: "atomic" }), "Ports every address serves."),
});
export type EndpointSubsetT = z.infer<typeof EndpointSubset>;

/** Addresses an endpoint may not have, as ValidateNonSpecialIP refuses them. */
export function specialIPProblems(ip: string): string[] {
  if (!isIPv4(ip)) {
    if (!isIP(ip)) return ["must be a valid IP address"];
    const lower = ip.toLowerCase();
    if (/^(0*:)*:?0*$/.test(lower) || lower === "::") return [`may not be unspecified (${ip})`];
    if (lower === "::1") return ["may not be in the loopback range (127.0.0.0/8, ::1/128)"];
    if (/^fe[89ab]/.test(lower)) return ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"];
    if (lower.startsWith("ff02:")) return ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"];
    return [];
  }
  const [a, b, c] = ip.split(".").map(Number);
  if (ip === "0.0.0.0") return [`may not be unspecified (${ip})`];
  if (a === 127) return ["may not be in the loopback range (127.0.0.0/8, ::1/128)"];
  if (a === 169 && b === 254) return ["may not be in the link-local range (169.254.0.0/16, fe80::/10)"];
  if (a === 224 && b === 0 && c === 0) return ["may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"];
  return [];
}

function checkAddress(a: EndpointAddressT, p: Problems) {
  if (!isIP(a.ip ?? "")) p.invalid(["ip"], a.ip ?? "", "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
  else for (const e of specialIPProblems(a.ip)) p.invalid(["ip"], a.ip, e);
  if (a.hostname) for (const e of dns1123Label(a.hostname)) p.invalid(["hostname"], a.hostname, e);
  if (a.nodeName !== undefined) for (const e of dns1123Subdomain(a.nodeName)) p.invalid(["nodeName"], a.nodeName, e);
}

function checkPort(port: EndpointPortT, requireName: boolean, p: Problems) {
  if (requireName && !port.name) p.required(["name"]);
  else if (port.name) for (const e of dns1123Label(port.name)) p.invalid(["name"], port.name, e);
  for (const e of portNumber(port.port ?? 0)) p.invalid(["port"], port.port ?? 0, e);
  if (port.appProtocol !== undefined) for (const e of qualifiedName(port.appProtocol)) p.invalid(["appProtocol"], port.appProtocol, e);
}

function checkSubsets(subsets: EndpointSubsetT[], p: Problems) {
  subsets.forEach((ss, i) => {
    const at = p.at("subsets", i);
    if (!ss.addresses?.length && !ss.notReadyAddresses?.length) at.required([], "must specify `addresses` or `notReadyAddresses`");
    (ss.addresses ?? []).forEach((a, j) => checkAddress(a, at.at("addresses", j)));
    (ss.notReadyAddresses ?? []).forEach((a, j) => checkAddress(a, at.at("notReadyAddresses", j)));
    const ports = ss.ports ?? [];
    ports.forEach((port, j) => checkPort(port, ports.length > 1, at.at("ports", j)));
  });
}

export const EndpointsSchema = objectSchema(
  n("Endpoints"),
  "The addresses and ports that implement a Service, grouped into subsets. Deprecated in favour of discovery.k8s.io/v1 EndpointSlice.",
  { group: "", version: "v1", kind: "Endpoints" },
  { subsets: opt(2, list(EndpointSubset, { listType: "atomic" }), "Sets of addresses with the ports they all serve.") },
  { check: (o, p) => checkSubsets((o as Endpoints).subsets ?? [], p) },
);

export type Endpoints = z.infer<typeof EndpointsSchema> & KObject;

/**
 * kubectl's ENDPOINTS cell: the first three ready ip:port pairs (bare IPs for a subset without
 * ports) and "+ N more..."; `<none>` when there are no subsets at all.
 */
export function endpointsText(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (!subsets.length) return "<none>";
  const max = 3;
  const shown: string[] = [];
  let count = 0;
  for (const ss of subsets) {
    const addrs = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    const perPort = ports.length ? ports.map((pt) => pt.port) : [undefined];
    for (const port of perPort) {
      count += addrs.length;
      for (const a of addrs) {
        if (shown.length === max) break;
        shown.push(port === undefined ? a.ip : joinHostPort(a.ip, port));
      }
    }
  }
  const text = shown.join(",");
  return count > max ? `${text} + ${count - max} more...` : text;
}

function joinHostPort(ip: string, port: number): string {
  return ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export const endpoints = defineKind<Endpoints>({
  group: "",
  version: "v1",
  kind: "Endpoints",
  plural: "endpoints",
  singular: "endpoints",
  namespaced: true,
  shortNames: ["ep"],
  schema: EndpointsSchema,
  allowUnconditionalUpdate: true,
  deprecated: { sinceMinor: 33, warning: ENDPOINTS_DEPRECATION_WARNING },
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the Endpoints, the same as its Service's.", cell: (o) => o.metadata.name ?? "" },
    { name: "Endpoints", type: "string", description: "Ready addresses with their ports.", cell: (o) => endpointsText(o) },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    for (const ss of o.subsets ?? []) for (const port of ss.ports ?? []) port.protocol ||= "TCP";
  },
});
