// ValidatingWebhookConfiguration (admissionregistration.k8s.io/v1): webhooks the API server
// calls before admitting writes. Stored with kube-apiserver's defaults and its validation;
// admission/webhooks.ts calls each matching webhook through the simulated network, and a call
// no simulated server answers is decided by the webhook's failurePolicy.
// The types shared with MutatingWebhookConfiguration are exported from here.
import type { z } from "zod";
import { bytes, inline, int32, list, oneOf, opt, type Problems, PTR, str, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { dns1123Subdomain } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { LabelSelector, objectSchema } from "./types/meta";

const ADM = "io.k8s.api.admissionregistration.v1";

const ServiceReference = struct(`${ADM}.ServiceReference`, "A Service the webhook is reached through.", {
  namespace: opt(1, str, "Namespace of the Service."),
  name: opt(2, str, "Name of the Service."),
  path: opt(3, str, PTR, "URL path requests are sent to."),
  port: opt(4, int32, PTR, "Port of the Service (default 443)."),
});

export const WebhookClientConfig = struct(`${ADM}.WebhookClientConfig`, "How the API server reaches the webhook: a URL or a Service.", {
  url: opt(3, str, PTR, "https URL of the webhook."),
  service: opt(1, ServiceReference, PTR, "Service of the webhook."),
  caBundle: opt(2, bytes, "PEM CA bundle that signs the webhook's certificate."),
});

export const RuleWithOperations = struct(`${ADM}.RuleWithOperations`, "Operations on resources the webhook is called for.", {
  operations: opt(1, list(str, { listType: "atomic" }), "CREATE, UPDATE, DELETE, CONNECT or '*'."),
  ...inline(2, {
    apiGroups: opt(1, list(str, { listType: "atomic" }), "API groups; '*' for all."),
    apiVersions: opt(2, list(str, { listType: "atomic" }), "API versions; '*' for all."),
    resources: opt(3, list(str, { listType: "atomic" }), "Resources, such as pods or pods/status; '*' for all."),
    scope: opt(4, str, PTR, "Cluster, Namespaced or '*' (the default)."),
  }),
});

export const MatchCondition = struct(`${ADM}.MatchCondition`, "A CEL expression a request must satisfy for the webhook to be called.", {
  name: opt(1, str, "Name of the condition."),
  expression: opt(2, str, "CEL expression."),
});

const ValidatingWebhook = struct(`${ADM}.ValidatingWebhook`, "One webhook and what it is called for.", {
  name: opt(1, str, "Fully qualified name of the webhook, such as validate.example.com."),
  clientConfig: opt(2, WebhookClientConfig, "How to reach the webhook."),
  rules: opt(3, list(RuleWithOperations, { listType: "atomic" }), "Requests the webhook is called for."),
  failurePolicy: opt(4, oneOf("Ignore", "Fail"), PTR, "What happens when the webhook fails: Fail (the default) or Ignore."),
  matchPolicy: opt(9, oneOf("Exact", "Equivalent"), PTR, "Whether requests through other versions of a resource match: Equivalent (the default) or Exact."),
  namespaceSelector: opt(5, LabelSelector, PTR, "Namespaces whose objects the webhook is called for."),
  objectSelector: opt(10, LabelSelector, PTR, "Objects the webhook is called for, by label."),
  sideEffects: opt(6, str, PTR, "None or NoneOnDryRun."),
  timeoutSeconds: opt(7, int32, PTR, "Seconds to wait for the webhook (1 to 30, default 10)."),
  admissionReviewVersions: opt(8, list(str, { listType: "atomic" }), "AdmissionReview versions the webhook accepts, in order of preference."),
  matchConditions: opt(11, list(MatchCondition, { key: "name", strategy: "merge", listType: "map", mapKeys: ["name"] }), "CEL conditions a request must meet."),
});
export type Webhook = z.infer<typeof ValidatingWebhook>;

export const ValidatingWebhookConfigurationSchema = objectSchema(
  `${ADM}.ValidatingWebhookConfiguration`,
  "Webhooks the API server calls to validate writes before it admits them.",
  { group: "admissionregistration.k8s.io", version: "v1", kind: "ValidatingWebhookConfiguration" },
  {
    webhooks: opt(2, list(ValidatingWebhook, { key: "name", strategy: "merge", listType: "map", mapKeys: ["name"] }), "The webhooks."),
  },
  { check: (o, p) => ((o as ValidatingWebhookConfiguration).webhooks ?? []).forEach((w, i, all) => checkWebhook(w, all, p.at("webhooks", i))) },
);
export type ValidatingWebhookConfiguration = z.infer<typeof ValidatingWebhookConfigurationSchema> & KObject;

const REVIEW_VERSIONS = ["v1", "v1beta1"];

/** The checks every admission webhook gets, validating or mutating. */
export function checkWebhook(w: Webhook, all: readonly Webhook[], p: Problems) {
  const name = w.name ?? "";
  if (!name) p.required(["name"]);
  else {
    for (const e of dns1123Subdomain(name)) p.invalid(["name"], name, e);
    if (name.split(".").length < 3) p.invalid(["name"], name, "should be a domain with at least three segments separated by dots");
    if (all.findIndex((x) => x.name === name) !== all.indexOf(w)) p.duplicate(["name"], name);
  }
  const versions = w.admissionReviewVersions ?? [];
  if (!versions.some((v) => REVIEW_VERSIONS.includes(v))) p.required(["admissionReviewVersions"], `must specify one of ${REVIEW_VERSIONS.join(", ")}`);
  const effects = w.sideEffects;
  if (effects === undefined || effects === null) p.required(["sideEffects"], "must specify one of None, NoneOnDryRun");
  else if (effects !== "None" && effects !== "NoneOnDryRun") p.notSupported(["sideEffects"], effects, ["None", "NoneOnDryRun"]);
  const cc = w.clientConfig ?? {};
  if (!!cc.url === !!cc.service) p.required(["clientConfig"], "exactly one of url or service is required");
  if (cc.service) {
    if (!cc.service.name) p.required(["clientConfig", "service", "name"], "service name is required");
    if (!cc.service.namespace) p.required(["clientConfig", "service", "namespace"], "service namespace is required");
    const port = cc.service.port;
    if (port != null && (port < 1 || port > 65535)) p.invalid(["clientConfig", "service", "port"], port, "port is not valid: must be between 1 and 65535, inclusive");
  }
  const t = w.timeoutSeconds;
  if (t != null && (t < 1 || t > 30)) p.invalid(["timeoutSeconds"], t, "the timeout value must be between 1 and 30 seconds");
}

export const validatingWebhookConfigurations = defineKind<ValidatingWebhookConfiguration>({
  group: "admissionregistration.k8s.io",
  version: "v1",
  kind: "ValidatingWebhookConfiguration",
  plural: "validatingwebhookconfigurations",
  singular: "validatingwebhookconfiguration",
  namespaced: false,
  categories: ["api-extensions"],
  schema: ValidatingWebhookConfigurationSchema,
  generation: true,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the configuration.", cell: (o) => o.metadata.name ?? "" },
    { name: "Webhooks", type: "integer", description: "Number of webhooks.", cell: (o) => o.webhooks?.length ?? 0 },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    for (const w of o.webhooks ?? []) webhookDefaults(w);
  },
});

/** admissionregistration/v1's defaults of a webhook, validating or mutating. */
export function webhookDefaults(w: Webhook) {
  w.failurePolicy ??= "Fail";
  w.matchPolicy ??= "Equivalent";
  w.namespaceSelector ??= {};
  w.objectSelector ??= {};
  w.timeoutSeconds ??= 10;
  if (w.clientConfig?.service) w.clientConfig.service.port ??= 443;
  for (const r of w.rules ?? []) r.scope ??= "*";
}
