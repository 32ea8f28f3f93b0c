// Token format: "kdo_" followed by 40 random base62 characters. Shown once; stored only as a
// SHA-256 hash (the secrets are long and random, so a fast hash is enough); the first characters
// are kept to recognise a token in listings.
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

export function looksLikeToken(s: string): boolean {
  return s.startsWith(TOKEN_PREFIX) && s.length === TOKEN_PREFIX.length + SECRET_LENGTH && /^[0-9A-Za-z]+$/.test(s.slice(TOKEN_PREFIX.length));
}

export function tokenPrefix(token: string): string {
  return token.slice(0, TOKEN_PREFIX.length + 6);
}

export async function hashToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function randomId(prefix: string, bytes = 8): string {
  return prefix + [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Compares secrets without leaking where they differ. */
export function timingSafeEqual(a: string, b: string): boolean {
  const ea = new TextEncoder().encode(a);
  const eb = new TextEncoder().encode(b);
  let diff = ea.length ^ eb.length;
  for (let i = 0; i < Math.max(ea.length, eb.length); i++) diff |= (ea[i] ?? 0) ^ (eb[i] ?? 0);
  return diff === 0;
}
