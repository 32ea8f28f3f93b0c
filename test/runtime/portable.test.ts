// A cluster preloaded from YAML as `kubectl apply -f` makes it, captured back as YAML that makes
// the same objects on a fresh cluster, and reset to its template; the usage counters.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import { parseAllDocuments } from "yaml";
import { clusterStubOf, env, kube, newSettledCluster, settle } from "./helpers";
import { db, namespacesOf } from "../../worker/db/queries";
import { parseClusterConfig } from "../../worker/service/clusterConfig";

// any: tests read the objects' fields as the API answers them
type Obj = Record<string, any>;
type Stub = ReturnType<typeof clusterStubOf>;

const LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration";

const TEMPLATE = `apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
# a comment-only document and an empty one are skipped
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports: [{containerPort: 80}]
        env:
        - {name: ANSWER, value: "yes"}
---
apiVersion: v1
kind: Service
metadata:
  name: web
  namespace: shop
spec:
  type: NodePort
  selector: {app: web}
  ports: [{port: 80, targetPort: 80, nodePort: 30080}]
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: "on"
`;

async function initCluster(objects: string, config: Obj = { name: "portable" }): Promise<{ id: string; stub: Stub; out: Obj }> {
  const id = `c-${crypto.randomUUID().slice(0, 12)}`;
  const stub = clusterStubOf(id);
  const out = await stub.init({ id, config: parseClusterConfig(JSON.stringify(config), null), simulation: { profile: "instant" }, objects });
  return { id, stub, out };
}

async function get(stub: Stub, path: string): Promise<{ status: number; json: Obj }> {
  return kube(stub, "GET", path);
}

async function catalog(clusterId: string): Promise<string[]> {
  return (await namespacesOf(db(env.DB), clusterId)).map((n) => n.name);
}

/** Settles past the system pods' own timers (kubeadm's probes): then nothing is due. */
async function settleIdle(stub: Stub): Promise<void> {
  await stub.moveClock({ advanceSeconds: 60 });
  await settle(stub);
}

async function podsOf(stub: Stub, ns: string): Promise<Obj[]> {
  return (await get(stub, `/api/v1/namespaces/${ns}/pods`)).json.items;
}

/** The user's objects as comparable records: kind, namespace/name, labels and spec. */
function shapeOf(yaml: string): Obj[] {
  return parseAllDocuments(yaml)
    .map((d) => d.toJS() as Obj)
    .map((o) => ({ kind: o.kind, apiVersion: o.apiVersion, ns: o.metadata.namespace ?? "", name: o.metadata.name, labels: o.metadata.labels ?? {}, spec: o.spec ?? null, data: o.data ?? null }));
}

describe("init with objects", () => {
  it("applies every document as kubectl apply would create it, and the pods run", async () => {
    const { stub, out } = await initCluster(TEMPLATE);
    expect(out).toEqual({ ok: true, value: { objects: 4 } });
    const ns = await get(stub, "/api/v1/namespaces/shop");
    expect(ns.status).toBe(200);
    expect(ns.json.metadata.annotations[LAST_APPLIED]).toBe('{"apiVersion":"v1","kind":"Namespace","metadata":{"annotations":{},"name":"shop"}}\n');
    const dep = (await get(stub, "/apis/apps/v1/namespaces/shop/deployments/web")).json;
    // kubectl's bytes: keys sorted, the namespace as sent, YAML's "yes" kept a string.
    const applied = JSON.parse(dep.metadata.annotations[LAST_APPLIED]);
    expect(dep.metadata.annotations[LAST_APPLIED].endsWith("}\n")).toBe(true);
    expect(Object.keys(applied)).toEqual(["apiVersion", "kind", "metadata", "spec"]);
    expect(applied.spec.template.spec.containers[0].env[0].value).toBe("yes");
    expect(dep.metadata.managedFields.map((m: Obj) => m.manager)).toContain("kubectl-client-side-apply");
    // Without a namespace, a namespaced kind lands in default, and its last-applied says so.
    const cm = (await get(stub, "/api/v1/namespaces/default/configmaps/settings")).json;
    expect(cm.data.mode).toBe("on");
    expect(JSON.parse(cm.metadata.annotations[LAST_APPLIED]).metadata.namespace).toBe("default");
    const svc = (await get(stub, "/api/v1/namespaces/shop/services/web")).json;
    expect(svc.spec.ports[0].nodePort).toBe(30080);

    await settle(stub);
    const pods = await podsOf(stub, "shop");
    expect(pods.length).toBe(2);
    for (const p of pods) expect(p.status.phase).toBe("Running");
    // Idle once settled: no alarm (the cluster's rule).
    await settleIdle(stub);
    expect((await stub.info()).alarm).toBeNull();
  });

  it("expands a List and patches what the cluster already has", async () => {
    const list = JSON.stringify({ apiVersion: "v1", kind: "List", items: [{ apiVersion: "v1", kind: "Namespace", metadata: { name: "default", labels: { team: "a" } } }, { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", namespace: "default" }, data: { a: "1" } }] });
    const { stub, out } = await initCluster(list);
    expect(out).toEqual({ ok: true, value: { objects: 2 } });
    const ns = (await get(stub, "/api/v1/namespaces/default")).json;
    expect(ns.metadata.labels.team).toBe("a");
    expect(ns.metadata.annotations[LAST_APPLIED]).toContain('"team":"a"');
    expect((await get(stub, "/api/v1/namespaces/default/configmaps/x")).status).toBe(200);
  });

  it("names the refused object and the API's message, and applies none of them", async () => {
    const bad = `apiVersion: v1
kind: ConfigMap
metadata: {name: fine}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: dev}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: other}}
    spec: {containers: [{name: c, image: nginx}]}
`;
    const withNs = `apiVersion: v1\nkind: Namespace\nmetadata: {name: dev}\n---\n${bad}`;
    const { stub, out } = await initCluster(withNs);
    expect(out.ok).toBe(false);
    expect(out.status).toBe(400);
    expect(out.message).toMatch(/^objects\[2\] \(Deployment dev\/web\): Deployment\.apps "web" is invalid: spec\.template\.metadata\.labels: Invalid value/);
    // All or nothing: the ConfigMap and the Namespace before it are not there.
    expect((await get(stub, "/api/v1/namespaces/default/configmaps/fine")).status).toBe(404);
    expect((await get(stub, "/api/v1/namespaces/dev")).status).toBe(404);

    // A namespace that does not exist: the API's NotFound.
    const missing = await initCluster(bad.replace("app: other", "app: web"));
    expect(missing.out.message).toBe('objects[1] (Deployment dev/web): namespaces "dev" not found');
  });

  it("names bad YAML's document and line, unknown kinds, missing names and the bound", async () => {
    const yaml = await initCluster("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: [b\n");
    expect(yaml.out.ok).toBe(false);
    expect(yaml.out.message).toMatch(/^objects: YAML document 2 at line \d+: /);
    const kind = await initCluster("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n");
    expect(kind.out.message).toBe('objects[0] (Widget w): no matches for kind "Widget" in version "example.com/v1"');
    const unnamed = await initCluster("apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: x-}\n");
    expect(unnamed.out.message).toBe("objects[0] (ConfigMap): cannot use generate name with apply");
    const many = Array.from({ length: 1001 }, (_, i) => `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c${i}}\n`).join("---\n");
    const bound = await initCluster(many);
    expect(bound.out.message).toBe("objects: at most 1000 objects may be preloaded; this YAML has more");
    // Unknown fields are refused, as kubectl's strict validation refuses them.
    const strict = await initCluster("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndatta: {x: y}\n");
    expect(strict.out.message).toMatch(/^objects\[0\] \(ConfigMap default\/a\): .*unknown field "datta"/);
  }, 30_000);
});

describe("capture", () => {
  it("of a fresh cluster is empty, once its system pods run and with the ingress addon", async () => {
    const { stub } = await newSettledCluster({ name: "fresh", nodes: [{ role: "control-plane" }, { role: "worker" }] });
    expect(await stub.capture()).toEqual({ ok: true, value: { yaml: "", objects: 0 } });
    expect((await stub.simulate({ ingress: "nginx" })).ok).toBe(true);
    await stub.moveClock({ advanceSeconds: 60 });
    await settle(stub);
    expect(await stub.capture()).toEqual({ ok: true, value: { yaml: "", objects: 0 } });
  });

  it("round trips: the captured YAML makes the same user objects on a fresh cluster", async () => {
    const { stub } = await initCluster(TEMPLATE);
    await settle(stub);
    // Objects made later by a user (kubectl create), not from the template: a pod, a Secret, a Role.
    // The pod names a PriorityClass of the user's, which the export lists after it (by kind) and restoring must admit first.
    await kube(stub, "POST", "/apis/scheduling.k8s.io/v1/priorityclasses", { apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name: "urgent" }, value: 1000 });
    await kube(stub, "POST", "/api/v1/namespaces/shop/pods", { apiVersion: "v1", kind: "Pod", metadata: { name: "solo", labels: { run: "solo" } }, spec: { priorityClassName: "urgent", containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] } });
    await kube(stub, "POST", "/api/v1/namespaces/shop/secrets", { apiVersion: "v1", kind: "Secret", metadata: { name: "creds" }, stringData: { password: "0777" } });
    await kube(stub, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles", { apiVersion: "rbac.authorization.k8s.io/v1", kind: "Role", metadata: { name: "reader" }, rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] });
    await kube(stub, "POST", "/apis/batch/v1/namespaces/shop/jobs", { apiVersion: "batch/v1", kind: "Job", metadata: { name: "once" }, spec: { template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "busybox", command: ["true"] }] } } } });
    await settle(stub);

    const captured = await stub.capture();
    expect(captured.ok).toBe(true);
    const { yaml, objects } = (captured as { value: { yaml: string; objects: number } }).value;
    const shape = shapeOf(yaml);
    expect(objects).toBe(shape.length);
    expect(shape.map((o) => `${o.kind} ${o.ns}/${o.name}`)).toEqual(["Namespace /shop", "ConfigMap default/settings", "Deployment shop/web", "Job shop/once", "Pod shop/solo", "PriorityClass /urgent", "Role shop/reader", "Secret shop/creds", "Service shop/web"]);
    // Priority admission computes spec.priority again from the class: the export leaves it out.
    expect(shape.find((o) => o.kind === "Pod")!.spec.priority).toBeUndefined();
    // What the server filled in is gone; what the user may rely on stays.
    expect(yaml).not.toMatch(/uid:|resourceVersion:|creationTimestamp:|managedFields|status:|clusterIP|last-applied|deployment.kubernetes.io\/revision|nodeName:|kube-api-access|scheduler\.kubedo\.dev|controller-uid/);
    const svc = shape.find((o) => o.kind === "Service")!;
    expect(svc.spec.ports[0].nodePort).toBe(30080);
    // YAML 1.1 quoting: kubectl reads these back as the strings they are.
    expect(yaml).toContain('value: "yes"');
    expect(yaml).toContain('mode: "on"');

    // A fresh cluster from the capture holds the same objects, and captures the same again.
    const again = await initCluster(yaml);
    expect(again.out).toEqual({ ok: true, value: { objects } });
    await settle(again.stub);
    const pods = await podsOf(again.stub, "shop");
    expect(pods.filter((p) => p.status.phase === "Running").length).toBe(3);
    expect(pods.find((p) => p.metadata.name === "solo")!.spec.priority).toBe(1000);
    const recaptured = (await again.stub.capture()) as { ok: true; value: { yaml: string } };
    expect(shapeOf(recaptured.value.yaml)).toEqual(shape);
  });
});

const WIDGETS = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              size: {type: integer, default: 1}
              color: {type: string}
          status:
            type: object
            properties:
              seen: {type: boolean}
---
apiVersion: example.com/v1
kind: Widget
metadata:
  name: first
spec:
  color: blue
`;

describe("custom resources", () => {
  it("preloads a CRD and its objects from one YAML, and captures them back, the CRD first", async () => {
    // The Widget comes before its CRD in the file: the CRD is applied and established first.
    const [crd, widget] = WIDGETS.split("---\n");
    const { stub, out } = await initCluster(`${widget}---\n${crd}`);
    expect(out).toEqual({ ok: true, value: { objects: 2 } });
    const w = await get(stub, "/apis/example.com/v1/namespaces/default/widgets/first");
    expect(w.status).toBe(200);
    expect(w.json.spec).toEqual({ color: "blue", size: 1 });
    await kube(stub, "PUT", "/apis/example.com/v1/namespaces/default/widgets/first/status", { ...w.json, status: { seen: true } });
    await kube(stub, "POST", "/apis/example.com/v1/namespaces/default/widgets", { apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "second" }, spec: { size: 3 } });
    await settle(stub);

    const captured = (await stub.capture()) as { ok: true; value: { yaml: string; objects: number } };
    const shape = shapeOf(captured.value.yaml);
    expect(shape.map((o) => `${o.kind} ${o.ns}/${o.name}`)).toEqual(["CustomResourceDefinition /widgets.example.com", "Widget default/first", "Widget default/second"]);
    // The status the server and controllers wrote is left out (the CRD's conditions, the Widget's status).
    expect(captured.value.yaml).not.toMatch(/acceptedNames|storedVersions|conditions|seen: true/);

    const again = await initCluster(captured.value.yaml);
    expect(again.out).toEqual({ ok: true, value: { objects: 3 } });
    const list = await get(again.stub, "/apis/example.com/v1/namespaces/default/widgets");
    expect(list.json.items.map((i: Obj) => [i.metadata.name, i.spec.size])).toEqual([
      ["first", 1],
      ["second", 3],
    ]);
    const recaptured = (await again.stub.capture()) as { ok: true; value: { yaml: string } };
    expect(shapeOf(recaptured.value.yaml)).toEqual(shape);
  });

  it("refuses the whole YAML when its CRD is invalid, naming the CRD", async () => {
    const bad = WIDGETS.replace("kind: Widget}", "kind: Widget}\n  unknownField: 1");
    const r = await initCluster(bad);
    expect(r.out.ok).toBe(false);
    expect(r.out.message).toMatch(/^objects\[0\] \(CustomResourceDefinition widgets\.example\.com\): .*unknown field "spec\.unknownField"/);
    // Nothing was applied: the cluster serves no widgets.
    expect((await get(r.stub, "/apis/example.com/v1/namespaces/default/widgets")).status).toBe(404);
  });
});

describe("reset", () => {
  it("brings back the template's objects and removes the others, with the same id", async () => {
    const { id, stub } = await initCluster(TEMPLATE);
    await settle(stub);
    await kube(stub, "DELETE", "/apis/apps/v1/namespaces/shop/deployments/web");
    await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "extra" } });
    await kube(stub, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "temp" } });
    await settle(stub);
    expect(await catalog(id)).toContain("temp");
    const rvBefore = (await stub.info()).resourceVersion;
    const config = parseClusterConfig(JSON.stringify({ name: "portable" }), null);
    const out = await stub.reset({ id, config, simulation: { profile: "instant" }, objects: TEMPLATE });
    expect(out).toEqual({ ok: true, value: { objects: 4 } });
    const info = await stub.info();
    expect(info.id).toBe(id);
    expect(info.simulation.profile).toBe("instant");
    expect((await get(stub, "/apis/apps/v1/namespaces/shop/deployments/web")).status).toBe(200);
    expect((await get(stub, "/api/v1/namespaces/default/configmaps/extra")).status).toBe(404);
    expect((await get(stub, "/api/v1/namespaces/temp")).status).toBe(404);
    // Versions go on past the old ones, and D1's namespace catalog follows the reset.
    expect(info.resourceVersion).toBeGreaterThan(rvBefore);
    await settle(stub);
    expect(await catalog(id)).toEqual(["default", "kube-node-lease", "kube-public", "kube-system", "local-path-storage", "shop"]);
    expect((await podsOf(stub, "shop")).filter((p) => p.status.phase === "Running").length).toBe(2);
    await settleIdle(stub);
    expect((await stub.info()).alarm).toBeNull();
  });
});

describe("usage", () => {
  it("counts kube requests and alarms in the last hour, and survives a reset", async () => {
    const { id, stub } = await initCluster("");
    const before = await stub.info();
    for (let i = 0; i < 5; i++) await get(stub, "/api/v1/namespaces");
    const after = await stub.info();
    expect(after.requestsLastHour - before.requestsLastHour).toBe(5);
    // Read before the write: the alarm it asks for may run at once, before a later read.
    const alarmsBefore = (await stub.info()).alarmsLastHour;
    await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "poke" } });
    await settleIdle(stub);
    expect((await stub.info()).alarmsLastHour).toBeGreaterThan(alarmsBefore);
    // Counting is no reason to wake: the settled cluster has no alarm.
    expect((await stub.info()).alarm).toBeNull();
    const counted = (await stub.info()).requestsLastHour;
    await stub.reset({ id, config: parseClusterConfig(JSON.stringify({ name: "portable" }), null) });
    expect((await stub.info()).requestsLastHour).toBe(counted);
  });

  it("writes request counts to storage a hundred at a time, without a timer, and info() counts the rest", async () => {
    const { stub } = await initCluster("");
    const stored = () =>
      runInDurableObject(stub, (o: ClusterObject) => {
        // internal access: the object's own storage, read without info() (which writes pending counts first)
        const sql = (o as unknown as { ctx: DurableObjectState }).ctx.storage.sql;
        return Number(sql.exec<{ n: number | null }>("SELECT sum(requests) AS n FROM usage_minutes").one().n ?? 0);
      });
    const counted = (await stub.info()).requestsLastHour;
    const before = await stored();
    expect(before).toBe(counted);
    for (let i = 0; i < 200; i++) await get(stub, "/api/v1/namespaces");
    // 200 requests: at least the first hundred are written without anyone reading the counts.
    expect(await stored()).toBeGreaterThanOrEqual(before + 100);
    expect((await stub.info()).requestsLastHour).toBe(counted + 200);
  });
});
