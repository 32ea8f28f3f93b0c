// CustomResourceDefinition (apiextensions.k8s.io/v1): a kind a user adds to the cluster. The
// object is checked here as apiextensions-apiserver's validation does; the custom kind itself is
// made from it by resources/custom/ and served once the CRD controller (controllers/
// customResourceDefinitions.ts) has accepted its names and set Established.
import type { z } from "zod";
import { anyObject, ALWAYS, bool, bytes, int32, list, oneOf, opt, type Problems, PTR, req, str, struct, time } from "../machinery/schema/dsl";
import { formatTime } from "../machinery/time";
import { dns1123Label, dns1123Subdomain } from "../machinery/validation";
import { structuralIssues } from "../machinery/structural/structural";
import { celRuleCompileIssues } from "../machinery/structural/cel";
import { parse as parseJsonPath } from "../machinery/jsonpath";
import type { JSONSchemaProps } from "../machinery/structural/types";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

const APIX = "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1";
export const CRD_STORAGE = "apiextensions.k8s.io/customresourcedefinitions";
export const CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

const Names = struct(`${APIX}.CustomResourceDefinitionNames`, "The names a custom resource is served under.", {
  plural: req(1, str, "The plural name, used in the URL: /apis/<group>/<version>/.../<plural>. Lowercase."),
  singular: opt(2, str, "The singular name, an alias kubectl accepts. Defaults to the lowercased kind."),
  shortNames: opt(3, list(str, { listType: "atomic" }), "Short aliases for kubectl (`kubectl get <shortname>`)."),
  kind: req(4, str, "The serialized kind, CamelCase and singular."),
  listKind: opt(5, str, "The kind of lists. Defaults to `<kind>List`."),
  categories: opt(6, list(str, { listType: "atomic" }), "Groups the resource belongs to, such as `all` (`kubectl get all`)."),
});

const ServiceReference = struct(`${APIX}.ServiceReference`, "A Service the conversion webhook is reached through.", {
  namespace: req(1, str, "Namespace of the Service."),
  name: req(2, str, "Name of the Service."),
  path: opt(3, str, PTR, "URL path requests are sent to."),
  port: opt(4, int32, PTR, "Port of the Service (default 443)."),
});

const WebhookClientConfig = struct(`${APIX}.WebhookClientConfig`, "How the API server reaches a conversion webhook: a URL or a Service.", {
  url: opt(3, str, PTR, "https URL of the webhook."),
  service: opt(1, ServiceReference, PTR, "Service of the webhook."),
  caBundle: opt(2, bytes, "PEM CA bundle that signs the webhook's certificate."),
});

const WebhookConversion = struct(`${APIX}.WebhookConversion`, "The webhook that converts between versions.", {
  clientConfig: opt(2, WebhookClientConfig, PTR, "How to reach the webhook."),
  conversionReviewVersions: req(3, list(str, { listType: "atomic" }), "ConversionReview versions the webhook understands, by preference."),
});

const Conversion = struct(`${APIX}.CustomResourceConversion`, "How objects are converted between served versions.", {
  strategy: req(1, oneOf("None", "Webhook"), "None (only apiVersion changes) or Webhook."),
  webhook: opt(2, WebhookConversion, PTR, "The webhook, with strategy Webhook."),
});

const Column = struct(`${APIX}.CustomResourceColumnDefinition`, "A column `kubectl get` prints.", {
  name: req(1, str, "The column's header."),
  type: req(2, str, "integer, number, string, boolean or date."),
  format: opt(3, str, "An OpenAPI format for the type (int32, byte, date-time, name…)."),
  description: opt(4, str, "What the column shows."),
  priority: opt(5, int32, "0: always shown; above 0: with -o wide."),
  jsonPath: req(6, str, "A simple JSONPath, evaluated against each object, whose first value is the cell."),
});

const Scale = struct(`${APIX}.CustomResourceSubresourceScale`, "Where the scale subresource reads and writes replicas.", {
  specReplicasPath: req(1, str, "JSON path of the desired replicas, under .spec."),
  statusReplicasPath: req(2, str, "JSON path of the observed replicas, under .status."),
  labelSelectorPath: opt(3, str, PTR, "JSON path of the label selector (a string) that the HPA uses."),
});

const Subresources = struct(`${APIX}.CustomResourceSubresources`, "The status and scale subresources.", {
  status: opt(1, anyObject, PTR, "When present (an empty object), status is written only through /status and spec changes count generation."),
  scale: opt(2, Scale, PTR, "When present, /scale reads and writes replicas."),
});

const Validation = struct(`${APIX}.CustomResourceValidation`, "The schema of a version.", {
  openAPIV3Schema: opt(1, anyObject, PTR, "The structural OpenAPI v3 schema objects are validated, pruned and defaulted by."),
});

const SelectableField = struct(`${APIX}.SelectableField`, "A field usable in a field selector.", {
  jsonPath: req(1, str, "A simple JSONPath to a string, integer or boolean field."),
});

const Version = struct(`${APIX}.CustomResourceDefinitionVersion`, "One version of the custom resource.", {
  name: req(1, str, "The version's name (v1, v1beta1…), as in /apis/<group>/<version>."),
  served: req(2, bool, ALWAYS, "Whether the version is served."),
  storage: req(3, bool, ALWAYS, "Whether objects are stored in this version. Exactly one version is."),
  deprecated: opt(7, bool, "Whether requests for this version get a deprecation warning."),
  deprecationWarning: opt(8, str, PTR, "The warning sent instead of the default one."),
  schema: opt(4, Validation, PTR, "The version's schema."),
  subresources: opt(5, Subresources, PTR, "The version's subresources."),
  additionalPrinterColumns: opt(6, list(Column, { listType: "atomic" }), "Columns `kubectl get` prints besides the name."),
  selectableFields: opt(9, list(SelectableField, { listType: "atomic" }), "Fields usable in field selectors besides metadata.name and metadata.namespace."),
});

const Spec = struct(`${APIX}.CustomResourceDefinitionSpec`, "What the custom resource is.", {
  group: req(1, str, "The API group: /apis/<group>/<version>."),
  names: req(3, Names, ALWAYS, "The names the resource is served under."),
  scope: req(4, oneOf("Namespaced", "Cluster"), "Namespaced or Cluster."),
  versions: req(7, list(Version, { listType: "atomic" }), "The versions, served or not, one of them the storage version."),
  conversion: opt(9, Conversion, PTR, "How objects are converted between versions."),
  preserveUnknownFields: opt(10, bool, "Must be false: unknown fields are pruned (kept only where the schema says x-kubernetes-preserve-unknown-fields)."),
});

const CrdCondition = struct(`${APIX}.CustomResourceDefinitionCondition`, "One aspect of the definition's state.", {
  type: req(1, str, "Established, NamesAccepted, NonStructuralSchema, Terminating or KubernetesAPIApprovalPolicyConformant."),
  status: req(2, oneOf("True", "False", "Unknown"), "True, False or Unknown."),
  lastTransitionTime: opt(3, time, "When the status last changed."),
  reason: opt(4, str, "Machine-readable reason in CamelCase."),
  message: opt(5, str, "Human-readable details."),
});

const Status = struct(`${APIX}.CustomResourceDefinitionStatus`, "What the API server made of the definition.", {
  conditions: opt(1, list(CrdCondition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "The definition's conditions."),
  acceptedNames: opt(2, Names, "The names actually served (they may differ from spec.names while these conflict)."),
  storedVersions: opt(3, list(str, { listType: "atomic" }), "Every version objects have ever been stored in."),
});

export const CustomResourceDefinitionSchema = objectSchema(
  `${APIX}.CustomResourceDefinition`,
  "A resource the API server serves for the cluster's users: its group, names, versions and schema.",
  { group: "apiextensions.k8s.io", version: "v1", kind: "CustomResourceDefinition" },
  {
    spec: req(2, Spec, ALWAYS, "What the resource is."),
    status: opt(3, Status, "What the API server made of it."),
  },
  { check: (o, p) => checkDefinition(o as CustomResourceDefinition, p) },
);

export type CustomResourceDefinition = z.infer<typeof CustomResourceDefinitionSchema> & KObject;
export type CrdVersion = z.infer<typeof Version>;
export type CrdNames = z.infer<typeof Names>;
export type CrdCondition = z.infer<typeof CrdCondition>;

const COLUMN_TYPES = ["integer", "number", "string", "boolean", "date"];

/** apiextensions-apiserver's ValidateCustomResourceDefinition, in its words. */
function checkDefinition(crd: CustomResourceDefinition, p: Problems) {
  const spec = crd.spec;
  if (!spec) return;
  const names = spec.names;
  const name = crd.metadata?.name ?? "";
  if (names?.plural && spec.group && name !== `${names.plural}.${spec.group}`) p.invalid(["metadata", "name"], name, `must be spec.names.plural+"."+spec.group`);
  if (!spec.group) p.required(["spec", "group"]);
  else {
    for (const why of dns1123Subdomain(spec.group)) p.invalid(["spec", "group"], spec.group, why);
    if (spec.group.split(".").length < 2) p.invalid(["spec", "group"], spec.group, "should be a domain with at least one dot");
  }
  if (names) {
    for (const [field, value] of [["plural", names.plural], ["singular", names.singular]] as const)
      if (value) for (const why of dns1123Label(value)) p.invalid(["spec", "names", field], value, why);
    if (names.kind && !/^[A-Za-z][A-Za-z0-9]*$/.test(names.kind)) p.invalid(["spec", "names", "kind"], names.kind, "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?");
    if (names.kind && names.listKind && names.kind === names.listKind) p.invalid(["spec", "names", "listKind"], names.listKind, "kind and listKind may not be the same");
    (names.shortNames ?? []).forEach((s, i) => {
      for (const why of dns1123Label(s)) p.invalid(["spec", "names", "shortNames", i], s, why);
    });
  }
  if (spec.preserveUnknownFields) p.invalid(["spec", "preserveUnknownFields"], true, "must be false in order to use defaults in the schema");
  const versions = spec.versions ?? [];
  if (!versions.length) p.invalid(["spec", "versions"], versions, "must have exactly one version marked as storage version");
  else {
    const storage = versions.filter((v) => v.storage).length;
    if (storage !== 1) p.invalid(["spec", "versions"], versions.map((v) => v.name), "must have exactly one version marked as storage version");
  }
  const seen = new Set<string>();
  versions.forEach((v, i) => {
    const at = ["spec", "versions", i];
    if (seen.has(v.name)) p.invalid([...at, "name"], v.name, "must be unique");
    seen.add(v.name);
    for (const why of dns1123Label(v.name ?? "")) p.invalid([...at, "name"], v.name, why);
    const schema = v.schema?.openAPIV3Schema as JSONSchemaProps | undefined;
    if (!schema) p.required([...at, "schema", "openAPIV3Schema"], "schemas are required");
    else {
      for (const issue of [...structuralIssues(schema, [...at, "schema", "openAPIV3Schema"]), ...celRuleCompileIssues(schema, [...at, "schema", "openAPIV3Schema"])]) p.raw(issue);
    }
    const scale = v.subresources?.scale;
    if (scale) {
      if (!scale.specReplicasPath?.startsWith(".spec")) p.invalid([...at, "subresources", "scale", "specReplicasPath"], scale.specReplicasPath, "should be a json path under .spec");
      if (!scale.statusReplicasPath?.startsWith(".status")) p.invalid([...at, "subresources", "scale", "statusReplicasPath"], scale.statusReplicasPath, "should be a json path under .status");
      if (scale.labelSelectorPath && !/^\.(spec|status)\b/.test(scale.labelSelectorPath)) p.invalid([...at, "subresources", "scale", "labelSelectorPath"], scale.labelSelectorPath, "should be a json path under either .spec or .status");
    }
    (v.additionalPrinterColumns ?? []).forEach((c, j) => {
      const cat = [...at, "additionalPrinterColumns", j];
      if (!c.name) p.required([...cat, "name"]);
      if (!COLUMN_TYPES.includes(c.type)) p.notSupported([...cat, "type"], c.type, COLUMN_TYPES);
      if (!c.jsonPath) p.required([...cat, "JSONPath"]);
      else {
        try {
          parseJsonPath(c.jsonPath);
        } catch (e) {
          p.invalid([...cat, "JSONPath"], c.jsonPath, `must be a simple json path starting with .: ${(e as Error).message}`);
        }
      }
      if ((c.priority ?? 0) < 0) p.invalid([...cat, "priority"], c.priority, "must be greater than or equal to 0");
    });
    (v.selectableFields ?? []).forEach((f, j) => {
      if (!f.jsonPath?.startsWith(".")) p.invalid([...at, "selectableFields", j, "jsonPath"], f.jsonPath, "must be a simple json path starting with .");
    });
  });
  const conv = spec.conversion;
  if (conv?.strategy === "Webhook") {
    if (!conv.webhook?.clientConfig) p.required(["spec", "conversion", "webhook", "clientConfig"], "required when strategy is set to Webhook");
    if (!conv.webhook?.conversionReviewVersions?.length) p.required(["spec", "conversion", "webhook", "conversionReviewVersions"], "must include at least one of v1, v1beta1");
  } else if (conv?.webhook) p.forbidden(["spec", "conversion", "webhook"], "should not be set when strategy is not set to Webhook");
}

export function conditionOf(crd: CustomResourceDefinition, type: string): CrdCondition | undefined {
  return crd.status?.conditions?.find((c) => c.type === type);
}

/** Whether the definition's kind is served: its names are accepted and it is established. */
export function isEstablished(crd: CustomResourceDefinition): boolean {
  return conditionOf(crd, "Established")?.status === "True";
}

export const customResourceDefinitions = defineKind<CustomResourceDefinition>({
  group: "apiextensions.k8s.io",
  version: "v1",
  kind: "CustomResourceDefinition",
  plural: "customresourcedefinitions",
  singular: "customresourcedefinition",
  shortNames: ["crd", "crds"],
  categories: ["api-extensions"],
  namespaced: false,
  schema: CustomResourceDefinitionSchema,
  allowUnconditionalUpdate: true,
  subresources: [{ name: "status", verbs: ["get", "patch", "update"] }],
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the definition.", cell: (o) => o.metadata.name ?? "" },
    { name: "Created At", type: "date", description: "When the definition was created.", cell: (o) => o.metadata.creationTimestamp ?? "" },
  ],
  defaults(o) {
    const n = o.spec?.names;
    if (n?.kind) {
      n.singular ??= n.kind.toLowerCase();
      n.listKind ??= `${n.kind}List`;
    }
    o.spec.conversion ??= { strategy: "None" };
  },
  prepareCreate(o) {
    o.status = { conditions: [], acceptedNames: { plural: "", kind: "" }, storedVersions: [] };
  },
  prepareUpdate(o, old) {
    o.status = old.status;
  },
  prepareStatusUpdate(o, old) {
    o.spec = old.spec;
  },
  generation: true,
  // The first delete only marks the definition: its objects go first (the cleanup finalizer).
  readyToRemove: (o) => !!o.metadata.deletionTimestamp,
  beginDelete(o) {
    if (!o.metadata.finalizers?.includes(CLEANUP_FINALIZER)) o.metadata.finalizers = [...(o.metadata.finalizers ?? []), CLEANUP_FINALIZER];
    setCondition(o, { type: "Terminating", status: "True", reason: "InstanceDeletionPending", message: "CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon" }, o.metadata.deletionTimestamp!);
  },
});

/** Sets a condition, keeping its transition time when the status does not change. */
export function setCondition(crd: CustomResourceDefinition, c: Omit<CrdCondition, "lastTransitionTime">, now: string | number): boolean {
  const conditions = (crd.status ??= {}).conditions ?? [];
  const old = conditions.find((x) => x.type === c.type);
  if (old && old.status === c.status && old.reason === c.reason && old.message === c.message) return false;
  const at = typeof now === "number" ? formatTime(now) : now;
  const next = { ...c, lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : at };
  crd.status.conditions = old ? conditions.map((x) => (x.type === c.type ? next : x)) : [...conditions, next];
  return true;
}
