// MutatingWebhookConfiguration (admissionregistration.k8s.io/v1): webhooks the API server calls
// to change writes before they are validated. Stored with kube-apiserver's defaults and checks;
// admission/webhooks.ts calls them as it calls the validating kind's. A separate struct from
// ValidatingWebhook, as in Go: reinvocationPolicy and the protobuf field numbers differ.
import type { z } from "zod";
import { int32, list, oneOf, opt, PTR, str, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { defineKind, type KObject } from "./define";
import { LabelSelector, objectSchema } from "./types/meta";
import { checkWebhook, MatchCondition, RuleWithOperations, WebhookClientConfig, webhookDefaults } from "./validatingwebhookconfiguration";

const ADM = "io.k8s.api.admissionregistration.v1";

const MutatingWebhook = struct(`${ADM}.MutatingWebhook`, "One mutating webhook and what it is called for.", {
  name: opt(1, str, "Fully qualified name of the webhook, such as mutate.example.com."),
  clientConfig: opt(2, WebhookClientConfig, "How to reach the webhook."),
  rules: opt(3, list(RuleWithOperations, { listType: "atomic" }), "Requests the webhook is called for."),
  failurePolicy: opt(4, oneOf("Ignore", "Fail"), PTR, "What happens when the webhook fails: Fail (the default) or Ignore."),
  matchPolicy: opt(9, oneOf("Exact", "Equivalent"), PTR, "Whether requests through other versions of a resource match: Equivalent (the default) or Exact."),
  namespaceSelector: opt(5, LabelSelector, PTR, "Namespaces whose objects the webhook is called for."),
  objectSelector: opt(11, LabelSelector, PTR, "Objects the webhook is called for, by label."),
  sideEffects: opt(6, str, PTR, "None or NoneOnDryRun."),
  timeoutSeconds: opt(7, int32, PTR, "Seconds to wait for the webhook (1 to 30, default 10)."),
  admissionReviewVersions: opt(8, list(str, { listType: "atomic" }), "AdmissionReview versions the webhook accepts, in order of preference."),
  reinvocationPolicy: opt(10, oneOf("Never", "IfNeeded"), PTR, "Whether the webhook is called again when later mutations change the object: Never (the default) or IfNeeded."),
  matchConditions: opt(12, list(MatchCondition, { key: "name", strategy: "merge", listType: "map", mapKeys: ["name"] }), "CEL conditions a request must meet."),
});
type Webhook = z.infer<typeof MutatingWebhook>;

export const MutatingWebhookConfigurationSchema = objectSchema(
  `${ADM}.MutatingWebhookConfiguration`,
  "Webhooks the API server calls to change writes before it admits them.",
  { group: "admissionregistration.k8s.io", version: "v1", kind: "MutatingWebhookConfiguration" },
  {
    webhooks: opt(2, list(MutatingWebhook, { key: "name", strategy: "merge", listType: "map", mapKeys: ["name"] }), "The webhooks."),
  },
  { check: (o, p) => ((o as MutatingWebhookConfiguration).webhooks ?? []).forEach((w, i, all) => checkWebhook(w, all, p.at("webhooks", i))) },
);
export type MutatingWebhookConfiguration = z.infer<typeof MutatingWebhookConfigurationSchema> & KObject;

export const mutatingWebhookConfigurations = defineKind<MutatingWebhookConfiguration>({
  group: "admissionregistration.k8s.io",
  version: "v1",
  kind: "MutatingWebhookConfiguration",
  plural: "mutatingwebhookconfigurations",
  singular: "mutatingwebhookconfiguration",
  namespaced: false,
  categories: ["api-extensions"],
  schema: MutatingWebhookConfigurationSchema,
  generation: true,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the configuration.", cell: (o) => o.metadata.name ?? "" },
    { name: "Webhooks", type: "integer", description: "Number of webhooks.", cell: (o) => o.webhooks?.length ?? 0 },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    for (const w of o.webhooks ?? []) {
      webhookDefaults(w as Webhook);
      w.reinvocationPolicy ??= "Never";
    }
  },
});
