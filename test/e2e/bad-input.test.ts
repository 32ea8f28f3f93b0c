// The kube API refuses what kube-apiserver refuses, in its words and codes, and changes nothing;
// JSON answers are kube-apiserver's bytes; lists of any size are answered.
import { readFileSync } from "node:fs";
import https from "node:https";
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, manage, newCluster, ok, request, service, type TestCluster } from "./helpers";

let c: TestCluster;
/** Streams get a socket of their own: a watch never goes back to a pool. */
const agent = new https.Agent({ ca: readFileSync(service.ca), keepAlive: false });
const CMS = () => `/k8s/${c.id}/api/v1/namespaces/default/configmaps`;
const kube = (method: string, path: string, opts: { body?: unknown; contentType?: string } = {}) => request(method, `/k8s/${c.id}${path}`, { token: c.token, ...opts });

beforeAll(async () => {
  c = await newCluster("bad");
  expect((await kube("POST", "/api/v1/namespaces/default/configmaps", { body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "keep" }, data: { a: "1" } } })).status).toBe(201);
});

/** The ConfigMap `keep`, to see that a refused request changed nothing. */
async function keep() {
  return (await kube("GET", "/api/v1/namespaces/default/configmaps/keep")).json;
}

describe("bodies nested or repeated past Kubernetes' bounds", () => {
  const deep = (levels: number) => "[".repeat(levels) + "]".repeat(levels);

  it("answers 10,001 levels of JSON in a create, a patch or a delete with 400 naming the bound, and changes nothing", async () => {
    const before = await keep();
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep"},"x":${deep(10_001)}}`;
    const bodies: [string, string, string][] = [
      ["POST", "/api/v1/namespaces/default/configmaps", "application/json"],
      ["PUT", "/api/v1/namespaces/default/configmaps/keep", "application/json"],
      ["PATCH", "/api/v1/namespaces/default/configmaps/keep", "application/merge-patch+json"],
      ["PATCH", "/api/v1/namespaces/default/configmaps/keep", "application/json-patch+json"],
      ["DELETE", "/api/v1/namespaces/default/configmaps/keep", "application/json"],
    ];
    for (const [method, path, contentType] of bodies) {
      const res = await kube(method, path, { body, contentType });
      expect({ method, contentType, status: res.status, reason: res.json?.reason }).toEqual({ method, contentType, status: 400, reason: "BadRequest" });
      expect(res.json.message).toContain("exceeded max depth of 10000");
    }
    expect(await keep()).toEqual(before);
    // 10,000 levels are within the bound: the body is read (and its unknown field dropped).
    const within = await kube("POST", "/api/v1/namespaces/default/configmaps", { body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep-ok"},"x":${deep(9_998)}}` });
    expect(within.status).toBe(201);
    for (const contentType of ["application/merge-patch+json", "application/strategic-merge-patch+json"]) {
      const patched = await kube("PATCH", "/api/v1/namespaces/default/configmaps/deep-ok", { body: `{"data":{"b":"2"},"x":{"y":${deep(9_997)}}}`, contentType });
      expect({ contentType, status: patched.status }).toEqual({ contentType, status: 200 });
      expect(patched.json.data).toEqual({ b: "2" });
    }
  });

  it("bounds YAML bodies too: nesting and alias expansion", async () => {
    const nested = await kube("POST", "/api/v1/namespaces/default/configmaps", { body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep-yaml\nx:\n  ${"- ".repeat(10_001)}1\n`, contentType: "application/yaml" });
    expect(nested.status).toBe(400);
    expect(nested.json.message).toContain("exceeded max depth of 10000");
    const bomb = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 8 }, (_, i) => `${"bcdefghi"[i]}: &${"bcdefghi"[i]} [${Array(10).fill(`*${"abcdefgh"[i]}`).join(", ")}]`)].join("\n");
    const aliases = await kube("POST", "/api/v1/namespaces/default/configmaps", { body: `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: bomb\n${bomb}\n`, contentType: "application/yaml" });
    expect(aliases.status).toBe(400);
    expect(aliases.json.message).toContain("yaml: document contains excessive aliasing (the limit is 100 alias expansions)");
    expect((await kube("GET", "/api/v1/namespaces/default/configmaps/bomb")).status).toBe(404);
  });

  it("refuses duplicate keys under fieldValidation=Strict, naming the field, and warns of them by default", async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup","name":"dup"},"data":{"a":"1"}}';
    const strict = await kube("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", { body });
    expect(strict.status).toBe(400);
    expect(strict.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "metadata.name"');
    expect((await kube("GET", "/api/v1/namespaces/default/configmaps/dup")).status).toBe(404);
    const yaml = await kube("POST", "/api/v1/namespaces/default/configmaps?fieldValidation=Strict", {
      body: "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\ndata:\n  a: '1'\n  a: '2'\n",
      contentType: "application/yaml",
    });
    expect(yaml.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: line 7: key "a" already set in map');
    // kubectl's default (Warn): created, the last value kept, as Go's decoder keeps it.
    const warned = await kube("POST", "/api/v1/namespaces/default/configmaps", { body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"data":{"a":"1"},"data":{"a":"2"}}' });
    expect(warned.status).toBe(201);
    expect(warned.json.data).toEqual({ a: "2" });
  });

  it("answers a JSON patch of more than 10,000 operations with 413 in kube-apiserver's words", async () => {
    const before = await keep();
    const ops = Array.from({ length: 10_001 }, () => ({ op: "replace", path: "/data/a", value: "2" }));
    const res = await kube("PATCH", "/api/v1/namespaces/default/configmaps/keep", { body: ops, contentType: "application/json-patch+json" });
    expect(res.status).toBe(413);
    expect(res.json).toMatchObject({ reason: "RequestEntityTooLarge", code: 413, message: "Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001" });
    expect(await keep()).toEqual(before);
  });

  it("keeps a CPU quantity of 1e1000 as kube-apiserver does (10e999) and answers without an error", async () => {
    const pod = { apiVersion: "v1", kind: "Pod", metadata: { name: "huge" }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "1e1000" } } }] } };
    const res = await kube("POST", "/api/v1/namespaces/default/pods", { body: pod });
    expect(res.status).toBe(201);
    expect(res.json.spec.containers[0].resources.requests.cpu).toBe("10e999");
    expect(await ok(c, ["get", "pod", "huge", "-o", "jsonpath={.spec.containers[0].resources.requests.cpu}"])).toBe("10e999");
    const far = await kube("POST", "/api/v1/namespaces/default/pods", { body: { ...pod, metadata: { name: "far" }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "1e999999999", memory: "1e-999999999" } } }] } } });
    expect(far.status).toBe(201);
    // Kept in exponent form, as Kubernetes keeps a quantity's format; the tiny one rounded up to a nano.
    expect(far.json.spec.containers[0].resources.requests).toEqual({ cpu: "1e999999999", memory: "1e-9" });
  });
});

describe("query parameters", () => {
  it("refuses limit, resourceVersion and resourceVersionMatch values kube-apiserver refuses", async () => {
    const cases: [string, number, string][] = [
      ["limit=abc", 400, 'strconv.ParseInt: parsing "abc": invalid syntax'],
      ["resourceVersion=abc", 400, 'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'],
      ["resourceVersion=-5", 400, 'invalid resource version: resourceVersion: Invalid value: "-5": strconv.ParseUint: parsing "-5": invalid syntax'],
      ["resourceVersionMatch=NotOlderThan", 422, 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
      ["resourceVersion=999999999&resourceVersionMatch=Exact", 504, ""],
      ["limit=2&continue=Zm9yZ2Vk", 400, "invalid continue token: continue key is not valid"],
    ];
    for (const [query, status, message] of cases) {
      const res = await request("GET", `${CMS()}?${query}`, { token: c.token });
      expect({ query, status: res.status }).toEqual({ query, status });
      if (message) expect(res.json.message).toBe(message);
    }
    const tooLarge = await request("GET", `${CMS()}?resourceVersion=999999999&resourceVersionMatch=Exact`, { token: c.token });
    expect(tooLarge.json).toMatchObject({ reason: "Timeout", code: 504, details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 } });
    expect(tooLarge.json.message).toMatch(/^Timeout: Too large resource version: 999999999, current: \d+$/);
  });

  it("streams a watch asked for with watch=True, and from a future resourceVersion sends only what follows it", async () => {
    const rv = Number((await request("GET", CMS(), { token: c.token })).json.metadata.resourceVersion);
    const w = openStream(`${CMS()}?watch=True&resourceVersion=${rv + 1}`);
    await w.ready;
    await kube("POST", "/api/v1/namespaces/default/configmaps", { body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "skipped" } } });
    await kube("POST", "/api/v1/namespaces/default/configmaps", { body: { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "seen" } } });
    const line = await w.line();
    w.close();
    expect(JSON.parse(line)).toMatchObject({ type: "ADDED", object: { metadata: { name: "seen" } } });
  });

  it("refuses sinceSeconds together with sinceTime on pods/log as ValidatePodLogOptions does", async () => {
    await kube("POST", "/api/v1/namespaces/default/pods", { body: { apiVersion: "v1", kind: "Pod", metadata: { name: "logs" }, spec: { containers: [{ name: "c", image: "nginx" }] } } });
    const res = await kube("GET", "/api/v1/namespaces/default/pods/logs/log?sinceSeconds=10&sinceTime=2024-01-01T00:00:00Z");
    expect(res.status).toBe(422);
    expect(res.json).toEqual({
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: 'PodLogOptions "logs" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified',
      reason: "Invalid",
      details: { name: "logs", kind: "PodLogOptions", causes: [{ reason: "FieldValueForbidden", message: "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified" }] },
      code: 422,
    });
  });
});

describe("answers", () => {
  it("sends a Status byte for byte as kube-apiserver's json.Encoder writes it, newline included", async () => {
    const res = await request("GET", `${CMS()}/nope`, { token: c.token });
    expect(res.status).toBe(404);
    expect(res.text).toBe('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404}\n');
    const list = await request("GET", CMS(), { token: c.token });
    expect(list.text.endsWith("]}\n")).toBe(true);
  });

  it("refuses a declared image no pod could name, in the management API's error shape", async () => {
    const res = await manage("PATCH", c, "", { simulation: { images: { "UPPER CASE!!": { ports: [80] } } } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: { code: "bad_request", message: 'simulation.images: "UPPER CASE!!" is not a valid image reference: invalid reference format' } });
    const upper = await manage("PATCH", c, "", { simulation: { images: { "MyOrg/App": { ports: [80] } } } });
    expect(upper.json.error.message).toBe('simulation.images: "MyOrg/App" is not a valid image reference: invalid reference format: repository name must be lowercase');
    expect((await manage("GET", c, "")).json.simulation.images).toEqual({});
  });

  it("answers kubectl get -A --chunk-size=0 over hundreds of objects in one streamed list", async () => {
    // More than a page (500 items), so the answer is streamed; made a few at a time within the
    // token's request rate.
    const items = Array.from({ length: 520 }, (_, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `many-${String(i).padStart(4, "0")}` }, data: { i: String(i) } }));
    const queue = [...items];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let item = queue.shift(); item; item = queue.shift()) {
          let res = await kube("POST", "/api/v1/namespaces/default/configmaps", { body: item });
          while (res.status === 429) {
            await new Promise((r) => setTimeout(r, 200));
            res = await kube("POST", "/api/v1/namespaces/default/configmaps", { body: item });
          }
          expect(res.status).toBe(201);
        }
      }),
    );
    const out = await kubectl(c, ["get", "configmaps", "-A", "--chunk-size=0", "--no-headers"]);
    expect(out.code).toBe(0);
    const names = out.stdout.trim().split("\n").map((l) => l.split(/\s+/)[1]);
    expect(names.filter((n) => n.startsWith("many-"))).toHaveLength(520);
    const json = JSON.parse(await ok(c, ["get", "configmaps", "-n", "default", "--chunk-size=0", "-o", "json"]));
    expect(json.items.filter((o: { metadata: { name: string } }) => o.metadata.name.startsWith("many-"))).toHaveLength(520);
  });
});

/** A streamed GET read line by line (the `request` helper waits for the end). */
function openStream(urlPath: string) {
  let buf = "";
  let waiting: ((line: string) => void) | null = null;
  let ready!: () => void;
  const readyP = new Promise<void>((r) => (ready = r));
  const req = https.get(service.url + urlPath, { agent, headers: { authorization: `Bearer ${c.token}` } }, (res) => {
    expect(res.statusCode).toBe(200);
    ready();
    res.on("data", (d) => {
      buf += d;
      const nl = buf.indexOf("\n");
      if (nl >= 0 && waiting) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        waiting(line);
        waiting = null;
      }
    });
  });
  return {
    ready: readyP,
    line: () =>
      new Promise<string>((resolve) => {
        const nl = buf.indexOf("\n");
        if (nl >= 0) {
          resolve(buf.slice(0, nl).trim());
          buf = buf.slice(nl + 1);
        } else waiting = resolve;
      }),
    close: () => req.destroy(),
  };
}
