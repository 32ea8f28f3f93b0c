// Each cluster's API at the root of the server: kubeconfigs name the root and their
// cluster-scoped token picks the cluster, so kubectl proxy, `get --raw /livez` and clients that
// build paths from the root work; /k8s/<id> still works; health, /version and /metrics.
import { readFileSync, writeFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, kubectl, kubectlBackground, newCluster, ok, request, service, type TestCluster } from "./helpers";

let a: TestCluster;
let b: TestCluster;

beforeAll(async () => {
  [a, b] = await Promise.all([newCluster("root-a"), newCluster("root-b")]);
  await ok(a, ["run", "web", "--image=nginx"]);
});

const serverOf = (kc: string) => /server: (\S+)/.exec(readFileSync(kc, "utf8"))![1];

describe("a cluster at the server's root", () => {
  it("names the service root in kubeconfigs", () => {
    expect(serverOf(a.kubeconfig)).toBe(service.url);
    expect(serverOf(b.kubeconfig)).toBe(service.url);
  });

  it("serves `kubectl proxy` with no flags: curl on localhost:8001 lists the pods", async () => {
    const proxy = kubectlBackground(a, ["proxy"]);
    try {
      await proxy.waitFor(/Starting to serve on 127\.0\.0\.1:8001/);
      const res = await fetch("http://localhost:8001/api/v1/namespaces/default/pods");
      expect(res.status).toBe(200);
      const list = (await res.json()) as { kind: string; items: { metadata: { name: string } }[] };
      expect(list.kind).toBe("PodList");
      expect(list.items.map((p) => p.metadata.name)).toEqual(["web"]);
      const live = await fetch("http://localhost:8001/livez");
      expect(await live.text()).toBe("ok");
    } finally {
      proxy.stop();
    }
  });

  it("answers get --raw /livez, /readyz?verbose, a single check, and /version", async () => {
    expect(await ok(a, ["get", "--raw", "/livez"])).toBe("ok");
    const ready = await ok(a, ["get", "--raw", "/readyz?verbose"]);
    expect(ready.split("\n")[0]).toBe("[+]ping ok");
    expect(ready).toContain("[+]etcd ok\n");
    expect(ready).toContain("[+]informer-sync ok\n");
    // The post-start hooks that make the default RBAC policy and the system PriorityClasses.
    expect(ready).toContain("[+]poststarthook/rbac/bootstrap-roles ok\n");
    expect(ready).toContain("[+]poststarthook/scheduling/bootstrap-system-priority-classes ok\n");
    expect(ready.trimEnd().split("\n").at(-1)).toBe("readyz check passed");
    const excluded = await ok(a, ["get", "--raw", "/livez?verbose&exclude=etcd&exclude=nope"]);
    expect(excluded).toContain("[+]etcd excluded: ok\n");
    expect(excluded).toContain('warn: some health checks cannot be excluded: no matches for "nope"\n');
    expect(excluded.trimEnd().endsWith("livez check passed")).toBe(true);
    expect(await ok(a, ["get", "--raw", "/livez/etcd"])).toBe("ok");
    const unknown = await kubectl(a, ["get", "--raw", "/livez/nosuchcheck"]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("NotFound");

    // the root itself lists the paths served, as kube-apiserver's does
    const paths = JSON.parse(await ok(a, ["get", "--raw", "/"])).paths as string[];
    expect(paths).toEqual(expect.arrayContaining(["/api", "/api/v1", "/apis/apps/v1", "/livez", "/metrics", "/readyz", "/version"]));

    const version = await request("GET", "/version", { token: a.token });
    expect(version.status).toBe(200);
    expect(version.json).toMatchObject({ major: "1", minor: "32", gitVersion: "v1.32.2" });
  });

  it("prints Prometheus text at /metrics: requests, latency, stored objects and open watches", async () => {
    await ok(a, ["get", "pods"]);
    await ok(a, ["create", "configmap", "m1", "--dry-run=server"]);
    const watch = kubectlBackground(a, ["get", "pods", "-w"]);
    const watchLine = /^apiserver_longrunning_requests\{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="WATCH",version="v1"\} 1$/m;
    try {
      await watch.waitFor(/web/);
      const text = await ok(a, ["get", "--raw", "/metrics"]);
      // the user's pod and kube-system's
      const pods = (await ok(a, ["get", "pods", "-A", "-o", "name"])).trim().split("\n").length;
      expect(pods).toBeGreaterThan(1);
      expect(text).toContain("# TYPE apiserver_request_total counter\n");
      expect(text).toMatch(/^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"\} [1-9]\d*$/m);
      expect(text).toMatch(/^apiserver_request_total\{code="201",component="apiserver",dry_run="All",group="",resource="configmaps",scope="resource",subresource="",verb="POST",version="v1"\} 1$/m);
      expect(text).toMatch(/^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="",scope="",subresource="\/livez",verb="GET",version=""\} [1-9]\d*$/m);
      expect(text).toContain("# TYPE apiserver_request_duration_seconds histogram\n");
      expect(text).toMatch(/^apiserver_request_duration_seconds_bucket\{component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1",le="\+Inf"\} [1-9]\d*$/m);
      expect(text).toMatch(/^apiserver_request_duration_seconds_count\{component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"\} [1-9]\d*$/m);
      expect(text).toMatch(new RegExp(`^apiserver_storage_objects\\{resource="pods"\\} ${pods}$`, "m"));
      expect(text).toMatch(/^apiserver_storage_objects\{resource="nodes"\} 3$/m);
      expect(text).toMatch(watchLine);
    } finally {
      watch.stop();
    }
    // The watch's slot is counted down once its stream is gone.
    await eventually(async () => !watchLine.test(await ok(a, ["get", "--raw", "/metrics"])), 25_000);
  }, 60_000);

  it("refuses /metrics to an impersonated user, as RBAC refuses an unprivileged one", async () => {
    const r = await kubectl(a, ["get", "--raw", "/metrics", "--as=jane"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): forbidden: User "jane" cannot get path "/metrics"');
  });

  it("lets each cluster-scoped token reach its own cluster at the root", async () => {
    const nodesA = await ok(a, ["get", "nodes", "-o", "name"]);
    const nodesB = await ok(b, ["get", "nodes", "-o", "name"]);
    expect(nodesA).toContain(`node/${a.name}-control-plane`);
    expect(nodesA).not.toContain(b.name);
    expect(nodesB).toContain(`node/${b.name}-control-plane`);
    const pods = await request("GET", "/api/v1/namespaces/default/pods", { token: b.token });
    expect(pods.status).toBe(200);
    expect(pods.json.items).toEqual([]);
  });

  it("keeps /k8s/<id> working", async () => {
    const kc = a.kubeconfig + ".prefixed";
    writeFileSync(kc, readFileSync(a.kubeconfig, "utf8").replace(`server: ${service.url}`, `server: ${service.url}/k8s/${a.id}`));
    const prefixed = { ...a, kubeconfig: kc };
    expect(serverOf(kc)).toBe(`${service.url}/k8s/${a.id}`);
    expect(await ok(prefixed, ["get", "pods", "-o", "name"])).toBe("pod/web\n");
    const version = await request("GET", `/k8s/${a.id}/version`, { token: a.token });
    expect(version.json.gitVersion).toBe("v1.32.2");
    // a tenant's token reaches the cluster there, as before
    const ns = await request("GET", `/k8s/${a.id}/api/v1/namespaces/default`, { token: service.tenantToken });
    expect(ns.status).toBe(200);
  });

  it("tells a token for every cluster of a tenant to use a cluster-scoped token or /k8s/<id>", async () => {
    const r = await request("GET", "/api/v1/namespaces", { token: service.tenantToken });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ kind: "Status", apiVersion: "v1", status: "Failure", reason: "BadRequest", code: 400 });
    expect(r.json.message).toContain("use a cluster-scoped token");
    expect(r.json.message).toContain("/k8s/<cluster-id>");
    // kubectl shows it as the server's answer
    const kc = a.kubeconfig + ".tenant";
    writeFileSync(kc, readFileSync(a.kubeconfig, "utf8").replace(a.token, service.tenantToken));
    const k = await kubectl(kc, ["get", "namespaces"]);
    expect(k.stderr).toMatch(/^Error from server \(BadRequest\): .*this token is for every cluster of its tenant, so the server's root cannot tell which cluster to serve/m);
  });

  it("keeps the service's own /healthz for requests without a token, and answers the kube API's 401 without one", async () => {
    const health = await request("GET", "/healthz");
    expect(health.status).toBe(200);
    expect(health.text).toBe("ok");
    // with a cluster-scoped token, /healthz is the cluster's
    const clusterHealth = await request("GET", "/healthz?verbose", { token: a.token });
    expect(clusterHealth.text.trimEnd().split("\n").at(-1)).toBe("healthz check passed");
    const anonymous = await request("GET", "/api/v1/pods");
    expect(anonymous.status).toBe(401);
    expect(anonymous.json).toMatchObject({ kind: "Status", reason: "Unauthorized", code: 401 });
    // the management API stays at /v1 whatever the token
    const list = await request("GET", "/v1/clusters", { token: service.tenantToken });
    expect(list.status).toBe(200);
  });
});
