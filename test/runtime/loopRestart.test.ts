// The control loop after the object starts again: from the settled mark (the changes after it
// replayed), or by every controller's resync when the mark cannot be trusted.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import { SETTLED_META, type ControlLoop } from "../../worker/cluster/loop/loop";
import type { Store } from "../../worker/cluster/store/store";
import { DEPLOYMENT } from "../../worker/cluster/controllers/deployment";
import { DAEMONSET } from "../../worker/cluster/controllers/daemonset";
import { HPA } from "../../worker/cluster/controllers/horizontalPodAutoscaler";
import { clusterStubOf, kube, kubeRequest, newSettledCluster, settle } from "./helpers";

/** The object's private parts a restart rebuilds (start() is what the constructor runs). */
interface Inside {
  loop: ControlLoop;
  store: Store;
  running: boolean;
  start(): Promise<void>;
}
const inside = (o: ClusterObject) => o as unknown as Inside;
/** The loop's queues, by controller (private). */
const queuesOf = (loop: ControlLoop) => (loop as unknown as { queues: Map<string, Set<string>> }).queues;

const web = (replicas: number) => ({
  metadata: { name: "web" },
  spec: { replicas, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } },
});

describe("the control loop after a restart", () => {
  it("records the revision at which every queue emptied, and starts again from it with nothing to do", async () => {
    const { stub } = await newSettledCluster();
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", web(2))).status).toBe(201);
    await settle(stub);
    const alarm = (await stub.info()).alarm;
    const seen = await runInDurableObject(stub, async (o: ClusterObject) => {
      const i = inside(o);
      const mark = i.store.meta(SETTLED_META) ?? "";
      const rv = i.store.rv;
      await i.start();
      const fromMark = i.loop.pending;
      // Without the mark the same start asks every controller: every Deployment and DaemonSet is queued.
      i.store.sqlStorage.exec("DELETE FROM meta WHERE key = ?", SETTLED_META);
      await i.start();
      const queues = queuesOf(i.loop);
      return { mark, rv, fromMark, full: i.loop.pending, deployments: [...queues.get(DEPLOYMENT)!], daemonsets: queues.get(DAEMONSET)!.size };
    });
    expect(seen.mark.startsWith(`${seen.rv}|`)).toBe(true);
    expect(seen.fromMark).toBe(0);
    expect(seen.full).toBeGreaterThan(0);
    expect(seen.deployments).toContain("default/web");
    expect(seen.daemonsets).toBeGreaterThan(0);
    // The full resync's work changes nothing: the cluster is as it was (its timers included).
    await settle(stub);
    expect((await stub.info()).alarm).toBe(alarm);
  });

  it("replays the changes committed after the mark: work not yet done when the object went away is done after", async () => {
    const { id, stub } = await newSettledCluster();
    const seen = await runInDurableObject(stub, async (o: ClusterObject, state) => {
      const i = inside(o);
      const mark = Number((i.store.meta(SETTLED_META) ?? "").split("|")[0]);
      // Created, and the object goes before its alarm: the Deployment's keys were only in memory.
      await o.kube(kubeRequest("POST", "/apis/apps/v1/namespaces/default/deployments", web(3)));
      await state.storage.deleteAlarm();
      const rv = i.store.rv;
      await i.start();
      const queues = queuesOf(i.loop);
      return { mark, rv, deployments: [...queues.get(DEPLOYMENT)!], daemonsets: queues.get(DAEMONSET)!.size };
    });
    expect(seen.mark).toBeLessThan(seen.rv);
    // From the change log, not from every object: the new Deployment is queued, the DaemonSets are not.
    expect(seen.deployments).toEqual(["default/web"]);
    expect(seen.daemonsets).toBe(0);
    await abortAllDurableObjects().catch(() => {});
    const fresh = clusterStubOf(id);
    await fresh.moveClock({ advanceSeconds: 30 });
    await settle(fresh);
    const d = (await kube(fresh, "GET", "/apis/apps/v1/namespaces/default/deployments/web")).json;
    expect(d.status.availableReplicas).toBe(3);
  });

  it("drops the mark when work is queued that no change records (a poke, a timer come due)", async () => {
    const { stub } = await newSettledCluster();
    const seen = await runInDurableObject(stub, async (o: ClusterObject, state) => {
      const i = inside(o);
      const before = i.store.meta(SETTLED_META) !== undefined;
      i.loop.enqueue(DEPLOYMENT, "default/nothing");
      const afterPoke = i.store.meta(SETTLED_META) !== undefined;
      await state.storage.deleteAlarm();
      await i.start();
      return { before, afterPoke, pending: i.loop.pending };
    });
    expect(seen).toEqual({ before: true, afterPoke: false, pending: expect.any(Number) });
    expect(seen.pending).toBeGreaterThan(0);
    await settle(stub);
    // The pass that follows settles again.
    const again = await runInDurableObject(stub, (o: ClusterObject) => inside(o).store.meta(SETTLED_META)?.startsWith(`${inside(o).store.rv}|`));
    expect(again).toBe(true);
  });

  it("does not trust a mark left by other code or one older than the change log's oldest entry", async () => {
    const { stub } = await newSettledCluster();
    const seen = await runInDurableObject(stub, async (o: ClusterObject) => {
      const i = inside(o);
      const [rv, stamp] = (i.store.meta(SETTLED_META) ?? "").split("|");
      i.store.setMeta(SETTLED_META, `${rv}|${stamp}.other`);
      await i.start();
      const otherCode = i.loop.pending;
      // The log compacted past the mark: the changes after it are no longer all there.
      i.store.setMeta(SETTLED_META, `${Number(rv) - 1}|${stamp}`);
      i.store.setMeta("compacted_rv", rv);
      await i.start();
      const compacted = i.loop.pending;
      i.store.setMeta(SETTLED_META, `${rv}|${stamp}`);
      await i.start();
      return { otherCode, compacted, trusted: i.loop.pending };
    });
    expect(seen.otherCode).toBeGreaterThan(0);
    expect(seen.compacted).toBeGreaterThan(0);
    expect(seen.trusted).toBe(0);
    await settle(stub);
  });

  it("finishes a foreground deletion across a restart: the owner goes when its held dependent does", async () => {
    const { id, stub } = await newSettledCluster();
    const boss = (await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "boss" } })).json;
    const dep = { metadata: { name: "dep", finalizers: ["example.com/hold"], ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", name: "boss", uid: boss.metadata.uid, blockOwnerDeletion: true }] } };
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", dep)).status).toBe(201);
    await settle(stub);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/boss", { propagationPolicy: "Foreground" })).status).toBe(200);
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/dep")).json.metadata.deletionTimestamp).toBeTruthy();
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/boss")).json.metadata.finalizers).toEqual(["foregroundDeletion"]);
    const settled = await runInDurableObject(stub, (o: ClusterObject) => inside(o).store.meta(SETTLED_META)?.startsWith(`${inside(o).store.rv}|`));
    expect(settled).toBe(true);
    await abortAllDurableObjects().catch(() => {});
    const fresh = clusterStubOf(id);
    await kube(fresh, "PATCH", "/api/v1/namespaces/default/configmaps/dep", [{ op: "remove", path: "/metadata/finalizers" }], { contentType: "application/json-patch+json" });
    await settle(fresh);
    expect((await kube(fresh, "GET", "/api/v1/namespaces/default/configmaps/dep")).status).toBe(404);
    expect((await kube(fresh, "GET", "/api/v1/namespaces/default/configmaps/boss")).status).toBe(404);
  });

  it("keeps following an autoscaler's namespace after a restart from the mark", async () => {
    const { stub } = await newSettledCluster();
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", web(1))).status).toBe(201);
    const hpa = { metadata: { name: "web" }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 50 } } }] } };
    expect((await kube(stub, "POST", "/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", hpa)).status).toBe(201);
    await settle(stub);
    const keys = await runInDurableObject(stub, async (o: ClusterObject) => {
      const i = inside(o);
      await i.start();
      const pending = i.loop.pending;
      const controllers = (i.loop as unknown as { controllers: { name: string; keysFor(c: unknown): string[] }[] }).controllers;
      const hpaController = controllers.find((c) => c.name === HPA)!;
      const podChange = (namespace: string) => ({ rv: i.store.rv + 1, type: "MODIFIED", resource: "pods", namespace, name: "x", body: "{}", prev: null });
      return { pending, here: hpaController.keysFor(podChange("default")), elsewhere: hpaController.keysFor(podChange("kube-system")) };
    });
    expect(keys).toEqual({ pending: 0, here: ["default/*"], elsewhere: [] });
  });
});
