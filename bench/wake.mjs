// Issue 15's wake-up figure: a cluster of many pods that has gone idle is put to sleep by the
// runtime (its object is evicted after a while without requests); the first request afterwards
// starts it again, and the object rebuilds its control loop's queues from the store. Measured:
// the CPU the workerd process spends on that first request, and until the cluster is idle again
// (the queued work the restart found), with the request's own time. awakeSince proves the object
// did start again. Median of the runs.
import { execSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cluster, idle, loadRow, median, must, nginxDeployment, report, RUNS, settle } from "./lib.mjs";

const TICKS = Number(execSync("getconf CLK_TCK", { encoding: "utf8" }).trim()) || 100;

/** CPU seconds (user + system) the workerd processes have used so far. */
function workerdCpu() {
  const pids = execSync("pgrep -f workerd || true", { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // ended meanwhile
    }
  }
  return ticks / TICKS;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function once(http, tenantToken, run, { replicas, workers }) {
  const config = { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, ...Array.from({ length: workers }, () => ({ role: "worker" }))] };
  const name = `bench-wake-${run}`;
  const c = await cluster(http, tenantToken, name, config);
  await must(http.request("PATCH", `/v1/clusters/${name}`, { token: tenantToken, body: { simulation: { profile: "instant" } } }));
  await settle(http, tenantToken, name);
  const path = `${c.base}/apis/apps/v1/namespaces/default/deployments`;
  await must(http.request("POST", path, { token: c.token, body: nginxDeployment("many", replicas, { cpu: "10m", memory: "16Mi" }) }));
  for (const t0 = performance.now(); ; await sleep(500)) {
    const d = (await must(http.request("GET", `${path}/many`, { token: c.token }))).json;
    if (d.status?.availableReplicas === replicas) break;
    if (performance.now() - t0 > 900_000) throw new Error(`not Available after 15 minutes: ${JSON.stringify(d.status)}`);
  }
  const before = await idle(http, tenantToken, name, { limitMs: 600_000, pollMs: 200 });

  // No requests until the runtime has evicted the object; a wait that was too short shows in
  // awakeSince (the object did not start again), and the next try waits longer.
  for (let wait = 15_000; wait <= 240_000; wait *= 2) {
    const slept = Date.now();
    await sleep(wait);
    const cpu0 = workerdCpu();
    const t0 = performance.now();
    await must(http.request("GET", `${c.base}/api/v1/namespaces/default/pods?limit=1`, { token: c.token }));
    const requestMs = performance.now() - t0;
    const cpu1 = workerdCpu();
    const after = await idle(http, tenantToken, name, { limitMs: 600_000, pollMs: 200 });
    const cpu2 = workerdCpu();
    if (Date.parse(after.awakeSince) <= slept) continue;
    await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
    return { requestMs, firstCpu: cpu1 - cpu0, untilIdleCpu: cpu2 - cpu0, objects: before.objects, wait };
  }
  throw new Error(`the cluster's object never slept (awakeSince ${before.awakeSince})`);
}

export default async function wakeBench(http, tenantToken, { replicas = Number(process.env.WAKE_PODS ?? 10_000), workers = 100 } = {}) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(http, tenantToken, i, { replicas, workers }));
  const m = (f) => median(runs.map(f));
  report(`the first request after a cluster of ${replicas} pods on ${workers} workers has slept (instant profile, median of ${RUNS} runs)`, [
    ["workerd CPU for that request", `${m((r) => r.firstCpu).toFixed(2)} s (runs: ${runs.map((r) => r.firstCpu.toFixed(2)).join(", ")} s)`],
    ["workerd CPU until the cluster is idle again", `${m((r) => r.untilIdleCpu).toFixed(2)} s (runs: ${runs.map((r) => r.untilIdleCpu.toFixed(2)).join(", ")} s)`],
    ["the request's time", `${(m((r) => r.requestMs) / 1000).toFixed(2)} s`],
    ["objects in the cluster", String(runs[runs.length - 1].objects)],
    ["idle before it slept", `${runs.map((r) => r.wait / 1000).join(", ")} s`],
    await loadRow(),
  ]);
}
