// The traffic function: what a connection from somewhere (a pod, a node, outside) to an address
// and port reaches, decided as the node's rules would decide it. A name is resolved as the
// source's resolver would (dns.ts); a Service address, NodePort or load-balancer address goes
// where kube-proxy's rules send it (kubeProxy.ts decides, nothing here second-guesses it); a pod
// address reaches that pod; a node address reaches a hostPort, a host-network pod or a NodePort.
// The pod's NetworkPolicies (policy.ts) are checked on the way in, and the container listening
// there answers from the image catalog (answers.ts); an ingress controller hands the request to
// the Service its Ingresses route it to (ingress.ts).
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import type { ContainerT } from "../resources/types/core";
import { clfTime, listening, nginxErrorPage, serve } from "./answers";
import { resolveHost } from "./dns";
import { routeIngress } from "./ingress";
import { serviceBackends, serviceTargets } from "./kubeProxy";
import { policyVerdict } from "./policy";
import type { Connection, Failure, HttpAnswer, HttpRequest, NetworkView, Outcome, Source } from "./types";

/** Where answered requests' access-log lines go (the container run's log). */
export type AccessSink = (entry: { pod: Pod; container: string; line: string }) => void;

export interface ConnectOptions {
  /** Receives each access-log line written on the way (nothing is recorded without it). */
  sink?: AccessSink;
  /** The wall clock for Date headers and log lines (default: the view's cluster time). */
  wallNow?: number;
  /** The cluster's own API server, answering a request that reaches a kube-apiserver container. */
  kubeApi?: (req: HttpRequest) => HttpAnswer;
}

/** Hops an ingress controller may make before the connection is given up (a loop of proxies). */
const MAX_HOPS = 4;

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** kind's docker network gateway: where traffic from outside the cluster seems to come from. */
export const EXTERNAL_CLIENT_IP = "172.18.0.1";

interface Ctx {
  view: NetworkView;
  opts: ConnectOptions;
  trail: string[];
  hops: number;
}

function fail(ctx: Ctx, error: Failure, message: string): Outcome {
  return { ok: false, error, message, trail: ctx.trail };
}

/** The words curl prints for a failure. */
function failureText(error: Failure, host: string, port: number): string {
  switch (error) {
    case "refused":
      return `Failed to connect to ${host} port ${port}: Connection refused`;
    case "timeout":
      return `Failed to connect to ${host} port ${port}: Connection timed out`;
    case "unreachable":
      return `Failed to connect to ${host} port ${port}: No route to host`;
    case "reset":
      return `Recv failure: Connection reset by peer`;
    case "nxdomain":
      return `Could not resolve host: ${host}`;
  }
}

function nodeIP(view: NetworkView, name: string): string | undefined {
  return view.node(name)?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
}

/** The address a source's packets leave with, and the node whose rules see them first (null outside). */
function sourceOf(view: NetworkView, from: Source): { ip: string; node: string | null } {
  switch (from.kind) {
    case "pod":
      return { ip: (from.pod.spec?.hostNetwork ? from.pod.status?.hostIP : from.pod.status?.podIP) ?? "", node: from.pod.spec?.nodeName ?? null };
    case "node":
      return { ip: nodeIP(view, from.node) ?? "", node: from.node };
    case "external":
      return { ip: from.ip ?? EXTERNAL_CLIENT_IP, node: null };
  }
}

/** Follows one connection to its end. */
export function connect(view: NetworkView, conn: Connection, opts: ConnectOptions = {}): Outcome {
  return follow({ view, opts, trail: [], hops: 0 }, conn);
}

function follow(ctx: Ctx, conn: Connection): Outcome {
  const { view } = ctx;
  const protocol = conn.protocol ?? "TCP";
  let ip = conn.host;
  if (!IPV4.test(ip)) {
    const found = resolveHost(view, conn.from, conn.host);
    if (!found.ok) {
      ctx.trail.push(`DNS ${found.tried.join(", ") || conn.host}: ${found.error === "nxdomain" ? "NXDOMAIN" : "no answer"}`);
      return fail(ctx, found.error === "nxdomain" ? "nxdomain" : "timeout", found.error === "nxdomain" ? failureText("nxdomain", conn.host, conn.port) : `Resolving timed out: ${found.message}`);
    }
    ip = found.ip;
    ctx.trail.push(`DNS ${found.name} -> ${ip}`);
  }
  const src = sourceOf(view, conn.from);
  const refuse = (error: Failure) => fail(ctx, error, failureText(error, conn.host, conn.port));
  // Loopback stays where it started: the pod's own network namespace, or the node itself.
  if (ip.startsWith("127.")) {
    if (conn.from.kind === "pod" && !conn.from.pod.spec?.hostNetwork) {
      ctx.trail.push(`loopback in pod ${conn.from.pod.metadata.namespace}/${conn.from.pod.metadata.name}`);
      return deliver(ctx, conn, conn.from.pod, conn.port, ip, `${conn.host}:${conn.port}`);
    }
    const self = conn.from.kind === "node" ? conn.from.node : conn.from.kind === "pod" ? conn.from.pod.spec?.nodeName : undefined;
    const addr = self ? nodeIP(view, self) : undefined;
    if (!addr) return refuse("refused");
    ip = addr;
  }

  // A node's own listeners come first: a hostPort (CNI portmap's DNAT) or a host-network pod.
  const node = view.nodeByIP(ip);
  if (node) {
    const local = onNode(view, node.metadata.name!, conn.port, protocol);
    if (local) {
      ctx.trail.push(`${local.hostPort ? "hostPort" : "host network"} ${ip}:${conn.port} -> pod ${local.pod.metadata.namespace}/${local.pod.metadata.name}:${local.port}`);
      return deliver(ctx, conn, local.pod, local.port, src.ip, `${ip}:${conn.port}`);
    }
  }
  // A load balancer of the Proxy kind (cloud-provider-kind's) forwards to the nodes itself.
  const lb = view.serviceByIP(ip);
  const lbIngress = lb?.spec?.type === "LoadBalancer" ? lb.status?.loadBalancer?.ingress?.find((i) => i.ip === ip && i.ipMode === "Proxy") : undefined;
  if (lb && lbIngress && ctx.hops < MAX_HOPS) return viaLoadBalancer(ctx, conn, lb, ip, protocol);

  // A Service address or a node port: kube-proxy's rules decide.
  const origin = conn.from.kind === "external" ? "external" : conn.from.kind === "node" || conn.from.pod.spec?.hostNetwork ? "node" : "pod";
  const decision = serviceTargets(view, { ...(src.node ? { node: src.node } : {}), ip, port: conn.port, protocol, clientIP: src.ip, origin });
  if (decision) {
    ctx.trail.push(`${decision.via} ${ip}:${conn.port} (${decision.servicePortName})${decision.node ? ` on ${decision.node}` : ""}: ${decision.chains.join(" -> ") || "no rules"}`);
    if (decision.verdict !== "dnat") {
      ctx.trail.push(decision.message);
      return refuse(decision.verdict === "reject" ? "refused" : "timeout");
    }
    const t = decision.target;
    ctx.trail.push(`DNAT -> ${t.ip}:${t.port}`);
    let pod = t.pod ? view.pod(t.pod.namespace, t.pod.name) : view.podByIP(t.ip);
    let port = t.port;
    // An endpoint on a node's address (the kubernetes Service's API server, host-network pods): whoever listens on that node.
    const hostTarget = !pod ? view.nodeByIP(t.ip) : undefined;
    const listener = hostTarget ? onNode(view, hostTarget.metadata.name!, t.port, protocol) : null;
    if (listener) ({ pod, port } = listener);
    if (!pod) return refuse("refused");
    // Node ports, external and load-balancer addresses under the Cluster policy are masqueraded:
    // the pod sees the node that forwarded the packet.
    const masquerade = decision.via !== "cluster IP" && decision.service.spec?.externalTrafficPolicy !== "Local" && !!decision.node;
    const seen = masquerade ? (pod.spec?.nodeName === decision.node ? gatewayOf(pod) : nodeIP(view, decision.node!) ?? src.ip) : src.ip;
    return deliver(ctx, conn, pod, port, seen, `${ip}:${conn.port}`);
  }
  if (node) {
    ctx.trail.push(`nothing listens on ${node.metadata.name} port ${conn.port}`);
    return refuse("refused");
  }

  const pod = view.podByIP(ip);
  if (pod) {
    ctx.trail.push(`pod ${pod.metadata.namespace}/${pod.metadata.name} ${ip}`);
    return deliver(ctx, conn, pod, conn.port, src.ip, `${ip}:${conn.port}`);
  }
  ctx.trail.push(`no route to ${ip}`);
  return refuse(inCidr(ip, view.podSubnet) ? "unreachable" : "timeout");
}

/** The pod bridge's address on the pod's node (the first of its range): what same-node SNAT shows. */
function gatewayOf(pod: Pod): string {
  const ip = pod.status?.podIP ?? "";
  const parts = ip.split(".");
  return parts.length === 4 ? `${parts[0]}.${parts[1]}.${parts[2]}.1` : ip;
}

function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split("/");
  const n = (s: string) => s.split(".").reduce((a, b) => a * 256 + Number(b), 0);
  const size = 2 ** (32 - Number(bits));
  return Math.floor(n(ip) / size) === Math.floor(n(base) / size);
}

/** A pod on the node taking `port`: a container's hostPort, or a host-network pod's listener. */
function onNode(view: NetworkView, node: string, port: number, protocol: string): { pod: Pod; port: number; hostPort: boolean } | null {
  for (const pod of view.podsOnNode(node)) {
    if (pod.metadata.deletionTimestamp || pod.status?.phase !== "Running") continue;
    for (const c of pod.spec?.containers ?? []) {
      for (const p of c.ports ?? []) if (p.hostPort === port && (p.protocol ?? "TCP") === protocol) return { pod, port: p.containerPort, hostPort: true };
      if (pod.spec?.hostNetwork) {
        const image = view.image(pod, c.name);
        if (image && listening(pod, c, image).tcp.has(port)) return { pod, port, hostPort: false };
      }
    }
  }
  return null;
}

/** The connection arrives at a pod's address and port: policy, then whoever listens there. */
function deliver(ctx: Ctx, conn: Connection, pod: Pod, port: number, fromIP: string, dialled: string): Outcome {
  const { view } = ctx;
  const protocol = conn.protocol ?? "TCP";
  const refuse = (error: Failure) => fail(ctx, error, failureText(error, conn.host, conn.port));
  const verdict = policyVerdict(view, conn.from, fromIP, pod, port, protocol);
  if (!verdict.allowed) {
    ctx.trail.push(`NetworkPolicy ${verdict.policy} (${verdict.direction}) drops it`);
    return refuse("timeout");
  }
  if (pod.status?.phase !== "Running") return refuse("refused");
  let container: ContainerT | undefined;
  let http = false;
  for (const c of pod.spec?.containers ?? []) {
    const image = view.image(pod, c.name);
    if (!image) continue;
    const l = listening(pod, c, image);
    if (l.tcp.has(port)) {
      container = c;
      http = l.http.has(port);
      break;
    }
  }
  const podRef = { namespace: pod.metadata.namespace!, name: pod.metadata.name!, ip: pod.status?.podIP ?? "" };
  if (!container) {
    ctx.trail.push(`nothing listens on ${podRef.ip}:${port}`);
    return refuse("refused");
  }
  ctx.trail.push(`-> ${podRef.namespace}/${podRef.name} container ${container.name} port ${port}`);
  const base = { ok: true as const, pod: podRef, container: container.name, port, answer: null, trail: ctx.trail };
  if (!conn.request || !http) return base;
  const image = view.image(pod, container.name)!;
  const wallNow = ctx.opts.wallNow ?? view.now;
  if (image.network?.ingressController && ctx.hops < MAX_HOPS) return viaIngress(ctx, conn.request, pod, container, port, fromIP, dialled, base);
  const served = serve({ pod, spec: container, image, port, req: conn.request, clientIp: fromIP, dialled, wallNow, kubeApi: ctx.opts.kubeApi });
  if (served.log) ctx.opts.sink?.({ pod, container: container.name, line: served.log });
  return { ...base, answer: served.answer };
}

/**
 * A load-balancer address whose ipMode is Proxy: the provider's proxy (cloud-provider-kind's
 * envoy) takes the connection and opens one to a node's node port, or, without node ports
 * (allocateLoadBalancerNodePorts: false), straight to a ready endpoint.
 */
function viaLoadBalancer(ctx: Ctx, conn: Connection, svc: Service, ip: string, protocol: string): Outcome {
  const { view } = ctx;
  const sp = svc.spec?.ports?.find((p) => p.port === conn.port && (p.protocol ?? "TCP") === protocol);
  ctx.hops++;
  if (!sp) {
    ctx.trail.push(`load balancer ${ip} has no listener on port ${conn.port}`);
    return fail(ctx, "refused", failureText("refused", conn.host, conn.port));
  }
  const from: Source = { kind: "external", ip };
  if (sp.nodePort) {
    // The service controller hands the balancer the nodes not excluded from load balancers (kind
    // labels its control plane so); its health checks pass, under the Local policy, only on nodes
    // with a ready endpoint. envoy picks one at random.
    const local = svc.spec?.externalTrafficPolicy === "Local";
    const withEndpoint = local ? new Set(serviceBackends(view, svc).filter((t) => t.ready && t.node).map((t) => t.node!)) : null;
    const eligible = view.nodes().filter((n) => n.metadata.labels?.["node.kubernetes.io/exclude-from-external-load-balancers"] === undefined && (!withEndpoint || withEndpoint.has(n.metadata.name!)));
    const nodeName = eligible.length ? eligible[Math.floor(Math.random() * eligible.length)].metadata.name : undefined;
    const target = nodeName ? nodeIP(view, nodeName) : undefined;
    if (!target) {
      ctx.trail.push(`load balancer ${ip}: no healthy node to send to`);
      return fail(ctx, "reset", failureText("reset", conn.host, conn.port));
    }
    ctx.trail.push(`load balancer ${ip}:${conn.port} -> node ${nodeName} ${target}:${sp.nodePort}`);
    return follow(ctx, { ...conn, from, host: target, port: sp.nodePort });
  }
  const ready = serviceBackends(view, svc).filter((t) => t.ready);
  if (!ready.length) return fail(ctx, "refused", failureText("refused", conn.host, conn.port));
  const t = ready[Math.floor(Math.random() * ready.length)];
  ctx.trail.push(`load balancer ${ip}:${conn.port} -> endpoint ${t.ip}:${t.port}`);
  const pod = t.pod ? view.pod(t.pod.namespace, t.pod.name) : view.podByIP(t.ip);
  if (!pod) return fail(ctx, "refused", failureText("refused", conn.host, conn.port));
  return deliver(ctx, { ...conn, from }, pod, t.port, ip, `${ip}:${conn.port}`);
}

/** An ingress controller's HTTP port: its Ingresses pick a Service, and the controller connects to it. */
function viaIngress(ctx: Ctx, req: HttpRequest, pod: Pod, container: ContainerT, port: number, fromIP: string, dialled: string, base: Extract<Outcome, { ok: true }>): Outcome {
  const { view } = ctx;
  const wallNow = ctx.opts.wallNow ?? view.now;
  const request = { ...req, host: req.host ?? req.headers["host"] ?? dialled };
  const route = routeIngress(view, pod, request, port);
  if (route.kind === "answer") {
    if (route.answer.status < 300 || route.answer.status >= 400) ingressLog(ctx, pod, container, req, fromIP, route.answer, "-", null);
    return { ...base, answer: route.answer };
  }
  if (route.via) ctx.trail.push(route.via);
  const svc = view.service(route.namespace, route.service);
  const svcPort = svc?.spec?.ports?.find((p) => (typeof route.port === "number" ? p.port === route.port : p.name === route.port));
  ctx.trail.push(`Ingress -> service ${route.namespace}/${route.service}:${route.port}`);
  let out: Outcome | null = null;
  if (svc && svcPort && svc.spec?.clusterIP && svc.spec.clusterIP !== "None") {
    ctx.hops++;
    out = follow(ctx, { from: { kind: "pod", pod }, host: svc.spec.clusterIP, port: svcPort.port, request: { ...request, path: route.path ?? request.path, headers: { ...request.headers, "x-forwarded-for": fromIP, "x-real-ip": fromIP, "x-forwarded-host": request.host, "x-forwarded-proto": request.scheme ?? "http" } } });
  }
  const status = !out ? 503 : out.ok ? (out.answer?.status ?? 502) : out.error === "timeout" ? 504 : 502;
  const answer = out?.ok && out.answer ? out.answer : { status, headers: { date: new Date(wallNow).toUTCString(), "content-type": "text/html" }, body: nginxErrorPage(status, status === 503 ? "Service Temporarily Unavailable" : status === 504 ? "Gateway Time-out" : "Bad Gateway", "") };
  ingressLog(ctx, pod, container, req, fromIP, answer, `${route.namespace}-${route.service}-${route.port}`, out?.ok ? `${out.pod.ip}:${out.port}` : null);
  if (out?.ok) return { ...out, answer, trail: ctx.trail };
  return { ...base, answer, trail: ctx.trail };
}

/** ingress-nginx's access line (its default log-format-upstream). */
function ingressLog(ctx: Ctx, pod: Pod, container: ContainerT, req: HttpRequest, fromIP: string, answer: HttpAnswer, upstream: string, addr: string | null): void {
  const wall = ctx.opts.wallNow ?? ctx.view.now;
  const size = new TextEncoder().encode(answer.body).length;
  const h = req.headers;
  ctx.opts.sink?.({
    pod,
    container: container.name,
    line: `${fromIP} - - [${clfTime(wall)}] "${req.method} ${req.path} HTTP/1.1" ${answer.status} ${size} "${h["referer"] ?? "-"}" "${h["user-agent"] ?? "-"}" ${req.path.length + 60} 0.001 [${upstream}] [] ${addr ?? "-"} ${addr ? size : "-"} ${addr ? "0.001" : "-"} ${addr ? answer.status : "-"} ${crypto.randomUUID().replace(/-/g, "")}`,
  });
}
