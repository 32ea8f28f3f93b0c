// A run-time cost bound for CEL. The interpreter has no cost tracker of its own, but every node it
// evaluates goes through one method of its evaluator (`run`); we count those calls as cost units,
// close to cel-go's actual cost, and stop with kube's words once the budget is spent. The
// evaluator's class is not exported, so a throwaway macro hands us an instance once at load.
import { Environment } from "@marcbachmann/cel-js";

export interface CostBudget {
  used: number;
  limit: number;
}

export class CostLimitError extends Error {
  constructor() {
    super("operation cancelled: actual cost limit exceeded");
  }
}

let current: CostBudget | null = null;

/** Runs `fn` (a synchronous evaluation) under `budget`; throws CostLimitError past it. */
export function withBudget<T>(budget: CostBudget, fn: () => T): T {
  const outer = current;
  current = budget;
  try {
    const result = fn();
    if (budget.used > budget.limit) throw new CostLimitError();
    return result;
  } finally {
    current = outer;
  }
}

/** Whether the hook is in place (a test asserts it, so an interpreter upgrade cannot drop it silently). */
export const costTracking: boolean = installHook();

interface EvaluatorLike {
  run(ast: unknown, ctx: unknown): unknown;
}

function installHook(): boolean {
  let proto: EvaluatorLike | null = null;
  const probe = new Environment();
  probe.registerFunction("kubedoCostProbe(ast): dyn", ({ args }: { args: unknown[] }) => ({
    arg: args[0],
    typeCheck(chk: { check(a: unknown, c: unknown): unknown }, macro: { arg: unknown }, ctx: unknown) {
      return chk.check(macro.arg, ctx);
    },
    evaluate(ev: EvaluatorLike, macro: { arg: unknown }, ctx: unknown) {
      proto = Object.getPrototypeOf(ev) as EvaluatorLike;
      return ev.run(macro.arg, ctx);
    },
  }));
  probe.evaluate("kubedoCostProbe(1)");
  const target = proto as EvaluatorLike | null;
  if (!target || typeof target.run !== "function") return false;
  const run = target.run;
  target.run = function (this: EvaluatorLike, ast: unknown, ctx: unknown) {
    if (current && ++current.used > current.limit) throw new CostLimitError();
    return run.call(this, ast, ctx);
  };
  return true;
}
