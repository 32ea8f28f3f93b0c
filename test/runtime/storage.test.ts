// The PV controller inside the cluster object: static matching (fewest access modes, then the
// smallest that fits; selector, volume mode, volumeName), the two-way bind and its annotations,
// phases through Released under each reclaim policy, admission's default class, finalizers and
// the spec's immutability, the events of claims that cannot bind, and the local-path provisioner
// (WaitForFirstConsumer, the pvc-<uid> volume on the pod's node, expansion where the class allows).
import { describe, expect, it } from "vitest";
import { kube, newCluster, newSettledCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];

const pv = (name: string, size: string, extra: Record<string, unknown> = {}, labels?: Record<string, string>) => ({
  metadata: { name, ...(labels ? { labels } : {}) },
  spec: { storageClassName: "manual", capacity: { storage: size }, accessModes: ["ReadWriteOnce"], hostPath: { path: `/mnt/${name}` }, ...extra },
});
const claim = (name: string, size: string, extra: Record<string, unknown> = {}) => ({
  metadata: { name },
  spec: { storageClassName: "manual", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: size } }, ...extra },
});

async function create(stub: Stub, kind: "pv" | "pvc", body: unknown) {
  const path = kind === "pv" ? "/api/v1/persistentvolumes" : "/api/v1/namespaces/default/persistentvolumeclaims";
  const r = await kube(stub, "POST", path, body);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  return r.json;
}
const getPv = async (stub: Stub, name: string) => (await kube(stub, "GET", `/api/v1/persistentvolumes/${name}`)).json;
const getClaim = async (stub: Stub, name: string) => (await kube(stub, "GET", `/api/v1/namespaces/default/persistentvolumeclaims/${name}`)).json;
async function eventsOf(stub: Stub, name: string): Promise<{ reason: string; message: string; type: string }[]> {
  return (await kube(stub, "GET", `/api/v1/namespaces/default/events?fieldSelector=involvedObject.name=${name}`)).json.items;
}

describe("persistent volume binder", () => {
  it("binds each claim to the volume that fits it best, both ways", async () => {
    const { stub } = await newCluster();
    await create(stub, "pv", pv("small", "1Gi"));
    await create(stub, "pv", pv("large", "5Gi"));
    await create(stub, "pv", pv("shared", "2Gi", { accessModes: ["ReadWriteOnce", "ReadWriteMany"] }));
    await create(stub, "pv", pv("gold", "10Gi", {}, { tier: "gold" }));
    await create(stub, "pv", pv("block", "1Gi", { volumeMode: "Block" }));
    await settle(stub);
    expect((await getPv(stub, "small")).status.phase).toBe("Available");

    // 1.5Gi RWO: "shared" is smaller but carries an extra mode; the volumes with one mode come first
    await create(stub, "pvc", claim("a", "1500Mi"));
    await create(stub, "pvc", claim("b", "1Gi", { accessModes: ["ReadWriteMany"] }));
    await create(stub, "pvc", claim("c", "1Gi", { selector: { matchLabels: { tier: "gold" } } }));
    await create(stub, "pvc", claim("d", "1Gi", { volumeMode: "Block" }));
    await create(stub, "pvc", claim("e", "100Mi", { volumeName: "small" }));
    await settle(stub);
    const bound = async (name: string) => (await getClaim(stub, name)).spec.volumeName;
    expect(await bound("a")).toBe("large");
    expect(await bound("b")).toBe("shared");
    expect(await bound("c")).toBe("gold");
    expect(await bound("d")).toBe("block");
    expect(await bound("e")).toBe("small");

    const a = await getClaim(stub, "a");
    expect(a.status).toEqual({ phase: "Bound", accessModes: ["ReadWriteOnce"], capacity: { storage: "5Gi" } });
    expect(a.metadata.annotations).toEqual({ "pv.kubernetes.io/bind-completed": "yes", "pv.kubernetes.io/bound-by-controller": "yes" });
    expect(a.metadata.finalizers).toEqual(["kubernetes.io/pvc-protection"]);
    // a claim that named its volume was not bound by the controller
    expect((await getClaim(stub, "e")).metadata.annotations).toEqual({ "pv.kubernetes.io/bind-completed": "yes" });
    const large = await getPv(stub, "large");
    expect(large.status.phase).toBe("Bound");
    expect(large.spec.claimRef).toMatchObject({ kind: "PersistentVolumeClaim", namespace: "default", name: "a", uid: a.metadata.uid, apiVersion: "v1" });
    expect(large.metadata.annotations).toEqual({ "pv.kubernetes.io/bound-by-controller": "yes" });
    expect(large.metadata.finalizers).toEqual(["kubernetes.io/pv-protection"]);
    // the Retain default for volumes made by hand
    expect(large.spec.persistentVolumeReclaimPolicy).toBe("Retain");

    // nothing left that fits: the class has no StorageClass object to provision from
    await create(stub, "pvc", claim("f", "50Gi"));
    await settle(stub);
    expect((await getClaim(stub, "f")).status.phase).toBe("Pending");
    expect((await eventsOf(stub, "f")).map((e) => [e.type, e.reason, e.message])).toContainEqual(["Warning", "ProvisioningFailed", 'storageclass.storage.k8s.io "manual" not found']);

    // no class at all
    await create(stub, "pvc", claim("g", "1Gi", { storageClassName: "" }));
    await settle(stub);
    expect((await eventsOf(stub, "g")).map((e) => [e.reason, e.message])).toContainEqual(["FailedBinding", "no persistent volumes available for this claim and no storage class is set"]);
  });

  it("moves released volumes by their reclaim policy", async () => {
    const { stub } = await newCluster();
    await create(stub, "pv", pv("keep", "1Gi"));
    await create(stub, "pv", pv("drop", "1Gi", { persistentVolumeReclaimPolicy: "Delete", storageClassName: "del" }));
    await create(stub, "pv", pv("tmp", "1Gi", { persistentVolumeReclaimPolicy: "Delete", storageClassName: "tmp", hostPath: { path: "/tmp/scratch" } }));
    await create(stub, "pv", pv("again", "1Gi", { persistentVolumeReclaimPolicy: "Recycle", storageClassName: "rec" }));
    await create(stub, "pvc", claim("k", "1Gi"));
    await create(stub, "pvc", claim("d", "1Gi", { storageClassName: "del" }));
    await create(stub, "pvc", claim("t", "1Gi", { storageClassName: "tmp" }));
    await create(stub, "pvc", claim("r", "1Gi", { storageClassName: "rec" }));
    await settle(stub);
    for (const n of ["keep", "drop", "tmp", "again"]) expect((await getPv(stub, n)).status.phase).toBe("Bound");
    for (const n of ["k", "d", "t", "r"]) expect((await kube(stub, "DELETE", `/api/v1/namespaces/default/persistentvolumeclaims/${n}`)).status).toBe(200);
    await settle(stub);
    for (const n of ["k", "d", "t", "r"]) expect((await kube(stub, "GET", `/api/v1/namespaces/default/persistentvolumeclaims/${n}`)).status).toBe(404);

    expect((await getPv(stub, "keep")).status.phase).toBe("Released");
    const drop = await getPv(stub, "drop");
    expect(drop.status).toMatchObject({ phase: "Failed", message: "host_path deleter only supports /tmp/.+ but received provided /mnt/drop" });
    expect((await eventsOf(stub, "drop")).map((e) => [e.type, e.reason])).toContainEqual(["Warning", "VolumeFailedDelete"]);
    expect((await kube(stub, "GET", "/api/v1/persistentvolumes/tmp")).status).toBe(404);
    const again = await getPv(stub, "again");
    expect(again.status.phase).toBe("Available");
    expect(again.spec.claimRef).toBeUndefined();

    // a Released volume keeps its claimRef: a new claim of the same name does not get it
    await create(stub, "pvc", claim("k", "1Gi"));
    await settle(stub);
    expect((await getClaim(stub, "k")).status.phase).toBe("Pending");
    // a bound volume being deleted waits for its claim (pv-protection), then goes
    await create(stub, "pv", pv("held", "1Gi", { storageClassName: "held" }));
    await create(stub, "pvc", claim("h", "1Gi", { storageClassName: "held" }));
    await settle(stub);
    await kube(stub, "DELETE", "/api/v1/persistentvolumes/held");
    await settle(stub);
    const held = await getPv(stub, "held");
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    expect(held.status.phase).toBe("Bound");
    await kube(stub, "DELETE", "/api/v1/namespaces/default/persistentvolumeclaims/h");
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/persistentvolumes/held")).status).toBe(404);
  });

  it("gives claims the default class and keeps their spec as made", async () => {
    const { stub } = await newCluster();
    const made = await create(stub, "pvc", { metadata: { name: "plain" }, spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
    expect(made.spec.storageClassName).toBe("standard");
    await settle(stub);
    expect((await eventsOf(stub, "plain")).map((e) => [e.reason, e.message])).toContainEqual(["WaitForFirstConsumer", "waiting for first consumer to be created before binding"]);
    const changed = await kube(stub, "PATCH", "/api/v1/namespaces/default/persistentvolumeclaims/plain", { spec: { storageClassName: "other" } }, { contentType: "application/merge-patch+json" });
    expect(changed.status).toBe(422);
    expect(changed.json.message).toBe(
      'PersistentVolumeClaim "plain" is invalid: spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims\n' +
        '  core.PersistentVolumeClaimSpec{\n  \t... // 2 identical fields\n  \tResources:        {Requests: {s"storage": {i: {...}, s: "1Gi", Format: "BinarySI"}}},\n  \tVolumeName:       "",\n- \tStorageClassName: &"standard",\n+ \tStorageClassName: &"other",\n  \tVolumeMode:       &"Filesystem",\n  \tDataSource:       nil,\n  \t... // 2 identical fields\n  }\n',
    );
  });

  it("provisions a WaitForFirstConsumer claim on its first pod's node, and grows it where the class allows", async () => {
    const { stub } = await newSettledCluster({ name: "lp", nodes: [{ role: "control-plane" }, { role: "worker" }, { role: "worker" }] });
    const cls = await kube(stub, "POST", "/apis/storage.k8s.io/v1/storageclasses", { metadata: { name: "growable" }, provisioner: "rancher.io/local-path", volumeBindingMode: "WaitForFirstConsumer", allowVolumeExpansion: true });
    expect(cls.status).toBe(201);
    const made = await create(stub, "pvc", { metadata: { name: "data" }, spec: { storageClassName: "growable", accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } } });
    await settle(stub);
    expect((await getClaim(stub, "data")).status.phase).toBe("Pending");
    const pod = { metadata: { name: "user" }, spec: { containers: [{ name: "c", image: "busybox", volumeMounts: [{ name: "d", mountPath: "/data" }] }], volumes: [{ name: "d", persistentVolumeClaim: { claimName: "data" } }] } };
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", pod)).status).toBe(201);
    await settle(stub);
    const node = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/user")).json.spec.nodeName as string;
    expect(node).toMatch(/^lp-worker2?$/);
    const bound = await getClaim(stub, "data");
    expect(bound.status.phase).toBe("Bound");
    expect(bound.spec.volumeName).toBe(`pvc-${made.metadata.uid}`);
    expect(bound.metadata.annotations["volume.kubernetes.io/selected-node"]).toBe(node);
    const volume = await getPv(stub, bound.spec.volumeName);
    expect(volume.status.phase).toBe("Bound");
    expect(volume.spec.claimRef).toMatchObject({ namespace: "default", name: "data", uid: made.metadata.uid });
    expect(volume.spec.nodeAffinity.required.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: "kubernetes.io/hostname", operator: "In", values: [node] }] }]);
    expect(volume.spec.capacity.storage).toBe("1Gi");
    const reasons = (await eventsOf(stub, "data")).map((e) => e.reason);
    expect(reasons).toEqual(expect.arrayContaining(["WaitForFirstConsumer", "ExternalProvisioning", "Provisioning", "ProvisioningSucceeded"]));

    // A second pod on the claim goes where the volume is.
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/pods", { ...pod, metadata: { name: "second" } })).status).toBe(201);
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/pods/second")).json.spec.nodeName).toBe(node);

    const grow = await kube(stub, "PATCH", "/api/v1/namespaces/default/persistentvolumeclaims/data", { spec: { resources: { requests: { storage: "3Gi" } } } }, { contentType: "application/merge-patch+json" });
    expect(grow.status).toBe(200);
    await settle(stub);
    expect((await getClaim(stub, "data")).status.capacity.storage).toBe("3Gi");
    expect((await getPv(stub, bound.spec.volumeName)).spec.capacity.storage).toBe("3Gi");
    // Shrinking is refused, and changes nothing.
    const shrink = await kube(stub, "PATCH", "/api/v1/namespaces/default/persistentvolumeclaims/data", { spec: { resources: { requests: { storage: "1Gi" } } } }, { contentType: "application/merge-patch+json" });
    expect(shrink.status).toBe(422);
    expect(shrink.json.message).toContain("spec.resources.requests.storage: Forbidden: field can not be less than status.capacity");
    expect((await getClaim(stub, "data")).spec.resources.requests.storage).toBe("3Gi");
  });
});
