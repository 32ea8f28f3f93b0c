// Secret (core/v1): sensitive data, base64 in JSON. stringData is a write-only convenience merged
// into data on every write.
import type { z } from "zod";
import { bool, bytes, map, opt, PTR, str, strMap, mapKey } from "../machinery/schema/dsl";
import { age } from "../machinery/time";
import { configMapKey } from "../machinery/validation";
import { MAX_DATA_BYTES } from "./configmap";
import { defineKind, type KObject } from "./define";
import { objectSchema } from "./types/meta";

/** Keys each well-known type must carry. */
const REQUIRED_KEYS: Record<string, string[]> = {
  "kubernetes.io/tls": ["tls.crt", "tls.key"],
  "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
  "kubernetes.io/dockercfg": [".dockercfg"],
  "kubernetes.io/ssh-auth": ["ssh-privatekey"],
};

export const SecretSchema = objectSchema(
  "io.k8s.api.core.v1.Secret",
  "Sensitive data such as passwords, tokens and keys, for pods to read as files or environment variables.",
  { group: "", version: "v1", kind: "Secret" },
  {
    immutable: opt(5, bool, PTR, "When true, data can never change again."),
    data: opt(2, map(bytes), "The data, each value base64-encoded."),
    stringData: opt(4, strMap, "Write-only plain-text data, merged into data when written."),
    type: opt(3, str, "Opaque (the default), kubernetes.io/tls, kubernetes.io/dockerconfigjson, and others."),
  },
  {
    check(o, p) {
      const s = o as Secret;
      let size = 0;
      for (const [k, v] of Object.entries(s.data ?? {})) {
        for (const e of configMapKey(k)) p.invalid(["data", mapKey(k)], k, e);
        size += Math.floor((v.length * 3) / 4);
      }
      if (size > MAX_DATA_BYTES) p.tooLong(["data"], MAX_DATA_BYTES);
      // The key must be there; kube-apiserver accepts it empty.
      for (const key of REQUIRED_KEYS[s.type ?? ""] ?? []) if (s.data?.[key] === undefined) p.required(["data", mapKey(key)]);
      if (s.type === "kubernetes.io/service-account-token" && !s.metadata?.annotations?.["kubernetes.io/service-account.name"])
        p.required(["metadata", "annotations", mapKey("kubernetes.io/service-account.name")]);
    },
  },
);

export type Secret = z.infer<typeof SecretSchema> & KObject;

function mergeStringData(o: Secret) {
  if (!o.stringData) return;
  o.data ??= {};
  for (const [k, v] of Object.entries(o.stringData)) o.data[k] = base64(v);
  delete o.stringData;
}

function base64(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export const secrets = defineKind<Secret>({
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  singular: "secret",
  namespaced: true,
  schema: SecretSchema,
  allowUnconditionalUpdate: true,
  fieldSelectors: { type: (o) => o.type },
  columns: [
    { name: "Name", type: "string", format: "name", description: "Name of the Secret.", cell: (o) => o.metadata.name ?? "" },
    { name: "Type", type: "string", description: "Type of the data.", cell: (o) => o.type ?? "" },
    { name: "Data", type: "integer", description: "Number of keys.", cell: (o) => Object.keys(o.data ?? {}).length },
    { name: "Age", type: "string", description: "Time since creation.", cell: (o, c) => age(o.metadata.creationTimestamp, c.now) },
  ],
  defaults(o) {
    o.type ||= "Opaque";
    mergeStringData(o);
  },
  validateUpdate(o, old, p) {
    if ((o.type ?? "Opaque") !== (old.type ?? "Opaque")) p.invalid(["type"], o.type, "field is immutable");
    if (old.immutable) {
      if (!o.immutable) p.forbidden(["immutable"], "field is immutable when `immutable` is set");
      if (JSON.stringify(o.data ?? {}) !== JSON.stringify(old.data ?? {})) p.forbidden(["data"], "field is immutable when `immutable` is set");
    }
  },
});
