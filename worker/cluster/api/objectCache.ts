// Single objects of kinds that many reads share and few writes change (nodes: every kubelet sync
// and every container's environment reads its node), parsed once and frozen. Unlike KindCache it
// keeps objects one by one: a write drops only the object written, so a cluster of a thousand
// nodes that are joining does not parse them all again after each join.
import type { KObject } from "../resources/define";
import type { Change, Store } from "../store/store";
import { dropOldest } from "../machinery/lru";
import { deepFreeze } from "./kindCache";

export class ObjectCache {
  private readonly objects = new Map<string, KObject | null>();

  constructor(
    private readonly store: Store,
    private readonly storages: ReadonlySet<string>,
    /** How many objects are kept at most; the least recently read go first. */
    private readonly capacity = 2048,
  ) {
    const drop = (changes: readonly Change[]) => {
      for (const c of changes) if (this.storages.has(c.resource)) this.objects.delete(keyOf(c.resource, c.namespace, c.name));
    };
    store.onWrite(drop);
    store.onRollback(drop);
  }

  covers(storage: string): boolean {
    return this.storages.has(storage);
  }

  /** One object, frozen (callers copy before changing it). */
  get<T extends KObject>(storage: string, namespace: string, name: string): T | undefined {
    const key = keyOf(storage, namespace, name);
    let obj = this.objects.get(key);
    if (obj !== undefined) {
      // Read again: it moves to the back of the eviction order.
      this.objects.delete(key);
    } else {
      obj = (this.store.get(storage, namespace, name) as KObject | undefined) ?? null;
      if (obj) deepFreeze(obj);
    }
    this.objects.set(key, obj);
    dropOldest(this.objects, this.capacity);
    return (obj ?? undefined) as T | undefined;
  }
}

function keyOf(storage: string, namespace: string, name: string): string {
  return `${storage}\u0000${namespace}\u0000${name}`;
}
