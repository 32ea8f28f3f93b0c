// `npm start` from nothing: certificates, a generated admin token kept for the next start, the
// dev cluster, a kubeconfig that verifies TLS with its own CA, and /healthz.
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { kubectl } from "./helpers";
import { freePort, startService, stopService } from "./server";

const home = mkdtempSync(path.join(tmpdir(), "kubedo-start-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

describe("npm start", () => {
  it("starts without ADMIN_TOKEN, keeps the token it made, and is ready for kubectl; a restart reuses everything", async () => {
    const port = await freePort();
    const env = { ADMIN_TOKEN: undefined, KUBEDO_QUIET: "0" };
    const first = await startService(home, port, env);
    let adminToken: string;
    let clusterId: string;
    try {
      const out = first.output();
      const kubeconfigPath = path.join(home, "kubeconfig");
      expect(out).toContain(`export KUBECONFIG=${kubeconfigPath}`);
      adminToken = readFileSync(path.join(home, "admin-token"), "utf8").trim();
      expect(out).toContain(adminToken);
      expect(existsSync(path.join(home, "tls"))).toBe(true);

      const kc = parse(readFileSync(kubeconfigPath, "utf8"));
      expect(kc["current-context"]).toBe("kubedo-dev");
      const cl = kc.clusters[0];
      expect(cl.name).toBe("dev");
      // The service's root: the kubeconfig's cluster-scoped token picks the cluster.
      expect(cl.cluster.server).toBe(`https://127.0.0.1:${port}`);
      expect(cl.cluster["certificate-authority-data"]).toBeTruthy();
      expect(cl.cluster["insecure-skip-tls-verify"]).toBeUndefined();
      clusterId = first.ready.cluster;

      const health = await healthStatus(`https://127.0.0.1:${port}/healthz`, path.join(home, "tls"));
      expect(health).toBe(200);

      const nodes = await kubectl(kubeconfigPath, ["get", "nodes", "--no-headers"]);
      expect(nodes.code).toBe(0);
      expect(nodes.stdout).toMatch(/^dev-control-plane\s+Ready\s+control-plane/m);
      expect(nodes.stdout).toMatch(/^dev-worker2\s+Ready\s+<none>/m);
      const made = await kubectl(kubeconfigPath, ["create", "namespace", "kept"]);
      expect(made.code).toBe(0);
    } finally {
      await stopService(first.child);
    }

    const second = await startService(home, port, env);
    try {
      expect(readFileSync(path.join(home, "admin-token"), "utf8").trim()).toBe(adminToken);
      const kubeconfigPath = path.join(home, "kubeconfig");
      const kc = parse(readFileSync(kubeconfigPath, "utf8"));
      expect(kc.clusters[0].cluster.server).toBe(`https://127.0.0.1:${port}`);
      expect(second.ready.cluster).toBe(clusterId);
      // the cluster and what was written into it survive a restart
      const ns = await kubectl(kubeconfigPath, ["get", "namespace", "kept", "-o", "name"]);
      expect(ns.stdout.trim()).toBe("namespace/kept");
    } finally {
      await stopService(second.child);
    }
  }, 300_000);
});

async function healthStatus(url: string, tlsDir: string): Promise<number> {
  const https = await import("node:https");
  const ca = readFileSync(path.join(tlsDir, "ca.crt"));
  return new Promise((resolve, reject) => {
    https.get(url, { ca }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    }).on("error", reject);
  });
}
