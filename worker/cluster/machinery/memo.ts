// A pure function's answers kept by argument, up to a bound: for work asked again and again with
// few distinct arguments (an image reference, a timestamp, a pattern). Past the bound the answers
// start again: a bound on memory, not a cache policy. What it answers is shared: read, never change.

export class Memo<K, V> {
  private readonly answers = new Map<K, V>();

  constructor(
    private readonly make: (key: K) => V,
    private readonly bound: number,
  ) {}

  get(key: K): V {
    if (this.answers.has(key)) return this.answers.get(key) as V;
    const value = this.make(key);
    if (this.answers.size >= this.bound) this.answers.clear();
    this.answers.set(key, value);
    return value;
  }

  /** Forgets every answer (what they were made from has changed). */
  clear(): void {
    this.answers.clear();
  }
}
