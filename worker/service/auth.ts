// Middleware for routes that take a tenant's token.
import { createMiddleware } from "hono/factory";
import { authenticate } from "../auth/authenticate";
import { manageAllowed, type Identity } from "../auth/identity";
import { rateLimit, take } from "../auth/ratelimit";
import { errorResponse, fail, type AppEnv } from "./http";

export const requireToken = createMiddleware<AppEnv>(async (c, next) => {
  const caller = await authenticate(c.env, c.req.header("authorization"));
  if (caller.kind === "anonymous") return errorResponse(c, 401, "a bearer token is required (Authorization: Bearer <token>)");
  if (caller.kind === "invalid") return errorResponse(c, 401, "the bearer token is not valid");
  if (caller.kind === "operator") return errorResponse(c, 403, "the operator token creates tenants; use a tenant token here");
  const wait = take(c.env, caller.identity.tokenId);
  if (wait > 0) {
    c.header("Retry-After", String(wait));
    return errorResponse(c, 429, `too many requests for this token: the limit is ${rateLimit(c.env)} per second`);
  }
  c.set("identity", caller.identity);
  await next();
});

/** Fails with 403 unless the caller's role may do `action`. */
export function need(id: Identity, action: "read" | "write" | "admin", what: string): void {
  if (!manageAllowed(id.role, action)) fail(403, `a token with role "${id.role}" may not ${what}`);
}

/** Fails with 403 unless the caller is an admin token for every cluster of its tenant. */
export function tenantWideAdmin(id: Identity, what: string): void {
  need(id, "admin", what);
  if (id.clusterId !== null) fail(403, `a token for a single cluster may not ${what}`);
}

/** Whether a token may see a cluster at all (another tenant's, or another cluster for a cluster-scoped token, is invisible). */
export function canSee(id: Identity, cluster: { id: string; tenantId: string }): boolean {
  return cluster.tenantId === id.tenantId && (id.clusterId === null || id.clusterId === cluster.id);
}
