// Resource quantities ("250m", "128Mi", "1G") as numbers: cpu in cores, the rest in units.
const SUFFIX: Record<string, number> = {
  n: 1e-9, u: 1e-6, m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
};

export function quantity(q: string | number | undefined): number {
  if (q === undefined) return 0;
  if (typeof q === "number") return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  const mult = SUFFIX[m[2]];
  return mult === undefined ? 0 : Number(m[1]) * mult;
}

export function cpuText(cores: number): string {
  if (cores === 0) return "0";
  return cores < 1 || !Number.isInteger(cores) ? `${Math.round(cores * 1000)}m` : String(cores);
}

export function bytesText(b: number): string {
  if (b === 0) return "0";
  const units = ["", "Ki", "Mi", "Gi", "Ti"];
  let i = 0;
  while (b >= 1024 && i < units.length - 1 && b % 1 === 0) {
    b /= 1024;
    i++;
  }
  return `${Math.round(b * 10) / 10}${units[i]}`;
}
