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

export async function insertToken(d: Db, token: TokenRow): Promise<void> {
  await d.insert(schema.tokens).values(token);
}

export async function tokensOf(d: Db, tenantId: string): Promise<TokenRow[]> {
  return d.select().from(schema.tokens).where(eq(schema.tokens.tenantId, tenantId)).orderBy(asc(schema.tokens.createdAt)).all();
}

export async function deleteToken(d: Db, tenantId: string, id: string): Promise<boolean> {
  const res = await d.delete(schema.tokens).where(and(eq(schema.tokens.tenantId, tenantId), eq(schema.tokens.id, id))).returning({ id: schema.tokens.id });
  return res.length > 0;
}

// Clusters

export async function clustersOf(d: Db, tenantId: string): Promise<ClusterRow[]> {
  return d.select().from(schema.clusters).where(eq(schema.clusters.tenantId, tenantId)).orderBy(asc(schema.clusters.name)).all();
}

export async function countClusters(d: Db, tenantId: string): Promise<number> {
  const row = await d.select({ n: sql<number>`count(*)` }).from(schema.clusters).where(eq(schema.clusters.tenantId, tenantId)).get();
  return row?.n ?? 0;
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

export async function insertCluster(d: Db, row: ClusterRow): Promise<void> {
  await d.insert(schema.clusters).values(row);
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
