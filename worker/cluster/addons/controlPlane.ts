// The control plane as kubeadm writes it into /etc/kubernetes/manifests on a control-plane node:
// etcd, kube-apiserver, kube-controller-manager and kube-scheduler as static pods, with the
// commands, probes and host paths kubeadm gives them. The kubelet (node/staticPods.ts) turns each
// into a mirror pod in kube-system.
import type { ClusterConfig } from "../config";
import type { Pod } from "../resources/pod";
import type { ContainerT, VolumeT } from "../resources/types/core";

type ProbeT = NonNullable<ContainerT["livenessProbe"]>;
import { componentImages } from "./versions";

export const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";
export const CONFIG_HASH_ANNOTATION = "kubernetes.io/config.hash";
export const CONFIG_SEEN_ANNOTATION = "kubernetes.io/config.seen";
export const CONFIG_SOURCE_ANNOTATION = "kubernetes.io/config.source";

export const CONTROL_PLANE_COMPONENTS = ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"] as const;
export type ControlPlaneComponent = (typeof CONTROL_PLANE_COMPONENTS)[number];

export interface StaticPodNode {
  name: string;
  ip: string;
}

type HostPathType = "DirectoryOrCreate" | "FileOrCreate";
type Mount = [name: string, path: string, readOnly: boolean, type?: HostPathType];

function mounts(list: Mount[]): { volumeMounts: ContainerT["volumeMounts"]; volumes: VolumeT[] } {
  return {
    volumeMounts: list.map(([name, mountPath, readOnly]) => ({ name, mountPath, ...(readOnly ? { readOnly: true } : {}) })),
    volumes: list.map(([name, path, , type]) => ({ name, hostPath: { path, type: type ?? "DirectoryOrCreate" } })),
  };
}

const CERTS: Mount[] = [
  ["ca-certs", "/etc/ssl/certs", true],
  ["etc-ca-certificates", "/etc/ca-certificates", true],
  ["k8s-certs", "/etc/kubernetes/pki", true],
  ["usr-local-share-ca-certificates", "/usr/local/share/ca-certificates", true],
  ["usr-share-ca-certificates", "/usr/share/ca-certificates", true],
];

function probe(path: string, port: number, host: string, scheme: "HTTP" | "HTTPS", timing: { initialDelaySeconds?: number; periodSeconds: number; failureThreshold: number }): ProbeT {
  return { httpGet: { host, path, port, scheme }, timeoutSeconds: 15, successThreshold: 1, ...timing } as ProbeT;
}
const live = { initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 8 };
const startup = { initialDelaySeconds: 10, periodSeconds: 10, failureThreshold: 24 };

function flags(bin: string, args: Record<string, string>): string[] {
  return [bin, ...Object.entries(args).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `--${k}=${v}`)];
}

function container(component: ControlPlaneComponent, config: ClusterConfig, node: StaticPodNode): { container: ContainerT; volumes: VolumeT[]; annotations: Record<string, string> } {
  const images = componentImages(config.kubernetesVersion);
  const ip = node.ip;
  switch (component) {
    case "etcd": {
      const m = mounts([
        ["etcd-data", "/var/lib/etcd", false],
        ["etcd-certs", "/etc/kubernetes/pki/etcd", false],
      ]);
      return {
        annotations: { "kubeadm.kubernetes.io/etcd.advertise-client-urls": `https://${ip}:2379` },
        volumes: m.volumes,
        container: {
          name: "etcd",
          image: images.etcd,
          imagePullPolicy: "IfNotPresent",
          command: flags("etcd", {
            "advertise-client-urls": `https://${ip}:2379`,
            "cert-file": "/etc/kubernetes/pki/etcd/server.crt",
            "client-cert-auth": "true",
            "data-dir": "/var/lib/etcd",
            "experimental-initial-corrupt-check": "true",
            "experimental-watch-progress-notify-interval": "5s",
            "initial-advertise-peer-urls": `https://${ip}:2380`,
            "initial-cluster": `${node.name}=https://${ip}:2380`,
            "key-file": "/etc/kubernetes/pki/etcd/server.key",
            "listen-client-urls": `https://127.0.0.1:2379,https://${ip}:2379`,
            "listen-metrics-urls": "http://127.0.0.1:2381",
            "listen-peer-urls": `https://${ip}:2380`,
            name: node.name,
            "peer-cert-file": "/etc/kubernetes/pki/etcd/peer.crt",
            "peer-client-cert-auth": "true",
            "peer-key-file": "/etc/kubernetes/pki/etcd/peer.key",
            "peer-trusted-ca-file": "/etc/kubernetes/pki/etcd/ca.crt",
            "snapshot-count": "10000",
            "trusted-ca-file": "/etc/kubernetes/pki/etcd/ca.crt",
          }),
          livenessProbe: probe("/livez", 2381, "127.0.0.1", "HTTP", live),
          readinessProbe: probe("/readyz", 2381, "127.0.0.1", "HTTP", { periodSeconds: 1, failureThreshold: 3 }),
          startupProbe: probe("/readyz", 2381, "127.0.0.1", "HTTP", startup),
          resources: { requests: { cpu: "100m", memory: "100Mi" } },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          volumeMounts: m.volumeMounts,
        },
      };
    }
    case "kube-apiserver": {
      const m = mounts(CERTS);
      return {
        annotations: { "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint": `${ip}:6443` },
        volumes: m.volumes,
        container: {
          name: "kube-apiserver",
          image: images.apiserver,
          imagePullPolicy: "IfNotPresent",
          command: flags("kube-apiserver", {
            "advertise-address": ip,
            "allow-privileged": "true",
            "authorization-mode": "Node,RBAC",
            "client-ca-file": "/etc/kubernetes/pki/ca.crt",
            "enable-admission-plugins": "NodeRestriction",
            "enable-bootstrap-token-auth": "true",
            "etcd-cafile": "/etc/kubernetes/pki/etcd/ca.crt",
            "etcd-certfile": "/etc/kubernetes/pki/apiserver-etcd-client.crt",
            "etcd-keyfile": "/etc/kubernetes/pki/apiserver-etcd-client.key",
            "etcd-servers": "https://127.0.0.1:2379",
            "kubelet-client-certificate": "/etc/kubernetes/pki/apiserver-kubelet-client.crt",
            "kubelet-client-key": "/etc/kubernetes/pki/apiserver-kubelet-client.key",
            "kubelet-preferred-address-types": "InternalIP,ExternalIP,Hostname",
            "proxy-client-cert-file": "/etc/kubernetes/pki/front-proxy-client.crt",
            "proxy-client-key-file": "/etc/kubernetes/pki/front-proxy-client.key",
            "requestheader-allowed-names": "front-proxy-client",
            "requestheader-client-ca-file": "/etc/kubernetes/pki/front-proxy-ca.crt",
            "requestheader-extra-headers-prefix": "X-Remote-Extra-",
            "requestheader-group-headers": "X-Remote-Group",
            "requestheader-username-headers": "X-Remote-User",
            "runtime-config": "",
            "secure-port": "6443",
            "service-account-issuer": "https://kubernetes.default.svc.cluster.local",
            "service-account-key-file": "/etc/kubernetes/pki/sa.pub",
            "service-account-signing-key-file": "/etc/kubernetes/pki/sa.key",
            "service-cluster-ip-range": config.networking.serviceSubnet,
            "tls-cert-file": "/etc/kubernetes/pki/apiserver.crt",
            "tls-private-key-file": "/etc/kubernetes/pki/apiserver.key",
          }),
          livenessProbe: probe("/livez", 6443, ip, "HTTPS", live),
          readinessProbe: probe("/readyz", 6443, ip, "HTTPS", { periodSeconds: 1, failureThreshold: 3 }),
          startupProbe: probe("/livez", 6443, ip, "HTTPS", startup),
          resources: { requests: { cpu: "250m" } },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          volumeMounts: m.volumeMounts,
        },
      };
    }
    case "kube-controller-manager": {
      const m = mounts([
        ...CERTS.slice(0, 2),
        ["flexvolume-dir", "/usr/libexec/kubernetes/kubelet-plugins/volume/exec", false],
        CERTS[2],
        ["kubeconfig", "/etc/kubernetes/controller-manager.conf", true, "FileOrCreate"],
        ...CERTS.slice(3),
      ]);
      return {
        annotations: {},
        volumes: m.volumes,
        container: {
          name: "kube-controller-manager",
          image: images.controllerManager,
          imagePullPolicy: "IfNotPresent",
          command: flags("kube-controller-manager", {
            "allocate-node-cidrs": "true",
            "authentication-kubeconfig": "/etc/kubernetes/controller-manager.conf",
            "authorization-kubeconfig": "/etc/kubernetes/controller-manager.conf",
            "bind-address": "127.0.0.1",
            "client-ca-file": "/etc/kubernetes/pki/ca.crt",
            "cluster-cidr": config.networking.podSubnet,
            "cluster-name": config.name,
            "cluster-signing-cert-file": "/etc/kubernetes/pki/ca.crt",
            "cluster-signing-key-file": "/etc/kubernetes/pki/ca.key",
            controllers: "*,bootstrapsigner,tokencleaner",
            "enable-hostpath-provisioner": "true",
            kubeconfig: "/etc/kubernetes/controller-manager.conf",
            "leader-elect": "true",
            "requestheader-client-ca-file": "/etc/kubernetes/pki/front-proxy-ca.crt",
            "root-ca-file": "/etc/kubernetes/pki/ca.crt",
            "service-account-private-key-file": "/etc/kubernetes/pki/sa.key",
            "service-cluster-ip-range": config.networking.serviceSubnet,
            "use-service-account-credentials": "true",
          }),
          livenessProbe: probe("/healthz", 10257, "127.0.0.1", "HTTPS", live),
          startupProbe: probe("/healthz", 10257, "127.0.0.1", "HTTPS", startup),
          resources: { requests: { cpu: "200m" } },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          volumeMounts: m.volumeMounts,
        },
      };
    }
    case "kube-scheduler": {
      const m = mounts([["kubeconfig", "/etc/kubernetes/scheduler.conf", true, "FileOrCreate"]]);
      return {
        annotations: {},
        volumes: m.volumes,
        container: {
          name: "kube-scheduler",
          image: images.scheduler,
          imagePullPolicy: "IfNotPresent",
          command: flags("kube-scheduler", {
            "authentication-kubeconfig": "/etc/kubernetes/scheduler.conf",
            "authorization-kubeconfig": "/etc/kubernetes/scheduler.conf",
            "bind-address": "127.0.0.1",
            kubeconfig: "/etc/kubernetes/scheduler.conf",
            "leader-elect": "true",
          }),
          livenessProbe: probe("/livez", 10259, "127.0.0.1", "HTTPS", live),
          readinessProbe: probe("/readyz", 10259, "127.0.0.1", "HTTPS", { periodSeconds: 1, failureThreshold: 3 }),
          startupProbe: probe("/livez", 10259, "127.0.0.1", "HTTPS", startup),
          resources: { requests: { cpu: "100m" } },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          volumeMounts: m.volumeMounts,
        },
      };
    }
  }
}

/** A short stable hash of a manifest, as the kubelet's config.hash (hex, 32 characters). */
export function manifestHash(text: string): string {
  let out = "";
  for (let round = 0; out.length < 32; round++) {
    let h = 2166136261 ^ round;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, 32);
}

/**
 * The mirror pod the kubelet posts for a static pod of `component` on `node`: owned by the Node,
 * with the kubelet's config annotations. `seen` is when the kubelet read the manifest (RFC 3339).
 */
export function mirrorPod(component: ControlPlaneComponent, config: ClusterConfig, node: StaticPodNode & { uid: string }, seen: string): Pod {
  const { container: c, volumes, annotations } = container(component, config, node);
  const manifest = { component, node: node.name, c, volumes, annotations };
  const hash = manifestHash(JSON.stringify(manifest));
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${component}-${node.name}`,
      namespace: "kube-system",
      labels: { component, tier: "control-plane" },
      annotations: {
        ...annotations,
        [CONFIG_HASH_ANNOTATION]: hash,
        [MIRROR_ANNOTATION]: hash,
        [CONFIG_SEEN_ANNOTATION]: seen,
        [CONFIG_SOURCE_ANNOTATION]: "file",
      },
      ownerReferences: [{ apiVersion: "v1", kind: "Node", name: node.name, uid: node.uid, controller: true }],
    },
    spec: {
      nodeName: node.name,
      hostNetwork: true,
      priority: 2000001000,
      priorityClassName: "system-node-critical",
      securityContext: { seccompProfile: { type: "RuntimeDefault" } },
      tolerations: [{ operator: "Exists", effect: "NoExecute" }],
      containers: [c],
      volumes,
    },
  } as Pod;
}

export function isMirrorPod(pod: Pod): boolean {
  return !!pod.metadata.annotations?.[MIRROR_ANNOTATION];
}
