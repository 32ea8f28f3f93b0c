// /v1/classes: a teacher's class, one sandbox per seat from one template. Seat tokens are
// derived from the creating token's secret (deriveToken(secret, seatTokenId)), so that token can
// list every seat's kubeconfig again while nothing secret is stored; their rows keep parentId
// null, so revoking the teacher's token leaves the students' working. Each seat also gets a
// one-time download link (downloads.ts).
import { Hono, type Context } from "hono";
import { bearer } from "../auth/authenticate";
import { deriveToken, randomId } from "../auth/tokens";
import type { TaskResult } from "../cluster/checks/schema";
import {
  classById,
  classByName,
  classesOf,
  clustersOf,
  db,
  deleteClassRow,
  downloadedSandboxes,
  isUniqueViolation,
  sandboxesOfClass,
  tenantRoom,
  type ClassRow,
  type DownloadRow,
  type SandboxView,
} from "../db/queries";
import { LIMITS } from "../limits";
import { need, requireToken, tenantWideAdmin } from "./auth";
import { clusterStub } from "./clusterAccess";
import { checkClusterName, ConfigError, MAX_CLUSTER_NAME } from "./clusterConfig";
import { downloadUrl, sealDownload } from "./downloads";
import { answer, fail, jsonBody, type AppEnv } from "./http";
import { reaperOf } from "./reaper";
import { eraseClusters, kubeconfigFor, makeSandboxes, randomName, roleOf, templateNamed, ttlMs, type SandboxPlan } from "./sandboxes";
import { inPool } from "./pool";
import { findTemplate } from "./templates/store";

/** Seats checked at the same time for progress. */
const CHECK_WIDTH = 16;

function name(v: unknown, field: string): string {
  try {
    return checkClusterName(v);
  } catch (e) {
    if (e instanceof ConfigError) fail(400, e.message.replace(/^name:/, `${field}:`));
    throw e;
  }
  return "";
}

/** The seats' names: seat-1 … seat-N, or the students' names. */
function seatNames(body: Record<string, unknown>): string[] {
  const max = LIMITS.seatsPerClass;
  if ((body.seats === undefined) === (body.students === undefined)) fail(400, 'give "seats" (a number from 1 to 200) or "students" (a list of names), not both');
  if (body.seats !== undefined) {
    const n = body.seats;
    if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > max) fail(400, `seats: must be a whole number from 1 to ${max} (seats per class), got ${JSON.stringify(n)}`);
    return Array.from({ length: n as number }, (_, i) => `seat-${i + 1}`);
  }
  const list = body.students;
  if (!Array.isArray(list) || list.length < 1 || list.length > max) fail(400, `students: must be a list of 1 to ${max} names (seats per class)`);
  const names = (list as unknown[]).map((s, i) => name(s, `students[${i}]`));
  const dup = names.find((s, i) => names.indexOf(s) !== i);
  if (dup) fail(400, `students: ${JSON.stringify(dup)} is listed twice; every student needs a name of their own`);
  return names;
}

function classFor(c: Context<AppEnv>, klass: ClassRow | undefined): ClassRow {
  if (!klass) fail(404, `class ${JSON.stringify(c.req.param("id"))} not found`);
  return klass!;
}

async function tenantClass(c: Context<AppEnv>): Promise<ClassRow> {
  const id = c.var.identity;
  if (id.clusterId !== null) fail(403, "a token for a single cluster may not read classes; it may read its own seat's progress at GET /v1/classes/{id}/progress");
  return classFor(c, await classById(db(c.env.DB), id.tenantId, c.req.param("id") ?? ""));
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const classRoutes = new Hono<AppEnv>()
  .use(requireToken)
  .post("/", async (c) => {
    const id = c.var.identity;
    tenantWideAdmin(id, "create classes");
    const body = await jsonBody(c);
    const known = ["name", "template", "seats", "students", "ttlSeconds", "role"];
    const unknown = Object.keys(body).find((k) => !known.includes(k));
    if (unknown) fail(400, `unknown field ${JSON.stringify(unknown)}; a class takes ${known.map((k) => JSON.stringify(k)).join(", ")}`);
    const className = name(body.name, "name");
    const seats = seatNames(body);
    const expires = ttlMs(body.ttlSeconds);
    const role = roleOf(body.role, "edit", id);
    const d = db(c.env.DB);
    const tpl = await templateNamed(c.env, id.tenantId, body.template);
    if (await classByName(d, id.tenantId, className)) fail(409, `class ${JSON.stringify(className)} already exists`);

    // Room for every seat up front: a class is made whole or not at all.
    const room = await tenantRoom(d, id.tenantId);
    const n = seats.length;
    if (room.clusters + n > LIMITS.clustersPerTenant)
      fail(403, `a class of ${n} seats needs ${n} clusters, but this tenant has room for ${Math.max(0, LIMITS.clustersPerTenant - room.clusters)} more: the maximum is ${LIMITS.clustersPerTenant} clusters (clusters per tenant)`);
    if (room.tokens + n > LIMITS.tokensPerTenant)
      fail(403, `a class of ${n} seats needs ${n} tokens, but this tenant has room for ${Math.max(0, LIMITS.tokensPerTenant - room.tokens)} more: the maximum is ${LIMITS.tokensPerTenant} tokens (tokens per tenant)`);

    const taken = new Set((await clustersOf(d, id.tenantId)).map((r) => r.name));
    const secret = bearer(c.req.header("authorization"))!;
    const klass: ClassRow = { id: randomId("cls-"), tenantId: id.tenantId, name: className, template: tpl.name, role, creatorTokenId: id.tokenId, createdAt: Date.now() };
    const origin = new URL(c.req.url).origin;
    const links = new Map<string, string>();
    const downloads: DownloadRow[] = [];
    const plans: SandboxPlan[] = await Promise.all(
      seats.map(async (seat) => {
        const wanted = `${className}-${seat}`;
        const clusterName = wanted.length <= MAX_CLUSTER_NAME && !taken.has(wanted) ? wanted : randomName(className);
        const tokenId = randomId("tok-");
        const token = await deriveToken(secret, tokenId);
        const plan: SandboxPlan = { id: randomId("sb-"), clusterName, owner: body.students ? seat : null, seat, tokenId, token, tokenName: `class-${className}-${seat}`, parentId: null };
        const sealed = await sealDownload(token);
        links.set(plan.id, downloadUrl(origin, sealed.code));
        downloads.push({ codeHash: sealed.codeHash, tenantId: id.tenantId, sandboxId: plan.id, sealed: sealed.sealed, createdAt: klass.createdAt, usedAt: null });
        return plan;
      }),
    );
    const expiresAt = Date.now() + expires;
    let made;
    try {
      made = await makeSandboxes(c.env, { tenantId: id.tenantId, template: tpl, role, expiresAt, plans, klass, downloads });
    } catch (e) {
      if (isUniqueViolation(e)) fail(409, `class ${JSON.stringify(className)} already exists`);
      throw e;
    }
    return c.json(
      {
        id: klass.id,
        name: className,
        template: tpl.name,
        role,
        expiresAt: iso(expiresAt),
        seats: made.map((m) => ({
          name: m.plan.seat,
          sandbox: m.plan.id,
          cluster: m.cluster.name,
          clusterId: m.cluster.id,
          download: links.get(m.plan.id),
          kubeconfig: kubeconfigFor(c, m.cluster.name, m.cluster.id, m.plan.token),
        })),
      },
      201,
    );
  })
  .get("/", async (c) => {
    const id = c.var.identity;
    if (id.clusterId !== null) fail(403, "a token for a single cluster may not list classes");
    const rows = await classesOf(db(c.env.DB), id.tenantId);
    return c.json({ classes: rows.map((k) => ({ id: k.id, name: k.name, template: k.template, role: k.role, seats: k.seats, expiresAt: iso(k.expiresAt), createdAt: iso(k.createdAt) })) });
  })
  .get("/:id", async (c) => {
    const klass = await tenantClass(c);
    const d = db(c.env.DB);
    const seats = await sandboxesOfClass(d, klass.id, Date.now());
    const used = await downloadedSandboxes(d, seats.map((s) => s.id));
    return c.json({
      id: klass.id,
      name: klass.name,
      template: klass.template,
      role: klass.role,
      expiresAt: iso(seats.reduce<number | null>((m, s) => (s.expiresAt !== null && (m === null || s.expiresAt < m) ? s.expiresAt : m), null)),
      createdAt: iso(klass.createdAt),
      seats: seats.map((s) => ({ name: s.seat, sandbox: s.id, cluster: s.clusterName, clusterId: s.clusterId, downloaded: used.has(s.id) })),
    });
  })
  .delete("/:id", async (c) => {
    const klass = await tenantClass(c);
    tenantWideAdmin(c.var.identity, "delete classes");
    // Every seat, expired ones too (the reaper may not have reached them yet).
    const seats = await sandboxesOfClass(db(c.env.DB), klass.id, 0);
    const ids = seats.map((s) => s.clusterId);
    await eraseClusters(c.env, ids);
    await reaperOf(c.env, klass.tenantId).cancel(ids);
    await deleteClassRow(db(c.env.DB), klass.id);
    return c.json({ id: klass.id, deleted: true, seats: seats.length });
  })
  .get("/:id/kubeconfigs", async (c) => {
    const klass = await tenantClass(c);
    const id = c.var.identity;
    if (id.tokenId !== klass.creatorTokenId)
      fail(403, "only the token that created this class can list its kubeconfigs again (the seats' tokens are derived from its secret); use the seats' download links, or DELETE and create the class again");
    const secret = bearer(c.req.header("authorization"))!;
    const seats = await sandboxesOfClass(db(c.env.DB), klass.id, Date.now());
    const list = await Promise.all(
      seats.map(async (s) => ({ name: s.seat, cluster: s.clusterName, kubeconfig: kubeconfigFor(c, s.clusterName, s.clusterId, await deriveToken(secret, s.tokenId)) })),
    );
    return c.json({ seats: list });
  })
  .get("/:id/progress", async (c) => {
    const id = c.var.identity;
    need(id, "read", "read progress");
    const d = db(c.env.DB);
    const klass = classFor(c, await classById(d, id.tenantId, c.req.param("id")));
    // A seat's own token (for its cluster alone) sees its own seat only.
    const seats = (await sandboxesOfClass(d, klass.id, Date.now())).filter((s) => id.clusterId === null || s.clusterId === id.clusterId);
    if (!seats.length && id.clusterId !== null) fail(404, `class ${JSON.stringify(klass.id)} not found`);
    const tpl = await findTemplate(d, klass.tenantId, klass.template);
    const tasks = tpl?.tasks ?? [];
    const results = await inPool(seats, CHECK_WIDTH, async (s: SandboxView) => (tasks.length ? answer(await clusterStub(c.env, s.clusterId).check(tasks)) : ([] as TaskResult[])));
    return c.json({
      id: klass.id,
      name: klass.name,
      template: klass.template,
      tasks: tasks.map((t) => ({ name: t.name, title: t.title })),
      seats: seats.map((s, i) => {
        const r = results[i];
        const got = r.status === "fulfilled" ? r.value : [];
        return {
          name: s.seat,
          cluster: s.clusterName,
          tasks: got,
          done: got.filter((t) => t.passed).length,
          ...(r.status === "rejected" ? { error: r.reason instanceof Error ? r.reason.message : String(r.reason) } : {}),
        };
      }),
    });
  });
