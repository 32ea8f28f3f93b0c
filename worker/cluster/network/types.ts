// The contract of the simulated network (DESIGN.md, "Networking without a network"): what a
// connection is, what it can come to, and the read-only view of the cluster every decision is
// made from. The modules beside this one implement it: view.ts (the view), dns.ts (CoreDNS's
// answers), kubeProxy.ts (kube-proxy's rules and the endpoints they pick), policy.ts
// (NetworkPolicy), ingress.ts (ingress-nginx's routing), answers.ts (what a container answers)
// and traffic.ts (one function that follows a connection through all of them).
import type { ImageBehaviour } from "../node/images";
import type { KObject } from "../resources/define";
import type { Node } from "../resources/node";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";

export const CLUSTER_DOMAIN = "cluster.local";

/** Where a connection starts. */
export type Source =
  | { kind: "pod"; pod: Pod }
  | { kind: "node"; node: string }
  /** Outside the cluster: a learner's curl through a mapped host port, or the API server's proxy. */
  | { kind: "external"; ip?: string };

export interface HttpRequest {
  method: string;
  /** Path with its query string, e.g. "/index.html?x=1". */
  path: string;
  /** Header names in lower case. */
  headers: Record<string, string>;
  body?: string;
  /** What the client put in Host (defaults to the address it dialled). */
  host?: string;
  scheme?: "http" | "https";
}

export interface HttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface Connection {
  from: Source;
  /** An IP address or a DNS name (resolved from the source, as its resolv.conf would). */
  host: string;
  port: number;
  protocol?: "TCP" | "UDP" | "SCTP";
  /** Sent once connected; without it the outcome is just whether the connection was made. */
  request?: HttpRequest;
}

/** Why a connection did not get an answer, in the words a client prints for it. */
export type Failure = "refused" | "timeout" | "nxdomain" | "unreachable" | "reset";

export type Outcome =
  | {
      ok: true;
      /** The pod and container that took the connection. */
      pod: { namespace: string; name: string; ip: string };
      container: string;
      port: number;
      /** The HTTP answer, when a request was sent and the server speaks HTTP; null for a bare TCP connect or a server that does not. */
      answer: HttpAnswer | null;
      /** Each step the connection took, for a learner to read ("DNS web.default.svc.cluster.local -> 10.96.12.7", "KUBE-SVC-… -> 10.244.1.3:80"). */
      trail: string[];
    }
  | { ok: false; error: Failure; message: string; trail: string[] };

/** One endpoint kube-proxy may send a connection to. */
export interface Target {
  ip: string;
  port: number;
  /** The pod behind the endpoint (targetRef), when there is one. */
  pod?: { namespace: string; name: string };
  node?: string;
  ready: boolean;
}

/**
 * A read-only view of the cluster for network decisions. It is built for one decision (or one
 * request) from the API server's stored objects and indexes lazily what it is asked for, so a
 * DNS lookup does not read every pod.
 */
export interface NetworkView {
  readonly now: number;
  readonly serviceSubnet: string;
  readonly podSubnet: string;
  /** False when the kind config says kubeProxyMode: none (no Service traffic at all). */
  readonly kubeProxy: boolean;
  service(namespace: string, name: string): Service | undefined;
  /** The Service whose ClusterIP, externalIPs or load-balancer ingress IP this is. */
  serviceByIP(ip: string): Service | undefined;
  services(namespace?: string): readonly Service[];
  /** The EndpointSlices of a Service (label kubernetes.io/service-name). */
  slices(namespace: string, service: string): KObject[];
  pod(namespace: string, name: string): Pod | undefined;
  /** The running, not host-network pod with this IP. */
  podByIP(ip: string): Pod | undefined;
  podsOnNode(node: string): Pod[];
  node(name: string): Node | undefined;
  nodeByIP(ip: string): Node | undefined;
  nodes(): Node[];
  /** Any other stored kind, by storage name ("networkpolicies", "ingresses", "namespaces", "secrets"). */
  list<T extends KObject>(storage: string, namespace?: string): T[];
  get<T extends KObject>(storage: string, namespace: string, name: string): T | undefined;
  /** What the image of one of a pod's containers does, through the cluster's simulation settings. */
  image(pod: Pod, container: string): ImageBehaviour | null;
}
