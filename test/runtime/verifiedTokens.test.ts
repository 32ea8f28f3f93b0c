// Kube requests answered without a D1 lookup for a token the cluster object has seen confirmed
// (cluster/authentication/verifiedTokens.ts), and revocation still immediate.
import { SELF, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Identity } from "../../worker/auth/identity";
import { VerifiedTokens } from "../../worker/cluster/authentication/verifiedTokens";
import type { ClusterObject } from "../../worker/cluster/object";
import { clusterStubOf, env } from "./helpers";

const ADMIN = "test-admin-token";

async function call(method: string, path: string, token?: string, body?: unknown) {
  const res = await SELF.fetch(`https://kubedo.test${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { "content-type": "application/json" } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: Record<string, any> = {}; // any: responses are checked field by field
  try {
    json = JSON.parse(text);
  } catch {
    json = { text };
  }
  return { status: res.status, json };
}

const who: Identity = { tenantId: "t1", tenantName: "one", tokenId: "tok-1", tokenName: "a", role: "edit", clusterId: null };

describe("tokens a cluster knows", () => {
  it("keeps a confirmation only if no revocation notice came between the generation it was asked at and now", () => {
    const known = new VerifiedTokens();
    const asked = known.generation;
    known.forgetTenant("t1");
    known.remember("h1", who, asked, 0);
    expect(known.knows("h1", who, 0)).toBe(false);
    known.remember("h1", who, known.generation, 0);
    expect(known.knows("h1", who, 0)).toBe(true);
    // Known as this token only: another role or token under the same secret's hash is not.
    expect(known.knows("h1", { ...who, role: "admin" }, 0)).toBe(false);
    expect(known.knows("h1", { ...who, tokenId: "tok-2" }, 0)).toBe(false);
    // Confirmed again after a minute; another tenant's notice leaves it.
    expect(known.knows("h1", who, 60_001)).toBe(false);
    known.remember("h1", who, known.generation, 0);
    known.forgetTenant("t2");
    expect(known.knows("h1", who, 0)).toBe(true);
    known.forgetTenant("t1");
    expect(known.knows("h1", who, 0)).toBe(false);
  });

  it("serves a token it has seen confirmed without D1, and refuses it at once when revoked through the API", async () => {
    const t = (await call("POST", "/v1/tenants", ADMIN, { name: "cache" })).json as { token: string };
    const cl = (await call("POST", "/v1/clusters", t.token, { name: "cached" })).json as { id: string };
    const made = (await call("POST", "/v1/tokens", t.token, { name: "reader", cluster: "cached", role: "view" })).json as { id: string; token: string };
    const path = `/k8s/${cl.id}/api/v1/namespaces/default/configmaps`;
    // The first request reads D1; the next asks the cluster, which has it confirmed once and keeps it.
    for (let i = 0; i < 3; i++) expect((await call("GET", path, made.token)).status).toBe(200);
    const known = await runInDurableObject(clusterStubOf(cl.id), (o: ClusterObject) => (o as unknown as { tokens: VerifiedTokens }).tokens.size);
    expect(known).toBe(1);
    // With the D1 row gone behind the API's back, the cluster still answers: no D1 read was made.
    const row = await env.DB.prepare("SELECT * FROM tokens WHERE id = ?").bind(made.id).first<Record<string, unknown>>();
    await env.DB.prepare("DELETE FROM tokens WHERE id = ?").bind(made.id).run();
    expect((await call("GET", path, made.token)).status).toBe(200);
    const cols = Object.keys(row!);
    await env.DB.prepare(`INSERT INTO tokens (${cols.join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`).bind(...cols.map((k) => row![k])).run();
    // Revoked through the API: refused on the very next request.
    expect((await call("DELETE", `/v1/tokens/${made.id}`, t.token)).status).toBe(200);
    const refused = await call("GET", path, made.token);
    expect(refused.status).toBe(401);
    expect(refused.json).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
  });
});
