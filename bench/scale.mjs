// Issue 15's scale figures: a cluster of 1,000 nodes (its kind config states a /12 podSubnet),
// then a Deployment of 10,000 replicas on it with the instant profile, from its create to all
// Available; then an unchunked and a chunked (500 a page, as kubectl pages) list of every pod;
// and whether the cluster is idle (alarm null) once it is done. Median of the runs.
import { cluster, heapRows, heapWatch, loadRow, median, must, nginxDeployment, report, RUNS, settle } from "./lib.mjs";

async function once(http, tenantToken, run, { replicas, nodes, insp }) {
  const config = {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    networking: { podSubnet: "10.240.0.0/12" },
    nodes: [{ role: "control-plane" }, ...Array.from({ length: nodes - 1 }, () => ({ role: "worker" }))],
  };
  const name = `bench-scale-${run}`;
  const heap = insp ? await heapWatch(insp, 250) : undefined;
  const t0 = performance.now();
  const c = await cluster(http, tenantToken, name, config);
  const made = performance.now();
  await must(http.request("PATCH", `/v1/clusters/${name}`, { token: tenantToken, body: { simulation: { profile: "instant" } } }));
  await settle(http, tenantToken, name, 900_000);
  const settled = performance.now();

  const path = `${c.base}/apis/apps/v1/namespaces/default/deployments`;
  const body = nginxDeployment("many", replicas, { cpu: "10m", memory: "16Mi" });
  const t1 = performance.now();
  await must(http.request("POST", path, { token: c.token, body }));
  for (;;) {
    const d = (await must(http.request("GET", `${path}/many`, { token: c.token }))).json;
    if (d.status?.availableReplicas === replicas) break;
    if (performance.now() - t1 > 1_200_000) throw new Error(`not Available after 20 minutes: ${JSON.stringify(d.status)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const available = (performance.now() - t1) / 1000;

  const t2 = performance.now();
  const all = await must(http.request("GET", `${c.base}/api/v1/pods`, { token: c.token }));
  const unchunked = (performance.now() - t2) / 1000;
  const t3 = performance.now();
  let pages = 0;
  let items = 0;
  for (let cont = ""; ; ) {
    const page = await must(http.request("GET", `${c.base}/api/v1/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`, { token: c.token }));
    pages++;
    items += page.json.items.length;
    cont = page.json.metadata.continue ?? "";
    if (!cont) break;
  }
  const chunked = (performance.now() - t3) / 1000;
  await settle(http, tenantToken, name, 900_000);
  const heapMiB = await heap?.stop();
  const info = (await must(http.request("GET", `/v1/clusters/${name}`, { token: tenantToken }))).json;
  await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
  return { heapMiB, made: (made - t0) / 1000, settled: (settled - made) / 1000, available, unchunked, chunked, pods: all.json.items.length, bytes: all.text.length, pages, items, objects: info.objects, alarm: info.alarm, storageBytes: info.storageBytes };
}

export default async function scaleBench(http, tenantToken, { replicas = 10_000, nodes = 1_000, insp } = {}) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(http, tenantToken, i, { replicas, nodes, insp }));
  const m = (f) => median(runs.map(f));
  const last = runs[runs.length - 1];
  report(`${nodes} nodes and a Deployment of ${replicas} replicas (instant profile, median of ${RUNS} runs)`, [
    ["cluster made (POST /v1/clusters)", `${m((r) => r.made).toFixed(2)} s`],
    ["its system pods running, loop idle", `${m((r) => r.settled).toFixed(2)} s`],
    ["Deployment create to all Available", `${m((r) => r.available).toFixed(1)} s (${(replicas / m((r) => r.available)).toFixed(0)} pods/s; runs: ${runs.map((r) => r.available.toFixed(1)).join(", ")} s)`],
    [`unchunked list of all ${last.pods} pods`, `${m((r) => r.unchunked).toFixed(2)} s (${(last.bytes / 1024 / 1024).toFixed(1)} MiB)`],
    [`the same in pages of 500 (${last.pages} pages)`, `${m((r) => r.chunked).toFixed(2)} s`],
    ["objects, storage, alarm once done", `${last.objects}, ${(last.storageBytes / 1024 / 1024).toFixed(0)} MiB, alarm ${last.alarm}`],
    ...heapRows(runs),
    await loadRow(),
  ]);
}
