// Making a cluster: its D1 row within the tenant's bound, then its object (config, simulation
// settings, preloaded objects). Shared by POST /v1/clusters, sandboxes and classes.
import { randomId } from "../auth/tokens";
import type { ClusterConfig } from "../cluster/config";
import { db, deleteClusterRows, insertClusterWithin, isUniqueViolation, type ClusterRow } from "../db/queries";
import type { Env } from "../env";
import { LIMITS } from "../limits";
import { clusterStub } from "./clusterAccess";
import { fail } from "./http";

export function tooManyClusters(): never {
  return fail(403, `this tenant already has the maximum of ${LIMITS.clustersPerTenant} clusters (clusters per tenant)`);
}

export interface MakeCluster {
  tenantId: string;
  name: string;
  config: ClusterConfig;
  simulation?: Record<string, unknown>;
  objects?: string;
  /** ms since the epoch, or null for a cluster that lives until deleted. */
  expiresAt?: number | null;
}

/**
 * Makes a cluster, or fails (409 for a taken name, 403 at the tenant's bound, 400 when the
 * preloaded objects or simulation settings are refused, naming the object): nothing is left
 * behind on failure.
 */
export async function makeCluster(env: Env, m: MakeCluster): Promise<ClusterRow> {
  const d = db(env.DB);
  const config: ClusterConfig = { ...m.config, name: m.name };
  const row: ClusterRow = { id: randomId("c-", 10), tenantId: m.tenantId, name: m.name, config: JSON.stringify(config), createdAt: Date.now(), expiresAt: m.expiresAt ?? null };
  let inserted = false;
  try {
    inserted = await insertClusterWithin(d, row, LIMITS.clustersPerTenant);
  } catch (e) {
    if (isUniqueViolation(e)) fail(409, `cluster ${JSON.stringify(m.name)} already exists`);
    throw e;
  }
  if (!inserted) tooManyClusters();
  const stub = clusterStub(env, row.id);
  let made;
  try {
    made = await stub.init({ id: row.id, config, ...(m.simulation && Object.keys(m.simulation).length ? { simulation: m.simulation } : {}), ...(m.objects ? { objects: m.objects } : {}) });
  } catch (e) {
    await stub.destroy().catch(() => undefined);
    await deleteClusterRows(d, row.id);
    throw e;
  }
  if (!made.ok) {
    await stub.destroy();
    await deleteClusterRows(d, row.id);
    fail(made.status === 422 ? 400 : (made.status as 400), made.message);
  }
  return row;
}
