// JSON values in and out of CEL. Inside CEL an integer is an int (bigint), a timestamp a Date, a
// duration the library's Duration; outside, callers see plain JSON-like values.
import { Optional } from "@marcbachmann/cel-js";
import { Duration, UnsignedInt } from "@marcbachmann/cel-js/evaluator";
import { CelQuantity, CelURL } from "./library";
import { formatQuantity } from "../quantity";

/** How a JSON number enters CEL: as int where it is an integer (the default), or as double. */
export type NumberKind = "int" | "double";

/** A JSON value as CEL sees it: integers as int, objects as maps (never touching prototypes). */
export function toCel(value: unknown, numbers: NumberKind = "int"): unknown {
  if (typeof value === "number") return numbers === "int" && Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map((v) => toCel(v, numbers));
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    // fromEntries defines own properties, so a "__proto__" key stays a key.
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v, numbers)]));
  }
  return value;
}

/** A CEL result as plain JS: ints as numbers when safe (bigint beyond), maps as objects. */
export function fromCel(value: unknown): unknown {
  if (typeof value === "bigint") return Number.isSafeInteger(Number(value)) ? Number(value) : value;
  if (value instanceof UnsignedInt) return fromCel(value.value);
  if (value instanceof Date) return value.toISOString().replace(".000Z", "Z");
  if (value instanceof Duration) return goDuration(value);
  if (value instanceof CelQuantity) return formatQuantity(value.q);
  if (value instanceof CelURL) return value.href;
  if (value instanceof Optional) return value.hasValue() ? fromCel(value.value()) : null;
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [String(k), fromCel(v)]));
  if (Array.isArray(value)) return value.map(fromCel);
  if (value && typeof value === "object" && !(value instanceof Uint8Array)) {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromCel(v)]));
  }
  return value;
}

/** Go's time.Duration.String(): "1h2m3s", "1.5s", "0s". */
function goDuration(d: Duration): string {
  const total = BigInt(d.seconds) * 1_000_000_000n + BigInt(d.nanos);
  if (total === 0n) return "0s";
  const neg = total < 0n;
  let ns = neg ? -total : total;
  let out: string;
  if (ns < 1_000_000_000n) {
    const [unit, div] = ns < 1000n ? ["ns", 1n] : ns < 1_000_000n ? ["µs", 1000n] : ["ms", 1_000_000n];
    out = fraction(ns, div) + unit;
  } else {
    const h = ns / 3_600_000_000_000n;
    ns %= 3_600_000_000_000n;
    const m = ns / 60_000_000_000n;
    ns %= 60_000_000_000n;
    out = (h ? `${h}h${m}m` : m ? `${m}m` : "") + fraction(ns, 1_000_000_000n) + "s";
  }
  return neg ? "-" + out : out;
}

function fraction(n: bigint, div: bigint): string {
  const whole = n / div;
  const rest = n % div;
  if (rest === 0n) return String(whole);
  const digits = String(div).length - 1;
  return `${whole}.${String(rest).padStart(digits, "0").replace(/0+$/, "")}`;
}
