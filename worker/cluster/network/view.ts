// The NetworkView (types.ts) over the API server's stored objects. One view serves one decision or
// one request: it reads nothing up front and remembers what it has read, so a DNS lookup reads a
// Service or two, and a connection to a pod IP or a node's host ports is an index lookup (the
// store indexes pods by podIP and nodeName), never a pass over every pod.
import type { ApiServer } from "../api/apiserver";
import type { ClusterConfig, KubeProxyMode } from "../config";
import type { ImageBehaviour } from "../node/images";
import { parseImageRef } from "../node/imageRef";
import { storageOf, type KObject } from "../resources/define";
import { endpointSlices, SERVICE_NAME_LABEL } from "../resources/endpointslice";
import { BUILT_IN } from "../resources/registry";
import type { Node } from "../resources/node";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import { lookupImage, type SimulationSettings } from "../simulation";
import type { NetworkView } from "./types";

/** Where EndpointSlices are stored; the label naming their Service is the kind's own. */
export const SLICE_STORAGE = storageOf(endpointSlices);
export { SERVICE_NAME_LABEL };

/** The kube-proxy mode of a kind config: "iptables" (kind's default), "ipvs", "nftables" or "none". */
export function kubeProxyMode(config: ClusterConfig): KubeProxyMode {
  return config.networking.kubeProxyMode ?? "iptables";
}

/**
 * A view of the cluster for network decisions. `now` defaults to the cluster clock. Build a new
 * one per decision (or per request): it caches what it read and does not see later writes.
 */
export function networkView(api: ApiServer, config: ClusterConfig, simulation: SimulationSettings, now: number = api.now()): NetworkView {
  return new StoredNetworkView(api, config, simulation, now);
}

class StoredNetworkView implements NetworkView {
  readonly serviceSubnet: string;
  readonly podSubnet: string;
  readonly kubeProxy: boolean;

  private serviceIPs: Map<string, { namespace: string; name: string }> | null = null;
  private podIPs = new Map<string, Pod | undefined>();
  private nodePods = new Map<string, Pod[]>();
  private nodeList: Node[] | null = null;
  private sliceCache = new Map<string, KObject[]>();
  private objects = new Map<string, KObject | undefined>();

  constructor(
    private readonly api: ApiServer,
    config: ClusterConfig,
    private readonly simulation: SimulationSettings,
    readonly now: number,
  ) {
    this.serviceSubnet = config.networking.serviceSubnet;
    this.podSubnet = config.networking.podSubnet;
    this.kubeProxy = kubeProxyMode(config) !== "none";
  }

  /** One stored object by key, read once. */
  private read<T extends KObject>(storage: string, namespace: string, name: string): T | undefined {
    const key = `${storage}\0${namespace}\0${name}`;
    if (!this.objects.has(key)) this.objects.set(key, this.api.peek<T>(storage, namespace, name));
    return this.objects.get(key) as T | undefined;
  }

  service(namespace: string, name: string): Service | undefined {
    return this.api.sharedGet<Service>("services", namespace, name);
  }

  serviceByIP(ip: string): Service | undefined {
    if (!this.serviceIPs) {
      // Services are few (thousands at most): their addresses are read through SQLite in one pass.
      const map = new Map<string, { namespace: string; name: string }>();
      for (const row of this.api.scanStoredFields("services", null, ["$.spec.clusterIPs", "$.spec.clusterIP", "$.spec.externalIPs", "$.status.loadBalancer.ingress"])) {
        const key = { namespace: row.namespace, name: row.name };
        const ips: string[] = [];
        for (const v of [row.values[0], row.values[2]]) ips.push(...jsonList<string>(v).filter((x) => typeof x === "string"));
        if (typeof row.values[1] === "string") ips.push(row.values[1]);
        for (const ing of jsonList<{ ip?: string }>(row.values[3])) if (ing && typeof ing.ip === "string") ips.push(ing.ip);
        for (const ip of ips) if (ip && ip !== "None" && !map.has(ip)) map.set(ip, key);
      }
      this.serviceIPs = map;
    }
    const key = this.serviceIPs.get(ip);
    return key ? this.service(key.namespace, key.name) : undefined;
  }

  services(namespace?: string): readonly Service[] {
    return this.api.sharedList<Service>("services", namespace ?? null);
  }

  slices(namespace: string, service: string): KObject[] {
    const key = `${namespace}/${service}`;
    let list = this.sliceCache.get(key);
    if (!list) {
      list = [];
      // The label is read by SQLite; only the Service's own slices are parsed.
      for (const row of this.api.scanStoredFields(SLICE_STORAGE, namespace, [`$.metadata.labels."${SERVICE_NAME_LABEL}"`])) {
        if (row.values[0] !== service) continue;
        const slice = this.read<KObject>(SLICE_STORAGE, row.namespace, row.name);
        if (slice) list.push(slice);
      }
      this.sliceCache.set(key, list);
    }
    return list;
  }

  pod(namespace: string, name: string): Pod | undefined {
    return this.read<Pod>("pods", namespace, name);
  }

  podByIP(ip: string): Pod | undefined {
    // An index lookup (store.podKeysBy); pods sharing their node's address and finished pods are left out.
    if (!this.podIPs.has(ip)) {
      const found = this.api
        .podKeysBy("podIP", ip)
        .map((k) => this.pod(k.namespace, k.name))
        .find((p) => p && !p.spec?.hostNetwork && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed");
      this.podIPs.set(ip, found);
    }
    return this.podIPs.get(ip);
  }

  podsOnNode(node: string): Pod[] {
    let list = this.nodePods.get(node);
    if (!list) {
      list = this.api
        .podKeysBy("nodeName", node)
        .map((k) => this.pod(k.namespace, k.name))
        .filter((p): p is Pod => !!p);
      this.nodePods.set(node, list);
    }
    return list;
  }

  node(name: string): Node | undefined {
    return this.api.sharedGet<Node>("nodes", "", name);
  }

  nodeByIP(ip: string): Node | undefined {
    return this.nodes().find((n) => (n.status?.addresses ?? []).some((a) => a.address === ip && (a.type === "InternalIP" || a.type === "ExternalIP")));
  }

  nodes(): Node[] {
    this.nodeList ??= [...this.api.scanStored<Node>("nodes", "")];
    return this.nodeList;
  }

  list<T extends KObject>(storage: string, namespace?: string): T[] {
    return [...this.api.scanStored<T>(storageKey(storage), namespace ?? null)];
  }

  get<T extends KObject>(storage: string, namespace: string, name: string): T | undefined {
    const key = storageKey(storage);
    return key === "services" || key === "nodes" ? this.api.sharedGet<T>(key, namespace, name) : this.read<T>(key, namespace, name);
  }

  image(pod: Pod, container: string): ImageBehaviour | null {
    const spec = pod.spec;
    const c = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...((spec?.ephemeralContainers ?? []) as { name: string; image?: string }[])].find((x) => x.name === container);
    const ref = c?.image ? parseImageRef(c.image) : null;
    return ref ? lookupImage(ref, this.simulation) : null;
  }
}

/** A storage key from either the key itself ("networking.k8s.io/ingresses") or a kind's bare plural ("ingresses"). */
function storageKey(storage: string): string {
  if (storage.includes("/")) return storage;
  const def = BUILT_IN.kinds.find((k) => k.plural === storage && !k.storage && !k.virtual && !k.computed);
  return def ? storageOf(def) : storage;
}

/** A JSON array read by json_extract (SQLite hands it over as text), or [] when absent. */
function jsonList<T>(v: unknown): T[] {
  if (typeof v !== "string" || !v.startsWith("[")) return [];
  try {
    return JSON.parse(v) as T[];
  } catch {
    return [];
  }
}
