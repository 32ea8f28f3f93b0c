// The kube API router: turns a request path into a resource and a verb (as the API server's
// RequestInfo does), authorizes the request's user by RBAC, and calls the generic handlers.
import type { UserInfo } from "../../../auth/identity";
import { authenticatedUser, type ServiceAccountVerifier } from "../../authentication/requestUser";
import { forbidden, resourceAttributes } from "../../authorization/authorizer";
import { impersonate } from "../../authorization/impersonation";
import { LIMITS } from "../../../limits";
import type { Clock } from "../../clock";
import { apiVersionOf, deprecationWarning, type ClusterSettings, type KObject, type ResourceDef, type Verb } from "../../resources/define";
import type { Registry } from "../../resources/registry";
import { DeleteOptions } from "../../resources/types/meta";
import type { Store } from "../../store/store";
import type { WatchHub } from "../../store/watch";
import { ApiServer, type DeleteRequest, type ListOptions } from "../apiserver";
import { aggregated, aggregatedVersion, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, DISCOVERY_V2, DISCOVERY_V2BETA1 } from "../discovery";
import { ApiError, errors } from "../../machinery/errors";
import { openapiDocument, openapiRoot } from "../openapi";
import { serveOpenapiV2 } from "../openapi-v2";
import { CUSTOM_PATCH_TYPES } from "../openapi-paths";
import { patchTypeOf } from "../../machinery/patch";
import { decodeObject, isProtobuf, readEnvelope } from "../../machinery/protobuf";
import { carryDuplicates, decode, duplicatesOf, type FieldValidation } from "../../machinery/schema/decode";
import { BodyError, parseJsonBody, parseYamlBody } from "../../machinery/parseBody";
import { parseFieldSelector, parseLabelSelector, SelectorError } from "../../machinery/selectors";
import { table, tableRow, type IncludeObject } from "../table";
import { healthAnswer, healthChecks } from "./health";
import { ApiMetrics, METRICS_CONTENT_TYPE, metricsResource, type RequestLabels } from "./metrics";
import { listQuery, queryBool } from "./query";
import { compactJson, representation, respond, respondCollection, respondError } from "./respond";
import type { KubeRequest, KubeResponse } from "./types";
import { openWatch } from "./watch";
import { scaleAction } from "../../subresources/scale";
import { inbound, inboundPatch, outbound, wallNow } from "./wire";
import { fieldManagerOf } from "../managedFields";
import type { ActionCall, Actions, SubresourceAction } from "./actions";
import type { HealthEndpoint } from "./health";

export type Route =
  | { t: "root" }
  | { t: "version" }
  | { t: "health"; endpoint: HealthEndpoint; check?: string }
  | { t: "metrics" }
  | { t: "api" }
  | { t: "apis" }
  | { t: "group"; group: string }
  | { t: "groupVersion"; group: string; version: string }
  | { t: "openapiV3" }
  | { t: "openapiV3Doc"; group: string; version: string }
  | { t: "openapiV2" }
  | { t: "resource"; def: ResourceDef; namespace: string | null; name?: string; subresource?: string; watchPath: boolean }
  | { t: "notFound" };

/** A path's shape before its resource is looked up (the edge has no registry: it only needs the shape). */
type PathRoute =
  | Exclude<Route, { t: "resource" }>
  | { t: "resourcePath"; group: string; version: string; resource: string; namespace: string | null; name?: string; subresource?: string; extra: boolean; watchPath: boolean };

/** The patch types a custom resource accepts, as kube-apiserver lists them. */

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

/** Items an unlimited list reads and encodes at a time: its memory is bounded by a page. */
const LIST_PAGE = 500;

export function route(path: string, registry: Registry): Route {
  const p = parsePath(path);
  if (p.t !== "resourcePath") return p;
  const def = registry.findResource(p.group, p.version, p.resource);
  // A proxy subresource carries the path to proxy after it (.../pods/web/proxy/index.html).
  if (!def || (p.extra && p.subresource !== "proxy")) return { t: "notFound" };
  if (p.namespace !== null && !def.namespaced) return { t: "notFound" };
  if (p.subresource && !def.subresources?.some((s) => s.name === p.subresource)) return { t: "notFound" };
  return { t: "resource", def, namespace: p.namespace, name: p.name, subresource: p.subresource, watchPath: p.watchPath };
}

function parsePath(path: string): PathRoute {
  const parts = path.split("/").filter(Boolean).map(decodePathSegment);
  const [head] = parts;
  if (parts.length === 0) return { t: "root" };
  if (parts.length === 1 && head === "version") return { t: "version" };
  if (parts.length === 1 && head === "metrics") return { t: "metrics" };
  if (head === "healthz" || head === "livez" || head === "readyz") return { t: "health", endpoint: head, ...(parts.length > 1 ? { check: parts.slice(1).join("/") } : {}) };
  if (head === "openapi") {
    if (parts[1] === "v2" && parts.length === 2) return { t: "openapiV2" };
    if (parts[1] === "v3" && parts.length === 2) return { t: "openapiV3" };
    if (parts[1] === "v3" && parts[2] === "api" && parts.length === 4) return { t: "openapiV3Doc", group: "", version: parts[3] };
    if (parts[1] === "v3" && parts[2] === "apis" && parts.length === 5) return { t: "openapiV3Doc", group: parts[3], version: parts[4] };
    return { t: "notFound" };
  }
  let group: string;
  let version: string;
  let rest: string[];
  if (head === "api") {
    if (parts.length === 1) return { t: "api" };
    group = "";
    version = parts[1];
    rest = parts.slice(2);
  } else if (head === "apis") {
    if (parts.length === 1) return { t: "apis" };
    if (parts.length === 2) return { t: "group", group: parts[1] };
    group = parts[1];
    version = parts[2];
    rest = parts.slice(3);
  } else return { t: "notFound" };
  if (rest.length === 0) return { t: "groupVersion", group, version };
  let watchPath = false;
  if (rest[0] === "watch") {
    watchPath = true;
    rest = rest.slice(1);
  }
  let namespace: string | null = null;
  if (rest[0] === "namespaces" && rest.length >= 3 && !NAMESPACE_SUBRESOURCES.has(rest[2])) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  return { t: "resourcePath", group, version, resource: rest[0], namespace, name: rest[1], subresource: rest[2], extra: rest.length > 3, watchPath };
}

/**
 * One path segment, percent-decoded. A malformed escape is the client's error (400, in Go's
 * words); escapes that are well formed but not UTF-8 decode to U+FFFD rather than failing.
 */
const utf8 = new TextEncoder();

function decodePathSegment(segment: string): string {
  if (!segment.includes("%")) return segment;
  const bad = /%(?![0-9a-fA-F]{2})[0-9a-fA-F]{0,2}/.exec(segment);
  if (bad) throw errors.badRequest(`invalid URL escape ${JSON.stringify(bad[0])}`);
  const bytes: number[] = [];
  for (let i = 0; i < segment.length; ) {
    if (segment[i] === "%") {
      bytes.push(parseInt(segment.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      const cp = segment.codePointAt(i)!;
      bytes.push(...utf8.encode(String.fromCodePoint(cp)));
      i += cp > 0xffff ? 2 : 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function verbOf(method: string, r: Extract<Route, { t: "resource" }>, query: URLSearchParams): Verb | null {
  const watching = r.watchPath || queryBool(query, "watch");
  // A /watch/ path serves GET only: kube-apiserver answers anything else there with 405.
  if (r.watchPath && method !== "GET" && method !== "HEAD") return null;
  switch (method) {
    case "GET":
    case "HEAD":
      if (watching) return "watch";
      return r.name ? "get" : "list";
    case "POST":
      return r.name ? (r.subresource ? "create" : null) : "create";
    case "PUT":
      return r.name ? "update" : null;
    case "PATCH":
      return r.name ? "patch" : null;
    case "DELETE":
      return r.name ? "delete" : "deletecollection";
    default:
      return null;
  }
}

export interface ServerInfo {
  major: string;
  minor: string;
  gitVersion: string;
}

export class KubeRouter {
  constructor(
    private readonly api: ApiServer,
    private readonly store: Store,
    private readonly hub: WatchHub,
    private readonly clock: Clock,
    private readonly settings: () => ClusterSettings,
    private readonly actions: Actions = {},
  ) {}

  version(): Record<string, string> {
    const v = this.settings().kubernetesVersion;
    const [major, minor] = v.replace(/^v/, "").split(".");
    return {
      major,
      minor,
      emulationMajor: major,
      emulationMinor: minor,
      minCompatibilityMajor: major,
      minCompatibilityMinor: String(Number(minor) - 1),
      gitVersion: v,
      gitCommit: "kubedo",
      gitTreeState: "clean",
      buildDate: "2025-01-01T00:00:00Z",
      goVersion: "go1.23.6",
      compiler: "gc",
      platform: "linux/amd64",
    };
  }

  /** Whether a request is answered as a stream (a watch, logs -f), through the object's fetch. */
  static isStream(path: string, query: string): boolean {
    let r: PathRoute;
    try {
      r = parsePath(path);
    } catch {
      return false; // a malformed path: the ordinary path answers its 400
    }
    if (r.t !== "resourcePath") return false;
    const q = new URLSearchParams(query);
    if (r.subresource === "log") return queryBool(q, "follow");
    return r.watchPath || queryBool(q, "watch");
  }

  /** Whether a request is for exec, attach or portforward (any method: kubectl's WebSocket GET or SPDY POST). */
  static isConnect(path: string): boolean {
    try {
      const r = parsePath(path);
      return r.t === "resourcePath" && r.group === "" && r.resource === "pods" && !r.extra && !!r.name && !!r.namespace && (CONNECT as readonly string[]).includes(r.subresource ?? "");
    } catch {
      return false;
    }
  }

  /**
   * exec, attach and portforward: authorized as kube-apiserver's connect subresources are (the
   * caller must be able to create pods/exec, whatever the method), then answered by `open`;
   * an error before the upgrade is a Status, as kube-apiserver answers it.
   */
  connect(req: KubeRequest, open: (target: { namespace: string; name: string; subresource: (typeof CONNECT)[number] }) => Response): Response {
    let r: Route | null = null;
    let res: Response;
    try {
      r = route(req.path, this.api.registry);
      if (r.t !== "resource" || !r.name || !r.namespace || !(CONNECT as readonly string[]).includes(r.subresource ?? "")) throw errors.notFoundPath();
      this.authorize(req, r, "create");
      res = open({ namespace: r.namespace, name: r.name, subresource: r.subresource as (typeof CONNECT)[number] });
    } catch (e) {
      const err = e instanceof ApiError ? e : errors.internal(e instanceof Error ? e.message : String(e));
      if (!(e instanceof ApiError)) console.error("connect request failed", req.method, req.path, e);
      const out = respondError(req, err);
      res = new Response(out.body, { status: out.status, headers: out.headers });
    }
    this.metrics.record(requestLabels(req, r), res.status, 0);
    return res;
  }

  /** Request counts, latency and long-running requests since the object started (/metrics). */
  readonly metrics = new ApiMetrics();

  /** Verifies service-account tokens; until the cluster object sets one, every such token is refused. */
  serviceAccounts: ServiceAccountVerifier = { verify: () => { throw errors.unauthorized(); } };

  /** The user a request acts as: authenticated, then impersonated if it asks and may. Resolved once per request. */
  private userOf(req: KubeRequest): UserInfo {
    if (req.user) return req.user;
    const caller = authenticatedUser(req.identity, this.serviceAccounts);
    req.user = req.identity.impersonate ? impersonate(caller, req.identity.impersonate, this.api.authorizer) : caller;
    return req.user;
  }

  handle(req: KubeRequest): KubeResponse {
    // The Workers clock moves only across I/O, so this measures what the runtime lets us see.
    const started = Date.now();
    let r: Route | null = null;
    let res: KubeResponse;
    try {
      r = route(req.path, this.api.registry);
      res = this.dispatch(req, r);
    } catch (e) {
      if (e instanceof ApiError) res = respondError(req, e);
      else if (e instanceof SelectorError) res = respondError(req, errors.badRequest(e.message));
      else {
        console.error("kube request failed", req.method, req.path, e);
        res = respondError(req, errors.internal(e instanceof Error ? e.message : String(e)));
      }
    }
    this.metrics.record(requestLabels(req, r), res.status, (Date.now() - started) / 1000);
    return res;
  }

  /** A stream (a watch, or a subresource's stream such as logs -f), or an error answer. */
  stream(req: KubeRequest): Response {
    let r: Route | null = null;
    const res = this.openStream(req, (x) => (r = x));
    const labels = requestLabels(req, r);
    this.metrics.record(labels, res.status, 0);
    if (res.status !== 200 || !res.body) return res;
    // Counted as long-running until the stream ends, however it ends.
    return new Response(untilEnd(res.body, this.metrics.open(labels)), res);
  }

  private openStream(req: KubeRequest, routed: (r: Route) => void): Response {
    try {
      const r = route(req.path, this.api.registry);
      routed(r);
      if (r.t !== "resource") throw errors.notFoundPath();
      const q = new URLSearchParams(req.query);
      const action = r.subresource ? this.actionFor(r.def, r.subresource) : undefined;
      if (action?.stream && r.name) {
        this.authorize(req, r, action.methods.GET?.verb ?? "get");
        return action.stream(this.call(req, r, q));
      }
      this.authorize(req, r, "watch");
      const watching = openWatch(this.api, this.store, this.hub, this.clock, req, r.def, r.namespace, r.name, q);
      const warning = deprecationWarning(r.def, this.settings().kubernetesVersion);
      if (warning) watching.headers.append("Warning", `299 - ${JSON.stringify(warning)}`);
      return watching;
    } catch (e) {
      const err = e instanceof ApiError ? e : e instanceof SelectorError ? errors.badRequest(e.message) : errors.internal(String(e));
      const res = respondError(req, err);
      return new Response(res.body, { status: res.status, headers: res.headers });
    }
  }

  private dispatch(req: KubeRequest, r: Route): KubeResponse {
    const q = new URLSearchParams(req.query);
    const settings = this.settings();
    if (r.t !== "resource" && r.t !== "notFound") this.authorizePath(req, r);
    switch (r.t) {
      case "root":
        return respond(req, 200, { paths: rootPaths(this.api.registry) });
      case "version":
        return respond(req, 200, this.version());
      case "health":
        return healthAnswer(r.endpoint, this.healthChecks(r.endpoint), r.check, q);
      case "metrics":
        return { status: 200, headers: [["Content-Type", METRICS_CONTENT_TYPE]], body: this.metrics.render(this.storedObjects()) };
      case "api": {
        const v = aggregatedVersion(req.accept);
        if (v) return respond(req, 200, aggregated(this.api.registry, v, true), v === "v2" ? DISCOVERY_V2 : DISCOVERY_V2BETA1);
        return respond(req, 200, apiVersions(req.host));
      }
      case "apis": {
        const v = aggregatedVersion(req.accept);
        if (v) return respond(req, 200, aggregated(this.api.registry, v, false), v === "v2" ? DISCOVERY_V2 : DISCOVERY_V2BETA1);
        return respond(req, 200, apiGroupList(this.api.registry));
      }
      case "group": {
        const doc = apiGroupDoc(this.api.registry, r.group);
        if (!doc) throw errors.notFoundPath();
        return respond(req, 200, doc);
      }
      case "groupVersion": {
        const doc = apiResourceList(this.api.registry, r.group, r.version);
        if (!doc) throw errors.notFoundPath();
        return respond(req, 200, doc);
      }
      case "openapiV3":
        return respond(req, 200, openapiRoot(this.api.registry, req.basePath, settings.kubernetesVersion));
      case "openapiV3Doc": {
        const doc = openapiDocument(this.api.registry, r.group, r.version, settings.kubernetesVersion);
        if (!doc) throw errors.notFoundPath();
        return { status: 200, headers: [["Content-Type", "application/json"], ["Cache-Control", "public, immutable"], ["Etag", `"${doc.hash}"`]], body: doc.body };
      }
      case "openapiV2":
        return serveOpenapiV2(this.api.registry, req, settings.kubernetesVersion);
      case "notFound":
        throw errors.notFoundPath();
      case "resource": {
        const res = this.resource(req, r, q);
        const warning = deprecationWarning(r.def, settings.kubernetesVersion);
        if (warning) res.headers.unshift(["Warning", `299 - ${JSON.stringify(warning)}`]);
        return res;
      }
    }
  }

  /**
   * Paths outside the resource API: read-only (other methods get kube-apiserver's 405, health
   * aside, which answers any method), and only to callers whose rules reach the path.
   */
  private authorizePath(req: KubeRequest, r: Exclude<Route, { t: "resource" } | { t: "notFound" }>) {
    const reading = req.method === "GET" || req.method === "HEAD";
    if (!reading && r.t !== "health") throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    const verb = reading ? "get" : req.method.toLowerCase();
    const path = "/" + req.path.split("/").filter(Boolean).join("/");
    const a = { user: this.userOf(req), verb, resourceRequest: false, namespace: "", apiGroup: "", resource: "", subresource: "", name: "", path };
    const d = this.api.authorizer.authorize(a);
    if (!d.allowed) throw forbidden(a, d.reason);
  }

  private healthChecks(endpoint: HealthEndpoint) {
    return healthChecks(endpoint, {
      storage: () => failure(() => this.store.sqlStorage.exec("SELECT 1").one()),
      initialized: () => failure(() => this.settings()),
    });
  }

  /** Objects stored per resource, named as kube-apiserver's metrics name them. */
  private storedObjects(): { resource: string; count: number }[] {
    return this.store.sqlStorage
      .exec<{ resource: string; n: number }>("SELECT resource, count(*) AS n FROM objects GROUP BY resource ORDER BY resource")
      .toArray()
      .map((row) => ({ resource: metricsResource(row.resource), count: Number(row.n) }));
  }

  private authorize(req: KubeRequest, r: Extract<Route, { t: "resource" }>, verb: Verb) {
    const def = r.def;
    const a = resourceAttributes(this.userOf(req), verb, def.group, def.plural, r.subresource ?? "", r.namespace ?? "", r.name ?? "");
    const d = this.api.authorizer.authorize(a);
    // Named by the resource alone ("pods \"web\" is forbidden"), as kube-apiserver's authorization filter does; the rule names the subresource.
    if (!d.allowed) throw forbidden(a, d.reason);
  }

  private call(req: KubeRequest, r: Extract<Route, { t: "resource" }>, q: URLSearchParams): ActionCall {
    return {
      req,
      namespace: r.namespace ?? "",
      name: r.name!,
      query: q,
      dryRun: parseDryRun(q),
      clock: this.clock,
      body: <T>(schema: Parameters<typeof decode>[0], kind: string, version: string) => {
        const raw = req.body && isProtobuf(req.contentType) ? decodeObject(readEnvelope(req.body), schema) : this.parse(req.body, req.contentType, "object");
        return decode<T & Record<string, unknown>>(schema, inbound({ schema }, raw, this.clock), { fieldValidation: "Ignore", kind, version }).value as T;
      },
      raw: () => this.parse(req.body, req.contentType, "patch"),
    };
  }

  /** The handler of a subresource that is not a plain write of the object (scale, log, exec…). */
  private actionFor(def: ResourceDef, subresource: string): SubresourceAction | undefined {
    // A custom kind's plural may be a built-in one's in another group: only its own scale applies.
    if (def.custom) return subresource === "scale" && def.custom.scale ? scaleAction(this.api, def, def.custom.scale) : undefined;
    return this.actions[`${def.plural}/${subresource}`];
  }

  private runAction(req: KubeRequest, r: Extract<Route, { t: "resource" }>, q: URLSearchParams, action: SubresourceAction): KubeResponse {
    const method = (req.method === "HEAD" && !action.methods.HEAD ? "GET" : req.method) as keyof SubresourceAction["methods"];
    const m = action.methods[method];
    if (!m) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    if (!r.name) throw errors.notFoundPath();
    this.authorize(req, r, m.verb);
    return m.handle(this.call(req, r, q));
  }

  private resource(req: KubeRequest, r: Extract<Route, { t: "resource" }>, q: URLSearchParams): KubeResponse {
    const action = r.subresource ? this.actionFor(r.def, r.subresource) : undefined;
    if (action) return this.runAction(req, r, q, action);
    const verb = verbOf(req.method, r, q);
    if (!verb) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    const def = r.def;
    if (!(def.verbs ?? ["get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"]).includes(verb) && !r.subresource)
      throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    this.authorize(req, r, verb);
    if (verb === "watch") throw errors.badRequest("watch requests are streamed; send them through the cluster endpoint");
    const ns = def.namespaced ? r.namespace ?? (verb === "list" || verb === "deletecollection" ? null : "") : "";
    if (def.namespaced && ns === "" && verb !== "create") throw errors.notFoundPath();
    const dryRun = parseDryRun(q);
    const fieldValidation = parseFieldValidation(q);
    const manager = fieldManagerOf(q, req.userAgent, verb);
    switch (verb) {
      case "get": {
        const obj = this.api.get(def, ns ?? "", r.name!);
        return this.answerObject(req, def, obj, 200);
      }
      case "list":
        return this.answerList(req, def, ns ?? null, q);
      case "create": {
        if (r.name) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
        const body = this.body(req, def);
        const res = this.api.create(def, ns ?? "", body, { dryRun, fieldValidation, identity: req.identity, user: req.user, manager });
        return this.answerObject(req, def, res.object, 201, res.warnings);
      }
      case "update": {
        const body = this.body(req, def);
        const res = this.api.update(def, ns ?? "", r.name!, body, { dryRun, fieldValidation, subresource: r.subresource, identity: req.identity, user: req.user, manager });
        return this.answerObject(req, def, res.object, res.created ? 201 : 200, res.warnings);
      }
      case "patch": {
        const type = patchTypeOf(req.contentType);
        if (!type) throw errors.unsupportedMediaType(req.contentType ?? "");
        if (type === "apply") {
          // The CBOR form of an applied configuration is not decoded here.
          if ((req.contentType ?? "").toLowerCase().includes("cbor")) throw errors.unsupportedMediaType(req.contentType ?? "");
          if (!q.get("fieldManager"))
            throw errors.invalid("meta.k8s.io", "PatchOptions", "", [{ path: ["fieldManager"], reason: "FieldValueRequired", message: "Required value: is required for apply patch" }]);
          const config = inbound(def, this.parse(req.body, req.contentType, "patch"), this.clock);
          const opts = { dryRun, fieldValidation, subresource: r.subresource, identity: req.identity, user: req.user, manager, force: queryBool(q, "force") };
          const res = this.api.apply(def, ns ?? "", r.name!, config, opts);
          return this.answerObject(req, def, res.object, res.created ? 201 : 200, res.warnings);
        }
        // Custom resources have no patch strategies (no Go struct tags): strategic merge is refused as kube-apiserver does.
        if (type === "strategic" && def.custom) throw errors.unsupportedMediaType(req.contentType ?? "", CUSTOM_PATCH_TYPES);
        if (q.has("force")) throw errors.invalid("meta.k8s.io", "PatchOptions", "", [{ path: ["force"], reason: "FieldValueForbidden", message: "Forbidden: may not be specified for non-apply patch" }]);
        const patch = inboundPatch(def, type, this.parse(req.body, req.contentType, "patch"), this.clock);
        const res = this.api.patch(def, ns ?? "", r.name!, type, patch, { dryRun, fieldValidation, subresource: r.subresource, identity: req.identity, user: req.user, manager });
        return this.answerObject(req, def, res.object, 200, res.warnings);
      }
      case "delete": {
        const res = this.api.delete(def, ns ?? "", r.name!, this.deleteRequest(req, q, dryRun));
        // A kind that answers a delete with the object (pods) shows it as any other answer.
        return respond(req, 200, res.body.kind === "Status" ? res.body : outbound(def, res.body as KObject, this.clock), undefined, res.warnings);
      }
      case "deletecollection": {
        const opts = { labelSelector: parseLabelSelector(q.get("labelSelector") ?? ""), fieldSelector: parseFieldSelector(q.get("fieldSelector") ?? "") };
        const items = this.api.deleteCollection(def, ns ?? null, opts, this.deleteRequest(req, q, dryRun)).map((o) => outbound(def, o, this.clock));
        return respond(req, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: { resourceVersion: String(this.store.rv) }, items });
      }
      default:
        throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    }
  }

  /**
   * A list in the representation asked for. A chunked list is one page; an unlimited one is
   * streamed a page at a time when it is longer than a page, so its size is bounded by nothing
   * but the store.
   */
  private answerList(req: KubeRequest, def: ResourceDef, ns: string | null, q: URLSearchParams): KubeResponse {
    const lq = listQuery(q, false);
    const opts: ListOptions = {
      labelSelector: parseLabelSelector(q.get("labelSelector") ?? ""),
      fieldSelector: parseFieldSelector(q.get("fieldSelector") ?? ""),
      ...(lq.limit !== null ? { limit: lq.limit } : {}),
      ...(lq.continue ? { continue: lq.continue } : {}),
      resourceVersion: lq.resourceVersion,
      resourceVersionMatch: lq.resourceVersionMatch,
    };
    const rep = representation(req.accept);
    // Stored JSON goes out untouched when nothing would change it: compact JSON of whole objects, at wall-clock time.
    opts.asText = rep.as === "object" && compactJson(req) && this.clock.wallOffset() === 0;
    const list = this.api.list(def, ns, opts, LIST_PAGE);
    const meta = { resourceVersion: list.resourceVersion, ...(list.continue ? { continue: list.continue } : {}), ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}) };
    const now = wallNow(this.clock);
    const include = includeObject(q);
    const element =
      rep.as === "table"
        ? (o: KObject) => tableRow(def, o, include, now)
        : rep.as === "metadata"
          ? (o: KObject) => ({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata })
          : (o: KObject) => o;
    const shown = (items: KObject[]) => items.map((o) => element(outbound(def, o, this.clock)));
    const encoded = !!list.texts;
    // The rest of an unlimited list, read a page at a time after the last key sent.
    let next = list.next;
    const more = next
      ? () => {
          if (!next) return null;
          const page = this.api.list(def, ns, { ...opts, after: next }, LIST_PAGE);
          next = page.next;
          return page.texts ?? shown(page.items);
        }
      : null;
    if (rep.as === "table") {
      const { rows: _rows, ...head } = table(def, [], include, meta, now);
      return respondCollection(req, 200, { head, key: "rows", first: shown(list.items), more }, "application/json;as=Table;v=v1;g=meta.k8s.io");
    }
    const head = rep.as === "metadata" ? { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: meta } : { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: meta };
    return respondCollection(req, 200, { head, key: "items", first: list.texts ?? shown(list.items), more, encoded });
  }

  private answerObject(req: KubeRequest, def: ResourceDef, obj: KObject, status: number, warnings: string[] = []): KubeResponse {
    obj = outbound(def, obj, this.clock);
    const rep = representation(req.accept);
    const q = new URLSearchParams(req.query);
    if (rep.as === "table" && !def.virtual) return respond(req, status, table(def, [obj], includeObject(q), { resourceVersion: obj.metadata.resourceVersion }, wallNow(this.clock)), "application/json;as=Table;v=v1;g=meta.k8s.io", warnings);
    if (rep.as === "metadata") return respond(req, status, { kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: obj.metadata }, "application/json", warnings);
    return respond(req, status, obj, "application/json", warnings);
  }

  /** A request body as JSON: JSON, YAML or protobuf (decoded by the kind's schema). */
  private body(req: KubeRequest, def: ResourceDef): unknown {
    if (req.body && isProtobuf(req.contentType)) {
      // Custom resources have no protobuf form (kube-apiserver serves them as JSON, YAML or CBOR).
      if (def.custom) throw errors.unsupportedMediaType(req.contentType ?? "", ["application/json", "application/yaml"]);
      const env = readEnvelope(req.body);
      const [group, version] = env.apiVersion.includes("/") ? env.apiVersion.split("/") : ["", env.apiVersion];
      const target = this.api.registry.findKind(group, version, env.kind) ?? (env.kind === def.kind ? def : undefined);
      if (!target) throw errors.badRequest(`no kind "${env.kind}" is registered for version "${env.apiVersion}"`);
      return inbound(def, decodeObject(env, target.schema), this.clock);
    }
    const parsed = this.parse(req.body, req.contentType, "object");
    return carryDuplicates(inbound(def, parsed, this.clock), duplicatesOf(parsed));
  }

  /**
   * A body as JSON, from JSON or YAML: nesting and YAML aliases bounded before anything else
   * reads it; duplicate keys carried along for a strict decode to report.
   */
  private parse(body: Uint8Array | null, contentType: string | null, what: "object" | "patch"): unknown {
    if (!body || body.length === 0) throw errors.badRequest(what === "patch" ? "the body of the request was empty" : "Object 'Kind' is missing in ''");
    if (body.length > LIMITS.requestBodyBytes) throw errors.tooLarge(LIMITS.requestBodyBytes);
    const text = new TextDecoder().decode(body);
    const ct = (contentType ?? "").toLowerCase();
    try {
      const parsed = ct.includes("yaml") ? parseYamlBody(text) : parseJsonBody(text);
      return carryDuplicates(parsed.value, parsed.duplicates);
    } catch (e) {
      if (!(e instanceof BodyError)) throw e;
      throw errors.badRequest(`couldn't get version/kind; json parse error: ${e.message}`);
    }
  }

  private deleteRequest(req: KubeRequest, q: URLSearchParams, dryRun: boolean): DeleteRequest {
    let opts: Record<string, unknown> = {};
    if (req.body && req.body.length) {
      const raw = isProtobuf(req.contentType) ? decodeObject(readEnvelope(req.body), DeleteOptions) : this.parse(req.body, req.contentType, "object");
      opts = decode<Record<string, unknown>>(DeleteOptions, raw, { fieldValidation: "Ignore", kind: "DeleteOptions", version: "v1" }).value;
    }
    const out: DeleteRequest = { dryRun: dryRun || (Array.isArray(opts.dryRun) && opts.dryRun.includes("All")), ...(req.user ? { user: req.user } : {}) };
    const grace = q.get("gracePeriodSeconds") ?? (opts.gracePeriodSeconds !== undefined ? String(opts.gracePeriodSeconds) : null);
    if (grace !== null && grace !== "") {
      if (!/^-?\d+$/.test(grace)) throw errors.badRequest(`invalid gracePeriodSeconds: ${grace}`);
      out.gracePeriodSeconds = Number(grace);
    }
    const policy = q.get("propagationPolicy") ?? (opts.propagationPolicy as string | undefined);
    if (policy) {
      if (!["Orphan", "Background", "Foreground"].includes(policy)) throw errors.badRequest(`invalid propagationPolicy: ${policy}`);
      out.propagationPolicy = policy as DeleteRequest["propagationPolicy"];
    }
    if (opts.orphanDependents === true || queryBool(q, "orphanDependents")) out.propagationPolicy = "Orphan";
    const pre = opts.preconditions as DeleteRequest["preconditions"] | undefined;
    if (pre) out.preconditions = pre;
    return out;
  }
}

/** Why `check` throws, or null when it does not (a health check's answer). */
function failure(check: () => unknown): string | null {
  try {
    check();
    return null;
  } catch (e) {
    return String(e);
  }
}

/** What kube-apiserver serves at its root, for `kubectl get --raw /`. */
function rootPaths(registry: Registry): string[] {
  const groups = apiGroupList(registry).groups;
  const paths = ["/api", "/api/v1", "/apis", "/apis/", "/healthz", "/livez", "/metrics", "/openapi/v2", "/openapi/v3", "/openapi/v3/", "/readyz", "/version"];
  for (const g of groups) paths.push(`/apis/${g.name}`, ...g.versions.map((v) => `/apis/${v.groupVersion}`));
  return paths.sort();
}

const CONNECT_SUBRESOURCES = new Set(["log", "exec", "proxy", "attach", "portforward"]);
/** The subresources reached by an upgrade (api/stream/). */
const CONNECT = ["exec", "attach", "portforward"] as const;
const METRIC_VERBS: Record<Verb, string> = { get: "GET", list: "LIST", watch: "WATCH", create: "POST", update: "PUT", patch: "PATCH", delete: "DELETE", deletecollection: "DELETECOLLECTION" };

/** A request in kube-apiserver's metric labels; paths outside the resource API by their template. */
function requestLabels(req: KubeRequest, r: Route | null): RequestLabels {
  const q = new URLSearchParams(req.query);
  const method = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"].includes(req.method) ? req.method : "other";
  const none = { verb: method, dryRun: "", group: "", version: "", resource: "", subresource: "", scope: "" };
  if (!r || r.t === "notFound") return none;
  switch (r.t) {
    case "root":
      return { ...none, subresource: "/" };
    case "version":
    case "metrics":
    case "api":
    case "apis":
      return { ...none, subresource: `/${r.t}` };
    case "health":
      return { ...none, subresource: `/${r.endpoint}` };
    case "group":
      return { ...none, group: r.group, subresource: "/apis/{group}" };
    case "groupVersion":
      return { ...none, group: r.group, version: r.version, subresource: r.group ? "/apis/{group}/{version}" : "/api/{version}" };
    case "openapiV2":
      return { ...none, subresource: "/openapi/v2" };
    case "openapiV3":
      return { ...none, subresource: "/openapi/v3" };
    case "openapiV3Doc":
      return { ...none, group: r.group, version: r.version, subresource: "/openapi/v3/{group}/{version}" };
    case "resource": {
      const verb = verbOf(req.method, r, q);
      const dry = q.getAll("dryRun");
      let metricVerb = verb ? METRIC_VERBS[verb] : "other";
      if (verb === "patch" && (req.contentType ?? "").startsWith("application/apply-patch")) metricVerb = "APPLY";
      if (r.subresource && CONNECT_SUBRESOURCES.has(r.subresource)) metricVerb = "CONNECT";
      return {
        verb: metricVerb,
        dryRun: dry.length === 0 ? "" : dry.every((v) => v === "All") ? "All" : "invalid",
        group: r.def.group,
        version: r.def.version,
        resource: r.def.plural,
        subresource: r.subresource ?? "",
        scope: r.name || verb === "create" ? "resource" : r.namespace ? "namespace" : "cluster",
      };
    }
  }
}

/** The same bytes, calling `done` once when the stream ends, fails or is cancelled by the client. */
function untilEnd(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array>;
      try {
        next = await reader.read();
      } catch (e) {
        done();
        throw e;
      }
      if (next.done) {
        done();
        controller.close();
      } else controller.enqueue(next.value);
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
}

function parseDryRun(q: URLSearchParams): boolean {
  const values = q.getAll("dryRun");
  for (const v of values) if (v !== "All") throw errors.badRequest(`Invalid dryRun value: ${v}. Valid values are All.`);
  return values.length > 0;
}

function parseFieldValidation(q: URLSearchParams): FieldValidation {
  const v = q.get("fieldValidation");
  if (v === null || v === "") return "Warn";
  if (v === "Strict" || v === "Warn" || v === "Ignore") return v;
  throw errors.badRequest(`fieldValidation parameter unsupported: ${v}`);
}

function includeObject(q: URLSearchParams): IncludeObject {
  const v = q.get("includeObject");
  return v === "None" || v === "Object" ? v : "Metadata";
}
