// Label and field selectors: the string forms clients send in ?labelSelector= and
// ?fieldSelector=, and the structured LabelSelector that workloads carry.

export type LabelRequirement =
  | { key: string; op: "=" | "!="; value: string }
  | { key: string; op: "in" | "notin"; values: string[] }
  | { key: string; op: "exists" | "!exists" }
  | { key: string; op: "gt" | "lt"; value: number };

export type LabelSelector = LabelRequirement[];

export class SelectorError extends Error {}

/** Parses `app=web,tier!=db,env in (a,b),!legacy,release`. An empty string selects everything. */
export function parseLabelSelector(input: string): LabelSelector {
  const reqs: LabelSelector = [];
  const s = input.trim();
  if (!s) return reqs;
  let i = 0;
  const ws = () => {
    while (i < s.length && /\s/.test(s[i])) i++;
  };
  const ident = (): string => {
    ws();
    const start = i;
    while (i < s.length && !/[\s,=!()<>]/.test(s[i])) i++;
    return s.slice(start, i);
  };
  const fail = (msg: string): never => {
    throw new SelectorError(`unable to parse requirement: ${msg}`);
  };
  for (;;) {
    ws();
    if (s[i] === "!") {
      i++;
      const key = ident();
      if (!key) fail("found '" + (s[i] ?? "") + "', expected: identifier");
      checkKey(key);
      reqs.push({ key, op: "!exists" });
    } else {
      const key = ident();
      if (!key) fail(`found '${s[i] ?? ""}', expected: !, identifier, or 'end of string'`);
      checkKey(key);
      ws();
      if (i >= s.length || s[i] === ",") {
        reqs.push({ key, op: "exists" });
      } else if (s.startsWith("==", i) || s[i] === "=") {
        i += s.startsWith("==", i) ? 2 : 1;
        const value = ident();
        checkValue(value);
        reqs.push({ key, op: "=", value });
      } else if (s.startsWith("!=", i)) {
        i += 2;
        const value = ident();
        checkValue(value);
        reqs.push({ key, op: "!=", value });
      } else if (s[i] === ">" || s[i] === "<") {
        const op = s[i] === ">" ? "gt" : "lt";
        i++;
        const v = ident();
        if (!/^-?\d+$/.test(v)) fail(`for 'Gt', 'Lt' operators, the value must be an integer`);
        reqs.push({ key, op, value: Number(v) });
      } else {
        const word = ident();
        const op = word === "in" ? "in" : word === "notin" ? "notin" : fail(`found '${word}', expected: in, notin, =, ==, !=, gt, lt`);
        ws();
        if (s[i] !== "(") fail(`found '${s[i] ?? ""}', expected: '('`);
        i++;
        const values: string[] = [];
        for (;;) {
          ws();
          if (s[i] === ")") {
            i++;
            break;
          }
          const v = ident();
          checkValue(v);
          values.push(v);
          ws();
          if (s[i] === ",") i++;
          else if (s[i] === ")") {
            i++;
            break;
          } else fail(`found '${s[i] ?? ""}', expected: ',' or ')'`);
        }
        if (values.length === 0 && op === "in") fail("for 'in', 'notin' operators, values set can't be empty");
        reqs.push({ key, op, values });
      }
    }
    ws();
    if (i >= s.length) break;
    if (s[i] !== ",") fail(`found '${s[i]}', expected: ',' or 'end of string'`);
    i++;
  }
  return reqs;
}

function checkKey(key: string) {
  if (!/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(key))
    throw new SelectorError(`unable to parse requirement: invalid label key "${key}"`);
}

function checkValue(v: string) {
  if (v.length > 63 || !/^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(v))
    throw new SelectorError(`unable to parse requirement: invalid label value: "${v}"`);
}

export function matchesLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case "=":
        if (!has || v !== r.value) return false;
        break;
      case "!=":
        if (has && v === r.value) return false;
        break;
      case "in":
        if (!has || !r.values.includes(v)) return false;
        break;
      case "notin":
        if (has && r.values.includes(v)) return false;
        break;
      case "exists":
        if (!has) return false;
        break;
      case "!exists":
        if (has) return false;
        break;
      case "gt":
        if (!has || !/^-?\d+$/.test(v) || Number(v) <= r.value) return false;
        break;
      case "lt":
        if (!has || !/^-?\d+$/.test(v) || Number(v) >= r.value) return false;
        break;
    }
  }
  return true;
}

/** The structured selector of workloads (matchLabels and matchExpressions). */
export interface StructuredSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export function fromStructured(sel: StructuredSelector | undefined | null): LabelSelector {
  const out: LabelSelector = [];
  if (!sel) return out;
  for (const [key, value] of Object.entries(sel.matchLabels ?? {})) out.push({ key, op: "=", value });
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === "In") out.push({ key: e.key, op: "in", values: e.values ?? [] });
    else if (e.operator === "NotIn") out.push({ key: e.key, op: "notin", values: e.values ?? [] });
    else if (e.operator === "Exists") out.push({ key: e.key, op: "exists" });
    else if (e.operator === "DoesNotExist") out.push({ key: e.key, op: "!exists" });
  }
  return out;
}

/** The string form of a selector, as kubectl and Kubernetes print it. */
export function formatLabelSelector(sel: LabelSelector): string {
  return sel
    .map((r) => {
      switch (r.op) {
        case "=":
          return `${r.key}=${r.value}`;
        case "!=":
          return `${r.key}!=${r.value}`;
        case "in":
          return `${r.key} in (${[...r.values].sort().join(",")})`;
        case "notin":
          return `${r.key} notin (${[...r.values].sort().join(",")})`;
        case "exists":
          return r.key;
        case "!exists":
          return `!${r.key}`;
        case "gt":
          return `${r.key}>${r.value}`;
        case "lt":
          return `${r.key}<${r.value}`;
      }
    })
    .join(",");
}

// ---------------------------------------------------------------------------------------------
// Field selectors

export interface FieldRequirement {
  field: string;
  op: "=" | "!=";
  value: string;
}

/** Parses `metadata.name=x,status.phase!=Running`; backslash escapes `,`, `=` and `!`. */
export function parseFieldSelector(input: string): FieldRequirement[] {
  const out: FieldRequirement[] = [];
  if (!input.trim()) return out;
  for (const part of splitUnescaped(input, ",")) {
    const t = part.trim();
    if (!t) continue;
    const m = findOperator(t);
    if (!m) throw new SelectorError(`invalid selector: '${input}'; can't understand '${t}'`);
    out.push({ field: t.slice(0, m.at).trim(), op: m.op, value: unescape(t.slice(m.at + m.len).trim()) });
  }
  return out;
}

function splitUnescaped(s: string, sep: string): string[] {
  const parts: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      parts.push(cur);
      cur = "";
    } else cur += s[i];
  }
  parts.push(cur);
  return parts;
}

function findOperator(s: string): { at: number; len: number; op: "=" | "!=" } | null {
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\") {
      i++;
      continue;
    }
    if (s.startsWith("!=", i)) return { at: i, len: 2, op: "!=" };
    if (s.startsWith("==", i)) return { at: i, len: 2, op: "=" };
    if (s[i] === "=") return { at: i, len: 1, op: "=" };
  }
  return null;
}

function unescape(s: string): string {
  return s.replace(/\\(.)/g, "$1");
}

export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  for (const r of reqs) {
    const v = fields[r.field] ?? "";
    if (r.op === "=" ? v !== r.value : v === r.value) return false;
  }
  return true;
}
