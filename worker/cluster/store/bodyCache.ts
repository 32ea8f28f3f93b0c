// The stored text of the objects written or read most recently, and which keys hold nothing.
// The control loop reads back what it has just written (a pod the scheduler bound, the kubelet
// then reads; an Event it looks up before it records it); each of those reads was a SQLite
// statement, which costs more than the parse. The cache holds text, never parsed objects, so a
// caller that changes what it got cannot change what the next caller gets.
//
// The store keeps it true: a write sets its key inside the transaction and a rollback drops the
// keys the transaction touched, so an entry is always what SQLite holds (what this transaction
// sees, while one is open).

/** Characters of stored text the cache keeps (about 2 bytes each at worst): a small share of 128 MB. */
export const BODY_CACHE_CHARS = 4 * 1024 * 1024;

/** What an absent key costs in the budget (its key and entry). */
const ABSENT_CHARS = 64;

export class BodyCache {
  private readonly map = new Map<string, string | null>();
  private chars = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly budget: number = BODY_CACHE_CHARS) {}

  static key(resource: string, namespace: string, name: string): string {
    return `${resource}\u0000${namespace}\u0000${name}`;
  }

  /** The text kept for a key, null when the key is known to hold nothing, undefined when unknown. */
  get(key: string): string | null | undefined {
    const v = this.map.get(key);
    if (v === undefined) this.misses++;
    else this.hits++;
    return v;
  }

  /** Keeps a key's text (null: no object there) as the newest entry; the oldest go past the budget. */
  set(key: string, body: string | null): void {
    this.delete(key);
    const size = body === null ? ABSENT_CHARS : body.length + key.length;
    if (size > this.budget / 16) return; // one large object must not flush the rest
    this.map.set(key, body);
    this.chars += size;
    if (this.chars <= this.budget) return;
    for (const [k] of this.map) {
      this.delete(k);
      if (this.chars <= this.budget * 0.9) break;
    }
  }

  delete(key: string): void {
    const old = this.map.get(key);
    if (old === undefined) return;
    this.map.delete(key);
    this.chars -= old === null ? ABSENT_CHARS : old.length + key.length;
  }

  /** Every entry, oldest first (for checks that the cache says what SQLite says). */
  entries(): IterableIterator<[string, string | null]> {
    return this.map.entries();
  }

  get size(): number {
    return this.map.size;
  }

  /** Characters held, against the budget. */
  get held(): number {
    return this.chars;
  }
}
