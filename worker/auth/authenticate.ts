// Bearer token to identity. Every lookup of a known token goes to D1, so a revoked token stops
// working at once in every isolate. Only misses are cached: a secret that is not in D1 can never
// become valid (secrets are random and minted server-side), and caching them keeps a flood of
// bad tokens off D1.
import { db, tokenByHash } from "../db/queries";
import type { Env } from "../env";
import type { Identity, Role } from "./identity";
import { hashToken, looksLikeToken, timingSafeEqual } from "./tokens";

const MISS_CACHE_MS = 60_000;
const misses = new Map<string, number>();

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
  const now = Date.now();
  if ((misses.get(hash) ?? 0) > now) return { kind: "invalid" };
  const row = await tokenByHash(db(env.DB), hash);
  const identity: Identity | null = row
    ? { tenantId: row.tenantId, tenantName: row.tenantName, tokenId: row.id, tokenName: row.name, role: row.role as Role, clusterId: row.clusterId }
    : null;
  if (!identity) {
    misses.set(hash, now + MISS_CACHE_MS);
    if (misses.size > 10_000) for (const [k, exp] of misses) if (exp <= now) misses.delete(k);
    return { kind: "invalid" };
  }
  return { kind: "token", identity };
}
