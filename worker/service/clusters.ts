// /v1/clusters: create (from a kind config), list, show, delete, and the kubeconfig.
import { Hono } from "hono";
import { bearer } from "../auth/authenticate";
import { deriveToken, hashToken, randomId, tokenPrefix } from "../auth/tokens";
import type { ClusterInfo, Outcome, PortsInfo } from "../cluster/object";
import { portUrl } from "./ports";
import { clusterByName, clustersOf, db, deleteClusterRows, derivedToken, insertTokenWithin, isUniqueViolation, namespacesOf, type ClusterRow, type TokenRow } from "../db/queries";
import type { Env } from "../env";
import { LIMITS } from "../limits";
import { canSee, need, requireToken, tenantWideAdmin } from "./auth";
import { clusterStub, expired, forgetCluster, visibleCluster } from "./clusterAccess";
import { checkClusterName, ConfigError, parseClusterConfig } from "./clusterConfig";
import { findTemplate } from "./templates/store";
import { fail, serverUrl, type AppEnv } from "./http";
import { kubeconfig } from "./kubeconfig";
import { makeCluster } from "./clusterMaker";
import { reaperOf } from "./reaper";
import { readBounded } from "../body";
import { tooManyTokens } from "./tokens";

const MAX_CONFIG_BYTES = 256 * 1024;



function summary(c: Parameters<typeof serverUrl>[0], row: ClusterRow) {
  return { id: row.id, name: row.name, server: serverUrl(c, row.id), createdAt: new Date(row.createdAt).toISOString() };
}

/**
 * The token a kubeconfig carries: the caller's own when it is for this cluster alone; else the
 * one token for this cluster derived from the caller's (same role, never more), made on the first
 * fetch and derived again on later ones, so every copy of the kubeconfig keeps working. Revoking
 * the caller's token revokes it too.
 */
async function kubeconfigToken(c: { env: Env; var: AppEnv["Variables"]; req: { header(name: string): string | undefined } }, row: ClusterRow): Promise<string> {
  const id = c.var.identity;
  const secret = bearer(c.req.header("authorization"))!;
  if (id.clusterId === row.id) return secret;
  const d = db(c.env.DB);
  const existing = await derivedToken(d, id.tokenId, row.id);
  if (existing) return deriveToken(secret, existing.id);
  const tokenId = randomId("tok-");
  const token = await deriveToken(secret, tokenId);
  const made: TokenRow = {
    id: tokenId,
    tenantId: id.tenantId,
    name: `kubeconfig-${row.name}`,
    clusterId: row.id,
    role: id.role,
    secretHash: await hashToken(token),
    prefix: tokenPrefix(token),
    createdAt: Date.now(),
    parentId: id.tokenId,
  };
  let inserted: boolean;
  try {
    inserted = await insertTokenWithin(d, made, LIMITS.tokensPerTenant);
  } catch (e) {
    // A concurrent fetch made it first: use that one.
    const raced = isUniqueViolation(e) ? await derivedToken(d, id.tokenId, row.id) : undefined;
    if (!raced) throw e;
    return deriveToken(secret, raced.id);
  }
  if (!inserted) tooManyTokens();
  return token;
}

/**
 * A JSON body naming a template ({"name","template"}) rather than a kind config (which has no
 * "template" field); both fields are required then, and nothing else is taken.
 */
function templateRequest(text: string): { name: string; template: string } | null {
  if (!text.trimStart().startsWith("{")) return null;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null; // not JSON: the kind config's parser says what is wrong
  }
  if (body === null || typeof body !== "object" || Array.isArray(body) || !("template" in body)) return null;
  const b = body as Record<string, unknown>;
  const extra = Object.keys(b).find((k) => k !== "name" && k !== "template");
  if (extra) fail(400, `unknown field ${JSON.stringify(extra)}: a cluster made from a template takes only "name" and "template"`);
  if (typeof b.template !== "string" || !b.template) fail(400, "template: give the name of a template (GET /v1/templates lists them)");
  try {
    return { name: checkClusterName(b.name), template: b.template as string };
  } catch (e) {
    if (e instanceof ConfigError) fail(400, e.message);
    throw e;
  }
}

export const clusterRoutes = new Hono<AppEnv>()
  .use(requireToken)
  .post("/", async (c) => {
    const id = c.var.identity;
    tenantWideAdmin(id, "create clusters");
    // Read up to the bound, then decoded as UTF-8 (a kind config comes as YAML, which .text() warns about).
    const bytes = await readBounded(c.req.raw, MAX_CONFIG_BYTES);
    if (bytes === null) fail(413, `the cluster config is larger than the limit of ${MAX_CONFIG_BYTES} bytes`);
    const text = new TextDecoder().decode(bytes!);
    const fromTemplate = templateRequest(text);
    if (fromTemplate) {
      const spec = await findTemplate(db(c.env.DB), id.tenantId, fromTemplate.template);
      if (!spec) fail(404, `template ${JSON.stringify(fromTemplate.template)} not found`);
      const row = await makeCluster(c.env, { tenantId: id.tenantId, name: fromTemplate.name, config: spec!.config, simulation: spec!.simulation, objects: spec!.objects });
      return c.json(summary(c, row), 201);
    }
    let config;
    try {
      config = parseClusterConfig(text, c.req.query("name") ?? null);
    } catch (e) {
      if (e instanceof ConfigError) fail(400, e.message);
      throw e;
    }
    if (await clusterByName(db(c.env.DB), id.tenantId, config!.name)) fail(409, `cluster ${JSON.stringify(config!.name)} already exists`);
    const row = await makeCluster(c.env, { tenantId: id.tenantId, name: config!.name, config: config! });
    return c.json(summary(c, row), 201);
  })
  .get("/", async (c) => {
    const id = c.var.identity;
    const rows = (await clustersOf(db(c.env.DB), id.tenantId)).filter((r) => canSee(id, r) && !expired(r));
    return c.json({ clusters: rows.map((r) => summary(c, r)) });
  })
  .get("/:name", async (c) => {
    const row = await visibleCluster(c.env, c.var.identity, c.req.param("name"));
    const stub = clusterStub(c.env, row.id);
    const [nss, info, ports] = await Promise.all([namespacesOf(db(c.env.DB), row.id), stub.info() as Promise<ClusterInfo>, stub.ports() as Promise<Outcome<PortsInfo>>]);
    const origin = new URL(c.req.url).origin;
    const config = JSON.parse(row.config);
    return c.json({
      ...summary(c, row),
      kubernetesVersion: config.kubernetesVersion,
      config: config.original,
      nodes: info.nodes,
      namespaces: nss.map((n) => ({ name: n.name, uid: n.uid, phase: n.phase, createdAt: n.createdAt, resourceVersion: String(n.resourceVersion) })),
      alarm: info.alarm,
      running: info.running,
      awakeSince: info.awakeSince,
      resourceVersion: String(info.resourceVersion),
      objects: info.objects,
      storageBytes: info.storageBytes,
      now: info.now,
      speed: info.speed,
      offsetSeconds: info.offsetSeconds,
      simulation: info.simulation,
      timers: info.timers,
      watches: info.watches,
      ...(ports.ok
        ? {
            portsPublic: ports.value.public,
            ports: ports.value.mappings.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, node: m.node, listenAddress: m.listenAddress, protocol: m.protocol, ...(m.protocol === "TCP" ? { url: portUrl(origin, row.id, ports.value.key, m.hostPort) } : {}) })),
            loadBalancers: ports.value.loadBalancers.map((l) => ({ ...l, url: portUrl(origin, row.id, ports.value.key, l.port, l.ip) })),
          }
        : {}),
    });
  })
  .delete("/:name", async (c) => {
    const id = c.var.identity;
    need(id, "admin", "delete clusters");
    const row = await visibleCluster(c.env, c.var.identity, c.req.param("name"));
    await clusterStub(c.env, row.id).destroy();
    await deleteClusterRows(db(c.env.DB), row.id);
    if (row.expiresAt !== null) await reaperOf(c.env, row.tenantId).cancel([row.id]);
    forgetCluster(row.id);
    return c.json({ id: row.id, name: row.name, deleted: true });
  })
  .get("/:name/kubeconfig", async (c) => {
    const row = await visibleCluster(c.env, c.var.identity, c.req.param("name"));
    const token = await kubeconfigToken(c, row);
    const body = kubeconfig({ cluster: row.name, server: serverUrl(c, row.id), token, caData: c.env.CA_DATA });
    return c.body(body, 200, { "Content-Type": "application/yaml" });
  });
