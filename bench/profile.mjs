#!/usr/bin/env node
// A CPU profile of one scenario, for finding where a benchmark's time goes (not part of
// `npm run bench`): starts the local service with the inspector on, profiles workerd's isolate
// through the Chrome DevTools protocol while the scenario runs, and prints the functions with
// the most self time and the source files they are in. KUBEDO_PROFILE_HEAP=file also writes a
// heap snapshot of the isolate when the scenario is done (for a viewer, or bench/heapsnapshot.mjs). KUBEDO_PROFILE_OUT=file keeps the
// .cpuprofile for a viewer, and file.js the bundle its line numbers point into.
//   node bench/profile.mjs deployment [replicas] [workers]
//   node bench/profile.mjs pods [pods] [workers]
//   node bench/profile.mjs deployments [pods] [workers]  (20 Deployments sharing the pods, as the capacity run)
//   node bench/profile.mjs wake [pods] [workers]   (the start of a cluster that slept, and its resync)
//   node bench/profile.mjs writes [count]           (ConfigMap creates, 16 in flight, as the api bench)
//   node bench/profile.mjs create 0 [workers]       (a cluster made, until its system pods run and it is idle)
//   node bench/profile.mjs table [pods] [workers]   (every pod listed three times as kubectl get pods -A does: Table pages of 500)
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, startService, stopService } from "../scripts/service.mjs";
import { benchHome, client, cluster, idle, inspector, must, nginxDeployment, pool, serviceEnv, settle } from "./lib.mjs";

const [scenario = "deployment", a, b] = process.argv.slice(2);
const home = benchHome("kubedo-profile-");
const port = await freePort();
const { child, ready } = await startService(home, port, serviceEnv({ ADMIN_TOKEN: "profile-" + Math.random().toString(36).slice(2) }));

async function until(http, c, path, done, limitMs = 900_000) {
  const t0 = performance.now();
  for (;;) {
    const r = await must(http.request("GET", path, { token: c.token }));
    if (done(r.json)) return;
    if (performance.now() - t0 > limitMs) throw new Error(`not done after ${limitMs / 1000} s`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

function summarize(profile) {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  const dt = profile.timeDeltas;
  for (let i = 0; i < profile.samples.length; i++) {
    const n = nodes.get(profile.samples[i]);
    self.set(n.id, (self.get(n.id) ?? 0) + (dt[i] ?? 0));
  }
  const byFn = new Map();
  const byFile = new Map();
  let total = 0;
  for (const [nid, us] of self) {
    const f = nodes.get(nid).callFrame;
    const file = (f.url || "(native)").replace(/^.*\/(worker|node_modules)\//, "$1/");
    const key = `${f.functionName || "(anonymous)"}  ${file}:${f.lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    byFile.set(file, (byFile.get(file) ?? 0) + us);
    total += us;
  }
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const parent = new Map();
  for (const n of profile.nodes) for (const ch of n.children ?? []) parent.set(ch, n.id);
  const incl = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const seen = new Set();
    for (let id = profile.samples[i]; id !== undefined; id = parent.get(id)) {
      const f = nodes.get(id).callFrame;
      const key = `${f.functionName || "(anonymous)"}:${f.lineNumber + 1}`;
      if (seen.has(key)) continue;
      seen.add(key);
      incl.set(key, (incl.get(key) ?? 0) + (dt[i] ?? 0));
    }
  }
  const top = (m, n) => [...m].sort((x, y) => y[1] - x[1]).slice(0, n);
  console.log(`\nsampled ${(total / 1e6).toFixed(2)} s`);
  console.log("\nself time by function:");
  for (const [k, us] of top(byFn, 40)) console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log("\ninclusive time by function:");
  for (const [k, us] of top(incl, 70)) console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
  console.log("\nself time by file:");
  for (const [k, us] of top(byFile, 25)) console.log(`  ${(us / 1000).toFixed(0).padStart(7)} ms  ${((100 * us) / total).toFixed(1).padStart(5)}%  ${k}`);
}

try {
  const http = client(ready);
  const tenant = JSON.parse(readFileSync(join(home, "tenant.json"), "utf8"));
  const workers = Number(b ?? 100);
  const config = { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", ...(workers >= 256 ? { networking: { podSubnet: "10.240.0.0/12" } } : {}), nodes: [{ role: "control-plane" }, ...Array.from({ length: workers }, () => ({ role: "worker" }))] };
  const insp = await inspector(port + 1000);
  const startProfile = async () => {
    await insp.send("Profiler.enable");
    await insp.send("Profiler.setSamplingInterval", { interval: 500 });
    await insp.send("Profiler.start");
  };
  if (scenario === "create") await startProfile();
  const made = performance.now();
  const c = await cluster(http, tenant.token, "profiled", config);
  await must(http.request("PATCH", `/v1/clusters/profiled`, { token: tenant.token, body: { simulation: { profile: "instant" } } }));
  await settle(http, tenant.token, "profiled", 900_000);
  if (scenario === "create") console.log(`a cluster of ${workers} workers made and settled in ${((performance.now() - made) / 1000).toFixed(2)} s`);
  else if (scenario !== "wake" && scenario !== "table") await startProfile();
  if (scenario === "writes") {
    const n = Number(a ?? 3000);
    const w0 = performance.now();
    const cms = `${c.base}/api/v1/namespaces/default/configmaps`;
    await pool(n, 16, (i) => must(http.request("POST", cms, { token: c.token, body: { metadata: { name: `cm-${i}` }, data: { a: "x".repeat(200) } } })));
    console.log(`${n} ConfigMap creates, 16 in flight: ${(n / ((performance.now() - w0) / 1000)).toFixed(0)} writes/s`);
  }
  if (scenario === "deployments") {
    // As the capacity run makes its pods: 20 Deployments sharing the count.
    const pods = Number(a ?? 20000);
    const per = Math.ceil(pods / 20);
    const path = `${c.base}/apis/apps/v1/namespaces/default/deployments`;
    const t0 = performance.now();
    for (let i = 0; i < 20; i++) await must(http.request("POST", path, { token: c.token, body: nginxDeployment(`d${String(i).padStart(2, "0")}`, per, { cpu: "10m", memory: "16Mi" }) }));
    await until(http, c, path, (l) => l.items.length === 20 && l.items.every((d) => d.status?.availableReplicas === per && (d.status?.observedGeneration ?? 0) >= d.metadata.generation));
    console.log(`20 Deployments of ${per} on ${workers} workers: Available after ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  } else if (scenario !== "writes" && scenario !== "create") {
    const t0 = performance.now();
    const replicas = Number(a ?? (scenario === "deployment" ? 1000 : scenario === "table" ? 5000 : 10000));
    const path = `${c.base}/apis/apps/v1/namespaces/default/deployments`;
    const body = nginxDeployment("web", replicas, { cpu: "10m", memory: "16Mi" });
    const available = (d) => d.status?.availableReplicas === replicas && d.status?.updatedReplicas === replicas && d.status?.replicas === replicas && (d.status?.observedGeneration ?? 0) >= d.metadata.generation;
    await must(http.request("POST", path, { token: c.token, body }));
    await until(http, c, `${path}/web`, available);
    const up = performance.now();
    console.log(`${replicas} replicas on ${workers} workers: Available after ${((up - t0) / 1000).toFixed(2)} s`);
    if (scenario === "deployment" && !process.env.KUBEDO_PROFILE_NO_ROLLOUT) {
      await must(http.request("PATCH", `${path}/web`, { token: c.token, contentType: "application/strategic-merge-patch+json", body: { spec: { template: { spec: { containers: [{ name: "nginx", image: "nginx:1.26" }] } } } } }));
      await until(http, c, `${path}/web`, (d) => available(d) && d.metadata.generation === 2);
      console.log(`rolling update done after ${((performance.now() - up) / 1000).toFixed(2)} s`);
    }
  }
  if (scenario === "table") {
    await settle(http, tenant.token, "profiled", 900_000);
    await startProfile();
    const accept = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
    let pages = 0;
    const t0 = performance.now();
    for (let round = 0; round < 3; round++) {
      let cont = "";
      do {
        const r = await must(http.request("GET", `${c.base}/api/v1/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`, { token: c.token, accept }));
        cont = r.json.metadata?.continue ?? "";
        pages++;
      } while (cont);
    }
    console.log(`${pages} Table pages of 500 pods: ${((performance.now() - t0) / pages).toFixed(1)} ms a page`);
  }
  if (scenario === "wake") {
    // Idle, then no requests until the runtime evicts the object; the profile covers its start
    // (the first request) and the work that start queued, until the cluster is idle again.
    await idle(http, tenant.token, "profiled", { pollMs: 200 });
    const slept = Date.now();
    await new Promise((res) => setTimeout(res, 20_000));
    await startProfile();
    const w0 = performance.now();
    await must(http.request("GET", `${c.base}/api/v1/namespaces/default/pods?limit=1`, { token: c.token }));
    const first = performance.now() - w0;
    const info = await idle(http, tenant.token, "profiled", { pollMs: 200 });
    console.log(`first request after sleeping ${first.toFixed(0)} ms, idle again after ${(performance.now() - w0).toFixed(0)} ms; object started again: ${Date.parse(info.awakeSince) > slept}`);
  }
  const { result } = await insp.send("Profiler.stop");
  if (process.env.KUBEDO_PROFILE_OUT) {
    writeFileSync(process.env.KUBEDO_PROFILE_OUT, JSON.stringify(result.profile));
    // The bundle the profile's line numbers point into (workerd's copy is deleted when it stops).
    const scripts = [];
    insp.onEvent("Debugger.scriptParsed", (p) => scripts.push(p));
    await insp.send("Debugger.enable");
    const main = scripts.filter((p) => p.url.endsWith("index.js")).sort((x, y) => y.length - x.length)[0];
    if (main) writeFileSync(process.env.KUBEDO_PROFILE_OUT + ".js", (await insp.send("Debugger.getScriptSource", { scriptId: main.scriptId })).result.scriptSource);
    await insp.send("Debugger.disable");
  }
  if (process.env.KUBEDO_PROFILE_HEAP) {
    const chunks = [];
    insp.onEvent("HeapProfiler.addHeapSnapshotChunk", (p) => chunks.push(p.chunk));
    await insp.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false }, 600_000);
    writeFileSync(process.env.KUBEDO_PROFILE_HEAP, chunks.join(""));
    console.log(`heap snapshot written to ${process.env.KUBEDO_PROFILE_HEAP}`);
  }
  insp.close();
  summarize(result.profile);
} finally {
  await stopService(child);
  rmSync(home, { recursive: true, force: true });
}
process.exit(0);
