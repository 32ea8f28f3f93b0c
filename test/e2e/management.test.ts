// The management API under races and bad input, kubeconfig tokens, and watch slots that come
// back when their clients go away.
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import https from "node:https";
import type { ClientRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { eventually, kubectl, newCluster, request, service } from "./helpers";

const CLUSTERS_PER_TENANT = 250;
const WATCHES_PER_CLUSTER = 200;

async function freshTenant(prefix: string): Promise<string> {
  const t = await request("POST", "/v1/tenants", { token: service.adminToken, body: { name: `${prefix}-${process.pid}` } });
  expect(t.status).toBe(201);
  return t.json.token;
}

describe("limits under concurrency", () => {
  it("holds the clusters-per-tenant bound when creates race", async () => {
    const token = await freshTenant("race");
    // Made ten at a time, one node each (the bound counts clusters, not their size): the bound
    // holds a class of 100 with room to spare.
    const small = (name: string) => ({ kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", name, nodes: [{ role: "control-plane" }] });
    for (let i = 0; i < CLUSTERS_PER_TENANT - 2; i += 10) {
      const batch = Array.from({ length: Math.min(10, CLUSTERS_PER_TENANT - 2 - i) }, (_, j) => request("POST", "/v1/clusters", { token, body: small(`c${i + j}`) }));
      expect((await Promise.all(batch)).map((r) => r.status)).toEqual(Array(batch.length).fill(201));
    }
    // Ten creates at once, with two places left: two win, eight hear the bound.
    const raced = await Promise.all(Array.from({ length: 10 }, (_, i) => request("POST", "/v1/clusters", { token, body: small(`r${i}`) })));
    const statuses = raced.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 201, 403, 403, 403, 403, 403, 403, 403, 403]);
    for (const r of raced.filter((x) => x.status === 403)) {
      expect(r.json.error).toEqual({ code: "forbidden", message: `this tenant already has the maximum of ${CLUSTERS_PER_TENANT} clusters (clusters per tenant)` });
    }
    expect((await request("GET", "/v1/clusters", { token })).json.clusters).toHaveLength(CLUSTERS_PER_TENANT);
    // A freed place can be taken again.
    expect((await request("DELETE", "/v1/clusters/c0", { token })).status).toBe(200);
    expect((await request("POST", "/v1/clusters", { token, body: small("again") })).status).toBe(201);
    // Erased again, so that they stop settling while the other files run.
    const names: string[] = (await request("GET", "/v1/clusters", { token })).json.clusters.map((c: { name: string }) => c.name);
    for (let i = 0; i < names.length; i += 10) await Promise.all(names.slice(i, i + 10).map((n) => request("DELETE", `/v1/clusters/${n}`, { token })));
  }, 240_000);
});

describe("kubeconfigs", () => {
  it("keeps working when fetched twice, and does not mint a token per fetch", async () => {
    const token = await freshTenant("kc");
    const c = await newCluster("kc", undefined, token);
    const dir = mkdtempSync(path.join(tmpdir(), "kubedo-kc2-"));
    const files = [];
    for (let i = 0; i < 2; i++) {
      const kc = await request("GET", `/v1/clusters/${c.name}/kubeconfig`, { token });
      expect(kc.status).toBe(200);
      const file = path.join(dir, `kubeconfig-${i}`);
      writeFileSync(file, kc.text);
      files.push(file);
    }
    expect(readFileSync(files[0], "utf8")).toBe(readFileSync(files[1], "utf8"));
    for (const file of [c.kubeconfig, ...files]) {
      const r = await kubectl(file, ["get", "namespace", "default", "-o", "name"]);
      expect(r.stderr).toBe("");
      expect(r.stdout.trim()).toBe("namespace/default");
    }
    const tokens = (await request("GET", "/v1/tokens", { token })).json.tokens.map((t: { name: string }) => t.name);
    expect(tokens).toEqual(["tenant", `kubeconfig-${c.name}`]);
  });
});

describe("hostile bodies", () => {
  it("refuses deeply nested JSON and YAML alias bombs with 400 naming the bound, changing nothing", async () => {
    const token = await freshTenant("hostile");
    await newCluster("h", undefined, token);
    const deep = '{"advanceSeconds":' + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    const clusters = (await request("GET", "/v1/clusters", { token })).json.clusters;
    const name = clusters[0].name;
    for (const [method, sub] of [
      ["POST", "/clock"],
      ["POST", "/nodes"],
      ["PATCH", ""],
    ]) {
      const r = await request(method, `/v1/clusters/${name}${sub}`, { token, body: deep });
      expect(r.status).toBe(400);
      expect(r.json.error).toEqual({ code: "bad_request", message: "request body is not valid: exceeded max depth of 32: the body nests objects or arrays more than 32 levels deep" });
    }
    let bomb = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\na0: &a0 [x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++) bomb += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]\n`;
    const bombed = await request("POST", "/v1/clusters?name=bomb", { token, body: bomb, contentType: "application/yaml" });
    expect(bombed.status).toBe(400);
    expect(bombed.json.error.message).toBe("the cluster config is not valid YAML: its aliases expand too much (the limit is 100 alias expansions)");
    const after = await request("GET", `/v1/clusters/${name}`, { token });
    expect(after.json.nodes).toHaveLength(3);
    expect((await request("GET", "/v1/clusters", { token })).json.clusters).toHaveLength(1);
  });
});

/** Opens a watch with Node's HTTP client; resolves once the response headers arrived. */
function openWatch(clusterId: string, token: string, agent: https.Agent): Promise<{ req: ClientRequest; status: number }> {
  return new Promise((resolve, reject) => {
    const req = https.get(`${service.url}/k8s/${clusterId}/api/v1/namespaces/default/configmaps?watch=1`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      res.resume();
      resolve({ req, status: res.statusCode ?? 0 });
    });
    req.on("error", (e) => (req.destroyed ? undefined : reject(e)));
  });
}

describe("watch slots", () => {
  it("frees the slots of watches whose clients went away, on an idle cluster", async () => {
    const c = await newCluster("slots");
    // A second token for the cluster: the watches are spread over two rate-limit buckets.
    const second = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `slots-${process.pid}`, cluster: c.name, role: "view" } });
    expect(second.status).toBe(201);
    const agent = new https.Agent({ ca: readFileSync(service.ca), keepAlive: false, maxSockets: Infinity });
    const kubectls: ChildProcess[] = [];
    for (let i = 0; i < 3; i++) kubectls.push(spawn("kubectl", ["get", "configmaps", "-w"], { env: { ...process.env, KUBECONFIG: c.kubeconfig }, stdio: "ignore" }));
    const watches = await Promise.all(Array.from({ length: WATCHES_PER_CLUSTER - kubectls.length }, (_, i) => openWatch(c.id, i % 2 ? c.token : second.json.token, agent)));
    expect(watches.every((w) => w.status === 200)).toBe(true);
    await eventually(async () => (await request("GET", `/v1/clusters/${c.name}`, { token: service.tenantToken })).json.watches === WATCHES_PER_CLUSTER);

    // Every slot is taken: one more watch is refused, as a Status.
    const refused = await request("GET", `/k8s/${c.id}/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1`, { token: c.token });
    expect(refused.status).toBe(429);
    expect(refused.json).toMatchObject({ kind: "Status", reason: "TooManyRequests", code: 429, message: "too many watches open on this cluster: the limit is 200" });

    // The clients go away without a word; nothing is written to the cluster meanwhile.
    for (const w of watches) w.req.destroy();
    for (const k of kubectls) k.kill("SIGKILL");
    await eventually(async () => (await request("GET", `/v1/clusters/${c.name}`, { token: service.tenantToken })).json.watches === 0, 45_000);

    // kubectl can watch again.
    const r = await kubectl(c, ["get", "pods", "-w", "--request-timeout=2s"]);
    expect(r.stderr).not.toContain("too many watches");
    const curlWatch = await request("GET", `/k8s/${c.id}/api/v1/namespaces/default/pods?watch=1&timeoutSeconds=1`, { token: c.token });
    expect(curlWatch.status).toBe(200);
  });
});
