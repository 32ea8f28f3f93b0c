// JSON as the API server reads it: nesting is bounded before parsing, so a deeply nested body is
// refused with a clear error instead of exhausting the stack. kube-apiserver's decoders stop at
// 10,000 levels ("exceeded max depth of 10000").
export const MAX_JSON_DEPTH = 10_000;

/** Why a JSON text nests deeper than `max` levels, or null. Strings are skipped, escapes honoured. */
export function jsonDepthProblem(text: string, max = MAX_JSON_DEPTH): string | null {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
      continue;
    }
    if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) return `exceeded max depth of ${max}: the body nests objects or arrays more than ${max} levels deep`;
    } else if (c === 125 || c === 93) depth--;
  }
  return null;
}

/**
 * Whether two JSON values have the same canonical JSON (object key order and undefined members
 * ignored), decided without building either: the write path asks this of whole objects.
 */
export function sameCanonical(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    // In an array an undefined member serializes as null.
    for (let i = 0; i < a.length; i++) if (!sameCanonical(a[i] ?? null, b[i] ?? null)) return false;
    return true;
  }
  if (!a || !b || typeof a !== "object" || typeof b !== "object" || Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let members = 0;
  for (const k of Object.keys(x)) {
    if (x[k] === undefined) continue;
    members++;
    if (y[k] === undefined || !sameCanonical(x[k], y[k])) return false;
  }
  for (const k of Object.keys(y)) if (y[k] !== undefined) members--;
  return members === 0;
}

/** A value with object keys sorted and undefined members dropped: two values are the same when their canonical JSON is. */
export function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = canonical(x);
    }
    return out;
  }
  return v;
}
