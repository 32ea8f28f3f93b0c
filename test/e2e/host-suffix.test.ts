// KUBE_HOST_SUFFIX: each cluster at a host of its own, https://<cluster-id>.<suffix>, named by
// kubeconfigs and covered by the certificate. A service of its own, started as `npm start` does.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { freePort, startService, stopService } from "./server";

const home = mkdtempSync(path.join(tmpdir(), "kubedo-hosts-"));
let stop: () => Promise<void> = async () => {};
let port: number;
let clusterId: string;
let token: string;
let suffix: string;

beforeAll(async () => {
  port = await freePort();
  suffix = `k8s.localhost:${port}`;
  const started = await startService(home, port, { KUBE_HOST_SUFFIX: suffix, ADMIN_TOKEN: "hosts-admin-" + process.pid });
  stop = () => stopService(started.child);
  clusterId = started.ready.cluster;
  const kc = parse(readFileSync(started.ready.kubeconfig, "utf8"));
  token = kc.users[0].user.token;
}, 120_000);

afterAll(async () => {
  await stop();
  rmSync(home, { recursive: true, force: true });
});

/** curl to a host name served on 127.0.0.1, verifying the certificate with the local CA. */
function curl(host: string, urlPath: string, bearer?: string): Promise<{ status: number; body: string }> {
  const args = ["-sS", "--cacert", path.join(home, "tls", "ca.crt"), "--resolve", `${host}:${port}:127.0.0.1`, "-w", "\n%{http_code}"];
  if (bearer) args.push("-H", `Authorization: Bearer ${bearer}`);
  return new Promise((resolve, reject) => {
    execFile("curl", [...args, `https://${host}:${port}${urlPath}`], (err, stdout, stderr) => {
      if (err) return reject(new Error(`curl failed: ${stderr}`));
      const cut = stdout.lastIndexOf("\n");
      resolve({ status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) });
    });
  });
}

describe("a host per cluster (KUBE_HOST_SUFFIX)", () => {
  it("names the cluster's own host in the kubeconfig, and serves the cluster's API there", async () => {
    const kc = parse(readFileSync(path.join(home, "kubeconfig"), "utf8"));
    expect(kc.clusters[0].cluster.server).toBe(`https://${clusterId}.${suffix}`);
    const host = `${clusterId}.k8s.localhost`;
    const nodes = await curl(host, "/api/v1/nodes", token);
    expect(nodes.status).toBe(200);
    expect(JSON.parse(nodes.body).items.map((n: { metadata: { name: string } }) => n.metadata.name)).toContain("dev-control-plane");
    expect((await curl(host, "/livez", token)).body).toBe("ok");
    // every path on the cluster's host is its kube API: /healthz is the cluster's, and an unknown path a Status
    expect((await curl(host, "/healthz?verbose", token)).body).toContain("healthz check passed");
    const other = await curl(host, "/v1/clusters", token);
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
    // a token for every cluster of the tenant may use the cluster there too
    const tenant = JSON.parse(readFileSync(path.join(home, "tenant.json"), "utf8")).token;
    expect((await curl(host, "/api/v1/namespaces/default", tenant)).status).toBe(200);
  });

  it("answers a host naming no cluster of the caller's with NotFound", async () => {
    const r = await curl("00000000-0000-4000-8000-000000000000.k8s.localhost", "/api/v1/nodes", token);
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ kind: "Status", reason: "NotFound", code: 404 });
  });

  it("keeps the service's host for the management API and /healthz", async () => {
    const tenant = JSON.parse(readFileSync(path.join(home, "tenant.json"), "utf8")).token;
    const list = await curl("localhost", "/v1/clusters", tenant);
    expect(list.status).toBe(200);
    expect(JSON.parse(list.body).clusters[0].server).toBe(`https://${clusterId}.${suffix}`);
    expect((await curl("localhost", "/healthz")).body).toBe("ok");
  });
});
