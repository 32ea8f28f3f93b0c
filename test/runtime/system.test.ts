// The cluster's own components inside the runtime: kubeadm's and kind's addons as data, the
// control plane's mirror pods following control-plane nodes, and node readiness following the
// CNI (pods that need the pod network wait for it; hostNetwork pods run on the node's address).
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ClusterObject } from "../../worker/cluster/object";
import type { Store } from "../../worker/cluster/store/store";
import { CONTROL_PLANE_COMPONENTS, mirrorPod } from "../../worker/cluster/addons/controlPlane";
import { dnsServiceIP, kubeSystemAddons } from "../../worker/cluster/addons/kubeSystem";
import { componentImages } from "../../worker/cluster/addons/versions";
import { ConfigError, parseClusterConfig } from "../../worker/service/clusterConfig";
import { kube, newCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];

// any: objects as the API answers them
async function list(stub: Stub, path: string): Promise<any[]> {
  return (await kube(stub, "GET", path)).json.items;
}

async function ready(stub: Stub, node: string): Promise<{ status: string; reason: string; message: string }> {
  const n = (await kube(stub, "GET", `/api/v1/nodes/${node}`)).json;
  return n.status.conditions.find((c: { type: string }) => c.type === "Ready");
}

describe("kind's addons as data", () => {
  it("follows the kind config: no kindnet without the default CNI, no kube-proxy in mode none", () => {
    const names = (text: string) => kubeSystemAddons(parseClusterConfig(text, "a")).map((a) => `${a.object.kind}/${a.object.metadata?.name}`);
    const all = names("{}");
    expect(all).toEqual(expect.arrayContaining(["DaemonSet/kindnet", "DaemonSet/kube-proxy", "Deployment/coredns", "Service/kube-dns", "ConfigMap/kube-proxy", "Namespace/local-path-storage", "Deployment/local-path-provisioner"]));
    const bare = names(JSON.stringify({ networking: { disableDefaultCNI: true, kubeProxyMode: "none" } }));
    expect(bare).not.toContain("DaemonSet/kindnet");
    expect(bare).not.toContain("ServiceAccount/kindnet");
    expect(bare).not.toContain("DaemonSet/kube-proxy");
    expect(bare).not.toContain("ConfigMap/kube-proxy");
    expect(bare).toContain("Deployment/coredns");
    const ipvs = kubeSystemAddons(parseClusterConfig(JSON.stringify({ networking: { kubeProxyMode: "ipvs" } }), "a")).find((a) => a.object.metadata?.name === "kube-proxy" && a.object.kind === "ConfigMap");
    expect((ipvs!.object as unknown as { data: Record<string, string> }).data["config.conf"]).toMatch(/^mode: ipvs$/m);
  });

  it("puts kube-dns at the 10th address of the service subnet and names each version's images", () => {
    expect(dnsServiceIP(parseClusterConfig("{}", "a"))).toBe("10.96.0.10");
    expect(dnsServiceIP(parseClusterConfig(JSON.stringify({ networking: { serviceSubnet: "10.100.0.0/16" } }), "a"))).toBe("10.100.0.10");
    const v129 = componentImages("v1.29.4");
    expect(v129.etcd).toBe("registry.k8s.io/etcd:3.5.10-0");
    expect(v129.coredns).toBe("registry.k8s.io/coredns/coredns:v1.11.1");
    expect(v129.apiserver).toBe("registry.k8s.io/kube-apiserver:v1.29.4");
    expect(componentImages("v1.33.1").kindnetd).toBe("docker.io/kindest/kindnetd:v20250512-df8de77b");
  });

  it("validates the kind config's networking fields with clear errors", () => {
    expect(() => parseClusterConfig(JSON.stringify({ networking: { kubeProxyMode: "IPTABLES" } }), "a")).toThrow(ConfigError);
    expect(() => parseClusterConfig(JSON.stringify({ networking: { kubeProxyMode: 1 } }), "a")).toThrow(/networking\.kubeProxyMode: invalid kubeProxyMode 1/);
    expect(() => parseClusterConfig(JSON.stringify({ networking: { disableDefaultCNI: 1 } }), "a")).toThrow(/networking\.disableDefaultCNI: must be true or false/);
    const c = parseClusterConfig("{}", "a");
    expect(c.networking.kubeProxyMode).toBe("iptables");
    expect(c.networking.disableDefaultCNI).toBe(false);
  });

  it("hashes a static pod's manifest stably, and differently for another node address", () => {
    const config = parseClusterConfig("{}", "a");
    const node = { name: "a-control-plane", ip: "172.18.0.2", uid: "u" };
    const one = mirrorPod("kube-apiserver", config, node, "t1");
    const two = mirrorPod("kube-apiserver", config, node, "t2");
    const other = mirrorPod("kube-apiserver", config, { ...node, ip: "172.18.0.3" }, "t1");
    const hash = (p: typeof one) => p.metadata.annotations!["kubernetes.io/config.hash"];
    expect(hash(one)).toBe(hash(two));
    expect(hash(one)).not.toBe(hash(other));
    expect(one.spec!.containers[0].command).toContain("--advertise-address=172.18.0.2");
  });
});

describe("kube-system in a running cluster", () => {
  it("runs the control plane, kube-proxy, kindnet and CoreDNS from preloaded images, then goes idle", async () => {
    const { stub } = await newCluster();
    await stub.simulate({ profile: "instant" });
    await stub.moveClock({ advanceSeconds: 30 });
    await settle(stub);
    const pods = await list(stub, "/api/v1/namespaces/kube-system/pods");
    expect(pods).toHaveLength(4 + 2 + 3 + 3);
    for (const p of pods) expect([p.metadata.name, p.status.phase]).toEqual([p.metadata.name, "Running"]);
    const info = await stub.info();
    expect(info.alarm).toBeNull();
    expect(info.timers).toEqual([]);
  });

  it("posts a control-plane node's static pods when it joins, and they go with it", async () => {
    const { stub } = await newCluster();
    await stub.simulate({ profile: "instant" });
    const added = await stub.addNode({ role: "control-plane" });
    expect(added.ok).toBe(true);
    const node = added.ok ? added.value.name : "";
    await stub.moveClock({ advanceSeconds: 30 });
    await settle(stub);
    const mine = (await list(stub, "/api/v1/namespaces/kube-system/pods")).filter((p) => p.spec.nodeName === node);
    const mirrors = mine.filter((p) => p.metadata.annotations?.["kubernetes.io/config.mirror"]);
    expect(mirrors.map((p) => p.metadata.name).sort()).toEqual(CONTROL_PLANE_COMPONENTS.map((c) => `${c}-${node}`).sort());
    expect(mirrors.every((p) => p.status.phase === "Running" && p.metadata.ownerReferences[0].name === node)).toBe(true);
    // A deleted mirror pod is posted again over the same running container.
    const etcd = `etcd-${node}`;
    const before = (await kube(stub, "GET", `/api/v1/namespaces/kube-system/pods/${etcd}`)).json;
    expect((await kube(stub, "DELETE", `/api/v1/namespaces/kube-system/pods/${etcd}`)).status).toBe(200);
    await settle(stub);
    const after = (await kube(stub, "GET", `/api/v1/namespaces/kube-system/pods/${etcd}`)).json;
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(after.status.containerStatuses[0].containerID).toBe(before.status.containerStatuses[0].containerID);
    const rows = await runInDurableObject(stub, (o: ClusterObject) => (o as unknown as { store: Store }).store.sqlStorage.exec("SELECT uid FROM pod_runtime WHERE node = ?", node).toArray().length);
    expect(rows).toBe(6);
    expect((await stub.removeNode(node)).ok).toBe(true);
    await settle(stub);
    expect((await list(stub, "/api/v1/namespaces/kube-system/pods")).filter((p) => p.spec.nodeName === node)).toEqual([]);
    // Its static pods' containers went with it.
    expect(await runInDurableObject(stub, (o: ClusterObject) => (o as unknown as { store: Store }).store.sqlStorage.exec("SELECT uid FROM pod_runtime WHERE node = ?", node).toArray().length)).toBe(0);
  });

  it("keeps a pod that needs the pod network waiting until a CNI agent runs on its node", async () => {
    const { stub } = await newCluster({ name: "test", networking: { disableDefaultCNI: true } });
    await stub.simulate({ profile: "instant" });
    await settle(stub);
    const node = "test-control-plane";
    expect(await ready(stub, node)).toMatchObject({ status: "False", reason: "KubeletNotReady" });
    // A pod that tolerates the not-ready node is bound there, but the kubelet cannot start it.
    await kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name: "web" }, spec: { nodeName: node, tolerations: [{ operator: "Exists" }], containers: [{ name: "web", image: "nginx:1.27" }] } });
    await settle(stub);
    let web = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/web")).json;
    expect(web.status.phase).toBe("Pending");
    expect(web.status.podIP).toBeUndefined();
    expect(web.status.containerStatuses[0].state).toEqual({ waiting: { reason: "ContainerCreating" } });
    expect(web.status.conditions.find((c: { type: string }) => c.type === "PodReadyToStartContainers").status).toBe("False");
    const events = await list(stub, "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dweb");
    expect(events.map((e) => `${e.reason}: ${e.message}`)).toContain(
      "NetworkNotReady: network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
    );
    // flannel's agent on the host network: it runs, on the node's own address, and the node goes Ready.
    await kube(stub, "POST", "/api/v1/namespaces/kube-system/pods", {
      metadata: { name: "kube-flannel" },
      spec: { nodeName: node, hostNetwork: true, tolerations: [{ operator: "Exists" }], containers: [{ name: "kube-flannel", image: "ghcr.io/flannel-io/flannel:v0.26.1", command: ["/opt/bin/flanneld"], args: ["--ip-masq", "--kube-subnet-mgr"] }] },
    });
    await settle(stub);
    const flannel = (await kube(stub, "GET", "/api/v1/namespaces/kube-system/pods/kube-flannel")).json;
    expect(flannel.status.phase).toBe("Running");
    expect(flannel.status.podIP).toBe(flannel.status.hostIP);
    expect(await ready(stub, node)).toMatchObject({ status: "True", reason: "KubeletReady" });
    const n = (await kube(stub, "GET", `/api/v1/nodes/${node}`)).json;
    expect((n.spec.taints ?? []).filter((t: { key: string }) => t.key === "node.kubernetes.io/not-ready")).toEqual([]);
    web = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/web")).json;
    expect(web.status.phase).toBe("Running");
    expect(web.status.podIP).toMatch(/^10\.244\.0\.\d+$/);
    // The CNI's config stays when its agent goes: the node stays Ready.
    await kube(stub, "DELETE", "/api/v1/namespaces/kube-system/pods/kube-flannel?gracePeriodSeconds=0");
    await settle(stub);
    expect((await ready(stub, node)).status).toBe("True");
  });
});
