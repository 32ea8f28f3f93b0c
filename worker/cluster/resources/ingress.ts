// Ingress (networking.k8s.io/v1): HTTP routes from hosts and paths to Services, served by an
// ingress controller of the Ingress's class. Validation follows kube-apiserver's
// (pkg/apis/networking/validation) with its messages; on create, an Ingress without a class gets
// the default IngressClass, as the DefaultIngressClass admission plugin gives it.
import type { z } from "zod";
import { errors } from "../machinery/errors";
import { ALWAYS, GoLiteral, inline, int32, list, oneOf, opt, type Problems, PTR, str, struct, type K8sIssue } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { dns1035Label, dns1123Subdomain, isIP, pathSegmentName, portName, portNumber, wildcardDns1123Subdomain } from "../machinery/validation";
import { defineKind, type HookContext, type KObject } from "./define";
import { newestMarked } from "./types/defaultClass";
import { DEFAULT_CLASS_ANNOTATION, type IngressClass } from "./ingressclass";
import { TypedLocalObjectReference } from "./types/core";
import { objectSchema } from "./types/meta";

const NET = "io.k8s.api.networking.v1";
const n = (s: string) => `${NET}.${s}`;

/** The annotation that named a class before spec.ingressClassName (still read by controllers). */
export const CLASS_ANNOTATION = "kubernetes.io/ingress.class";
export const PATH_TYPES = ["Exact", "ImplementationSpecific", "Prefix"] as const;

const ServiceBackendPort = struct(n("ServiceBackendPort"), "A port of the backend Service, by name or by number (not both).", {
  name: opt(1, str, "Name of the Service's port."),
  number: opt(2, int32, "Number of the Service's port."),
});

const IngressServiceBackend = struct(n("IngressServiceBackend"), "A Service traffic goes to.", {
  name: opt(1, str, ALWAYS, "Name of the Service, in the Ingress's namespace."),
  port: opt(2, ServiceBackendPort, ALWAYS, "Port of the Service."),
});

export const IngressBackend = struct(n("IngressBackend"), "Where matching traffic goes: a Service or another resource, never both.", {
  resource: opt(3, TypedLocalObjectReference, "An object in the Ingress's namespace (such as a storage bucket) that serves the traffic."),
  service: opt(4, IngressServiceBackend, "A Service that serves the traffic."),
});
export type IngressBackendT = z.infer<typeof IngressBackend>;

const HTTPIngressPath = struct(n("HTTPIngressPath"), "A path and the backend its requests go to.", {
  path: opt(1, str, "Path matched against the request's path; must start with '/' (for Exact and Prefix)."),
  pathType: opt(3, str, PTR, "How path is matched: Exact, Prefix (by path element) or ImplementationSpecific (the controller decides)."),
  backend: opt(2, IngressBackend, ALWAYS, "Where matching requests go."),
});
export type HTTPIngressPathT = z.infer<typeof HTTPIngressPath>;

const HTTPIngressRuleValue = struct(n("HTTPIngressRuleValue"), "HTTP paths of a rule.", {
  paths: opt(1, list(HTTPIngressPath, { listType: "atomic" }), "Paths and their backends."),
});

const IngressRule = struct(n("IngressRule"), "A host and the HTTP paths served for it.", {
  host: opt(1, str, "Host (a DNS name, optionally starting with '*.'); empty matches every host."),
  ...inline(2, { http: opt(1, HTTPIngressRuleValue, "HTTP paths.") }),
});
export type IngressRuleT = z.infer<typeof IngressRule>;

const IngressTLS = struct(n("IngressTLS"), "TLS for some hosts, with the certificate in a Secret.", {
  hosts: opt(1, list(str, { listType: "atomic" }), "Hosts the certificate is for; empty means the controller's default."),
  secretName: opt(2, str, "Secret (type kubernetes.io/tls) holding the certificate and key."),
});
export type IngressTLST = z.infer<typeof IngressTLS>;

const IngressPortStatus = struct(n("IngressPortStatus"), "Status of a port of the load balancer.", {
  port: opt(1, int32, ALWAYS, "Port number."),
  protocol: opt(2, oneOf("TCP", "UDP", "SCTP"), ALWAYS, "Protocol."),
  error: opt(3, str, PTR, "Problem with the port, if any."),
});

const IngressLoadBalancerIngress = struct(n("IngressLoadBalancerIngress"), "An address the Ingress is served at.", {
  ip: opt(1, str, "IP address."),
  hostname: opt(2, str, "DNS name."),
  ports: opt(4, list(IngressPortStatus, { listType: "atomic" }), "Ports."),
});

export const IngressSpec = struct(n("IngressSpec"), "Routing rules of an Ingress.", {
  ingressClassName: opt(4, str, PTR, "Name of the IngressClass whose controller serves this Ingress."),
  defaultBackend: opt(1, IngressBackend, "Where requests that match no rule go."),
  tls: opt(2, list(IngressTLS, { listType: "atomic" }), "TLS settings."),
  rules: opt(3, list(IngressRule, { listType: "atomic" }), "Host and path rules."),
});

export const IngressSchema = objectSchema(
  n("Ingress"),
  "Rules that route HTTP from outside the cluster to Services by host and path; an ingress controller serves them.",
  { group: "networking.k8s.io", version: "v1", kind: "Ingress" },
  {
    spec: opt(2, IngressSpec, ALWAYS, "The routing rules."),
    status: opt(
      3,
      struct(n("IngressStatus"), "What the controller reports.", {
        loadBalancer: opt(1, struct(n("IngressLoadBalancerStatus"), "Addresses of the load balancer.", { ingress: opt(1, list(IngressLoadBalancerIngress, { listType: "atomic" }), "Addresses.") }), ALWAYS, "Addresses the Ingress is served at."),
      }),
      ALWAYS,
      "The addresses the controller serves the Ingress at.",
    ),
  },
  { check: (o, p) => checkSpec((o as Ingress).spec, p.at("spec")) },
);

export type Ingress = z.infer<typeof IngressSchema> & KObject;

function checkSpec(spec: Ingress["spec"], p: Problems) {
  if (!spec) return;
  const rules = spec.rules ?? [];
  if (rules.length === 0 && !spec.defaultBackend) p.invalid([], new GoLiteral(spec.rules ? "[]networking.IngressRule{}" : "[]networking.IngressRule(nil)"), "either `defaultBackend` or `rules` must be specified");
  if (spec.defaultBackend) checkBackend(spec.defaultBackend, p.at("defaultBackend"));
  rules.forEach((rule, i) => {
    const host = rule.host ?? "";
    if (host) {
      if (isIP(host)) p.invalid(["rules", i, "host"], host, "must be a DNS name, not an IP address");
      const problems = host.includes("*") ? wildcardDns1123Subdomain(host) : dns1123Subdomain(host);
      for (const e of problems) p.invalid(["rules", i, "host"], host, e);
    }
    if (rule.http) {
      const paths = rule.http.paths ?? [];
      if (paths.length === 0) p.required(["rules", i, "http", "paths"]);
      paths.forEach((path, j) => checkPath(path, p.at("rules", i, "http", "paths", j)));
    }
  });
  (spec.tls ?? []).forEach((tls, i) => {
    (tls.hosts ?? []).forEach((host, j) => {
      const problems = host.includes("*") ? wildcardDns1123Subdomain(host) : dns1123Subdomain(host);
      for (const e of problems) p.invalid(["tls", i, "hosts", j], host, e);
    });
    if (tls.secretName) for (const e of dns1123Subdomain(tls.secretName)) p.invalid(["tls", i, "secretName"], tls.secretName, e);
  });
  if (spec.ingressClassName !== undefined && spec.ingressClassName !== null)
    for (const e of dns1123Subdomain(spec.ingressClassName)) p.invalid(["ingressClassName"], spec.ingressClassName, e);
}

const BAD_SEQUENCES = ["//", "/./", "/../", "%2f", "%2F"];
const BAD_SUFFIXES = ["/..", "/."];

function checkPath(path: HTTPIngressPathT, p: Problems) {
  const type = path.pathType;
  if (type === undefined || type === null) {
    p.required(["pathType"], "pathType must be specified");
    return;
  }
  const value = path.path ?? "";
  if (type === "Exact" || type === "Prefix") {
    if (!value.startsWith("/")) p.invalid(["path"], value, "must be an absolute path");
    for (const seq of BAD_SEQUENCES) if (value.includes(seq)) p.invalid(["path"], value, `must not contain '${seq}'`);
    for (const suffix of BAD_SUFFIXES) if (value.endsWith(suffix)) p.invalid(["path"], value, `cannot end with '${suffix}'`);
  } else if (type === "ImplementationSpecific") {
    if (value && !value.startsWith("/")) p.invalid(["path"], value, "must be an absolute path");
  } else {
    p.notSupported(["pathType"], type, PATH_TYPES);
  }
  checkBackend(path.backend ?? {}, p.at("backend"));
}

function checkBackend(b: IngressBackendT, p: Problems) {
  if (b.resource && b.service) {
    p.invalid([], "", "cannot set both resource and service backends");
    return;
  }
  if (b.resource) {
    const r = b.resource;
    if (r.apiGroup) for (const e of dns1123Subdomain(r.apiGroup)) p.invalid(["resource", "apiGroup"], r.apiGroup, e);
    if (r.kind) for (const e of pathSegmentName(r.kind)) p.invalid(["resource", "kind"], r.kind, e);
    if (r.name) for (const e of pathSegmentName(r.name)) p.invalid(["resource", "name"], r.name, e);
    return;
  }
  if (!b.service) {
    p.invalid([], "", "resource or service backend is required");
    return;
  }
  const svc = b.service;
  if (!svc.name) p.required(["service", "name"]);
  else for (const e of dns1035Label(svc.name)) p.invalid(["service", "name"], svc.name, e);
  const name = svc.port?.name ?? "";
  const number = svc.port?.number ?? 0;
  if (name && number) p.invalid([], "", "cannot set both port name & port number");
  else if (name) for (const e of portName(name)) p.invalid(["service", "port", "name"], name, e);
  else if (number) for (const e of portNumber(number)) p.invalid(["service", "port", "number"], number, e);
  else p.required([], "port name or number is required");
}

/** The default IngressClass: the newest one annotated as default (kube-apiserver picks the newest since 1.28). */
export function defaultIngressClass(classes: Iterable<IngressClass>): IngressClass | null {
  return newestMarked(classes, (c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === "true");
}

/** Create-only rules: the deprecated annotation and the class field may not both be set. */
function checkCreate(o: Ingress) {
  const annotation = o.metadata.annotations?.[CLASS_ANNOTATION];
  if (annotation !== undefined && o.spec?.ingressClassName != null) {
    const issues: K8sIssue[] = [{ path: ["annotations", CLASS_ANNOTATION], reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(annotation)}: can not be set when the class field is also set` }];
    throw errors.invalid("networking.k8s.io", "Ingress", o.metadata.name ?? "", issues);
  }
}

/** The DefaultIngressClass admission plugin: only on create, only when no class is named. */
function admitDefaultClass(o: Ingress, ctx: HookContext) {
  if (o.spec?.ingressClassName != null || o.metadata.annotations?.[CLASS_ANNOTATION] !== undefined) return;
  const def = defaultIngressClass(ctx.scan<IngressClass>("networking.k8s.io/ingressclasses", null));
  if (def) o.spec = { ...o.spec, ingressClassName: def.metadata.name };
}

/** kubectl's HOSTS column: up to three hosts, then "+ N more...", "*" when none. */
function hostsText(rules: IngressRuleT[] | undefined): string {
  const all = rules ?? [];
  const shown: string[] = [];
  let more = false;
  for (const r of all) {
    if (shown.length === 3) more = true;
    if (!more && r.host) shown.push(r.host);
  }
  if (!shown.length) return "*";
  return more ? `${shown.join(",")} + ${all.length - 3} more...` : shown.join(",");
}

function addressText(o: Ingress): string {
  const seen = new Set<string>();
  for (const i of o.status?.loadBalancer?.ingress ?? []) {
    if (i.ip) seen.add(i.ip);
    else if (i.hostname) seen.add(i.hostname);
  }
  return [...seen].sort().join(",");
}

export const ingresses = defineKind<Ingress>({
  group: "networking.k8s.io",
  version: "v1",
  kind: "Ingress",
  plural: "ingresses",
  singular: "ingress",
  namespaced: true,
  shortNames: ["ing"],
  schema: IngressSchema,
  generation: true,
  allowUnconditionalUpdate: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the Ingress.", cell: (o) => o.metadata.name ?? "" },
    { name: "Class", type: "string", description: "The IngressClass that serves it.", cell: (o) => o.spec?.ingressClassName ?? "<none>" },
    { name: "Hosts", type: "string", description: "Hosts requests are matched against.", cell: (o) => hostsText(o.spec?.rules) },
    { name: "Address", type: "string", description: "Addresses the controller serves it at.", cell: (o) => addressText(o) },
    { name: "Ports", type: "string", description: "Ports open for it (443 with TLS).", cell: (o) => (o.spec?.tls?.length ? "80, 443" : "80") },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    o.spec ??= {};
  },
  prepareCreate(o, ctx) {
    checkCreate(o);
    admitDefaultClass(o, ctx);
    o.status = { loadBalancer: {} };
  },
  prepareUpdate(o, old) {
    o.status = old.status;
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
});
