// Cron schedules as the CronJob controller reads them, on cron-parser (a well-kept parser with
// time-zone support): five fields or the @-macros Kubernetes accepts, in an IANA time zone.
import { CronExpressionParser } from "cron-parser";

const MACROS: Record<string, string> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

function expand(schedule: string): string {
  const s = schedule.trim();
  return MACROS[s.toLowerCase()] ?? s;
}

function validZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Why a schedule or time zone is invalid, or null. */
export function cronProblem(schedule: string, timeZone: string | undefined): { field: "schedule" | "timeZone"; message: string } | null {
  if (/^\s*(CRON_)?TZ=/.test(schedule)) return { field: "schedule", message: "cannot use TZ or CRON_TZ in schedule, use timeZone field instead" };
  if (timeZone !== undefined && (!timeZone || !validZone(timeZone))) return { field: "timeZone", message: "unknown time zone " + timeZone };
  const expr = expand(schedule);
  if (expr.startsWith("@")) return { field: "schedule", message: `unrecognized descriptor: ${schedule}` };
  const fields = expr.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) return { field: "schedule", message: `expected exactly 5 fields, found ${fields.length}: ${schedule}` };
  try {
    CronExpressionParser.parse(expr, { tz: "UTC" });
    return null;
  } catch (e) {
    // A day that no listed month has (`59 23 31 2 *`) is a schedule that never fires, which
    // Kubernetes accepts; cron-parser refuses it, so the fields are checked with any month.
    if (e instanceof Error && /day of month/.test(e.message) && parses([...fields.slice(0, 3), "*", fields[4]].join(" "))) return null;
    return { field: "schedule", message: e instanceof Error ? e.message : String(e) };
  }
}

function parses(expr: string): boolean {
  try {
    CronExpressionParser.parse(expr, { tz: "UTC" });
    return true;
  } catch {
    return false;
  }
}

/** The first scheduled time strictly after `after` (ms), or null when the schedule never fires. */
export function nextRun(schedule: string, timeZone: string | undefined, after: number): number | null {
  try {
    // cron-parser counts from the next whole second; start just past `after`.
    const it = CronExpressionParser.parse(expand(schedule), { currentDate: new Date(after), tz: timeZone || "UTC" });
    return it.next().getTime();
  } catch {
    return null;
  }
}

/**
 * The scheduled times in (after, now], the most recent last; at most `limit` + 1 are counted so
 * a long-missed schedule is cheap (the controller only runs the most recent one).
 */
export function missedRuns(schedule: string, timeZone: string | undefined, after: number, now: number, limit = 100): { count: number; latest: number | null } {
  let t = after;
  let count = 0;
  let latest: number | null = null;
  for (;;) {
    const n = nextRun(schedule, timeZone, t);
    if (n === null || n > now) break;
    count++;
    latest = n;
    t = n;
    if (count > limit) {
      // skip to the most recent one directly
      try {
        const it = CronExpressionParser.parse(expand(schedule), { currentDate: new Date(now + 1), tz: timeZone || "UTC" });
        latest = it.prev().getTime();
      } catch {
        // keep what we have
      }
      break;
    }
  }
  return { count, latest };
}
