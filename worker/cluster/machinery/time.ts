// Timestamps as Kubernetes writes them, and the ages kubectl prints.

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Milliseconds since the epoch (with microseconds as a fraction), or null if not RFC 3339. */
export function parseTime(s: string): number | null {
  const m = RFC3339.exec(s);
  if (!m) return null;
  const base = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}${m[8].toUpperCase() === "Z" ? "Z" : m[8]}`);
  if (Number.isNaN(base)) return null;
  const frac = m[7] ? Number("0" + m[7]) * 1000 : 0;
  return base + frac;
}

let lastSecond = NaN;
let lastFormatted = "";

/** metav1.Time: whole seconds, UTC. */
export function formatTime(ms: number): string {
  // A pass stamps many objects within one second of the cluster clock: the last answer is kept.
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) {
    lastFormatted = new Date(second * 1000).toISOString().replace(".000Z", "Z");
    lastSecond = second;
  }
  return lastFormatted;
}

let microSecond = NaN;
let microPrefix = "";

/** metav1.MicroTime: microseconds, UTC. */
export function formatMicroTime(ms: number): string {
  const total = Math.round(ms * 1000); // microseconds; rounding absorbs float error in sub-ms offsets
  // Every Event is stamped: the date and time to the second are kept from the last call, as formatTime does.
  const second = Math.floor(total / 1_000_000);
  if (second !== microSecond) {
    microPrefix = new Date(second * 1000).toISOString().slice(0, 20); // ...SS.
    microSecond = second;
  }
  return microPrefix + String(total - second * 1_000_000).padStart(6, "0") + "Z";
}

/**
 * A duration the way kubectl prints ages (k8s.io/apimachinery/pkg/util/duration.HumanDuration):
 * "45s", "5m10s", "3h", "2d5h", "40d", "3y10d".
 */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.floor(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.floor(hours / 24)}d` : `${Math.floor(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.floor(hours / 24) % 365;
    return dy === 0 ? `${Math.floor(hours / 24 / 365)}y` : `${Math.floor(hours / 24 / 365)}y${dy}d`;
  }
  return `${Math.floor(hours / 24 / 365)}y`;
}

/** The age of a timestamp at `now`, as kubectl prints it; "<unknown>" without one. */
export function age(timestamp: string | undefined | null, now: number): string {
  if (!timestamp) return "<unknown>";
  const t = parseTime(timestamp);
  if (t === null) return "<unknown>";
  return humanDuration(now - t);
}
