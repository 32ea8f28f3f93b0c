// metadata.managedFields as kube-apiserver keeps them for non-apply writes (operation Update):
// which manager last set which fields, as sets in the FieldsV1 encoding (`f:name`, `k:{...}` for
// items of keyed lists, `v:...` for items of sets, `.` for a node that is itself a member).
// The shape follows structured-merge-diff's Updater: the fields a write added or changed move to
// its manager, fields it removed leave every manager, and updaters beyond ten are folded into
// "ancient-changes". Apply entries (server-side apply, serverSideApply.ts) live in the same list.
import type { z } from "zod";
import { errors } from "../machinery/errors";
import { typeOf, type FieldSpec, type ListOptions, type TypeNode } from "../machinery/schema/dsl";

export interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

// ---------------------------------------------------------------------------------------------
// Field sets

/** A path set as a tree: `member` says the path to this node is in the set. */
export class FieldSet {
  member = false;
  children: Map<string, FieldSet> | null = null;

  child(key: string): FieldSet {
    this.children ??= new Map();
    let c = this.children.get(key);
    if (!c) this.children.set(key, (c = new FieldSet()));
    return c;
  }

  get empty(): boolean {
    if (this.member) return false;
    if (this.children) for (const c of this.children.values()) if (!c.empty) return false;
    return true;
  }

  /** Adds every member of `o`. */
  union(o: FieldSet): this {
    if (o.member) this.member = true;
    if (o.children) for (const [k, c] of o.children) this.child(k).union(c);
    return this;
  }

  /** The paths in both sets (fieldpath.Set.Intersection). */
  intersection(o: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && o.member;
    if (this.children && o.children)
      for (const [k, c] of this.children) {
        const oc = o.children.get(k);
        if (!oc) continue;
        const i = c.intersection(oc);
        if (!i.empty) out.child(k).union(i);
      }
    return out;
  }

  /** The paths of this set that are not in `o` (fieldpath.Set.Difference). */
  difference(o: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !o.member;
    if (this.children)
      for (const [k, c] of this.children) {
        const oc = o.children?.get(k);
        const d = oc ? c.difference(oc) : c;
        if (!d.empty) out.child(k).union(d);
      }
    return out;
  }

  toFieldsV1(): Record<string, unknown> {
    return this.encode() ?? {};
  }

  /** The FieldsV1 form, or null when the set is empty. */
  private encode(): Record<string, unknown> | null {
    let out: Record<string, unknown> | null = this.member ? {} : null;
    if (this.children) {
      const keys = this.children.size > 1 ? [...this.children.keys()].sort() : this.children.keys();
      let any = false;
      for (const k of keys) {
        const c = this.children.get(k)!.encode();
        if (!c) continue;
        if (!any && this.member) out!["."] = {};
        any = true;
        (out ??= {})[k] = c;
      }
    }
    return out;
  }

  static fromFieldsV1(v: unknown): FieldSet {
    const s = new FieldSet();
    if (!v || typeof v !== "object" || Array.isArray(v)) return s;
    const entries = Object.entries(v as Record<string, unknown>);
    if (!entries.length) s.member = true;
    for (const [k, c] of entries) {
      if (k === ".") s.member = true;
      else s.children = (s.children ?? new Map()).set(k, FieldSet.fromFieldsV1(c));
    }
    return s;
  }
}

// FieldsV1 objects are edited in place of decoding them: a write touches a few paths of sets
// that hold the whole object, so only the nodes along those paths are copied.
export type FieldsV1 = Record<string, unknown>;

/** `json` without the members of `set` (fieldpath.Set.Difference); null when nothing is left. */
function subtractFields(json: FieldsV1, set: FieldSet): FieldsV1 | null {
  const keys = Object.keys(json);
  const wasMember = keys.length === 0 || "." in json;
  if (keys.length === 0) return set.member ? null : json;
  let out: FieldsV1 | null = null;
  const edit = () => (out ??= { ...json });
  if (set.member && "." in json) delete edit()["."];
  if (set.children) {
    for (const [k, c] of set.children) {
      const mine = json[k] as FieldsV1 | undefined;
      if (!mine) continue;
      const next = subtractFields(mine, c);
      if (next === mine) continue;
      if (next) edit()[k] = next;
      else delete edit()[k];
    }
  }
  if (!out) return json;
  const rest = Object.keys(out as FieldsV1);
  const member = wasMember && !set.member;
  if (rest.length === 0) return member ? {} : null;
  if (rest.length === 1 && rest[0] === ".") return {};
  if (member && !("." in (out as FieldsV1))) return { ".": {}, ...(out as FieldsV1) };
  return out;
}

/** `json` with the members of `set` added. */
function addFields(json: FieldsV1 | undefined, set: FieldSet): FieldsV1 {
  if (!json) return set.toFieldsV1();
  const keys = Object.keys(json);
  const out: FieldsV1 = { ...json };
  const member = keys.length === 0 || "." in json || set.member;
  if (set.children) for (const [k, c] of set.children) out[k] = addFields(json[k] as FieldsV1 | undefined, c);
  const hasChildren = Object.keys(out).some((k) => k !== ".");
  if (member && hasChildren) out["."] = {};
  return hasChildren ? sortKeys(out) : {};
}

function sortKeys(o: FieldsV1): FieldsV1 {
  const out: FieldsV1 = {};
  for (const k of Object.keys(o).sort()) out[k] = o[k];
  return out;
}

// ---------------------------------------------------------------------------------------------
// What a write changed

/**
 * Structs and maps Kubernetes marks atomic (`+structType=atomic`, `+mapType=atomic`): owned as
 * a whole, like a scalar.
 */
const ATOMIC_STRUCTS = new Set(
  ["LabelSelector", "NodeSelector", "NodeSelectorTerm", "LocalObjectReference", "ObjectReference", "TypedLocalObjectReference", "ConfigMapKeySelector", "SecretKeySelector", "ObjectFieldSelector", "ResourceFieldSelector"],
);
const ATOMIC_MAP_FIELDS = new Set(["PodSpec.nodeSelector", "ServiceSpec.selector", "ReplicationControllerSpec.selector"]);
/** Fields of ObjectMeta no manager owns (stripMeta), and the object's own apiVersion and kind. */
export const STRIPPED_META = new Set(["name", "namespace", "creationTimestamp", "selfLink", "uid", "generation", "resourceVersion", "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"]);

const shortName = (struct: string) => struct.slice(struct.lastIndexOf(".") + 1);

export type Kind = { t: "leaf" } | { t: "struct"; node: Extract<TypeNode, { t: "struct" }>; fields: Map<string, Kind> | null } | { t: "map"; of: z.ZodType } | { t: "list"; of: z.ZodType; keys: string[] | null };

export const LEAF: Kind = { t: "leaf" };
const kinds = new WeakMap<z.ZodType, Kind>();

export function kindOf(type: z.ZodType | undefined, atomicMap = false): Kind {
  if (!type) return LEAF;
  if (atomicMap) return typeOf(type)?.t === "map" ? LEAF : kindOf(type);
  let k = kinds.get(type);
  if (!k) kinds.set(type, (k = computeKind(type)));
  return k;
}

function computeKind(type: z.ZodType): Kind {
  const node = typeOf(type);
  if (!node || node.t === "scalar") return LEAF;
  if (node.t === "struct") return ATOMIC_STRUCTS.has(shortName(node.name)) ? LEAF : { t: "struct", node, fields: null };
  if (node.t === "map") return { t: "map", of: node.of };
  const keys = listKeys(node.options);
  return keys === undefined ? LEAF : { t: "list", of: node.of, keys };
}

/** The kind of a struct's field (computed once per struct). */
export function fieldKind(kind: Extract<Kind, { t: "struct" }>, name: string): Kind {
  if (!kind.fields) {
    kind.fields = new Map();
    const struct = shortName(kind.node.name);
    for (const [k, f] of Object.entries(kind.node.fields)) kind.fields.set(k, kindOf(f.type, ATOMIC_MAP_FIELDS.has(`${struct}.${k}`)));
  }
  return kind.fields.get(name) ?? LEAF;
}

/** A list's identity as structured-merge-diff sees it: keys (associative), null (a set), undefined (atomic). */
function listKeys(o: ListOptions): string[] | null | undefined {
  if (o.listType === "atomic") return undefined;
  if (o.listType === "map") return o.mapKeys ?? (o.key ? [o.key] : undefined);
  if (o.listType === "set") return null;
  if (o.key) return [o.key];
  return o.strategy?.includes("merge") ? null : undefined;
}

function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v !== "object") return false;
  for (const _ in v as object) return false;
  return true;
}

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((x, i) => same(x, (b as unknown[])[i]));
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => same((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/**
 * Defaults of key fields, which structured-merge-diff fills in from the schema when an item
 * (an applied port without its protocol) leaves one out: without it such an item would not
 * match its live, defaulted self.
 */
const KEY_DEFAULTS: Record<string, unknown> = { protocol: "TCP" };

/** The path element of a list item: `k:{"name":"x"}` (keys sorted) or `v:"x"`. */
export function itemKey(item: unknown, keys: string[] | null, index: number): string {
  if (keys === null) return "v:" + JSON.stringify(item);
  if (!item || typeof item !== "object") return `i:${index}`;
  const o = item as Record<string, unknown>;
  let parts = "";
  for (const k of keys.length > 1 ? [...keys].sort() : keys) {
    const v = o[k] ?? KEY_DEFAULTS[k];
    if (v !== undefined) parts += `${parts ? "," : ""}${JSON.stringify(k)}:${JSON.stringify(v)}`;
  }
  return parts ? `k:{${parts}}` : `i:${index}`;
}

interface Comparison {
  /** Added or modified. */
  touched: FieldSet;
  removed: FieldSet;
}

/** What changed at one node: sets rooted at it, null where nothing did. */
type Change = [touched: FieldSet | null, removed: FieldSet | null] | null;

function memberOnly(): FieldSet {
  const s = new FieldSet();
  s.member = true;
  return s;
}

/** Adds a child's change under `key` of the accumulated change `acc`. */
function attach(acc: Change, key: string, c: Change): Change {
  if (!c) return acc;
  const out: [FieldSet | null, FieldSet | null] = acc ?? [null, null];
  if (c[0]) ((out[0] ??= new FieldSet()).children ??= new Map()).set(key, c[0]);
  if (c[1]) ((out[1] ??= new FieldSet()).children ??= new Map()).set(key, c[1]);
  return out;
}

/**
 * Compares `lhs` and `rhs` (at least one present) as structured-merge-diff's compare walker does.
 * `lhs` may be null: a field of the zero value that Go writes as null (present, but empty).
 */
function walk(kind: Kind, lhs: unknown, rhs: unknown, skip?: Set<string>): Change {
  if (kind.t === "leaf" || (isEmpty(lhs) && isEmpty(rhs))) {
    if (lhs === undefined) return [memberOnly(), null];
    if (rhs === undefined) return [null, memberOnly()];
    return same(lhs, rhs) ? null : [memberOnly(), null];
  }
  let acc: Change = null;
  if (kind.t === "struct" || kind.t === "map") {
    const l = (lhs ?? {}) as Record<string, unknown>;
    const r = (rhs ?? {}) as Record<string, unknown>;
    for (const k in r) acc = walkField(acc, kind, k, l[k], r[k], skip);
    for (const k in l) if (!(k in r)) acc = walkField(acc, kind, k, l[k], undefined, skip);
  } else {
    const items = (v: unknown) => {
      const m = new Map<string, unknown>();
      if (Array.isArray(v)) v.forEach((x, i) => m.set(itemKey(x, kind.keys, i), x));
      return m;
    };
    const l = items(lhs);
    const r = items(rhs);
    const sub = kind.keys === null ? LEAF : kindOf(kind.of);
    for (const [k, b] of r) acc = attach(acc, k, walk(sub, l.get(k), b));
    for (const [k, a] of l) if (!r.has(k)) acc = attach(acc, k, walk(sub, a, undefined));
  }
  if (lhs === undefined) {
    acc ??= [null, null];
    (acc[0] ??= new FieldSet()).member = true;
  } else if (rhs === undefined) {
    acc ??= [null, null];
    (acc[1] ??= new FieldSet()).member = true;
  }
  return acc;
}

function walkField(acc: Change, kind: Extract<Kind, { t: "struct" | "map" }>, k: string, a: unknown, b: unknown, skip: Set<string> | undefined): Change {
  if (skip?.has(k)) return acc;
  if (a === b && (a === undefined || a === null || typeof a !== "object")) return acc;
  return attach(acc, "f:" + k, walk(kind.t === "struct" ? fieldKind(kind, k) : kindOf(kind.of), a, b));
}

/**
 * What changed from `before` to `after` (whole objects), outside the fields no manager owns.
 * `only` limits the comparison to some top-level fields (a status write owns only status);
 * `skip` leaves some out (a main-resource write does not own status).
 */
export function compareObjects(schema: z.ZodType, before: Record<string, unknown>, after: Record<string, unknown>, scope: { only?: string[]; skip?: string[] }): Comparison {
  const root = kindOf(schema);
  let change: Change = null;
  if (root.t === "struct") {
    const visit = (k: string) => {
      if (k === "apiVersion" || k === "kind") return;
      if (scope.only && !scope.only.includes(k)) return;
      if (scope.skip?.includes(k)) return;
      const a = before[k];
      const b = after[k];
      if (a === undefined && b === undefined) return;
      change = attach(change, "f:" + k, walk(fieldKind(root, k), a, b, k === "metadata" ? STRIPPED_META : undefined));
    };
    for (const k in after) visit(k);
    for (const k in before) if (!(k in after)) visit(k);
  }
  const [touched, removed] = (change as Change) ?? [null, null];
  return { touched: touched ?? new FieldSet(), removed: removed ?? new FieldSet() };
}

// ---------------------------------------------------------------------------------------------
// The empty object a create is compared with

/** Value (non-pointer) struct fields: present, empty, in a Go zero value. */
const VALUE_STRUCT_FIELDS = new Set(["metadata", "spec", "status", "template", "strategy", "updateStrategy", "jobTemplate", "scaleTargetRef", "nodeInfo", "daemonEndpoints", "kubeletEndpoint", "loadBalancer", "source", "involvedObject"]);
const zeroCache = new WeakMap<z.ZodType, Record<string, unknown>>();

/**
 * The JSON of a kind's Go zero value, as far as it shapes the `.` markers of a create: value
 * structs are there (empty), and fields without omitempty are there as null (`containers`), so
 * only what the create brought into being is marked as added itself.
 */
export function zeroObject(schema: z.ZodType): Record<string, unknown> {
  let z0 = zeroCache.get(schema);
  if (!z0) zeroCache.set(schema, (z0 = zeroOf(schema, 0) ?? {}));
  return z0; // shared: compared, never changed
}

function zeroOf(type: z.ZodType, depth: number): Record<string, unknown> | undefined {
  const node = typeOf(type);
  if (!node || node.t !== "struct" || depth > 6) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(node.fields)) {
    const fnode = typeOf(f.type);
    if (fnode?.t === "struct" && (VALUE_STRUCT_FIELDS.has(k) || f.presence === "always")) out[k] = zeroOf(f.type, depth + 1) ?? {};
    else if (f.presence === "always" && (fnode?.t === "list" || fnode?.t === "map")) out[k] = null;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Recording a write

/** Update managers kept before the oldest are folded into one (DefaultMaxUpdateManagers). */
export const MAX_UPDATE_MANAGERS = 10;
const ANCIENT = "ancient-changes";

export interface UpdateRecord {
  schema: z.ZodType;
  /** The object before the write (null on create), and after it, both without managedFields. */
  before: Record<string, unknown> | null;
  after: Record<string, unknown>;
  /** What the stored object had, and what the request sent (undefined when it sent nothing). */
  live: ManagedFieldsEntry[] | undefined;
  sent: unknown;
  manager: string;
  apiVersion: string;
  subresource?: string;
  /** Top-level fields the write does not own (status, for a kind with a status subresource). */
  scope: { only?: string[]; skip?: string[] };
  time: string;
}

export interface Managed {
  entry: ManagedFieldsEntry;
  /** The entry's set in FieldsV1 form; null once nothing is left. */
  fields: FieldsV1 | null;
}

export const idOf = (e: ManagedFieldsEntry) => JSON.stringify([e.manager ?? "", e.operation ?? "", e.operation === "Apply" ? "" : e.apiVersion ?? "", e.subresource ?? ""]);

/** Entries as the field manager decodes them; null when one is malformed. `stored` ones were encoded here. */
export function decodeEntries(list: unknown, stored = false): Map<string, Managed> | null {
  const out = new Map<string, Managed>();
  if (!Array.isArray(list)) return out;
  for (const e of list as ManagedFieldsEntry[]) {
    if (!e || typeof e !== "object") return null;
    if (e.operation !== "Apply" && e.operation !== "Update") return null;
    if (!e.apiVersion || e.fieldsType !== "FieldsV1") return null;
    const f = e.fieldsV1;
    if (f !== undefined && (stored ? typeof f !== "object" || f === null : !isFieldsV1(f))) return null;
    out.set(idOf(e), { entry: e, fields: f ?? {} });
  }
  return out;
}

/** Whether `v` is a FieldsV1 tree (what FieldsToSet accepts): objects keyed by path elements. */
function isFieldsV1(v: unknown): v is FieldsV1 {
  if (v === null || typeof v !== "object" || Array.isArray(v)) return false;
  for (const [k, c] of Object.entries(v)) {
    if (k === ".") {
      if (!isFieldsV1(c) || Object.keys(c).length) return false;
    } else if (!/^[fkvi]:/.test(k) || !isFieldsV1(c)) return false;
  }
  return true;
}

/** `[]` or `[{}]` sent by a client: forget every manager. */
function isReset(sent: unknown): boolean {
  if (!Array.isArray(sent)) return false;
  return sent.length === 0 || (sent.length === 1 && !!sent[0] && typeof sent[0] === "object" && Object.keys(sent[0] as object).length === 0);
}

/** The managedFields after a write (undefined when no manager owns anything). */
export function recordUpdate(r: UpdateRecord): ManagedFieldsEntry[] | undefined {
  let managed: Map<string, Managed>;
  if (r.subresource || r.sent === undefined) managed = decodeEntries(r.live, true) ?? new Map();
  else if (isReset(r.sent)) managed = new Map();
  else {
    const fromSent = decodeEntries(r.sent);
    managed = fromSent && fromSent.size ? fromSent : decodeEntries(r.live, true) ?? new Map();
  }
  const { touched, removed } = compareObjects(r.schema, r.before ?? zeroObject(r.schema), r.after, r.scope);
  const changed = !touched.empty;
  if (changed || !removed.empty) {
    for (const m of managed.values()) {
      if (m.fields && changed) m.fields = subtractFields(m.fields, touched);
      if (m.fields) m.fields = subtractFields(m.fields, removed);
    }
  }
  if (changed) {
    const entry: ManagedFieldsEntry = { manager: r.manager, operation: "Update", apiVersion: r.apiVersion, time: r.time, fieldsType: "FieldsV1", ...(r.subresource ? { subresource: r.subresource } : {}) };
    const id = idOf(entry);
    managed.set(id, { entry, fields: addFields(managed.get(id)?.fields ?? undefined, touched) });
  }
  for (const [id, m] of managed) if (!m.fields) managed.delete(id);
  capUpdaters(managed);
  if (!managed.size) return undefined;
  return [...managed.values()].map(({ entry, fields }) => ({ ...entry, fieldsV1: fields! })).sort(compareEntries);
}

/** Folds the oldest updaters, per API version, into "ancient-changes" until ten remain. */
export function capUpdaters(managed: Map<string, Managed>): void {
  const updaters = [...managed.entries()].filter(([, m]) => m.entry.operation === "Update");
  if (updaters.length <= MAX_UPDATE_MANAGERS) return;
  updaters.sort(([, a], [, b]) => (a.entry.time ?? "").localeCompare(b.entry.time ?? ""));
  let length = updaters.length;
  const firstOfVersion = new Map<string, string>();
  for (let i = 0; i < updaters.length && length > MAX_UPDATE_MANAGERS; i++) {
    const [id, m] = updaters[i]!;
    const version = m.entry.apiVersion ?? "";
    const bucketEntry: ManagedFieldsEntry = { manager: ANCIENT, operation: "Update", apiVersion: version, fieldsType: "FieldsV1" };
    const bucketId = idOf(bucketEntry);
    const first = firstOfVersion.get(version);
    if (first === undefined) {
      firstOfVersion.set(version, id);
      continue;
    }
    if (!managed.has(bucketId)) {
      const firstFields = managed.get(first)!.fields;
      managed.delete(first);
      managed.set(bucketId, { entry: bucketEntry, fields: firstFields });
    }
    const bucket = managed.get(bucketId)!;
    bucket.fields = addFields(bucket.fields ?? undefined, FieldSet.fromFieldsV1(m.fields));
    bucket.entry = { ...bucket.entry, time: m.entry.time };
    managed.delete(id);
    length--;
  }
}

/** kube-apiserver's order: operation, time (to the second), manager, apiVersion, subresource. */
export function compareEntries(p: ManagedFieldsEntry, q: ManagedFieldsEntry): number {
  const by = (a: string | undefined, b: string | undefined) => ((a ?? "") < (b ?? "") ? -1 : (a ?? "") > (b ?? "") ? 1 : 0);
  return by(p.operation, q.operation) || by(p.time, q.time) || by(p.manager, q.manager) || by(p.apiVersion, q.apiVersion) || by(p.subresource, q.subresource);
}

// ---------------------------------------------------------------------------------------------
// Who is writing

/** The manager of a request: `?fieldManager=`, else the user agent up to its first slash. */
export function managerOf(fieldManager: string | null | undefined, userAgent: string | null | undefined): string {
  if (fieldManager) return fieldManager;
  return (userAgent ?? "").split("/")[0]!;
}

/** Longest fieldManager kube-apiserver accepts. */
export const FIELD_MANAGER_MAX_LENGTH = 128;

/** Why a fieldManager is refused, as field errors' bodies, or none. */
export function fieldManagerProblems(manager: string): { reason: "FieldValueTooLong" | "FieldValueInvalid"; message: string }[] {
  const out: { reason: "FieldValueTooLong" | "FieldValueInvalid"; message: string }[] = [];
  if (manager.length > FIELD_MANAGER_MAX_LENGTH) out.push({ reason: "FieldValueTooLong", message: `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes` });
  let i = 0;
  for (const ch of manager) {
    if (!/[\p{L}\p{M}\p{N}\p{P}\p{S} ]/u.test(ch)) {
      const cp = ch.codePointAt(0)!;
      out.push({ reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(manager)}: invalid character U+${cp.toString(16).toUpperCase().padStart(4, "0")} (at position ${i})` });
    }
    i += ch.length;
  }
  return out;
}

/** The manager of a write request, checked as kube-apiserver checks its options (422 on CreateOptions, UpdateOptions, PatchOptions). */
export function fieldManagerOf(q: URLSearchParams, userAgent: string | null, verb: string): string | undefined {
  if (verb !== "create" && verb !== "update" && verb !== "patch") return undefined;
  const sent = q.get("fieldManager") ?? "";
  const problems = fieldManagerProblems(sent);
  if (problems.length) {
    const kind = verb === "create" ? "CreateOptions" : verb === "update" ? "UpdateOptions" : "PatchOptions";
    throw errors.invalid("meta.k8s.io", kind, "", problems.map((p) => ({ path: ["fieldManager"], ...p })));
  }
  return managerOf(sent, userAgent);
}

/** The manager names kind's control plane writes under, by in-process writer (none: the API server's own, at start-up). */
export function inProcessManager(writer: string | null): string {
  if (writer === null) return "kube-apiserver";
  if (writer === "kubelet") return "kubelet";
  if (writer === "scheduler") return "kube-scheduler";
  return "kube-controller-manager";
}
