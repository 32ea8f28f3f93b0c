// The pods a replicated controller counts, read the way an informer's cache serves them: their
// names come from pod_keys' owner index, and each pod is parsed once per write into a slim copy
// holding only what counting and choosing pods to delete read. Every write of a pod drops its
// copy inside the write's transaction, and a rollback drops what was read meanwhile. A
// ReplicaSet of thousands of pods is synced after every pass of the kubelets; parsing every one
// of its pods each time was most of a large Deployment's CPU.
import type { Pod } from "../resources/pod";
import type { Store } from "../store/store";
import type { ControllerContext } from "../loop/loop";
import { Interner } from "../machinery/interner";
import { dropOldest } from "../machinery/lru";

/** Slim pods kept at most (about 250 bytes each); past it the oldest are dropped and parsed again when asked for. */
export const OWNED_POD_CACHE_SIZE = 25_000;

interface PodCache {
  pods: Map<string, Pod>;
  /** Labels, owner references and strings (namespace, node, phase, a second's timestamps) that pods hold alike. */
  shared: Interner;
}

const caches = new WeakMap<Store, PodCache>();

function cacheOf(store: Store): PodCache {
  let c = caches.get(store);
  if (!c) {
    const cache: PodCache = { pods: new Map(), shared: new Interner(10_000) };
    store.onWrite((changes) => {
      for (const ch of changes) if (ch.resource === "pods") cache.pods.delete(`${ch.namespace}/${ch.name}`);
    });
    // What was read after a write that is now rolled back showed that write.
    store.onRollback((changes) => {
      for (const ch of changes) if (ch.resource === "pods") cache.pods.delete(`${ch.namespace}/${ch.name}`);
    });
    caches.set(store, (c = cache));
  }
  return c;
}

/** The fields replicatedController's sync, deletionOrder and the DaemonSet controller read; the rest of the pod is left out. */
function slim({ shared }: PodCache, p: Pod): Pod {
  const m = p.metadata;
  const ready = p.status?.conditions?.find((c) => c.type === "Ready");
  const restarts = (p.status?.containerStatuses ?? []).reduce((n, c) => n + (c.restartCount ?? 0), 0);
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: m.name,
      namespace: shared.string(m.namespace),
      uid: m.uid,
      resourceVersion: m.resourceVersion,
      creationTimestamp: shared.string(m.creationTimestamp),
      ...(m.deletionTimestamp ? { deletionTimestamp: m.deletionTimestamp } : {}),
      labels: shared.value(m.labels),
      ownerReferences: shared.value(m.ownerReferences),
    },
    // An unbound pod keeps its affinity: a DaemonSet's pod names its node there until it is bound.
    spec: p.spec?.nodeName ? shared.value({ nodeName: p.spec.nodeName }) : p.spec?.affinity ? { affinity: p.spec.affinity } : {},
    status: {
      ...(p.status?.phase ? { phase: shared.string(p.status.phase) } : {}),
      ...(ready ? { conditions: [{ type: "Ready", status: shared.string(ready.status), lastTransitionTime: shared.string(ready.lastTransitionTime) }] } : {}),
      ...(restarts ? { containerStatuses: [{ restartCount: restarts }] } : {}),
    },
  } as Pod;
}

/**
 * The pods of `namespace` that `uid` controls, and with `orphans` also those no controller owns,
 * as slim, shared copies: read them, never change them (writes go through ctx.api by name).
 */
export function ownedPods(ctx: ControllerContext, namespace: string, uid: string, opts: { orphans?: boolean } = {}): Pod[] {
  const cache = cacheOf(ctx.store);
  const names = ctx.store.podsOwnedBy(namespace, uid);
  if (opts.orphans) {
    names.push(...ctx.store.podsOwnedBy(namespace, null));
    names.sort();
  }
  const out: Pod[] = [];
  for (const name of names) {
    const key = `${namespace}/${name}`;
    let pod = cache.pods.get(key);
    if (!pod) {
      // Not kept in the body cache: a sync reads every pod written since the last one.
      const full = ctx.store.get<Pod>("pods", namespace, name, false);
      if (!full) continue;
      pod = slim(cache, full);
      cache.pods.set(key, pod);
      dropOldest(cache.pods, OWNED_POD_CACHE_SIZE);
    }
    out.push(pod);
  }
  return out;
}
