// One kept copy of the values many cached objects hold alike. JSON.parse makes a fresh string
// and object for every value it reads, so 100,000 pods parsed into a cache hold 100,000 copies of
// "default", "Running", a node's name, a second's timestamp and their template's labels and
// requests: a third of what the scheduler's snapshot and the controllers' pod cache weighed.
// What an interner answers is shared, so it is read, never changed.

export class Interner {
  private strings = new Map<string, string>();
  private values = new Map<string, unknown>();

  /** Past this many kept strings (or values) the copies start again: a bound, not a cache policy. */
  constructor(private readonly bound = 20_000) {}

  /** The kept copy of a string equal to `s`. */
  string<T extends string | undefined>(s: T): T {
    if (s === undefined) return s;
    const have = this.strings.get(s);
    if (have !== undefined) return have as T;
    if (this.strings.size >= this.bound) this.strings = new Map();
    this.strings.set(s, s);
    return s;
  }

  /** The kept copy of a plain JSON value equal to `value` (by its JSON text). */
  value<T>(value: T): T {
    if (value === undefined || value === null) return value;
    const key = JSON.stringify(value);
    const have = this.values.get(key);
    if (have !== undefined) return have as T;
    if (this.values.size >= this.bound) this.values = new Map();
    this.values.set(key, value);
    return value;
  }
}
