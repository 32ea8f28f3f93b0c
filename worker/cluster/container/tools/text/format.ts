// C's printf number conversions (%d %o %x %e %f %g …) with flags and precision, shared by
// printf(1), awk's printf/sprintf and seq's -f.

function trimG(s: string): string {
  if (!s.includes(".")) return s;
  return s.replace(/\.?0+$/, "");
}

function expForm(v: number, prec: number, upper: boolean): string {
  let s = v.toExponential(prec);
  s = s.replace(/e([+-])(\d)$/, "e$10$2");
  return upper ? s.toUpperCase() : s;
}

/** %g: the shorter of %e and %f with P significant digits, trailing zeros dropped unless '#'. */
function gForm(v: number, prec: number, alt: boolean, upper: boolean): string {
  const P = prec === 0 ? 1 : prec;
  if (v === 0) return alt ? `0.${"0".repeat(P - 1)}` : "0";
  const e = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(P)))));
  let s: string;
  if (e < -4 || e >= P) {
    s = expForm(v, P - 1, upper);
    if (!alt) s = s.replace(/\.?0+(e)/i, "$1");
  } else {
    s = v.toFixed(Math.max(0, P - 1 - e));
    if (!alt) s = trimG(s);
  }
  return s;
}

export function formatNumber(v: number, conv: string, flags: string, precision: number | undefined): string {
  const plus = flags.includes("+");
  const space = flags.includes(" ");
  const alt = flags.includes("#");
  const sign = (neg: boolean, body: string) => (neg ? "-" : plus ? "+" : space ? " " : "") + body;
  if (!Number.isFinite(v)) {
    const body = Number.isNaN(v) ? "nan" : "inf";
    const s = sign(v < 0, body);
    return /[A-Z]/.test(conv) ? s.toUpperCase() : s;
  }
  switch (conv) {
    case "d": case "i": case "u": {
      const n = Math.trunc(v);
      let body = Math.abs(n).toString();
      if (conv === "u" && n < 0) body = (BigInt.asUintN(64, BigInt(n))).toString();
      if (precision !== undefined) body = precision === 0 && n === 0 ? "" : body.padStart(precision, "0");
      return conv === "u" ? body : sign(n < 0, body);
    }
    case "o": case "x": case "X": {
      const n = Math.trunc(v);
      const big = n < 0 ? BigInt.asUintN(64, BigInt(n)) : BigInt(n);
      let body = big.toString(conv === "o" ? 8 : 16);
      if (conv === "X") body = body.toUpperCase();
      if (precision !== undefined) body = precision === 0 && n === 0 ? "" : body.padStart(precision, "0");
      if (alt && n !== 0) body = (conv === "o" ? "0" : conv === "x" ? "0x" : "0X") + body;
      return body;
    }
    case "f": case "F": {
      const s = Math.abs(v).toFixed(precision ?? 6);
      return sign(v < 0 || Object.is(v, -0), alt && !s.includes(".") ? `${s}.` : s);
    }
    case "e": case "E":
      return sign(v < 0, expForm(Math.abs(v), precision ?? 6, conv === "E"));
    case "g": case "G":
      return sign(v < 0, gForm(Math.abs(v), precision ?? 6, alt, conv === "G"));
    case "a": case "A":
      return sign(v < 0, Math.abs(v).toString(16));
  }
  return String(v);
}
