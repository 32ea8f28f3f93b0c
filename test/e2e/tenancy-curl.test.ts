// The kube API with curl and a bearer token, and the walls between tenants and roles.
import { execFile } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, newCluster, request, service, type TestCluster } from "./helpers";

function curl(args: string[]): Promise<{ code: number; status: number; body: string }> {
  return new Promise((resolve) => {
    execFile("curl", ["-sS", "--cacert", service.ca, "-w", "\n%{http_code}", ...args], (err, stdout) => {
      const text = String(stdout);
      const cut = text.lastIndexOf("\n");
      resolve({ code: err ? 1 : 0, body: text.slice(0, cut), status: Number(text.slice(cut + 1)) });
    });
  });
}

let cluster: TestCluster;
let otherTenantToken: string;

beforeAll(async () => {
  cluster = await newCluster("ten");
  const other = await request("POST", "/v1/tenants", { token: service.adminToken, body: { name: `other-${process.pid}` } });
  expect(other.status).toBe(201);
  otherTenantToken = other.json.token;
});

describe("curl with a bearer token", () => {
  it("reads and writes the kube API over HTTPS, verified with the local CA", async () => {
    const base = `${service.url}/k8s/${cluster.id}`;
    const auth = ["-H", `Authorization: Bearer ${cluster.token}`];
    const nodes = await curl([...auth, `${base}/api/v1/nodes`]);
    expect(nodes.status).toBe(200);
    expect(JSON.parse(nodes.body).items).toHaveLength(3);

    const made = await curl([...auth, "-X", "POST", "-H", "Content-Type: application/json", "-d", JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "curl-made" }, data: { k: "v" } }), `${base}/api/v1/namespaces/default/configmaps`]);
    expect(made.status).toBe(201);
    // kubectl sees what curl made
    const got = await kubectl(cluster, ["get", "configmap", "curl-made", "-o", "jsonpath={.data.k}"]);
    expect(got.stdout).toBe("v");

    const version = await curl([...auth, `${base}/version`]);
    expect(JSON.parse(version.body)).toMatchObject({ major: "1", minor: "32" });
  });

  it("answers 401 without a token or with a bad one, as a Status", async () => {
    const base = `${service.url}/k8s/${cluster.id}`;
    const none = await curl([`${base}/api/v1/namespaces`]);
    expect(none.status).toBe(401);
    expect(JSON.parse(none.body)).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    const bad = await curl(["-H", "Authorization: Bearer kdo_notarealtoken000000000000000000000000000", `${base}/api/v1/namespaces`]);
    expect(bad.status).toBe(401);
    const mgmt = await curl([`${service.url}/v1/clusters`]);
    expect(mgmt.status).toBe(401);
    expect(JSON.parse(mgmt.body).error.code).toBeTruthy();
  });
});

describe("tenancy", () => {
  it("hides a cluster from another tenant's token: 404 as if it did not exist", async () => {
    const kube = await request("GET", `/k8s/${cluster.id}/api/v1/namespaces`, { token: otherTenantToken });
    expect(kube.status).toBe(404);
    const missing = await request("GET", `/k8s/00000000-0000-0000-0000-000000000000/api/v1/namespaces`, { token: otherTenantToken });
    expect(missing.status).toBe(404);
    expect(kube.json).toEqual(missing.json);
    const mgmt = await request("GET", `/v1/clusters/${cluster.name}`, { token: otherTenantToken });
    expect(mgmt.status).toBe(404);
    const del = await request("DELETE", `/v1/clusters/${cluster.name}`, { token: otherTenantToken });
    expect(del.status).toBe(404);
    const list = await request("GET", "/v1/clusters", { token: otherTenantToken });
    expect(list.json.clusters ?? list.json).not.toContainEqual(expect.objectContaining({ name: cluster.name }));
  });

  it("lets a view token read but not write or read secrets; edit may write; revocation is immediate", async () => {
    const view = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `viewer-${process.pid}`, cluster: cluster.name, role: "view" } });
    expect(view.status).toBe(201);
    const edit = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `editor-${process.pid}`, cluster: cluster.name, role: "edit" } });
    const base = `/k8s/${cluster.id}/api/v1/namespaces/default`;
    expect((await request("GET", `${base}/configmaps`, { token: view.json.token })).status).toBe(200);
    const write = await request("POST", `${base}/configmaps`, { token: view.json.token, body: { metadata: { name: "nope" } } });
    expect(write.status).toBe(403);
    expect(write.json).toMatchObject({ kind: "Status", reason: "Forbidden" });
    expect((await request("GET", `${base}/secrets`, { token: view.json.token })).status).toBe(403);
    expect((await request("POST", `${base}/configmaps`, { token: edit.json.token, body: { metadata: { name: "by-editor" } } })).status).toBe(201);
    // edit may not manage the cluster or tokens
    expect((await request("DELETE", `/v1/clusters/${cluster.name}`, { token: edit.json.token })).status).toBe(403);
    expect((await request("POST", "/v1/tokens", { token: edit.json.token, body: { name: "x", role: "view" } })).status).toBe(403);

    const listed = await request("GET", "/v1/tokens", { token: service.tenantToken });
    expect(listed.text).not.toContain(view.json.token);
    expect(listed.json.tokens.find((t: { id: string }) => t.id === view.json.id)).toMatchObject({ role: "view" });

    expect((await request("DELETE", `/v1/tokens/${view.json.id}`, { token: service.tenantToken })).status).toBe(200);
    expect((await request("GET", `${base}/configmaps`, { token: view.json.token })).status).toBe(401);
  });
});
