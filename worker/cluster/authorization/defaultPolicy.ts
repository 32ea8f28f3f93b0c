// The default RBAC policy kube-apiserver bootstraps (post-start hook "rbac/bootstrap-roles",
// after bootstrappolicy/policy.go and controller_policy.go): ClusterRoles and their
// ClusterRoleBindings, labelled kubernetes.io/bootstrapping=rbac-defaults and annotated for
// auto-update. Encoded here as data; kubeadm's and kind's own roles are the installer's
// (addons/kubeSystem.ts).
import type { Rule } from "./rules";

export interface DefaultClusterRole {
  name: string;
  rules?: Rule[];
  labels?: Record<string, string>;
  /** Label selectors (matchLabels) whose ClusterRoles' rules make up this one's. */
  aggregateFrom?: Record<string, string>[];
}

export interface DefaultBinding {
  name: string;
  role: string;
  subjects: { kind: "User" | "Group" | "ServiceAccount"; name: string; namespace?: string }[];
}

const READ = ["get", "list", "watch"];
const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const READ_WRITE = [...READ, ...WRITE];
const READ_UPDATE = ["get", "list", "watch", "update", "patch"];

const rule = (verbs: string[], groups: string[], resources: string[], resourceNames?: string[]): Rule => ({ apiGroups: groups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) });
const urls = (verbs: string[], nonResourceURLs: string[]): Rule => ({ nonResourceURLs, verbs });
const events = rule(["create", "update", "patch"], ["", "events.k8s.io"], ["events"]);

export const AGGREGATE_TO = (role: "admin" | "edit" | "view") => ({ [`rbac.authorization.k8s.io/aggregate-to-${role}`]: "true" });

const NODE_RULES: Rule[] = [
  rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
  rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews", "subjectaccessreviews"]),
  rule(READ, [""], ["services"]),
  rule(["create", "get", "list", "watch"], [""], ["nodes"]),
  rule(["patch", "update"], [""], ["nodes/status"]),
  rule(["patch", "update"], [""], ["nodes"]),
  rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
  rule(READ, [""], ["pods"]),
  rule(["create", "delete"], [""], ["pods"]),
  rule(["patch", "update"], [""], ["pods/status"]),
  rule(["create"], [""], ["pods/eviction"]),
  rule(READ, [""], ["configmaps", "secrets"]),
  rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
  rule(["get"], [""], ["endpoints"]),
  rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
  rule(["create", "delete", "get", "patch", "update"], ["coordination.k8s.io"], ["leases"]),
  rule(["get"], ["storage.k8s.io"], ["volumeattachments"]),
  rule(["get", "patch", "update"], [""], ["persistentvolumeclaims/status"]),
  rule(["create"], [""], ["serviceaccounts/token"]),
  rule(["get", "list", "watch"], ["storage.k8s.io"], ["csidrivers"]),
  rule(["create", "delete", "get", "patch", "update"], ["storage.k8s.io"], ["csinodes"]),
  rule(["get", "list", "watch"], ["node.k8s.io"], ["runtimeclasses"]),
];

export const CLUSTER_ROLES: DefaultClusterRole[] = [
  { name: "cluster-admin", rules: [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])] },
  { name: "system:discovery", rules: [urls(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*", "/readyz", "/version", "/version/"])] },
  { name: "system:monitoring", rules: [urls(["get"], ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/slis", "/readyz", "/readyz/*"])] },
  {
    name: "system:basic-user",
    rules: [rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]), rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"])],
  },
  { name: "system:public-info-viewer", rules: [urls(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"])] },
  { name: "admin", aggregateFrom: [AGGREGATE_TO("admin")] },
  { name: "edit", labels: AGGREGATE_TO("admin"), aggregateFrom: [AGGREGATE_TO("edit")] },
  { name: "view", labels: AGGREGATE_TO("edit"), aggregateFrom: [AGGREGATE_TO("view")] },
  {
    name: "system:aggregate-to-admin",
    labels: AGGREGATE_TO("admin"),
    rules: [rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]), rule(READ_WRITE, ["rbac.authorization.k8s.io"], ["rolebindings", "roles"])],
  },
  {
    name: "system:aggregate-to-edit",
    labels: AGGREGATE_TO("edit"),
    rules: [
      rule(READ, [""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"]),
      rule(["impersonate"], [""], ["serviceaccounts"]),
      rule(WRITE, [""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
      rule(["create"], [""], ["pods/eviction"]),
      rule(WRITE, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "replicationcontrollers", "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"]),
      rule(["create"], [""], ["serviceaccounts/token"]),
      rule(WRITE, ["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets", "replicasets/scale", "statefulsets", "statefulsets/scale"]),
      rule(WRITE, ["autoscaling"], ["horizontalpodautoscalers"]),
      rule(WRITE, ["batch"], ["cronjobs", "jobs"]),
      rule(WRITE, ["extensions"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "ingresses", "networkpolicies", "replicasets", "replicasets/scale", "replicationcontrollers/scale"]),
      rule(WRITE, ["policy"], ["poddisruptionbudgets"]),
      rule(WRITE, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
      rule(["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"], ["coordination.k8s.io"], ["leases"]),
    ],
  },
  {
    name: "system:aggregate-to-view",
    labels: AGGREGATE_TO("view"),
    rules: [
      rule(READ, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"]),
      rule(READ, [""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status", "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"]),
      rule(READ, [""], ["namespaces"]),
      rule(READ, ["discovery.k8s.io"], ["endpointslices"]),
      rule(READ, ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets", "statefulsets/scale", "statefulsets/status"]),
      rule(READ, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
      rule(READ, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
      rule(READ, ["extensions"], ["daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status", "ingresses", "ingresses/status", "networkpolicies", "replicasets", "replicasets/scale", "replicasets/status", "replicationcontrollers/scale"]),
      rule(READ, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
      rule(READ, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
    ],
  },
  { name: "system:heapster", rules: [rule(READ, [""], ["events", "namespaces", "nodes", "pods"]), rule(READ, ["extensions"], ["deployments"])] },
  { name: "system:node", rules: NODE_RULES },
  { name: "system:node-problem-detector", rules: [rule(["get"], [""], ["nodes"]), rule(["patch"], [""], ["nodes/status"]), events] },
  {
    name: "system:kubelet-api-admin",
    rules: [rule(READ, [""], ["nodes"]), rule(["proxy"], [""], ["nodes"]), rule(["*"], [""], ["nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"])],
  },
  { name: "system:node-bootstrapper", rules: [rule(["create", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"])] },
  { name: "system:auth-delegator", rules: [rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]), rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"])] },
  { name: "system:kube-aggregator", rules: [rule(READ, [""], ["endpoints", "services"])] },
  {
    name: "system:kube-controller-manager",
    rules: [
      events,
      rule(["create"], ["coordination.k8s.io"], ["leases"]),
      rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-controller-manager"]),
      rule(["create"], [""], ["secrets", "serviceaccounts"]),
      rule(["delete"], [""], ["secrets"]),
      rule(["get"], [""], ["configmaps", "namespaces", "secrets", "serviceaccounts"]),
      rule(["update"], [""], ["secrets", "serviceaccounts"]),
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
      rule(["list", "watch"], ["*"], ["*"]),
      rule(["create"], [""], ["serviceaccounts/token"]),
    ],
  },
  { name: "system:kube-dns", rules: [rule(["list", "watch"], [""], ["endpoints", "services"])] },
  {
    name: "system:persistent-volume-provisioner",
    rules: [
      rule(["create", "delete", "get", "list", "watch"], [""], ["persistentvolumes"]),
      rule(["get", "list", "update", "watch"], [""], ["persistentvolumeclaims"]),
      rule(READ, ["storage.k8s.io"], ["storageclasses"]),
      rule(["watch"], [""], ["events"]),
      events,
    ],
  },
  { name: "system:certificates.k8s.io:certificatesigningrequests:nodeclient", rules: [rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/nodeclient"])] },
  { name: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", rules: [rule(["create"], ["certificates.k8s.io"], ["certificatesigningrequests/selfnodeclient"])] },
  { name: "system:volume-scheduler", rules: [rule(READ_UPDATE, [""], ["persistentvolumes"]), rule(READ, ["storage.k8s.io"], ["storageclasses"]), rule(READ_UPDATE, [""], ["persistentvolumeclaims"])] },
  { name: "system:certificates.k8s.io:legacy-unknown-approver", rules: [rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/legacy-unknown"])] },
  { name: "system:certificates.k8s.io:kubelet-serving-approver", rules: [rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kubelet-serving"])] },
  { name: "system:certificates.k8s.io:kube-apiserver-client-approver", rules: [rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client"])] },
  { name: "system:certificates.k8s.io:kube-apiserver-client-kubelet-approver", rules: [rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet"])] },
  { name: "system:service-account-issuer-discovery", rules: [urls(["get"], ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"])] },
  {
    name: "system:node-proxier",
    rules: [rule(["list", "watch"], [""], ["endpoints", "services"]), rule(READ, [""], ["nodes"]), events, rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"])],
  },
  {
    name: "system:kube-scheduler",
    rules: [
      events,
      rule(["create"], ["coordination.k8s.io"], ["leases"]),
      rule(["get", "update"], ["coordination.k8s.io"], ["leases"], ["kube-scheduler"]),
      rule(READ, [""], ["nodes"]),
      rule(["delete", "get", "list", "watch"], [""], ["pods"]),
      rule(["create"], [""], ["bindings", "pods/binding"]),
      rule(["patch", "update"], [""], ["pods/status"]),
      rule(READ, [""], ["replicationcontrollers", "services"]),
      rule(READ, ["apps", "extensions"], ["replicasets"]),
      rule(READ, ["apps"], ["statefulsets"]),
      rule(READ, ["policy"], ["poddisruptionbudgets"]),
      rule(READ, [""], ["persistentvolumeclaims", "persistentvolumes"]),
      rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
      rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
      rule(READ, ["storage.k8s.io"], ["csinodes"]),
      rule(READ, [""], ["namespaces"]),
      rule(READ, ["storage.k8s.io"], ["csidrivers"]),
      rule(READ, ["storage.k8s.io"], ["csistoragecapacities"]),
    ],
  },
];

export const CLUSTER_ROLE_BINDINGS: DefaultBinding[] = [
  { name: "cluster-admin", role: "cluster-admin", subjects: [{ kind: "Group", name: "system:masters" }] },
  { name: "system:monitoring", role: "system:monitoring", subjects: [{ kind: "Group", name: "system:monitoring" }] },
  { name: "system:discovery", role: "system:discovery", subjects: [{ kind: "Group", name: "system:authenticated" }] },
  { name: "system:basic-user", role: "system:basic-user", subjects: [{ kind: "Group", name: "system:authenticated" }] },
  { name: "system:public-info-viewer", role: "system:public-info-viewer", subjects: [{ kind: "Group", name: "system:authenticated" }, { kind: "Group", name: "system:unauthenticated" }] },
  { name: "system:node-proxier", role: "system:node-proxier", subjects: [{ kind: "User", name: "system:kube-proxy" }] },
  { name: "system:kube-controller-manager", role: "system:kube-controller-manager", subjects: [{ kind: "User", name: "system:kube-controller-manager" }] },
  { name: "system:kube-dns", role: "system:kube-dns", subjects: [{ kind: "ServiceAccount", name: "kube-dns", namespace: "kube-system" }] },
  { name: "system:kube-scheduler", role: "system:kube-scheduler", subjects: [{ kind: "User", name: "system:kube-scheduler" }] },
  { name: "system:volume-scheduler", role: "system:volume-scheduler", subjects: [{ kind: "User", name: "system:kube-scheduler" }] },
  { name: "system:node", role: "system:node", subjects: [] },
  { name: "system:service-account-issuer-discovery", role: "system:service-account-issuer-discovery", subjects: [{ kind: "Group", name: "system:serviceaccounts" }] },
];

/** kube-controller-manager's controllers, each a ServiceAccount in kube-system bound to system:controller:<name>. */
const CONTROLLERS: Record<string, Rule[]> = {
  "attachdetach-controller": [
    rule(["list", "watch"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
    rule(READ, [""], ["nodes"]),
    rule(["patch", "update"], [""], ["nodes/status"]),
    rule(["list", "watch"], [""], ["pods"]),
    events,
    rule(["create", "delete", "get", "list", "watch"], ["storage.k8s.io"], ["volumeattachments"]),
    rule(READ, ["storage.k8s.io"], ["csidrivers"]),
    rule(READ, ["storage.k8s.io"], ["csinodes"]),
  ],
  "certificate-controller": [
    rule(["delete", "get", "list", "watch"], ["certificates.k8s.io"], ["certificatesigningrequests"]),
    rule(["update"], ["certificates.k8s.io"], ["certificatesigningrequests/approval", "certificatesigningrequests/status"]),
    rule(["approve"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client-kubelet"]),
    rule(["sign"], ["certificates.k8s.io"], ["signers"], ["kubernetes.io/kube-apiserver-client", "kubernetes.io/kube-apiserver-client-kubelet", "kubernetes.io/kubelet-serving", "kubernetes.io/legacy-unknown"]),
    rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
    events,
  ],
  "clusterrole-aggregation-controller": [rule(["escalate", "get", "list", "patch", "update", "watch"], ["rbac.authorization.k8s.io"], ["clusterroles"])],
  "cronjob-controller": [
    rule(["get", "list", "update", "watch"], ["batch"], ["cronjobs"]),
    rule(["create", "delete", "get", "list", "patch", "update", "watch"], ["batch"], ["jobs"]),
    rule(["update"], ["batch"], ["cronjobs/status"]),
    rule(["update"], ["batch"], ["cronjobs/finalizers"]),
    rule(["delete", "list"], [""], ["pods"]),
    events,
  ],
  "daemon-set-controller": [
    rule(READ, ["apps", "extensions"], ["daemonsets"]),
    rule(["update"], ["apps", "extensions"], ["daemonsets/status"]),
    rule(["update"], ["apps", "extensions"], ["daemonsets/finalizers"]),
    rule(["list", "watch"], [""], ["nodes"]),
    rule(["create", "delete", "list", "patch", "watch"], [""], ["pods"]),
    rule(["create"], [""], ["pods/binding"]),
    rule(["create", "delete", "get", "list", "patch", "update", "watch"], ["apps"], ["controllerrevisions"]),
    events,
  ],
  "deployment-controller": [
    rule(["get", "list", "update", "watch"], ["apps", "extensions"], ["deployments"]),
    rule(["update"], ["apps", "extensions"], ["deployments/status"]),
    rule(["update"], ["apps", "extensions"], ["deployments/finalizers"]),
    rule(["create", "delete", "get", "list", "patch", "update", "watch"], ["apps", "extensions"], ["replicasets"]),
    rule(["get", "list", "update", "watch"], [""], ["pods"]),
    events,
  ],
  "disruption-controller": [
    rule(READ, ["apps", "extensions"], ["deployments"]),
    rule(READ, ["apps", "extensions"], ["replicasets"]),
    rule(READ, [""], ["replicationcontrollers"]),
    rule(READ, ["policy"], ["poddisruptionbudgets"]),
    rule(READ, ["apps"], ["statefulsets"]),
    rule(["update"], ["policy"], ["poddisruptionbudgets/status"]),
    rule(["patch", "update"], [""], ["pods/status"]),
    rule(["get"], ["*"], ["*/scale"]),
    events,
  ],
  "endpoint-controller": [
    rule(READ, [""], ["pods", "services"]),
    rule(["create", "delete", "get", "list", "update"], [""], ["endpoints"]),
    rule(["create"], [""], ["endpoints/restricted"]),
    events,
  ],
  "endpointslice-controller": [
    rule(READ, [""], ["nodes", "pods", "services"]),
    rule(["update"], [""], ["services/finalizers"]),
    rule(["create", "delete", "get", "list", "update"], ["discovery.k8s.io"], ["endpointslices"]),
    events,
  ],
  "endpointslicemirroring-controller": [
    rule(READ, [""], ["endpoints", "services"]),
    rule(["update"], [""], ["endpoints/finalizers", "services/finalizers"]),
    rule(["create", "delete", "get", "list", "update"], ["discovery.k8s.io"], ["endpointslices"]),
    events,
  ],
  "ephemeral-volume-controller": [
    rule(READ, [""], ["pods"]),
    rule(["update"], [""], ["pods/finalizers"]),
    rule(["create", "get", "list", "watch"], [""], ["persistentvolumeclaims"]),
    events,
  ],
  "expand-controller": [
    rule(READ_UPDATE, [""], ["persistentvolumes"]),
    rule(["patch", "update"], [""], ["persistentvolumeclaims/status"]),
    rule(READ, [""], ["persistentvolumeclaims"]),
    rule(READ, ["storage.k8s.io"], ["storageclasses"]),
    rule(["get"], [""], ["endpoints", "services"]),
    rule(["get"], [""], ["secrets"]),
    events,
  ],
  "generic-garbage-collector": [rule(["delete", "get", "list", "patch", "update", "watch"], ["*"], ["*"]), events],
  "horizontal-pod-autoscaler": [
    rule(READ, ["autoscaling"], ["horizontalpodautoscalers"]),
    rule(["update"], ["autoscaling"], ["horizontalpodautoscalers/status"]),
    rule(["get", "update"], ["*"], ["*/scale"]),
    rule(["list"], [""], ["pods"]),
    rule(["list"], ["metrics.k8s.io"], ["pods"]),
    rule(["get", "list"], ["custom.metrics.k8s.io"], ["*"]),
    rule(["get", "list"], ["external.metrics.k8s.io"], ["*"]),
    events,
  ],
  "job-controller": [
    rule(["get", "list", "patch", "update", "watch"], ["batch"], ["jobs"]),
    rule(["update"], ["batch"], ["jobs/status"]),
    rule(["update"], ["batch"], ["jobs/finalizers"]),
    rule(["create", "delete", "list", "patch", "watch"], [""], ["pods"]),
    events,
  ],
  "legacy-service-account-token-cleaner": [rule(["delete", "get"], [""], ["configmaps"], ["kube-apiserver-legacy-service-account-token-tracking"]), rule(["delete", "patch"], [""], ["secrets"])],
  "namespace-controller": [
    rule(["delete", "get", "list", "watch"], [""], ["namespaces"]),
    rule(["update"], [""], ["namespaces/finalize", "namespaces/status"]),
    rule(["delete", "deletecollection", "get", "list"], ["*"], ["*"]),
  ],
  "node-controller": [
    rule(["delete", "get", "list", "patch", "update"], [""], ["nodes"]),
    rule(["patch", "update"], [""], ["nodes/status"]),
    rule(["patch", "update"], [""], ["pods/status"]),
    rule(["delete", "list"], [""], ["pods"]),
    events,
  ],
  "persistent-volume-binder": [
    rule(["create", "delete", "get", "list", "update", "watch"], [""], ["persistentvolumes"]),
    rule(["update"], [""], ["persistentvolumes/status"]),
    rule(["get", "list", "update", "watch"], [""], ["persistentvolumeclaims"]),
    rule(["update"], [""], ["persistentvolumeclaims/status"]),
    rule(["get", "list", "watch"], [""], ["pods"]),
    rule(READ, ["storage.k8s.io"], ["storageclasses"]),
    rule(["create", "delete", "get"], [""], ["endpoints", "services"]),
    rule(["get"], [""], ["secrets"]),
    rule(["list", "watch"], [""], ["nodes"]),
    rule(["watch"], [""], ["events"]),
    events,
  ],
  "pod-garbage-collector": [rule(["delete", "list", "watch"], [""], ["pods"]), rule(["get", "list"], [""], ["nodes"]), rule(["patch"], [""], ["pods/status"])],
  "replicaset-controller": [
    rule(["get", "list", "update", "watch"], ["apps", "extensions"], ["replicasets"]),
    rule(["update"], ["apps", "extensions"], ["replicasets/status"]),
    rule(["update"], ["apps", "extensions"], ["replicasets/finalizers"]),
    rule(["create", "delete", "list", "patch", "watch"], [""], ["pods"]),
    events,
  ],
  "replication-controller": [
    rule(["get", "list", "update", "watch"], [""], ["replicationcontrollers"]),
    rule(["update"], [""], ["replicationcontrollers/status"]),
    rule(["update"], [""], ["replicationcontrollers/finalizers"]),
    rule(["create", "delete", "list", "patch", "watch"], [""], ["pods"]),
    events,
  ],
  "resourcequota-controller": [rule(["list", "watch"], ["*"], ["*"]), rule(["update"], [""], ["resourcequotas/status"]), events],
  "route-controller": [rule(["list", "watch"], [""], ["nodes"]), rule(["patch"], [""], ["nodes/status"]), events],
  "service-account-controller": [rule(["create"], [""], ["serviceaccounts"]), events],
  "service-controller": [
    rule(READ, [""], ["services"]),
    rule(["patch", "update"], [""], ["services/status"]),
    rule(["list", "watch"], [""], ["nodes"]),
    events,
  ],
  "statefulset-controller": [
    rule(["list", "watch"], [""], ["pods"]),
    rule(READ, ["apps"], ["statefulsets"]),
    rule(["update"], ["apps"], ["statefulsets/status"]),
    rule(["update"], ["apps"], ["statefulsets/finalizers"]),
    rule(["create", "delete", "get", "patch", "update"], [""], ["pods"]),
    rule(["create", "delete", "get", "list", "patch", "update", "watch"], ["apps"], ["controllerrevisions"]),
    rule(["create", "get"], [""], ["persistentvolumeclaims"]),
    events,
  ],
  "ttl-controller": [rule(["list", "patch", "update", "watch"], [""], ["nodes"]), events],
  "pvc-protection-controller": [rule(["get", "list", "update", "watch"], [""], ["persistentvolumeclaims"]), rule(["get", "list", "watch"], [""], ["pods"]), events],
  "pv-protection-controller": [rule(["get", "list", "update", "watch"], [""], ["persistentvolumes"]), events],
  "ttl-after-finished-controller": [rule(["delete", "get", "list", "watch"], ["batch"], ["jobs"]), events],
  "root-ca-cert-publisher": [rule(["create", "update"], [""], ["configmaps"]), events],
  "validatingadmissionpolicy-status-controller": [
    rule(READ, ["admissionregistration.k8s.io"], ["validatingadmissionpolicies"]),
    rule(["get", "patch", "update"], ["admissionregistration.k8s.io"], ["validatingadmissionpolicies/status"]),
    events,
  ],
};

for (const [name, rules] of Object.entries(CONTROLLERS)) {
  CLUSTER_ROLES.push({ name: `system:controller:${name}`, rules });
  CLUSTER_ROLE_BINDINGS.push({ name: `system:controller:${name}`, role: `system:controller:${name}`, subjects: [{ kind: "ServiceAccount", name, namespace: "kube-system" }] });
}
