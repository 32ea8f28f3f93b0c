// services/proxy, pods/proxy and nodes/proxy: kube-apiserver's proxy subresources, as
// `kubectl proxy` and `kubectl get --raw .../proxy/...` use them. The API server picks the
// backend as its ResourceLocation does (a Service's Endpoints, a pod's IP, a node's kubelet),
// connects to it from the control-plane node through the traffic function, and passes the
// request (method, path, query, headers, body) on and the answer back.
import type { ActionCall, ActionMethod, SubresourceAction } from "../api/http/actions";
import type { KubeResponse } from "../api/http/types";
import { errors } from "../machinery/errors";
import type { Connection, HttpRequest, NetworkView, Outcome } from "../network/types";
import type { KObject } from "../resources/define";
import type { Node } from "../resources/node";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";

/** What the proxy needs of the cluster: a view, and a connection made through it (access logged). */
export interface Dialer {
  view(): NetworkView;
  dial(view: NetworkView, conn: Connection): Outcome;
}

const KUBELET_PORT = 10250;
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;

/** "name", "name:port" or "scheme:name:port", as utilnet.SplitSchemeNamePort reads an id. */
function splitId(id: string): { scheme: string; name: string; port: string } | null {
  const parts = id.split(":");
  let scheme = "";
  let name = "";
  let port = "";
  if (parts.length === 1) name = parts[0];
  else if (parts.length === 2) [name, port] = parts;
  else if (parts.length === 3) [scheme, name, port] = parts;
  else return null;
  if (!name || (scheme && scheme !== "http" && scheme !== "https")) return null;
  return { scheme, name, port };
}

/** The path after ".../<name>/proxy", as the client sent it (trailing slash kept). */
function subpath(call: ActionCall): string {
  const m = /\/proxy(\/.*)?$/.exec(call.req.path);
  return m?.[1] ?? "";
}

function requestOf(call: ActionCall, host: string, scheme: string): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of call.req.headers ?? []) headers[k.toLowerCase()] = v;
  if (call.req.userAgent) headers["user-agent"] ??= call.req.userAgent;
  if (call.req.accept) headers["accept"] ??= call.req.accept;
  delete headers["host"];
  const path = (subpath(call) || "/") + (call.req.query ? `?${call.req.query}` : "");
  return { method: call.req.method, path, headers, ...(call.req.body ? { body: new TextDecoder().decode(call.req.body) } : {}), host, scheme: scheme === "https" ? "https" : "http" };
}

/** Hop-by-hop headers are not passed back (net/http/httputil's list). */
const HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "content-length"]);

function answerOf(out: Outcome, target: string): KubeResponse {
  if (!out.ok) {
    const why = out.error === "timeout" ? "i/o timeout" : out.error === "unreachable" ? "connect: no route to host" : out.error === "reset" ? "connection reset by peer" : "connect: connection refused";
    throw errors.serviceUnavailable(`error trying to reach service: dial tcp ${target}: ${why}`);
  }
  if (!out.answer) throw errors.serviceUnavailable(`error trying to reach service: dial tcp ${target}: net/http: HTTP/1.x transport connection broken: malformed HTTP response`);
  const headers: [string, string][] = Object.entries(out.answer.headers).filter(([k]) => !HOP.has(k.toLowerCase()));
  return { status: out.answer.status, headers, body: out.answer.body };
}

/** A GET of `.../proxy` without the trailing slash is sent to `.../proxy/`, as the proxy handler does. */
function redirect(call: ActionCall): KubeResponse | null {
  if (subpath(call) !== "" || (call.req.method !== "GET" && call.req.method !== "HEAD")) return null;
  const location = `${call.req.basePath}${call.req.path}/${call.req.query ? `?${call.req.query}` : ""}`;
  return { status: 301, headers: [["Location", location], ["Content-Type", "text/html; charset=utf-8"]], body: `<a href="${location}">Moved Permanently</a>.\n\n` };
}

function proxyAction(handle: (call: ActionCall) => KubeResponse): SubresourceAction {
  const verbs: Record<(typeof METHODS)[number], ActionMethod["verb"]> = { GET: "get", HEAD: "get", OPTIONS: "get", POST: "create", PUT: "update", PATCH: "patch", DELETE: "delete" };
  const methods: SubresourceAction["methods"] = {};
  for (const m of METHODS) methods[m] = { verb: verbs[m], handle: (call) => redirect(call) ?? handle(call) };
  return { methods };
}

const controlPlane = (view: NetworkView): string => view.nodes().find((n) => n.metadata.labels?.["node-role.kubernetes.io/control-plane"] !== undefined)?.metadata.name ?? view.nodes()[0]?.metadata.name ?? "";

interface EndpointsObj extends KObject {
  subsets?: { addresses?: { ip: string }[]; ports?: { name?: string; port: number }[] }[];
}

/** services/proxy: a random ready address of the Service's Endpoints on the named port. */
export function serviceProxyAction(d: Dialer): SubresourceAction {
  return proxyAction((call) => {
    const id = splitId(call.name);
    if (!id) throw errors.badRequest(`invalid service request ${JSON.stringify(call.name)}`);
    const view = d.view();
    let portName = id.port;
    if (/^\d+$/.test(portName)) {
      const svc = view.service(call.namespace, id.name) as Service | undefined;
      if (!svc) throw errors.notFound("", "services", id.name);
      const found = svc.spec?.ports?.find((p) => p.port === Number(portName));
      if (!found) throw errors.serviceUnavailable(`no service port ${portName} found for service ${JSON.stringify(id.name)}`);
      portName = found.name ?? "";
    }
    const eps = view.get<EndpointsObj>("endpoints", call.namespace, id.name);
    if (!eps) throw errors.notFound("", "endpoints", id.name);
    const subsets = eps.subsets ?? [];
    if (!subsets.length) throw errors.serviceUnavailable(`no endpoints available for service ${JSON.stringify(id.name)}`);
    const start = Math.floor(Math.random() * subsets.length);
    for (let i = 0; i < subsets.length; i++) {
      const ss = subsets[(start + i) % subsets.length];
      const addrs = ss.addresses ?? [];
      const port = (ss.ports ?? []).find((p) => (p.name ?? "") === portName);
      if (!addrs.length || !port) continue;
      const addr = addrs[Math.floor(Math.random() * addrs.length)];
      const target = `${addr.ip}:${port.port}`;
      const conn: Connection = { from: { kind: "node", node: controlPlane(view) }, host: addr.ip, port: port.port, request: requestOf(call, target, id.scheme) };
      return answerOf(d.dial(view, conn), target);
    }
    throw errors.serviceUnavailable(`no endpoints available for service ${JSON.stringify(call.name)}`);
  });
}

/** pods/proxy: the pod's IP, on the given port or its first declared container port. */
export function podProxyAction(d: Dialer): SubresourceAction {
  return proxyAction((call) => {
    const id = splitId(call.name);
    if (!id) throw errors.badRequest(`invalid pod request ${JSON.stringify(call.name)}`);
    const view = d.view();
    const pod = view.pod(call.namespace, id.name) as Pod | undefined;
    if (!pod) throw errors.notFound("", "pods", id.name);
    let port = id.port;
    if (!port) port = String(pod.spec?.containers.find((c) => c.ports?.length)?.ports?.[0].containerPort ?? "");
    const ip = pod.status?.podIP ?? "";
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip)) throw errors.badRequest("address not allowed");
    const n = port ? Number(port) : id.scheme === "https" ? 443 : 80;
    const target = port ? `${ip}:${port}` : ip;
    if (!Number.isInteger(n) || n < 1 || n > 65535) throw errors.serviceUnavailable(`error trying to reach service: dial tcp: address tcp/${port}: unknown port`);
    const conn: Connection = { from: { kind: "node", node: controlPlane(view) }, host: ip, port: n, request: requestOf(call, target, id.scheme) };
    return answerOf(d.dial(view, conn), port ? target : `${ip}:${n}`);
  });
}

/** nodes/proxy: the kubelet (port 10250) answers itself; any other port is a connection to the node. */
export function nodeProxyAction(d: Dialer, kubeletVersion: () => string): SubresourceAction {
  return proxyAction((call) => {
    const id = splitId(call.name);
    if (!id) throw errors.badRequest(`invalid node request ${JSON.stringify(call.name)}`);
    const view = d.view();
    const node = view.node(id.name);
    if (!node) throw errors.notFound("", "nodes", id.name);
    const ip = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
    const port = id.port ? Number(id.port) : KUBELET_PORT;
    if (port === KUBELET_PORT) return kubelet(view, node, subpath(call) || "/", kubeletVersion());
    const target = `${ip}:${port}`;
    const conn: Connection = { from: { kind: "node", node: controlPlane(view) }, host: ip, port, request: requestOf(call, target, id.scheme) };
    return answerOf(d.dial(view, conn), target);
  });
}

const text = (status: number, body: string, type = "text/plain; charset=utf-8"): KubeResponse => ({ status, headers: [["Content-Type", type]], body });

/** The kubelet's read-only answers: healthz, pods, configz, a few metrics. */
function kubelet(view: NetworkView, node: Node, path: string, version: string): KubeResponse {
  const name = node.metadata.name!;
  switch (path.replace(/\/+$/, "") || "/") {
    case "/healthz":
      return text(200, "ok");
    case "/pods": {
      const items = view.podsOnNode(name);
      return text(200, JSON.stringify({ kind: "PodList", apiVersion: "v1", metadata: {}, items }), "application/json");
    }
    case "/configz":
      return text(
        200,
        JSON.stringify({ kubeletconfig: { enableServer: true, staticPodPath: "/etc/kubernetes/manifests", syncFrequency: "1m0s", address: "0.0.0.0", port: KUBELET_PORT, cgroupDriver: "systemd", clusterDomain: "cluster.local", clusterDNS: ["10.96.0.10"], maxPods: 110, evictionHard: { "imagefs.available": "0%", "nodefs.available": "0%", "nodefs.inodesFree": "0%" }, failSwapOn: false, containerRuntimeEndpoint: "unix:///run/containerd/containerd.sock" } }),
        "application/json",
      );
    case "/metrics": {
      const running = view.podsOnNode(name).filter((p) => p.status?.phase === "Running").length;
      return text(
        200,
        [
          "# HELP kubelet_running_pods [ALPHA] Number of pods that have a running pod sandbox",
          "# TYPE kubelet_running_pods gauge",
          `kubelet_running_pods ${running}`,
          "# HELP kubernetes_build_info [ALPHA] A metric with a constant '1' value labeled by major, minor, git version, git commit, git tree state, build date, Go version, and compiler from which Kubernetes was built, and platform on which it is running.",
          "# TYPE kubernetes_build_info gauge",
          `kubernetes_build_info{git_version="${version}",platform="linux/amd64"} 1`,
          "",
        ].join("\n"),
        "text/plain; version=0.0.4; charset=utf-8",
      );
    }
    default:
      return text(404, "404 page not found\n");
  }
}
