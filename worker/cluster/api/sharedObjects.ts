// Objects of any kind parsed once while their stored text stands, frozen, for readers that read
// the same object many times and change nothing: the garbage collector reads a ReplicaSet for
// every pod it makes. A kept object is checked against the store's current text on every read
// (the body cache hands back the same string until a write replaces it), so a write earlier in
// the same transaction, or one rolled back, is never hidden.
import type { KObject } from "../resources/define";
import type { Store } from "../store/store";
import { dropOldest } from "../machinery/lru";
import { deepFreeze } from "./kindCache";

export class SharedObjects {
  private readonly kept = new Map<string, { text: string; obj: KObject }>();

  constructor(
    private readonly store: Store,
    /** How many objects are kept at most; the least recently read go first. */
    private readonly capacity: number,
  ) {}

  get<T extends KObject>(storage: string, namespace: string, name: string): T | undefined {
    const key = `${storage}\u0000${namespace}\u0000${name}`;
    const text = this.store.getRaw(storage, namespace, name);
    const hit = this.kept.get(key);
    if (hit) this.kept.delete(key);
    if (text === undefined) return undefined;
    // Identity first: an unchanged object's text is the very string kept.
    const obj = hit && hit.text === text ? hit.obj : deepFreeze(JSON.parse(text) as KObject);
    this.kept.set(key, { text, obj });
    dropOldest(this.kept, this.capacity);
    return obj as T;
  }
}
