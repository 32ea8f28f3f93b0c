// Controllers that meet the cluster's object bound: the refusal is reported once (a FailedCreate
// Event, and a ReplicaSet's ReplicaFailure condition), the controller waits for room instead of
// retrying on a timer, and nothing more is written while nothing changes. The bound is lowered
// on the running object so that a few objects reach it.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Store } from "../../worker/cluster/store/store";
import { kube, newSettledCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newSettledCluster>>["stub"];

/** Sets the bound to `room` objects more than the cluster holds now; returns the bound. */
function setBound(stub: Stub, room: number): Promise<number> {
  return runInDurableObject(stub, (o: ClusterObject) => {
    const store = (o as unknown as { store: Store }).store;
    store.objectBound = store.objectCount - store.eventCount + room;
    return store.objectBound;
  });
}

async function advance(stub: Stub, seconds: number) {
  await stub.moveClock({ advanceSeconds: seconds });
  await settle(stub);
}

// any: test assertions read deep fields of events
async function eventsFor(stub: Stub, name: string, reason: string): Promise<any[]> {
  return (await kube(stub, "GET", `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3D${name},reason%3D${reason}`)).json.items;
}

const template = (app: string) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } });

describe("the object bound", () => {
  it("keeps the newest Events within their own bound, dropping the oldest, and refuses a client's Event past it", async () => {
    const { stub } = await newSettledCluster();
    const counts = await runInDurableObject(stub, async (o: ClusterObject) => {
      const store = (o as unknown as { store: Store }).store;
      const { recordEvent } = await import("../../worker/cluster/events");
      // any: the API server is private on the object; the recorder is what the controllers call
      const api = (o as any).api;
      const existing = [...store.scan("events", null)].length;
      store.eventBound = existing + 10;
      const report = (i: number) => ({ regarding: { apiVersion: "v1", kind: "ConfigMap", name: `c${i}`, namespace: "default" }, type: "Normal" as const, reason: "Test", message: `number ${i}`, component: "test", at: Date.now() });
      for (let i = 0; i < 25; i++) store.transaction(() => recordEvent(api, report(i)));
      const all = [...store.scan("events", null)].map((r) => JSON.parse(r.body) as { reason: string; message: string });
      return { bound: store.eventBound, existing, held: all.length, names: all.filter((e) => e.reason === "Test").map((e) => e.message), older: all.filter((e) => e.reason !== "Test").length };
    });
    expect(counts.held).toBeLessThanOrEqual(counts.bound);
    // The cluster's older Events went first, and all 25 new ones are kept.
    expect(counts.names).toHaveLength(25);
    expect(counts.older).toBeLessThanOrEqual(counts.existing - 15);
    const refused = await kube(stub, "POST", "/api/v1/namespaces/default/events", { metadata: { name: "mine" }, involvedObject: { kind: "ConfigMap", name: "c", namespace: "default" }, reason: "Test", message: "full", type: "Normal" });
    expect(refused.status).toBe(403);
    expect(refused.json.message).toBe(`events "mine" is forbidden: exceeded the cluster's limit of ${counts.bound} events`);
  });

  it("refuses a create with Forbidden naming the bound; Events do not count against it", async () => {
    const { stub } = await newSettledCluster();
    const bound = await setBound(stub, 1);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "one" } })).status).toBe(201);
    const refused = await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "two" } });
    expect(refused.status).toBe(403);
    expect(refused.json).toMatchObject({ reason: "Forbidden", code: 403, message: `configmaps "two" is forbidden: exceeded the cluster's limit of ${bound} objects` });
    const generated = await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { generateName: "gen-" } });
    expect(generated.json.message).toBe(`configmaps is forbidden: exceeded the cluster's limit of ${bound} objects`);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/two")).status).toBe(404);
    const event = { metadata: { name: "note" }, involvedObject: { kind: "ConfigMap", name: "one", namespace: "default" }, reason: "Test", message: "at the bound", type: "Normal" };
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/events", event)).status).toBe(201);
  });

  it("a ReplicaSet reports FailedCreate once, with its ReplicaFailure condition, waits for room, and recovers", async () => {
    const { stub } = await newSettledCluster();
    const bound = await setBound(stub, 3);
    const rs = { apiVersion: "apps/v1", kind: "ReplicaSet", metadata: { name: "full" }, spec: { replicas: 5, selector: { matchLabels: { app: "full" } }, template: template("full") } };
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/replicasets", rs)).status).toBe(201);
    await settle(stub);
    await advance(stub, 30);

    const pods = (await kube(stub, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dfull")).json.items;
    expect(pods.length).toBeGreaterThan(0);
    expect(pods.length).toBeLessThan(5);
    const failed = await eventsFor(stub, "full", "FailedCreate");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ type: "Warning", count: 1, message: `Error creating: pods is forbidden: exceeded the cluster's limit of ${bound} objects`, source: { component: "replicaset-controller" } });
    const got = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/replicasets/full")).json;
    expect(got.status.conditions).toEqual([{ type: "ReplicaFailure", status: "True", lastTransitionTime: expect.any(String), reason: "FailedCreate", message: `pods is forbidden: exceeded the cluster's limit of ${bound} objects` }]);
    expect(got.status.replicas).toBe(pods.length);
    // no hot retry: no timer for the ReplicaSet, and no ReconcileFailed
    const info = await stub.info();
    expect(info.timers.filter((t) => t.controller === "replicaset")).toEqual([]);
    expect(await eventsFor(stub, "full", "ReconcileFailed")).toEqual([]);

    // Nothing is written while nothing changes, however long it waits...
    const rv = info.resourceVersion;
    await advance(stub, 600);
    expect((await stub.info()).resourceVersion).toBe(rv);
    // ...and a pass caused by a change to one of its pods tries again and writes nothing more.
    const patched = await kube(stub, "PATCH", `/api/v1/namespaces/default/pods/${pods[0].metadata.name}`, { metadata: { annotations: { touched: "yes" } } }, { contentType: "application/merge-patch+json" });
    expect(patched.status).toBe(200);
    await settle(stub);
    expect((await stub.info()).resourceVersion).toBe(rv + 1);
    expect((await eventsFor(stub, "full", "FailedCreate"))[0].count).toBe(1);

    // Room again (a higher bound, and a deletion): it makes the rest and drops the condition.
    await setBound(stub, 100);
    await kube(stub, "DELETE", `/api/v1/namespaces/default/events/${failed[0].metadata.name}`);
    await settle(stub);
    const after = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/replicasets/full")).json;
    expect(after.status.replicas).toBe(5);
    expect(after.status.conditions).toBeUndefined();
  });

  it("a Deployment shows its ReplicaSet's ReplicaFailure, and drops it once there is room", async () => {
    const { stub } = await newSettledCluster();
    const bound = await setBound(stub, 4);
    const d = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web" }, spec: { replicas: 5, selector: { matchLabels: { app: "web" } }, template: template("web") } };
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", d)).status).toBe(201);
    await settle(stub);
    await advance(stub, 30);
    const got = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/deployments/web")).json;
    const failure = got.status.conditions.find((c: { type: string }) => c.type === "ReplicaFailure");
    expect(failure).toMatchObject({ status: "True", reason: "FailedCreate", message: `pods is forbidden: exceeded the cluster's limit of ${bound} objects` });
    await setBound(stub, 100);
    const rs = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dweb")).json.items[0];
    // A change to the ReplicaSet's pods wakes it; with room it makes the rest.
    const pod = (await kube(stub, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")).json.items[0];
    await kube(stub, "PATCH", `/api/v1/namespaces/default/pods/${pod.metadata.name}`, { metadata: { annotations: { touched: "yes" } } }, { contentType: "application/merge-patch+json" });
    await settle(stub);
    await advance(stub, 30);
    expect((await kube(stub, "GET", `/apis/apps/v1/namespaces/default/replicasets/${rs.metadata.name}`)).json.status.replicas).toBe(5);
    const after = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/deployments/web")).json;
    expect(after.status.conditions.map((c: { type: string }) => c.type).sort()).toEqual(["Available", "Progressing"]);
  });

  it("a Job and a StatefulSet report it once in their own words; any other refused reconcile waits for room too", async () => {
    const { stub } = await newSettledCluster();
    let bound = await setBound(stub, 1);
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { name: "batch" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox:1.36", command: ["true"] }] } } } };
    expect((await kube(stub, "POST", "/apis/batch/v1/namespaces/default/jobs", job)).status).toBe(201);
    await advance(stub, 60);
    const jobEvents = await eventsFor(stub, "batch", "FailedCreate");
    expect(jobEvents).toHaveLength(1);
    expect(jobEvents[0]).toMatchObject({ count: 1, message: `Error creating: pods is forbidden: exceeded the cluster's limit of ${bound} objects`, source: { component: "job-controller" } });

    // room for the StatefulSet and its revision, not its pod (refused by name)
    bound = await setBound(stub, 2);
    const sts = (name: string) => ({ apiVersion: "apps/v1", kind: "StatefulSet", metadata: { name }, spec: { replicas: 1, serviceName: name, selector: { matchLabels: { app: name } }, template: template(name) } });
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/statefulsets", sts("web"))).status).toBe(201);
    await advance(stub, 60);
    const stsEvents = await eventsFor(stub, "web", "FailedCreate");
    expect(stsEvents.map((e) => [e.count, e.message])).toEqual([[1, `create Pod web-0 in StatefulSet web failed error: pods "web-0" is forbidden: exceeded the cluster's limit of ${bound} objects`]]);

    // room for the StatefulSet alone: its revision is refused, reported once, with no timer
    bound = await setBound(stub, 1);
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/statefulsets", sts("db"))).status).toBe(201);
    await advance(stub, 60);
    const failed = await eventsFor(stub, "db", "ReconcileFailed");
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ count: 1, type: "Warning" });
    expect(failed[0].message).toMatch(new RegExp(`^statefulset: controllerrevisions.apps "db-\\w+" is forbidden: exceeded the cluster's limit of ${bound} objects$`));
    const info = await stub.info();
    expect(info.timers.filter((t) => t.controller === "statefulset" || t.controller === "job")).toEqual([]);
    const rv = info.resourceVersion;
    await advance(stub, 600);
    expect((await stub.info()).resourceVersion).toBe(rv);
  });

  it("a DaemonSet reports it once and creates nothing more on the other nodes", async () => {
    const { stub } = await newSettledCluster();
    const bound = await setBound(stub, 2);
    const ds = { apiVersion: "apps/v1", kind: "DaemonSet", metadata: { name: "agent" }, spec: { selector: { matchLabels: { app: "agent" } }, template: template("agent") } };
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/daemonsets", ds)).status).toBe(201);
    await advance(stub, 30);
    const events = await eventsFor(stub, "agent", "FailedCreate");
    expect(events.map((e) => [e.count, e.message, e.source.component])).toEqual([[1, `Error creating: pods is forbidden: exceeded the cluster's limit of ${bound} objects`, "daemonset-controller"]]);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dagent")).json.items).toEqual([]);
    const rv = (await stub.info()).resourceVersion;
    await advance(stub, 600);
    expect((await stub.info()).resourceVersion).toBe(rv);
  });
});
