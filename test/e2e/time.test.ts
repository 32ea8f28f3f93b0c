// Timestamps agree with the wall clock after the cluster clock moves: kubectl computes ages
// against the user's clock (describe, describe node, logs) while the server computes a Table's
// AGE on the cluster's, and both must say the same; what a client writes comes back unchanged.
import * as k8s from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, eventually, kubectl, kubectlBackground, manage, newCluster, ok, request, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("time");
  await simulate(c, { profile: "instant" });
  await ok(c, ["run", "old", "--image=nginx:1.27"]);
  await ok(c, ["run", "clock", "--image=busybox", "--", "sh", "-c", "while true; do date; sleep 5; done"]);
  await settled(c);
  await advance(c, 300);
});

/** Seconds in an age as kubectl prints it: "45s", "5m", "5m3s", "2d5h". */
function seconds(age: string): number {
  const m = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(age.trim());
  if (!m || age.trim() === "") throw new Error(`not an age: ${JSON.stringify(age)}`);
  return Number(m[1] ?? 0) * 86400 + Number(m[2] ?? 0) * 3600 + Number(m[3] ?? 0) * 60 + Number(m[4] ?? 0);
}

/** The AGE column of `kubectl get pods` for a pod (computed by the server, on cluster time). */
async function tableAge(pod: string): Promise<number> {
  const line = (await ok(c, ["get", "pods", "--no-headers"])).split("\n").find((l) => l.startsWith(`${pod} `))!;
  return seconds(line.trim().split(/\s+/).at(-1)!);
}

/** The pod's age in `kubectl describe node` (computed by kubectl, on the wall clock). */
async function nodeAge(pod: string): Promise<number> {
  const node = JSON.parse(await ok(c, ["get", "pod", pod, "-o", "json"])).spec.nodeName;
  const out = await ok(c, ["describe", "node", node]);
  const section = out.slice(out.indexOf("Non-terminated Pods:"));
  const line = section.split("\n").find((l) => l.trim().split(/\s+/)[1] === pod)!;
  return seconds(line.trim().split(/\s+/).at(-1)!);
}

/** The pod's age on the cluster's clock, from the management API's now and the clock's lead. */
async function clusterAge(pod: string): Promise<number> {
  const created = Date.parse(JSON.parse(await ok(c, ["get", "pod", pod, "-o", "json"])).metadata.creationTimestamp);
  const info = (await manage("GET", c, "")).json;
  return (Date.parse(info.now) - (created + info.offsetSeconds * 1000)) / 1000;
}

/** A time from client-node: a watch hands over the JSON text, typed as a Date. */
function instant(t: Date | string | undefined): number {
  return new Date(t as string).getTime();
}

/**
 * Ages read a moment apart by different clients agree to within the second they may straddle,
 * plus the time the reads took (a loaded machine may take seconds between them).
 */
function agree(ages: number[], readSince: number) {
  expect(Math.max(...ages) - Math.min(...ages)).toBeLessThanOrEqual(2 + Math.ceil((Date.now() - readSince) / 1000));
}

describe("timestamps after the clock moves", () => {
  it("get, describe pod and describe node show the same age as the cluster's clock", async () => {
    const info = (await manage("GET", c, "")).json;
    expect(info.offsetSeconds).toBeGreaterThanOrEqual(300);
    const reading = Date.now();
    const table = await tableAge("old");
    expect(table).toBeGreaterThanOrEqual(300);
    agree([table, await nodeAge("old"), await clusterAge("old")], reading);

    const describing = Date.now();
    const described = await ok(c, ["describe", "pod", "old"]);
    expect(described).not.toContain("<invalid>");
    const events = described.slice(described.indexOf("Events:")).split("\n").slice(3).filter((l) => l.trim());
    expect(events.length).toBeGreaterThan(0);
    // Type Reason Age From Message: every event happened when the pod started, five minutes ago
    for (const e of events) agree([seconds(e.trim().split(/\s+/)[2]), table], Math.min(reading, describing));
    const started = Date.parse(/Start Time:\s+(.+)/.exec(described)![1]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(299_000);
    expect(await ok(c, ["get", "events"])).not.toContain("<invalid>");
  });

  it("a new object is stamped with the wall clock's now, in answers and in watch events", async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    const seen: k8s.V1Pod[] = [];
    const req = await new k8s.Watch(kc).watch("/api/v1/namespaces/default/pods", {}, (type: string, obj: k8s.V1Pod) => type === "ADDED" && seen.push(obj), () => undefined);
    try {
      await eventually(async () => seen.some((p) => p.metadata!.name === "old"), 10_000);
      const old = seen.find((p) => p.metadata!.name === "old")!;
      expect(Date.now() - instant(old.metadata!.creationTimestamp)).toBeGreaterThanOrEqual(299_000);
      const before = Date.now();
      const made = JSON.parse(await ok(c, ["run", "fresh", "--image=nginx:1.27", "-o", "json"]));
      const stamped = Date.parse(made.metadata.creationTimestamp);
      // never ahead of the wall clock; whole seconds, so up to a second behind the request
      expect(stamped).toBeGreaterThanOrEqual(before - 2_000);
      expect(stamped).toBeLessThanOrEqual(Date.now());
      await eventually(async () => seen.some((p) => p.metadata!.name === "fresh"), 10_000);
      expect(instant(seen.find((p) => p.metadata!.name === "fresh")!.metadata!.creationTimestamp)).toBe(stamped);
    } finally {
      req.abort();
    }
    // kubectl's own watch prints server-side rows with the cluster's ages
    const w = kubectlBackground(c, ["get", "pods", "-w"]);
    try {
      await w.waitFor(/^old\s.*\s5m\d*s?\s*$/m);
    } finally {
      w.stop();
    }
  });

  it("agrees after the clock ran faster for a while", async () => {
    const before = (await manage("GET", c, "")).json.offsetSeconds;
    expect((await manage("POST", c, "/clock", { speed: 100 })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    const back = await manage("POST", c, "/clock", { speed: 1 });
    expect(back.json.offsetSeconds).toBeGreaterThan(before);
    await settled(c);
    const reading = Date.now();
    const table = await tableAge("old");
    expect(table).toBeGreaterThan(300 + (back.json.offsetSeconds - before) - 3);
    agree([table, await nodeAge("old"), await clusterAge("old")], reading);
    const describing = Date.now();
    const described = await ok(c, ["describe", "pod", "old"]);
    expect(described).not.toContain("<invalid>");
  });

  it("stamps log lines on the wall clock, with what `date` printed, and honours --since-time", async () => {
    const lines = (await ok(c, ["logs", "clock", "--timestamps", "--tail=3"])).trim().split("\n");
    expect(lines).toHaveLength(3);
    const now = Date.now();
    for (const l of lines) {
      const [stamp, ...text] = l.split(" ");
      const at = Date.parse(stamp);
      expect(at).toBeLessThanOrEqual(now);
      expect(now - at).toBeLessThan(30_000);
      // `date` ran at the line's own time: "Thu Dec 03 09:20:00 UTC 2026"
      const d = new Date(Math.floor(at / 1000) * 1000);
      expect(text.join(" ")).toContain(`${String(d.getUTCHours()).padStart(2, "0")}:${String(d.getUTCMinutes()).padStart(2, "0")}:${String(d.getUTCSeconds()).padStart(2, "0")} UTC ${d.getUTCFullYear()}`);
    }
    const since = lines[1].split(" ")[0];
    const after = (await ok(c, ["logs", "clock", "--timestamps", `--since-time=${since}`])).trim().split("\n");
    expect(after[0].split(" ")[0]).toBe(since);
    expect(after.length).toBeGreaterThanOrEqual(2);
  });

  it("moves the times in every answer: delete, scale and metrics", async () => {
    const base = `/k8s/${c.id}`;
    const wallNow = Date.now();
    const within = (t: string, from: number, to: number) => {
      expect(Date.parse(t)).toBeGreaterThanOrEqual(from);
      expect(Date.parse(t)).toBeLessThanOrEqual(to);
    };
    await ok(c, ["create", "deployment", "web", "--image=nginx:1.27"]);
    const deployment = JSON.parse(await ok(c, ["get", "deployment", "web", "-o", "json"]));
    const scale = await request("GET", `${base}/apis/apps/v1/namespaces/default/deployments/web/scale`, { token: c.token });
    expect(scale.json.metadata.creationTimestamp).toBe(deployment.metadata.creationTimestamp);
    within(deployment.metadata.creationTimestamp, wallNow - 2_000, Date.now());
    const node = JSON.parse(await ok(c, ["get", "pod", "old", "-o", "json"])).spec.nodeName;
    const metrics = await request("GET", `${base}/apis/metrics.k8s.io/v1beta1/nodes/${node}`, { token: c.token });
    within(metrics.json.timestamp, wallNow - 60_000, Date.now());
    // a pod's delete answers the pod, due to go at the end of its grace period from now
    const deleted = await request("DELETE", `${base}/api/v1/namespaces/default/pods/fresh`, { token: c.token, body: { gracePeriodSeconds: 30 } });
    expect(deleted.status).toBe(200);
    within(deleted.json.metadata.deletionTimestamp, wallNow + 28_000, Date.now() + 30_000);
  });

  it("gives back a client's Lease times as written", async () => {
    const renew = new Date(Date.now() - 3_000).toISOString().replace(/Z$/, "250Z");
    await ok(c, ["apply", "-f", "-"], stringify({ apiVersion: "coordination.k8s.io/v1", kind: "Lease", metadata: { name: "leader" }, spec: { holderIdentity: "me", leaseDurationSeconds: 15, acquireTime: "2026-01-02T03:04:05.000000Z", renewTime: renew } }));
    const got = JSON.parse(await ok(c, ["get", "lease", "leader", "-o", "json"]));
    expect(got.spec).toMatchObject({ renewTime: renew, acquireTime: "2026-01-02T03:04:05.000000Z" });
    const next = new Date(Date.now() - 1_000).toISOString().replace(/Z$/, "500Z");
    await ok(c, ["patch", "lease", "leader", "--type=merge", "-p", JSON.stringify({ spec: { renewTime: next } })]);
    expect(JSON.parse(await ok(c, ["get", "lease", "leader", "-o", "json"])).spec.renewTime).toBe(next);
    // kubectl get lease's AGE is measured like every other age
    const r = await kubectl(c, ["get", "lease", "leader", "--no-headers"]);
    expect(r.stdout).not.toContain("<invalid>");
  });
});
