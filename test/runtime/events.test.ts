// The event recorder's TTL sweep: Events last seen more than an hour ago are deleted, whether the
// recorder or a client wrote them, and a sweep that cannot find a stale Event reads none.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ApiServer } from "../../worker/cluster/api/apiserver";
import { recordEvent, sweepEvents, type EventReport } from "../../worker/cluster/events";
import { formatTime } from "../../worker/cluster/machinery/time";
import { events } from "../../worker/cluster/resources/event";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Store } from "../../worker/cluster/store/store";
import { clusterStubOf, kube, newCluster } from "./helpers";

const MIN = 60_000;

describe("event TTL sweep", () => {
  it("deletes exactly the Events last seen more than an hour ago, a client's too", async () => {
    const { stub } = await newCluster();
    const t0 = Date.parse("2030-01-01T00:00:00Z");
    const report = (name: string, at: number): EventReport => ({ regarding: { apiVersion: "v1", kind: "Pod", name, namespace: "default" }, type: "Normal", reason: "Test", message: name, component: "test", at });
    const names = (o: ClusterObject) => {
      const store = (o as unknown as { store: Store }).store;
      return [...store.scan("events", "default")].map((r) => JSON.parse(r.body)).filter((e) => e.reason === "Test" || e.reason === "Client").map((e) => e.involvedObject.name).sort();
    };
    const run = <T>(fn: (api: ApiServer, store: Store, o: ClusterObject) => T) =>
      runInDurableObject(stub, (o: ClusterObject) => {
        const { api, store } = o as unknown as { api: ApiServer; store: Store };
        return store.transaction(() => fn(api, store, o));
      });

    await run((api) => {
      recordEvent(api, report("a", t0));
      // The cluster's own start-up Events are left out of what is compared (only reasons Test and Client).
      return sweepEvents(api, t0 + MIN);
    });
    // A client's Event last seen long before: the next sweep deletes it even though the recorder wrote nothing older.
    const posted = await kube(stub, "POST", "/api/v1/namespaces/default/events", {
      metadata: { name: "client-old" },
      involvedObject: { apiVersion: "v1", kind: "Pod", name: "client", namespace: "default" },
      reason: "Client",
      message: "old",
      firstTimestamp: formatTime(t0 - 120 * MIN),
      lastTimestamp: formatTime(t0 - 120 * MIN),
      count: 1,
      type: "Normal",
    });
    expect(posted.status).toBe(201);
    expect(await run((_api, _s, o) => names(o))).toEqual(["a", "client"]);
    await run((api) => sweepEvents(api, t0 + 2 * MIN));
    expect(await run((_api, _s, o) => names(o))).toEqual(["a"]);

    await run((api) => recordEvent(api, report("b", t0 + 30 * MIN)));
    await run((api) => sweepEvents(api, t0 + 61 * MIN));
    expect(await run((_api, _s, o) => names(o))).toEqual(["b"]);
    await run((api) => sweepEvents(api, t0 + 62 * MIN));
    expect(await run((_api, _s, o) => names(o))).toEqual(["b"]);
    // A repeat moves b's last-seen time on; the sweep an hour after its first sighting keeps it.
    await run((api) => recordEvent(api, report("b", t0 + 80 * MIN)));
    await run((api) => sweepEvents(api, t0 + 91 * MIN));
    expect(await run((_api, _s, o) => names(o))).toEqual(["b"]);
    await run((api) => sweepEvents(api, t0 + 141 * MIN));
    expect(await run((_api, _s, o) => names(o))).toEqual([]);
  });
});

describe("event correlator (client-go's, for every source but kube-scheduler)", () => {
  const t0 = Date.parse("2030-01-01T00:00:00Z");
  const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d8f", namespace: "default", uid: "rs-uid" };
  const created = (i: number, at: number, component = "replicaset-controller"): EventReport => ({ regarding: rs, type: "Normal", reason: "SuccessfulCreate", message: `Created pod: web-5d8f-${i}`, component, at });
  const about = (o: ClusterObject, name: string) => {
    const store = (o as unknown as { store: Store }).store;
    return [...store.scan("events", "default")]
      .map((r) => JSON.parse(r.body))
      .filter((e) => e.involvedObject.name === name)
      .map((e) => ({ message: e.message as string, count: e.count as number, source: e.source.component as string }));
  };

  it("combines the tenth different message of one reason into one Event, and drops past 25 Events about an object until the bucket refills", async () => {
    const { stub } = await newCluster();
    const seen = await runInDurableObject(stub, (o: ClusterObject) => {
      const { api, store } = o as unknown as { api: ApiServer; store: Store };
      store.transaction(() => {
        for (let i = 0; i < 40; i++) recordEvent(api, created(i, t0 + i));
      });
      const first = about(o, rs.name);
      // Five minutes on, one token is back: the next report is written, and its count holds every one dropped.
      store.transaction(() => recordEvent(api, created(40, t0 + 300_040)));
      return { first, later: about(o, rs.name) };
    });
    const single = seen.first.filter((e) => !e.message.startsWith("(combined"));
    const combined = seen.first.filter((e) => e.message.startsWith("(combined"));
    expect(single.map((e) => e.message).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `Created pod: web-5d8f-${i}`).sort());
    expect(single.every((e) => e.count === 1)).toBe(true);
    // 25 written: 9 single, then the combined Event created once and counted 15 more times; 15 dropped.
    expect(combined).toEqual([{ message: "(combined from similar events): Created pod: web-5d8f-24", count: 16, source: "replicaset-controller" }]);
    expect(seen.later.filter((e) => e.message.startsWith("(combined"))).toEqual([{ message: "(combined from similar events): Created pod: web-5d8f-40", count: 32, source: "replicaset-controller" }]);
  });

  it("keeps kube-scheduler's Events and other sources' buckets apart", async () => {
    const { stub } = await newCluster();
    const seen = await runInDurableObject(stub, (o: ClusterObject) => {
      const { api, store } = o as unknown as { api: ApiServer; store: Store };
      store.transaction(() => {
        for (let i = 0; i < 30; i++) recordEvent(api, created(i, t0 + i, "default-scheduler"));
        // Another source's bucket about the same object is its own.
        recordEvent(api, { ...created(0, t0 + 50), component: "deployment-controller", reason: "ScalingReplicaSet", message: "Scaled up" });
      });
      return about(o, rs.name);
    });
    expect(seen.filter((e) => e.source === "default-scheduler")).toHaveLength(30);
    expect(seen.filter((e) => e.source === "deployment-controller")).toEqual([{ message: "Scaled up", count: 1, source: "deployment-controller" }]);
  });
});

describe("event times", () => {
  it("gives Events written in one millisecond increasing microsecond eventTimes, in the order written, and leaves other times as they are", async () => {
    const { stub } = await newCluster();
    const t0 = Date.parse("2030-01-01T00:00:00.250Z");
    const pod = { apiVersion: "v1", kind: "Pod", name: "web", namespace: "default", uid: "pod-uid" };
    const steps = ["Scheduled", "Pulling", "Pulled", "Created", "Started"];
    const times = await runInDurableObject(stub, (o: ClusterObject) => {
      const { api, store } = o as unknown as { api: ApiServer; store: Store };
      store.transaction(() => {
        steps.forEach((reason, i) => recordEvent(api, { regarding: pod, type: "Normal", reason, message: reason, component: i === 0 ? "default-scheduler" : "kubelet", at: t0 }));
        recordEvent(api, { regarding: pod, type: "Normal", reason: "Killing", message: "later", component: "kubelet", at: t0 + 2000 });
      });
      return [...store.scan("events", "default")].map((r) => JSON.parse(r.body)).filter((e) => e.involvedObject.name === "web").map((e) => [e.reason as string, e.eventTime as string] as const);
    });
    const byTime = [...times].sort((a, b) => a[1].localeCompare(b[1]));
    expect(byTime.map(([reason]) => reason)).toEqual([...steps, "Killing"]);
    expect(byTime.map(([, t]) => t)).toEqual(["250000", "250001", "250002", "250003", "250004"].map((us) => `2030-01-01T00:00:00.${us}Z`).concat("2030-01-01T00:00:02.250000Z"));
  });
});

describe("recording an Event the recorder has not written lately", () => {
  it("creates it without a read first, and counts on one that exists already (a restarted recorder's, a client's)", async () => {
    const { id, stub } = await newCluster();
    const at = Date.parse("2030-01-01T00:00:00Z");
    const report: EventReport = { regarding: { apiVersion: "v1", kind: "Pod", name: "again", namespace: "default", uid: "5a0b6f4e-0000-4000-8000-000000000001" }, type: "Normal", reason: "Test", message: "again", component: "test", at };
    const mine = (o: ClusterObject) => {
      const store = (o as unknown as { store: Store }).store;
      return [...store.scan("events", "default")].map((r) => JSON.parse(r.body)).filter((e) => e.reason === "Test");
    };
    const first = await runInDurableObject(stub, (o: ClusterObject) => {
      const { api, store } = o as unknown as { api: ApiServer; store: Store };
      // Read counts: a new Event's name is not looked up before its row goes in.
      const reads = { n: 0 };
      const sql = store.sqlStorage;
      const exec = sql.exec.bind(sql);
      (sql as unknown as { exec: typeof exec }).exec = ((q: string, ...a: unknown[]) => {
        if (q.startsWith("SELECT body FROM object_bodies")) reads.n++;
        return exec(q, ...(a as never[]));
      }) as typeof exec;
      try {
        store.transaction(() => recordEvent(api, report));
      } finally {
        (sql as unknown as { exec: typeof exec }).exec = exec;
      }
      return { reads: reads.n, events: mine(o) };
    });
    expect(first.reads).toBe(0);
    expect(first.events.map((e) => e.count)).toEqual([1]);
    // The object starts again: its recorder has forgotten what it wrote; the Event is still stored.
    await abortAllDurableObjects().catch(() => {});
    const again = await runInDurableObject(clusterStubOf(id), (o: ClusterObject) => {
      const { api, store } = o as unknown as { api: ApiServer; store: Store };
      const rv = store.rv;
      store.transaction(() => recordEvent(api, { ...report, at: at + 1_000 }));
      return { events: mine(o), moved: store.rv - rv };
    });
    expect(again.events.map((e) => [e.metadata.name, e.count]).length).toBe(1);
    expect(again.events[0]).toMatchObject({ metadata: { name: first.events[0].metadata.name }, count: 2, lastTimestamp: "2030-01-01T00:00:01Z", firstTimestamp: "2030-01-01T00:00:00Z" });
    // One write (the count), no revision spent on the refused row.
    expect(again.moved).toBe(1);
  });
});

describe("the managed fields of recorded Events", () => {
  it("are the ones a create of the same Event would record, for each shape of Event in any order", async () => {
    const { stub } = await newCluster();
    const at = Date.parse("2030-01-01T00:00:00Z");
    const reports: EventReport[] = [
      // a kubelet's (a host, a field path), the scheduler's (neither), a node's (no namespace), then each again for another object
      { regarding: { apiVersion: "v1", kind: "Pod", name: "p1", namespace: "default", uid: "u-p1", fieldPath: "spec.containers{c}" }, type: "Normal", reason: "Shape", message: "m", component: "kubelet", host: "n1", at },
      { regarding: { apiVersion: "v1", kind: "Pod", name: "p1", namespace: "default", uid: "u-p1" }, type: "Normal", reason: "Shape", message: "m", component: "default-scheduler", at },
      { regarding: { apiVersion: "v1", kind: "Node", name: "n1", uid: "u-n1" }, type: "Normal", reason: "Shape", message: "m", component: "kubelet", host: "n1", at },
      { regarding: { apiVersion: "v1", kind: "Pod", name: "p2", namespace: "default", uid: "u-p2", fieldPath: "spec.containers{d}" }, type: "Warning", reason: "Shape", message: "other", component: "kubelet", host: "n2", at },
      { regarding: { apiVersion: "v1", kind: "Pod", name: "p2", namespace: "default", uid: "u-p2" }, type: "Normal", reason: "Shape", message: "m", component: "default-scheduler", at },
      { regarding: { apiVersion: "v1", kind: "Node", name: "n2" }, type: "Normal", reason: "Shape", message: "m", component: "kubelet", at },
    ];
    const out = await runInDurableObject(stub, (o: ClusterObject) => {
      const { api, store } = o as unknown as { api: ApiServer; store: Store };
      store.transaction(() => {
        for (const r of reports) recordEvent(api, r);
      });
      const recorded = [...store.scan("events", "default")].map((r) => JSON.parse(r.body)).filter((e) => e.reason === "Shape");
      // The same bodies created again under other names, with the managed fields worked out afresh.
      const fresh = store.transaction(() =>
        recorded.map((e) => {
          const { managedFields: _m, uid: _u, resourceVersion: _r, creationTimestamp: _c, ...meta } = e.metadata;
          return api.create(events, "default", { ...e, metadata: { ...meta, name: `${meta.name}.fresh` } }, { trusted: true }).object;
        }),
      );
      return { recorded, fresh };
    });
    expect(out.recorded).toHaveLength(reports.length);
    for (let i = 0; i < out.recorded.length; i++) {
      const [mine] = out.recorded[i].metadata.managedFields;
      const [theirs] = out.fresh[i].metadata.managedFields ?? [];
      expect({ ...mine, time: undefined }).toEqual({ ...theirs, time: undefined });
    }
    // involvedObject is atomic (one field whatever it holds), source is not: Events with a host and
    // without one differ, so one list of fields for every Event would fail here
    const fieldsOf = (name: string, component: string) =>
      JSON.stringify(out.recorded.find((e) => e.involvedObject.name === name && e.source.component === component).metadata.managedFields[0].fieldsV1);
    expect(fieldsOf("n1", "kubelet")).not.toBe(fieldsOf("n2", "kubelet"));
    expect(fieldsOf("p1", "kubelet")).not.toBe(fieldsOf("p1", "default-scheduler"));
    expect(fieldsOf("p1", "kubelet")).toBe(fieldsOf("n1", "kubelet"));
  });
});
