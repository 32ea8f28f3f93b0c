// Issue 14's figure: custom-resource writes per second beside built-in writes, through the same
// HTTP path the API bench measures (edge → auth → cluster object → registry → store). The custom
// kind is test/fixtures/crds/widgets.yaml's Widget: its writes pay for the structural schema
// (defaults, pruning, validation) and a CEL rule; the built-in beside it is a ConfigMap of about
// the same size. The two are measured in alternating rounds on one cluster. Median of 3.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { cluster, loadRow, median, ms, must, percentile, pool, report, RUNS, timed } from "./lib.mjs";

const N = 500;
const SEQ = 100;
const WIDTH = 16;
const CRD = "widgets.example.kubedo.test";

export default async function customResourcesBench(http, tenantToken) {
  const c = await cluster(http, tenantToken, "bench-cr");
  const req = (method, path, body, extra = {}) => must(http.request(method, `${c.base}${path}`, { token: c.token, body, ...extra }));
  const crd = parse(readFileSync(new URL("../test/fixtures/crds/widgets.yaml", import.meta.url), "utf8"), { merge: true });
  await req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  const t0 = performance.now();
  for (;;) {
    const got = await http.request("GET", `${c.base}/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}`, { token: c.token });
    const established = got.json?.status?.conditions?.some((x) => x.type === "Established" && x.status === "True");
    if (established && (await http.request("GET", `${c.base}/apis/example.kubedo.test/v1/namespaces/default/widgets`, { token: c.token })).status === 200) break;
    if (performance.now() - t0 > 30_000) throw new Error(`${CRD} not served after 30 s`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const served = performance.now() - t0;

  const kinds = {
    ConfigMap: {
      path: "/api/v1/namespaces/default/configmaps",
      body: (name, i) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, labels: { bench: "yes", shard: String(i % 10) } }, data: { key: "x".repeat(200) } }),
      patch: (i) => ({ data: { key: `v${i}` } }),
    },
    Widget: {
      path: "/apis/example.kubedo.test/v1/namespaces/default/widgets",
      body: (name, i) => ({ apiVersion: "example.kubedo.test/v1", kind: "Widget", metadata: { name, labels: { bench: "yes", shard: String(i % 10) } }, spec: { replicas: i % 5, color: "x".repeat(180), extra: { note: "y" } } }),
      patch: (i) => ({ spec: { replicas: i % 7 } }),
    },
  };
  const figures = Object.fromEntries(Object.keys(kinds).map((k) => [k, { rates: [], seq: [], patches: [] }]));
  for (let r = 0; r < RUNS; r++) {
    for (const [kind, k] of Object.entries(kinds)) {
      const f = figures[kind];
      for (let i = 0; i < SEQ; i++) f.seq.push(await timed(() => req("POST", k.path, k.body(`s-${r}-${i}`, i))));
      const t = performance.now();
      await pool(N, WIDTH, (i) => req("POST", k.path, k.body(`p-${r}-${i}`, i)));
      f.rates.push(N / ((performance.now() - t) / 1000));
      for (let i = 0; i < SEQ; i++) f.patches.push(await timed(() => req("PATCH", `${k.path}/s-${r}-${i}`, k.patch(i), { contentType: "application/merge-patch+json" })));
    }
  }

  const cm = figures.ConfigMap;
  const wd = figures.Widget;
  report(`custom resources beside built-ins (${N} creates per round, ${WIDTH} in flight; median of ${RUNS})`, [
    ["CRD created → Established and served", ms(served)],
    ["ConfigMap creates, 16 in flight", `${median(cm.rates).toFixed(0)} writes/s`],
    ["Widget (custom resource) creates, 16 in flight", `${median(wd.rates).toFixed(0)} writes/s (${((median(wd.rates) / median(cm.rates)) * 100).toFixed(0)}% of ConfigMap)`],
    ["ConfigMap create, sequential p50", ms(percentile(cm.seq, 50))],
    ["Widget create, sequential p50", ms(percentile(wd.seq, 50))],
    ["ConfigMap merge patch p50", ms(percentile(cm.patches, 50))],
    ["Widget merge patch p50 (CEL rule checked)", ms(percentile(wd.patches, 50))],
    await loadRow(),
  ]);
  await http.request("DELETE", `/v1/clusters/bench-cr`, { token: tenantToken });
}
