// IP prefixes of either family, parsed as Go's net.ParseCIDR reads them (the "sloppy" form
// Kubernetes 1.32 validates legacy fields with: IPv4 octets may carry leading zeros, read as
// decimal). cidr.ts does the IPv4 arithmetic of the cluster's own ranges; this module answers
// "is this a prefix, and does it hold that address" for user-written CIDRs such as a
// NetworkPolicy's ipBlock, where "::/0" is as common as "0.0.0.0/0".

export interface IpPrefix {
  family: 4 | 6;
  /** The network address (host bits cleared). */
  base: bigint;
  bits: number;
}

/** An address as a number and its family; null when it is not one. IPv4-mapped IPv6 (::ffff:a.b.c.d) reads as IPv4, as Go does. */
export function parseIp(s: string): { family: 4 | 6; value: bigint } | null {
  const v4 = parseV4(s);
  if (v4 !== null) return { family: 4, value: v4 };
  const v6 = parseV6(s);
  if (v6 === null) return null;
  if (v6 >> 32n === 0xffffn) return { family: 4, value: v6 & 0xffffffffn };
  return { family: 6, value: v6 };
}

/** "10.0.0.0/8", "2001:db8::/64"; null when Go's ParseCIDR would refuse it. */
export function parseIpPrefix(s: string): IpPrefix | null {
  const slash = s.indexOf("/");
  if (slash < 0) return null;
  const addr = s.slice(0, slash);
  const len = s.slice(slash + 1);
  if (!/^[0-9]{1,3}$/.test(len)) return null;
  let family: 4 | 6;
  let value: bigint;
  const v4 = parseV4(addr);
  if (v4 !== null) {
    family = 4;
    value = v4;
  } else {
    const v6 = parseV6(addr);
    if (v6 === null) return null;
    family = 6;
    value = v6;
  }
  const width = family === 4 ? 32 : 128;
  const bits = Number(len);
  if (bits > width) return null;
  const hostBits = BigInt(width - bits);
  return { family, base: (value >> hostBits) << hostBits, bits };
}

/** Whether the prefix holds the address (of its own family). */
export function prefixContains(p: IpPrefix, ip: { family: 4 | 6; value: bigint } | string): boolean {
  const a = typeof ip === "string" ? parseIp(ip) : ip;
  if (!a || a.family !== p.family) return false;
  const hostBits = BigInt((p.family === 4 ? 32 : 128) - p.bits);
  return a.value >> hostBits === p.base >> hostBits;
}

function parseV4(s: string): bigint | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  let v = 0n;
  for (const p of parts) {
    if (!/^[0-9]{1,8}$/.test(p) || Number(p) > 255) return null;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(s: string): bigint | null {
  if (!s.includes(":") || s.includes("%")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const fields = part.split(":");
    for (let i = 0; i < fields.length; i++) {
      const f = fields[i];
      if (i === fields.length - 1 && f.includes(".")) {
        const v4 = parseV4(f);
        if (v4 === null) return null;
        out.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
      } else if (/^[0-9a-fA-F]{1,4}$/.test(f)) out.push(parseInt(f, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return null;
  let v = 0n;
  for (const g of [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail]) v = (v << 16n) | BigInt(g);
  return v;
}
