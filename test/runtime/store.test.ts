// The cluster store: resourceVersions, conflicts, the change log, watches from a
// resourceVersion, and 410 Gone once the log has been compacted past it.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ApiServer } from "../../worker/cluster/api/apiserver";
import type { ClusterObject } from "../../worker/cluster/object";
import { configmaps, type ConfigMap } from "../../worker/cluster/resources/configmap";
import { pods, type Pod } from "../../worker/cluster/resources/pod";
import { COMPACT_AGE_QUERY, type Store } from "../../worker/cluster/store/store";
import { canonical, sameCanonical } from "../../worker/cluster/machinery/json";
import { cm, kube, newCluster, newSettledCluster, watch } from "./helpers";

const CMS = "/api/v1/namespaces/default/configmaps";

function storeOf(o: ClusterObject): Store {
  return (o as unknown as { store: Store }).store; // internal access: tests inspect the store directly
}

describe("store", () => {
  it("gives every write the next resourceVersion and skips writes that change nothing", async () => {
    const { stub } = await newSettledCluster();
    const a = await kube(stub, "POST", CMS, cm("a"));
    const b = await kube(stub, "POST", CMS, cm("b"));
    expect(a.status).toBe(201);
    expect(Number(b.json.metadata.resourceVersion)).toBe(Number(a.json.metadata.resourceVersion) + 1);
    const same = await kube(stub, "PATCH", `${CMS}/a`, { data: { a: "1" } }, { contentType: "application/merge-patch+json" });
    expect(same.json.metadata.resourceVersion).toBe(a.json.metadata.resourceVersion);
    const changed = await kube(stub, "PATCH", `${CMS}/a`, { data: { a: "2" } }, { contentType: "application/merge-patch+json" });
    expect(Number(changed.json.metadata.resourceVersion)).toBe(Number(b.json.metadata.resourceVersion) + 1);
    const list = await kube(stub, "GET", CMS);
    expect(list.json.metadata.resourceVersion).toBe(changed.json.metadata.resourceVersion);
  });

  it("keeps meta values in memory that agree with SQLite through writes, deletes and rollbacks", async () => {
    const { stub } = await newCluster();
    const seen = await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const inSql = (key: string) => store.sqlStorage.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value;
      const before = store.meta("test_key");
      store.setMeta("test_key", "one");
      const written = [store.meta("test_key"), inSql("test_key")];
      try {
        store.transaction(() => {
          store.setMeta("test_key", "two");
          store.deleteMeta("other_key");
          throw new Error("rolled back");
        });
      } catch {
        // the rollback is the point
      }
      const rolledBack = [store.meta("test_key"), inSql("test_key")];
      store.deleteMeta("test_key");
      return { before, written, rolledBack, deleted: [store.meta("test_key"), inSql("test_key")], signingKey: !!store.meta("sa_signing_key") };
    });
    expect(seen.before).toBeUndefined();
    expect(seen.written).toEqual(["one", "one"]);
    expect(seen.rolledBack).toEqual(["one", "one"]);
    expect(seen.deleted).toEqual([undefined, undefined]);
    // Made with the cluster: a container's files sign with it through SQL alone.
    expect(seen.signingKey).toBe(true);
  });

  it("answers a stale update with 409 Conflict in Kubernetes' words and writes nothing", async () => {
    const { stub } = await newCluster();
    const created = await kube(stub, "POST", CMS, cm("c"));
    await kube(stub, "PUT", `${CMS}/c`, { ...created.json, data: { a: "new" } });
    const stale = await kube(stub, "PUT", `${CMS}/c`, { ...created.json, data: { a: "stale" } });
    expect(stale.status).toBe(409);
    expect(stale.json).toMatchObject({ kind: "Status", reason: "Conflict", code: 409 });
    expect(stale.json.message).toBe('Operation cannot be fulfilled on configmaps "c": the object has been modified; please apply your changes to the latest version and try again');
    const now = await kube(stub, "GET", `${CMS}/c`);
    expect(now.json.data).toEqual({ a: "new" });
  });

  it("keeps uid and creationTimestamp, and generates names from generateName", async () => {
    const { stub } = await newCluster();
    const made = await kube(stub, "POST", CMS, { apiVersion: "v1", kind: "ConfigMap", metadata: { generateName: "gen-", uid: "forged" } });
    expect(made.json.metadata.name).toMatch(/^gen-[a-z0-9]{5}$/);
    expect(made.json.metadata.uid).not.toBe("forged");
    const upd = await kube(stub, "PUT", `${CMS}/${made.json.metadata.name}`, { ...made.json, metadata: { ...made.json.metadata, creationTimestamp: "2000-01-01T00:00:00Z" }, data: { x: "y" } });
    expect(upd.json.metadata.creationTimestamp).toBe(made.json.metadata.creationTimestamp);
    expect(upd.json.metadata.uid).toBe(made.json.metadata.uid);
  });

  it("makes a taken generated name again, and answers AlreadyExists after 8 taken names with nothing written", async () => {
    const { stub } = await newCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const api = (o as unknown as { api: ApiServer }).api; // internal access: the create path itself
      const real = crypto.getRandomValues.bind(crypto);
      let fixed = 0;
      // The next `fixed` names drawn are all "gen-bbbbb".
      crypto.getRandomValues = ((a: Uint8Array): Uint8Array => {
        if (fixed > 0) {
          fixed--;
          a.fill(0);
          return a;
        }
        return real(a);
      }) as typeof crypto.getRandomValues;
      try {
        const make = () => store.transaction(() => api.create(configmaps, "default", { metadata: { generateName: "gen-" } }, { trusted: true }).object.metadata.name);
        fixed = 1;
        expect(make()).toBe("gen-bbbbb");
        fixed = 3;
        const next = make();
        expect(next).toMatch(/^gen-[a-z0-9]{5}$/);
        expect(next).not.toBe("gen-bbbbb");
        expect(fixed).toBe(0);
        fixed = 8;
        const rv = store.rv;
        const count = store.objectCount;
        expect(make).toThrow(expect.objectContaining({ code: 409, message: 'configmaps "gen-bbbbb" already exists' }));
        expect(fixed).toBe(0);
        expect([store.rv, store.objectCount]).toEqual([rv, count]);
      } finally {
        crypto.getRandomValues = real;
      }
    });
  });

  it("takes a caller's read of an object as the old one only while it is the stored state", async () => {
    const { stub } = await newCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const api = (o as unknown as { api: ApiServer }).api; // internal access: the write path itself
      store.transaction(() => api.create(configmaps, "default", { metadata: { name: "r", finalizers: ["example.com/keep"] }, data: { v: "1" } }, { trusted: true }));
      const read = store.get<ConfigMap>("configmaps", "default", "r")!;
      expect(store.isCurrent("configmaps", "default", "r", read)).toBe(true);
      expect(store.isCurrent("configmaps", "default", "r", structuredClone(read))).toBe(false);
      // Current: the update goes through on it.
      const v2 = store.transaction(() => api.update(configmaps, "default", "r", { ...read, data: { v: "2" } }, { trusted: true, read })).object;
      expect(v2.data).toEqual({ v: "2" });
      // Stale (the object was written since): the stored state is read, and the old resourceVersion conflicts.
      expect(store.isCurrent("configmaps", "default", "r", read)).toBe(false);
      expect(() => store.transaction(() => api.update(configmaps, "default", "r", { ...read, data: { v: "3" } }, { trusted: true, read }))).toThrow(expect.objectContaining({ code: 409 }));
      // A deletion with a stale read keeps what was written since.
      const before = store.get<ConfigMap>("configmaps", "default", "r")!;
      store.transaction(() => api.patch(configmaps, "default", "r", "merge", { metadata: { labels: { late: "yes" } } }, { trusted: true }));
      store.transaction(() => api.delete(configmaps, "default", "r", { read: before }));
      const terminating = store.get<ConfigMap>("configmaps", "default", "r")!;
      expect(terminating.metadata.deletionTimestamp).toBeTruthy();
      expect(terminating.metadata.labels).toEqual({ late: "yes" });
      expect(terminating.data).toEqual({ v: "2" });
      // A binding with a stale read of its pod keeps what was written since, too.
      store.transaction(() => api.create(pods, "default", { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "nginx" }] } }, { trusted: true }));
      const unbound = store.get<Pod>("pods", "default", "p")!;
      store.transaction(() => api.patch(pods, "default", "p", "merge", { metadata: { labels: { late: "yes" } } }, { trusted: true }));
      store.transaction(() => api.bind("default", "p", "node-a", { read: unbound }));
      const bound = store.get<Pod>("pods", "default", "p")!;
      expect([bound.spec?.nodeName, bound.metadata.labels]).toEqual(["node-a", { late: "yes" }]);
    });
  });

  it("records every change in the log, in order", async () => {
    const { stub } = await newCluster();
    const a = await kube(stub, "POST", CMS, cm("log"));
    await kube(stub, "PATCH", `${CMS}/log`, { data: { a: "2" } }, { contentType: "application/merge-patch+json" });
    await kube(stub, "DELETE", `${CMS}/log`);
    const changes = await runInDurableObject(stub, (o: ClusterObject) => [...storeOf(o).changesSince(Number(a.json.metadata.resourceVersion) - 1, "configmaps")].map((c) => [c.type, c.name, c.rv]));
    const rv = Number(a.json.metadata.resourceVersion);
    expect(changes.filter((c) => c[1] === "log")).toEqual([
      ["ADDED", "log", rv],
      ["MODIFIED", "log", rv + 1],
      ["DELETED", "log", rv + 2],
    ]);
  });

  it("hands listeners each change with the uid of its object, as its body says, deletions included", async () => {
    const { stub } = await newCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const seen: (string | undefined)[][] = [];
      store.onCommit((changes) => {
        for (const c of changes) if (c.name === "uidcm") seen.push([c.type, c.uid, (JSON.parse(c.body) as { metadata: { uid?: string } }).metadata.uid]);
      });
      (globalThis as unknown as { __uidSeen: typeof seen }).__uidSeen = seen;
    });
    await kube(stub, "POST", CMS, cm("uidcm"));
    await kube(stub, "PATCH", `${CMS}/uidcm`, { data: { a: "2" } }, { contentType: "application/merge-patch+json" });
    await kube(stub, "DELETE", `${CMS}/uidcm`);
    const seen = await runInDurableObject(stub, () => (globalThis as unknown as { __uidSeen: (string | undefined)[][] }).__uidSeen);
    expect(seen.map((s) => s[0])).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    for (const [, uid, inBody] of seen) {
      expect(uid).toBeTruthy();
      expect(uid).toBe(inBody);
    }
  });

  it("hands listeners each change's owners, finalizers, labels and fields as its body says, copied when it was written", async () => {
    const { stub } = await newCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const api = (o as unknown as { api: ApiServer }).api; // internal access: the write path itself
      const seen: { meta: unknown; attrs: unknown; body: unknown }[] = [];
      store.onCommit((changes) => {
        for (const c of changes) if (c.name === "owned") seen.push({ meta: c.meta, attrs: c.attrs, body: JSON.parse(c.body).metadata });
      });
      const owner = { apiVersion: "v1", kind: "ConfigMap", name: "boss", uid: "u-boss", controller: true };
      store.transaction(() => {
        const made = api.create(configmaps, "default", { metadata: { name: "owned", labels: { tier: "a" }, ownerReferences: [owner], finalizers: ["example.com/keep"] }, data: { v: "1" } }, { trusted: true }).object;
        // The caller changes what it was given back, in the same transaction: the change keeps what was written.
        made.metadata.ownerReferences!.push({ ...owner, uid: "u-other", controller: false });
        made.metadata.finalizers!.push("example.com/later");
        made.metadata.labels!.tier = "b";
      });
      store.transaction(() => api.patch(configmaps, "default", "owned", "merge", { metadata: { ownerReferences: null, finalizers: ["foregroundDeletion"] } }, { trusted: true }));
      store.transaction(() => api.patch(configmaps, "default", "owned", "merge", { metadata: { finalizers: null } }, { trusted: true }));
      expect(seen.map((s) => s.meta)).toEqual([{ ownerReferences: [owner], finalizers: ["example.com/keep"] }, { finalizers: ["foregroundDeletion"] }, {}]);
      expect(seen.map((s) => s.attrs)).toEqual([
        { labels: { tier: "a" }, fields: { "metadata.name": "owned", "metadata.namespace": "default" } },
        { labels: { tier: "a" }, fields: { "metadata.name": "owned", "metadata.namespace": "default" } },
        { labels: { tier: "a" }, fields: { "metadata.name": "owned", "metadata.namespace": "default" } },
      ]);
      for (const { meta, body } of seen) {
        const m = meta as { ownerReferences?: unknown; finalizers?: unknown };
        const b = body as { ownerReferences?: unknown; finalizers?: unknown };
        expect(m.ownerReferences).toEqual(b.ownerReferences);
        expect(m.finalizers).toEqual(b.finalizers);
      }
    });
  });

  it("watches from a resourceVersion: only later changes, then live ones", async () => {
    const { stub } = await newCluster();
    const first = await kube(stub, "POST", CMS, cm("w1"));
    await kube(stub, "POST", CMS, cm("w2"));
    const w = await watch(stub, `${CMS}?watch=true&resourceVersion=${first.json.metadata.resourceVersion}`);
    expect(w.status).toBe(200);
    const [replayed] = await w.next(1);
    expect(replayed).toMatchObject({ type: "ADDED", object: { metadata: { name: "w2" } } });
    await kube(stub, "DELETE", `${CMS}/w1`);
    const [live] = await w.next(1);
    expect(live).toMatchObject({ type: "DELETED", object: { kind: "ConfigMap", metadata: { name: "w1" } } });
    await w.cancel();
  });

  it("sends each watch of a change its own wire form when many watch at once (core and events.k8s.io Events, a Table, a watch from a later revision)", async () => {
    const { stub } = await newCluster();
    const EVS = "/api/v1/namespaces/default/events";
    const event = (name: string, message: string) => ({
      apiVersion: "v1",
      kind: "Event",
      metadata: { name },
      involvedObject: { kind: "ConfigMap", namespace: "default", name: "x", apiVersion: "v1" },
      reason: "Tested",
      message,
      type: "Normal",
    });
    const at = Number((await kube(stub, "GET", EVS)).json.metadata.resourceVersion);
    const plain = [await watch(stub, `${EVS}?watch=true&resourceVersion=${at}`), await watch(stub, `${EVS}?watch=true&resourceVersion=${at}`)];
    const v1 = await watch(stub, `/apis/events.k8s.io/v1/namespaces/default/events?watch=true&resourceVersion=${at}`);
    const asTable = await watch(stub, `${EVS}?watch=true&resourceVersion=${at}`, "application/json;as=Table;v=v1;g=meta.k8s.io");
    const later = await watch(stub, `${EVS}?watch=true&resourceVersion=${at + 1}`);
    const first = await kube(stub, "POST", EVS, event("first", "one"));
    expect(first.status).toBe(201);
    expect(Number(first.json.metadata.resourceVersion)).toBe(at + 1);
    await kube(stub, "POST", EVS, event("second", "two"));
    for (const w of plain) {
      const evs = await w.next(2);
      expect(evs.map((e) => [e.type, e.object.apiVersion, e.object.metadata.name, e.object.message])).toEqual([
        ["ADDED", "v1", "first", "one"],
        ["ADDED", "v1", "second", "two"],
      ]);
    }
    const [n1, n2] = await v1.next(2);
    expect([n1.object.apiVersion, n1.object.metadata.name, n1.object.note, n2.object.note]).toEqual(["events.k8s.io/v1", "first", "one", "two"]);
    expect(n1.object.message).toBeUndefined();
    const [t1] = await asTable.next(1);
    expect(t1).toMatchObject({ type: "ADDED", object: { kind: "Table", rows: [{ object: { metadata: { name: "first" } } }] } });
    const [l1] = await later.next(1);
    expect(l1.object.metadata.name).toBe("second");
    for (const w of [...plain, v1, asTable, later]) await w.cancel();
  });

  it("sends a watch with a label selector DELETED when an object stops matching", async () => {
    const { stub } = await newCluster();
    const made = await kube(stub, "POST", CMS, { ...cm("sel"), metadata: { name: "sel", labels: { app: "x" } } });
    const w = await watch(stub, `${CMS}?watch=true&labelSelector=app%3Dx&resourceVersion=${made.json.metadata.resourceVersion}`);
    await kube(stub, "PATCH", `${CMS}/sel`, { metadata: { labels: { app: "y" } } }, { contentType: "application/merge-patch+json" });
    const [gone] = await w.next(1);
    expect(gone).toMatchObject({ type: "DELETED", object: { metadata: { name: "sel", labels: { app: "y" } } } });
    await w.cancel();
  });

  it("answers a watch from a compacted resourceVersion with a 410 Expired event", async () => {
    const { stub } = await newCluster();
    const old = await kube(stub, "POST", CMS, cm("old"));
    for (let i = 0; i < 5; i++) await kube(stub, "PATCH", `${CMS}/old`, { data: { a: String(i + 10) } }, { contentType: "application/merge-patch+json" });
    await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o) as unknown as { retention: { maxChanges: number; maxAgeMs: number }; compact(): void };
      store.retention.maxChanges = 2;
      store.compact();
    });
    const w = await watch(stub, `${CMS}?watch=true&resourceVersion=${old.json.metadata.resourceVersion}`);
    const [ev] = await w.next(1);
    expect(ev).toMatchObject({ type: "ERROR", object: { kind: "Status", reason: "Expired", code: 410 } });
    expect(ev.object.message).toMatch(/^too old resource version: \d+ \(\d+\)$/);
    // A watch from the current revision still works.
    const list = await kube(stub, "GET", CMS);
    const fresh = await watch(stub, `${CMS}?watch=true&resourceVersion=${list.json.metadata.resourceVersion}`);
    await kube(stub, "POST", CMS, cm("new"));
    const [added] = await fresh.next(1);
    expect(added).toMatchObject({ type: "ADDED", object: { metadata: { name: "new" } } });
    await fresh.cancel();
  });

  it("rolls back a dry run: nothing is written, no revision is used", async () => {
    const { stub } = await newCluster();
    const before = await kube(stub, "GET", CMS);
    const dry = await kube(stub, "POST", `${CMS}?dryRun=All`, cm("dry"));
    expect(dry.status).toBe(201);
    expect(dry.json.metadata.uid).toBeTruthy();
    const after = await kube(stub, "GET", CMS);
    expect(after.json.metadata.resourceVersion).toBe(before.json.metadata.resourceVersion);
    expect((await kube(stub, "GET", `${CMS}/dry`)).status).toBe(404);
  });

  it("tells changed objects from unchanged ones as their canonical JSON does (the no-op write check)", () => {
    const pairs: [unknown, unknown][] = [
      [{ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 }],
      [{ a: 1, u: undefined }, { a: 1 }],
      [{ a: null }, {}],
      [[1, undefined], [1, null]],
      [[1, 2], [2, 1]],
      [{ a: [] }, { a: {} }],
      [{ a: "1" }, { a: 1 }],
      [{ a: { b: 1 } }, { a: { b: 1, c: 2 } }],
      [{ a: { b: 1, c: undefined } }, { a: { b: 1, d: undefined } }],
    ];
    for (const [a, b] of pairs) {
      const expected = JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
      expect(sameCanonical(a, b)).toBe(expected);
      expect(sameCanonical(b, a)).toBe(expected);
    }
  });

  it("answers the kubelet's forget-by-name and the compaction's age query through indexes, not scans", async () => {
    const { stub } = await newCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const sql = storeOf(o).sqlStorage;
      const plan = (q: string, ...args: SqlStorageValue[]) => sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`, ...args).toArray().map((r) => r.detail).join("; ");
      expect(plan("DELETE FROM pod_runtime WHERE namespace = ? AND name = ? AND uid != ?", "default", "web", "x")).toMatch(/USING INDEX pod_runtime_name/);
      const agePlan = plan(COMPACT_AGE_QUERY, 0);
      expect(agePlan).toMatch(/USING (COVERING )?INDEX changes_at/);
      expect(agePlan).not.toMatch(/TEMP B-TREE/);
      // Every change is old enough here, and the log keeps the objects' current states for good:
      // the query still reads one entry, the newest.
      const cursor = sql.exec<{ rv: number }>(COMPACT_AGE_QUERY, Number.MAX_SAFE_INTEGER);
      const rows = cursor.toArray();
      expect(Number(sql.exec("SELECT count(*) AS n FROM changes").one().n)).toBeGreaterThan(50);
      expect(rows).toEqual([{ rv: storeOf(o).rv }]);
      expect(cursor.rowsRead).toBe(1);
    });
  });
  it("finds the objects of a namespace whose body holds a text, and no others", async () => {
    const { stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "other" } });
    await kube(stub, "POST", CMS, { ...cm("names-it"), data: { ref: "app-config" } });
    await kube(stub, "POST", CMS, { ...cm("near-miss"), data: { ref: "app-config-2" } });
    await kube(stub, "POST", CMS, { ...cm("unrelated"), data: { ref: "x" } });
    await kube(stub, "POST", "/api/v1/namespaces/other/configmaps", { ...cm("elsewhere"), data: { ref: "app-config" } });
    const found = await runInDurableObject(stub, (o: ClusterObject) => [...storeOf(o).scanContaining("configmaps", "default", JSON.stringify("app-config"))].map((r) => `${r.namespace}/${r.name}`));
    expect(found).toEqual(["default/names-it"]);
  });
  it("starts again with the revision of its last change and the counts of its rows, after a rollback and after compaction took every change", async () => {
    const { stub } = await newSettledCluster();
    for (let i = 0; i < 3; i++) expect((await kube(stub, "POST", CMS, cm(`n${i}`))).status).toBe(201);
    expect((await kube(stub, "DELETE", `${CMS}/n0`)).status).toBe(200);
    const seen = await runInDurableObject(stub, async (o: ClusterObject) => {
      const { Store } = await import("../../worker/cluster/store/store");
      const { configmaps } = await import("../../worker/cluster/resources/configmap");
      const store = storeOf(o);
      const storage = (o as unknown as { ctx: DurableObjectState }).ctx.storage;
      // A transaction that rolls back leaves the revision and the counts as they were.
      try {
        store.transaction(() => {
          (o as unknown as { api: { create(d: unknown, ns: string, obj: unknown): unknown } }).api.create(configmaps, "default", cm("rolled"));
          throw new Error("roll back");
        });
      } catch {
        // expected
      }
      const counted = () => ({
        objects: Number(store.sqlStorage.exec("SELECT count(*) AS n FROM objects").one().n),
        events: Number(store.sqlStorage.exec("SELECT count(*) AS n FROM objects WHERE resource = 'events'").one().n),
      });
      const state = (s: { rv: number; objectCount: number; eventCount: number }) => [s.rv, s.objectCount, s.eventCount];
      const live = state(store);
      const before = counted();
      // No statement per transaction keeps them: a write leaves meta alone.
      const metaRows = () => store.sqlStorage.exec<{ key: string; value: string }>("SELECT key, value FROM meta ORDER BY key").toArray();
      const metaBefore = metaRows();
      store.transaction(() => store.sqlStorage.exec("SELECT 1"));
      (o as unknown as { api: { create(d: unknown, ns: string, obj: unknown): unknown } }).api.create(configmaps, "default", cm("more"));
      const metaAfter = metaRows();
      const restarted = new Store(storage);
      // Every change compacted away (an idle cluster past the log's age) but the objects' current
      // states, which the log keeps: the revision is compacted_rv.
      const rvNow = store.rv;
      store.sqlStorage.exec("DELETE FROM changes WHERE rv NOT IN (SELECT rv FROM objects)");
      store.sqlStorage.exec("INSERT INTO meta (key, value) VALUES ('compacted_rv', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", String(rvNow));
      const compacted = new Store(storage);
      return { live, before, metaBefore, metaAfter, restarted: state(restarted), afterMore: [rvNow, counted().objects, counted().events], compacted: state(compacted) };
    });
    expect(seen.before.events).toBeGreaterThan(0);
    expect(seen.live.slice(1)).toEqual([seen.before.objects, seen.before.events]);
    expect(seen.metaAfter).toEqual(seen.metaBefore);
    expect(seen.restarted).toEqual(seen.afterMore);
    expect(seen.compacted).toEqual(seen.afterMore);
  });
  it("keeps counts per resource and namespace true through creates, deletes and a rollback", async () => {
    const { stub } = await newSettledCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "other" } });
    for (let i = 0; i < 3; i++) expect((await kube(stub, "POST", CMS, cm(`t${i}`))).status).toBe(201);
    const seen = await runInDurableObject(stub, async (o: ClusterObject) => {
      const { configmaps } = await import("../../worker/cluster/resources/configmap");
      const store = storeOf(o);
      const api = (o as unknown as { api: { create(d: unknown, ns: string, obj: unknown): unknown; delete(d: unknown, ns: string, name: string): unknown } }).api;
      const sqlCount = (ns: string | null) =>
        Number((ns === null ? store.sqlStorage.exec("SELECT count(*) AS n FROM objects WHERE resource = 'configmaps'") : store.sqlStorage.exec("SELECT count(*) AS n FROM objects WHERE resource = 'configmaps' AND namespace = ?", ns)).one().n);
      const audit = () => ["default", "other", "kube-system", null].map((ns) => [store.countOf("configmaps", ns), sqlCount(ns)]);
      const first = audit();
      store.transaction(() => {
        api.create(configmaps, "other", cm("o1"));
        api.delete(configmaps, "default", "t0");
      });
      const afterWrites = audit();
      try {
        store.transaction(() => {
          api.create(configmaps, "other", cm("o2"));
          api.delete(configmaps, "default", "t1");
          throw new Error("roll back");
        });
      } catch {
        // expected
      }
      return { first, afterWrites, afterRollback: audit() };
    });
    for (const rows of [seen.first, seen.afterWrites, seen.afterRollback]) for (const [kept, counted] of rows) expect(kept).toBe(counted);
    expect(seen.afterWrites[0][0]).toBe(seen.first[0][0] - 1);
    expect(seen.afterWrites[1][0]).toBe(seen.first[1][0] + 1);
    expect(seen.afterRollback).toEqual(seen.afterWrites);
  });
});

