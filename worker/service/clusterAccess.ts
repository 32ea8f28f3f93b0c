// Reaching a cluster's Durable Object, and who owns a cluster id (cached briefly per isolate).
import type { Identity } from "../auth/identity";
import { clusterById, clusterByName, db, type ClusterRow } from "../db/queries";
import type { Env } from "../env";
import { canSee } from "./auth";
import { fail } from "./http";

/** A sandbox past its expiry is gone already, though its reaper may not have erased it yet. */
export function expired(row: { expiresAt: number | null }, now = Date.now()): boolean {
  return row.expiresAt !== null && row.expiresAt <= now;
}

/**
 * The caller's cluster of that name, or 404: another tenant's, another cluster for a
 * cluster-scoped token, and an expired sandbox are all as if they did not exist. `field` names
 * the request field that gave the name, when it came from a body.
 */
export async function visibleCluster(env: Env, id: Identity, name: string, field?: string): Promise<ClusterRow> {
  const row = await clusterByName(db(env.DB), id.tenantId, name);
  if (!row || !canSee(id, row) || expired(row))
    return fail(404, `${field ? field + ": " : ""}cluster ${JSON.stringify(name)} not found`);
  return row;
}

/** Object ids by cluster id: idFromName hashes the name, 1% of a kube request's CPU. */
const objectIds = new Map<string, DurableObjectId>();
const OBJECT_IDS_MAX = 1_000;

export function clusterStub(env: Env, clusterId: string) {
  let id = objectIds.get(clusterId);
  if (!id) {
    id = env.CLUSTER.idFromName(clusterId);
    if (objectIds.size >= OBJECT_IDS_MAX) objectIds.clear();
    objectIds.set(clusterId, id);
  }
  return env.CLUSTER.get(id);
}

const OWNER_CACHE_MS = 5_000;
const owners = new Map<string, { tenantId: string | null; expiresAt: number | null; expires: number }>();

/**
 * The tenant owning a cluster id, or null when there is no such cluster. An expired cluster (a
 * sandbox past its expiresAt) is gone at once, before the reaper erases it.
 */
export async function clusterOwner(env: Env, id: string): Promise<string | null> {
  const now = Date.now();
  let hit = owners.get(id);
  if (!hit || hit.expires <= now) {
    const row = await clusterById(db(env.DB), id);
    hit = { tenantId: row?.tenantId ?? null, expiresAt: row?.expiresAt ?? null, expires: now + OWNER_CACHE_MS };
    owners.set(id, hit);
    if (owners.size > 10_000) for (const [k, v] of owners) if (v.expires <= now) owners.delete(k);
  }
  if (expired(hit, now)) return null;
  return hit.tenantId;
}

/** Forgets a deleted (or extended) cluster in this isolate at once. */
export function forgetCluster(id: string): void {
  owners.delete(id);
}
