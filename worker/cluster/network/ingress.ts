// ingress-nginx's routing, as its controller turns Ingresses into nginx servers and locations
// (internal/ingress/controller: createServers, getBackendServers, updateServerLocations; the
// template's buildLocation; lua_ingress's redirect to https):
// - a controller serves the Ingresses of its class: an IngressClass whose spec.controller is its
//   --controller-class, the deprecated kubernetes.io/ingress.class annotation equal to its
//   --ingress-class, or no class at all with --watch-ingress-without-class;
// - one server per host (exact names first, then the longest "*." wildcard, then the catch-all
//   "_"), Ingresses taken oldest first, the first to claim a host or a path keeping it;
// - in a server, an Exact location wins, else the longest prefix (a Prefix path "/foo" is the
//   prefix "/foo/" plus the exact "/foo"; ImplementationSpecific is a plain prefix); once any
//   location of the server uses a regex (use-regex or rewrite-target), every location is a
//   case-insensitive regex anchored at the start, tried longest first;
// - a host's root goes to the first claiming Ingress's defaultBackend, else to the controller's
//   default backend, nginx's 404 page;
// - plain http to a host with TLS (any Ingress of the host with a tls section) is redirected
//   with 308 to https, as ssl-redirect defaults;
// - a canary Ingress (nginx.ingress.kubernetes.io/canary) matching a host and path takes that
//   backend's requests by header, then cookie, then weight, as the balancer's traffic shaping.
import { httpDate, nginxErrorPage } from "./answers";
import type { HttpAnswer, HttpRequest, NetworkView } from "./types";
import type { Ingress, IngressBackendT } from "../resources/ingress";
import { CLASS_ANNOTATION } from "../resources/ingress";
import type { IngressClass } from "../resources/ingressclass";
import type { Pod } from "../resources/pod";
import type { Secret } from "../resources/secret";
import type { ContainerT } from "../resources/types/core";
import type { ImageBehaviour } from "../node/images";

export const INGRESSES = "networking.k8s.io/ingresses";
export const INGRESS_CLASSES = "networking.k8s.io/ingressclasses";
const ANN = "nginx.ingress.kubernetes.io/";
/** The controller's health and metrics port (--healthz-port, --metrics-port). */
export const HEALTH_PORT = 10254;

export type IngressRoute =
  | {
      kind: "backend";
      namespace: string;
      service: string;
      port: number | string;
      /** The request's path as the controller sends it on (after rewrite-target); absent when unchanged. */
      path?: string;
      /** How the route was chosen, for a learner's trail ("ingress default/web: host a.example.com, Prefix /api"). */
      via?: string;
    }
  | { kind: "answer"; answer: HttpAnswer };

/** What an ingress-nginx controller's command line says about the Ingresses it serves and reports. */
export interface ControllerFlags {
  ingressClass: string;
  controllerClass: string;
  watchWithoutClass: boolean;
  ingressClassByName: boolean;
  publishStatusAddress: string | null;
  publishService: string | null;
  /** Whether nginx listens on 80/443 (http) and 443 (https), as --http-port and --https-port say. */
  httpPort: number;
  httpsPort: number;
}

/** The container of a pod that runs an ingress-nginx controller, with its image. */
export function controllerContainer(pod: Pod, image: (pod: Pod, container: string) => ImageBehaviour | null): { container: ContainerT; image: ImageBehaviour } | null {
  for (const c of pod.spec?.containers ?? []) {
    const img = image(pod, c.name);
    if (img?.network?.ingressController === "nginx") return { container: c, image: img };
  }
  return null;
}

/** `$(VAR)` in an argument, from the container's env (values, and the pod's name and namespace by fieldRef), as the kubelet expands it. */
function expandArg(arg: string, container: ContainerT, pod: Pod | undefined): string {
  if (!arg.includes("$(")) return arg;
  return arg.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (whole, name: string) => {
    const env = container.env?.find((e) => e.name === name);
    if (!env) return whole;
    if (env.value !== undefined) return env.value;
    const field = env.valueFrom?.fieldRef?.fieldPath;
    if (field === "metadata.namespace") return pod?.metadata.namespace ?? whole;
    if (field === "metadata.name") return pod?.metadata.name ?? whole;
    return whole;
  });
}

/** The flags of an ingress-nginx controller container, with ingress-nginx's defaults. */
export function controllerFlags(container: ContainerT | undefined, pod?: Pod): ControllerFlags {
  const argv = [...(container?.command ?? []), ...(container?.args ?? [])].map((a) => (container ? expandArg(a, container, pod) : a));
  const value = (name: string): string | undefined => {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a === `--${name}` || a === `-${name}`) return argv[i + 1];
      for (const dash of ["--", "-"]) if (a.startsWith(`${dash}${name}=`)) return a.slice(dash.length + name.length + 1);
    }
    return undefined;
  };
  const bool = (name: string): boolean => {
    const i = argv.findIndex((a) => a === `--${name}` || a === `-${name}`);
    if (i >= 0) return true;
    const v = value(name);
    return v === "true" || v === "1";
  };
  const port = (name: string, def: number): number => {
    const v = Number(value(name));
    return Number.isInteger(v) && v > 0 ? v : def;
  };
  return {
    ingressClass: value("ingress-class") || "nginx",
    controllerClass: value("controller-class") || "k8s.io/ingress-nginx",
    watchWithoutClass: bool("watch-ingress-without-class"),
    ingressClassByName: bool("ingress-class-by-name"),
    publishStatusAddress: value("publish-status-address") || null,
    publishService: value("publish-service") || null,
    httpPort: port("http-port", 80),
    httpsPort: port("https-port", 443),
  };
}

/** Whether a controller with these flags serves this Ingress (ingress-nginx's class check). */
export function servedBy(flags: ControllerFlags, ing: Ingress, classOf: (name: string) => IngressClass | undefined): boolean {
  const annotation = ing.metadata.annotations?.[CLASS_ANNOTATION];
  if (annotation !== undefined && annotation !== "") return annotation === flags.ingressClass;
  const name = ing.spec?.ingressClassName;
  if (name) {
    if (classOf(name)?.spec?.controller === flags.controllerClass) return true;
    return flags.ingressClassByName && name === flags.ingressClass;
  }
  return flags.watchWithoutClass;
}

/** The Ingresses a controller serves, oldest first (ingress-nginx sorts them by creation, then key). */
export function servedIngresses(view: NetworkView, flags: ControllerFlags, keep: (ing: Ingress) => boolean = () => true): Ingress[] {
  const classes = new Map<string, IngressClass | undefined>();
  const classOf = (name: string) => {
    if (!classes.has(name)) classes.set(name, view.get<IngressClass>(INGRESS_CLASSES, "", name));
    return classes.get(name);
  };
  return view
    .list<Ingress>(INGRESSES)
    .filter((ing) => !ing.metadata.deletionTimestamp && keep(ing) && servedBy(flags, ing, classOf))
    .sort((a, b) => {
      const ta = a.metadata.creationTimestamp ?? "";
      const tb = b.metadata.creationTimestamp ?? "";
      if (ta !== tb) return ta < tb ? -1 : 1;
      const ka = `${a.metadata.namespace}/${a.metadata.name}`;
      const kb = `${b.metadata.namespace}/${b.metadata.name}`;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
}

// ---------------------------------------------------------------------------------------------
// Servers and locations

type PathType = "Exact" | "Prefix" | "ImplementationSpecific";

interface Backend {
  namespace: string;
  service: string;
  port: number | string;
}

interface Location {
  path: string;
  pathType: PathType;
  /** Null: the controller's default backend (nginx's 404). */
  backend: Backend | null;
  isDefault: boolean;
  ingress: Ingress | null;
}

interface Server {
  host: string;
  locations: Location[];
  /** The Ingress whose tls section gave the host a certificate (TLS and the redirect to https). */
  tls: Ingress | null;
}

/** A canary Ingress's backend and how ingress-nginx's balancer shapes traffic to it. */
interface Canary {
  backend: Backend;
  ingress: Ingress;
}

/** The servers for a set of Ingresses, and the canaries of their backends (by backendKey). */
export interface Routing {
  servers: Map<string, Server>;
  canaries: Map<string, Canary>;
}

function backendKey(b: Backend): string {
  return `${b.namespace}/${b.service}/${b.port}`;
}

const CATCH_ALL = "_";

function annotation(ing: Ingress | null, name: string): string | undefined {
  return ing?.metadata.annotations?.[ANN + name];
}

function boolAnnotation(ing: Ingress | null, name: string, def: boolean): boolean {
  const v = annotation(ing, name);
  return v === undefined ? def : v === "true";
}

function serviceBackend(ing: Ingress, b: IngressBackendT | undefined): Backend | null {
  const svc = b?.service;
  if (!svc?.name) return null;
  const port = svc.port?.number ? svc.port.number : svc.port?.name ?? 0;
  return { namespace: ing.metadata.namespace ?? "", service: svc.name, port };
}

/** The servers ingress-nginx would configure for these Ingresses (oldest first), with their canaries. */
export function buildServers(ingresses: Ingress[]): Routing {
  const servers = new Map<string, Server>();
  servers.set(CATCH_ALL, { host: CATCH_ALL, locations: [{ path: "/", pathType: "Prefix", backend: null, isDefault: true, ingress: null }], tls: null });
  for (const ing of ingresses) {
    if (boolAnnotation(ing, "canary", false)) continue;
    const def = serviceBackend(ing, ing.spec?.defaultBackend);
    const rules = ing.spec?.rules ?? [];
    if (def && rules.length === 0) {
      const root = servers.get(CATCH_ALL)!.locations[0];
      if (root.isDefault) Object.assign(root, { backend: def, isDefault: false, ingress: ing });
    }
    for (const rule of rules) {
      const host = rule.host || CATCH_ALL;
      if (servers.has(host)) continue;
      servers.set(host, { host, locations: [{ path: "/", pathType: "Prefix", backend: def, isDefault: true, ingress: ing }], tls: null });
    }
  }
  for (const ing of ingresses) {
    if (boolAnnotation(ing, "canary", false) || !ing.spec?.tls?.length) continue;
    for (const rule of ing.spec?.rules ?? []) {
      const server = servers.get(rule.host || CATCH_ALL)!;
      // The catch-all server always has the controller's default certificate and never redirects.
      if (server.host !== CATCH_ALL && !server.tls) server.tls = ing;
    }
  }
  for (const ing of ingresses) {
    if (boolAnnotation(ing, "canary", false)) continue;
    for (const rule of ing.spec?.rules ?? []) {
      const server = servers.get(rule.host || CATCH_ALL) ?? servers.get(CATCH_ALL)!;
      for (const p of rule.http?.paths ?? []) {
        const backend = serviceBackend(ing, p.backend);
        if (!backend) continue; // resource backends: ingress-nginx leaves them to the default backend
        const path = p.path || "/";
        const pathType = (p.pathType ?? "ImplementationSpecific") as PathType;
        let add = true;
        for (const loc of server.locations) {
          if (loc.path !== path) continue;
          // The root's own location is a prefix: an ImplementationSpecific "/" takes it over too.
          const same = loc.pathType === pathType || (loc.isDefault && path === "/" && pathType === "ImplementationSpecific");
          if (!same) break;
          add = false;
          if (loc.isDefault) Object.assign(loc, { backend, isDefault: false, ingress: ing, pathType });
          break;
        }
        if (add) server.locations.push({ path, pathType, backend, isDefault: false, ingress: ing });
      }
    }
  }
  const canaries = mergeCanaries(ingresses, servers);
  for (const server of servers.values()) server.locations = finishLocations(server.locations);
  return { servers, canaries };
}

/**
 * mergeAlternativeBackends: a canary Ingress's path that matches a location of the same host
 * (same path and type) makes its Service the alternative of that location's backend, for every
 * location that backend serves; only a backend's first alternative takes traffic. Canaries need a
 * non-canary Ingress to exist.
 */
function mergeCanaries(ingresses: Ingress[], servers: Map<string, Server>): Map<string, Canary> {
  const canaries = new Map<string, Canary>();
  const canaryIngresses = ingresses.filter((ing) => boolAnnotation(ing, "canary", false));
  if (canaryIngresses.length === ingresses.length) return canaries;
  for (const ing of canaryIngresses) {
    for (const rule of ing.spec?.rules ?? []) {
      const server = servers.get(rule.host || CATCH_ALL);
      if (!server) continue; // ingress-nginx: no such host to merge into
      for (const p of rule.http?.paths ?? []) {
        const alt = serviceBackend(ing, p.backend);
        if (!alt) continue;
        for (const loc of server.locations) {
          if (!loc.backend || loc.isDefault) continue;
          if (backendKey(loc.backend) === backendKey(alt)) break;
          if (loc.path === (p.path ?? "") && loc.pathType === p.pathType && !canaries.has(backendKey(loc.backend))) canaries.set(backendKey(loc.backend), { backend: alt, ingress: ing });
        }
      }
    }
  }
  return canaries;
}

/** The balancer's choice for a backend with a canary: by header, then cookie, then weight. */
function toCanary(canary: Canary, req: HttpRequest): boolean {
  const ing = canary.ingress;
  const headerName = annotation(ing, "canary-by-header");
  if (headerName) {
    const value = req.headers[headerName.toLowerCase()];
    if (value !== undefined) {
      const wanted = annotation(ing, "canary-by-header-value");
      const pattern = annotation(ing, "canary-by-header-pattern");
      if (wanted) {
        if (value === wanted) return true;
      } else if (pattern) {
        const re = regexOf(pattern, false);
        if (re?.test(value)) return true;
      } else if (value === "always") return true;
      else if (value === "never") return false;
    }
  }
  const cookieName = annotation(ing, "canary-by-cookie");
  if (cookieName) {
    const cookies = (req.headers["cookie"] ?? "").split(";").map((c) => c.trim());
    const value = cookies.find((c) => c.startsWith(cookieName + "="))?.slice(cookieName.length + 1);
    if (value === "always") return true;
    if (value === "never") return false;
  }
  const weight = Number(annotation(ing, "canary-weight") ?? 0);
  const total = Math.max(100, Number(annotation(ing, "canary-weight-total") ?? 100) || 100);
  // Lua's math.random(total) is 1..total.
  return Number.isFinite(weight) && Math.floor(Math.random() * total) + 1 <= weight;
}

function rewriteTarget(loc: Location): string | undefined {
  const t = annotation(loc.ingress, "rewrite-target");
  return t !== undefined && t !== "" && t !== loc.path ? t : undefined;
}

function usesRegex(loc: Location): boolean {
  return rewriteTarget(loc) !== undefined || boolAnnotation(loc.ingress, "use-regex", false);
}

/** updateServerLocations: a Prefix "/foo" becomes "/foo/" and an exact "/foo"; then longest first. */
function finishLocations(locations: Location[]): Location[] {
  const exact = new Set(locations.filter((l) => l.pathType === "Exact").map((l) => l.path));
  const out: Location[] = [];
  for (const loc of locations) {
    if (loc.path === "/" || loc.pathType !== "Prefix" || usesRegex(loc)) {
      out.push(loc);
      continue;
    }
    const normalized = loc.path.endsWith("/") ? loc.path : loc.path + "/";
    if (!exact.has(loc.path) && normalized !== loc.path) out.push({ ...loc, pathType: "Exact" });
    out.push({ ...loc, path: normalized });
  }
  // Go's sort.SliceStable by path descending, then by length descending.
  const byPath = out.map((l, i) => ({ l, i })).sort((a, b) => (a.l.path > b.l.path ? -1 : a.l.path < b.l.path ? 1 : a.i - b.i));
  return byPath.map((x, i) => ({ l: x.l, i })).sort((a, b) => b.l.path.length - a.l.path.length || a.i - b.i).map((x) => x.l);
}

/**
 * Whether an Ingress can take part in serving `host`: a rule for it (exact or a matching
 * wildcard), a rule for every host, or a catch-all defaultBackend. The servers of other hosts
 * never change this host's, so a request builds only its own.
 */
function concerns(ing: Ingress, host: string): boolean {
  const rules = ing.spec?.rules ?? [];
  if (!rules.length) return !!ing.spec?.defaultBackend;
  return rules.some((r) => !r.host || r.host === host || (r.host.startsWith("*.") && host.endsWith(r.host.slice(1)) && host.length > r.host.length - 1));
}

/** nginx's server_name choice: exact, then the longest "*." wildcard, then the catch-all. */
function pickServer(servers: Map<string, Server>, host: string): Server {
  const exact = servers.get(host);
  if (exact && host !== CATCH_ALL) return exact;
  let best: Server | null = null;
  for (const s of servers.values()) {
    if (!s.host.startsWith("*.")) continue;
    const suffix = s.host.slice(1);
    if (host.endsWith(suffix) && host.length > suffix.length && (!best || s.host.length > best.host.length)) best = s;
  }
  return best ?? servers.get(CATCH_ALL)!;
}

function regexOf(source: string, anchored: boolean): RegExp | null {
  try {
    return new RegExp((anchored ? "^" : "") + source, "i");
  } catch {
    return null; // nginx would refuse the configuration; such a location matches nothing
  }
}

/** nginx's location choice for a normalized URI. */
function pickLocation(server: Server, uri: string): Location | null {
  if (server.locations.some(usesRegex)) {
    for (const loc of server.locations) if (regexOf(loc.path, true)?.test(uri)) return loc;
    return null;
  }
  const exact = server.locations.find((l) => l.pathType === "Exact" && l.path === uri);
  if (exact) return exact;
  let best: Location | null = null;
  for (const loc of server.locations) if (loc.pathType !== "Exact" && uri.startsWith(loc.path) && (!best || loc.path.length > best.path.length)) best = loc;
  return best;
}

/** The URI as nginx matches it: decoded, with "//" merged and "." and ".." resolved. */
function normalizeUri(path: string): string {
  let p = path;
  try {
    p = decodeURIComponent(p);
  } catch {
    // keep it encoded, as nginx would answer 400 for a bad escape; matching the raw text is close enough
  }
  const out: string[] = [];
  for (const seg of p.split("/").slice(1)) {
    if (seg === ".") continue;
    if (seg === "..") out.pop();
    else out.push(seg);
  }
  const joined = "/" + out.filter((s, i) => s !== "" || i === out.length - 1).join("/");
  return joined;
}

function splitPath(path: string): [string, string] {
  const q = path.indexOf("?");
  return q < 0 ? [path || "/", ""] : [path.slice(0, q) || "/", path.slice(q)];
}

/** nginx's `rewrite "(?i)path" target break;`: the whole URI replaced, $1… from the match, args kept. */
function rewrite(loc: Location, target: string, uri: string, query: string): string {
  const m = regexOf(loc.path, false)?.exec(uri);
  if (!m) return uri + query;
  const replaced = target.replace(/\$(\d)/g, (_, d: string) => m[Number(d)] ?? "");
  if (replaced.endsWith("?")) return replaced.slice(0, -1);
  if (replaced.includes("?")) return query ? `${replaced}&${query.slice(1)}` : replaced;
  return replaced + query;
}

function page(status: number, reason: string, now: number, extra: Record<string, string> = {}): HttpAnswer {
  const body = nginxErrorPage(status, reason, "");
  return { status, headers: { date: httpDate(now), "content-type": "text/html", "content-length": String(body.length), connection: "keep-alive", ...extra }, body };
}

function plain(status: number, body: string, now: number): HttpAnswer {
  return { status, headers: { date: httpDate(now), "content-type": "text/plain; charset=utf-8", "content-length": String(body.length) }, body };
}

/** The controller's own HTTP server on 10254: health and metrics. */
function healthAnswer(path: string, now: number): HttpAnswer {
  if (path === "/healthz") return plain(200, "ok", now);
  if (path === "/metrics") return plain(200, "# HELP nginx_ingress_controller_success Cumulative number of Ingress controller reload operations\n# TYPE nginx_ingress_controller_success counter\nnginx_ingress_controller_success 1\n", now);
  return plain(404, "404 page not found\n", now);
}

/**
 * Where an ingress-nginx controller pod sends an HTTP request that reached its `port`: a Service
 * of one of its Ingresses, or an answer of its own (the 404 page, the redirect to https, health).
 */
export function routeIngress(view: NetworkView, controller: Pod, req: HttpRequest, port: number): IngressRoute {
  const cc = controllerContainer(controller, (p, c) => view.image(p, c));
  const flags = controllerFlags(cc?.container, controller);
  const [rawPath, query] = splitPath(req.path);
  if (port === HEALTH_PORT) return { kind: "answer", answer: healthAnswer(rawPath, view.now) };
  const scheme = port === flags.httpsPort ? "https" : port === flags.httpPort ? "http" : req.scheme ?? "http";
  const given = req.host ?? req.headers["host"] ?? "";
  const hostOnly = given.startsWith("[") ? given.slice(0, given.indexOf("]") + 1) : given.split(":")[0];
  const host = hostOnly.toLowerCase().replace(/\.$/, "");
  const { servers, canaries } = buildServers(servedIngresses(view, flags, (ing) => concerns(ing, host)));
  const server = pickServer(servers, host);
  const uri = normalizeUri(rawPath);
  const loc = pickLocation(server, uri);
  if (!loc) return { kind: "answer", answer: page(404, "Not Found", view.now) };
  const owner = loc.ingress ?? server.tls;
  const force = boolAnnotation(owner, "force-ssl-redirect", false);
  if (scheme === "http" && (force || (server.tls && boolAnnotation(owner, "ssl-redirect", true)))) {
    // lua_ingress: https://<Host without port><request_uri>, its trailing slash dropped.
    const requestUri = rawPath + query;
    const target = `https://${hostOnly}${requestUri.endsWith("/") ? requestUri.slice(0, -1) : requestUri}`;
    return { kind: "answer", answer: page(308, "Permanent Redirect", view.now, { location: target }) };
  }
  if (!loc.backend) return { kind: "answer", answer: page(404, "Not Found", view.now) };
  const target = rewriteTarget(loc);
  const canary = canaries.get(backendKey(loc.backend));
  const chosen = canary && toCanary(canary, req) ? canary : null;
  const via = `ingress ${loc.ingress?.metadata.namespace}/${loc.ingress?.metadata.name}: host ${server.host === CATCH_ALL ? "*" : server.host}, ${loc.isDefault ? "defaultBackend" : `${loc.pathType} ${loc.path}`}${chosen ? `, canary ${chosen.ingress.metadata.namespace}/${chosen.ingress.metadata.name}` : ""}`;
  return { kind: "backend", ...(chosen ? chosen.backend : loc.backend), via, ...(target !== undefined ? { path: rewrite(loc, target, uri, query) } : {}) };
}

/** The Secret holding the certificate a host is served with over https, or null for the controller's fake certificate. */
export function tlsSecretFor(view: NetworkView, controller: Pod, host: string): { namespace: string; name: string } | null {
  const cc = controllerContainer(controller, (p, c) => view.image(p, c));
  const name = host.toLowerCase();
  const server = pickServer(buildServers(servedIngresses(view, controllerFlags(cc?.container, controller), (ing) => concerns(ing, name))).servers, name);
  const ing = server.tls;
  if (!ing) return null;
  const entry = (ing.spec?.tls ?? []).find((t) => (t.hosts ?? []).some((h) => h.toLowerCase() === server.host));
  if (!entry?.secretName) return null;
  const secret = view.get<Secret>("secrets", ing.metadata.namespace ?? "", entry.secretName);
  if (!secret || secret.type !== "kubernetes.io/tls" || !secret.data?.["tls.crt"]) return null;
  return { namespace: ing.metadata.namespace ?? "", name: entry.secretName };
}
