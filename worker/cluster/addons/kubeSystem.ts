// What `kubeadm init` and `kind create cluster` put into a new cluster besides the control plane:
// kubeadm's ConfigMaps (kubeadm-config, kubelet-config, cluster-info), its addons (kube-proxy,
// CoreDNS and the kube-dns Service), and kind's own manifests (kindnet, the local-path
// provisioner). Each is plain data built from the cluster's config; bootstrap creates them
// through the API server, in this order.
import type { ClusterConfig } from "../config";
import { nthAddress, parseCidr } from "../machinery/cidr";
import type { KObject } from "../resources/define";
import { configmaps } from "../resources/configmap";
import { daemonSets } from "../resources/daemonset";
import { deployments } from "../resources/deployment";
import { namespaces } from "../resources/namespace";
import { services } from "../resources/service";
import { serviceaccounts } from "../resources/serviceaccount";
import { clusterRoles } from "../resources/clusterrole";
import { clusterRoleBindings } from "../resources/clusterrolebinding";
import { roles } from "../resources/role";
import { roleBindings } from "../resources/rolebinding";
import { storageClasses } from "../resources/storageclass";
import type { ResourceDef } from "../resources/define";
import { componentImages, minorOf } from "./versions";

export interface Addon {
  kind: ResourceDef;
  namespace: string;
  object: KObject;
  /** Who wrote it: kubeadm's phases, or kind's `kubectl create -f`. */
  manager: "kubeadm" | "kubectl-create";
}

export const LOCAL_PATH_NAMESPACE = "local-path-storage";

/** The kube-dns Service's address: the 10th of the service subnet (10.96.0.10). */
export function dnsServiceIP(config: ClusterConfig): string {
  return nthAddress(parseCidr(config.networking.serviceSubnet)!, 10);
}

function corefile(): string {
  return `.:53 {
    errors
    health {
       lameduck 5s
    }
    ready
    kubernetes cluster.local in-addr.arpa ip6.arpa {
       pods insecure
       fallthrough in-addr.arpa ip6.arpa
       ttl 30
    }
    prometheus :9153
    forward . /etc/resolv.conf {
       max_concurrent 1000
    }
    cache 30 {
       disable success cluster.local
       disable denial cluster.local
    }
    loop
    reload
    loadbalance
}
`;
}

function controlPlaneEndpoint(config: ClusterConfig): string {
  return `${config.name}-control-plane:6443`;
}

function kubeadmApi(config: ClusterConfig): string {
  return minorOf(config.kubernetesVersion) >= 31 ? "kubeadm.k8s.io/v1beta4" : "kubeadm.k8s.io/v1beta3";
}

function clusterConfiguration(config: ClusterConfig): string {
  const v4 = kubeadmApi(config).endsWith("v1beta4");
  // v1beta4 lists extra arguments as name/value pairs; v1beta3 as a map.
  const args = (pairs: [string, string][]) => (v4 ? pairs.map(([k, v]) => `  - name: ${k}\n    value: "${v}"`).join("\n") : pairs.map(([k, v]) => `    ${k}: "${v}"`).join("\n"));
  return `apiServer:
  certSANs:
  - localhost
  - 127.0.0.1
  extraArgs:
${args([["runtime-config", ""]])}
apiVersion: ${kubeadmApi(config)}
${v4 ? "caCertificateValidityPeriod: 87600h0m0s\ncertificateValidityPeriod: 8760h0m0s\n" : ""}certificatesDir: /etc/kubernetes/pki
clusterName: ${config.name}
controlPlaneEndpoint: ${controlPlaneEndpoint(config)}
controllerManager:
  extraArgs:
${args([["enable-hostpath-provisioner", "true"]])}
dns: {}
${v4 ? "encryptionAlgorithm: RSA-2048\n" : ""}etcd:
  local:
    dataDir: /var/lib/etcd
imageRepository: registry.k8s.io
kind: ClusterConfiguration
kubernetesVersion: ${config.kubernetesVersion}
networking:
  dnsDomain: cluster.local
  podSubnet: ${config.networking.podSubnet}
  serviceSubnet: ${config.networking.serviceSubnet}
proxy: {}
scheduler: {}
`;
}

function kubeletConfiguration(config: ClusterConfig): string {
  return `apiVersion: kubelet.config.k8s.io/v1beta1
authentication:
  anonymous:
    enabled: false
  webhook:
    cacheTTL: 0s
    enabled: true
  x509:
    clientCAFile: /etc/kubernetes/pki/ca.crt
authorization:
  mode: Webhook
  webhook:
    cacheAuthorizedTTL: 0s
    cacheUnauthorizedTTL: 0s
cgroupDriver: systemd
cgroupRoot: /kubelet
clusterDNS:
- ${dnsServiceIP(config)}
clusterDomain: cluster.local
containerRuntimeEndpoint: ""
cpuManagerReconcilePeriod: 0s
evictionHard:
  imagefs.available: 0%
  nodefs.available: 0%
  nodefs.inodesFree: 0%
evictionPressureTransitionPeriod: 0s
failSwapOn: false
fileCheckFrequency: 0s
healthzBindAddress: 127.0.0.1
healthzPort: 10248
httpCheckFrequency: 0s
imageGCHighThresholdPercent: 100
imageMaximumGCAge: 0s
imageMinimumGCAge: 0s
kind: KubeletConfiguration
logging:
  flushFrequency: 0
  options:
    json:
      infoBufferSize: "0"
    text:
      infoBufferSize: "0"
  verbosity: 0
memorySwap: {}
nodeStatusReportFrequency: 0s
nodeStatusUpdateFrequency: 0s
rotateCertificates: true
runtimeRequestTimeout: 0s
shutdownGracePeriod: 0s
shutdownGracePeriodCriticalPods: 0s
staticPodPath: /etc/kubernetes/manifests
streamingConnectionIdleTimeout: 0s
syncFrequency: 0s
volumeStatsAggPeriod: 0s
`;
}

function kubeProxyConfiguration(config: ClusterConfig): string {
  const mode = config.networking.kubeProxyMode;
  return `apiVersion: kubeproxy.config.k8s.io/v1alpha1
bindAddress: 0.0.0.0
bindAddressHardFail: false
clientConnection:
  acceptContentTypes: ""
  burst: 0
  contentType: ""
  kubeconfig: /var/lib/kube-proxy/kubeconfig.conf
  qps: 0
clusterCIDR: ${config.networking.podSubnet}
configSyncPeriod: 0s
conntrack:
  maxPerCore: 0
  min: null
  tcpBeLiberal: ${mode === "nftables"}
  tcpCloseWaitTimeout: null
  tcpEstablishedTimeout: null
  udpStreamTimeout: 0s
  udpTimeout: 0s
detectLocalMode: ""
enableProfiling: false
healthzBindAddress: ""
hostnameOverride: ""
iptables:
  localhostNodePorts: null
  masqueradeAll: false
  masqueradeBit: null
  minSyncPeriod: 1s
  syncPeriod: 0s
ipvs:
  excludeCIDRs: null
  minSyncPeriod: 0s
  scheduler: ""
  strictARP: false
  syncPeriod: 0s
  tcpFinTimeout: 0s
  tcpTimeout: 0s
  udpTimeout: 0s
kind: KubeProxyConfiguration
metricsBindAddress: ""
mode: ${mode}
nodePortAddresses: null
oomScoreAdj: null
portRange: ""
showHiddenMetricsForVersion: ""
winkernel:
  enableDSR: false
  forwardHealthCheckVip: false
  networkName: ""
  rootHnsEndpointName: ""
  sourceVip: ""
`;
}

/** cluster-info's kubeconfig: the API server and its CA, for nodes joining with a bootstrap token. */
function clusterInfoKubeconfig(config: ClusterConfig): string {
  return `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSURCVENDQWUyZ0F3SUJBZ0lJCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K
    server: https://${controlPlaneEndpoint(config)}
  name: ""
contexts: null
current-context: ""
kind: Config
preferences: {}
users: null
`;
}

/** kube-proxy's kubeconfig: its service account's token and CA. */
function kubeProxyKubeconfig(config: ClusterConfig): string {
  return `apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    server: https://${controlPlaneEndpoint(config)}
  name: default
contexts:
- context:
    cluster: default
    namespace: default
    user: default
  name: default
current-context: default
users:
- name: default
  user:
    tokenFile: /var/run/secrets/kubernetes.io/serviceaccount/token
`;
}

const KUBE_SYSTEM = "kube-system";

type Rule = { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] };
type Subject = { kind: "ServiceAccount"; name: string; namespace: string } | { kind: "Group"; apiGroup: string; name: string };

function role(kind: "Role" | "ClusterRole", name: string, namespace: string | null, rules: Rule[]): KObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) }, rules } as KObject;
}

function binding(kind: "RoleBinding" | "ClusterRoleBinding", name: string, namespace: string | null, roleRef: { kind: "Role" | "ClusterRole"; name: string }, subjects: Subject[]): KObject {
  return { apiVersion: "rbac.authorization.k8s.io/v1", kind, metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef: { apiGroup: "rbac.authorization.k8s.io", ...roleRef }, subjects } as KObject;
}

const sa = (name: string, namespace: string): Subject => ({ kind: "ServiceAccount", name, namespace });

function configMap(namespace: string, name: string, data: Record<string, string>, labels?: Record<string, string>): KObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace, ...(labels ? { labels } : {}) }, data } as KObject;
}

function serviceAccount(namespace: string, name: string): KObject {
  return { apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } };
}

function kubeProxy(config: ClusterConfig): KObject {
  const labels = { "k8s-app": "kube-proxy" };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "kube-proxy", namespace: KUBE_SYSTEM, labels },
    spec: {
      selector: { matchLabels: labels },
      updateStrategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: "kube-proxy",
              image: componentImages(config.kubernetesVersion).proxy,
              imagePullPolicy: "IfNotPresent",
              command: ["/usr/local/bin/kube-proxy", "--config=/var/lib/kube-proxy/config.conf", "--hostname-override=$(NODE_NAME)"],
              env: [{ name: "NODE_NAME", valueFrom: { fieldRef: { apiVersion: "v1", fieldPath: "spec.nodeName" } } }],
              securityContext: { privileged: true },
              volumeMounts: [
                { name: "kube-proxy", mountPath: "/var/lib/kube-proxy" },
                { name: "xtables-lock", mountPath: "/run/xtables.lock" },
                { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
              ],
            },
          ],
          hostNetwork: true,
          nodeSelector: { "kubernetes.io/os": "linux" },
          priorityClassName: "system-node-critical",
          serviceAccountName: "kube-proxy",
          tolerations: [{ operator: "Exists" }],
          volumes: [
            { name: "kube-proxy", configMap: { name: "kube-proxy", defaultMode: 420 } },
            { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            { name: "lib-modules", hostPath: { path: "/lib/modules", type: "" } },
          ],
        },
      },
    },
  } as KObject;
}

function coredns(config: ClusterConfig): KObject {
  const labels = { "k8s-app": "kube-dns" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "coredns", namespace: KUBE_SYSTEM, labels },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: "25%" } },
      template: {
        metadata: { labels },
        spec: {
          affinity: {
            podAntiAffinity: {
              preferredDuringSchedulingIgnoredDuringExecution: [
                { weight: 100, podAffinityTerm: { labelSelector: { matchExpressions: [{ key: "k8s-app", operator: "In", values: ["kube-dns"] }] }, topologyKey: "kubernetes.io/hostname" } },
              ],
            },
          },
          containers: [
            {
              name: "coredns",
              image: componentImages(config.kubernetesVersion).coredns,
              imagePullPolicy: "IfNotPresent",
              args: ["-conf", "/etc/coredns/Corefile"],
              ports: [
                { name: "dns", containerPort: 53, protocol: "UDP" },
                { name: "dns-tcp", containerPort: 53, protocol: "TCP" },
                { name: "metrics", containerPort: 9153, protocol: "TCP" },
              ],
              livenessProbe: { httpGet: { path: "/health", port: 8080, scheme: "HTTP" }, initialDelaySeconds: 60, timeoutSeconds: 5, successThreshold: 1, failureThreshold: 5 },
              readinessProbe: { httpGet: { path: "/ready", port: 8181, scheme: "HTTP" } },
              resources: { limits: { memory: "170Mi" }, requests: { cpu: "100m", memory: "70Mi" } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ["NET_BIND_SERVICE"], drop: ["ALL"] }, readOnlyRootFilesystem: true },
              volumeMounts: [{ name: "config-volume", mountPath: "/etc/coredns", readOnly: true }],
            },
          ],
          dnsPolicy: "Default",
          nodeSelector: { "kubernetes.io/os": "linux" },
          priorityClassName: "system-cluster-critical",
          serviceAccountName: "coredns",
          tolerations: [
            { key: "CriticalAddonsOnly", operator: "Exists" },
            { key: "node-role.kubernetes.io/control-plane", effect: "NoSchedule" },
          ],
          volumes: [{ name: "config-volume", configMap: { name: "coredns", items: [{ key: "Corefile", path: "Corefile" }], defaultMode: 420 } }],
        },
      },
    },
  } as KObject;
}

function kubeDns(config: ClusterConfig): KObject {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: "kube-dns",
      namespace: KUBE_SYSTEM,
      labels: { "k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS" },
      annotations: { "prometheus.io/port": "9153", "prometheus.io/scrape": "true" },
    },
    spec: {
      type: "ClusterIP",
      clusterIP: dnsServiceIP(config),
      selector: { "k8s-app": "kube-dns" },
      ports: [
        { name: "dns", port: 53, protocol: "UDP", targetPort: 53 },
        { name: "dns-tcp", port: 53, protocol: "TCP", targetPort: 53 },
        { name: "metrics", port: 9153, protocol: "TCP", targetPort: 9153 },
      ],
    },
  } as KObject;
}

function kindnet(config: ClusterConfig): KObject {
  const labels = { tier: "node", app: "kindnet", "k8s-app": "kindnet" };
  return {
    apiVersion: "apps/v1",
    kind: "DaemonSet",
    metadata: { name: "kindnet", namespace: KUBE_SYSTEM, labels },
    spec: {
      selector: { matchLabels: { app: "kindnet" } },
      template: {
        metadata: { labels },
        spec: {
          hostNetwork: true,
          nodeSelector: { "kubernetes.io/os": "linux" },
          tolerations: [{ operator: "Exists" }],
          serviceAccountName: "kindnet",
          containers: [
            {
              name: "kindnet-cni",
              image: componentImages(config.kubernetesVersion).kindnetd,
              env: [
                { name: "HOST_IP", valueFrom: { fieldRef: { fieldPath: "status.hostIP" } } },
                { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
                { name: "POD_SUBNET", value: config.networking.podSubnet },
              ],
              volumeMounts: [
                { name: "cni-cfg", mountPath: "/etc/cni/net.d" },
                { name: "xtables-lock", mountPath: "/run/xtables.lock", readOnly: false },
                { name: "lib-modules", mountPath: "/lib/modules", readOnly: true },
              ],
              resources: { requests: { cpu: "100m", memory: "50Mi" }, limits: { cpu: "100m", memory: "50Mi" } },
              securityContext: { privileged: false, capabilities: { add: ["NET_RAW", "NET_ADMIN"] } },
            },
          ],
          volumes: [
            { name: "cni-cfg", hostPath: { path: "/etc/cni/net.d" } },
            { name: "xtables-lock", hostPath: { path: "/run/xtables.lock", type: "FileOrCreate" } },
            { name: "lib-modules", hostPath: { path: "/lib/modules" } },
          ],
        },
      },
    },
  } as KObject;
}

function localPathProvisioner(config: ClusterConfig): KObject {
  const images = componentImages(config.kubernetesVersion);
  const labels = { app: "local-path-provisioner" };
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "local-path-provisioner", namespace: LOCAL_PATH_NAMESPACE },
    spec: {
      replicas: 1,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: {
          nodeSelector: { "kubernetes.io/os": "linux" },
          tolerations: [
            { key: "node-role.kubernetes.io/control-plane", operator: "Equal", effect: "NoSchedule" },
            { key: "node-role.kubernetes.io/master", operator: "Equal", effect: "NoSchedule" },
          ],
          serviceAccountName: "local-path-provisioner-service-account",
          containers: [
            {
              name: "local-path-provisioner",
              image: images.localPathProvisioner,
              imagePullPolicy: "IfNotPresent",
              command: ["local-path-provisioner", "--debug", "start", "--helper-image", images.localPathHelper, "--config", "/etc/config/config.json"],
              volumeMounts: [{ name: "config-volume", mountPath: "/etc/config/" }],
              env: [
                { name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
                { name: "CONFIG_MOUNT_PATH", value: "/etc/config/" },
              ],
            },
          ],
          volumes: [{ name: "config-volume", configMap: { name: "local-path-config" } }],
        },
      },
    },
  } as KObject;
}

/** kind's default StorageClass, served by the local-path provisioner above. */
function standardStorageClass(): KObject {
  return {
    apiVersion: "storage.k8s.io/v1",
    kind: "StorageClass",
    metadata: { name: "standard", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
    provisioner: "rancher.io/local-path",
    volumeBindingMode: "WaitForFirstConsumer",
    reclaimPolicy: "Delete",
  } as KObject;
}

function localPathConfig(config: ClusterConfig): Record<string, string> {
  const helper = componentImages(config.kubernetesVersion).localPathHelper;
  return {
    "config.json": '{\n        "nodePathMap":[\n        {\n                "node":"DEFAULT_PATH_FOR_NON_LISTED_NODES",\n                "paths":["/var/local-path-provisioner"]\n        }\n        ]\n}',
    setup: '#!/bin/sh\nset -eu\nmkdir -m 0777 -p "$VOL_DIR"',
    teardown: '#!/bin/sh\nset -eu\nrm -rf "$VOL_DIR"',
    "helperPod.yaml": `apiVersion: v1\nkind: Pod\nmetadata:\n  name: helper-pod\nspec:\n  priorityClassName: system-node-critical\n  tolerations:\n    - operator: Exists\n      effect: NoSchedule\n    - operator: Exists\n      effect: NoExecute\n  containers:\n  - name: helper-pod\n    image: ${helper}\n    imagePullPolicy: IfNotPresent`,
  };
}

/** Every object, in creation order (a namespace before what lives in it, accounts before pods). */
export function kubeSystemAddons(config: ClusterConfig): Addon[] {
  const kubeadm = (kind: ResourceDef, namespace: string, object: KObject): Addon => ({ kind, namespace, object, manager: "kubeadm" });
  const kind = (k: ResourceDef, namespace: string, object: KObject): Addon => ({ kind: k, namespace, object, manager: "kubectl-create" });
  const out: Addon[] = [
    kubeadm(configmaps, KUBE_SYSTEM, configMap(KUBE_SYSTEM, "kubeadm-config", { ClusterConfiguration: clusterConfiguration(config) })),
    kubeadm(configmaps, KUBE_SYSTEM, configMap(KUBE_SYSTEM, "kubelet-config", { kubelet: kubeletConfiguration(config) })),
    kubeadm(configmaps, "kube-public", configMap("kube-public", "cluster-info", { kubeconfig: clusterInfoKubeconfig(config) })),
    kubeadm(clusterRoles, "", role("ClusterRole", "system:coredns", null, [
      { apiGroups: [""], resources: ["endpoints", "services", "pods", "namespaces"], verbs: ["list", "watch"] },
      { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    ])),
    kubeadm(clusterRoleBindings, "", binding("ClusterRoleBinding", "system:coredns", null, { kind: "ClusterRole", name: "system:coredns" }, [sa("coredns", KUBE_SYSTEM)])),
    kubeadm(serviceaccounts, KUBE_SYSTEM, serviceAccount(KUBE_SYSTEM, "coredns")),
    kubeadm(configmaps, KUBE_SYSTEM, configMap(KUBE_SYSTEM, "coredns", { Corefile: corefile() })),
    kubeadm(deployments, KUBE_SYSTEM, coredns(config)),
    kubeadm(services, KUBE_SYSTEM, kubeDns(config)),
  ];
  if (config.networking.kubeProxyMode !== "none") {
    out.push(
      kubeadm(clusterRoleBindings, "", binding("ClusterRoleBinding", "kubeadm:node-proxier", null, { kind: "ClusterRole", name: "system:node-proxier" }, [sa("kube-proxy", KUBE_SYSTEM)])),
      kubeadm(roles, KUBE_SYSTEM, role("Role", "kube-proxy", KUBE_SYSTEM, [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["kube-proxy"] }])),
      kubeadm(roleBindings, KUBE_SYSTEM, binding("RoleBinding", "kube-proxy", KUBE_SYSTEM, { kind: "Role", name: "kube-proxy" }, [{ kind: "Group", apiGroup: "rbac.authorization.k8s.io", name: "system:bootstrappers:kubeadm:default-node-token" }])),
      kubeadm(serviceaccounts, KUBE_SYSTEM, serviceAccount(KUBE_SYSTEM, "kube-proxy")),
      kubeadm(configmaps, KUBE_SYSTEM, configMap(KUBE_SYSTEM, "kube-proxy", { "config.conf": kubeProxyConfiguration(config), "kubeconfig.conf": kubeProxyKubeconfig(config) }, { app: "kube-proxy" })),
      kubeadm(daemonSets, KUBE_SYSTEM, kubeProxy(config)),
    );
  }
  if (!config.networking.disableDefaultCNI) {
    out.push(
      kind(clusterRoles, "", role("ClusterRole", "kindnet", null, [
        { apiGroups: ["policy"], resources: ["podsecuritypolicies"], verbs: ["use"], resourceNames: ["kindnet"] },
        { apiGroups: [""], resources: ["nodes", "pods", "namespaces"], verbs: ["list", "watch"] },
        { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"], verbs: ["list", "watch"] },
      ])),
      kind(clusterRoleBindings, "", binding("ClusterRoleBinding", "kindnet", null, { kind: "ClusterRole", name: "kindnet" }, [sa("kindnet", KUBE_SYSTEM)])),
      kind(serviceaccounts, KUBE_SYSTEM, serviceAccount(KUBE_SYSTEM, "kindnet")),
      kind(daemonSets, KUBE_SYSTEM, kindnet(config)),
    );
  }
  out.push(
    kind(namespaces, "", { apiVersion: "v1", kind: "Namespace", metadata: { name: LOCAL_PATH_NAMESPACE } }),
    kind(serviceaccounts, LOCAL_PATH_NAMESPACE, serviceAccount(LOCAL_PATH_NAMESPACE, "local-path-provisioner-service-account")),
    kind(roles, LOCAL_PATH_NAMESPACE, role("Role", "local-path-provisioner-role", LOCAL_PATH_NAMESPACE, [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] }])),
    kind(clusterRoles, "", role("ClusterRole", "local-path-provisioner-role", null, [
      { apiGroups: [""], resources: ["nodes", "persistentvolumeclaims", "configmaps", "pods", "pods/log"], verbs: ["get", "list", "watch"] },
      { apiGroups: [""], resources: ["persistentvolumes"], verbs: ["get", "list", "watch", "create", "patch", "update", "delete"] },
      { apiGroups: [""], resources: ["events"], verbs: ["create", "patch"] },
      { apiGroups: ["storage.k8s.io"], resources: ["storageclasses"], verbs: ["get", "list", "watch"] },
    ])),
    kind(roleBindings, LOCAL_PATH_NAMESPACE, binding("RoleBinding", "local-path-provisioner-bind", LOCAL_PATH_NAMESPACE, { kind: "Role", name: "local-path-provisioner-role" }, [sa("local-path-provisioner-service-account", LOCAL_PATH_NAMESPACE)])),
    kind(clusterRoleBindings, "", binding("ClusterRoleBinding", "local-path-provisioner-bind", null, { kind: "ClusterRole", name: "local-path-provisioner-role" }, [sa("local-path-provisioner-service-account", LOCAL_PATH_NAMESPACE)])),
    kind(deployments, LOCAL_PATH_NAMESPACE, localPathProvisioner(config)),
    kind(storageClasses, "", standardStorageClass()),
    kind(configmaps, LOCAL_PATH_NAMESPACE, configMap(LOCAL_PATH_NAMESPACE, "local-path-config", localPathConfig(config))),
  );
  return out;
}

/** The images every kind node has preloaded (kind's node image ships them). */
export function preloadedImages(config: ClusterConfig): string[] {
  return Object.values(componentImages(config.kubernetesVersion));
}
