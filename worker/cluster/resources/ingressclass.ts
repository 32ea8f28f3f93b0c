// IngressClass (networking.k8s.io/v1): a kind of ingress controller, named by Ingresses'
// spec.ingressClassName. The one annotated ingressclass.kubernetes.io/is-default-class=true is
// given to new Ingresses that name no class (resources/ingress.ts).
import type { z } from "zod";
import { opt, type Problems, PTR, str, struct } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { dns1123Subdomain, pathSegmentName } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

const NET = "io.k8s.api.networking.v1";

export const DEFAULT_CLASS_ANNOTATION = "ingressclass.kubernetes.io/is-default-class";
const MAX_CONTROLLER = 250;
const HTTP_PATH = /^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

const ParametersReference = struct(`${NET}.IngressClassParametersReference`, "An object holding the controller's settings for this class.", {
  apiGroup: opt(1, str, PTR, "API group of the object; empty for the core group."),
  kind: opt(2, str, "Kind of the object."),
  name: opt(3, str, "Name of the object."),
  scope: opt(4, str, PTR, "Cluster (the default) or Namespace."),
  namespace: opt(5, str, PTR, "Namespace of the object, when scope is Namespace."),
});

export const IngressClassSchema = objectSchema(
  `${NET}.IngressClass`,
  "A class of Ingresses and the controller that serves them. One class may be marked the default with the ingressclass.kubernetes.io/is-default-class annotation.",
  { group: "networking.k8s.io", version: "v1", kind: "IngressClass" },
  {
    spec: opt(
      2,
      struct(`${NET}.IngressClassSpec`, "The controller of the class and its parameters.", {
        controller: opt(1, str, "Name of the controller that serves the class, a domain-prefixed path such as k8s.io/ingress-nginx. Immutable."),
        parameters: opt(2, ParametersReference, "An object with the controller's settings for the class."),
      }),
      "The class's controller.",
    ),
  },
  { check: (o, p) => checkSpec((o as IngressClass).spec ?? {}, p.at("spec")) },
);

export type IngressClass = z.infer<typeof IngressClassSchema> & KObject;

function checkSpec(spec: NonNullable<IngressClass["spec"]>, p: Problems) {
  const controller = spec.controller ?? "";
  if (controller.length > MAX_CONTROLLER) p.tooLong(["controller"], MAX_CONTROLLER);
  // IsDomainPrefixedPath: "host/path" with a DNS subdomain host.
  if (!controller) p.required(["controller"]);
  else {
    const slash = controller.indexOf("/");
    const host = slash < 0 ? controller : controller.slice(0, slash);
    const path = slash < 0 ? "" : controller.slice(slash + 1);
    if (slash < 0 || !host || !path) p.invalid(["controller"], controller, 'must be a domain-prefixed path (such as "acme.io/foo")');
    else {
      for (const e of dns1123Subdomain(host)) p.invalid(["controller"], host, e);
      if (!HTTP_PATH.test(path)) p.invalid(["controller"], path, "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')");
    }
  }
  const params = spec.parameters;
  if (!params) return;
  const pp = p.at("parameters");
  if (params.apiGroup) for (const e of dns1123Subdomain(params.apiGroup)) pp.invalid(["apiGroup"], params.apiGroup, e);
  if (!params.kind) pp.required(["kind"], "kind is required");
  else for (const e of pathSegmentName(params.kind)) pp.invalid(["kind"], params.kind, e);
  if (!params.name) pp.required(["name"], "name is required");
  else for (const e of pathSegmentName(params.name)) pp.invalid(["name"], params.name, e);
  if (params.scope === undefined || params.scope === null) {
    pp.required(["scope"]);
    return;
  }
  if (params.scope !== "Cluster" && params.scope !== "Namespace") pp.notSupported(["scope"], params.scope, ["Cluster", "Namespace"]);
  else if (params.scope === "Namespace" && (params.namespace === undefined || params.namespace === null)) pp.required(["namespace"], "`parameters.scope` is set to 'Namespace'");
  else if (params.scope === "Cluster" && params.namespace != null) pp.forbidden(["namespace"], "`parameters.scope` is set to 'Cluster'");
}

/** kubectl's PARAMETERS column: Kind.group/name. */
function parametersText(o: IngressClass): string {
  const params = o.spec?.parameters;
  if (!params) return "<none>";
  return `${params.kind ?? ""}${params.apiGroup ? "." + params.apiGroup : ""}/${params.name ?? ""}`;
}

export const ingressClasses = defineKind<IngressClass>({
  group: "networking.k8s.io",
  version: "v1",
  kind: "IngressClass",
  plural: "ingressclasses",
  singular: "ingressclass",
  namespaced: false,
  schema: IngressClassSchema,
  generation: true,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the class.", cell: (o) => o.metadata.name ?? "" },
    { name: "Controller", type: "string", description: "Controller that serves the class.", cell: (o) => o.spec?.controller ?? "" },
    { name: "Parameters", type: "string", description: "Object with the controller's settings.", cell: (o) => parametersText(o) },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    o.spec ??= {};
    // kube-apiserver defaults a cluster-wide reference's scope.
    if (o.spec.parameters && o.spec.parameters.scope == null) o.spec.parameters.scope = "Cluster";
  },
  validateUpdate(o, old, p) {
    if ((o.spec?.controller ?? "") !== (old.spec?.controller ?? "")) p.invalid(["spec", "controller"], o.spec?.controller ?? "", "field is immutable");
  },
});
