// The cluster's public port URLs: kind's extraPortMappings, and load-balancer addresses when the
// provider is on. As on kind, a mapped port needs no credentials; the URL carries the cluster's
// id and an unguessable key instead, and a cluster setting closes them all:
//   /v1/ports/<cluster-id>.<key>/<hostPort>/<path>          a mapped host port
//   /v1/ports/<cluster-id>.<key>/lb/<ip>/<port>/<path>      a load-balancer address and port
// A path (not a host per cluster) works on any deployment, workers.dev included, with no wildcard
// DNS or certificate; the key is checked by the cluster's own object, so no database is read.
import { Hono, type Context } from "hono";
import type { HttpRequest } from "../cluster/network/types";
import { headerPairs, readBounded } from "../body";
import { clusterStub } from "./clusterAccess";
import type { AppEnv } from "./http";

const MAX_BODY = 1024 * 1024;
const HOP = new Set(["connection", "keep-alive", "transfer-encoding", "upgrade", "te", "trailer", "content-length", "content-encoding"]);

/** The public URL prefix of a cluster's port (with a trailing slash). */
export function portUrl(origin: string, clusterId: string, key: string, port: number, lbIp?: string): string {
  return `${origin}/v1/ports/${clusterId}.${key}/${lbIp ? `lb/${lbIp}/` : ""}${port}/`;
}

function plain(status: number, text: string): Response {
  return new Response(text.endsWith("\n") ? text : text + "\n", { status, headers: { "Content-Type": "text/plain; charset=utf-8" } });
}

async function serve(c: Context<AppEnv>): Promise<Response> {
  const url = new URL(c.req.url);
  const m = /^\/v1\/ports\/([a-z0-9-]+)\.([a-z0-9]+)\/(?:lb\/(\d{1,3}(?:\.\d{1,3}){3})\/)?(\d{1,5})(\/.*)?$/.exec(url.pathname);
  if (!m) return plain(404, "no such port: the URL is /v1/ports/<cluster-id>.<key>/<hostPort>/ (GET /v1/clusters/{name} lists them)");
  const [, clusterId, key, lbIp, portText, rest] = m;
  const port = Number(portText);
  if (rest === undefined && (c.req.method === "GET" || c.req.method === "HEAD")) return new Response(null, { status: 301, headers: { Location: `${url.pathname}/${url.search}` } });
  const headers: Record<string, string> = {};
  for (const [k, v] of headerPairs(c.req.raw.headers)) if (!k.startsWith("cf-") && k !== "authorization" && k !== "cookie" && k !== "x-forwarded-proto" && k !== "x-real-ip") headers[k] = v;
  let body: string | undefined;
  if (c.req.method !== "GET" && c.req.method !== "HEAD") {
    const bytes = await readBounded(c.req.raw, MAX_BODY);
    if (bytes === null) return plain(413, `the request body is larger than the limit of ${MAX_BODY} bytes`);
    if (bytes.length) body = new TextDecoder().decode(bytes);
  }
  const request: HttpRequest = { method: c.req.method, path: (rest ?? "/") + url.search, headers, ...(body !== undefined ? { body } : {}), host: headers["host"] ?? url.host, scheme: "http" };
  const stub = clusterStub(c.env, clusterId);
  const out = await stub.publicPort({ key, ...(lbIp ? { lb: { ip: lbIp, port } } : { hostPort: port }), request });
  if (!out.ok) return plain(out.status, out.message);
  const a = out.value;
  const h = new Headers();
  for (const [k, v] of Object.entries(a.headers)) if (!HOP.has(k.toLowerCase())) h.set(k, v);
  return new Response(c.req.method === "HEAD" || a.status === 204 || a.status === 304 ? null : a.body, { status: a.status, headers: h });
}

export const portRoutes = new Hono<AppEnv>().all("/*", (c) => serve(c));
