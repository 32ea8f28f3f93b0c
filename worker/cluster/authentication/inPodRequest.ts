// A request a pod makes to https://kubernetes.default.svc (curl or wget in a container): the
// traffic function delivers it to the kube-apiserver container, and this hands it to the
// cluster's own router, authenticated by its bearer token as kube-apiserver would. Only tokens
// the cluster signed can be checked here (synchronously, in the object): a kubedo token is 401.
// No token at all is system:anonymous, as on kind, whose RBAC lets it read /version and health.
import type { Identity } from "../../auth/identity";
import type { KubeRequest, KubeResponse } from "../api/http/types";
import type { HttpAnswer, HttpRequest } from "../network/types";

const UNAUTHORIZED = JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "Unauthorized", reason: "Unauthorized", code: 401 }) + "\n";

export function inPodKubeRequest(handle: (req: KubeRequest) => KubeResponse, clusterId: string, req: HttpRequest, wallNow: number): HttpAnswer {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? "")?.[1];
  const date = new Date(wallNow).toUTCString();
  if (token === undefined && req.headers.authorization !== undefined)
    return { status: 401, headers: { "audit-id": crypto.randomUUID(), "cache-control": "no-cache, private", "content-type": "application/json", date, "content-length": String(UNAUTHORIZED.length) }, body: UNAUTHORIZED };
  const [path, query = ""] = req.path.split("?");
  const identity: Identity = { tenantId: "", tenantName: "", tokenId: "", tokenName: "", role: "view", clusterId, ...(token === undefined ? { anonymous: true as const } : { serviceAccountToken: token }) };
  const res = handle({
    method: req.method,
    path: path || "/",
    query,
    accept: req.headers.accept ?? null,
    contentType: req.headers["content-type"] ?? null,
    userAgent: req.headers["user-agent"] ?? null,
    body: req.body !== undefined ? new TextEncoder().encode(req.body) : null,
    identity,
    basePath: "",
    host: req.host ?? "kubernetes.default.svc",
  });
  // A list too long for one answer streams; a tool in a pod reads whole bodies, so it gets the first page's worth only by asking with limit.
  void res.stream?.cancel();
  const body = res.stream ? JSON.stringify({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message: "the list is too long to answer at once here: ask with ?limit=500 and follow metadata.continue", reason: "BadRequest", code: 400 }) + "\n" : res.bytes ? new TextDecoder().decode(res.bytes) : res.body;
  const headers: Record<string, string> = { "audit-id": crypto.randomUUID(), "cache-control": "no-cache, private" };
  for (const [k, v] of res.headers) headers[k.toLowerCase()] = v;
  headers.date = date;
  headers["content-length"] = String(new TextEncoder().encode(body).length);
  return { status: res.stream ? 400 : res.status, headers, body: req.method === "HEAD" ? "" : body };
}
