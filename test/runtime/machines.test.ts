// The machines behind the nodes, answered from memory: the answers agree with SQLite through
// writes, removals and rollbacks.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Machines } from "../../worker/cluster/node/machines";
import type { Store } from "../../worker/cluster/store/store";
import { newCluster } from "./helpers";

describe("machines", () => {
  it("answers from memory what SQLite holds, and forgets what a rolled-back transaction wrote", async () => {
    const { stub } = await newCluster();
    const seen = await runInDurableObject(stub, (o: ClusterObject) => {
      // internal access: the machines and the store are private
      const { machines, store } = o as unknown as { machines: Machines; store: Store };
      const sql = store.sqlStorage;
      const read = (m: Machines) => ({ running: m.isRunning("m1"), stoppedAt: m.stoppedAt("m1"), cni: m.cniOf("m1"), image: m.hasImage("m1", "nginx:1.27") });
      const fromSql = () => ({
        machine: sql.exec("SELECT running, since FROM machines WHERE name = 'm1'").toArray(),
        cni: sql.exec("SELECT plugin FROM node_cni WHERE node = 'm1'").toArray(),
        images: sql.exec("SELECT image FROM node_images WHERE node = 'm1'").toArray(),
      });
      const fresh = read(machines);
      machines.set("m1", true, 1000);
      machines.addImage("m1", "nginx:1.27");
      expect(machines.setCni("m1", "kindnet", 1000)).toBe(true);
      expect(machines.setCni("m1", "calico", 2000)).toBe(false);
      const written = read(machines);
      try {
        store.transaction(() => {
          machines.set("m1", false, 5000);
          machines.remove("m1");
          throw new Error("rolled back");
        });
      } catch {
        // the rollback is the point
      }
      const rolledBack = read(machines);
      const sqlAfterRollback = fromSql();
      machines.set("m1", false, 7000);
      const stopped = read(machines);
      machines.remove("m1");
      return { fresh, written, rolledBack, sqlAfterRollback, stopped, removed: read(machines), sqlRemoved: fromSql() };
    });
    expect(seen.fresh).toEqual({ running: true, stoppedAt: null, cni: null, image: false });
    expect(seen.written).toEqual({ running: true, stoppedAt: null, cni: "kindnet", image: true });
    expect(seen.rolledBack).toEqual(seen.written);
    expect(seen.sqlAfterRollback).toEqual({ machine: [{ running: 1, since: 1000 }], cni: [{ plugin: "kindnet" }], images: [{ image: "nginx:1.27" }] });
    expect(seen.stopped).toEqual({ running: false, stoppedAt: 7000, cni: "kindnet", image: true });
    expect(seen.removed).toEqual(seen.fresh);
    expect(seen.sqlRemoved).toEqual({ machine: [], cni: [], images: [] });
  });
});
