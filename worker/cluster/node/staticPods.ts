// The kubelet's static pods: on each control-plane node it runs kubeadm's manifests (etcd and the
// control plane, addons/controlPlane.ts) and posts a mirror pod for each to the API server,
// owned by the Node. A deleted mirror pod is posted again at once; the pods go with their node
// (the garbage collector and pod GC remove them). Keyed by node name.
import { ApiError } from "../machinery/errors";
import { formatMicroTime } from "../machinery/time";
import type { ClusterConfig } from "../config";
import { CONTROL_PLANE_COMPONENTS, MIRROR_ANNOTATION, mirrorPod } from "../addons/controlPlane";
import type { Controller } from "../loop/loop";
import type { Node } from "../resources/node";
import { pods, type Pod } from "../resources/pod";
import { STATIC_RUNTIME } from "./kubelet";

export const STATIC_PODS = "static-pods";
const CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";

function isControlPlane(node: Node): boolean {
  return node.metadata.labels?.[CONTROL_PLANE_LABEL] !== undefined;
}

/** The node a mirror pod's change concerns, read from the change's body without parsing it all. */
function mirrorNode(body: string): string | null {
  if (!body.includes(MIRROR_ANNOTATION)) return null;
  const pod = JSON.parse(body) as Pod;
  return pod.spec?.nodeName ?? null;
}

export function staticPodsController(config: () => ClusterConfig): Controller {
  return {
    name: STATIC_PODS,
    keysFor(c) {
      if (c.resource === "nodes") return [c.name];
      if (c.resource === "pods" && c.type === "DELETED" && c.namespace === "kube-system") {
        const node = mirrorNode(c.body);
        return node ? [node] : [];
      }
      return [];
    },
    resync(ctx) {
      return [...ctx.api.scanStored<Node>("nodes", "")].filter(isControlPlane).map((n) => n.metadata.name!);
    },
    regarding(name) {
      return { apiVersion: "v1", kind: "Node", name, uid: name };
    },
    reconcile(name, ctx) {
      const node = ctx.api.peek<Node>("nodes", "", name);
      // The node is gone: its static pods' containers went with it.
      if (!node) ctx.store.sqlStorage.exec("DELETE FROM pod_runtime WHERE node = ? AND uid LIKE ?", name, `${STATIC_RUNTIME}%`);
      // A stopped machine's kubelet posts nothing; it posts again when it is back.
      if (!node || node.metadata.deletionTimestamp || !isControlPlane(node) || !ctx.machines.isRunning(name)) return;
      const ip = node.status?.addresses?.find((a) => a.type === "InternalIP")?.address ?? "";
      const seen = formatMicroTime(ctx.clock.now()).replace(/Z$/, "000Z");
      ctx.store.transaction(() => {
        for (const component of CONTROL_PLANE_COMPONENTS) {
          if (ctx.api.peek<Pod>("pods", "kube-system", `${component}-${name}`)) continue;
          try {
            ctx.api.create(pods, "kube-system", mirrorPod(component, config(), { name, ip, uid: node.metadata.uid! }, seen), { manager: "kubelet" });
          } catch (e) {
            // Posted meanwhile (a retry): the next change brings it back here.
            if (!(e instanceof ApiError && e.code === 409)) throw e;
          }
        }
      });
    },
  };
}
