#!/usr/bin/env node
// The local service's runtime host, started by scripts/start.mjs: workerd through wrangler's
// startWorker API rather than the `wrangler dev` command, because only the API can leave out
// what a shared machine must not have open: the V8 inspector (unauthenticated code execution)
// and the dev registry entry (which lists workerd's debug port, so any local process could call
// the cluster objects directly). KUBEDO_INSPECT=1 turns both back on.
// Secrets never pass through a command line (visible in `ps`): they come from a vars file that
// start.mjs writes with mode 0600, named by KUBEDO_DEV_VARS.
import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { unstable_startWorker } from "wrangler";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const env = process.env;
const inspect = env.KUBEDO_INSPECT === "1";
const inspectorPort = Number(env.KUBEDO_INSPECTOR_PORT ?? Number(env.PORT) + 1000);

/** Where `wrangler dev` keeps its registry (its global config folder, as wrangler finds it). */
function registryPath() {
  if (env.WRANGLER_REGISTRY_PATH) return env.WRANGLER_REGISTRY_PATH;
  const legacy = join(homedir(), ".wrangler");
  return join(existsSync(legacy) ? legacy : join(env.XDG_CONFIG_HOME ?? join(homedir(), ".config"), ".wrangler"), "registry");
}

/** KEY=value lines (the .dev.vars format, values without quotes or newlines). */
function readVars(file) {
  const vars = {};
  for (const line of readFileSync(file, "utf8").split("\n")) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
    if (m) vars[m[1]] = { type: "secret_text", value: m[2] };
  }
  return vars;
}

const worker = await unstable_startWorker({
  config: join(root, "wrangler.toml"),
  bindings: readVars(env.KUBEDO_DEV_VARS),
  dev: {
    remote: false,
    watch: false,
    persist: env.KUBEDO_PERSIST,
    server: { hostname: "127.0.0.1", port: Number(env.PORT), secure: true, httpsKeyPath: env.KUBEDO_TLS_KEY, httpsCertPath: env.KUBEDO_TLS_CERT },
    inspector: inspect ? { hostname: "127.0.0.1", port: inspectorPort } : false,
    // KUBEDO_DEV_REGISTRY=0 keeps it out (the benchmarks): another local session registering would reload this one.
    registry: inspect && env.KUBEDO_DEV_REGISTRY !== "0" ? registryPath() : undefined,
    logLevel: "log",
  },
});
await worker.ready;
console.log(`workerd is serving ${(await worker.url).href}${inspect ? ` (inspector on 127.0.0.1:${inspectorPort})` : ""}`);

for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, () => {
    void worker.dispose().finally(() => process.exit(0));
  });
}
