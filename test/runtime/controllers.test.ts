// The control loop: work after changes, nothing when idle, and queues rebuilt after eviction.
import { abortAllDurableObjects } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { clusterStubOf, kube, kubeRequest, newCluster, newSettledCluster, settle } from "./helpers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { ClusterObject } from "../../worker/cluster/object";
import { ControlLoop, RUN_RECONCILES, TURN_RECONCILES } from "../../worker/cluster/loop/loop";
import { GARBAGE_COLLECTOR } from "../../worker/cluster/controllers/garbageCollector";
import { STATEFULSET } from "../../worker/cluster/controllers/statefulset";
import { DAEMONSET } from "../../worker/cluster/controllers/daemonset";
import { DEPLOYMENT } from "../../worker/cluster/controllers/deployment";

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

  it("wakes the kubelet after an eviction only for pods changed since it last looked", async () => {
    const { id, stub } = await newSettledCluster();
    for (const name of ["steady", "touched"]) await kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name }, spec: { containers: [{ name: "c", image: "busybox", command: ["sleep", "infinity"] }] } });
    await settle(stub);
    await stub.moveClock({ advanceSeconds: 60 });
    await settle(stub);
    const keys = await runInDurableObject(stub, async (o: ClusterObject, state) => {
      const { kubeletController } = await import("../../worker/cluster/node/kubelet");
      // any: the loop is private; the test reads the kubelet's resync as a restarted object would make it
      const loop = (o as any).loop;
      const idle = kubeletController.resync(loop.context) as string[];
      // A change the kubelet has not seen when the object goes away (its alarm never came).
      await o.kube(kubeRequest("PATCH", "/api/v1/namespaces/default/pods/touched", { metadata: { labels: { x: "y" } } }, { contentType: "application/merge-patch+json" }));
      await state.storage.deleteAlarm();
      return { idle, after: kubeletController.resync(loop.context) as string[] };
    });
    expect(keys.idle.filter((k) => k.startsWith("default/"))).toEqual([]);
    expect(keys.after.filter((k) => k.startsWith("default/"))).toEqual(["default/touched"]);
    await abortAllDurableObjects().catch(() => {});
    const fresh = clusterStubOf(id);
    await settle(fresh);
    const pods = (await kube(fresh, "GET", "/api/v1/namespaces/default/pods")).json.items as { metadata: { name: string }; status: { phase: string } }[];
    expect(pods.map((p) => [p.metadata.name, p.status.phase])).toEqual([
      ["steady", "Running"],
      ["touched", "Running"],
    ]);
  });

  it("collects after an eviction the dependents whose owner is gone, looking up each owner once", async () => {
    const { id, stub } = await newSettledCluster();
    const cm = (name: string, owner?: { name: string; uid: string }) => ({
      metadata: { name, ...(owner ? { ownerReferences: [{ apiVersion: "v1", kind: "ConfigMap", ...owner }] } : {}) },
    });
    const boss = (await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", cm("boss"))).json;
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", cm("kept", { name: "boss", uid: boss.metadata.uid }))).status).toBe(201);
    await settle(stub);
    const keys = await runInDurableObject(stub, async (o: ClusterObject, state) => {
      const { garbageCollectorController } = await import("../../worker/cluster/controllers/garbageCollector");
      // any: the loop is private; the test reads the collector's resync as a restarted object would make it
      const loop = (o as any).loop;
      const idle = garbageCollectorController().resync(loop.context) as string[];
      // Dependents the collector has not looked at when the object goes away (its alarm never came):
      // one whose owner never existed, one naming an existing uid under another name.
      // Created and the alarm dropped with no await between, so no pass of the loop runs before.
      const { configmaps } = await import("../../worker/cluster/resources/configmap");
      // any: the API server is private
      const api = (o as any).api;
      api.create(configmaps, "default", cm("ghost-owned", { name: "nobody", uid: "0b7c6a4e-0000-4000-8000-000000000000" }));
      api.create(configmaps, "default", cm("misnamed", { name: "someone-else", uid: boss.metadata.uid }));
      await state.storage.deleteAlarm();
      return { idle, after: garbageCollectorController().resync(loop.context) as string[] };
    });
    expect(keys.idle.filter((k) => k.includes("|default|"))).toEqual([]);
    const after = keys.after.filter((k) => k.includes("|default|"));
    expect(after).toContain("check|configmaps|default|ghost-owned");
    expect(after).toContain("check|configmaps|default|misnamed");
    await abortAllDurableObjects().catch(() => {});
    const fresh = clusterStubOf(id);
    await settle(fresh);
    const names = ((await kube(fresh, "GET", "/api/v1/namespaces/default/configmaps")).json.items as { metadata: { name: string } }[]).map((c) => c.metadata.name);
    expect(names).toContain("boss");
    expect(names).toContain("kept");
    expect(names).not.toContain("ghost-owned");
    expect(names).not.toContain("misnamed");
  });

  it("queues the deletion of an object only when something names it as owner, a pod's controller found in SQLite", async () => {
    const { stub } = await newSettledCluster();
    const boss = (await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "boss" } })).json;
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "boss", uid: boss.metadata.uid };
    const dep = (await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "dep", ownerReferences: [ref] } })).json;
    // A pod whose controller is a ConfigMap: the collector keeps no entry for it in memory.
    const chief = (await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "chief" } })).json;
    const chiefRef = { apiVersion: "v1", kind: "ConfigMap", name: "chief", uid: chief.metadata.uid, controller: true };
    const pod = { metadata: { name: "ward", ownerReferences: [chiefRef] }, spec: { containers: [{ name: "c", image: "nginx" }] } };
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod)).status).toBe(201);
    await settle(stub);
    const keys = await runInDurableObject(stub, async (o: ClusterObject) => {
      const { garbageCollectorController } = await import("../../worker/cluster/controllers/garbageCollector");
      const deleted = (obj: Record<string, unknown>) => ({ rv: 1, type: "DELETED" as const, resource: "configmaps", namespace: "default", name: (obj.metadata as { name: string }).name, body: JSON.stringify(obj), prev: null });
      // any: the loop is private
      const ctx = (o as any).loop.context;
      // A collector that has not run a key yet: its first deletion builds the index from the store.
      const fresh = garbageCollectorController();
      const first = fresh.keysFor(deleted(dep), ctx);
      const gc = garbageCollectorController();
      gc.resync(ctx);
      const owners = { boss: gc.keysFor(deleted(boss), ctx), chief: gc.keysFor(deleted(chief), ctx) };
      return { first, ...owners, dep: gc.keysFor(deleted(dep), ctx), bossAgain: gc.keysFor(deleted(boss), ctx) };
    });
    expect(keys.first).toEqual([`owner-uid|${boss.metadata.uid}`]);
    expect(keys.boss).toEqual([`gone|${boss.metadata.uid}`]);
    expect(keys.chief).toEqual([`gone|${chief.metadata.uid}`]);
    // A dependent owns nothing: its deletion only tells its owner (which may wait in foreground deletion).
    expect(keys.dep).toEqual([`owner-uid|${boss.metadata.uid}`]);
    // Once its last dependent is gone, an owner's deletion has nothing to take.
    expect(keys.bossAgain).toEqual([]);
    // And an owner's deletion still takes its dependents with it, the pod too.
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/boss")).status).toBe(200);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/chief")).status).toBe(200);
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/dep")).status).toBe(404);
    const left = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/ward")).json;
    expect(left.metadata?.deletionTimestamp ?? left.code).toBeTruthy();
  });

  it("deletes the dependents of a deleted owner in transactions of at most 500, and every one of them", async () => {
    const { stub } = await newSettledCluster();
    const boss = (await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "boss" } })).json;
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "boss", uid: boss.metadata.uid };
    await runInDurableObject(stub, async (o: ClusterObject) => {
      const { configmaps } = await import("../../worker/cluster/resources/configmap");
      // any: the API server and the store are private
      const { api, store } = o as any;
      store.transaction(() => {
        for (let i = 0; i < 1_201; i++) api.create(configmaps, "default", { metadata: { name: `dep-${i}`, ownerReferences: [ref] } });
      });
    });
    await settle(stub);
    await runInDurableObject(stub, (o: ClusterObject) => {
      // What the object did, in order: each commit's deletions of dependents, and each time the
      // control loop let waiting requests in (it yields to the event loop with a timer of 0).
      const seen: string[] = [];
      // any: the store is private
      (o as any).store.onCommit((changes: { type: string; resource: string; name: string }[]) => {
        const n = changes.filter((c) => c.type === "DELETED" && c.resource === "configmaps" && c.name.startsWith("dep-")).length;
        if (n) seen.push(`deleted ${n}`);
      });
      const timer = globalThis.setTimeout;
      globalThis.setTimeout = ((fn: () => void, ms?: number) => {
        if (!ms) seen.push("answering");
        return timer(fn, ms);
      }) as typeof setTimeout;
      (globalThis as { gcSeen?: { seen: string[]; restore: () => void } }).gcSeen = { seen, restore: () => void (globalThis.setTimeout = timer) };
    });
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/configmaps/boss")).status).toBe(200);
    await settle(stub);
    const seen = await runInDurableObject(stub, () => {
      const g = (globalThis as { gcSeen?: { seen: string[]; restore: () => void } }).gcSeen!;
      g.restore();
      return g.seen;
    });
    // A batch a reconcile, and waiting requests answered between one batch and the next.
    const at = seen.flatMap((s, i) => (s.startsWith("deleted") ? [i] : []));
    expect(at.map((i) => seen[i])).toEqual(["deleted 500", "deleted 500", "deleted 201"]);
    expect(seen.slice(at[0]! + 1, at[1]!)).toContain("answering");
    expect(seen.slice(at[1]! + 1, at[2]!)).toContain("answering");
    const left = (await kube(stub, "GET", "/api/v1/namespaces/default/configmaps")).json.items.filter((c: { metadata: { name: string } }) => c.metadata.name.startsWith("dep-"));
    expect(left).toEqual([]);
  });

  it("finishes a foreground deletion the object was evicted in the middle of", async () => {
    const { id, stub } = await newSettledCluster();
    const boss = (await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "boss" } })).json;
    const ref = { apiVersion: "v1", kind: "ConfigMap", name: "boss", uid: boss.metadata.uid, blockOwnerDeletion: true };
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "dep", ownerReferences: [ref] } })).status).toBe(201);
    await settle(stub);
    const keys = await runInDurableObject(stub, async (o: ClusterObject, state) => {
      const { configmaps } = await import("../../worker/cluster/resources/configmap");
      const { garbageCollectorController } = await import("../../worker/cluster/controllers/garbageCollector");
      // any: the API server and the loop are private. The collector's resync is read as a
      // restarted object would make it, right after the delete (no pass of the loop between).
      (o as any).api.delete(configmaps, "default", "boss", { propagationPolicy: "Foreground" });
      const found = garbageCollectorController().resync((o as any).loop.context) as string[];
      await state.storage.deleteAlarm();
      return found.filter((k) => k.includes("|default|"));
    });
    expect(keys).toEqual(["owner|configmaps|default|boss"]);
    await abortAllDurableObjects().catch(() => {});
    const fresh = clusterStubOf(id);
    await settle(fresh);
    expect((await kube(fresh, "GET", "/api/v1/namespaces/default/configmaps/dep")).status).toBe(404);
    expect((await kube(fresh, "GET", "/api/v1/namespaces/default/configmaps/boss")).status).toBe(404);
  });

  it("schedules after an eviction the pods left unbound, and those that fit nowhere once a node fits them", async () => {
    const { id, stub } = await newSettledCluster({ name: "sched", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    const pod = (name: string, nodeSelector?: Record<string, string>) => ({ metadata: { name }, spec: { ...(nodeSelector ? { nodeSelector } : {}), containers: [{ name: "c", image: "nginx" }] } });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("waits", { disk: "ssd" }))).status).toBe(201);
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods/waits")).json.status.conditions[0].reason).toBe("Unschedulable");
    const keys = await runInDurableObject(stub, async (o: ClusterObject, state) => {
      const { pods } = await import("../../worker/cluster/resources/pod");
      const { schedulerController } = await import("../../worker/cluster/scheduler/scheduler");
      // any: the API server and the loop are private. The scheduler's resync is read as a
      // restarted object would make it, right after the create (no pass of the loop between).
      (o as any).api.create(pods, "default", pod("unbound"));
      const scheduler = schedulerController();
      scheduler.restore!((o as any).loop.context);
      const found = scheduler.resync((o as any).loop.context) as string[];
      await state.storage.deleteAlarm();
      return found.filter((k) => k.startsWith("default/"));
    });
    expect(keys.sort()).toEqual(["default/unbound", "default/waits"]);
    await abortAllDurableObjects().catch(() => {});
    const fresh = clusterStubOf(id);
    await settle(fresh);
    expect((await kube(fresh, "GET", "/api/v1/namespaces/default/pods/unbound")).json.spec.nodeName).toBe("sched-worker");
    expect((await kube(fresh, "PATCH", "/api/v1/nodes/sched-worker", { metadata: { labels: { disk: "ssd" } } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    await settle(fresh);
    expect((await kube(fresh, "GET", "/api/v1/namespaces/default/pods/waits")).json.spec.nodeName).toBe("sched-worker");
  });

  it("yields to requests and ends a run by its count of reconciles when the clock stands still, as it does deployed", async () => {
    const { stub } = await newSettledCluster();
    const seen = await runInDurableObject(stub, async (o: ClusterObject) => {
      const inside = o as unknown as { loop: ControlLoop; running: boolean };
      const loop = inside.loop;
      // This run stands for the alarm's: the alarm (set by enqueue) must not run the loop meanwhile.
      inside.running = true;
      const queued = RUN_RECONCILES * 2;
      for (let i = 0; i < queued; i++) loop.enqueue(DEPLOYMENT, `default/none-${i}`);
      const realNow = Date.now;
      const frozen = realNow();
      Date.now = () => frozen;
      let between = 0;
      const tick = () => {
        between++;
        if (between < 5) setTimeout(tick, 0);
      };
      setTimeout(tick, 0);
      try {
        await loop.run();
      } finally {
        Date.now = realNow;
        inside.running = false;
      }
      const left = loop.pending;
      // The alarm that came while this run stood in for it did nothing: one more key sets it again.
      loop.enqueue(DEPLOYMENT, "default/none-again");
      return { queued, left, between };
    });
    expect(seen.left).toBe(seen.queued - RUN_RECONCILES);
    // Work queued behind the run (a request's turn) ran while it went on.
    expect(seen.between).toBeGreaterThanOrEqual(5);
    await settle(stub);
  });

  it("reports a pass under way as due now, never as idle", async () => {
    const { stub } = await newSettledCluster();
    const seen = await runInDurableObject(stub, async (o: ClusterObject) => {
      const idle = await o.info();
      await o.kube(kubeRequest("POST", "/api/v1/namespaces", { metadata: { name: "busy" } }));
      // The alarm's pass starts (its alarm spent) and is asked about before it ends.
      const pass = o.alarm();
      const during = await o.info();
      await pass;
      return { idle: [idle.alarm, idle.running], during: [during.alarm !== null, during.running] };
    });
    expect(seen.idle).toEqual([null, false]);
    expect(seen.during).toEqual([true, true]);
  });

  it("works in a turn the keys queued when it began: a ReplicaSet's next 500 pods wait until the scheduler has had the first", async () => {
    const { stub } = await newSettledCluster({ name: "turns", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    const rs = {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: "many" },
      spec: {
        replicas: 1100,
        selector: { matchLabels: { app: "many" } },
        template: { metadata: { labels: { app: "many" } }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "1m", memory: "1Mi" } } }] } },
      },
    };
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/replicasets", rs)).status).toBe(201);
    await settle(stub);
    const order = await podOrder(stub, /^many-/);
    expect(order.created).toBe(1100);
    // The scheduler bound pods of the first 500 before the ReplicaSet's next sync made more.
    expect(order.firstBound).toBeLessThan(order.created501st);
    expect(order.created501st).toBeLessThan(order.created1001st);
  });

  it("ends a turn once it has written 500 objects: ReplicaSets queued together make 500 pods, then the scheduler has its turn", async () => {
    const { stub } = await newSettledCluster({ name: "written", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    await runInDurableObject(stub, async (o: ClusterObject) => {
      const { replicaSets } = await import("../../worker/cluster/resources/replicaset");
      // any: the API server and the store are private
      const { api, store } = o as any;
      // Three ReplicaSets in one transaction: their keys are queued for the same turn.
      store.transaction(() => {
        for (const name of ["one", "two", "three"])
          api.create(replicaSets, "default", {
            metadata: { name },
            spec: {
              replicas: 600,
              selector: { matchLabels: { app: name } },
              template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "1m", memory: "1Mi" } } }] } },
            },
          });
      });
    });
    await settle(stub);
    const order = await podOrder(stub, /^(one|two|three)-/);
    expect(order.created).toBe(1800);
    // One sync of 500 pods ended the ReplicaSets' turn: pods were bound before the next 500 were made.
    expect(order.firstBound).toBeLessThan(order.created501st);
  });

  it("gives every controller its turn: a long queue ahead of another does not hold it back for the whole run", async () => {
    const { stub } = await newSettledCluster();
    const seen = await runInDurableObject(stub, async (o: ClusterObject) => {
      const inside = o as unknown as { loop: ControlLoop; running: boolean };
      const loop = inside.loop;
      const queues = (loop as unknown as { queues: Map<string, Set<string>> }).queues;
      inside.running = true;
      try {
        // Long queues for four controllers early in the order (more than one run does), and one
        // key for the garbage collector, late in it.
        const busy = [DEPLOYMENT, "replicaset", STATEFULSET, DAEMONSET];
        for (const c of busy) for (let i = 0; i < RUN_RECONCILES; i++) loop.enqueue(c, `default/none-${i}`);
        loop.enqueue(GARBAGE_COLLECTOR, "check|configmaps|default|none");
        await loop.run();
        const first = { busy: busy.map((c) => queues.get(c)!.size), collector: queues.get(GARBAGE_COLLECTOR)!.size };
        // The next run goes on from where this one stopped, so the collector's turn comes.
        await loop.run();
        return { first, second: queues.get(GARBAGE_COLLECTOR)!.size };
      } finally {
        inside.running = false;
        // The alarm asked for while these runs stood in for it was held back: one more key sets it.
        loop.enqueue(DEPLOYMENT, "default/none-again");
      }
    });
    // Each of the four had a turn in the first run, none drained its queue, and the run ended there.
    expect(seen.first.busy.every((n) => n > 0 && n < RUN_RECONCILES)).toBe(true);
    expect(seen.first.busy.reduce((a, b) => a + b, 0)).toBe(3 * RUN_RECONCILES);
    expect(seen.first.busy[0]).toBe(RUN_RECONCILES - TURN_RECONCILES);
    expect(seen.first.collector).toBe(1);
    expect(seen.second).toBe(0);
    await settle(stub);
  });
});

describe("daemonset controller", () => {
  it("keeps one pod per node while a node's pod waits unbound, pinned by its node affinity, through later syncs", async () => {
    const { stub } = await newSettledCluster({ name: "ds", nodes: [{ role: "control-plane" }, { role: "worker" }, { role: "worker" }] });
    await stub.simulate({ profile: "instant" });
    const worker = (await kube(stub, "GET", "/api/v1/nodes/ds-worker")).json;
    const most = `${Math.floor(Number.parseFloat(worker.status.allocatable.cpu) * 600)}m`;
    // Most of ds-worker's cpu is taken, so the daemon pod meant for it cannot be placed there.
    const hog = await kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name: "hog" }, spec: { nodeName: "ds-worker", containers: [{ name: "c", image: "nginx:1.27", resources: { requests: { cpu: most } } }] } });
    expect(hog.status).toBe(201);
    await settle(stub);
    const made = await kube(stub, "POST", "/apis/apps/v1/namespaces/default/daemonsets", {
      metadata: { name: "agent" },
      spec: { selector: { matchLabels: { app: "agent" } }, template: { metadata: { labels: { app: "agent" } }, spec: { containers: [{ name: "a", image: "nginx:1.27", resources: { requests: { cpu: most } } }] } } },
    });
    expect(made.status).toBe(201);
    await settle(stub);
    const podsByNode = async () => {
      const list = (await kube(stub, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dagent")).json.items as { spec: { nodeName?: string; affinity?: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: { matchFields: { values: string[] }[] }[] } } } } }[];
      return list.map((p) => [p.spec.affinity!.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].values[0], p.spec.nodeName ?? null]).sort();
    };
    const expected = [
      ["ds-worker", null],
      ["ds-worker2", "ds-worker2"],
    ];
    expect(await podsByNode()).toEqual(expected);
    // More syncs (a spec change that keeps the template, and the passage of time) add no second pod for ds-worker.
    await kube(stub, "PATCH", "/apis/apps/v1/namespaces/default/daemonsets/agent", { spec: { minReadySeconds: 1 } }, { contentType: "application/merge-patch+json" });
    await settle(stub);
    await stub.moveClock({ advanceSeconds: 30 });
    await settle(stub);
    expect(await podsByNode()).toEqual(expected);
    const ds = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/daemonsets/agent")).json;
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1 });
  });
});

/** When the pods named so were created (their revisions, in order) and when the first was bound, from the change log. */
function podOrder(stub: DurableObjectStub<ClusterObject>, names: RegExp) {
  return runInDurableObject(stub, (o: ClusterObject) => {
    const store = (o as unknown as { store: { changesSince(rv: number, resource?: string): Iterable<{ rv: number; type: string; name: string; body: string }> } }).store;
    const created: number[] = [];
    let firstBound = Infinity;
    for (const c of store.changesSince(0, "pods")) {
      if (!names.test(c.name)) continue;
      if (c.type === "ADDED") created.push(c.rv);
      else if (c.body.includes('"nodeName"')) firstBound = Math.min(firstBound, c.rv);
    }
    return { created: created.length, firstBound, created501st: created[500]!, created1001st: created[1000]! };
  });
}

describe("a failed reconcile", () => {
  // A loop over a store that is only a timers table: enough to see what a failure does.
  function loopOver(exec: (query: string, ...args: unknown[]) => unknown) {
    const ctx = { store: { sqlStorage: { exec } }, api: { writer: null }, clock: { now: () => 1_000, realTimeOf: (t: number) => t } };
    const failing = { name: "failing", keysFor: () => [], resync: () => [], reconcile: () => Promise.reject(new Error("boom")) };
    // any: a stand-in context with only what reconcileOne touches; reconcileOne is private
    const loop = new ControlLoop([failing], ctx as any, () => {}) as any;
    return (key: string) => loop.reconcileOne(failing, key) as Promise<void>;
  }

  it("stores its retry, then says so in the log", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const stored: unknown[][] = [];
      await loopOver((query, ...args) => void stored.push([query.split(" ")[0], ...args]))("k");
      expect(stored).toEqual([["INSERT", "failing", "k", 2_000]]);
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0][0])).toContain("reconcile failing/k failed (attempt 1)");
    } finally {
      warn.mockRestore();
    }
  });

  it("logs nothing when its object is going away (storage refuses the retry)", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    try {
      const reconcile = loopOver(() => {
        throw new Error("Durable Object reset");
      });
      await expect(reconcile("k")).rejects.toThrow("Durable Object reset");
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });
});
