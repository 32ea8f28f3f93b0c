// /healthz, /livez and /readyz as kube-apiserver answers them: "ok", or with ?verbose one line
// per check ("[+]ping ok") and "<endpoint> check passed"; ?exclude=<check> skips one; a failing
// check turns the answer into 500 with its reason withheld; /livez/<check> asks one check.
import { errors } from "../../machinery/errors";
import { POST_START } from "../postStart";
import type { KubeResponse } from "./types";

export type HealthEndpoint = "healthz" | "livez" | "readyz";

/** A check: null when healthy, or why not (kept out of the answer, as kube-apiserver does). */
export interface HealthCheck {
  name: string;
  check(): string | null;
}

const TEXT: [string, string][] = [
  ["Content-Type", "text/plain; charset=utf-8"],
  ["X-Content-Type-Options", "nosniff"],
];

export function healthAnswer(endpoint: HealthEndpoint, checks: HealthCheck[], single: string | undefined, query: URLSearchParams): KubeResponse {
  if (single !== undefined) {
    const c = checks.find((x) => x.name === single);
    if (!c) throw errors.notFoundPath();
    const problem = c.check();
    return problem === null ? { status: 200, headers: TEXT, body: "ok" } : { status: 500, headers: TEXT, body: `internal server error: ${problem}\n` };
  }
  const excluded = new Set(query.getAll("exclude"));
  const unknown = new Set(excluded);
  const lines: string[] = [];
  let failed = false;
  for (const c of checks) {
    if (excluded.has(c.name)) {
      unknown.delete(c.name);
      lines.push(`[+]${c.name} excluded: ok`);
    } else if (c.check() === null) lines.push(`[+]${c.name} ok`);
    else {
      failed = true;
      lines.push(`[-]${c.name} failed: reason withheld`);
    }
  }
  if (unknown.size) lines.push(`warn: some health checks cannot be excluded: no matches for ${[...unknown].sort().map((n) => `"${n}"`).join(",")}`);
  if (failed) return { status: 500, headers: TEXT, body: `${lines.join("\n")}\n${endpoint} check failed\n` };
  if (!query.has("verbose")) return { status: 200, headers: TEXT, body: "ok" };
  return { status: 200, headers: TEXT, body: `${lines.join("\n")}\n${endpoint} check passed\n` };
}

/** Hooks that have run once the object has started (it starts them before answering anything). */
const POST_START_HOOKS = ["start-apiserver-admission-initializer", "generic-apiserver-start-informers", "storage-object-count-tracker-hook", "start-system-namespaces-controller", "bootstrap-controller", ...POST_START.map((h) => h.name)];

/** The checks of each endpoint, over the object's own store and configuration. */
export function healthChecks(endpoint: HealthEndpoint, probe: { storage(): string | null; initialized(): string | null }): HealthCheck[] {
  const ok = (name: string): HealthCheck => ({ name, check: () => null });
  const checks: HealthCheck[] = [ok("ping"), ok("log"), { name: "etcd", check: probe.storage }];
  if (endpoint === "readyz") checks.push({ name: "etcd-readiness", check: probe.storage }, { name: "informer-sync", check: probe.initialized });
  for (const hook of POST_START_HOOKS) checks.push(ok(`poststarthook/${hook}`));
  if (endpoint === "readyz") checks.push(ok("shutdown"));
  return checks;
}
