// The cluster's object store: this cluster's etcd, on the Durable Object's SQLite.
//
// Every write is one transaction that updates `objects` and appends to `changes`; the change's
// sequence number is the new resourceVersion (one counter per cluster, never reused). Committed
// changes are handed to listeners (the watch hub, the work queues) only after the transaction
// commits, so nobody sees a change that was rolled back.
import { LIMITS } from "../../limits";
import { ApiError, errors } from "../machinery/errors";
import type { StoredOwnerRef } from "../machinery/storedMeta";
import type { KObject } from "../resources/define";
import { BodyCache } from "./bodyCache";
import { migrate } from "./schema";

export type ChangeType = "ADDED" | "MODIFIED" | "DELETED";

/** What selectors look at: labels and the kind's selectable fields. */
export interface Attrs {
  labels: Record<string, string>;
  fields: Record<string, string>;
}

/** What pod_keys holds of a pod. */
type PodKeyed = KObject & { spec?: { nodeName?: string }; status?: { podIP?: string } };

function podKeysOf(pod: PodKeyed): { node: string | null; ip: string | null; owner: string | null } {
  return {
    node: pod.spec?.nodeName || null,
    ip: pod.status?.podIP || null,
    owner: (pod.metadata.ownerReferences as { uid?: string; controller?: boolean }[] | undefined)?.find((r) => r.controller)?.uid || null,
  };
}

export interface Change {
  rv: number;
  type: ChangeType;
  resource: string;
  namespace: string;
  name: string;
  /** The object after the change (for DELETED: its last state, with the deletion's resourceVersion). */
  body: string;
  /** Attributes before the change; null for ADDED. */
  prev: Attrs | null;
  /** The in-process writer that made it (a controller's name, "kubelet"), absent for clients' writes. Not persisted. */
  writer?: string;
  /** The object's uid, known to the write that made the change (so a listener need not parse the body for it). Not persisted. */
  uid?: string;
  /**
   * What listeners read of its metadata, copied by the write that made the change: every work
   * queue looks at every change, and searching a pod's several kilobytes of JSON for owners and
   * finalizers was most of that. Absent for a change read back from the log. Not persisted.
   */
  meta?: ChangeMeta;
  /**
   * The object's labels and selectable fields as written (for DELETED, as it was): a pod's node
   * and phase without a search of its body. Absent for a change read back from the log, or when
   * no one describes the resource (Store.describeWith). Not persisted.
   */
  attrs?: Attrs;
}

export interface ChangeMeta {
  ownerReferences?: readonly StoredOwnerRef[];
  finalizers?: readonly string[];
}

const NO_META: ChangeMeta = Object.freeze({});

/** A copy (the caller keeps the object, and may change it before the listeners run). */
function changeMetaOf(obj: KObject): ChangeMeta {
  const refs = obj.metadata.ownerReferences as StoredOwnerRef[] | undefined;
  const finalizers = obj.metadata.finalizers;
  // Most writes (every Event) have neither: one shared answer, not an object per change.
  if (!refs && !finalizers) return NO_META;
  return {
    ...(refs ? { ownerReferences: refs.map((r) => ({ ...r })) } : {}),
    ...(finalizers ? { finalizers: [...finalizers] } : {}),
  };
}

export interface StoredRow {
  namespace: string;
  name: string;
  body: string;
}

export type ChangeListener = (changes: readonly Change[]) => void;

/** How long and how many changes the log keeps before compaction. */
export interface Retention {
  maxChanges: number;
  maxAgeMs: number;
}

const COMPACT_EVERY = 256;

/** The highest revision written before a time (compaction by age). */
export const COMPACT_AGE_QUERY = "SELECT rv FROM changes INDEXED BY changes_at WHERE at < ? ORDER BY at DESC, rv DESC LIMIT 1";


/** A new object refused because the cluster holds as many objects as its bound allows. */
export class ObjectBoundError extends ApiError {
  constructor(
    readonly bound: number,
    group: string,
    resource: string,
    name: string,
  ) {
    super(errors.forbidden(group, resource, name, `exceeded the cluster's limit of ${bound} ${resource === "events" && !group ? "events" : "objects"}`).status);
  }
}

/** A new object's key is already taken: the key's unique index refused the row. */
export class KeyTakenError extends Error {}

/** podKeysBy's lookups, each answered from one of pod_keys' indexes. */
export const POD_KEYS_BY = {
  podIP: "SELECT namespace, name FROM pod_keys WHERE ip = ?",
  nodeName: "SELECT namespace, name FROM pod_keys WHERE node = ?",
} as const;

/** pod_keys' UPDATE for each set of changed columns (bit 1 node, 2 ip, 4 owner): one string each, so the runtime's statement cache keeps them. */
const POD_KEYS_SET: readonly string[] = Array.from({ length: 8 }, (_, changed) => {
  const cols = ["node", "ip", "owner"].filter((_, i) => changed & (1 << i));
  return `UPDATE pod_keys SET ${cols.map((c) => `${c} = ?`).join(", ")} WHERE namespace = ? AND name = ?`;
});

export class Store {
  private readonly sql: SqlStorage;
  private revision: number;
  private compacted: number;
  private pending: Change[] | null = null;
  private readonly metas = new Map<string, string | undefined>();
  private readonly listeners: ChangeListener[] = [];
  private readonly writeHooks: ChangeListener[] = [];
  private readonly rollbackHooks: ChangeListener[] = [];
  private writesSinceCompaction = 0;
  private payloadWrites = 0;
  /**
   * Objects per namespace of each resource counted so far (one pass over its rows, the first time
   * it is asked), then kept by put and remove, and forgotten by a rollback: a count is then a
   * lookup, not a pass over every row (a list's remainingItemCount at 100,000 pods, a quota).
   */
  private readonly tallies = new Map<string, Map<string, number>>();
  /** Recently written or read bodies (and known absences), kept true by put, remove and rollback. */
  readonly bodies = new BodyCache();
  private count: number;
  private events: number;
  /** The in-process writer whose writes are under way (the control loop sets it), stamped on their changes. */
  writer: string | null = null;
  /** Objects other than Events the cluster may hold (LIMITS.objectsPerCluster); only tests lower it. */
  objectBound: number = LIMITS.objectsPerCluster;
  /** Events the cluster keeps (LIMITS.eventsPerCluster): the recorder drops the oldest to stay under it. */
  eventBound: number = LIMITS.eventsPerCluster;

  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly realNow: () => number = () => Date.now(),
    private readonly retention: Retention = { maxChanges: 20000, maxAgeMs: 10 * 60 * 1000 },
  ) {
    this.sql = storage.sql;
    migrate(this.sql);
    this.compacted = Number(this.meta("compacted_rv") ?? "0");
    // The revision is the last change's: every write appends one in its transaction, and when
    // compaction has taken them all, compacted_rv is at or past it. (A store written before this
    // kept it in meta with every transaction, a statement each: it is read too.)
    const last = this.sql.exec<{ rv: number | null }>("SELECT max(rv) AS rv FROM changes").one().rv ?? 0;
    this.revision = Math.max(last, this.compacted, Number(this.meta("rv") ?? "0"));
    // Counted at start, not kept with each transaction: through the smallest index, some tens of
    // milliseconds at 50,000 objects (a woken cluster's first request still costs about 0.1 s),
    // against a statement for every transaction.
    this.count = Number(this.sql.exec("SELECT count(*) AS n FROM objects").one().n);
    this.events = Number(this.sql.exec("SELECT count(*) AS n FROM objects WHERE resource = 'events'").one().n);
  }

  // -------------------------------------------------------------------------------------------
  // Meta

  /**
   * A meta value, from memory once read: the controllers ask for a few keys (the simulation
   * settings, a node's last pod address) thousands of times a second. Every write goes through
   * setMeta or deleteMeta, and a rollback forgets what it may have changed.
   */
  meta(key: string): string | undefined {
    if (this.metas.has(key)) return this.metas.get(key);
    const value = this.sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
    this.metas.set(key, value);
    return value;
  }

  setMeta(key: string, value: string): void {
    this.sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value);
    this.metas.set(key, value);
  }

  deleteMeta(key: string): void {
    this.sql.exec("DELETE FROM meta WHERE key = ?", key);
    this.metas.set(key, undefined);
  }

  /** The cluster's current resourceVersion. */
  get rv(): number {
    return this.revision;
  }

  /** Changes at or below this revision are gone from the log. */
  get compactedRv(): number {
    return this.compacted;
  }

  /** Writes and removals of objects other than Events since the object started (the control loop measures a controller's turn in them). */
  get objectWrites(): number {
    return this.payloadWrites;
  }

  get objectCount(): number {
    return this.count;
  }

  get eventCount(): number {
    return this.events;
  }

  /** Whether one more object of `resource` fits under its bound (Events have their own). */
  hasRoomFor(resource: string): boolean {
    return resource === "events" ? this.events < this.eventBound : this.count - this.events < this.objectBound;
  }

  /** The keys of a resource's objects written longest ago (by resourceVersion), at most `n`. */
  leastRecent(resource: string, n: number): { namespace: string; name: string }[] {
    return this.sql.exec<{ namespace: string; name: string }>("SELECT namespace, name FROM objects WHERE resource = ? ORDER BY rv LIMIT ?", resource, n).toArray().map((r) => ({ namespace: r.namespace, name: r.name }));
  }

  get sqlStorage(): SqlStorage {
    return this.sql;
  }

  onCommit(listener: ChangeListener): void {
    this.listeners.push(listener);
  }

  /** How the changes' `attrs` are made: the API server knows the kinds. */
  describeWith(attrsOf: (resource: string, obj: KObject) => Attrs | undefined): void {
    this.describe = attrsOf;
  }

  private describe: ((resource: string, obj: KObject) => Attrs | undefined) | null = null;

  /** A copy of the labels: the caller keeps the object. */
  private attrsOfWrite(resource: string, obj: KObject): Attrs | undefined {
    const a = this.describe?.(resource, obj);
    return a && { labels: { ...a.labels }, fields: a.fields };
  }

  /** Runs inside the write's transaction, for writes that must commit with it (the outbox). */
  onWrite(hook: ChangeListener): void {
    this.writeHooks.push(hook);
  }

  /** Runs after a transaction rolled back, with the changes it had made, if any (memory that mirrors them must forget them). */
  onRollback(hook: ChangeListener): void {
    this.rollbackHooks.push(hook);
  }

  /** Queues a message for another store (D1), committed with the current transaction. */
  outbox(topic: string, payload: unknown): void {
    this.requireTx();
    this.sql.exec("INSERT INTO outbox (topic, payload) VALUES (?, ?)", topic, JSON.stringify(payload));
  }

  // -------------------------------------------------------------------------------------------
  // Transactions

  /**
   * Runs `fn` as one transaction. Writes made inside become visible to listeners after commit;
   * a throw rolls everything back. Nested calls join the outer transaction.
   */
  transaction<T>(fn: () => T): T {
    if (this.pending) return fn();
    const pending: Change[] = [];
    this.pending = pending;
    const startRevision = this.revision;
    const startCount = this.count;
    const startEvents = this.events;
    let result: T;
    try {
      result = this.storage.transactionSync(fn);
    } catch (e) {
      this.revision = startRevision;
      this.count = startCount;
      this.events = startEvents;
      this.metas.clear();
      for (const c of pending) {
        this.bodies.delete(BodyCache.key(c.resource, c.namespace, c.name));
        this.tallies.delete(c.resource);
      }
      for (const h of this.rollbackHooks) h(pending);
      throw e;
    } finally {
      this.pending = null;
    }
    if (pending.length) {
      for (const l of this.listeners) l(pending);
      this.writesSinceCompaction += pending.length;
      if (this.writesSinceCompaction >= COMPACT_EVERY) this.compact();
    }
    return result;
  }

  private requireTx(): Change[] {
    if (!this.pending) throw new Error("store write outside a transaction");
    return this.pending;
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /**
   * An object's stored text. `keep` false leaves a miss out of the body cache: for a pass over
   * many objects (a ReplicaSet's sync re-reading thousands of its pods), which would otherwise
   * push out the pods the scheduler and the kubelets are about to read.
   */
  getRaw(resource: string, namespace: string, name: string, keep = true): string | undefined {
    const key = BodyCache.key(resource, namespace, name);
    const cached = this.bodies.get(key);
    if (cached !== undefined) return cached ?? undefined;
    const body = this.sql.exec<{ body: string }>("SELECT body FROM object_bodies WHERE resource = ? AND namespace = ? AND name = ?", resource, namespace, name).toArray()[0]?.body;
    if (keep) this.bodies.set(key, body ?? null);
    return body;
  }

  has(resource: string, namespace: string, name: string): boolean {
    return this.getRaw(resource, namespace, name) !== undefined;
  }

  get<T extends KObject = KObject>(resource: string, namespace: string, name: string, keep = true): T | undefined {
    const raw = this.getRaw(resource, namespace, name, keep);
    if (raw === undefined) return undefined;
    const obj = JSON.parse(raw) as T;
    this.parsedFrom.set(obj, raw);
    return obj;
  }

  /** The text each object `get` returned was parsed from (isCurrent). */
  private readonly parsedFrom = new WeakMap<object, string>();

  /**
   * Whether `obj`, as `get` returned it, is still the stored state of its key: a write since has
   * stored other text. The text is compared (the very string while the body cache keeps it), not
   * the object, so the caller must not have changed it.
   */
  isCurrent(resource: string, namespace: string, name: string, obj: KObject): boolean {
    const text = this.parsedFrom.get(obj);
    return text !== undefined && text === this.getRaw(resource, namespace, name);
  }

  /**
   * Objects of a resource in key order (namespace, then name), optionally in one namespace and
   * after a given key. Rows stream from SQLite; the cursor is consumed synchronously by the caller.
   */
  *scan(resource: string, namespace: string | null, after?: { namespace: string; name: string }): Generator<StoredRow> {
    let cursor: SqlStorageCursor<{ namespace: string; name: string; body: string }>;
    if (namespace !== null) {
      cursor = after
        ? this.sql.exec("SELECT namespace, name, body FROM object_bodies WHERE resource = ? AND namespace = ? AND name > ? ORDER BY name", resource, namespace, after.name)
        : this.sql.exec("SELECT namespace, name, body FROM object_bodies WHERE resource = ? AND namespace = ? ORDER BY name", resource, namespace);
    } else {
      cursor = after
        ? this.sql.exec(
            "SELECT namespace, name, body FROM object_bodies WHERE resource = ? AND (namespace, name) > (?, ?) ORDER BY namespace, name",
            resource,
            after.namespace,
            after.name,
          )
        : this.sql.exec("SELECT namespace, name, body FROM object_bodies WHERE resource = ? ORDER BY namespace, name", resource);
    }
    for (const row of cursor) yield row;
  }

  /**
   * The objects of a resource in one namespace whose stored body holds `text`, in name order:
   * SQLite looks for it in every body without handing any to JavaScript, so finding the few pods
   * that name a ConfigMap does not parse every pod of the namespace. The caller still checks each
   * object it gets (the text may sit in another field).
   */
  *scanContaining(resource: string, namespace: string, text: string): Generator<StoredRow> {
    const cursor = this.sql.exec<{ namespace: string; name: string; body: string }>(
      "SELECT namespace, name, body FROM object_bodies WHERE resource = ? AND namespace = ? AND instr(body, ?) > 0 ORDER BY name",
      resource,
      namespace,
      text,
    );
    for (const row of cursor) yield row;
  }

  /**
   * Named JSON paths of every object of a resource (all namespaces when `namespace` is null), read
   * by SQLite without handing the bodies to JavaScript: for a pass that looks at a few fields of
   * many objects. A missing path reads as null.
   */
  *scanFields(resource: string, namespace: string | null, paths: readonly string[]): Generator<{ namespace: string; name: string; values: unknown[] }> {
    const cols = paths.map((_, i) => `json_extract(body, ?) AS v${i}`).join(", ");
    const cursor =
      namespace !== null
        ? this.sql.exec<Record<string, SqlStorageValue>>(`SELECT namespace, name, ${cols} FROM object_bodies WHERE resource = ? AND namespace = ? ORDER BY name`, ...paths, resource, namespace)
        : this.sql.exec<Record<string, SqlStorageValue>>(`SELECT namespace, name, ${cols} FROM object_bodies WHERE resource = ? ORDER BY namespace, name`, ...paths, resource);
    for (const row of cursor) yield { namespace: row.namespace as string, name: row.name as string, values: paths.map((_, i) => row[`v${i}`]) };
  }

  /**
   * Every ownerReferences entry of every object, as (dependent, owner uid, owner name), read by
   * SQLite's JSON functions: a pass over the whole store that hands no body to JavaScript.
   */
  *ownerLinks(): Generator<{ resource: string; namespace: string; name: string; ownerUid: string; ownerName: string; controller: boolean }> {
    const cursor = this.sql.exec<{ resource: string; namespace: string; name: string; ownerUid: string | null; ownerName: string | null; controller: number | null }>(
      `SELECT o.resource, o.namespace, o.name, json_extract(r.value, '$.uid') AS ownerUid, json_extract(r.value, '$.name') AS ownerName,
              json_extract(r.value, '$.controller') AS controller
         FROM object_bodies o, json_each(o.body, '$.metadata.ownerReferences') r
        WHERE instr(o.body, '"ownerReferences"') > 0`,
    );
    for (const row of cursor) if (row.ownerUid) yield { resource: row.resource, namespace: row.namespace, name: row.name, ownerUid: row.ownerUid, ownerName: row.ownerName ?? "", controller: row.controller === 1 };
  }

  /** The keys of the pods whose controller is `ownerUid`, in every namespace but `outside` (pod_keys' owner index). */
  podsControlledBy(ownerUid: string, outside?: string): { namespace: string; name: string }[] {
    const rows =
      outside === undefined
        ? this.sql.exec<{ namespace: string; name: string }>("SELECT namespace, name FROM pod_keys WHERE owner = ?", ownerUid)
        : this.sql.exec<{ namespace: string; name: string }>("SELECT namespace, name FROM pod_keys WHERE owner = ? AND namespace <> ?", ownerUid, outside);
    return rows.toArray().map((r) => ({ namespace: r.namespace, name: r.name }));
  }

  /** Whether some pod's controller is `ownerUid`. */
  controlsPods(ownerUid: string): boolean {
    return this.sql.exec("SELECT 1 FROM pod_keys WHERE owner = ? LIMIT 1", ownerUid).toArray().length > 0;
  }

  /** The key of the object with this uid, if there is one (objects_uid). */
  keyOfUid(uid: string): { namespace: string; name: string } | undefined {
    // Through objects_uid, which leaves Events out: an Event named as an owner is not found here,
    // and the collector then checks its dependents by their references' names (resync).
    const row = this.sql.exec<{ namespace: string; name: string }>("SELECT namespace, name FROM objects WHERE uid = ? AND resource <> 'events' LIMIT 1", uid).toArray()[0];
    return row && { namespace: row.namespace, name: row.name };
  }

  /** The objects being deleted (a deletionTimestamp set), from the deleting table. */
  *beingDeleted(): Generator<{ resource: string; namespace: string; name: string; body: string }> {
    yield* this.sql.exec<{ resource: string; namespace: string; name: string; body: string }>(
      "SELECT o.resource, o.namespace, o.name, o.body FROM deleting d JOIN object_bodies o ON o.resource = d.resource AND o.namespace = d.namespace AND o.name = d.name",
    );
  }

  /**
   * The names of a namespace's pods whose controller is `ownerUid` (null: pods no controller
   * owns), in name order, from pod_keys' owner index alone: no object row is read.
   */
  podsOwnedBy(namespace: string, ownerUid: string | null): string[] {
    const rows =
      ownerUid === null
        ? this.sql.exec<{ name: string }>("SELECT name FROM pod_keys WHERE owner IS NULL AND namespace = ? ORDER BY name", namespace)
        : this.sql.exec<{ name: string }>("SELECT name FROM pod_keys WHERE owner = ? AND namespace = ? ORDER BY name", ownerUid, namespace);
    return rows.toArray().map((r) => r.name);
  }

  /** The keys of the pods not bound to a node, from pod_keys (no pod body is read). */
  unboundPods(): { namespace: string; name: string }[] {
    return this.sql.exec<{ namespace: string; name: string }>("SELECT namespace, name FROM pod_keys WHERE node IS NULL ORDER BY namespace, name").toArray().map((r) => ({ namespace: r.namespace, name: r.name }));
  }

  /** The keys of the pods whose status.podIP or spec.nodeName is `value` (the pod_keys table). */
  podKeysBy(field: "podIP" | "nodeName", value: string): { namespace: string; name: string }[] {
    return this.sql.exec<{ namespace: string; name: string }>(POD_KEYS_BY[field], value).toArray().map((r) => ({ namespace: r.namespace, name: r.name }));
  }

  private bump(resource: string, namespace: string, by: number): void {
    const t = this.tallies.get(resource);
    if (!t) return;
    const n = (t.get(namespace) ?? 0) + by;
    if (n > 0) t.set(namespace, n);
    else t.delete(namespace);
  }

  private tally(resource: string): Map<string, number> {
    let t = this.tallies.get(resource);
    if (!t) {
      t = new Map();
      for (const r of this.sql.exec<{ namespace: string; n: number }>("SELECT namespace, count(*) AS n FROM objects WHERE resource = ? GROUP BY namespace", resource)) t.set(r.namespace, Number(r.n));
      this.tallies.set(resource, t);
    }
    return t;
  }

  /** How many objects of a resource there are (in one namespace, or all when null), optionally after a key in list order. */
  countOf(resource: string, namespace: string | null, after?: { namespace: string; name: string }): number {
    if (!after) {
      const t = this.tally(resource);
      if (namespace !== null) return t.get(namespace) ?? 0;
      let n = 0;
      for (const v of t.values()) n += v;
      return n;
    }
    if (namespace !== null) {
      return Number(
        after
          ? this.sql.exec("SELECT count(*) AS n FROM objects WHERE resource = ? AND namespace = ? AND name > ?", resource, namespace, after.name).one().n
          : this.sql.exec("SELECT count(*) AS n FROM objects WHERE resource = ? AND namespace = ?", resource, namespace).one().n,
      );
    }
    return Number(
      after
        ? this.sql.exec("SELECT count(*) AS n FROM objects WHERE resource = ? AND (namespace, name) > (?, ?)", resource, after.namespace, after.name).one().n
        : this.sql.exec("SELECT count(*) AS n FROM objects WHERE resource = ?", resource).one().n,
    );
  }

  /** Every namespace that holds at least one object of any namespaced resource. */
  resourcesInNamespace(namespace: string): string[] {
    return this.sql.exec<{ resource: string }>("SELECT DISTINCT resource FROM objects WHERE namespace = ?", namespace).toArray().map((r) => r.resource);
  }

  // -------------------------------------------------------------------------------------------
  // Writes (inside a transaction)

  /**
   * Writes a new or changed object; returns it with its new resourceVersion. `checkSize` sees the
   * stored body's length before anything is written (and may throw), so the body is serialized once.
   * `was`, the stored object this write replaces (never the same object changed in place), lets a
   * pod write that moves neither node, address nor owner leave pod_keys alone without a statement.
   */
  put<T extends KObject>(resource: string, obj: T, type: "ADDED" | "MODIFIED", prev: Attrs | null, checkSize?: (bytes: number) => void, was?: KObject): T {
    const pending = this.requireTx();
    const rv = this.revision + 1;
    // The revision this write supersedes, when the caller knows it (read before it is replaced: `was` may share obj's metadata).
    const superseded = was ? Number(was.metadata.resourceVersion) : NaN;
    obj.metadata.resourceVersion = String(rv);
    const body = JSON.stringify(obj);
    checkSize?.(body.length);
    this.revision = rv;
    const namespace = obj.metadata.namespace ?? "";
    const name = obj.metadata.name!;
    // Dropped first and set last: a write that fails half way leaves no entry, so reads go to SQLite.
    const key = BodyCache.key(resource, namespace, name);
    this.bodies.delete(key);
    if (type === "ADDED") {
      try {
        this.sql.exec("INSERT INTO objects (resource, namespace, name, uid, rv) VALUES (?, ?, ?, ?, ?)", resource, namespace, name, obj.metadata.uid!, rv);
      } catch (e) {
        if (!String(e).includes("UNIQUE constraint failed: objects.")) throw e;
        // The refused statement wrote nothing: only the revision had moved.
        this.revision = rv - 1;
        throw new KeyTakenError(`${resource} ${namespace}/${name} exists`);
      }
      this.count++;
      if (resource === "events") this.events++;
      this.bump(resource, namespace, 1);
    } else {
      this.dropSuperseded(resource, namespace, name, superseded);
      // uid is immutable (updates keep the stored one), so objects_uid is left alone.
      this.sql.exec("UPDATE objects SET rv = ? WHERE resource = ? AND namespace = ? AND name = ?", rv, resource, namespace, name);
    }
    if (resource === "pods") this.keepPodKeys(type, namespace, name, obj, was);
    // deletionTimestamp, once set, stays until the object is removed.
    if (obj.metadata.deletionTimestamp) this.sql.exec("INSERT OR IGNORE INTO deleting (resource, namespace, name) VALUES (?, ?, ?)", resource, namespace, name);
    this.appendChange(pending, { rv, type, resource, namespace, name, body, prev, uid: obj.metadata.uid, meta: changeMetaOf(obj), attrs: this.attrsOfWrite(resource, obj) });
    if (resource !== "events") this.payloadWrites++;
    // An Event is written and seldom read back (a repeat's count is), while a pod is read by the
    // scheduler, the kubelet and its controller after each write: Events kept on write took half
    // the cache, and at 10,000 pods most pod reads went to SQLite.
    if (resource !== "events") this.bodies.set(key, body);
    return obj;
  }

  /** Removes an object; the DELETED change carries its last state at the deletion's revision. */
  remove<T extends KObject>(resource: string, obj: T, prev: Attrs): T {
    const pending = this.requireTx();
    const rv = ++this.revision;
    const namespace = obj.metadata.namespace ?? "";
    const name = obj.metadata.name!;
    const key = BodyCache.key(resource, namespace, name);
    this.bodies.delete(key);
    const gone = this.sql.exec<{ rv: number }>("DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ? RETURNING rv", resource, namespace, name).toArray()[0]?.rv;
    if (gone !== undefined) this.dropSuperseded(resource, namespace, name, gone);
    if (resource === "pods") this.sql.exec("DELETE FROM pod_keys WHERE namespace = ? AND name = ?", namespace, name);
    if (obj.metadata.deletionTimestamp) this.sql.exec("DELETE FROM deleting WHERE resource = ? AND namespace = ? AND name = ?", resource, namespace, name);
    this.count--;
    if (resource === "events") this.events--;
    this.bump(resource, namespace, -1);
    obj.metadata.resourceVersion = String(rv);
    const body = JSON.stringify(obj);
    this.appendChange(pending, { rv, type: "DELETED", resource, namespace, name, body, prev, uid: obj.metadata.uid, meta: changeMetaOf(obj), attrs: this.attrsOfWrite(resource, obj) });
    if (resource !== "events") this.payloadWrites++;
    this.bodies.set(key, null);
    return obj;
  }

  /**
   * The change row of an object's state that a write replaces, when compaction has passed it:
   * compaction keeps the rows objects points at, so nothing else would take it. A row the log
   * still holds stays for watches and goes with the log (compact). `rv` NaN: not known, read.
   */
  private dropSuperseded(resource: string, namespace: string, name: string, rv: number): void {
    if (this.compacted === 0) return;
    if (Number.isSafeInteger(rv)) {
      // Scoped by key too: a wrong `was` can then only leave a row behind, never take another object's.
      if (rv <= this.compacted) this.sql.exec("DELETE FROM changes WHERE rv = ? AND resource = ? AND namespace = ? AND name = ?", rv, resource, namespace, name);
      return;
    }
    this.sql.exec(
      "DELETE FROM changes WHERE rv <= ? AND rv = (SELECT rv FROM objects WHERE resource = ? AND namespace = ? AND name = ?)",
      this.compacted,
      resource,
      namespace,
      name,
    );
  }

  /**
   * A pod's node, address and controller in pod_keys; a write that changes none of them leaves
   * the row alone. With the pod it replaces known, only the columns that changed are set:
   * SQLite rewrites the entries of every index on a column an UPDATE sets, changed or not, so
   * setting all three moved three index entries (random pages at 10,000 pods) where a bind or an
   * address moves one.
   */
  private keepPodKeys(type: "ADDED" | "MODIFIED", namespace: string, name: string, pod: PodKeyed, was?: PodKeyed) {
    const { node, ip, owner } = podKeysOf(pod);
    if (type === "ADDED") {
      this.sql.exec("INSERT INTO pod_keys (namespace, name, node, ip, owner) VALUES (?, ?, ?, ?, ?)", namespace, name, node, ip, owner);
      return;
    }
    if (!was || was === pod) {
      this.sql.exec(
        "UPDATE pod_keys SET node = ?, ip = ?, owner = ? WHERE namespace = ? AND name = ? AND (node IS NOT ? OR ip IS NOT ? OR owner IS NOT ?)",
        node,
        ip,
        owner,
        namespace,
        name,
        node,
        ip,
        owner,
      );
      return;
    }
    const before = podKeysOf(was);
    const changed = (before.node !== node ? 1 : 0) | (before.ip !== ip ? 2 : 0) | (before.owner !== owner ? 4 : 0);
    if (!changed) return;
    const values = [node, ip, owner].filter((_, i) => changed & (1 << i));
    this.sql.exec(POD_KEYS_SET[changed], ...values, namespace, name);
  }

  private appendChange(pending: Change[], c: Change) {
    if (this.writer) c.writer = this.writer;
    this.sql.exec(
      "INSERT INTO changes (rv, type, resource, namespace, name, body, prev, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      c.rv,
      c.type,
      c.resource,
      c.namespace,
      c.name,
      c.body,
      c.prev ? JSON.stringify(c.prev) : null,
      this.realNow(),
    );
    pending.push(c);
    for (const h of this.writeHooks) h([c]);
  }

  // -------------------------------------------------------------------------------------------
  // The change log

  /** Changes after `rv`, oldest first, optionally for one resource. */
  *changesSince(rv: number, resource?: string): Generator<Change> {
    const cursor = resource
      ? this.sql.exec<ChangeRow>("SELECT rv, type, resource, namespace, name, body, prev FROM changes WHERE rv > ? AND resource = ? ORDER BY rv", rv, resource)
      : this.sql.exec<ChangeRow>("SELECT rv, type, resource, namespace, name, body, prev FROM changes WHERE rv > ? ORDER BY rv", rv);
    for (const r of cursor) {
      yield { rv: r.rv, type: r.type as ChangeType, resource: r.resource, namespace: r.namespace, name: r.name, body: r.body, prev: r.prev ? (JSON.parse(r.prev) as Attrs) : null };
    }
  }

  /** Drops changes beyond the retention; a watch from before the oldest kept change gets 410. */
  compact(): void {
    this.writesSinceCompaction = 0;
    const byCount = this.revision - this.retention.maxChanges;
    const cutoff = this.realNow() - this.retention.maxAgeMs;
    // The newest change old enough to go, from the end of the time index: one entry read, where
    // max(rv) over every old entry would walk the objects' current states the log keeps (times
    // follow revisions, so the newest old change is the highest old revision).
    const old = this.sql.exec<{ rv: number }>(COMPACT_AGE_QUERY, cutoff).toArray()[0]?.rv ?? 0;
    const upTo = Math.max(byCount, old);
    if (upTo <= this.compacted) return;
    this.storage.transactionSync(() => {
      // The rows objects point at are their current bodies and stay (below compacted_rv no watch reads them).
      this.sql.exec(
        `DELETE FROM changes WHERE rv > ? AND rv <= ?
           AND NOT EXISTS (SELECT 1 FROM objects o WHERE o.resource = changes.resource AND o.namespace = changes.namespace AND o.name = changes.name AND o.rv = changes.rv)`,
        this.compacted,
        upTo,
      );
      this.compacted = upTo;
      this.setMeta("compacted_rv", String(upTo));
    });
  }
}

interface ChangeRow extends Record<string, SqlStorageValue> {
  rv: number;
  type: string;
  resource: string;
  namespace: string;
  name: string;
  body: string;
  prev: string | null;
}
