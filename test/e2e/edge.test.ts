// The edge: every error at a kube path is a Kubernetes Status, oversized bodies are refused
// without being read whole, and the local service exposes no debugger and no token.
import { execFileSync } from "node:child_process";
import { readFileSync, statSync } from "node:fs";
import https from "node:https";
import net from "node:net";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { newCluster, request, service, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("edge");
});

const agent = new https.Agent({ ca: readFileSync(service.ca) });

/** Sends one request as is (any method, a raw path). */
function raw(method: string, urlPath: string, token?: string): Promise<{ status: number; json: any }> {
  // any: the Status or error object the server answers
  return new Promise((resolve, reject) => {
    const req = https.request(service.url + urlPath, { method, agent, headers: token ? { authorization: `Bearer ${token}` } : {} }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A chunked body well past every bound; that reading stops at the bound is shown in-runtime (test/runtime/edge.test.ts). */
const CAP = 8 * 1024 * 1024;

/** Streams a chunked body of CAP bytes (no Content-Length), and stops once the server answers. */
function oversizedBody(urlPath: string, token: string): Promise<{ status: number; text: string; sent: number }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const chunk = Buffer.alloc(256 * 1024, "a");
    const req = https.request(service.url + urlPath, { method: "POST", agent: new https.Agent({ ca: readFileSync(service.ca) }), headers: { authorization: `Bearer ${token}`, "content-type": "application/json" } }, (res) => {
      answered = true;
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, text, sent });
      });
    });
    req.on("error", (e) => {
      if (!answered) reject(e);
    });
    const pump = () => {
      while (!answered && sent < CAP) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once("drain", pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

describe("errors at kube paths are Status objects", () => {
  it("answers a path naming no cluster with NotFound", async () => {
    const r = await raw("GET", "/k8s//api/v1/namespaces", c.token);
    expect(r.status).toBe(404);
    expect(r.json).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "NotFound", code: 404 });
  });

  it("answers a method the API does not serve with MethodNotAllowed", async () => {
    const r = await raw("PROPFIND", `/k8s/${c.id}/api/v1/namespaces/default/pods`, c.token);
    expect(r.status).toBe(405);
    expect(r.json).toMatchObject({ kind: "Status", reason: "MethodNotAllowed", code: 405 });
  });

  it("answers a malformed percent-escape with BadRequest, never 500", async () => {
    for (const p of [`/k8s/${c.id}/api/v1/namespaces/default/configmaps/%E0%A4%A`, "/api/v1/namespaces/default/configmaps/%zz"]) {
      const r = await raw("GET", p, c.token);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ kind: "Status", reason: "BadRequest", code: 400 });
      expect(r.json.message).toMatch(/^invalid URL escape "%/);
    }
  });

  it("answers DELETE on a discovery document with 405 and deletes nothing", async () => {
    const r = await raw("DELETE", `/k8s/${c.id}/api/v1`, c.token);
    expect(r.status).toBe(405);
    expect(r.json).toMatchObject({ kind: "Status", reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource", code: 405 });
    const ns = await request("GET", `/k8s/${c.id}/api/v1/namespaces/default`, { token: c.token });
    expect(ns.status).toBe(200);
  });

  it("answers POST to a /watch/ path with 405 and creates nothing", async () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "via-watch" } };
    const r = await request("POST", `/k8s/${c.id}/api/v1/watch/namespaces/default/configmaps`, { token: c.token, body: cm });
    expect(r.status).toBe(405);
    expect(r.json).toMatchObject({ kind: "Status", reason: "MethodNotAllowed", code: 405 });
    expect((await request("GET", `/k8s/${c.id}/api/v1/namespaces/default/configmaps/via-watch`, { token: c.token })).status).toBe(404);
  });
});

describe("request bodies are read up to the bound only", () => {
  it("refuses a chunked kube body beyond 3 MiB with RequestEntityTooLarge, and creates nothing", async () => {
    const list = async () => (await request("GET", `/k8s/${c.id}/api/v1/namespaces/default/configmaps`, { token: c.token })).json.items.length;
    const before = await list();
    const r = await oversizedBody(`/api/v1/namespaces/default/configmaps`, c.token);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toMatchObject({ kind: "Status", reason: "RequestEntityTooLarge", message: "Request entity too large: limit is 3145728", code: 413 });
    expect(await list()).toBe(before);
  });

  it("refuses a chunked management body beyond its bound in the management API's shape", async () => {
    const before = (await request("GET", "/v1/tokens", { token: service.tenantToken })).json.tokens.length;
    const r = await oversizedBody("/v1/tokens", service.tenantToken);
    expect(r.status).toBe(413);
    expect(JSON.parse(r.text)).toEqual({ error: { code: "payload_too_large", message: "request body is larger than the limit of 65536 bytes" } });
    expect((await request("GET", "/v1/tokens", { token: service.tenantToken })).json.tokens.length).toBe(before);
  });
});

describe("the local service (npm start)", () => {
  it("puts no token on a command line and keeps its vars file private", () => {
    // every process of every user: the admin token (made for this run) is on no command line
    const ps = execFileSync("ps", ["-eo", "args"], { encoding: "utf8" });
    expect(ps).toContain("scripts/workerd.mjs");
    expect(ps).not.toContain(service.adminToken);
    const vars = path.join(service.home, "dev.vars");
    expect(readFileSync(vars, "utf8")).toContain(`ADMIN_TOKEN=${service.adminToken}\n`);
    expect(statSync(vars).mode & 0o777).toBe(0o600);
  });

  it("opens no inspector on PORT+1000 and gives workerd no debug port", async () => {
    const port = Number(new URL(service.url).port) + 1000;
    const refused = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, "127.0.0.1");
      s.once("connect", () => {
        s.destroy();
        resolve(false);
      });
      s.once("error", () => resolve(true));
    });
    expect(refused).toBe(true);
    // This service's workerd processes: the one listening on its port, and its siblings.
    const listening = execFileSync("ss", ["-ltnpH", `sport = :${new URL(service.url).port}`], { encoding: "utf8" });
    const entryPid = /pid=(\d+)/.exec(listening)![1];
    const host = readFileSync(`/proc/${entryPid}/stat`, "utf8").split(") ")[1].split(" ")[1];
    expect(readFileSync(`/proc/${host}/cmdline`, "utf8")).toContain("scripts/workerd.mjs");
    const workerd = execFileSync("ps", ["--ppid", host, "-o", "args="], { encoding: "utf8" })
      .split("\n")
      .filter((l) => l.includes("workerd serve"));
    expect(workerd.length).toBeGreaterThan(0);
    for (const l of workerd) {
      expect(l).not.toContain("--inspector-addr");
      expect(l).not.toContain("--debug-port");
    }
  });
});
