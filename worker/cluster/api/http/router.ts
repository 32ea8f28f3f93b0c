// The kube API router: turns a request path into a resource and a verb (as the API server's
// RequestInfo does), checks the caller's role, and calls the generic handlers.
import { parse as parseYaml } from "yaml";
import { userName } from "../../../auth/identity";
import { allowed } from "../../../auth/rules";
import { LIMITS } from "../../../limits";
import type { Clock } from "../../clock";
import { apiVersionOf, type ClusterSettings, type KObject, type ResourceDef, type Verb } from "../../resources/define";
import { findKind, findResource } from "../../resources/registry";
import { DeleteOptions } from "../../resources/types/meta";
import type { Store } from "../../store/store";
import type { WatchHub } from "../../store/watch";
import { ApiServer, type DeleteRequest } from "../apiserver";
import { aggregated, aggregatedVersion, apiGroupDoc, apiGroupList, apiResourceList, apiVersions, DISCOVERY_V2, DISCOVERY_V2BETA1 } from "../discovery";
import { ApiError, errors } from "../../machinery/errors";
import { openapiDocument, openapiRoot } from "../openapi";
import { serveOpenapiV2 } from "../openapi-v2";
import { patchTypeOf } from "../../machinery/patch";
import { decodeObject, isProtobuf, readEnvelope } from "../../machinery/protobuf";
import { decode, type FieldValidation } from "../../machinery/schema/decode";
import { parseFieldSelector, parseLabelSelector, SelectorError } from "../../machinery/selectors";
import { table, type IncludeObject } from "../table";
import { representation, respond, respondError } from "./respond";
import type { KubeRequest, KubeResponse } from "./types";
import { openWatch } from "./watch";
import { inbound, inboundPatch, outbound, wallNow } from "./wire";
import { fieldManagerOf } from "../managedFields";
import type { ActionCall, Actions, SubresourceAction } from "./actions";

export type Route =
  | { t: "version" }
  | { t: "health" }
  | { t: "api" }
  | { t: "apis" }
  | { t: "group"; group: string }
  | { t: "groupVersion"; group: string; version: string }
  | { t: "openapiV3" }
  | { t: "openapiV3Doc"; group: string; version: string }
  | { t: "openapiV2" }
  | { t: "resource"; def: ResourceDef; namespace: string | null; name?: string; subresource?: string; watchPath: boolean }
  | { t: "notFound" };

const NAMESPACE_SUBRESOURCES = new Set(["status", "finalize"]);

export function route(path: string): Route {
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [head] = parts;
  if (parts.length === 1 && head === "version") return { t: "version" };
  if (parts.length >= 1 && ["healthz", "livez", "readyz"].includes(head)) return { t: "health" };
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
  const def = findResource(group, version, rest[0]);
  if (!def || rest.length > 3) return { t: "notFound" };
  if (namespace !== null && !def.namespaced) return { t: "notFound" };
  const name = rest[1];
  const subresource = rest[2];
  if (subresource && !def.subresources?.some((s) => s.name === subresource)) return { t: "notFound" };
  return { t: "resource", def, namespace, name, subresource, watchPath };
}

function verbOf(method: string, r: Extract<Route, { t: "resource" }>, query: URLSearchParams): Verb | null {
  const watching = r.watchPath || ["true", "1"].includes(query.get("watch") ?? "");
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
    const r = route(path);
    if (r.t !== "resource") return false;
    const q = new URLSearchParams(query);
    if (r.subresource === "log") return ["true", "1"].includes(q.get("follow") ?? "");
    return r.watchPath || ["true", "1"].includes(q.get("watch") ?? "");
  }

  handle(req: KubeRequest): KubeResponse {
    try {
      return this.dispatch(req);
    } catch (e) {
      if (e instanceof ApiError) return respondError(req, e);
      if (e instanceof SelectorError) return respondError(req, errors.badRequest(e.message));
      console.error("kube request failed", req.method, req.path, e);
      return respondError(req, errors.internal(e instanceof Error ? e.message : String(e)));
    }
  }

  /** A stream (a watch, or a subresource's stream such as logs -f), or an error answer. */
  stream(req: KubeRequest): Response {
    try {
      const r = route(req.path);
      if (r.t !== "resource") throw errors.notFoundPath();
      const q = new URLSearchParams(req.query);
      const action = r.subresource ? this.actions[`${r.def.plural}/${r.subresource}`] : undefined;
      if (action?.stream && r.name) {
        this.authorize(req, r, action.methods.GET?.verb ?? "get");
        return action.stream(this.call(req, r, q));
      }
      this.authorize(req, r, "watch");
      return openWatch(this.api, this.store, this.hub, this.clock, req, r.def, r.namespace, r.name, q);
    } catch (e) {
      const err = e instanceof ApiError ? e : e instanceof SelectorError ? errors.badRequest(e.message) : errors.internal(String(e));
      const res = respondError(req, err);
      return new Response(res.body, { status: res.status, headers: res.headers });
    }
  }

  private dispatch(req: KubeRequest): KubeResponse {
    const r = route(req.path);
    const q = new URLSearchParams(req.query);
    const settings = this.settings();
    switch (r.t) {
      case "version":
        return respond(req, 200, this.version());
      case "health":
        return { status: 200, headers: [["Content-Type", "text/plain; charset=utf-8"]], body: "ok" };
      case "api": {
        const v = aggregatedVersion(req.accept);
        if (v) return respond(req, 200, aggregated(v, true), v === "v2" ? DISCOVERY_V2 : DISCOVERY_V2BETA1);
        return respond(req, 200, apiVersions(req.host));
      }
      case "apis": {
        const v = aggregatedVersion(req.accept);
        if (v) return respond(req, 200, aggregated(v, false), v === "v2" ? DISCOVERY_V2 : DISCOVERY_V2BETA1);
        return respond(req, 200, apiGroupList());
      }
      case "group": {
        const doc = apiGroupDoc(r.group);
        if (!doc) throw errors.notFoundPath();
        return respond(req, 200, doc);
      }
      case "groupVersion": {
        const doc = apiResourceList(r.group, r.version);
        if (!doc) throw errors.notFoundPath();
        return respond(req, 200, doc);
      }
      case "openapiV3":
        return respond(req, 200, openapiRoot(req.basePath, settings.kubernetesVersion));
      case "openapiV3Doc": {
        const doc = openapiDocument(r.group, r.version, settings.kubernetesVersion);
        if (!doc) throw errors.notFoundPath();
        return { status: 200, headers: [["Content-Type", "application/json"], ["Cache-Control", "public, immutable"], ["Etag", `"${doc.hash}"`]], body: doc.body };
      }
      case "openapiV2":
        return serveOpenapiV2(req, settings.kubernetesVersion);
      case "notFound":
        throw errors.notFoundPath();
      case "resource":
        return this.resource(req, r, q);
    }
  }

  private authorize(req: KubeRequest, r: Extract<Route, { t: "resource" }>, verb: Verb) {
    const def = r.def;
    if (def.virtual) return;
    const resource = r.subresource ? `${def.plural}/${r.subresource}` : def.plural;
    if (allowed(req.identity, verb, def.group, resource)) return;
    const scope = r.namespace ? `in the namespace "${r.namespace}"` : "at the cluster scope";
    throw errors.forbidden(def.group, resource, r.name ?? "", `User "${userName(req.identity)}" cannot ${verb} resource "${resource}" in API group "${def.group}" ${scope}`);
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

  private runAction(req: KubeRequest, r: Extract<Route, { t: "resource" }>, q: URLSearchParams, action: SubresourceAction): KubeResponse {
    const method = (req.method === "HEAD" ? "GET" : req.method) as keyof SubresourceAction["methods"];
    const m = action.methods[method];
    if (!m) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
    if (!r.name) throw errors.notFoundPath();
    this.authorize(req, r, m.verb);
    return m.handle(this.call(req, r, q));
  }

  private resource(req: KubeRequest, r: Extract<Route, { t: "resource" }>, q: URLSearchParams): KubeResponse {
    const action = r.subresource ? this.actions[`${r.def.plural}/${r.subresource}`] : undefined;
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
    const rep = representation(req.accept);
    const now = wallNow(this.clock);
    switch (verb) {
      case "get": {
        const obj = this.api.get(def, ns ?? "", r.name!);
        return this.answerObject(req, def, obj, 200);
      }
      case "list": {
        const opts = {
          labelSelector: parseLabelSelector(q.get("labelSelector") ?? ""),
          fieldSelector: parseFieldSelector(q.get("fieldSelector") ?? ""),
          limit: q.get("limit") ? Number(q.get("limit")) : undefined,
          continue: q.get("continue") ?? undefined,
        };
        const list = this.api.list(def, ns ?? null, opts);
        list.items = list.items.map((o) => outbound(def, o, this.clock));
        const meta = { resourceVersion: list.resourceVersion, ...(list.continue ? { continue: list.continue } : {}), ...(list.remainingItemCount !== undefined ? { remainingItemCount: list.remainingItemCount } : {}) };
        if (rep.as === "table") return respond(req, 200, table(def, list.items, includeObject(q), meta, now), "application/json;as=Table;v=v1;g=meta.k8s.io");
        if (rep.as === "metadata")
          return respond(req, 200, { kind: "PartialObjectMetadataList", apiVersion: "meta.k8s.io/v1", metadata: meta, items: list.items.map((o) => ({ kind: "PartialObjectMetadata", apiVersion: "meta.k8s.io/v1", metadata: o.metadata })) });
        return respond(req, 200, { kind: `${def.kind}List`, apiVersion: apiVersionOf(def), metadata: meta, items: list.items });
      }
      case "create": {
        if (r.name) throw errors.methodNotAllowed(`the server does not allow this method on the requested resource`);
        const body = this.body(req, def);
        const res = this.api.create(def, ns ?? "", body, { dryRun, fieldValidation, identity: req.identity, manager });
        return this.answerObject(req, def, res.object, 201, res.warnings);
      }
      case "update": {
        const body = this.body(req, def);
        const res = this.api.update(def, ns ?? "", r.name!, body, { dryRun, fieldValidation, subresource: r.subresource, identity: req.identity, manager });
        return this.answerObject(req, def, res.object, res.created ? 201 : 200, res.warnings);
      }
      case "patch": {
        const type = patchTypeOf(req.contentType);
        if (!type) throw errors.unsupportedMediaType(req.contentType ?? "");
        if (type === "apply") throw errors.unsupportedMediaType(`${req.contentType} (server-side apply is not supported yet; use client-side kubectl apply)`);
        const patch = inboundPatch(def, type, this.parse(req.body, req.contentType, "patch"), this.clock);
        const res = this.api.patch(def, ns ?? "", r.name!, type, patch, { dryRun, fieldValidation, subresource: r.subresource, identity: req.identity, manager });
        return this.answerObject(req, def, res.object, 200, res.warnings);
      }
      case "delete": {
        const res = this.api.delete(def, ns ?? "", r.name!, this.deleteRequest(req, q, dryRun));
        // A kind that answers a delete with the object (pods) shows it as any other answer.
        return respond(req, 200, res.body.kind === "Status" ? res.body : outbound(def, res.body as KObject, this.clock));
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
      const env = readEnvelope(req.body);
      const [group, version] = env.apiVersion.includes("/") ? env.apiVersion.split("/") : ["", env.apiVersion];
      const target = findKind(group, version, env.kind) ?? (env.kind === def.kind ? def : undefined);
      if (!target) throw errors.badRequest(`no kind "${env.kind}" is registered for version "${env.apiVersion}"`);
      return inbound(def, decodeObject(env, target.schema), this.clock);
    }
    return inbound(def, this.parse(req.body, req.contentType, "object"), this.clock);
  }

  private parse(body: Uint8Array | null, contentType: string | null, what: "object" | "patch"): unknown {
    if (!body || body.length === 0) throw errors.badRequest(what === "patch" ? "the body of the request was empty" : "Object 'Kind' is missing in ''");
    if (body.length > LIMITS.requestBodyBytes) throw errors.tooLarge(LIMITS.requestBodyBytes);
    const text = new TextDecoder().decode(body);
    const ct = (contentType ?? "").toLowerCase();
    try {
      if (ct.includes("yaml")) return parseYaml(text);
      return JSON.parse(text);
    } catch (e) {
      throw errors.badRequest(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
    }
  }

  private deleteRequest(req: KubeRequest, q: URLSearchParams, dryRun: boolean): DeleteRequest {
    let opts: Record<string, unknown> = {};
    if (req.body && req.body.length) {
      const raw = isProtobuf(req.contentType) ? decodeObject(readEnvelope(req.body), DeleteOptions) : this.parse(req.body, req.contentType, "object");
      opts = decode<Record<string, unknown>>(DeleteOptions, raw, { fieldValidation: "Ignore", kind: "DeleteOptions", version: "v1" }).value;
    }
    const out: DeleteRequest = { dryRun: dryRun || (Array.isArray(opts.dryRun) && opts.dryRun.includes("All")) };
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
    if (opts.orphanDependents === true || q.get("orphanDependents") === "true") out.propagationPolicy = "Orphan";
    const pre = opts.preconditions as DeleteRequest["preconditions"] | undefined;
    if (pre) out.preconditions = pre;
    return out;
  }
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
