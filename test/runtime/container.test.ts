// A container's own process over cluster time (the timeline), its files as exec sees them, and
// the kubelet following it: the Kubernetes docs' counter, a sidecar reading its app's log from a
// shared emptyDir, and an interactive shell fed through attach.
import { describe, expect, it } from "vitest";
import { kube, kubeRequest, newSettledCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newSettledCluster>>["stub"];

async function advanceClock(stub: Stub, seconds: number) {
  await (stub as unknown as { moveClock(r: { advanceSeconds: number }): Promise<unknown> }).moveClock({ advanceSeconds: seconds });
  await settle(stub);
}

async function pod(stub: Stub, spec: Record<string, unknown>, name = "p") {
  const r = await kube(stub, "POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name }, spec });
  expect(r.status).toBe(201);
}

async function logs(stub: Stub, name: string, container?: string): Promise<string> {
  const [path, query = ""] = `/api/v1/namespaces/default/pods/${name}/log${container ? `?container=${container}` : ""}`.split("?");
  const res = await stub.kube({ ...kubeRequest("GET", path), query });
  return res.stream ? await new Response(res.stream).text() : String(res.body);
}

describe("a container's process over cluster time", () => {
  it("runs the docs' counter: arithmetic and date in a loop, one line a second", async () => {
    const { stub } = await newSettledCluster();
    await pod(stub, { containers: [{ name: "count", image: "busybox:1.36", args: ["/bin/sh", "-c", 'i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 1; done'] }] });
    await advanceClock(stub, 10);
    const p = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).json;
    expect(p.status.containerStatuses[0].state.running).toBeTruthy();
    const lines = (await logs(stub, "p")).trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines[0]).toMatch(/^0: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}$/);
    expect(lines[5]).toMatch(/^5: /);
  }, 30_000);
});
