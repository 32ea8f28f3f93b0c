// Pods run: the scheduler binds them, the simulated kubelet pulls, creates and starts their
// containers, restarts them with back-off, and fails them the way a real kubelet does. The
// cluster clock is advanced instead of sleeping.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, getJson, kubectl, manage, newCluster, ok, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("kubelet");
});

function inCidr(ip: string, cidr: string): boolean {
  const toInt = (a: string) => a.split(".").reduce((n, o) => n * 256 + Number(o), 0);
  const [base, bits] = cidr.split("/");
  const mask = bits === "0" ? 0 : (~0 << (32 - Number(bits))) >>> 0;
  return ((toInt(ip) & mask) >>> 0) === ((toInt(base) & mask) >>> 0);
}

/** The events about an object, in the order they happened. */
async function events(name: string): Promise<{ reason: string; message: string; type: string; eventTime: string }[]> {
  const list = await getJson(c, ["events", "--field-selector", `involvedObject.name=${name}`]);
  return list.items.sort((a: { eventTime: string }, b: { eventTime: string }) => a.eventTime.localeCompare(b.eventTime));
}

/** Several objects as one multi-document YAML stream. */
function docs(...objects: unknown[]): string {
  return objects.map((o) => stringify(o)).join("---\n");
}

describe("kubelet", () => {
  it("runs nginx on a worker, with an IP from that node's podCIDR, and the events a kubelet writes", async () => {
    await ok(c, ["run", "web", "--image=nginx"]);
    await advance(c, 5);
    const pod = await getJson(c, ["pod", "web"]);
    expect(pod.status.phase).toBe("Running");
    expect(pod.spec.nodeName).toMatch(new RegExp(`^${c.name}-worker2?$`));
    const node = await getJson(c, ["node", pod.spec.nodeName]);
    expect(inCidr(pod.status.podIP, node.spec.podCIDR)).toBe(true);
    expect(pod.status.hostIP).toBe(node.status.addresses.find((a: { type: string }) => a.type === "InternalIP").address);
    const cs = pod.status.containerStatuses[0];
    expect(cs).toMatchObject({ name: "web", ready: true, started: true, restartCount: 0, image: "docker.io/library/nginx:latest" });
    expect(cs.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(cs.state.running.startedAt).toBeTruthy();
    expect(pod.status.conditions.map((x: { type: string; status: string }) => `${x.type}=${x.status}`)).toEqual(
      expect.arrayContaining(["PodScheduled=True", "Initialized=True", "ContainersReady=True", "Ready=True"]),
    );
    const wide = await ok(c, ["get", "pod", "web", "-o", "wide", "--no-headers"]);
    expect(wide).toMatch(new RegExp(`^web\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${pod.status.podIP.replace(/\./g, "\\.")}\\s+${pod.spec.nodeName}\\s`));
    const reasons = (await events("web")).map((e) => e.reason);
    expect(reasons).toEqual(["Scheduled", "Pulling", "Pulled", "Created", "Started"]);
    // a second pod of the same image on the same node finds it cached
    await ok(c, ["run", "web1", "--image=nginx:1.27", `--overrides={"spec":{"nodeName":"${pod.spec.nodeName}"}}`]);
    await advance(c, 5);
    await ok(c, ["run", "web2", "--image=nginx:1.27", `--overrides={"spec":{"nodeName":"${pod.spec.nodeName}"}}`]);
    await advance(c, 2);
    const cached = await events("web2");
    expect(cached.find((e) => e.reason === "Pulled")?.message).toBe('Container image "nginx:1.27" already present on machine');
    // :latest is pulled every time (imagePullPolicy Always), quickly once the layers are there
    expect((await getJson(c, ["pod", "web"])).spec.containers[0].imagePullPolicy).toBe("Always");
  });

  it("puts busybox without a command into CrashLoopBackOff with a growing restart count", async () => {
    await ok(c, ["run", "bb", "--image=busybox"]);
    await advance(c, 5);
    const first = await getJson(c, ["pod", "bb"]);
    const restarts1 = first.status.containerStatuses[0].restartCount;
    expect(restarts1).toBeGreaterThanOrEqual(1);
    await advance(c, 120);
    const later = await getJson(c, ["pod", "bb"]);
    const cs = later.status.containerStatuses[0];
    expect(cs.restartCount).toBeGreaterThan(restarts1);
    expect(cs.lastState.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    const table = await ok(c, ["get", "pod", "bb", "--no-headers"]);
    expect(table).toMatch(/^bb\s+0\/1\s+(CrashLoopBackOff|Completed)\s+\d+ \(\S+ ago\)/);
    // the back-off doubles: 10 s, 20 s, 40 s, 80 s, 160 s, then 5 min
    await advance(c, 600);
    const capped = (await getJson(c, ["pod", "bb"])).status.containerStatuses[0];
    expect(capped.state.waiting?.reason ?? "").toMatch(/CrashLoopBackOff|^$/);
    const backoffs = (await events("bb")).filter((e) => e.reason === "BackOff");
    expect(backoffs[0].message).toMatch(/^Back-off restarting failed container bb in pod bb_default\(/);
    await ok(c, ["delete", "pod", "bb", "--wait=false"]);
  });

  it("completes a pod that exits 0 under restartPolicy Never, and logs what it echoed", async () => {
    await ok(c, ["run", "hello", "--image=busybox", "--restart=Never", "--", "echo", "hi"]);
    await advance(c, 5);
    const pod = await getJson(c, ["pod", "hello"]);
    expect(pod.status.phase).toBe("Succeeded");
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(await ok(c, ["get", "pod", "hello", "--no-headers"])).toMatch(/^hello\s+0\/1\s+Completed\s+0/);
    expect(await ok(c, ["logs", "hello"])).toBe("hi\n");

    await ok(c, ["run", "fail", "--image=busybox", "--restart=Never", "--", "sh", "-c", "echo oops; exit 3"]);
    await advance(c, 5);
    const failed = await getJson(c, ["pod", "fail"]);
    expect(failed.status.phase).toBe("Failed");
    expect(failed.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(await ok(c, ["get", "pod", "fail", "--no-headers"])).toMatch(/^fail\s+0\/1\s+Error\s+0/);
  });

  it("fails to pull an image that does not exist: ErrImagePull, then ImagePullBackOff", async () => {
    await ok(c, ["run", "typo", "--image=ngnix"]);
    await advance(c, 1);
    await advance(c, 15);
    const pod = await getJson(c, ["pod", "typo"]);
    expect(pod.status.phase).toBe("Pending");
    expect(pod.status.containerStatuses[0].state.waiting.reason).toMatch(/ImagePullBackOff|ErrImagePull/);
    const evs = await events("typo");
    expect(evs.find((e) => e.reason === "Failed" && e.message.startsWith('Failed to pull image "ngnix"'))?.message).toContain("pull access denied, repository does not exist or may require authorization");
    expect(evs.some((e) => e.reason === "BackOff" && e.message === 'Back-off pulling image "ngnix"')).toBe(true);
    expect(evs.some((e) => e.message === "Error: ImagePullBackOff")).toBe(true);
    const logs = await kubectl(c, ["logs", "typo"]);
    expect(logs.stderr).toContain('container "typo" in pod "typo" is waiting to start: trying and failing to pull image');

    await ok(c, ["run", "notag", "--image=nginx:doesnotexist"]);
    await advance(c, 3);
    const notag = (await events("notag")).find((e) => e.reason === "Failed" && e.message.startsWith("Failed to pull"));
    expect(notag?.message).toContain("docker.io/library/nginx:doesnotexist: not found");

    await ok(c, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "upper" }, spec: { containers: [{ name: "upper", image: "NGINX" }] } }));
    await advance(c, 2);
    const upper = await getJson(c, ["pod", "upper"]);
    expect(upper.status.containerStatuses[0].state.waiting.reason).toBe("InvalidImageName");
    await ok(c, ["delete", "pod", "typo", "notag", "upper", "--wait=false"]);
  });

  it("OOM-kills a container whose memory limit is below what its image uses", async () => {
    await ok(c, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "oom" }, spec: { restartPolicy: "Never", containers: [{ name: "oom", image: "nginx", resources: { limits: { memory: "4Mi" } } }] } }));
    await advance(c, 5);
    const pod = await getJson(c, ["pod", "oom"]);
    expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ reason: "OOMKilled", exitCode: 137 });
    expect(await ok(c, ["get", "pod", "oom", "--no-headers"])).toMatch(/^oom\s+0\/1\s+OOMKilled/);
  });

  it("runs init containers in order before the app containers", async () => {
    await ok(c, ["apply", "-f", "-"], JSON.stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "init" },
      spec: { initContainers: [{ name: "wait", image: "busybox", command: ["sh", "-c", "sleep 10"] }], containers: [{ name: "app", image: "nginx" }] },
    }));
    await advance(c, 3);
    expect(await ok(c, ["get", "pod", "init", "--no-headers"])).toMatch(/^init\s+0\/1\s+Init:0\/1/);
    await advance(c, 15);
    const pod = await getJson(c, ["pod", "init"]);
    expect(pod.status.phase).toBe("Running");
    expect(pod.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    const started = (await events("init")).filter((e) => e.reason === "Started").map((e) => e.message);
    expect(started).toEqual(["Started container wait", "Started container app"]);
  });

  it("judges probes against the image: readiness over HTTP, liveness by exec as in the tutorial", async () => {
    await ok(c, ["apply", "-f", "-"], docs(
        { apiVersion: "v1", kind: "Pod", metadata: { name: "ready" }, spec: { containers: [{ name: "web", image: "nginx", readinessProbe: { httpGet: { path: "/", port: 80 }, initialDelaySeconds: 5, periodSeconds: 5 } }] } },
        { apiVersion: "v1", kind: "Pod", metadata: { name: "never-ready" }, spec: { containers: [{ name: "web", image: "nginx", readinessProbe: { httpGet: { path: "/healthz", port: 80 }, initialDelaySeconds: 1, periodSeconds: 5 } }] } },
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "liveness" },
          spec: {
            containers: [
              {
                name: "liveness",
                image: "busybox",
                args: ["/bin/sh", "-c", "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
                livenessProbe: { exec: { command: ["cat", "/tmp/healthy"] }, initialDelaySeconds: 5, periodSeconds: 5 },
              },
            ],
          },
        },
    ));
    await advance(c, 3);
    expect((await getJson(c, ["pod", "ready"])).status.containerStatuses[0].ready).toBe(false);
    await advance(c, 10);
    expect((await getJson(c, ["pod", "ready"])).status.containerStatuses[0].ready).toBe(true);
    const never = await getJson(c, ["pod", "never-ready"]);
    expect(never.status.containerStatuses[0].ready).toBe(false);
    expect(never.status.phase).toBe("Running");
    expect((await events("never-ready")).find((e) => e.reason === "Unhealthy")?.message).toBe("Readiness probe failed: HTTP probe failed with statuscode: 404");
    expect((await getJson(c, ["pod", "liveness"])).status.containerStatuses[0].restartCount).toBe(0);
    await advance(c, 90);
    const live = await getJson(c, ["pod", "liveness"]);
    expect(live.status.containerStatuses[0].restartCount).toBeGreaterThanOrEqual(1);
    const evs = await events("liveness");
    expect(evs.find((e) => e.reason === "Unhealthy")?.message).toBe("Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory");
    expect(evs.find((e) => e.reason === "Killing")?.message).toBe("Container liveness failed liveness probe, will be restarted");
    await ok(c, ["delete", "pod", "liveness", "--force", "--grace-period=0"]);
  });

  it("deletes gracefully on the cluster clock, and at once with --force --grace-period=0", async () => {
    await ok(c, ["run", "sleeper", "--image=busybox", "--", "sleep", "3600"]);
    await ok(c, ["run", "quick", "--image=busybox", "--", "sleep", "3600"]);
    await advance(c, 3);
    expect((await getJson(c, ["pod", "sleeper"])).status.phase).toBe("Running");
    await ok(c, ["delete", "pod", "sleeper", "--wait=false"]);
    await advance(c, 5);
    expect(await ok(c, ["get", "pod", "sleeper", "--no-headers"])).toMatch(/^sleeper\s+\S+\s+Terminating/);
    const stopping = (await events("sleeper")).find((e) => e.reason === "Killing");
    expect(stopping?.message).toBe("Stopping container sleeper");
    // sleep ignores SIGTERM as PID 1: the pod goes when the 30 s grace period ends
    await advance(c, 30);
    expect((await kubectl(c, ["get", "pod", "sleeper"])).stderr).toContain('pods "sleeper" not found');

    const forced = await kubectl(c, ["delete", "pod", "quick", "--force", "--grace-period=0"]);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain("Immediate deletion does not wait for confirmation");
    expect((await kubectl(c, ["get", "pod", "quick"])).stderr).toContain('pods "quick" not found');
  });

  it("runs an image the user declares, serving the ports it says, and refuses a bad declaration", async () => {
    const bad = await manage("PATCH", c, "", { simulation: { images: { "myorg/app": { ports: ["eighty"] } } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain("simulation.images.myorg/app.ports.0");
    await simulate(c, { images: { "myorg/app": { tags: ["1.0"], ports: [8080], http: [8080], logs: ["listening on :8080"], memoryMi: 64 } } });
    await ok(c, ["apply", "-f", "-"], stringify({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "mine" },
      spec: { containers: [{ name: "app", image: "myorg/app:1.0", ports: [{ name: "http", containerPort: 8080 }], readinessProbe: { tcpSocket: { port: "http" } }, livenessProbe: { httpGet: { path: "/healthz", port: 8080 } } }] },
    }));
    await ok(c, ["run", "not-declared", "--image=myorg/app:2.0"]);
    await advance(c, 60);
    const pod = await getJson(c, ["pod", "mine"]);
    expect(pod.status.containerStatuses[0]).toMatchObject({ ready: true, restartCount: 0 });
    expect(await ok(c, ["logs", "mine"])).toBe("listening on :8080\n");
    const other = await getJson(c, ["pod", "not-declared"]);
    expect(other.status.containerStatuses[0].state.waiting.reason).toMatch(/ImagePullBackOff|ErrImagePull/);
    await ok(c, ["delete", "pod", "mine", "not-declared", "--force", "--grace-period=0"]);
  });
});
