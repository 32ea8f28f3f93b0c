// The MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins. Each webhook that matches
// a request (rules, namespaceSelector, objectSelector, matchConditions) is called through the
// cluster's simulated network, from the control-plane node to its Service's ClusterIP. Only
// simulated images that serve a webhook (ingress-nginx's controller, on 8443 once it runs) answer,
// and they allow what they are sent; every other call fails as it would in kube-apiserver (no such
// Service, a refused connection, a timeout, a server that does not speak TLS, a host it cannot
// resolve), and the webhook's failurePolicy decides: Ignore admits the request unchanged, Fail
// refuses it with kube-apiserver's "failed calling webhook" error.
import { errors } from "../machinery/errors";
import { CelCompileError, CelEvalError, compileCel } from "../machinery/cel";
import type { KObject } from "../resources/define";
import type { Webhook } from "../resources/validatingwebhookconfiguration";
import type { AdmissionAttributes, AdmissionContext, AdmissionPlugin } from "./plugin";
import { isExempt, ruleMatches, selectorsMatch } from "./policy/matching";
import { admissionRequest } from "./policy/request";

const VALIDATING = "admissionregistration.k8s.io/validatingwebhookconfigurations";
const MUTATING = "admissionregistration.k8s.io/mutatingwebhookconfigurations";
const CONDITION_VARIABLES = ["object", "oldObject", "request", "authorizer"] as const;

type Config = KObject & { webhooks?: Webhook[] };

/** The error of a matchCondition that could not be evaluated, or null; false when one is false. */
function conditionsMatch(w: Webhook, a: AdmissionAttributes): true | false | string {
  const errs: string[] = [];
  const vars = { object: a.operation === "DELETE" ? null : a.object, oldObject: a.old, request: admissionRequest(a), authorizer: null };
  for (const c of w.matchConditions ?? []) {
    const expression = c.expression ?? "";
    try {
      if (compileCel(expression, CONDITION_VARIABLES).evaluate(vars) === false) return false;
    } catch (e) {
      if (e instanceof CelCompileError) errs.push(`compilation error: ${e.message}`);
      else if (e instanceof CelEvalError) errs.push(`expression '${expression}' resulted in error: ${e.message}`);
      else throw e;
    }
  }
  return errs.length === 0 ? true : errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`;
}

/** Whether the webhook is called for the request (kube's ShouldCallHook); throws when its conditions fail closed. */
function shouldCall(w: Webhook, a: AdmissionAttributes, ctx: AdmissionContext): boolean {
  if (!selectorsMatch(w, a, ctx)) return false;
  const equivalent = (w.matchPolicy ?? "Equivalent") === "Equivalent";
  if (!(w.rules ?? []).some((r) => ruleMatches(r, a, equivalent))) return false;
  const conditions = conditionsMatch(w, a);
  if (conditions === true) return true;
  if (conditions === false) return false;
  if (w.failurePolicy === "Ignore") return false;
  throw errors.forbidden(a.def.group, a.def.plural, a.name, `failed calling webhook "${w.name ?? ""}": ${conditions}`);
}

/** Go's time.Duration of whole seconds, as the client puts it in ?timeout=. */
const seconds = (s: number) => (s % 3600 === 0 ? `${s / 3600}h0m0s` : s >= 60 ? `${Math.floor(s / 60)}m${s % 60}s` : `${s}s`);

/** What calling the webhook meets: the URL posted to and why the call fails, or null when a server in the cluster allowed the request. */
export function callWebhook(w: Webhook, ctx: AdmissionContext): { url: string; cause: string } | null {
  const timeout = `timeout=${seconds(w.timeoutSeconds ?? 10)}`;
  const cc = w.clientConfig ?? {};
  if (cc.service) {
    const { name = "", namespace = "", path = "", port = 443 } = cc.service;
    const url = `https://${name}.${namespace}.svc:${port}${path ?? ""}?${timeout}`;
    const svc = ctx.get<KObject & { spec?: { clusterIP?: string } }>("services", namespace, name);
    if (!svc) return { url, cause: `service "${name}" not found` };
    const target = `${svc.spec?.clusterIP ?? ""}:${port}`;
    const dial = ctx.api.webhookDialer;
    if (!dial) return { url, cause: `dial tcp ${target}: connect: connection refused` };
    const out = dial({ host: svc.spec?.clusterIP ?? "", port, request: { method: "POST", path: `${path ?? ""}?${timeout}`, headers: { "content-type": "application/json" }, scheme: "https" } });
    if (!out.ok) return { url, cause: dialFailure(out.error, target) };
    if (out.admission) return null;
    // Reached something that is not a webhook: an HTTP server answers the TLS hello in plain text.
    return { url, cause: out.http ? "http: server gave HTTP response to HTTPS client" : "EOF" };
  }
  const raw = cc.url ?? "";
  const url = `${raw}${raw.includes("?") ? "&" : "?"}${timeout}`;
  let host = "";
  let port = "443";
  try {
    const u = new URL(raw);
    host = u.hostname.replace(/^\[|\]$/g, "");
    port = u.port || (u.protocol === "http:" ? "80" : "443");
  } catch {
    return { url, cause: `parse "${raw}": invalid URL` };
  }
  const ip = /^[\d.]+$/.test(host) || host.includes(":");
  const hostPort = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
  return { url, cause: ip ? `dial tcp ${hostPort}: connect: connection refused` : `dial tcp: lookup ${host}: no such host` };
}

/** Go's net/http words for a connection that got no answer. */
function dialFailure(error: string, target: string): string {
  switch (error) {
    case "timeout":
      return "context deadline exceeded";
    case "unreachable":
      return `dial tcp ${target}: connect: no route to host`;
    case "reset":
      return `read tcp ${target}: read: connection reset by peer`;
    default:
      return `dial tcp ${target}: connect: connection refused`;
  }
}

function dispatch(storage: string, a: AdmissionAttributes, ctx: AdmissionContext) {
  if (isExempt(a)) return;
  const configs = [...ctx.scan<Config>(storage, null)];
  if (!configs.length) return;
  configs.sort((x, y) => ((x.metadata.name ?? "") < (y.metadata.name ?? "") ? -1 : 1));
  for (const config of configs) {
    for (const w of config.webhooks ?? []) {
      if (!shouldCall(w, a, ctx)) continue;
      const failed = callWebhook(w, ctx);
      // A failed call: Ignore fails open, Fail refuses the request.
      if (!failed || w.failurePolicy === "Ignore") continue;
      const { url, cause } = failed;
      throw errors.internal(`failed calling webhook "${w.name ?? ""}": failed to call webhook: Post "${url}": ${cause}`);
    }
  }
}

export const mutatingAdmissionWebhook: AdmissionPlugin = {
  name: "MutatingAdmissionWebhook",
  deletes: true,
  mutate: (a, ctx) => dispatch(MUTATING, a, ctx),
};

export const validatingAdmissionWebhook: AdmissionPlugin = {
  name: "ValidatingAdmissionWebhook",
  deletes: true,
  validate: (a, ctx) => dispatch(VALIDATING, a, ctx),
};
