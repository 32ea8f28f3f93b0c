// The objects of the kinds admission reads on every write (admission policies and bindings,
// webhook configurations, quotas, limit ranges, priority and storage classes, namespaces),
// parsed once and kept in memory until that kind is written or a transaction that wrote it
// rolls back. Most clusters hold none or a few of each, and reading them from SQLite for every
// pod, event and status write cost a third of a busy cluster's writes.
import type { KObject } from "../resources/define";
import type { Change, Store } from "../store/store";

interface Loaded {
  byKey: Map<string, KObject>;
  byNamespace: Map<string, KObject[]>;
  all: KObject[];
}

const NO_OBJECTS: readonly KObject[] = Object.freeze([]);

export class KindCache {
  private readonly loaded = new Map<string, Loaded>();

  constructor(
    private readonly store: Store,
    private readonly storages: ReadonlySet<string>,
  ) {
    const drop = (changes: readonly Change[]) => {
      for (const c of changes) if (this.loaded.size && this.storages.has(c.resource)) this.loaded.delete(c.resource);
    };
    store.onWrite(drop);
    store.onRollback(drop);
  }

  covers(storage: string): boolean {
    return this.storages.has(storage);
  }

  /** One object, frozen (callers copy before changing it). */
  get<T extends KObject>(storage: string, namespace: string, name: string): T | undefined {
    return this.load(storage).byKey.get(`${namespace}/${name}`) as T | undefined;
  }

  /** The objects in one namespace (or all, for null) in key order, frozen. */
  list<T extends KObject>(storage: string, namespace: string | null): readonly T[] {
    const l = this.load(storage);
    return (namespace === null ? l.all : l.byNamespace.get(namespace) ?? NO_OBJECTS) as readonly T[];
  }

  private load(storage: string): Loaded {
    let l = this.loaded.get(storage);
    if (l) return l;
    l = { byKey: new Map(), byNamespace: new Map(), all: [] };
    for (const row of this.store.scan(storage, null)) {
      const obj = deepFreeze(JSON.parse(row.body) as KObject);
      l.byKey.set(`${row.namespace}/${row.name}`, obj);
      l.all.push(obj);
      const inNs = l.byNamespace.get(row.namespace);
      if (inNs) inNs.push(obj);
      else l.byNamespace.set(row.namespace, [obj]);
    }
    this.loaded.set(storage, l);
    return l;
  }
}

export function deepFreeze<T>(v: T): T {
  if (v && typeof v === "object" && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v as Record<string, unknown>)) deepFreeze(x);
  }
  return v;
}
