// D1 queries, one function per question the service asks.
import { and, asc, eq, sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import * as schema from "./schema";

export type Db = DrizzleD1Database<typeof schema>;

// drizzle builds its relational config from the schema on every construction; one per binding.
const instances = new WeakMap<D1Database, Db>();

export function db(d1: D1Database): Db {
  let d = instances.get(d1);
  if (!d) {
    d = drizzle(d1, { schema });
    instances.set(d1, d);
  }
  return d;
}

/** Whether a failed write broke a UNIQUE constraint (drizzle wraps D1's error: the words are in its cause). */
export function isUniqueViolation(e: unknown): boolean {
  for (let x: unknown = e; x; x = (x as { cause?: unknown }).cause) if (String(x).includes("UNIQUE constraint failed")) return true;
  return false;
}

export type TenantRow = typeof schema.tenants.$inferSelect;
export type TokenRow = typeof schema.tokens.$inferSelect;
export type ClusterRow = typeof schema.clusters.$inferSelect;
export type NamespaceRow = typeof schema.namespaces.$inferSelect;

// Tenants

export async function tenantByName(d: Db, name: string): Promise<TenantRow | undefined> {
  return d.select().from(schema.tenants).where(eq(schema.tenants.name, name)).get();
}

export async function tenantById(d: Db, id: string): Promise<TenantRow | undefined> {
  return d.select().from(schema.tenants).where(eq(schema.tenants.id, id)).get();
}

export async function insertTenantWithToken(d: Db, tenant: TenantRow, token: TokenRow): Promise<void> {
  await d.batch([d.insert(schema.tenants).values(tenant), d.insert(schema.tokens).values(token)]);
}

// Tokens

export async function tokenByHash(d: Db, hash: string): Promise<(TokenRow & { tenantName: string }) | undefined> {
  const row = await d
    .select({ token: schema.tokens, tenantName: schema.tenants.name })
    .from(schema.tokens)
    .innerJoin(schema.tenants, eq(schema.tokens.tenantId, schema.tenants.id))
    .where(eq(schema.tokens.secretHash, hash))
    .get();
  return row ? { ...row.token, tenantName: row.tenantName } : undefined;
}

/**
 * Inserts a token unless its tenant already holds `max`; false at the bound. One statement, so
 * concurrent inserts cannot overshoot it.
 */
export async function insertTokenWithin(d: Db, t: TokenRow, max: number): Promise<boolean> {
  const res = await d.run(sql`INSERT INTO tokens (id, tenant_id, name, cluster_id, role, secret_hash, prefix, created_at, parent_id)
    SELECT ${t.id}, ${t.tenantId}, ${t.name}, ${t.clusterId}, ${t.role}, ${t.secretHash}, ${t.prefix}, ${t.createdAt}, ${t.parentId}
    WHERE (SELECT count(*) FROM tokens WHERE tenant_id = ${t.tenantId}) < ${max}`);
  return res.meta.changes > 0;
}

/** The kubeconfig token derived from `parentId` for a cluster, if there is one. */
export async function derivedToken(d: Db, parentId: string, clusterId: string): Promise<TokenRow | undefined> {
  return d
    .select()
    .from(schema.tokens)
    .where(and(eq(schema.tokens.parentId, parentId), eq(schema.tokens.clusterId, clusterId)))
    .get();
}

export async function tokensOf(d: Db, tenantId: string): Promise<TokenRow[]> {
  return d.select().from(schema.tokens).where(eq(schema.tokens.tenantId, tenantId)).orderBy(asc(schema.tokens.createdAt)).all();
}

/** Revokes a token and the kubeconfig tokens derived from it. */
export async function deleteToken(d: Db, tenantId: string, id: string): Promise<boolean> {
  const [, res] = await d.batch([
    d.delete(schema.tokens).where(and(eq(schema.tokens.tenantId, tenantId), eq(schema.tokens.parentId, id))),
    d.delete(schema.tokens).where(and(eq(schema.tokens.tenantId, tenantId), eq(schema.tokens.id, id))).returning({ id: schema.tokens.id }),
  ]);
  return res.length > 0;
}

// Clusters

export async function clustersOf(d: Db, tenantId: string): Promise<ClusterRow[]> {
  return d.select().from(schema.clusters).where(eq(schema.clusters.tenantId, tenantId)).orderBy(asc(schema.clusters.name)).all();
}

export async function clusterByName(d: Db, tenantId: string, name: string): Promise<ClusterRow | undefined> {
  return d
    .select()
    .from(schema.clusters)
    .where(and(eq(schema.clusters.tenantId, tenantId), eq(schema.clusters.name, name)))
    .get();
}

export async function clusterById(d: Db, id: string): Promise<ClusterRow | undefined> {
  return d.select().from(schema.clusters).where(eq(schema.clusters.id, id)).get();
}

/**
 * Inserts a cluster unless its tenant already has `max`; false at the bound. One statement, so
 * concurrent creates cannot overshoot it. A taken name still fails on the unique index.
 */
export async function insertClusterWithin(d: Db, row: ClusterRow, max: number): Promise<boolean> {
  const res = await d.run(sql`INSERT INTO clusters (id, tenant_id, name, config, created_at, expires_at)
    SELECT ${row.id}, ${row.tenantId}, ${row.name}, ${row.config}, ${row.createdAt}, ${row.expiresAt ?? null}
    WHERE (SELECT count(*) FROM clusters WHERE tenant_id = ${row.tenantId}) < ${max}`);
  return res.meta.changes > 0;
}

/** Removes a cluster with its cluster-scoped tokens and its catalog rows. */
export async function deleteClusterRows(d: Db, id: string): Promise<void> {
  await d.batch([
    d.delete(schema.tokens).where(eq(schema.tokens.clusterId, id)),
    d.delete(schema.namespaces).where(eq(schema.namespaces.clusterId, id)),
    d.delete(schema.clusters).where(eq(schema.clusters.id, id)),
  ]);
}

// The namespace catalog

export interface CatalogEntry {
  name: string;
  uid: string;
  phase: string;
  resourceVersion: number;
  deleted: boolean;
  createdAt: string;
}

/** Idempotent, order-safe upserts: a row only moves forward in resourceVersion. */
export async function applyCatalog(d: Db, clusterId: string, entries: CatalogEntry[]): Promise<void> {
  if (!entries.length) return;
  const now = Date.now();
  const stmts = entries.map((e) =>
    d
      .insert(schema.namespaces)
      .values({ clusterId, ...e, updatedAt: now })
      .onConflictDoUpdate({
        target: [schema.namespaces.clusterId, schema.namespaces.name],
        set: { uid: e.uid, phase: e.phase, resourceVersion: e.resourceVersion, deleted: e.deleted, createdAt: e.createdAt, updatedAt: now },
        setWhere: sql`excluded.resource_version > ${schema.namespaces.resourceVersion}`,
      }),
  );
  await d.batch(stmts as [(typeof stmts)[0], ...typeof stmts]);
}

export async function namespacesOf(d: Db, clusterId: string): Promise<NamespaceRow[]> {
  return d
    .select()
    .from(schema.namespaces)
    .where(and(eq(schema.namespaces.clusterId, clusterId), eq(schema.namespaces.deleted, false)))
    .orderBy(asc(schema.namespaces.name))
    .all();
}

// Templates (a tenant's own; the built-ins live in code)

export type TemplateRow = typeof schema.templates.$inferSelect;

export async function templatesOf(d: Db, tenantId: string): Promise<TemplateRow[]> {
  return d.select().from(schema.templates).where(eq(schema.templates.tenantId, tenantId)).orderBy(asc(schema.templates.name)).all();
}

export async function templateByName(d: Db, tenantId: string, name: string): Promise<TemplateRow | undefined> {
  return d
    .select()
    .from(schema.templates)
    .where(and(eq(schema.templates.tenantId, tenantId), eq(schema.templates.name, name)))
    .get();
}

/**
 * Inserts a template unless its tenant already holds `max`; false at the bound. One statement, so
 * concurrent creates cannot overshoot it. A taken name still fails on the unique index.
 */
export async function insertTemplateWithin(d: Db, t: TemplateRow, max: number): Promise<boolean> {
  const res = await d.run(sql`INSERT INTO templates (id, tenant_id, name, description, config, objects, simulation, tasks, created_at)
    SELECT ${t.id}, ${t.tenantId}, ${t.name}, ${t.description}, ${t.config}, ${t.objects}, ${t.simulation}, ${t.tasks}, ${t.createdAt}
    WHERE (SELECT count(*) FROM templates WHERE tenant_id = ${t.tenantId}) < ${max}`);
  return res.meta.changes > 0;
}

export async function deleteTemplate(d: Db, tenantId: string, name: string): Promise<boolean> {
  const res = await d
    .delete(schema.templates)
    .where(and(eq(schema.templates.tenantId, tenantId), eq(schema.templates.name, name)))
    .returning({ id: schema.templates.id });
  return res.length > 0;
}

/** How many sandboxes, classes and templates a tenant has (GET /v1/usage), in one round trip. */
export async function tenantCounts(d: Db, tenantId: string): Promise<{ sandboxes: number; classes: number; templates: number }> {
  const row = await d.get<{ sandboxes: number; classes: number; templates: number }>(sql`SELECT
    (SELECT count(*) FROM sandboxes WHERE tenant_id = ${tenantId}) AS sandboxes,
    (SELECT count(*) FROM classes WHERE tenant_id = ${tenantId}) AS classes,
    (SELECT count(*) FROM templates WHERE tenant_id = ${tenantId}) AS templates`);
  return { sandboxes: Number(row?.sandboxes ?? 0), classes: Number(row?.classes ?? 0), templates: Number(row?.templates ?? 0) };
}
