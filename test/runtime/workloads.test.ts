// Workload controllers inside workerd: cron schedules (cron-parser in the Workers runtime, time
// zones included), Job index bookkeeping, rollout fenceposts, and a Deployment that leaves no
// alarm behind once it has rolled out.
import { describe, expect, it } from "vitest";
import { cronProblem, missedRuns, nextRun } from "../../worker/cluster/machinery/cron";
import { fenceposts } from "../../worker/cluster/controllers/deployment";
import { formatIndexes, parseIndexes } from "../../worker/cluster/controllers/job";
import type { Deployment } from "../../worker/cluster/resources/deployment";
import { kube, newCluster, newSettledCluster, settle } from "./helpers";

const at = (iso: string) => Date.parse(iso);

describe("cron schedules", () => {
  it("finds the next run in UTC and in a time zone, macros included", () => {
    expect(nextRun("*/1 * * * *", undefined, at("2026-11-30T10:00:30Z"))).toBe(at("2026-11-30T10:01:00Z"));
    expect(nextRun("*/1 * * * *", undefined, at("2026-11-30T10:01:00Z"))).toBe(at("2026-11-30T10:02:00Z"));
    expect(nextRun("@hourly", undefined, at("2026-11-30T10:00:30Z"))).toBe(at("2026-11-30T11:00:00Z"));
    expect(nextRun("@midnight", undefined, at("2026-11-30T10:00:30Z"))).toBe(at("2026-12-01T00:00:00Z"));
    expect(nextRun("0 9 * * *", "America/New_York", at("2026-11-30T10:00:00Z"))).toBe(at("2026-11-30T14:00:00Z"));
  });

  it("counts missed runs and keeps the most recent", () => {
    expect(missedRuns("*/5 * * * *", undefined, at("2026-11-30T10:00:00Z"), at("2026-11-30T10:17:00Z"))).toEqual({ count: 3, latest: at("2026-11-30T10:15:00Z") });
    const many = missedRuns("* * * * *", undefined, at("2026-11-30T00:00:00Z"), at("2026-11-30T10:00:30Z"));
    expect(many.count).toBeGreaterThan(100);
    expect(many.latest).toBe(at("2026-11-30T10:00:00Z"));
  });

  it("names what is wrong with a schedule", () => {
    expect(cronProblem("*/1 * * * *", undefined)).toBeNull();
    expect(cronProblem("61 * * * *", undefined)?.field).toBe("schedule");
    expect(cronProblem("* * * *", undefined)?.message).toContain("expected exactly 5 fields");
    expect(cronProblem("TZ=UTC 0 * * * *", undefined)?.message).toBe("cannot use TZ or CRON_TZ in schedule, use timeZone field instead");
    expect(cronProblem("0 * * * *", "Mars/Olympus")).toEqual({ field: "timeZone", message: "unknown time zone Mars/Olympus" });
  });
});

describe("workload arithmetic", () => {
  it("writes completed indexes as ranges and reads them back", () => {
    expect(formatIndexes([0, 1, 2, 4, 6, 7])).toBe("0-2,4,6-7");
    expect([...parseIndexes("0-2,4,6-7")]).toEqual([0, 1, 2, 4, 6, 7]);
  });

  it("rounds maxSurge up and maxUnavailable down, never both 0", () => {
    const d = (replicas: number, maxSurge: unknown, maxUnavailable: unknown) => ({ spec: { replicas, strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge, maxUnavailable } } } }) as unknown as Deployment;
    expect(fenceposts(d(10, "25%", "25%"))).toEqual({ surge: 3, unavailable: 2 });
    expect(fenceposts(d(1, "25%", "25%"))).toEqual({ surge: 1, unavailable: 0 });
    expect(fenceposts(d(3, 0, "10%"))).toEqual({ surge: 0, unavailable: 1 });
  });
});

describe("deployment controller", () => {
  it("rolls out and then keeps no timer", async () => {
    const { stub } = await newSettledCluster();
    await stub.simulate({ profile: "instant" });
    const made = await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas: 2, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } } },
    });
    expect(made.status).toBe(201);
    await settle(stub);
    const d = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/deployments/web")).json;
    expect(d.status).toMatchObject({ replicas: 2, availableReplicas: 2, updatedReplicas: 2 });
    const info = await stub.info();
    expect(info.timers.filter((t: { controller: string; key: string }) => t.controller === "deployment" && t.key.startsWith("default/"))).toEqual([]);
  });
});

describe("pod addresses", () => {
  it("hands a node's addresses out in turn, as host-local IPAM does: a new pod gets the next one, not a freed one", async () => {
    const { stub } = await newSettledCluster({ name: "ipam", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    const pod = (name: string) => ({ metadata: { name }, spec: { nodeName: "ipam-worker", containers: [{ name: "c", image: "nginx" }] } });
    const ipOf = async (name: string) => (await kube(stub, "GET", `/api/v1/namespaces/default/pods/${name}`)).json.status.podIP as string;
    for (const n of ["a", "b"]) expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod(n))).status).toBe(201);
    await settle(stub);
    const [a, b] = [await ipOf("a"), await ipOf("b")];
    const last = (ip: string) => Number(ip.split(".")[3]);
    expect(a.split(".").slice(0, 3)).toEqual(b.split(".").slice(0, 3));
    expect(new Set([last(a), last(b)])).toEqual(new Set([Math.min(last(a), last(b)), Math.min(last(a), last(b)) + 1]));
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/a?gracePeriodSeconds=0")).status).toBe(200);
    await settle(stub);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("c"))).status).toBe(201);
    await settle(stub);
    expect(last(await ipOf("c"))).toBe(Math.max(last(a), last(b)) + 1);
  });
});
