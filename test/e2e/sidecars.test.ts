// Native sidecars: init containers with restartPolicy Always start in order among the init
// containers, run and restart beside the app, count in READY and in the pod's Ready condition,
// serve their logs, are stopped once a Job's app containers are done (the pod Succeeds), stop
// after the app containers when the pod is deleted, and weigh in the scheduler's request.
import { beforeAll, describe, expect, it } from "vitest";
import { advance, getJson, kubectl, newCluster, ok, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("sidecars");
});

const ticker = { name: "logger", image: "busybox:1.36", restartPolicy: "Always", command: ["sh", "-c", "while true; do echo tick; sleep 5; done"] };

// any: the test reads whatever status fields the pod has
function status(pod: any, name: string, init = true): any {
  return (init ? pod.status.initContainerStatuses : pod.status.containerStatuses).find((s: { name: string }) => s.name === name);
}

describe("native sidecars", () => {
  it("start in order among the init containers, keep running beside the app and count in READY", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "web" },
      spec: {
        initContainers: [{ name: "setup", image: "busybox:1.36", command: ["sh", "-c", "echo setting up"] }, ticker, { name: "after", image: "busybox:1.36", command: ["sh", "-c", "echo after"] }],
        containers: [{ name: "app", image: "nginx:1.27" }],
      },
    };
    await ok(c, ["apply", "-f", "-"], JSON.stringify(pod));
    await advance(c, 30);
    expect(await ok(c, ["get", "pod", "web", "--no-headers"])).toMatch(/^web\s+2\/2\s+Running\s+0\s/);
    const got = await getJson(c, ["pod", "web"]);
    expect(status(got, "setup").state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(status(got, "logger")).toMatchObject({ ready: true, started: true, restartCount: 0 });
    expect(status(got, "logger").state.running).toBeTruthy();
    expect(status(got, "after").state.terminated).toMatchObject({ exitCode: 0 });
    // "after" started only once the sidecar had started
    expect(Date.parse(status(got, "after").state.terminated.startedAt)).toBeGreaterThanOrEqual(Date.parse(status(got, "logger").state.running.startedAt));
    const conds = Object.fromEntries(got.status.conditions.map((x: { type: string; status: string }) => [x.type, x.status]));
    expect(conds).toMatchObject({ Initialized: "True", Ready: "True", ContainersReady: "True" });
    expect(await ok(c, ["logs", "web", "-c", "logger"])).toMatch(/^tick\ntick\n/);
    // metrics count the running sidecar beside the app
    const top = await ok(c, ["top", "pod", "web", "--containers", "--no-headers"]);
    expect(top).toMatch(/^web\s+app\s+\d+m\s+\d+Mi/m);
    expect(top).toMatch(/^web\s+logger\s+\d+m\s+\d+Mi/m);
    const described = await ok(c, ["describe", "pod", "web"]);
    expect(described).toMatch(/Init Containers:[\s\S]*logger:[\s\S]*State:\s+Running\n[^\n]*\n\s+Ready:\s+True/);
  });

  it("hold the next init container back until their startup probe passes", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "probed" },
      spec: {
        initContainers: [
          { name: "proxy", image: "busybox:1.36", restartPolicy: "Always", command: ["sh", "-c", "sleep 8; touch /tmp/up; while true; do sleep 5; done"], startupProbe: { exec: { command: ["cat", "/tmp/up"] }, periodSeconds: 1, failureThreshold: 30 } },
          { name: "after", image: "busybox:1.36", command: ["sh", "-c", "echo after"] },
        ],
        containers: [{ name: "app", image: "nginx:1.27" }],
      },
    };
    await ok(c, ["apply", "-f", "-"], JSON.stringify(pod));
    await advance(c, 5);
    const early = await getJson(c, ["pod", "probed"]);
    expect(status(early, "proxy")).toMatchObject({ started: false, ready: false });
    expect(status(early, "proxy").state.running).toBeTruthy();
    expect(status(early, "after").state.waiting.reason).toBe("PodInitializing");
    expect(early.status.phase).toBe("Pending");
    expect(await ok(c, ["get", "pod", "probed", "--no-headers"])).toMatch(/^probed\s+0\/2\s+Init:0\/2\s/);
    await advance(c, 15);
    const late = await getJson(c, ["pod", "probed"]);
    const proxyStarted = Date.parse(status(late, "proxy").state.running.startedAt);
    expect(Date.parse(status(late, "after").state.terminated.startedAt) - proxyStarted).toBeGreaterThanOrEqual(8000);
    expect(await ok(c, ["get", "pod", "probed", "--no-headers"])).toMatch(/^probed\s+2\/2\s+Running\s+0\s/);
    await ok(c, ["delete", "pod", "probed", "--wait=false"]);
  });

  it("restart beside the app when they exit; a sidecar that is down makes the pod not ready", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "flaky" },
      spec: {
        initContainers: [{ name: "proxy", image: "busybox:1.36", restartPolicy: "Always", command: ["sh", "-c", "echo up; sleep 20; exit 1"] }],
        containers: [{ name: "app", image: "nginx:1.27" }],
      },
    };
    await ok(c, ["apply", "-f", "-"], JSON.stringify(pod));
    await advance(c, 15);
    expect(await ok(c, ["get", "pod", "flaky", "--no-headers"])).toMatch(/^flaky\s+2\/2\s+Running\s+0\s/);
    // it exits about 22 s in and is restarted at once; it exits again about 43 s in and backs off 10 s
    await advance(c, 31);
    const got = await getJson(c, ["pod", "flaky"]);
    expect(got.status.phase).toBe("Running");
    expect(status(got, "proxy")).toMatchObject({ restartCount: 1, ready: false, started: false });
    expect(status(got, "proxy").state.waiting.reason).toBe("CrashLoopBackOff");
    expect(status(got, "proxy").lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    expect(got.status.conditions.find((x: { type: string }) => x.type === "Initialized").status).toBe("True");
    expect(got.status.conditions.find((x: { type: string }) => x.type === "Ready")).toMatchObject({ status: "False", reason: "ContainersNotReady", message: "containers with unready status: [proxy]" });
    // kube-apiserver's printer names the sidecar's back-off and counts its restarts
    expect(await ok(c, ["get", "pod", "flaky", "--no-headers"])).toMatch(/^flaky\s+1\/2\s+Init:CrashLoopBackOff\s+1 \(\d+s ago\)\s/);
    await advance(c, 12);
    expect(await ok(c, ["get", "pod", "flaky", "--no-headers"])).toMatch(/^flaky\s+2\/2\s+Running\s+2 \(\d+s ago\)\s/);
    await ok(c, ["delete", "pod", "flaky", "--wait=false"]);
  });

  it("are stopped when a Job's app containers are done: the pod Succeeds and the Job completes", async () => {
    const job = {
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "batch" },
      spec: {
        template: {
          spec: {
            restartPolicy: "Never",
            initContainers: [ticker],
            containers: [{ name: "work", image: "busybox:1.36", command: ["sh", "-c", "echo working; sleep 3; echo done"] }],
          },
        },
      },
    };
    await ok(c, ["apply", "-f", "-"], JSON.stringify(job));
    await advance(c, 60);
    const pods = (await getJson(c, ["pods", "-l", "job-name=batch"])).items;
    expect(pods).toHaveLength(1);
    const pod = pods[0];
    expect(pod.status.phase).toBe("Succeeded");
    expect(status(pod, "work", false).state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(status(pod, "logger").state.terminated).toBeTruthy();
    expect(status(pod, "logger").restartCount).toBe(0);
    expect(await ok(c, ["get", "pod", pod.metadata.name, "--no-headers"])).toMatch(/\s0\/2\s+Completed\s/);
    expect(await ok(c, ["get", "job", "batch", "--no-headers"])).toMatch(/^batch\s+Complete\s+1\/1\s/);
    const killing = await getJson(c, ["events", "--field-selector", `involvedObject.name=${pod.metadata.name},reason=Killing`]);
    expect(killing.items.map((e: { message: string }) => e.message)).toEqual(["Stopping container logger"]);
  });

  it("stop after the app containers when the pod is deleted", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "ordered" },
      spec: { terminationGracePeriodSeconds: 10, initContainers: [ticker], containers: [{ name: "app", image: "busybox:1.36", command: ["sh", "-c", "trap '' TERM; while true; do sleep 1; done"] }] },
    };
    await ok(c, ["apply", "-f", "-"], JSON.stringify(pod));
    await advance(c, 20);
    expect(await ok(c, ["get", "pod", "ordered", "--no-headers"])).toMatch(/^ordered\s+2\/2\s+Running/);
    await ok(c, ["delete", "pod", "ordered", "--wait=false"]);
    await advance(c, 1);
    const killed = async () => (await getJson(c, ["events", "--field-selector", "involvedObject.name=ordered,reason=Killing"])).items.map((e: { message: string }) => e.message).sort();
    // the app is stopping (it ignores TERM: its 10 s of grace); the sidecar is left running until the app has exited
    expect(await killed()).toEqual(["Stopping container app"]);
    expect(status(await getJson(c, ["pod", "ordered"]), "logger").state.running).toBeTruthy();
    await advance(c, 15);
    expect(await killed()).toEqual(["Stopping container app", "Stopping container logger"]);
    expect((await kubectl(c, ["get", "pod", "ordered"])).stderr).toContain("not found");
  });

  it("add their requests to the pod's for scheduling", async () => {
    // 3 cpu of app and 2 of sidecar need 5: more than a 4-cpu worker has
    const sized = (name: string, sidecar: boolean) => ({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name },
      spec: {
        initContainers: [{ name: "side", image: "busybox:1.36", command: ["sh", "-c", "sleep 1000"], resources: { requests: { cpu: "2" } }, ...(sidecar ? { restartPolicy: "Always" } : {}) }],
        containers: [{ name: "app", image: "nginx:1.27", resources: { requests: { cpu: "3" } } }],
      },
    });
    await ok(c, ["apply", "-f", "-"], JSON.stringify(sized("too-big", true)));
    await ok(c, ["apply", "-f", "-"], JSON.stringify(sized("fits", false)));
    await advance(c, 2);
    expect((await getJson(c, ["pod", "too-big"])).spec.nodeName).toBeUndefined();
    const events = await getJson(c, ["events", "--field-selector", "involvedObject.name=too-big,reason=FailedScheduling"]);
    expect(events.items[0].message).toContain("2 Insufficient cpu");
    // a plain init container's request is taken at its largest, not added
    expect((await getJson(c, ["pod", "fits"])).spec.nodeName).toBeTruthy();
    await ok(c, ["delete", "pod", "too-big", "fits", "--wait=false"]);
  });
});
