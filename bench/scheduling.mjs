// Issue 3's figure: with the instant profile, 1,000 pods on 100 workers, from the first create
// to every pod Running; the scheduling and kubelet rate; the cluster's storage and the workerd
// process's memory afterwards.
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cluster, must, pool, report } from "./lib.mjs";

/** Resident memory of the workerd processes (the local runtime), in MiB. */
function workerdRssMiB() {
  try {
    const pids = execSync("pgrep -f workerd", { encoding: "utf8" }).trim().split("\n").filter(Boolean);
    let kb = 0;
    for (const pid of pids) {
      try {
        const status = readFileSync(`/proc/${pid}/status`, "utf8");
        kb += Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
      } catch {
        // gone (pgrep also lists its own shell, which has ended)
      }
    }
    return kb / 1024;
  } catch {
    return NaN;
  }
}

export default async function schedulingBench(http, tenantToken, { pods = 1000, workers = 100 } = {}) {
  const config = { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, ...Array.from({ length: workers }, () => ({ role: "worker" }))] };
  const name = "bench-sched";
  const c = await cluster(http, tenantToken, name, config);
  await must(http.request("PATCH", `/v1/clusters/${name}`, { token: tenantToken, body: { simulation: { profile: "instant" } } }));
  const rssBefore = workerdRssMiB();
  const base = `${c.base}/api/v1/namespaces/default/pods`;
  const body = (i) => ({ apiVersion: "v1", kind: "Pod", metadata: { name: `p-${i}`, labels: { app: "bench" } }, spec: { containers: [{ name: "c", image: "nginx:1.27", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] } });

  const t0 = performance.now();
  await pool(pods, 16, (i) => must(http.request("POST", base, { token: c.token, body: body(i) })));
  const created = performance.now();
  let running = 0;
  let scheduled = 0;
  let firstAllScheduled = null;
  for (;;) {
    const list = await must(http.request("GET", `${base}?labelSelector=app%3Dbench`, { token: c.token }));
    running = list.json.items.filter((p) => p.status?.phase === "Running").length;
    scheduled = list.json.items.filter((p) => p.spec.nodeName).length;
    if (scheduled === pods && firstAllScheduled === null) firstAllScheduled = performance.now();
    if (running === pods) break;
    if (performance.now() - t0 > 600_000) throw new Error(`only ${running}/${pods} Running after 10 minutes`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const done = performance.now();
  const perNode = new Map();
  const list = await must(http.request("GET", `${base}?labelSelector=app%3Dbench`, { token: c.token }));
  for (const p of list.json.items) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
  const counts = [...perNode.values()];
  const info = (await must(http.request("GET", `/v1/clusters/${name}`, { token: tenantToken }))).json;
  const rssAfter = workerdRssMiB();
  const secs = (done - t0) / 1000;
  report(`scheduling and running ${pods} pods on ${workers} workers (instant profile)`, [
    ["created (16 requests in flight)", `${((created - t0) / 1000).toFixed(2)} s`],
    ["all scheduled", `${((firstAllScheduled - t0) / 1000).toFixed(2)} s after the first create`],
    ["all Running", `${secs.toFixed(2)} s after the first create`],
    ["rate, create to Running", `${(pods / secs).toFixed(0)} pods/s`],
    ["spread over nodes", `${perNode.size} nodes, ${Math.min(...counts)} to ${Math.max(...counts)} pods each`],
    ["objects in the cluster", String(info.objects)],
    ["cluster storage (SQLite)", `${(info.storageBytes / 1024 / 1024).toFixed(1)} MiB`],
    ["workerd resident memory", `${rssBefore.toFixed(0)} MiB before, ${rssAfter.toFixed(0)} MiB after (whole local runtime)`],
    ["alarm once settled", String((await settle(http, tenantToken, name)) ?? "null")],
  ]);
  await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
}

async function settle(http, tenantToken, name) {
  for (let i = 0; i < 100; i++) {
    const info = (await must(http.request("GET", `/v1/clusters/${name}`, { token: tenantToken }))).json;
    if (info.alarm === null) return null;
    await new Promise((r) => setTimeout(r, 100));
  }
  return "still set";
}
