// touch (-c, -d DATE, -t STAMP, -r FILE, -a/-m/-h accepted): creates files, sets mtime.
import { type Tool, type ToolContext } from "../../types";
import { complain, errText, missingOperand, parseOpts, q } from "./common";

/** The dates touch -d takes that a script uses: @epoch, ISO dates and times (UTC), now/today/yesterday. */
export function parseDate(text: string, now: number): number | null {
  const t = text.trim();
  if (/^@-?\d+(\.\d+)?$/.test(t)) return Math.round(Number(t.slice(1)) * 1000);
  if (t === "now" || t === "today") return now;
  if (t === "yesterday") return now - 86_400_000;
  if (t === "tomorrow") return now + 86_400_000;
  const rel = /^([-+]?\d+)\s*(second|sec|minute|min|hour|day|week)s?(\s+ago)?$/.exec(t);
  if (rel) {
    const unit = { second: 1, sec: 1, minute: 60, min: 60, hour: 3600, day: 86400, week: 604800 }[rel[2]!]!;
    return now + Number(rel[1]) * unit * 1000 * (rel[3] ? -1 : 1);
  }
  const m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(Z|UTC|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (!m) return null;
  const ms = m[7] ? Number(m[7].slice(0, 3).padEnd(3, "0")) : 0;
  let v = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms);
  const tz = m[8];
  if (tz && tz !== "Z" && tz !== "UTC") {
    const s = tz.replace(":", "");
    v -= (tz[0] === "-" ? -1 : 1) * (Number(s.slice(1, 3)) * 60 + Number(s.slice(3, 5))) * 60_000;
  }
  return Number.isNaN(v) ? null : v;
}

/** touch -t [[CC]YY]MMDDhhmm[.ss]. */
function parseStamp(text: string, now: number): number | null {
  const m = /^(\d{2,4})?(\d{2})(\d{2})(\d{2})(\d{2})(?:\.(\d{2}))?$/.exec(text);
  if (!m || (m[1] && m[1].length === 3)) return null;
  let year = new Date(now).getUTCFullYear();
  if (m[1]) year = m[1].length === 4 ? Number(m[1]) : Number(m[1]) < 69 ? 2000 + Number(m[1]) : 1900 + Number(m[1]);
  return Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
}

export const touch: Tool = {
  names: ["touch"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const USAGE = "[-cham] [-d DATE] [-t DATE] [-r FILE] FILE...";
    const p = parseOpts(ctx, {
      flags: "cham",
      withArg: "dtr",
      usage: USAGE,
      long: { "no-create": { key: "c" }, date: { key: "d", arg: "required" }, reference: { key: "r", arg: "required" }, "no-dereference": { key: "h" } },
    });
    if (typeof p === "number") return p;
    if (p.args.length === 0) return missingOperand(ctx, USAGE, "file operand");
    let when = ctx.now();
    const d = p.get("d");
    const t = p.get("t");
    const r = p.get("r");
    if (d !== undefined) {
      const v = parseDate(d, when);
      if (v === null) {
        complain(ctx, gnu ? `invalid date format ${q(d)}` : `invalid date '${d}'`);
        return 1;
      }
      when = v;
    } else if (t !== undefined) {
      const v = parseStamp(t, when);
      if (v === null) {
        complain(ctx, gnu ? `invalid date format ${q(t)}` : `invalid date '${t}'`);
        return 1;
      }
      when = v;
    } else if (r !== undefined) {
      const st = ctx.fs.stat(ctx.resolve(r));
      if (!st) {
        complain(ctx, gnu ? `failed to get attributes of ${q(r)}: No such file or directory` : `${r}: No such file or directory`);
        return 1;
      }
      when = st.mtime;
    }
    let status = 0;
    for (const name of p.args) {
      const path = ctx.resolve(name);
      try {
        const st = ctx.fs.stat(path);
        if (!st) {
          if (p.has("c")) continue;
          ctx.fs.write(path, new Uint8Array(0));
        }
        ctx.fs.utimes(path, when);
      } catch (e) {
        complain(ctx, gnu ? `cannot touch ${q(name)}: ${errText(e)}` : `${name}: ${errText(e)}`);
        status = 1;
      }
    }
    return status;
  },
};
