// /k8s/<cluster-id>/...: the kube API. Authenticates the bearer token, checks the token may use
// this cluster, then hands the request to the cluster's Durable Object: over RPC, or through
// fetch for streams (watch). Errors here are Kubernetes Status objects, as clients expect.
import { Hono, type Context } from "hono";
import { authenticate } from "./auth/authenticate";
import type { Identity } from "./auth/identity";
import { rateLimit, take } from "./auth/ratelimit";
import { ApiError, errors } from "./cluster/machinery/errors";
import { impersonation } from "./auth/impersonation";
import { KubeRouter } from "./cluster/api/http/router";
import type { KubeRequest } from "./cluster/api/http/types";
import { STREAM_REQUEST_HEADER, type StreamRequestMeta } from "./cluster/object";
import { LIMITS } from "./limits";
import { clusterOwner, clusterStub } from "./service/clusterAccess";
import type { AppEnv } from "./service/http";

function status(c: Context, err: ApiError) {
  const headers: Record<string, string> = { "Content-Type": "application/json" };
  if (err.code === 429) headers["Retry-After"] = String(err.status.details?.retryAfterSeconds ?? 1);
  return c.body(JSON.stringify(err.status), err.code as 400, headers);
}

export const kubeRoutes = new Hono<AppEnv>().all("/:clusterId/*", async (c) => {
  const clusterId = c.req.param("clusterId");
  const caller = await authenticate(c.env, c.req.header("authorization"));
  if (caller.kind !== "token") return status(c, errors.unauthorized());
  const identity: Identity = caller.identity;
  const wait = take(c.env, identity.tokenId);
  if (wait > 0) return status(c, errors.tooManyRequests(`too many requests for this token: the limit is ${rateLimit(c.env)} per second`, wait));
  // Another tenant's cluster, or another cluster for a cluster-scoped token, does not exist.
  const owner = await clusterOwner(c.env, clusterId);
  if (owner === null || owner !== identity.tenantId || (identity.clusterId !== null && identity.clusterId !== clusterId)) return status(c, errors.notFoundPath());
  // Impersonate-* headers: the request acts as that user, or is refused; never silently as the caller.
  const acting = impersonation(identity, c.req.raw.headers);
  if (acting instanceof ApiError) return status(c, acting);

  const url = new URL(c.req.url);
  const basePath = `/k8s/${clusterId}`;
  const path = url.pathname.slice(basePath.length) || "/";
  const query = url.search.replace(/^\?/, "");
  const meta: StreamRequestMeta = {
    method: c.req.method,
    path,
    query,
    accept: c.req.header("accept") ?? null,
    contentType: c.req.header("content-type") ?? null,
    userAgent: c.req.header("user-agent") ?? null,
    identity: acting,
    basePath,
    host: url.host,
  };
  const stub = clusterStub(c.env, clusterId);

  if (c.req.method === "GET" && KubeRouter.isStream(path, query)) {
    return stub.fetch(`https://cluster.internal${path}${url.search}`, { headers: { [STREAM_REQUEST_HEADER]: JSON.stringify(meta) } });
  }

  let body: Uint8Array | null = null;
  if (c.req.method !== "GET" && c.req.method !== "HEAD") {
    const declared = Number(c.req.header("content-length") ?? "0");
    if (declared > LIMITS.requestBodyBytes) return status(c, errors.tooLarge(LIMITS.requestBodyBytes));
    const buf = new Uint8Array(await c.req.arrayBuffer());
    if (buf.length > LIMITS.requestBodyBytes) return status(c, errors.tooLarge(LIMITS.requestBodyBytes));
    body = buf.length ? buf : null;
  }
  const req: KubeRequest = { ...meta, body };
  const res = await stub.kube(req);
  return new Response(c.req.method === "HEAD" ? null : (res.bytes ?? res.body), { status: res.status, headers: res.headers as [string, string][] });
});
