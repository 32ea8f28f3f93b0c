// The kinds this cluster serves. Adding a kind means adding its file and listing it here;
// discovery, OpenAPI, tables, the generic handlers and protobuf decoding follow from the list.
import { configmaps } from "./configmap";
import { storageOf, type ResourceDef } from "./define";
import { events, eventsV1 } from "./event";
import { leases } from "./lease";
import { namespaces } from "./namespace";
import { nodes } from "./node";
import { deployments } from "./deployment";
import { pods } from "./pod";
import { replicaSets } from "./replicaset";
import { statefulSets } from "./statefulset";
import { daemonSets } from "./daemonset";
import { controllerRevisions } from "./controllerrevision";
import { persistentVolumeClaims } from "./persistentvolumeclaim";
import { persistentVolumes } from "./persistentvolume";
import { storageClasses } from "./storageclass";
import { resourceQuotas } from "./resourcequota";
import { limitRanges } from "./limitrange";
import { replicationControllers } from "./replicationcontroller";
import { jobs } from "./job";
import { cronJobs } from "./cronjob";
import { nodeMetrics, podMetrics } from "./metrics";
import { horizontalPodAutoscalers, horizontalPodAutoscalersV1 } from "./horizontalpodautoscaler";
import { networkPolicies } from "./networkpolicy";
import { podDisruptionBudgets } from "./poddisruptionbudget";
import { priorityClasses } from "./priorityclass";
import { localSubjectAccessReviews, selfSubjectAccessReviews, selfSubjectReviews, selfSubjectReviewsV1beta1, selfSubjectRulesReviews, subjectAccessReviews } from "./reviews";
import { secrets } from "./secret";
import { serviceaccounts } from "./serviceaccount";
import { services } from "./service";
import { ingresses } from "./ingress";
import { ingressClasses } from "./ingressclass";
import { roles } from "./role";
import { clusterRoles } from "./clusterrole";
import { roleBindings } from "./rolebinding";
import { clusterRoleBindings } from "./clusterrolebinding";
import { validatingWebhookConfigurations } from "./validatingwebhookconfiguration";
import { endpoints } from "./endpoints";
import { endpointSlices } from "./endpointslice";

// Each element is a ResourceDef of a specific object type; the registry handles them uniformly.
export const KINDS: readonly ResourceDef[] = [
  namespaces,
  nodes,
  pods,
  services,
  endpoints,
  configmaps,
  secrets,
  serviceaccounts,
  events,
  eventsV1,
  persistentVolumeClaims,
  persistentVolumes,
  resourceQuotas,
  limitRanges,
  replicationControllers,
  leases,
  deployments,
  replicaSets,
  statefulSets,
  daemonSets,
  controllerRevisions,
  jobs,
  cronJobs,
  networkPolicies,
  podDisruptionBudgets,
  priorityClasses,
  endpointSlices,
  horizontalPodAutoscalers,
  horizontalPodAutoscalersV1,
  podMetrics,
  nodeMetrics,
  ingresses,
  ingressClasses,
  storageClasses,
  roles,
  clusterRoles,
  roleBindings,
  clusterRoleBindings,
  validatingWebhookConfigurations,
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  selfSubjectReviews,
  selfSubjectReviewsV1beta1,
  subjectAccessReviews,
  localSubjectAccessReviews,
] as unknown as ResourceDef[];

const byResource = new Map<string, ResourceDef>();
const byKind = new Map<string, ResourceDef>();
for (const k of KINDS) {
  byResource.set(`${k.group}/${k.version}/${k.plural}`, k);
  byKind.set(`${k.group}/${k.version}/${k.kind}`, k);
}

export function findResource(group: string, version: string, plural: string): ResourceDef | undefined {
  return byResource.get(`${group}/${version}/${plural}`);
}

export function findKind(group: string, version: string, kind: string): ResourceDef | undefined {
  return byKind.get(`${group}/${version}/${kind}`);
}

/** The definition a storage key is stored as (the first kind listed for it). */
export function storageKind(storage: string): ResourceDef | undefined {
  return KINDS.find((k) => storageOf(k) === storage && !k.storage);
}

/** API groups in the order discovery lists them (core first, as Kubernetes does). */
export function groups(): { group: string; versions: string[] }[] {
  const out: { group: string; versions: string[] }[] = [];
  for (const k of KINDS) {
    let g = out.find((x) => x.group === k.group);
    if (!g) out.push((g = { group: k.group, versions: [] }));
    if (!g.versions.includes(k.version)) g.versions.push(k.version);
  }
  return out;
}

export function kindsOf(group: string, version: string): ResourceDef[] {
  return KINDS.filter((k) => k.group === group && k.version === version);
}

/** Namespaced kinds that are stored (what a namespace deletion must remove). */
export function namespacedStorage(): string[] {
  const seen = new Set<string>();
  for (const k of KINDS) if (k.namespaced && !k.virtual && !k.computed) seen.add(storageOf(k));
  return [...seen];
}
