// The garbage collector: follows ownerReferences. When an owner goes, its dependents go too
// (Background, the default); an owner deleted with Foreground waits, under the
// foregroundDeletion finalizer, until its blocking dependents are gone; one deleted with Orphan
// lets go of its dependents (the orphan finalizer) and leaves them. A dependent whose owners no
// longer exist is collected. The owner index lives in memory and is rebuilt from the store,
// except a pod's controller reference: pod_keys indexes those in SQLite already, and at 100,000
// pods they would be most of the index.
import { ApiError } from "../machinery/errors";
import { mayHaveFinalizer, ownerReferencesIn, ownerReferencesOf } from "../machinery/storedMeta";
import type { KObject, ResourceDef } from "../resources/define";
import { storageOf } from "../resources/define";
import type { Controller, ControllerContext } from "../loop/loop";

export const GARBAGE_COLLECTOR = "garbage-collector";
export const FOREGROUND = "foregroundDeletion";
export const ORPHAN = "orphan";
/** Dependents of a deleted owner checked in one transaction (kube-controller-manager's burstReplicas). */
const BATCH = 500;

interface Ref {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  blockOwnerDeletion?: boolean;
  controller?: boolean;
}

type Loc = { storage: string; namespace: string; name: string };

const enc = (l: Loc) => `${l.storage}|${l.namespace}|${l.name}`;
const dec = (s: string): Loc => {
  const [storage, namespace, name] = s.split("|");
  return { storage, namespace, name };
};

export function garbageCollectorController(): Controller {
  /** owner uid -> dependents */
  let index: Map<string, Set<string>> | null = null;
  /** dependent -> owner uids it was indexed under */
  const indexedUnder = new Map<string, string[]>();
  /** owners waiting in foreground deletion, by uid */
  const foreground = new Map<string, Loc>();
  /** A gone owner's dependents already looked at, by the owner's uid: the key of the last one. */
  const goneAfter = new Map<string, string>();

  function note(loc: Loc, all: Ref[] | undefined) {
    if (!index) return;
    const key = enc(loc);
    for (const uid of indexedUnder.get(key) ?? []) {
      const deps = index.get(uid);
      if (deps?.delete(key) && !deps.size) index.delete(uid);
    }
    indexedUnder.delete(key);
    const refs = loc.storage === "pods" ? all?.filter((r) => !r.controller) : all;
    if (!refs?.length) return;
    for (const r of refs) {
      if (!index.has(r.uid)) index.set(r.uid, new Set());
      index.get(r.uid)!.add(key);
    }
    indexedUnder.set(key, refs.map((r) => r.uid));
  }

  /**
   * The owner index from the store: SQLite reads the references out of the bodies, so a store of
   * many thousand pods is not parsed here. Returns the names each owner uid is referenced by.
   */
  function build(ctx: ControllerContext): Map<string, Set<string>> {
    index = new Map();
    indexedUnder.clear();
    const stored = new Set(ctx.api.registry.stored());
    const names = new Map<string, Set<string>>();
    for (const l of ctx.store.ownerLinks()) {
      if (!stored.has(l.resource)) continue;
      let n = names.get(l.ownerUid);
      if (!n) names.set(l.ownerUid, (n = new Set()));
      n.add(l.ownerName);
      if (l.resource === "pods" && l.controller) continue;
      const key = enc({ storage: l.resource, namespace: l.namespace, name: l.name });
      let deps = index.get(l.ownerUid);
      if (!deps) index.set(l.ownerUid, (deps = new Set()));
      deps.add(key);
      const under = indexedUnder.get(key);
      if (under) under.push(l.ownerUid);
      else indexedUnder.set(key, [l.ownerUid]);
    }
    return names;
  }

  /** What names `uid` as its owner, in every namespace but `outside`. */
  function dependents(ctx: ControllerContext, uid: string, outside?: string): Loc[] {
    if (!index) build(ctx);
    const keys = new Set<string>();
    for (const k of index!.get(uid) ?? []) if (outside === undefined || dec(k).namespace !== outside) keys.add(k);
    for (const p of ctx.store.podsControlledBy(uid, outside)) keys.add(enc({ storage: "pods", ...p }));
    return [...keys].map(dec);
  }

  /** Whether anything names `uid` as its owner. */
  function owns(ctx: ControllerContext, uid: string): boolean {
    if (!index) build(ctx);
    return index!.has(uid) || ctx.store.controlsPods(uid);
  }

  return {
    name: GARBAGE_COLLECTOR,
    keysFor(c, ctx) {
      const loc = { storage: c.resource, namespace: c.namespace, name: c.name };
      const keys: string[] = [];
      if (c.type === "DELETED") {
        // The uid from the write that made the change, and the references read out of the body:
        // a deletion of thousands of pods is not a full parse of each (only a change read back
        // from the log after a restart has no uid).
        const uid = c.uid ?? (JSON.parse(c.body) as KObject).metadata.uid!;
        note(loc, undefined);
        // Only an owner's deletion concerns dependents: the index knows every owner, so the Events
        // the recorder drops (most deletions) queue nothing, as kube's graph builder ignores the
        // deletion of a node that is not in its graph. Built here if no key has needed it yet: a
        // collector that has not had its turn would otherwise queue every deletion meanwhile.
        if (owns(ctx, uid)) keys.push(`gone|${uid}`);
        foreground.delete(uid);
        // an owner waiting in foreground deletion may now be free to go
        for (const r of (ownerReferencesOf(c) as Ref[] | undefined) ?? []) keys.push(`owner-uid|${r.uid}`);
        return keys;
      }
      const hasRefs = c.meta ? c.meta.ownerReferences !== undefined : c.body.includes('"ownerReferences"');
      if (hasRefs || indexedUnder.has(enc(loc))) {
        note(loc, ownerReferencesOf(c) as Ref[] | undefined);
        if (c.type === "ADDED" && hasRefs) keys.push(`check|${enc(loc)}`);
      }
      if (mayHaveFinalizer(c, FOREGROUND) || mayHaveFinalizer(c, ORPHAN)) {
        keys.push(`owner|${enc(loc)}`);
        const meta = (JSON.parse(c.body) as KObject).metadata;
        if (meta.uid && meta.finalizers?.includes(FOREGROUND)) foreground.set(meta.uid, loc);
      }
      return keys;
    },
    restore(ctx) {
      // Owners waiting in foreground deletion: a dependent's deletion looks its owner up here.
      foreground.clear();
      const stored = new Set(ctx.api.registry.stored());
      for (const row of ctx.store.beingDeleted()) {
        if (!stored.has(row.resource) || !row.body.includes(`"${FOREGROUND}"`)) continue;
        const uid = (JSON.parse(row.body) as KObject).metadata.uid;
        if (uid) foreground.set(uid, { storage: row.resource, namespace: row.namespace, name: row.name });
      }
    },
    resync(ctx) {
      // What a restart may have left undone: dependents of an owner that is gone (each owner
      // looked up once by uid, as kube's collector checks the owners it has not seen), and
      // owners waiting in foreground or orphan deletion. A dependent whose owners all exist
      // needs nothing until one of them changes.
      const keys: string[] = [];
      for (const [uid, names] of build(ctx)) {
        const owner = ctx.store.keyOfUid(uid);
        const named = owner !== undefined && names.size === 1 && names.has(owner.name);
        // An owner in another namespace is no owner (only a cluster-scoped one may own across).
        if (named && owner.namespace === "") continue;
        for (const dep of dependents(ctx, uid, named ? owner.namespace : undefined)) keys.push(`check|${enc(dep)}`);
      }
      const stored = new Set(ctx.api.registry.stored());
      for (const row of ctx.store.beingDeleted()) {
        if (!stored.has(row.resource) || (!row.body.includes(`"${FOREGROUND}"`) && !row.body.includes(`"${ORPHAN}"`))) continue;
        keys.push(`owner|${enc({ storage: row.resource, namespace: row.namespace, name: row.name })}`);
      }
      return [...new Set(keys)];
    },
    reconcile(key, ctx) {
      const i = key.indexOf("|");
      const what = key.slice(0, i);
      const rest = key.slice(i + 1);
      if (what === "gone") {
        // A batch a reconcile, as kube's collector deletes each dependent with its own call: one
        // transaction for an owner of 5,000 pods held all 5,000 changes in memory at once, and
        // all the batches in one reconcile kept the object from answering anyone for seconds.
        // The rest wait on a timer due now, after the key of the last one done (dependents still
        // in their grace period are still listed); a restart starts the list again, harmlessly.
        const after = goneAfter.get(rest);
        const todo = dependents(ctx, rest)
          .map(enc)
          .filter((k) => after === undefined || k > after)
          .sort();
        const batch = todo.slice(0, BATCH);
        ctx.store.transaction(() => batch.forEach((dep) => checkDependent(ctx, dec(dep))));
        if (todo.length > BATCH) {
          goneAfter.set(rest, batch[batch.length - 1]);
          ctx.schedule(GARBAGE_COLLECTOR, key, ctx.clock.now());
        } else goneAfter.delete(rest);
        return;
      }
      ctx.store.transaction(() => {
        if (what === "check") checkDependent(ctx, dec(rest));
        else if (what === "owner") finishOwner(ctx, dec(rest), dependents);
        else if (what === "owner-uid") {
          const owner = foreground.get(rest);
          if (owner) finishOwner(ctx, owner, dependents);
        }
      });
    },
  };
}

/** Whether this cluster serves the kind a reference names (an owner of a kind not served counts as existing). */
function servedKind(ctx: ControllerContext, ref: Ref): boolean {
  const [group, version] = ref.apiVersion.includes("/") ? ref.apiVersion.split("/") : ["", ref.apiVersion];
  return !!ctx.api.registry.findKind(group, version, ref.kind);
}

function remove(ctx: ControllerContext, loc: Loc, propagationPolicy?: "Foreground" | "Background") {
  const def = ctx.api.registry.storageKind(loc.storage);
  if (!def) return;
  try {
    ctx.api.delete(def, loc.namespace, loc.name, propagationPolicy ? { propagationPolicy } : {});
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}

/** A dependent whose owners are all gone is deleted; references to missing owners are dropped. */
function checkDependent(ctx: ControllerContext, loc: Loc) {
  // The references are read out of the stored text: the usual check (a new pod whose ReplicaSet is
  // there) ends without parsing the dependent, which only an owner gone or going needs.
  const raw = ctx.store.getRaw(loc.storage, loc.namespace, loc.name);
  if (raw === undefined) return;
  const refs = (ownerReferencesIn(raw) as Ref[] | undefined) ?? [];
  if (!refs.length) return;
  let parsed: KObject | undefined;
  const deleting = () => !!(parsed ??= JSON.parse(raw) as KObject).metadata.deletionTimestamp;
  // Each owner read once (a ReplicaSet's body, template and all, for every pod it makes).
  const owners = refs.map((r) => (servedKind(ctx, r) ? (ownerObject(ctx, r, loc.namespace) ?? null) : undefined));
  const alive = refs.filter((_, i) => owners[i] !== null);
  if (alive.length === refs.length) {
    // an owner being deleted in the foreground takes its dependents with it
    for (const owner of owners) {
      if (owner?.metadata.deletionTimestamp && owner.metadata.finalizers?.includes(FOREGROUND) && !deleting()) remove(ctx, loc, "Foreground");
    }
    return;
  }
  if (!alive.length) {
    if (!deleting()) remove(ctx, loc);
    return;
  }
  const def = ctx.api.registry.storageKind(loc.storage);
  if (def) ctx.api.patch(def, loc.namespace, loc.name, "merge", { metadata: { ownerReferences: alive } }, { trusted: true });
}

function ownerObject(ctx: ControllerContext, ref: Ref, namespace: string): KObject | undefined {
  const [group, version] = ref.apiVersion.includes("/") ? ref.apiVersion.split("/") : ["", ref.apiVersion];
  const def = ctx.api.registry.findKind(group, version, ref.kind);
  if (!def) return undefined;
  const o = ctx.api.sharedPeek<KObject>(storageOf(def), def.namespaced ? namespace : "", ref.name);
  return o?.metadata.uid === ref.uid ? o : undefined;
}

/** An owner being deleted with the foregroundDeletion or orphan finalizer. */
function finishOwner(ctx: ControllerContext, loc: Loc, dependents: (ctx: ControllerContext, uid: string) => Loc[]) {
  const owner = ctx.api.peek<KObject>(loc.storage, loc.namespace, loc.name);
  if (!owner?.metadata.deletionTimestamp) return;
  const finalizers = owner.metadata.finalizers ?? [];
  const def = ctx.api.registry.storageKind(loc.storage);
  if (!def) return;
  const uid = owner.metadata.uid!;
  const deps = dependents(ctx, uid);
  if (finalizers.includes(ORPHAN)) {
    for (const dep of deps) {
      const obj = ctx.api.peek<KObject>(dep.storage, dep.namespace, dep.name);
      const refs = (obj?.metadata.ownerReferences as Ref[] | undefined) ?? [];
      const kept = refs.filter((r) => r.uid !== uid);
      const depDef = ctx.api.registry.storageKind(dep.storage);
      if (obj && depDef && kept.length !== refs.length) ctx.api.patch(depDef, dep.namespace, dep.name, "merge", { metadata: { ownerReferences: kept.length ? kept : null } }, { trusted: true });
    }
    dropFinalizer(ctx, def, owner, ORPHAN);
    return;
  }
  if (finalizers.includes(FOREGROUND)) {
    let blocking = 0;
    for (const dep of deps) {
      const obj = ctx.api.peek<KObject>(dep.storage, dep.namespace, dep.name);
      if (!obj) continue;
      const ref = ((obj.metadata.ownerReferences as Ref[] | undefined) ?? []).find((r) => r.uid === uid);
      if (!ref) continue;
      if (!obj.metadata.deletionTimestamp) remove(ctx, dep, "Foreground");
      if (ref.blockOwnerDeletion && ctx.api.peek<KObject>(dep.storage, dep.namespace, dep.name)) blocking++;
    }
    if (blocking === 0) dropFinalizer(ctx, def, owner, FOREGROUND);
  }
}

function dropFinalizer(ctx: ControllerContext, def: ResourceDef, owner: KObject, finalizer: string) {
  const fresh = ctx.api.peek<KObject>(storageOf(def), owner.metadata.namespace ?? "", owner.metadata.name!);
  if (!fresh) return;
  const finalizers = (fresh.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  ctx.api.update(def, fresh.metadata.namespace ?? "", fresh.metadata.name!, { ...fresh, metadata: { ...fresh.metadata, finalizers } }, { trusted: true });
}
