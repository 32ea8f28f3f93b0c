// A custom resource's kind, made at run time from its CustomResourceDefinition: one ResourceDef
// per served version, so the generic handlers, discovery, OpenAPI, tables and kubectl explain
// serve it as they serve a built-in kind. Its schema is the CRD's structural schema: decoding
// prunes by it (through the DSL view), defaults and validation follow apiextensions-apiserver.
import type { z } from "zod";
import { errors } from "../../machinery/errors";
import { jsonPath } from "../../machinery/jsonpath";
import { opt, PTR, type K8sIssue } from "../../machinery/schema/dsl";
import { applyDefaults } from "../../machinery/structural/defaults";
import { toOpenApiV2, toOpenApiV3 } from "../../machinery/structural/openapi";
import { schemaToDsl } from "../../machinery/structural/toDsl";
import type { JSONSchemaProps } from "../../machinery/structural/types";
import { schemaIssues } from "../../machinery/structural/validate";
import { celRuleIssues } from "../../machinery/structural/cel";
import { defineKind, type Column, type KObject, type ResourceDef, type Subresource } from "../define";
import type { CrdVersion, CustomResourceDefinition } from "../customresourcedefinition";
import { objectSchema } from "../types/meta";
import { cellOf } from "./columns";

/** The storage key of a CRD's objects: all versions share it. */
export function customStorage(crd: CustomResourceDefinition): string {
  return `${crd.spec.group}/${crd.spec.names.plural}`;
}

/** The OpenAPI definition name kube-apiserver gives a custom kind: the group reversed, then version and kind. */
export function definitionName(group: string, version: string, kind: string): string {
  return `${group.split(".").reverse().join(".")}.${version}.${kind}`;
}

const NAME_COLUMN: Column = { name: "Name", type: "string", format: "name", description: "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", cell: (o) => o.metadata.name ?? "" };
const AGE_COLUMN: Column = { name: "Age", type: "date", description: "CreationTimestamp is a timestamp representing the server time when this object was created.", cell: (o, ctx) => cellOf({ type: "date", jsonPath: ".metadata.creationTimestamp" }, o, ctx) };

/** The schema of the whole object: apiVersion, kind and metadata as every kind has them, the rest from the CRD. */
function objectZod(schema: JSONSchemaProps, name: string, gvk: { group: string; version: string; kind: string }): z.ZodType {
  const fields: Record<string, ReturnType<typeof opt>> = {};
  for (const [key, prop] of Object.entries(schema.properties ?? {})) {
    if (key === "apiVersion" || key === "kind" || key === "metadata") continue;
    fields[key] = opt(undefined, schemaToDsl(prop, `${name}.${key}`), PTR, prop.description ?? "");
  }
  return objectSchema(name, schema.description ?? "", gvk, fields, { preserveUnknown: !!schema["x-kubernetes-preserve-unknown-fields"] });
}

/** Every served version of the CRD as a kind (its accepted names). */
export function customKinds(crd: CustomResourceDefinition): ResourceDef[] {
  const spec = crd.spec;
  const names = crd.status?.acceptedNames?.plural ? crd.status.acceptedNames : spec.names;
  const storageVersion = spec.versions.find((v) => v.storage)?.name ?? spec.versions[0]?.name ?? "";
  const storage = customStorage(crd);
  const terminating = !!crd.metadata.deletionTimestamp;
  const webhook = spec.conversion?.strategy === "Webhook" ? spec.conversion.webhook : undefined;
  return spec.versions.filter((v) => v.served).map((v) => versionKind(crd, v, names, storage, storageVersion, terminating, webhook));
}

function versionKind(
  crd: CustomResourceDefinition,
  v: CrdVersion,
  names: NonNullable<CustomResourceDefinition["spec"]>["names"],
  storage: string,
  storageVersion: string,
  terminating: boolean,
  webhook: NonNullable<NonNullable<CustomResourceDefinition["spec"]["conversion"]>["webhook"]> | undefined,
): ResourceDef {
  const group = crd.spec.group;
  const schema = (v.schema?.openAPIV3Schema ?? { type: "object", "x-kubernetes-preserve-unknown-fields": true }) as JSONSchemaProps;
  const defName = definitionName(group, v.name, names.kind);
  const gvk = { group, version: v.name, kind: names.kind };
  const zod = objectZod(schema, defName, gvk);
  const hasStatus = !!v.subresources?.status;
  const scale = v.subresources?.scale ?? undefined;
  const subresources: Subresource[] = [];
  if (hasStatus) subresources.push({ name: "status", verbs: ["get", "patch", "update"] });
  if (scale) subresources.push({ name: "scale", kind: { group: "autoscaling", version: "v1", kind: "Scale" }, verbs: ["get", "patch", "update"] });
  const printed = v.additionalPrinterColumns ?? [];
  const columns: Column[] = printed.length
    ? [NAME_COLUMN, ...printed.map((c): Column => ({ name: c.name, type: c.type as Column["type"], format: c.format, priority: (c.priority ?? 0) > 0 ? 1 : 0, description: c.description ?? "", cell: (o, ctx) => cellOf(c, o, ctx) }))]
    : [NAME_COLUMN, AGE_COLUMN];
  const fieldSelectors: Record<string, (o: KObject) => string | undefined> = {};
  for (const f of v.selectableFields ?? []) {
    const path = f.jsonPath.slice(1);
    fieldSelectors[path] = (o) => {
      const found = jsonPath(o, f.jsonPath)[0];
      return found === undefined || found === null ? undefined : String(found);
    };
  }
  const conversionFailure = (): never => {
    const svc = webhook?.clientConfig?.service;
    const target = webhook?.clientConfig?.url ?? (svc ? `https://${svc.name}.${svc.namespace}.svc:${svc.port ?? 443}${svc.path ?? ""}?timeout=30s` : "the conversion webhook");
    const why = svc ? `service "${svc.name}" not found` : "no network route from kubedo to the webhook";
    throw errors.internal(`conversion webhook for ${group}/${storageVersion}, Kind=${names.kind} failed: Post "${target}": ${why}`);
  };
  const apiVersion = `${group}/${v.name}`;
  const storedApiVersion = `${group}/${storageVersion}`;
  const def = defineKind<KObject>({
    group,
    version: v.name,
    kind: names.kind,
    plural: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    namespaced: crd.spec.scope === "Namespaced",
    shortNames: names.shortNames,
    categories: names.categories,
    schema: zod,
    subresources,
    generation: true,
    allowUnconditionalUpdate: false,
    columns,
    fieldSelectors,
    ...(v.name !== storageVersion
      ? {
          storage: {
            resource: storage,
            // Strategy None: only apiVersion changes; Webhook: the webhook cannot be reached from here.
            toStorage: (o: KObject) => (webhook ? conversionFailure() : { ...o, apiVersion: storedApiVersion }),
            fromStorage: (o: KObject) => (webhook ? conversionFailure() : { ...o, apiVersion }),
          },
        }
      : {}),
    ...(v.deprecated ? { deprecated: { sinceMinor: 0, warning: v.deprecationWarning ?? `${apiVersion} ${names.kind} is deprecated` } } : {}),
    defaults(o) {
      applyDefaults(schema, o);
    },
    prepareCreate(o) {
      // With a status subresource, status is written only through /status.
      if (hasStatus) delete o.status;
    },
    prepareUpdate(o, old) {
      if (hasStatus) {
        if (old.status === undefined) delete o.status;
        else o.status = old.status;
      }
    },
    prepareStatusUpdate(o, old) {
      for (const k of Object.keys(o)) if (k !== "status" && k !== "metadata" && k !== "apiVersion" && k !== "kind") delete o[k];
      for (const [k, val] of Object.entries(old)) if (k !== "status" && k !== "metadata") o[k] = val;
    },
    validateObject(o, old) {
      return schemaIssues(schema, o, [], old ?? undefined, celRuleIssues) as K8sIssue[];
    },
    custom: {
      crd: crd.metadata.name!,
      storageVersion,
      openapi: { name: defName, v3: toOpenApiV3(schema) as Record<string, unknown>, v2: toOpenApiV2(schema) as Record<string, unknown> },
      ...(scale ? { scale: { specReplicasPath: scale.specReplicasPath, statusReplicasPath: scale.statusReplicasPath, ...(scale.labelSelectorPath ? { labelSelectorPath: scale.labelSelectorPath } : {}) } } : {}),
      terminating,
    },
  });
  return def;
}


