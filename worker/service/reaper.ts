// Sandbox expiry: one SandboxReaper Durable Object per tenant (named by the tenant's id) holds
// (clusterId, expiresAt) rows and one alarm, for the earliest. At the alarm the due clusters are
// erased (their object, then their D1 rows) and the alarm is set for the next one, or none:
// never a poll, and a sandbox's own cluster object keeps no alarm for its expiry.
//
// Every step is idempotent: an alarm that runs twice, or one cut off midway, erases nothing
// that should stay and leaves nothing that should go (a row is dropped only after its cluster
// is erased). D1 is checked before erasing: an extension written there wins over a stale row.
import { DurableObject } from "cloudflare:workers";
import { clusterExpiries, db, deleteSandboxClusterRows } from "../db/queries";
import type { Env } from "../env";
import { clusterStub } from "./clusterAccess";

/** Clusters erased per alarm run (the rest are due at once on the next run). */
const BATCH = 50;
/** Erased at the same time. */
const WIDTH = 10;
/** When erasing failed (D1 or an object unreachable), tried again this much later. */
const RETRY_MS = 30_000;

export interface Expiry {
  clusterId: string;
  /** ms since the epoch */
  expiresAt: number;
}

export function reaperOf(env: Env, tenantId: string) {
  return env.REAPER.get(env.REAPER.idFromName(tenantId));
}

export class SandboxReaper extends DurableObject<Env> {
  private sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec("CREATE TABLE IF NOT EXISTS expiries (cluster_id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)");
    this.sql.exec("CREATE INDEX IF NOT EXISTS expiries_due ON expiries (expires_at)");
  }

  /** Sets (or moves) the expiry of these clusters. */
  async schedule(entries: Expiry[]): Promise<void> {
    for (const e of entries)
      this.sql.exec("INSERT INTO expiries (cluster_id, expires_at) VALUES (?, ?) ON CONFLICT (cluster_id) DO UPDATE SET expires_at = excluded.expires_at", e.clusterId, e.expiresAt);
    await this.arm();
  }

  /** Forgets these clusters (deleted by hand, or never made). */
  async cancel(clusterIds: string[]): Promise<void> {
    for (const id of clusterIds) this.sql.exec("DELETE FROM expiries WHERE cluster_id = ?", id);
    await this.arm();
  }

  /** What the reaper holds, earliest first (tests and the operator's eye). */
  async pending(): Promise<Expiry[]> {
    return this.sql
      .exec<{ cluster_id: string; expires_at: number }>("SELECT cluster_id, expires_at FROM expiries ORDER BY expires_at, cluster_id")
      .toArray()
      .map((r) => ({ clusterId: r.cluster_id, expiresAt: r.expires_at }));
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    let retry = false;
    try {
      await this.sweep(now);
    } catch (e) {
      console.error("sandbox reaper: erasing expired clusters failed; trying again later", e);
      retry = true;
    }
    await this.arm(retry ? now + RETRY_MS : undefined);
  }

  /** Erases the clusters due at `now`, at most BATCH of them. */
  private async sweep(now: number): Promise<void> {
    const due = this.sql
      .exec<{ cluster_id: string; expires_at: number }>("SELECT cluster_id, expires_at FROM expiries WHERE expires_at <= ? ORDER BY expires_at LIMIT ?", now, BATCH)
      .toArray();
    if (!due.length) return;
    const d = db(this.env.DB);
    const inD1 = await clusterExpiries(d, due.map((r) => r.cluster_id));
    const erase: string[] = [];
    for (const r of due) {
      const exp = inD1.get(r.cluster_id);
      // Extended (or made permanent) in D1 after this row was written: follow D1.
      if (exp === null) this.sql.exec("DELETE FROM expiries WHERE cluster_id = ?", r.cluster_id);
      else if (exp !== undefined && exp > now) this.sql.exec("UPDATE expiries SET expires_at = ? WHERE cluster_id = ?", exp, r.cluster_id);
      else erase.push(r.cluster_id);
    }
    for (let i = 0; i < erase.length; i += WIDTH) {
      const chunk = erase.slice(i, i + WIDTH);
      await Promise.all(chunk.map((id) => clusterStub(this.env, id).destroy()));
      await deleteSandboxClusterRows(d, chunk);
      for (const id of chunk) this.sql.exec("DELETE FROM expiries WHERE cluster_id = ?", id);
    }
  }

  /** The alarm at the earliest expiry (or `retryAt` if sooner), or none when nothing is held. */
  private async arm(retryAt?: number): Promise<void> {
    const next = this.sql.exec<{ at: number | null }>("SELECT min(expires_at) AS at FROM expiries").one().at;
    // After a failure the rows still due wait for the retry instead of firing again at once.
    const at = next === null ? null : retryAt !== undefined ? Math.max(next, retryAt) : next;
    if (at === null) await this.ctx.storage.deleteAlarm();
    else if ((await this.ctx.storage.getAlarm()) !== at) await this.ctx.storage.setAlarm(at);
  }
}
