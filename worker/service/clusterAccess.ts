// Reaching a cluster's Durable Object, and who owns a cluster id (cached briefly per isolate).
import { clusterById, db } from "../db/queries";
import type { Env } from "../env";

export function clusterStub(env: Env, clusterId: string) {
  return env.CLUSTER.get(env.CLUSTER.idFromName(clusterId));
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
  if (hit.expiresAt !== null && hit.expiresAt <= now) return null;
  return hit.tenantId;
}

/** Forgets a deleted (or extended) cluster in this isolate at once. */
export function forgetCluster(id: string): void {
  owners.delete(id);
}
