// Templates end to end: a tenant's template with preloaded objects makes clusters that kubectl
// sees as if `kubectl apply -f` had made them; bad templates are refused naming the field and
// stored nowhere; the built-ins are listed first and cannot be deleted; a template captured from
// a live cluster; a cluster's export applies cleanly to a fresh cluster.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { eventually, getJson, kubectl, newCluster, ok, request, service, type TestCluster } from "./helpers";

const token = service.tenantToken;
const tag = `${process.pid % 10000}`;
const tpl = (s: string) => `tpl-${s}-${tag}`;

const OBJECTS = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: { app: web }
spec:
  replicas: 2
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: nginx
          image: nginx:1.27
---
# settings the app reads
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: shop
data:
  color: blue
  size: "3"
`;

const CONFIG = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
  - role: control-plane
  - role: worker
`;

const TASKS = [
  {
    name: "scale-web",
    title: "Scale web to 3 replicas",
    checks: [{ type: "field", object: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" }, path: ".spec.replicas", equals: 3 }],
  },
];

const madeClusters: string[] = [];
const madeTemplates: string[] = [];
const madeSandboxes: string[] = [];
afterAll(async () => {
  for (const id of madeSandboxes) await request("DELETE", `/v1/sandboxes/${id}`, { token }).catch(() => undefined);
  for (const n of madeClusters) await request("DELETE", `/v1/clusters/${n}`, { token }).catch(() => undefined);
  for (const n of madeTemplates) await request("DELETE", `/v1/templates/${n}`, { token }).catch(() => undefined);
});

let clusterCount = 0;
/** A cluster made from a template, with its kubeconfig in a temp file. */
async function fromTemplate(template: string): Promise<TestCluster> {
  const name = `from-${tag}-${clusterCount++}`;
  const made = await request("POST", "/v1/clusters", { token, body: { name, template } });
  if (made.status !== 201) throw new Error(`creating cluster ${name} from ${template}: ${made.status} ${made.text}`);
  madeClusters.push(name);
  const kc = await request("GET", `/v1/clusters/${name}/kubeconfig`, { token });
  const file = path.join(mkdtempSync(path.join(tmpdir(), "kubedo-tpl-")), "kubeconfig");
  writeFileSync(file, kc.text);
  return { name, id: made.json.id, kubeconfig: file, token: /token: (\S+)/.exec(kc.text)![1] };
}

async function createTemplate(body: Record<string, unknown>) {
  const r = await request("POST", "/v1/templates", { token, body });
  if (r.status === 201) madeTemplates.push(body.name as string);
  return r;
}

function manifestFile(text: string): string {
  const file = path.join(mkdtempSync(path.join(tmpdir(), "kubedo-tpl-")), "objects.yaml");
  writeFileSync(file, text);
  return file;
}

describe("a tenant's template", () => {
  const name = tpl("shop");

  it("is stored with its config, objects, simulation and tasks, and shown as given", async () => {
    const r = await createTemplate({ name, description: "A shop to scale", config: CONFIG, objects: OBJECTS, simulation: { profile: "instant" }, tasks: TASKS });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ name, description: "A shop to scale", builtIn: false, objects: OBJECTS, simulation: { profile: "instant" }, tasks: TASKS });
    expect(r.json.config).toEqual({ kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    expect(Date.parse(r.json.createdAt)).toBeGreaterThan(0);
    const got = await request("GET", `/v1/templates/${name}`, { token });
    expect(got.status).toBe(200);
    expect(got.json).toEqual(r.json);
  });

  it("makes clusters holding its objects as kubectl apply made them", async () => {
    const c = await fromTemplate(name);
    const nodes = await getJson(c, ["nodes"]);
    expect(nodes.items.length).toBe(2);
    const dep = await getJson(c, ["deployment", "web", "-n", "shop"]);
    expect(dep.spec.template.spec.containers[0].image).toBe("nginx:1.27");
    expect(JSON.parse(dep.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"])).toMatchObject({ kind: "Deployment", metadata: { name: "web", namespace: "shop" } });
    const cm = await getJson(c, ["configmap", "settings", "-n", "shop"]);
    expect(cm.data).toEqual({ color: "blue", size: "3" });
    // The simulation profile "instant": the pods are Ready at once.
    await eventually(async () => (await getJson(c, ["deployment", "web", "-n", "shop"])).status?.readyReplicas === 2);
    // Applying the same file again changes nothing, as after a real `kubectl apply -f`.
    const again = await ok(c, ["apply", "-f", manifestFile(OBJECTS)]);
    expect(again).toContain("namespace/shop unchanged");
    expect(again).toContain("deployment.apps/web unchanged");
    expect(again).toContain("configmap/settings unchanged");
    // A changed file is configured.
    const changed = await ok(c, ["apply", "-f", manifestFile(OBJECTS.replace("color: blue", "color: red"))]);
    expect(changed).toContain("configmap/settings configured");
  });

  it("is listed after the built-ins with its counts", async () => {
    const r = await request("GET", "/v1/templates", { token });
    expect(r.status).toBe(200);
    const names: string[] = r.json.templates.map((t: { name: string }) => t.name);
    expect(names.slice(0, 3)).toEqual(["kind", "nginx-nodeport", "namespace-quota"]);
    const mine = r.json.templates.find((t: { name: string }) => t.name === name);
    expect(mine).toMatchObject({ name, description: "A shop to scale", builtIn: false, nodes: { "control-plane": 1, worker: 1 }, objects: 3, tasks: 1 });
    expect(Date.parse(mine.createdAt)).toBeGreaterThan(0);
    expect(r.json.templates[1]).toEqual({ name: "nginx-nodeport", description: expect.any(String), builtIn: true, nodes: { "control-plane": 1, worker: 2 }, objects: 0, tasks: 3, createdAt: null });
  });

  it("refuses a second template of the same name, or a built-in's name", async () => {
    const dup = await request("POST", "/v1/templates", { token, body: { name } });
    expect(dup.status).toBe(409);
    expect(dup.json.error.message).toContain("already exists");
    const builtIn = await request("POST", "/v1/templates", { token, body: { name: "kind" } });
    expect(builtIn.status).toBe(409);
    expect(builtIn.json.error.message).toContain("built-in");
  });

  it("is deleted, and clusters can no longer be made from it", async () => {
    const other = tpl("gone");
    expect((await createTemplate({ name: other })).status).toBe(201);
    const del = await request("DELETE", `/v1/templates/${other}`, { token });
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ name: other, deleted: true });
    expect((await request("GET", `/v1/templates/${other}`, { token })).status).toBe(404);
    expect((await request("DELETE", `/v1/templates/${other}`, { token })).status).toBe(404);
    const made = await request("POST", "/v1/clusters", { token, body: { name: `gone-${tag}`, template: other } });
    expect(made.status).toBe(404);
    expect(made.json.error.message).toBe(`template "${other}" not found`);
  });
});

describe("bad templates", () => {
  async function refused(body: Record<string, unknown>, status: number, message: string | RegExp) {
    const r = await createTemplate(body);
    expect(r.status, r.text).toBe(status);
    if (typeof message === "string") expect(r.json.error.message).toContain(message);
    else expect(r.json.error.message).toMatch(message);
    // Nothing stored.
    expect((await request("GET", `/v1/templates/${body.name}`, { token })).status).toBe(404);
  }

  it("a bad kind config names its field", async () => {
    await refused({ name: tpl("badcfg"), config: { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "boss" }] } }, 400, 'config: nodes[0].role: must be "control-plane" or "worker"');
    await refused({ name: tpl("badyaml"), config: "nodes: [" }, 400, "config: the cluster config is not valid YAML");
  });

  it("a bad task names its path", async () => {
    const tasks = [{ name: "one", title: "One", checks: [{ type: "exists", object: { kind: "Namespace", name: "x" } }, { type: "readyPods", namespace: "dev", count: -1 }] }];
    await refused({ name: tpl("badtask"), tasks }, 400, /^tasks\[0\]\.checks\[1\]\.count: /);
  });

  it("an object the API refuses is named by its place, kind and name", async () => {
    const objects = `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_A_Name\n  namespace: dev\ndata: {}\n`;
    await refused({ name: tpl("badobj"), objects }, 400, /^objects\[1\] \(ConfigMap dev\/Not_A_Name\): /);
  });

  it("bad simulation settings, names, fields and sizes", async () => {
    await refused({ name: tpl("badsim"), simulation: { profile: "warp" } }, 400, "simulation.profile");
    await refused({ name: "Bad_Name" }, 400, "name: ");
    await refused({ name: tpl("extra"), nodes: 3 }, 400, 'unknown field "nodes"');
    await refused({ name: tpl("mixed"), fromCluster: "whatever", objects: "" }, 400, "objects: a template made fromCluster");
    await refused({ name: tpl("nocluster"), fromCluster: "no-such-cluster" }, 404, 'fromCluster: cluster "no-such-cluster" not found');
    const big = await request("POST", "/v1/templates", { token, body: { name: tpl("big"), objects: "#".repeat(1024 * 1024 + 10) } });
    expect(big.status).toBe(413);
    expect(big.json.error.message).toContain("1048576 bytes");
  });

  it("POST /v1/clusters from a template needs both a name and a template", async () => {
    const noName = await request("POST", "/v1/clusters", { token, body: { template: "kind" } });
    expect(noName.status).toBe(400);
    expect(noName.json.error.message).toContain("name: a cluster name is required");
    const extra = await request("POST", "/v1/clusters", { token, body: { name: `x-${tag}`, template: "kind", nodes: [] } });
    expect(extra.status).toBe(400);
    expect(extra.json.error.message).toContain('unknown field "nodes"');
  });
});

describe("built-in templates", () => {
  it("are shown whole and cannot be deleted", async () => {
    const r = await request("GET", "/v1/templates/nginx-nodeport", { token });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ name: "nginx-nodeport", builtIn: true, objects: "", simulation: { profile: "instant" }, createdAt: null });
    expect(r.json.config.nodes).toEqual([{ role: "control-plane", extraPortMappings: [{ containerPort: 30080, hostPort: 30080 }] }, { role: "worker" }, { role: "worker" }]);
    expect(r.json.tasks.map((t: { title: string }) => t.title)).toEqual(["Create a Deployment web running nginx with 3 replicas", "Expose it as a NodePort Service on port 30080", "Open it from outside"]);
    const del = await request("DELETE", "/v1/templates/kind", { token });
    expect(del.status).toBe(403);
    expect(del.json.error.message).toBe('template "kind" is built in and cannot be deleted');
    expect((await request("GET", "/v1/templates/kind", { token })).status).toBe(200);
  });

  it("make clusters of their layout", async () => {
    const c = await fromTemplate("kind");
    const nodes = await getJson(c, ["nodes"]);
    expect(nodes.items.length).toBe(3);
    const info = await request("GET", `/v1/clusters/${c.name}`, { token });
    expect(info.json.simulation.profile).toBe("instant");
    expect(info.json.ports.map((p: { hostPort: number }) => p.hostPort)).toEqual([30080]);
  });
});

describe("a template from a live cluster", () => {
  it("captures its config, simulation settings and objects at that moment", async () => {
    const c = await newCluster("tpl-live", { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    await request("PATCH", `/v1/clusters/${c.name}`, { token, body: { simulation: { profile: "instant" } } });
    await ok(c, ["create", "namespace", "team"]);
    await ok(c, ["create", "configmap", "notes", "-n", "team", "--from-literal=hello=world"]);
    const name = tpl("live");
    const r = await createTemplate({ name, fromCluster: c.name, description: "captured", tasks: TASKS });
    expect(r.status, r.text).toBe(201);
    expect(r.json).toMatchObject({ name, description: "captured", builtIn: false, simulation: { profile: "instant" }, tasks: TASKS });
    expect(r.json.config.nodes).toEqual([{ role: "control-plane" }, { role: "worker" }]);
    expect(r.json.objects).toContain("name: notes");
    // Changed after the capture: not in the template.
    await ok(c, ["create", "configmap", "later", "-n", "team"]);
    const made = await fromTemplate(name);
    const cm = await getJson(made, ["configmap", "notes", "-n", "team"]);
    expect(cm.data).toEqual({ hello: "world" });
    expect((await kubectl(made, ["get", "configmap", "later", "-n", "team"])).code).not.toBe(0);
    expect((await getJson(made, ["nodes"])).items.length).toBe(2);
  });
});

describe("export", () => {
  it("writes a cluster's objects as YAML that kubectl apply takes on a fresh cluster", async () => {
    const src = await newCluster("tpl-exp");
    await ok(src, ["create", "namespace", "shop"]);
    await ok(src, ["create", "deployment", "web", "-n", "shop", "--image=nginx", "--replicas=2"]);
    await ok(src, ["create", "configmap", "settings", "-n", "shop", "--from-literal=color=blue"]);
    await ok(src, ["create", "service", "clusterip", "web", "-n", "shop", "--tcp=80:80"]);
    const exp = await request("GET", `/v1/clusters/${src.name}/export`, { token });
    expect(exp.status).toBe(200);
    expect(exp.text).toContain("kind: Deployment");
    // Only the user's objects: no nodes, pods or system namespaces.
    expect(exp.text).not.toMatch(/^kind: (Node|Pod|ReplicaSet)$/m);
    expect(exp.text).not.toContain("namespace: kube-system");

    const dst = await newCluster("tpl-imp");
    const applied = await kubectl(dst, ["apply", "-f", manifestFile(exp.text)]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain("deployment.apps/web created");
    const a = await getJson(src, ["deployment", "web", "-n", "shop"]);
    const b = await getJson(dst, ["deployment", "web", "-n", "shop"]);
    expect(b.spec.replicas).toBe(a.spec.replicas);
    expect(b.spec.template.spec.containers).toEqual(a.spec.template.spec.containers);
    expect((await getJson(dst, ["configmap", "settings", "-n", "shop"])).data).toEqual({ color: "blue" });
    const svc = await getJson(dst, ["service", "web", "-n", "shop"]);
    expect(svc.spec.ports[0].port).toBe(80);
    // Applying it again changes nothing.
    const again = await kubectl(dst, ["apply", "-f", manifestFile(exp.text)]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toMatch(/created|configured/);

    const missing = await request("GET", `/v1/clusters/no-such-${tag}/export`, { token });
    expect(missing.status).toBe(404);
  });
});

describe("the built-ins' tasks", () => {
  // A learner's sandbox of a built-in, its kubeconfig written out, deleted when the test ends.
  async function sandboxOf(template: string): Promise<{ id: string; cluster: TestCluster }> {
    const r = await request("POST", "/v1/sandboxes", { token, body: { template, ttlSeconds: 3600 } });
    if (r.status !== 201) throw new Error(`sandbox of ${template}: ${r.status} ${r.text}`);
    madeSandboxes.push(r.json.id);
    const file = path.join(mkdtempSync(path.join(tmpdir(), "kubedo-tpl-")), "kubeconfig");
    writeFileSync(file, r.json.kubeconfig);
    return { id: r.json.id, cluster: { name: r.json.cluster, id: r.json.clusterId, kubeconfig: file, token: r.json.token } };
  }

  // any: the progress document as the API answers it
  async function progress(id: string): Promise<any> {
    const r = await request("GET", `/v1/sandboxes/${id}/progress`, { token });
    expect(r.status, r.text).toBe(200);
    return r.json;
  }

  async function allPass(id: string): Promise<void> {
    let last: any; // any: see progress()
    await eventually(async () => {
      last = await progress(id);
      return last.done === last.total;
    }, 30_000).catch(() => {
      throw new Error(`tasks still failing: ${JSON.stringify(last.tasks.filter((t: { passed: boolean }) => !t.passed))}`);
    });
  }

  it("nginx-nodeport: a Deployment of nginx, a NodePort Service on 30080, the page from outside", async () => {
    const { id, cluster: c } = await sandboxOf("nginx-nodeport");
    const start = await progress(id);
    expect(start).toMatchObject({ template: "nginx-nodeport", done: 0, total: 3 });
    expect(start.tasks[0].checks[0].message).not.toBe("");
    await ok(c, ["create", "deployment", "web", "--image=nginx", "--replicas=3"]);
    await ok(c, ["create", "service", "nodeport", "web", "--tcp=80:80", "--node-port=30080"]);
    await allPass(id);
  });

  it("namespace-quota: namespace dev, compute-quota, Ready pods in dev", async () => {
    const { id, cluster: c } = await sandboxOf("namespace-quota");
    expect(await progress(id)).toMatchObject({ template: "namespace-quota", done: 0, total: 3 });
    await ok(c, ["create", "namespace", "dev"]);
    await ok(c, ["create", "quota", "compute-quota", "-n", "dev", "--hard=pods=10,requests.cpu=1,requests.memory=1Gi,limits.cpu=2,limits.memory=2Gi"]);
    const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
  namespace: dev
spec:
  replicas: 2
  selector:
    matchLabels: { app: app }
  template:
    metadata:
      labels: { app: app }
    spec:
      containers:
        - name: app
          image: nginx
          resources:
            requests: { cpu: 100m, memory: 128Mi }
            limits: { cpu: 200m, memory: 256Mi }
`;
    await ok(c, ["apply", "-f", manifestFile(deployment)]);
    await allPass(id);
  });
});
