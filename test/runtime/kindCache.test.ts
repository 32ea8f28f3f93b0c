// Admission reads quotas, limit ranges, classes, namespaces, policies and webhook
// configurations from memory (api/kindCache.ts): a write to one of them is seen by the next
// write at once, and one that rolled back (a dry run, a refused write) is never seen.
import { describe, expect, it } from "vitest";
import { clusterStubOf, kube, newCluster, settle } from "./helpers";
import { parseClusterConfig } from "../../worker/service/clusterConfig";

const pod = (name: string) => ({ metadata: { name }, spec: { containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] } });
const quota = { metadata: { name: "none" }, spec: { hard: { pods: "0" } } };

describe("what admission reads from memory", () => {
  it("sees a quota as soon as it is written and gone as soon as it is deleted, never a dry run's", async () => {
    const { stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "dev" } });
    await settle(stub);
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("first"))).status).toBe(201);
    // A dry run's quota was written and rolled back: it is not in the cache.
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/resourcequotas?dryRun=All", quota)).status).toBe(201);
    expect((await kube(stub, "GET", "/api/v1/namespaces/dev/resourcequotas/none")).status).toBe(404);
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("second"))).status).toBe(201);
    // A quota limits once its controller has written status.hard (as kube's admission does).
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/resourcequotas", quota)).status).toBe(201);
    await settle(stub);
    const written = await kube(stub, "GET", "/api/v1/namespaces/dev/resourcequotas/none");
    expect(written.json.status.hard).toEqual({ pods: "0" });
    const refused = await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("third"));
    expect(refused.status).toBe(403);
    expect(refused.json.message).toContain("exceeded quota: none");
    // Dry runs that would lift the quota leave the cached one in force.
    const lifted = { ...written.json, status: { ...written.json.status, hard: { pods: "10" } } };
    expect((await kube(stub, "PUT", "/api/v1/namespaces/dev/resourcequotas/none/status?dryRun=All", lifted)).status).toBe(200);
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("third"))).status).toBe(403);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/dev/resourcequotas/none?dryRun=All")).status).toBe(200);
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("third"))).status).toBe(403);
    // A real delete is seen by the very next write.
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/dev/resourcequotas/none")).status).toBe(200);
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("third"))).status).toBe(201);
  });

  it("forgets a LimitRange whose transaction rolled back after admission had read it", async () => {
    // One preload transaction: the LimitRange is written, the pod's admission reads it and refuses, and everything rolls back.
    const id = `c-${crypto.randomUUID().slice(0, 12)}`;
    const stub = clusterStubOf(id);
    const big = { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox", resources: { limits: { cpu: "200m" } } }] } };
    const yaml = `apiVersion: v1\nkind: LimitRange\nmetadata: {name: small}\nspec: {limits: [{type: Container, max: {cpu: 100m}}]}\n---\n${JSON.stringify({ apiVersion: "v1", kind: "Pod", ...big })}\n`;
    const out = await stub.init({ id, config: parseClusterConfig(JSON.stringify({ name: "rollback" }), null), simulation: { profile: "instant" }, objects: yaml });
    expect(out.ok).toBe(false);
    expect((out as { message: string }).message).toContain("maximum cpu usage per Container is 100m");
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/limitranges")).json.items).toEqual([]);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", big)).status).toBe(201);
  });

  it("refuses content in a namespace from the moment it is being deleted", async () => {
    const { stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "gone" } });
    await settle(stub);
    // A finalizer holds the namespace in Terminating.
    expect((await kube(stub, "POST", "/api/v1/namespaces/gone/configmaps", { metadata: { name: "a", finalizers: ["example.com/hold"] } })).status).toBe(201);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/gone")).status).toBe(200);
    await settle(stub);
    const r = await kube(stub, "POST", "/api/v1/namespaces/gone/configmaps", { metadata: { name: "b" } });
    expect(r.status).toBe(403);
    expect(r.json.message).toContain("because it is being terminated");
  });
});
