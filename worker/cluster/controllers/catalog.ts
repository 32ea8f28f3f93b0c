// Keeps D1's namespace catalog in step with the cluster. Namespace writes add a row to the
// outbox in the same transaction (see object.ts); this controller copies the outbox to D1 with
// idempotent upserts and then clears what it copied. A crash between the two stores only delays
// the copy: the outbox survives in the object's SQLite and is retried.
import { applyCatalog, db, type CatalogEntry } from "../../db/queries";
import type { Change } from "../store/store";
import type { Controller } from "../loop/loop";

export const OUTBOX_TOPIC = "namespace";
const BATCH = 100;

/** The outbox entry for a namespace change. */
export function catalogEntry(c: Change): CatalogEntry {
  const ns = JSON.parse(c.body) as { metadata: { name: string; uid: string; creationTimestamp?: string }; status?: { phase?: string } };
  return {
    name: c.name,
    uid: ns.metadata.uid,
    phase: c.type === "DELETED" ? "Deleted" : ns.status?.phase ?? "Active",
    resourceVersion: c.rv,
    deleted: c.type === "DELETED",
    createdAt: ns.metadata.creationTimestamp ?? "",
  };
}

export const catalogController: Controller = {
  name: "catalog",
  keysFor: (c) => (c.resource === "namespaces" ? ["flush"] : []),
  resync: (ctx) => (ctx.store.sqlStorage.exec("SELECT 1 FROM outbox LIMIT 1").toArray().length ? ["flush"] : []),
  async reconcile(_key, ctx) {
    const sql = ctx.store.sqlStorage;
    const clusterId = ctx.clusterId();
    if (!clusterId) return;
    for (;;) {
      const rows = sql.exec<{ id: number; payload: string }>("SELECT id, payload FROM outbox WHERE topic = ? ORDER BY id LIMIT ?", OUTBOX_TOPIC, BATCH).toArray();
      if (!rows.length) return;
      await applyCatalog(
        db(ctx.env.DB),
        clusterId,
        rows.map((r) => JSON.parse(r.payload) as CatalogEntry),
      );
      sql.exec("DELETE FROM outbox WHERE topic = ? AND id <= ?", OUTBOX_TOPIC, rows[rows.length - 1].id);
    }
  },
};
