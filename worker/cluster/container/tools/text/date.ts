// date: the cluster clock as the container's wall clock (UTC, as images run without a zone):
// the default "Thu Dec  3 14:45:01 UTC 2026", +FORMAT with strftime's codes and GNU's
// padding flags (%-d %_H %^a), -u, -d (@epoch, ISO dates and times, now/today/yesterday/
// tomorrow, "N units ago", "+N units"), -r FILE, -I[spec], -R. Setting the clock is refused.
import type { Tool, ToolContext } from "../../types";
import { FsError } from "../../types";
import { fsMessage, getopt, say } from "./common";

const USAGE = { busybox: "date [OPTIONS] [+FMT] [[-s] TIME]", gnu: "date [OPTION]... [+FORMAT]" };
const DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"];

function isoWeek(d: Date): { week: number; year: number } {
  const t = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
  const day = t.getUTCDay() || 7;
  t.setUTCDate(t.getUTCDate() + 4 - day);
  const y0 = new Date(Date.UTC(t.getUTCFullYear(), 0, 1));
  return { week: Math.ceil(((t.getTime() - y0.getTime()) / 86_400_000 + 1) / 7), year: t.getUTCFullYear() };
}

/** strftime(3) in UTC, with GNU's flags - _ 0 ^ # and %N. */
export function strftime(fmt: string, ms: number): string {
  const d = new Date(ms);
  const Y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  const day = d.getUTCDate();
  const H = d.getUTCHours();
  const M = d.getUTCMinutes();
  const S = d.getUTCSeconds();
  const wd = d.getUTCDay();
  const yday = Math.floor((Date.UTC(Y, m, day) - Date.UTC(Y, 0, 1)) / 86_400_000) + 1;
  let out = "";
  for (let i = 0; i < fmt.length; i++) {
    if (fmt[i] !== "%" || i + 1 >= fmt.length) {
      out += fmt[i];
      continue;
    }
    const f = /^%([-_0^#]*)(\d*)(:{0,3})(.)/.exec(fmt.slice(i));
    if (!f) {
      out += fmt[i];
      continue;
    }
    i += f[0].length - 1;
    const [, flags, widthS, colons, c] = f;
    /** A number with its default padding, unless a flag says otherwise. */
    const num = (n: number, width: number, pad: "0" | " " = "0") => {
      const w = widthS ? Number(widthS) : width;
      if (flags.includes("-")) return String(n);
      const p = flags.includes("_") ? " " : flags.includes("0") ? "0" : pad;
      return String(n).padStart(w, p);
    };
    const word = (s: string) => (flags.includes("^") ? s.toUpperCase() : flags.includes("#") ? s.toLowerCase() : s);
    switch (c) {
      case "a": out += word(DAYS[wd].slice(0, 3)); break;
      case "A": out += word(DAYS[wd]); break;
      case "b": case "h": out += word(MONTHS[m].slice(0, 3)); break;
      case "B": out += word(MONTHS[m]); break;
      case "c": out += strftime("%a %b %e %H:%M:%S %Y", ms); break;
      case "C": out += num(Math.floor(Y / 100), 2); break;
      case "d": out += num(day, 2); break;
      case "D": out += strftime("%m/%d/%y", ms); break;
      case "e": out += num(day, 2, " "); break;
      case "F": out += strftime("%Y-%m-%d", ms); break;
      case "g": out += num(isoWeek(d).year % 100, 2); break;
      case "G": out += num(isoWeek(d).year, 4); break;
      case "H": out += num(H, 2); break;
      case "I": out += num(H % 12 || 12, 2); break;
      case "j": out += num(yday, 3); break;
      case "k": out += num(H, 2, " "); break;
      case "l": out += num(H % 12 || 12, 2, " "); break;
      case "m": out += num(m + 1, 2); break;
      case "M": out += num(M, 2); break;
      case "n": out += "\n"; break;
      case "N": {
        const ns = String((((ms % 1000) + 1000) % 1000) * 1_000_000).padStart(9, "0");
        out += widthS ? ns.slice(0, Number(widthS)) : ns;
        break;
      }
      case "p": out += word(H < 12 ? "AM" : "PM"); break;
      case "P": out += H < 12 ? "am" : "pm"; break;
      case "r": out += strftime("%I:%M:%S %p", ms); break;
      case "R": out += strftime("%H:%M", ms); break;
      case "s": out += String(Math.floor(ms / 1000)); break;
      case "S": out += num(S, 2); break;
      case "t": out += "\t"; break;
      case "T": out += strftime("%H:%M:%S", ms); break;
      case "u": out += String(wd || 7); break;
      case "U": out += num(Math.floor((yday + 6 - wd) / 7), 2); break;
      case "V": out += num(isoWeek(d).week, 2); break;
      case "w": out += String(wd); break;
      case "W": out += num(Math.floor((yday + 6 - ((wd + 6) % 7)) / 7), 2); break;
      case "x": out += strftime("%m/%d/%y", ms); break;
      case "X": out += strftime("%H:%M:%S", ms); break;
      case "y": out += num(Y % 100, 2); break;
      case "Y": out += num(Y, 4).replace(/^0+(?=\d{4})/, ""); break;
      case "z": out += colons === ":" ? "+00:00" : colons === "::" ? "+00:00:00" : colons === ":::" ? "+00" : "+0000"; break;
      case "Z": out += word("UTC"); break;
      case "%": out += "%"; break;
      default: out += f[0];
    }
  }
  return out;
}

const UNIT_MS: Record<string, number> = { sec: 1000, second: 1000, min: 60_000, minute: 60_000, hour: 3_600_000, day: 86_400_000, week: 604_800_000, fortnight: 1_209_600_000 };

/** The dates people pass to -d. Null when it is not one. */
export function parseDate(s: string, now: number): number | null {
  const t = s.trim().toLowerCase();
  if (t === "" || t === "now") return now;
  let m = /^@(-?\d+(?:\.\d+)?)$/.exec(t);
  if (m) return Math.round(Number(m[1]) * 1000);
  const startOfDay = (ms: number) => ms - (((ms % 86_400_000) + 86_400_000) % 86_400_000);
  if (t === "today") return now;
  if (t === "yesterday") return now - 86_400_000;
  if (t === "tomorrow") return now + 86_400_000;
  if (t === "midnight") return startOfDay(now);
  m = /^([+-]?\d+)?\s*(sec|second|min|minute|hour|day|week|fortnight|month|year)s?(\s+ago)?$/.exec(t);
  if (m) {
    let n = m[1] === undefined ? 1 : Number(m[1]);
    if (m[3]) n = -n;
    if (m[2] === "month" || m[2] === "year") {
      const d = new Date(now);
      if (m[2] === "month") d.setUTCMonth(d.getUTCMonth() + n);
      else d.setUTCFullYear(d.getUTCFullYear() + n);
      return d.getTime();
    }
    return now + n * UNIT_MS[m[2]];
  }
  m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?\s*(z|utc|[+-]\d{2}:?\d{2})?$/.exec(t);
  if (m) {
    const [, y, mo, d, h, mi, se, frac, zone] = m;
    let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h ?? 0), Number(mi ?? 0), Number(se ?? 0), frac ? Number(`0.${frac}`) * 1000 : 0);
    if (zone && zone !== "z" && zone !== "utc") {
      const z = /([+-])(\d{2}):?(\d{2})/.exec(zone)!;
      ms -= (z[1] === "-" ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3])) * 60_000;
    }
    const check = new Date(ms);
    if (Number(mo) < 1 || Number(mo) > 12 || Number(d) < 1 || Number(d) > 31 || Number.isNaN(check.getTime())) return null;
    return ms;
  }
  m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(t);
  if (m) return startOfDay(now) + (Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3] ?? 0)) * 1000;
  const parsed = Date.parse(`${s} UTC`);
  if (!Number.isNaN(parsed)) return parsed;
  return null;
}

export const date: Tool = {
  names: ["date"],
  run(ctx: ToolContext): number {
    const gnu = ctx.flavour === "gnu";
    const o = getopt(ctx, {
      flags: "uRs",
      args: "dDr",
      usage: USAGE,
      long: { utc: "u", universal: "u", "date=": "d", "reference=": "r", "iso-8601?": "I", rfc2822: "R", "rfc-email": "R", "rfc-3339=": "rfc3339", "set=": "s" },
    }, ctx.argv.slice(1).map((a) => (/^-I/.test(a) ? `--iso-8601${a.length > 2 ? `=${a.slice(2)}` : ""}` : a)));
    if (!o) return 1;
    let when = ctx.now();
    const d = o.get("d");
    if (d !== undefined) {
      const v = parseDate(d, ctx.now());
      if (v === null) {
        say(ctx, `invalid date '${d}'`);
        return 1;
      }
      when = v;
    }
    const r = o.get("r");
    if (r !== undefined) {
      try {
        const st = ctx.fs.stat(ctx.resolve(r));
        if (!st) throw new FsError("ENOENT", r);
        when = st.mtime;
      } catch (e) {
        say(ctx, `${r}: ${fsMessage(e)}`);
        return 1;
      }
    }
    const formats = o.rest.filter((a) => a.startsWith("+"));
    const others = o.rest.filter((a) => !a.startsWith("+"));
    if (o.has("s") || others.length > 0) {
      if (others.length > 0 && gnu && !o.has("s") && !/^\d{8,12}(\.\d{2})?$/.test(others[0])) {
        say(ctx, `invalid date '${others[0]}'`);
        return 1;
      }
      say(ctx, gnu ? "cannot set date: Operation not permitted" : "can't set date: Operation not permitted");
      ctx.stdout.write(`${strftime("%a %b %e %H:%M:%S %Z %Y", when)}\n`);
      return 1;
    }
    if (formats.length > 1) {
      say(ctx, `extra operand '${formats[1]}'`);
      return 1;
    }
    let fmt = "%a %b %e %H:%M:%S %Z %Y";
    if (o.has("R")) fmt = "%a, %d %b %Y %H:%M:%S %z";
    const iso = o.get("I");
    if (iso !== undefined) {
      const spec = iso === "" ? "date" : iso;
      const table: Record<string, string> = { date: "%Y-%m-%d", hours: "%Y-%m-%dT%H%:z", minutes: "%Y-%m-%dT%H:%M%:z", seconds: "%Y-%m-%dT%H:%M:%S%:z", ns: "%Y-%m-%dT%H:%M:%S,%N%:z" };
      const t = Object.keys(table).find((k) => k.startsWith(spec));
      if (!t) {
        say(ctx, `invalid argument '${iso}' for '--iso-8601'`);
        return 1;
      }
      fmt = table[t];
    }
    const rfc = o.get("rfc3339");
    if (rfc !== undefined) fmt = rfc === "date" ? "%Y-%m-%d" : rfc === "ns" ? "%Y-%m-%d %H:%M:%S.%N%:z" : "%Y-%m-%d %H:%M:%S%:z";
    if (formats.length) fmt = formats[0].slice(1);
    ctx.stdout.write(`${strftime(fmt, when)}\n`);
    return 0;
  },
};
