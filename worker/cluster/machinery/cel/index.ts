// Our CEL: the one door to the interpreter (@marcbachmann/cel-js, a tree-walking evaluator that
// never generates code at run time, so it runs in workerd). Expressions compile once (parse and
// type-check against dyn-typed variables), are cached, and evaluate over JSON values with
// Kubernetes' libraries and a cost bound; errors read as kube-apiserver (cel-go) words them.
import { Environment, Optional } from "@marcbachmann/cel-js";
import { registerKubernetesLibrary } from "./library";
import { fromCel, toCel } from "./values";
import { CostBudget, CostLimitError, withBudget } from "./cost";

export { fromCel, toCel } from "./values";

/** A rule that does not compile; the message is cel-go's ("compilation failed: ERROR: <input>:1:6: ..."). */
export class CelCompileError extends Error {}
/** A rule that failed while evaluating ("no such key: replicas", "division by zero", cost). */
export class CelEvalError extends Error {}

export interface CelProgram {
  readonly expression: string;
  /** Evaluates with JSON variables (or prepared CEL values); returns plain JS. Throws CelEvalError. */
  evaluate(vars: Record<string, unknown>, options?: EvalOptions): unknown;
}

export interface EvalOptions {
  /** Evaluation steps allowed (kube's per-call cost limit is 1,000,000). */
  costLimit?: number;
  /** Receives the cost the evaluation spent (for a caller's budget over many expressions). */
  cost?: { used: number };
}

/** kube-apiserver's per-expression runtime cost limit (celconfig.PerCallLimit). */
export const PER_CALL_COST_LIMIT = 1_000_000;

/** A value already in CEL's own form: evaluate passes it through unconverted. */
export class CelPrepared {
  constructor(readonly value: unknown) {}
}

/** `optional.of(value)` (JSON value), or `optional.none()` when value is undefined. */
export function celOptional(value: unknown): CelPrepared {
  if (value === undefined) return new CelPrepared(Optional.none());
  return new CelPrepared(Optional.of(value instanceof CelPrepared ? value.value : toCel(value)));
}

// ---- environments: one base with Kubernetes' libraries, one child per set of variable names ----

const base = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true, limits: { maxAstNodes: 10_000, maxDepth: 100 } });
registerKubernetesLibrary(base);
const envs = new Map<string, Environment>();

function envFor(variables: readonly string[]): Environment {
  const key = variables.join(",");
  let env = envs.get(key);
  if (!env) {
    env = base.clone();
    for (const v of variables) {
      if (v.endsWith("?")) env.registerVariable(v.slice(0, -1), "optional<dyn>");
      else env.registerVariable(v, "dyn");
    }
    if (envs.size >= 32) envs.delete(envs.keys().next().value!);
    envs.set(key, env);
  }
  return env;
}

// ---- compile, with a bounded LRU of compiled programs ----

const CACHE_MAX = 512;
const cache = new Map<string, CelProgram>();

/**
 * Compiles (cached, bounded LRU keyed by expression + variable names); throws CelCompileError.
 * Variables are dynamically typed; a name ending in "?" ("oldSelf?") declares an optional one,
 * bound with celOptional().
 */
export function compileCel(expression: string, variables: readonly string[]): CelProgram {
  const key = variables.join(",") + "\u0000" + expression;
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return hit;
  }
  const program = compile(expression, variables);
  cache.set(key, program);
  if (cache.size > CACHE_MAX) cache.delete(cache.keys().next().value!);
  return program;
}

/** What the interpreter's parse result offers: callable with variables, checkable. */
type Parsed = ReturnType<Environment["parse"]>;

function compile(expression: string, variables: readonly string[]): CelProgram {
  const env = envFor(variables);
  let parsed: Parsed;
  try {
    parsed = env.parse(expression);
  } catch (e) {
    throw new CelCompileError(compileMessage(expression, e, true));
  }
  const checked = parsed.check();
  if (!checked.valid) throw new CelCompileError(compileMessage(expression, checked.error, false));
  return {
    expression,
    evaluate(vars, options) {
      const input: Record<string, unknown> = {};
      for (const declared of variables) {
        const name = declared.endsWith("?") ? declared.slice(0, -1) : declared;
        const v = vars[name];
        input[name] = v instanceof CelPrepared ? v.value : v === undefined ? undefined : toCel(v);
      }
      const budget: CostBudget = { used: 0, limit: options?.costLimit ?? PER_CALL_COST_LIMIT };
      try {
        return fromCel(withBudget(budget, () => parsed(input)));
      } catch (e) {
        if (e instanceof CostLimitError) throw new CelEvalError(e.message);
        throw new CelEvalError(evalMessage(e));
      } finally {
        if (options?.cost) options.cost.used = budget.used;
      }
    },
  };
}

// ---- field references, for checking a rule against a schema ----

/** `variable.f1.f2...` as written in an expression (pos: where the last field's "." is). */
export interface FieldReference {
  variable: string;
  fields: string[];
  pos: number;
}

interface AstNode {
  op: string;
  pos: number;
  args: unknown;
}

const isNode = (v: unknown): v is AstNode => typeof v === "object" && v !== null && typeof (v as AstNode).op === "string";

/** Every field selection reached from one of `variables` (self.a, self.a.b, oldSelf.?c); throws CelCompileError on syntax. */
export function fieldReferences(expression: string, variables: readonly string[]): FieldReference[] {
  let ast: unknown;
  try {
    ast = envFor(variables).parse(expression).ast;
  } catch (e) {
    throw new CelCompileError(compileMessage(expression, e, true));
  }
  const out: FieldReference[] = [];
  const chain = (n: AstNode): { variable: string; fields: string[] } | null => {
    if (n.op === "id" && typeof n.args === "string" && variables.includes(n.args)) return { variable: n.args, fields: [] };
    if ((n.op === "." || n.op === ".?") && Array.isArray(n.args) && isNode(n.args[0]) && typeof n.args[1] === "string") {
      const inner = chain(n.args[0]);
      return inner && { variable: inner.variable, fields: [...inner.fields, n.args[1]] };
    }
    return null;
  };
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) return v.forEach(visit);
    if (!isNode(v)) return;
    if (v.op === "." || v.op === ".?") {
      const c = chain(v);
      if (c) out.push({ ...c, pos: Math.max(0, v.pos - (v.op === ".?" ? 2 : 1)) });
    }
    visit(v.args);
  };
  visit(ast);
  return out;
}

/** A compile error at `pos` of `expression`, worded as cel-go's. */
export function celCompileErrorAt(expression: string, pos: number, message: string): CelCompileError {
  return new CelCompileError(compileMessage(expression, { message, summary: message, node: { pos } }, false));
}

// ---- error wording ----

interface LibError {
  summary?: string;
  message: string;
  node?: { pos?: number; start?: number };
  range?: { start: number };
}

function libError(e: unknown): LibError {
  if (e instanceof Error) return e as Error & LibError;
  if (typeof e === "object" && e !== null && typeof (e as LibError).message === "string") return e as LibError;
  return { message: String(e) };
}

/** cel-go's words for what the interpreter reports. */
function celGoWording(summary: string, syntax: boolean): string {
  let m: RegExpExecArray | null;
  if ((m = /^Unknown variable: (.*)$/.exec(summary))) return `undeclared reference to '${m[1]}' (in container '')`;
  if ((m = /^No such key: (.*)$/.exec(summary))) return `undefined field '${m[1]}'`;
  if (syntax) return `Syntax error: ${summary}`;
  return summary;
}

/** "compilation failed: ERROR: <input>:L:C: msg\n | line\n | ....^" as kube-apiserver prints it. */
function compileMessage(expression: string, e: unknown, syntax: boolean): string {
  const err = libError(e);
  const summary = err.summary ?? err.message.split("\n")[0];
  const pos = err.node?.pos ?? err.node?.start ?? err.range?.start;
  const text = celGoWording(summary, syntax);
  if (typeof pos !== "number") return `compilation failed: ERROR: <input>:1:1: ${text}`;
  const before = expression.slice(0, pos);
  const line = before.split("\n").length;
  const lineStart = before.lastIndexOf("\n") + 1;
  const col = pos - lineStart;
  const lineEnd = expression.indexOf("\n", pos);
  const src = expression.slice(lineStart, lineEnd < 0 ? undefined : lineEnd);
  return `compilation failed: ERROR: <input>:${line}:${col + 1}: ${text}\n | ${src}\n | ${".".repeat(col)}^`;
}

/** cel-go's run-time error words: "no such key: x", "division by zero", "no such overload". */
function evalMessage(e: unknown): string {
  const err = libError(e);
  const summary = err.summary ?? err.message.split("\n")[0];
  let m: RegExpExecArray | null;
  if ((m = /^No such key: (.*)$/.exec(summary))) return `no such key: ${m[1]}`;
  if (/^Optional value is not present/.test(summary)) return "optional.none() dereference";
  if (/^found no matching overload/.test(summary)) return `no such overload: ${summary.replace(/^found no matching overload for /, "")}`;
  return summary.charAt(0).toLowerCase() + summary.slice(1);
}
