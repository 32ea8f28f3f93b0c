// GET /v1/clusters/{name}/export: the cluster's own objects as one multi-document YAML that
// `kubectl apply -f` takes on a fresh cluster (the cluster object's capture()).
import { Hono } from "hono";
import type { Env } from "../env";
import { requireToken } from "./auth";
import { clusterStub, visibleCluster } from "./clusterAccess";
import { answer, type AppEnv } from "./http";

/** The export of a cluster by id, as a text/yaml response body (also used by sandboxes' export). */
export async function exportYaml(env: Env, clusterId: string): Promise<string> {
  const out = await clusterStub(env, clusterId).capture();
  return answer(out).yaml;
}

export const EXPORT_CONTENT_TYPE = "text/yaml; charset=utf-8";

export const clusterExportRoutes = new Hono<AppEnv>().use(requireToken).get("/:name/export", async (c) => {
  const name = c.req.param("name");
  const row = await visibleCluster(c.env, c.var.identity, name);
  const yaml = await exportYaml(c.env, row.id);
  return c.body(yaml, 200, { "Content-Type": EXPORT_CONTENT_TYPE, "Content-Disposition": `inline; filename="${row.name}.yaml"` });
});
