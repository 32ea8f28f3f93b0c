// LimitRanger admission through the API: defaults filled into containers and init containers
// (with the kubernetes.io/limit-ranger annotation), and min, max and maxLimitRequestRatio refused
// per Container, per Pod and per PersistentVolumeClaim with the plugin's messages.
import { describe, expect, it } from "vitest";
import { kube, newCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];

const res = (requests?: Record<string, string>, limits?: Record<string, string>) => ({ resources: { ...(requests ? { requests } : {}), ...(limits ? { limits } : {}) } });
const ctr = (name: string, r: Record<string, unknown> = {}) => ({ name, image: "nginx:1.27", ...r });
const pod = (name: string, containers: Record<string, unknown>[], initContainers?: Record<string, unknown>[]) => ({ metadata: { name }, spec: { containers, ...(initContainers ? { initContainers } : {}) } });

async function limits(stub: Stub, name: string, items: Record<string, unknown>[]) {
  expect((await kube(stub, "POST", "/api/v1/namespaces/default/limitranges", { metadata: { name }, spec: { limits: items } })).status).toBe(201);
}
const create = (stub: Stub, body: unknown) => kube(stub, "POST", "/api/v1/namespaces/default/pods", body);

describe("LimitRanger admission", () => {
  it("fills defaults a container does not state, and says so in an annotation", async () => {
    const { stub } = await newCluster();
    await limits(stub, "defaults", [{ type: "Container", default: { cpu: "500m", memory: "256Mi" }, defaultRequest: { cpu: "250m" } }]);
    const made = await create(stub, pod("plain", [ctr("web")], [ctr("init")]));
    expect(made.status).toBe(201);
    // the LimitRange's own defaulting gives memory's default request from its default limit
    expect(made.json.spec.containers[0].resources).toEqual({ limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "250m", memory: "256Mi" } });
    expect(made.json.spec.initContainers[0].resources).toEqual({ limits: { cpu: "500m", memory: "256Mi" }, requests: { cpu: "250m", memory: "256Mi" } });
    expect(made.json.metadata.annotations["kubernetes.io/limit-ranger"]).toBe(
      "LimitRanger plugin set: cpu, memory request for container web; cpu, memory limit for container web; cpu, memory request for init container init; cpu, memory limit for init container init",
    );
    expect(made.json.status.qosClass).toBe("Burstable");

    // a limit the pod states is kept, and its request defaults from it before the LimitRange is asked
    const partial = await create(stub, pod("partial", [ctr("web", res(undefined, { cpu: "1" }))]));
    expect(partial.json.spec.containers[0].resources).toEqual({ limits: { cpu: "1", memory: "256Mi" }, requests: { cpu: "1", memory: "256Mi" } });
    expect(partial.json.metadata.annotations["kubernetes.io/limit-ranger"]).toBe("LimitRanger plugin set: memory request for container web; memory limit for container web");

    const full = await create(stub, pod("full", [ctr("web", res({ cpu: "100m", memory: "64Mi" }, { cpu: "200m", memory: "128Mi" }))]));
    expect(full.json.metadata.annotations?.["kubernetes.io/limit-ranger"]).toBeUndefined();
  });

  it("refuses what breaks min, max or the ratio per Container, with every reason", async () => {
    const { stub } = await newCluster();
    await limits(stub, "bounds", [{ type: "Container", max: { cpu: "500m" }, min: { memory: "64Mi" }, maxLimitRequestRatio: { cpu: "2" } }]);
    const one = await create(stub, pod("one", [ctr("web", res({ cpu: "250m", memory: "32Mi" }, { cpu: "500m", memory: "32Mi" }))]));
    expect(one.status).toBe(403);
    expect(one.json).toMatchObject({ reason: "Forbidden", message: 'pods "one" is forbidden: minimum memory usage per Container is 64Mi, but request is 32Mi' });
    const many = await create(stub, pod("many", [ctr("web", res({ cpu: "250m", memory: "128Mi" }, { cpu: "1", memory: "128Mi" }))]));
    expect(many.json.message).toBe('pods "many" is forbidden: [maximum cpu usage per Container is 500m, but limit is 1, cpu max limit to request ratio per Container is 2, but provided ratio is 4.000000]');
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods/many")).status).toBe(404);
    // max's default limit (500m) and request (from it) fit
    const fits = await create(stub, pod("fits", [ctr("web", res({ memory: "64Mi" }))]));
    expect(fits.status).toBe(201);
    expect(fits.json.spec.containers[0].resources).toEqual({ limits: { cpu: "500m" }, requests: { cpu: "500m", memory: "64Mi" } });
  });

  it("holds a pod's total to the Pod item, and a claim's request to the PersistentVolumeClaim item", async () => {
    const { stub } = await newCluster();
    await limits(stub, "pod", [{ type: "Pod", max: { cpu: "1" } }]);
    const two = [ctr("a", res({ cpu: "500m" }, { cpu: "750m" })), ctr("b", res({ cpu: "500m" }, { cpu: "750m" }))];
    const refused = await create(stub, pod("two", two));
    expect(refused.json.message).toBe('pods "two" is forbidden: maximum cpu usage per Pod is 1, but limit is 1500m');
    const none = await create(stub, pod("none", [ctr("a")]));
    expect(none.json.message).toBe('pods "none" is forbidden: maximum cpu usage per Pod is 1.  No limit is specified');

    await limits(stub, "claims", [{ type: "PersistentVolumeClaim", min: { storage: "1Gi" }, max: { storage: "2Gi" } }]);
    const claim = (name: string, storage: string) => ({ metadata: { name }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage } } } });
    const big = await kube(stub, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("big", "5Gi"));
    expect(big.status).toBe(403);
    expect(big.json.message).toBe('persistentvolumeclaims "big" is forbidden: maximum storage usage per PersistentVolumeClaim is 2Gi, but request is 5Gi');
    const small = await kube(stub, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("small", "500Mi"));
    expect(small.json.message).toBe('persistentvolumeclaims "small" is forbidden: minimum storage usage per PersistentVolumeClaim is 1Gi, but request is 500Mi');
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/persistentvolumeclaims", claim("ok", "1Gi"))).status).toBe(201);
    await settle(stub);
  });
});
