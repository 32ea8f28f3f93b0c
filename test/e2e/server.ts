// Starts the service exactly as `npm start` does (scripts/start.mjs), in a fresh state folder
// on a free port, and stops it after the run.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";

const root = path.resolve(import.meta.dirname, "../..");

export async function freePort(): Promise<number> {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const ok = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    const inspectorOk = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(false));
      srv.listen(port + 1000, "127.0.0.1", () => srv.close(() => resolve(true)));
    });
    if (ok && inspectorOk) return port;
  }
}

/** Runs scripts/start.mjs and resolves once it printed the KUBECONFIG line. */
export async function startService(home: string, port: number, env: Record<string, string | undefined> = {}): Promise<{ child: ChildProcess; output: () => string }> {
  let out = "";
  const child = spawn(process.execPath, [path.join(root, "scripts/start.mjs")], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), KUBEDO_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in 120 s:\n${out}`)), 120_000);
    const check = setInterval(() => {
      if (/export KUBECONFIG=/.test(out)) {
        clearInterval(check);
        clearTimeout(timer);
        resolve();
      }
    }, 100);
    child.once("exit", (code) => {
      clearInterval(check);
      clearTimeout(timer);
      reject(new Error(`service exited with ${code}:\n${out}\n${existsSync(path.join(home, "wrangler.log")) ? readFileSync(path.join(home, "wrangler.log"), "utf8").slice(-3000) : ""}`));
    });
  });
  return { child, output: () => out };
}

export function stopService(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      resolve();
    }
    setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // already gone
      }
      resolve();
    }, 5000);
  });
}

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
  const { child } = await startService(home, port, { ADMIN_TOKEN: adminToken, KUBEDO_QUIET: "0" });
  running = child;
  const ready = JSON.parse(readFileSync(path.join(home, "ready.json"), "utf8"));
  const tenant = JSON.parse(readFileSync(path.join(home, "tenant.json"), "utf8"));
  project.provide("service", { url: ready.url, home, ca: ready.ca, adminToken, tenantToken: tenant.token, devKubeconfig: ready.kubeconfig });
}

export async function teardown() {
  if (running) await stopService(running);
  if (home) rmSync(home, { recursive: true, force: true });
}
