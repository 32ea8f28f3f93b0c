// Revocation is immediate on the kube API, though a cluster answers a token it knows without
// asking D1: DELETE /v1/tokens/{id} makes every cluster the token reaches forget before it answers.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, newCluster, request, service, type TestCluster } from "./helpers";

let a: TestCluster;
let b: TestCluster;

beforeAll(async () => {
  a = await newCluster("revoke-a");
  b = await newCluster("revoke-b");
});

/** A kubeconfig for `cluster` fetched with `token` (a token derived from it when it is tenant-wide). */
async function kubeconfigWith(cluster: TestCluster, token: string): Promise<string> {
  const kc = await request("GET", `/v1/clusters/${cluster.name}/kubeconfig`, { token });
  expect(kc.status).toBe(200);
  const file = path.join(mkdtempSync(path.join(tmpdir(), "kubedo-revoke-")), "kubeconfig");
  writeFileSync(file, kc.text);
  return file;
}

describe("token revocation", () => {
  it("stops kubectl and curl at once on every cluster, after they were served, and leaves the tenant's other tokens working", async () => {
    const wide = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `wide-${process.pid}`, role: "edit" } });
    expect(wide.status).toBe(201);
    const scoped = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `scoped-${process.pid}`, cluster: a.name, role: "view" } });
    expect(scoped.status).toBe(201);
    const derived = await kubeconfigWith(a, wide.json.token);
    const cms = (c: TestCluster) => `/k8s/${c.id}/api/v1/namespaces/default/configmaps`;

    // Served several times, so each cluster knows the tokens without D1.
    for (let i = 0; i < 3; i++) {
      expect((await kubectl(derived, ["get", "configmaps"])).code).toBe(0);
      for (const c of [a, b]) expect((await request("GET", cms(c), { token: wide.json.token })).status).toBe(200);
      expect((await request("GET", cms(a), { token: scoped.json.token })).status).toBe(200);
    }
    expect((await kubectl(derived, ["create", "configmap", `before-${process.pid}`])).code).toBe(0);

    expect((await request("DELETE", `/v1/tokens/${wide.json.id}`, { token: service.tenantToken })).status).toBe(200);

    const refused = await kubectl(derived, ["get", "configmaps"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Unauthorized");
    expect((await kubectl(derived, ["create", "configmap", `after-${process.pid}`])).code).not.toBe(0);
    for (const c of [a, b]) {
      const r = await request("GET", cms(c), { token: wide.json.token });
      expect(r.status).toBe(401);
      expect(r.json).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    }
    // A watch (a stream, not the RPC path) is refused too.
    expect((await request("GET", `${cms(b)}?watch=true&timeoutSeconds=1`, { token: wide.json.token })).status).toBe(401);
    // The tenant's other tokens are confirmed again, and stand.
    expect((await request("GET", cms(a), { token: scoped.json.token })).status).toBe(200);
    expect((await kubectl(a, ["get", "configmap", `before-${process.pid}`, "-o", "name"])).stdout.trim()).toBe(`configmap/before-${process.pid}`);
    expect((await kubectl(a, ["get", "configmap", `after-${process.pid}`])).code).not.toBe(0);
  });
});
