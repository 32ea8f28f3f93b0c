// The cluster's network as the object's callers use it: a fresh view per request, connections
// through the traffic function with the resolver, the ingress routing and the access log wired
// in, and the management API's connection requests (POST /v1/clusters/{name}/connect) checked
// and answered.
import type { ApiServer } from "../api/apiserver";
import { wallNow } from "../api/http/wire";
import type { Clock } from "../clock";
import type { ClusterConfig } from "../config";
import type { SimulationSettings } from "../simulation";
import type { Store } from "../store/store";
import { recordAccess } from "./accessLog";
import { connect, type ConnectOptions } from "./traffic";
import type { Outcome as Answer } from "../outcome";
import type { Pod } from "../resources/pod";
import type { Connection, HttpAnswer, HttpRequest, NetworkView, Outcome, Source } from "./types";
import { networkView } from "./view";

export interface ClusterNetwork {
  view(): NetworkView;
  dial(view: NetworkView, conn: Connection): Outcome;
}

export function clusterNetwork(api: ApiServer, store: Store, clock: Clock, config: () => ClusterConfig, simulation: () => SimulationSettings, kubeApi?: (req: HttpRequest) => HttpAnswer): ClusterNetwork {
  const options = (): ConnectOptions => {
    const now = clock.now();
    return {
      wallNow: wallNow(clock),
      ...(kubeApi ? { kubeApi } : {}),
      sink: ({ pod, container, line }) => {
        // Lines belong to the container's current run (its containerID), as its log does.
        const run = pod.status?.containerStatuses?.find((s) => s.name === container)?.containerID;
        if (run) recordAccess(store.sqlStorage, run, now, line);
      },
    };
  };
  return {
    view: () => networkView(api, config(), simulation()),
    dial: (view, conn) => connect(view, conn, options()),
  };
}

export interface ConnectRequest {
  from?: unknown;
  to?: unknown;
  protocol?: unknown;
  request?: unknown;
  repeat?: unknown;
}

/** The most connections one /connect may make (its "repeat"). */
export const MAX_CONNECT_REPEAT = 10_000;

/** Where `repeat` identical connections went: answers per pod, failures per kind, and the first in full. */
export interface TrafficSpread {
  repeat: number;
  answered: Record<string, number>;
  failed: Partial<Record<string, number>>;
  first: Outcome;
}

/** A /connect request checked, then made once or `repeat` times at one moment (where they landed, as kube-proxy spread them). */
export function connectRequest(net: ClusterNetwork, req: ConnectRequest): Answer<Outcome | TrafficSpread> {
  const view = net.view();
  const from = sourceOf(req.from, view);
  if (typeof from === "string") return { ok: false, status: 400, message: from };
  const to = typeof req.to === "string" ? /^(.+):(\d{1,5})$/.exec(req.to) : null;
  if (!to || Number(to[2]) < 1 || Number(to[2]) > 65535) return { ok: false, status: 400, message: '"to" must be "<host>:<port>" with a port from 1 to 65535, e.g. "web.default.svc.cluster.local:80" or "10.96.0.10:53"' };
  const request = requestOf(req.request);
  if (typeof request === "string") return { ok: false, status: 400, message: request };
  const protocol = req.protocol ?? "TCP";
  if (protocol !== "TCP" && protocol !== "UDP" && protocol !== "SCTP") return { ok: false, status: 400, message: '"protocol" must be TCP, UDP or SCTP' };
  const conn: Connection = { from, host: to[1], port: Number(to[2]), protocol, ...(request ? { request } : {}) };
  const repeat = req.repeat ?? 1;
  if (typeof repeat !== "number" || !Number.isInteger(repeat) || repeat < 1 || repeat > MAX_CONNECT_REPEAT) return { ok: false, status: 400, message: `"repeat" must be a whole number from 1 to ${MAX_CONNECT_REPEAT}` };
  if (repeat === 1) return { ok: true, value: net.dial(view, conn) };
  const spread: TrafficSpread = { repeat, answered: {}, failed: {}, first: net.dial(view, conn) };
  const count = (o: Outcome) => {
    if (o.ok) spread.answered[`${o.pod.namespace}/${o.pod.name}`] = (spread.answered[`${o.pod.namespace}/${o.pod.name}`] ?? 0) + 1;
    else spread.failed[o.error] = (spread.failed[o.error] ?? 0) + 1;
  };
  count(spread.first);
  for (let i = 1; i < repeat; i++) count(net.dial(view, conn));
  return { ok: true, value: spread };
}

/** "external", "node/<name>" or "pod/<namespace>/<name>", as a traffic Source; a string is what is wrong. */
function sourceOf(from: unknown, view: NetworkView): Source | string {
  if (from === undefined || from === "external") return { kind: "external" };
  if (typeof from !== "string") return '"from" must be "external", "node/<name>" or "pod/<namespace>/<name>"';
  const parts = from.split("/");
  if (parts[0] === "node" && parts.length === 2) return view.node(parts[1]) ? { kind: "node", node: parts[1] } : `node ${JSON.stringify(parts[1])} not found`;
  if (parts[0] === "pod" && parts.length === 3) {
    const pod = view.pod(parts[1], parts[2]) as Pod | undefined;
    if (!pod) return `pod ${parts[1]}/${parts[2]} not found`;
    if (!pod.status?.podIP) return `pod ${parts[1]}/${parts[2]} has no IP yet (it is ${pod.status?.phase ?? "Pending"})`;
    return { kind: "pod", pod };
  }
  return '"from" must be "external", "node/<name>" or "pod/<namespace>/<name>"';
}

const MAX_CONNECT_BODY = 1024 * 1024;

/** The HTTP request to send once connected; null for a bare TCP connect; a string is what is wrong. */
function requestOf(raw: unknown): HttpRequest | null | string {
  if (raw === undefined || raw === null) return null;
  if (typeof raw !== "object" || Array.isArray(raw)) return '"request" must be an object: {"method", "path", "headers", "body"}';
  const r = raw as Record<string, unknown>;
  const method = r.method ?? "GET";
  if (typeof method !== "string" || !/^[A-Z]{1,16}$/.test(method)) return '"request.method" must be an HTTP method such as GET';
  const path = r.path ?? "/";
  if (typeof path !== "string" || !path.startsWith("/") || path.length > 8192) return '"request.path" must start with "/" (at most 8192 characters)';
  const headers: Record<string, string> = {};
  if (r.headers !== undefined) {
    if (typeof r.headers !== "object" || r.headers === null || Array.isArray(r.headers)) return '"request.headers" must be an object of strings';
    for (const [k, v] of Object.entries(r.headers)) {
      if (typeof v !== "string") return `"request.headers.${k}" must be a string`;
      headers[k.toLowerCase()] = v;
    }
  }
  if (r.body !== undefined && (typeof r.body !== "string" || r.body.length > MAX_CONNECT_BODY)) return `"request.body" must be a string of at most ${MAX_CONNECT_BODY} characters`;
  headers["user-agent"] ??= "curl/8.5.0";
  headers["accept"] ??= "*/*";
  return { method, path, headers, ...(typeof r.body === "string" ? { body: r.body } : {}), ...(headers.host ? { host: headers.host } : {}) };
}
