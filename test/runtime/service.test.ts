// The management API: tenants, tokens and roles, clusters, isolation between tenants.
import { SELF } from "cloudflare:test";
import { env } from "./helpers";
import { describe, expect, it } from "vitest";
import { WatchHub, type WatchFilter, type WatchSink } from "../../worker/cluster/store/watch";
import { LIMITS } from "../../worker/limits";

const ADMIN = "test-admin-token";

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await SELF.fetch(`https://kubedo.test${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
  // Bytes decoded as UTF-8: the runtime warns on .text() of a YAML body (the kubeconfig).
  const text = new TextDecoder().decode(await res.arrayBuffer());
  let json: Record<string, any> = {}; // any: responses are checked field by field
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: res.status, json, text };
}

async function tenant(name: string) {
  const r = await call("POST", "/v1/tenants", ADMIN, { name });
  expect(r.status).toBe(201);
  return r.json as { id: string; name: string; token: string };
}

describe("management API", () => {
  it("creates tenants only with the admin token, and shows the token once", async () => {
    expect((await call("POST", "/v1/tenants", undefined, { name: "a" })).status).toBe(401);
    expect((await call("POST", "/v1/tenants", "kdo_nope", { name: "a" })).json.error.code).toBe("unauthorized");
    const t = await tenant("acme");
    expect(t.token).toMatch(/^kdo_[0-9A-Za-z]{40}$/);
    expect((await call("POST", "/v1/tenants", ADMIN, { name: "acme" })).status).toBe(409);
    expect((await call("POST", "/v1/tenants", ADMIN, { name: "Bad Name" })).status).toBe(400);
    expect((await call("POST", "/v1/tenants", t.token, { name: "other" })).status).toBe(403);
  });

  it("creates, lists, shows and deletes clusters; a kind config sets the layout", async () => {
    const t = await tenant("clusters");
    const made = await call("POST", "/v1/clusters?name=k1", t.token, "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n- role: worker\n");
    expect(made.status).toBe(201);
    expect(made.json).toMatchObject({ name: "k1", server: "https://kubedo.test" });
    expect((await call("POST", "/v1/clusters", t.token, { name: "k1" })).status).toBe(409);
    const list = await call("GET", "/v1/clusters", t.token);
    expect(list.json.clusters.map((c: { name: string }) => c.name)).toEqual(["k1"]);
    const nodes = await call("GET", `/k8s/${made.json.id}/api/v1/nodes`, t.token);
    expect(nodes.json.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(["k1-control-plane", "k1-worker"]);
    const shown = await call("GET", "/v1/clusters/k1", t.token);
    expect(shown.json.namespaces.map((n: { name: string }) => n.name)).toContain("default");
    // When the object last started, and whether a pass of its control loop is under way.
    expect(typeof shown.json.running).toBe("boolean");
    expect(Date.parse(shown.json.awakeSince)).toBeGreaterThanOrEqual(Date.parse(made.json.createdAt) - 1000);
    expect(Date.parse(shown.json.awakeSince)).toBeLessThanOrEqual(Date.now());
    const kc = await call("GET", "/v1/clusters/k1/kubeconfig", t.token);
    expect(kc.text).toContain("current-context: kubedo-k1");
    expect(kc.text).toContain("server: https://kubedo.test\n");
    expect((await call("DELETE", "/v1/clusters/k1", t.token)).status).toBe(200);
    expect((await call("GET", "/v1/clusters/k1", t.token)).status).toBe(404);
    expect((await call("GET", `/k8s/${made.json.id}/api/v1/nodes`, t.token)).status).toBe(404);
  });

  it("rejects malformed configs with what and where", async () => {
    const t = await tenant("configs");
    const yaml = await call("POST", "/v1/clusters", t.token, "kind: Cluster\nnodes:\n  - role: worker\n   oops: x\n");
    expect(yaml.status).toBe(400);
    expect(yaml.json.error.message).toMatch(/line 4/);
    const cidr = await call("POST", "/v1/clusters", t.token, { name: "n", kind: "Cluster", networking: { podSubnet: "10.1.2.3/40" } });
    expect(cidr.json.error.message).toMatch(/networking.podSubnet: "10.1.2.3\/40" is not a valid CIDR/);
    const role = await call("POST", "/v1/clusters", t.token, { name: "n", kind: "Cluster", nodes: [{ role: "master" }] });
    expect(role.json.error.message).toMatch(/nodes\[0\].role/);
    expect((await call("GET", "/v1/clusters", t.token)).json.clusters).toEqual([]);
  });

  it("keeps tenants apart: another tenant's cluster does not exist", async () => {
    const a = await tenant("tenant-a");
    const b = await tenant("tenant-b");
    const made = await call("POST", "/v1/clusters", a.token, { name: "mine" });
    expect((await call("GET", `/k8s/${made.json.id}/api/v1/namespaces`, b.token)).status).toBe(404);
    expect((await call("GET", "/v1/clusters/mine", b.token)).status).toBe(404);
    const noToken = await call("GET", `/k8s/${made.json.id}/api/v1/namespaces`);
    expect(noToken.status).toBe(401);
    expect(noToken.json).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });

  it("mints, lists and revokes tokens; roles limit what a token may do", async () => {
    const t = await tenant("roles");
    const cl = await call("POST", "/v1/clusters", t.token, { name: "r1" });
    const view = await call("POST", "/v1/tokens", t.token, { name: "viewer", cluster: "r1", role: "view" });
    expect(view.status).toBe(201);
    const edit = await call("POST", "/v1/tokens", t.token, { name: "editor", cluster: "r1", role: "edit" });
    const base = `/k8s/${cl.json.id}/api/v1/namespaces/default/configmaps`;
    expect((await call("GET", base, view.json.token)).status).toBe(200);
    const denied = await call("POST", base, view.json.token, { metadata: { name: "x" } });
    expect(denied.status).toBe(403);
    expect(denied.json.message).toBe('configmaps is forbidden: User "kubedo:roles:viewer" cannot create resource "configmaps" in API group "" in the namespace "default"');
    expect((await call("POST", base, edit.json.token, { metadata: { name: "x" } })).status).toBe(201);
    expect((await call("DELETE", "/v1/clusters/r1", edit.json.token)).status).toBe(403);
    expect((await call("POST", "/v1/tokens", view.json.token, { name: "escalate", role: "admin" })).status).toBe(403);
    const listed = await call("GET", "/v1/tokens", t.token);
    expect(listed.text).not.toContain(view.json.token);
    expect(listed.json.tokens.map((x: { name: string }) => x.name)).toEqual(["tenant", "viewer", "editor"]);
    expect((await call("DELETE", `/v1/tokens/${view.json.id}`, t.token)).status).toBe(200);
    expect((await call("GET", base, view.json.token)).status).toBe(401);
  });

  it("gives a kubeconfig the same token on every fetch: the caller's own when it is for that cluster, else one derived from it", async () => {
    const t = await tenant("kubeconfigs");
    const cl = await call("POST", "/v1/clusters", t.token, { name: "kc" });
    const tokenOf = (text: string) => /token: (\S+)/.exec(text)![1];
    const first = tokenOf((await call("GET", "/v1/clusters/kc/kubeconfig", t.token)).text);
    const second = tokenOf((await call("GET", "/v1/clusters/kc/kubeconfig", t.token)).text);
    expect(second).toBe(first);
    expect(first).toMatch(/^kdo_[0-9A-Za-z]{40}$/);
    expect(first).not.toBe(t.token);
    for (const token of [first, second]) expect((await call("GET", `/k8s/${cl.json.id}/api/v1/namespaces`, token)).status).toBe(200);
    // A view token gets a view token; a cluster-scoped token gets itself.
    const view = await call("POST", "/v1/tokens", t.token, { name: "watcher", role: "view" });
    const viewKc = tokenOf((await call("GET", "/v1/clusters/kc/kubeconfig", view.json.token)).text);
    expect(viewKc).not.toBe(first);
    expect((await call("POST", `/k8s/${cl.json.id}/api/v1/namespaces`, viewKc, { metadata: { name: "x" } })).status).toBe(403);
    const scoped = await call("POST", "/v1/tokens", t.token, { name: "scoped", cluster: "kc", role: "edit" });
    expect(tokenOf((await call("GET", "/v1/clusters/kc/kubeconfig", scoped.json.token)).text)).toBe(scoped.json.token);
    const names = (await call("GET", "/v1/tokens", t.token)).json.tokens.map((x: { name: string }) => x.name);
    expect(names.filter((n: string) => n === "kubeconfig-kc")).toHaveLength(2);
    // Revoking the token a kubeconfig came from revokes the kubeconfig's token; a new fetch makes a new one.
    expect((await call("DELETE", `/v1/tokens/${view.json.id}`, t.token)).status).toBe(200);
    expect((await call("GET", `/k8s/${cl.json.id}/api/v1/namespaces`, viewKc)).status).toBe(401);
    const derived = (await call("GET", "/v1/tokens", t.token)).json.tokens.find((x: { name: string; role: string }) => x.name === "kubeconfig-kc" && x.role === "admin");
    expect((await call("DELETE", `/v1/tokens/${derived.id}`, t.token)).status).toBe(200);
    expect((await call("GET", `/k8s/${cl.json.id}/api/v1/namespaces`, first)).status).toBe(401);
    const renewed = tokenOf((await call("GET", "/v1/clusters/kc/kubeconfig", t.token)).text);
    expect(renewed).not.toBe(first);
    expect((await call("GET", `/k8s/${cl.json.id}/api/v1/namespaces`, renewed)).status).toBe(200);
  });

  it("makes one kubeconfig token however many fetches race", async () => {
    const t = await tenant("kubeconfig-race");
    await call("POST", "/v1/clusters", t.token, { name: "kr" });
    const fetched = await Promise.all(Array.from({ length: 6 }, () => call("GET", "/v1/clusters/kr/kubeconfig", t.token)));
    expect(fetched.map((r) => r.status)).toEqual(Array(6).fill(200));
    expect(new Set(fetched.map((r) => /token: (\S+)/.exec(r.text)![1])).size).toBe(1);
    expect((await call("GET", "/v1/tokens", t.token)).json.tokens.map((x: { name: string }) => x.name)).toEqual(["tenant", "kubeconfig-kr"]);
  });

  it("bounds tokens per tenant, kubeconfig tokens included, and names the bound", async () => {
    const t = await tenant("many-tokens");
    await call("POST", "/v1/clusters", t.token, { name: "m1" });
    // The tenant's own token is the first of the bound; all but the last place are filled in D1
    // directly (a thousand POSTs would only time the hashing), the last through the API.
    const fill = Array.from({ length: LIMITS.tokensPerTenant - 2 }, (_, i) =>
      env.DB.prepare("INSERT INTO tokens (id, tenant_id, name, role, secret_hash, prefix, created_at) VALUES (?, ?, ?, 'view', ?, 'kdo_xx', ?)").bind(`tok-fill-${i}`, t.id, `fill-${i}`, `fill-hash-${t.id}-${i}`, Date.now()),
    );
    for (let i = 0; i < fill.length; i += 100) await env.DB.batch(fill.slice(i, i + 100));
    const made = [await call("POST", "/v1/tokens", t.token, { name: "last", role: "view" })];
    expect(made[0].status).toBe(201);
    const over = await call("POST", "/v1/tokens", t.token, { name: "one-more", role: "view" });
    expect(over.status).toBe(403);
    expect(over.json.error.message).toBe(`this tenant already has the maximum of ${LIMITS.tokensPerTenant} tokens (tokens per tenant); revoke some with DELETE /v1/tokens/{id}`);
    const kc = await call("GET", "/v1/clusters/m1/kubeconfig", t.token);
    expect(kc.status).toBe(403);
    expect(kc.json.error.message).toContain(`maximum of ${LIMITS.tokensPerTenant} tokens`);
    expect((await call("GET", "/v1/tokens", t.token)).json.tokens).toHaveLength(LIMITS.tokensPerTenant);
    expect((await call("DELETE", `/v1/tokens/${made[0].json.id}`, t.token)).status).toBe(200);
    expect((await call("GET", "/v1/clusters/m1/kubeconfig", t.token)).status).toBe(200);
  });

  it("refuses deeply nested bodies and YAML alias bombs with 400, naming the bound", async () => {
    const t = await tenant("hostile");
    await call("POST", "/v1/clusters", t.token, { name: "h1" });
    const deep = '{"advanceSeconds":' + "[".repeat(10_000) + "]".repeat(10_000) + "}";
    for (const path of ["/v1/clusters/h1/clock", "/v1/clusters/h1/nodes"]) {
      const r = await call("POST", path, t.token, deep);
      expect(r.status).toBe(400);
      expect(r.json.error.message).toBe("request body is not valid: exceeded max depth of 32: the body nests objects or arrays more than 32 levels deep");
    }
    const patched = await call("PATCH", "/v1/clusters/h1", t.token, '{"simulation":{"images":' + "{\"a\":".repeat(5000) + "1" + "}".repeat(5000) + "}}");
    expect(patched.status).toBe(400);
    expect(patched.json.error.message).toContain("exceeded max depth of 32");
    let bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
    for (let i = 1; i < 9; i++) bomb += `a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(", ")}]\n`;
    const bombed = await call("POST", "/v1/clusters?name=bomb", t.token, bomb);
    expect(bombed.status).toBe(400);
    expect(bombed.json.error.message).toBe("the cluster config is not valid YAML: its aliases expand too much (the limit is 100 alias expansions)");
    const nested = await call("POST", "/v1/clusters?name=nested", t.token, "nodes: " + "[".repeat(10_000) + "]".repeat(10_000));
    expect(nested.status).toBe(400);
    expect(nested.json.error.message).toBe("the cluster config is not valid: exceeded max depth of 64: the body nests objects or arrays more than 64 levels deep");
    // A few aliases are fine, and nothing was made by the refused requests.
    expect((await call("POST", "/v1/clusters?name=aliased", t.token, "base: &w {role: worker}\nnodes:\n- role: control-plane\n- *w\n- *w\n")).status).toBe(201);
    expect((await call("GET", "/v1/clusters", t.token)).json.clusters.map((c: { name: string }) => c.name)).toEqual(["aliased", "h1"]);
  });

  it("answers /healthz", async () => {
    const r = await call("GET", "/healthz");
    expect(r.status).toBe(200);
  });
});

describe("watch hub", () => {
  const filter: WatchFilter = { storage: "configmaps", namespace: null, matches: () => true, attrsOf: () => ({ labels: {}, fields: {} }) };
  const sink: WatchSink = { encode: () => null, bookmark: () => null };
  const opts = { timeoutMs: 60_000, currentRv: () => 1 };

  it("frees a watch's slot as soon as its client cancels the stream", async () => {
    const hub = new WatchHub(60_000);
    const gone = hub.open(filter, sink, [], opts);
    hub.open(filter, sink, [], opts);
    expect(hub.size).toBe(2);
    await gone.cancel("client went away");
    await new Promise((r) => setTimeout(r, 0));
    expect(hub.size).toBe(1);
    hub.closeAll();
    expect(hub.size).toBe(0);
  });

  it("writes a keepalive (one space, which JSON stream decoders skip) to idle watches", async () => {
    const hub = new WatchHub(5);
    const reader = hub.open(filter, sink, [], opts).getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toBe(" ");
    hub.closeAll();
  });
});
