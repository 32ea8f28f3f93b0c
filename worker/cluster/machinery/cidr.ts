// IPv4 CIDR arithmetic for service, pod and node ranges.
import { dropOldest } from "./lru";

export interface Cidr {
  base: number; // network address as an unsigned 32-bit integer
  bits: number;
  size: number;
}

export function ipToInt(ip: string): number | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  let v = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}

export function intToIp(v: number): string {
  return [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255].join(".");
}

/** Ranges parsed lately: each pod's address is taken from its node's podCIDR, parsed again every time. */
const parsed = new Map<string, Readonly<Cidr> | null>();

/** Parses "10.96.0.0/16"; null if it is not an IPv4 CIDR. The address is masked to the network. */
export function parseCidr(s: string): Readonly<Cidr> | null {
  let c = parsed.get(s);
  if (c === undefined) {
    c = parseCidrText(s);
    parsed.set(s, c && Object.freeze(c));
    dropOldest(parsed, 4096);
  }
  return c;
}

function parseCidrText(s: string): Cidr | null {
  const m = /^([0-9.]+)\/([0-9]{1,2})$/.exec(s.trim());
  if (!m) return null;
  const ip = ipToInt(m[1]);
  const bits = Number(m[2]);
  if (ip === null || bits > 32) return null;
  const size = 2 ** (32 - bits);
  const base = bits === 0 ? 0 : Math.floor(ip / size) * size;
  return { base, bits, size };
}

export function formatCidr(c: Cidr): string {
  return `${intToIp(c.base)}/${c.bits}`;
}

export function cidrContains(c: Cidr, ip: string): boolean {
  const v = ipToInt(ip);
  return v !== null && v >= c.base && v < c.base + c.size;
}

/** The i-th address of the range (0 is the network address). */
export function nthAddress(c: Cidr, i: number): string {
  return intToIp(c.base + i);
}

/** The i-th subnet of `prefix` bits inside `c` (node pod ranges carved from the pod subnet). */
export function nthSubnet(c: Cidr, prefix: number, i: number): Cidr | null {
  if (prefix < c.bits || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  const base = c.base + i * size;
  if (base + size > c.base + c.size) return null;
  return { base, bits: prefix, size };
}
