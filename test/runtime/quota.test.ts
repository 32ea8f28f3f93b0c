// ResourceQuota: kube-apiserver's validation, the usage accounting (pod requests with the
// init-container rule, scopes, claims, services, object counts) and the quota controller's status.
import { describe, expect, it } from "vitest";
import { computeUsed, podResources, podUsage, serviceUsage, type QuotaReads } from "../../worker/cluster/admission/quotaUsage";
import { canonicalQuantity, formatQuantity, milliValue, parseQuantity, QuantityError } from "../../worker/cluster/machinery/quantity";
import type { KObject } from "../../worker/cluster/resources/define";
import type { Pod } from "../../worker/cluster/resources/pod";
import type { ResourceQuota } from "../../worker/cluster/resources/resourcequota";
import { kube, newCluster, settle } from "./helpers";

function pod(name: string, spec: Record<string, unknown>, status: Record<string, unknown> = { phase: "Running" }): Pod {
  return { apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "dev" }, spec, status } as unknown as Pod;
}

const res = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });

function quota(hard: Record<string, string>, extra: Record<string, unknown> = {}): ResourceQuota {
  return { apiVersion: "v1", kind: "ResourceQuota", metadata: { name: "q", namespace: "dev" }, spec: { hard, ...extra } } as unknown as ResourceQuota;
}

function reads(objects: Record<string, KObject[]>, counts: Record<string, number> = {}): QuotaReads {
  return { scan: <T extends KObject>(s: string) => (objects[s] ?? []) as T[], count: (s) => counts[s] ?? (objects[s] ?? []).length, now: Date.parse("2025-01-01T00:00:00Z") };
}

const show = (m: Map<string, { m: bigint; e: number; format: "DecimalSI" | "BinarySI" | "DecimalExponent" }>) => Object.fromEntries([...m].map(([k, q]) => [k, formatQuantity(q)]));

describe("quantities", () => {
  it("parses a text once and shares the frozen result; bad text is refused every time", () => {
    const q = parseQuantity("1500m");
    expect(parseQuantity("1500m")).toBe(q);
    expect(Object.isFrozen(q)).toBe(true);
    expect([milliValue("1500m"), canonicalQuantity("1500m"), formatQuantity(q)]).toEqual([1500, "1500m", "1500m"]);
    // Padded text is the same quantity, and numbers are parsed as ever.
    expect(milliValue(" 1500m ")).toBe(1500);
    expect(milliValue(1.5)).toBe(1500);
    for (let i = 0; i < 2; i++) expect(() => parseQuantity("12x")).toThrow(QuantityError);
    // Past its bound the table starts again: still the same answers.
    for (let i = 0; i < 5000; i++) parseQuantity(`${i}Mi`);
    expect(milliValue("1500m")).toBe(1500);
    expect(canonicalQuantity("4999Mi")).toBe("4999Mi");
  });
});

describe("quota accounting", () => {
  it("sums app containers and sidecars, and takes the largest init container when it is larger", () => {
    const p = pod("a", {
      initContainers: [
        { name: "side", image: "x", restartPolicy: "Always", ...res({ cpu: "100m", memory: "64Mi" }) },
        { name: "setup", image: "x", ...res({ cpu: "2", memory: "32Mi" }) },
      ],
      containers: [
        { name: "a", image: "x", ...res({ cpu: "250m", memory: "128Mi" }, { cpu: "500m" }) },
        { name: "b", image: "x", ...res({ cpu: "250m", memory: "64Mi" }) },
      ],
    });
    // cpu: max(250m+250m+100m, 2+100m) = 2100m; memory: max(128+64+64, 32+64) Mi = 256Mi
    expect(show(podResources(p, "requests"))).toEqual({ cpu: "2100m", memory: "256Mi" });
    expect(show(podResources(p, "limits"))).toEqual({ cpu: "500m" });
    expect(show(podUsage(p, 0))).toEqual({ "count/pods": "1", pods: "1", cpu: "2100m", "requests.cpu": "2100m", memory: "256Mi", "requests.memory": "256Mi", "limits.cpu": "500m" });
  });

  it("counts finished pods only in count/pods", () => {
    expect(show(podUsage(pod("done", { containers: [{ name: "a", image: "x", ...res({ cpu: "1" }) }] }, { phase: "Succeeded" }), 0))).toEqual({ "count/pods": "1" });
  });

  it("computes every hard resource, and scopes select the pods", () => {
    const pods = [
      pod("guaranteed", { containers: [{ name: "a", image: "x", ...res({ cpu: "500m", memory: "1Gi" }, { cpu: "500m", memory: "1Gi" }) }] }),
      pod("besteffort", { containers: [{ name: "a", image: "x" }] }),
      pod("job", { activeDeadlineSeconds: 60, priorityClassName: "high", containers: [{ name: "a", image: "x", ...res({ cpu: "250m" }) }] }),
      pod("failed", { containers: [{ name: "a", image: "x", ...res({ cpu: "4" }) }] }, { phase: "Failed" }),
    ];
    const r = reads({ pods, services: [{ apiVersion: "v1", kind: "Service", metadata: { name: "lb" }, spec: { type: "LoadBalancer", ports: [{ port: 80 }, { port: 443 }] } }] }, { configmaps: 3, "apps/deployments": 2 });
    expect(computeUsed(quota({ pods: "10", "requests.cpu": "2", "limits.memory": "4Gi", "count/pods": "20", configmaps: "5", "count/deployments.apps": "4", services: "2", "services.nodeports": "5", "services.loadbalancers": "1" }), r)).toEqual({
      configmaps: "3",
      "count/deployments.apps": "2",
      "count/pods": "4",
      "limits.memory": "1Gi",
      pods: "3",
      "requests.cpu": "750m",
      services: "1",
      "services.loadbalancers": "1",
      "services.nodeports": "2",
    });
    expect(computeUsed(quota({ pods: "5" }, { scopes: ["BestEffort"] }), r)).toEqual({ pods: "1" });
    expect(computeUsed(quota({ pods: "5", "requests.cpu": "1" }, { scopes: ["NotBestEffort", "NotTerminating"] }), r)).toEqual({ pods: "1", "requests.cpu": "500m" });
    expect(computeUsed(quota({ pods: "5" }, { scopeSelector: { matchExpressions: [{ scopeName: "PriorityClass", operator: "In", values: ["high"] }] } }), r)).toEqual({ pods: "1" });
    // a scoped quota counts no object but pods
    expect(computeUsed(quota({ pods: "5" }, { scopes: ["Terminating"] }), reads({ pods }, { configmaps: 3 }))).toEqual({ pods: "1" });
  });

  it("counts the node ports a service takes", () => {
    expect(show(serviceUsage({ apiVersion: "v1", kind: "Service", metadata: { name: "np" }, spec: { type: "NodePort", ports: [{}, {}] } }))).toEqual({ services: "1", "count/services": "1", "services.nodeports": "2" });
  });
});

describe("ResourceQuota through the API", () => {
  it("refuses what kube-apiserver refuses, with its messages", async () => {
    const { stub } = await newCluster();
    const bad = await kube(stub, "POST", "/api/v1/namespaces/default/resourcequotas", { metadata: { name: "bad" }, spec: { hard: { pods: "-1", "requests.cpu": "1", foo: "1", secrets: "1.5" } } });
    expect(bad.status).toBe(422);
    const causes = bad.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`);
    expect(causes).toContain('spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0');
    expect(causes).toContain('spec.hard[foo]: Invalid value: "foo": must be a standard resource type or fully qualified');
    expect(causes.some((c: string) => c.startsWith("spec.hard[secrets]: Invalid value: resource.Quantity{") && c.endsWith(": must be an integer"))).toBe(true);
    const scoped = await kube(stub, "POST", "/api/v1/namespaces/default/resourcequotas", { metadata: { name: "scoped" }, spec: { hard: { configmaps: "1" }, scopes: ["BestEffort", "NotBestEffort"] } });
    expect(scoped.status).toBe(422);
    expect(scoped.json.message).toContain('spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: unsupported scope applied to resource');
    expect(scoped.json.message).toContain('spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort", "NotBestEffort"}: conflicting scopes');
  });

  it("keeps status.hard and status.used as objects come and go", async () => {
    const { stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "dev" } });
    const made = await kube(stub, "POST", "/api/v1/namespaces/dev/resourcequotas", { metadata: { name: "q" }, spec: { hard: { configmaps: "10", pods: "4", "requests.memory": "1Gi" } } });
    expect(made.status).toBe(201);
    expect(made.json.status).toEqual({});
    await settle(stub);
    const get = async () => (await kube(stub, "GET", "/api/v1/namespaces/dev/resourcequotas/q")).json.status;
    // kube-root-ca.crt is there in every namespace
    expect(await get()).toEqual({ hard: { configmaps: "10", pods: "4", "requests.memory": "1Gi" }, used: { configmaps: "1", pods: "0", "requests.memory": "0" } });
    await kube(stub, "POST", "/api/v1/namespaces/dev/configmaps", { metadata: { name: "c" } });
    await kube(stub, "POST", "/api/v1/namespaces/dev/pods", { metadata: { name: "p" }, spec: { containers: [{ name: "a", image: "nginx", resources: { requests: { memory: "128Mi" } } }] } });
    await settle(stub);
    expect((await get()).used).toEqual({ configmaps: "2", pods: "1", "requests.memory": "128Mi" });
    // spec.hard changes reach status.hard; a user's update keeps the controller's status
    await kube(stub, "PATCH", "/api/v1/namespaces/dev/resourcequotas/q", { spec: { hard: { pods: "8" } } }, { contentType: "application/merge-patch+json" });
    await settle(stub);
    expect((await get()).hard.pods).toBe("8");
    await kube(stub, "DELETE", "/api/v1/namespaces/dev/configmaps/c");
    await settle(stub);
    expect((await get()).used.configmaps).toBe("1");
  });
});
