// Every namespace gets a `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap, as the
// service account and root CA publisher controllers do; both come back if deleted.
import { ApiError } from "../machinery/errors";
import { configmaps } from "../resources/configmap";
import type { Namespace } from "../resources/namespace";
import { serviceaccounts } from "../resources/serviceaccount";
import type { Controller } from "../loop/loop";

export const ROOT_CA_CONFIGMAP = "kube-root-ca.crt";

export const serviceAccountController: Controller = {
  name: "serviceaccount",
  keysFor(c) {
    if (c.resource === "namespaces" && c.type === "ADDED") return [c.name];
    if (c.type === "DELETED" && ((c.resource === "serviceaccounts" && c.name === "default") || (c.resource === "configmaps" && c.name === ROOT_CA_CONFIGMAP))) return [c.namespace];
    return [];
  },
  resync(ctx) {
    const keys: string[] = [];
    for (const row of ctx.store.scan("namespaces", null)) {
      if (!ctx.store.getRaw("serviceaccounts", row.name, "default") || !ctx.store.getRaw("configmaps", row.name, ROOT_CA_CONFIGMAP)) keys.push(row.name);
    }
    return keys;
  },
  reconcile(name, ctx) {
    const ns = ctx.api.peek<Namespace>("namespaces", "", name);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const create = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        // Already there, or the namespace started terminating: nothing to do.
        if (!(e instanceof ApiError && (e.code === 409 || e.code === 403 || e.code === 404))) throw e;
      }
    };
    if (!ctx.store.getRaw("serviceaccounts", name, "default")) create(() => ctx.api.create(serviceaccounts, name, { metadata: { name: "default" } }));
    if (!ctx.store.getRaw("configmaps", name, ROOT_CA_CONFIGMAP)) {
      const ca = ctx.env.CA_DATA ? atob(ctx.env.CA_DATA) : "";
      create(() =>
        ctx.api.create(configmaps, name, {
          metadata: { name: ROOT_CA_CONFIGMAP, annotations: { "kubernetes.io/description": "The certificate authority pods use to trust this cluster's API server." } },
          data: { "ca.crt": ca },
        }),
      );
    }
  },
};
