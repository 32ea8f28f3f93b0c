// The store's side tables, kept beside the objects they describe: pod_keys (pods by node and by
// address), deleting (objects with a deletionTimestamp) and objects by uid. Each must say what
// the objects say after creates, updates, deletes, dry runs and a migration from an older store.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import { migrate, STEPS } from "../../worker/cluster/store/schema";
import { POD_KEYS_BY, type Store } from "../../worker/cluster/store/store";
import { kube, newCluster, settle, watch } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];

const storeOf = (o: ClusterObject) => (o as unknown as { store: Store }).store;

/** Every stored object with its body, in key order. */
function objectRows(sql: SqlStorage): Record<string, SqlStorageValue>[] {
  return sql.exec("SELECT resource, namespace, name, uid, rv, body FROM object_bodies ORDER BY resource, namespace, name").toArray().map((r) => ({ ...r }));
}

/**
 * Puts the bodies back into objects, as every store before the change log held them, so that a
 * test can migrate again from an older step (whose statements read objects.body).
 */
function bodiesBackInObjects(sql: SqlStorage): void {
  sql.exec("CREATE TABLE objects_old (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, uid TEXT NOT NULL, rv INTEGER NOT NULL, body TEXT NOT NULL)");
  sql.exec("INSERT INTO objects_old SELECT resource, namespace, name, uid, rv, body FROM object_bodies");
  sql.exec("DROP VIEW object_bodies");
  sql.exec("DROP TABLE objects");
  sql.exec("ALTER TABLE objects_old RENAME TO objects");
  sql.exec("CREATE UNIQUE INDEX objects_key ON objects(resource, namespace, name)");
  sql.exec("CREATE INDEX objects_uid ON objects(uid) WHERE resource <> 'events'");
}

describe("pod_keys", () => {
  it("finds pods by address and by node through pod_keys' indexes, not a pass over every pod", async () => {
    const { stub } = await newCluster({ name: "podindex" });
    const plans = await runInDurableObject(stub, (o: ClusterObject) => {
      const sql = storeOf(o).sqlStorage;
      const plan = (q: string) => sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`, "x").toArray().map((r) => r.detail).join("; ");
      return [plan(POD_KEYS_BY.podIP), plan(POD_KEYS_BY.nodeName)];
    });
    expect(plans[0]).toContain("pod_keys_ip");
    expect(plans[1]).toContain("pod_keys_node");
  });

  it("keeps pod_keys equal to what the pods say as they are created, bound, given addresses and deleted", async () => {
    const { stub } = await newCluster({ name: "podkeys", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    const table = () =>
      runInDurableObject(stub, (o: ClusterObject) =>
        storeOf(o).sqlStorage
          .exec<{ namespace: string; name: string; node: string | null; ip: string | null; owner: string | null }>("SELECT namespace, name, node, ip, owner FROM pod_keys ORDER BY namespace, name")
          .toArray()
          .map((r) => ({ ...r })),
      );
    const fromPods = async () => {
      const list = await kube(stub, "GET", "/api/v1/pods");
      type P = { metadata: { namespace: string; name: string; ownerReferences?: { uid: string; controller?: boolean }[] }; spec: { nodeName?: string }; status?: { podIP?: string } };
      return (list.json.items as P[])
        .map((p) => ({
          namespace: p.metadata.namespace,
          name: p.metadata.name,
          node: p.spec.nodeName ?? null,
          ip: p.status?.podIP ?? null,
          owner: p.metadata.ownerReferences?.find((r) => r.controller)?.uid ?? null,
        }))
        .sort((a, b) => (a.namespace + "/" + a.name < b.namespace + "/" + b.name ? -1 : 1));
    };
    const pod = (name: string, nodeSelector?: Record<string, string>) => ({ metadata: { name }, spec: { nodeSelector, containers: [{ name: "c", image: "nginx" }] } });
    for (const n of ["a", "b"]) expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod(n))).status).toBe(201);
    // One that no node fits: a row with neither node nor address.
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("pending", { disk: "none" }))).status).toBe(201);
    await settle(stub);
    const running = await fromPods();
    expect(running.filter((r) => r.namespace === "default" && r.node === "podkeys-worker" && r.ip)).toHaveLength(2);
    expect(running.find((r) => r.name === "pending")).toEqual({ namespace: "default", name: "pending", node: null, ip: null, owner: null });
    // kube-system's pods have controllers (a DaemonSet's, a ReplicaSet's): their uids are kept too.
    expect(running.filter((r) => r.owner !== null).length).toBeGreaterThan(0);
    expect(await table()).toEqual(running);
    const a = running.find((r) => r.name === "a")!;
    expect(await runInDurableObject(stub, (o: ClusterObject) => storeOf(o).podKeysBy("podIP", a.ip!))).toEqual([{ namespace: "default", name: "a" }]);
    // A dry-run delete changes nothing; a real one removes the row.
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/a?dryRun=All&gracePeriodSeconds=0")).status).toBe(200);
    expect(await table()).toEqual(running);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/a?gracePeriodSeconds=0")).status).toBe(200);
    await settle(stub);
    const after = await fromPods();
    expect(after.some((r) => r.name === "a" && r.namespace === "default")).toBe(false);
    expect(await table()).toEqual(after);
    expect(await runInDurableObject(stub, (o: ClusterObject) => storeOf(o).podKeysBy("podIP", a.ip!))).toEqual([]);
  });

  it("fills pod_keys from the pods already stored when an older store is migrated", async () => {
    const { stub } = await newCluster({ name: "podkeysmig" });
    const result = await runInDurableObject(stub, (o: ClusterObject) => {
      const sql = storeOf(o).sqlStorage;
      const rows = () => sql.exec("SELECT namespace, name, node, ip, owner FROM pod_keys ORDER BY namespace, name").toArray().map((r) => ({ ...r }));
      const before = rows();
      // Back to the schema before pod_keys: no table, the expression indexes in its place.
      const step = STEPS.findIndex((stmts) => stmts.some((q) => q.startsWith("CREATE TABLE pod_keys")));
      sql.exec("DROP TABLE pod_keys");
      bodiesBackInObjects(sql);
      sql.exec(`CREATE INDEX objects_pod_ip ON objects(json_extract(body, '$.status.podIP')) WHERE resource = 'pods'`);
      sql.exec(`CREATE INDEX objects_pod_node ON objects(json_extract(body, '$.spec.nodeName')) WHERE resource = 'pods'`);
      sql.exec("UPDATE meta SET value = ? WHERE key = 'schema_version'", String(step));
      migrate(sql);
      const indexes = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'objects_pod_%'").toArray();
      return { before, after: rows(), indexes: indexes.length };
    });
    expect(result.before.length).toBeGreaterThan(0);
    expect(result.before.some((r) => r.owner !== null)).toBe(true);
    expect(result.after).toEqual(result.before);
    expect(result.indexes).toBe(0);
  });
});

describe("deleting", () => {
  const rows = (stub: Stub) =>
    runInDurableObject(stub, (o: ClusterObject) =>
      [...storeOf(o).beingDeleted()].filter((r) => r.namespace === "default").map((r) => `${r.resource}/${r.name}`).sort(),
    );

  it("holds the objects with a deletionTimestamp until they are removed, never a dry run's", async () => {
    const { stub } = await newCluster({ name: "deleting" });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "held", finalizers: ["example.com/hold"] } })).status).toBe(201);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "plain" } })).status).toBe(201);
    expect(await rows(stub)).toEqual([]);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/held?dryRun=All")).status).toBe(200);
    expect(await rows(stub)).toEqual([]);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/held")).status).toBe(200);
    // Removed at once: never in the table.
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/plain")).status).toBe(200);
    expect(await rows(stub)).toEqual(["configmaps/held"]);
    // Still being deleted after another write.
    const labelled = await kube(stub, "PATCH", "/api/v1/namespaces/default/configmaps/held", { metadata: { labels: { a: "b" } } }, { contentType: "application/merge-patch+json" });
    expect(labelled.status).toBe(200);
    expect(await rows(stub)).toEqual(["configmaps/held"]);
    const freed = await kube(stub, "PATCH", "/api/v1/namespaces/default/configmaps/held", { metadata: { finalizers: null } }, { contentType: "application/merge-patch+json" });
    expect(freed.status).toBe(200);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/held")).status).toBe(404);
    expect(await rows(stub)).toEqual([]);

    // A pod in its grace period, until the kubelet has stopped it. Running, and with a process that
    // ignores SIGTERM, so that nothing ends it before the grace period does: a pod still being
    // created had nothing to stop, and went at the next pass (sometimes before the table was read).
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p" }, spec: { containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] } })).status).toBe(201);
    for (let i = 0; i < 20; i++) {
      await settle(stub);
      if ((await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).json.status?.phase === "Running") break;
      await stub.moveClock({ advanceSeconds: 5 });
    }
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).json.status?.phase).toBe("Running");
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/p")).status).toBe(200);
    expect(await rows(stub)).toEqual(["pods/p"]);
    await stub.moveClock({ advanceSeconds: 40 });
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).status).toBe(404);
    expect(await rows(stub)).toEqual([]);
  });

  it("is filled from the objects already being deleted when an older store is migrated", async () => {
    const { stub } = await newCluster({ name: "deletingmig" });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "held", finalizers: ["example.com/hold"] } })).status).toBe(201);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/held")).status).toBe(200);
    const result = await runInDurableObject(stub, (o: ClusterObject) => {
      const sql = storeOf(o).sqlStorage;
      const step = STEPS.findIndex((stmts) => stmts.some((q) => q.includes("CREATE TABLE IF NOT EXISTS deleting")));
      // The step's own statements on an emptied table, over objects as they were then (with their
      // bodies); then the step that moved the bodies into the change log, again.
      sql.exec("DELETE FROM deleting");
      bodiesBackInObjects(sql);
      for (const q of STEPS[step]) sql.exec(q);
      sql.exec("UPDATE meta SET value = ? WHERE key = 'schema_version'", String(STEPS.findIndex((stmts) => stmts.some((q) => q.includes("CREATE VIEW object_bodies")))));
      migrate(sql);
      return [...storeOf(o).beingDeleted()].map((r) => `${r.resource}/${r.namespace}/${r.name}`);
    });
    expect(result).toContain("configmaps/default/held");
  });
});

describe("objects by uid", () => {
  it("answers which object has a uid through objects_uid, which leaves Events out", async () => {
    const { stub } = await newCluster({ name: "uids" });
    const made = (await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "c" } })).json;
    const event = (
      await kube(stub, "POST", "/api/v1/namespaces/default/events", { metadata: { name: "e" }, involvedObject: { kind: "ConfigMap", name: "c", namespace: "default" }, reason: "R", message: "m", type: "Normal" })
    ).json;
    const found = await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const plan = store.sqlStorage.exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT namespace, name FROM objects WHERE uid = ? AND resource <> 'events' LIMIT 1", "x").toArray().map((r) => r.detail).join("; ");
      const indexed = store.sqlStorage.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'objects_uid'").one().sql;
      return { plan, key: store.keyOfUid(made.metadata.uid), none: store.keyOfUid("no-such-uid") ?? null, event: store.keyOfUid(event.metadata.uid) ?? null, indexed };
    });
    expect(found.plan).toContain("objects_uid");
    expect(found.key).toEqual({ namespace: "default", name: "c" });
    expect(found.none).toBeNull();
    expect(found.event).toBeNull();
    expect(found.indexed).toContain("WHERE resource <> 'events'");
  });
});

describe("a ReplicaSet's pods through pod_keys' owner index", () => {
  it("follows a release in pod_keys, and serves slim copies that follow every write, never a rolled-back one", async () => {
    const { stub } = await newCluster({ name: "owned", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    const rs = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "web" },
      spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } },
    };
    const made = await kube(stub, "POST", "/apis/apps/v1/namespaces/default/replicasets", rs);
    expect(made.status).toBe(201);
    const uid = made.json.metadata.uid as string;
    await settle(stub);
    type P = { metadata: { name: string; labels: Record<string, string>; resourceVersion: string }; status: { phase: string } };
    const pods = async () => ((await kube(stub, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")).json.items as P[]).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
    const owned = () =>
      runInDurableObject(stub, async (o: ClusterObject) => {
        const { ownedPods } = await import("../../worker/cluster/controllers/ownedPods");
        // any: the loop is private; the test reads through the context its controllers get
        const ctx = (o as any).loop.context;
        return ownedPods(ctx, "default", uid).map((p) => ({ name: p.metadata.name, rv: p.metadata.resourceVersion, labels: p.metadata.labels, phase: p.status?.phase }));
      });
    const full = await pods();
    expect(full).toHaveLength(2);
    expect(await owned()).toEqual(full.map((p) => ({ name: p.metadata.name, rv: p.metadata.resourceVersion, labels: p.metadata.labels, phase: p.status.phase })));

    // A write shows at once.
    const first = full[0].metadata.name;
    expect((await kube(stub, "PATCH", `/api/v1/namespaces/default/pods/${first}`, { metadata: { labels: { extra: "1" } } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    expect((await owned()).find((p) => p.name === first)!.labels).toEqual({ app: "web", extra: "1" });

    // A write rolled back, read while it was under way: its resourceVersion is given again to the
    // next write, which must show, not what the rolled-back one wrote.
    const seenInside = await runInDurableObject(stub, async (o: ClusterObject) => {
      const { ownedPods } = await import("../../worker/cluster/controllers/ownedPods");
      const { pods: podDef } = await import("../../worker/cluster/resources/pod");
      // any: the loop and the API server are private
      const ctx = (o as any).loop.context;
      let inside: Record<string, string> | undefined;
      try {
        storeOf(o).transaction(() => {
          ctx.api.patch(podDef, "default", first, "merge", { metadata: { labels: { extra: "rolled-back" } } }, { trusted: true });
          inside = ownedPods(ctx, "default", uid).find((p) => p.metadata.name === first)!.metadata.labels;
          throw new Error("roll back");
        });
      } catch {
        // expected
      }
      return inside;
    });
    expect(seenInside).toEqual({ app: "web", extra: "rolled-back" });
    expect((await kube(stub, "PATCH", `/api/v1/namespaces/default/pods/${first}`, { metadata: { labels: { extra: "2" } } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    expect((await owned()).find((p) => p.name === first)!.labels).toEqual({ app: "web", extra: "2" });

    // Released (its labels no longer match): pod_keys forgets the owner, and the ReplicaSet makes another.
    expect((await kube(stub, "PATCH", `/api/v1/namespaces/default/pods/${first}`, { metadata: { labels: { app: "other" } } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    await settle(stub);
    const ownerOf = (name: string) =>
      runInDurableObject(stub, (o: ClusterObject) => storeOf(o).sqlStorage.exec<{ owner: string | null }>("SELECT owner FROM pod_keys WHERE namespace = 'default' AND name = ?", name).one().owner);
    expect(await ownerOf(first)).toBeNull();
    const now = await owned();
    expect(now).toHaveLength(2);
    expect(now.map((p) => p.name)).not.toContain(first);
  });
});

describe("objects table", () => {
  it("finds an object through its key, and a store of the older WITHOUT ROWID table keeps every object when migrated", async () => {
    const { stub } = await newCluster({ name: "objrowid" });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "kept", labels: { a: "b" } }, data: { k: "v" } })).status).toBe(201);
    const result = await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const sql = store.sqlStorage;
      const rows = () => objectRows(sql);
      const before = rows();
      // Back to the table as it was: the whole row, body and all, in its key's b-tree.
      const step = STEPS.findIndex((stmts) => stmts.some((q) => q.startsWith("CREATE TABLE objects_by_rowid")));
      sql.exec("CREATE TABLE objects_old (resource TEXT NOT NULL, namespace TEXT NOT NULL, name TEXT NOT NULL, uid TEXT NOT NULL, rv INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (resource, namespace, name)) WITHOUT ROWID");
      sql.exec("INSERT INTO objects_old SELECT resource, namespace, name, uid, rv, body FROM object_bodies");
      sql.exec("DROP VIEW object_bodies");
      sql.exec("DROP TABLE objects");
      sql.exec("ALTER TABLE objects_old RENAME TO objects");
      sql.exec("CREATE INDEX objects_uid ON objects(uid)");
      sql.exec("UPDATE meta SET value = ? WHERE key = 'schema_version'", String(step));
      migrate(sql);
      return { before, after: rows() };
    });
    expect(result.before.some((r) => r.name === "kept")).toBe(true);
    expect(result.after).toEqual(result.before);
    // The store reads and writes the migrated table as before.
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/kept")).json.data).toEqual({ k: "v" });
    expect((await kube(stub, "PUT", "/api/v1/namespaces/default/configmaps/kept", { metadata: { name: "kept" }, data: { k: "w" } })).status).toBe(200);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/kept")).json.data).toEqual({ k: "w" });
  });
});

describe("bodies in the change log", () => {
  const CMS = "/api/v1/namespaces/default/configmaps";
  /** Compacts the whole log now, as an idle cluster's compaction past the log's age does. */
  const compactAll = (store: Store) => {
    const s = store as unknown as { retention: { maxChanges: number; maxAgeMs: number } };
    const kept = s.retention;
    s.retention = { maxChanges: 0, maxAgeMs: kept.maxAgeMs };
    try {
      store.compact();
    } finally {
      s.retention = kept;
    }
  };
  const rowsOf = (store: Store, name: string) =>
    store.sqlStorage.exec<{ rv: number; type: string }>("SELECT rv, type FROM changes WHERE resource = 'configmaps' AND namespace = 'default' AND name = ? ORDER BY rv", name).toArray().map((r) => ({ ...r }));

  it("stores each body once: objects hold a key's revision, and its change row is the body", async () => {
    const { stub } = await newCluster({ name: "onebody" });
    expect((await kube(stub, "POST", CMS, { metadata: { name: "one" }, data: { k: "v" } })).status).toBe(201);
    const seen = await runInDurableObject(stub, (o: ClusterObject) => {
      const sql = storeOf(o).sqlStorage;
      const columns = sql.exec<{ name: string }>("SELECT name FROM pragma_table_info('objects')").toArray().map((r) => r.name);
      const withoutRowid = sql.exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'objects'").one().sql.includes("WITHOUT ROWID");
      const plan = sql
        .exec<{ detail: string }>("EXPLAIN QUERY PLAN SELECT body FROM object_bodies WHERE resource = ? AND namespace = ? AND name = ?", "configmaps", "default", "one")
        .toArray()
        .map((r) => r.detail);
      // A list reads in key order through the key, with no sort of its own (at 100,000 pods a sort
      // would hold every body before the first row).
      const listPlans = [
        ["SELECT namespace, name, body FROM object_bodies WHERE resource = ? ORDER BY namespace, name", "pods"],
        ["SELECT namespace, name, body FROM object_bodies WHERE resource = ? AND namespace = ? ORDER BY name", "pods", "default"],
        ["SELECT namespace, name, body FROM object_bodies WHERE resource = ? AND (namespace, name) > (?, ?) ORDER BY namespace, name", "pods", "a", "b"],
      ].map(([q, ...args]) =>
        sql
          .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`, ...args)
          .toArray()
          .map((r) => r.detail)
          .join("; "),
      );
      // Every object's current state is in the log.
      const orphans = Number(sql.exec("SELECT count(*) AS n FROM objects o WHERE NOT EXISTS (SELECT 1 FROM changes c WHERE c.rv = o.rv)").one().n);
      let duplicate = "";
      try {
        sql.exec("INSERT INTO objects (resource, namespace, name, uid, rv) VALUES ('configmaps', 'default', 'one', 'x', 1)");
      } catch (e) {
        duplicate = String(e);
      }
      return { columns, withoutRowid, plan, listPlans, orphans, duplicate };
    });
    expect(seen.columns).toEqual(["resource", "namespace", "name", "uid", "rv"]);
    expect(seen.withoutRowid).toBe(true);
    // One lookup by key, then one by the change's rowid: no pass over either table.
    expect(seen.plan).toHaveLength(2);
    expect(seen.plan[0]).toMatch(/SEARCH o USING PRIMARY KEY \(resource=\? AND namespace=\? AND name=\?\)/);
    expect(seen.plan[1]).toMatch(/SEARCH c USING INTEGER PRIMARY KEY \(rowid=\?\)/);
    for (const p of seen.listPlans) {
      expect(p).toMatch(/SEARCH o USING PRIMARY KEY/);
      expect(p).toMatch(/SEARCH c USING INTEGER PRIMARY KEY/);
      expect(p).not.toMatch(/TEMP B-TREE/);
    }
    // A page after the first starts at its continue key, not at the resource's first row.
    expect(seen.listPlans[2]).toContain("(namespace,name)>(?,?)");
    expect(seen.orphans).toBe(0);
    expect(seen.duplicate).toContain("UNIQUE constraint failed: objects.");
  });

  it("keeps the body of an object whose last change is compacted, and drops what a later write or a deletion supersedes", async () => {
    const { stub } = await newCluster({ name: "compactbodies" });
    for (const name of ["a", "b", "c"]) expect((await kube(stub, "POST", CMS, { metadata: { name }, data: { k: name } })).status).toBe(201);
    expect((await kube(stub, "PUT", `${CMS}/b`, { metadata: { name: "b" }, data: { k: "b2" } })).status).toBe(200);
    expect((await kube(stub, "DELETE", `${CMS}/c`)).status).toBe(200);
    const compacted = await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const before = { a: rowsOf(store, "a"), b: rowsOf(store, "b"), c: rowsOf(store, "c") };
      compactAll(store);
      for (const [key] of [...store.bodies.entries()]) store.bodies.delete(key);
      return { before, after: { a: rowsOf(store, "a"), b: rowsOf(store, "b"), c: rowsOf(store, "c") }, rv: store.rv, compactedRv: store.compactedRv };
    });
    expect(compacted.before.b.map((r) => r.type)).toEqual(["ADDED", "MODIFIED"]);
    expect(compacted.before.c.map((r) => r.type)).toEqual(["ADDED", "DELETED"]);
    expect(compacted.compactedRv).toBe(compacted.rv);
    // Only the current states stay: b's first version and c's whole history are gone.
    expect(compacted.after).toEqual({ a: compacted.before.a, b: compacted.before.b.slice(1), c: [] });
    // Read from SQLite (the body cache was emptied), in a list and one by one.
    expect((await kube(stub, "GET", `${CMS}/a`)).json.data).toEqual({ k: "a" });
    expect((await kube(stub, "GET", `${CMS}/b`)).json.data).toEqual({ k: "b2" });
    const listed = (await kube(stub, "GET", CMS)).json.items
      .filter((i: { metadata: { name: string } }) => i.metadata.name.length === 1)
      .map((i: { metadata: { name: string }; data: unknown }) => [i.metadata.name, i.data]);
    expect(listed).toEqual([
      ["a", { k: "a" }],
      ["b", { k: "b2" }],
    ]);
    // A watch from before the compaction is told it is too old; one from its revision sees what follows.
    const old = await watch(stub, `${CMS}?watch=true&resourceVersion=${compacted.rv - 1}`);
    expect((await old.next(1))[0]).toMatchObject({ type: "ERROR", object: { code: 410 } });
    const fresh = await watch(stub, `${CMS}?watch=true&resourceVersion=${compacted.rv}`);

    // An update of a (whose row is below the compacted revision) and the deletion of b take their old rows at once.
    expect((await kube(stub, "PUT", `${CMS}/a`, { metadata: { name: "a" }, data: { k: "a2" } })).status).toBe(200);
    expect((await fresh.next(1))[0]).toMatchObject({ type: "MODIFIED", object: { metadata: { name: "a" }, data: { k: "a2" } } });
    await fresh.cancel();
    expect((await kube(stub, "DELETE", `${CMS}/b`)).status).toBe(200);
    const later = await runInDurableObject(stub, async (o: ClusterObject) => {
      const store = storeOf(o);
      const now = { a: rowsOf(store, "a"), b: rowsOf(store, "b") };
      compactAll(store);
      const { Store } = await import("../../worker/cluster/store/store");
      const restarted = new Store((o as unknown as { ctx: DurableObjectState }).ctx.storage);
      return { now, compactedAgain: { a: rowsOf(store, "a"), b: rowsOf(store, "b") }, restartedA: restarted.get("configmaps", "default", "a") };
    });
    expect(later.now.a.map((r) => r.type)).toEqual(["MODIFIED"]);
    expect(later.now.b.map((r) => r.type)).toEqual(["DELETED"]);
    expect(later.compactedAgain).toEqual({ a: later.now.a, b: [] });
    expect(later.restartedA?.data).toEqual({ k: "a2" });
  });

  it("moves into the log the bodies of objects whose last change was compacted when an older store is migrated", async () => {
    const { stub } = await newCluster({ name: "bodymigrate" });
    for (const name of ["x", "y"]) expect((await kube(stub, "POST", CMS, { metadata: { name }, data: { k: name } })).status).toBe(201);
    const result = await runInDurableObject(stub, (o: ClusterObject) => {
      const store = storeOf(o);
      const sql = store.sqlStorage;
      const rows = () => objectRows(sql);
      const before = rows();
      // The store before this step: bodies in objects, and the log compacted past x's creation.
      const step = STEPS.findIndex((stmts) => stmts.some((q) => q.includes("CREATE VIEW object_bodies")));
      bodiesBackInObjects(sql);
      const xRv = sql.exec<{ rv: number }>("SELECT rv FROM objects WHERE resource = 'configmaps' AND name = 'x'").one().rv;
      sql.exec("DELETE FROM changes WHERE rv <= ?", xRv);
      const xGone = sql.exec("SELECT 1 FROM changes WHERE rv = ?", xRv).toArray().length === 0;
      sql.exec("UPDATE meta SET value = ? WHERE key = 'schema_version'", String(step));
      migrate(sql);
      const xRow = sql.exec<{ type: string; body: string }>("SELECT type, body FROM changes WHERE rv = ?", xRv).toArray()[0];
      return { before, after: rows(), xGone, xRow: xRow && { type: xRow.type, data: JSON.parse(xRow.body).data } };
    });
    expect(result.xGone).toBe(true);
    expect(result.after).toEqual(result.before);
    expect(result.xRow).toEqual({ type: "MODIFIED", data: { k: "x" } });
    expect((await kube(stub, "GET", `${CMS}/x`)).json.data).toEqual({ k: "x" });
  });
});

describe("the kubelet's tables", () => {
  it("finds runtimes and volume snapshots through small unique indexes, and an older store keeps them all when migrated", async () => {
    const { stub } = await newCluster({ name: "kubeletrows", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    const pod = { metadata: { name: "web" }, spec: { containers: [{ name: "c", image: "nginx" }] } };
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod)).status).toBe(201);
    await settle(stub);
    const tables = (sql: SqlStorage) => ({
      runtimes: sql.exec("SELECT uid, namespace, name, node, state, seen_rv FROM pod_runtime ORDER BY uid").toArray().map((r) => ({ ...r })),
      snapshots: sql.exec("SELECT pod_uid, volume, written_at, files, pending_since FROM pod_volume_files ORDER BY pod_uid, volume").toArray().map((r) => ({ ...r })),
    });
    const result = await runInDurableObject(stub, (o: ClusterObject) => {
      const sql = storeOf(o).sqlStorage;
      const plan = (q: string, ...args: SqlStorageValue[]) => sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`, ...args).toArray().map((r) => r.detail).join("; ");
      const plans = [plan("SELECT state FROM pod_runtime WHERE uid = ?", "x"), plan("SELECT files FROM pod_volume_files WHERE pod_uid = ? AND volume = ?", "x", "v")];
      const before = tables(sql);
      // Back to the tables as they were: each row in its key's b-tree.
      const step = STEPS.findIndex((stmts) => stmts.some((q) => q.startsWith("CREATE TABLE pod_runtime_by_rowid")));
      sql.exec("CREATE TABLE pod_runtime_old (uid TEXT PRIMARY KEY, namespace TEXT NOT NULL, name TEXT NOT NULL, node TEXT NOT NULL, state TEXT NOT NULL, seen_rv INTEGER) WITHOUT ROWID");
      sql.exec("INSERT INTO pod_runtime_old SELECT uid, namespace, name, node, state, seen_rv FROM pod_runtime");
      sql.exec("DROP TABLE pod_runtime");
      sql.exec("ALTER TABLE pod_runtime_old RENAME TO pod_runtime");
      sql.exec("CREATE INDEX pod_runtime_name ON pod_runtime(namespace, name)");
      sql.exec(
        "CREATE TABLE pod_volume_files_old (pod_uid TEXT NOT NULL, volume TEXT NOT NULL, written_at INTEGER NOT NULL, files TEXT NOT NULL, pending_since INTEGER, PRIMARY KEY (pod_uid, volume)) WITHOUT ROWID",
      );
      sql.exec("INSERT INTO pod_volume_files_old SELECT pod_uid, volume, written_at, files, pending_since FROM pod_volume_files");
      sql.exec("DROP TABLE pod_volume_files");
      sql.exec("ALTER TABLE pod_volume_files_old RENAME TO pod_volume_files");
      bodiesBackInObjects(sql);
      sql.exec("UPDATE meta SET value = ? WHERE key = 'schema_version'", String(step));
      migrate(sql);
      const withoutRowid = sql
        .exec<{ sql: string }>("SELECT sql FROM sqlite_master WHERE type = 'table' AND name IN ('pod_runtime', 'pod_volume_files')")
        .toArray()
        .filter((r) => r.sql.includes("WITHOUT ROWID")).length;
      const indexes = sql.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('pod_runtime', 'pod_volume_files') ORDER BY name").toArray().map((r) => r.name);
      return { plans, before, after: tables(sql), withoutRowid, indexes };
    });
    expect(result.plans[0]).toContain("pod_runtime_uid");
    expect(result.plans[1]).toContain("pod_volume_files_key");
    // The running pod has a runtime and its service account's projected volume a snapshot.
    expect(result.before.runtimes.some((r) => r.name === "web" && r.namespace === "default")).toBe(true);
    expect(result.before.snapshots.length).toBeGreaterThan(0);
    expect(result.after).toEqual(result.before);
    expect(result.withoutRowid).toBe(0);
    expect(result.indexes).toEqual(["pod_runtime_name", "pod_runtime_uid", "pod_volume_files_key"]);
    // The kubelet goes on with the migrated rows: the pod's containers stop and its runtime and snapshots go with it.
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/web")).status).toBe(200);
    await (stub as unknown as { moveClock(r: { advanceSeconds: number }): Promise<unknown> }).moveClock({ advanceSeconds: 60 });
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods/web")).status).toBe(404);
    const left = await runInDurableObject(stub, (o: ClusterObject) => tables(storeOf(o).sqlStorage));
    const uid = result.before.runtimes.find((r) => r.name === "web")!.uid;
    expect(left.runtimes.some((r) => r.uid === uid)).toBe(false);
    expect(left.snapshots.some((r) => r.pod_uid === uid)).toBe(false);
  });
});
