// Starts the service exactly as `npm start` does (scripts/start.mjs), in a fresh state folder
// on a free port, and stops it after the run.
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, startService, stopService } from "../../scripts/service.mjs";

export { freePort, startService, stopService };

declare module "vitest" {
  export interface ProvidedContext {
    service: { url: string; home: string; ca: string; adminToken: string; tenantToken: string; devKubeconfig: string };
  }
}

let running: ChildProcess | undefined;
let home: string | undefined;

export async function setup(project: TestProject) {
  home = mkdtempSync(path.join(tmpdir(), "kubedo-e2e-"));
  const port = await freePort();
  const adminToken = "e2e-admin-" + Math.random().toString(36).slice(2);
  const { child, ready } = await startService(home, port, { ADMIN_TOKEN: adminToken, KUBEDO_QUIET: "0" });
  running = child;
  const tenant = JSON.parse(readFileSync(path.join(home, "tenant.json"), "utf8"));
  project.provide("service", { url: ready.url, home, ca: ready.ca, adminToken, tenantToken: tenant.token, devKubeconfig: ready.kubeconfig });
}

export async function teardown() {
  if (running) await stopService(running);
  if (home) {
    // The runtime's own account of a restart or a crash goes with the folder: print it first.
    const log = path.join(home, "wrangler.log");
    const text = existsSync(log) ? readFileSync(log, "utf8") : "";
    const trouble = text.split("\n").filter((l) => /Fatal|restarted mid-request|Uncaught|out of memory/.test(l));
    if (trouble.length) console.error(`the service's log had ${trouble.length} lines of trouble; the first:\n${trouble.slice(0, 20).join("\n")}`);
    rmSync(home, { recursive: true, force: true });
  }
}
