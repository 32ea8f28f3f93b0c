// The images a kind node image carries for its Kubernetes version: kubeadm's control-plane,
// kube-proxy, etcd, CoreDNS and pause images for that version, and the kind release's own
// kindnetd and local-path-provisioner. They are preloaded on every node (no pull).

export interface ComponentImages {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  proxy: string;
  coredns: string;
  pause: string;
  kindnetd: string;
  localPathProvisioner: string;
  localPathHelper: string;
}

/** kubeadm's etcd, CoreDNS and pause versions per Kubernetes minor (cmd/kubeadm/app/constants). */
const KUBEADM: Record<number, { etcd: string; coredns: string; pause: string }> = {
  27: { etcd: "3.5.7-0", coredns: "v1.10.1", pause: "3.9" },
  28: { etcd: "3.5.9-0", coredns: "v1.10.1", pause: "3.9" },
  29: { etcd: "3.5.10-0", coredns: "v1.11.1", pause: "3.9" },
  30: { etcd: "3.5.12-0", coredns: "v1.11.1", pause: "3.9" },
  31: { etcd: "3.5.15-0", coredns: "v1.11.3", pause: "3.10" },
  32: { etcd: "3.5.16-0", coredns: "v1.11.3", pause: "3.10" },
  33: { etcd: "3.5.21-0", coredns: "v1.12.0", pause: "3.10" },
};

/** The kind release that published the node image: v0.29.0 for 1.33, v0.27.0 before. */
function kindRelease(minor: number) {
  return minor >= 33
    ? { kindnetd: "v20250512-df8de77b", provisioner: "v20250214-acbabc1a", helper: "v20241212-8ac705d0" }
    : { kindnetd: "v20250214-acbabc1a", provisioner: "v20250214-acbabc1a", helper: "v20241212-8ac705d0" };
}

export function minorOf(kubernetesVersion: string): number {
  return Number(/^v1\.(\d+)\./.exec(kubernetesVersion)?.[1] ?? 32);
}

export function componentImages(kubernetesVersion: string): ComponentImages {
  const minor = minorOf(kubernetesVersion);
  const k = KUBEADM[minor] ?? KUBEADM[32];
  const kind = kindRelease(minor);
  return {
    etcd: `registry.k8s.io/etcd:${k.etcd}`,
    apiserver: `registry.k8s.io/kube-apiserver:${kubernetesVersion}`,
    controllerManager: `registry.k8s.io/kube-controller-manager:${kubernetesVersion}`,
    scheduler: `registry.k8s.io/kube-scheduler:${kubernetesVersion}`,
    proxy: `registry.k8s.io/kube-proxy:${kubernetesVersion}`,
    coredns: `registry.k8s.io/coredns/coredns:${k.coredns}`,
    pause: `registry.k8s.io/pause:${k.pause}`,
    kindnetd: `docker.io/kindest/kindnetd:${kind.kindnetd}`,
    localPathProvisioner: `docker.io/kindest/local-path-provisioner:${kind.provisioner}`,
    localPathHelper: `docker.io/kindest/local-path-helper:${kind.helper}`,
  };
}
