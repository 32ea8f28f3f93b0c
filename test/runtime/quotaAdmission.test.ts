// ResourceQuota admission through the API: kube-apiserver's refusals (must specify, exceeded,
// status unknown), scopes, updates charged by their delta, the charge written to status.used in
// the write's own transaction (not on a dry run), and a ReplicaSet whose pods a quota refuses:
// FailedCreate, ReplicaFailure, a retry on a timer, and a retry as soon as the quota is raised.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import { kube, kubeRequest, newCluster, newSettledCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];

const res = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });
const pod = (name: string, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers, ...extra } });
const web = (r: Record<string, unknown> = {}) => ({ name: "web", image: "nginx:1.27", ...r });

async function quota(stub: Stub, ns: string, name: string, spec: Record<string, unknown>) {
  expect((await kube(stub, "POST", `/api/v1/namespaces/${ns}/resourcequotas`, { metadata: { name }, spec })).status).toBe(201);
  await settle(stub);
}
const used = async (stub: Stub, ns: string, name: string) => (await kube(stub, "GET", `/api/v1/namespaces/${ns}/resourcequotas/${name}`)).json.status.used;

describe("ResourceQuota admission", () => {
  it("requires compute resources a quota tracks, charges status.used at once, and refuses what exceeds hard", async () => {
    const { stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "dev" } });
    await settle(stub);
    await quota(stub, "dev", "compute-quota", { hard: { pods: "10", "requests.cpu": "1", "requests.memory": "1Gi", "limits.cpu": "2", "limits.memory": "2Gi" } });

    const bare = await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("bare", [web(), { name: "side", image: "busybox", ...res({ cpu: "100m" }, { cpu: "100m" }) }]));
    expect(bare.status).toBe(403);
    expect(bare.json).toMatchObject({
      reason: "Forbidden",
      message: 'pods "bare" is forbidden: failed quota: compute-quota: must specify limits.cpu for: web; limits.memory for: side,web; requests.cpu for: web; requests.memory for: side,web',
    });

    const sized = web(res({ cpu: "400m", memory: "256Mi" }, { cpu: "800m", memory: "512Mi" }));
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("a", [sized]))).status).toBe(201);
    // charged in the create's transaction: no control loop has run yet
    expect(await used(stub, "dev", "compute-quota")).toEqual({ "limits.cpu": "800m", "limits.memory": "512Mi", pods: "1", "requests.cpu": "400m", "requests.memory": "256Mi" });
    // a dry run is checked but not charged
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/pods?dryRun=All", pod("dry", [sized]))).status).toBe(201);
    expect((await used(stub, "dev", "compute-quota")).pods).toBe("1");
    expect((await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("b", [sized]))).status).toBe(201);

    const third = await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("c", [sized]));
    expect(third.status).toBe(403);
    expect(third.json.message).toBe('pods "c" is forbidden: exceeded quota: compute-quota, requested: limits.cpu=800m,requests.cpu=400m, used: limits.cpu=1600m,requests.cpu=800m, limited: limits.cpu=2,requests.cpu=1');
    const big = await kube(stub, "POST", "/api/v1/namespaces/dev/pods", pod("d", [web(res({ cpu: "1", memory: "1Gi" }, { cpu: "2", memory: "2Gi" }))]));
    expect(big.json.message).toBe(
      'pods "d" is forbidden: exceeded quota: compute-quota, requested: limits.cpu=2,limits.memory=2Gi,requests.cpu=1,requests.memory=1Gi, used: limits.cpu=1600m,limits.memory=1Gi,requests.cpu=800m,requests.memory=512Mi, limited: limits.cpu=2,limits.memory=2Gi,requests.cpu=1,requests.memory=1Gi',
    );
    expect((await kube(stub, "GET", "/api/v1/namespaces/dev/pods/d")).status).toBe(404);

    // the controller agrees with the charges, and frees a deleted pod's share
    await settle(stub);
    expect((await used(stub, "dev", "compute-quota")).pods).toBe("2");
    await kube(stub, "DELETE", "/api/v1/namespaces/dev/pods/a?gracePeriodSeconds=0");
    await settle(stub);
    expect(await used(stub, "dev", "compute-quota")).toEqual({ "limits.cpu": "800m", "limits.memory": "512Mi", pods: "1", "requests.cpu": "400m", "requests.memory": "256Mi" });
  });

  it("counts objects of any kind, with their legacy names, and refuses the one past hard", async () => {
    const { stub } = await newCluster();
    await quota(stub, "default", "counts", { hard: { "count/deployments.apps": "1", configmaps: "2", "count/secrets": "0" } });
    expect(await used(stub, "default", "counts")).toEqual({ configmaps: "1", "count/deployments.apps": "0", "count/secrets": "0" });
    const d = (name: string) => ({ metadata: { name }, spec: { replicas: 0, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [web()] } } } });
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", d("one"))).status).toBe(201);
    const two = await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", d("two"));
    expect(two.json.message).toBe('deployments.apps "two" is forbidden: exceeded quota: counts, requested: count/deployments.apps=1, used: count/deployments.apps=1, limited: count/deployments.apps=1');
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "c1" } })).status).toBe(201);
    const c2 = await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "c2" } });
    expect(c2.json.message).toBe('configmaps "c2" is forbidden: exceeded quota: counts, requested: configmaps=1, used: configmaps=2, limited: configmaps=2');
    const s = await kube(stub, "POST", "/api/v1/namespaces/default/secrets", { metadata: { name: "s" } });
    expect(s.json.message).toBe('secrets "s" is forbidden: exceeded quota: counts, requested: count/secrets=1, used: count/secrets=0, limited: count/secrets=0');
    // updates of counted kinds are not measured
    expect((await kube(stub, "PATCH", "/api/v1/namespaces/default/configmaps/c1", { data: { a: "1" } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
  });

  it("applies a quota only to the pods its scopes select", async () => {
    const { stub } = await newCluster();
    await quota(stub, "default", "best-effort", { hard: { pods: "1" }, scopes: ["BestEffort"] });
    await quota(stub, "default", "terminating", { hard: { pods: "1", "requests.cpu": "1" }, scopes: ["Terminating"] });
    await quota(stub, "default", "no-class", { hard: { pods: "5" }, scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "DoesNotExist" }] } });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("be1", [web()]))).status).toBe(201);
    const be2 = await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("be2", [web()]));
    expect(be2.json.message).toBe('pods "be2" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1');
    // not best effort: outside best-effort's scope, and not terminating: outside terminating's
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("sized", [web(res({ cpu: "100m" }))]))).status).toBe(201);
    // a terminating pod must state cpu for the terminating quota, which tracks requests.cpu
    const job = await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("job", [web(res(undefined, { memory: "64Mi" }))], { activeDeadlineSeconds: 60 }));
    expect(job.json.message).toBe('pods "job" is forbidden: failed quota: terminating: must specify requests.cpu for: web');
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("job", [web(res({ cpu: "500m" }))], { activeDeadlineSeconds: 60 }))).status).toBe(201);
    expect(await used(stub, "default", "best-effort")).toEqual({ pods: "1" });
    expect(await used(stub, "default", "terminating")).toEqual({ pods: "1", "requests.cpu": "500m" });
    expect(await used(stub, "default", "no-class")).toEqual({ pods: "3" });
    await settle(stub);
    expect(await used(stub, "default", "no-class")).toEqual({ pods: "3" });
  });

  it("refuses while a quota's usage is not known", async () => {
    const { stub } = await newCluster();
    await quota(stub, "default", "q", { hard: { pods: "5" } });
    const q = (await kube(stub, "GET", "/api/v1/namespaces/default/resourcequotas/q")).json;
    // status says what is enforced but not yet what is used (as right after a controller restart).
    // Both requests run in one turn of the object, so no alarm (the quota controller's recount) comes between.
    const [put, refused] = await runInDurableObject(stub, async (o: ClusterObject) => {
      const first = o.kube(kubeRequest("PUT", "/api/v1/namespaces/default/resourcequotas/q/status", { ...q, status: { hard: { pods: "5", "count/pods": "5" }, used: { pods: "0" } } }));
      const second = o.kube(kubeRequest("POST", "/api/v1/namespaces/default/pods", pod("p", [web()])));
      return [await first, await second].map((r) => ({ status: r.status, json: JSON.parse(r.body) as { message?: string } }));
    });
    expect(put.status).toBe(200);
    expect(refused.json.message).toBe('pods "p" is forbidden: status unknown for quota: q, resources: count/pods,pods');
    await settle(stub);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod("p", [web()]))).status).toBe(201);
  });

  it("charges a service's change of type by its delta", async () => {
    const { stub } = await newCluster();
    await quota(stub, "default", "ports", { hard: { services: "5", "services.nodeports": "2", "services.loadbalancers": "0" } });
    const svc = (name: string, type: string, ports: number) => ({ metadata: { name }, spec: { type, selector: { app: name }, ports: Array.from({ length: ports }, (_, i) => ({ name: `p${i}`, port: 80 + i })) } });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/services", svc("np", "NodePort", 1))).status).toBe(201);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/services", svc("web", "ClusterIP", 2))).status).toBe(201);
    const lb = await kube(stub, "POST", "/api/v1/namespaces/default/services", svc("lb", "LoadBalancer", 1));
    expect(lb.json.message).toBe('services "lb" is forbidden: exceeded quota: ports, requested: services.loadbalancers=1, used: services.loadbalancers=0, limited: services.loadbalancers=0');
    const toNodePort = await kube(stub, "PATCH", "/api/v1/namespaces/default/services/web", { spec: { type: "NodePort" } }, { contentType: "application/merge-patch+json" });
    expect(toNodePort.status).toBe(403);
    expect(toNodePort.json.message).toBe('services "web" is forbidden: exceeded quota: ports, requested: services.nodeports=2, used: services.nodeports=1, limited: services.nodeports=2');
    // default holds the kubernetes Service too
    expect(await used(stub, "default", "ports")).toEqual({ services: "3", "services.loadbalancers": "0", "services.nodeports": "1" });
  });

  it("counts claims and their storage, overall and per storage class", async () => {
    const { stub } = await newCluster();
    await quota(stub, "default", "storage", { hard: { persistentvolumeclaims: "5", "requests.storage": "1Gi", "fast.storageclass.storage.k8s.io/requests.storage": "500Mi" } });
    const claim = (name: string, storageClassName: string, storage: string) => ({ metadata: { name }, spec: { storageClassName, accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } } });
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("a", "fast", "400Mi"))).status).toBe(201);
    const b = await kube(stub, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("b", "fast", "200Mi"));
    expect(b.json.message).toBe(
      'persistentvolumeclaims "b" is forbidden: exceeded quota: storage, requested: fast.storageclass.storage.k8s.io/requests.storage=200Mi, used: fast.storageclass.storage.k8s.io/requests.storage=400Mi, limited: fast.storageclass.storage.k8s.io/requests.storage=500Mi',
    );
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("c", "slow", "600Mi"))).status).toBe(201);
    const d = await kube(stub, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("d", "slow", "100Mi"));
    expect(d.json.message).toBe('persistentvolumeclaims "d" is forbidden: exceeded quota: storage, requested: requests.storage=100Mi, used: requests.storage=1000Mi, limited: requests.storage=1Gi');
    expect(await used(stub, "default", "storage")).toEqual({ "fast.storageclass.storage.k8s.io/requests.storage": "400Mi", persistentvolumeclaims: "2", "requests.storage": "1000Mi" });
  });

  it("a ReplicaSet refused by a quota reports FailedCreate and ReplicaFailure, backs off, and goes on when the quota is raised", async () => {
    const { stub } = await newSettledCluster();
    await quota(stub, "default", "pods", { hard: { pods: "2" } });
    const rs = { metadata: { name: "web" }, spec: { replicas: 3, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [web()] } } } };
    expect((await kube(stub, "POST", "/apis/apps/v1/namespaces/default/replicasets", rs)).status).toBe(201);
    await settle(stub);
    const pods = (await kube(stub, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb")).json.items;
    expect(pods).toHaveLength(2);
    const events = (await kube(stub, "GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb,reason%3DFailedCreate")).json.items;
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]).toMatchObject({ type: "Warning", source: { component: "replicaset-controller" } });
    expect(events[0].message).toMatch(/^Error creating: pods "web-[a-z0-9]{5}" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=2, limited: pods=2$/);
    const got = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/replicasets/web")).json;
    expect(got.status.replicas).toBe(2);
    expect(got.status.conditions).toEqual([{ type: "ReplicaFailure", status: "True", lastTransitionTime: expect.any(String), reason: "FailedCreate", message: expect.stringMatching(/^pods "web-[a-z0-9]{5}" is forbidden: exceeded quota: pods/) }]);
    // it tries again later, on a timer, not in a hot loop
    const info = await stub.info();
    expect(info.timers.filter((t) => t.controller === "replicaset")).toHaveLength(1);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/events?fieldSelector=reason%3DReconcileFailed")).json.items).toEqual([]);

    await kube(stub, "PATCH", "/api/v1/namespaces/default/resourcequotas/pods", { spec: { hard: { pods: "3" } } }, { contentType: "application/merge-patch+json" });
    await settle(stub);
    const after = (await kube(stub, "GET", "/apis/apps/v1/namespaces/default/replicasets/web")).json;
    expect(after.status.replicas).toBe(3);
    expect(after.status.conditions).toBeUndefined();
    expect(await used(stub, "default", "pods")).toEqual({ pods: "3" });
  });
});
