// Helpers for end-to-end tests: the management API over HTTPS, fresh clusters, and kubectl.
import { execFile, execFileSync, spawn } from "node:child_process";
import { readFileSync, realpathSync, writeFileSync, mkdtempSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, inject } from "vitest";

export const service = inject("service");
const agent = new https.Agent({ ca: readFileSync(service.ca), keepAlive: true });

export interface HttpResult {
  status: number;
  text: string;
  json: any; // any: e2e assertions read whatever shape the endpoint answers
}

/**
 * One HTTPS request, sent with a Content-Length as kubectl sends it (a DELETE's body is read only
 * with one). A kept-alive socket the server closed while idle fails at once with no answer; that
 * request never reached the server, so it is sent once more on a fresh socket, as Node's docs advise.
 */
export function request(method: string, urlPath: string, opts: { token?: string; body?: unknown; contentType?: string } = {}): Promise<HttpResult> {
  const data = opts.body === undefined ? undefined : Buffer.from(typeof opts.body === "string" ? opts.body : JSON.stringify(opts.body));
  const headers: Record<string, string | number> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  if (data) Object.assign(headers, { "content-type": opts.contentType ?? "application/json", "content-length": data.length });
  const once = (): Promise<HttpResult> =>
    new Promise((resolve, reject) => {
      const req = https.request(service.url + urlPath, { method, agent, headers }, (res) => {
        let text = "";
        res.on("data", (c) => (text += c));
        res.on("end", () => {
          let json: unknown = undefined;
          try {
            json = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, text, json });
        });
      });
      req.on("error", (err: NodeJS.ErrnoException) => reject(Object.assign(err, { reused: req.reusedSocket })));
      req.end(data);
    });
  return once().catch((err: NodeJS.ErrnoException & { reused?: boolean }) => {
    if (err.reused && err.code === "ECONNRESET") return once();
    throw err;
  });
}

export interface TestCluster {
  name: string;
  id: string;
  kubeconfig: string;
  token: string;
}

let counter = 0;

/** Clusters this test file made, deleted when it ends: the suite's files share one tenant and its bound of clusters. */
const madeHere: { name: string; token: string }[] = [];
afterAll(async () => {
  // A connection the local server dropped is tried once more: a cleanup left undone would hold the tenant's cluster bound.
  for (const m of madeHere.splice(0)) await request("DELETE", `/v1/clusters/${m.name}`, { token: m.token }).catch(() => request("DELETE", `/v1/clusters/${m.name}`, { token: m.token }));
});

/** A fresh cluster for one test file, with its kubeconfig written to a temp file. */
export async function newCluster(prefix: string, config?: unknown, token = service.tenantToken): Promise<TestCluster> {
  const name = `${prefix}-${process.pid % 10000}-${counter++}`;
  const made = await request("POST", `/v1/clusters?name=${name}`, { token, body: config ?? {} });
  if (made.status !== 201) throw new Error(`creating cluster ${name}: ${made.status} ${made.text}`);
  madeHere.push({ name, token });
  const kc = await request("GET", `/v1/clusters/${name}/kubeconfig`, { token });
  const dir = mkdtempSync(path.join(tmpdir(), "kubedo-kc-"));
  const file = path.join(dir, "kubeconfig");
  writeFileSync(file, kc.text);
  const clusterToken = /token: (\S+)/.exec(kc.text)![1];
  return { name, id: made.json.id, kubeconfig: file, token: clusterToken };
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** The kubectl of one minor version: beside the real file of the kubectl on PATH stand kubectl.1.27 … kubectl.1.33. */
export function kubectlAt(minor: number): string {
  return `${realpathSync(execFileSync("sh", ["-c", "command -v kubectl"]).toString().trim())}.1.${minor}`;
}

/** Runs the kubectl on PATH against a cluster. */
export function kubectl(c: TestCluster | string, args: string[], opts: { input?: string; bin?: string } = {}): Promise<Run> {
  const kubeconfig = typeof c === "string" ? c : c.kubeconfig;
  return new Promise((resolve) => {
    const child = execFile(opts.bin ?? "kubectl", args, { env: { ...process.env, KUBECONFIG: kubeconfig }, timeout: 45_000, maxBuffer: 20 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout: String(stdout), stderr: String(stderr) });
    });
    if (opts.input !== undefined) {
      child.stdin!.write(opts.input);
      child.stdin!.end();
    }
  });
}

/** kubectl that must succeed; returns stdout. */
export async function ok(c: TestCluster, args: string[], input?: string): Promise<string> {
  const r = await kubectl(c, args, { input });
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** Starts a long-running kubectl (such as get -w); `stop()` ends it and returns what it printed. */
export function kubectlBackground(c: TestCluster, args: string[]) {
  const child = spawn("kubectl", args, { env: { ...process.env, KUBECONFIG: c.kubeconfig } });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return {
    output: () => out,
    async waitFor(pattern: RegExp, ms = 10_000): Promise<void> {
      const deadline = Date.now() + ms;
      while (!pattern.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${pattern} in:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    stop(): string {
      child.kill("SIGTERM");
      return out;
    },
  };
}

/** Polls `fn` until it returns true (for state reached by the control loop). */
export async function eventually(fn: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error("condition not reached in time");
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Moves a cluster's clock forward (every timer that falls due fires, in order). */
export async function advance(c: TestCluster, seconds: number): Promise<void> {
  const r = await request("POST", `/v1/clusters/${c.name}/clock`, { token: service.tenantToken, body: { advanceSeconds: seconds } });
  if (r.status !== 200) throw new Error(`advancing the clock: ${r.status} ${r.text}`);
}

/** Sets a cluster's simulation settings (profile, images). */
export async function simulate(c: TestCluster, settings: Record<string, unknown>): Promise<void> {
  const r = await request("PATCH", `/v1/clusters/${c.name}`, { token: service.tenantToken, body: { simulation: settings } });
  if (r.status !== 200) throw new Error(`setting the simulation: ${r.status} ${r.text}`);
}

/** A management call on a cluster's sub-path with the tenant's token. */
export function manage(method: string, c: TestCluster, sub: string, body?: unknown): Promise<HttpResult> {
  return request(method, `/v1/clusters/${c.name}${sub}`, { token: service.tenantToken, body });
}

/** An object as JSON through kubectl. */
// any: tests read whatever fields the object has
export async function getJson(c: TestCluster, args: string[]): Promise<any> {
  return JSON.parse(await ok(c, ["get", ...args, "-o", "json"]));
}

/** Waits (polling, real time) until the cluster's control loop has nothing queued and no alarm is due now. */
// any: the cluster summary as the management API answers it
export async function settled(c: TestCluster): Promise<any> {
  let info: any; // any: see above
  await eventually(async () => {
    info = (await manage("GET", c, "")).json;
    return info.alarm === null || Date.parse(info.alarm) > Date.now() + 500;
  });
  return info;
}
