// Issue 12's figures: sandboxes made per second in a burst of 30 (POST /v1/sandboxes, all at
// once), and the seconds one call takes to make a class of 100 seats (POST /v1/classes). Each is
// the median of 3 runs, printed with the load average; everything made is deleted between runs.
import { loadRow, median, must, pool, report, RUNS } from "./lib.mjs";

const BURST = Number(process.env.SANDBOX_BURST ?? 30);
// Locally every cluster object shares one workerd isolate and its 128 MB heap; a run right after
// another can meet the garbage of the last one's hundred clusters (an isolate reset shows as
// "worker restarted mid-request"). A pause between runs lets it be collected.
const PAUSE_MS = Number(process.env.SANDBOX_PAUSE_MS ?? 20_000);
const pause = () => new Promise((r) => setTimeout(r, PAUSE_MS));
const SEATS = Number(process.env.CLASS_SEATS ?? 100);

export default async function sandboxesBench(http, tenantToken) {
  const rates = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const made = await Promise.all(Array.from({ length: BURST }, () => must(http.request("POST", "/v1/sandboxes", { token: tenantToken, body: { template: "kind" } }))));
    rates.push(BURST / ((performance.now() - t0) / 1000));
    await pool(made.length, 10, (i) => must(http.request("DELETE", `/v1/sandboxes/${made[i].json.id}`, { token: tenantToken })));
    await pause();
  }
  const classSecs = [];
  for (let run = 0; run < RUNS; run++) {
    const t0 = performance.now();
    const made = await must(http.request("POST", "/v1/classes", { token: tenantToken, body: { name: `bench-class-${run}`, template: "kind", seats: SEATS } }));
    classSecs.push((performance.now() - t0) / 1000);
    await must(http.request("DELETE", `/v1/classes/${made.json.id}`, { token: tenantToken }));
    await pause();
  }
  report(`sandboxes (template "kind": 1 control plane + 2 workers; median of ${RUNS} runs)`, [
    [`burst of ${BURST} (POST /v1/sandboxes, all at once)`, `${median(rates).toFixed(1)} sandboxes/s`],
    [`class of ${SEATS} seats (one POST /v1/classes)`, `${median(classSecs).toFixed(2)} s`],
    await loadRow(),
  ]);
}
