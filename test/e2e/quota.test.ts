// ResourceQuota through real kubectl: create quota (1.33 and 1.27), get and describe with the
// used amounts the quota controller keeps as pods, ConfigMaps and Services come and go, and
// kube-apiserver's validation messages.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { eventually, getJson, kubectl, kubectlAt, newCluster, ok, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("quota");
  await simulate(c, { profile: "instant" });
  await ok(c, ["create", "namespace", "team"]);
});

function pod(name: string, cpu: string, limit: string) {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "team" },
    spec: { containers: [{ name: "web", image: "nginx:1.27", resources: { requests: { cpu, memory: "64Mi" }, limits: { cpu: limit, memory: "64Mi" } } }] },
  });
}

/** The quota's status.used once the control loop has nothing left to do. */
async function used(name: string, ns = "team"): Promise<Record<string, string>> {
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
    expect(await ok(c, ["create", "quota", "compute-quota", "--hard=pods=10,requests.cpu=1,limits.cpu=2,configmaps=5,services=2", "-n", "team"])).toContain("resourcequota/compute-quota created");
    // every namespace holds kube-root-ca.crt
    expect(await used("compute-quota")).toEqual({ configmaps: "1", "limits.cpu": "0", pods: "0", "requests.cpu": "0", services: "0" });

    await ok(c, ["apply", "-f", "-"], pod("a", "250m", "500m"));
    await ok(c, ["apply", "-f", "-"], pod("b", "250m", "500m"));
    await ok(c, ["create", "configmap", "settings", "-n", "team", "--from-literal=a=1"]);
    await ok(c, ["create", "service", "clusterip", "web", "--tcp=80:80", "-n", "team"]);
    expect(await used("compute-quota")).toEqual({ configmaps: "2", "limits.cpu": "1", pods: "2", "requests.cpu": "500m", services: "1" });

    const table = await ok(c, ["get", "quota", "-n", "team"]);
    const [header, row] = table.trim().split("\n");
    expect(header.split(/\s+/)).toEqual(["NAME", "AGE", "REQUEST", "LIMIT"]);
    expect(row).toMatch(/^compute-quota\s+\S+\s+configmaps: 2\/5, pods: 2\/10, requests\.cpu: 500m\/1, services: 1\/2\s+limits\.cpu: 1\/2$/);

    const all = await ok(c, ["get", "quota", "-A"]);
    expect(all.split("\n")[0].trim().split(/\s+/)).toEqual(["NAMESPACE", "NAME", "AGE", "REQUEST", "LIMIT"]);
    expect(all).toMatch(/\nteam\s+compute-quota\s+/);

    const described = rows(await ok(c, ["describe", "quota", "-n", "team"]));
    expect(described).toEqual(
      expect.arrayContaining(["Name: compute-quota", "Namespace: team", "Resource Used Hard", "-------- ---- ----", "configmaps 2 5", "limits.cpu 1 2", "pods 2 10", "requests.cpu 500m 1", "services 1 2"]),
    );
    // the namespace's description lists its quota as well
    expect(await ok(c, ["describe", "namespace", "team"])).toMatch(/Resource Quotas\s+Name:\s+compute-quota/);

    await ok(c, ["delete", "pod", "a", "-n", "team"]);
    await ok(c, ["delete", "configmap", "settings", "-n", "team"]);
    await ok(c, ["delete", "service", "web", "-n", "team"]);
    expect(await used("compute-quota")).toEqual({ configmaps: "1", "limits.cpu": "500m", pods: "1", "requests.cpu": "250m", services: "0" });
  });

  it("counts only the pods a scope selects", async () => {
    // a namespace without a compute quota, where a pod need not state its resources
    await ok(c, ["create", "namespace", "scoped"]);
    await ok(c, ["create", "quota", "best-effort", "--hard=pods=1", "--scopes=BestEffort", "-n", "scoped"]);
    await settled(c);
    await ok(c, ["run", "idle", "--image=busybox:1.36", "-n", "scoped", "--", "sleep", "3600"]);
    // a pod with requests stays out; the best-effort pod counts, and a second one is refused
    await ok(c, ["apply", "-n", "scoped", "-f", "-"], pod("sized", "100m", "100m").replace("namespace: team", "namespace: scoped"));
    expect(await used("best-effort", "scoped")).toEqual({ pods: "1" });
    const second = await kubectl(c, ["run", "idle2", "--image=busybox:1.36", "-n", "scoped", "--", "sleep", "3600"]);
    expect(second.stderr).toContain('Error from server (Forbidden): pods "idle2" is forbidden: exceeded quota: best-effort, requested: pods=1, used: pods=1, limited: pods=1');
    expect(rows(await ok(c, ["describe", "quota", "best-effort", "-n", "scoped"]))).toEqual(
      expect.arrayContaining(["Scopes: BestEffort", "* Matches all pods that do not have resource requirements set. These pods have a best effort quality of service.", "pods 1 1"]),
    );
  });

  it("works with kubectl 1.27", async () => {
    const r = await kubectl(c, ["create", "quota", "counts", "--hard=count/deployments.apps=2,secrets=3", "-n", "team"], { bin: kubectlAt(27) });
    expect(r.stdout).toContain("resourcequota/counts created");
    await ok(c, ["create", "deployment", "web", "--image=nginx:1.27", "-n", "team"]);
    expect(await used("counts")).toEqual({ "count/deployments.apps": "1", secrets: "0" });
    const table = await kubectl(c, ["get", "quota", "counts", "-n", "team"], { bin: kubectlAt(27) });
    expect(table.stdout).toMatch(/counts\s+\S+\s+count\/deployments\.apps: 1\/2, secrets: 0\/3/);
  });

  it("refuses invalid quotas with kube-apiserver's messages", async () => {
    const negative = await kubectl(c, ["create", "quota", "bad", "--hard=pods=-1", "-n", "team"]);
    expect(negative.code).not.toBe(0);
    // kubectl create quota wraps the API's Status message in its own words
    expect(negative.stderr).toContain('error: failed to create quota: ResourceQuota "bad" is invalid: spec.hard[pods]: Invalid value: "-1": must be greater than or equal to 0');
    const scope = await kubectl(c, ["create", "quota", "bad", "--hard=cpu=1", "--scopes=BestEffort", "-n", "team"]);
    expect(scope.stderr).toContain('ResourceQuota "bad" is invalid: spec.scopes: Invalid value: []core.ResourceQuotaScope{"BestEffort"}: unsupported scope applied to resource');
    const name = await kubectl(c, ["create", "quota", "bad", "--hard=gpus=1", "-n", "team"]);
    expect(name.stderr).toContain('spec.hard[gpus]: Invalid value: "gpus": must be a standard resource type or fully qualified');
    expect((await kubectl(c, ["get", "quota", "bad", "-n", "team"])).stderr).toContain('resourcequotas "bad" not found');
  });
});

describe("quota admission: seed 002's compute-quota", () => {
  const limitRange = stringify({
    apiVersion: "v1",
    kind: "LimitRange",
    metadata: { name: "defaults", namespace: "dev" },
    spec: { limits: [{ type: "Container", default: { cpu: "200m", memory: "128Mi" }, defaultRequest: { cpu: "100m", memory: "64Mi" }, max: { cpu: "1" } }] },
  });

  it("refuses a pod without limits, admits it with a LimitRange's defaults, and describes the usage", async () => {
    await ok(c, ["create", "namespace", "dev"]);
    await ok(c, ["create", "quota", "compute-quota", "--hard=pods=10,requests.cpu=1,requests.memory=1Gi,limits.cpu=2,limits.memory=2Gi", "-n", "dev"]);
    await settled(c);
    const bare = await kubectl(c, ["run", "web", "--image=nginx:1.27", "-n", "dev"]);
    expect(bare.code).not.toBe(0);
    expect(bare.stderr).toContain(
      'Error from server (Forbidden): pods "web" is forbidden: failed quota: compute-quota: must specify limits.cpu for: web; limits.memory for: web; requests.cpu for: web; requests.memory for: web',
    );

    await ok(c, ["apply", "-f", "-"], limitRange);
    expect(await ok(c, ["run", "web", "--image=nginx:1.27", "-n", "dev"])).toContain("pod/web created");
    const yaml = await ok(c, ["get", "pod", "web", "-n", "dev", "-o", "yaml"]);
    expect(yaml).toMatch(/resources:\s+limits:\s+cpu: 200m\s+memory: 128Mi\s+requests:\s+cpu: 100m\s+memory: 64Mi\n/);
    expect(yaml).toContain("kubernetes.io/limit-ranger:");
    const got = await getJson(c, ["pod", "web", "-n", "dev"]);
    expect(got.metadata.annotations["kubernetes.io/limit-ranger"]).toBe("LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web");
    expect(got.spec.containers[0].resources).toEqual({ limits: { cpu: "200m", memory: "128Mi" }, requests: { cpu: "100m", memory: "64Mi" } });

    // the LimitRange's max refuses a bigger container, before the quota is asked
    const big = await kubectl(c, ["apply", "-f", "-"], { input: pod("big", "500m", "1500m").replace("namespace: team", "namespace: dev") });
    expect(big.stderr).toContain('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 1500m');

    const described = rows(await ok(c, ["describe", "quota", "compute-quota", "-n", "dev"]));
    expect(described).toEqual(expect.arrayContaining(["Resource Used Hard", "limits.cpu 200m 2", "limits.memory 128Mi 2Gi", "pods 1 10", "requests.cpu 100m 1", "requests.memory 64Mi 1Gi"]));
  });

  it("shows a Deployment's pods refused by the quota as FailedCreate and ReplicaFailure, and makes them when there is room", async () => {
    expect(await ok(c, ["create", "deployment", "many", "--image=nginx:1.27", "--replicas=10", "-n", "dev"])).toContain("deployment.apps/many created");
    await settled(c);
    // web holds one of the ten pods (and a tenth of the cpu): nine of many's fit
    expect((await getJson(c, ["pods", "-n", "dev", "-l", "app=many"])).items).toHaveLength(9);
    const rs = (await getJson(c, ["rs", "-n", "dev", "-l", "app=many"])).items[0];
    const failure = rs.status.conditions.find((x: { type: string }) => x.type === "ReplicaFailure");
    expect(failure).toMatchObject({ status: "True", reason: "FailedCreate" });
    expect(failure.message).toMatch(/^pods "many-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: compute-quota, requested: limits\.cpu=200m,pods=1,requests\.cpu=100m, used: limits\.cpu=2,pods=10,requests\.cpu=1, limited: limits\.cpu=2,pods=10,requests\.cpu=1$/);
    const describedRs = await ok(c, ["describe", "rs", rs.metadata.name, "-n", "dev"]);
    expect(describedRs).toMatch(/Warning\s+FailedCreate\s+.*replicaset-controller\s+Error creating: pods "many-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: compute-quota, requested: limits\.cpu=200m,pods=1,requests\.cpu=100m, used: limits\.cpu=2,pods=10,requests\.cpu=1, limited: limits\.cpu=2,pods=10,requests\.cpu=1/);
    expect(describedRs).toMatch(/Conditions:\s+Type\s+Status\s+Reason\s+-+\s+-+\s+-+\s+ReplicaFailure\s+True\s+FailedCreate/);
    const deployment = await getJson(c, ["deployment", "many", "-n", "dev"]);
    expect(deployment.status.conditions.find((x: { type: string }) => x.type === "ReplicaFailure")).toMatchObject({ status: "True", reason: "FailedCreate" });
    expect(rows(await ok(c, ["describe", "quota", "compute-quota", "-n", "dev"]))).toEqual(expect.arrayContaining(["pods 10 10", "requests.cpu 1 1"]));

    // deleting web frees a pod's room: the ReplicaSet tries again at once and the condition goes
    await ok(c, ["delete", "pod", "web", "-n", "dev", "--grace-period=0", "--force"]);
    await eventually(async () => (await getJson(c, ["pods", "-n", "dev", "-l", "app=many"])).items.length === 10);
    await settled(c);
    const after = (await getJson(c, ["rs", "-n", "dev", "-l", "app=many"])).items[0];
    expect(after.status.conditions ?? []).toEqual([]);
  });

  it("refuses the eleventh pod under compute-quota, naming only the resource it would exceed", async () => {
    await ok(c, ["create", "namespace", "small"]);
    await ok(c, ["create", "quota", "compute-quota", "--hard=pods=10,requests.cpu=1,requests.memory=1Gi,limits.cpu=2,limits.memory=2Gi", "-n", "small"]);
    await settled(c);
    // Ten small pods fill the pod count and leave CPU and memory room, so only pods is exceeded.
    const resources = { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "100m", memory: "128Mi" } };
    const smallPod = (name: string) => ({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "small" }, spec: { containers: [{ name: "c", image: "nginx:1.27", resources }] } });
    const ten = Array.from({ length: 10 }, (_, i) => stringify(smallPod(`p${i + 1}`))).join("---\n");
    await ok(c, ["apply", "-f", "-"], ten);
    const eleventh = await kubectl(c, ["apply", "-f", "-"], { input: stringify(smallPod("p11")) });
    expect(eleventh.code).not.toBe(0);
    expect(eleventh.stderr).toContain('pods "p11" is forbidden: exceeded quota: compute-quota, requested: pods=1, used: pods=10, limited: pods=10\n');
    expect(rows(await ok(c, ["describe", "quota", "compute-quota", "-n", "small"]))).toEqual(expect.arrayContaining(["pods 10 10", "requests.cpu 500m 1", "limits.memory 1280Mi 2Gi"]));
    expect((await kubectl(c, ["get", "pod", "p11", "-n", "small"])).code).not.toBe(0);
  });
});

describe("limit ranges", () => {
  it("serves LimitRange with kube-apiserver's defaulting, table and validation", async () => {
    const lr = (name: string, item: Record<string, unknown>) => stringify({ apiVersion: "v1", kind: "LimitRange", metadata: { name, namespace: "team" }, spec: { limits: [item] } });
    expect(await ok(c, ["apply", "-f", "-"], lr("mem", { type: "Container", max: { memory: "1Gi" }, default: { memory: "512Mi" }, min: { memory: "64Mi" } }))).toContain("limitrange/mem created");
    // default request falls back to the default limit (and that to max)
    const stored = await getJson(c, ["limits", "mem", "-n", "team"]);
    expect(stored.spec.limits[0]).toEqual({ type: "Container", max: { memory: "1Gi" }, min: { memory: "64Mi" }, default: { memory: "512Mi" }, defaultRequest: { memory: "512Mi" } });
    const [header, row] = (await ok(c, ["get", "limitrange", "-n", "team"])).trim().split("\n");
    expect(header.split(/\s{2,}/)).toEqual(["NAME", "CREATED AT"]);
    expect(row).toMatch(/^mem\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(rows(await ok(c, ["describe", "limitrange", "mem", "-n", "team"]))).toEqual(expect.arrayContaining(["Container memory 64Mi 1Gi 512Mi 512Mi -"]));
    expect(await ok(c, ["describe", "namespace", "team"])).toMatch(/Resource Limits\s+Type\s+Resource/);

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
