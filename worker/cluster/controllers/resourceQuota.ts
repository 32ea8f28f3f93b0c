// The resource quota controller, as kube-controller-manager runs it: every ResourceQuota's status
// says what it enforces (hard = spec.hard) and what its namespace uses of each capped resource.
// A committed change to a namespaced object queues "<namespace>/<storage>"; the reconcile
// recomputes only that namespace's quotas that track that storage ("resourcequotas" recomputes
// all of them: a quota changed, or one was added or removed). The accounting itself is
// admission/quotaUsage.ts, shared with quota admission, which charges each new object at once.
//
// When a recount leaves more room (a pod went, a quota was raised or removed), the controllers
// whose pods a quota refused in that namespace try again now rather than at their next backoff.
import { parseQuantity } from "../machinery/quantity";
import type { Controller } from "../loop/loop";
import { splitKey } from "../loop/loop";
import type { KObject } from "../resources/define";
import { resourceQuotas, type ResourceQuota } from "../resources/resourcequota";
import { addQ, cmpQ, computeUsed, storageFor, type QuotaReads } from "../admission/quotaUsage";
import { retryRefused } from "./podControl";

export const RESOURCE_QUOTA = "resourcequota";
const QUOTAS = "resourcequotas";

function sortedCopy(list: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(list ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Whether a stored quota's status already says what its spec asks (a charge or a recount wrote it). */
function statusCurrent(body: string): boolean {
  const q = JSON.parse(body) as ResourceQuota;
  const hard = sortedCopy(q.spec?.hard);
  const used = q.status?.used ?? {};
  return JSON.stringify(hard) === JSON.stringify(sortedCopy(q.status?.hard)) && Object.keys(hard).every((k) => used[k] !== undefined);
}

/** Whether `next` leaves more room (hard - used) than `prev` for some resource. */
function roomGrew(prev: ResourceQuota["status"], next: { hard: Record<string, string>; used: Record<string, string> }): boolean {
  const room = (hard: string | undefined, used: string | undefined) => (hard === undefined ? null : addQ(parseQuantity(hard), { ...parseQuantity(used ?? "0"), m: -parseQuantity(used ?? "0").m }));
  return Object.keys(next.hard).some((k) => {
    const before = room(prev?.hard?.[k], prev?.used?.[k]);
    const after = room(next.hard[k], next.used[k])!;
    return before === null || cmpQ(after, before) > 0;
  });
}

export const resourceQuotaController: Controller = {
  name: RESOURCE_QUOTA,
  keysFor(c) {
    if (!c.namespace) return [];
    // A quota's own status write (quota admission's charge, this controller's recount) needs no recount.
    if (c.resource === QUOTAS && c.type !== "DELETED" && statusCurrent(c.body)) return [];
    return [`${c.namespace}/${c.resource}`];
  },
  resync(ctx) {
    const namespaces = new Set<string>();
    for (const r of ctx.store.scan(QUOTAS, null)) namespaces.add(r.namespace);
    return [...namespaces].map((ns) => `${ns}/${QUOTAS}`);
  },
  reconcile(key, ctx) {
    const [ns, storage] = splitKey(key);
    // A quota added, changed or removed: whatever it refused may fit now.
    let freed = storage === QUOTAS;
    if (ctx.store.countOf(QUOTAS, ns) > 0) {
      const reads: QuotaReads = {
        scan: <T extends KObject>(s: string, n: string) => ctx.api.scanStored<T>(s, n),
        count: (s, n) => ctx.store.countOf(s, n),
        now: ctx.clock.now(),
      };
      for (const quota of [...ctx.api.scanStored<ResourceQuota>(QUOTAS, ns)]) {
        const hard = Object.keys(quota.spec?.hard ?? {});
        if (storage !== QUOTAS && !hard.some((k) => storageFor(k) === storage)) continue;
        const status = { hard: sortedCopy(quota.spec?.hard), used: computeUsed(quota, reads) };
        if (JSON.stringify(status) === JSON.stringify({ hard: sortedCopy(quota.status?.hard), used: sortedCopy(quota.status?.used) })) continue;
        if (roomGrew(quota.status, status)) freed = true;
        ctx.api.update(resourceQuotas, ns, quota.metadata.name!, { ...(quota as KObject), status }, { subresource: "status", trusted: true });
      }
    }
    if (freed) retryRefused(ctx, ns);
  },
};
