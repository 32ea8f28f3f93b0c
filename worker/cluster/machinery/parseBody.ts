// Request bodies as kube-apiserver's decoders read them: nesting bounded before parsing (10,000
// levels, as its JSON and YAML decoders stop), YAML aliases bounded, and duplicate keys found
// (JSON.parse and YAML both keep the last value, as Go does, but a strict decode reports them).
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from "yaml";
import { jsonDepthProblem, MAX_JSON_DEPTH } from "./json";

/** Alias expansions a YAML body may make: more is an alias bomb (yaml's own default bound). */
export const MAX_YAML_ALIASES = 100;

export interface ParsedBody {
  value: unknown;
  /**
   * Duplicate keys, in the words a strict decode uses: `duplicate field "spec.paused"` for JSON,
   * `line 10: key "paused" already set in map` for YAML.
   */
  duplicates: { path: string; message: string }[];
}

/** A body that cannot be read: `message` says why, naming the bound it broke if it broke one. */
export class BodyError extends Error {}

export function parseJsonBody(text: string): ParsedBody {
  const deep = jsonDepthProblem(text);
  if (deep) throw new BodyError(deep);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new BodyError((e as Error).message);
  }
  return { value, duplicates: duplicateJsonKeys(text).map((path) => ({ path, message: `duplicate field ${JSON.stringify(path)}` })) };
}

export function parseYamlBody(text: string): ParsedBody {
  const deep = yamlDepthBound(text);
  if (deep > MAX_JSON_DEPTH) throw new BodyError(`exceeded max depth of ${MAX_JSON_DEPTH}: the body nests mappings or sequences more than ${MAX_JSON_DEPTH} levels deep`);
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
  if (doc.errors.length) throw new BodyError(doc.errors[0].message.split("\n")[0]);
  const duplicates: ParsedBody["duplicates"] = [];
  // Iterative: nesting is bounded above, but a walk should not spend the stack either.
  const stack: { node: unknown; path: string }[] = [{ node: doc.contents, path: "" }];
  while (stack.length) {
    const { node, path } = stack.pop()!;
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const at = path ? `${path}.${key}` : key;
        if (seen.has(key)) {
          const offset = (pair.key as Node | null)?.range?.[0] ?? 0;
          duplicates.push({ path: at, message: `line ${lines.linePos(offset).line}: key ${JSON.stringify(key)} already set in map` });
        }
        seen.add(key);
        stack.push({ node: pair.value, path: at });
      }
    } else if (isSeq(node)) node.items.forEach((item, i) => stack.push({ node: item, path: `${path}[${i}]` }));
    else if (isAlias(node)) continue;
  }
  duplicates.sort((a, b) => lineOf(a.message) - lineOf(b.message));
  try {
    return { value: doc.toJS({ maxAliasCount: MAX_YAML_ALIASES }), duplicates };
  } catch (e) {
    // yaml refuses aliases that expand past the bound with a ReferenceError.
    if (e instanceof ReferenceError) throw new BodyError(`yaml: document contains excessive aliasing (the limit is ${MAX_YAML_ALIASES} alias expansions)`);
    throw e;
  }
}

function lineOf(message: string): number {
  return Number(/^line (\d+)/.exec(message)?.[1] ?? 0);
}

/**
 * An upper bound on how deep a YAML text nests, read without parsing it: a line's block nesting
 * is at most its indentation plus the indicators (`- `, `? `, `: `) it opens on that line, and
 * flow collections add their brackets. Well within the bound, the parser is safe to run.
 */
function yamlDepthBound(text: string): number {
  let worst = 0;
  for (const line of text.split("\n")) {
    const indent = line.length - line.trimStart().length;
    let indicators = 0;
    for (let i = 0; i < line.length; i++) {
      const c = line.charCodeAt(i);
      // "-", "?" or ":" followed by a space or the end of the line
      if ((c === 45 || c === 63 || c === 58) && (i + 1 === line.length || line.charCodeAt(i + 1) === 32)) indicators++;
    }
    worst = Math.max(worst, indent + indicators);
  }
  return jsonDepthProblem(text) ? Infinity : worst;
}

/**
 * Paths of keys that appear twice in the same JSON object, as Go's strict decoder names them
 * ("spec.template.spec.containers[0].imagePullPolicy"). The text is known to be valid JSON.
 */
export function duplicateJsonKeys(text: string): string[] {
  type Frame = { obj: true; path: string; keys: Set<string>; key: string; expectKey: boolean } | { obj: false; path: string; index: number };
  const stack: Frame[] = [];
  const out: string[] = [];
  const childPath = (): string => {
    const top = stack[stack.length - 1];
    if (!top) return "";
    if (top.obj) return top.path ? `${top.path}.${top.key}` : top.key;
    return `${top.path}[${top.index}]`;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34 /* " */) {
      const start = i;
      let escaped = false;
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 92) {
          escaped = true;
          i++;
        } else if (d === 34) break;
      }
      const top = stack[stack.length - 1];
      if (top?.obj && top.expectKey) {
        const raw = text.slice(start + 1, i);
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : raw;
        top.key = key;
        top.expectKey = false;
        if (top.keys.has(key)) out.push(childPath());
        top.keys.add(key);
      }
    } else if (c === 123 /* { */) stack.push({ obj: true, path: childPath(), keys: new Set(), key: "", expectKey: true });
    else if (c === 91 /* [ */) stack.push({ obj: false, path: childPath(), index: 0 });
    else if (c === 125 || c === 93) stack.pop();
    else if (c === 44 /* , */) {
      const top = stack[stack.length - 1];
      if (top?.obj) top.expectKey = true;
      else if (top) top.index++;
    }
  }
  return out;
}
