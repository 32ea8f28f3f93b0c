// kubectl reading a fresh cluster: nodes, namespaces, version, discovery, explain.
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, kubectl, kubectlAt, newCluster, ok, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("read");
});

describe("kubectl on a fresh cluster", () => {
  it("lists the nodes of the default layout, named as kind names them", async () => {
    const out = await ok(c, ["get", "nodes"]);
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+STATUS\s+ROLES\s+AGE\s+VERSION$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/).slice(0, 3).join(" "))).toEqual([
      `${c.name}-control-plane Ready control-plane`,
      `${c.name}-worker Ready <none>`,
      `${c.name}-worker2 Ready <none>`,
    ]);
  });

  it("shows addresses, OS and runtime with -o wide", async () => {
    const out = await ok(c, ["get", "nodes", "-o", "wide"]);
    expect(out.split("\n")[0]).toMatch(/INTERNAL-IP\s+EXTERNAL-IP\s+OS-IMAGE\s+KERNEL-VERSION\s+CONTAINER-RUNTIME/);
    expect(out).toMatch(/172\.18\.0\.\d+\s+<none>\s+Debian GNU\/Linux 12 \(bookworm\)\s+\S+\s+containerd:\/\//);
  });

  it("has the control-plane taint (there are workers) and pod ranges from the pod subnet", async () => {
    const taints = await ok(c, ["get", "node", `${c.name}-control-plane`, "-o", "jsonpath={.spec.taints[0].key}:{.spec.taints[0].effect}"]);
    expect(taints).toBe("node-role.kubernetes.io/control-plane:NoSchedule");
    const cidrs = await ok(c, ["get", "nodes", "-o", "jsonpath={.items[*].spec.podCIDR}"]);
    expect(cidrs).toBe("10.244.0.0/24 10.244.1.0/24 10.244.2.0/24");
  });

  it("lists the built-in namespaces, the kubernetes service and default service accounts", async () => {
    // kind's local-path provisioner lives in a namespace of its own
    expect(await ok(c, ["get", "ns", "-o", "name"])).toBe("namespace/default\nnamespace/kube-node-lease\nnamespace/kube-public\nnamespace/kube-system\nnamespace/local-path-storage\n");
    expect(await ok(c, ["get", "svc", "kubernetes", "-o", "jsonpath={.spec.clusterIP} {.spec.ports[0].port}"])).toBe("10.96.0.1 443");
    // The service account controller fills them in right after the cluster is made.
    await eventually(async () => (await kubectl(c, ["get", "sa", "-A", "-o", "name"])).stdout.trim().split("\n").filter((l) => l === "serviceaccount/default").length === 5);
  });

  it("reports the server version kubectl dispatches on", async () => {
    const out = await ok(c, ["version", "-o", "json"]);
    expect(JSON.parse(out).serverVersion).toMatchObject({ major: "1", minor: "32", gitVersion: "v1.32.2" });
  });

  it("lists api-resources from discovery", async () => {
    const out = await ok(c, ["api-resources"]);
    expect(out).toMatch(/^pods\s+po\s+v1\s+true\s+Pod$/m);
    expect(out).toMatch(/^namespaces\s+ns\s+v1\s+false\s+Namespace$/m);
    expect(out).toMatch(/^leases\s+coordination.k8s.io\/v1\s+true\s+Lease$/m);
  });

  it("explains fields from the served OpenAPI", async () => {
    const out = await ok(c, ["explain", "pod.spec.containers"]);
    expect(out).toMatch(/^KIND:\s+Pod$/m);
    expect(out).toMatch(/^FIELD:\s+containers <\[\]Container>$/m);
    expect(out).toMatch(/^\s+image\s+<string>$/m);
    expect(out).toMatch(/^\s+name\s+<string> -required-$/m);
    const svc = await ok(c, ["explain", "service.spec.type"]);
    expect(svc).toMatch(/ClusterIP/);
  });

  it("serves older kubectl versions too (1.27's aggregated discovery is v2beta1)", async () => {
    const r = await kubectl(c, ["get", "nodes", "-o", "name"], { bin: kubectlAt(27) });
    expect(r.stderr).toBe("");
    expect(r.stdout.trim().split("\n")).toHaveLength(3);
  });
});
