// D1 tables (drizzle): tenants, their tokens and clusters, and the namespace catalog that every
// cluster object keeps in step through its outbox.
import { sql } from "drizzle-orm";
import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  createdAt: integer("created_at", { mode: "number" }).notNull(),
});

export const tokens = sqliteTable(
  "tokens",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The one cluster this token is for; null for all of the tenant's clusters. */
    clusterId: text("cluster_id"),
    role: text("role", { enum: ["admin", "edit", "view"] }).notNull(),
    /** SHA-256 of the secret, hex; the secret itself is never stored. */
    secretHash: text("secret_hash").notNull(),
    /** The first characters of the secret, to recognise it in listings. */
    prefix: text("prefix").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    /**
     * A kubeconfig's token: the tenant-wide token it was derived from (its secret is an HMAC of
     * that token's secret and this row's id, so it can be derived again). Revoked with it.
     */
    parentId: text("parent_id"),
  },
  (t) => [
    uniqueIndex("tokens_secret_hash").on(t.secretHash),
    index("tokens_tenant").on(t.tenantId),
    // One kubeconfig token per parent and cluster, even when two fetches race.
    uniqueIndex("tokens_parent_cluster").on(t.parentId, t.clusterId),
  ],
);

export const clusters = sqliteTable(
  "clusters",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    /** The normalized cluster config, JSON. */
    config: text("config").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("clusters_tenant_name").on(t.tenantId, t.name)],
);

/**
 * Every cluster's namespaces, written by the cluster objects (outbox flush). Deletions are kept as
 * tombstones so that replayed or late writes never resurrect a namespace: a row changes only for
 * a higher resourceVersion.
 */
export const namespaces = sqliteTable(
  "namespaces",
  {
    clusterId: text("cluster_id").notNull(),
    name: text("name").notNull(),
    uid: text("uid").notNull(),
    phase: text("phase").notNull(),
    resourceVersion: integer("resource_version", { mode: "number" }).notNull(),
    deleted: integer("deleted", { mode: "boolean" }).notNull().default(false),
    createdAt: text("created_at").notNull(),
    updatedAt: integer("updated_at", { mode: "number" })
      .notNull()
      .default(sql`(unixepoch() * 1000)`),
  },
  (t) => [primaryKey({ columns: [t.clusterId, t.name] })],
);
