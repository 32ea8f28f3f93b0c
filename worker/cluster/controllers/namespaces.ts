// The namespace controller: when a namespace is Terminating, delete everything in it; once it
// is empty, clear the "kubernetes" finalizer so the namespace itself goes.
import { ApiError } from "../machinery/errors";
import type { KObject } from "../resources/define";
import { namespaces, type Namespace } from "../resources/namespace";
import type { Controller } from "../loop/loop";

/** How long to wait before looking again at a namespace whose contents are still going away. */
const RECHECK_MS = 1000;

export const namespaceController: Controller = {
  name: "namespace",
  keysFor(c) {
    if (c.resource === "namespaces") return c.body.includes('"deletionTimestamp"') ? [c.name] : [];
    // A deleted object in a terminating namespace may be the last one.
    if (c.type === "DELETED" && c.namespace) return [c.namespace];
    return [];
  },
  resync(ctx) {
    const keys: string[] = [];
    for (const row of ctx.store.scan("namespaces", null)) if (row.body.includes('"deletionTimestamp"')) keys.push(row.name);
    return keys;
  },
  reconcile(name, ctx) {
    const ns = ctx.api.peek<Namespace>("namespaces", "", name);
    if (!ns?.metadata.deletionTimestamp) return;
    let remaining = 0;
    for (const storage of ctx.api.registry.namespacedStorage()) {
      const def = ctx.api.registry.storageKind(storage);
      if (!def) continue;
      const rows = [...ctx.store.scan(storage, name)];
      for (const row of rows) {
        remaining++;
        const obj = JSON.parse(row.body) as KObject;
        if (obj.metadata.deletionTimestamp) continue; // already on its way out
        try {
          ctx.api.delete(def, name, row.name, {});
        } catch (e) {
          if (!(e instanceof ApiError && e.code === 404)) throw e;
        }
      }
    }
    // Count again: immediate deletions are gone already.
    remaining = ctx.api.registry.namespacedStorage().reduce((n, s) => n + ctx.store.countOf(s, name), 0);
    if (remaining > 0) {
      ctx.schedule("namespace", name, ctx.clock.now() + RECHECK_MS);
      return;
    }
    if (ns.spec?.finalizers?.includes("kubernetes")) {
      const finalizers = ns.spec.finalizers.filter((f) => f !== "kubernetes");
      ctx.api.update(namespaces, "", name, { ...ns, spec: { ...ns.spec, finalizers } }, { subresource: "finalize" });
    }
  },
};
