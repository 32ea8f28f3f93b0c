// The kinds a cluster serves. Adding a built-in kind means adding its file and listing it here;
// discovery, OpenAPI, tables, the generic handlers and protobuf decoding follow from the list.
// Custom kinds (from CustomResourceDefinitions) join them in each cluster's Registry.
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
import { mutatingWebhookConfigurations } from "./mutatingwebhookconfiguration";
import { validatingAdmissionPolicies } from "./validatingadmissionpolicy";
import { validatingAdmissionPolicyBindings } from "./validatingadmissionpolicybinding";
import { endpoints } from "./endpoints";
import { endpointSlices } from "./endpointslice";
import { customResourceDefinitions } from "./customresourcedefinition";

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
  mutatingWebhookConfigurations,
  validatingAdmissionPolicies,
  validatingAdmissionPolicyBindings,
  customResourceDefinitions,
  selfSubjectAccessReviews,
  selfSubjectRulesReviews,
  selfSubjectReviews,
  selfSubjectReviewsV1beta1,
  subjectAccessReviews,
  localSubjectAccessReviews,
] as unknown as ResourceDef[];

/**
 * The kinds one cluster serves: the built-in ones and, after them, the custom ones its
 * CustomResourceDefinitions make. Immutable: a change of CRDs makes a new Registry, so whatever
 * was derived from one (discovery, OpenAPI) can be cached against it.
 */
export class Registry {
  readonly kinds: readonly ResourceDef[];
  /** Changes whenever the custom kinds do (the CRDs' resourceVersions); "" with none. */
  readonly signature: string;
  private readonly byResource = new Map<string, ResourceDef>();
  private readonly byKind = new Map<string, ResourceDef>();
  private readonly byStorage = new Map<string, ResourceDef>();
  private groupList: { group: string; versions: string[] }[] | null = null;

  constructor(readonly custom: readonly ResourceDef[] = [], signature = "") {
    this.kinds = custom.length ? [...KINDS, ...custom] : KINDS;
    this.signature = signature;
    for (const k of this.kinds) {
      const r = `${k.group}/${k.version}/${k.plural}`;
      // A custom kind never shadows a built-in one (its CRD's names are refused as conflicting).
      if (this.byResource.has(r)) continue;
      this.byResource.set(r, k);
      this.byKind.set(`${k.group}/${k.version}/${k.kind}`, k);
      const s = storageOf(k);
      if (!k.storage && !this.byStorage.has(s)) this.byStorage.set(s, k);
    }
  }

  findResource(group: string, version: string, plural: string): ResourceDef | undefined {
    return this.byResource.get(`${group}/${version}/${plural}`);
  }

  findKind(group: string, version: string, kind: string): ResourceDef | undefined {
    return this.byKind.get(`${group}/${version}/${kind}`);
  }

  /** The definition a storage key is stored as (the first kind listed for it). */
  storageKind(storage: string): ResourceDef | undefined {
    return this.byStorage.get(storage);
  }

  /** API groups in the order discovery lists them: core first, built-in groups, then custom ones, each's versions by preference. */
  groups(): { group: string; versions: string[] }[] {
    if (this.groupList) return this.groupList;
    const out: { group: string; versions: string[] }[] = [];
    for (const k of this.kinds) {
      let g = out.find((x) => x.group === k.group);
      if (!g) out.push((g = { group: k.group, versions: [] }));
      if (!g.versions.includes(k.version)) g.versions.push(k.version);
    }
    const builtInGroups = new Set(KINDS.map((k) => k.group));
    for (const g of out) if (!builtInGroups.has(g.group)) g.versions.sort(compareKubeVersions);
    return (this.groupList = out);
  }

  kindsOf(group: string, version: string): ResourceDef[] {
    return this.kinds.filter((k) => k.group === group && k.version === version);
  }

  /** Storage keys of kinds that are stored (not reviews, not computed). */
  stored(): string[] {
    return [...new Set(this.kinds.filter((k) => !k.virtual && !k.computed).map((k) => storageOf(k)))];
  }

  /** Namespaced kinds that are stored (what a namespace deletion must remove). */
  namespacedStorage(): string[] {
    const seen = new Set<string>();
    for (const k of this.kinds) if (k.namespaced && !k.virtual && !k.computed) seen.add(storageOf(k));
    return [...seen];
  }
}

/** The built-in kinds alone: for code that only ever meets them (a pod, a binding). */
export const BUILT_IN = new Registry();

/**
 * Kubernetes' version priority (as kube-aware sorting in apimachinery): GA before beta before
 * alpha, higher numbers first, then anything else alphabetically.
 */
export function compareKubeVersions(a: string, b: string): number {
  const rank = (v: string): [number, number, number, string] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [3, 0, 0, v];
    const stage = m[2] === "alpha" ? 2 : m[2] === "beta" ? 1 : 0;
    return [stage, -Number(m[1]), -Number(m[3] ?? 0), v];
  };
  const [x, y] = [rank(a), rank(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return x[3] < y[3] ? -1 : x[3] > y[3] ? 1 : 0;
}
