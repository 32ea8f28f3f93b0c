// The Worker: the kube API (a cluster's own host, /k8s/<id>, or the root with a cluster-scoped
// token: see gateway.ts), the management API (/v1), the service's health, and the web pages
// (static files from web/, served when nothing else answers).
import { Hono } from "hono";
import { db } from "./db/queries";
import { kubeEdge } from "./gateway";
import { clusterControlRoutes } from "./service/clusterControls";
import { clusterRoutes } from "./service/clusters";
import { errorResponse, HttpError, type AppEnv } from "./service/http";
import { tenantRoutes } from "./service/tenants";
import { tokenRoutes } from "./service/tokens";
import { clusterNetworkRoutes } from "./service/clusterNetwork";
import { portRoutes } from "./service/ports";
import { sandboxRoutes } from "./service/sandboxes";
import { classRoutes } from "./service/classes";
import { downloadRoutes } from "./service/downloads";
import { templateRoutes } from "./service/templates/routes";
import { clusterExportRoutes } from "./service/clusterExport";
import { usageRoutes } from "./service/usage";
import { sql } from "drizzle-orm";

export { ClusterObject } from "./cluster/object";
export { SandboxReaper } from "./service/reaper";

const app = new Hono<AppEnv>();

// The kube API comes first: its answers, errors included, are Kubernetes' whatever the path.
app.use("*", async (c, next) => {
  const kube = await kubeEdge(c);
  if (kube) return kube;
  await next();
});

app.get("/healthz", async (c) => {
  // Ready once D1 answers (its migrations applied).
  try {
    await db(c.env.DB).run(sql`SELECT count(*) FROM tenants`);
    return c.text("ok");
  } catch (e) {
    return c.text(`not ready: ${(e as Error).message}`, 503);
  }
});

app.route("/v1/tenants", tenantRoutes);
app.route("/v1/clusters", clusterRoutes);
app.route("/v1/clusters", clusterControlRoutes);
app.route("/v1/tokens", tokenRoutes);
app.route("/v1/clusters", clusterNetworkRoutes);
app.route("/v1/ports", portRoutes);
app.route("/v1/sandboxes", sandboxRoutes);
app.route("/v1/classes", classRoutes);
app.route("/v1/downloads", downloadRoutes);
app.route("/v1/templates", templateRoutes);
app.route("/v1/clusters", clusterExportRoutes);
app.route("/v1/usage", usageRoutes);

app.notFound(async (c) => {
  if (c.req.method === "GET" || c.req.method === "HEAD") {
    const page = await c.env.ASSETS.fetch(c.req.raw);
    if (page.status !== 404) return page;
  }
  return errorResponse(c, 404, `no route for ${c.req.method} ${new URL(c.req.url).pathname}`);
});

app.onError((err, c) => {
  if (err instanceof HttpError) return errorResponse(c, err.status, err.message);
  console.error("unhandled error", c.req.method, c.req.path, err);
  return errorResponse(c, 500, "internal error");
});

export default app;
