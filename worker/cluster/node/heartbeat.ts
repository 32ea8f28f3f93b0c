// Node heartbeats without writes: a running kubelet renews its Lease every 10 seconds and
// refreshes its conditions, so their times are computed when read instead of being written on a
// schedule (an idle cluster stays free).
import type { ReadContext } from "../resources/define";
import { formatMicroTime, formatTime, parseTime } from "../machinery/time";

export const RENEW_INTERVAL_MS = 10_000;
export { NODE_LEASE_NAMESPACE } from "../resources/lease";
export const NODE_LEASE_SECONDS = 40;

/** The last heartbeat at or before `now`. */
export function lastHeartbeat(now: number): number {
  return Math.floor(now / RENEW_INTERVAL_MS) * RENEW_INTERVAL_MS;
}

/** Moves a stored time forward to the last heartbeat (never backward). */
export function refreshed(stored: string | undefined, now: number, micro = false): string {
  const beat = lastHeartbeat(now);
  const t = stored ? parseTime(stored) ?? 0 : 0;
  const at = Math.max(t, beat);
  return micro ? formatMicroTime(at) : formatTime(at);
}

/** The registry's view of heartbeats: renewed up to now, or up to when a node's machine stopped. */
export function heartbeatReader(stoppedAt: (node: string) => number | null): ReadContext {
  return {
    heartbeat(node, stored, now, micro = false) {
      const stopped = stoppedAt(node);
      return refreshed(stored, stopped === null ? now : Math.min(now, lastHeartbeat(stopped)), micro);
    },
  };
}
