// configMap, secret, downwardAPI and projected volumes as the kubelet's atomic writer lays them
// out: the files in a timestamped directory, `..data` pointing at it, and each top-level name a
// symlink through `..data`. The kubelet writes a snapshot when the pod starts and rewrites it
// after its sync period when the source changes (volumeSync.ts); the snapshot is persisted per
// (pod uid, volume), so a container sees the same files until then.
import { sha256 } from "@noble/hashes/sha2.js";
import { base64 } from "@scure/base";
import { API_AUDIENCES, boundTokenClaims, clusterIdOf, extendForPod, metaOf, signClaims, type Meta } from "../../authentication/serviceAccountTokens";
import type { NetworkView } from "../../network/types";
import type { KObject } from "../../resources/define";
import type { Pod } from "../../resources/pod";
import type { ContainerT, VolumeT } from "../../resources/types/core";
import { dataOf, fieldValue, formatMap, resourceValue } from "../env";
import { bytes } from "../types";
import { dropOldest } from "../../machinery/lru";
import { MemoryFs } from "./memory";

export interface VolFile {
  path: string;
  /** base64 */
  data: string;
  mode: number;
  /**
   * A service-account token's claims: the file is their signed JWT (and `data` empty). Signing
   * costs a millisecond, and most pods never read their token, so it is signed when the files
   * are laid out; the signature is deterministic, so every read sees the same token.
   */
  jwt?: Record<string, unknown>;
}

export interface Snapshot {
  writtenAt: number;
  files: VolFile[];
  pendingSince: number | null;
}

type DataObject = KObject & { data?: Record<string, string>; binaryData?: Record<string, string> };

const DEFAULT_MODE = 0o644;

/** Whether a volume is one the atomic writer fills. */
export function isAtomicVolume(v: VolumeT): boolean {
  return !!(v.configMap || v.secret || v.downwardAPI || v.projected);
}

/** Whether the atomic volume lives in memory (secrets and projected tokens are tmpfs). */
export function isTmpfsVolume(v: VolumeT): boolean {
  return !!(v.secret || v.projected);
}

/** Text encoded lately (kube-root-ca.crt's certificate goes into every pod), by its text. */
const encoded = new Map<string, string>();

function b64(s: string): string {
  let out = encoded.get(s);
  if (out === undefined) {
    out = base64.encode(bytes(s));
    if (s.length <= 16_384) {
      encoded.set(s, out);
      dropOldest(encoded, 64);
    }
  }
  return out;
}

/** Keys of a ConfigMap or Secret as base64 (Secret data already is). */
function keysOf(kind: "configmap" | "secret", obj: DataObject): Record<string, string> {
  if (kind === "secret") return { ...(obj.data ?? {}) };
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj.data ?? {})) out[k] = b64(v);
  for (const [k, v] of Object.entries(obj.binaryData ?? {})) out[k] = v;
  return out;
}

interface KeyItems {
  items?: { key: string; path: string; mode?: number | null }[];
  optional?: boolean | null;
}

function fromObject(kind: "configmap" | "secret", name: string, src: KeyItems, obj: DataObject | undefined, mode: number): VolFile[] | { error: string } {
  if (!obj) return src.optional ? [] : { error: `${kind} "${name}" not found` };
  const keys = keysOf(kind, obj);
  if (!src.items?.length) return Object.keys(keys).sort().map((k) => ({ path: k, data: keys[k], mode }));
  const out: VolFile[] = [];
  for (const it of src.items) {
    if (!Object.hasOwn(keys, it.key)) {
      if (src.optional) continue;
      return { error: kind === "configmap" ? `configmap references non-existent config key: ${it.key}` : `references non-existent secret key: ${it.key}` };
    }
    out.push({ path: it.path, data: keys[it.key], mode: it.mode ?? mode });
  }
  return out;
}

interface DownwardItem {
  path: string;
  fieldRef?: { fieldPath: string } | null;
  resourceFieldRef?: { containerName?: string | null; resource: string; divisor?: unknown } | null;
  mode?: number | null;
}

function downward(view: Pick<NetworkView, "node">, pod: Pod, items: DownwardItem[], mode: number): VolFile[] | { error: string } {
  const node = pod.spec?.nodeName ? view.node(pod.spec.nodeName) : undefined;
  const allocatable = (node?.status?.allocatable ?? {}) as Record<string, string>;
  const out: VolFile[] = [];
  for (const it of items) {
    let value = "";
    if (it.fieldRef) {
      const p = it.fieldRef.fieldPath;
      value = p === "metadata.labels" ? formatMap(pod.metadata.labels) : p === "metadata.annotations" ? formatMap(pod.metadata.annotations) : (fieldValue(pod, p) ?? "");
    } else if (it.resourceFieldRef) {
      const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])] as ContainerT[];
      const c = all.find((x) => x.name === it.resourceFieldRef!.containerName) ?? all[0];
      const v = resourceValue(pod, c, it.resourceFieldRef.resource, it.resourceFieldRef.divisor as string | undefined, allocatable);
      if (typeof v !== "string") return v;
      value = v;
    }
    out.push({ path: it.path, data: b64(value), mode: it.mode ?? mode });
  }
  return out;
}

/**
 * The claims of a projected service-account token, as the kubelet gets it from TokenRequest:
 * bound to the pod (and naming its node); with the kubelet's default 3607 s for the API server's
 * audience, a year-long token with warnafter (serviceAccountTokens.ts). fileData signs them.
 */
export function serviceAccountTokenClaims(sql: SqlStorage, view: Pick<NetworkView, "get" | "node">, pod: Pod, now: number, expirationSeconds = 3607, audience?: string): Record<string, unknown> {
  const ns = pod.metadata.namespace ?? "default";
  const sa = pod.spec?.serviceAccountName ?? "default";
  // An account deleted since the pod was admitted still gets a token; the API server refuses it.
  const account = view.get<KObject>("serviceaccounts", ns, sa) ?? { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: sa, namespace: ns } };
  const node = pod.spec?.nodeName ? (view.node(pod.spec.nodeName) ?? { apiVersion: "v1", kind: "Node", metadata: { name: pod.spec.nodeName } }) : undefined;
  const meta = metaOf(sql);
  const t = extendForPod({ serviceAccount: account, pod, ...(node ? { node } : {}), audiences: audience ? [audience] : API_AUDIENCES, expirationSeconds });
  return boundTokenClaims({ store: meta, clusterId: clusterIdIn(sql, meta), now }, t).claims;
}

/** The cluster's id, read once: it is set when the cluster is made and never changes (every pod's token names it). */
const clusterIds = new WeakMap<SqlStorage, string>();

function clusterIdIn(sql: SqlStorage, meta: Meta): string {
  let id = clusterIds.get(sql);
  if (id === undefined) {
    id = clusterIdOf(meta);
    if (id) clusterIds.set(sql, id);
  }
  return id;
}

/** A file's bytes as base64, its token signed if it is one. */
export function fileData(sql: SqlStorage, f: VolFile): string {
  return f.jwt ? b64(signClaims(metaOf(sql), f.jwt)) : f.data;
}

/**
 * The files a volume holds now, from the stored objects; null when it is not an atomic-writer
 * volume; an error in the kubelet's words (MountVolume.SetUp failed ...) when a source is missing.
 */
export function volumeContent(sql: SqlStorage, view: Pick<NetworkView, "get" | "node">, pod: Pod, v: VolumeT, now: number, previous?: Snapshot | null): VolFile[] | { error: string } | null {
  const ns = pod.metadata.namespace ?? "default";
  const get = (kind: "configmap" | "secret", name: string) => view.get<DataObject>(kind === "configmap" ? "configmaps" : "secrets", ns, name);
  if (v.configMap) {
    const name = v.configMap.name ?? "";
    return fromObject("configmap", name, v.configMap as KeyItems, get("configmap", name), v.configMap.defaultMode ?? DEFAULT_MODE);
  }
  if (v.secret) {
    const name = v.secret.secretName ?? "";
    return fromObject("secret", name, v.secret as KeyItems, get("secret", name), v.secret.defaultMode ?? DEFAULT_MODE);
  }
  if (v.downwardAPI) return downward(view, pod, (v.downwardAPI.items ?? []) as DownwardItem[], v.downwardAPI.defaultMode ?? DEFAULT_MODE);
  if (v.projected) {
    const mode = v.projected.defaultMode ?? DEFAULT_MODE;
    const out: VolFile[] = [];
    for (const s of v.projected.sources ?? []) {
      let part: VolFile[] | { error: string } = [];
      if (s.configMap) part = fromObject("configmap", s.configMap.name ?? "", s.configMap as KeyItems, get("configmap", s.configMap.name ?? ""), mode);
      else if (s.secret) part = fromObject("secret", s.secret.name ?? "", s.secret as KeyItems, get("secret", s.secret.name ?? ""), mode);
      else if (s.downwardAPI) part = downward(view, pod, (s.downwardAPI.items ?? []) as DownwardItem[], mode);
      else if (s.serviceAccountToken) {
        // The token stays what it was until the kubelet rotates it (at 80% of its life).
        const old = previous?.files.find((f) => f.path === s.serviceAccountToken!.path);
        const life = (s.serviceAccountToken.expirationSeconds ?? 3607) * 1000;
        const fresh = !old || !previous || now - previous.writtenAt < life * 0.8;
        part = [
          old && fresh
            ? { ...old, mode }
            : { path: s.serviceAccountToken.path, data: "", jwt: serviceAccountTokenClaims(sql, view, pod, now, s.serviceAccountToken.expirationSeconds ?? 3607, s.serviceAccountToken.audience ?? undefined), mode },
        ];
      }
      if (!Array.isArray(part)) return part;
      out.push(...part);
    }
    return out;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Persisted snapshots

export function loadSnapshot(sql: SqlStorage, podUid: string, key: string): Snapshot | null {
  const row = sql.exec<{ written_at: number; files: string; pending_since: number | null }>("SELECT written_at, files, pending_since FROM pod_volume_files WHERE pod_uid = ? AND volume = ?", podUid, key).toArray()[0];
  return row ? { writtenAt: row.written_at, files: JSON.parse(row.files) as VolFile[], pendingSince: row.pending_since } : null;
}

export function saveSnapshot(sql: SqlStorage, podUid: string, key: string, writtenAt: number, files: VolFile[]): void {
  sql.exec("INSERT OR REPLACE INTO pod_volume_files (pod_uid, volume, written_at, files, pending_since) VALUES (?, ?, ?, ?, NULL)", podUid, key, writtenAt, JSON.stringify(files));
}

/** Writes the volume's first snapshot; false (nothing written) when it has one already. */
export function saveFirstSnapshot(sql: SqlStorage, podUid: string, key: string, writtenAt: number, files: VolFile[]): boolean {
  return sql.exec("INSERT INTO pod_volume_files (pod_uid, volume, written_at, files, pending_since) VALUES (?, ?, ?, ?, NULL) ON CONFLICT DO NOTHING", podUid, key, writtenAt, JSON.stringify(files)).rowsWritten > 0;
}

export function setPending(sql: SqlStorage, podUid: string, key: string, since: number | null): void {
  sql.exec("UPDATE pod_volume_files SET pending_since = ? WHERE pod_uid = ? AND volume = ?", since, podUid, key);
}

export function sameFiles(a: VolFile[], b: VolFile[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The volume's snapshot, written now when the kubelet has not written one yet. A missing source gives an empty one. */
export function ensureSnapshot(sql: SqlStorage, view: Pick<NetworkView, "get" | "node">, pod: Pod, v: VolumeT, key: string, now: number): Snapshot {
  const uid = pod.metadata.uid ?? "";
  const have = loadSnapshot(sql, uid, key);
  if (have) return have;
  const content = volumeContent(sql, view, pod, v, now);
  const files = Array.isArray(content) ? content : [];
  saveSnapshot(sql, uid, key, now, files);
  return { writtenAt: now, files, pendingSince: null };
}

/** `..2026_12_03_14_45_01.123456789`: the atomic writer's directory for a write at `at` (Go's TempDir adds a random number). */
export function timestampDir(at: number, salt: string): string {
  const d = new Date(at);
  const p = (n: number) => String(n).padStart(2, "0");
  const h = sha256(bytes(`${salt}/${at}`));
  const n = ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.${n}`;
}

/** The volume's directory as the atomic writer leaves it. */
export function atomicTree(sql: SqlStorage, snap: Snapshot, salt: string, tmpfs: boolean): MemoryFs {
  const at = snap.writtenAt;
  const fs = new MemoryFs({ now: () => at });
  const ts = timestampDir(at, salt);
  fs.mkdir(`/${ts}`);
  const top = new Set<string>();
  for (const f of snap.files) {
    const rel = f.path.split("/").filter(Boolean);
    if (!rel.length) continue;
    top.add(rel[0]);
    if (rel.length > 1) fs.mkdir(`/${ts}/${rel.slice(0, -1).join("/")}`, { parents: true });
    fs.write(`/${ts}/${rel.join("/")}`, base64.decode(fileData(sql, f)), { mode: f.mode });
    fs.chmod(`/${ts}/${rel.join("/")}`, f.mode);
  }
  fs.symlink(ts, "/..data");
  for (const t of [...top].sort()) fs.symlink(`..data/${t}`, `/${t}`);
  fs.chmod("/", tmpfs ? 0o1777 : 0o777);
  return fs;
}
