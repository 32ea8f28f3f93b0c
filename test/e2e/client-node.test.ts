// @kubernetes/client-node, unmodified, against the local service: list, create, watch, patch, errors.
import * as k8s from "@kubernetes/client-node";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, newCluster, type TestCluster } from "./helpers";

let cluster: TestCluster;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  cluster = await newCluster("cn");
  kc = new k8s.KubeConfig();
  kc.loadFromFile(cluster.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
});

describe("@kubernetes/client-node", () => {
  it("lists nodes and namespaces, verifying TLS with the kubeconfig's CA", async () => {
    expect(kc.getCurrentCluster()?.skipTLSVerify).toBeFalsy();
    const nodes = await core.listNode();
    expect(nodes.items.map((n) => n.metadata!.name).sort()).toEqual([`${cluster.name}-control-plane`, `${cluster.name}-worker`, `${cluster.name}-worker2`]);
    const ready = nodes.items[0].status!.conditions!.find((c) => c.type === "Ready");
    expect(ready?.status).toBe("True");
    const ns = await core.listNamespace();
    expect(ns.items.map((n) => n.metadata!.name)).toEqual(expect.arrayContaining(["default", "kube-system", "kube-public", "kube-node-lease"]));
  });

  it("creates, reads, patches and deletes, and reports errors as Status", async () => {
    const made = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "from-client", labels: { app: "x" } }, data: { a: "1" } } });
    expect(made.metadata!.uid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedConfigMap({ name: "from-client", namespace: "default" });
    expect(read.data).toEqual({ a: "1" });
    const patched = await core.patchNamespacedConfigMap(
      { name: "from-client", namespace: "default", body: { data: { a: "2" } } },
      k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ a: "2" });
    expect(Number(patched.metadata!.resourceVersion)).toBeGreaterThan(Number(made.metadata!.resourceVersion));

    const list = await core.listNamespacedConfigMap({ namespace: "default", labelSelector: "app=x" });
    expect(list.items.map((c) => c.metadata!.name)).toEqual(["from-client"]);

    await expect(core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "from-client" } } })).rejects.toMatchObject({ code: 409 });
    const missing = await core.readNamespacedPod({ name: "nope", namespace: "default" }).catch((e) => e);
    expect(missing.code).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ kind: "Status", reason: "NotFound", message: 'pods "nope" not found' });

    await core.deleteNamespacedConfigMap({ name: "from-client", namespace: "default" });
    await expect(core.readNamespacedConfigMap({ name: "from-client", namespace: "default" })).rejects.toMatchObject({ code: 404 });
  });

  it("watches from a resourceVersion and sees later changes in order", async () => {
    const start = await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "watched" }, data: { v: "0" } } });
    const seen: string[] = [];
    const watch = new k8s.Watch(kc);
    const req = await watch.watch(
      "/api/v1/namespaces/default/configmaps",
      { resourceVersion: start.metadata!.resourceVersion },
      (type: string, obj: k8s.V1ConfigMap) => seen.push(`${type} ${obj.metadata!.name} ${obj.data?.v ?? ""}`),
      () => undefined,
    );
    try {
      await core.replaceNamespacedConfigMap({ name: "watched", namespace: "default", body: { ...start, data: { v: "1" } } });
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "second" } } });
      await core.deleteNamespacedConfigMap({ name: "watched", namespace: "default" });
      await eventually(async () => seen.length >= 3, 10_000);
      expect(seen).toEqual(["MODIFIED watched 1", "ADDED second ", "DELETED watched 1"]);
    } finally {
      req.abort();
    }
  });

  it("keeps a list-and-watch informer in step", async () => {
    const informer = k8s.makeInformer(kc, "/api/v1/namespaces/default/configmaps", () => core.listNamespacedConfigMap({ namespace: "default" }));
    const added: string[] = [];
    informer.on("add", (o: k8s.V1ConfigMap) => added.push(o.metadata!.name!));
    await informer.start();
    try {
      await core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "informed" } } });
      await eventually(async () => added.includes("informed"), 10_000);
      expect(added).toContain("kube-root-ca.crt");
      expect(informer.list().map((o) => o.metadata!.name)).toContain("informed");
    } finally {
      await informer.stop();
    }
  });
});
