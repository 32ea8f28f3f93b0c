// exec, attach and port-forward: kube-apiserver's connect subresources, reached over a WebSocket
// upgrade the Worker passes through to the cluster's object. The router has routed and
// authorized the request ("create" on pods/exec, pods/attach, pods/portforward); here the pod
// and container are checked as kube-apiserver checks them before it upgrades (a Status, not a
// 101, when they fail), the subprotocol is chosen, and the socket handed to the channel
// protocol (remoteCommand.ts) or the port-forward tunnel (portForward.ts). SPDY upgrades, which
// a Worker cannot accept, get the same checks and then a Status naming the kubectl that works.
//
// Sessions live in the object's memory while their socket is open (no hibernation: a shell's
// state is not serializable), at most MAX_SESSIONS at once per cluster.
import type { ContainerSessions } from "../../container/session";
import { errors } from "../../machinery/errors";
import type { ClusterNetwork } from "../../network/dial";
import { openPort } from "../../network/portForward";
import { pods, type Pod } from "../../resources/pod";
import type { ApiServer } from "../apiserver";
import type { KubeRequest } from "../http/types";
import { assertScheduled, forwardedPorts, notRunning, remoteCommandOptions, spdyRefusal, streamContainer } from "./checks";
import { offered, portForwardProtocol, remoteCommandProtocol, supportedNames } from "./protocol";
import { serveRemoteCommand } from "./remoteCommand";
import { serveChannelPortForward, serveSpdyPortForward } from "./portForward";
import { Socket } from "./socket";

/** Streaming sessions (exec, attach, port-forward together) one cluster holds open at once. */
export const MAX_SESSIONS = 64;

export type ConnectSubresource = "exec" | "attach" | "portforward";
export const CONNECT_SUBRESOURCES: readonly ConnectSubresource[] = ["exec", "attach", "portforward"];

/** The upgrade a request asks for, from its headers. */
export interface Upgrade {
  /** "websocket", "spdy" (SPDY/3.1, kubectl before 1.30 or its fallback), or null for a plain request. */
  kind: "websocket" | "spdy" | null;
  protocols: string[];
}

/**
 * The upgrade from the headers the Worker passes on. The runtime hands a Worker no Upgrade
 * header but a WebSocket one, so a SPDY upgrade is known by kubectl's X-Stream-Protocol-Version.
 */
export function upgradeOf(headers: Headers): Upgrade {
  const up = (headers.get("upgrade") ?? "").toLowerCase();
  const kind = up.includes("websocket") ? "websocket" : up.includes("spdy/") || headers.has("x-stream-protocol-version") ? "spdy" : null;
  return { kind, protocols: offered(headers.get("sec-websocket-protocol")) };
}

export interface Target {
  namespace: string;
  name: string;
  subresource: ConnectSubresource;
}

export class StreamServer {
  private open = 0;

  constructor(
    private readonly api: ApiServer,
    private readonly network: ClusterNetwork,
    private readonly sessions: () => ContainerSessions | undefined,
  ) {}

  /** Sessions open now. */
  get size(): number {
    return this.open;
  }

  /** Answers an authorized connect request: a 101 with the socket, or an error to encode as a Status. */
  connect(req: KubeRequest, t: Target, upgrade: Upgrade): Response {
    const q = new URLSearchParams(req.query);
    const pod = this.api.get(pods, t.namespace, t.name) as Pod;
    let container = "";
    let opts = null;
    let ports: number[] = [];
    if (t.subresource === "portforward") {
      assertScheduled(pod);
    } else {
      opts = remoteCommandOptions(q, t.subresource === "exec");
      container = streamContainer(pod, opts.container);
    }
    if (upgrade.kind === "spdy") throw errors.badRequest(spdyRefusal(t.subresource));
    if (upgrade.kind !== "websocket") throw errors.badRequest("Upgrade request required");
    if (this.open >= MAX_SESSIONS)
      throw errors.tooManyRequests(`too many streaming sessions in this cluster: at most ${MAX_SESSIONS} exec, attach and port-forward sessions may be open at once`, 1);

    const kind = t.subresource === "portforward" ? "portforward" : "exec";
    const chosen = kind === "exec" ? remoteCommandProtocol(upgrade.protocols) : portForwardProtocol(upgrade.protocols);
    if (!chosen) throw errors.badRequest(`requested protocol(s) are not supported: [${upgrade.protocols.join(" ")}]; supports [${supportedNames(kind).join(" ")}]`);
    // kubectl's tunnelled SPDY streams name their ports per stream; the channel protocols name them in the query.
    if (t.subresource === "portforward" && chosen !== "spdy") ports = forwardedPorts(q);

    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    server.accept();
    const sock = new Socket(server);
    this.open++;
    sock.whenEnded(() => this.open--);

    if (t.subresource === "portforward") {
      const open = (port: number) => openPort(this.network, this.api.get(pods, t.namespace, t.name) as Pod, port);
      if (chosen === "spdy") serveSpdyPortForward(sock, open);
      else if (typeof chosen !== "string") serveChannelPortForward(sock, chosen, ports, open);
    } else if (opts && typeof chosen !== "string") {
      const why = notRunning(pod, container);
      const sessions = this.sessions();
      const o = opts;
      const start = why
        ? { error: why }
        : !sessions
          ? { error: "the container runtime is not ready" }
          : t.subresource === "exec"
            ? (out: Parameters<ContainerSessions["exec"]>[0]["out"]) => sessions.exec({ pod, container, stdin: o.stdin, tty: o.tty, out, command: o.command })
            : (out: Parameters<ContainerSessions["attach"]>[0]["out"]) => sessions.attach({ pod, container, stdin: o.stdin, tty: o.tty, out });
      serveRemoteCommand(sock, chosen, o, start);
    }
    const name = chosen === "spdy" ? "SPDY/3.1+portforward.k8s.io" : chosen.name;
    return new Response(null, { status: 101, webSocket: client, headers: name ? { "Sec-WebSocket-Protocol": name } : {} });
  }
}
