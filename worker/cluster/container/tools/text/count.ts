// Counts with multiplier suffixes as head, tail and friends take them (b 512, K/k 1024, KB 1000, M, MB, G, GB, …).

const UNITS: Record<string, number> = { b: 512, k: 1024, K: 1024, KB: 1000, KiB: 1024, kB: 1000, M: 1024 ** 2, MB: 1000 ** 2, MiB: 1024 ** 2, m: 1024 ** 2, G: 1024 ** 3, GB: 1000 ** 3, GiB: 1024 ** 3, g: 1024 ** 3, T: 1024 ** 4, TB: 1000 ** 4, TiB: 1024 ** 4, "": 1 };

/** A non-negative count with an optional suffix; null when it is not one. */
export function parseCount(s: string): number | null {
  const m = /^(\d+)([A-Za-z]*)$/.exec(s);
  if (!m) return null;
  const unit = UNITS[m[2]];
  if (unit === undefined) return null;
  return Number(m[1]) * unit;
}

/** The obsolete `-N` (head -5, tail -20) as `-nN`, leaving the value of a -n or -c alone. */
export function obsoleteCount(args: string[]): string[] {
  return args.map((a, i) => (/^-\d+$/.test(a) && !/^-[nc]$|^--(lines|bytes)$/.test(args[i - 1] ?? "") ? `-n${a.slice(1)}` : a));
}
