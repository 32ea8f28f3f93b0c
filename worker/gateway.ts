// The kube API at the edge. A cluster's API is reached three ways:
//   /k8s/<cluster-id>/...        on the service's host, with any token that may use the cluster;
//   /...  (the root)             with a cluster-scoped token, which names its cluster (kubectl
//                                proxy, `get --raw /livez` and every client that builds paths
//                                from the server's root lose a path prefix);
//   https://<cluster-id>.<KUBE_HOST_SUFFIX>/...   a host per cluster, when deployed with one.
// Here the bearer token is authenticated (a token this isolate has read before is named from
// memory and confirmed by the cluster object, auth/authenticate.ts), checked against the cluster,
// and the request handed to the cluster's Durable Object: over RPC, or through fetch for streams
// (watch, logs -f). Every answer from here is a Kubernetes Status, as kube clients expect.
import type { Context } from "hono";
import { authenticateKube, authorizationOf, bearer, confirmToken, protocolsWithoutBearer, type Caller } from "./auth/authenticate";
import type { Identity } from "./auth/identity";
import { parseImpersonation } from "./auth/impersonation";
import { rateLimit, take } from "./auth/ratelimit";
import { headerPairs, readBounded } from "./body";
import { KubeRouter } from "./cluster/api/http/router";
import type { KubeRequest } from "./cluster/api/http/types";
import { ApiError, errors } from "./cluster/machinery/errors";
import { STREAM_REQUEST_HEADER, type StreamRequestMeta } from "./cluster/object";
import type { Env } from "./env";
import { LIMITS } from "./limits";
import { clusterOwner, clusterStub } from "./service/clusterAccess";
import type { AppEnv } from "./service/http";

type Ctx = Context<AppEnv>;

/** First path segments of the kube API at a server's root. */
const KUBE_ROOTS = new Set(["api", "apis", "version", "healthz", "livez", "readyz", "metrics", "openapi", "logs", ".well-known", "openid"]);

function status(err: ApiError): Response {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (err.code === 429) headers["Retry-After"] = String(err.status.details?.retryAfterSeconds ?? 1);
  // json.Encoder's bytes, as kube-apiserver writes a Status: one line ending in a newline.
  return new Response(JSON.stringify(err.status) + "\n", { status: err.code, headers });
}

/**
 * The cluster whose own host this is (`<cluster-id>.<KUBE_HOST_SUFFIX>`), if any. A suffix with a
 * port (`localhost:8787`, for local use) matches that port only; one without, any port.
 */
export function clusterOfHost(env: Env, host: string): string | null {
  const suffix = env.KUBE_HOST_SUFFIX?.replace(/^\./, "").toLowerCase();
  if (!suffix) return null;
  const name = /:\d+$/.test(suffix) ? host.toLowerCase() : host.toLowerCase().replace(/:\d+$/, "");
  if (!name.endsWith(`.${suffix}`)) return null;
  const label = name.slice(0, -suffix.length - 1);
  return /^[a-z0-9-]+$/.test(label) ? label : null;
}

/**
 * The kube API's answer when this request is for one, or null when it belongs to the service
 * (the management API under /v1, the service's /healthz, the web pages). Precedence: a cluster's
 * own host, then /k8s/, then /v1/ (management), then the root for requests with a bearer token.
 */
export async function kubeEdge(c: Ctx): Promise<Response | null> {
  try {
    return await edge(c);
  } catch (e) {
    console.error("kube request failed at the edge", c.req.method, c.req.path, e);
    return status(errors.internal(e instanceof Error ? e.message : String(e)));
  }
}

async function edge(c: Ctx): Promise<Response | null> {
  const url = new URL(c.req.url);
  const path = url.pathname;
  const hostCluster = clusterOfHost(c.env, url.host);
  if (hostCluster !== null) return serveCluster(c, await authenticateKube(c.env, authorizationOf(c.req.raw.headers)), hostCluster, "", path);
  if (path === "/k8s" || path.startsWith("/k8s/")) {
    const [, , id = "", ...rest] = path.split("/");
    // `/k8s//api/...` and the like: no cluster is named.
    if (!id) return status(errors.notFoundPath());
    return serveCluster(c, await authenticateKube(c.env, authorizationOf(c.req.raw.headers)), id, `/k8s/${id}`, "/" + rest.join("/"));
  }
  if (path === "/v1" || path.startsWith("/v1/")) return null;
  const head = path.split("/")[1] ?? "";
  if (!bearer(authorizationOf(c.req.raw.headers))) return KUBE_ROOTS.has(head) && head !== "healthz" ? status(errors.unauthorized()) : null;
  const caller = await authenticateKube(c.env, authorizationOf(c.req.raw.headers));
  const clusterId = caller.kind === "token" ? caller.identity.clusterId : null;
  if (clusterId !== null) return serveCluster(c, caller, clusterId, "", path);
  // The service's own health answers anyone a cluster-scoped token does not send elsewhere.
  if (path === "/healthz") return null;
  if (caller.kind !== "token" || (caller.token && !(await confirmToken(c.env, caller.identity, caller.token)))) return status(errors.unauthorized());
  return status(
    errors.badRequest(
      "this token is for every cluster of its tenant, so the server's root cannot tell which cluster to serve: use a cluster-scoped token (the one GET /v1/clusters/{name}/kubeconfig puts in a kubeconfig) or the cluster's path /k8s/<cluster-id>",
    ),
  );
}

/** One request to a cluster's kube API, `path` being the path within that API. */
async function serveCluster(c: Ctx, caller: Caller, clusterId: string, basePath: string, path: string): Promise<Response> {
  if (caller.kind !== "token") return status(errors.unauthorized());
  const identity: Identity = caller.identity;
  const wait = take(c.env, identity.tokenId);
  if (wait > 0) return status(errors.tooManyRequests(`too many requests for this token: the limit is ${rateLimit(c.env)} per second`, wait));
  // Another tenant's cluster, or another cluster for a cluster-scoped token, does not exist.
  const owner = await clusterOwner(c.env, clusterId);
  if (owner === null || owner !== identity.tenantId || (identity.clusterId !== null && identity.clusterId !== clusterId))
    return status(caller.token && !(await confirmToken(c.env, identity, caller.token)) ? errors.unauthorized() : errors.notFoundPath());
  // Impersonate-* headers are parsed here and decided in the cluster by RBAC; never silently ignored.
  const ask = parseImpersonation(c.req.raw.headers);
  if (ask instanceof ApiError) return status(ask);
  const acting: Identity = ask ? { ...identity, impersonate: ask } : identity;

  const url = new URL(c.req.url);
  const query = url.search.replace(/^\?/, "");
  const meta: StreamRequestMeta = {
    method: c.req.method,
    path: path || "/",
    query,
    accept: c.req.header("accept") ?? null,
    contentType: c.req.header("content-type") ?? null,
    userAgent: c.req.header("user-agent") ?? null,
    identity: acting,
    basePath,
    host: url.host,
    // A proxied request's headers go on to the pod; credentials stay here, as kube-apiserver's authentication filter drops them.
    ...(/\/proxy(\/|$)/.test(path) ? { headers: headerPairs(c.req.raw.headers).filter(([k]) => k !== "authorization" && !k.startsWith("impersonate-") && k !== "cookie") } : {}),
  };
  const stub = clusterStub(c.env, clusterId);
  // Streams go to the object by fetch, which carries no token proof: the token is read in D1 first.
  const streamed = KubeRouter.isConnect(meta.path) || (c.req.method === "GET" && KubeRouter.isStream(meta.path, query));
  if (streamed && caller.token && !(await confirmToken(c.env, identity, caller.token))) return status(errors.unauthorized());

  // exec, attach, port-forward: the upgrade (WebSocket, or SPDY to be refused) goes to the object, whose 101 and socket come back untouched.
  if (KubeRouter.isConnect(meta.path)) {
    const headers: Record<string, string> = { [STREAM_REQUEST_HEADER]: JSON.stringify(meta) };
    // The runtime keeps a non-WebSocket Upgrade (kubectl's SPDY/3.1) to itself; X-Stream-Protocol-Version still tells one.
    for (const h of ["upgrade", "x-stream-protocol-version"]) {
      const v = c.req.header(h);
      if (v) headers[h] = v;
    }
    // The bearer subprotocol was the credentials: it goes no further, so it is never chosen.
    const protocols = protocolsWithoutBearer(c.req.raw.headers);
    if (protocols) headers["sec-websocket-protocol"] = protocols;
    return stub.fetch(`https://cluster.internal${meta.path}${url.search}`, { headers });
  }

  if (c.req.method === "GET" && KubeRouter.isStream(meta.path, query)) {
    return stub.fetch(`https://cluster.internal${meta.path}${url.search}`, { headers: { [STREAM_REQUEST_HEADER]: JSON.stringify(meta) } });
  }

  let body: Uint8Array | null = null;
  if (c.req.method !== "GET" && c.req.method !== "HEAD") {
    const bytes = await readBounded(c.req.raw, LIMITS.requestBodyBytes);
    if (bytes === null) return status(errors.tooLarge(LIMITS.requestBodyBytes));
    body = bytes.length ? bytes : null;
  }
  const req: KubeRequest = { ...meta, body };
  const res = await sendKube(c.env, stub, req, caller);
  if (!res) return status(errors.unauthorized());
  if (c.req.method === "HEAD") await res.stream?.cancel();
  return new Response(c.req.method === "HEAD" ? null : (res.stream ?? res.bytes ?? res.body), { status: res.status, headers: res.headers as [string, string][] });
}

type ClusterStub = ReturnType<typeof clusterStub>;

/**
 * A kube request over RPC, with its token's proof: the object serves it when it knows the token
 * (no D1 read), else asks for it to be confirmed, and gets it again with D1's answer. null: the
 * token does not stand (revoked since this isolate read it).
 */
async function sendKube(env: Env, stub: ClusterStub, req: KubeRequest, caller: Caller & { kind: "token" }): Promise<Awaited<ReturnType<ClusterStub["kube"]>> | null> {
  const token = caller.token;
  // A service-account token: the object verifies it itself.
  if (!token) return stub.kube(req);
  const first = await stub.kubeWithToken(req, { hash: token.hash, ...(token.confirmed ? { verifiedAt: null } : {}) });
  if (!("verify" in first)) return first;
  if (!(await confirmToken(env, caller.identity, token))) return null;
  const again = await stub.kubeWithToken(req, { hash: token.hash, verifiedAt: first.verify });
  if ("verify" in again) throw new Error("the cluster asked again to verify a token it was just given");
  return again;
}
