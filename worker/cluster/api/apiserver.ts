// The API server's semantics without HTTP: create, read, update, patch and delete with decoding,
// defaulting, admission, validation and optimistic concurrency, each write one transaction.
// The HTTP handlers and the controllers both go through here, so a controller's write is an
// ordinary write: validated, versioned, logged and seen by watchers.
import { kubedoUser, type Identity, type UserInfo } from "../../auth/identity";
import { DENY_ALL } from "../authorization/authorizer";
import type { Authorizer } from "../authorization/types";
import { ADMISSION } from "../admission";
import type { AdmissionAttributes, AdmissionPlugin, Operation } from "../admission/plugin";
import { LIMITS } from "../../limits";
import type { Clock } from "../clock";
import { apiVersionOf, storageOf, type ClusterSettings, type ComputeContext, type ReadContext, type HookContext, type KObject, type ResourceDef } from "../resources/define";
import { BUILT_IN, type Registry } from "../resources/registry";
import { deepFreeze, KindCache } from "./kindCache";
import { ObjectCache } from "./objectCache";
import { SharedObjects } from "./sharedObjects";
import { CRD_STORAGE, type CustomResourceDefinition } from "../resources/customresourcedefinition";
import { servedRegistry } from "../resources/custom/served";
import { SqlAllocations } from "../store/allocations";
import type { Connection, Failure } from "../network/types";

/** What a webhook call met: no connection, or a server that does (admission) or does not serve webhooks on that port. */
export type WebhookReach = { ok: false; error: Failure } | { ok: true; admission: boolean; http: boolean };
import { KeyTakenError, ObjectBoundError, type ChangeListener, type Store } from "../store/store";
import { attrsOf, selectableFields } from "./attrs";
import { ApiError, errors, successStatus, type Status } from "../machinery/errors";
import { applyPatch, type PatchType } from "../machinery/patch";
import { decode, DecodeError, validate, type FieldValidation } from "../machinery/schema/decode";
import { goPlain, Problems, type K8sIssue } from "../machinery/schema/dsl";
import { matchesFields, matchesLabels, type FieldRequirement, type LabelSelector } from "../machinery/selectors";
import { formatTime } from "../machinery/time";
import { parseResourceVersion, tooLargeResourceVersion, type ResourceVersionMatch } from "../machinery/resourceVersion";
import { decodeContinue, encodeContinue } from "./continueToken";
import { dns1123Subdomain } from "../machinery/validation";
import { inProcessManager, recordUpdate, type ManagedFieldsEntry } from "./managedFields";
import { apply as serverSideApply, checkAppliedConfig, type ApplyResult } from "./serverSideApply";
import { sameCanonical } from "../machinery/json";

export interface WriteOptions {
  /**
   * The writer is the control plane itself (a controller, the kubelet, the scheduler): its
   * objects are well-formed by construction, so decoding and schema validation are skipped.
   * Concurrency checks, admission, no-op detection and the size bound still apply.
   */
  trusted?: boolean;
  /**
   * A trusted writer's body is its to give up: built for this write and not used by the caller
   * afterwards, it is stored as it is instead of cloned first (the kubelet's status of a pod, an
   * Event; the clone was a tenth of their cost). The write changes the body's top level and its
   * metadata's in place, nothing deeper: parts below may be shared with objects the caller read.
   */
  owned?: boolean;
  /**
   * A create that goes straight to the row: a name already taken is found by the key's unique
   * index as the row goes in (AlreadyExists then) instead of by a read first. For a trusted writer
   * whose names are nearly always new and whose create changes nothing else first (the event
   * recorder: a read for every new Event was a tenth of a Deployment's statements).
   */
  nameUnread?: boolean;
  /**
   * For an update: the stored object as the caller read it (the store's get, or the API's peek)
   * and has not changed since. While it is still the stored state it is used as the old object
   * instead of a second parse of the same text (the kubelet's status of the pod it just read).
   */
  read?: KObject;
  /**
   * For a trusted create: the caller vouches that every object it creates under this key has the
   * same fields (the same keys at every level, no lists), so the managed fields are worked out
   * once per key and reused (the event recorder: working them out was a fifth of an Event's cost).
   * Admission must not add fields to such objects; no plugin mutates what trusted writers create with it.
   */
  shape?: string;
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  subresource?: string;
  identity?: Identity;
  /** The user the write is for, as admission sees it (quota, pod security, RBAC's escalation checks); absent for the control plane's own writes. */
  user?: UserInfo;
  /** The field manager the write is recorded under (`?fieldManager=` or the user agent's prefix). */
  manager?: string;
}

export interface WriteResult {
  object: KObject;
  warnings: string[];
  /** PUT created the object. */
  created?: boolean;
}

export interface DeleteRequest {
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  dryRun?: boolean;
  /** Who asks, as admission sees it; absent for the control plane's own deletes. */
  user?: UserInfo;
  /** As WriteOptions.read: the stored object as the caller read it and left it. */
  read?: KObject;
}

export interface DeleteResult {
  /** What to answer: the object (for kinds that return it, or when deletion is pending) or a Status. */
  body: KObject | Status;
  /** The object is gone (rather than waiting for finalizers or a grace period). */
  gone: boolean;
  object: KObject;
  /** Warning headers admission added. */
  warnings?: string[];
}

export interface ListOptions {
  labelSelector?: LabelSelector;
  fieldSelector?: FieldRequirement[];
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: ResourceVersionMatch;
  /** Where a streamed list goes on from (the key of the last item sent). */
  after?: { namespace: string; name: string };
  /** The items as their stored JSON text (ListResult.texts) where that is what the wire carries (wireIsStored). */
  asText?: boolean;
}

export interface ListResult {
  items: KObject[];
  /** With asText, for a kind whose wire form is its stored form and a list without selectors: the items' JSON, and `items` is empty. */
  texts?: string[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
  /** An unlimited list cut at its page bound: the key to go on after. */
  next?: { namespace: string; name: string };
}

/** Thrown inside a transaction to roll a dry run back while keeping its answer. */
class DryRunDone extends Error {
  constructor(readonly result: unknown) {
    super("dry run");
  }
}

const SYSTEM_META = ["uid", "resourceVersion", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "selfLink", "managedFields"] as const;

/** Storage keys admission reads on every write (see kindCache.ts). */
const ADMISSION_READS: ReadonlySet<string> = new Set([
  "namespaces",
  "resourcequotas",
  "limitranges",
  "scheduling.k8s.io/priorityclasses",
  "storage.k8s.io/storageclasses",
  "admissionregistration.k8s.io/validatingadmissionpolicies",
  "admissionregistration.k8s.io/validatingadmissionpolicybindings",
  "admissionregistration.k8s.io/validatingwebhookconfigurations",
  "admissionregistration.k8s.io/mutatingwebhookconfigurations",
]);

/**
 * Kinds read far more often than written: every container's environment lists its namespace's
 * Services, and so do DNS and kube-proxy's decisions. Kept parsed until one is written.
 */
const READ_MOSTLY: ReadonlySet<string> = new Set(["services"]);
/** Kinds whose objects are read one by one far more often than written: every kubelet sync reads its node. */
const READ_MOSTLY_ONE_BY_ONE: ReadonlySet<string> = new Set(["nodes"]);
/** Objects kept by sharedPeek: more than the owners and volume sources one pass reads again. */
const SHARED_KEPT = 512;

export class ApiServer {
  private readonly allocations: SqlAllocations;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly settings: () => ClusterSettings,
    private readonly read: ReadContext = { heartbeat: (_node, stored) => stored ?? "" },
  ) {
    this.allocations = new SqlAllocations(store.sqlStorage);
    this.admissionReads = new KindCache(store, ADMISSION_READS);
    this.readMostly = new KindCache(store, READ_MOSTLY);
    this.readMostlyOneByOne = new ObjectCache(store, READ_MOSTLY_ONE_BY_ONE);
    this.shared = new SharedObjects(store, SHARED_KEPT);
    store.describeWith((resource, obj) => {
      const def = this.registry.storageKind(resource);
      return def && attrsOf(def, obj);
    });
    store.onWrite((changes) => {
      if (changes.some((c) => c.resource === CRD_STORAGE)) this.registryStale = true;
    });
  }

  /**
   * Opens a connection from the API server (the control-plane node's network) through the
   * cluster's network, for admission webhooks; null where there is no network (unit tests).
   */
  webhookDialer: ((conn: Omit<Connection, "from">) => WebhookReach) | null = null;

  /** The small kinds admission reads on every write, kept parsed (api/kindCache.ts). */
  private readonly admissionReads: KindCache;
  /** Services, kept parsed for the network's and the kubelet's reads (READ_MOSTLY). */
  private readonly readMostly: KindCache;
  /** Nodes, kept parsed one by one (READ_MOSTLY_ONE_BY_ONE). */
  private readonly readMostlyOneByOne: ObjectCache;
  /** Objects of any kind kept parsed between their writes (sharedPeek). */
  private readonly shared: SharedObjects;
  /** The managed fields of a create, by the shape its writer vouches for (WriteOptions.shape). */
  private readonly fieldsByShape = new Map<string, Record<string, unknown>>();

  private served: Registry = BUILT_IN;
  private registryStale = true;

  /** The kinds this cluster serves: the built-in ones and those its CustomResourceDefinitions make. */
  get registry(): Registry {
    if (this.registryStale) {
      this.registryStale = false;
      this.served = servedRegistry(this.scanStored<CustomResourceDefinition>(CRD_STORAGE, null), this.served);
    }
    return this.served;
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /**
   * The in-process writer whose writes are under way (a controller's name, "kubelet",
   * "scheduler"), set by the control loop; it names the field manager of writes without one.
   */
  get writer(): string | null {
    return this.store.writer;
  }

  set writer(name: string | null) {
    this.store.writer = name;
  }

  /** The cluster clock's time (for in-process readers that decide by it, such as the network view). */
  now(): number {
    return this.clock.now();
  }

  /** Decides who may do what (RBAC), for admission's escalation checks and the reviews; set by the cluster object. */
  authorizer: Authorizer = DENY_ALL;

  /** Where computed kinds (metrics) read from; set by the cluster object. */
  computeFrom: Omit<ComputeContext, "now" | "scan"> | null = null;

  private *computedItems(def: ResourceDef, namespace: string | null): Generator<KObject> {
    if (!def.computed || !this.computeFrom) return;
    const ctx: ComputeContext = { ...this.computeFrom, now: this.clock.now(), scan: (storage, ns) => this.scanStored(storage, ns) };
    yield* def.computed(ctx, def.namespaced ? namespace : null);
  }

  get(def: ResourceDef, namespace: string, name: string): KObject {
    if (def.computed) {
      for (const o of this.computedItems(def, namespace)) if (o.metadata.name === name) return o;
      throw errors.notFound(def.group, def.plural, name);
    }
    const stored = this.store.get(storageOf(def), def.namespaced ? namespace : "", name);
    if (!stored) throw errors.notFound(def.group, def.plural, name);
    return this.toWire(def, stored);
  }

  /** The stored object: the caller's own read of it while that is still current, else parsed for this call. */
  private storedOrRead(storage: string, namespace: string, name: string, read: KObject | undefined): KObject | undefined {
    return read && this.store.isCurrent(storage, namespace, name, read) ? read : this.store.get(storage, namespace, name);
  }

  /** An object in storage form, or undefined (for controllers). */
  peek<T extends KObject>(storage: string, namespace: string, name: string): T | undefined {
    return this.store.get<T>(storage, namespace, name);
  }

  /** Objects of a kind kept in memory (READ_MOSTLY: services), frozen, in key order; all namespaces for null. */
  sharedList<T extends KObject>(storage: "services", namespace: string | null): readonly T[] {
    return this.readMostly.list<T>(storage, namespace);
  }

  /** One object of a kind kept in memory (services, nodes), frozen: for reads that change nothing. */
  sharedGet<T extends KObject>(storage: "services" | "nodes", namespace: string, name: string): T | undefined {
    return storage === "nodes" ? this.readMostlyOneByOne.get<T>(storage, namespace, name) : this.readMostly.get<T>(storage, namespace, name);
  }

  /**
   * An object of any kind, parsed once while its stored text stands, frozen: for readers that read
   * the same one again and again and change nothing. The garbage collector reads a ReplicaSet for
   * each pod it makes, and each pod's kube-api-access volume reads the same ConfigMap.
   */
  sharedPeek<T extends KObject>(storage: string, namespace: string, name: string): T | undefined {
    return this.shared.get<T>(storage, namespace, name);
  }

  /** Every stored object of a storage key (all namespaces when `namespace` is null), parsed, for controllers. */
  *scanStored<T extends KObject>(storage: string, namespace: string | null): Generator<T> {
    for (const row of this.store.scan(storage, namespace)) yield JSON.parse(row.body) as T;
  }

  /** The stored objects of a namespace whose JSON holds `name` as a string (`"name"`), parsed: the ones that may refer to an object of that name. */
  *scanStoredNaming<T extends KObject>(storage: string, namespace: string, name: string): Generator<T> {
    for (const row of this.store.scanContaining(storage, namespace, JSON.stringify(name))) yield JSON.parse(row.body) as T;
  }

  /** The keys of the pods with this pod IP or on this node, through the store's indexes (for network decisions). */
  podKeysBy(field: "podIP" | "nodeName", value: string): { namespace: string; name: string }[] {
    return this.store.podKeysBy(field, value);
  }

  /** Whether one more object fits under its storage's bound (Events have their own). */
  hasRoomFor(storage: string): boolean {
    return this.store.hasRoomFor(storage);
  }

  /** Events the cluster keeps (the store's bound). */
  get eventBound(): number {
    return this.store.eventBound;
  }

  /** Keys of a storage's objects written longest ago, at most `n` (the event recorder's eviction). */
  leastRecent(storage: string, n: number): { namespace: string; name: string }[] {
    return this.store.leastRecent(storage, n);
  }

  /** Runs `hook` inside the transaction of every stored write (each change as it is made). */
  onStoredWrite(hook: ChangeListener): void {
    this.store.onWrite(hook);
  }

  /** A few fields (JSON paths such as `$.metadata.name`) of every stored object, without parsing bodies, for controllers. */
  scanStoredFields(storage: string, namespace: string | null, paths: readonly string[]): Generator<{ namespace: string; name: string; values: unknown[] }> {
    return this.store.scanFields(storage, namespace, paths);
  }

  /**
   * A list as kube-apiserver serves it: a page of `limit` items with a continue token, or every
   * item. With `pageBound`, an unlimited list stops after that many items and says where it
   * stopped (`next`), so the caller can stream the rest page by page in bounded memory.
   */
  list(def: ResourceDef, namespace: string | null, opts: ListOptions = {}, pageBound?: number): ListResult {
    this.checkFieldSelector(def, opts.fieldSelector);
    if (def.computed) return { items: [...this.computedItems(def, namespace)].filter((o) => this.matches(def, o, opts)), resourceVersion: String(this.store.rv) };
    const storage = storageOf(def);
    const ns = def.namespaced ? namespace : null;
    const rv = this.listRevision(storage, ns, opts);
    const limit = opts.limit && opts.limit > 0 ? opts.limit : Infinity;
    const bound = limit === Infinity && pageBound ? pageBound : Infinity;
    const items: KObject[] = [];
    let last: { namespace: string; name: string } | undefined;
    let more = false;
    const filtered = !!(opts.labelSelector?.length || opts.fieldSelector?.length);
    // Stored text served as it is: parsing and writing back 100,000 pods was most of listing them.
    const texts = opts.asText && !filtered && this.wireIsStored(def) ? ([] as string[]) : null;
    for (const row of this.store.scan(storage, ns, rv.after)) {
      if (texts) {
        if (texts.length >= limit || texts.length >= bound) {
          more = true;
          break;
        }
        texts.push(row.body);
        last = { namespace: row.namespace, name: row.name };
        continue;
      }
      const obj = JSON.parse(row.body) as KObject;
      if (!this.matches(def, obj, opts)) continue;
      if (items.length >= limit || items.length >= bound) {
        more = true;
        break;
      }
      items.push(this.toWire(def, obj));
      last = { namespace: row.namespace, name: row.name };
    }
    const result: ListResult = { items, resourceVersion: String(rv.rv), ...(texts ? { texts } : {}) };
    const count = texts ? texts.length : items.length;
    if (more && last && bound !== Infinity) result.next = last;
    else if (more && last) {
      const served = rv.served === undefined ? undefined : rv.served + count;
      result.continue = encodeContinue(storage, { rv: rv.rv, ...last, served: served ?? (rv.after ? undefined : count) });
      // From the count kept in memory and the items served so far: counting the rows after this
      // page would make paging through 100,000 pods quadratic. Like etcd's, it may be off when
      // objects come and go meanwhile (clients are told not to rely on it).
      if (!filtered) result.remainingItemCount = rv.after && served === undefined ? this.store.countOf(storage, ns, last) : Math.max(1, this.store.countOf(storage, ns) - (served ?? count));
    }
    return result;
  }

  /**
   * The revision a list is served at and where it starts, after kube-apiserver's checks of
   * resourceVersion, resourceVersionMatch and continue. The store keeps no snapshots: a page is
   * read from the current state and labelled with the list's revision, and a watch from that
   * revision replays whatever changed since, so a client's cache still converges.
   */
  private listRevision(storage: string, ns: string | null, opts: ListOptions): { rv: number; after?: { namespace: string; name: string }; served?: number } {
    const current = this.store.rv;
    if (opts.after) return { rv: current, after: opts.after };
    if (opts.continue) {
      if (opts.resourceVersion && opts.resourceVersion !== "0") throw errors.badRequest("specifying resource version is not allowed when using continue");
      const token = decodeContinue(opts.continue, storage, ns, current);
      const after = { namespace: token.namespace, name: token.name };
      // The changes since the token's revision are gone: a list continued from it could not be
      // made consistent. As etcd's compaction does, answer 410 with a token to go on at the
      // current revision anyway.
      if (token.rv !== -1 && token.rv < this.store.compactedRv) {
        const err = errors.gone(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
        );
        err.status.metadata = { continue: encodeContinue(storage, { rv: -1, ...after, served: token.served }) };
        throw err;
      }
      return { rv: token.rv === -1 ? current : token.rv, after, ...(token.served !== undefined ? { served: token.served } : {}) };
    }
    const asked = parseResourceVersion(opts.resourceVersion ?? "");
    if (asked > current) throw tooLargeResourceVersion(asked, current);
    if (opts.resourceVersionMatch === "Exact" && asked < this.store.compactedRv) throw errors.gone("The resourceVersion for the provided list is too old.");
    return { rv: current };
  }

  matches(def: ResourceDef, obj: KObject, opts: { labelSelector?: LabelSelector; fieldSelector?: FieldRequirement[] }): boolean {
    if (opts.labelSelector?.length && !matchesLabels(opts.labelSelector, obj.metadata.labels)) return false;
    if (opts.fieldSelector?.length && !matchesFields(opts.fieldSelector, attrsOf(this.storedDef(def), obj).fields)) return false;
    return true;
  }

  checkFieldSelector(def: ResourceDef, sel: FieldRequirement[] | undefined): void {
    if (!sel?.length) return;
    const allowed = new Set(selectableFields(def));
    for (const r of sel) if (!allowed.has(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
  }

  // -------------------------------------------------------------------------------------------
  // Create

  create(def: ResourceDef, namespace: string, body: unknown, opts: WriteOptions = {}): WriteResult {
    const sent = sentManagedFields(body, opts);
    const { value: obj, warnings } = this.decodeBody(def, body, opts);
    if (def.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace)
        throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      obj.metadata.namespace = namespace;
    } else {
      delete obj.metadata.namespace;
    }
    if (def.virtual) {
      def.defaults?.(obj);
      validate(def.schema, obj, def.group, def.kind, obj.metadata.name ?? "");
      if (!opts.identity) throw errors.internal("no identity for a review");
      return { object: def.virtual(obj, { identity: opts.identity, namespace, user: opts.user ?? kubedoUser(opts.identity), authorizer: this.authorizer }), warnings };
    }
    if (def.custom?.terminating) throw errors.methodNotAllowed("create not allowed while custom resource definition is terminating");
    for (const f of SYSTEM_META) delete obj.metadata[f];
    const generated = !obj.metadata.name && !!obj.metadata.generateName;
    if (generated) obj.metadata.name = generateName(obj.metadata.generateName!);
    def.defaults?.(obj);
    const object = this.run(opts.dryRun, () => {
      this.admit("mutate", "CREATE", def, obj, null, opts, warnings);
      if (!opts.trusted) this.validateNew(def, obj);
      return this.insert(def, obj, opts, generated, sent, warnings);
    });
    return { object, warnings };
  }

  private insert(def: ResourceDef, obj: KObject, opts: WriteOptions, generated: boolean, sent: unknown, warnings: string[]): KObject {
    const storage = storageOf(def);
    const ns = def.namespaced ? obj.metadata.namespace! : "";
    this.admitNamespace(def, ns, obj.metadata.name!);
    // A generated name is not looked up first: the store refuses a taken one, and it is tried again.
    if (!opts.nameUnread && !generated && this.store.has(storage, ns, obj.metadata.name!)) throw errors.alreadyExists(def.group, def.plural, obj.metadata.name!);
    // A generated name is left out so that every refusal reads the same (controllers report it once).
    if (!this.store.hasRoomFor(storage)) throw new ObjectBoundError(storage === "events" ? this.store.eventBound : this.store.objectBound, def.group, def.plural, generated ? "" : obj.metadata.name!);
    this.admit("validate", "CREATE", def, obj, null, opts, warnings);
    const now = this.clock.now();
    obj.metadata.uid = crypto.randomUUID();
    obj.metadata.creationTimestamp = formatTime(now);
    if (def.generation) obj.metadata.generation = 1;
    this.recordManagers(def, null, obj, opts, sent);
    def.prepareCreate?.(obj, this.hookContext(opts.dryRun ?? false, def, obj));
    const stored = def.storage ? def.storage.toStorage(obj) : obj;
    for (let attempt = 1; ; attempt++) {
      try {
        this.store.put(storage, stored, "ADDED", null, (size) => this.checkSize(def, stored, size));
        break;
      } catch (e) {
        if (!(e instanceof KeyTakenError)) throw e;
        // kube-apiserver makes a taken generated name again, up to 8 tries in all (RetryGenerateName).
        if (!generated || attempt >= GENERATE_NAME_TRIES) throw errors.alreadyExists(def.group, def.plural, obj.metadata.name!);
        obj.metadata.name = stored.metadata.name = generateName(obj.metadata.generateName!);
      }
    }
    // Nothing keeps `stored` (the store keeps its text), so it goes back as it is.
    return this.toWire(def, stored);
  }

  // -------------------------------------------------------------------------------------------
  // Update (PUT) and its subresources

  update(def: ResourceDef, namespace: string, name: string, body: unknown, opts: WriteOptions = {}): WriteResult {
    const sent = sentManagedFields(body, opts);
    const { value: obj, warnings } = this.decodeBody(def, body, opts);
    this.checkIdentity(def, namespace, name, obj);
    const result = this.run(opts.dryRun, () => {
      const storage = storageOf(def);
      const stored = this.storedOrRead(storage, def.namespaced ? namespace : "", name, opts.read);
      if (!stored) {
        if (!def.allowCreateOnUpdate || opts.subresource) throw errors.notFound(def.group, def.plural, name);
        def.defaults?.(obj);
        this.admit("mutate", "CREATE", def, obj, null, opts, warnings);
        this.validateNew(def, obj);
        return { object: this.insert(def, obj, opts, false, sent, warnings), created: true };
      }
      const old = this.toWire(def, stored);
      return { object: this.replace(def, old, obj, opts, sent, warnings), created: false };
    });
    return { ...result, warnings };
  }

  /** The update path shared by PUT, PATCH and controllers: `obj` replaces `old` (both wire form). */
  private replace(def: ResourceDef, old: KObject, obj: KObject, opts: WriteOptions, sent: unknown, warnings: string[] = []): KObject {
    const name = old.metadata.name!;
    const rv = obj.metadata.resourceVersion;
    if (rv && rv !== old.metadata.resourceVersion) throw errors.staleUpdate(def.group, def.plural, name);
    if (!rv && def.allowUnconditionalUpdate === false)
      throw errors.invalid(def.group, def.kind, name, [{ path: ["metadata", "resourceVersion"], reason: "FieldValueInvalid", message: "Invalid value: 0x0: must be specified for an update" }]);
    if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid)
      throw errors.conflict(def.group, def.plural, name, `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`);
    // Fields only the server sets come from the stored object.
    obj.metadata.uid = old.metadata.uid;
    obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    if (old.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete obj.metadata.deletionTimestamp;
    if (old.metadata.deletionGracePeriodSeconds !== undefined) obj.metadata.deletionGracePeriodSeconds = old.metadata.deletionGracePeriodSeconds;
    else delete obj.metadata.deletionGracePeriodSeconds;
    if (old.metadata.generation !== undefined) obj.metadata.generation = old.metadata.generation;
    else delete obj.metadata.generation;
    delete obj.metadata.managedFields;
    delete obj.metadata.selfLink;

    const sub = opts.subresource;
    const ctx = { ...this.hookContext(opts.dryRun ?? false, def, obj), subresource: sub };
    def.defaults?.(obj);
    if (sub === "status") {
      def.prepareStatusUpdate?.(obj, old);
      for (const f of ["labels", "annotations", "finalizers", "ownerReferences"] as const) {
        if (old.metadata[f] !== undefined) (obj.metadata as Record<string, unknown>)[f] = old.metadata[f];
        else delete obj.metadata[f];
      }
    } else if (sub === "finalize") {
      const finalizers = (obj.spec as { finalizers?: string[] } | undefined)?.finalizers;
      const kept = structuredClone(old);
      kept.spec = { ...((old.spec as object) ?? {}), finalizers };
      if (!finalizers?.length) delete (kept.spec as { finalizers?: string[] }).finalizers;
      kept.metadata.resourceVersion = old.metadata.resourceVersion;
      obj.spec = kept.spec;
      obj.status = old.status;
      obj.metadata = { ...kept.metadata };
    } else {
      def.prepareUpdate?.(obj, old, ctx);
    }
    this.admit("mutate", "UPDATE", def, obj, old, opts, warnings);

    const issues: K8sIssue[] = [];
    if (def.validateUpdate) {
      const collected: K8sIssue[] = [];
      def.validateUpdate(obj, old, new Problems(null, [], collected), sub);
      issues.push(...collected);
    }
    const oldFinalizers = new Set(old.metadata.finalizers ?? []);
    if (old.metadata.deletionTimestamp) {
      const added = (obj.metadata.finalizers ?? []).filter((f) => !oldFinalizers.has(f));
      if (added.length)
        issues.push({
          path: ["metadata", "finalizers"],
          reason: "FieldValueForbidden",
          message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((a) => JSON.stringify(a)).join(", ")}}`,
        });
    }
    if (!opts.trusted && def.validateObject) issues.push(...def.validateObject(obj, old, sub));
    if (!opts.trusted) validate(def.schema, def.validationView?.(obj) ?? obj, def.group, def.kind, name, issues);
    else if (issues.length) throw errors.invalid(def.group, def.kind, name, issues);
    this.admit("validate", "UPDATE", def, obj, old, opts, warnings);

    if (def.generation && specChanged(old, obj)) obj.metadata.generation = (old.metadata.generation ?? 0) + 1;
    this.recordManagers(def, old, obj, opts, sent);
    const storage = storageOf(def);
    const stored = def.storage ? def.storage.toStorage(obj) : obj;
    const oldStored = def.storage ? def.storage.toStorage(old) : old;
    if (sameObject(oldStored, stored)) return old; // no change: no write, no new resourceVersion
    const storedDef = this.storedDef(def);
    if (stored.metadata.deletionTimestamp && !stored.metadata.finalizers?.length && !(stored.metadata.deletionGracePeriodSeconds ?? 0) && (storedDef.readyToRemove?.(stored) ?? true)) {
      this.checkSize(def, stored, JSON.stringify(stored).length);
      storedDef.onDelete?.(stored, ctx);
      this.store.remove(storage, stored, attrsOf(storedDef, oldStored));
      return this.toWire(def, stored);
    }
    this.store.put(storage, stored, "MODIFIED", attrsOf(storedDef, oldStored), (size) => this.checkSize(def, stored, size), oldStored);
    // `stored` is this call's own (decoded from the body, or cloned from a trusted caller's; its
    // other parts come from `old`, parsed for this call) and the store keeps its text, not it: it
    // goes back as it is. Cloning it cost a pod status update a fifth of its time.
    const out = this.toWire(def, stored);
    // A dry run stores nothing: its answer keeps the stored resourceVersion, as kube-apiserver's
    // dry-run storage does (kubectl diff shows no resourceVersion change).
    if (opts.dryRun) out.metadata.resourceVersion = old.metadata.resourceVersion;
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Patch

  patch(def: ResourceDef, namespace: string, name: string, type: Exclude<PatchType, "apply">, patch: unknown, opts: WriteOptions = {}): WriteResult {
    let warnings: string[] = [];
    const object = this.run(opts.dryRun, () => {
      const stored = this.store.get(storageOf(def), def.namespaced ? namespace : "", name);
      if (!stored) throw errors.notFound(def.group, def.plural, name);
      const old = this.toWire(def, stored);
      const patched = applyPatch(type, structuredClone(old) as Record<string, unknown>, patch, def.schema);
      const sent = sentManagedFields(patched, opts);
      const patchedText = type === "strategic" || opts.trusted ? "" : JSON.stringify(patched);
      let decoded: { value: KObject; warnings: string[] };
      try {
        decoded = this.decodeBody(def, patched, opts);
      } catch (e) {
        // The merged object breaks the kind's types: a strategic patch is reported as converting
        // it from unstructured data does, the others as decoding the patched JSON does.
        if (e instanceof DecodeError) throw type === "strategic" ? errors.invalidPatch(goPlain(patch), e.restore) : errors.invalidPatch(patchedText, e.detail);
        throw e;
      }
      warnings = decoded.warnings;
      this.checkIdentity(def, namespace, name, decoded.value);
      return this.replace(def, old, decoded.value, opts, sent, warnings);
    });
    return { object, warnings };
  }

  // -------------------------------------------------------------------------------------------
  // Server-side apply (PATCH application/apply-patch+yaml): serverSideApply.ts merges and owns

  apply(def: ResourceDef, namespace: string, name: string, body: unknown, opts: WriteOptions & { force?: boolean } = {}): WriteResult {
    const config = checkAppliedConfig(body, apiVersionOf(def), def.kind);
    let warnings: string[] = [];
    let created = false;
    const object = this.run(opts.dryRun, () => {
      const stored = this.store.get(storageOf(def), def.namespaced ? namespace : "", name);
      if (!stored && opts.subresource) throw errors.notFound(def.group, def.plural, name);
      const old = stored ? this.toWire(def, stored) : null;
      const sub = opts.subresource;
      const applied = new Applied(
        serverSideApply({
          schema: def.schema,
          live: old as Record<string, unknown> | null,
          config,
          manager: opts.manager ?? "",
          apiVersion: apiVersionOf(def),
          force: opts.force ?? false,
          subresource: sub === "status" || sub === "scale" ? sub : undefined,
          scope: managedScope(def, sub),
        }),
      );
      let decoded: { value: KObject; warnings: string[] };
      try {
        decoded = this.decodeBody(def, applied.result.object, opts);
      } catch (e) {
        if (e instanceof DecodeError) throw errors.invalidPatch(JSON.stringify(applied.result.object), e.detail);
        throw e;
      }
      warnings = decoded.warnings;
      this.checkIdentity(def, namespace, name, decoded.value);
      if (old) return this.replace(def, old, decoded.value, opts, applied, warnings);
      created = true;
      const obj = decoded.value;
      for (const f of SYSTEM_META) delete obj.metadata[f];
      def.defaults?.(obj);
      this.admit("mutate", "CREATE", def, obj, null, opts, warnings);
      this.validateNew(def, obj);
      return this.insert(def, obj, opts, false, applied, warnings);
    });
    return { object, warnings, created };
  }

  // -------------------------------------------------------------------------------------------
  // Binding (pods/binding): the one way a pod's spec.nodeName is set after creation

  bind(namespace: string, name: string, nodeName: string, opts: { uid?: string; annotations?: Record<string, string>; dryRun?: boolean; read?: KObject } = {}): KObject {
    return this.run(opts.dryRun, () => {
      // A caller's read (WriteOptions.read) is changed in place as a fresh parse would be: its spec, status and annotations are replaced, not edited.
      const stored = this.storedOrRead("pods", namespace, name, opts.read) as (KObject & { spec?: { nodeName?: string }; status?: { conditions?: { type: string }[] } }) | undefined;
      if (!stored) throw errors.notFound("", "pods", name);
      if (opts.uid && opts.uid !== stored.metadata.uid)
        throw errors.conflict("", "pods/binding", name, `Operation cannot be fulfilled on pods/binding "${name}": UID in precondition: ${opts.uid}, UID in object meta: ${stored.metadata.uid}`);
      if (stored.metadata.deletionTimestamp) throw errors.conflict("", "pods/binding", name, `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is being deleted, cannot be assigned to a host`);
      if (stored.spec?.nodeName) throw errors.conflict("", "pods/binding", name, `Operation cannot be fulfilled on pods/binding "${name}": pod ${name} is already assigned to node "${stored.spec.nodeName}"`);
      const def = BUILT_IN.storageKind("pods")!;
      const prev = attrsOf(def, stored);
      // The store parsed a fresh copy for this call: it is changed in place, not cloned (`was`
      // keeps the spec and status it had, for pod_keys).
      const obj = stored;
      const was = { ...stored };
      obj.spec = { ...obj.spec, nodeName };
      if (opts.annotations) obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), ...opts.annotations };
      const conditions = (obj.status?.conditions ?? []).filter((c) => c.type !== "PodScheduled");
      conditions.push({ type: "PodScheduled", status: "True", lastTransitionTime: formatTime(this.clock.now()) } as { type: string });
      obj.status = { ...(obj.status ?? {}), conditions };
      this.store.put("pods", obj, "MODIFIED", prev, undefined, was);
      return this.toWire(def, obj);
    });
  }

  // -------------------------------------------------------------------------------------------
  // Delete

  delete(def: ResourceDef, namespace: string, name: string, req: DeleteRequest = {}): DeleteResult {
    return this.run(req.dryRun, () => {
      const storage = storageOf(def);
      const storedDef = this.storedDef(def);
      const old = this.storedOrRead(storage, def.namespaced ? namespace : "", name, req.read);
      if (!old) throw errors.notFound(def.group, def.plural, name);
      const forbidden = storedDef.forbidDelete?.(old);
      if (forbidden) throw errors.forbidden(def.group, def.plural, name, forbidden);
      const pre = req.preconditions;
      if (pre?.uid && pre.uid !== old.metadata.uid)
        throw errors.conflict(def.group, def.plural, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
      if (pre?.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion)
        throw errors.conflict(def.group, def.plural, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
      // Admission sees a delete as kube-apiserver shows it: no object, the stored one as oldObject.
      const warnings: string[] = [];
      this.admitDelete(def, old, req, warnings);
      const prev = attrsOf(storedDef, old);
      const now = this.clock.now();
      const grace = Math.max(0, storedDef.gracePeriod?.(old, req.gracePeriodSeconds) ?? 0);
      // `old` was parsed for this call: a copy of its top level and metadata (what a deletion
      // sets) keeps it as it was for pod_keys, without a deep clone of the whole object.
      const obj: KObject = { ...old, metadata: { ...old.metadata } };
      // Foreground and Orphan deletion hand the object to the garbage collector under a finalizer.
      const gcFinalizer = req.propagationPolicy === "Foreground" ? "foregroundDeletion" : req.propagationPolicy === "Orphan" ? "orphan" : null;
      if (gcFinalizer && !obj.metadata.deletionTimestamp && !(obj.metadata.finalizers ?? []).includes(gcFinalizer))
        obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []).filter((f) => f !== "foregroundDeletion" && f !== "orphan"), gcFinalizer];
      const pending = (obj.metadata.finalizers?.length ?? 0) > 0 || grace > 0 || !(storedDef.readyToRemove?.(obj) ?? true);
      const ctx = this.hookContext(req.dryRun ?? false, def, obj);
      if (obj.metadata.deletionTimestamp) {
        // Already being deleted: a shorter grace period may bring the end forward.
        const current = obj.metadata.deletionGracePeriodSeconds ?? 0;
        if (req.gracePeriodSeconds !== undefined && grace < current) {
          obj.metadata.deletionGracePeriodSeconds = grace;
          obj.metadata.deletionTimestamp = formatTime(now + grace * 1000);
          if (grace === 0 && !obj.metadata.finalizers?.length && (storedDef.readyToRemove?.(obj) ?? true)) {
            storedDef.onDelete?.(obj, ctx);
            this.store.remove(storage, obj, prev);
            return { body: this.deletedBody(def, obj), gone: true, object: this.toWire(def, obj), warnings };
          }
          this.store.put(storage, obj, "MODIFIED", prev, undefined, old);
        }
        const wire = this.toWire(def, obj);
        return { body: wire, gone: false, object: wire, warnings };
      }
      if (pending) {
        obj.metadata.deletionTimestamp = formatTime(now + grace * 1000);
        obj.metadata.deletionGracePeriodSeconds = grace;
        storedDef.beginDelete?.(obj);
        this.store.put(storage, obj, "MODIFIED", prev, undefined, old);
        const wire = this.toWire(def, obj);
        return { body: wire, gone: false, object: wire, warnings };
      }
      storedDef.onDelete?.(obj, ctx);
      this.store.remove(storage, obj, prev);
      return { body: this.deletedBody(def, obj), gone: true, object: this.toWire(def, obj), warnings };
    });
  }

  deleteCollection(def: ResourceDef, namespace: string | null, list: ListOptions, req: DeleteRequest = {}): KObject[] {
    const { items } = this.list(def, namespace, { labelSelector: list.labelSelector, fieldSelector: list.fieldSelector });
    const out: KObject[] = [];
    for (const item of items) {
      try {
        out.push(this.delete(def, item.metadata.namespace ?? "", item.metadata.name!, req).object);
      } catch (e) {
        if (!(e instanceof ApiError && e.code === 404)) throw e;
      }
    }
    return out;
  }

  private deletedBody(def: ResourceDef, obj: KObject): KObject | Status {
    if (def.deleteReturnsObject) return this.toWire(def, obj);
    return successStatus({ name: obj.metadata.name, ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: obj.metadata.uid });
  }

  // -------------------------------------------------------------------------------------------
  // Helpers

  /** Runs `fn` in one transaction; a dry run rolls back and still answers. */
  private run<T>(dryRun: boolean | undefined, fn: () => T): T {
    if (!dryRun) return this.store.transaction(fn);
    try {
      this.store.transaction(() => {
        throw new DryRunDone(fn());
      });
    } catch (e) {
      if (e instanceof DryRunDone) return e.result as T;
      throw e;
    }
    throw new Error("unreachable");
  }

  private decodeBody(def: ResourceDef, body: unknown, opts: WriteOptions): { value: KObject; warnings: string[] } {
    if (opts.trusted) {
      const value = (opts.owned ? body : structuredClone(body)) as KObject;
      value.apiVersion = apiVersionOf(def);
      value.kind = def.kind;
      value.metadata ??= {};
      return { value, warnings: [] };
    }
    if (body === null || typeof body !== "object" || Array.isArray(body)) throw errors.badRequest("Object 'Kind' is missing in the request body");
    const b = body as Record<string, unknown>;
    const apiVersion = apiVersionOf(def);
    if (b.kind !== undefined && b.kind !== def.kind)
      throw errors.badRequest(`${String(b.kind)} in version "${String(b.apiVersion ?? "")}" cannot be handled as a ${def.kind}: no kind "${String(b.kind)}" is registered for version "${String(b.apiVersion ?? "")}"`);
    if (b.apiVersion !== undefined && b.apiVersion !== apiVersion)
      throw errors.badRequest(`the API version in the data (${String(b.apiVersion)}) does not match the expected API version (${apiVersion})`);
    b.apiVersion = apiVersion;
    b.kind = def.kind;
    b.metadata ??= {};
    const decoded = decode<KObject>(def.schema, b, { fieldValidation: opts.fieldValidation ?? "Ignore", kind: def.kind, version: def.version });
    decoded.value.metadata ??= {};
    return decoded;
  }

  private checkIdentity(def: ResourceDef, namespace: string, name: string, obj: KObject) {
    if (obj.metadata.name && obj.metadata.name !== name) throw errors.badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    obj.metadata.name = name;
    if (def.namespaced) {
      if (obj.metadata.namespace && obj.metadata.namespace !== namespace) throw errors.badRequest("the namespace of the provided object does not match the namespace sent on the request");
      obj.metadata.namespace = namespace;
    } else delete obj.metadata.namespace;
  }

  private validateNew(def: ResourceDef, obj: KObject) {
    const name = obj.metadata.name ?? "";
    const issues: K8sIssue[] = [];
    if (!name) issues.push({ path: ["metadata", "name"], reason: "FieldValueRequired", message: "Required value: name or generateName is required" });
    else for (const e of (def.nameRule ?? dns1123Subdomain)(name)) issues.push({ path: ["metadata", "name"], reason: "FieldValueInvalid", message: `Invalid value: ${JSON.stringify(name)}: ${e}` });
    if (def.validateObject) issues.push(...def.validateObject(obj, null));
    validate(def.schema, def.validationView?.(obj) ?? obj, def.group, def.kind, name, issues);
  }

  private admitNamespace(def: ResourceDef, namespace: string, name: string) {
    if (!def.namespaced) return;
    const ns = this.admissionReads.get<KObject & { status?: { phase?: string } }>("namespaces", "", namespace);
    if (!ns) throw errors.notFound("", "namespaces", namespace);
    if (ns.metadata.deletionTimestamp || ns.status?.phase === "Terminating")
      throw errors.forbidden(def.group, def.plural, name, `unable to create new content in namespace ${namespace} because it is being terminated`);
  }

  private checkSize(def: ResourceDef, obj: KObject, size: number) {
    if (size > LIMITS.objectBytes) {
      const err = errors.tooLarge(LIMITS.objectBytes);
      err.status.message = `${def.kind} "${obj.metadata.name}" is too large: ${size} bytes; the limit is ${LIMITS.objectBytes} bytes`;
      throw err;
    }
  }

  /** Runs one phase of the admission chain over a write (see admission/plugin.ts). */
  private admit(phase: "mutate" | "validate", operation: Operation, def: ResourceDef, obj: KObject, old: KObject | null, opts: WriteOptions, warnings: string[]) {
    const storage = storageOf(def);
    const plugins = admissionFor(storage);
    if (!plugins.length) return;
    const attrs: AdmissionAttributes = {
      operation,
      def,
      storage,
      namespace: def.namespaced ? (obj.metadata.namespace ?? "") : "",
      name: obj.metadata.name ?? "",
      ...(opts.subresource ? { subresource: opts.subresource } : {}),
      object: obj,
      old,
      user: opts.user ?? null,
      dryRun: opts.dryRun ?? false,
    };
    const ctx = { ...this.hookContext(opts.dryRun ?? false, def, obj), api: this, warn: (m: string) => void (warnings.includes(m) || warnings.push(m)) };
    for (const p of plugins) p[phase]?.(attrs, ctx);
  }

  /** Both phases of the chain for a DELETE, for the plugins that ask for it (policies and webhooks). */
  private admitDelete(def: ResourceDef, stored: KObject, req: DeleteRequest, warnings: string[]) {
    const plugins = admissionFor(storageOf(def)).filter((p) => p.deletes);
    if (!plugins.length) return;
    const old = this.toWire(def, stored);
    const attrs: AdmissionAttributes = {
      operation: "DELETE",
      def,
      storage: storageOf(def),
      namespace: def.namespaced ? (old.metadata.namespace ?? "") : "",
      name: old.metadata.name ?? "",
      object: old,
      old,
      user: req.user ?? null,
      dryRun: req.dryRun ?? false,
    };
    const ctx = { ...this.hookContext(req.dryRun ?? false, def, old), api: this, warn: (m: string) => void (warnings.includes(m) || warnings.push(m)) };
    for (const p of plugins) p.mutate?.(attrs, ctx);
    for (const p of plugins) p.validate?.(attrs, ctx);
  }

  private hookContext(dryRun: boolean, def: ResourceDef, obj: KObject): HookContext {
    return {
      now: this.clock.now(),
      allocations: this.allocations,
      cluster: this.settings(),
      dryRun,
      get: <T extends KObject>(storage: string, namespace: string, name: string) =>
        this.admissionReads.covers(storage) ? this.admissionReads.get<T>(storage, namespace, name) : this.store.get<T>(storage, namespace, name),
      scan: <T extends KObject>(storage: string, namespace: string | null) =>
        this.admissionReads.covers(storage) ? this.admissionReads.list<T>(storage, namespace) : this.scanStored<T>(storage, namespace),
      forbid: (reason: string): never => {
        throw errors.forbidden(def.group, def.plural, obj.metadata.name ?? "", reason);
      },
    };
  }

  /**
   * Sets obj.metadata.managedFields for this write (`old` is null on create): what it added or
   * changed becomes its manager's, what it removed leaves every manager.
   */
  private recordManagers(def: ResourceDef, old: KObject | null, obj: KObject, opts: WriteOptions, sent: unknown) {
    if (sent instanceof Applied) {
      // An apply's own entries; a no-op keeps the applier's time, so nothing is written.
      const changed = !old || !sameObject({ ...old, metadata: { ...old.metadata, managedFields: undefined } }, obj);
      const fields = sent.result.managedFields(changed, formatTime(this.clock.now()));
      if (fields) obj.metadata.managedFields = fields;
      else delete obj.metadata.managedFields;
      return;
    }
    const sub = opts.subresource;
    const manager = opts.manager ?? inProcessManager(this.writer);
    const time = formatTime(this.clock.now());
    const shapeKey = !old && opts.shape && opts.trusted && !sub && sent === undefined ? `${storageOf(def)}\u0000${manager}\u0000${opts.shape}` : undefined;
    const known = shapeKey === undefined ? undefined : this.fieldsByShape.get(shapeKey);
    if (known) {
      obj.metadata.managedFields = [{ manager, operation: "Update", apiVersion: apiVersionOf(def), time, fieldsType: "FieldsV1", fieldsV1: known }];
      return;
    }
    const scope = managedScope(def, sub);
    const managed = recordUpdate({
      schema: def.schema,
      before: old as Record<string, unknown> | null,
      after: obj as Record<string, unknown>,
      live: old?.metadata.managedFields as ManagedFieldsEntry[] | undefined,
      sent,
      manager,
      apiVersion: apiVersionOf(def),
      subresource: sub === "status" || sub === "scale" || sub === "ephemeralcontainers" ? sub : undefined,
      scope,
      time,
    });
    // Shared by every object of the shape from now on: frozen, so that no write can change it for the rest.
    if (shapeKey !== undefined && managed?.length === 1 && managed[0]!.fieldsV1) this.fieldsByShape.set(shapeKey, deepFreeze(managed[0]!.fieldsV1));
    if (managed) obj.metadata.managedFields = managed;
    else delete obj.metadata.managedFields;
  }

  storedDef(def: ResourceDef): ResourceDef {
    return def.storage ? this.registry.storageKind(def.storage.resource) ?? def : def;
  }

  /** A stored object as the client of `def` sees it: converted, with time-derived state filled in. */
  /** Whether a kind's objects go out as they are stored (no conversion, no decoration), so their stored JSON is their wire JSON. */
  wireIsStored(def: ResourceDef): boolean {
    return !def.storage && !def.decorate && !def.computed;
  }

  toWire(def: ResourceDef, stored: KObject): KObject {
    let obj = def.storage ? def.storage.fromStorage(stored) : stored;
    if (def.decorate) obj = def.decorate(obj, this.clock.now(), this.read);
    return obj;
  }
}

const admissionByStorage = new Map<string, readonly AdmissionPlugin[]>();
/** The admission plugins that look at a storage key, in the chain's order (memoized: every write asks). */
function admissionFor(storage: string): readonly AdmissionPlugin[] {
  let found = admissionByStorage.get(storage);
  if (!found) admissionByStorage.set(storage, (found = ADMISSION.filter((p) => !p.resources || p.resources.includes(storage))));
  return found;
}

/** The managedFields a client sent, read before decoding drops an empty list (which means "reset"). */
function sentManagedFields(body: unknown, opts: WriteOptions): unknown {
  // In-process writers send back what they read: their managers come from the stored object.
  if (opts.trusted) return undefined;
  const meta = (body as { metadata?: { managedFields?: unknown } } | null)?.metadata;
  return meta && typeof meta === "object" ? structuredClone(meta.managedFields) : undefined;
}

/** An apply's result, carried to recordManagers where a client's managedFields would be. */
class Applied {
  constructor(readonly result: ApplyResult) {}
}

/** The top-level fields a write at this endpoint owns: /status owns status, /scale the spec, the main resource all but status (when status has its own endpoint). */
function managedScope(def: ResourceDef, sub: string | undefined): { only?: string[]; skip?: string[] } {
  const hasStatus = def.subresources?.some((s) => s.name === "status") ?? false;
  return sub === "status" ? { only: ["metadata", "status"] } : sub === "scale" ? { only: ["spec"] } : hasStatus ? { skip: ["status"] } : {};
}

/** Names kube-apiserver generates for one create before it answers AlreadyExists. */
const GENERATE_NAME_TRIES = 8;

function generateName(prefix: string): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  const bytes = crypto.getRandomValues(new Uint8Array(5));
  let s = "";
  for (const b of bytes) s += alphabet[b % alphabet.length];
  return prefix.slice(0, 58) + s;
}

function specChanged(a: KObject, b: KObject): boolean {
  const strip = (o: KObject) => {
    const { metadata: _m, status: _s, apiVersion: _a, kind: _k, ...rest } = o;
    return rest;
  };
  return !sameCanonical(strip(a), strip(b));
}

function sameObject(a: KObject, b: KObject): boolean {
  return sameCanonical(a, b);
}


