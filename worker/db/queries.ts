// D1 queries, one function per question the service asks.
import { and, asc, eq, inArray, isNotNull, isNull, or, sql } from "drizzle-orm";
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

/** The token lookup of every authenticated request, built once per binding (drizzle's query building cost more than D1's call). */
function tokenLookup(d: Db) {
  return d
    .select({ token: schema.tokens, tenantName: schema.tenants.name })
    .from(schema.tokens)
    .innerJoin(schema.tenants, eq(schema.tokens.tenantId, schema.tenants.id))
    .where(eq(schema.tokens.secretHash, sql.placeholder("hash")))
    .prepare();
}
const tokenLookups = new WeakMap<Db, ReturnType<typeof tokenLookup>>();

export async function tokenByHash(d: Db, hash: string): Promise<(TokenRow & { tenantName: string }) | undefined> {
  let q = tokenLookups.get(d);
  if (!q) {
    q = tokenLookup(d);
    tokenLookups.set(d, q);
  }
  const row = await q.get({ hash });
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

/** Removes a cluster with its cluster-scoped tokens, its catalog rows and, for a sandbox, its sandbox, snapshots and downloads. */
export async function deleteClusterRows(d: Db, id: string): Promise<void> {
  await deleteSandboxClusterRows(d, [id]);
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

// Sandboxes and classes

export type SandboxRow = typeof schema.sandboxes.$inferSelect;
export type ClassRow = typeof schema.classes.$inferSelect;
export type SnapshotRow = typeof schema.snapshots.$inferSelect;
export type DownloadRow = typeof schema.downloads.$inferSelect;

/** A sandbox with its cluster's name and expiry. */
export type SandboxView = SandboxRow & { clusterName: string; expiresAt: number | null; role: TokenRow["role"] | null };

const sandboxView = { sandbox: schema.sandboxes, clusterName: schema.clusters.name, expiresAt: schema.clusters.expiresAt, role: schema.tokens.role };
const flat = (r: { sandbox: SandboxRow; clusterName: string; expiresAt: number | null; role: TokenRow["role"] | null }): SandboxView => ({ ...r.sandbox, clusterName: r.clusterName, expiresAt: r.expiresAt, role: r.role });
/** Not yet expired at `now` (an expired one is gone even before the reaper erases it). */
const alive = (now: number) => sql`(${schema.clusters.expiresAt} IS NULL OR ${schema.clusters.expiresAt} > ${now})`;

export async function sandboxesOf(d: Db, tenantId: string, now: number): Promise<SandboxView[]> {
  const rows = await d
    .select(sandboxView)
    .from(schema.sandboxes)
    .innerJoin(schema.clusters, eq(schema.sandboxes.clusterId, schema.clusters.id))
    .leftJoin(schema.tokens, eq(schema.tokens.id, schema.sandboxes.tokenId))
    .where(and(eq(schema.sandboxes.tenantId, tenantId), alive(now)))
    .orderBy(asc(schema.sandboxes.createdAt), asc(schema.clusters.name))
    .all();
  return rows.map(flat);
}

export async function sandboxById(d: Db, tenantId: string, id: string, now: number): Promise<SandboxView | undefined> {
  const row = await d
    .select(sandboxView)
    .from(schema.sandboxes)
    .innerJoin(schema.clusters, eq(schema.sandboxes.clusterId, schema.clusters.id))
    .leftJoin(schema.tokens, eq(schema.tokens.id, schema.sandboxes.tokenId))
    .where(and(eq(schema.sandboxes.tenantId, tenantId), eq(schema.sandboxes.id, id), alive(now)))
    .get();
  return row ? flat(row) : undefined;
}

export async function sandboxesOfClass(d: Db, classId: string, now: number): Promise<SandboxView[]> {
  const rows = await d
    .select(sandboxView)
    .from(schema.sandboxes)
    .innerJoin(schema.clusters, eq(schema.sandboxes.clusterId, schema.clusters.id))
    .leftJoin(schema.tokens, eq(schema.tokens.id, schema.sandboxes.tokenId))
    .where(and(eq(schema.sandboxes.classId, classId), alive(now)))
    .orderBy(asc(schema.sandboxes.createdAt), asc(schema.sandboxes.id))
    .all();
  return rows.map(flat);
}

/** How many clusters and tokens a tenant holds, to check a class's room up front. */
export async function tenantRoom(d: Db, tenantId: string): Promise<{ clusters: number; tokens: number }> {
  const row = await d
    .select({
      clusters: sql<number>`(SELECT count(*) FROM clusters WHERE tenant_id = ${tenantId})`,
      tokens: sql<number>`(SELECT count(*) FROM tokens WHERE tenant_id = ${tenantId})`,
    })
    .from(schema.tenants)
    .where(eq(schema.tenants.id, tenantId))
    .get();
  return { clusters: Number(row?.clusters ?? 0), tokens: Number(row?.tokens ?? 0) };
}

/**
 * Writes the records of sandboxes whose clusters exist: their tokens (each within the tenant's
 * bound), the sandboxes, and for a class its row and download links, in one D1 batch. False when
 * the tokens bound was met; then nothing of it is left.
 */
export async function insertSandboxRecords(
  d1: D1Database,
  r: { tokens: TokenRow[]; sandboxes: SandboxRow[]; klass?: ClassRow; downloads?: DownloadRow[] },
  maxTokens: number,
): Promise<boolean> {
  // Raw statements: drizzle's batch takes no raw INSERT … SELECT, and the bound needs one.
  const d = db(d1);
  const tokenInserts = r.tokens.map((t) =>
    d1
      .prepare(
        `INSERT INTO tokens (id, tenant_id, name, cluster_id, role, secret_hash, prefix, created_at, parent_id)
         SELECT ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE (SELECT count(*) FROM tokens WHERE tenant_id = ?) < ?`,
      )
      .bind(t.id, t.tenantId, t.name, t.clusterId, t.role, t.secretHash, t.prefix, t.createdAt, t.parentId, t.tenantId, maxTokens),
  );
  const k = r.klass;
  const rest = [
    ...(k
      ? [d1.prepare("INSERT INTO classes (id, tenant_id, name, template, role, creator_token_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)").bind(k.id, k.tenantId, k.name, k.template, k.role, k.creatorTokenId, k.createdAt)]
      : []),
    ...r.sandboxes.map((x) =>
      d1
        .prepare("INSERT INTO sandboxes (id, tenant_id, cluster_id, template, owner, token_id, class_id, seat, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(x.id, x.tenantId, x.clusterId, x.template, x.owner, x.tokenId, x.classId, x.seat, x.createdAt),
    ),
    ...(r.downloads ?? []).map((x) =>
      d1.prepare("INSERT INTO downloads (code_hash, tenant_id, sandbox_id, sealed, created_at, used_at) VALUES (?, ?, ?, ?, ?, ?)").bind(x.codeHash, x.tenantId, x.sandboxId, x.sealed, x.createdAt, x.usedAt),
    ),
  ];
  const results = await d1.batch([...tokenInserts, ...rest]);
  const made = results.slice(0, tokenInserts.length).every((x) => x.meta.changes > 0);
  if (made) return true;
  const tokenIds = r.tokens.map((t) => t.id);
  const sandboxIds = r.sandboxes.map((s) => s.id);
  await d.batch([
    d.delete(schema.tokens).where(inArray(schema.tokens.id, tokenIds.length ? tokenIds : [""])),
    d.delete(schema.sandboxes).where(inArray(schema.sandboxes.id, sandboxIds.length ? sandboxIds : [""])),
    d.delete(schema.downloads).where(inArray(schema.downloads.sandboxId, sandboxIds.length ? sandboxIds : [""])),
    d.delete(schema.classes).where(eq(schema.classes.id, r.klass?.id ?? "")),
  ]);
  return false;
}

/**
 * Removes clusters with everything recorded about them: tokens for them, the namespace catalog,
 * their sandboxes, snapshots and download links. Safe to run again.
 */
export async function deleteSandboxClusterRows(d: Db, clusterIds: string[]): Promise<void> {
  if (!clusterIds.length) return;
  const sandboxIds = d.select({ id: schema.sandboxes.id }).from(schema.sandboxes).where(inArray(schema.sandboxes.clusterId, clusterIds));
  await d.batch([
    d.delete(schema.downloads).where(inArray(schema.downloads.sandboxId, sandboxIds)),
    d.delete(schema.snapshots).where(inArray(schema.snapshots.clusterId, clusterIds)),
    d.delete(schema.sandboxes).where(inArray(schema.sandboxes.clusterId, clusterIds)),
    d.delete(schema.tokens).where(inArray(schema.tokens.clusterId, clusterIds)),
    d.delete(schema.namespaces).where(inArray(schema.namespaces.clusterId, clusterIds)),
    d.delete(schema.clusters).where(inArray(schema.clusters.id, clusterIds)),
  ]);
}

/** A cluster's namespace catalog, forgotten before a reset (the catalog only moves forward in resourceVersion; a reset starts again at 1). */
export async function deleteNamespaceCatalog(d: Db, clusterId: string): Promise<void> {
  await d.delete(schema.namespaces).where(eq(schema.namespaces.clusterId, clusterId));
}

export async function setClusterExpiry(d: Db, clusterId: string, expiresAt: number | null): Promise<void> {
  await d.update(schema.clusters).set({ expiresAt }).where(eq(schema.clusters.id, clusterId));
}

/** The expiries D1 holds for these clusters (absent: no such cluster). */
export async function clusterExpiries(d: Db, clusterIds: string[]): Promise<Map<string, number | null>> {
  if (!clusterIds.length) return new Map();
  const rows = await d.select({ id: schema.clusters.id, expiresAt: schema.clusters.expiresAt }).from(schema.clusters).where(inArray(schema.clusters.id, clusterIds)).all();
  return new Map(rows.map((r) => [r.id, r.expiresAt]));
}

export type SnapshotSummary = Omit<SnapshotRow, "objects"> & { bytes: number; objectCount: number };

export async function snapshotsOf(d: Db, clusterId: string): Promise<SnapshotSummary[]> {
  const rows = await d
    .select({
      id: schema.snapshots.id,
      tenantId: schema.snapshots.tenantId,
      clusterId: schema.snapshots.clusterId,
      name: schema.snapshots.name,
      createdAt: schema.snapshots.createdAt,
      bytes: sql<number>`length(CAST(${schema.snapshots.objects} AS BLOB))`,
      // Documents: one more than the separators at the start of a line.
      objectCount: sql<number>`CASE WHEN trim(${schema.snapshots.objects}) = '' THEN 0 ELSE (length(${schema.snapshots.objects}) - length(replace(${schema.snapshots.objects}, char(10) || '---', ''))) / 4 + 1 END`,
    })
    .from(schema.snapshots)
    .where(eq(schema.snapshots.clusterId, clusterId))
    .orderBy(asc(schema.snapshots.createdAt))
    .all();
  return rows.map((r) => ({ ...r, bytes: Number(r.bytes), objectCount: Number(r.objectCount) }));
}

export async function snapshotByIdOrName(d: Db, clusterId: string, ref: string): Promise<SnapshotRow | undefined> {
  return d
    .select()
    .from(schema.snapshots)
    .where(and(eq(schema.snapshots.clusterId, clusterId), or(eq(schema.snapshots.id, ref), eq(schema.snapshots.name, ref))))
    .get();
}

/** Inserts a snapshot unless its cluster already has `max`; false at the bound (one statement). A taken name fails on the unique index. */
export async function insertSnapshotWithin(d: Db, s: SnapshotRow, max: number): Promise<boolean> {
  const res = await d.run(sql`INSERT INTO snapshots (id, tenant_id, cluster_id, name, objects, created_at)
    SELECT ${s.id}, ${s.tenantId}, ${s.clusterId}, ${s.name}, ${s.objects}, ${s.createdAt}
    WHERE (SELECT count(*) FROM snapshots WHERE cluster_id = ${s.clusterId}) < ${max}`);
  return res.meta.changes > 0;
}

export async function classesOf(d: Db, tenantId: string): Promise<(ClassRow & { seats: number; expiresAt: number | null })[]> {
  const rows = await d
    .select({
      klass: schema.classes,
      seats: sql<number>`(SELECT count(*) FROM sandboxes s JOIN clusters c ON c.id = s.cluster_id WHERE s.class_id = "classes"."id")`,
      expiresAt: sql<number | null>`(SELECT min(c.expires_at) FROM sandboxes s JOIN clusters c ON c.id = s.cluster_id WHERE s.class_id = "classes"."id")`,
    })
    .from(schema.classes)
    .where(eq(schema.classes.tenantId, tenantId))
    .orderBy(asc(schema.classes.createdAt))
    .all();
  return rows.map((r) => ({ ...r.klass, seats: Number(r.seats), expiresAt: r.expiresAt === null ? null : Number(r.expiresAt) }));
}

export async function classById(d: Db, tenantId: string, id: string): Promise<ClassRow | undefined> {
  return d
    .select()
    .from(schema.classes)
    .where(and(eq(schema.classes.tenantId, tenantId), eq(schema.classes.id, id)))
    .get();
}

export async function classByName(d: Db, tenantId: string, name: string): Promise<ClassRow | undefined> {
  return d
    .select()
    .from(schema.classes)
    .where(and(eq(schema.classes.tenantId, tenantId), eq(schema.classes.name, name)))
    .get();
}

export async function deleteClassRow(d: Db, id: string): Promise<void> {
  await d.delete(schema.classes).where(eq(schema.classes.id, id));
}

/** Marks a download link used and returns it, only the first time (one atomic statement). */
export async function claimDownload(d: Db, codeHash: string, now: number): Promise<DownloadRow | undefined> {
  const rows = await d
    .update(schema.downloads)
    .set({ usedAt: now })
    .where(and(eq(schema.downloads.codeHash, codeHash), isNull(schema.downloads.usedAt)))
    .returning()
    .all();
  return rows[0];
}

export async function downloadByHash(d: Db, codeHash: string): Promise<DownloadRow | undefined> {
  return d.select().from(schema.downloads).where(eq(schema.downloads.codeHash, codeHash)).get();
}

/** The sandboxes among these whose download link was used. */
export async function downloadedSandboxes(d: Db, sandboxIds: string[]): Promise<Set<string>> {
  if (!sandboxIds.length) return new Set();
  const rows = await d
    .select({ id: schema.downloads.sandboxId })
    .from(schema.downloads)
    .where(and(inArray(schema.downloads.sandboxId, sandboxIds), isNotNull(schema.downloads.usedAt)))
    .all();
  return new Set(rows.map((r) => r.id));
}

export async function deleteSnapshot(d: Db, id: string): Promise<void> {
  await d.delete(schema.snapshots).where(eq(schema.snapshots.id, id));
}
