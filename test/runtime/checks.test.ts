// Tasks' checks evaluated by the cluster object: each kind of check passing and failing with a
// message a learner reads, titles written from the check, and the seed's exercise (nginx on a
// NodePort behind kind's mapped host port 30080) passing end to end.
import { beforeAll, describe, expect, it } from "vitest";
import { clusterStubOf, kube, settle } from "./helpers";
import { parseClusterConfig } from "../../worker/service/clusterConfig";
import type { Check, CheckResult, Task, TaskResult } from "../../worker/cluster/checks/schema";
import { jsonPath } from "../../worker/cluster/machinery/jsonpath";

type Stub = ReturnType<typeof clusterStubOf>;

const KIND = {
  kind: "Cluster",
  apiVersion: "kind.x-k8s.io/v1alpha4",
  name: "checks",
  nodes: [{ role: "control-plane", extraPortMappings: [{ containerPort: 30080, hostPort: 30080 }] }, { role: "worker" }, { role: "worker" }],
};

const OBJECTS = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.27", ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: NodePort
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 80, nodePort: 30080}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default}
spec: {containers: [{name: c, image: busybox, command: [sleep, infinity]}]}
`;

let stub: Stub;

async function check(c: Check): Promise<CheckResult> {
  const out = await stub.check([{ name: "t", title: "T", checks: [c] }]);
  expect(out.ok, JSON.stringify(out)).toBe(true);
  return (out as { value: TaskResult[] }).value[0].checks[0];
}

async function passes(c: Check): Promise<CheckResult> {
  const r = await check(c);
  expect(r, JSON.stringify(r)).toMatchObject({ passed: true, message: "" });
  return r;
}

async function fails(c: Check, message: string | RegExp): Promise<CheckResult> {
  const r = await check(c);
  expect(r.passed, JSON.stringify(r)).toBe(false);
  if (typeof message === "string") expect(r.message).toBe(message);
  else expect(r.message).toMatch(message);
  return r;
}

const web = { apiVersion: "apps/v1", kind: "Deployment", namespace: "default", name: "web" };
const svc = { apiVersion: "v1", kind: "Service", namespace: "default", name: "web" };

beforeAll(async () => {
  const id = `c-${crypto.randomUUID().slice(0, 12)}`;
  stub = clusterStubOf(id);
  const out = await stub.init({ id, config: parseClusterConfig(JSON.stringify(KIND), null), simulation: { profile: "instant" }, objects: OBJECTS });
  expect(out).toEqual({ ok: true, value: { objects: 3 } });
  await settle(stub);
  await stub.moveClock({ advanceSeconds: 30 });
  await settle(stub);
}, 60_000);

describe("objects", () => {
  it("exists and absent, with titles written from the check", async () => {
    const r = await passes({ type: "exists", object: web });
    expect(r.title).toBe("Deployment default/web exists");
    await fails({ type: "exists", object: { ...svc, name: "api" } }, "Service default/api not found");
    // Kind alone means the built-in kind; lower case and short names as kubectl takes them.
    await passes({ type: "exists", object: { kind: "deployment", namespace: "default", name: "web" } });
    await passes({ type: "exists", object: { kind: "Namespace", name: "default" } });
    await fails({ type: "exists", object: { kind: "Widget", namespace: "default", name: "w" } }, 'no kind "Widget" is served');
    await fails({ type: "exists", object: { apiVersion: "apps/v2", kind: "Deployment", namespace: "default", name: "web" } }, 'no kind "Deployment" is served in apps/v2');
    await fails({ type: "exists", object: { kind: "Deployment", name: "web" } }, "Deployment web: the check names no namespace (Deployment is namespaced)");
    const a = await passes({ type: "absent", object: { ...svc, name: "api" } });
    expect(a.title).toBe("Service default/api does not exist");
    await fails({ type: "absent", object: svc }, "Service default/web still exists");
  });

  it("field: by kubectl JSONPath, equals or matches, with the value it found", async () => {
    await passes({ type: "field", object: svc, path: "{.spec.ports[0].nodePort}", equals: 30080 });
    await passes({ type: "field", object: svc, path: ".spec.type", equals: "NodePort" });
    await passes({ type: "field", object: svc, path: '{.spec.ports[?(@.name=="http")].port}', equals: 80 });
    await passes({ type: "field", object: web, path: ".spec.template.spec.containers[0].image", matches: "^nginx" });
    await passes({ type: "field", object: web, path: ".status.availableReplicas", equals: 3 });
    const r = await fails({ type: "field", object: svc, path: ".spec.type", equals: "ClusterIP" }, '.spec.type is "NodePort"; want "ClusterIP"');
    expect(r.title).toBe('Service default/web .spec.type is "ClusterIP"');
    await fails({ type: "field", object: svc, path: "{.spec.ports[0].nodePort}", equals: 30081 }, ".spec.ports[0].nodePort is 30080; want 30081");
    await fails({ type: "field", object: svc, path: ".spec.loadBalancerIP", equals: "1.2.3.4" }, '.spec.loadBalancerIP is not set; want "1.2.3.4"');
    await fails({ type: "field", object: web, path: ".spec.template.spec.containers[0].image", matches: "^httpd" }, '.spec.template.spec.containers[0].image is "nginx:1.27"; want a value matching /^httpd/');
    // Counts read as a learner says them.
    await fails({ type: "field", object: web, path: ".status.availableReplicas", equals: 4 }, "Deployment default/web has 3 available replicas; want 4");
    await fails({ type: "field", object: { ...web, name: "gone" }, path: ".spec.replicas", equals: 1 }, "Deployment default/gone not found");
    await fails({ type: "field", object: svc, path: ".spec.ports[", equals: 1 }, /^the check's path ".spec.ports\[" does not parse: /);
  });

  it("condition", async () => {
    const r = await passes({ type: "condition", object: web, condition: "Available" });
    expect(r.title).toBe("Deployment default/web is Available");
    await passes({ type: "condition", object: { kind: "Pod", namespace: "default", name: "client" }, condition: "Ready" });
    await fails({ type: "condition", object: web, condition: "Available", status: "False" }, /^Deployment default\/web: condition Available is "True"; want "False"/);
    await fails({ type: "condition", object: web, condition: "Frozen" }, "Deployment default/web has no condition Frozen");
  });
});

describe("pods and events", () => {
  it("readyPods by namespace and label selector", async () => {
    const r = await passes({ type: "readyPods", namespace: "default", selector: "app=web", count: 3 });
    expect(r.title).toBe("At least 3 pods with app=web are Ready in namespace default");
    await passes({ type: "readyPods", namespace: "default", selector: "app=web", count: 3, compare: "exactly" });
    await passes({ type: "readyPods", namespace: "default", count: 4, compare: "exactly" });
    await fails({ type: "readyPods", namespace: "default", selector: "app=web", count: 5 }, "3 Ready pods in namespace default with app=web; want at least 5");
    await fails({ type: "readyPods", namespace: "dev", count: 1 }, "0 Ready pods in namespace dev; want at least 1");
    await fails({ type: "readyPods", namespace: "default", selector: "app in (", count: 1 }, /^the check's selector "app in \(" does not parse: /);
  });

  it("event by reason, involved object and message", async () => {
    await passes({ type: "event", reason: "ScalingReplicaSet", namespace: "default", involvedObject: { kind: "Deployment", name: "web" }, message: "Scaled up" });
    await passes({ type: "event", reason: "Scheduled" });
    const r = await fails({ type: "event", reason: "FailedCreate", namespace: "default" }, "no FailedCreate event in namespace default was recorded");
    expect(r.title).toBe("A FailedCreate event was recorded in namespace default");
    await fails({ type: "event", reason: "ScalingReplicaSet", namespace: "default", message: "Scaled down" }, /^no ScalingReplicaSet event in namespace default has a message matching \/Scaled down\/ \(1 with other messages\)$/);
  });
});

describe("the network", () => {
  it("http: the mapped host port 30080 answers nginx's welcome page (the seed's exercise)", async () => {
    const r = await passes({ type: "http", to: "localhost:30080", path: "/", status: 200, bodyMatches: "Welcome to nginx" });
    expect(r.title).toBe("http://localhost:30080/ answers 200 with a page matching /Welcome to nginx/");
    await fails({ type: "http", to: "localhost:30081" }, /^curl http:\/\/localhost:30081\/: host port 30081 is not mapped: the cluster's kind config maps 30080/);
    await fails({ type: "http", to: "localhost:30080", bodyMatches: "Apache" }, "the page at http://localhost:30080/ (status 200) does not match /Apache/");
    await fails({ type: "http", to: "localhost:30080", path: "/missing", status: 200 }, "http://localhost:30080/missing answered 404; want 200");
  });

  it("http: a node's port, a Service's name and from a pod", async () => {
    await passes({ type: "http", to: "checks-worker:30080", bodyMatches: "nginx" });
    await passes({ type: "http", to: "web.default.svc:80", bodyMatches: "nginx" });
    await passes({ type: "http", from: "pod/default/client", to: "web:80", bodyMatches: "nginx" });
    await fails({ type: "http", from: "pod/default/client", to: "api:80" }, "curl http://api:80/: Could not resolve host: api");
    await fails({ type: "http", to: "web.default.svc:81" }, /^curl http:\/\/web\.default\.svc:81\/: Failed to connect to .* port 81: /);
    await fails({ type: "http", from: "pod/default/nobody", to: "web:80" }, "pod default/nobody not found");
  });

  it("dns: from cluster DNS or a pod's resolver", async () => {
    const ip = (await kube(stub, "GET", "/api/v1/namespaces/default/services/web")).json.spec.clusterIP as string;
    const r = await passes({ type: "dns", name: "web.default.svc.cluster.local", answer: ip });
    expect(r.title).toBe(`web.default.svc.cluster.local resolves to ${ip}`);
    await passes({ type: "dns", name: "web", from: "default/client" });
    await passes({ type: "dns", name: "web" });
    await fails({ type: "dns", name: "api.default.svc.cluster.local" }, "api.default.svc.cluster.local does not resolve (NXDOMAIN)");
    await fails({ type: "dns", name: "web.default.svc.cluster.local", answer: "10.0.0.1" }, `web.default.svc.cluster.local resolves to ${ip}; want 10.0.0.1`);
  });
});

describe("tasks", () => {
  it("a task passes when all its checks pass; the seed's template tasks pass once done", async () => {
    const tasks: Task[] = [
      {
        name: "deploy-nginx",
        title: "Deploy",
        checks: [
          { type: "field", object: web, path: ".status.availableReplicas", equals: 3 },
          { type: "readyPods", namespace: "default", selector: "app=web", count: 3 },
        ],
      },
      { name: "broken", title: "Broken", checks: [{ type: "exists", object: svc }, { type: "exists", object: { ...svc, name: "nope" } }] },
    ];
    const out = await stub.check(tasks);
    expect(out.ok).toBe(true);
    const [a, b] = (out as { value: TaskResult[] }).value;
    expect(a).toMatchObject({ name: "deploy-nginx", title: "Deploy", passed: true });
    expect(b.passed).toBe(false);
    expect(b.checks.map((c) => c.passed)).toEqual([true, false]);
  });

  it("refuses tasks that do not follow the schema, naming the path", async () => {
    const out = await stub.check([{ name: "t", title: "T", checks: [{ type: "readyPods", namespace: "default", count: -1 }] }] as Task[]);
    expect(out.ok).toBe(false);
    expect((out as { message: string }).message).toMatch(/^tasks\[0\]\.checks\[0\]\.count: /);
  });

  it("checking sets no alarm on an idle cluster", async () => {
    await stub.moveClock({ advanceSeconds: 60 });
    await settle(stub);
    expect((await stub.info()).alarm).toBeNull();
    await stub.check([{ name: "t", title: "T", checks: [{ type: "http", to: "localhost:30080" }, { type: "dns", name: "web" }] }]);
    expect((await stub.info()).alarm).toBeNull();
  });
});

describe("jsonPath", () => {
  const doc = { spec: { hard: { "requests.cpu": "1" }, ports: [{ name: "a", port: 1 }, { name: "b", port: 2 }] }, items: [{ m: { n: 1 } }, { m: { n: 2 } }] };
  it("reads kubectl's forms", () => {
    expect(jsonPath(doc, "{.spec.hard.requests\\.cpu}")).toEqual(["1"]);
    expect(jsonPath(doc, ".spec.hard['requests.cpu']")).toEqual(["1"]);
    expect(jsonPath(doc, "{.spec.ports[*].port}")).toEqual([1, 2]);
    expect(jsonPath(doc, "{.spec.ports[-1].name}")).toEqual(["b"]);
    expect(jsonPath(doc, "{.spec.ports[0:1].name}")).toEqual(["a"]);
    expect(jsonPath(doc, '{.spec.ports[?(@.name=="b")].port}')).toEqual([2]);
    expect(jsonPath(doc, "{.spec.ports[?(@.port>1)].name}")).toEqual(["b"]);
    expect(jsonPath(doc, "{..n}")).toEqual([1, 2]);
    expect(jsonPath(doc, "spec.missing")).toEqual([]);
  });
});
