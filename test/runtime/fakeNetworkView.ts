// A NetworkView over objects held in arrays, for tests of network decisions (kube-proxy, DNS)
// that should not depend on controllers: the objects are written as the API server stores them.
import type { NetworkView } from "../../worker/cluster/network/types";
import { SERVICE_NAME_LABEL, SLICE_STORAGE } from "../../worker/cluster/network/view";
import type { KObject } from "../../worker/cluster/resources/define";
import type { Node } from "../../worker/cluster/resources/node";
import type { Pod } from "../../worker/cluster/resources/pod";
import type { Service } from "../../worker/cluster/resources/service";

export interface FakeCluster {
  services?: Service[];
  slices?: KObject[];
  pods?: Pod[];
  nodes?: Node[];
  namespaces?: string[];
  kubeProxy?: boolean;
  now?: number;
}

export function fakeView(c: FakeCluster): NetworkView {
  const services = c.services ?? [];
  const slices = c.slices ?? [];
  const pods = c.pods ?? [];
  const nodes = c.nodes ?? [];
  const namespaces = (c.namespaces ?? ["default", "kube-system"]).map((name) => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } }) as KObject);
  const ips = (s: Service) => [s.spec?.clusterIP, ...(s.spec?.externalIPs ?? []), ...(s.status?.loadBalancer?.ingress ?? []).map((i) => i.ip)];
  const sliceLists = new Map<string, KObject[]>();
  const byStorage = (storage: string): KObject[] => (storage === SLICE_STORAGE ? slices : storage === "namespaces" ? namespaces : storage === "services" ? services : storage === "pods" ? pods : storage === "nodes" ? nodes : []);
  return {
    now: c.now ?? Date.UTC(2026, 11, 3, 12, 0, 0),
    serviceSubnet: "10.96.0.0/16",
    podSubnet: "10.244.0.0/16",
    kubeProxy: c.kubeProxy ?? true,
    service: (ns, name) => services.find((s) => s.metadata.namespace === ns && s.metadata.name === name),
    serviceByIP: (ip) => services.find((s) => ips(s).includes(ip)),
    services: (ns) => services.filter((s) => ns === undefined || s.metadata.namespace === ns),
    // Like the stored view, the same list for the same Service.
    slices: (ns, svc) => {
      const key = `${ns}/${svc}`;
      if (!sliceLists.has(key)) sliceLists.set(key, slices.filter((s) => s.metadata.namespace === ns && s.metadata.labels?.[SERVICE_NAME_LABEL] === svc));
      return sliceLists.get(key)!;
    },
    pod: (ns, name) => pods.find((p) => p.metadata.namespace === ns && p.metadata.name === name),
    podByIP: (ip) => pods.find((p) => p.status?.podIP === ip && !p.spec?.hostNetwork),
    podsOnNode: (node) => pods.filter((p) => p.spec?.nodeName === node),
    node: (name) => nodes.find((n) => n.metadata.name === name),
    nodeByIP: (ip) => nodes.find((n) => n.status?.addresses?.some((a) => a.address === ip)),
    nodes: () => nodes,
    list: <T extends KObject>(storage: string, ns?: string) => byStorage(storage).filter((o) => ns === undefined || o.metadata.namespace === ns) as T[],
    get: <T extends KObject>(storage: string, ns: string, name: string) => byStorage(storage).find((o) => (o.metadata.namespace ?? "") === ns && o.metadata.name === name) as T | undefined,
    image: () => null,
  };
}

export function node(name: string, ip: string): Node {
  return { apiVersion: "v1", kind: "Node", metadata: { name }, status: { addresses: [{ type: "InternalIP", address: ip }, { type: "Hostname", address: name }] } } as Node;
}

export function service(namespace: string, name: string, spec: Record<string, unknown>, status: Record<string, unknown> = {}): Service {
  const s = { type: "ClusterIP", sessionAffinity: "None", internalTrafficPolicy: "Cluster", ...spec } as NonNullable<Service["spec"]>;
  for (const p of s.ports ?? []) p.protocol ??= "TCP";
  if ((s.type === "NodePort" || s.type === "LoadBalancer") && !s.externalTrafficPolicy) s.externalTrafficPolicy = "Cluster";
  return { apiVersion: "v1", kind: "Service", metadata: { namespace, name }, spec: s, status: { loadBalancer: {}, ...status } } as Service;
}

export interface Ep {
  ip: string;
  node?: string;
  pod?: string;
  ready?: boolean;
  serving?: boolean;
  terminating?: boolean;
  hostname?: string;
}

export function slice(namespace: string, svc: string, ports: { name?: string; port: number; protocol?: string }[], endpoints: Ep[], name = `${svc}-abcde`): KObject {
  return {
    apiVersion: "discovery.k8s.io/v1",
    kind: "EndpointSlice",
    metadata: { namespace, name, labels: { [SERVICE_NAME_LABEL]: svc } },
    addressType: "IPv4",
    ports: ports.map((p) => ({ name: p.name ?? "", protocol: p.protocol ?? "TCP", port: p.port })),
    endpoints: endpoints.map((e) => ({
      addresses: [e.ip],
      conditions: { ready: e.ready ?? true, serving: e.serving ?? e.ready ?? true, terminating: e.terminating ?? false },
      ...(e.node ? { nodeName: e.node } : {}),
      ...(e.hostname ? { hostname: e.hostname } : {}),
      ...(e.pod ? { targetRef: { kind: "Pod", namespace, name: e.pod } } : {}),
    })),
  } as KObject;
}

export function pod(namespace: string, name: string, opts: { ip?: string; node?: string; spec?: Record<string, unknown>; labels?: Record<string, string>; image?: string; running?: boolean } = {}): Pod {
  const running = opts.running ?? true;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { namespace, name, labels: opts.labels ?? {} },
    spec: { nodeName: opts.node ?? "kind-worker", containers: [{ name: "c", image: opts.image ?? "nginx" }], ...(opts.spec ?? {}) },
    status: running
      ? { phase: "Running", podIP: opts.ip, hostIP: "172.18.0.3", containerStatuses: [{ name: "c", ready: true, restartCount: 0, image: opts.image ?? "nginx", imageID: "", state: { running: { startedAt: "2026-12-03T12:00:00Z" } } }] }
      : { phase: "Pending" },
  } as Pod;
}
