// A cluster of hundreds of nodes is made, and its DaemonSets fill it, in transactions of bounded
// size: one transaction holds every change it makes in memory until it commits.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Change, Store } from "../../worker/cluster/store/store";
import { JOIN_BATCH } from "../../worker/cluster/bootstrap";
import { parseClusterConfig } from "../../worker/service/clusterConfig";
import { env, kube, settle } from "./helpers";

interface Tally {
  nodes: number[];
  daemonPods: number[];
}

describe("a large cluster", () => {
  it("joins its nodes at most JOIN_BATCH to a transaction, and its DaemonSets create at most 250 pods in one, until every node has its pods", async () => {
    const id = `c-${crypto.randomUUID().slice(0, 12)}`;
    const stub = env.CLUSTER.get(env.CLUSTER.idFromName(id));
    await runInDurableObject(stub, (o: ClusterObject) => {
      const tally: Tally = { nodes: [], daemonPods: [] };
      // internal access: the store is private
      (o as unknown as { store: Store }).store.onCommit((changes: readonly Change[]) => {
        const added = (resource: string, prefix = "") => changes.filter((c) => c.type === "ADDED" && c.resource === resource && c.name.startsWith(prefix)).length;
        tally.nodes.push(added("nodes"));
        tally.daemonPods.push(added("pods", "kube-proxy-"));
      });
      (globalThis as { tally?: Tally }).tally = tally;
    });
    const workers = 300;
    const config = { name: "big", networking: { podSubnet: "10.240.0.0/12" }, nodes: [{ role: "control-plane" }, ...Array.from({ length: workers }, () => ({ role: "worker" }))] };
    await stub.init({ id, config: parseClusterConfig(JSON.stringify(config), null) });
    await settle(stub);
    const tally = await runInDurableObject(stub, () => (globalThis as { tally?: Tally }).tally!);
    const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(sum(tally.nodes)).toBe(workers + 1);
    expect(Math.max(...tally.nodes)).toBeLessThanOrEqual(JOIN_BATCH);
    expect(sum(tally.daemonPods)).toBe(workers + 1);
    expect(Math.max(...tally.daemonPods)).toBe(250);
    const proxies = (await kube(stub, "GET", "/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-proxy")).json.items;
    expect(new Set(proxies.map((p: { spec: { nodeName?: string } }) => p.spec.nodeName)).size).toBe(workers + 1);
  }, 60_000);
});
