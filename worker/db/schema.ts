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
    /** When the cluster is deleted (ms since the epoch): a sandbox's expiry; null for none. */
    expiresAt: integer("expires_at", { mode: "number" }),
  },
  (t) => [uniqueIndex("clusters_tenant_name").on(t.tenantId, t.name)],
);

/**
 * A tenant's cluster templates: a kind config, objects to preload, simulation settings and the
 * tasks a seat is checked against. The built-in templates live in code (service/templates/),
 * not here.
 */
export const templates = sqliteTable(
  "templates",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** The normalized cluster config, JSON, as clusters.config. */
    config: text("config").notNull(),
    /** Objects to preload: one multi-document YAML string ("" for none). */
    objects: text("objects").notNull().default(""),
    /** A simulation patch (JSON) applied to the cluster after it is made; "{}" for none. */
    simulation: text("simulation").notNull().default("{}"),
    /** Tasks with their checks (JSON, checks/schema.ts); "[]" for none. */
    tasks: text("tasks").notNull().default("[]"),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("templates_tenant_name").on(t.tenantId, t.name)],
);

/** A sandbox: a cluster made from a template, with a token for it and an expiry (clusters.expiresAt). */
export const sandboxes = sqliteTable(
  "sandboxes",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    clusterId: text("cluster_id").notNull(),
    /** The template's name (built-in or the tenant's) it was made from and is reset to. */
    template: text("template").notNull(),
    /** Who it is for, free text (an email, a student's name); null when not said. */
    owner: text("owner"),
    /** The cluster-scoped token made with it. */
    tokenId: text("token_id").notNull(),
    /** The class and seat it belongs to, when a class made it. */
    classId: text("class_id"),
    seat: text("seat"),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("sandboxes_cluster").on(t.clusterId), index("sandboxes_tenant").on(t.tenantId), index("sandboxes_class").on(t.classId)],
);

/** A teacher's class: a template and its seats (sandboxes with classId set). */
export const classes = sqliteTable(
  "classes",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    name: text("name").notNull(),
    template: text("template").notNull(),
    /** The role of every seat's token: edit or view (or admin, for the seat's cluster alone). */
    role: text("role", { enum: ["admin", "edit", "view"] }).notNull(),
    /** The token that created the class: seat tokens are derived from its secret, so it can list them again. */
    creatorTokenId: text("creator_token_id").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("classes_tenant_name").on(t.tenantId, t.name)],
);

/**
 * One-time kubeconfig downloads: the link carries a random code; stored are its hash and the
 * seat's token sealed with a key derived from the code, so the table alone opens nothing.
 */
export const downloads = sqliteTable(
  "downloads",
  {
    codeHash: text("code_hash").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    sandboxId: text("sandbox_id").notNull(),
    /** AES-GCM of the token, base64 (iv + ciphertext). */
    sealed: text("sealed").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
    usedAt: integer("used_at", { mode: "number" }),
  },
  (t) => [index("downloads_sandbox").on(t.sandboxId)],
);

/** Saved copies of a cluster's objects (as export writes them), to restore later. */
export const snapshots = sqliteTable(
  "snapshots",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id")
      .notNull()
      .references(() => tenants.id, { onDelete: "cascade" }),
    clusterId: text("cluster_id").notNull(),
    name: text("name").notNull(),
    /** Multi-document YAML. */
    objects: text("objects").notNull(),
    createdAt: integer("created_at", { mode: "number" }).notNull(),
  },
  (t) => [uniqueIndex("snapshots_cluster_name").on(t.clusterId, t.name)],
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
