// The cluster's simulated network, for tests and learners: one connection through the traffic
// function (POST /v1/clusters/{name}/connect), answered with its outcome and the steps it took;
// a DNS lookup (GET .../dns) and a node's kube-proxy rules as iptables-save prints them
// (GET .../nodes/{node}/iptables).
import { Hono, type Context } from "hono";
import { need, requireToken } from "./auth";
import { clusterStub, visibleCluster } from "./clusterAccess";
import { answer, jsonBody, type AppEnv } from "./http";

async function cluster(c: Context<AppEnv>, role: "read" | "write" | "admin", what: string) {
  const id = c.var.identity;
  const name = c.req.param("name") ?? "";
  const row = await visibleCluster(c.env, id, name);
  need(id, role, what);
  return clusterStub(c.env, row.id);
}

export const clusterNetworkRoutes = new Hono<AppEnv>().use(requireToken).post("/:name/connect", async (c) => {
  // A request reaches the pods' logs (access lines): the edit role, as kubectl exec or proxy would need.
  const stub = await cluster(c, "write", "open connections in a cluster");
  const body = await jsonBody(c, 1024 * 1024 + 64 * 1024);
  return c.json(answer(await stub.traffic({ from: body.from, to: body.to, protocol: body.protocol, request: body.request, repeat: body.repeat })));
})
  // Cluster DNS as a pod's resolver asks it (?from=<namespace>/<pod>) or as asked of CoreDNS directly.
  .get("/:name/dns", async (c) => {
    const stub = await cluster(c, "read", "look up names in a cluster");
    return c.json(answer(await stub.dnsLookup({ name: c.req.query("name"), type: c.req.query("type"), from: c.req.query("from") })));
  })
  // A node's iptables-save, with kube-proxy's rules.
  .get("/:name/nodes/:node/iptables", async (c) => {
    const stub = await cluster(c, "read", "read a node's rules");
    return c.text(answer(await stub.iptables(c.req.param("node"))));
  });
