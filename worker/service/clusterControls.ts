// The simulation's controls on a cluster (admin role): its clock, its simulation settings, and
// its machines: add, remove, stop and start nodes.
import { Hono, type Context } from "hono";
import { need, requireToken } from "./auth";
import { clusterStub, visibleCluster } from "./clusterAccess";
import { answer, fail, jsonBody, type AppEnv } from "./http";

async function adminCluster(c: Context<AppEnv>, what: string) {
  const id = c.var.identity;
  const name = c.req.param("name") ?? "";
  const row = await visibleCluster(c.env, id, name);
  need(id, "admin", what);
  return clusterStub(c.env, row.id);
}

export const clusterControlRoutes = new Hono<AppEnv>()
  .use(requireToken)
  .post("/:name/clock", async (c) => {
    const stub = await adminCluster(c, "move a cluster's clock");
    const body = await jsonBody(c);
    return c.json(answer(await stub.moveClock({ advanceSeconds: body.advanceSeconds, speed: body.speed })));
  })
  .patch("/:name", async (c) => {
    const stub = await adminCluster(c, "change a cluster's settings");
    const body = await jsonBody(c);
    const unknown = Object.keys(body).filter((k) => k !== "simulation" && k !== "ports");
    if (unknown.length) fail(400, `unknown field ${JSON.stringify(unknown[0])}; only "simulation" and "ports" may be changed`);
    const ports = body.ports as Record<string, unknown> | undefined;
    if (ports !== undefined && (ports === null || typeof ports !== "object" || Array.isArray(ports) || typeof ports.public !== "boolean" || Object.keys(ports).length !== 1))
      fail(400, 'give "ports": {"public": false} to close the cluster\'s port URLs, or {"public": true} to open them');
    if (body.simulation === undefined && ports === undefined) fail(400, 'give "simulation": an object such as {"profile": "instant"}, or "ports": {"public": false}');
    if (body.simulation !== undefined && (body.simulation === null || typeof body.simulation !== "object")) fail(400, 'give "simulation": an object such as {"profile": "instant"}');
    // Checked before anything changes: a bad simulation patch leaves the ports as they were.
    const simulation = body.simulation !== undefined ? answer(await stub.simulate(body.simulation)) : undefined;
    const open = ports !== undefined ? answer(await stub.setPortsPublic(ports.public as boolean)) : undefined;
    return c.json({ ...(simulation ? { simulation } : {}), ...(open ? { ports: open } : {}) });
  })
  .post("/:name/nodes", async (c) => {
    const stub = await adminCluster(c, "add nodes");
    const body = await jsonBody(c);
    return c.json(answer(await stub.addNode({ role: body.role, name: body.name, labels: body.labels, capacity: body.capacity })), 201);
  })
  .delete("/:name/nodes/:node", async (c) => {
    const stub = await adminCluster(c, "remove nodes");
    return c.json({ ...answer(await stub.removeNode(c.req.param("node"))), deleted: true });
  })
  .post("/:name/nodes/:node/stop", async (c) => {
    const stub = await adminCluster(c, "stop nodes");
    return c.json(answer(await stub.power(c.req.param("node"), false)));
  })
  .post("/:name/nodes/:node/start", async (c) => {
    const stub = await adminCluster(c, "start nodes");
    return c.json(answer(await stub.power(c.req.param("node"), true)));
  });
