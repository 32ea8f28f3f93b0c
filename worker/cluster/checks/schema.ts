// Tasks and their checks: data a template carries and a cluster evaluates (checks/evaluate.ts).
// A check is never code: it names an object, a field, a count, a condition, an event, or an
// answer through the simulated network, and says what it should be.
import { z } from "zod";

/** An object a check looks at, named as a manifest names it. */
export const ObjectRefSchema = z.strictObject({
  /** e.g. "apps/v1"; optional when the kind is unambiguous among built-in kinds. */
  apiVersion: z.string().min(1).optional(),
  kind: z.string().min(1),
  /** Omitted for cluster-scoped kinds; "default" is not assumed for namespaced ones. */
  namespace: z.string().min(1).optional(),
  name: z.string().min(1),
});
export type ObjectRef = z.infer<typeof ObjectRefSchema>;

const title = z.string().min(1).max(200).optional();

export const CheckSchema = z.discriminatedUnion("type", [
  /** The object exists (and is not being deleted). */
  z.strictObject({ type: z.literal("exists"), title, object: ObjectRefSchema }),
  /** The object is gone (or never was). */
  z.strictObject({ type: z.literal("absent"), title, object: ObjectRefSchema }),
  /**
   * A field of the object, by a kubectl-style JSONPath such as "{.spec.type}" or ".spec.type"
   * (the first match, as text), equals a value or matches a regular expression.
   */
  z.strictObject({
    type: z.literal("field"),
    title,
    object: ObjectRefSchema,
    path: z.string().min(1),
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    matches: z.string().min(1).optional(),
  }),
  /** At least `count` Ready pods (all containers ready, not terminating) in a namespace, optionally by label selector. */
  z.strictObject({
    type: z.literal("readyPods"),
    title,
    namespace: z.string().min(1),
    selector: z.string().optional(),
    count: z.number().int().min(0).max(100_000),
    /** "atLeast" (default) or "exactly". */
    compare: z.enum(["atLeast", "exactly"]).optional(),
  }),
  /** A condition of the object's status.conditions has this status ("True" unless said). */
  z.strictObject({ type: z.literal("condition"), title, object: ObjectRefSchema, condition: z.string().min(1), status: z.enum(["True", "False", "Unknown"]).optional() }),
  /** An Event was recorded: its reason, optionally its namespace, involved object and message pattern. */
  z.strictObject({
    type: z.literal("event"),
    title,
    reason: z.string().min(1),
    namespace: z.string().min(1).optional(),
    involvedObject: z.strictObject({ kind: z.string().min(1).optional(), name: z.string().min(1).optional() }).optional(),
    message: z.string().min(1).optional(),
  }),
  /**
   * An HTTP GET through the simulated network (the traffic function, as curl would make it):
   * from outside, a node or a pod, to host:port, answering a status and a body pattern.
   */
  z.strictObject({
    type: z.literal("http"),
    title,
    /** "external" (default), "node/<name>" or "pod/<namespace>/<name>". */
    from: z.string().min(1).optional(),
    /** "<host>:<port>": an IP, a node name, or a DNS name as the source resolves it. */
    to: z.string().min(1),
    path: z.string().startsWith("/").optional(),
    status: z.number().int().min(100).max(599).optional(),
    bodyMatches: z.string().min(1).optional(),
  }),
  /** A DNS name resolves, from a pod's resolver when `from` names one ("<namespace>/<pod>"). */
  z.strictObject({ type: z.literal("dns"), title, name: z.string().min(1), from: z.string().min(1).optional(), answer: z.string().min(1).optional() }),
]);
export type Check = z.infer<typeof CheckSchema>;

export const TaskSchema = z.strictObject({
  /** A short identifier: lowercase letters, digits and '-'. */
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, "a task name of lowercase letters, digits and '-', at most 63 characters"),
  title: z.string().min(1).max(200),
  /** What the learner is asked to do, in Markdown-free plain text. */
  description: z.string().max(4000).optional(),
  checks: z.array(CheckSchema).min(1).max(20),
});
export type Task = z.infer<typeof TaskSchema>;

/** At most this many tasks per template. */
export const MAX_TASKS = 50;
export const TasksSchema = z.array(TaskSchema).max(MAX_TASKS);

export interface CheckResult {
  /** The check's title, or one written from what it checks ("Deployment dev/web exists"). */
  title: string;
  passed: boolean;
  /** Why not, in words a learner understands ("has 1 available replica, want 3"); "" when passed. */
  message: string;
}

export interface TaskResult {
  name: string;
  title: string;
  passed: boolean;
  checks: CheckResult[];
}
