// The disruption controller: keeps each PodDisruptionBudget's status (expected, healthy and
// desired pods, disruptions allowed, the DisruptionAllowed condition) in step with its pods.
import { fromStructured, matchesLabels } from "../machinery/selectors";
import { formatTime } from "../machinery/time";
import type { KObject } from "../resources/define";
import type { Pod } from "../resources/pod";
import { podDisruptionBudgets, type PodDisruptionBudget } from "../resources/poddisruptionbudget";
import type { Controller, ControllerContext } from "../loop/loop";

export const DISRUPTION = "disruption";
const PDB_STORAGE = "policy/poddisruptionbudgets";

function scaled(v: number | string | undefined, total: number, roundUp: boolean): number | null {
  if (v === undefined) return null;
  if (typeof v === "number") return v;
  const m = /^(\d+)%$/.exec(v);
  if (m) return (roundUp ? Math.ceil : Math.floor)((Number(m[1]) * total) / 100);
  return /^\d+$/.test(v) ? Number(v) : null;
}

export function isHealthy(pod: Pod): boolean {
  return !pod.metadata.deletionTimestamp && pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") === true;
}

/** The budget's standing: pods it covers, healthy ones, how many must stay healthy, disruptions allowed. */
export function budgetStatus(ctx: Pick<ControllerContext, "api">, pdb: PodDisruptionBudget) {
  const sel = fromStructured(pdb.spec?.selector);
  const covered: Pod[] = [];
  if (pdb.spec?.selector) for (const p of ctx.api.scanStored<Pod>("pods", pdb.metadata.namespace!)) if (matchesLabels(sel, p.metadata.labels)) covered.push(p);
  const expected = covered.filter((p) => p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed").length;
  const healthy = covered.filter(isHealthy).length;
  const min = scaled(pdb.spec?.minAvailable as number | string | undefined, expected, true);
  const maxUnavailable = scaled(pdb.spec?.maxUnavailable as number | string | undefined, expected, true);
  const desired = min !== null ? min : maxUnavailable !== null ? Math.max(0, expected - maxUnavailable) : expected;
  const allowed = Math.max(0, healthy - desired);
  return { covered, expected, healthy, desired, allowed };
}

export const disruptionController: Controller = {
  name: DISRUPTION,
  keysFor(c) {
    if (c.resource === PDB_STORAGE) return c.type === "DELETED" ? [] : [`${c.namespace}/${c.name}`];
    if (c.resource !== "pods") return [];
    return [`${c.namespace}/*`];
  },
  resync(ctx) {
    return [...ctx.store.scan(PDB_STORAGE, null)].map((r) => `${r.namespace}/${r.name}`);
  },
  reconcile(key, ctx) {
    const i = key.indexOf("/");
    const ns = key.slice(0, i);
    const name = key.slice(i + 1);
    const targets = name === "*" ? [...ctx.api.scanStored<PodDisruptionBudget>(PDB_STORAGE, ns)] : [ctx.api.peek<PodDisruptionBudget>(PDB_STORAGE, ns, name)].filter((x): x is PodDisruptionBudget => !!x);
    for (const pdb of targets) {
      const s = budgetStatus(ctx, pdb);
      const prev = pdb.status?.conditions?.find((c) => c.type === "DisruptionAllowed");
      const allowedNow = s.allowed > 0;
      const status = {
        ...pdb.status,
        observedGeneration: pdb.metadata.generation,
        disruptionsAllowed: s.allowed,
        currentHealthy: s.healthy,
        desiredHealthy: s.desired,
        expectedPods: s.expected,
        conditions: [
          {
            type: "DisruptionAllowed",
            status: allowedNow ? ("True" as const) : ("False" as const),
            reason: allowedNow ? "SufficientPods" : "InsufficientPods",
            message: "",
            observedGeneration: pdb.metadata.generation,
            lastTransitionTime: prev && (prev.status === "True") === allowedNow ? prev.lastTransitionTime : formatTime(ctx.clock.now()),
          },
        ],
      };
      if (JSON.stringify(status) !== JSON.stringify(pdb.status))
        ctx.api.update(podDisruptionBudgets, ns, pdb.metadata.name!, { ...(pdb as KObject), status }, { subresource: "status", trusted: true });
    }
  },
};
