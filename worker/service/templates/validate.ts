// Words for what is wrong with a template's parts: a zod issue as "tasks[0].checks[1].count: …".
import type { ZodError } from "zod";

/** The path of a zod issue under `root`, written as the JSON is: root[0].field. */
export function issuePath(root: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((at, k) => (typeof k === "number" ? `${at}[${k}]` : `${at}.${String(k)}`), root);
}

/** The first issue of a failed parse, with where it is. */
export function zodProblem(root: string, error: ZodError): string {
  const issue = error.issues[0];
  return `${issuePath(root, issue.path)}: ${issue.message}`;
}
