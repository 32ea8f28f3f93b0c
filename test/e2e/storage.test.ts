// Storage through real kubectl: kind's `standard` class, a static PV and PVC binding and a pod
// mounting the claim, WaitForFirstConsumer provisioning by the local-path provisioner with the
// PV controller's and provisioner's events, data kept across pods, a claim in use waiting for its
// pod, StatefulSet claims, expansion and its refusals, and the scheduler's and kubelet's words.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { eventually, getJson, kubectl, newCluster, ok, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("storage");
  await simulate(c, { profile: "instant" });
  await ok(c, ["create", "namespace", "st"]);
});

function claim(name: string, extra: Record<string, unknown> = {}, size = "1Gi") {
  return stringify({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name, namespace: "st" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...extra } });
}

function podUsing(name: string, claimName: string, extra: Record<string, unknown> = {}) {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, namespace: "st" },
    spec: {
      containers: [{ name: "app", image: "busybox:1.36", command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] }],
      volumes: [{ name: "data", persistentVolumeClaim: { claimName } }],
      ...extra,
    },
  });
}

async function phase(kind: string, name: string, ns = "st"): Promise<string> {
  return (await getJson(c, [kind, name, ...(kind.startsWith("pv") && kind !== "pvc" ? [] : ["-n", ns])])).status?.phase ?? "";
}

async function events(name: string): Promise<string> {
  return ok(c, ["get", "events", "-n", "st", "--field-selector", `involvedObject.name=${name}`, "-o", "custom-columns=REASON:.reason,FROM:.source.component,MESSAGE:.message", "--no-headers"]);
}

describe("storage", () => {
  it("has kind's default class standard", async () => {
    const table = await ok(c, ["get", "sc"]);
    const [header, row] = table.trim().split("\n");
    expect(header.split(/\s+/)).toEqual(["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION", "AGE"]);
    expect(row).toMatch(/^standard \(default\)\s+rancher\.io\/local-path\s+Delete\s+WaitForFirstConsumer\s+false\s+\S+$/);
  });

  it("binds a static volume to a claim and a pod mounts it", async () => {
    await ok(
      c,
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: "pv-small", labels: { tier: "gold" } },
        spec: { storageClassName: "manual", capacity: { storage: "1Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/mnt/small" } },
      }),
    );
    await ok(
      c,
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "v1",
        kind: "PersistentVolume",
        metadata: { name: "pv-big" },
        spec: { storageClassName: "manual", capacity: { storage: "5Gi" }, accessModes: ["ReadWriteOnce"], hostPath: { path: "/mnt/big" } },
      }),
    );
    await ok(c, ["apply", "-f", "-"], claim("static", { storageClassName: "manual" }, "500Mi"));
    await settled(c);
    // the smallest volume that fits
    const pvc = await getJson(c, ["pvc", "static", "-n", "st"]);
    expect(pvc.status.phase).toBe("Bound");
    expect(pvc.spec.volumeName).toBe("pv-small");
    expect(pvc.metadata.annotations).toMatchObject({ "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" });
    expect(pvc.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    expect(pvc.status.capacity).toEqual({ storage: "1Gi" });
    const pv = await getJson(c, ["pv", "pv-small"]);
    expect(pv.spec.claimRef).toMatchObject({ kind: "PersistentVolumeClaim", namespace: "st", name: "static", uid: pvc.metadata.uid });
    expect(pv.metadata.finalizers).toEqual(["kubernetes.io/pv-protection"]);
    expect(await phase("pv", "pv-big")).toBe("Available");

    const table = await ok(c, ["get", "pv"]);
    expect(table.split("\n")[0].trim().split(/\s+/)).toEqual(["NAME", "CAPACITY", "ACCESS", "MODES", "RECLAIM", "POLICY", "STATUS", "CLAIM", "STORAGECLASS", "VOLUMEATTRIBUTESCLASS", "REASON", "AGE"]);
    expect(table).toMatch(/\npv-small\s+1Gi\s+RWO\s+Retain\s+Bound\s+st\/static\s+manual\s+<unset>\s+\S+/);
    expect(await ok(c, ["get", "pvc", "-n", "st"])).toMatch(/\nstatic\s+Bound\s+pv-small\s+1Gi\s+RWO\s+manual\s+<unset>\s+\S+/);

    await ok(c, ["apply", "-f", "-"], podUsing("static-user", "static"));
    await ok(c, ["wait", "--for=condition=Ready", "pod/static-user", "-n", "st", "--timeout=30s"]);
    await ok(c, ["exec", "-n", "st", "static-user", "--", "sh", "-c", "echo static > /data/f"]);
    expect(await ok(c, ["exec", "-n", "st", "static-user", "--", "cat", "/data/f"])).toBe("static\n");

    const described = await ok(c, ["describe", "pv", "pv-small"]);
    expect(described).toMatch(/Claim:\s+st\/static/);
    expect(described).toMatch(/Reclaim Policy:\s+Retain/);
    expect(described).toMatch(/Type:\s+HostPath/);
  });

  it("keeps a claim on standard Pending until a pod uses it, then provisions on that pod's node", async () => {
    await ok(c, ["apply", "-f", "-"], claim("dynamic"));
    await settled(c);
    expect(await phase("pvc", "dynamic")).toBe("Pending");
    expect((await getJson(c, ["pvc", "dynamic", "-n", "st"])).spec.storageClassName).toBe("standard");
    expect(await events("dynamic")).toMatch(/WaitForFirstConsumer\s+persistentvolume-controller\s+waiting for first consumer to be created before binding/);

    await ok(c, ["apply", "-f", "-"], podUsing("writer", "dynamic"));
    await ok(c, ["wait", "--for=condition=Ready", "pod/writer", "-n", "st", "--timeout=30s"]);
    const pvc = await getJson(c, ["pvc", "dynamic", "-n", "st"]);
    const pod = await getJson(c, ["pod", "writer", "-n", "st"]);
    expect(pvc.status.phase).toBe("Bound");
    expect(pvc.spec.volumeName).toBe(`pvc-${pvc.metadata.uid}`);
    expect(pvc.metadata.annotations["volume.kubernetes.io/selected-node"]).toBe(pod.spec.nodeName);
    expect(pvc.metadata.annotations["volume.kubernetes.io/storage-provisioner"]).toBe("rancher.io/local-path");
    const pv = await getJson(c, ["pv", pvc.spec.volumeName]);
    expect(pv.spec.hostPath.path).toBe(`/var/local-path-provisioner/${pvc.spec.volumeName}_st_dynamic`);
    expect(pv.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0]).toEqual({ key: "kubernetes.io/hostname", operator: "In", values: [pod.spec.nodeName] });
    expect(pv.spec.persistentVolumeReclaimPolicy).toBe("Delete");
    expect(pv.metadata.annotations["pv.kubernetes.io/provisioned-by"]).toBe("rancher.io/local-path");
    const ev = await events("dynamic");
    expect(ev).toMatch(/ExternalProvisioning\s+persistentvolume-controller\s+Waiting for a volume to be created either by the external provisioner 'rancher\.io\/local-path' or manually by the system administrator\. If volume creation is delayed, please verify that the provisioner is running and correctly registered\./);
    expect(ev).toMatch(new RegExp(`Provisioning\\s+rancher\\.io/local-path_local-path-provisioner-\\S+\\s+External provisioner is provisioning volume for claim "st/dynamic"`));
    expect(ev).toMatch(new RegExp(`ProvisioningSucceeded\\s+\\S+\\s+Successfully provisioned volume ${pvc.spec.volumeName}`));

    // what the first pod writes, the next pod on the claim reads
    await ok(c, ["exec", "-n", "st", "writer", "--", "sh", "-c", "echo hi > /data/f"]);
    await ok(c, ["delete", "pod", "writer", "-n", "st", "--grace-period=1", "--wait=true"]);
    await ok(c, ["apply", "-f", "-"], podUsing("reader", "dynamic"));
    await ok(c, ["wait", "--for=condition=Ready", "pod/reader", "-n", "st", "--timeout=30s"]);
    expect((await getJson(c, ["pod", "reader", "-n", "st"])).spec.nodeName).toBe(pod.spec.nodeName);
    expect(await ok(c, ["exec", "-n", "st", "reader", "--", "cat", "/data/f"])).toBe("hi\n");

    const described = await ok(c, ["describe", "pvc", "dynamic", "-n", "st"]);
    expect(described).toMatch(/StorageClass:\s+standard/);
    expect(described).toMatch(/Status:\s+Bound/);
    expect(described).toMatch(/Finalizers:\s+\[kubernetes\.io\/pvc-protection\]/);
    expect(described).toMatch(/Used By:\s+reader/);
  });

  it("keeps a claim in use Terminating until its pod goes, then deletes its provisioned volume", async () => {
    const volume = (await getJson(c, ["pvc", "dynamic", "-n", "st"])).spec.volumeName;
    await ok(c, ["delete", "pvc", "dynamic", "-n", "st", "--wait=false"]);
    await settled(c);
    expect(await ok(c, ["get", "pvc", "dynamic", "-n", "st"])).toMatch(/\ndynamic\s+Terminating\s+/);
    await ok(c, ["delete", "pod", "reader", "-n", "st", "--grace-period=1", "--wait=true"]);
    await eventually(async () => (await kubectl(c, ["get", "pvc", "dynamic", "-n", "st"])).code !== 0);
    await eventually(async () => (await kubectl(c, ["get", "pv", volume])).code !== 0);
  });

  it("releases and keeps a Retain volume when its claim goes", async () => {
    await ok(c, ["delete", "pod", "static-user", "-n", "st", "--grace-period=1", "--wait=true"]);
    await ok(c, ["delete", "pvc", "static", "-n", "st", "--wait=true"]);
    await settled(c);
    expect(await phase("pv", "pv-small")).toBe("Released");
  });

  it("refuses a pod whose claim is missing or unbound, in the scheduler's and the kubelet's words", async () => {
    await ok(c, ["apply", "-f", "-"], podUsing("no-claim", "ghost"));
    await settled(c);
    const pod = await getJson(c, ["pod", "no-claim", "-n", "st"]);
    const cond = pod.status.conditions.find((x: { type: string }) => x.type === "PodScheduled");
    expect(cond.message).toMatch(/^0\/\d+ nodes are available: persistentvolumeclaim "ghost" not found\. preemption: 0\/\d+ nodes are available: \d+ Preemption is not helpful for scheduling\.$/);

    await ok(c, ["apply", "-f", "-"], claim("immediate", { storageClassName: "" }));
    await ok(c, ["apply", "-f", "-"], podUsing("waits", "immediate"));
    await settled(c);
    expect(await events("immediate")).toMatch(/FailedBinding\s+persistentvolume-controller\s+no persistent volumes available for this claim and no storage class is set/);
    const waits = await getJson(c, ["pod", "waits", "-n", "st"]);
    expect(waits.status.conditions.find((x: { type: string }) => x.type === "PodScheduled").message).toMatch(/nodes are available: pod has unbound immediate PersistentVolumeClaims\. preemption:/);

    const node = (await getJson(c, ["nodes"])).items[0].metadata.name;
    await ok(c, ["apply", "-f", "-"], podUsing("direct", "missing", { nodeName: node }));
    await settled(c);
    const mount = await events("direct");
    expect(mount).toMatch(/^FailedMount\s+kubelet\s+/);
    expect(mount).toContain(
      'Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[data]: error processing PVC st/missing: failed to fetch PVC from API server: persistentvolumeclaims "missing" not found',
    );
    expect((await getJson(c, ["pod", "direct", "-n", "st"])).status.containerStatuses[0].state.waiting.reason).toBe("ContainerCreating");
  });

  it("binds the claims of a StatefulSet", async () => {
    await ok(
      c,
      ["apply", "-f", "-"],
      stringify({
        apiVersion: "apps/v1",
        kind: "StatefulSet",
        metadata: { name: "db", namespace: "st" },
        spec: {
          serviceName: "db",
          replicas: 2,
          selector: { matchLabels: { app: "db" } },
          template: { metadata: { labels: { app: "db" } }, spec: { containers: [{ name: "db", image: "busybox:1.36", command: ["sleep", "3600"], volumeMounts: [{ name: "data", mountPath: "/data" }] }] } },
          volumeClaimTemplates: [{ metadata: { name: "data" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } }],
        },
      }),
    );
    await ok(c, ["rollout", "status", "statefulset/db", "-n", "st", "--timeout=60s"]);
    const table = await ok(c, ["get", "pvc", "-n", "st", "-l", "app=db"]);
    expect(table).toMatch(/\ndata-db-0\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard\s+/);
    expect(table).toMatch(/\ndata-db-1\s+Bound\s+pvc-\S+\s+1Gi\s+RWO\s+standard\s+/);
  });

  it("expands a claim only where its class allows", async () => {
    await ok(c, ["apply", "-f", "-"], stringify({ apiVersion: "storage.k8s.io/v1", kind: "StorageClass", metadata: { name: "growable" }, provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true }));
    await ok(c, ["apply", "-f", "-"], claim("grow", { storageClassName: "growable" }));
    await ok(c, ["apply", "-f", "-"], podUsing("grower", "grow"));
    await ok(c, ["wait", "--for=condition=Ready", "pod/grower", "-n", "st", "--timeout=30s"]);
    await ok(c, ["patch", "pvc", "grow", "-n", "st", "-p", '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    await settled(c);
    const grown = await getJson(c, ["pvc", "grow", "-n", "st"]);
    expect(grown.status.capacity.storage).toBe("2Gi");
    expect((await getJson(c, ["pv", grown.spec.volumeName])).spec.capacity.storage).toBe("2Gi");

    const refused = await kubectl(c, ["patch", "pvc", "data-db-0", "-n", "st", "-p", '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}']);
    expect(refused.stderr).toContain('persistentvolumeclaims "data-db-0" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
    const immutable = await kubectl(c, ["patch", "pvc", "immediate", "-n", "st", "-p", '{"spec":{"accessModes":["ReadWriteMany"]}}']);
    expect(immutable.stderr).toContain('The PersistentVolumeClaim "immediate" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims');
  });
});
