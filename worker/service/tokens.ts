// /v1/tokens: mint, list (never the secrets) and revoke tokens.
import { Hono } from "hono";
import { ROLES, roleAtMost, type Role } from "../auth/identity";
import { hashToken, newToken, randomId, tokenPrefix } from "../auth/tokens";
import { clustersOf, db, deleteToken, insertTokenWithin, tokensOf, type TokenRow } from "../db/queries";
import { LIMITS } from "../limits";
import { need, requireToken } from "./auth";
import { fail, jsonBody, type AppEnv } from "./http";
import { clusterStub, visibleCluster } from "./clusterAccess";

const TOKEN_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** The answer at the bound on tokens per tenant (kubeconfig tokens count too). */
export function tooManyTokens(): never {
  return fail(403, `this tenant already has the maximum of ${LIMITS.tokensPerTenant} tokens (tokens per tenant); revoke some with DELETE /v1/tokens/{id}`);
}

export const tokenRoutes = new Hono<AppEnv>()
  .use(requireToken)
  .post("/", async (c) => {
    const id = c.var.identity;
    need(id, "admin", "create tokens");
    const body = await jsonBody(c);
    const name = body.name;
    if (typeof name !== "string" || !TOKEN_NAME.test(name)) fail(400, "name: a token name of 1 to 63 letters, digits, '-', '_' or '.' is required");
    const role = body.role ?? "view";
    if (typeof role !== "string" || !ROLES.includes(role as Role)) fail(400, `role: must be one of ${ROLES.map((r) => JSON.stringify(r)).join(", ")}`);
    if (!roleAtMost(role as Role, id.role)) fail(403, `a token with role "${id.role}" may not create a token with role "${role}"`);
    const d = db(c.env.DB);
    let clusterId: string | null = null;
    if (body.cluster !== undefined && body.cluster !== null) {
      if (typeof body.cluster !== "string") fail(400, "cluster: must be a cluster name");
      clusterId = (await visibleCluster(c.env, id, body.cluster as string)).id;
    } else if (id.clusterId !== null) {
      fail(403, "a token for a single cluster may only create tokens for that cluster");
    }
    const token = newToken();
    const row: TokenRow = { id: randomId("tok-"), tenantId: id.tenantId, name: name as string, clusterId, role: role as Role, secretHash: await hashToken(token), prefix: tokenPrefix(token), createdAt: Date.now(), parentId: null };
    if (!(await insertTokenWithin(d, row, LIMITS.tokensPerTenant))) tooManyTokens();
    return c.json({ id: row.id, token, name: row.name, role: row.role, cluster: body.cluster ?? null }, 201);
  })
  .get("/", async (c) => {
    const id = c.var.identity;
    need(id, "admin", "list tokens");
    const d = db(c.env.DB);
    const [rows, clusters] = await Promise.all([tokensOf(d, id.tenantId), clustersOf(d, id.tenantId)]);
    const names = new Map(clusters.map((cl) => [cl.id, cl.name]));
    const visible = rows.filter((t) => id.clusterId === null || t.clusterId === id.clusterId);
    return c.json({
      tokens: visible.map((t) => ({ id: t.id, name: t.name, role: t.role, cluster: t.clusterId ? names.get(t.clusterId) ?? null : null, prefix: t.prefix, createdAt: new Date(t.createdAt).toISOString(), ...(t.parentId ? { derivedFrom: t.parentId } : {}) })),
    });
  })
  .delete("/:id", async (c) => {
    const id = c.var.identity;
    need(id, "admin", "revoke tokens");
    const tokenId = c.req.param("id");
    const d = db(c.env.DB);
    const all = await tokensOf(d, id.tenantId);
    if (id.clusterId !== null) {
      const mine = all.find((t) => t.id === tokenId);
      if (!mine || mine.clusterId !== id.clusterId) fail(404, `token ${JSON.stringify(tokenId)} not found`);
    }
    if (!(await deleteToken(d, id.tenantId, tokenId))) fail(404, `token ${JSON.stringify(tokenId)} not found`);
    // Revoked at once: the clusters the token (or a kubeconfig token made from it) may reach
    // forget what they knew of the tenant's tokens before this answers.
    const gone = all.filter((t) => t.id === tokenId || t.parentId === tokenId);
    const scoped = gone.every((t) => t.clusterId !== null) ? new Set(gone.map((t) => t.clusterId!)) : null;
    const clusters = (await clustersOf(d, id.tenantId)).filter((cl) => scoped === null || scoped.has(cl.id));
    const told = await Promise.allSettled(clusters.map((cl) => clusterStub(c.env, cl.id).forgetTokens(id.tenantId)));
    // One not told confirms the tenant's tokens in D1 again within a minute anyway (verifiedTokens.ts).
    told.forEach((r, i) => r.status === "rejected" && console.error(`revoking ${tokenId}: cluster ${clusters[i].id} was not told`, r.reason));
    return c.json({ id: tokenId, deleted: true });
  });
