// POST /v1/tenants: the operator (ADMIN_TOKEN) creates a tenant and gets its first token.
import { Hono } from "hono";
import { authenticate } from "../auth/authenticate";
import { hashToken, newToken, randomId, tokenPrefix } from "../auth/tokens";
import { db, insertTenantWithToken, tenantByName } from "../db/queries";
import { errorResponse, fail, jsonBody, type AppEnv } from "./http";

const TENANT_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

export const tenantRoutes = new Hono<AppEnv>().post("/", async (c) => {
  const caller = await authenticate(c.env, c.req.header("authorization"));
  if (caller.kind === "anonymous" || caller.kind === "invalid") return errorResponse(c, 401, "a valid bearer token is required");
  if (caller.kind !== "operator") return errorResponse(c, 403, "only the operator (ADMIN_TOKEN) may create tenants");
  const body = await jsonBody(c);
  const name = body.name;
  if (typeof name !== "string" || !name) fail(400, "name: a tenant name is required");
  if ((name as string).length > 63 || !TENANT_NAME.test(name as string))
    fail(400, `name: ${JSON.stringify(name)} is not a valid tenant name: use lowercase letters, digits and '-', start and end with a letter or digit, at most 63 characters`);
  const d = db(c.env.DB);
  if (await tenantByName(d, name as string)) fail(409, `tenant ${JSON.stringify(name)} already exists`);
  const token = newToken();
  const now = Date.now();
  const tenant = { id: randomId("t-"), name: name as string, createdAt: now };
  await insertTenantWithToken(d, tenant, {
    id: randomId("tok-"),
    tenantId: tenant.id,
    name: "tenant",
    clusterId: null,
    role: "admin",
    secretHash: await hashToken(token),
    prefix: tokenPrefix(token),
    createdAt: now,
    parentId: null,
  });
  return c.json({ id: tenant.id, name: tenant.name, token }, 201);
});
