// LimitRange admission through real kubectl: defaults filled into a Deployment's pods and into
// init containers (with the kubernetes.io/limit-ranger annotation), and min, max and
// maxLimitRequestRatio refused for containers, pods and claims with kube-apiserver's words.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { getJson, kubectl, newCluster, ok, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("limits");
  await simulate(c, { profile: "instant" });
  await ok(c, ["create", "namespace", "lr"]);
  const items = [
    { type: "Container", default: { cpu: "300m", memory: "256Mi" }, defaultRequest: { cpu: "150m", memory: "128Mi" }, max: { cpu: "500m" }, min: { memory: "64Mi" }, maxLimitRequestRatio: { cpu: "2" } },
    { type: "Pod", max: { memory: "1Gi" } },
    { type: "PersistentVolumeClaim", min: { storage: "1Gi" }, max: { storage: "2Gi" } },
  ];
  await ok(c, ["apply", "-f", "-"], stringify({ apiVersion: "v1", kind: "LimitRange", metadata: { name: "bounds", namespace: "lr" }, spec: { limits: items } }));
});

const res = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });
function pod(name: string, containers: Record<string, unknown>[], initContainers?: Record<string, unknown>[]) {
  return stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: "lr" }, spec: { containers, ...(initContainers ? { initContainers } : {}) } });
}

describe("LimitRange admission", () => {
  it("fills a Deployment's pods and an init container with the defaults, and notes it", async () => {
    await ok(c, ["create", "deployment", "web", "--image=nginx:1.27", "-n", "lr"]);
    await settled(c);
    const [p] = (await getJson(c, ["pods", "-n", "lr", "-l", "app=web"])).items;
    expect(p.spec.containers[0].resources).toEqual({ limits: { cpu: "300m", memory: "256Mi" }, requests: { cpu: "150m", memory: "128Mi" } });
    expect(p.metadata.annotations["kubernetes.io/limit-ranger"]).toBe("LimitRanger plugin set: cpu, memory request for container nginx; cpu, memory limit for container nginx");
    // the Deployment's own template is left as written
    expect((await getJson(c, ["deployment", "web", "-n", "lr"])).spec.template.spec.containers[0].resources).toEqual({});

    await ok(c, ["apply", "-f", "-"], pod("init", [{ name: "app", image: "nginx:1.27", ...res({ cpu: "200m", memory: "128Mi" }, { cpu: "400m", memory: "128Mi" }) }], [{ name: "setup", image: "busybox:1.36" }]));
    const got = await getJson(c, ["pod", "init", "-n", "lr"]);
    expect(got.spec.initContainers[0].resources).toEqual({ limits: { cpu: "300m", memory: "256Mi" }, requests: { cpu: "150m", memory: "128Mi" } });
    expect(got.metadata.annotations["kubernetes.io/limit-ranger"]).toBe("LimitRanger plugin set: cpu, memory request for init container setup; cpu, memory limit for init container setup");
  });

  it("refuses what breaks the bounds, naming every reason", async () => {
    const many = await kubectl(c, ["apply", "-f", "-"], { input: pod("many", [{ name: "web", image: "nginx:1.27", ...res({ cpu: "250m", memory: "32Mi" }, { cpu: "1", memory: "32Mi" }) }]) });
    expect(many.code).not.toBe(0);
    expect(many.stderr).toContain(
      'Error from server (Forbidden): error when creating "STDIN": pods "many" is forbidden: [minimum memory usage per Container is 64Mi, but request is 32Mi, maximum cpu usage per Container is 500m, but limit is 1, cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000]',
    );
    const ratio = await kubectl(c, ["apply", "-f", "-"], { input: pod("ratio", [{ name: "web", image: "nginx:1.27", ...res({ cpu: "100m" }, { cpu: "500m" }) }]) });
    expect(ratio.stderr).toContain('pods "ratio" is forbidden: cpu max limit to request ratio per Container is 2, but provided ratio is 5.000000');
    const heavy = [0, 1, 2, 3, 4].map((i) => ({ name: `c${i}`, image: "nginx:1.27", ...res({ cpu: "100m", memory: "256Mi" }, { cpu: "100m", memory: "256Mi" }) }));
    const pod5 = await kubectl(c, ["apply", "-f", "-"], { input: pod("heavy", heavy) });
    expect(pod5.stderr).toContain('pods "heavy" is forbidden: maximum memory usage per Pod is 1Gi, but limit is 1280Mi');
    expect((await kubectl(c, ["get", "pods", "many", "ratio", "heavy", "-n", "lr"])).stderr).toContain('pods "many" not found');
  });

  it("holds a claim's request between min and max", async () => {
    const claim = (name: string, storage: string) => stringify({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "lr" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } } });
    const big = await kubectl(c, ["apply", "-f", "-"], { input: claim("big", "5Gi") });
    expect(big.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
    const small = await kubectl(c, ["apply", "-f", "-"], { input: claim("small", "100Mi") });
    expect(small.stderr).toContain('persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 100Mi');
    expect(await ok(c, ["apply", "-f", "-"], claim("fits", "1Gi"))).toContain("persistentvolumeclaim/fits created");
    const described = (await ok(c, ["describe", "limitrange", "bounds", "-n", "lr"])).split("\n").map((l) => l.trim().split(/\s+/).join(" "));
    expect(described).toEqual(expect.arrayContaining(["Container cpu - 500m 150m 300m 2", "Pod memory - 1Gi - - -", "PersistentVolumeClaim storage 1Gi 2Gi - - -"]));
  });
});
