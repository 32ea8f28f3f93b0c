// resource.Quantity: parsing, canonical form and arithmetic, as Kubernetes does them.
// A value is kept exactly as mantissa * 10^exp (bigint), so "1.5Gi" and "100m" never lose digits.

export type QuantityFormat = "DecimalSI" | "BinarySI" | "DecimalExponent";

export interface Quantity {
  m: bigint;
  e: number;
  format: QuantityFormat;
}

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, "": 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const DECIMAL_SUFFIX: Record<number, string> = Object.fromEntries(Object.entries(DECIMAL).map(([k, v]) => [v, k]));

export const QUANTITY_REGEX = "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$";
const NUMBER_RE = /^([+-]?)([0-9]*)(?:\.([0-9]*))?(.*)$/;

export class QuantityError extends Error {}

/** Quantities parsed from text, shared (frozen): a cluster's pods name the same few ("100m", "64Mi") in every scheduling cycle. */
const parsed = new Map<string, Quantity>();
const PARSED_MAX = 4096;

/** Parses "500m", "1.5Gi", "1e3", or a JSON number. The result is shared: never change it. */
export function parseQuantity(input: string | number): Quantity {
  if (typeof input === "number") return parseText(numberToString(input));
  let q = parsed.get(input);
  if (!q) {
    q = Object.freeze(parseText(input.trim()));
    if (parsed.size >= PARSED_MAX) parsed.clear();
    parsed.set(input, q);
  }
  return q;
}

function parseText(s: string): Quantity {
  if (s.length === 0) throw new QuantityError("quantities must match the regular expression '" + QUANTITY_REGEX + "'");
  const mm = NUMBER_RE.exec(s);
  if (!mm) throw new QuantityError("quantities must match the regular expression '" + QUANTITY_REGEX + "'");
  const [, sign, intPart, fracPart = "", suffix] = mm;
  if (intPart.length === 0 && fracPart.length === 0) throw new QuantityError("quantities must match the regular expression '" + QUANTITY_REGEX + "'");
  let m = BigInt((intPart || "0") + fracPart);
  let e = -fracPart.length;
  let format: QuantityFormat;
  if (suffix in BINARY) {
    m *= 1024n ** BigInt(BINARY[suffix]);
    format = "BinarySI";
  } else if (suffix in DECIMAL) {
    e += DECIMAL[suffix];
    format = "DecimalSI";
  } else if (/^[eE][-+]?[0-9]+$/.test(suffix)) {
    // Go parses the exponent as an int64 and keeps it as an int32.
    const exp = Number(suffix.slice(1));
    if (!Number.isSafeInteger(exp) || Math.abs(exp) > 2 ** 31 - 1) throw new QuantityError("unable to parse quantity's suffix");
    e += exp;
    format = "DecimalExponent";
  } else {
    throw new QuantityError("unable to parse quantity's suffix");
  }
  if (sign === "-") m = -m;
  return normalize({ m, e, format });
}

function numberToString(n: number): string {
  if (!Number.isFinite(n)) throw new QuantityError("quantities must be finite");
  // Avoid exponent notation from JS for very large or small numbers.
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(Math.min(20, Math.max(0, -Math.floor(Math.log10(Math.abs(n))) + 9)));
}

/** Rounds up to nano precision and strips trailing zeros from the mantissa. */
function normalize(q: Quantity): Quantity {
  let { m, e } = q;
  if (e < -9) {
    const neg = m < 0n;
    const abs = neg ? -m : m;
    let r: bigint;
    // Far below a nano a non-zero value is one nano: no need to build 10^huge to see it.
    if (-9 - e > abs.toString().length) r = abs === 0n ? 0n : 1n;
    else {
      const div = 10n ** BigInt(-9 - e);
      r = abs / div;
      if (abs % div !== 0n) r += 1n; // Kubernetes rounds away from zero to the nearest nano
    }
    m = neg ? -r : r;
    e = -9;
  }
  if (m === 0n) return { m: 0n, e: 0, format: q.format };
  while (m % 10n === 0n) {
    m /= 10n;
    e += 1;
  }
  return { m, e, format: q.format };
}

function integerValue(q: Quantity): bigint | null {
  if (q.e >= 0) return q.e > MAX_EXACT_EXPONENT ? null : q.m * 10n ** BigInt(q.e);
  return null; // normalized: negative exponent means a fractional value
}

/**
 * Exponents up to this are worked with exactly; beyond it a quantity is far past any int64
 * (where Kubernetes' own int64 views of it stop being meaningful too) and arithmetic on it
 * saturates instead of building a number of that many digits.
 */
const MAX_EXACT_EXPONENT = 64;
/** What the integer views of a quantity too large for int64 read as: int64's maximum. */
const INT64_MAX = 2 ** 63;

/** The canonical string Kubernetes stores and prints. */
export function formatQuantity(q: Quantity): string {
  if (q.m === 0n) return "0";
  if (q.format === "BinarySI") {
    const iv = integerValue(q);
    const abs = iv === null ? null : iv < 0n ? -iv : iv;
    if (iv !== null && abs! >= 1024n) {
      let k = 0;
      let v = iv;
      while (k < 6 && v % 1024n === 0n) {
        v /= 1024n;
        k++;
      }
      const suffix = Object.keys(BINARY).find((s) => BINARY[s] === k) ?? "";
      return v.toString() + suffix;
    }
    // Small or fractional binary quantities are written in decimal form.
    return formatDecimal(q, false);
  }
  return formatDecimal(q, q.format === "DecimalExponent");
}

function formatDecimal(q: Quantity, exponent: boolean): string {
  let e3 = Math.floor(q.e / 3) * 3;
  // Exponent notation takes any multiple of three ("10e999"); SI suffixes stop at E.
  if (e3 > 18 && !exponent) e3 = 18;
  if (e3 < -9) e3 = -9;
  const mant = q.m * 10n ** BigInt(q.e - e3);
  if (exponent) return e3 === 0 ? mant.toString() : `${mant}e${e3}`;
  return mant.toString() + DECIMAL_SUFFIX[e3];
}

export function canonicalQuantity(input: string | number): string {
  return formatQuantity(parseQuantity(input));
}

/** The value as a float (fine for scheduling arithmetic and display). */
export function quantityToNumber(input: string | number | Quantity): number {
  const q = typeof input === "object" ? input : parseQuantity(input);
  return Number(q.m) * 10 ** q.e;
}

/** m * 10^e as a number, exact where it fits and saturated at int64's bounds beyond. */
function scaled(m: bigint, e: number): number {
  if (e > MAX_EXACT_EXPONENT) return m > 0n ? INT64_MAX : m < 0n ? -INT64_MAX : 0;
  const v = m * 10n ** BigInt(e);
  return v > BigInt(INT64_MAX) ? INT64_MAX : v < -BigInt(INT64_MAX) ? -INT64_MAX : Number(v);
}

/** The value in thousandths, rounded up, as Kubernetes' MilliValue. */
export function milliValue(input: string | number | Quantity): number {
  const q = typeof input === "object" ? input : parseQuantity(input);
  const e = q.e + 3;
  if (e >= 0) return scaled(q.m, e);
  const div = 10n ** BigInt(-e);
  let r = q.m / div;
  if (q.m % div !== 0n && q.m > 0n) r += 1n;
  return Number(r);
}

/** The value rounded up to an integer, as Kubernetes' Value. */
export function integerQuantity(input: string | number | Quantity): number {
  const q = typeof input === "object" ? input : parseQuantity(input);
  if (q.e >= 0) return scaled(q.m, q.e);
  const div = 10n ** BigInt(-q.e);
  let r = q.m / div;
  if (q.m % div !== 0n && q.m > 0n) r += 1n;
  return Number(r);
}

export function compareQuantities(a: string | number, b: string | number): number {
  const qa = parseQuantity(a);
  const qb = parseQuantity(b);
  // Of two values of one sign, the one with more digits before the point is the larger: decided
  // without building numbers of a huge exponent's size.
  const sa = qa.m > 0n ? 1 : qa.m < 0n ? -1 : 0;
  const sb = qb.m > 0n ? 1 : qb.m < 0n ? -1 : 0;
  if (sa !== sb) return sa < sb ? -1 : 1;
  const magnitude = (q: Quantity) => (q.m < 0n ? -q.m : q.m).toString().length + q.e;
  if (sa !== 0 && magnitude(qa) !== magnitude(qb)) return (magnitude(qa) < magnitude(qb) ? -1 : 1) * sa;
  const e = Math.min(qa.e, qb.e);
  const va = qa.m * 10n ** BigInt(qa.e - e);
  const vb = qb.m * 10n ** BigInt(qb.e - e);
  return va < vb ? -1 : va > vb ? 1 : 0;
}
