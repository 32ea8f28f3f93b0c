// Issue 15's scale scenario, whole: a cluster of 1,000 nodes; 100,000 pods from 20 Deployments
// (instant profile), until every pod is Available; every pod listed, unchunked and in pages of
// 500, through the API and through the real `kubectl get pods -A`; a rolling update of one
// Deployment; half of the Deployments deleted, until their pods are gone; then whether the
// cluster is idle (alarm null). The JS heap is sampled throughout.
// Long (tens of minutes a run): BENCH_CAPACITY_PODS and BENCH_CAPACITY_NODES shrink it.
import { cluster, heapRows, heapWatch, kubectlLines, loadRow, median, must, nginxDeployment, report, RUNS, settle } from "./lib.mjs";

const DEPLOYMENTS = 20;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A step's figure as soon as it is known (a run is long; a later failure keeps what came before). */
const progress = (heap, what) => console.error(`  capacity: ${what}${heap ? `; largest heap so far ${heap.peek().toFixed(0)} MiB` : ""}`);

async function waitFor(what, limitMs, check) {
  const t0 = performance.now();
  for (;;) {
    const r = await check();
    if (r === true) return (performance.now() - t0) / 1000;
    if (performance.now() - t0 > limitMs) throw new Error(`${what}: not done after ${limitMs / 1000} s (${JSON.stringify(r)})`);
    await sleep(1000);
  }
}

async function once(http, tenantToken, run, { pods, nodes, insp }) {
  const per = Math.ceil(pods / DEPLOYMENTS);
  const config = {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    // One /24 per node: a /12 holds 4,096 of them, a /11 8,192.
    networking: { podSubnet: nodes > 4096 ? "10.224.0.0/11" : "10.240.0.0/12" },
    nodes: [{ role: "control-plane" }, ...Array.from({ length: nodes - 1 }, () => ({ role: "worker" }))],
  };
  const name = `bench-capacity-${run}`;
  const heap = insp ? await heapWatch(insp, 500) : undefined;
  heap?.mark("the cluster made and settling");
  const c = await cluster(http, tenantToken, name, config);
  await must(http.request("PATCH", `/v1/clusters/${name}`, { token: tenantToken, body: { simulation: { profile: "instant" } } }));
  await settle(http, tenantToken, name, 900_000);
  const deployments = `${c.base}/apis/apps/v1/namespaces/default/deployments`;
  const names = Array.from({ length: DEPLOYMENTS }, (_, i) => `d${String(i).padStart(2, "0")}`);
  const statusOf = async () => (await must(http.request("GET", deployments, { token: c.token }))).json.items;
  const done = (d, generation = 1) =>
    d.status?.availableReplicas === d.spec.replicas && d.status?.updatedReplicas === d.spec.replicas && d.status?.replicas === d.spec.replicas && (d.status?.observedGeneration ?? 0) >= generation;

  heap?.mark("the Deployments made, until every pod is Available");
  const t0 = performance.now();
  for (const n of names) await must(http.request("POST", deployments, { token: c.token, body: nginxDeployment(n, per, { cpu: "10m", memory: "16Mi" }) }));
  const available = await waitFor("all Available", 3_600_000, async () => {
    const items = await statusOf();
    return items.length === DEPLOYMENTS && items.every((d) => done(d)) ? true : items.reduce((n, d) => n + (d.status?.availableReplicas ?? 0), 0);
  });
  progress(heap, `every pod Available after ${available.toFixed(0)} s`);

  heap?.mark("every pod listed through the API");
  const t1 = performance.now();
  // Counted as it streams (it is more than a string can hold): every pod has one spec.restartPolicy
  // (defaulted), and these pods have no sidecar that would carry another.
  const all = await http.measure(`${c.base}/api/v1/pods`, c.token, '"restartPolicy":');
  if (all.status !== 200) throw new Error(`the unchunked list answered ${all.status}`);
  const unchunked = (performance.now() - t1) / 1000;
  const t2 = performance.now();
  let items = 0;
  for (let cont = ""; ; ) {
    const page = await must(http.request("GET", `${c.base}/api/v1/pods?limit=500${cont ? `&continue=${encodeURIComponent(cont)}` : ""}`, { token: c.token }));
    items += page.json.items.length;
    cont = page.json.metadata.continue ?? "";
    if (!cont) break;
  }
  const chunked = (performance.now() - t2) / 1000;
  progress(heap, `lists: unchunked ${unchunked.toFixed(2)} s (${all.found} pods, ${all.bytes} bytes), in pages ${chunked.toFixed(2)} s (${items} pods)`);
  // What the issue names: kubectl itself, as a user runs it (a Table in pages of 500), and unchunked.
  heap?.mark("kubectl get pods -A");
  const kubectl = {};
  for (const [key, args] of [["paged", ["get", "pods", "-A", "--no-headers"]], ["unchunked", ["get", "pods", "-A", "--no-headers", "--chunk-size=0"]]]) {
    const r = await kubectlLines(c.kubeconfig, args);
    if (r.code !== 0 || r.lines !== all.found) throw new Error(`kubectl ${args.join(" ")}: exit ${r.code}, ${r.lines} lines for ${all.found} pods: ${r.stderr}`);
    kubectl[key] = r.seconds;
  }
  progress(heap, `kubectl get pods -A: ${kubectl.paged.toFixed(2)} s, with --chunk-size=0 ${kubectl.unchunked.toFixed(2)} s`);

  heap?.mark("the rolling update");
  await must(http.request("PATCH", `${deployments}/${names[0]}`, { token: c.token, contentType: "application/strategic-merge-patch+json", body: { spec: { template: { spec: { containers: [{ name: "nginx", image: "nginx:1.26" }] } } } } }));
  const rolled = await waitFor("the rolling update", 3_600_000, async () => {
    const d = (await must(http.request("GET", `${deployments}/${names[0]}`, { token: c.token }))).json;
    return done(d, 2) || d.status;
  });
  progress(heap, `rolling update done after ${rolled.toFixed(0)} s`);

  const half = names.slice(DEPLOYMENTS / 2);
  heap?.mark("half the Deployments deleted, until their pods are gone");
  for (const n of half) await must(http.request("DELETE", `${deployments}/${n}`, { token: c.token }));
  const kept = per * (DEPLOYMENTS - half.length);
  const deleted = await waitFor("half deleted", 3_600_000, async () => {
    const page = await must(http.request("GET", `${c.base}/api/v1/namespaces/default/pods?limit=1`, { token: c.token }));
    const count = page.json.items.length + (page.json.metadata.remainingItemCount ?? 0);
    return count === kept || count;
  });
  progress(heap, `half deleted after ${deleted.toFixed(0)} s`);
  heap?.mark("settling after the deletions");
  await settle(http, tenantToken, name, 900_000);
  const stillAvailable = (await statusOf()).every((d) => done(d, d.metadata.name === names[0] ? 2 : 1));
  const heapMiB = await heap?.stop();
  const info = (await must(http.request("GET", `/v1/clusters/${name}`, { token: tenantToken }))).json;
  await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
  return { heapMiB, available, unchunked, chunked, kubectl, listed: all.found, listedBytes: all.bytes, paged: items, rolled, deleted, stillAvailable, objects: info.objects, alarm: info.alarm, per };
}

export default async function capacityBench(http, tenantToken, { insp } = {}) {
  const pods = Number(process.env.BENCH_CAPACITY_PODS ?? 100_000);
  const nodes = Number(process.env.BENCH_CAPACITY_NODES ?? 1_000);
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(http, tenantToken, i, { pods, nodes, insp }));
  const m = (f) => median(runs.map(f));
  const last = runs[runs.length - 1];
  report(`${nodes} nodes, ${pods} pods from ${DEPLOYMENTS} Deployments, a rolling update of one, half deleted (instant profile, median of ${RUNS} runs)`, [
    ["created to every pod Available", `${m((r) => r.available).toFixed(0)} s (${(pods / m((r) => r.available)).toFixed(0)} pods/s)`],
    [`unchunked list of every pod (${last.listed}, ${(last.listedBytes / 1024 / 1024).toFixed(0)} MiB)`, `${m((r) => r.unchunked).toFixed(2)} s`],
    [`the same in pages of 500 (${last.paged} pods)`, `${m((r) => r.chunked).toFixed(2)} s`],
    ["kubectl get pods -A (a Table, pages of 500; target <= 10 s)", `${m((r) => r.kubectl.paged).toFixed(2)} s`],
    ["kubectl get pods -A --chunk-size=0 (target <= 10 s)", `${m((r) => r.kubectl.unchunked).toFixed(2)} s`],
    [`rolling update of one Deployment (${last.per} pods)`, `${m((r) => r.rolled).toFixed(0)} s`],
    [`half the Deployments deleted to their pods gone`, `${m((r) => r.deleted).toFixed(0)} s`],
    ["every Deployment left Available, objects, alarm once done", `${runs.every((r) => r.stillAvailable)}, ${last.objects}, alarm ${last.alarm}`],
    ...heapRows(runs),
    await loadRow(),
  ]);
}
