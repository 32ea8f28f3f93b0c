// ResourceQuota through real kubectl: create quota (1.33 and 1.27), get and describe with the
// used amounts the quota controller keeps as pods, ConfigMaps and Services come and go, and
// kube-apiserver's validation messages.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { getJson, kubectl, kubectlAt, newCluster, ok, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("quota");
  await simulate(c, { profile: "instant" });
  await ok(c, ["create", "namespace", "dev"]);
});

function pod(name: string, cpu: string, limit: string) {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "dev" },
    spec: { containers: [{ name: "web", image: "nginx:1.27", resources: { requests: { cpu, memory: "64Mi" }, limits: { cpu: limit, memory: "64Mi" } } }] },
  });
}

/** The quota's status.used once the control loop has nothing left to do. */
async function used(name: string, ns = "dev"): Promise<Record<string, string>> {
  await settled(c);
  return (await getJson(c, ["quota", name, "-n", ns])).status.used;
}

/** describe's Resource/Used/Hard rows, whitespace collapsed. */
function rows(describe: string): string[] {
  return describe
    .split("\n")
    .map((l) => l.trim().split(/\s+/).join(" "))
    .filter(Boolean);
}

describe("resource quotas", () => {
  it("creates a quota with kubectl and follows pods, ConfigMaps and Services", async () => {
    expect(await ok(c, ["create", "quota", "compute-quota", "--hard=pods=10,requests.cpu=1,limits.cpu=2,configmaps=5,services=2", "-n", "dev"])).toContain("resourcequota/compute-quota created");
    // every namespace holds kube-root-ca.crt
    expect(await used("compute-quota")).toEqual({ configmaps: "1", "limits.cpu": "0", pods: "0", "requests.cpu": "0", services: "0" });

    await ok(c, ["apply", "-f", "-"], pod("a", "250m", "500m"));
    await ok(c, ["apply", "-f", "-"], pod("b", "250m", "500m"));
    await ok(c, ["create", "configmap", "settings", "-n", "dev", "--from-literal=a=1"]);
    await ok(c, ["create", "service", "clusterip", "web", "--tcp=80:80", "-n", "dev"]);
    expect(await used("compute-quota")).toEqual({ configmaps: "2", "limits.cpu": "1", pods: "2", "requests.cpu": "500m", services: "1" });

    const table = await ok(c, ["get", "quota", "-n", "dev"]);
    const [header, row] = table.trim().split("\n");
    expect(header.split(/\s+/)).toEqual(["NAME", "AGE", "REQUEST", "LIMIT"]);
    expect(row).toMatch(/^compute-quota\s+\S+\s+configmaps: 2\/5, pods: 2\/10, requests\.cpu: 500m\/1, services: 1\/2\s+limits\.cpu: 1\/2$/);

    const all = await ok(c, ["get", "quota", "-A"]);
    expect(all.split("\n")[0].trim().split(/\s+/)).toEqual(["NAMESPACE", "NAME", "AGE", "REQUEST", "LIMIT"]);
    expect(all).toMatch(/\ndev\s+compute-quota\s+/);

    const described = rows(await ok(c, ["describe", "quota", "-n", "dev"]));
    expect(described).toEqual(
      expect.arrayContaining(["Name: compute-quota", "Namespace: dev", "Resource Used Hard", "-------- ---- ----", "configmaps 2 5", "limits.cpu 1 2", "pods 2 10", "requests.cpu 500m 1", "services 1 2"]),
    );
    // the namespace's description lists its quota as well
    expect(await ok(c, ["describe", "namespace", "dev"])).toMatch(/Resource Quotas\s+Name:\s+compute-quota/);

    await ok(c, ["delete", "pod", "a", "-n", "dev"]);
    await ok(c, ["delete", "configmap", "settings", "-n", "dev"]);
    await ok(c, ["delete", "service", "web", "-n", "dev"]);
    expect(await used("compute-quota")).toEqual({ configmaps: "1", "limits.cpu": "500m", pods: "1", "requests.cpu": "250m", services: "0" });
  });

  it("counts only the pods a scope selects", async () => {
    await ok(c, ["create", "quota", "best-effort", "--hard=pods=5", "--scopes=BestEffort", "-n", "dev"]);
    await ok(c, ["run", "idle", "--image=busybox:1.36", "-n", "dev", "--", "sleep", "3600"]);
    // pod b (with requests) stays out; the best-effort pod counts
    expect(await used("best-effort")).toEqual({ pods: "1" });
    expect(rows(await ok(c, ["describe", "quota", "best-effort", "-n", "dev"]))).toEqual(
      expect.arrayContaining(["Scopes: BestEffort", "* Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.", "pods 1 5"]),
    );
  });

  it("works with kubectl 1.27", async () => {
    const r = await kubectl(c, ["create", "quota", "counts", "--hard=count/deployments.apps=2,secrets=3", "-n", "dev"], { bin: kubectlAt(27) });
    expect(r.stdout).toContain("resourcequota/counts created");
    await ok(c, ["create", "deployment", "web", "--image=nginx:1.27", "-n", "dev"]);
    expect(await used("counts")).toEqual({ "count/deployments.apps": "1", secrets: "0" });
    const table = await kubectl(c, ["get", "quota", "counts", "-n", "dev"], { bin: kubectlAt(27) });
    expect(table.stdout).toMatch(/counts\s+\S+\s+count\/deployments\.apps: 1\/2, secrets: 0\/3/);
  });

  it("refuses invalid quotas with kube-apiserver's messages", async () => {
    const negative = await kubectl(c, ["create", "quota", "bad", "--hard=pods=-1", "-n", "dev"]);
    expect(negative.code).not.toBe(0);
    // kubectl create quota wraps the API's Status message in its own words
    expect(negative.stderr).toContain('error: failed to create quota: ResourceQuota "bad" is invalid: spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0');
    const scope = await kubectl(c, ["create", "quota", "bad", "--hard=cpu=1", "--scopes=BestEffort", "-n", "dev"]);
    expect(scope.stderr).toContain('ResourceQuota "bad" is invalid: spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource');
    const name = await kubectl(c, ["create", "quota", "bad", "--hard=gpus=1", "-n", "dev"]);
    expect(name.stderr).toContain('spec.hard[gpus]: Invalid value: "gpus": must be a standard resource type or fully qualified');
    expect((await kubectl(c, ["get", "quota", "bad", "-n", "dev"])).stderr).toContain('resourcequotas "bad" not found');
  });
});

describe("limit ranges", () => {
  it("serves LimitRange with kube-apiserver's defaulting, table and validation", async () => {
    const lr = (name: string, item: Record<string, unknown>) => stringify({ apiVersion: "v1", kind: "LimitRange", metadata: { name, namespace: "dev" }, spec: { limits: [item] } });
    expect(await ok(c, ["apply", "-f", "-"], lr("mem", { type: "Container", max: { memory: "1Gi" }, default: { memory: "512Mi" }, min: { memory: "64Mi" } }))).toContain("limitrange/mem created");
    // default request falls back to the default limit (and that to max)
    const stored = await getJson(c, ["limits", "mem", "-n", "dev"]);
    expect(stored.spec.limits[0]).toEqual({ type: "Container", max: { memory: "1Gi" }, min: { memory: "64Mi" }, default: { memory: "512Mi" }, defaultRequest: { memory: "512Mi" } });
    const [header, row] = (await ok(c, ["get", "limitrange", "-n", "dev"])).trim().split("\n");
    expect(header.split(/\s{2,}/)).toEqual(["NAME", "CREATED AT"]);
    expect(row).toMatch(/^mem\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rows(await ok(c, ["describe", "limitrange", "mem", "-n", "dev"]))).toEqual(expect.arrayContaining(["Container memory 64Mi 1Gi 512Mi 512Mi -"]));
    expect(await ok(c, ["describe", "namespace", "dev"])).toMatch(/Resource Limits\s+Type\s+Resource/);

    const bad = await kubectl(c, ["apply", "-f", "-"], { input: lr("bad", { type: "Container", min: { cpu: "2" }, max: { cpu: "1" } }) });
    expect(bad.code).not.toBe(0);
    // defaulting (default from max, defaultRequest from min) runs first, so three rules fail, as on kube-apiserver
    expect(bad.stderr).toContain('The LimitRange "bad" is invalid: \n');
    expect(bad.stderr).toContain('* spec.limits[0].min[cpu]: Invalid value: resource.Quantity{i:resource.int64Amount{value:2, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"2", Format:"DecimalSI"}: min value 2 is greater than max value 1\n');
    expect(bad.stderr).toMatch(/\* spec\.limits\[0\]\.defaultRequest\[cpu\]: Invalid value: .*: min value 2 is greater than default request value 1\n/);
    const pod = await kubectl(c, ["apply", "-f", "-"], { input: lr("bad", { type: "Pod", default: { cpu: "1" } }) });
    expect(pod.stderr).toContain("spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'");
  });
});
