// A container's own process over cluster time (the timeline), its files as exec sees them, and
// the kubelet following it: the Kubernetes docs' counter, a sidecar reading its app's log from a
// shared emptyDir, and an interactive shell fed through attach.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ContainerWorlds, RunRef } from "../../worker/cluster/container/world";
import { runsForever } from "../../worker/cluster/container/forever";
import type { ApiServer } from "../../worker/cluster/api/apiserver";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Pod } from "../../worker/cluster/resources/pod";
import type { Store } from "../../worker/cluster/store/store";
import { kube, kubeRequest, newSettledCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newSettledCluster>>["stub"];

async function advanceClock(stub: Stub, seconds: number) {
  await (stub as unknown as { moveClock(r: { advanceSeconds: number }): Promise<unknown> }).moveClock({ advanceSeconds: seconds });
  await settle(stub);
}

async function pod(stub: Stub, spec: Record<string, unknown>, name = "p") {
  const r = await kube(stub, "POST", "/api/v1/namespaces/default/pods", { apiVersion: "v1", kind: "Pod", metadata: { name }, spec });
  expect(r.status).toBe(201);
}

async function logs(stub: Stub, name: string, container?: string): Promise<string> {
  const [path, query = ""] = `/api/v1/namespaces/default/pods/${name}/log${container ? `?container=${container}` : ""}`.split("?");
  const res = await stub.kube({ ...kubeRequest("GET", path), query });
  return res.stream ? await new Response(res.stream).text() : String(res.body);
}

describe("a container's process over cluster time", () => {
  it("runs the docs' counter: arithmetic and date in a loop, one line a second", async () => {
    const { stub } = await newSettledCluster();
    await pod(stub, { containers: [{ name: "count", image: "busybox:1.36", args: ["/bin/sh", "-c", 'i=0; while true; do echo "$i: $(date)"; i=$((i+1)); sleep 1; done'] }] });
    await advanceClock(stub, 10);
    const p = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).json;
    expect(p.status.containerStatuses[0].state.running).toBeTruthy();
    const lines = (await logs(stub, "p")).trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(8);
    expect(lines[0]).toMatch(/^0: \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d UTC \d{4}$/);
    expect(lines[5]).toMatch(/^5: /);
  }, 30_000);
});

describe("a process that waits on the network", () => {
  it("runs the docs' init container: it waits for myservice, and goes on within seconds of it appearing", async () => {
    const { stub } = await newSettledCluster();
    await pod(stub, {
      initContainers: [{ name: "init-myservice", image: "busybox:1.28", command: ["sh", "-c", "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done"] }],
      containers: [{ name: "myapp", image: "busybox:1.28", command: ["sh", "-c", "echo The app is running! && sleep 3600"] }],
    });
    await advanceClock(stub, 20);
    let p = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).json;
    expect(p.status.initContainerStatuses[0].state.running).toBeTruthy();
    expect(await logs(stub, "p", "init-myservice")).toContain("waiting for myservice");
    const svc = await kube(stub, "POST", "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "myservice" }, spec: { ports: [{ port: 80, targetPort: 9376 }] } });
    expect(svc.status).toBe(201);
    await advanceClock(stub, 5);
    p = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).json;
    expect(p.status.initContainerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(p.status.phase).toBe("Running");
    expect(await logs(stub, "p", "myapp")).toBe("The app is running!\n");
    // Its history keeps the waiting it did (the answers it got then are remembered).
    expect(await logs(stub, "p", "init-myservice")).toMatch(/^(.*\n)*waiting for myservice\n(.*\n)*Name:\s+myservice\.default\.svc\.cluster\.local\n/);
  }, 30_000);
});

describe("volumes outlive a container's run", () => {
  it("keeps what a run wrote to an emptyDir for the container's next run", async () => {
    const { stub } = await newSettledCluster();
    await pod(stub, {
      containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo run >> /data/runs; echo runs: $(wc -l < /data/runs); sleep 2; exit 1"], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
      volumes: [{ name: "data", emptyDir: {} }],
    });
    // Each run counts the runs so far in the emptyDir: the count goes on across restarts.
    const previous = async () => {
      const res = await stub.kube({ ...kubeRequest("GET", "/api/v1/namespaces/default/pods/p/log"), query: "previous=true" });
      const text = res.stream ? await new Response(res.stream).text() : String(res.body);
      return Number(/^runs: (\d+)\n$/.exec(text)?.[1] ?? NaN);
    };
    await advanceClock(stub, 5);
    const first = await previous();
    await advanceClock(stub, 30);
    const later = await previous();
    expect(first).toBeGreaterThanOrEqual(1);
    expect(later).toBeGreaterThan(first);
    const p = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).json;
    expect(later).toBeGreaterThanOrEqual(p.status.containerStatuses[0].restartCount);
  }, 30_000);
});

describe("what a container's runs leave behind", () => {
  type Inside = { store: Store; api: ApiServer; containers: ContainerWorlds };
  const inside = (o: ClusterObject) => o as unknown as Inside;
  const PROCESS_TABLES = ["process_committed", "process_input", "process_signals", "process_env"];

  it("keeps a crashed run's final log; a pod removed takes every row of its runs along", async () => {
    const { stub } = await newSettledCluster();
    await pod(stub, { containers: [{ name: "c", image: "busybox:1.36", command: ["sh", "-c", "echo run; sleep 2; exit 1"], stdin: true }] });
    await advanceClock(stub, 5);
    // The runs the kubelet knows, and the rows each process table holds for them.
    const rows = () =>
      runInDurableObject(stub, (o: ClusterObject) => {
        const sql = inside(o).store.sqlStorage;
        const runs: string[] = [];
        for (const r of sql.exec<{ state: string }>("SELECT state FROM pod_runtime WHERE name = 'p'")) {
          for (const c of (JSON.parse(r.state) as { containers: { run?: { id: string }; last?: { id: string } }[] }).containers) for (const id of [c.run?.id, c.last?.id]) if (id) runs.push(id);
        }
        const held: Record<string, string[]> = {};
        for (const t of PROCESS_TABLES) held[t] = sql.exec<{ run: string }>(`SELECT DISTINCT run FROM ${t}`).toArray().map((x) => x.run);
        return { runs, held };
      });
    const crashed = await rows();
    // The first run crashed and is the container's last: its log is kept (for --previous, across restarts of the object).
    expect(crashed.runs.length).toBeGreaterThan(0);
    expect(crashed.held.process_committed.length).toBeGreaterThan(0);
    expect(crashed.held.process_committed.every((r) => crashed.runs.includes(r))).toBe(true);
    // Input typed into the live run, and its environment asked for (exec does): rows of their own.
    await advanceClock(stub, 10);
    const typedInto = await runInDurableObject(stub, (o: ClusterObject) => {
      const x = inside(o);
      const p = x.api.peek<Pod>("pods", "default", "p")!;
      const state = JSON.parse(x.store.sqlStorage.exec<{ state: string }>("SELECT state FROM pod_runtime WHERE name = 'p'").one().state) as { containers: { name: string; run?: { id: string; startedAt: number } }[] };
      const c = state.containers[0]!;
      const run: RunRef = { container: c.name, kind: "app", id: c.run!.id, startedAt: c.run!.startedAt };
      x.containers.type(p, run, new TextEncoder().encode("hello\n"));
      x.containers.runEnv(p, run);
      return run.id;
    });
    const live = await rows();
    expect(live.held.process_input).toEqual([typedInto]);
    expect(live.held.process_env).toContain(typedInto);
    expect((await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/p")).status).toBe(200);
    await advanceClock(stub, 35);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods/p")).status).toBe(404);
    const after = await rows();
    expect(after.runs).toEqual([]);
    for (const t of PROCESS_TABLES) expect(after.held[t]!.filter((r) => live.runs.includes(r) || crashed.runs.includes(r))).toEqual([]);
  }, 30_000);
});

describe("an idle cluster stays free while its containers loop", () => {
  it("knows which commands never end by themselves", () => {
    const yes = [
      ["sh", "-c", 'i=0; while true; do echo "$i"; i=$((i+1)); sleep 1; done'],
      ["sh", "-c", "touch /tmp/up; while :; do sleep 5; done"],
      ["sh", "-c", "tail -n+1 -F /logs/app.log"],
      ["sleep", "infinity"],
      ["tail", "-f", "/dev/null"],
      ["/bin/sh", "-c", "echo start; exec sleep inf"],
    ];
    const no = [
      ["sh", "-c", "while true; do sleep 1; break; done"],
      ["sh", "-c", "cd /nope || exit 1; while true; do sleep 1; done"],
      ["sh", "-c", "until nslookup db; do sleep 2; done"],
      ["sleep", "3600"],
      ["sh", "-c", "while true; do read x; done"],
      ["tail", "-f", "--pid=1", "/dev/null"],
    ];
    for (const argv of yes) expect(runsForever(argv), argv.join(" ")).toBe(true);
    for (const argv of no) expect(runsForever(argv), argv.join(" ")).toBe(false);
  });

  it("leaves no alarm for a counter and a following sidecar, yet their logs grow when read", async () => {
    const { stub } = await newSettledCluster();
    await pod(stub, {
      containers: [
        { name: "app", image: "busybox:1.36", command: ["sh", "-c", 'i=0; while true; do echo "line $i" >> /var/log/app.log; i=$((i+1)); sleep 1; done'], volumeMounts: [{ name: "logs", mountPath: "/var/log" }] },
        { name: "collector", image: "busybox:1.36", command: ["sh", "-c", "tail -n+1 -F /logs/app.log"], volumeMounts: [{ name: "logs", mountPath: "/logs" }] },
      ],
      volumes: [{ name: "logs", emptyDir: {} }],
    });
    await advanceClock(stub, 5);
    const info = await (stub as unknown as { info(): Promise<{ alarm: string | null }> }).info();
    expect(info.alarm).toBeNull();
    await advanceClock(stub, 30);
    const lines = (await logs(stub, "p", "collector")).trim().split("\n");
    expect(lines.length).toBeGreaterThanOrEqual(30);
    expect(lines.slice(0, 3)).toEqual(["line 0", "line 1", "line 2"]);
  }, 30_000);
});
