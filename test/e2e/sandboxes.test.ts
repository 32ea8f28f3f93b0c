// Sandboxes end to end: 30 made in one burst, each kubeconfig good for its own cluster alone
// (kubectl); bounds; extend; reset back to the template; snapshot, change, restore; export
// applied to a fresh cluster; progress against the template's task; the WebSocket bearer
// subprotocol a browser uses for exec; and expiry: a sandbox made with the shortest lifetime
// (60 s) at the start of this file is gone by its end and its token refused.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, kubectl, newCluster, ok, request, service, type TestCluster } from "./helpers";

const token = service.tenantToken;
const tag = `${process.pid % 10000}`;
const TEMPLATE = `sbx-${tag}`;

// any: e2e assertions read whatever shape the endpoint answers
type Sandbox = any;

const made: string[] = [];
afterAll(async () => {
  for (const id of made.splice(0)) await request("DELETE", `/v1/sandboxes/${id}`, { token }).catch(() => undefined);
  await request("DELETE", `/v1/templates/${TEMPLATE}`, { token }).catch(() => undefined);
});

const GADGET_CRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: gadgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer}
`;

/** A sandbox's kubeconfig as a file kubectl reads. */
function asCluster(sb: Sandbox): TestCluster {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "kubedo-sb-")), "kubeconfig");
  writeFileSync(file, sb.kubeconfig);
  return { name: sb.cluster, id: sb.clusterId, kubeconfig: file, token: sb.token };
}

async function newSandbox(body: Record<string, unknown>): Promise<Sandbox> {
  const r = await request("POST", "/v1/sandboxes", { token, body });
  if (r.status !== 201) throw new Error(`creating a sandbox: ${r.status} ${r.text}`);
  made.push(r.json.id);
  return r.json;
}

let expiring: Sandbox;

beforeAll(async () => {
  // Made first so that its 60 s run out while the other tests run.
  expiring = await newSandbox({ template: "kind", ttlSeconds: 60, owner: "expiry test" });
  const t = await request("POST", "/v1/templates", {
    token,
    body: {
      name: TEMPLATE,
      description: "one ConfigMap preloaded; the task: make ConfigMap hello",
      objects: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: seed\n  namespace: default\ndata:\n  from: template\n",
      simulation: { profile: "instant" },
      tasks: [{ name: "hello", title: "Create the ConfigMap hello in default", checks: [{ type: "exists", object: { kind: "ConfigMap", namespace: "default", name: "hello" } }] }],
    },
  });
  if (t.status !== 201) throw new Error(`creating the template: ${t.status} ${t.text}`);
}, 120_000);

describe("POST /v1/sandboxes", () => {
  it("makes 30 sandboxes in one burst, each with a kubeconfig for its own cluster alone", async () => {
    const t0 = Date.now();
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => request("POST", "/v1/sandboxes", { token, body: { template: "kind", owner: `learner-${i}@example.com` } })));
    for (const r of results) if (r.status === 201) made.push(r.json.id);
    expect(results.map((r) => r.status)).toEqual(Array(30).fill(201));
    const sbs: Sandbox[] = results.map((r) => r.json);
    expect(new Set(sbs.map((s) => s.cluster)).size).toBe(30);
    expect(new Set(sbs.map((s) => s.token)).size).toBe(30);
    for (const s of sbs) {
      expect(s).toMatchObject({ id: expect.stringMatching(/^sb-/), cluster: expect.stringMatching(/^kind-[a-z0-9]{6}$/), template: "kind", role: "admin", token: expect.stringMatching(/^kdo_/) });
      // 14 days by default.
      expect(Date.parse(s.expiresAt)).toBeGreaterThanOrEqual(t0 + 14 * 24 * 3600 * 1000);
      expect(Date.parse(s.expiresAt)).toBeLessThanOrEqual(Date.now() + 14 * 24 * 3600 * 1000);
      expect(s.kubeconfig).toContain(`token: ${s.token}`);
    }
    // Every kubeconfig works with kubectl (a few at a time: the machine is shared).
    for (let i = 0; i < sbs.length; i += 6) {
      const outs = await Promise.all(sbs.slice(i, i + 6).map((s) => ok(asCluster(s), ["get", "nodes", "-o", "name"])));
      for (const out of outs) expect(out.trim().split("\n")).toHaveLength(3);
    }
    // A sandbox's token sees its own sandbox, not its neighbours'.
    const mine = await request("GET", "/v1/sandboxes", { token: sbs[0].token });
    expect(mine.json.sandboxes.map((s: Sandbox) => s.id)).toEqual([sbs[0].id]);
    expect((await request("GET", `/v1/sandboxes/${sbs[1].id}`, { token: sbs[0].token })).status).toBe(404);
    expect((await request("GET", `/k8s/${sbs[1].clusterId}/api/v1/nodes`, { token: sbs[0].token })).status).toBe(404);
    // The tenant's token lists them all.
    const all = (await request("GET", "/v1/sandboxes", { token })).json.sandboxes.map((s: Sandbox) => s.id);
    for (const s of sbs) expect(all).toContain(s.id);

    // Deleted: the cluster is gone and its token revoked.
    const del = await request("DELETE", `/v1/sandboxes/${sbs[0].id}`, { token });
    expect(del.json).toEqual({ id: sbs[0].id, deleted: true });
    expect((await request("GET", "/api/v1/nodes", { token: sbs[0].token })).status).toBe(401);
    expect((await request("GET", `/v1/clusters/${sbs[0].cluster}`, { token })).status).toBe(404);
    await Promise.all(sbs.slice(1).map((s) => request("DELETE", `/v1/sandboxes/${s.id}`, { token })));
  }, 240_000);

  it("refuses bad input naming the field and the bound, making nothing", async () => {
    const before = (await request("GET", "/v1/sandboxes", { token })).json.sandboxes.length;
    const short = await request("POST", "/v1/sandboxes", { token, body: { template: "kind", ttlSeconds: 59 } });
    expect(short.status).toBe(400);
    expect(short.json.error.message).toBe("ttlSeconds: must be a whole number of seconds from 60 to 7776000 (90 days), got 59");
    expect((await request("POST", "/v1/sandboxes", { token, body: { template: "kind", ttlSeconds: 7_776_001 } })).status).toBe(400);
    const unknown = await request("POST", "/v1/sandboxes", { token, body: { template: "no-such-template" } });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.message).toContain('template "no-such-template" not found');
    expect((await request("POST", "/v1/sandboxes", { token, body: { template: "kind", role: "root" } })).status).toBe(400);
    expect((await request("POST", "/v1/sandboxes", { token, body: { template: "kind", name: "Not_A_Name" } })).status).toBe(400);
    // A token for one cluster may not make sandboxes.
    const denied = await request("POST", "/v1/sandboxes", { token: expiring.token, body: { template: "kind" } });
    expect(denied.status).toBe(403);
    expect((await request("GET", "/v1/sandboxes", { token })).json.sandboxes.length).toBe(before);
  });
});

describe("a sandbox's life", () => {
  let sb: Sandbox;
  let c: TestCluster;
  beforeAll(async () => {
    sb = await newSandbox({ template: TEMPLATE, name: `sbx-life-${tag}`, owner: "ana" });
    c = asCluster(sb);
  }, 60_000);

  it("starts with the template's objects, and its idle cluster keeps no alarm", async () => {
    expect(sb.cluster).toBe(`sbx-life-${tag}`);
    expect(JSON.parse(await ok(c, ["get", "configmap", "seed", "-o", "json"])).data).toEqual({ from: "template" });
    await eventually(async () => (await request("GET", `/v1/clusters/${sb.cluster}`, { token })).json.alarm === null, 30_000);
    const one = await request("GET", `/v1/sandboxes/${sb.id}`, { token: sb.token });
    expect(one.json).toEqual({ id: sb.id, cluster: sb.cluster, clusterId: sb.clusterId, template: TEMPLATE, owner: "ana", role: "admin", expiresAt: sb.expiresAt, createdAt: sb.createdAt });
  });

  it("extends within the bounds", async () => {
    const r = await request("POST", `/v1/sandboxes/${sb.id}/extend`, { token, body: { ttlSeconds: 3600 } });
    expect(r.status).toBe(200);
    expect(Math.abs(Date.parse(r.json.expiresAt) - (Date.now() + 3600_000))).toBeLessThan(60_000);
    expect((await request("GET", `/v1/sandboxes/${sb.id}`, { token })).json.expiresAt).toBe(r.json.expiresAt);
    const bad = await request("POST", `/v1/sandboxes/${sb.id}/extend`, { token, body: { ttlSeconds: 10 } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain("from 60 to 7776000");
    // The learner's own token may not move its expiry.
    expect((await request("POST", `/v1/sandboxes/${sb.id}/extend`, { token: sb.token, body: { ttlSeconds: 3600 } })).status).toBe(403);
  });

  it("reports progress on the template's task as kubectl completes it", async () => {
    const before = await request("GET", `/v1/sandboxes/${sb.id}/progress`, { token: sb.token });
    expect(before.status).toBe(200);
    expect(before.json).toMatchObject({ sandbox: sb.id, template: TEMPLATE, done: 0, total: 1, tasks: [{ name: "hello", passed: false }] });
    await ok(c, ["create", "configmap", "hello", "--from-literal=a=b"]);
    const after = await request("GET", `/v1/sandboxes/${sb.id}/progress`, { token: sb.token });
    expect(after.json).toMatchObject({ done: 1, total: 1, tasks: [{ name: "hello", passed: true }] });
    await ok(c, ["delete", "configmap", "hello"]);
  });

  it("resets to its template: what was deleted is back, what was added is gone, the token still works", async () => {
    await ok(c, ["delete", "configmap", "seed"]);
    await ok(c, ["create", "configmap", "extra", "--from-literal=x=y"]);
    await ok(c, ["create", "namespace", "scratch"]);
    const r = await request("POST", `/v1/sandboxes/${sb.id}/reset`, { token });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ id: sb.id, cluster: sb.cluster, objects: 1 });
    expect(JSON.parse(await ok(c, ["get", "configmap", "seed", "-o", "json"])).data).toEqual({ from: "template" });
    expect((await kubectl(c, ["get", "configmap", "extra"])).stderr).toContain('configmaps "extra" not found');
    expect((await kubectl(c, ["get", "namespace", "scratch"])).code).not.toBe(0);
    expect((await ok(c, ["get", "nodes", "-o", "name"])).trim().split("\n")).toHaveLength(3);
    // The namespace catalog starts again with the new cluster.
    await eventually(async () => !(await request("GET", `/v1/clusters/${sb.cluster}`, { token })).json.namespaces.some((n: { name: string }) => n.name === "scratch"));
  });

  it("takes a snapshot, and restores it after a change", async () => {
    await ok(c, ["create", "configmap", "keep-me", "--from-literal=k=v"]);
    // A custom resource is kept too, with its CRD.
    await ok(c, ["apply", "-f", "-"], GADGET_CRD);
    await ok(c, ["wait", "--for=condition=established", "crd/gadgets.example.com", "--timeout=30s"]);
    await ok(c, ["apply", "-f", "-"], "apiVersion: example.com/v1\nkind: Gadget\nmetadata:\n  name: g1\nspec:\n  size: 4\n");
    const snap = await request("POST", `/v1/sandboxes/${sb.id}/snapshots`, { token, body: { name: "before-change" } });
    expect(snap.status).toBe(201);
    expect(snap.json).toMatchObject({ id: expect.stringMatching(/^snap-/), name: "before-change" });
    expect(snap.json.objects).toBeGreaterThanOrEqual(2);
    expect(snap.json.bytes).toBeGreaterThan(0);
    expect((await request("POST", `/v1/sandboxes/${sb.id}/snapshots`, { token, body: { name: "before-change" } })).status).toBe(409);
    const list = await request("GET", `/v1/sandboxes/${sb.id}/snapshots`, { token });
    expect(list.json.snapshots).toEqual([{ id: snap.json.id, name: "before-change", objects: snap.json.objects, bytes: snap.json.bytes, createdAt: snap.json.createdAt }]);

    await ok(c, ["delete", "configmap", "keep-me"]);
    await ok(c, ["create", "configmap", "later", "--from-literal=l=1"]);
    const restored = await request("POST", `/v1/sandboxes/${sb.id}/restore`, { token, body: { snapshot: "before-change" } });
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ id: sb.id, snapshot: "before-change" });
    expect(JSON.parse(await ok(c, ["get", "configmap", "keep-me", "-o", "json"])).data).toEqual({ k: "v" });
    expect((await kubectl(c, ["get", "configmap", "later"])).code).not.toBe(0);
    expect(await ok(c, ["get", "gadget", "g1", "-o", "jsonpath={.spec.size}"])).toBe("4");
    // Gone again, so that the export below applies in one run (kubectl maps a CRD's objects before it sends the CRD).
    await ok(c, ["delete", "crd", "gadgets.example.com", "--wait"]);
    expect((await request("POST", `/v1/sandboxes/${sb.id}/restore`, { token, body: { snapshot: "nope" } })).status).toBe(404);
  });

  it("exports YAML that kubectl applies cleanly to a fresh cluster", async () => {
    const exp = await request("GET", `/v1/sandboxes/${sb.id}/export`, { token: sb.token });
    expect(exp.status).toBe(200);
    expect(exp.text).toContain("name: seed");
    const fresh = await newCluster("sbx-import");
    const applied = await kubectl(fresh, ["apply", "-f", "-"], { input: exp.text });
    expect(applied.stderr).toBe("");
    expect(applied.code).toBe(0);
    expect(JSON.parse(await ok(fresh, ["get", "configmap", "seed", "-o", "json"])).data).toEqual({ from: "template" });
    expect(JSON.parse(await ok(fresh, ["get", "configmap", "keep-me", "-o", "json"])).data).toEqual({ k: "v" });
  });

  it("takes the bearer token from the WebSocket subprotocol a browser sends (exec), and never answers with it", async () => {
    await ok(c, ["run", "shell", "--image=busybox:1.36", "--restart=Never", "--", "sleep", "infinity"]);
    await eventually(async () => (await kubectl(c, ["get", "pod", "shell", "-o", "jsonpath={.status.phase}"])).stdout === "Running", 30_000);
    const good = await wsExec(sb.clusterId, "shell", ["echo", "hi"], sb.token);
    expect(good.status).toBe(101);
    expect(good.protocol).toBe("v5.channel.k8s.io");
    expect(good.stdout).toBe("hi\n");
    expect(JSON.parse(good.statusFrame).status).toBe("Success");
    const bad = await wsExec(sb.clusterId, "shell", ["echo", "hi"], "kdo_" + "x".repeat(40));
    expect(bad.status).toBe(401);
    const garbled = await wsExec(sb.clusterId, "shell", ["echo", "hi"], null);
    expect(garbled.status).toBe(401);
  });
});

describe("expiry", () => {
  it("an expired sandbox is gone and its token refused", async () => {
    const c = asCluster(expiring);
    const wait = Date.parse(expiring.expiresAt) - Date.now() + 1000;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    // Gone at once (before or after the reaper's alarm): kubectl fails, the sandbox is not listed.
    expect((await kubectl(c, ["get", "nodes"])).code).not.toBe(0);
    expect((await request("GET", `/v1/sandboxes/${expiring.id}`, { token })).status).toBe(404);
    expect((await request("GET", "/v1/sandboxes", { token })).json.sandboxes.map((s: Sandbox) => s.id)).not.toContain(expiring.id);
    // The reaper's alarm erases it: the token is refused (401) and the cluster gone.
    await eventually(async () => (await request("GET", "/api/v1/nodes", { token: expiring.token })).status === 401, 30_000);
    expect((await request("GET", `/v1/clusters/${expiring.cluster}`, { token })).status).toBe(404);
    expect((await kubectl(c, ["get", "nodes"])).stderr).toContain("Unauthorized");
  }, 150_000);
});

/**
 * An exec over a raw WebSocket handshake carrying the token only as the bearer subprotocol (as
 * a browser must); `token` null sends an entry that is not base64url. Server frames are
 * unmasked: channel 1 is stdout, channel 3 the status.
 */
function wsExec(clusterId: string, pod: string, command: string[], token: string | null): Promise<{ status: number; protocol?: string; stdout: string; statusFrame: string }> {
  const q = new URLSearchParams({ stdout: "true", stderr: "true" });
  for (const a of command) q.append("command", a);
  const entry = token === null ? "base64url.bearer.authorization.k8s.io.@@@" : `base64url.bearer.authorization.k8s.io.${Buffer.from(token).toString("base64url")}`;
  return new Promise((resolve, reject) => {
    const req = https.request(`${service.url}/k8s/${clusterId}/api/v1/namespaces/default/pods/${pod}/exec?${q}`, {
      ca: readFileSync(service.ca),
      headers: {
        Connection: "Upgrade",
        Upgrade: "websocket",
        "Sec-WebSocket-Version": "13",
        "Sec-WebSocket-Key": Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64"),
        "Sec-WebSocket-Protocol": `v5.channel.k8s.io, ${entry}`,
      },
    });
    req.on("response", (res: IncomingMessage) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, stdout: "", statusFrame: "" });
    });
    req.on("upgrade", (res: IncomingMessage, socket: Socket) => {
      let buf = Buffer.alloc(0);
      let stdout = "";
      socket.on("data", (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        for (;;) {
          if (buf.length < 2) return;
          let len = buf[1] & 0x7f;
          let at = 2;
          if (len === 126) {
            if (buf.length < 4) return;
            len = buf.readUInt16BE(2);
            at = 4;
          } else if (len === 127) {
            if (buf.length < 10) return;
            len = Number(buf.readBigUInt64BE(2));
            at = 10;
          }
          if (buf.length < at + len) return;
          const opcode = buf[0] & 0x0f;
          const payload = buf.subarray(at, at + len);
          buf = buf.subarray(at + len);
          if (opcode === 2 && payload[0] === 1) stdout += payload.subarray(1).toString();
          if (opcode === 2 && payload[0] === 3) {
            socket.destroy();
            resolve({ status: res.statusCode ?? 0, protocol: String(res.headers["sec-websocket-protocol"]), stdout, statusFrame: payload.subarray(1).toString() });
            return;
          }
        }
      });
      socket.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}
