// Service (core/v1): a stable address for a set of pods. ClusterIPs come from the cluster's
// serviceSubnet and NodePorts from its node port range, allocated in the write transaction.
import type { z } from "zod";
import { errors } from "../machinery/errors";
import { cidrContains, nthAddress, parseCidr } from "../machinery/cidr";
import { ALWAYS, bool, int32, intOrString, type K8sIssue, list, oneOf, opt, PTR, req, str, strMap, struct, UNCHECKED } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { dns1035Label, dns1123Label, dns1123Subdomain, portName } from "../machinery/validation";
import { defineKind, type HookContext, type KObject } from "./define";
import { PROTOCOLS } from "./types/core";
import { Condition, objectSchema } from "./types/meta";

const CORE = "io.k8s.api.core.v1";
const n = (s: string) => `${CORE}.${s}`;

export const SERVICE_TYPES = ["ClusterIP", "NodePort", "LoadBalancer", "ExternalName"] as const;

export const ServicePort = struct(n("ServicePort"), "A port the service exposes.", {
  name: opt(1, str, "Name of the port; required when there are several, unique in the service."),
  protocol: opt(2, oneOf(...PROTOCOLS), "TCP (the default), UDP or SCTP."),
  appProtocol: opt(6, str, PTR, "Application protocol, such as http or kubernetes.io/h2c."),
  port: req(3, int32, ALWAYS, UNCHECKED, "Port the service listens on."),
  targetPort: opt(4, intOrString, "Port number or named container port on the pods; defaults to port."),
  nodePort: opt(5, int32, "Port opened on every node for NodePort and LoadBalancer services; allocated when not given."),
});

const SessionAffinityConfig = struct(n("SessionAffinityConfig"), "Session affinity settings.", {
  clientIP: opt(1, struct(n("ClientIPConfig"), "Client IP affinity settings.", { timeoutSeconds: opt(1, int32, PTR, "Stickiness in seconds (default 10800).") }), "Client IP affinity."),
});

export const ServiceSpec = struct(n("ServiceSpec"), "How a service selects pods and exposes them.", {
  ports: opt(1, list(ServicePort, { key: "port", strategy: "merge", listType: "map", mapKeys: ["port", "protocol"] }), "Ports the service exposes."),
  selector: opt(2, strMap, "Labels of the pods traffic goes to."),
  clusterIP: opt(3, str, "Virtual IP of the service, allocated from the service range; None for a headless service."),
  clusterIPs: opt(18, list(str, { listType: "atomic" }), "Virtual IPs, one per IP family; the first equals clusterIP."),
  type: opt(4, oneOf(...SERVICE_TYPES), "ClusterIP (the default), NodePort, LoadBalancer or ExternalName."),
  externalIPs: opt(5, list(str, { listType: "atomic" }), "Extra addresses nodes accept traffic for."),
  sessionAffinity: opt(7, oneOf("ClientIP", "None"), "None (the default) or ClientIP."),
  loadBalancerIP: opt(8, str, "Deprecated: requested load balancer address."),
  loadBalancerSourceRanges: opt(9, list(str, { listType: "atomic" }), "Client ranges allowed through the load balancer."),
  externalName: opt(10, str, "DNS name the service aliases, for ExternalName."),
  externalTrafficPolicy: opt(11, oneOf("Cluster", "Local"), "Cluster or Local, for traffic from outside."),
  healthCheckNodePort: opt(12, int32, "Health check node port for Local external traffic."),
  publishNotReadyAddresses: opt(13, bool, "Include pods that are not ready in the endpoints."),
  sessionAffinityConfig: opt(14, SessionAffinityConfig, "Session affinity settings."),
  ipFamilies: opt(19, list(oneOf("IPv4", "IPv6"), { listType: "atomic" }), "IP families of the service."),
  ipFamilyPolicy: opt(17, oneOf("SingleStack", "PreferDualStack", "RequireDualStack"), PTR, "Dual-stack preference."),
  allocateLoadBalancerNodePorts: opt(20, bool, PTR, "Whether LoadBalancer services get node ports (default true)."),
  loadBalancerClass: opt(21, str, PTR, "Load balancer implementation."),
  internalTrafficPolicy: opt(22, oneOf("Cluster", "Local"), PTR, "Cluster or Local, for traffic from inside."),
  trafficDistribution: opt(23, str, PTR, "Preference for how traffic is spread, such as PreferClose."),
});

const LoadBalancerIngress = struct(n("LoadBalancerIngress"), "An entry point of a load balancer.", {
  ip: opt(1, str, "IP address."),
  hostname: opt(2, str, "DNS name."),
  ipMode: opt(3, oneOf("VIP", "Proxy"), PTR, "How the address is used."),
  ports: opt(4, list(struct(n("PortStatus"), "Status of a port.", { port: req(1, int32, ALWAYS), protocol: req(2, str, ALWAYS), error: opt(3, str, PTR) }), { listType: "atomic" }), "Port status."),
});

export const ServiceStatus = struct(n("ServiceStatus"), "What is known about a service.", {
  loadBalancer: opt(1, struct(n("LoadBalancerStatus"), "A load balancer's entry points.", { ingress: opt(1, list(LoadBalancerIngress, { listType: "atomic" }), "Entry points.") }), ALWAYS, "Load balancer status."),
  conditions: opt(2, list(Condition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "Conditions."),
});

export const ServiceSchema = objectSchema(
  n("Service"),
  "A stable virtual address and DNS name for a set of pods, selected by labels.",
  { group: "", version: "v1", kind: "Service" },
  {
    spec: opt(2, ServiceSpec, ALWAYS, "How the service selects and exposes pods."),
    status: opt(3, ServiceStatus, ALWAYS, "Load balancer status."),
  },
  { check: (o, p) => checkService(o as Service, p) },
);

export type Service = z.infer<typeof ServiceSchema> & KObject;
type ServiceSpecT = NonNullable<Service["spec"]>;

function needsClusterIP(s: ServiceSpecT): boolean {
  return s.type !== "ExternalName";
}
function needsNodePorts(s: ServiceSpecT): boolean {
  return s.type === "NodePort" || (s.type === "LoadBalancer" && s.allocateLoadBalancerNodePorts !== false);
}

function checkService(svc: Service, p: import("../machinery/schema/dsl").Problems) {
  const s = svc.spec;
  if (!s) return;
  const headless = s.clusterIP === "None";
  const ports = s.ports ?? [];
  if (s.type === "ExternalName") {
    if (!s.externalName) p.required(["spec", "externalName"]);
    else for (const e of dns1123Subdomain(s.externalName)) p.invalid(["spec", "externalName"], s.externalName, e);
  } else if (ports.length === 0 && !headless) {
    p.required(["spec", "ports"]);
  }
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const path = ["spec", "ports", i];
    if (ports.length > 1 && !port.name) p.required([...path, "name"]);
    if (port.name) {
      for (const e of dns1123Label(port.name)) p.invalid([...path, "name"], port.name, e);
      if (names.has(port.name)) p.duplicate([...path, "name"], port.name);
      names.add(port.name);
    }
    if (port.port !== undefined && (port.port < 1 || port.port > 65535)) p.invalid([...path, "port"], port.port, "must be between 1 and 65535, inclusive");
    const tp = port.targetPort;
    if (typeof tp === "number" && (tp < 1 || tp > 65535)) p.invalid([...path, "targetPort"], tp, "must be between 1 and 65535, inclusive");
    if (typeof tp === "string") for (const e of portName(tp)) p.invalid([...path, "targetPort"], tp, e);
    if (port.nodePort && !needsNodePorts(s)) p.forbidden([...path, "nodePort"], `may not be used when \`type\` is '${s.type ?? "ClusterIP"}'`);
  });
}

const CLUSTER_IP_POOL = "clusterip";
const NODE_PORT_POOL = "nodeport";

function ownerKey(svc: Service): string {
  return `${svc.metadata.namespace}/${svc.metadata.name}`;
}

function fail(svc: Service, issues: K8sIssue[]): never {
  throw errors.invalid("", "Service", svc.metadata.name ?? "", issues);
}

function allocateClusterIP(svc: Service, ctx: HookContext) {
  const s = svc.spec!;
  if (s.clusterIP === "None") {
    s.clusterIPs = ["None"];
    return;
  }
  const range = parseCidr(ctx.cluster.serviceSubnet)!;
  const wanted = s.clusterIP || s.clusterIPs?.[0];
  if (wanted) {
    if (!cidrContains(range, wanted))
      fail(svc, [{ path: ["spec", "clusterIPs"], reason: "FieldValueInvalid", message: `Invalid value: []string{"${wanted}"}: failed to allocate IP ${wanted}: the provided IP (${wanted}) is not in the valid range. The range of valid IPs is ${ctx.cluster.serviceSubnet}` }]);
    if (ctx.allocations.isTaken(CLUSTER_IP_POOL, wanted))
      fail(svc, [{ path: ["spec", "clusterIPs"], reason: "FieldValueInvalid", message: `Invalid value: []string{"${wanted}"}: failed to allocate IP ${wanted}: provided IP is already allocated` }]);
    ctx.allocations.take(CLUSTER_IP_POOL, wanted, ownerKey(svc));
    s.clusterIP = wanted;
  } else {
    // Skip the network address; the last address is broadcast.
    const ip = ctx.allocations.pick(CLUSTER_IP_POOL, range.size - 2, (i) => nthAddress(range, i + 1), ownerKey(svc));
    if (!ip) fail(svc, [{ path: ["spec", "clusterIPs"], reason: "FieldValueInvalid", message: `Invalid value: []string{}: failed to allocate IP: range is full` }]);
    s.clusterIP = ip;
  }
  s.clusterIPs = [s.clusterIP!];
}

function allocateNodePorts(svc: Service, ctx: HookContext, only?: Set<number>) {
  const s = svc.spec!;
  const [lo, hi] = ctx.cluster.nodePortRange;
  (s.ports ?? []).forEach((port, i) => {
    if (only && !only.has(i)) return;
    if (port.nodePort) {
      const np = port.nodePort;
      if (np < lo || np > hi)
        fail(svc, [{ path: ["spec", "ports", i, "nodePort"], reason: "FieldValueInvalid", message: `Invalid value: ${np}: provided port is not in the valid range. The range of valid ports is ${lo}-${hi}` }]);
      if (ctx.allocations.isTaken(NODE_PORT_POOL, String(np)))
        fail(svc, [{ path: ["spec", "ports", i, "nodePort"], reason: "FieldValueInvalid", message: `Invalid value: ${np}: provided port is already allocated` }]);
      ctx.allocations.take(NODE_PORT_POOL, String(np), ownerKey(svc));
    } else {
      const v = ctx.allocations.pick(NODE_PORT_POOL, hi - lo + 1, (k) => String(lo + k), ownerKey(svc));
      if (!v) fail(svc, [{ path: ["spec", "ports", i, "nodePort"], reason: "FieldValueInvalid", message: `Invalid value: 0: range is full` }]);
      port.nodePort = Number(v);
    }
  });
}

function defaultSpec(s: ServiceSpecT) {
  s.type ||= "ClusterIP";
  s.sessionAffinity ||= "None";
  for (const port of s.ports ?? []) {
    port.protocol ||= "TCP";
    if (port.targetPort === undefined || port.targetPort === 0 || port.targetPort === "") port.targetPort = port.port;
  }
  if (s.type !== "ExternalName") {
    s.internalTrafficPolicy ??= "Cluster";
    s.ipFamilies = s.clusterIP === "None" && !s.selector ? s.ipFamilies ?? ["IPv4"] : ["IPv4"];
    s.ipFamilyPolicy ??= "SingleStack";
  }
  if (s.type === "NodePort" || s.type === "LoadBalancer") s.externalTrafficPolicy ||= "Cluster";
  if (s.type === "LoadBalancer") s.allocateLoadBalancerNodePorts ??= true;
  if (s.sessionAffinity === "ClientIP") s.sessionAffinityConfig ??= { clientIP: { timeoutSeconds: 10800 } };
}

function portsText(s: ServiceSpecT | undefined): string {
  const ports = s?.ports ?? [];
  if (!ports.length) return "<none>";
  return ports.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? "TCP"}` : `${p.port}/${p.protocol ?? "TCP"}`)).join(",");
}

function externalIPText(svc: Service): string {
  const s = svc.spec;
  const ext = s?.externalIPs ?? [];
  switch (s?.type) {
    case "ExternalName":
      return s.externalName ?? "";
    case "LoadBalancer": {
      const ing = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname).filter(Boolean) as string[];
      const all = [...ing, ...ext];
      return all.length ? all.join(",") : "<pending>";
    }
    default:
      return ext.length ? ext.join(",") : "<none>";
  }
}

function selectorText(sel: Record<string, string> | undefined): string {
  const entries = Object.entries(sel ?? {});
  if (!entries.length) return "<none>";
  return entries
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
}

export const services = defineKind<Service>({
  group: "",
  version: "v1",
  kind: "Service",
  plural: "services",
  singular: "service",
  namespaced: true,
  shortNames: ["svc"],
  categories: ["all"],
  schema: ServiceSchema,
  subresources: [
    { name: "status", verbs: ["get", "patch", "update"] },
    { name: "proxy", kind: { group: "", version: "v1", kind: "ServiceProxyOptions" }, verbs: ["create", "delete", "get", "patch", "update"] },
  ],
  nameRule: dns1035Label,
  deleteReturnsObject: true,
  allowUnconditionalUpdate: true,
  fieldSelectors: { "spec.clusterIP": (o) => o.spec?.clusterIP ?? "", "spec.type": (o) => o.spec?.type },
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the service.", cell: (o) => o.metadata.name ?? "" },
    { name: "Type", type: "string", description: "How the service is exposed.", cell: (o) => o.spec?.type ?? "" },
    { name: "Cluster-IP", type: "string", description: "Virtual IP inside the cluster.", cell: (o) => o.spec?.clusterIP || "<none>" },
    { name: "External-IP", type: "string", description: "Addresses reachable from outside.", cell: (o) => externalIPText(o) },
    { name: "Port(s)", type: "string", description: "Ports, with node ports.", cell: (o) => portsText(o.spec) },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
    { name: "Selector", type: "string", priority: 1, description: "Labels of the pods behind the service.", cell: (o) => selectorText(o.spec?.selector) },
  ],
  defaults(o) {
    o.spec ??= {};
    defaultSpec(o.spec);
  },
  prepareCreate(o, ctx) {
    const s = o.spec!;
    if (needsClusterIP(s)) allocateClusterIP(o, ctx);
    if (needsNodePorts(s)) allocateNodePorts(o, ctx);
    o.status = { loadBalancer: {} };
  },
  prepareUpdate(o, old, ctx) {
    o.status = old.status;
    const s = o.spec!;
    const was = old.spec!;
    // Keep what was allocated unless the update asks for something else.
    if (needsClusterIP(s) && needsClusterIP(was)) {
      s.clusterIP ||= was.clusterIP;
      if (!s.clusterIPs?.length) s.clusterIPs = was.clusterIPs;
    } else if (needsClusterIP(was) && !needsClusterIP(s)) {
      if (was.clusterIP && was.clusterIP !== "None") ctx.allocations.release(CLUSTER_IP_POOL, was.clusterIP);
      delete s.clusterIP;
      delete s.clusterIPs;
    } else if (!needsClusterIP(was) && needsClusterIP(s)) {
      allocateClusterIP(o, ctx);
    }
    if (needsClusterIP(s)) s.ipFamilies = was.ipFamilies ?? s.ipFamilies;
    const oldPorts = new Set(needsNodePorts(was) ? (was.ports ?? []).map((p) => p.nodePort).filter((x): x is number => !!x) : []);
    if (needsNodePorts(s)) {
      for (const port of s.ports ?? []) {
        if (port.nodePort) continue;
        const match = (was.ports ?? []).find((p) => p.port === port.port && (p.protocol ?? "TCP") === (port.protocol ?? "TCP"));
        if (match?.nodePort && oldPorts.has(match.nodePort)) port.nodePort = match.nodePort;
      }
      const fresh = new Set<number>();
      (s.ports ?? []).forEach((port, i) => {
        if (!port.nodePort || !oldPorts.has(port.nodePort)) fresh.add(i);
      });
      allocateNodePorts(o, ctx, fresh);
    } else {
      for (const port of s.ports ?? []) delete port.nodePort;
    }
    const nowPorts = new Set(needsNodePorts(s) ? (s.ports ?? []).map((p) => p.nodePort) : []);
    for (const port of oldPorts) if (!nowPorts.has(port)) ctx.allocations.release(NODE_PORT_POOL, String(port));
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
  validateUpdate(o, old, p) {
    const s = o.spec;
    const was = old.spec;
    if (s && was && needsClusterIP(s) && needsClusterIP(was) && was.clusterIP && s.clusterIP !== was.clusterIP)
      p.invalid(["spec", "clusterIPs", 0], s.clusterIPs ?? [], "may not change once set");
  },
  onDelete(o, ctx) {
    ctx.allocations.releaseOwner(CLUSTER_IP_POOL, ownerKey(o));
    ctx.allocations.releaseOwner(NODE_PORT_POOL, ownerKey(o));
  },
});
