// etcd as `etcdctl` in the etcd pod sees it: the cluster's store under kube-apiserver's keys.
//
// Keys follow kube-apiserver's storage layout: /registry/<resource>/<namespace>/<name> (or
// /registry/<resource>/<name> when cluster-scoped), with its special prefixes (services/specs,
// services/endpoints, minions, controllers, ingress), group-qualified prefixes for the
// aggregated servers' kinds and custom resources. Values are what kube-apiserver writes:
// protobuf ("k8s\0" + runtime.Unknown) for built-in kinds, JSON for custom resources, without
// metadata.resourceVersion (etcd's mod revision is the resourceVersion). Revisions come from
// the store's change log while it still holds them. Rows stream from SQLite resource by resource,
// so `get / --prefix --keys-only` never holds bodies of a whole cluster.
import { sha1 } from "@noble/hashes/legacy.js";
import { encodeObject } from "../machinery/protobufEncode";
import { BUILT_IN } from "../resources/registry";
import type { Store } from "../store/store";
import type { Etcd, EtcdKeyValue } from "./types";
import { toHex } from "../machinery/hex";

/** kube-apiserver's prefixes that are not the resource's name (DefaultStorageFactory's specials). */
const SPECIAL_PREFIXES: Record<string, string> = {
  replicationcontrollers: "controllers",
  endpoints: "services/endpoints",
  nodes: "minions",
  services: "services/specs",
  "networking.k8s.io/ingresses": "ingress",
  "extensions/ingresses": "ingress",
};

/** Servers other than kube-apiserver's own storage put their group in the prefix. */
const GROUP_PREFIXED = new Set(["apiextensions.k8s.io", "apiregistration.k8s.io"]);

export const ROOT = "/registry/";

export interface EtcdOptions {
  /** The control-plane node the etcd member runs on (its name) and its address. */
  node: string;
  nodeIP: string;
  /** etcd's version (kubeadm's pinned etcd for the cluster's Kubernetes minor). */
  version?: string;
}

/** The etcd key prefix (with its trailing slash) of a store resource ("apps/deployments"). */
export function etcdPrefix(storage: string): string {
  const special = SPECIAL_PREFIXES[storage];
  if (special) return `${ROOT}${special}/`;
  const slash = storage.indexOf("/");
  if (slash < 0) return `${ROOT}${storage}/`;
  const group = storage.slice(0, slash);
  const plural = storage.slice(slash + 1);
  const builtIn = !!BUILT_IN.storageKind(storage) && !GROUP_PREFIXED.has(group);
  return builtIn ? `${ROOT}${plural}/` : `${ROOT}${group}/${plural}/`;
}

/** etcd's member ID: the first 8 bytes of sha1(peer URLs + cluster token), as etcd computes it for an initial member. */
function memberId(peerURL: string, token = "etcd-cluster"): { hex: string; bytes: Uint8Array } {
  const h = sha1(new TextEncoder().encode(peerURL + token)).subarray(0, 8);
  return { hex: toHex(h), bytes: h };
}

/** Kubernetes' minor → the etcd kubeadm installs with it. */
export function etcdVersionFor(kubernetesVersion: string): string {
  const minor = Number(/^v?1\.(\d+)/.exec(kubernetesVersion)?.[1] ?? 33);
  if (minor >= 34) return "3.6.4";
  if (minor >= 31) return "3.5.21";
  if (minor >= 29) return "3.5.16";
  return "3.5.12";
}

interface Prefixed {
  prefix: string;
  resource: string;
}

/** One resource's rows whose key suffix lies in [lo, hi), in key byte order. */
function suffixQuery(store: Store, resource: string, lo: string, hi: string | null, select: string, tail = ""): SqlStorageCursor<Record<string, SqlStorageValue>> {
  // Namespaced keys are "<ns>/<name>": ordering by the joined key, not (ns, name), is etcd's byte order.
  const key = "(CASE WHEN namespace = '' THEN name ELSE namespace || '/' || name END)";
  const where = `resource = ? AND ${key} >= ?` + (hi !== null ? ` AND ${key} < ?` : "");
  const args: SqlStorageValue[] = hi !== null ? [resource, lo, hi] : [resource, lo];
  // Counts and keys come from objects alone; only a select of the values joins the bodies.
  const from = /\bbody\b/.test(select) ? "object_bodies" : "objects";
  return store.sqlStorage.exec(`SELECT ${select.replaceAll("$key", key)} FROM ${from} WHERE ${where} ${tail.replaceAll("$key", key)}`, ...args);
}

/** Creation revision and version of each key of a resource, from what the change log still holds. */
function revisionsOf(store: Store, resource: string): Map<string, { created: number; changes: number }> {
  const rows = store.sqlStorage.exec<{ namespace: string; name: string; created: number; n: number }>(
    `SELECT c.namespace AS namespace, c.name AS name, a.created AS created, count(*) AS n
       FROM changes c JOIN (SELECT namespace, name, max(rv) AS created FROM changes WHERE resource = ?1 AND type = 'ADDED' GROUP BY namespace, name) a
         ON c.namespace = a.namespace AND c.name = a.name
      WHERE c.resource = ?1 AND c.rv >= a.created AND c.type != 'DELETED'
      GROUP BY c.namespace, c.name`,
    resource,
  );
  const out = new Map<string, { created: number; changes: number }>();
  for (const r of rows) out.set(`${r.namespace}/${r.name}`, { created: r.created, changes: r.n });
  return out;
}

/** The value kube-apiserver wrote for an object: protobuf for built-in kinds, JSON for the rest. */
function storedValue(resource: string, body: string): Uint8Array {
  const obj = JSON.parse(body) as Record<string, unknown> & { metadata?: Record<string, unknown> };
  if (obj.metadata) delete obj.metadata.resourceVersion;
  const def = BUILT_IN.storageKind(resource);
  if (def) {
    try {
      return encodeObject(obj, def.schema);
    } catch {
      // A body the schema cannot encode is shown as JSON rather than not at all.
    }
  }
  return new TextEncoder().encode(JSON.stringify(obj) + "\n");
}

export function etcdOf(store: Store, opts: EtcdOptions): Etcd {
  const peerURL = `https://${opts.nodeIP}:2380`;
  const id = memberId(peerURL);
  const clusterId = toHex(sha1(id.bytes).subarray(0, 8));

  const prefixes = (): Prefixed[] =>
    store.sqlStorage
      .exec<{ resource: string }>("SELECT DISTINCT resource FROM objects")
      .toArray()
      .map((r) => ({ resource: r.resource, prefix: etcdPrefix(r.resource) }))
      .sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0));

  function range(from: string, end: string | null, o: { limit?: number; keysOnly?: boolean } = {}): { kvs: EtcdKeyValue[]; count: number; more: boolean } {
    const kvs: EtcdKeyValue[] = [];
    let count = 0;
    const limit = o.limit && o.limit > 0 ? o.limit : Infinity;
    const single = end === null;
    const all = end === "\0";
    for (const { prefix, resource } of prefixes()) {
      // Bounds of this prefix's key suffixes that fall in [from, end).
      let lo = "";
      if (from.startsWith(prefix)) lo = from.slice(prefix.length);
      else if (from > prefix) continue; // every key under the prefix is below `from`
      let hi: string | null = null;
      if (single) {
        if (!from.startsWith(prefix)) continue;
        hi = lo + "\0";
      } else if (!all) {
        if (end! <= prefix) continue;
        if (end!.startsWith(prefix)) hi = end!.slice(prefix.length);
      }
      const n = Number(suffixQuery(store, resource, lo, hi, "count(*) AS n").one().n);
      if (!n) continue;
      count += n;
      if (kvs.length >= limit) continue;
      const revs = o.keysOnly ? null : revisionsOf(store, resource);
      const rows = suffixQuery(store, resource, lo, hi, o.keysOnly ? "namespace, name, rv, $key AS k" : "namespace, name, rv, body, $key AS k", `ORDER BY $key LIMIT ${Number.isFinite(limit) ? limit - kvs.length : -1}`);
      for (const r of rows) {
        const rv = Number(r.rv);
        const rev = revs?.get(`${r.namespace as string}/${r.name as string}`);
        const created = rev && rev.created <= rv ? rev.created : rv;
        kvs.push({
          key: prefix + (r.k as string),
          value: o.keysOnly ? new Uint8Array() : storedValue(resource, r.body as string),
          createRevision: created,
          modRevision: rv,
          version: rev && rev.created <= rv ? Math.max(1, rev.changes) : 1,
        });
      }
    }
    return { kvs, count, more: count > kvs.length };
  }

  return {
    range,
    revision: () => store.rv,
    member: { id: id.hex, name: opts.node, peerURL, clientURL: `https://${opts.nodeIP}:2379` },
    clusterId,
    get dbSizeBytes() {
      return store.sqlStorage.databaseSize;
    },
    version: opts.version ?? "3.5.21",
  };
}
