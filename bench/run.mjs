#!/usr/bin/env node
// `npm run bench`: starts the local service as `npm start` does, in a scratch state folder, runs
// every benchmark and prints its figures. `npm run bench -- api` runs only the named ones.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { freePort, startService, stopService } from "../scripts/service.mjs";
import { benchHome, client, HEAP_CAP_MB, inspector, outOfMemory, serviceEnv } from "./lib.mjs";
import api from "./api.mjs";
import scheduling from "./scheduling.mjs";
import deployment from "./deployment.mjs";
import endpoints from "./endpoints.mjs";
import traffic from "./traffic.mjs";
import exec from "./exec.mjs";
import sandboxes from "./sandboxes.mjs";
import rbac from "./rbac.mjs";
import customresources from "./customresources.mjs";
import scale from "./scale.mjs";
import wake from "./wake.mjs";
import capacity from "./capacity.mjs";

const suites = { api, scheduling, deployment, traffic, endpoints, exec, sandboxes, rbac, customresources, scale, wake, capacity };
const chosen = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(suites);
for (const name of chosen) if (!suites[name]) throw new Error(`no benchmark named ${name}; have ${Object.keys(suites).join(", ")}`);

const home = benchHome("kubedo-bench-");
const port = await freePort();
const adminToken = "bench-admin-" + Math.random().toString(36).slice(2);
// The inspector is on (127.0.0.1 only, for the run's length) so that the heap figures can be read;
// out of wrangler's dev registry, so that other local sessions coming and going do not reload it.
const { child, ready } = await startService(home, port, serviceEnv({ ADMIN_TOKEN: adminToken }));
let failed = false;
try {
  const http = client(ready);
  const tenant = JSON.parse(readFileSync(join(home, "tenant.json"), "utf8"));
  console.log(`kubedo benchmarks on ${ready.url} (workerd via wrangler dev, node ${process.version}; state in ${home}; ${HEAP_CAP_MB ? `isolate heap capped at ${HEAP_CAP_MB} MiB` : "isolate heap uncapped"})`);
  const insp = await inspector(port + 1000);
  for (const name of chosen) await suites[name](http, tenant.token, { adminToken, ready, insp });
  insp.close();
} catch (e) {
  failed = true;
  console.error(e);
  const oom = outOfMemory(home);
  if (oom) console.error(oom);
} finally {
  await stopService(child);
  if (!process.env.KUBEDO_BENCH_KEEP) rmSync(home, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
