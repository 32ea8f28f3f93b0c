// Issue 4's figure: with the instant profile, a Deployment of 1,000 replicas on 100 workers,
// from its create to all 1,000 pods Running and Available, and a rolling update of it (a new
// image) from the patch to done (every pod new, the old ReplicaSet at 0 and its pods gone).
import { cluster, must, report } from "./lib.mjs";

async function until(http, c, path, done, limitMs = 900_000) {
  const t0 = performance.now();
  for (;;) {
    const r = await must(http.request("GET", path, { token: c.token }));
    if (done(r.json)) return performance.now();
    if (performance.now() - t0 > limitMs) throw new Error(`not done after ${limitMs / 1000} s: ${JSON.stringify(r.json.status)}`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

export default async function deploymentBench(http, tenantToken, { replicas = 1000, workers = 100 } = {}) {
  const config = { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, ...Array.from({ length: workers }, () => ({ role: "worker" }))] };
  const name = "bench-deploy";
  const c = await cluster(http, tenantToken, name, config);
  await must(http.request("PATCH", `/v1/clusters/${name}`, { token: tenantToken, body: { simulation: { profile: "instant" } } }));
  const path = `${c.base}/apis/apps/v1/namespaces/default/deployments`;
  const body = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: {
      replicas,
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.27", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] } },
    },
  };
  const available = (d) =>
    d.status?.availableReplicas === replicas && d.status?.updatedReplicas === replicas && d.status?.replicas === replicas && (d.status?.observedGeneration ?? 0) >= d.metadata.generation;

  const t0 = performance.now();
  await must(http.request("POST", path, { token: c.token, body }));
  const up = await until(http, c, `${path}/web`, available);

  const t1 = performance.now();
  await must(http.request("PATCH", `${path}/web`, { token: c.token, contentType: "application/strategic-merge-patch+json", body: { spec: { template: { spec: { containers: [{ name: "nginx", image: "nginx:1.26" }] } } } } }));
  const rolled = await until(http, c, `${path}/web`, (d) => available(d) && d.metadata.generation === 2);
  // old pods may still be in their grace period; count what remains
  const pods = await must(http.request("GET", `${c.base}/api/v1/namespaces/default/pods?labelSelector=app%3Dweb`, { token: c.token }));
  const terminating = pods.json.items.filter((p) => p.metadata.deletionTimestamp).length;
  const info = (await must(http.request("GET", `/v1/clusters/${name}`, { token: tenantToken }))).json;
  report(`a Deployment of ${replicas} replicas on ${workers} workers (instant profile)`, [
    ["create to all Available", `${((up - t0) / 1000).toFixed(2)} s (${(replicas / ((up - t0) / 1000)).toFixed(0)} pods/s)`],
    ["rolling update (25% surge, 25% unavailable) to done", `${((rolled - t1) / 1000).toFixed(2)} s`],
    ["pods right after the rollout", `${pods.json.items.length}, of which ${terminating} still terminating`],
    ["objects in the cluster", String(info.objects)],
    ["cluster storage (SQLite)", `${(info.storageBytes / 1024 / 1024).toFixed(1)} MiB`],
  ]);
  await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
}
