// Bearer token to identity. On the management API every lookup of a known token goes to D1, so a
// revoked token stops working at once in every isolate. On the kube API the isolate remembers
// whom a token it read names (for routing and rate limits) and the cluster object confirms the
// token from its own memory of D1's answers, which a revocation clears before it returns
// (cluster/authentication/verifiedTokens.ts). Misses are cached: a secret that is not in D1 can
// never become valid (secrets are random and minted server-side), and caching them keeps a flood
// of bad tokens off D1.
import { db, tokenByHash } from "../db/queries";
import type { Env } from "../env";
import type { Identity, Role } from "./identity";
import { hashToken, looksLikeToken, timingSafeEqual } from "./tokens";
import { tokenRoute } from "../cluster/authentication/serviceAccountTokens";
import { clusterOwner } from "../service/clusterAccess";

const MISS_CACHE_MS = 60_000;
const misses = new Map<string, number>();

/** A kubedo token's hash, and whether D1 was read for it by this request (else the isolate's memory named it). */
export interface BearerToken {
  hash: string;
  confirmed: boolean;
}

export type Caller = { kind: "operator" } | { kind: "token"; identity: Identity; token?: BearerToken } | { kind: "anonymous" } | { kind: "invalid" };

/** Kubedo tokens this isolate read in D1, by hash: whom they name. Not proof that they stand: the cluster object confirms that. */
const named = new Map<string, { identity: Identity; until: number }>();
const NAMED_MS = 10 * 60_000;
const NAMED_MAX = 10_000;

export function bearer(header: string | null | undefined): string | null {
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1] : null;
}

/** kube-apiserver's WebSocket bearer subprotocol: browsers cannot set Authorization on a WebSocket. */
export const BEARER_PROTOCOL_PREFIX = "base64url.bearer.authorization.k8s.io.";

function protocolsOf(headers: Headers): string[] {
  return (headers.get("sec-websocket-protocol") ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The Authorization a request carries: its header, or for a WebSocket upgrade without one, the
 * token in a `base64url.bearer.authorization.k8s.io.<base64url(token)>` subprotocol (as
 * kube-apiserver accepts), as "Bearer <token>". An undecodable entry gives a bearer that fails.
 */
export function authorizationOf(headers: Headers): string | null {
  const header = headers.get("authorization");
  if (header) return header;
  if ((headers.get("upgrade") ?? "").toLowerCase() !== "websocket") return null;
  const entry = protocolsOf(headers).find((p) => p.startsWith(BEARER_PROTOCOL_PREFIX));
  if (entry === undefined) return null;
  const encoded = entry.slice(BEARER_PROTOCOL_PREFIX.length);
  let token = "";
  try {
    if (/^[A-Za-z0-9_-]+$/.test(encoded)) token = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(atob(encoded.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0)));
  } catch {
    token = "";
  }
  // A present but unreadable token is refused (401), not treated as no credentials.
  return `Bearer ${/^\S+$/.test(token) ? token : "invalid"}`;
}

/** The Sec-WebSocket-Protocol offers without the bearer entry (never chosen in the answer), or null when none are left. */
export function protocolsWithoutBearer(headers: Headers): string | null {
  const rest = protocolsOf(headers).filter((p) => !p.startsWith(BEARER_PROTOCOL_PREFIX));
  return rest.length ? rest.join(", ") : null;
}

/**
 * The caller a bearer token stands for. Service-account tokens (JWTs a cluster signed) count only
 * where `serviceAccounts` is set: on the kube API, never on the management API.
 */
export async function authenticate(env: Env, header: string | null | undefined, serviceAccounts = false): Promise<Caller> {
  const token = bearer(header);
  if (!token) return { kind: "anonymous" };
  if (env.ADMIN_TOKEN && timingSafeEqual(token, env.ADMIN_TOKEN)) return { kind: "operator" };
  if (!looksLikeToken(token)) return serviceAccounts ? serviceAccountCaller(env, token) : { kind: "invalid" };
  const hash = await hashToken(token);
  const now = Date.now();
  if ((misses.get(hash) ?? 0) > now) return { kind: "invalid" };
  const identity = await tokenIdentity(env, hash, now);
  return identity ? { kind: "token", identity } : { kind: "invalid" };
}

/** The identity D1 holds for a token's hash, or null (remembered as a miss). */
async function tokenIdentity(env: Env, hash: string, now: number): Promise<Identity | null> {
  const row = await tokenByHash(db(env.DB), hash);
  if (!row) {
    misses.set(hash, now + MISS_CACHE_MS);
    if (misses.size > 10_000) for (const [k, exp] of misses) if (exp <= now) misses.delete(k);
    return null;
  }
  return { tenantId: row.tenantId, tenantName: row.tenantName, tokenId: row.id, tokenName: row.name, role: row.role as Role, clusterId: row.clusterId };
}

/**
 * The caller of a kube API request. A kubedo token this isolate has read before is named from
 * memory, unconfirmed (the cluster object confirms it, or the edge calls confirmToken); any other
 * is read in D1, as authenticate does.
 */
export async function authenticateKube(env: Env, header: string | null | undefined): Promise<Caller> {
  const token = bearer(header);
  if (!token || (env.ADMIN_TOKEN && timingSafeEqual(token, env.ADMIN_TOKEN)) || !looksLikeToken(token)) return authenticate(env, header, true);
  const hash = await hashToken(token);
  const now = Date.now();
  const known = named.get(hash);
  if (known && known.until > now) return { kind: "token", identity: known.identity, token: { hash, confirmed: false } };
  if ((misses.get(hash) ?? 0) > now) return { kind: "invalid" };
  const identity = await tokenIdentity(env, hash, now);
  if (!identity) {
    named.delete(hash);
    return { kind: "invalid" };
  }
  if (named.size >= NAMED_MAX) for (const [k, v] of named) if (v.until <= now || named.size >= NAMED_MAX) named.delete(k);
  named.set(hash, { identity, until: now + NAMED_MS });
  return { kind: "token", identity, token: { hash, confirmed: true } };
}

/** Reads D1 for a token named from memory: whether it still stands as the same token (a revoked one is forgotten here). */
export async function confirmToken(env: Env, identity: Identity, token: BearerToken): Promise<boolean> {
  if (token.confirmed) return true;
  const now = Date.now();
  const found = await tokenIdentity(env, token.hash, now);
  if (found && found.tokenId === identity.tokenId && found.tenantId === identity.tenantId && found.role === identity.role && found.clusterId === identity.clusterId) return true;
  named.delete(token.hash);
  return false;
}

/**
 * A bearer that is a JWT naming one of our clusters: a service-account token that cluster signed
 * (or a forgery, which the cluster refuses). Here only its cluster is read, so the request goes
 * there as that cluster's owner; the cluster object verifies it and the request acts as the
 * ServiceAccount (cluster/authentication/serviceAccountTokens.ts).
 */
async function serviceAccountCaller(env: Env, token: string): Promise<Caller> {
  const route = tokenRoute(token);
  if (!route) return { kind: "invalid" };
  const owner = await clusterOwner(env, route.clusterId);
  if (owner === null) return { kind: "invalid" };
  return { kind: "token", identity: { tenantId: owner, tenantName: "", tokenId: route.tokenId, tokenName: "", role: "view", clusterId: route.clusterId, serviceAccountToken: token } };
}
