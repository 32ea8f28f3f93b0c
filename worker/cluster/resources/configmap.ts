// ConfigMap (core/v1): configuration data for pods, as strings or bytes.
import type { z } from "zod";
import { bool, bytes, map, opt, PTR, strMap, mapKey } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { configMapKey } from "../machinery/validation";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

/** Kubernetes caps ConfigMap and Secret data at 1 MiB. */
export const MAX_DATA_BYTES = 1024 * 1024;

export const ConfigMapSchema = objectSchema(
  "io.k8s.api.core.v1.ConfigMap",
  "Configuration data for pods to read as environment variables, command arguments or files.",
  { group: "", version: "v1", kind: "ConfigMap" },
  {
    immutable: opt(4, bool, PTR, "When true, data and binaryData can never change again."),
    data: opt(2, strMap, "UTF-8 data; keys are alphanumerics, '-', '_' and '.'."),
    binaryData: opt(3, map(bytes), "Binary data, base64 in JSON; keys may not repeat those of data."),
  },
  {
    check(o, p) {
      const cm = o as ConfigMap;
      let size = 0;
      const keys = new Set<string>();
      for (const [k, v] of Object.entries(cm.data ?? {})) {
        for (const e of configMapKey(k)) p.invalid(["data", mapKey(k)], k, e);
        keys.add(k);
        size += k.length + v.length;
      }
      for (const [k, v] of Object.entries(cm.binaryData ?? {})) {
        for (const e of configMapKey(k)) p.invalid(["binaryData", mapKey(k)], k, e);
        if (keys.has(k)) p.invalid(["data", mapKey(k)], k, "duplicate of key present in binaryData");
        size += k.length + Math.floor((v.length * 3) / 4);
      }
      if (size > MAX_DATA_BYTES) p.tooLong([], MAX_DATA_BYTES);
    },
  },
);

export type ConfigMap = z.infer<typeof ConfigMapSchema> & KObject;

export const configmaps = defineKind<ConfigMap>({
  group: "",
  version: "v1",
  kind: "ConfigMap",
  plural: "configmaps",
  singular: "configmap",
  namespaced: true,
  shortNames: ["cm"],
  schema: ConfigMapSchema,
  allowUnconditionalUpdate: true,
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the ConfigMap.", cell: (o) => o.metadata.name ?? "" },
    { name: "Data", type: "integer", description: "Number of keys.", cell: (o) => Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  validateUpdate(o, old, p) {
    if (old.immutable) {
      if (!o.immutable) p.forbidden(["immutable"], "field is immutable when `immutable` is set");
      if (JSON.stringify(o.data ?? {}) !== JSON.stringify(old.data ?? {})) p.forbidden(["data"], "field is immutable when `immutable` is set");
      if (JSON.stringify(o.binaryData ?? {}) !== JSON.stringify(old.binaryData ?? {})) p.forbidden(["binaryData"], "field is immutable when `immutable` is set");
    }
  },
});
