// The store's cache of recently written and read bodies (store/bodyCache.ts). Every entry must be
// what SQLite holds for its key, through the control loop's creates, updates and deletes, dry
// runs, a transaction that rolls back, compaction and a restart; and it must stay in its budget.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ApiServer } from "../../worker/cluster/api/apiserver";
import type { KObject } from "../../worker/cluster/resources/define";
import type { ClusterObject } from "../../worker/cluster/object";
import { configmaps as configMaps } from "../../worker/cluster/resources/configmap";
import { BodyCache } from "../../worker/cluster/store/bodyCache";
import { Store } from "../../worker/cluster/store/store";
import { cm, kube, newCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];
const inside = (o: ClusterObject) => o as unknown as { store: Store; api: ApiServer; ctx: DurableObjectState };

/** Entries of the cache that differ from SQLite, and how many entries there are. */
function audit(stub: Stub) {
  return runInDurableObject(stub, (o: ClusterObject) => {
    const { store } = inside(o);
    const wrong: string[] = [];
    let n = 0;
    for (const [key, body] of store.bodies.entries()) {
      n++;
      const [resource, namespace, name] = key.split("\u0000");
      const row = store.sqlStorage.exec<{ body: string }>("SELECT body FROM object_bodies WHERE resource = ? AND namespace = ? AND name = ?", resource, namespace, name).toArray()[0];
      if ((row?.body ?? null) !== body) wrong.push(`${resource} ${namespace}/${name}: cached ${body === null ? "absent" : "a body"}, stored ${row ? "a body" : "nothing"}`);
    }
    return { wrong, n };
  });
}

describe("the store's body cache", () => {
  it("says what SQLite says after a Deployment's pods are created, rolled, scaled down and deleted", async () => {
    const { stub } = await newCluster({ name: "bodycache", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    const dep = (image: string, replicas: number) => ({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image }] } } },
    });
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", dep("nginx:1.25", 4))).status).toBe(201);
    await settle(stub);
    const first = await audit(stub);
    expect(first.wrong).toEqual([]);
    // The loop's pods, Events and status writes went through it: it is not an empty check.
    expect(first.n).toBeGreaterThan(20);
    expect((await kube(stub, "PUT", "/apis/apps/v1/namespaces/default/deployments/web", dep("nginx:1.26", 2))).status).toBe(200);
    await settle(stub);
    expect((await audit(stub)).wrong).toEqual([]);
    expect((await kube(stub, "DELETE", "/apis/apps/v1/namespaces/default/deployments/web")).status).toBe(200);
    await settle(stub);
    expect((await audit(stub)).wrong).toEqual([]);
    const pods = await kube(stub, "GET", "/api/v1/namespaces/default/pods");
    expect(pods.json.items).toEqual([]);
  });

  it("leaves out what a pass over many objects reads, and still answers from what it holds", async () => {
    const { stub } = await newCluster({ name: "bodycachepass" });
    for (const n of ["read-once", "kept"]) expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", cm(n))).status).toBe(201);
    const seen = await runInDurableObject(stub, (o: ClusterObject) => {
      const { store } = inside(o);
      const key = (n: string) => BodyCache.key("configmaps", "default", n);
      store.bodies.delete(key("read-once"));
      const passed = store.get<KObject>("configmaps", "default", "read-once", false)?.metadata.name;
      const held = store.bodies.get(key("read-once"));
      // A pass still reads what the cache holds (the last write of "kept").
      const hitsBefore = store.bodies.hits;
      const kept = store.get<KObject>("configmaps", "default", "kept", false)?.metadata.name;
      return { passed, held, kept, hit: store.bodies.hits - hitsBefore, again: store.get<KObject>("configmaps", "default", "read-once")?.metadata.name, heldAfter: store.bodies.get(key("read-once")) !== undefined };
    });
    expect(seen).toEqual({ passed: "read-once", held: undefined, kept: "kept", hit: 1, again: "read-once", heldAfter: true });
    expect((await audit(stub)).wrong).toEqual([]);
  });

  it("keeps what is written, but an Event only once it is read", async () => {
    const { stub } = await newCluster({ name: "bodycacheevents" });
    const event = { apiVersion: "v1", kind: "Event", metadata: { name: "e1" }, involvedObject: { kind: "ConfigMap", namespace: "default", name: "c1" }, reason: "Tested", message: "m", type: "Normal" };
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", cm("c1"))).status).toBe(201);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/events", event)).status).toBe(201);
    const cached = () =>
      runInDurableObject(stub, (o: ClusterObject) => {
        const { store } = inside(o);
        const body = (resource: string, name: string) => [...store.bodies.entries()].find(([k]) => k === `${resource}\u0000default\u0000${name}`)?.[1] ?? null;
        return { configMap: body("configmaps", "c1") !== null, event: body("events", "e1") !== null };
      });
    expect(await cached()).toEqual({ configMap: true, event: false });
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/events/e1")).status).toBe(200);
    expect(await cached()).toEqual({ configMap: true, event: true });
    expect((await audit(stub)).wrong).toEqual([]);
  });

  it("forgets what a dry run and a rolled-back transaction wrote", async () => {
    const { stub } = await newCluster({ name: "bodycacheroll" });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", cm("kept", { v: "1" }))).status).toBe(201);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps?dryRun=All", cm("dry", { v: "1" }))).status).toBe(201);
    expect((await kube(stub, "PUT", "/api/v1/namespaces/default/configmaps/kept?dryRun=All", cm("kept", { v: "dry" }))).status).toBe(200);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/kept?dryRun=All")).status).toBe(200);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/dry")).status).toBe(404);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/kept")).json.data).toEqual({ v: "1" });
    const seen = await runInDurableObject(stub, (o: ClusterObject) => {
      const { store, api } = inside(o);
      // Written, read back (from the cache) and deleted inside one transaction that then fails.
      expect(() =>
        store.transaction(() => {
          api.update(configMaps, "default", "kept", { ...cm("kept", { v: "2" }) });
          api.create(configMaps, "default", cm("new", { v: "1" }));
          expect(JSON.parse(store.getRaw("configmaps", "default", "kept")!).data).toEqual({ v: "2" });
          api.delete(configMaps, "default", "new");
          expect(store.has("configmaps", "default", "new")).toBe(false);
          throw new Error("rolled back");
        }),
      ).toThrow("rolled back");
      return { kept: (store.get("configmaps", "default", "kept") as unknown as { data: Record<string, string> } | undefined)?.data, created: store.has("configmaps", "default", "new") };
    });
    expect(seen).toEqual({ kept: { v: "1" }, created: false });
    expect((await audit(stub)).wrong).toEqual([]);
  });

  it("is unchanged by compaction, and a restarted store reads the same objects from SQLite", async () => {
    const { stub } = await newCluster({ name: "bodycachecompact" });
    for (let i = 0; i < 5; i++) expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", cm(`c${i}`, { v: String(i) }))).status).toBe(201);
    await settle(stub);
    const result = await runInDurableObject(stub, (o: ClusterObject) => {
      const { store, ctx } = inside(o);
      const r = store as unknown as { retention: { maxChanges: number; maxAgeMs: number } };
      const kept = r.retention;
      r.retention = { maxChanges: 1, maxAgeMs: 0 };
      store.compact();
      r.retention = kept;
      const restarted = new Store(ctx.storage);
      const differ: string[] = [];
      for (const [key, body] of store.bodies.entries()) {
        const [resource, namespace, name] = key.split("\u0000");
        if ((restarted.getRaw(resource, namespace, name) ?? null) !== body) differ.push(key);
      }
      return { differ, cached: store.bodies.size };
    });
    expect(result.differ).toEqual([]);
    expect(result.cached).toBeGreaterThan(5);
    expect((await audit(stub)).wrong).toEqual([]);
  });

  it("keeps within its budget, dropping the oldest entries first", () => {
    const cache = new BodyCache(10_000);
    for (let i = 0; i < 100; i++) cache.set(`k${i}`, "x".repeat(500));
    expect(cache.held).toBeLessThanOrEqual(10_000);
    expect(cache.get("k99")).toBe("x".repeat(500));
    expect(cache.get("k0")).toBeUndefined();
    // One body larger than a sixteenth of the budget is not kept, and does not push others out.
    cache.set("big", "y".repeat(5_000));
    expect(cache.get("big")).toBeUndefined();
    expect(cache.get("k99")).toBe("x".repeat(500));
    cache.set("k99", null);
    expect(cache.get("k99")).toBeNull();
    cache.delete("k99");
    expect(cache.get("k99")).toBeUndefined();
  });
});

describe("a write's answer", () => {
  it("is the caller's own: changing it changes nothing stored, cached or written next", async () => {
    const { stub } = await newCluster({ name: "answers", nodes: [{ role: "control-plane" }] });
    const stored = await runInDurableObject(stub, (o: ClusterObject) => {
      const { api } = inside(o);
      type Cm = KObject & { metadata: { labels: Record<string, string> }; data: Record<string, string> };
      const made = api.create(configMaps, "default", { metadata: { name: "mine", labels: { a: "1" } }, data: { k: "v" } }, { trusted: true }).object as Cm;
      const body = { ...made, data: { k: "w" } };
      const updated = api.update(configMaps, "default", "mine", body, { trusted: true }).object as Cm;
      const status = api.update(configMaps, "default", "mine", { ...updated, data: { k: "x" } }).object as Cm;
      // The answers and the bodies sent are changed after the writes.
      for (const o of [made, body, updated, status]) {
        o.data.k = "changed";
        o.metadata.labels.a = "changed";
      }
      return api.get(configMaps, "default", "mine") as Cm;
    });
    expect(stored.data).toEqual({ k: "x" });
    expect(stored.metadata.labels).toEqual({ a: "1" });
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/mine")).json.data).toEqual({ k: "x" });
    expect((await audit(stub)).wrong).toEqual([]);
  });

  it("is the caller's own for a deletion that waits, and the object it answers is the one stored", async () => {
    const { stub } = await newCluster({ name: "deleting", nodes: [{ role: "control-plane" }] });
    const result = await runInDurableObject(stub, (o: ClusterObject) => {
      const { api } = inside(o);
      type Cm = KObject & { metadata: { labels: Record<string, string>; finalizers?: string[] }; data: Record<string, string> };
      api.create(configMaps, "default", { metadata: { name: "held", labels: { a: "1" }, finalizers: ["example.com/hold"] }, data: { k: "v" } }, { trusted: true });
      const answer = api.delete(configMaps, "default", "held").object as Cm;
      const stored = api.get(configMaps, "default", "held") as Cm;
      const same = JSON.stringify(answer) === JSON.stringify(stored);
      answer.data.k = "changed";
      answer.metadata.labels.a = "changed";
      answer.metadata.finalizers!.push("changed");
      return { same, answer, after: api.get(configMaps, "default", "held") as Cm };
    });
    expect(result.same).toBe(true);
    expect(result.answer.metadata.deletionTimestamp).toBeTruthy();
    expect(result.after.data).toEqual({ k: "v" });
    expect(result.after.metadata.labels).toEqual({ a: "1" });
    expect(result.after.metadata.finalizers).toEqual(["example.com/hold"]);
    expect(result.after.metadata.deletionTimestamp).toBe(result.answer.metadata.deletionTimestamp);
    expect((await audit(stub)).wrong).toEqual([]);
  });
});
