// Requests per token: a token bucket per token in this isolate. The steady rate and burst come
// from limits.ts unless the operator sets RATE_LIMIT_RPS (burst is twice the rate; 0 turns the
// limit off, as benchmarks of the engine itself want). Over the limit, the caller gets 429 with
// Retry-After.
import type { Env } from "../env";
import { LIMITS } from "../limits";

interface Bucket {
  tokens: number;
  at: number;
}

const buckets = new Map<string, Bucket>();

/** The rate in force: requests per second (0 = unlimited). */
export function rateLimit(env: Pick<Env, "RATE_LIMIT_RPS">): number {
  const set = env.RATE_LIMIT_RPS === undefined || env.RATE_LIMIT_RPS === "" ? NaN : Number(env.RATE_LIMIT_RPS);
  return Number.isFinite(set) && set >= 0 ? set : LIMITS.requestsPerSecond;
}

/** Takes one request from `key`'s bucket; returns seconds to wait when empty, else 0. */
export function take(env: Pick<Env, "RATE_LIMIT_RPS">, key: string, now = Date.now()): number {
  const rate = rateLimit(env);
  if (rate === 0) return 0;
  const burst = rate === LIMITS.requestsPerSecond ? LIMITS.requestBurst : rate * 2;
  const b = buckets.get(key) ?? { tokens: burst, at: now };
  b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * rate);
  b.at = now;
  buckets.set(key, b);
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return 0;
  }
  if (buckets.size > 50_000) buckets.clear();
  return Math.ceil((1 - b.tokens) / rate);
}
