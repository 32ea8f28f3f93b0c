// kubectl-style JSONPath (checks and CRD printer columns and selectable fields): "{.spec.ports[0].nodePort}" or ".spec.type",
// with escaped dots in names (".spec.hard.requests\.cpu"), ['name'], [n] (negative from the end),
// [a:b], [*] and .*, ..name (recursive descent) and filters [?(@.name=="http")] (==, !=, <, <=,
// >, >=, or a bare @.path for "is set").

type Step =
  | { t: "field"; name: string }
  | { t: "recurse"; name: string }
  | { t: "all" }
  | { t: "index"; i: number }
  | { t: "slice"; from?: number; to?: number }
  | { t: "filter"; path: Step[]; op?: string; value?: unknown };

export class JsonPathError extends Error {}

/** Every match of the path in `root`, in document order. Throws JsonPathError for a path that does not parse. */
export function jsonPath(root: unknown, path: string): unknown[] {
  return run(parse(path), [root]);
}

/** A value as kubectl's jsonpath output prints it: strings bare, others as JSON. */
export function asText(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

export function parse(input: string): Step[] {
  let s = input.trim();
  if (s.startsWith("{") && s.endsWith("}")) s = s.slice(1, -1).trim();
  if (s.startsWith("$")) s = s.slice(1);
  if (s && !s.startsWith(".") && !s.startsWith("[")) s = "." + s;
  const steps: Step[] = [];
  let i = 0;
  const name = (): string => {
    let out = "";
    while (i < s.length && s[i] !== "." && s[i] !== "[") {
      if (s[i] === "\\" && i + 1 < s.length) i++;
      out += s[i++];
    }
    return out;
  };
  while (i < s.length) {
    if (s.startsWith("..", i)) {
      i += 2;
      const n = name();
      if (!n) throw new JsonPathError(`a name must follow ".." at character ${i}`);
      steps.push({ t: "recurse", name: n });
    } else if (s[i] === ".") {
      i++;
      if (s[i] === "*") {
        i++;
        steps.push({ t: "all" });
        continue;
      }
      const n = name();
      if (!n) throw new JsonPathError(`a field name must follow "." at character ${i}`);
      steps.push({ t: "field", name: n });
    } else if (s[i] === "[") {
      const end = closing(s, i);
      steps.push(bracket(s.slice(i + 1, end).trim()));
      i = end + 1;
    } else throw new JsonPathError(`unexpected ${JSON.stringify(s[i])} at character ${i}`);
  }
  return steps;
}

/** The index of the "]" closing the "[" at `open` (quotes and nested brackets respected). */
function closing(s: string, open: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = open; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = null;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) return i;
  }
  throw new JsonPathError(`unclosed "[" at character ${open}`);
}

function bracket(inner: string): Step {
  if (inner === "*") return { t: "all" };
  if (/^-?\d+$/.test(inner)) return { t: "index", i: Number(inner) };
  const slice = /^(-?\d+)?:(-?\d+)?$/.exec(inner);
  if (slice) return { t: "slice", ...(slice[1] !== undefined ? { from: Number(slice[1]) } : {}), ...(slice[2] !== undefined ? { to: Number(slice[2]) } : {}) };
  const quoted = /^(['"])(.*)\1$/.exec(inner);
  if (quoted) return { t: "field", name: quoted[2] };
  const filter = /^\?\((.*)\)$/s.exec(inner);
  if (filter) {
    const m = /^@((?:\.[^=!<>\s]+|\[[^\]]*\])*)\s*(?:(==|!=|<=|>=|<|>)\s*(.+))?$/s.exec(filter[1].trim());
    if (!m) throw new JsonPathError(`cannot read the filter ${JSON.stringify(filter[1])}: write it like @.name=="http"`);
    const path = m[1] ? parse(m[1]) : [];
    if (!m[2]) return { t: "filter", path };
    return { t: "filter", path, op: m[2], value: literal(m[3].trim()) };
  }
  throw new JsonPathError(`cannot read [${inner}]`);
}

function literal(s: string): unknown {
  const q = /^(['"])(.*)\1$/s.exec(s);
  if (q) return q[2];
  if (s === "true" || s === "false") return s === "true";
  if (s === "null") return null;
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  throw new JsonPathError(`cannot read the value ${s}: quote a string ("x") or write a number`);
}

function run(steps: Step[], start: unknown[]): unknown[] {
  let cur = start;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of cur) apply(step, v, next);
    cur = next;
  }
  return cur;
}

function apply(step: Step, v: unknown, out: unknown[]): void {
  switch (step.t) {
    case "field":
      if (v && typeof v === "object" && !Array.isArray(v) && step.name in v) out.push((v as Record<string, unknown>)[step.name]);
      return;
    case "all":
      if (Array.isArray(v)) out.push(...v);
      else if (v && typeof v === "object") out.push(...Object.values(v));
      return;
    case "index":
      if (Array.isArray(v)) {
        const i = step.i < 0 ? v.length + step.i : step.i;
        if (i >= 0 && i < v.length) out.push(v[i]);
      }
      return;
    case "slice":
      if (Array.isArray(v)) out.push(...v.slice(step.from, step.to));
      return;
    case "recurse": {
      // Iterative, depth-first in document order.
      const stack: unknown[] = [v];
      while (stack.length) {
        const x = stack.pop();
        if (!x || typeof x !== "object") continue;
        if (!Array.isArray(x) && step.name in x) out.push((x as Record<string, unknown>)[step.name]);
        const children = Array.isArray(x) ? x : Object.values(x);
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
      }
      return;
    }
    case "filter": {
      const items = Array.isArray(v) ? v : v && typeof v === "object" ? Object.values(v) : [];
      for (const item of items) {
        const found = run(step.path, [item]);
        if (step.op === undefined ? found.length > 0 : found.some((x) => compare(x, step.op!, step.value))) out.push(item);
      }
      return;
    }
  }
}

function compare(a: unknown, op: string, b: unknown): boolean {
  if (op === "==") return a === b || (typeof b === "number" && typeof a === "string" && a !== "" && Number(a) === b);
  if (op === "!=") return !compare(a, "==", b);
  if (typeof a !== typeof b || (typeof a !== "number" && typeof a !== "string")) return false;
  const x = a as number | string;
  const y = b as number | string;
  return op === "<" ? x < y : op === "<=" ? x <= y : op === ">" ? x > y : x >= y;
}
