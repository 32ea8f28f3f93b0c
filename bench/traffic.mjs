// Issue 10's figure: the traffic function's decisions per second, with 1,000 pods behind 10
// Services (100 nginx replicas each, instant profile). Measured in-process through the
// management API: one POST /v1/clusters/{name}/connect with "repeat" makes N identical connections
// inside the cluster object (DNS from the client pod's resolver, kube-proxy's choice, policy, the
// container's answer and its access-log line), so the HTTP round trip is paid once. The Workers
// clock does not move inside a request, so the time is taken outside: (time of N) - (time of 1),
// over N - 1. The median of 3 runs is printed with the load average.
import { cluster, loadRow, median, must, report, RUNS, settle } from "./lib.mjs";

const SERVICES = 10;
const REPLICAS = 100;
const REPEAT = Number(process.env.TRAFFIC_REPEAT ?? 5000);

export default async function trafficBench(http, tenantToken) {
  const config = { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, ...Array.from({ length: 20 }, () => ({ role: "worker" }))] };
  const name = "bench-traffic";
  const c = await cluster(http, tenantToken, name, config);
  const manage = (method, sub, body) => must(http.request(method, `/v1/clusters/${name}${sub}`, { token: tenantToken, body }));
  await manage("PATCH", "", { simulation: { profile: "instant" } });
  await settle(http, tenantToken, name);
  const ns = `${c.base}/api/v1/namespaces/default`;
  const deploy = (app, replicas, container) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: app },
    spec: { replicas, selector: { matchLabels: { app } }, template: { metadata: { labels: { app } }, spec: { containers: [{ name: "c", ...container }] } } },
  });
  for (let i = 0; i < SERVICES; i++) {
    await must(http.request("POST", `${c.base}/apis/apps/v1/namespaces/default/deployments`, { token: c.token, body: deploy(`web${i}`, REPLICAS, { image: "nginx:1.27" }) }));
    await must(http.request("POST", `${ns}/services`, { token: c.token, body: { apiVersion: "v1", kind: "Service", metadata: { name: `web${i}` }, spec: { selector: { app: `web${i}` }, ports: [{ port: 80 }] } } }));
  }
  await must(http.request("POST", `${c.base}/apis/apps/v1/namespaces/default/deployments`, { token: c.token, body: deploy("client", 1, { image: "busybox", command: ["sleep", "36000"] }) }));
  // Until every Service has its 100 ready endpoints.
  const t0 = performance.now();
  for (;;) {
    await manage("POST", "/clock", { advanceSeconds: 5 });
    const eps = await must(http.request("GET", `${ns}/endpoints`, { token: c.token }));
    const ready = eps.json.items.filter((e) => /^web\d+$/.test(e.metadata.name)).reduce((n, e) => n + (e.subsets ?? []).reduce((m, s) => m + (s.addresses ?? []).length, 0), 0);
    const client = (await must(http.request("GET", `${ns}/pods?labelSelector=app%3Dclient`, { token: c.token }))).json.items[0];
    if (ready === SERVICES * REPLICAS && client?.status?.podIP) break;
    if (performance.now() - t0 > 600_000) throw new Error(`only ${ready} endpoints ready after 600 s`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const client = (await must(http.request("GET", `${ns}/pods?labelSelector=app%3Dclient`, { token: c.token }))).json.items[0].metadata.name;
  const connect = (i, repeat) => manage("POST", "/connect", { from: `pod/default/${client}`, to: `web${i % SERVICES}:80`, request: { path: "/" }, repeat });

  const runs = [];
  for (let r = 0; r < RUNS; r++) {
    let one = 0;
    let many = 0;
    for (let i = 0; i < SERVICES; i++) {
      let t = performance.now();
      const single = await connect(i, 1);
      one += performance.now() - t;
      if (!single.json.ok) throw new Error(`connection failed: ${JSON.stringify(single.json)}`);
      t = performance.now();
      const spread = await connect(i, REPEAT);
      many += performance.now() - t;
      const answered = Object.values(spread.json.answered).reduce((a, b) => a + b, 0);
      if (answered !== REPEAT) throw new Error(`only ${answered} of ${REPEAT} answered: ${JSON.stringify(spread.json.failed)}`);
    }
    runs.push({ perSecond: (SERVICES * (REPEAT - 1)) / ((many - one) / 1000), single: one / SERVICES });
  }
  const info = (await manage("GET", "")).json;
  report(`the traffic function: ${SERVICES * REPLICAS} pods behind ${SERVICES} Services, a pod's GET http://web<i>/ (DNS, kube-proxy, policy, nginx's answer, access log)`, [
    ["decisions per second (median of 3, in-process via /connect repeat)", `${median(runs.map((r) => r.perSecond)).toFixed(0)} (runs: ${runs.map((r) => r.perSecond.toFixed(0)).join(", ")})`],
    ["one /connect, end to end over HTTPS (median of 3 runs' means)", `${median(runs.map((r) => r.single)).toFixed(1)} ms`],
    await loadRow(),
    ["objects in the cluster", String(info.objects)],
  ]);
  await http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken });
}
