// Preloading a cluster from a multi-document YAML string (a template's objects, a snapshot), as
// `kubectl apply -f` (client-side apply) would make each object: YAML read as kubectl reads it,
// namespaced kinds defaulted to "default", the last-applied annotation kubectl writes, and the
// API server's ordinary write path under kubectl's field manager.
import { parseAllDocuments, type Tags } from "yaml";
import type { Identity } from "../../auth/identity";
import type { ApiServer } from "../api/apiserver";
import { ApiError, errors } from "../machinery/errors";
import { storageOf, type KObject, type ResourceDef } from "../resources/define";
import { BUILT_IN } from "../resources/registry";
import type { Outcome } from "../outcome";

/** At most this many objects per preload (a template, a snapshot, an init). */
export const MAX_PRELOAD_OBJECTS = 1000;
/** YAML alias expansions one preload may make (as the API server's YAML decoder bounds them). */
const MAX_ALIASES = 100;

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";
export const APPLY_MANAGER = "kubectl-client-side-apply";

/** Who preloads: a user of the cluster (not the control plane), as `kubectl auth whoami` would name it. */
export const TEMPLATE_APPLIER: Identity = {
  tenantId: "",
  tenantName: "kubedo",
  tokenId: "",
  tokenName: "template-applier",
  role: "admin",
  clusterId: null,
  impersonate: { user: "kubedo:template-applier", groups: ["system:authenticated"] },
};

/**
 * YAML as kubectl reads it (sigs.k8s.io/yaml over go-yaml v2): YAML 1.1 scalars (yes/no/on/off
 * are booleans, 0777 is octal) but no timestamps, sets or sexagesimal numbers, which go-yaml
 * leaves as strings.
 */
const GO_YAML_LEAVES_AS_STRINGS = ["tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:binary", "tag:yaml.org,2002:omap", "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:set"];
export const KUBECTL_YAML = {
  version: "1.1" as const,
  customTags: (tags: Tags): Tags =>
    tags.filter((t) => typeof t === "string" || (!GO_YAML_LEAVES_AS_STRINGS.includes(t.tag) && t.format !== "TIME")),
};

export interface PreloadObject {
  /** Position in the YAML (List items counted in place): objects[index] in messages. */
  index: number;
  /** The kind; for a custom kind, a CRD in the same YAML defines it and it is found once that CRD is established. */
  def: ResourceDef | CustomKindRef;
  namespace: string;
  object: KObject;
}

/** A kind one of the preload's own CRDs defines: group, version and kind, and whether it is namespaced. */
export interface CustomKindRef {
  custom: "pending";
  group: string;
  version: string;
  kind: string;
  namespaced: boolean;
}

interface CrdShape {
  spec?: { group?: unknown; scope?: unknown; names?: { kind?: unknown }; versions?: { name?: unknown; served?: unknown }[] };
}

/** The custom kinds the YAML's own CRDs define: "group/version/Kind" to whether it is namespaced. */
function kindsDefinedIn(raw: unknown[]): Map<string, boolean> {
  const out = new Map<string, boolean>();
  for (const o of raw) {
    const v = o as { apiVersion?: unknown; kind?: unknown } & CrdShape;
    if (!v || v.kind !== "CustomResourceDefinition" || typeof v.apiVersion !== "string" || !v.apiVersion.startsWith("apiextensions.k8s.io/")) continue;
    const spec = v.spec;
    if (typeof spec?.group !== "string" || typeof spec.names?.kind !== "string") continue;
    for (const ver of Array.isArray(spec.versions) ? spec.versions : []) {
      if (typeof ver?.name === "string" && ver.served !== false) out.set(`${spec.group}/${ver.name}/${spec.names.kind}`, spec.scope !== "Cluster");
    }
  }
  return out;
}

type Parsed = { ok: true; objects: PreloadObject[] } | { ok: false; status: number; message: string };

/** The YAML's objects with their kinds, checked as kubectl checks them before sending anything. */
export function parseObjects(text: string): Parsed {
  const raw: unknown[] = [];
  const docs = parseAllDocuments(text, KUBECTL_YAML);
  const list = Array.isArray(docs) ? docs : [docs];
  for (let d = 0; d < list.length; d++) {
    const doc = list[d];
    const err = doc.errors[0];
    if (err) {
      const line = err.linePos?.[0].line;
      return bad(`objects: YAML document ${d + 1}${line ? ` at line ${line}` : ""}: ${err.message.split("\n")[0]}`);
    }
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIASES });
    } catch (e) {
      if (e instanceof ReferenceError) return bad(`objects: YAML document ${d + 1}: excessive aliasing (the limit is ${MAX_ALIASES} alias expansions)`);
      throw e;
    }
    if (value === null || value === undefined) continue;
    if (typeof value !== "object" || Array.isArray(value)) return bad(`objects: YAML document ${d + 1} is not an object (a mapping with apiVersion, kind and metadata)`);
    const v = value as Record<string, unknown>;
    // kubectl expands a List (kind: List, or any *List) into its items.
    if (typeof v.kind === "string" && v.kind.endsWith("List") && Array.isArray(v.items)) raw.push(...(v.items as unknown[]));
    else raw.push(v);
    if (raw.length > MAX_PRELOAD_OBJECTS) return bad(`objects: at most ${MAX_PRELOAD_OBJECTS} objects may be preloaded; this YAML has more`);
  }
  const out: PreloadObject[] = [];
  const defined = kindsDefinedIn(raw);
  for (let i = 0; i < raw.length; i++) {
    const o = raw[i];
    if (o === null || typeof o !== "object" || Array.isArray(o)) return bad(`objects[${i}]: not an object`);
    const obj = o as KObject;
    const label = labelOf(obj);
    const missing = [obj.apiVersion ? "" : "apiVersion not set", obj.kind ? "" : "kind not set"].filter(Boolean);
    if (missing.length) return bad(`objects[${i}]${label}: error validating data: [${missing.join(", ")}]`);
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") return bad(`objects[${i}]${label}: apiVersion and kind must be strings`);
    const [group, version] = obj.apiVersion.includes("/") ? obj.apiVersion.split("/", 2) : ["", obj.apiVersion];
    const builtIn = BUILT_IN.findKind(group, version, obj.kind);
    const namespacedCustom = defined.get(`${group}/${version}/${obj.kind}`);
    const def: ResourceDef | CustomKindRef | undefined =
      builtIn && !builtIn.virtual && !builtIn.computed ? builtIn : namespacedCustom !== undefined ? { custom: "pending", group, version, kind: obj.kind, namespaced: namespacedCustom } : undefined;
    if (!def) return bad(`objects[${i}]${label}: no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
    if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== "object" || Array.isArray(obj.metadata))) return bad(`objects[${i}]${label}: metadata must be an object`);
    obj.metadata ??= {};
    if (!obj.metadata.name) return bad(`objects[${i}]${label}: ${obj.metadata.generateName ? "cannot use generate name with apply" : "resource name may not be empty"}`);
    if (def.namespaced) obj.metadata.namespace ||= "default";
    out.push({ index: i, def, namespace: def.namespaced ? String(obj.metadata.namespace) : "", object: obj });
  }
  return { ok: true, objects: out };
}

/**
 * Kinds that admission reads when it admits others (a pod's namespace and PriorityClass, a claim's
 * StorageClass), and the CRDs that define the custom kinds: applied first.
 */
const PREREQUISITES = ["Namespace", "PriorityClass", "StorageClass", "CustomResourceDefinition"];

/**
 * Applies the objects, prerequisites first and then the rest in order, in one transaction: a refusal
 * leaves nothing behind and is named `objects[i] (Kind ns/name): <the API's message>`. An object
 * that already exists is patched with it, as a later `kubectl apply` would. `establish` has the
 * CRD controller accept a new CRD's names, so that its kind is served before its objects come.
 */
export function applyObjects(api: ApiServer, objects: PreloadObject[], run: <T>(fn: () => T) => T, establish: (crdName: string) => void): Outcome<{ objects: number }> {
  const rank = (o: PreloadObject) => (PREREQUISITES.includes(o.def.kind) ? PREREQUISITES.indexOf(o.def.kind) : PREREQUISITES.length);
  const ordered = objects.map((o, i) => ({ o, i })).sort((a, b) => rank(a.o) - rank(b.o) || a.i - b.i).map((x) => x.o);
  let current: PreloadObject | null = null;
  try {
    run(() => {
      let established = false;
      for (const o of ordered) {
        current = o;
        if (isPending(o.def) && !established) {
          for (const crd of ordered) if (crd.def.kind === "CustomResourceDefinition" && !isPending(crd.def)) establish(crd.object.metadata.name!);
          established = true;
        }
        applyOne(api, o);
      }
    });
  } catch (e) {
    if (e instanceof ApiError && current) {
      const o: PreloadObject = current;
      return { ok: false, status: 400, message: `objects[${o.index}]${labelOf(o.object, o.def.namespaced)}: ${e.status.message}` };
    }
    throw e;
  }
  return { ok: true, value: { objects: objects.length } };
}

function isPending(def: ResourceDef | CustomKindRef): def is CustomKindRef {
  return (def as CustomKindRef).custom === "pending";
}

function applyOne(api: ApiServer, { def: kind, namespace, object }: PreloadObject): void {
  const def = isPending(kind) ? api.registry.findKind(kind.group, kind.version, kind.kind) : kind;
  // Its CRD was not established (its names conflict with a CRD the cluster has).
  if (!def) throw errors.badRequest(`no matches for kind "${kind.kind}" in version "${object.apiVersion ?? ""}"`);
  const body = withLastApplied(object);
  const opts = { manager: APPLY_MANAGER, identity: TEMPLATE_APPLIER, fieldValidation: "Strict" as const };
  if (!api.peek(storageOf(def), namespace, object.metadata.name!)) {
    api.create(def, namespace, body, opts);
    return;
  }
  // Already there (a namespace the cluster has, or the same object twice): kubectl patches it
  // with what the file says; with no earlier last-applied, nothing is removed. Custom kinds have
  // no strategic merge.
  api.patch(def, namespace, object.metadata.name!, def.custom ? "merge" : "strategic", body, opts);
}

/** The object with kubectl's last-applied annotation: the object without it, as JSON, plus a newline. */
export function withLastApplied(object: KObject): KObject {
  // kubectl serializes the object with its annotations emptied of its own (an empty map stays).
  const annotations = { ...(object.metadata.annotations ?? {}) };
  delete annotations[LAST_APPLIED];
  const applied = { ...object, metadata: { ...object.metadata, annotations } };
  return { ...object, metadata: { ...object.metadata, annotations: { ...annotations, [LAST_APPLIED]: goJson(applied) + "\n" } } };
}

/** JSON as Go's encoding/json writes a map (keys sorted; <, > and & escaped): kubectl's last-applied bytes. */
export function goJson(v: unknown): string {
  const sorted = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(sorted);
    if (x && typeof x === "object") return Object.fromEntries(Object.keys(x).sort().map((k) => [k, sorted((x as Record<string, unknown>)[k])]));
    return x;
  };
  return JSON.stringify(sorted(v)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** " (Deployment dev/web)", " (Namespace dev)", or "" when the object names too little. */
function labelOf(obj: KObject, namespaced?: boolean): string {
  const kind = typeof obj.kind === "string" && obj.kind ? obj.kind : "";
  const meta = (obj.metadata ?? {}) as { name?: unknown; namespace?: unknown };
  const name = typeof meta.name === "string" ? meta.name : "";
  if (!kind && !name) return "";
  const ns = typeof meta.namespace === "string" && meta.namespace && namespaced !== false ? `${meta.namespace}/` : "";
  return ` (${[kind, ns + name].filter(Boolean).join(" ")})`;
}

function bad(message: string): Parsed {
  return { ok: false, status: 400, message };
}
