// Tasks' checks (schema.ts) evaluated against a cluster as it is now: reads through the API server
// and the simulated network, never a write of an object. A check never throws: whatever goes wrong
// is a failed check whose message says why, in words a learner reads.
import type { ApiServer } from "../api/apiserver";
import { ApiError } from "../machinery/errors";
import { matchesLabels, parseLabelSelector, SelectorError, type LabelSelector } from "../machinery/selectors";
import type { ClusterNetwork } from "../network/dial";
import { resolve } from "../network/dns";
import type { NetworkView, Source } from "../network/types";
import type { Outcome } from "../outcome";
import type { KObject, ResourceDef } from "../resources/define";
import type { Pod } from "../resources/pod";
import { BUILT_IN, type Registry } from "../resources/registry";
import { asText, jsonPath, JsonPathError, parse as parsePath } from "../machinery/jsonpath";
import type { Check, CheckResult, ObjectRef, Task, TaskResult } from "./schema";

export interface CheckContext {
  api: ApiServer;
  network: ClusterNetwork;
  /** Where a mapped host port leads (kind's extraPortMappings), as its public URL reaches it. */
  mappedPort(view: NetworkView, hostPort: number): Outcome<{ host: string; port: number }>;
}

/** Bytes of an HTTP answer a bodyMatches pattern is run over. */
const MAX_BODY = 256 * 1024;

export function evaluateTasks(ctx: CheckContext, tasks: Task[]): TaskResult[] {
  return tasks.map((task) => {
    const checks = task.checks.map((c) => evaluateCheck(ctx, c));
    return { name: task.name, title: task.title, passed: checks.every((c) => c.passed), checks };
  });
}

export function evaluateCheck(ctx: CheckContext, check: Check): CheckResult {
  const title = check.title ?? titleOf(check);
  let message: string;
  try {
    message = failureOf(ctx, check);
  } catch (e) {
    // A check must not break the others: what went wrong is its message.
    message = e instanceof ApiError ? e.status.message ?? e.message : `the check could not be evaluated: ${(e as Error).message}`;
  }
  return { title, passed: message === "", message };
}

/** Why the check fails, or "" when it passes. */
function failureOf(ctx: CheckContext, check: Check): string {
  switch (check.type) {
    case "exists": {
      const r = read(ctx.api, check.object);
      if (typeof r === "string") return r;
      if (!r.object) return `${r.label} not found`;
      if (r.object.metadata.deletionTimestamp) return `${r.label} is being deleted`;
      return "";
    }
    case "absent": {
      const r = read(ctx.api, check.object);
      if (typeof r === "string") return r.startsWith("no kind") ? "" : r;
      return r.object ? `${r.label} still exists` : "";
    }
    case "field":
      return fieldFailure(ctx.api, check);
    case "readyPods":
      return readyPodsFailure(ctx.api, check);
    case "condition": {
      const r = read(ctx.api, check.object);
      if (typeof r === "string") return r;
      if (!r.object) return `${r.label} not found`;
      const want = check.status ?? "True";
      const conditions = ((r.object.status as { conditions?: unknown } | undefined)?.conditions ?? []) as { type?: string; status?: string; reason?: string; message?: string }[];
      const c = Array.isArray(conditions) ? conditions.find((x) => x.type === check.condition) : undefined;
      if (!c) return `${r.label} has no condition ${check.condition}`;
      if (c.status === want) return "";
      const why = [c.reason, c.message].filter(Boolean).join(": ");
      return `${r.label}: condition ${check.condition} is ${JSON.stringify(c.status ?? "")}; want ${JSON.stringify(want)}${why ? ` (${why})` : ""}`;
    }
    case "event":
      return eventFailure(ctx.api, check);
    case "http":
      return httpFailure(ctx, check);
    case "dns":
      return dnsFailure(ctx, check);
  }
}

// ---------------------------------------------------------------------------------------------
// Objects

/** The served kind a reference means: by apiVersion and kind, or by kind alone among the built-in kinds. */
export function kindOf(ref: { apiVersion?: string; kind: string }, registry: Registry = BUILT_IN): ResourceDef | string {
  let def: ResourceDef | undefined;
  if (ref.apiVersion) {
    const [group, version] = ref.apiVersion.includes("/") ? ref.apiVersion.split("/", 2) : ["", ref.apiVersion];
    def = registry.findKind(group, version, ref.kind);
  } else {
    const k = ref.kind.toLowerCase();
    const primary = registry.kinds.filter((d) => !d.storage);
    def = primary.find((d) => d.kind === ref.kind) ?? primary.find((d) => d.kind.toLowerCase() === k || d.plural === k || d.singular === k || (d.shortNames ?? []).includes(k));
  }
  if (!def || def.virtual) return `no kind ${JSON.stringify(ref.kind)} is served${ref.apiVersion ? ` in ${ref.apiVersion}` : ""}`;
  return def;
}

function labelOf(def: ResourceDef, ref: ObjectRef): string {
  return def.namespaced ? `${def.kind} ${ref.namespace ?? "?"}/${ref.name}` : `${def.kind} ${ref.name}`;
}

/** The object a reference names (null when there is none), or why it cannot be read. */
function read(api: ApiServer, ref: ObjectRef): { def: ResourceDef; label: string; object: KObject | null } | string {
  const def = kindOf(ref, api.registry);
  if (typeof def === "string") return def;
  const label = labelOf(def, ref);
  if (def.namespaced && !ref.namespace) return `${def.kind} ${ref.name}: the check names no namespace (${def.kind} is namespaced)`;
  try {
    return { def, label, object: api.get(def, def.namespaced ? ref.namespace! : "", ref.name) };
  } catch (e) {
    if (e instanceof ApiError && e.code === 404) return { def, label, object: null };
    throw e;
  }
}

/** Count fields read as "has 1 available replica": missing means 0, as Kubernetes omits zeros. */
const COUNT_FIELDS: Record<string, string> = {
  "status.availableReplicas": "available replica",
  "status.readyReplicas": "ready replica",
  "status.updatedReplicas": "updated replica",
  "status.replicas": "replica",
  "status.currentReplicas": "current replica",
  "status.numberReady": "ready pod",
  "status.numberAvailable": "available pod",
  "status.desiredNumberScheduled": "pod to schedule",
  "status.succeeded": "succeeded pod",
  "status.active": "active pod",
  "status.failed": "failed pod",
  "spec.replicas": "desired replica",
};

function fieldFailure(api: ApiServer, check: Extract<Check, { type: "field" }>): string {
  const r = read(api, check.object);
  if (typeof r === "string") return r;
  if (!r.object) return `${r.label} not found`;
  let pattern: RegExp | null = null;
  if (check.matches !== undefined) {
    try {
      pattern = new RegExp(check.matches);
    } catch (e) {
      return `the check's pattern ${JSON.stringify(check.matches)} is not a regular expression: ${(e as Error).message}`;
    }
  }
  let found: unknown[];
  try {
    found = jsonPath(r.object, check.path);
  } catch (e) {
    if (e instanceof JsonPathError) return `the check's path ${JSON.stringify(check.path)} does not parse: ${e.message}`;
    throw e;
  }
  const shown = displayPath(check.path);
  const count = countField(check.path);
  if (count && check.equals !== undefined && !pattern && /^\d+$/.test(String(check.equals))) {
    const have = found.length ? Number(found[0]) : 0;
    const want = Number(check.equals);
    if (have === want) return "";
    return `${r.label} has ${have} ${plural(count, have)}; want ${want}`;
  }
  if (!found.length || found[0] === undefined || found[0] === null) {
    const want = check.equals !== undefined ? `; want ${quoted(check.equals)}` : pattern ? `; want a value matching ${pattern}` : "";
    return `${shown} is not set${want}`;
  }
  const text = asText(found[0]);
  if (check.equals !== undefined && text !== String(check.equals)) return `${shown} is ${quoted(found[0])}; want ${quoted(check.equals)}`;
  if (pattern && !pattern.test(text)) return `${shown} is ${quoted(found[0])}; want a value matching ${pattern}`;
  return "";
}

/** The path as a learner wrote it, without kubectl's braces. */
function displayPath(path: string): string {
  const p = path.trim().replace(/^\{(.*)\}$/s, "$1");
  return p.startsWith(".") || p.startsWith("[") ? p : `.${p}`;
}

/** "status.availableReplicas" when the path names one of the count fields, else null. */
function countField(path: string): string | null {
  try {
    const steps = parsePath(path);
    if (!steps.every((s) => s.t === "field")) return null;
    return COUNT_FIELDS[steps.map((s) => (s as { name: string }).name).join(".")] ?? null;
  } catch {
    return null;
  }
}

function plural(noun: string, n: number): string {
  return n === 1 ? noun : `${noun}s`;
}

function quoted(v: unknown): string {
  return typeof v === "string" ? JSON.stringify(v) : asText(v);
}

// ---------------------------------------------------------------------------------------------
// Pods and events

function readyPodsFailure(api: ApiServer, check: Extract<Check, { type: "readyPods" }>): string {
  let selector: LabelSelector | null = null;
  if (check.selector) {
    try {
      selector = parseLabelSelector(check.selector);
    } catch (e) {
      if (e instanceof SelectorError) return `the check's selector ${JSON.stringify(check.selector)} does not parse: ${e.message}`;
      throw e;
    }
  }
  let ready = 0;
  // Three fields per pod, read by SQLite: no pod body is parsed whole.
  for (const row of api.scanStoredFields("pods", check.namespace, ["$.metadata.labels", "$.metadata.deletionTimestamp", "$.status.conditions"])) {
    const [labels, deleting, conditions] = row.values;
    if (deleting) continue;
    if (selector && !matchesLabels(selector, typeof labels === "string" ? (JSON.parse(labels) as Record<string, string>) : undefined)) continue;
    const conds = typeof conditions === "string" ? (JSON.parse(conditions) as { type?: string; status?: string }[]) : [];
    if (conds.some((c) => c.type === "Ready" && c.status === "True")) ready++;
  }
  const exactly = check.compare === "exactly";
  if (exactly ? ready === check.count : ready >= check.count) return "";
  const where = `in namespace ${check.namespace}${check.selector ? ` with ${check.selector}` : ""}`;
  return `${ready} Ready ${plural("pod", ready)} ${where}; want ${exactly ? "exactly" : "at least"} ${check.count}`;
}

function eventFailure(api: ApiServer, check: Extract<Check, { type: "event" }>): string {
  let pattern: RegExp | null = null;
  if (check.message) {
    try {
      pattern = new RegExp(check.message);
    } catch (e) {
      return `the check's message pattern ${JSON.stringify(check.message)} is not a regular expression: ${(e as Error).message}`;
    }
  }
  const want = check.involvedObject;
  let sameReason = 0;
  for (const row of api.scanStoredFields("events", check.namespace ?? null, ["$.reason", "$.involvedObject.kind", "$.involvedObject.name", "$.message"])) {
    const [reason, kind, name, message] = row.values;
    if (reason !== check.reason) continue;
    if (want?.kind && kind !== want.kind) continue;
    if (want?.name && name !== want.name) continue;
    sameReason++;
    if (pattern && !pattern.test(String(message ?? ""))) continue;
    return "";
  }
  const about = want ? ` about ${[want.kind, want.name].filter(Boolean).join(" ")}` : "";
  const where = check.namespace ? ` in namespace ${check.namespace}` : "";
  if (sameReason && pattern) return `no ${check.reason} event${about}${where} has a message matching ${pattern} (${sameReason} with other messages)`;
  return `no ${check.reason} event${about}${where} was recorded`;
}

// ---------------------------------------------------------------------------------------------
// The network

function sourceOf(view: NetworkView, from: string | undefined): Source | string {
  if (from === undefined || from === "external") return { kind: "external" };
  const parts = from.split("/");
  if (parts[0] === "node" && parts.length === 2) return view.node(parts[1]) ? { kind: "node", node: parts[1] } : `node ${parts[1]} not found`;
  if (parts[0] === "pod" && parts.length === 3) {
    const pod = view.pod(parts[1], parts[2]) as Pod | undefined;
    if (!pod) return `pod ${parts[1]}/${parts[2]} not found`;
    if (!pod.status?.podIP) return `pod ${parts[1]}/${parts[2]} has no IP yet (it is ${pod.status?.phase ?? "Pending"})`;
    return { kind: "pod", pod };
  }
  return `"from" must be "external", "node/<name>" or "pod/<namespace>/<name>", not ${JSON.stringify(from)}`;
}

/** A name only cluster DNS answers (a Service's or a pod's). */
function clusterName(host: string): boolean {
  return /\.svc(\.cluster\.local)?\.?$/i.test(host) || /\.cluster\.local\.?$/i.test(host);
}

function httpFailure(ctx: CheckContext, check: Extract<Check, { type: "http" }>): string {
  const m = /^(.+):(\d{1,5})$/.exec(check.to);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) return `"to" must be "<host>:<port>" with a port from 1 to 65535, not ${JSON.stringify(check.to)}`;
  let pattern: RegExp | null = null;
  if (check.bodyMatches) {
    try {
      pattern = new RegExp(check.bodyMatches);
    } catch (e) {
      return `the check's body pattern ${JSON.stringify(check.bodyMatches)} is not a regular expression: ${(e as Error).message}`;
    }
  }
  const view = ctx.network.view();
  let source = sourceOf(view, check.from);
  if (typeof source === "string") return source;
  let host = m[1];
  let port = Number(m[2]);
  const path = check.path ?? "/";
  const url = `http://${check.to}${path}`;
  if (source.kind === "external" && (host === "localhost" || host === "127.0.0.1")) {
    // The host's own port: kind's extraPortMappings, as the cluster's public port URL reaches it.
    const target = ctx.mappedPort(view, port);
    if (!target.ok) return `curl ${url}: ${target.message}`;
    ({ host, port } = target.value);
  } else if (check.from === undefined && clusterName(host)) {
    // A Service's name from outside: asked of cluster DNS, then dialled from a node.
    const fqdn = /\.svc\.?$/i.test(host) ? `${host.replace(/\.$/, "")}.cluster.local` : host;
    const answer = resolve(view, { name: fqdn });
    const ip = answer.answers.find((a) => a.type === "A")?.data;
    if (!ip) return `curl ${url}: Could not resolve host: ${m[1]} (${answer.status})`;
    const node = view.nodes()[0]?.metadata.name;
    if (!node) return `curl ${url}: the cluster has no node to connect from`;
    source = { kind: "node", node };
    host = ip;
  }
  const out = ctx.network.dial(view, { from: source, host, port, protocol: "TCP", request: { method: "GET", path, headers: { "user-agent": "curl/8.5.0", accept: "*/*" } } });
  if (!out.ok) return `curl ${url}: ${out.message}`;
  if (!out.answer) return `curl ${url}: the server (${out.pod.namespace}/${out.pod.name}) does not speak HTTP`;
  const { status, body } = out.answer;
  if (check.status !== undefined ? status !== check.status : status >= 400) return `${url} answered ${status}; want ${check.status ?? "a success (2xx or 3xx)"}`;
  if (pattern && !pattern.test(body.slice(0, MAX_BODY))) return `the page at ${url} (status ${status}) does not match ${pattern}`;
  return "";
}

function dnsFailure(ctx: CheckContext, check: Extract<Check, { type: "dns" }>): string {
  const view = ctx.network.view();
  let from: Pod | undefined;
  if (check.from) {
    const [ns, name, extra] = check.from.replace(/^pod\//, "").split("/");
    if (!ns || !name || extra !== undefined) return `"from" must name a pod as "<namespace>/<pod>", not ${JSON.stringify(check.from)}`;
    from = view.pod(ns, name) as Pod | undefined;
    if (!from) return `pod ${ns}/${name} not found`;
  }
  // Without a pod, the name is asked as a pod in namespace default would ask it (its search path).
  const names = from || check.name.endsWith(".") ? [check.name] : [`${check.name}.default.svc.cluster.local.`, `${check.name}.svc.cluster.local.`, `${check.name}.cluster.local.`, `${check.name}.`];
  let result = resolve(view, { name: names[0], ...(from ? { from } : {}) });
  for (const n of names.slice(1)) {
    if (result.answers.length) break;
    const next = resolve(view, { name: n });
    if (next.answers.length || result.status === "TIMEOUT") result = next;
  }
  const addresses = result.answers.filter((a) => a.type === "A" || a.type === "AAAA" || a.type === "CNAME").map((a) => a.data);
  if (result.status === "TIMEOUT") return `${check.name} does not resolve: ${result.message ?? "no name server answered"}`;
  if (!addresses.length) return `${check.name} does not resolve (${result.status === "NOERROR" ? "no records" : result.status})`;
  if (check.answer && !addresses.some((a) => a === check.answer || a.replace(/\.$/, "") === check.answer!.replace(/\.$/, ""))) return `${check.name} resolves to ${addresses.join(", ")}; want ${check.answer}`;
  return "";
}

// ---------------------------------------------------------------------------------------------
// Titles

function refLabel(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind} ${ref.namespace}/${ref.name}` : `${ref.kind} ${ref.name}`;
}

/** A check's title written from what it checks ("Deployment default/web exists"). */
export function titleOf(check: Check): string {
  switch (check.type) {
    case "exists":
      return `${refLabel(check.object)} exists`;
    case "absent":
      return `${refLabel(check.object)} does not exist`;
    case "field": {
      const path = displayPath(check.path);
      const what = check.equals !== undefined ? `is ${quoted(check.equals)}` : check.matches !== undefined ? `matches /${check.matches}/` : "is set";
      return `${refLabel(check.object)} ${path} ${what}`;
    }
    case "readyPods": {
      const n = `${check.compare === "exactly" ? "Exactly" : "At least"} ${check.count} ${plural("pod", check.count)}`;
      return `${n}${check.selector ? ` with ${check.selector}` : ""} ${check.count === 1 ? "is" : "are"} Ready in namespace ${check.namespace}`;
    }
    case "condition":
      return (check.status ?? "True") === "True" ? `${refLabel(check.object)} is ${check.condition}` : `${refLabel(check.object)} has ${check.condition} ${check.status}`;
    case "event": {
      const about = check.involvedObject ? ` for ${[check.involvedObject.kind, check.involvedObject.name].filter(Boolean).join(" ")}` : "";
      return `A ${check.reason} event was recorded${about}${check.namespace ? ` in namespace ${check.namespace}` : ""}`;
    }
    case "http": {
      const want = [check.status !== undefined ? `${check.status}` : "", check.bodyMatches ? `a page matching /${check.bodyMatches}/` : ""].filter(Boolean).join(" with ");
      const from = check.from && check.from !== "external" ? ` from ${check.from}` : "";
      return `http://${check.to}${check.path ?? "/"} answers${want ? ` ${want}` : ""}${from}`;
    }
    case "dns":
      return `${check.name} resolves${check.answer ? ` to ${check.answer}` : ""}${check.from ? ` from pod ${check.from}` : ""}`;
  }
}
