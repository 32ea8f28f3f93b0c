#!/usr/bin/env node
// `npm start`: the local kubedo service on workerd (through wrangler), over HTTPS.
// Makes (once) a local CA and server certificate, applies the D1 migrations, starts the service,
// makes sure a local tenant and a cluster named `dev` exist, writes a kubeconfig and prints the
// line to use it. State lives in .kubedo/ (or $KUBEDO_HOME), which git ignores.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from "node:fs";
import https from "node:https";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ensureCertificates } from "./certs.mjs";
import { buildWeb } from "./build-web.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const state = resolve(root, process.env.KUBEDO_HOME ?? ".kubedo");
const port = Number(process.env.PORT ?? 8787);
const quiet = process.env.KUBEDO_QUIET === "1";
const log = (...a) => !quiet && console.log(...a);
mkdirSync(state, { recursive: true });
// The dashboard's bundle (web/app.js, web/app.css), served as static assets.
await buildWeb();

const wranglerEnv = { ...process.env, CI: "true", WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false", NO_COLOR: "1" };
const wrangler = join(root, "node_modules", ".bin", "wrangler");
const persist = join(state, "wrangler");

// With KUBE_HOST_SUFFIX, each cluster has its own host, <cluster-id>.<suffix>; the certificate covers them.
const hostSuffix = process.env.KUBE_HOST_SUFFIX?.replace(/^\./, "");
const certs = ensureCertificates(join(state, "tls"), hostSuffix?.replace(/:\d+$/, ""));

let adminToken = process.env.ADMIN_TOKEN;
let adminGenerated = false;
const adminFile = join(state, "admin-token");
if (!adminToken) {
  if (existsSync(adminFile)) adminToken = readFileSync(adminFile, "utf8").trim();
  else {
    adminToken = "kdoadm_" + randomBytes(24).toString("hex");
    writeFileSync(adminFile, adminToken + "\n");
    chmodSync(adminFile, 0o600);
    adminGenerated = true;
  }
}

const migrate = spawnSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], { cwd: root, env: wranglerEnv, encoding: "utf8" });
if (migrate.status !== 0) {
  console.error("applying D1 migrations failed:\n" + migrate.stdout + migrate.stderr);
  process.exit(1);
}

// Secrets go to the runtime host in a file only this user can read, never on a command line.
const devVars = join(state, "dev.vars");
const vars = { ADMIN_TOKEN: adminToken, CA_DATA: certs.caData, RATE_LIMIT_RPS: process.env.RATE_LIMIT_RPS, KUBE_HOST_SUFFIX: process.env.KUBE_HOST_SUFFIX };
writeFileSync(devVars, Object.entries(vars).filter(([, v]) => v).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
chmodSync(devVars, 0o600);

const out = createWriteStream(join(state, "wrangler.log"), { flags: "a" });
const child = spawn(process.execPath, [join(root, "scripts", "workerd.mjs")], {
  cwd: root,
  env: { ...wranglerEnv, PORT: String(port), KUBEDO_DEV_VARS: devVars, KUBEDO_PERSIST: persist, KUBEDO_TLS_KEY: certs.key, KUBEDO_TLS_CERT: certs.cert },
  stdio: ["ignore", "pipe", "pipe"],
});
child.stdout.pipe(out);
child.stderr.pipe(out);
if (process.env.KUBEDO_VERBOSE === "1") {
  child.stdout.pipe(process.stdout);
  child.stderr.pipe(process.stderr);
}
child.on("exit", (code) => {
  console.error(`wrangler exited with code ${code}; see ${join(state, "wrangler.log")}`);
  process.exit(code ?? 1);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));

const base = `https://127.0.0.1:${port}`;
const agent = new https.Agent({ ca: readFileSync(certs.caCert), keepAlive: true });

function request(method, path, { token, body } = {}) {
  return new Promise((resolveReq, reject) => {
    const req = https.request(base + path, { method, agent, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) } }, (res) => {
      let data = "";
      res.on("data", (c) => (data += c));
      res.on("end", () => resolveReq({ status: res.statusCode, body: data }));
    });
    req.on("error", reject);
    if (body) req.write(typeof body === "string" ? body : JSON.stringify(body));
    req.end();
  });
}

async function waitHealthy() {
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      const r = await request("GET", "/healthz");
      if (r.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error("the service did not become healthy within 120 s");
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function ensureTenant() {
  const file = join(state, "tenant.json");
  if (existsSync(file)) {
    const t = JSON.parse(readFileSync(file, "utf8"));
    const r = await request("GET", "/v1/clusters", { token: t.token });
    if (r.status === 200) return t;
  }
  for (let i = 0; i < 20; i++) {
    const name = i === 0 ? "local" : `local-${i}`;
    const r = await request("POST", "/v1/tenants", { token: adminToken, body: { name } });
    if (r.status === 201) {
      const t = JSON.parse(r.body);
      writeFileSync(file, JSON.stringify(t, null, 2) + "\n");
      chmodSync(file, 0o600);
      return t;
    }
    if (r.status !== 409) throw new Error(`creating the local tenant failed: ${r.status} ${r.body}`);
  }
  throw new Error("could not create a local tenant");
}

async function ensureCluster(tenant) {
  const got = await request("GET", "/v1/clusters/dev", { token: tenant.token });
  if (got.status === 200) return JSON.parse(got.body);
  const made = await request("POST", "/v1/clusters", { token: tenant.token, body: { name: "dev" } });
  if (made.status !== 201) throw new Error(`creating cluster dev failed: ${made.status} ${made.body}`);
  return JSON.parse(made.body);
}

async function ensureKubeconfig(tenant, cluster) {
  const file = join(state, "kubeconfig");
  if (existsSync(file)) {
    const text = readFileSync(file, "utf8");
    const token = /token: (\S+)/.exec(text)?.[1];
    // The kubeconfig names the service root (or the cluster's own host under KUBE_HOST_SUFFIX);
    // its cluster-scoped token picks the cluster.
    const server = hostSuffix ? `https://${cluster.id}.${hostSuffix}` : base;
    if (text.includes(`server: ${server}\n`) && token) {
      const r = await request("GET", "/version", { token });
      if (r.status === 200) return file;
    }
  }
  const r = await request("GET", "/v1/clusters/dev/kubeconfig", { token: tenant.token });
  if (r.status !== 200) throw new Error(`getting the kubeconfig failed: ${r.status} ${r.body}`);
  writeFileSync(file, r.body);
  chmodSync(file, 0o600);
  return file;
}

try {
  await waitHealthy();
  const tenant = await ensureTenant();
  const cluster = await ensureCluster(tenant);
  const kubeconfig = await ensureKubeconfig(tenant, cluster);
  writeFileSync(join(state, "ready.json"), JSON.stringify({ url: base, port, tenant: tenant.name, cluster: cluster.id, kubeconfig, ca: certs.caCert, adminTokenFile: process.env.ADMIN_TOKEN ? null : adminFile }, null, 2) + "\n");
  log(`kubedo is serving ${base} (cluster "dev", tenant "${tenant.name}")`);
  if (adminGenerated) log(`ADMIN_TOKEN was not set; generated one and kept it in ${adminFile}: ${adminToken}`);
  else if (!process.env.ADMIN_TOKEN) log(`admin token (operator's bootstrap token): ${adminFile}`);
  console.log(`export KUBECONFIG=${kubeconfig}`);
} catch (e) {
  console.error(String(e?.message ?? e));
  child.kill("SIGTERM");
  process.exit(1);
}
