// StatefulSets, DaemonSets, Jobs, CronJobs and ReplicationControllers through real kubectl,
// and Deployment pods moving off a lost node. The cluster clock is advanced instead of sleeping.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, eventually, getJson, kubectl, manage, newCluster, ok, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("work");
  await simulate(c, { profile: "instant" });
});

function docs(...objects: unknown[]): string {
  return objects.map((o) => stringify(o)).join("---\n");
}

async function podNames(selector: string): Promise<string[]> {
  return (await getJson(c, ["pods", "-l", selector])).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.metadata.name).sort();
}

/** Events about an object in the order they happened. */
async function eventMessages(name: string, kind: string): Promise<string[]> {
  const list = await getJson(c, ["events", "--field-selector", `involvedObject.name=${name},involvedObject.kind=${kind}`]);
  return list.items.sort((a: any, b: any) => (a.eventTime ?? a.firstTimestamp).localeCompare(b.eventTime ?? b.firstTimestamp) || a.metadata.resourceVersion - b.metadata.resourceVersion).map((e: any) => e.message);
}

const statefulSet = (replicas: number, extra: Record<string, unknown> = {}) =>
  docs(
    { apiVersion: "v1", kind: "Service", metadata: { name: "nginx" }, spec: { clusterIP: "None", selector: { app: "nginx" }, ports: [{ port: 80 }] } },
    {
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "web" },
      spec: {
        serviceName: "nginx",
        replicas,
        selector: { matchLabels: { app: "nginx" } },
        template: { metadata: { labels: { app: "nginx" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.27", volumeMounts: [{ name: "www", mountPath: "/usr/share/nginx/html" }] }] } },
        volumeClaimTemplates: [{ metadata: { name: "www" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
        ...extra,
      },
    },
  );

describe("statefulsets", () => {
  it("makes web-0, web-1, web-2 in order with claims and stable hostnames, and removes them in reverse", async () => {
    // the realistic profile: each pod takes time to start, so the order is visible
    await simulate(c, { profile: "realistic" });
    await ok(c, ["apply", "-f", "-"], statefulSet(3));
    await settled(c);
    expect(await podNames("app=nginx")).toEqual(["web-0"]);
    for (let i = 0; i < 6 && (await podNames("app=nginx")).length < 3; i++) {
      await advance(c, 10);
      await settled(c);
    }
    expect(await podNames("app=nginx")).toEqual(["web-0", "web-1", "web-2"]);
    await simulate(c, { profile: "instant" });
    await ok(c, ["rollout", "status", "statefulset/web", "--timeout=30s"]);
    const created = (await eventMessages("web", "StatefulSet")).filter((m) => m.startsWith("create Pod"));
    expect(created).toEqual(["create Pod web-0 in StatefulSet web successful", "create Pod web-1 in StatefulSet web successful", "create Pod web-2 in StatefulSet web successful"]);
    const pod = await getJson(c, ["pod", "web-1"]);
    expect(pod.spec).toMatchObject({ hostname: "web-1", subdomain: "nginx" });
    expect(pod.metadata.labels).toMatchObject({ "statefulset.kubernetes.io/pod-name": "web-1", "apps.kubernetes.io/pod-index": "1" });
    expect(pod.spec.volumes.find((v: any) => v.name === "www").persistentVolumeClaim.claimName).toBe("www-web-1");
    const pvcs = await ok(c, ["get", "pvc", "--no-headers"]);
    // provisioned on standard (WaitForFirstConsumer) for each pod's node
    expect(pvcs).toMatch(/^www-web-0\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard/m);
    expect(pvcs).toMatch(/^www-web-2\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard/m);
    expect(await ok(c, ["get", "sts", "web", "--no-headers"])).toMatch(/^web\s+3\/3\s/);

    await ok(c, ["scale", "statefulset/web", "--replicas=0"]);
    await eventually(async () => (await podNames("app=nginx")).length === 0);
    const deleted = (await eventMessages("web", "StatefulSet")).filter((m) => m.startsWith("delete Pod"));
    expect(deleted).toEqual(["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful", "delete Pod web-0 in StatefulSet web successful"]);
    // the claims stay (whenScaled: Retain)
    expect((await getJson(c, ["pvc"])).items.map((p: any) => p.metadata.name).sort()).toEqual(["www-web-0", "www-web-1", "www-web-2"]);
  });

  it("rolls out a new template from the highest ordinal, honours the partition, and keeps ControllerRevisions", async () => {
    await ok(c, ["scale", "statefulset/web", "--replicas=3"]);
    await ok(c, ["rollout", "status", "statefulset/web", "--timeout=30s"]);
    await ok(c, ["patch", "statefulset", "web", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":2}}}}']);
    await ok(c, ["set", "image", "statefulset/web", "nginx=nginx:1.26"]);
    await settled(c);
    const images = async () => Promise.all([0, 1, 2].map(async (i) => (await getJson(c, ["pod", `web-${i}`])).spec.containers[0].image));
    await eventually(async () => (await images()).join() === "nginx:1.27,nginx:1.27,nginx:1.26");
    const sts = await getJson(c, ["sts", "web"]);
    expect(sts.status.updatedReplicas).toBe(1);
    expect(sts.status.currentRevision).not.toBe(sts.status.updateRevision);
    await ok(c, ["patch", "statefulset", "web", "-p", '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}']);
    await ok(c, ["rollout", "status", "statefulset/web", "--timeout=30s"]);
    await eventually(async () => (await images()).every((i) => i === "nginx:1.26"));
    await settled(c);
    const done = await getJson(c, ["sts", "web"]);
    expect(done.status.currentRevision).toBe(done.status.updateRevision);
    const revs = await ok(c, ["get", "controllerrevisions", "--no-headers"]);
    expect(revs).toMatch(/statefulset\.apps\/web\s+1\s/);
    expect(revs).toMatch(/statefulset\.apps\/web\s+2\s/);
    expect(await ok(c, ["rollout", "history", "statefulset/web"])).toMatch(/1\s+<none>\n2\s+<none>/);
    await ok(c, ["delete", "statefulset", "web"]);
    await eventually(async () => (await podNames("app=nginx")).length === 0);
  });

  it("rejects a change to a field that cannot change", async () => {
    await ok(c, ["apply", "-f", "-"], statefulSet(1));
    const r = await kubectl(c, ["patch", "statefulset", "web", "-p", '{"spec":{"serviceName":"other"}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("updates to statefulset spec for fields other than");
    await ok(c, ["delete", "statefulset", "web"]);
  });
});

describe("daemonsets", () => {
  const ds = (tolerate: boolean) => ({
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: tolerate ? "everywhere" : "agent" },
    spec: {
      selector: { matchLabels: { app: tolerate ? "everywhere" : "agent" } },
      template: {
        metadata: { labels: { app: tolerate ? "everywhere" : "agent" } },
        spec: {
          containers: [{ name: "a", image: "busybox:1.36", command: ["sleep", "3600"] }],
          ...(tolerate ? { tolerations: [{ key: "node-role.kubernetes.io/control-plane", operator: "Exists", effect: "NoSchedule" }] } : {}),
        },
      },
    },
  });

  it("runs on every worker, on the control plane only when it tolerates the taint, and follows nodes", async () => {
    await ok(c, ["apply", "-f", "-"], docs(ds(false), ds(true)));
    await settled(c);
    const nodesOf = async (app: string) => (await getJson(c, ["pods", "-l", `app=${app}`])).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.spec.nodeName).sort();
    expect(await nodesOf("agent")).toEqual([`${c.name}-worker`, `${c.name}-worker2`]);
    expect(await nodesOf("everywhere")).toEqual([`${c.name}-control-plane`, `${c.name}-worker`, `${c.name}-worker2`]);
    expect(await ok(c, ["get", "ds", "agent", "--no-headers"])).toMatch(/^agent\s+2\s+2\s+2\s+2\s+2\s+<none>\s/);
    const pod = (await getJson(c, ["pods", "-l", "app=agent"])).items[0];
    expect(pod.spec.tolerations.map((t: any) => t.key)).toEqual(expect.arrayContaining(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]));

    // a node joins: it gets a pod; it leaves: the pod goes
    const joined = await manage("POST", c, "/nodes", { role: "worker" });
    expect(joined.status).toBe(201);
    const name = joined.json.name;
    await settled(c);
    await eventually(async () => (await nodesOf("agent")).includes(name));
    expect((await getJson(c, ["ds", "agent"])).status.desiredNumberScheduled).toBe(3);
    await manage("DELETE", c, `/nodes/${name}`);
    await settled(c);
    await eventually(async () => !(await nodesOf("agent")).includes(name));
    await eventually(async () => (await getJson(c, ["ds", "agent"])).status.desiredNumberScheduled === 2);
  });

  it("rolls out a new template node by node", async () => {
    await ok(c, ["set", "image", "daemonset/agent", "a=busybox:1.35"]);
    for (let i = 0; i < 5; i++) {
      await settled(c);
      await advance(c, 31); // busybox ignores SIGTERM: each old pod takes its 30 s grace period
    }
    await ok(c, ["rollout", "status", "daemonset/agent", "--timeout=30s"]);
    const images = (await getJson(c, ["pods", "-l", "app=agent"])).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.spec.containers[0].image);
    expect(images).toEqual(["busybox:1.35", "busybox:1.35"]);
    expect(await ok(c, ["get", "controllerrevisions", "-l", "app=agent", "--no-headers"])).toMatch(/daemonset\.apps\/agent\s+2\s/);
  });
});

describe("jobs", () => {
  const job = (name: string, spec: Record<string, unknown>, command: string[]) =>
    stringify({ apiVersion: "batch/v1", kind: "Job", metadata: { name }, spec: { ...spec, template: { spec: { restartPolicy: "Never", containers: [{ name: "main", image: "busybox:1.36", command }] } } } });

  it("completes 5 completions 2 at a time", async () => {
    await ok(c, ["apply", "-f", "-"], job("five", { completions: 5, parallelism: 2 }, ["sh", "-c", "echo working; sleep 5"]));
    await settled(c);
    const active = (await getJson(c, ["job", "five"])).status.active;
    expect(active).toBe(2);
    let maxActive = active;
    for (let i = 0; i < 6; i++) {
      await advance(c, 6);
      await settled(c);
      maxActive = Math.max(maxActive, (await getJson(c, ["job", "five"])).status.active ?? 0);
    }
    expect(maxActive).toBe(2);
    await ok(c, ["wait", "--for=condition=complete", "job/five", "--timeout=20s"]);
    const j = await getJson(c, ["job", "five"]);
    expect(j.status).toMatchObject({ succeeded: 5, ready: 0 });
    expect(j.status.completionTime).toBeTruthy();
    expect(await ok(c, ["get", "job", "five", "--no-headers"])).toMatch(/^five\s+Complete\s+5\/5\s/);
    expect(await podNames(`job-name=five`)).toHaveLength(5);
    expect(await ok(c, ["logs", "job/five"])).toContain("working");
  });

  it("stops a failing Job at its backoffLimit with the Failed condition, backing off between tries", async () => {
    await ok(c, ["apply", "-f", "-"], job("broken", { backoffLimit: 2 }, ["sh", "-c", "exit 1"]));
    await settled(c);
    expect((await getJson(c, ["job", "broken"])).status.failed).toBe(1);
    // the second try waits 10 s, the third 20 s
    await advance(c, 5);
    await settled(c);
    expect((await getJson(c, ["job", "broken"])).status.failed).toBe(1);
    await advance(c, 6);
    await settled(c);
    expect((await getJson(c, ["job", "broken"])).status.failed).toBe(2);
    await advance(c, 21);
    await settled(c);
    const j = await getJson(c, ["job", "broken"]);
    expect(j.status.failed).toBe(3);
    expect(j.status.conditions.find((x: any) => x.type === "Failed")).toMatchObject({ status: "True", reason: "BackoffLimitExceeded", message: "Job has reached the specified backoff limit" });
    await ok(c, ["wait", "--for=condition=failed", "job/broken", "--timeout=10s"]);
    expect(await ok(c, ["get", "job", "broken", "--no-headers"])).toMatch(/^broken\s+Failed\s+0\/1\s/);
    await advance(c, 600);
    await settled(c);
    expect((await getJson(c, ["job", "broken"])).status.failed).toBe(3);
  });

  it("runs Indexed Jobs, fails by podFailurePolicy, deadlines, suspends, and cleans up after ttlSecondsAfterFinished", async () => {
    await ok(c, ["apply", "-f", "-"], job("idx", { completions: 3, parallelism: 3, completionMode: "Indexed" }, ["sh", "-c", "echo index $JOB_COMPLETION_INDEX"]));
    await ok(c, ["wait", "--for=condition=complete", "job/idx", "--timeout=20s"]);
    expect((await getJson(c, ["job", "idx"])).status.completedIndexes).toBe("0-2");
    const idxPods = (await getJson(c, ["pods", "-l", "job-name=idx"])).items;
    expect(idxPods.map((p: any) => p.metadata.annotations["batch.kubernetes.io/job-completion-index"]).sort()).toEqual(["0", "1", "2"]);
    const one = idxPods.find((p: any) => p.metadata.annotations["batch.kubernetes.io/job-completion-index"] === "1");
    expect(one.spec.hostname).toBe("idx-1");
    expect(await ok(c, ["logs", one.metadata.name])).toContain("index 1");

    await ok(c, ["apply", "-f", "-"], job("policy", { backoffLimit: 6, podFailurePolicy: { rules: [{ action: "FailJob", onExitCodes: { containerName: "main", operator: "In", values: [42] } }] } }, ["sh", "-c", "exit 42"]));
    await ok(c, ["wait", "--for=condition=failed", "job/policy", "--timeout=20s"]);
    const failed = (await getJson(c, ["job", "policy"])).status.conditions.find((x: any) => x.type === "Failed");
    expect(failed.reason).toBe("PodFailurePolicy");
    expect(failed.message).toMatch(/^Container main for pod default\/policy-\w+ failed with exit code 42 matching FailJob rule at index 0$/);

    await ok(c, ["apply", "-f", "-"], job("slow", { activeDeadlineSeconds: 30 }, ["sleep", "3600"]));
    await settled(c);
    await advance(c, 31);
    await settled(c);
    expect((await getJson(c, ["job", "slow"])).status.conditions.find((x: any) => x.type === "Failed")).toMatchObject({ reason: "DeadlineExceeded", message: "Job was active longer than specified deadline" });

    await ok(c, ["apply", "-f", "-"], job("later", { suspend: true }, ["sh", "-c", "echo hi"]));
    await settled(c);
    expect(await podNames("job-name=later")).toEqual([]);
    expect((await getJson(c, ["job", "later"])).status.conditions[0]).toMatchObject({ type: "Suspended", status: "True" });
    expect(await ok(c, ["get", "job", "later", "--no-headers"])).toMatch(/^later\s+Suspended\s/);
    await ok(c, ["patch", "job", "later", "-p", '{"spec":{"suspend":false}}']);
    await ok(c, ["wait", "--for=condition=complete", "job/later", "--timeout=20s"]);

    await ok(c, ["apply", "-f", "-"], job("shortlived", { ttlSecondsAfterFinished: 60 }, ["sh", "-c", "echo bye"]));
    await ok(c, ["wait", "--for=condition=complete", "job/shortlived", "--timeout=20s"]);
    await advance(c, 61);
    await eventually(async () => (await kubectl(c, ["get", "job", "shortlived"])).code !== 0);
    await eventually(async () => (await podNames("job-name=shortlived")).length === 0);

    // ttlSecondsAfterFinished: 0 collects the Job as soon as it is finished, and no pod is made again.
    await ok(c, ["apply", "-f", "-"], job("gone", { ttlSecondsAfterFinished: 0 }, ["sh", "-c", "echo bye"]));
    await eventually(async () => (await kubectl(c, ["get", "job", "gone"])).code !== 0);
    await settled(c);
    expect(await podNames("job-name=gone")).toEqual([]);
    const creates = (await getJson(c, ["events", "--field-selector", "involvedObject.name=gone,reason=SuccessfulCreate"])).items;
    expect(creates.map((e: any) => e.count ?? 1).reduce((a: number, b: number) => a + b, 0)).toBe(1);

    const bad = await kubectl(c, ["apply", "-f", "-"], { input: stringify({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "always" }, spec: { template: { spec: { containers: [{ name: "m", image: "busybox" }] } } } }) });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
  });
});

describe("cronjobs", () => {
  it("makes a Job each cluster minute, keeps its history limits, and creates a Job from it by hand", async () => {
    // From just after a minute of the cluster's clock (which runs on with the wall clock): no
    // minute turns while the CronJob is made and the cluster settles, so no Job is due yet.
    const lead = (await manage("GET", c, "")).json.offsetSeconds * 1000;
    await advance(c, Math.ceil((60_000 - ((Date.now() + lead) % 60_000)) / 1000) + 2);
    await settled(c);
    await ok(c, ["create", "cronjob", "tick", "--image=busybox:1.36", "--schedule=*/1 * * * *", "--", "sh", "-c", "echo tick"]);
    await settled(c);
    expect((await getJson(c, ["jobs", "-l", "!job-name"])).items.filter((j: any) => j.metadata.name.startsWith("tick-"))).toHaveLength(0);
    const jobsOf = async () => (await getJson(c, ["jobs"])).items.filter((j: any) => j.metadata.ownerReferences?.[0]?.name === "tick" && !j.metadata.deletionTimestamp);
    for (let i = 1; i <= 3; i++) {
      await advance(c, 60);
      await settled(c);
      expect((await jobsOf()).length).toBe(i);
    }
    const names = (await jobsOf()).map((j: any) => j.metadata.name);
    for (const n of names) expect(n).toMatch(/^tick-\d{8}$/);
    // successfulJobsHistoryLimit (3) keeps the three newest
    await advance(c, 120);
    await settled(c);
    const kept = (await jobsOf()).map((j: any) => j.metadata.name).sort();
    expect(kept).toHaveLength(3);
    expect(kept).not.toContain(names.sort()[0]);
    const cj = await getJson(c, ["cronjob", "tick"]);
    expect(cj.status.lastScheduleTime).toBeTruthy();
    expect(cj.status.lastSuccessfulTime).toBeTruthy();
    const scheduled = Date.parse((await jobsOf()).sort((a: any, b: any) => a.metadata.name.localeCompare(b.metadata.name)).at(-1).metadata.annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"]);
    // on a minute of the cluster's clock, served on the wall clock (moved back by the clock's lead)
    expect((scheduled + (await manage("GET", c, "")).json.offsetSeconds * 1000) % 60_000).toBe(0);

    await ok(c, ["create", "job", "by-hand", "--from=cronjob/tick"]);
    const manual = await getJson(c, ["job", "by-hand"]);
    expect(manual.metadata.annotations["cronjob.kubernetes.io/instantiate"]).toBe("manual");
    await ok(c, ["wait", "--for=condition=complete", "job/by-hand", "--timeout=20s"]);
    await ok(c, ["patch", "cronjob", "tick", "-p", '{"spec":{"suspend":true}}']);
  });

  it("honours concurrencyPolicy Forbid and Replace", async () => {
    for (const policy of ["Forbid", "Replace"]) {
      const name = policy.toLowerCase();
      await ok(c, ["apply", "-f", "-"], stringify({
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name },
        spec: { schedule: "*/1 * * * *", concurrencyPolicy: policy, jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image: "busybox:1.36", command: ["sleep", "3600"] }] } } } } },
      }));
    }
    const jobsOf = async (owner: string) => (await getJson(c, ["jobs"])).items.filter((j: any) => j.metadata.ownerReferences?.[0]?.name === owner && !j.metadata.deletionTimestamp).map((j: any) => j.metadata.name);
    await advance(c, 60);
    await settled(c);
    const firstForbid = await jobsOf("forbid");
    const firstReplace = await jobsOf("replace");
    expect(firstForbid).toHaveLength(1);
    expect(firstReplace).toHaveLength(1);
    await advance(c, 60);
    await settled(c);
    // Forbid: the running Job stays and no other starts; Replace: the running one is replaced
    expect(await jobsOf("forbid")).toEqual(firstForbid);
    const replaced = await jobsOf("replace");
    expect(replaced).toHaveLength(1);
    expect(replaced[0]).not.toBe(firstReplace[0]);
    expect((await getJson(c, ["cronjob", "forbid"])).status.active).toHaveLength(1);
    expect(await eventMessages("replace", "CronJob")).toContain(`Deleted job ${firstReplace[0]}`);
    for (const n of ["forbid", "replace"]) await ok(c, ["delete", "cronjob", n]);
  });

  it("rejects a bad schedule and a bad time zone", async () => {
    const bad = await kubectl(c, ["create", "cronjob", "bad", "--image=busybox", "--schedule=61 * * * *"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("spec.schedule: Invalid value");
    const tz = await kubectl(c, ["apply", "-f", "-"], {
      input: stringify({ apiVersion: "batch/v1", kind: "CronJob", metadata: { name: "tz" }, spec: { schedule: "0 9 * * *", timeZone: "Mars/Olympus", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image: "busybox" }] } } } } } }),
    });
    expect(tz.code).not.toBe(0);
    expect(tz.stderr).toContain("unknown time zone Mars/Olympus");
    expect((await kubectl(c, ["get", "cronjob", "bad"])).code).not.toBe(0);
  });
});

describe("replication controllers", () => {
  it("keeps its replicas and scales", async () => {
    await ok(c, ["apply", "-f", "-"], stringify({ apiVersion: "v1", kind: "ReplicationController", metadata: { name: "old" }, spec: { replicas: 2, template: { metadata: { labels: { app: "old" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } } } }));
    await eventually(async () => (await podNames("app=old")).length === 2);
    expect((await getJson(c, ["rc", "old"])).spec.selector).toEqual({ app: "old" });
    await ok(c, ["scale", "rc/old", "--replicas=3"]);
    await eventually(async () => (await podNames("app=old")).length === 3);
    await ok(c, ["delete", "rc", "old"]);
    await eventually(async () => (await podNames("app=old")).length === 0);
  });
});

describe("self-healing", () => {
  it("moves a Deployment's pods off a stopped worker after the eviction timeout", async () => {
    const d = await newCluster("heal");
    await simulate(d, { profile: "instant" });
    await ok(d, ["create", "deployment", "web", "--image=nginx:1.27", "--replicas=4"]);
    await ok(d, ["rollout", "status", "deployment/web", "--timeout=30s"]);
    const lost = `${d.name}-worker`;
    const on = async (node: string) => (await getJson(d, ["pods", "-l", "app=web"])).items.filter((p: any) => p.spec.nodeName === node && !p.metadata.deletionTimestamp).length;
    expect(await on(lost)).toBeGreaterThan(0);
    await manage("POST", d, `/nodes/${lost}/stop`);
    await advance(d, 45);
    await settled(d);
    expect(await ok(d, ["get", "node", lost, "--no-headers"])).toMatch(/NotReady/);
    // the pods keep their place until their 300 s toleration runs out
    expect(await on(lost)).toBeGreaterThan(0);
    await advance(d, 300);
    await settled(d);
    await eventually(async () => (await on(`${d.name}-worker2`)) === 4);
    expect(await on(lost)).toBe(0);
    const deploy = await getJson(d, ["deployment", "web"]);
    expect(deploy.status.availableReplicas).toBe(4);
  });
});

describe("autoscaling", () => {
  it("serves kubectl top from simulated use and scales a Deployment with an HPA as load comes and goes", async () => {
    const h = await newCluster("hpa");
    await simulate(h, { profile: "instant" });
    await ok(h, ["create", "deployment", "php", "--image=nginx:1.27"]);
    await ok(h, ["set", "resources", "deployment/php", "--requests=cpu=200m"]);
    await ok(h, ["expose", "deployment", "php", "--port=80"]);
    await ok(h, ["run", "hog", "--image=polinux/stress", "--", "stress", "--cpu", "1"]);
    await ok(h, ["rollout", "status", "deployment/php", "--timeout=30s"]);
    await settled(h);
    const top = await ok(h, ["top", "pods", "--no-headers"]);
    expect(top).toMatch(/^hog\s+1001m\s+1Mi/m);
    expect(top).toMatch(/^php-\S+\s+1m\s+8Mi/m);
    // A node's use is its daemons' (a control-plane kubelet's 40m) and its pods': the control
    // plane's static pods, kindnet, kube-proxy and whatever of CoreDNS landed there.
    const cp = `${h.name}-control-plane`;
    const onCp = new Set((await getJson(h, ["pods", "-A", "--field-selector", `spec.nodeName=${cp}`])).items.map((p: { metadata: { name: string } }) => p.metadata.name));
    const podCpu = (await ok(h, ["top", "pods", "-A", "--no-headers"])).trim().split("\n").map((l) => l.trim().split(/\s+/)).filter((f) => onCp.has(f[1])).reduce((n, f) => n + Number(f[2].replace("m", "")), 0);
    expect(podCpu).toBeGreaterThanOrEqual(25 + 55 + 15 + 4);
    const nodes = await ok(h, ["top", "nodes", "--no-headers"]);
    expect(nodes).toMatch(new RegExp(`^${cp}\\s+${40 + podCpu}m\\s+${Math.floor((40 + podCpu) / 40)}%`, "m"));

    expect(await ok(h, ["autoscale", "deployment", "php", "--cpu-percent=50", "--min=1", "--max=10"])).toContain("autoscaled");
    await settled(h);
    expect(await ok(h, ["get", "hpa", "php", "--no-headers"])).toMatch(/^php\s+Deployment\/php\s+cpu: 1%\/50%\s+1\s+10\s+1\s/);
    // load arrives through the Service: 1 core in all, shared by the ready pods behind it
    await ok(h, ["annotate", "service", "php", "sim.kubedo.dev/cpu-load=1000m"]);
    await settled(h);
    // the first step is bounded by the scale-up policy (double, or +4 pods, per 15 s)
    expect((await getJson(h, ["deployment", "php"])).spec.replicas).toBe(5);
    await advance(h, 15);
    await settled(h);
    expect((await getJson(h, ["deployment", "php"])).spec.replicas).toBe(10);
    await ok(h, ["rollout", "status", "deployment/php", "--timeout=30s"]);
    await settled(h);
    const hpa = await getJson(h, ["hpa", "php"]);
    expect(hpa.status).toMatchObject({ currentReplicas: 10, desiredReplicas: 10 });
    expect(hpa.status.currentMetrics[0].resource).toMatchObject({ name: "cpu", current: { averageUtilization: 51 } });
    expect(hpa.status.conditions.find((c: any) => c.type === "ScalingLimited")).toMatchObject({ status: "False", reason: "DesiredWithinRange" });

    // the load goes: scale-down waits for the 300 s stabilization window
    await ok(h, ["annotate", "service", "php", "sim.kubedo.dev/cpu-load-"]);
    await settled(h);
    await advance(h, 200);
    await settled(h);
    expect((await getJson(h, ["deployment", "php"])).spec.replicas).toBe(10);
    await advance(h, 101);
    await settled(h);
    expect((await getJson(h, ["deployment", "php"])).spec.replicas).toBe(1);
    const events = (await getJson(h, ["events", "--field-selector", "involvedObject.name=php,reason=SuccessfulRescale"])).items.map((e: any) => e.message);
    expect(events).toEqual(expect.arrayContaining(["New size: 5; reason: cpu resource utilization (percentage of request) above target", "New size: 1; reason: All metrics below target"]));
    // autoscaling/v1 sees the same object
    const v1 = JSON.parse(await ok(h, ["get", "horizontalpodautoscalers.v1.autoscaling", "php", "-o", "json"]));
    expect(v1).toMatchObject({ apiVersion: "autoscaling/v1", spec: { targetCPUUtilizationPercentage: 50, maxReplicas: 10 } });
  });

  it("reports a missing CPU request instead of scaling", async () => {
    await ok(c, ["create", "deployment", "noreq", "--image=nginx:1.27"]);
    await ok(c, ["autoscale", "deployment", "noreq", "--cpu-percent=50", "--max=3"]);
    await settled(c);
    const hpa = await getJson(c, ["hpa", "noreq"]);
    expect(hpa.status.conditions.find((x: any) => x.type === "ScalingActive")).toMatchObject({ status: "False", reason: "FailedGetResourceMetric" });
    expect(hpa.status.conditions.find((x: any) => x.type === "ScalingActive").message).toContain("missing request for cpu in container nginx of Pod noreq-");
    const bad = await kubectl(c, ["autoscale", "deployment", "noreq", "--name=bad", "--min=5", "--max=2"]);
    expect(bad.code).not.toBe(0);
  });
});

describe("workload options", () => {
  it("starts Parallel StatefulSet pods at once and deletes claims by the retention policy", async () => {
    await simulate(c, { profile: "realistic" });
    await ok(c, ["apply", "-f", "-"], docs({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "par" },
      spec: {
        serviceName: "par",
        replicas: 3,
        podManagementPolicy: "Parallel",
        persistentVolumeClaimRetentionPolicy: { whenScaled: "Delete", whenDeleted: "Delete" },
        selector: { matchLabels: { app: "par" } },
        template: { metadata: { labels: { app: "par" } }, spec: { containers: [{ name: "c", image: "nginx:1.27", volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
        volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
      },
    }));
    await settled(c);
    // all three exist before any is running
    expect(await podNames("app=par")).toEqual(["par-0", "par-1", "par-2"]);
    await simulate(c, { profile: "instant" });
    await advance(c, 30);
    await ok(c, ["rollout", "status", "statefulset/par", "--timeout=30s"]);
    const claims = async () => (await getJson(c, ["pvc"])).items.map((p: any) => p.metadata.name).filter((n: string) => n.startsWith("data-par-")).sort();
    expect(await claims()).toEqual(["data-par-0", "data-par-1", "data-par-2"]);
    await ok(c, ["scale", "statefulset/par", "--replicas=1"]);
    await advance(c, 31);
    await eventually(async () => (await claims()).join() === "data-par-0");
    await ok(c, ["delete", "statefulset", "par"]);
    await advance(c, 31);
    await eventually(async () => (await claims()).length === 0);
  });

  it("keeps StatefulSet pods on their template with OnDelete until they are deleted", async () => {
    await ok(c, ["apply", "-f", "-"], statefulSet(2, { updateStrategy: { type: "OnDelete" } }));
    await eventually(async () => (await getJson(c, ["sts", "web"])).status.readyReplicas === 2);
    // kubectl only follows RollingUpdate rollouts
    expect((await kubectl(c, ["rollout", "status", "statefulset/web", "--timeout=5s"])).stderr).toContain("only available for RollingUpdate strategy type");
    await ok(c, ["set", "image", "statefulset/web", "nginx=nginx:1.26"]);
    await settled(c);
    expect((await getJson(c, ["pod", "web-1"])).spec.containers[0].image).toBe("nginx:1.27");
    await ok(c, ["delete", "pod", "web-1"]);
    await eventually(async () => (await kubectl(c, ["get", "pod", "web-1", "-o", "jsonpath={.spec.containers[0].image}"])).stdout === "nginx:1.26");
    expect((await getJson(c, ["pod", "web-0"])).spec.containers[0].image).toBe("nginx:1.27");
    await ok(c, ["delete", "statefulset", "web"]);
  });

  it("surges a DaemonSet update: the new pod is available before the old one goes", async () => {
    await ok(c, ["apply", "-f", "-"], stringify({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "surge" },
      spec: {
        selector: { matchLabels: { app: "surge" } },
        updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: { metadata: { labels: { app: "surge" } }, spec: { containers: [{ name: "c", image: "nginx:1.27" }] } },
      },
    }));
    await ok(c, ["rollout", "status", "daemonset/surge", "--timeout=30s"]);
    await ok(c, ["set", "image", "daemonset/surge", "c=nginx:1.26"]);
    let most = 0;
    for (let i = 0; i < 10; i++) {
      const live = (await getJson(c, ["pods", "-l", "app=surge"])).items.filter((p: any) => !p.metadata.deletionTimestamp).length;
      most = Math.max(most, live);
      await advance(c, 5);
      await settled(c);
    }
    await ok(c, ["rollout", "status", "daemonset/surge", "--timeout=30s"]);
    expect(most).toBeLessThanOrEqual(3); // two nodes, one surge pod at a time
    const images = (await getJson(c, ["pods", "-l", "app=surge"])).items.filter((p: any) => !p.metadata.deletionTimestamp).map((p: any) => p.spec.containers[0].image);
    expect(images).toEqual(["nginx:1.26", "nginx:1.26"]);
    const events = await eventMessages("surge", "DaemonSet");
    expect(events.filter((m) => m.startsWith("Created pod")).length).toBe(4);
  });

  it("skips a CronJob run missed beyond startingDeadlineSeconds, and none while suspended", async () => {
    await ok(c, ["apply", "-f", "-"], stringify({
      apiVersion: "batch/v1",
      kind: "CronJob",
      metadata: { name: "strict" },
      spec: { schedule: "*/1 * * * *", startingDeadlineSeconds: 10, suspend: true, jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "m", image: "busybox:1.36", command: ["echo", "hi"] }] } } } } },
    }));
    const mine = async () => (await getJson(c, ["jobs"])).items.filter((j: any) => j.metadata.ownerReferences?.[0]?.name === "strict").length;
    await advance(c, 120);
    await settled(c);
    expect(await mine()).toBe(0);
    // resumed 30 s past a minute: that run is too late to start; the next one runs
    const now = Date.parse((await manage("GET", c, "")).json.now);
    await advance(c, (60 - ((now / 1000) % 60) + 30) % 60 || 30);
    await ok(c, ["patch", "cronjob", "strict", "-p", '{"spec":{"suspend":false}}']);
    await settled(c);
    expect(await mine()).toBe(0);
    expect(await eventMessages("strict", "CronJob")).toEqual(expect.arrayContaining([expect.stringMatching(/^Missed scheduled time to start a job: /)]));
    await advance(c, 31);
    await settled(c);
    expect(await mine()).toBe(1);
    await ok(c, ["delete", "cronjob", "strict"]);
  });
});
