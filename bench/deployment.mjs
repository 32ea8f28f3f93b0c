// Issue 4's figure: with the instant profile, a Deployment of 1,000 replicas on 100 workers,
// from its create to all 1,000 pods Running and Available, and a rolling update of it (a new
// image) from the patch to done (every pod new, the old ReplicaSet at 0 and its pods gone).
// Then issue 15's: 10,000 replicas on the same 100 workers, from the create to all Available.
// Each run is on a fresh cluster that has settled first; the median of the runs is the figure.
import { cluster, heapRows, heapWatch, loadRow, median, must, nginxDeployment, report, RUNS, settle } from "./lib.mjs";

async function until(http, c, path, done, limitMs = 900_000) {
  const t0 = performance.now();
  for (;;) {
    const r = await must(http.request("GET", path, { token: c.token }));
    if (done(r.json)) return performance.now();
    if (performance.now() - t0 > limitMs) throw new Error(`not done after ${limitMs / 1000} s: ${JSON.stringify(r.json.status)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

async function once(http, tenantToken, run, { replicas, workers, insp, rollout = true, requests }) {
  const config = { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, ...Array.from({ length: workers }, () => ({ role: "worker" }))] };
  const name = `bench-deploy-${run}`;
  const c = await cluster(http, tenantToken, name, config);
  await must(http.request("PATCH", `/v1/clusters/${name}`, { token: tenantToken, body: { simulation: { profile: "instant" } } }));
  await settle(http, tenantToken, name);
  const path = `${c.base}/apis/apps/v1/namespaces/default/deployments`;
  const body = nginxDeployment("web", replicas, requests);
  const available = (d) =>
    d.status?.availableReplicas === replicas && d.status?.updatedReplicas === replicas && d.status?.replicas === replicas && (d.status?.observedGeneration ?? 0) >= d.metadata.generation;

  const heap = insp ? await heapWatch(insp) : undefined;
  const t0 = performance.now();
  await must(http.request("POST", path, { token: c.token, body }));
  const up = await until(http, c, `${path}/web`, available);

  if (!rollout) {
    await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
    return { up: (up - t0) / 1000 };
  }
  const t1 = performance.now();
  await must(http.request("PATCH", `${path}/web`, { token: c.token, contentType: "application/strategic-merge-patch+json", body: { spec: { template: { spec: { containers: [{ name: "nginx", image: "nginx:1.26" }] } } } } }));
  const rolled = await until(http, c, `${path}/web`, (d) => available(d) && d.metadata.generation === 2);
  // old pods may still be in their grace period; count what remains
  const pods = await must(http.request("GET", `${c.base}/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`, { token: c.token }));
  const terminating = pods.json.items.filter((p) => p.metadata.deletionTimestamp).length;
  const heapMiB = await heap?.stop();
  const info = (await must(http.request("GET", `/v1/clusters/${name}`, { token: tenantToken }))).json;
  await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
  return { heapMiB, up: (up - t0) / 1000, rolled: (rolled - t1) / 1000, pods: pods.json.items.length, terminating, objects: info.objects, storageBytes: info.storageBytes };
}

export default async function deploymentBench(http, tenantToken, { replicas = 1000, workers = 100, insp } = {}) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(http, tenantToken, i, { replicas, workers, insp }));
  const up = median(runs.map((r) => r.up));
  const last = runs[runs.length - 1];
  // 10,000 pods of 10m CPU and 16Mi: 100 workers hold them (110 pods a node).
  const many = [];
  for (let i = 0; i < RUNS; i++) many.push(await once(http, tenantToken, `many-${i}`, { replicas: 10_000, workers, rollout: false, requests: { cpu: "10m", memory: "16Mi" } }));
  const manyUp = median(many.map((r) => r.up));
  report(`a Deployment of ${replicas} replicas on ${workers} workers (instant profile, settled cluster, median of ${RUNS} runs)`, [
    ["create to all Available", `${up.toFixed(2)} s (${(replicas / up).toFixed(0)} pods/s; runs: ${runs.map((r) => r.up.toFixed(2)).join(", ")} s)`],
    ["rolling update (25% surge, 25% unavailable) to done", `${median(runs.map((r) => r.rolled)).toFixed(2)} s (runs: ${runs.map((r) => r.rolled.toFixed(2)).join(", ")} s)`],
    ["pods right after the rollout", `${last.pods}, of which ${last.terminating} still terminating`],
    ["objects in the cluster", String(last.objects)],
    ["cluster storage (SQLite)", `${(last.storageBytes / 1024 / 1024).toFixed(1)} MiB`],
    [`10,000 replicas on ${workers} workers: create to all Available (target <= 3 s)`, `${manyUp.toFixed(1)} s (${(10_000 / manyUp).toFixed(0)} pods/s; runs: ${many.map((r) => r.up.toFixed(1)).join(", ")} s)`],
    ...heapRows(runs),
    await loadRow(),
  ]);
}
