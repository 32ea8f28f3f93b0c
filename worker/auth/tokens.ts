// Token format: "kdo_" followed by 40 random base62 characters. Shown once; stored only as a
// SHA-256 hash (the secrets are long and random, so a fast hash is enough); the first characters
// are kept to recognise a token in listings.
import { randomHex } from "../cluster/machinery/hex";

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export const TOKEN_PREFIX = "kdo_";
const SECRET_LENGTH = 40;

export function newToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(SECRET_LENGTH * 2));
  let s = "";
  for (const b of bytes) {
    if (b >= 248) continue; // 248 = 4 * 62: keeps the distribution uniform
    s += ALPHABET[b % 62];
    if (s.length === SECRET_LENGTH) break;
  }
  return s.length === SECRET_LENGTH ? TOKEN_PREFIX + s : newToken();
}

/**
 * A token derived from another: the HMAC-SHA256 of `salt` keyed with the parent's secret, in the
 * token format. The same parent and salt give the same token again, so nothing secret is stored.
 */
export async function deriveToken(parentSecret: string, salt: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(parentSecret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`kubedo-derived-token:${salt}`)));
  // 256 bits into 40 base62 digits (about 238 bits).
  let n = mac.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n);
  let s = "";
  for (let i = 0; i < SECRET_LENGTH; i++) {
    s += ALPHABET[Number(n % 62n)];
    n /= 62n;
  }
  return TOKEN_PREFIX + s;
}

export function looksLikeToken(s: string): boolean {
  return s.startsWith(TOKEN_PREFIX) && s.length === TOKEN_PREFIX.length + SECRET_LENGTH && /^[0-9A-Za-z]+$/.test(s.slice(TOKEN_PREFIX.length));
}

export function tokenPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, "0"));

/** Hashes of tokens seen lately: every request names its token, and hashing it was 3% of a write's CPU. */
const hashes = new Map<string, string>();
const HASHES_MAX = 1_000;

export async function hashToken(token: string): Promise<string> {
  const seen = hashes.get(token);
  if (seen !== undefined) return seen;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token)));
  let hex = "";
  for (const b of digest) hex += HEX[b];
  // Only the token's own hash is kept (never whether it is valid), so a revoked token costs nothing here.
  if (hashes.size >= HASHES_MAX) hashes.clear();
  hashes.set(token, hex);
  return hex;
}

export function randomId(prefix: string, bytes = 8): string {
  return prefix + randomHex(bytes);
}

/** Compares secrets without leaking where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  // UTF-16 code units compared directly: the same answer as comparing UTF-8 bytes, without encoding both on every request.
  let diff = a.length ^ b.length;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) diff |= (i < a.length ? a.charCodeAt(i) : 0) ^ (i < b.length ? b.charCodeAt(i) : 0);
  return diff === 0;
}
