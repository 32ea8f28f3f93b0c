// Everyday kubectl on the core kinds: namespaces, pods, selectors, output formats, the
// protobuf-bodied create commands, and validation.
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, kubectl, newCluster, ok, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("objects");
  // Every node cordoned: the pods here stay Pending, so what the API server alone does is visible.
  for (const n of ["control-plane", "worker", "worker2"]) await ok(c, ["cordon", `${c.name}-${n}`]);
  await ok(c, ["create", "namespace", "shop"]);
  await eventually(async () => (await kubectl(c, ["get", "sa", "default", "-n", "shop"])).code === 0);
});

describe("namespaces and pods", () => {
  it("refuses to run a pod in a namespace that does not exist", async () => {
    const r = await kubectl(c, ["run", "web", "--image=nginx", "-n", "nowhere"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): namespaces "nowhere" not found');
  });

  it("runs a pod into an existing namespace; with no schedulable node it stays Pending", async () => {
    expect(await ok(c, ["run", "web", "--image=nginx", "-n", "shop", "--labels=app=web,tier=front"])).toBe("pod/web created\n");
    await ok(c, ["run", "db", "--image=postgres:16", "-n", "shop", "--labels=app=db,tier=back"]);
    await ok(c, ["run", "cache", "--image=redis", "--labels=app=cache"]);
    const all = await ok(c, ["get", "pods", "-A"]);
    expect(all.split("\n")[0]).toMatch(/^NAMESPACE\s+NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    expect(all).toMatch(/^shop\s+web\s+0\/1\s+Pending\s+0\s+\S+$/m);
    expect(all).toMatch(/^default\s+cache\s+0\/1\s+Pending\s+0\s+\S+$/m);
  });

  it("fills in what the API server fills in: defaults, token volume, tolerations, status", async () => {
    const pod = JSON.parse(await ok(c, ["get", "pod", "web", "-n", "shop", "-o", "json"]));
    expect(pod.spec).toMatchObject({ restartPolicy: "Always", dnsPolicy: "ClusterFirst", serviceAccountName: "default", schedulerName: "default-scheduler", terminationGracePeriodSeconds: 30 });
    expect(pod.spec.containers[0]).toMatchObject({ imagePullPolicy: "Always", terminationMessagePath: "/dev/termination-log", resources: {} });
    expect(pod.spec.volumes[0].name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(pod.spec.tolerations.map((t: { key: string }) => t.key)).toEqual(["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]);
    expect(pod.status.phase).toBe("Pending");
    expect(pod.status.qosClass).toBe("BestEffort");
    expect(pod.status.conditions).toEqual([expect.objectContaining({ type: "PodScheduled", status: "False", reason: "Unschedulable" })]);
  });

  it("selects by label with equality and set-based selectors", async () => {
    expect(await ok(c, ["get", "pods", "-n", "shop", "-l", "tier in (front,middle)", "-o", "name"])).toBe("pod/web\n");
    expect(await ok(c, ["get", "pods", "-n", "shop", "-l", "tier notin (front)", "-o", "name"])).toBe("pod/db\n");
    expect(await ok(c, ["get", "pods", "-n", "shop", "-l", "app!=web", "-o", "name"])).toBe("pod/db\n");
    // Across namespaces the selector also finds kube-system's pods (the control plane and kindnet carry a tier).
    const all = async (selector: string) =>
      (await ok(c, ["get", "pods", "-A", "-l", selector, "--no-headers", "-o", "custom-columns=NS:.metadata.namespace,NAME:.metadata.name"])).trim().split("\n").map((l) => l.trim().split(/\s+/).join("/"));
    const withoutTier = await all("!tier");
    expect(withoutTier.filter((p) => !p.startsWith("kube-system/") && !p.startsWith("local-path-storage/"))).toEqual(["default/cache"]);
    expect(withoutTier.some((p) => /^kube-system\/coredns-/.test(p))).toBe(true);
    const withTier = await all("tier");
    expect(withTier.filter((p) => !p.startsWith("kube-system/"))).toEqual(["shop/db", "shop/web"]);
    expect(withTier.some((p) => /^kube-system\/kindnet-/.test(p))).toBe(true);
    expect(withTier.some((p) => /^kube-system\/coredns-/.test(p))).toBe(false);
  });

  it("selects by field, and rejects fields that are not selectable", async () => {
    expect(await ok(c, ["get", "pods", "-A", "--field-selector", "metadata.namespace=shop,status.phase=Pending", "-o", "name"])).toBe("pod/db\npod/web\n");
    expect(await ok(c, ["get", "pods", "-A", "--field-selector", "metadata.name=cache", "-o", "name"])).toBe("pod/cache\n");
    expect(await ok(c, ["get", "pods", "-A", "--field-selector", "spec.nodeName=", "-o", "name"])).toBe("pod/cache\npod/db\npod/web\n");
    const bad = await kubectl(c, ["get", "pods", "--field-selector", "spec.image=nginx"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/field label not supported: spec\.image/);
  });

  it("prints yaml, json, jsonpath and name", async () => {
    expect(await ok(c, ["get", "pod", "web", "-n", "shop", "-o", "yaml"])).toMatch(/^apiVersion: v1\nkind: Pod\nmetadata:\n/);
    expect(JSON.parse(await ok(c, ["get", "pod", "web", "-n", "shop", "-o", "json"])).metadata.labels).toEqual({ app: "web", tier: "front" });
    expect(await ok(c, ["get", "pods", "-n", "shop", "-o", "jsonpath={.items[*].spec.containers[0].image}"])).toBe("postgres:16 nginx");
    expect(await ok(c, ["get", "pod", "web", "-n", "shop", "-o", "name"])).toBe("pod/web\n");
  });
});

describe("protobuf-bodied create commands", () => {
  it("creates configmaps, secrets, service accounts and services", async () => {
    await ok(c, ["create", "configmap", "settings", "-n", "shop", "--from-literal=color=blue", "--from-literal=size=L"]);
    expect(JSON.parse(await ok(c, ["get", "cm", "settings", "-n", "shop", "-o", "json"])).data).toEqual({ color: "blue", size: "L" });
    await ok(c, ["create", "secret", "generic", "db-pass", "-n", "shop", "--from-literal=password=s3cret"]);
    const secret = JSON.parse(await ok(c, ["get", "secret", "db-pass", "-n", "shop", "-o", "json"]));
    expect(secret.type).toBe("Opaque");
    expect(Buffer.from(secret.data.password, "base64").toString()).toBe("s3cret");
    expect(await ok(c, ["get", "secrets", "-n", "shop"])).toMatch(/^db-pass\s+Opaque\s+1\s+\S+$/m);
    await ok(c, ["create", "serviceaccount", "robot", "-n", "shop"]);
    await ok(c, ["create", "service", "nodeport", "front", "-n", "shop", "--tcp=80:8080", "--node-port=30123"]);
    const svc = await ok(c, ["get", "svc", "front", "-n", "shop"]);
    expect(svc).toMatch(/^front\s+NodePort\s+10\.96\.\d+\.\d+\s+<none>\s+80:30123\/TCP\s+\S+$/m);
  });

  it("rejects a node port that is taken, as Kubernetes words it", async () => {
    const r = await kubectl(c, ["create", "service", "nodeport", "front2", "-n", "shop", "--tcp=80:8080", "--node-port=30123"]);
    expect(r.stderr.trim()).toBe('error: failed to create NodePort service: Service "front2" is invalid: spec.ports[0].nodePort: Invalid value: 30123: provided port is already allocated');
  });

  it("answers kubectl auth", async () => {
    expect((await ok(c, ["auth", "can-i", "create", "pods"])).trim()).toBe("yes");
    expect(await ok(c, ["auth", "whoami"])).toMatch(/Username\s+kubedo:/);
  });
});

describe("validation", () => {
  it("rejects an invalid pod with every cause and stores nothing", async () => {
    const manifest = `apiVersion: v1
kind: Pod
metadata:
  name: broken
  namespace: shop
spec:
  restartPolicy: Sometimes
  containers:
  - name: main
  - name: main
    image: nginx
    ports:
    - containerPort: 70000
`;
    const r = await kubectl(c, ["apply", "-f", "-"], { input: manifest });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/The Pod "broken" is invalid:/);
    expect(r.stderr).toContain("spec.containers[0].image: Required value");
    expect(r.stderr).toContain('spec.containers[1].name: Duplicate value: "main"');
    expect(r.stderr).toContain("spec.containers[1].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive");
    expect(r.stderr).toContain('spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"');
    expect((await kubectl(c, ["get", "pod", "broken", "-n", "shop"])).stderr).toMatch(/NotFound/);
  });

  it("rejects unknown fields under kubectl's strict validation, and warns or ignores when asked", async () => {
    const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: typo\n  namespace: shop\ndata: {a: b}\ndatta: {c: d}\n";
    const strict = await kubectl(c, ["apply", "-f", "-"], { input: manifest });
    expect(strict.stderr).toMatch(/strict decoding error: unknown field "datta"/);
    const warn = await kubectl(c, ["apply", "--validate=warn", "-f", "-"], { input: manifest });
    expect(warn.code).toBe(0);
    expect(warn.stderr).toMatch(/unknown field "datta"/);
    expect(JSON.parse(await ok(c, ["get", "cm", "typo", "-n", "shop", "-o", "json"])).data).toEqual({ a: "b" });
  });

  it("writes nothing on a server-side dry run", async () => {
    expect(await ok(c, ["create", "configmap", "dry", "-n", "shop", "--dry-run=server", "-o", "name"])).toBe("configmap/dry\n");
    expect((await kubectl(c, ["get", "cm", "dry", "-n", "shop"])).code).not.toBe(0);
  });
});
