// Bearer token to identity. Lookups go to D1 and are cached briefly in this isolate; a revoked
// token is dropped from the cache of the isolate that revoked it at once, and from the others
// within the cache lifetime.
import { db, tokenByHash } from "../db/queries";
import type { Env } from "../env";
import type { Identity, Role } from "./identity";
import { hashToken, looksLikeToken, timingSafeEqual } from "./tokens";

const CACHE_MS = 5_000;
const cache = new Map<string, { identity: Identity | null; expires: number }>();

export type Caller = { kind: "operator" } | { kind: "token"; identity: Identity } | { kind: "anonymous" } | { kind: "invalid" };

export function bearer(header: string | null | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

export async function authenticate(env: Env, header: string | null | undefined): Promise<Caller> {
  const token = bearer(header);
  if (!token) return { kind: "anonymous" };
  if (env.ADMIN_TOKEN && timingSafeEqual(token, env.ADMIN_TOKEN)) return { kind: "operator" };
  if (!looksLikeToken(token)) return { kind: "invalid" };
  const hash = await hashToken(token);
  const hit = cache.get(hash);
  const now = Date.now();
  if (hit && hit.expires > now) return hit.identity ? { kind: "token", identity: hit.identity } : { kind: "invalid" };
  const row = await tokenByHash(db(env.DB), hash);
  const identity: Identity | null = row
    ? { tenantId: row.tenantId, tenantName: row.tenantName, tokenId: row.id, tokenName: row.name, role: row.role as Role, clusterId: row.clusterId }
    : null;
  cache.set(hash, { identity, expires: now + CACHE_MS });
  if (cache.size > 10_000) for (const [k, v] of cache) if (v.expires <= now) cache.delete(k);
  return identity ? { kind: "token", identity } : { kind: "invalid" };
}

/** Forgets a revoked token in this isolate at once. */
export function forgetToken(tokenId: string): void {
  for (const [k, v] of cache) if (v.identity?.tokenId === tokenId) cache.delete(k);
}
