// The simulation inside the runtime: the clock's advance replays timers in order, a cluster
// settles to no alarm, an evicted object picks its pods up where they were, and the pure
// pieces (image references, the shell interpreter, the scheduler's messages) behave.
import { abortAllDurableObjects, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import { parseImageRef } from "../../worker/cluster/node/imageRef";
import { CATALOG } from "../../worker/cluster/node/images";
import { logLines } from "../../worker/cluster/node/logs";
import { fileExistsAt } from "../../worker/cluster/node/program";
import { programOf } from "../../worker/cluster/container/standalone";
import { fitError } from "../../worker/cluster/scheduler/framework";
import { clusterStubOf, kube, kubeRequest, newCluster, newSettledCluster, settle } from "./helpers";

async function pod(stub: Awaited<ReturnType<typeof newCluster>>["stub"], name: string) {
  return (await kube(stub, "GET", `/api/v1/namespaces/default/pods/${name}`)).json;
}

describe("cluster simulation", () => {
  it("runs a pod to Running and then has no alarm", async () => {
    const { stub } = await newCluster();
    expect((await stub.simulate({ profile: "instant" })).ok).toBe(true);
    await kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name: "web" }, spec: { containers: [{ name: "web", image: "nginx:1.27" }] } });
    // past kube-system's startup (kubeadm's startup probes wait 10 s)
    await stub.moveClock({ advanceSeconds: 30 });
    await settle(stub);
    const p = await pod(stub, "web");
    expect(p.status.phase).toBe("Running");
    expect(p.spec.nodeName).toMatch(/worker/);
    const info = await stub.info();
    expect(info.alarm).toBeNull();
    expect(info.timers).toEqual([]);
  });

  it("replays every timer that falls due in an advance, in order, stamped with its own time", async () => {
    const { stub } = await newCluster();
    await stub.simulate({ profile: "instant" });
    await kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name: "crash" }, spec: { containers: [{ name: "c", image: "busybox", command: ["sh", "-c", "sleep 1; exit 2"] }] } });
    await settle(stub);
    const start = Date.parse((await stub.info()).now);
    const moved = await stub.moveClock({ advanceSeconds: 600 });
    expect(moved.ok).toBe(true);
    const cs = (await pod(stub, "crash")).status.containerStatuses[0];
    // runs of 1 s, restarted after 0, 10, 20, 40, 80 and 160 s: restarts at 1, 12, 33, 74, 155
    // and 316 s; the next waits the 300 s cap, past 600 s
    expect(cs.restartCount).toBe(6);
    // served times are on the wall clock: the cluster's are the clock's lead later
    const finished = Date.parse(cs.lastState.terminated.finishedAt) + (await stub.info()).offsetSeconds * 1000;
    expect(finished - start).toBeGreaterThan(300_000);
    expect(finished - start).toBeLessThanOrEqual(600_000);
    // the alarm waits for the next restart on the cluster clock
    expect((await stub.info()).alarm).not.toBeNull();
  });

  it("refuses a bad clock request and changes nothing", async () => {
    const { stub } = await newCluster();
    const before = (await stub.info()).speed;
    expect(await stub.moveClock({ speed: -1 })).toMatchObject({ ok: false, status: 400 });
    expect(await stub.moveClock({ advanceSeconds: "soon" })).toMatchObject({ ok: false, status: 400 });
    expect((await stub.info()).speed).toBe(before);
  });

  it("carries on with a pod after the object is evicted from memory", async () => {
    const { id, stub } = await newCluster();
    await stub.simulate({ profile: "instant" });
    await runInDurableObject(stub, async (o: ClusterObject, state) => {
      await o.kube(kubeRequest("POST", "/api/v1/namespaces/default/pods", { metadata: { name: "later" }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } }));
      // evicted before its alarm: only what the store holds can finish the work
      await state.storage.deleteAlarm();
    });
    await abortAllDurableObjects().catch(() => {});
    const fresh = clusterStubOf(id);
    await settle(fresh);
    expect((await pod(fresh, "later")).status.phase).toBe("Running");
  });

  it("stops a lost node's heartbeat, then marks it NotReady after 40 s", async () => {
    const { stub } = await newSettledCluster();
    expect(await stub.power("test-worker", false)).toMatchObject({ ok: true });
    await stub.moveClock({ advanceSeconds: 39 });
    const ready = async () => (await kube(stub, "GET", "/api/v1/nodes/test-worker")).json.status.conditions.find((c: { type: string }) => c.type === "Ready").status;
    expect(await ready()).toBe("True");
    await stub.moveClock({ advanceSeconds: 11 });
    expect(await ready()).toBe("Unknown");
    expect(await stub.power("nope", false)).toMatchObject({ ok: false, status: 404 });
  });
});

describe("image references", () => {
  it("parses references as containerd does", () => {
    expect(parseImageRef("nginx")).toMatchObject({ full: "docker.io/library/nginx:latest", repo: "nginx", tag: "latest" });
    expect(parseImageRef("nginx:1.27")).toMatchObject({ repo: "nginx", tag: "1.27" });
    expect(parseImageRef("registry.k8s.io/pause:3.10")).toMatchObject({ full: "registry.k8s.io/pause:3.10", repo: "registry.k8s.io/pause" });
    expect(parseImageRef("myorg/app")).toMatchObject({ full: "docker.io/myorg/app:latest", repo: "myorg/app" });
    expect(parseImageRef("localhost:5000/app:v1")).toMatchObject({ repo: "localhost:5000/app", tag: "v1" });
    expect(parseImageRef("nginx@sha256:" + "a".repeat(64))).toMatchObject({ tag: null });
    for (const bad of ["NGINX", "nginx:", "nginx::1", "-nginx", "nginx:bad tag", ""]) expect(parseImageRef(bad)).toBeNull();
  });
});

describe("programs", () => {
  const busybox = CATALOG.busybox;
  const env = { HOSTNAME: "pod-a" };

  it("understands what tutorials run", () => {
    expect(programOf(busybox, ["sh"], env)).toMatchObject({ exit: { at: 0, code: 0 } });
    expect(programOf(busybox, ["sleep", "3600"], env).exit).toEqual({ at: 3_600_000, code: 0 });
    expect(programOf(busybox, ["sh", "-c", "exit 1"], env).exit).toEqual({ at: 0, code: 1 });
    const echo = programOf(busybox, ["echo", "hi"], env);
    expect(echo.steps.map((s) => s.log)).toEqual(["hi"]);
    expect(echo.exit?.code).toBe(0);
    const loop = programOf(busybox, ["sh", "-c", "while true; do echo $HOSTNAME; sleep 2; done"], env);
    expect(loop.exit).toBeNull();
    expect(logLines(loop, 0, 6000).map((l) => l.text)).toEqual(["pod-a", "pod-a", "pod-a", "pod-a"]);
    expect(programOf(busybox, ["sh", "-c", "false && echo no || echo yes"], env).steps.map((s) => s.log)).toEqual(["yes"]);
    expect(programOf(busybox, ["sh", "-c", "for i in 1 2 3; do echo n$i; done"], env).steps.map((s) => s.log)).toEqual(["n1", "n2", "n3"]);
    expect(programOf(busybox, ["sh", "-c", "frobnicate"], env)).toMatchObject({ exit: { code: 127 }, steps: [{ log: "sh: frobnicate: not found" }] });
    expect(programOf(CATALOG.nginx, ["/docker-entrypoint.sh", "nginx", "-g", "daemon off;"], env)).toMatchObject({ exit: null, serves: true });
    expect(programOf(CATALOG["registry.k8s.io/pause"], ["/bin/true-nope"], env).startError).toBe('exec: "/bin/true-nope": stat /bin/true-nope: no such file or directory');
    expect(programOf(CATALOG["registry.k8s.io/pause"], ["true-nope"], env).startError).toBe('exec: "true-nope": executable file not found in $PATH');
  });

  it("tracks files for exec probes", () => {
    const p = programOf(busybox, ["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"], env);
    expect(fileExistsAt(p, "/tmp/healthy", 10_000)).toBe(true);
    expect(fileExistsAt(p, "/tmp/healthy", 31_000)).toBe(false);
  });
});

describe("scheduler messages", () => {
  it("words a fit error as kube-scheduler does", () => {
    const msg = fitError(3, [
      { node: "cp", rejectedBy: { plugin: "TaintToleration", rejection: { reasons: ["node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"], unresolvable: true } } },
      { node: "w1", rejectedBy: { plugin: "NodeResourcesFit", rejection: { reasons: ["Insufficient cpu"] } } },
      { node: "w2", rejectedBy: { plugin: "NodeResourcesFit", rejection: { reasons: ["Insufficient cpu"] } } },
    ]);
    expect(msg).toBe("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.");
  });
});
