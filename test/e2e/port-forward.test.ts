// kubectl port-forward (1.33: SPDY/3.1 tunnelled in WebSocket) to a pod, a Service and a
// Deployment, answered by curl from the pod's image; the kubelet's error for a port nothing
// listens on; kubectl 1.30's SPDY attempt refused with the version that works; and
// @kubernetes/client-node's PortForward (v4.channel.k8s.io).
import * as k8s from "@kubernetes/client-node";
import { execFile } from "node:child_process";
import net from "node:net";
import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, kubectl, kubectlAt, newCluster, ok, type TestCluster } from "./helpers";
import { freePort } from "./server";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("pf");
  await ok(c, ["create", "deployment", "web", "--image=nginx:1.27", "--port=80"]);
  await ok(c, ["expose", "deployment", "web", "--port=8080", "--target-port=80"]);
  await eventually(async () => (await kubectl(c, ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].status.phase}"])).stdout === "Running");
});

function curl(port: number, path = "/"): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile("curl", ["-s", "-i", "-m", "10", `http://127.0.0.1:${port}${path}`], (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: String(stdout) }));
  });
}

/** kubectl port-forward in the background until `stop()`; waits for its "Forwarding from" line. */
async function forward(target: string, remote: number, forwarded = remote) {
  const local = await freePort();
  const child = spawn("kubectl", ["port-forward", target, `${local}:${remote}`], { env: { ...process.env, KUBECONFIG: c.kubeconfig } });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const exited = new Promise<number>((r) => child.on("exit", (code) => r(code ?? -1)));
  const deadline = Date.now() + 15_000;
  while (!out.includes(`Forwarding from 127.0.0.1:${local} -> ${forwarded}\n`)) {
    if (Date.now() > deadline) throw new Error(`port-forward did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { local, output: () => out, exited, stop: () => child.kill("SIGTERM") };
}

describe("kubectl port-forward (1.33)", () => {
  it("pod/…: curl gets nginx's page, twice over one forward", async () => {
    const pod = (await ok(c, ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    const f = await forward(`pod/${pod}`, 80);
    try {
      for (let i = 0; i < 2; i++) {
        const r = await curl(f.local);
        expect(r.code).toBe(0);
        expect(r.out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
        expect(r.out).toMatch(/\r\nServer: nginx\/1\.27\.\d+\r\n/);
        expect(r.out).toContain("<title>Welcome to nginx!</title>");
      }
      expect((await curl(f.local, "/missing")).out).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
      expect(f.output()).toContain(`Handling connection for ${f.local}`);
    } finally {
      f.stop();
    }
  });

  it("svc/… and deploy/…: kubectl picks a pod and the Service's targetPort", async () => {
    for (const [target, port] of [
      ["svc/web", 8080],
      ["deploy/web", 80],
    ] as const) {
      // kubectl names the pod's port it resolved (the Service's targetPort).
      const f = await forward(target, port, 80);
      try {
        const r = await curl(f.local);
        expect(r.out, target).toContain("Welcome to nginx!");
      } finally {
        f.stop();
      }
    }
  });

  it("a port nothing listens on: the kubelet's error, and kubectl loses the connection as on kind", async () => {
    const pod = (await ok(c, ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    const f = await forward(`pod/${pod}`, 81);
    const r = await curl(f.local);
    expect(r.code).not.toBe(0);
    expect(await f.exited).toBe(1);
    expect(f.output()).toMatch(
      /an error occurred forwarding \d+ -> 81: error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace \\"\/var\/run\/netns\/cni-[0-9a-f-]{36}\\": failed to connect to localhost:81 inside namespace \\"[0-9a-f]{64}\\", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused IPv6 dial tcp6 \[::1\]:81: connect: connection refused /,
    );
    expect(f.output()).toContain("error: lost connection to pod");
  });
});

describe("older kubectl", () => {
  it("1.30 tries SPDY and is told which kubectl (or switch) works", async () => {
    const pod = (await ok(c, ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    const local = await freePort();
    const r = await kubectl(c, ["port-forward", `pod/${pod}`, `${local}:80`], { bin: kubectlAt(30) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("error: error upgrading connection: this cluster speaks port-forward over WebSocket only");
    expect(r.stderr).toContain("use kubectl 1.31 or later (or kubectl 1.30 with KUBECTL_PORT_FORWARD_WEBSOCKETS=true)");
  });

  it("1.30 with KUBECTL_PORT_FORWARD_WEBSOCKETS=true forwards", async () => {
    const pod = (await ok(c, ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    const local = await freePort();
    const child = spawn(kubectlAt(30), ["port-forward", `pod/${pod}`, `${local}:80`], { env: { ...process.env, KUBECONFIG: c.kubeconfig, KUBECTL_PORT_FORWARD_WEBSOCKETS: "true" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    try {
      await eventually(async () => out.includes("Forwarding from 127.0.0.1"), 15_000);
      expect((await curl(local)).out).toContain("Welcome to nginx!");
    } finally {
      child.kill("SIGTERM");
    }
  });
});

describe("@kubernetes/client-node PortForward", () => {
  it("forwards a local socket over v4.channel.k8s.io", async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const pod = (await ok(c, ["get", "pods", "-l", "app=web", "-o", "jsonpath={.items[0].metadata.name}"])).trim();
    const pf = new k8s.PortForward(kc);
    const sockets: WebSocket[] = [];
    const server = net.createServer((socket) => {
      void pf.portForward("default", pod, [80], socket, null, socket).then((ws) => sockets.push(ws as unknown as WebSocket));
    });
    const local = await freePort();
    await new Promise<void>((r) => server.listen(local, "127.0.0.1", r));
    try {
      const r = await curl(local);
      expect(r.out).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(r.out).toContain("Welcome to nginx!");
    } finally {
      for (const ws of sockets) ws.close();
      server.close();
    }
  });
});
