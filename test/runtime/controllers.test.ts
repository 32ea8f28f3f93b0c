// The control loop: work after changes, nothing when idle, and queues rebuilt after eviction.
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clusterStubOf, kube, kubeRequest, newCluster, newSettledCluster, settle } from "./helpers";
import { runInDurableObject } from "cloudflare:test";
import type { ClusterObject } from "../../worker/cluster/object";

describe("control loop", () => {
  it("gives every new namespace a default ServiceAccount and the root CA ConfigMap", async () => {
    const { stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "apps" } });
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/apps/serviceaccounts/default")).status).toBe(200);
    expect((await kube(stub, "GET", "/api/v1/namespaces/apps/configmaps/kube-root-ca.crt")).status).toBe(200);
    await kube(stub, "DELETE", "/api/v1/namespaces/apps/serviceaccounts/default");
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/apps/serviceaccounts/default")).status).toBe(200);
  });

  it("is idle after settling: no alarm", async () => {
    const { stub } = await newCluster();
    // kube-system's pods start (kubeadm's startup probes wait 10 s), then nothing is due.
    await stub.moveClock({ advanceSeconds: 30 });
    await settle(stub);
    expect((await stub.info()).alarm).toBeNull();
  });

  it("deletes a namespace's contents, then the namespace; writing into it meanwhile is Forbidden", async () => {
    const { stub } = await newSettledCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "gone" } });
    await settle(stub);
    await kube(stub, "POST", "/api/v1/namespaces/gone/configmaps", { metadata: { name: "c1" } });
    // A finalizer holds the namespace in Terminating, whenever the control loop runs.
    await kube(stub, "POST", "/api/v1/namespaces/gone/configmaps", { metadata: { name: "held", finalizers: ["example.com/hold"] } });
    const del = await kube(stub, "DELETE", "/api/v1/namespaces/gone");
    expect(del.json.status.phase).toBe("Terminating");
    const blocked = await kube(stub, "POST", "/api/v1/namespaces/gone/configmaps", { metadata: { name: "c2" } });
    expect(blocked.status).toBe(403);
    expect(blocked.json.message).toBe('configmaps "c2" is forbidden: unable to create new content in namespace gone because it is being terminated');
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/gone")).json.status.phase).toBe("Terminating");
    await kube(stub, "PATCH", "/api/v1/namespaces/gone/configmaps/held", [{ op: "remove", path: "/metadata/finalizers" }], { contentType: "application/json-patch+json" });
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/gone")).status).toBe(404);
    expect((await kube(stub, "GET", "/api/v1/namespaces/gone/configmaps/c1")).status).toBe(404);
  });

  it("rebuilds its work queues from the store after eviction", async () => {
    const { id, stub } = await newCluster();
    await runInDurableObject(stub, async (o: ClusterObject, state) => {
      await o.kube(kubeRequest("POST", "/api/v1/namespaces", { metadata: { name: "pending" } }));
      // Evicted before its alarm: only the queues rebuilt from the store can finish the work.
      await state.storage.deleteAlarm();
    });
    await abortAllDurableObjects().catch(() => {});
    const fresh = clusterStubOf(id);
    await settle(fresh);
    expect((await kube(fresh, "GET", "/api/v1/namespaces/pending/serviceaccounts/default")).status).toBe(200);
  });
});
