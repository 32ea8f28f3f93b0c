// Reaching a cluster's Durable Object, and who owns a cluster id (cached briefly per isolate).
import { clusterById, db } from "../db/queries";
import type { Env } from "../env";

export function clusterStub(env: Env, clusterId: string) {
  return env.CLUSTER.get(env.CLUSTER.idFromName(clusterId));
}

const OWNER_CACHE_MS = 5_000;
const owners = new Map<string, { tenantId: string | null; expires: number }>();

/** The tenant owning a cluster id, or null when there is no such cluster. */
export async function clusterOwner(env: Env, id: string): Promise<string | null> {
  const hit = owners.get(id);
  const now = Date.now();
  if (hit && hit.expires > now) return hit.tenantId;
  const row = await clusterById(db(env.DB), id);
  owners.set(id, { tenantId: row?.tenantId ?? null, expires: now + OWNER_CACHE_MS });
  if (owners.size > 10_000) for (const [k, v] of owners) if (v.expires <= now) owners.delete(k);
  return row?.tenantId ?? null;
}

/** Forgets a deleted cluster in this isolate at once. */
export function forgetCluster(id: string): void {
  owners.delete(id);
}
