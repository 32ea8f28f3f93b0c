// Allocated values of the cluster's pools (ClusterIPs, NodePorts), in the object's SQLite so that
// an allocation commits or rolls back with the write that made it.
import type { Allocations } from "../resources/define";

export class SqlAllocations implements Allocations {
  constructor(private readonly sql: SqlStorage) {}

  isTaken(pool: string, value: string): boolean {
    return this.sql.exec("SELECT 1 FROM allocations WHERE pool = ? AND value = ?", pool, value).toArray().length > 0;
  }

  take(pool: string, value: string, owner: string): void {
    this.sql.exec("INSERT INTO allocations (pool, value, owner) VALUES (?, ?, ?)", pool, value, owner);
  }

  /** Takes the value if it is free, in one statement; whether it was. */
  tryTake(pool: string, value: string, owner: string): boolean {
    return this.sql.exec("INSERT INTO allocations (pool, value, owner) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", pool, value, owner).rowsWritten > 0;
  }

  release(pool: string, value: string): void {
    this.sql.exec("DELETE FROM allocations WHERE pool = ? AND value = ?", pool, value);
  }

  releaseOwner(pool: string, owner: string): void {
    this.sql.exec("DELETE FROM allocations WHERE pool = ? AND owner = ?", pool, owner);
  }

  pick(pool: string, size: number, nth: (i: number) => string, owner: string): string | null {
    const used = Number(this.sql.exec("SELECT count(*) AS n FROM allocations WHERE pool = ?", pool).one().n);
    if (used >= size) return null;
    // Random start, then the first free value: spreads allocations as Kubernetes' allocator does.
    const start = Math.floor(Math.random() * size);
    for (let i = 0; i < size; i++) {
      const v = nth((start + i) % size);
      if (this.tryTake(pool, v, owner)) return v;
    }
    return null;
  }
}
