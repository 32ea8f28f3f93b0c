// /v1/templates: a tenant's templates (create, from a live cluster too; list; show; delete) beside
// the built-ins, which are listed first and cannot be deleted.
import { Hono, type Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { randomId } from "../../auth/tokens";
import type { ClusterConfig } from "../../cluster/config";
import { TasksSchema, type Task } from "../../cluster/checks/schema";
import { SimulationPatchSchema } from "../../cluster/simulation";
import { db, deleteClusterRows, deleteTemplate, insertTemplateWithin, isUniqueViolation, templatesOf, type TemplateRow } from "../../db/queries";
import type { Env } from "../../env";
import { LIMITS } from "../../limits";
import { requireToken, tenantWideAdmin } from "../auth";
import { clusterStub, visibleCluster } from "../clusterAccess";
import { ConfigError, MAX_CLUSTER_NAME, parseClusterConfig } from "../clusterConfig";
import { fail, jsonBody, type AppEnv } from "../http";
import { builtInTemplate, builtInTemplates } from "./builtin";
import type { TemplateSpec } from "./spec";
import { findTemplate, fromRow } from "./store";
import { zodProblem } from "./validate";

const NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAX_DESCRIPTION = 4000;
const FIELDS = ["name", "description", "config", "objects", "simulation", "tasks", "fromCluster"];

/** Documents in a multi-document YAML string, without parsing it (a listing may hold 100 of up to 1 MiB). */
export function countDocuments(yaml: string): number {
  let n = 0;
  for (const doc of yaml.split(/^(?:---|\.\.\.)(?:[ \t].*)?$/m)) if (/^[ \t]*[^\s#]/m.test(doc)) n++;
  return n;
}

function nodeCounts(config: ClusterConfig): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of config.nodes) counts[n.role] = (counts[n.role] ?? 0) + 1;
  return counts;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function shown(t: TemplateSpec) {
  return { name: t.name, description: t.description, builtIn: t.builtIn, config: t.config.original, objects: t.objects, simulation: t.simulation, tasks: t.tasks, createdAt: iso(t.createdAt) };
}

function listed(t: TemplateSpec) {
  return { name: t.name, description: t.description, builtIn: t.builtIn, nodes: nodeCounts(t.config), objects: countDocuments(t.objects), tasks: t.tasks.length, createdAt: iso(t.createdAt) };
}

function templateName(v: unknown): string {
  if (typeof v !== "string" || !v) return fail(400, "name: a template name is required");
  if (v.length > MAX_CLUSTER_NAME || !NAME.test(v))
    fail(400, `name: ${JSON.stringify(v)} is not a valid template name: use lowercase letters, digits and '-', start and end with a letter or digit, at most ${MAX_CLUSTER_NAME} characters`);
  return v;
}

function parseTasks(v: unknown): Task[] {
  if (v === undefined || v === null) return [];
  const r = TasksSchema.safeParse(v);
  if (!r.success) fail(400, zodProblem("tasks", r.error));
  return r.data!;
}

function parseConfig(v: unknown, name: string): ClusterConfig {
  if (v !== undefined && v !== null && typeof v !== "string" && (typeof v !== "object" || Array.isArray(v))) fail(400, "config: give a kind cluster config, as a JSON object or a YAML string");
  try {
    return parseClusterConfig(typeof v === "string" ? v : JSON.stringify(v ?? {}), name);
  } catch (e) {
    if (e instanceof ConfigError) fail(400, `config: ${e.message}`);
    throw e;
  }
}

function objectsTooLarge(): never {
  return fail(413, `objects: the template's objects are larger than the limit of ${LIMITS.templateBytes} bytes (template bytes)`);
}

function checkObjectsSize(objects: string): void {
  if (new TextEncoder().encode(objects).length > LIMITS.templateBytes) objectsTooLarge();
}

/**
 * Proves a template's simulation settings and objects on a scratch cluster object made and erased
 * here; its refusal ("objects[2] (Deployment dev/web): …") is the 400.
 */
async function tryOnScratch(env: Env, config: ClusterConfig, simulation: Record<string, unknown>, objects: string): Promise<void> {
  const id = `template-check-${randomId("", 8)}`;
  const stub = env.CLUSTER.get(env.CLUSTER.idFromName(`template-check:${id}`));
  try {
    const made = await stub.init({ id, config: { ...config, name: id }, ...(Object.keys(simulation).length ? { simulation } : {}), ...(objects ? { objects } : {}) });
    if (!made.ok) fail(made.status === 413 ? 413 : 400, made.message);
  } finally {
    await stub.destroy().catch(() => undefined);
    // Catalog rows the scratch cluster's namespaces may have written.
    await deleteClusterRows(db(env.DB), id).catch(() => undefined);
  }
}

/** What a template made from a live cluster holds: its config, its simulation settings, its objects now. */
async function captured(c: Context<AppEnv>, clusterName: unknown, name: string): Promise<{ config: ClusterConfig; simulation: Record<string, unknown>; objects: string }> {
  if (typeof clusterName !== "string" || !clusterName) return fail(400, "fromCluster: give the name of one of your clusters");
  const row = await visibleCluster(c.env, c.var.identity, clusterName, "fromCluster");
  const stub = clusterStub(c.env, row.id);
  const [capture, simulation] = await Promise.all([stub.capture(), stub.simulate(null)]);
  if (!capture.ok) return fail(capture.status as ContentfulStatusCode, `fromCluster: ${capture.message}`);
  if (!simulation.ok) return fail(simulation.status as ContentfulStatusCode, `fromCluster: ${simulation.message}`);
  checkObjectsSize(capture.value.yaml);
  const config = JSON.parse(row.config) as ClusterConfig;
  return { config: { ...config, name }, simulation: simulation.value as unknown as Record<string, unknown>, objects: capture.value.yaml };
}

export const templateRoutes = new Hono<AppEnv>()
  .use(requireToken)
  .post("/", async (c) => {
    const id = c.var.identity;
    tenantWideAdmin(id, "create templates");
    const body = await jsonBody(c, LIMITS.templateBytes);
    const unknown = Object.keys(body).find((k) => !FIELDS.includes(k));
    if (unknown !== undefined) fail(400, `unknown field ${JSON.stringify(unknown)}; a template takes ${FIELDS.slice(0, -1).map((f) => `"${f}"`).join(", ")}, or "name" and "fromCluster"`);
    const name = templateName(body.name);
    if (builtInTemplate(name)) fail(409, `template ${JSON.stringify(name)} is a built-in template; choose another name`);
    const description = body.description ?? "";
    if (typeof description !== "string" || description.length > MAX_DESCRIPTION) return fail(400, `description: must be text of at most ${MAX_DESCRIPTION} characters`);
    const tasks = parseTasks(body.tasks);
    const d = db(c.env.DB);
    if (await findTemplate(d, id.tenantId, name)) fail(409, `template ${JSON.stringify(name)} already exists`);

    let made: { config: ClusterConfig; simulation: Record<string, unknown>; objects: string };
    if (body.fromCluster !== undefined) {
      const mixed = ["config", "objects", "simulation"].find((k) => body[k] !== undefined);
      if (mixed) fail(400, `${mixed}: a template made fromCluster takes the cluster's own; give "fromCluster" or "${mixed}", not both`);
      made = await captured(c, body.fromCluster, name);
    } else {
      const config = parseConfig(body.config, name);
      const objects = body.objects ?? "";
      if (typeof objects !== "string") return fail(400, "objects: give one multi-document YAML string, as `kubectl apply -f` takes");
      checkObjectsSize(objects);
      const simulation = body.simulation ?? {};
      if (typeof simulation !== "object" || simulation === null || Array.isArray(simulation)) return fail(400, 'simulation: give an object such as {"profile": "instant"}');
      const sim = SimulationPatchSchema.safeParse(simulation);
      if (!sim.success) fail(400, zodProblem("simulation", sim.error));
      if (objects.trim() || Object.keys(simulation).length) await tryOnScratch(c.env, config, simulation as Record<string, unknown>, objects);
      made = { config, simulation: simulation as Record<string, unknown>, objects };
    }

    const row: TemplateRow = {
      id: randomId("tpl-", 10),
      tenantId: id.tenantId,
      name,
      description,
      config: JSON.stringify(made.config),
      objects: made.objects,
      simulation: JSON.stringify(made.simulation),
      tasks: JSON.stringify(tasks),
      createdAt: Date.now(),
    };
    let inserted = false;
    try {
      inserted = await insertTemplateWithin(d, row, LIMITS.templatesPerTenant);
    } catch (e) {
      if (isUniqueViolation(e)) fail(409, `template ${JSON.stringify(name)} already exists`);
      throw e;
    }
    if (!inserted) fail(403, `this tenant already has the maximum of ${LIMITS.templatesPerTenant} templates (templates per tenant)`);
    return c.json(shown(fromRow(row)), 201);
  })
  .get("/", async (c) => {
    const own = (await templatesOf(db(c.env.DB), c.var.identity.tenantId)).map(fromRow);
    return c.json({ templates: [...builtInTemplates().values(), ...own].map(listed) });
  })
  .get("/:name", async (c) => {
    const name = c.req.param("name");
    const t = await findTemplate(db(c.env.DB), c.var.identity.tenantId, name);
    if (!t) fail(404, `template ${JSON.stringify(name)} not found`);
    return c.json(shown(t!));
  })
  .delete("/:name", async (c) => {
    const id = c.var.identity;
    tenantWideAdmin(id, "delete templates");
    const name = c.req.param("name");
    if (builtInTemplate(name)) fail(403, `template ${JSON.stringify(name)} is built in and cannot be deleted`);
    if (!(await deleteTemplate(db(c.env.DB), id.tenantId, name))) fail(404, `template ${JSON.stringify(name)} not found`);
    return c.json({ name, deleted: true });
  });
