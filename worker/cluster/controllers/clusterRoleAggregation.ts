// kube-controller-manager's clusterrole-aggregation controller: a ClusterRole with an
// aggregationRule gets the rules of every other ClusterRole its selectors match (selector by
// selector, matching roles by name, each rule once), kept as those roles come, change and go.
import type { Controller } from "../loop/loop";
import { fromStructured, matchesLabels } from "../machinery/selectors";
import { ApiError } from "../machinery/errors";
import { clusterRoles } from "../resources/clusterrole";
import type { KObject } from "../resources/define";
import { RBAC_STORAGE } from "../authorization/rbacIndex";
import type { Rule } from "../authorization/rules";

type Role = KObject & { rules?: Rule[]; aggregationRule?: { clusterRoleSelectors?: Parameters<typeof fromStructured>[0][] } };

/** One key: any ClusterRole's change may change any aggregated role, so they are all recomputed together. */
const ALL = "all";

/** The aggregated rules of `role` from `all` (sorted by name). */
export function aggregatedRules(role: Role, all: readonly Role[]): Rule[] {
  const out: Rule[] = [];
  const seen = new Set<string>();
  for (const sel of role.aggregationRule?.clusterRoleSelectors ?? []) {
    const selector = fromStructured(sel);
    for (const other of all) {
      if (other.metadata.name === role.metadata.name || !matchesLabels(selector, other.metadata.labels)) continue;
      for (const r of other.rules ?? []) {
        const key = JSON.stringify([r.verbs ?? [], r.apiGroups ?? [], r.resources ?? [], r.resourceNames ?? [], r.nonResourceURLs ?? []]);
        if (seen.has(key)) continue;
        seen.add(key);
        out.push(r);
      }
    }
  }
  return out;
}

export const clusterRoleAggregationController: Controller = {
  name: "clusterrole-aggregation",
  keysFor(c) {
    return c.resource === RBAC_STORAGE.clusterRoles ? [ALL] : [];
  },
  resync() {
    return [ALL];
  },
  reconcile(_key, ctx) {
    const all = [...ctx.api.scanStored<Role>(RBAC_STORAGE.clusterRoles, null)].sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : a.metadata.name! > b.metadata.name! ? 1 : 0));
    for (const role of all) {
      if (!role.aggregationRule) continue;
      const rules = aggregatedRules(role, all);
      if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) continue;
      try {
        ctx.api.update(clusterRoles, "", role.metadata.name!, { ...role, rules }, { trusted: true });
      } catch (e) {
        // Changed or removed meanwhile: the change that did it queues this again.
        if (!(e instanceof ApiError && (e.code === 409 || e.code === 404))) throw e;
      }
    }
  },
};
