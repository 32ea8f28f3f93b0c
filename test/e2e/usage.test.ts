// GET /v1/usage: the tenant's clusters, templates and objects, and how many kube API requests its
// clusters served in the last hour (kubectl's calls count).
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, newCluster, ok, request, service } from "./helpers";

// A tenant of its own: the other test files' clusters and templates do not move its counts.
const tenantName = `usage-${process.pid % 10000}-${Date.now() % 100000}`;
let token = "";
beforeAll(async () => {
  const t = await request("POST", "/v1/tenants", { token: service.adminToken, body: { name: tenantName } });
  if (t.status !== 201) throw new Error(`creating tenant: ${t.status} ${t.text}`);
  token = t.json.token;
});

// any: the usage document as the API answers it
async function usage(): Promise<any> {
  const r = await request("GET", "/v1/usage", { token });
  expect(r.status, r.text).toBe(200);
  return r.json;
}

describe("usage", () => {
  it("reports clusters, objects and requests, and the requests grow with kubectl's calls", async () => {
    const empty = await usage();
    expect(empty).toMatchObject({ tenant: tenantName, clusters: 0, sandboxes: 0, classes: 0, templates: 0, objects: 0, storageBytes: 0, requestsLastHour: 0, alarmsLastHour: 0, perCluster: [] });
    const c = await newCluster("usage", undefined, token);
    const before = await usage();
    expect(before).toMatchObject({ tenant: tenantName, clusters: 1, sandboxes: 0, classes: 0, templates: 0, limits: { clustersPerTenant: 250, tokensPerTenant: 1000 } });
    for (const k of ["clusters", "sandboxes", "classes", "templates", "objects", "storageBytes", "requestsLastHour", "alarmsLastHour"]) expect(typeof before[k], k).toBe("number");
    expect(before.perCluster.length).toBe(1);
    const mine = before.perCluster[0];
    expect(mine).toMatchObject({ name: c.name, id: c.id, expiresAt: null });
    expect(mine.objects).toBeGreaterThan(10); // nodes, system pods, namespaces ...
    expect(mine.storageBytes).toBeGreaterThan(0);
    expect(before.objects).toBe(mine.objects);
    expect(before.storageBytes).toBe(mine.storageBytes);

    for (let i = 0; i < 5; i++) await ok(c, ["get", "pods", "-A"]);
    await ok(c, ["create", "configmap", "counted"]);
    let after: any; // any: see usage()
    await eventually(async () => {
      after = await usage();
      const now = after.perCluster.find((p: { name: string }) => p.name === c.name);
      return now.requestsLastHour >= mine.requestsLastHour + 6;
    });
    const now = after.perCluster.find((p: { name: string }) => p.name === c.name);
    expect(now.objects).toBeGreaterThan(mine.objects);
    expect(after.requestsLastHour).toBe(now.requestsLastHour);
  });

  it("counts the tenant's templates", async () => {
    const before = (await usage()).templates;
    expect(before).toBe(0);
    const name = `usage-tpl-${process.pid % 10000}`;
    const made = await request("POST", "/v1/templates", { token, body: { name } });
    expect(made.status, made.text).toBe(201);
    try {
      expect((await usage()).templates).toBe(before + 1);
    } finally {
      await request("DELETE", `/v1/templates/${name}`, { token });
    }
    expect((await usage()).templates).toBe(before);
  });

  it("is for tenant-wide tokens only", async () => {
    const c = await newCluster("usage-scoped", undefined, token);
    const r = await request("GET", "/v1/usage", { token: c.token });
    expect(r.status).toBe(403);
    expect(r.json.error.message).toContain("a token for a single cluster");
    expect((await request("GET", "/v1/usage")).status).toBe(401);
  });
});
