// The sandbox reaper: one Durable Object per tenant holding expiries on one alarm. Its alarm
// erases due clusters (object and D1 rows), follows an extension written to D1, sets the alarm
// for the next expiry, and is harmless when it runs twice. An expired cluster is gone at the edge
// before the reaper runs.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { clusterById, db, namespacesOf, sandboxesOf } from "../../worker/db/queries";
import * as schema from "../../worker/db/schema";
import { clusterOwner } from "../../worker/service/clusterAccess";
import { parseClusterConfig } from "../../worker/service/clusterConfig";
import { reaperOf, type SandboxReaper } from "../../worker/service/reaper";
import { env, settle } from "./helpers";

const d = db(env.DB);

async function tenant(): Promise<string> {
  const id = `t-${crypto.randomUUID().slice(0, 8)}`;
  await d.insert(schema.tenants).values({ id, name: id, createdAt: Date.now() });
  return id;
}

/** A sandbox as POST /v1/sandboxes leaves it: a live cluster object and every row about it. */
async function sandbox(tenantId: string, expiresAt: number) {
  const clusterId = `c-${crypto.randomUUID().slice(0, 12)}`;
  const name = `sb-${clusterId.slice(2, 10)}`;
  const config = parseClusterConfig(JSON.stringify({ name }), null);
  const stub = env.CLUSTER.get(env.CLUSTER.idFromName(clusterId));
  await stub.init({ id: clusterId, config });
  await settle(stub);
  const sbId = `sb-${clusterId}`;
  await d.batch([
    d.insert(schema.clusters).values({ id: clusterId, tenantId, name, config: JSON.stringify(config), createdAt: Date.now(), expiresAt }),
    d.insert(schema.tokens).values({ id: `tok-${clusterId}`, tenantId, name, clusterId, role: "admin", secretHash: crypto.randomUUID(), prefix: "kdo_x", createdAt: Date.now(), parentId: null }),
    d.insert(schema.sandboxes).values({ id: sbId, tenantId, clusterId, template: "kind", owner: null, tokenId: `tok-${clusterId}`, classId: null, seat: null, createdAt: Date.now() }),
    d.insert(schema.snapshots).values({ id: `snap-${clusterId}`, tenantId, clusterId, name: "one", objects: "", createdAt: Date.now() }),
    d.insert(schema.downloads).values({ codeHash: `h-${clusterId}`, tenantId, sandboxId: sbId, sealed: "x", createdAt: Date.now(), usedAt: null }),
    d.insert(schema.namespaces).values({ clusterId, name: "kubedo-test", uid: "u", phase: "Active", resourceVersion: 1, deleted: false, createdAt: new Date().toISOString() }).onConflictDoNothing(),
  ]);
  return { clusterId, stub, sbId };
}

async function rowsLeft(clusterId: string, sbId: string) {
  const count = async (t: string, where: string, v: string) => (await env.DB.prepare(`SELECT count(*) AS n FROM ${t} WHERE ${where} = ?`).bind(v).first<{ n: number }>())!.n;
  return {
    clusters: await count("clusters", "id", clusterId),
    tokens: await count("tokens", "cluster_id", clusterId),
    sandboxes: await count("sandboxes", "cluster_id", clusterId),
    snapshots: await count("snapshots", "cluster_id", clusterId),
    downloads: await count("downloads", "sandbox_id", sbId),
    namespaces: await count("namespaces", "cluster_id", clusterId),
  };
}

/**
 * Runs the reaper's alarm now. An alarm set in the past is also delivered by the runtime on its
 * own, maybe at the same moment: that is the "runs twice" case the reaper must bear.
 */
const runAlarm = (reaper: DurableObjectStub<SandboxReaper>) => runInDurableObject(reaper, (o: SandboxReaper) => o.alarm());

const none = { clusters: 0, tokens: 0, sandboxes: 0, snapshots: 0, downloads: 0, namespaces: 0 };
const alarmOf = (reaper: DurableObjectStub<SandboxReaper>) => runInDurableObject(reaper, (_o, state) => state.storage.getAlarm());

describe("the sandbox reaper", () => {
  it("erases a due cluster with every row about it, keeps a later one and sets its alarm for it; a second run is harmless", async () => {
    const t = await tenant();
    const due = await sandbox(t, Date.now() - 1000);
    const later = Date.now() + 3_600_000;
    const kept = await sandbox(t, later);
    const reaper = reaperOf(env, t);
    await reaper.schedule([
      { clusterId: due.clusterId, expiresAt: Date.now() - 1000 },
      { clusterId: kept.clusterId, expiresAt: later },
    ]);
    await runAlarm(reaper);

    expect(await rowsLeft(due.clusterId, due.sbId)).toEqual(none);
    expect((await due.stub.info()).id).toBe("");
    expect(await clusterById(d, kept.clusterId)).toBeDefined();
    expect((await kept.stub.info()).id).toBe(kept.clusterId);
    expect(await reaper.pending()).toEqual([{ clusterId: kept.clusterId, expiresAt: later }]);
    expect(await alarmOf(reaper)).toBe(later);
    // The sandbox's own object holds no timer for its expiry.
    expect((await kept.stub.info()).timers.filter((x) => Date.parse(x.due) >= later - 1000)).toEqual([]);

    // Delivered again: nothing more is erased.
    await runAlarm(reaper);
    expect(await clusterById(d, kept.clusterId)).toBeDefined();
    expect((await sandboxesOf(d, t, Date.now())).map((s) => s.clusterId)).toEqual([kept.clusterId]);

    // Cancelled: no row, no alarm.
    await reaper.cancel([kept.clusterId]);
    expect(await reaper.pending()).toEqual([]);
    expect(await alarmOf(reaper)).toBeNull();
  });

  it("follows an extension written to D1 after its own row", async () => {
    const t = await tenant();
    const extended = Date.now() + 7_200_000;
    const sb = await sandbox(t, extended);
    const reaper = reaperOf(env, t);
    await reaper.schedule([{ clusterId: sb.clusterId, expiresAt: Date.now() - 1 }]);
    await runAlarm(reaper);
    expect(await rowsLeft(sb.clusterId, sb.sbId)).toMatchObject({ clusters: 1, sandboxes: 1, tokens: 1 });
    expect(await reaper.pending()).toEqual([{ clusterId: sb.clusterId, expiresAt: extended }]);
    expect(await alarmOf(reaper)).toBe(extended);
    expect((await namespacesOf(d, sb.clusterId)).map((n) => n.name)).toContain("kubedo-test");
  });

  it("erases a cluster that no longer has D1 rows (deleted by hand) without failing", async () => {
    const t = await tenant();
    const reaper = reaperOf(env, t);
    await reaper.schedule([{ clusterId: "c-neverwas", expiresAt: Date.now() - 1 }]);
    await runAlarm(reaper);
    expect(await reaper.pending()).toEqual([]);
    expect(await alarmOf(reaper)).toBeNull();
  });
});

describe("an expired cluster at the edge", () => {
  it("is gone (no owner) once its expiresAt passed, before the reaper runs", async () => {
    const t = await tenant();
    const live = await sandbox(t, Date.now() + 60_000);
    const expired = await sandbox(t, Date.now() - 1);
    expect(await clusterOwner(env, live.clusterId)).toBe(t);
    expect(await clusterOwner(env, expired.clusterId)).toBeNull();
    expect((await sandboxesOf(d, t, Date.now())).map((s) => s.clusterId)).toEqual([live.clusterId]);
  });
});
