// GET /v1/usage: what a tenant holds and how busy its clusters were in the last hour, summed over
// its clusters' own counts (each cluster object's info()).
import { Hono } from "hono";
import type { ClusterInfo } from "../cluster/object";
import { clustersOf, db, tenantCounts } from "../db/queries";
import { LIMITS } from "../limits";
import { requireToken } from "./auth";
import { clusterStub } from "./clusterAccess";
import { fail, type AppEnv } from "./http";

export const usageRoutes = new Hono<AppEnv>().use(requireToken).get("/", async (c) => {
  const id = c.var.identity;
  if (id.clusterId !== null) fail(403, "a token for a single cluster may not read the tenant's usage");
  const d = db(c.env.DB);
  const [rows, counts] = await Promise.all([clustersOf(d, id.tenantId), tenantCounts(d, id.tenantId)]);
  // At most clustersPerTenant (250) calls, one per cluster object, side by side.
  const infos = await Promise.all(rows.map((r) => clusterStub(c.env, r.id).info() as Promise<ClusterInfo>));
  const perCluster = rows.map((r, i) => ({
    name: r.name,
    id: r.id,
    objects: infos[i].objects,
    storageBytes: infos[i].storageBytes,
    requestsLastHour: infos[i].requestsLastHour,
    alarmsLastHour: infos[i].alarmsLastHour,
    alarm: infos[i].alarm,
    expiresAt: r.expiresAt === null ? null : new Date(r.expiresAt).toISOString(),
  }));
  const sum = (k: "objects" | "storageBytes" | "requestsLastHour" | "alarmsLastHour") => perCluster.reduce((n, p) => n + p[k], 0);
  return c.json({
    tenant: id.tenantName,
    clusters: rows.length,
    ...counts,
    objects: sum("objects"),
    storageBytes: sum("storageBytes"),
    requestsLastHour: sum("requestsLastHour"),
    alarmsLastHour: sum("alarmsLastHour"),
    limits: { clustersPerTenant: LIMITS.clustersPerTenant, tokensPerTenant: LIMITS.tokensPerTenant, templatesPerTenant: LIMITS.templatesPerTenant },
    perCluster,
  });
});
