// Bounded maps that forget their oldest entries. A Map iterates in insertion order, so its oldest
// entry is the first; but finding it walks past every entry deleted since the table was last
// rebuilt, so dropping one entry for each one added (a cache at its bound, with entries deleted
// as their objects change) cost a walk of up to the whole table per key. Dropping a sixteenth of
// the bound at a time pays that walk once per many keys.

/** When `map` holds more than `max` entries, deletes its oldest down to fifteen sixteenths of `max`. */
export function dropOldest<K, V>(map: Map<K, V>, max: number): void {
  if (map.size <= max) return;
  let drop = map.size - max + (max >> 4);
  for (const k of map.keys()) {
    map.delete(k);
    if (--drop <= 0) break;
  }
}

/** A map that keeps the keys read or written most recently: at most `max`, and at least fifteen sixteenths of it once full. */
export class Lru<V> {
  private readonly map = new Map<string, V>();

  constructor(readonly max: number) {}

  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: string, v: V): void {
    this.map.delete(key);
    this.map.set(key, v);
    dropOldest(this.map, this.max);
  }

  delete(key: string): boolean {
    return this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }

  /** The keys, oldest first. */
  keys(): IterableIterator<string> {
    return this.map.keys();
  }
}
