// The namespace catalog in D1, kept in step by each cluster object through its outbox.
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Store } from "../../worker/cluster/store/store";
import { applyCatalog, db, namespacesOf } from "../../worker/db/queries";
import { clusterStubOf, env, kube, kubeRequest, newCluster, newSettledCluster, settle } from "./helpers";

async function catalog(clusterId: string) {
  return (await namespacesOf(db(env.DB), clusterId)).map((n) => `${n.name}:${n.phase}`);
}

function outboxSize(o: ClusterObject): number {
  return Number((o as unknown as { store: Store }).store.sqlStorage.exec("SELECT count(*) AS n FROM outbox").one().n);
}

describe("namespace catalog", () => {
  it("copies namespaces to D1 through the outbox, and clears the outbox", async () => {
    const { id, stub } = await newSettledCluster();
    expect(await catalog(id)).toEqual(["default:Active", "kube-node-lease:Active", "kube-public:Active", "kube-system:Active", "local-path-storage:Active"]);
    // Inside the object, with no alarm able to run in between: the namespace and its outbox entry
    // are written together, before D1 hears of it.
    const pending = await runInDurableObject(stub, async (o: ClusterObject) => {
      const res = await o.kube(kubeRequest("POST", "/api/v1/namespaces", { metadata: { name: "team" } }));
      return { status: res.status, outbox: outboxSize(o) };
    });
    expect(pending).toEqual({ status: 201, outbox: 1 });
    await settle(stub);
    expect(await runInDurableObject(stub, (o: ClusterObject) => outboxSize(o))).toBe(0);
    expect(await catalog(id)).toContain("team:Active");
    await kube(stub, "DELETE", "/api/v1/namespaces/team");
    await settle(stub);
    expect(await catalog(id)).not.toContain("team:Active");
    expect((await kube(stub, "GET", "/api/v1/namespaces/team")).status).toBe(404);
  });

  it("survives the object being evicted between the write and the flush", async () => {
    const { id, stub } = await newCluster();
    await runInDurableObject(stub, async (o: ClusterObject, state) => {
      await o.kube(kubeRequest("POST", "/api/v1/namespaces", { metadata: { name: "evicted" } }));
      // Evicted before its alarm: only the queues rebuilt from the store can finish the work.
      await state.storage.deleteAlarm();
    });
    await abortAllDurableObjects().catch(() => {}); // the object's memory (queues) is gone; its SQLite is not
    // The new instance rebuilds its queues from the store and flushes. A flush refused meanwhile
    // (the abort reaches the local D1's own object too) is retried on a later alarm: run them.
    for (let i = 0; i < 20 && !(await catalog(id)).includes("evicted:Active"); i++) {
      await settle(clusterStubOf(id));
      await runDurableObjectAlarm(clusterStubOf(id));
    }
    expect(await catalog(id)).toContain("evicted:Active");
  });

  it("applies entries idempotently and never moves a row back in resourceVersion", async () => {
    const clusterId = "c-idempotent";
    const d = db(env.DB);
    const created = { name: "x", uid: "u1", phase: "Active", resourceVersion: 5, deleted: false, createdAt: "2026-01-01T00:00:00Z" };
    const deleted = { ...created, phase: "Deleted", resourceVersion: 9, deleted: true };
    await applyCatalog(d, clusterId, [created, deleted]);
    await applyCatalog(d, clusterId, [created]); // a replayed old entry
    expect(await namespacesOf(d, clusterId)).toEqual([]);
    await applyCatalog(d, clusterId, [{ ...created, uid: "u2", resourceVersion: 12 }]); // re-created later
    expect((await namespacesOf(d, clusterId)).map((n) => n.uid)).toEqual(["u2"]);
  });
});
