// pods/eviction: a deletion that honours PodDisruptionBudgets (what kubectl drain posts). An
// eviction that would leave a budget short is refused with 429, as the API server does.
import type { ApiServer } from "../api/apiserver";
import { errors, successStatus } from "../machinery/errors";
import type { SubresourceAction } from "../api/http/actions";
import { respond } from "../api/http/respond";
import { fromStructured, matchesLabels } from "../machinery/selectors";
import { budgetStatus, isHealthy } from "../controllers/disruption";
import { pods, type Pod } from "../resources/pod";
import { EvictionSchema, type PodDisruptionBudget } from "../resources/poddisruptionbudget";

interface Eviction {
  metadata?: { name?: string };
  deleteOptions?: { gracePeriodSeconds?: number; preconditions?: { uid?: string; resourceVersion?: string }; dryRun?: string[] };
}

export function evictionAction(api: ApiServer): SubresourceAction {
  return {
    methods: {
      POST: {
        verb: "create",
        handle(call) {
      const ev = call.body<Eviction>(EvictionSchema, "Eviction", "v1");
      if (ev.metadata?.name && ev.metadata.name !== call.name) throw errors.badRequest(`name in URL does not match name in Eviction object`);
      const pod = api.peek<Pod>("pods", call.namespace, call.name);
      if (!pod) throw errors.notFound("", "pods", call.name);
      const dryRun = call.dryRun || (ev.deleteOptions?.dryRun ?? []).includes("All");
      // Pods that are finished, or already going, may always be evicted.
      const done = pod.status?.phase === "Succeeded" || pod.status?.phase === "Failed" || !!pod.metadata.deletionTimestamp;
      if (!done) {
        const budgets = [...api.scanStored<PodDisruptionBudget>("policy/poddisruptionbudgets", call.namespace)].filter((b) => b.spec?.selector && matchesLabels(fromStructured(b.spec.selector), pod.metadata.labels));
        if (budgets.length > 1) throw errors.internal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
        const budget = budgets[0];
        if (budget) {
          const s = budgetStatus({ api }, budget);
          const unhealthyMayGo = !isHealthy(pod) && (budget.spec?.unhealthyPodEvictionPolicy === "AlwaysAllow" || s.healthy >= s.desired);
          if (!unhealthyMayGo && s.allowed <= 0) {
            const err = errors.tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 10);
            err.status.details = { causes: [{ reason: "DisruptionBudget", message: `The disruption budget ${budget.metadata.name} needs ${s.desired} healthy pods and has ${s.healthy} currently` }] } as never;
            throw err;
          }
        }
      }
      api.delete(pods, call.namespace, call.name, { gracePeriodSeconds: ev.deleteOptions?.gracePeriodSeconds, preconditions: ev.deleteOptions?.preconditions, dryRun });
      return respond(call.req, 201, { ...successStatus(undefined), code: 201 });
        },
      },
    },
  };
}
