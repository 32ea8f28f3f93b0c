// The cluster's own components, as on kind, through the real kubectl: the control plane's mirror
// pods, kube-proxy and kindnet on every node, CoreDNS behind kube-dns, the local-path
// provisioner; a cluster without kind's CNI whose nodes wait for one; kube-proxy left out.
import { beforeAll, describe, expect, it } from "vitest";
import { advance, eventually, getJson, kubectl, manage, newCluster, ok, request, service, settled, simulate, type TestCluster } from "./helpers";

// any: pods as kubectl prints them in JSON
type Pod = any;

async function systemPods(c: TestCluster): Promise<Pod[]> {
  return (await getJson(c, ["pods", "-n", "kube-system"])).items;
}

const byPrefix = (pods: Pod[], prefix: string) => pods.filter((p) => p.metadata.name.startsWith(prefix));

describe("a default cluster's kube-system", () => {
  let c: TestCluster;
  let cp: string;
  let nodes: string[];
  beforeAll(async () => {
    c = await newCluster("ks");
    await simulate(c, { profile: "instant" });
    // kubeadm's startup probes wait 10 s before the first check; then everything settles.
    await advance(c, 30);
    cp = `${c.name}-control-plane`;
    nodes = [cp, `${c.name}-worker`, `${c.name}-worker2`];
  });

  it("lists kind's pods Running, with kind's names, labels, images and placement", async () => {
    const pods = await systemPods(c);
    const names = pods.map((p) => p.metadata.name);
    for (const comp of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]) expect(names).toContain(`${comp}-${cp}`);
    expect(byPrefix(pods, "coredns-")).toHaveLength(2);
    expect(byPrefix(pods, "kindnet-")).toHaveLength(3);
    expect(byPrefix(pods, "kube-proxy-")).toHaveLength(3);
    expect(pods).toHaveLength(4 + 2 + 3 + 3);
    for (const p of pods) expect([p.metadata.name, p.status.phase]).toEqual([p.metadata.name, "Running"]);
    for (const p of pods) expect([p.metadata.name, p.status.containerStatuses.every((s: { ready: boolean }) => s.ready)]).toEqual([p.metadata.name, true]);

    // A DaemonSet pod on each node, on the node's own address (hostNetwork).
    for (const prefix of ["kindnet-", "kube-proxy-"]) {
      const ds = byPrefix(pods, prefix);
      expect(ds.map((p) => p.spec.nodeName).sort()).toEqual([...nodes].sort());
      for (const p of ds) {
        expect(p.spec.hostNetwork).toBe(true);
        expect(p.status.podIP).toBe(p.status.hostIP);
      }
    }
    const kindnet = byPrefix(pods, "kindnet-")[0];
    expect(kindnet.metadata.labels).toMatchObject({ app: "kindnet", "k8s-app": "kindnet", tier: "node" });
    // the DaemonSet controller's tolerations, with the one for the host network
    expect(kindnet.spec.tolerations).toContainEqual({ key: "node.kubernetes.io/network-unavailable", operator: "Exists", effect: "NoSchedule" });
    expect(kindnet.spec.tolerations).toContainEqual({ operator: "Exists" });
    expect(kindnet.spec.containers[0].image).toMatch(/^docker\.io\/kindest\/kindnetd:v\d{8}-[0-9a-f]{8}$/);
    const proxy = byPrefix(pods, "kube-proxy-")[0];
    expect(proxy.metadata.labels["k8s-app"]).toBe("kube-proxy");
    expect(proxy.spec.priorityClassName).toBe("system-node-critical");
    expect(proxy.spec.containers[0].image).toBe("registry.k8s.io/kube-proxy:v1.32.2");
    expect(proxy.spec.containers[0].command).toEqual(["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"]);

    // The control plane: mirror pods of the kubelet's static pods, owned by the Node.
    const node = await getJson(c, ["node", cp]);
    const nodeIP = node.status.addresses.find((a: { type: string }) => a.type === "InternalIP").address;
    const apiserver = pods.find((p) => p.metadata.name === `kube-apiserver-${cp}`);
    expect(apiserver.metadata.labels).toEqual({ component: "kube-apiserver", tier: "control-plane" });
    expect(apiserver.metadata.ownerReferences).toEqual([{ apiVersion: "v1", kind: "Node", name: cp, uid: node.metadata.uid, controller: true }]);
    const ann = apiserver.metadata.annotations;
    expect(ann["kubernetes.io/config.source"]).toBe("file");
    expect(ann["kubernetes.io/config.mirror"]).toMatch(/^[0-9a-f]{32}$/);
    expect(ann["kubernetes.io/config.hash"]).toBe(ann["kubernetes.io/config.mirror"]);
    expect(ann["kubernetes.io/config.seen"]).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(ann["kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"]).toBe(`${nodeIP}:6443`);
    expect(apiserver.spec.containers[0].command).toContain(`--advertise-address=${nodeIP}`);
    expect(apiserver.spec.containers[0].command).toContain("--service-cluster-ip-range=10.96.0.0/16");
    expect(apiserver.spec.containers[0].image).toBe("registry.k8s.io/kube-apiserver:v1.32.2");
    expect(apiserver.spec.priority).toBe(2000001000);
    expect(apiserver.spec.serviceAccountName).toBeUndefined();
    expect(apiserver.status.podIP).toBe(nodeIP);
    const etcd = pods.find((p) => p.metadata.name === `etcd-${cp}`);
    expect(etcd.spec.containers[0].image).toBe("registry.k8s.io/etcd:3.5.16-0");
    expect(etcd.spec.nodeName).toBe(cp);

    // CoreDNS: not on the host network, preloaded (no pull), system-cluster-critical.
    for (const p of byPrefix(pods, "coredns-")) {
      expect(p.metadata.labels["k8s-app"]).toBe("kube-dns");
      expect(p.spec.hostNetwork).toBeUndefined();
      expect(p.status.podIP).toMatch(/^10\.244\./);
      expect(p.spec.containers[0].image).toBe("registry.k8s.io/coredns/coredns:v1.11.3");
      expect(p.spec.priority).toBe(2000000000);
      // kind installs its CNI on the first control plane before the workers join: CoreDNS lands there.
      expect(p.spec.nodeName).toBe(cp);
    }
    expect(byPrefix(await getJson(c, ["pods", "-n", "local-path-storage"]).then((l) => l.items), "local-path-provisioner-")[0].spec.nodeName).toBe(cp);
    const wide = await ok(c, ["get", "pods", "-n", "kube-system", "-o", "wide"]);
    expect(wide).toMatch(new RegExp(`etcd-${cp}\\s+1/1\\s+Running\\s+0\\s+\\S+\\s+${nodeIP.replace(/\./g, "\\.")}\\s+${cp}`));
    const events = await ok(c, ["get", "events", "-n", "kube-system", "--field-selector", `involvedObject.name=${byPrefix(pods, "coredns-")[0].metadata.name}`]);
    expect(events).toContain("already present on machine");
    expect(events).not.toContain("Pulling image");
  });

  it("reads as kind in get ds,deploy, get all -A, the kube-dns Service, ConfigMaps, describe and logs", async () => {
    const dsDeploy = await ok(c, ["get", "ds,deploy", "-n", "kube-system"]);
    expect(dsDeploy).toMatch(/daemonset\.apps\/kindnet\s+3\s+3\s+3\s+3\s+3\s+kubernetes\.io\/os=linux/);
    expect(dsDeploy).toMatch(/daemonset\.apps\/kube-proxy\s+3\s+3\s+3\s+3\s+3\s+kubernetes\.io\/os=linux/);
    expect(dsDeploy).toMatch(/deployment\.apps\/coredns\s+2\/2\s+2\s+2/);
    const all = await ok(c, ["get", "all", "-A"]);
    expect(all).toMatch(/kube-system\s+service\/kube-dns\s+ClusterIP\s+10\.96\.0\.10\s+<none>\s+53\/UDP,53\/TCP,9153\/TCP/);
    expect(all).toMatch(/local-path-storage\s+deployment\.apps\/local-path-provisioner\s+1\/1\s+1\s+1/);
    expect(all).toMatch(/local-path-storage\s+pod\/local-path-provisioner-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running/);
    const svc = await getJson(c, ["svc", "kube-dns", "-n", "kube-system"]);
    expect(svc.spec.ports.map((p: { name: string; port: number; protocol: string }) => `${p.name}/${p.port}/${p.protocol}`)).toEqual(["dns/53/UDP", "dns-tcp/53/TCP", "metrics/9153/TCP"]);
    expect(svc.metadata.labels).toMatchObject({ "k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS" });

    const corefile = await ok(c, ["get", "cm", "coredns", "-n", "kube-system", "-o", "jsonpath={.data.Corefile}"]);
    expect(corefile).toContain("kubernetes cluster.local in-addr.arpa ip6.arpa");
    const proxyConf = await ok(c, ["get", "cm", "kube-proxy", "-n", "kube-system", "-o", "jsonpath={.data.config\\.conf}"]);
    expect(proxyConf).toMatch(/^mode: iptables$/m);
    const kubeadm = await ok(c, ["get", "cm", "kubeadm-config", "-n", "kube-system", "-o", "jsonpath={.data.ClusterConfiguration}"]);
    expect(kubeadm).toContain(`clusterName: ${c.name}`);
    expect(kubeadm).toContain("serviceSubnet: 10.96.0.0/16");
    expect(await ok(c, ["get", "cm", "kubelet-config", "-n", "kube-system", "-o", "jsonpath={.data.kubelet}"])).toContain("- 10.96.0.10");
    expect(await ok(c, ["get", "cm", "cluster-info", "-n", "kube-public", "-o", "jsonpath={.data.kubeconfig}"])).toContain(`server: https://${c.name}-control-plane:6443`);
    expect(await ok(c, ["get", "sa", "-n", "kube-system", "coredns", "kube-proxy", "kindnet", "-o", "name"])).toBe("serviceaccount/coredns\nserviceaccount/kube-proxy\nserviceaccount/kindnet\n");
    expect(await ok(c, ["get", "clusterrolebinding", "kindnet", "system:coredns", "kubeadm:node-proxier", "local-path-provisioner-bind", "-o", "name"])).toBe(
      "clusterrolebinding.rbac.authorization.k8s.io/kindnet\nclusterrolebinding.rbac.authorization.k8s.io/system:coredns\nclusterrolebinding.rbac.authorization.k8s.io/kubeadm:node-proxier\nclusterrolebinding.rbac.authorization.k8s.io/local-path-provisioner-bind\n",
    );
    expect(await ok(c, ["get", "sa", "-n", "local-path-storage", "local-path-provisioner-service-account", "-o", "name"])).toContain("local-path-provisioner-service-account");
    expect(await ok(c, ["get", "cm", "-n", "local-path-storage", "local-path-config", "-o", "jsonpath={.data.config\\.json}"])).toContain("/var/local-path-provisioner");

    const describe = await ok(c, ["describe", "pod", "-n", "kube-system", `kube-scheduler-${cp}`]);
    expect(describe).toMatch(/Priority Class Name:\s+system-node-critical/);
    expect(describe).toMatch(/Controlled By:\s+Node\/.*control-plane/);
    expect(describe).toMatch(/kubernetes\.io\/config\.source: file/);
    const etcdLog = await ok(c, ["logs", "-n", "kube-system", `etcd-${cp}`]);
    expect(etcdLog).toContain("serving client traffic securely");
    const apiLog = await ok(c, ["logs", "-n", "kube-system", `kube-apiserver-${cp}`]);
    expect(apiLog).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} .*Serving securely on \[::\]:6443$/m);
    const dnsPod = byPrefix(await systemPods(c), "coredns-")[0].metadata.name;
    expect(await ok(c, ["logs", "-n", "kube-system", dnsPod])).toContain("CoreDNS-1.11.3");
  });

  it("brings a deleted static pod's mirror back, and heals a deleted coredns pod", async () => {
    const name = `kube-scheduler-${cp}`;
    const before = await getJson(c, ["pod", "-n", "kube-system", name]);
    await ok(c, ["delete", "pod", "-n", "kube-system", name]);
    await eventually(async () => (await kubectl(c, ["get", "pod", "-n", "kube-system", name])).code === 0);
    const after = await getJson(c, ["pod", "-n", "kube-system", name]);
    expect(after.metadata.uid).not.toBe(before.metadata.uid);
    expect(after.metadata.ownerReferences[0].kind).toBe("Node");
    // The static pod itself kept running: the new mirror shows the same container.
    await eventually(async () => (await getJson(c, ["pod", "-n", "kube-system", name])).status.containerStatuses?.[0]?.containerID !== undefined);
    const shown = (await getJson(c, ["pod", "-n", "kube-system", name])).status.containerStatuses[0];
    expect(shown.containerID).toBe(before.status.containerStatuses[0].containerID);
    expect(shown.state.running.startedAt).toBe(before.status.containerStatuses[0].state.running.startedAt);
    expect(shown.restartCount).toBe(0);

    const dns = byPrefix(await systemPods(c), "coredns-").map((p) => p.metadata.name);
    await ok(c, ["delete", "pod", "-n", "kube-system", dns[0]]);
    await advance(c, 30);
    const now = byPrefix(await systemPods(c), "coredns-");
    expect(now).toHaveLength(2);
    expect(now.map((p) => p.metadata.name)).not.toContain(dns[0]);
    for (const p of now) expect(p.status.phase).toBe("Running");
    expect((await getJson(c, ["pod", "-n", "kube-system", name])).status.phase).toBe("Running");
    expect((await settled(c)).alarm).toBeNull();
  });

  it("runs kube-proxy and kindnet on a node that joins, and drops them when it leaves", async () => {
    const added = await manage("POST", c, "/nodes", { role: "worker" });
    expect(added.status).toBe(201);
    const node = added.json.name as string;
    await advance(c, 5);
    const on = (await systemPods(c)).filter((p) => p.spec.nodeName === node);
    expect(on.map((p) => p.metadata.name.replace(/-[a-z0-9]{5}$/, "")).sort()).toEqual(["kindnet", "kube-proxy"]);
    for (const p of on) expect(p.status.phase).toBe("Running");
    expect((await getJson(c, ["node", node])).status.conditions.find((x: { type: string }) => x.type === "Ready").status).toBe("True");
    expect((await manage("DELETE", c, `/nodes/${node}`)).status).toBe(200);
    await eventually(async () => (await systemPods(c)).every((p) => p.spec.nodeName !== node));
    expect(await ok(c, ["get", "ds", "kindnet", "-n", "kube-system", "-o", "jsonpath={.status.desiredNumberScheduled}"])).toBe("3");
  });

  it("goes idle once everything runs", async () => {
    expect((await settled(c)).alarm).toBeNull();
  });
});

const CALICO_NODE = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: calico-node
  namespace: kube-system
  labels:
    k8s-app: calico-node
spec:
  selector:
    matchLabels:
      k8s-app: calico-node
  template:
    metadata:
      labels:
        k8s-app: calico-node
    spec:
      hostNetwork: true
      tolerations:
      - operator: Exists
      priorityClassName: system-node-critical
      initContainers:
      - name: install-cni
        image: docker.io/calico/cni:v3.29.1
        command: ["/opt/cni/bin/install"]
      containers:
      - name: calico-node
        image: docker.io/calico/node:v3.29.1
        readinessProbe:
          exec:
            command: ["/bin/calico-node", "-felix-ready"]
          periodSeconds: 10
`;

describe("a cluster without kind's CNI, and without kube-proxy", () => {
  let c: TestCluster;
  let cp: string;
  beforeAll(async () => {
    c = await newCluster("kscni", { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", networking: { disableDefaultCNI: true, kubeProxyMode: "none" }, nodes: [{ role: "control-plane" }, { role: "worker" }] });
    await simulate(c, { profile: "instant" });
    await advance(c, 30);
    cp = `${c.name}-control-plane`;
  });

  it("refuses a kubeProxyMode kind does not know, naming the choices", async () => {
    const r = await request("POST", "/v1/clusters?name=ks-bad-mode", { token: service.tenantToken, body: { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", networking: { kubeProxyMode: "userspace" } } });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('networking.kubeProxyMode: invalid kubeProxyMode "userspace": must be one of "iptables", "ipvs", "nftables", "none"');
    const bad = await request("POST", "/v1/clusters?name=ks-bad-cni", { token: service.tenantToken, body: { networking: { disableDefaultCNI: "yes" } } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain("networking.disableDefaultCNI: must be true or false");
  });

  it("has no kindnet and no kube-proxy; the nodes are NotReady with the kubelet's words and CoreDNS waits", async () => {
    const ds = await ok(c, ["get", "ds", "-n", "kube-system", "-o", "name"]);
    expect(ds).toBe("");
    expect((await kubectl(c, ["get", "cm", "kube-proxy", "-n", "kube-system"])).code).not.toBe(0);
    const nodes = (await getJson(c, ["nodes"])).items;
    expect(nodes).toHaveLength(2);
    for (const n of nodes) {
      const ready = n.status.conditions.find((x: { type: string }) => x.type === "Ready");
      expect(ready).toMatchObject({ status: "False", reason: "KubeletNotReady", message: "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized" });
      const taints = n.spec.taints.filter((t: { key: string }) => t.key === "node.kubernetes.io/not-ready").map((t: { effect: string }) => t.effect).sort();
      expect(taints).toEqual(["NoExecute", "NoSchedule"]);
    }
    expect(await ok(c, ["get", "nodes"])).toMatch(new RegExp(`${cp}\\s+NotReady\\s+control-plane`));
    const pods = await systemPods(c);
    const dns = byPrefix(pods, "coredns-");
    expect(dns).toHaveLength(2);
    for (const p of dns) expect(p.status.phase).toBe("Pending");
    expect(await ok(c, ["get", "events", "-n", "kube-system", "--field-selector", `involvedObject.name=${dns[0].metadata.name}`])).toMatch(/FailedScheduling.*untolerated taint.*node\.kubernetes\.io\/not-ready/);
    // The control plane runs on the host network all the same.
    for (const comp of ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]) expect(pods.find((p) => p.metadata.name === `${comp}-${cp}`)?.status.phase).toBe("Running");
    expect(pods).toHaveLength(6);
  });

  it("goes Ready once a calico-node DaemonSet runs, and CoreDNS then runs", async () => {
    await ok(c, ["apply", "-f", "-"], CALICO_NODE);
    await advance(c, 30);
    const calico = byPrefix(await systemPods(c), "calico-node-");
    expect(calico).toHaveLength(2);
    for (const p of calico) expect(p.status.phase).toBe("Running");
    for (const n of (await getJson(c, ["nodes"])).items) {
      expect(n.status.conditions.find((x: { type: string }) => x.type === "Ready")).toMatchObject({ status: "True", reason: "KubeletReady" });
      expect((n.spec.taints ?? []).some((t: { key: string }) => t.key === "node.kubernetes.io/not-ready")).toBe(false);
    }
    expect(await ok(c, ["get", "events", "--field-selector", `involvedObject.name=${cp},reason=NodeReady`])).toContain(`Node ${cp} status is now: NodeReady`);
    const dns = byPrefix(await systemPods(c), "coredns-");
    for (const p of dns) expect([p.metadata.name, p.status.phase]).toEqual([p.metadata.name, "Running"]);
    expect(await ok(c, ["get", "deploy", "coredns", "-n", "kube-system"])).toMatch(/coredns\s+2\/2/);
    expect((await settled(c)).alarm).toBeNull();
  });
});
