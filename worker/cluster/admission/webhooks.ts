// The MutatingAdmissionWebhook and ValidatingAdmissionWebhook plugins. A webhook runs in a pod or
// outside the cluster and no process runs here, so none can be reached: each webhook that matches
// a request (rules, namespaceSelector, objectSelector, matchConditions) fails as a call to an
// unreachable webhook fails in kube-apiserver, and its failurePolicy decides. Ignore admits the
// request unchanged; Fail refuses it with kube-apiserver's "failed calling webhook" error, whose
// cause says what the API server would have met: no such Service, a refused connection, or a
// host it cannot resolve.
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

/** What calling the webhook meets: the URL posted to and why the call fails. */
export function unreachable(w: Webhook, ctx: AdmissionContext): { url: string; cause: string } {
  const timeout = `timeout=${seconds(w.timeoutSeconds ?? 10)}`;
  const cc = w.clientConfig ?? {};
  if (cc.service) {
    const { name = "", namespace = "", path = "", port = 443 } = cc.service;
    const url = `https://${name}.${namespace}.svc:${port}${path ?? ""}?${timeout}`;
    const svc = ctx.get<KObject & { spec?: { clusterIP?: string } }>("services", namespace, name);
    if (!svc) return { url, cause: `service "${name}" not found` };
    return { url, cause: `dial tcp ${svc.spec?.clusterIP ?? ""}:${port}: connect: connection refused` };
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

function dispatch(storage: string, a: AdmissionAttributes, ctx: AdmissionContext) {
  if (isExempt(a)) return;
  const configs = [...ctx.scan<Config>(storage, null)];
  if (!configs.length) return;
  configs.sort((x, y) => ((x.metadata.name ?? "") < (y.metadata.name ?? "") ? -1 : 1));
  for (const config of configs) {
    for (const w of config.webhooks ?? []) {
      if (!shouldCall(w, a, ctx)) continue;
      // The call fails; Ignore fails open, Fail refuses the request.
      if (w.failurePolicy === "Ignore") continue;
      const { url, cause } = unreachable(w, ctx);
      throw errors.internal(`failed calling webhook "${w.name ?? ""}": failed to call webhook: Post "${url}": ${cause}`);
    }
  }
}

export const mutatingAdmissionWebhook: AdmissionPlugin = {
  name: "MutatingAdmissionWebhook",
  mutate: (a, ctx) => dispatch(MUTATING, a, ctx),
};

export const validatingAdmissionWebhook: AdmissionPlugin = {
  name: "ValidatingAdmissionWebhook",
  validate: (a, ctx) => dispatch(VALIDATING, a, ctx),
};
