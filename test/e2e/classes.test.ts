// Classes end to end: a teacher's class of 3 seats from a template with one task; progress
// changes as one seat's kubectl completes it; a seat's own token reads only its own progress;
// one-time download links (410 the second time); the kubeconfigs listed again only for the
// creating token, and students' tokens outliving the teacher's; bounds checked up front.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { kubectl, ok, request, service, type TestCluster } from "./helpers";

const tag = `${process.pid % 10000}`;
const TEMPLATE = `cls-tpl-${tag}`;
const tenantToken = service.tenantToken;

// any: e2e assertions read whatever shape the endpoint answers
type Json = any;

const classes: string[] = [];
let teacher: { id: string; token: string };

afterAll(async () => {
  for (const id of classes.splice(0)) await request("DELETE", `/v1/classes/${id}`, { token: tenantToken }).catch(() => undefined);
  await request("DELETE", `/v1/templates/${TEMPLATE}`, { token: tenantToken }).catch(() => undefined);
});

function kubeconfigFile(name: string, text: string): TestCluster {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "kubedo-seat-")), "kubeconfig");
  writeFileSync(file, text);
  return { name, id: "", kubeconfig: file, token: /token: (\S+)/.exec(text)![1] };
}

beforeAll(async () => {
  const t = await request("POST", "/v1/templates", {
    token: tenantToken,
    body: {
      name: TEMPLATE,
      simulation: { profile: "instant" },
      tasks: [{ name: "hello", title: "Create the ConfigMap hello in default", checks: [{ type: "exists", object: { kind: "ConfigMap", namespace: "default", name: "hello" } }] }],
    },
  });
  if (t.status !== 201) throw new Error(`creating the template: ${t.status} ${t.text}`);
  // The teacher's own token: seat tokens are derived from it.
  const tok = await request("POST", "/v1/tokens", { token: tenantToken, body: { name: `teacher-${tag}`, role: "admin" } });
  if (tok.status !== 201) throw new Error(`creating the teacher's token: ${tok.status} ${tok.text}`);
  teacher = { id: tok.json.id, token: tok.json.token };
}, 60_000);

describe("a class of 3 seats", () => {
  let klass: Json;
  let seats: TestCluster[];
  beforeAll(async () => {
    const r = await request("POST", "/v1/classes", { token: teacher.token, body: { name: `intro-${tag}`, template: TEMPLATE, seats: 3 } });
    if (r.status !== 201) throw new Error(`creating the class: ${r.status} ${r.text}`);
    klass = r.json;
    classes.push(klass.id);
    seats = klass.seats.map((s: Json) => kubeconfigFile(s.cluster, s.kubeconfig));
  }, 120_000);

  it("gives every seat a sandbox, a kubeconfig with the class's role and a download link", async () => {
    expect(klass).toMatchObject({ id: expect.stringMatching(/^cls-/), name: `intro-${tag}`, template: TEMPLATE, role: "edit" });
    expect(klass.seats.map((s: Json) => s.name)).toEqual(["seat-1", "seat-2", "seat-3"]);
    expect(klass.seats.map((s: Json) => s.cluster)).toEqual([`intro-${tag}-seat-1`, `intro-${tag}-seat-2`, `intro-${tag}-seat-3`]);
    for (const s of klass.seats) expect(s.download).toMatch(new RegExp(`^${service.url}/v1/downloads/[A-Za-z0-9_-]{43}$`));
    for (const c of seats) expect((await ok(c, ["get", "nodes", "-o", "name"])).trim().split("\n")).toHaveLength(3);
    // edit: may create objects, may not touch RBAC's roles.
    expect((await kubectl(seats[0], ["auth", "can-i", "create", "deployments"])).stdout.trim()).toBe("yes");
    // The teacher's token sees every seat.
    const listed = (await request("GET", "/v1/sandboxes", { token: teacher.token })).json.sandboxes.filter((s: Json) => s.class === klass.id);
    expect(listed.map((s: Json) => s.seat).sort()).toEqual(["seat-1", "seat-2", "seat-3"]);
    const one = await request("GET", `/v1/classes/${klass.id}`, { token: tenantToken });
    expect(one.json.seats.map((s: Json) => [s.name, s.downloaded])).toEqual([
      ["seat-1", false],
      ["seat-2", false],
      ["seat-3", false],
    ]);
    expect((await request("GET", "/v1/classes", { token: tenantToken })).json.classes.find((k: Json) => k.id === klass.id)).toMatchObject({ name: `intro-${tag}`, seats: 3, role: "edit" });
  });

  it("shows progress changing as one seat's kubectl completes the task", async () => {
    const before = await request("GET", `/v1/classes/${klass.id}/progress`, { token: teacher.token });
    expect(before.status).toBe(200);
    expect(before.json.tasks).toEqual([{ name: "hello", title: "Create the ConfigMap hello in default" }]);
    expect(before.json.seats.map((s: Json) => [s.name, s.done])).toEqual([
      ["seat-1", 0],
      ["seat-2", 0],
      ["seat-3", 0],
    ]);
    await ok(seats[1], ["create", "configmap", "hello", "--from-literal=hi=there"]);
    const after = await request("GET", `/v1/classes/${klass.id}/progress`, { token: teacher.token });
    expect(after.json.seats.map((s: Json) => [s.name, s.done])).toEqual([
      ["seat-1", 0],
      ["seat-2", 1],
      ["seat-3", 0],
    ]);
    expect(after.json.seats[1].tasks[0]).toMatchObject({ name: "hello", passed: true });
    expect(after.json.seats[0].tasks[0]).toMatchObject({ name: "hello", passed: false });
  });

  it("lets a seat's own token read only its own progress", async () => {
    const own = await request("GET", `/v1/classes/${klass.id}/progress`, { token: seats[1].token });
    expect(own.status).toBe(200);
    expect(own.json.seats.map((s: Json) => [s.name, s.done])).toEqual([["seat-2", 1]]);
    const sb = await request("GET", "/v1/sandboxes", { token: seats[1].token });
    expect(sb.json.sandboxes).toHaveLength(1);
    const mine = await request("GET", `/v1/sandboxes/${sb.json.sandboxes[0].id}/progress`, { token: seats[1].token });
    expect(mine.json).toMatchObject({ done: 1, total: 1 });
    expect((await request("GET", `/v1/sandboxes/${klass.seats[0].sandbox}/progress`, { token: seats[1].token })).status).toBe(404);
    expect((await request("GET", "/v1/classes", { token: seats[1].token })).status).toBe(403);
    expect((await request("GET", `/v1/classes/${klass.id}/kubeconfigs`, { token: seats[1].token })).status).toBe(403);
  });

  it("opens a download link once; the second time is 410 Gone", async () => {
    const url = new URL(klass.seats[0].download);
    const first = await request("GET", url.pathname);
    expect(first.status).toBe(200);
    const c = kubeconfigFile("downloaded", first.text);
    expect(c.token).toBe(seats[0].token);
    expect((await ok(c, ["get", "nodes", "-o", "name"])).trim().split("\n")).toHaveLength(3);
    const again = await request("GET", url.pathname);
    expect(again.status).toBe(410);
    expect(again.json.error).toEqual({ code: "gone", message: expect.stringContaining("this download link was already used") });
    expect((await request("GET", `/v1/downloads/${"A".repeat(43)}`)).status).toBe(404);
    const one = await request("GET", `/v1/classes/${klass.id}`, { token: tenantToken });
    expect(one.json.seats.map((s: Json) => s.downloaded)).toEqual([true, false, false]);
  });

  it("lists the kubeconfigs again for the creating token only; revoking it leaves the students' working", async () => {
    const again = await request("GET", `/v1/classes/${klass.id}/kubeconfigs`, { token: teacher.token });
    expect(again.status).toBe(200);
    expect(again.json.seats.map((s: Json) => [s.name, s.kubeconfig])).toEqual(klass.seats.map((s: Json) => [s.name, s.kubeconfig]));
    const other = await request("GET", `/v1/classes/${klass.id}/kubeconfigs`, { token: tenantToken });
    expect(other.status).toBe(403);
    expect(other.json.error.message).toContain("only the token that created this class");
    expect((await request("DELETE", `/v1/tokens/${teacher.id}`, { token: tenantToken })).status).toBe(200);
    expect((await ok(seats[2], ["get", "nodes", "-o", "name"])).trim().split("\n")).toHaveLength(3);
  });

  it("deletes every seat with the class", async () => {
    const del = await request("DELETE", `/v1/classes/${klass.id}`, { token: tenantToken });
    expect(del.json).toMatchObject({ id: klass.id, deleted: true, seats: 3 });
    classes.splice(classes.indexOf(klass.id), 1);
    for (const c of seats) expect((await request("GET", "/api/v1/nodes", { token: c.token })).status).toBe(401);
    expect((await request("GET", `/v1/classes/${klass.id}`, { token: tenantToken })).status).toBe(404);
    expect((await request("GET", `/v1/clusters/${klass.seats[0].cluster}`, { token: tenantToken })).status).toBe(404);
  });
});

describe("a class of named students", () => {
  it("names the seats after the students, and refuses a name listed twice", async () => {
    const r = await request("POST", "/v1/classes", { token: tenantToken, body: { name: `named-${tag}`, template: TEMPLATE, students: ["ana", "ben"], role: "view", ttlSeconds: 3600 } });
    expect(r.status).toBe(201);
    classes.push(r.json.id);
    expect(r.json.seats.map((s: Json) => [s.name, s.cluster])).toEqual([
      ["ana", `named-${tag}-ana`],
      ["ben", `named-${tag}-ben`],
    ]);
    expect(r.json.role).toBe("view");
    const ben = kubeconfigFile("ben", r.json.seats[1].kubeconfig);
    expect((await kubectl(ben, ["create", "configmap", "nope"])).code).not.toBe(0);
    const owners = (await request("GET", "/v1/sandboxes", { token: tenantToken })).json.sandboxes.filter((s: Json) => s.class === r.json.id).map((s: Json) => s.owner);
    expect(owners.sort()).toEqual(["ana", "ben"]);
    const dup = await request("POST", "/v1/classes", { token: tenantToken, body: { name: `dup-${tag}`, template: TEMPLATE, students: ["ana", "ana"] } });
    expect(dup.status).toBe(400);
    expect(dup.json.error.message).toContain('"ana" is listed twice');
    expect((await request("POST", "/v1/classes", { token: tenantToken, body: { name: `named-${tag}`, template: TEMPLATE, seats: 1 } })).status).toBe(409);
  }, 120_000);
});

describe("bounds", () => {
  it("refuses 0 or 201 seats naming the bound", async () => {
    for (const seats of [0, 201]) {
      const r = await request("POST", "/v1/classes", { token: tenantToken, body: { name: `b-${tag}`, template: TEMPLATE, seats } });
      expect(r.status).toBe(400);
      expect(r.json.error.message).toBe(`seats: must be a whole number from 1 to 200 (seats per class), got ${seats}`);
    }
    expect((await request("GET", "/v1/classes", { token: tenantToken })).json.classes.some((k: Json) => k.name === `b-${tag}`)).toBe(false);
  });

  it("refuses a class bigger than the room left (403 naming the bound), making nothing", async () => {
    const t = await request("POST", "/v1/tenants", { token: service.adminToken, body: { name: `room-${process.pid}` } });
    expect(t.status).toBe(201);
    const token = t.json.token;
    // 51 clusters leave room for 199: a class of 200 does not fit.
    for (let i = 0; i < 51; i += 10) {
      const batch = Array.from({ length: Math.min(10, 51 - i) }, (_, j) => request("POST", "/v1/clusters", { token, body: { name: `c${i + j}` } }));
      expect((await Promise.all(batch)).map((r) => r.status)).toEqual(Array(batch.length).fill(201));
    }
    const tokensBefore = (await request("GET", "/v1/tokens", { token })).json.tokens.length;
    const r = await request("POST", "/v1/classes", { token, body: { name: "too-big", template: "kind", seats: 200 } });
    expect(r.status).toBe(403);
    expect(r.json.error).toEqual({ code: "forbidden", message: "a class of 200 seats needs 200 clusters, but this tenant has room for 199 more: the maximum is 250 clusters (clusters per tenant)" });
    expect((await request("GET", "/v1/clusters", { token })).json.clusters).toHaveLength(51);
    expect((await request("GET", "/v1/classes", { token })).json.classes).toEqual([]);
    expect((await request("GET", "/v1/sandboxes", { token })).json.sandboxes).toEqual([]);
    expect((await request("GET", "/v1/tokens", { token })).json.tokens).toHaveLength(tokensBefore);
  }, 180_000);
});
