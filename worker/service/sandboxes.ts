// /v1/sandboxes: a cluster made from a template, a token for that cluster alone and its
// kubeconfig in one call, with an expiry (reaper.ts erases it then); extend, reset, snapshots,
// restore, export and progress. Classes (classes.ts) make their seats with makeSandboxes.
import { Hono, type Context } from "hono";
import { ROLES, roleAtMost, type Identity, type Role } from "../auth/identity";
import { hashToken, newToken, randomId, tokenPrefix } from "../auth/tokens";
import {
  clusterByName,
  db,
  deleteNamespaceCatalog,
  deleteSandboxClusterRows,
  deleteSnapshot,
  insertSandboxRecords,
  insertSnapshotWithin,
  isUniqueViolation,
  sandboxById,
  sandboxesOf,
  setClusterExpiry,
  snapshotByIdOrName,
  snapshotsOf,
  type ClassRow,
  type ClusterRow,
  type DownloadRow,
  type SandboxRow,
  type SandboxView,
  type SnapshotRow,
  type TokenRow,
} from "../db/queries";
import type { Env } from "../env";
import { LIMITS } from "../limits";
import { canSee, need, requireToken, tenantWideAdmin } from "./auth";
import { clusterStub, forgetCluster } from "./clusterAccess";
import { checkClusterName, ConfigError, MAX_CLUSTER_NAME } from "./clusterConfig";
import { EXPORT_CONTENT_TYPE, exportYaml } from "./clusterExport";
import { makeCluster } from "./clusterMaker";
import { answer, fail, jsonBody, serverUrl, type AppEnv } from "./http";
import { kubeconfig } from "./kubeconfig";
import { inPool } from "./pool";
import { reaperOf } from "./reaper";
import type { TemplateSpec } from "./templates/spec";
import { findTemplate } from "./templates/store";
import { tooManyTokens } from "./tokens";

/** Clusters made (or erased) at the same time: a class of 100 in one call without flooding the runtime. */
const WIDTH = 16;

// ---------------------------------------------------------------------------------------------
// Shared with classes.ts


/** ttlSeconds within the bounds, as ms; the default when not given. */
export function ttlMs(v: unknown): number {
  if (v === undefined || v === null) return LIMITS.sandboxTtlDefaultSeconds * 1000;
  if (typeof v !== "number" || !Number.isInteger(v) || v < LIMITS.sandboxTtlMinSeconds || v > LIMITS.sandboxTtlMaxSeconds)
    fail(400, `ttlSeconds: must be a whole number of seconds from ${LIMITS.sandboxTtlMinSeconds} to ${LIMITS.sandboxTtlMaxSeconds} (90 days), got ${JSON.stringify(v)}`);
  return (v as number) * 1000;
}

export function roleOf(v: unknown, fallback: Role, caller: Identity): Role {
  const role = v ?? fallback;
  if (typeof role !== "string" || !ROLES.includes(role as Role)) fail(400, `role: must be one of ${ROLES.map((r) => JSON.stringify(r)).join(", ")}`);
  if (!roleAtMost(role as Role, caller.role)) fail(403, `a token with role "${caller.role}" may not hand out a token with role "${role}"`);
  return role as Role;
}

export async function templateNamed(env: Env, tenantId: string, name: unknown): Promise<TemplateSpec> {
  if (typeof name !== "string" || !name) fail(400, 'template: a template name is required (GET /v1/templates lists them, e.g. "kind")');
  const tpl = await findTemplate(db(env.DB), tenantId, name as string);
  if (!tpl) fail(404, `template ${JSON.stringify(name)} not found (GET /v1/templates lists them)`);
  return tpl!;
}

/** `<prefix>-<6 random [a-z0-9]>`, a valid cluster name. */
export function randomName(prefix: string): string {
  const abc = "abcdefghijklmnopqrstuvwxyz0123456789";
  const tail = [...crypto.getRandomValues(new Uint8Array(6))].map((b) => abc[b % 36]).join("");
  const head = prefix.slice(0, MAX_CLUSTER_NAME - 7).replace(/-+$/, "");
  return head ? `${head}-${tail}` : `sb-${tail}`;
}


/** One sandbox to make: its id, cluster name, who and which seat it is for, and its token. */
export interface SandboxPlan {
  id: string;
  clusterName: string;
  owner: string | null;
  seat: string | null;
  tokenId: string;
  token: string;
  tokenName: string;
  /** Null for a token of its own; a class's seats keep null too (see classes.ts). */
  parentId: null;
}

export interface MadeSandbox {
  plan: SandboxPlan;
  cluster: ClusterRow;
  sandbox: SandboxRow;
}

/** Erases clusters and every row about them (a failed make, a deletion, the reaper's work). */
export async function eraseClusters(env: Env, clusterIds: string[]): Promise<void> {
  await inPool(clusterIds, WIDTH, (id) => clusterStub(env, id).destroy());
  await deleteSandboxClusterRows(db(env.DB), clusterIds);
  for (const id of clusterIds) forgetCluster(id);
}

/**
 * Makes sandboxes: the clusters (WIDTH at a time), then their tokens and rows (and a class's row
 * and download links) in one D1 batch, then their expiries with the tenant's reaper. On any
 * failure everything made is erased and the first error is thrown: nothing is left behind.
 */
export async function makeSandboxes(
  env: Env,
  m: { tenantId: string; template: TemplateSpec; role: Role; expiresAt: number; plans: SandboxPlan[]; klass?: ClassRow; downloads?: DownloadRow[] },
): Promise<MadeSandbox[]> {
  const sim = m.template.simulation;
  const results = await inPool(m.plans, WIDTH, (p) =>
    makeCluster(env, { tenantId: m.tenantId, name: p.clusterName, config: m.template.config, simulation: sim, objects: m.template.objects, expiresAt: m.expiresAt }),
  );
  const clusters = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) {
    await eraseClusters(env, clusters.map((c) => c.id));
    throw failed.reason;
  }
  const now = Date.now();
  const made: MadeSandbox[] = await Promise.all(
    m.plans.map(async (p, i) => ({
      plan: p,
      cluster: clusters[i],
      // A millisecond apart: listings ordered by creation keep the seats' order.
      sandbox: { id: p.id, tenantId: m.tenantId, clusterId: clusters[i].id, template: m.template.name, owner: p.owner, tokenId: p.tokenId, classId: m.klass?.id ?? null, seat: p.seat, createdAt: now + i },
    })),
  );
  const tokens: TokenRow[] = await Promise.all(
    made.map(async (x) => ({
      id: x.plan.tokenId,
      tenantId: m.tenantId,
      name: x.plan.tokenName,
      clusterId: x.cluster.id,
      role: m.role,
      secretHash: await hashToken(x.plan.token),
      prefix: tokenPrefix(x.plan.token),
      createdAt: now,
      parentId: x.plan.parentId,
    })),
  );
  const ids = clusters.map((c) => c.id);
  let recorded: boolean;
  try {
    recorded = await insertSandboxRecords(env.DB, { tokens, sandboxes: made.map((x) => x.sandbox), klass: m.klass, downloads: m.downloads }, LIMITS.tokensPerTenant);
  } catch (e) {
    await eraseClusters(env, ids);
    throw e;
  }
  if (!recorded) {
    await eraseClusters(env, ids);
    tooManyTokens();
  }
  try {
    await reaperOf(env, m.tenantId).schedule(ids.map((clusterId) => ({ clusterId, expiresAt: m.expiresAt })));
  } catch (e) {
    await eraseClusters(env, ids);
    throw e;
  }
  return made;
}

/** A new token for one sandbox of its own. */
export function planSandbox(clusterName: string, owner: string | null, seat: string | null = null): SandboxPlan {
  const tokenId = randomId("tok-");
  return { id: randomId("sb-"), clusterName, owner, seat, tokenId, token: newToken(), tokenName: `sandbox-${clusterName}`, parentId: null };
}

export function kubeconfigFor(c: Context<AppEnv>, clusterName: string, clusterId: string, token: string): string {
  return kubeconfig({ cluster: clusterName, server: serverUrl(c, clusterId), token, caData: c.env.CA_DATA });
}


/**
 * Makes a sandbox's cluster again from its template's config and simulation, with `objects`
 * (the template's, or a snapshot's), keeping its id, name and tokens.
 */
export async function remake(env: Env, sb: SandboxView, objects?: string): Promise<number> {
  const d = db(env.DB);
  const tpl = await findTemplate(d, sb.tenantId, sb.template);
  if (!tpl) fail(409, `the template ${JSON.stringify(sb.template)} this sandbox was made from no longer exists, so it cannot be made again`);
  // The catalog only moves forward in resourceVersion, and the new cluster starts again at 1.
  await deleteNamespaceCatalog(d, sb.clusterId);
  const sim = tpl!.simulation;
  const out = await clusterStub(env, sb.clusterId).reset({
    id: sb.clusterId,
    config: { ...tpl!.config, name: sb.clusterName },
    ...(sim && Object.keys(sim).length ? { simulation: sim } : {}),
    ...((objects ?? tpl!.objects) ? { objects: objects ?? tpl!.objects } : {}),
  });
  return answer(out).objects;
}

export function sandboxJson(sb: SandboxView) {
  return {
    id: sb.id,
    cluster: sb.clusterName,
    clusterId: sb.clusterId,
    template: sb.template,
    owner: sb.owner,
    role: sb.role,
    ...(sb.classId ? { class: sb.classId, seat: sb.seat } : {}),
    expiresAt: sb.expiresAt === null ? null : new Date(sb.expiresAt).toISOString(),
    createdAt: new Date(sb.createdAt).toISOString(),
  };
}

// ---------------------------------------------------------------------------------------------
// Routes

async function visibleSandbox(c: Context<AppEnv>): Promise<SandboxView> {
  const id = c.var.identity;
  const sbId = c.req.param("id") ?? "";
  const sb = await sandboxById(db(c.env.DB), id.tenantId, sbId, Date.now());
  if (!sb || !canSee(id, { id: sb.clusterId, tenantId: sb.tenantId })) fail(404, `sandbox ${JSON.stringify(sbId)} not found`);
  return sb!;
}

const SNAPSHOT_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

export const sandboxRoutes = new Hono<AppEnv>()
  .use(requireToken)
  .post("/", async (c) => {
    const id = c.var.identity;
    tenantWideAdmin(id, "create sandboxes");
    const body = await jsonBody(c);
    const known = ["template", "ttlSeconds", "owner", "name", "role"];
    const unknown = Object.keys(body).find((k) => !known.includes(k));
    if (unknown) fail(400, `unknown field ${JSON.stringify(unknown)}; a sandbox takes ${known.map((k) => JSON.stringify(k)).join(", ")}`);
    const expires = ttlMs(body.ttlSeconds);
    const role = roleOf(body.role, "admin", id);
    if (body.owner !== undefined && body.owner !== null && (typeof body.owner !== "string" || body.owner.length > 200)) fail(400, "owner: must be a string of at most 200 characters (an email, a name)");
    let name: string | undefined;
    if (body.name !== undefined) {
      try {
        name = checkClusterName(body.name);
      } catch (e) {
        if (e instanceof ConfigError) fail(400, e.message);
        throw e;
      }
    }
    const tpl = await templateNamed(c.env, id.tenantId, body.template);
    const clusterName = name ?? randomName(tpl.name);
    if (await clusterByName(db(c.env.DB), id.tenantId, clusterName)) fail(409, `cluster ${JSON.stringify(clusterName)} already exists`);
    const plan = planSandbox(clusterName, (body.owner as string | undefined) ?? null);
    const expiresAt = Date.now() + expires;
    const [made] = await makeSandboxes(c.env, { tenantId: id.tenantId, template: tpl, role, expiresAt, plans: [plan] });
    return c.json(
      {
        id: plan.id,
        cluster: clusterName,
        clusterId: made.cluster.id,
        template: tpl.name,
        owner: plan.owner,
        role,
        token: plan.token,
        kubeconfig: kubeconfigFor(c, clusterName, made.cluster.id, plan.token),
        expiresAt: new Date(expiresAt).toISOString(),
        createdAt: new Date(made.sandbox.createdAt).toISOString(),
      },
      201,
    );
  })
  .get("/", async (c) => {
    const id = c.var.identity;
    const rows = (await sandboxesOf(db(c.env.DB), id.tenantId, Date.now())).filter((s) => canSee(id, { id: s.clusterId, tenantId: s.tenantId }));
    return c.json({ sandboxes: rows.map(sandboxJson) });
  })
  .get("/:id", async (c) => c.json(sandboxJson(await visibleSandbox(c))))
  .delete("/:id", async (c) => {
    const sb = await visibleSandbox(c);
    tenantWideAdmin(c.var.identity, "delete sandboxes");
    await eraseClusters(c.env, [sb.clusterId]);
    await reaperOf(c.env, sb.tenantId).cancel([sb.clusterId]);
    return c.json({ id: sb.id, deleted: true });
  })
  .post("/:id/extend", async (c) => {
    const sb = await visibleSandbox(c);
    tenantWideAdmin(c.var.identity, "extend sandboxes");
    const body = await jsonBody(c);
    if (body.ttlSeconds === undefined) fail(400, `ttlSeconds: required, from ${LIMITS.sandboxTtlMinSeconds} to ${LIMITS.sandboxTtlMaxSeconds} (90 days)`);
    const expiresAt = Date.now() + ttlMs(body.ttlSeconds);
    // D1 first: the reaper follows D1 when its own row is older.
    await setClusterExpiry(db(c.env.DB), sb.clusterId, expiresAt);
    await reaperOf(c.env, sb.tenantId).schedule([{ clusterId: sb.clusterId, expiresAt }]);
    forgetCluster(sb.clusterId);
    return c.json({ id: sb.id, expiresAt: new Date(expiresAt).toISOString() });
  })
  .post("/:id/reset", async (c) => {
    const sb = await visibleSandbox(c);
    need(c.var.identity, "admin", "reset sandboxes");
    const objects = await remake(c.env, sb);
    return c.json({ id: sb.id, cluster: sb.clusterName, objects });
  })
  .post("/:id/snapshots", async (c) => {
    const sb = await visibleSandbox(c);
    need(c.var.identity, "admin", "take snapshots");
    const body = await jsonBody(c);
    const snapId = randomId("snap-");
    const name = body.name ?? snapId;
    if (typeof name !== "string" || !SNAPSHOT_NAME.test(name)) fail(400, "name: a snapshot name of lowercase letters, digits and '-', at most 63 characters");
    const captured = answer(await clusterStub(c.env, sb.clusterId).capture());
    const bytes = new TextEncoder().encode(captured.yaml).length;
    if (bytes > LIMITS.snapshotBytes) fail(413, `the cluster's objects take ${bytes} bytes as YAML, more than the limit of ${LIMITS.snapshotBytes} bytes for a snapshot (snapshot size)`);
    const row: SnapshotRow = { id: snapId, tenantId: sb.tenantId, clusterId: sb.clusterId, name: name as string, objects: captured.yaml, createdAt: Date.now() };
    let inserted: boolean;
    try {
      inserted = await insertSnapshotWithin(db(c.env.DB), row, LIMITS.snapshotsPerCluster);
    } catch (e) {
      if (isUniqueViolation(e)) fail(409, `this sandbox already has a snapshot named ${JSON.stringify(name)}`);
      throw e;
    }
    if (!inserted) fail(403, `this sandbox already has the maximum of ${LIMITS.snapshotsPerCluster} snapshots (snapshots per cluster); delete one with DELETE /v1/sandboxes/{id}/snapshots/{snapshot}`);
    return c.json({ id: row.id, name: row.name, objects: captured.objects, bytes, createdAt: new Date(row.createdAt).toISOString() }, 201);
  })
  .get("/:id/snapshots", async (c) => {
    const sb = await visibleSandbox(c);
    const rows = await snapshotsOf(db(c.env.DB), sb.clusterId);
    return c.json({ snapshots: rows.map((s) => ({ id: s.id, name: s.name, objects: s.objectCount, bytes: s.bytes, createdAt: new Date(s.createdAt).toISOString() })) });
  })
  .delete("/:id/snapshots/:snapshot", async (c) => {
    const sb = await visibleSandbox(c);
    need(c.var.identity, "admin", "delete snapshots");
    const d = db(c.env.DB);
    const snap = await snapshotByIdOrName(d, sb.clusterId, c.req.param("snapshot"));
    if (!snap) fail(404, `snapshot ${JSON.stringify(c.req.param("snapshot"))} not found`);
    await deleteSnapshot(d, snap!.id);
    return c.json({ id: snap!.id, name: snap!.name, deleted: true });
  })
  .post("/:id/restore", async (c) => {
    const sb = await visibleSandbox(c);
    need(c.var.identity, "admin", "restore snapshots");
    const body = await jsonBody(c);
    if (typeof body.snapshot !== "string" || !body.snapshot) fail(400, 'snapshot: the id or name of one of this sandbox\'s snapshots is required (GET /v1/sandboxes/{id}/snapshots lists them)');
    const snap = await snapshotByIdOrName(db(c.env.DB), sb.clusterId, body.snapshot as string);
    if (!snap) fail(404, `snapshot ${JSON.stringify(body.snapshot)} not found`);
    const objects = await remake(c.env, sb, snap!.objects);
    return c.json({ id: sb.id, cluster: sb.clusterName, snapshot: snap!.name, objects });
  })
  .get("/:id/export", async (c) => {
    const sb = await visibleSandbox(c);
    return c.body(await exportYaml(c.env, sb.clusterId), 200, { "Content-Type": EXPORT_CONTENT_TYPE, "Content-Disposition": `inline; filename="${sb.clusterName}.yaml"` });
  })
  .get("/:id/progress", async (c) => {
    const sb = await visibleSandbox(c);
    const tpl = await findTemplate(db(c.env.DB), sb.tenantId, sb.template);
    if (!tpl) fail(409, `the template ${JSON.stringify(sb.template)} this sandbox was made from no longer exists, so its tasks are unknown`);
    const tasks = tpl!.tasks.length ? answer(await clusterStub(c.env, sb.clusterId).check(tpl!.tasks)) : [];
    return c.json({ sandbox: sb.id, template: sb.template, tasks, done: tasks.filter((t) => t.passed).length, total: tasks.length });
  });

