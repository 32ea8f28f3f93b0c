// A container's log, written from its program (program.ts) and when it ran: each line stamped
// with the cluster time it was written. Nothing is stored; the log is computed when read, like
// every other state that only changes with time. Lines beyond the kubelet's rotation are dropped.
import type { Program } from "./program";

export interface LogLine {
  at: number;
  text: string;
}

/** The most lines a log keeps (the kubelet rotates container logs at 10 MiB). */
export const MAX_LOG_LINES = 10_000;

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** `date`'s default output: Sun Nov 22 02:45:41 UTC 2026. */
function dateText(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} UTC ${d.getUTCFullYear()}`;
}

/** klog's header after the severity letter: "1203 12:00:00.000000       7 " (month, day, time, thread). */
function klogText(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, "0")}000       7 `;
}

/** Catalog log lines may carry placeholders for when they are written: `date`'s output, or a klog header. */
export const LOG_DATE = "\u0001DATE\u0001";
export const LOG_KLOG = "\u0001KLOG\u0001";

function text(raw: string, at: number): string {
  if (!raw.includes("\u0001")) return raw;
  return raw.replace(/\u0001DATE\u0001/g, () => dateText(at)).replace(/\u0001KLOG\u0001/g, () => klogText(at));
}

/** Lines written from `startedAt` up to `until` (exclusive of later ones), oldest first. */
export function logLines(program: Program, startedAt: number, until: number): LogLine[] {
  program.extend?.(until - startedAt);
  const out: LogLine[] = [];
  for (const s of program.steps) if (s.log !== undefined && startedAt + s.at <= until) out.push({ at: startedAt + s.at, text: text(s.log, startedAt + s.at) });
  const loop = program.loop;
  const body = loop?.steps.filter((s) => s.log !== undefined) ?? [];
  if (loop && body.length && until >= startedAt + loop.start) {
    const turns = Math.floor((until - startedAt - loop.start) / loop.period) + 1;
    const keepTurns = Math.ceil(MAX_LOG_LINES / body.length) + 1;
    for (let k = Math.max(0, turns - keepTurns); k < turns; k++) {
      for (const s of body) {
        const at = startedAt + loop.start + k * loop.period + s.at;
        if (at <= until) out.push({ at, text: text(s.log!, at) });
      }
    }
  }
  return out.length > MAX_LOG_LINES ? out.slice(out.length - MAX_LOG_LINES) : out;
}

/** RFC 3339 with nanoseconds, as `kubectl logs --timestamps` prints. */
export function logTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}
