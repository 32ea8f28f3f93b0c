// Issue 10's figure: with the instant profile, a Service in front of a Deployment of 1,000
// replicas on 100 workers; the time from the Deployment's create until its Endpoints list all
// 1,000 ready addresses and its EndpointSlices (at most 100 each) hold 1,000 ready endpoints.
// Three runs, each on a fresh cluster; the median is the figure, with the load average beside it.
import { cluster, loadRow, median, must, report, RUNS, settle } from "./lib.mjs";

async function once(http, tenantToken, run, { replicas, workers }) {
  const config = { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, ...Array.from({ length: workers }, () => ({ role: "worker" }))] };
  const name = `bench-endpoints-${run}`;
  const c = await cluster(http, tenantToken, name, config);
  try {
    await must(http.request("PATCH", `/v1/clusters/${name}`, { token: tenantToken, body: { simulation: { profile: "instant" } } }));
    await settle(http, tenantToken, name);
    const ns = `${c.base}/api/v1/namespaces/default`;
    await must(http.request("POST", `${ns}/services`, { token: c.token, body: { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: "http" }] } } }));
    const body = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: {
        replicas,
        selector: { matchLabels: { app: "web" } },
        template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ name: "http", containerPort: 80 }], resources: { requests: { cpu: "100m", memory: "64Mi" } } }] } },
      },
    };
    const slicesPath = `${c.base}/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=${encodeURIComponent("kubernetes.io/service-name=web")}`;
    const t0 = performance.now();
    await must(http.request("POST", `${c.base}/apis/apps/v1/namespaces/default/deployments`, { token: c.token, body }));
    let epDone = null;
    let slicesDone = null;
    let podsReady = null;
    let slices = [];
    for (;;) {
      if (epDone === null) {
        const ep = (await must(http.request("GET", `${ns}/endpoints/web`, { token: c.token }), [200, 404])).json;
        const ready = (ep?.subsets ?? []).reduce((n, s) => n + (s.addresses?.length ?? 0), 0);
        if (ready === replicas) epDone = performance.now();
      }
      if (slicesDone === null) {
        slices = (await must(http.request("GET", slicesPath, { token: c.token }))).json.items;
        const ready = slices.reduce((n, s) => n + (s.endpoints ?? []).filter((e) => e.conditions?.ready).length, 0);
        if (ready === replicas) slicesDone = performance.now();
      }
      if (podsReady === null) {
        const d = (await must(http.request("GET", `${c.base}/apis/apps/v1/namespaces/default/deployments/web`, { token: c.token }))).json;
        if (d.status?.readyReplicas === replicas) podsReady = performance.now();
      }
      if (epDone !== null && slicesDone !== null && podsReady !== null) break;
      if (performance.now() - t0 > 900_000) throw new Error("endpoints did not reach every replica in 900 s");
      await new Promise((res) => setTimeout(res, 100));
    }
    const biggest = Math.max(...slices.map((s) => (s.endpoints ?? []).length));
    return { endpoints: (epDone - t0) / 1000, slices: (slicesDone - t0) / 1000, ready: (podsReady - t0) / 1000, sliceCount: slices.length, biggest };
  } finally {
    await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
  }
}

export default async function endpointsBench(http, tenantToken, { replicas = 1000, workers = 100 } = {}) {
  const runs = [];
  for (let i = 0; i < RUNS; i++) runs.push(await once(http, tenantToken, i, { replicas, workers }));
  const last = runs[runs.length - 1];
  report(`Endpoints following a Deployment of ${replicas} replicas on ${workers} workers (instant profile, settled cluster, median of ${RUNS} runs)`, [
    ["create to Endpoints with every address ready", `${median(runs.map((r) => r.endpoints)).toFixed(2)} s (runs: ${runs.map((r) => r.endpoints.toFixed(2)).join(", ")} s)`],
    ["create to EndpointSlices with every endpoint ready", `${median(runs.map((r) => r.slices)).toFixed(2)} s (runs: ${runs.map((r) => r.slices.toFixed(2)).join(", ")} s)`],
    ["create to the Deployment reporting every replica ready (for reference)", `${median(runs.map((r) => r.ready)).toFixed(2)} s`],
    ["slices", `${last.sliceCount}, the largest holding ${last.biggest} endpoints`],
    await loadRow(),
  ]);
}
