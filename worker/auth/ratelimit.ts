// Requests per token: a token bucket per token in this isolate (steady rate and burst from
// limits.ts). Over the limit, the caller gets 429 with Retry-After.
import { LIMITS } from "../limits";

interface Bucket {
  tokens: number;
  at: number;
}

const buckets = new Map<string, Bucket>();

/** Takes one request from `key`'s bucket; returns seconds to wait when empty, else 0. */
export function take(key: string, now = Date.now()): number {
  const rate = LIMITS.requestsPerSecond;
  const burst = LIMITS.requestBurst;
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
