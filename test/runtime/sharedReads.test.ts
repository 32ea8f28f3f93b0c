// Nodes and Services are read from parsed, frozen copies (api/objectCache.ts, api/kindCache.ts):
// every kubelet sync reads its node and every container's environment lists its namespace's
// Services; and so are owners, for the garbage collector's checks (api/sharedObjects.ts). A write is seen by the next read, in its own transaction too; one that rolled back
// is never seen; and the node copies stay within their bound.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ApiServer } from "../../worker/cluster/api/apiserver";
import { ObjectCache } from "../../worker/cluster/api/objectCache";
import type { ClusterNetwork } from "../../worker/cluster/network/dial";
import type { ClusterObject } from "../../worker/cluster/object";
import { configmaps, type ConfigMap } from "../../worker/cluster/resources/configmap";
import { nodes, type Node } from "../../worker/cluster/resources/node";
import type { Store } from "../../worker/cluster/store/store";
import { kube, newSettledCluster } from "./helpers";

interface Inside {
  api: ApiServer;
  store: Store;
  network: ClusterNetwork;
}
// internal access: the test reads through the caches the controllers use
const inside = (o: ClusterObject) => o as unknown as Inside;

describe("shared reads", () => {
  it("give a frozen node that follows its writes, in and after a transaction, and never a rolled-back one", async () => {
    const { stub } = await newSettledCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const { api, store } = inside(o);
      const first = api.sharedGet<Node>("nodes", "", "test-control-plane")!;
      expect(Object.isFrozen(first)).toBe(true);
      expect(Object.isFrozen(first.metadata.labels)).toBe(true);
      expect(api.sharedGet<Node>("nodes", "", "test-control-plane")).toBe(first);
      expect(() =>
        store.transaction(() => {
          api.patch(nodes, "", "test-control-plane", "merge", { metadata: { labels: { tier: "gold" } } }, { trusted: true });
          expect(api.sharedGet<Node>("nodes", "", "test-control-plane")!.metadata.labels?.tier).toBe("gold");
          throw new Error("roll back");
        }),
      ).toThrow("roll back");
      expect(api.sharedGet<Node>("nodes", "", "test-control-plane")!.metadata.labels?.tier).toBeUndefined();
      expect(api.sharedGet<Node>("nodes", "", "extra")).toBeUndefined();
      store.transaction(() => api.create(nodes, "", { metadata: { name: "extra" } }, { trusted: true }));
      expect(api.sharedGet<Node>("nodes", "", "extra")?.metadata.name).toBe("extra");
    });
    expect((await kube(stub, "PATCH", "/api/v1/nodes/test-control-plane", { metadata: { labels: { tier: "silver" } } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    await runInDurableObject(stub, (o: ClusterObject) => {
      expect(inside(o).api.sharedGet<Node>("nodes", "", "test-control-plane")!.metadata.labels?.tier).toBe("silver");
    });
  });

  it("give an owner of any kind parsed once and frozen, the current one after every write, and never a rolled-back one", async () => {
    const { stub } = await newSettledCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const { api, store } = inside(o);
      store.transaction(() => api.create(configmaps, "default", { metadata: { name: "owner" }, data: { v: "1" } }, { trusted: true }));
      const first = api.sharedPeek<ConfigMap>("configmaps", "default", "owner")!;
      expect(first.data?.v).toBe("1");
      expect(Object.isFrozen(first.metadata)).toBe(true);
      expect(api.sharedPeek<ConfigMap>("configmaps", "default", "owner")).toBe(first);
      expect(() =>
        store.transaction(() => {
          api.patch(configmaps, "default", "owner", "merge", { data: { v: "2" } }, { trusted: true });
          expect(api.sharedPeek<ConfigMap>("configmaps", "default", "owner")!.data?.v).toBe("2");
          throw new Error("roll back");
        }),
      ).toThrow("roll back");
      expect(api.sharedPeek<ConfigMap>("configmaps", "default", "owner")!.data?.v).toBe("1");
      store.transaction(() => api.patch(configmaps, "default", "owner", "merge", { data: { v: "3" } }, { trusted: true }));
      expect(api.sharedPeek<ConfigMap>("configmaps", "default", "owner")!.data?.v).toBe("3");
      store.transaction(() => api.delete(configmaps, "default", "owner"));
      expect(api.sharedPeek<ConfigMap>("configmaps", "default", "owner")).toBeUndefined();
    });
  });

  it("keeps at most its capacity of objects, dropping the least recently read", async () => {
    const { stub } = await newSettledCluster();
    await runInDurableObject(stub, (o: ClusterObject) => {
      const { api, store } = inside(o);
      store.transaction(() => {
        for (const name of ["a", "b", "c"]) api.create(configmaps, "default", { metadata: { name }, data: { v: name } }, { trusted: true });
      });
      const cache = new ObjectCache(store, new Set(["configmaps"]), 2);
      const kept = () => [...(cache as unknown as { objects: Map<string, unknown> }).objects.keys()].map((k) => k.split("\u0000")[2]);
      cache.get("configmaps", "default", "a");
      cache.get("configmaps", "default", "b");
      cache.get("configmaps", "default", "a");
      cache.get("configmaps", "default", "c");
      expect(kept()).toEqual(["a", "c"]);
      expect((cache.get("configmaps", "default", "b") as unknown as { data: { v: string } }).data.v).toBe("b");
      expect(kept()).toEqual(["c", "b"]);
    });
  });

  it("lists a namespace's Services (what a container's environment is made from) as written, never a dry run's", async () => {
    const { stub } = await newSettledCluster();
    const svc = (name: string) => ({ metadata: { name }, spec: { ports: [{ port: 80 }] } });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/services", svc("first"))).status).toBe(201);
    const names = async () =>
      runInDurableObject(stub, (o: ClusterObject) =>
        inside(o)
          .network.view()
          .services("default")
          .map((s) => s.metadata.name),
      );
    expect(await names()).toEqual(["first", "kubernetes"]);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/services", svc("second"))).status).toBe(201);
    expect(await names()).toEqual(["first", "kubernetes", "second"]);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/services/first")).status).toBe(200);
    expect(await names()).toEqual(["kubernetes", "second"]);
    // A dry run's Service was written and rolled back: nobody sees it.
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/services?dryRun=All", svc("third"))).status).toBe(201);
    expect(await names()).toEqual(["kubernetes", "second"]);
  });
});
