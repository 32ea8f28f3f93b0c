// Server-side apply (PATCH with application/apply-patch+yaml) as kube-apiserver's field manager
// does it with structured-merge-diff: the applied configuration is merged into the live object by
// the schema's list and map semantics, its field set becomes the manager's Apply entry, fields
// the manager applied before and applies no more are removed unless someone else owns them, and
// a change to a field another manager owns is a conflict unless the apply is forced.
// Pure: no store, no clock; apiserver.ts runs it inside the write's transaction.
import type { z } from "zod";
import { ApiError, errors, type StatusCause } from "../machinery/errors";
import {
  capUpdaters,
  compareEntries,
  compareObjects,
  decodeEntries,
  FieldSet,
  fieldKind,
  idOf,
  itemKey,
  kindOf,
  LEAF,
  STRIPPED_META,
  zeroObject,
  type Kind,
  type ManagedFieldsEntry,
} from "./managedFields";

type Obj = Record<string, unknown>;

export const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

export interface ApplyRequest {
  schema: z.ZodType;
  /** The object as stored (wire form, with its managedFields), or null when apply creates it. */
  live: Obj | null;
  /** The applied configuration, already checked by checkAppliedConfig. */
  config: Obj;
  manager: string;
  apiVersion: string;
  force: boolean;
  subresource?: string;
  /** Top-level fields the write may touch (as managedFields.ts's UpdateRecord scope). */
  scope: { only?: string[]; skip?: string[] };
}

export interface ApplyResult {
  /** The merged object, without managedFields (defaults and validation come after). */
  object: Obj;
  /**
   * The managedFields to store, given whether the write changed the object: the applier's
   * entry gets `time` only when it did (a no-op apply keeps the object byte for byte).
   */
  managedFields(changed: boolean, time: string): ManagedFieldsEntry[] | undefined;
}

// ---------------------------------------------------------------------------------------------
// The request

/** kube's GroupVersionKind.String(): "apps/v1, Kind=Deployment", "/v1, Kind=ConfigMap". */
function gvkString(apiVersion: unknown, kind: unknown): string {
  const av = typeof apiVersion === "string" ? apiVersion : "";
  const slash = av.indexOf("/");
  const [group, version] = slash < 0 ? ["", av] : [av.slice(0, slash), av.slice(slash + 1)];
  return `${group}/${version}, Kind=${typeof kind === "string" ? kind : ""}`;
}

/** Checks an applied configuration as the field manager's wrappers do before merging it. */
export function checkAppliedConfig(body: unknown, apiVersion: string, kind: string): Obj {
  if (body === null || typeof body !== "object" || Array.isArray(body)) throw errors.badRequest("error decoding YAML: the applied configuration is not an object");
  const b = body as Obj;
  if (b.apiVersion !== apiVersion || b.kind !== kind) throw errors.badRequest(`invalid object type: ${gvkString(b.apiVersion, b.kind)}`);
  const meta = b.metadata;
  if (meta !== undefined && meta !== null && typeof meta === "object" && (meta as Obj).managedFields !== undefined && (meta as Obj).managedFields !== null)
    throw errors.badRequest("metadata.managedFields must be nil");
  return b;
}

// ---------------------------------------------------------------------------------------------
// Apply

export function apply(r: ApplyRequest): ApplyResult {
  const live = r.live ? withoutManaged(r.live) : (zeroObject(r.schema) as Obj);
  const config = scoped(r.config, r.scope);
  const managers = decodeEntries(r.live ? (r.live.metadata as Obj | undefined)?.managedFields : undefined, true) ?? new Map();
  const sets = new Map<string, FieldSet>();
  for (const [id, m] of managers) sets.set(id, FieldSet.fromFieldsV1(m.fields));

  const root = kindOf(r.schema);
  const merged = mergeValue(root, live, config) as Obj;
  const applied = configSet(root, config);
  const entry: ManagedFieldsEntry = { manager: r.manager, operation: "Apply", apiVersion: r.apiVersion, fieldsType: "FieldsV1", ...(r.subresource ? { subresource: r.subresource } : {}) };
  const me = idOf(entry);
  const lastSet = sets.get(me);
  sets.set(me, applied);
  const pruned = lastSet && !lastSet.empty ? prune(root, merged, lastSet, union(sets.values())) : merged;

  // Ownership moves as structured-merge-diff's update does: what the apply added or changed is
  // a conflict with any other owner (or, forced, leaves them); what it removed leaves everyone.
  const { touched, removed } = compareObjects(r.schema, live, pruned, r.scope);
  const conflicts = new Map<string, FieldSet>();
  for (const [id, set] of sets) {
    if (id === me) continue;
    const c = set.intersection(touched);
    if (!c.empty) conflicts.set(id, c);
  }
  if (conflicts.size && !r.force) {
    const allowed = r.manager === "kubectl" && r.live ? allowedByLastApplied(r.schema, r.live) : null;
    const left = allowed ? filterConflicts(conflicts, allowed) : conflicts;
    if (left.size) throw conflictError(left, managers);
  }
  for (const [id, c] of conflicts) sets.set(id, sets.get(id)!.difference(c));
  for (const [id, set] of sets) if (id !== me) sets.set(id, set.difference(removed));

  const object = pruned;
  if (r.manager === "kubectl") syncLastApplied(object, r.live, r.config);
  return {
    object,
    managedFields(changed, time) {
      const out = new Map<string, { entry: ManagedFieldsEntry; fields: Record<string, unknown> | null }>();
      for (const [id, set] of sets) {
        if (set.empty) continue;
        const prev = managers.get(id)?.entry;
        let e: ManagedFieldsEntry = id === me ? { ...entry, ...(prev?.time ? { time: prev.time } : {}) } : prev!;
        if (id === me && (changed || !prev)) e = { ...e, time };
        out.set(id, { entry: e, fields: set.toFieldsV1() });
      }
      capUpdaters(out);
      if (!out.size) return undefined;
      return [...out.values()].map(({ entry: e, fields }) => ({ ...orderEntry(e), fieldsV1: fields! })).sort(compareEntries);
    },
  };
}

/** An entry's fields in kube's order (manager, operation, apiVersion, time, fieldsType, subresource). */
function orderEntry(e: ManagedFieldsEntry): ManagedFieldsEntry {
  const { manager, operation, apiVersion, time, fieldsType, subresource } = e;
  return { manager, operation, apiVersion, ...(time ? { time } : {}), fieldsType, ...(subresource ? { subresource } : {}) };
}

function withoutManaged(o: Obj): Obj {
  const meta = o.metadata as Obj | undefined;
  if (!meta || !("managedFields" in meta)) return o;
  const { managedFields: _mf, ...rest } = meta;
  return { ...o, metadata: rest };
}

/** The configuration without the top-level fields this endpoint does not own (status on the main resource, spec on /status). */
function scoped(config: Obj, scope: ApplyRequest["scope"]): Obj {
  const out: Obj = {};
  for (const [k, v] of Object.entries(config)) {
    if (k !== "apiVersion" && k !== "kind" && k !== "metadata" && ((scope.only && !scope.only.includes(k)) || scope.skip?.includes(k))) continue;
    out[k] = v;
  }
  return out;
}

function union(sets: Iterable<FieldSet>): FieldSet {
  const out = new FieldSet();
  for (const s of sets) out.union(s);
  return out;
}

// ---------------------------------------------------------------------------------------------
// The applied configuration's field set (typed.ToFieldSet)

/** The set of the fields a configuration sets, without the ones no manager owns (stripMeta). */
export function configSet(root: Kind, config: Obj): FieldSet {
  const set = new FieldSet();
  if (root.t !== "struct") return set;
  for (const [k, v] of Object.entries(config)) {
    if (k === "apiVersion" || k === "kind") continue;
    const child = set.child("f:" + k);
    if (k === "metadata" && v && typeof v === "object" && !Array.isArray(v)) {
      const meta = fieldKind(root, k);
      for (const [mk, mv] of Object.entries(v as Obj)) if (!STRIPPED_META.has(mk)) fieldSetOf(meta.t === "struct" ? fieldKind(meta, mk) : LEAF, mv, child.child("f:" + mk), true);
      continue;
    }
    fieldSetOf(fieldKind(root, k), v, child, true);
  }
  return set;
}

/** Adds the paths of `v` (at `node`) to the set; `named` says `node` is a struct's field. */
function fieldSetOf(kind: Kind, v: unknown, node: FieldSet, named: boolean): void {
  if (kind.t === "leaf" || v === null || typeof v !== "object") {
    node.member = true;
    return;
  }
  if (kind.t === "list") {
    if (!Array.isArray(v)) return void (node.member = true);
    const sub = kind.keys === null ? LEAF : kindOf(kind.of);
    v.forEach((item, i) => {
      const c = node.child(itemKey(item, kind.keys, i));
      fieldSetOf(sub, item, c, false);
      c.member = true;
    });
    return;
  }
  if (Array.isArray(v)) return void (node.member = true);
  const entries = Object.entries(v as Obj);
  // An empty map or struct is itself a member; a map's entries always are, a struct's fields
  // only as leaves.
  if (!entries.length || !named) node.member = true;
  for (const [k, c] of entries) {
    const child = node.child("f:" + k);
    if (kind.t === "struct") fieldSetOf(fieldKind(kind, k), c, child, true);
    else {
      fieldSetOf(kindOf(kind.of), c, child, false);
      child.member = true;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Merge (typed.Merge): the configuration wins, lists by their identity

export function mergeValue(kind: Kind, lhs: unknown, rhs: unknown): unknown {
  if (rhs === undefined) return lhs;
  if (kind.t === "leaf" || rhs === null || typeof rhs !== "object") return structuredClone(rhs);
  if (kind.t === "list") {
    if (!Array.isArray(rhs)) return structuredClone(rhs);
    return mergeList(kind, Array.isArray(lhs) ? lhs : [], rhs);
  }
  if (Array.isArray(rhs)) return structuredClone(rhs);
  const out: Obj = lhs && typeof lhs === "object" && !Array.isArray(lhs) ? { ...(lhs as Obj) } : {};
  for (const [k, v] of Object.entries(rhs as Obj)) {
    // A null in an applied configuration unsets the field (Go decodes it as the zero value).
    if (v === null) delete out[k];
    else out[k] = mergeValue(kind.t === "struct" ? fieldKind(kind, k) : kindOf(kind.of), out[k], v);
  }
  return out;
}

/**
 * A set or associative list merged as structured-merge-diff orders it: items only the live
 * object has keep their place, items the configuration has come in its order, and items both
 * have are merged where the configuration puts them.
 */
function mergeList(kind: Extract<Kind, { t: "list" }>, lhs: unknown[], rhs: unknown[]): unknown[] {
  const sub = kind.keys === null ? LEAF : kindOf(kind.of);
  const lKeys = lhs.map((x, i) => itemKey(x, kind.keys, i));
  const rKeys = rhs.map((x, i) => itemKey(x, kind.keys, i));
  const lByKey = new Map<string, unknown>();
  lhs.forEach((x, i) => lByKey.has(lKeys[i]!) || lByKey.set(lKeys[i]!, x));
  const rByKey = new Map<string, unknown>();
  rhs.forEach((x, i) => rByKey.has(rKeys[i]!) || rByKey.set(rKeys[i]!, x));
  const shared = rKeys.filter((k) => lByKey.has(k));
  let next = 0;
  const done = new Set<string>();
  const out: unknown[] = [];
  const take = (k: string) => {
    done.add(k);
    out.push(mergeValue(sub, lByKey.get(k), rByKey.get(k)));
  };
  for (let l = 0, r = 0; l < lKeys.length || r < rKeys.length; ) {
    if (l < lKeys.length && r < rKeys.length) {
      const k = lKeys[l]!;
      if (k === rKeys[r]) {
        take(k);
        l++;
        r++;
        if (shared[next] === k) next++;
        continue;
      }
      if (rByKey.has(k) && next < shared.length && shared[next] !== k) {
        l++;
        continue;
      }
    }
    if (l < lKeys.length) {
      const k = lKeys[l]!;
      if (!rByKey.has(k)) {
        out.push(structuredClone(lhs[l]));
        l++;
        continue;
      } else if (done.has(k)) l++;
    }
    if (r < rKeys.length) {
      const k = rKeys[r]!;
      if (!done.has(k)) take(k);
      r++;
      if (shared[next] === k) next++;
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Removing what the manager no longer applies (Updater.prune)

/**
 * `merged` without the fields of `last` (the manager's previous set) that nobody owns now:
 * such a field goes with everything under it, unless something under it is owned.
 */
function prune(kind: Kind, merged: Obj, last: FieldSet, owned: FieldSet): Obj {
  return pruneNode(kind, merged, last, owned, null) as Obj;
}

function pruneNode(kind: Kind, v: unknown, last: FieldSet, owned: FieldSet | undefined, keys: string[] | null): unknown {
  if (!last.children || v === null || typeof v !== "object") return v;
  if (kind.t === "list" && Array.isArray(v)) {
    const sub = kind.keys === null ? LEAF : kindOf(kind.of);
    const out: unknown[] = [];
    v.forEach((item, i) => {
      const k = itemKey(item, kind.keys, i);
      const l = last.children!.get(k);
      if (!l) return void out.push(item);
      const o = owned?.children?.get(k);
      if (!o || o.empty) return; // applied before, owned by nobody now: removed
      out.push(pruneNode(sub, item, l, o, kind.keys));
    });
    return out;
  }
  if ((kind.t !== "struct" && kind.t !== "map") || Array.isArray(v)) return v;
  const out: Obj = { ...(v as Obj) };
  for (const [k, l] of last.children) {
    if (!k.startsWith("f:")) continue;
    const name = k.slice(2);
    if (!(name in out)) continue;
    const o = owned?.children?.get(k);
    if (!o || o.empty) {
      if (!keys?.includes(name)) delete out[name]; // an item kept for its owned fields keeps its keys
      continue;
    }
    // Owning a struct or map itself does not keep its fields: only what is owned under it stays.
    out[name] = pruneNode(kind.t === "struct" ? fieldKind(kind, name) : kindOf(kind.of), out[name], l, o, null);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Conflicts

/** A FieldsV1 path element as fieldpath.Path.String() prints it. */
function elementString(k: string): string {
  const rest = k.slice(2);
  switch (k[0]) {
    case "f":
      return "." + rest;
    case "k": {
      const key = JSON.parse(rest) as Obj;
      return "[" + Object.entries(key).map(([n, v]) => `${n}=${JSON.stringify(v)}`).join(",") + "]";
    }
    case "v":
      return `[=${rest}]`;
    default:
      return `[${rest}]`;
  }
}

/** The member paths of a set in fieldpath.Set.Iterate's order: a node's members, then its children's. */
function memberPaths(set: FieldSet, prefix = ""): string[] {
  if (!set.children) return [];
  const keys = [...set.children.keys()].sort();
  const out: string[] = [];
  for (const k of keys) if (set.children.get(k)!.member) out.push(prefix + elementString(k));
  for (const k of keys) out.push(...memberPaths(set.children.get(k)!, prefix + elementString(k)));
  return out;
}

/** How kube names a manager in a conflict: `"name"`, with `using <apiVersion>` for an updater. */
function printManager(e: ManagedFieldsEntry | undefined, id: string): string {
  if (!e) return JSON.stringify(id);
  let s = JSON.stringify(e.manager ?? "");
  if (e.subresource) s += ` with subresource ${JSON.stringify(e.subresource)}`;
  if (e.operation === "Update") s += ` using ${e.apiVersion ?? ""}`;
  return s;
}

function conflictError(conflicts: Map<string, FieldSet>, managers: Map<string, { entry: ManagedFieldsEntry }>): ApiError {
  const byManager = [...conflicts.entries()].map(([id, set]) => ({ who: printManager(managers.get(id)?.entry, id), paths: memberPaths(set) })).sort((a, b) => (a.who < b.who ? -1 : a.who > b.who ? 1 : 0));
  const causes: StatusCause[] = [];
  for (const m of byManager) for (const p of m.paths) causes.push({ reason: "FieldManagerConflict", message: `conflict with ${m.who}`, field: p });
  let message: string;
  if (causes.length === 1) message = `Apply failed with 1 conflict: conflict with ${byManager[0]!.who}: ${causes[0]!.field}`;
  else {
    const lines: string[] = [];
    for (const m of byManager) lines.push(`conflicts with ${m.who}:`, ...m.paths.map((p) => `- ${p}`));
    message = `Apply failed with ${causes.length} conflicts: ${lines.join("\n")}`;
  }
  return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Conflict", details: { causes }, code: 409 });
}

// ---------------------------------------------------------------------------------------------
// kubectl's client-side apply, met halfway (lastAppliedManager, lastAppliedUpdater)

/**
 * The fields kubectl's last-applied annotation set that the live object still has as it set
 * them: kubectl's own server-side apply may take them from client-side apply without --force.
 */
function allowedByLastApplied(schema: z.ZodType, live: Obj): FieldSet | null {
  const text = ((live.metadata as Obj | undefined)?.annotations as Record<string, string> | undefined)?.[LAST_APPLIED];
  if (!text) return null;
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return null;
  }
  if (!last || typeof last !== "object" || Array.isArray(last) || (last as Obj).apiVersion !== live.apiVersion) return null;
  const root = kindOf(schema);
  const set = configSet(root, last as Obj);
  const { touched, removed } = compareObjects(schema, last as Obj, withoutManaged(live), {});
  // Fields live has that the annotation lacks are "added" in the comparison, which the set never holds.
  return set.difference(touched).difference(removed);
}

function filterConflicts(conflicts: Map<string, FieldSet>, allowed: FieldSet): Map<string, FieldSet> {
  const out = new Map<string, FieldSet>();
  for (const [id, set] of conflicts) {
    const left = set.difference(allowed);
    if (!left.empty) out.set(id, left);
  }
  return out;
}

/** kubectl's server-side apply keeps an existing last-applied annotation in step with what it applied. */
function syncLastApplied(object: Obj, live: Obj | null, config: Obj): void {
  const liveAnn = (live?.metadata as Obj | undefined)?.annotations as Record<string, string> | undefined;
  if (!liveAnn?.[LAST_APPLIED]) return;
  const copy = structuredClone(config);
  const ann = (copy.metadata as Obj | undefined)?.annotations as Record<string, string> | undefined;
  if (ann) {
    delete ann[LAST_APPLIED];
    if (!Object.keys(ann).length) delete (copy.metadata as Obj).annotations;
  }
  const meta = (object.metadata ??= {}) as Obj;
  meta.annotations = { ...((meta.annotations as Obj | undefined) ?? {}), [LAST_APPLIED]: sortedJson(copy) };
}


/** JSON with object keys sorted, as Go marshals a map. */
function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return "[" + v.map(sortedJson).join(",") + "]";
  if (v && typeof v === "object")
    return "{" + Object.keys(v).sort().filter((k) => (v as Obj)[k] !== undefined).map((k) => JSON.stringify(k) + ":" + sortedJson((v as Obj)[k])).join(",") + "}";
  return JSON.stringify(v);
}
