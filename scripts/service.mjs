// Starting and stopping the local service the way `npm start` does, for the end-to-end tests and
// the benchmarks: a given state folder, a free port, and the printed KUBECONFIG line as "ready".
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import net from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function canListen(port) {
  return new Promise((done) => {
    const srv = net.createServer();
    srv.once("error", () => done(false));
    srv.listen(port, "127.0.0.1", () => srv.close(() => done(true)));
  });
}

/** A port that is free, with the inspector port beside it (port + 1000) free too. */
export async function freePort() {
  for (;;) {
    const port = 20000 + Math.floor(Math.random() * 20000);
    if ((await canListen(port)) && (await canListen(port + 1000))) return port;
  }
}

/** Runs scripts/start.mjs in `home` on `port`; resolves once it printed the KUBECONFIG line. */
export async function startService(home, port, env = {}) {
  let out = "";
  const child = spawn(process.execPath, [join(root, "scripts/start.mjs")], {
    cwd: root,
    env: { ...process.env, ...env, PORT: String(port), KUBEDO_HOME: home },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  await new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`service did not start in 120 s:\n${out}`)), 120_000);
    const check = setInterval(() => {
      if (/export KUBECONFIG=/.test(out)) {
        clearInterval(check);
        clearTimeout(timer);
        resolveStart();
      }
    }, 100);
    child.once("exit", (code) => {
      clearInterval(check);
      clearTimeout(timer);
      const log = join(home, "wrangler.log");
      reject(new Error(`service exited with ${code}:\n${out}\n${existsSync(log) ? readFileSync(log, "utf8").slice(-3000) : ""}`));
    });
  });
  const ready = JSON.parse(readFileSync(join(home, "ready.json"), "utf8"));
  return { child, output: () => out, ready };
}

/** Stops the service and everything it started (its process group). */
export function stopService(child) {
  return new Promise((done) => {
    if (child.exitCode !== null) return done();
    child.removeAllListeners("exit");
    child.once("exit", () => done());
    const kill = (sig) => {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // already gone
      }
    };
    kill("SIGTERM");
    setTimeout(() => {
      kill("SIGKILL");
      done();
    }, 5000);
  });
}
