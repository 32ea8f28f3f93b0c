// Timestamps at the API's boundary: found by schema (never by how a value looks), moved back by
// the clock's lead on the way out and forward on the way in, so clients' wall-clock ages agree
// with the cluster's.
import { describe, expect, it } from "vitest";
import { Clock } from "../../worker/cluster/clock";
import { formatMicroTime, formatTime } from "../../worker/cluster/machinery/time";
import { shiftPatchTimes, shiftTimes } from "../../worker/cluster/machinery/timeShift";
import { configmaps } from "../../worker/cluster/resources/configmap";
import { events, eventsV1 } from "../../worker/cluster/resources/event";
import { pods } from "../../worker/cluster/resources/pod";
import { leases } from "../../worker/cluster/resources/lease";
import { kube, newCluster } from "./helpers";

const T = "2026-11-30T10:00:00Z";
const MINUTE = 60_000;

describe("formatMicroTime", () => {
  it("answers each instant's own microsecond, whatever was formatted before it", () => {
    const base = Date.parse(T);
    expect(formatMicroTime(base)).toBe("2026-11-30T10:00:00.000000Z");
    expect(formatMicroTime(base + 1.001)).toBe("2026-11-30T10:00:00.001001Z");
    expect(formatMicroTime(base + 999.999)).toBe("2026-11-30T10:00:00.999999Z");
    expect(formatMicroTime(base + 999.9996)).toBe("2026-11-30T10:00:01.000000Z");
    expect(formatMicroTime(base + 500.25)).toBe("2026-11-30T10:00:00.500250Z");
    expect(formatMicroTime(base - 0.001)).toBe("2026-11-30T09:59:59.999999Z");
    expect(formatMicroTime(0)).toBe("1970-01-01T00:00:00.000000Z");
    expect(() => formatMicroTime(NaN)).toThrow(RangeError);
  });
});

describe("formatTime", () => {
  it("answers each instant's own second, whatever was formatted before it", () => {
    const base = Date.parse(T);
    // the same second again, the next, back to an earlier one, and within a second
    expect(formatTime(base)).toBe(T);
    expect(formatTime(base + 999)).toBe(T);
    expect(formatTime(base + 1000)).toBe("2026-11-30T10:00:01Z");
    expect(formatTime(base + 500)).toBe(T);
    expect(formatTime(base - 1)).toBe("2026-11-30T09:59:59Z");
    expect(formatTime(0)).toBe("1970-01-01T00:00:00Z");
    expect(() => formatTime(NaN)).toThrow(RangeError);
    expect(formatTime(0)).toBe("1970-01-01T00:00:00Z");
  });
});

describe("the schema walk", () => {
  it("moves metadata times and leaves a ConfigMap's time-like values and annotations alone", () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", creationTimestamp: T, annotations: { when: T } }, data: { when: T, other: "x" } };
    const out = shiftTimes(configmaps.schema, cm, -5 * MINUTE);
    expect(out.metadata.creationTimestamp).toBe("2026-11-30T09:55:00Z");
    expect(out.data).toEqual({ when: T, other: "x" });
    expect(out.metadata.annotations).toEqual({ when: T });
    // the input is not changed, and untouched parts are shared
    expect(cm.metadata.creationTimestamp).toBe(T);
    expect(out.data).toBe(cm.data);
  });

  it("moves times deep in lists and keeps microsecond precision", () => {
    const pod = {
      metadata: { name: "p", creationTimestamp: T, deletionTimestamp: "2026-11-30T10:00:30Z" },
      status: {
        startTime: T,
        conditions: [{ type: "Ready", status: "True", lastTransitionTime: T }],
        containerStatuses: [{ name: "c", state: { running: { startedAt: T } }, lastState: { terminated: { exitCode: 1, startedAt: T, finishedAt: T } } }],
      },
    };
    const out = shiftTimes(pods.schema, pod, -MINUTE);
    expect(out.metadata.deletionTimestamp).toBe("2026-11-30T09:59:30Z");
    expect(out.status.conditions[0].lastTransitionTime).toBe("2026-11-30T09:59:00Z");
    expect(out.status.containerStatuses[0].state.running.startedAt).toBe("2026-11-30T09:59:00Z");
    expect(out.status.containerStatuses[0].lastState.terminated.finishedAt).toBe("2026-11-30T09:59:00Z");
    const ev = shiftTimes(eventsV1.schema, { metadata: { name: "e" }, eventTime: "2026-11-30T10:00:00.123456Z", series: { count: 2, lastObservedTime: "2026-11-30T10:00:01.000001Z" } }, -MINUTE);
    expect(ev.eventTime).toBe("2026-11-30T09:59:00.123456Z");
    expect(ev.series.lastObservedTime).toBe("2026-11-30T09:59:01.000001Z");
    const core = shiftTimes(events.schema, { metadata: { name: "e" }, firstTimestamp: T, lastTimestamp: T, message: T }, MINUTE);
    expect(core).toMatchObject({ firstTimestamp: "2026-11-30T10:01:00Z", lastTimestamp: "2026-11-30T10:01:00Z", message: T });
  });

  it("leaves text that is not a time for decoding to report, and does nothing without a shift", () => {
    const lease = { metadata: { name: "l" }, spec: { renewTime: "soon", acquireTime: T } };
    const out = shiftTimes(leases.schema, lease, MINUTE);
    expect(out.spec.renewTime).toBe("soon");
    expect(out.spec.acquireTime).toBe("2026-11-30T10:01:00.000000Z");
    expect(shiftTimes(leases.schema, lease, 0)).toBe(lease);
  });

  it("moves a time it has moved before by the lead of the moment, in the form of its field", () => {
    // Times already moved are remembered: the same text must come out right for each lead and field.
    const lease = { metadata: { name: "l", creationTimestamp: T }, spec: { acquireTime: T, renewTime: T } };
    for (let i = 0; i < 3; i++) {
      expect(shiftTimes(leases.schema, lease, MINUTE)).toMatchObject({ metadata: { creationTimestamp: "2026-11-30T10:01:00Z" }, spec: { acquireTime: "2026-11-30T10:01:00.000000Z", renewTime: "2026-11-30T10:01:00.000000Z" } });
      expect(shiftTimes(leases.schema, lease, -MINUTE)).toMatchObject({ metadata: { creationTimestamp: "2026-11-30T09:59:00Z" }, spec: { acquireTime: "2026-11-30T09:59:00.000000Z" } });
    }
    // More distinct times than are remembered at once, each moved right.
    for (let s = 0; s < 5_000; s++) {
      const at = new Date(Date.parse(T) + s * 1000).toISOString().replace(".000Z", "Z");
      const want = new Date(Date.parse(at) + MINUTE).toISOString().replace(".000Z", "Z");
      expect(shiftTimes(configmaps.schema, { metadata: { name: "c", creationTimestamp: at } }, MINUTE).metadata.creationTimestamp).toBe(want);
    }
  });

  it("finds a JSON patch's times by path, and a merge patch's by shape", () => {
    const json = [
      { op: "replace", path: "/spec/renewTime", value: "2026-11-30T10:00:00.500000Z" },
      { op: "add", path: "/metadata/annotations/renewTime", value: T },
      { op: "add", path: "/spec", value: { holderIdentity: "me", acquireTime: T } },
      { op: "remove", path: "/spec/leaseTransitions" },
    ];
    const out = shiftPatchTimes(leases.schema, "json", json, MINUTE) as typeof json;
    expect(out[0].value).toBe("2026-11-30T10:01:00.500000Z");
    expect(out[1]).toBe(json[1]);
    expect(out[2].value).toEqual({ holderIdentity: "me", acquireTime: "2026-11-30T10:01:00.000000Z" });
    expect(out[3]).toBe(json[3]);
    const merge = shiftPatchTimes(leases.schema, "merge", { spec: { renewTime: T, holderIdentity: null } }, MINUTE);
    expect(merge).toEqual({ spec: { renewTime: "2026-11-30T10:01:00.000000Z", holderIdentity: null } });
  });
});

describe("the clock's lead over the wall clock", () => {
  it("is zero until moved, grows by exactly an advance, and counts whole seconds, rounded up", () => {
    let real = 1_000_000.25;
    const clock = new Clock(null, () => undefined, () => real);
    expect(clock.wallOffset()).toBe(0);
    // an advance's steps take real time; its end still lands exactly its length ahead
    const target = clock.aheadBy(300_000);
    real += 700;
    clock.jumpTo(target());
    expect(clock.wallOffset()).toBe(300_000);
    clock.setSpeed(10);
    real += 1_350; // 13.5 s of cluster time in 1.35 s
    expect(clock.now() - real).toBe(312_150);
    // rounded up: a served time is never ahead of the wall clock
    expect(clock.wallOffset()).toBe(313_000);
  });
});

describe("timestamps served after the clock moves", () => {
  it("serves times on the wall clock, keeps cluster ages and round-trips what a client wrote", async () => {
    const { stub } = await newCluster();
    const cm = { metadata: { name: "stamp", annotations: { at: T } }, data: { at: T } };
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", cm)).status).toBe(201);
    const moved = await stub.moveClock({ advanceSeconds: 600 });
    expect(moved).toMatchObject({ ok: true, value: { offsetSeconds: 600 } });
    expect((await stub.info()).offsetSeconds).toBe(600);

    const got = (await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/stamp")).json;
    const created = Date.parse(got.metadata.creationTimestamp);
    // ten minutes old on the cluster's clock, so ten minutes before the wall clock's now
    expect(Date.now() - created).toBeGreaterThanOrEqual(600_000);
    expect(Date.now() - created).toBeLessThan(660_000);
    expect(got.data).toEqual({ at: T });
    expect(got.metadata.annotations).toEqual({ at: T });
    const table = (await kube(stub, "GET", "/api/v1/namespaces/default/configmaps/stamp", undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" })).json;
    expect(table.rows[0].cells[2]).toMatch(/^10m/);
    expect(table.rows[0].object.metadata.creationTimestamp).toBe(got.metadata.creationTimestamp);

    // a client's Lease comes back as it was written, though stored in cluster time
    const renew = new Date(Date.now() - 3_000).toISOString().replace(/Z$/, "123Z");
    const lease = { metadata: { name: "mine" }, spec: { holderIdentity: "me", leaseDurationSeconds: 15, renewTime: renew, acquireTime: "2026-01-02T03:04:05.000000Z" } };
    const made = (await kube(stub, "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases", lease)).json;
    expect(made.spec.renewTime).toBe(renew);
    expect((await kube(stub, "GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/mine")).json.spec).toMatchObject({ renewTime: renew, acquireTime: "2026-01-02T03:04:05.000000Z" });
    const patched = await kube(stub, "PATCH", "/apis/coordination.k8s.io/v1/namespaces/default/leases/mine", [{ op: "replace", path: "/spec/acquireTime", value: "2026-01-02T03:04:06.000000Z" }], { contentType: "application/json-patch+json" });
    expect(patched.json.spec.acquireTime).toBe("2026-01-02T03:04:06.000000Z");
  });
});
