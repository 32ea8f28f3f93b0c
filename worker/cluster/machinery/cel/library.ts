// Kubernetes' CEL libraries (k8s.io/apiserver/pkg/cel/library) that the interpreter lacks:
// lists, the rest of the strings extension, regex find, quantity() and url(). Each is a plain
// function over CEL values; errors thrown here surface as evaluation errors.
import type { Environment } from "@marcbachmann/cel-js";
import { compareQuantities, formatQuantity, parseQuantity, QuantityError, type Quantity } from "../quantity";

/** A resource.Quantity as a CEL value (`kubernetes.Quantity`). */
export class CelQuantity {
  constructor(readonly q: Quantity) {}
}

/** A parsed URL as a CEL value (`kubernetes.URL`). */
export class CelURL {
  constructor(readonly href: string, readonly u: URL) {}
}

class CelLibraryError extends Error {}

const INT64_MAX = 2n ** 63n - 1n;
const INT64_MIN = -(2n ** 63n);

function cmp(a: unknown, b: unknown): number {
  if (typeof a === "bigint" || typeof a === "number") return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean") return Number(a) - Number(b as boolean);
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  if (a instanceof CelQuantity && b instanceof CelQuantity) return qcmp(a, b);
  throw new CelLibraryError("no such overload");
}

function qcmp(a: CelQuantity, b: CelQuantity): number {
  return compareQuantities(formatQuantity(a.q), formatQuantity(b.q));
}

function extreme(list: unknown[], sign: 1 | -1, name: string): unknown {
  if (list.length === 0) throw new CelLibraryError(`${name}() cannot be called on an empty list`);
  return list.reduce((best, v) => (cmp(v, best) * sign > 0 ? v : best));
}

function toQuantity(s: string): CelQuantity {
  try {
    return new CelQuantity(parseQuantity(s));
  } catch (e) {
    if (e instanceof QuantityError) throw new CelLibraryError(e.message);
    throw e;
  }
}

/** a ± b, exactly (both scaled to the smaller exponent), in a's format. */
function addQ(a: Quantity, b: Quantity, sign: 1n | -1n): CelQuantity {
  const e = Math.min(a.e, b.e);
  const m = a.m * 10n ** BigInt(a.e - e) + sign * b.m * 10n ** BigInt(b.e - e);
  const sum = parseQuantity(e === 0 ? String(m) : `${m}e${e}`);
  return new CelQuantity({ ...sum, format: a.format });
}

function asInt(q: Quantity): bigint {
  if (q.e < 0) {
    const div = 10n ** BigInt(-q.e);
    if (q.m % div !== 0n) throw new CelLibraryError("cannot convert value to integer");
    return checkInt(q.m / div);
  }
  if (q.e > 19) throw new CelLibraryError("cannot convert value to integer");
  return checkInt(q.m * 10n ** BigInt(q.e));
}

function checkInt(v: bigint): bigint {
  if (v > INT64_MAX || v < INT64_MIN) throw new CelLibraryError("cannot convert value to integer");
  return v;
}

function parseUrl(s: string): CelURL {
  // Go's url.ParseRequestURI: an absolute URL or an absolute path.
  let u: URL;
  try {
    u = s.startsWith("/") ? new URL(s, "http://_relative_") : new URL(s);
  } catch {
    throw new CelLibraryError(`URL parse error during conversion from string: parse ${JSON.stringify(s)}: invalid URI for request`);
  }
  return new CelURL(s, u);
}

function regexFind(s: string, re: string, limit: number): string[] {
  const rx = new RegExp(re, "gu");
  const out: string[] = [];
  for (const m of s.matchAll(rx)) {
    if (limit >= 0 && out.length >= limit) break;
    out.push(m[0]);
  }
  return out;
}

/** Registers Kubernetes' library functions on `env`. */
export function registerKubernetesLibrary(env: Environment): void {
  const fn = (sig: string, handler: (...args: never[]) => unknown) => env.registerFunction(sig, handler as (...args: unknown[]) => unknown);

  // --- lists (library.Lists) ---
  fn("list<V>.isSorted(): bool", (l: unknown[]) => l.every((v, i) => i === 0 || cmp(l[i - 1], v) <= 0));
  fn("list<int>.sum(): int", (l: bigint[]) => checkInt(l.reduce((a, b) => a + b, 0n)));
  fn("list<double>.sum(): double", (l: number[]) => l.reduce((a, b) => a + b, 0));
  fn("list<V>.min(): V", (l: unknown[]) => extreme(l, -1, "min"));
  fn("list<V>.max(): V", (l: unknown[]) => extreme(l, 1, "max"));
  fn("list<V>.indexOf(V): int", (l: unknown[], v: unknown) => BigInt(l.findIndex((x) => equal(x, v))));
  fn("list<V>.lastIndexOf(V): int", (l: unknown[], v: unknown) => BigInt(l.findLastIndex((x) => equal(x, v))));

  // --- strings (cel-go ext strings, as Kubernetes enables it) ---
  fn("string.replace(string, string): string", (s: string, a: string, b: string) => s.split(a).join(b));
  fn("string.replace(string, string, int): string", (s: string, a: string, b: string, n: bigint) => replaceN(s, a, b, Number(n)));
  fn("string.charAt(int): string", (s: string, i: bigint) => {
    const cps = [...s];
    if (i < 0n || i > BigInt(cps.length)) throw new CelLibraryError(`index out of range: ${i}`);
    return cps[Number(i)] ?? "";
  });
  fn("string.reverse(): string", (s: string) => [...s].reverse().join(""));

  // --- regex (library.Regex) ---
  fn("string.find(string): string", (s: string, re: string) => regexFind(s, re, 1)[0] ?? "");
  fn("string.findAll(string): list<string>", (s: string, re: string) => regexFind(s, re, -1));
  fn("string.findAll(string, int): list<string>", (s: string, re: string, n: bigint) => regexFind(s, re, Number(n)));

  // --- quantity (library.Quantity) ---
  env.registerType("kubernetes.Quantity", CelQuantity);
  fn("quantity(string): kubernetes.Quantity", (s: string) => toQuantity(s));
  fn("isQuantity(string): bool", (s: string) => {
    try {
      parseQuantity(s);
      return true;
    } catch {
      return false;
    }
  });
  const Q = "kubernetes.Quantity";
  fn(`${Q}.sign(): int`, (a: CelQuantity) => BigInt(a.q.m > 0n ? 1 : a.q.m < 0n ? -1 : 0));
  fn(`${Q}.isInteger(): bool`, (a: CelQuantity) => {
    try {
      asInt(a.q);
      return true;
    } catch {
      return false;
    }
  });
  fn(`${Q}.asInteger(): int`, (a: CelQuantity) => asInt(a.q));
  fn(`${Q}.asApproximateFloat(): double`, (a: CelQuantity) => Number(a.q.m) * 10 ** a.q.e);
  fn(`${Q}.compareTo(${Q}): int`, (a: CelQuantity, b: CelQuantity) => BigInt(qcmp(a, b)));
  fn(`${Q}.isGreaterThan(${Q}): bool`, (a: CelQuantity, b: CelQuantity) => qcmp(a, b) > 0);
  fn(`${Q}.isLessThan(${Q}): bool`, (a: CelQuantity, b: CelQuantity) => qcmp(a, b) < 0);
  fn(`${Q}.add(${Q}): ${Q}`, (a: CelQuantity, b: CelQuantity) => addQ(a.q, b.q, 1n));
  fn(`${Q}.add(int): ${Q}`, (a: CelQuantity, b: bigint) => addQ(a.q, { m: b, e: 0, format: "DecimalSI" }, 1n));
  fn(`${Q}.sub(${Q}): ${Q}`, (a: CelQuantity, b: CelQuantity) => addQ(a.q, b.q, -1n));
  fn(`${Q}.sub(int): ${Q}`, (a: CelQuantity, b: bigint) => addQ(a.q, { m: b, e: 0, format: "DecimalSI" }, -1n));
  env.registerOperator(`${Q} == ${Q}`, (a: CelQuantity, b: CelQuantity) => qcmp(a, b) === 0);

  // --- url (library.URLs) ---
  const U = "kubernetes.URL";
  env.registerType(U, CelURL);
  fn(`url(string): ${U}`, (s: string) => parseUrl(s));
  fn("isURL(string): bool", (s: string) => {
    try {
      parseUrl(s);
      return true;
    } catch {
      return false;
    }
  });
  const rel = (u: CelURL) => u.u.host === "_relative_";
  fn(`${U}.getScheme(): string`, (u: CelURL) => (rel(u) ? "" : u.u.protocol.replace(/:$/, "")));
  fn(`${U}.getHost(): string`, (u: CelURL) => (rel(u) ? "" : u.u.host));
  fn(`${U}.getHostname(): string`, (u: CelURL) => (rel(u) ? "" : u.u.hostname.replace(/^\[(.*)\]$/, "$1")));
  fn(`${U}.getPort(): string`, (u: CelURL) => (rel(u) ? "" : portOf(u)));
  fn(`${U}.getEscapedPath(): string`, (u: CelURL) => u.u.pathname);
  fn(`${U}.getQuery(): map<string, list<string>>`, (u: CelURL) => {
    const out: Record<string, string[]> = {};
    for (const [k, v] of u.u.searchParams) (out[k] ??= []).push(v);
    return out;
  });
}

/** The port as written (WHATWG URL drops a scheme's default port; Go's does not). */
function portOf(u: CelURL): string {
  if (u.u.port) return u.u.port;
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/]*@)?(\[[^\]]*\]|[^:/?#]*):(\d+)/i.exec(u.href);
  return m ? m[2] : "";
}

function replaceN(s: string, a: string, b: string, n: number): string {
  if (n < 0) return s.split(a).join(b);
  let out = "";
  let rest = s;
  for (let i = 0; i < n; i++) {
    const at = rest.indexOf(a);
    if (at < 0) break;
    out += rest.slice(0, at) + b;
    rest = rest.slice(at + a.length);
    if (a === "") {
      out += rest.slice(0, 1);
      rest = rest.slice(1);
    }
  }
  return out + rest;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === "bigint" || typeof b === "bigint") return a == b; // int vs double compare by value
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => equal(x, b[i]));
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (a instanceof CelQuantity && b instanceof CelQuantity) return qcmp(a, b) === 0;
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    return ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}
