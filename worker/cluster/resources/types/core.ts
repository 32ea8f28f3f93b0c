// core/v1 types shared by several kinds: the pod spec and everything inside it, object
// references, selectors over nodes, taints and tolerations.
//
// Field numbers are Kubernetes' protobuf numbers (so kubectl's protobuf bodies decode); checks
// follow Kubernetes' validation and its messages. Descriptions are ours.
import type { z } from "zod";
import { ALWAYS, bool, inline, int32, int64, intOrString, list, map, microTime, oneOf, opt, type Problems, PTR, quantity, req, str, strMap, struct, time, UNCHECKED } from "../../machinery/schema/dsl";
import { compareQuantities } from "../../machinery/quantity";
import { dns1123Label, dns1123Subdomain, envVarName, portName, qualifiedName } from "../../machinery/validation";
import { LabelSelector, ObjectMeta } from "./meta";

const CORE = "io.k8s.api.core.v1";
const n = (name: string) => `${CORE}.${name}`;

// ---------------------------------------------------------------------------------------------
// References

export const LocalObjectReference = struct(n("LocalObjectReference"), "Names an object in the same namespace.", {
  name: opt(1, str, ALWAYS, "Name of the referent."),
});
const localRef = inline(1, { name: opt(1, str, ALWAYS, "Name of the referent.") });

export const ObjectReference = struct(n("ObjectReference"), "Points at another object, possibly part of it.", {
  kind: opt(1, str, "Kind of the referent."),
  namespace: opt(2, str, "Namespace of the referent."),
  name: opt(3, str, "Name of the referent."),
  uid: opt(4, str, "UID of the referent."),
  apiVersion: opt(5, str, "API version of the referent."),
  resourceVersion: opt(6, str, "The resourceVersion of the referent this reference was made at."),
  fieldPath: opt(7, str, "A part of the referent, such as spec.containers{web}."),
});
export type ObjectReferenceT = z.infer<typeof ObjectReference>;

export const TypedLocalObjectReference = struct(n("TypedLocalObjectReference"), "Names a typed object in the same namespace.", {
  apiGroup: opt(1, str, PTR, "API group of the referent; empty for the core group."),
  kind: req(2, str, "Kind of the referent."),
  name: req(3, str, "Name of the referent."),
});

export const SecretReference = struct(n("SecretReference"), "Names a Secret in any namespace.", {
  name: opt(1, str, "Name of the Secret."),
  namespace: opt(2, str, "Namespace of the Secret."),
});

// ---------------------------------------------------------------------------------------------
// Node selection, affinity, taints and tolerations

const NODE_SELECTOR_OPS = ["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"] as const;

export const NodeSelectorRequirement = struct(
  n("NodeSelectorRequirement"),
  "One requirement on a node label (or field): a key, an operator and values.",
  {
    key: req(1, str, "The label key."),
    operator: req(2, oneOf(...NODE_SELECTOR_OPS), "In, NotIn, Exists, DoesNotExist, Gt or Lt."),
    values: opt(3, list(str, { listType: "atomic" }), "Values for In and NotIn; one integer for Gt and Lt; none for Exists and DoesNotExist."),
  },
  {
    check(r, p) {
      const vals = r.values ?? [];
      if ((r.operator === "In" || r.operator === "NotIn") && vals.length === 0) p.required(["values"], "must be specified when `operator` is 'In' or 'NotIn'");
      if ((r.operator === "Exists" || r.operator === "DoesNotExist") && vals.length > 0) p.forbidden(["values"], "may not be specified when `operator` is 'Exists' or 'DoesNotExist'");
      if ((r.operator === "Gt" || r.operator === "Lt") && (vals.length !== 1 || !/^-?\d+$/.test(vals[0])))
        p.required(["values"], "must be specified single value when `operator` is 'Lt' or 'Gt'");
    },
  },
);

export const NodeSelectorTerm = struct(n("NodeSelectorTerm"), "Requirements on a node, ANDed. An empty term matches no node.", {
  matchExpressions: opt(1, list(NodeSelectorRequirement, { listType: "atomic" }), "Requirements on node labels."),
  matchFields: opt(2, list(NodeSelectorRequirement, { listType: "atomic" }), "Requirements on node fields (only metadata.name)."),
});

export const NodeSelector = struct(n("NodeSelector"), "Terms ORed together: a node matching any term is selected.", {
  nodeSelectorTerms: req(1, list(NodeSelectorTerm, { listType: "atomic" }), "The terms; at least one."),
});

export const PreferredSchedulingTerm = struct(n("PreferredSchedulingTerm"), "A weighted preference for nodes matching a term.", {
  weight: req(1, int32, "Weight from 1 to 100."),
  preference: req(2, NodeSelectorTerm, "The term to prefer."),
});

export const NodeAffinity = struct(n("NodeAffinity"), "Rules that place a pod on nodes by their labels.", {
  requiredDuringSchedulingIgnoredDuringExecution: opt(1, NodeSelector, "Nodes the pod may be scheduled on; no match means the pod stays Pending."),
  preferredDuringSchedulingIgnoredDuringExecution: opt(2, list(PreferredSchedulingTerm, { listType: "atomic" }), "Nodes the scheduler prefers, by weight."),
});

export const PodAffinityTerm = struct(n("PodAffinityTerm"), "Pods (selected by labels, in some namespaces) whose topology domain this pod should share or avoid.", {
  labelSelector: opt(1, LabelSelector, "Which pods count."),
  namespaces: opt(2, list(str, { listType: "atomic" }), "Namespaces to look in; empty means the pod's own."),
  topologyKey: req(3, str, "Node label whose value defines the domain, such as kubernetes.io/hostname."),
  namespaceSelector: opt(4, LabelSelector, "Namespaces to look in, by label."),
  matchLabelKeys: opt(5, list(str, { listType: "atomic" }), "Label keys whose values, taken from the incoming pod, are ANDed into labelSelector."),
  mismatchLabelKeys: opt(6, list(str, { listType: "atomic" }), "Label keys whose values, taken from the incoming pod, must differ."),
});

export const WeightedPodAffinityTerm = struct(n("WeightedPodAffinityTerm"), "A weighted pod affinity term.", {
  weight: req(1, int32, "Weight from 1 to 100."),
  podAffinityTerm: req(2, PodAffinityTerm, "The term."),
});

export const PodAffinity = struct(n("PodAffinity"), "Rules that co-locate the pod with other pods.", {
  requiredDuringSchedulingIgnoredDuringExecution: opt(1, list(PodAffinityTerm, { listType: "atomic" }), "Terms that must all hold."),
  preferredDuringSchedulingIgnoredDuringExecution: opt(2, list(WeightedPodAffinityTerm, { listType: "atomic" }), "Terms preferred by weight."),
});

export const PodAntiAffinity = struct(n("PodAntiAffinity"), "Rules that keep the pod away from other pods.", {
  requiredDuringSchedulingIgnoredDuringExecution: opt(1, list(PodAffinityTerm, { listType: "atomic" }), "Terms that must all hold."),
  preferredDuringSchedulingIgnoredDuringExecution: opt(2, list(WeightedPodAffinityTerm, { listType: "atomic" }), "Terms preferred by weight."),
});

export const Affinity = struct(n("Affinity"), "Scheduling constraints by node labels and by other pods.", {
  nodeAffinity: opt(1, NodeAffinity, "Constraints on nodes."),
  podAffinity: opt(2, PodAffinity, "Pods to run near."),
  podAntiAffinity: opt(3, PodAntiAffinity, "Pods to stay away from."),
});

export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

export const Taint = struct(
  n("Taint"),
  "A mark on a node that repels pods which do not tolerate it.",
  {
    key: req(1, str, "The taint key."),
    value: opt(2, str, "The taint value."),
    effect: req(3, oneOf(...TAINT_EFFECTS), "NoSchedule, PreferNoSchedule or NoExecute."),
    timeAdded: opt(4, time, PTR, "When a NoExecute taint was added."),
  },
  {
    check(t, p) {
      for (const e of qualifiedName(t.key ?? "")) p.invalid(["key"], t.key, e);
    },
  },
);
export type TaintT = z.infer<typeof Taint>;

export const Toleration = struct(
  n("Toleration"),
  "Lets a pod be scheduled on (or stay on) nodes with matching taints.",
  {
    key: opt(1, str, "Taint key to match; empty with Exists matches every taint."),
    operator: opt(2, oneOf("Exists", "Equal"), "Equal (the default) compares values; Exists matches any value."),
    value: opt(3, str, "Value to compare with Equal."),
    effect: opt(4, oneOf(...TAINT_EFFECTS), "Effect to match; empty matches all effects."),
    tolerationSeconds: opt(5, int64, PTR, "For NoExecute: how long the pod stays after the taint appears."),
  },
  {
    check(t, p) {
      if (t.key) for (const e of qualifiedName(t.key)) p.invalid(["key"], t.key, e);
      if (!t.key && t.operator !== "Exists") p.invalid(["operator"], t.operator ?? "", "operator must be Exists when `key` is empty, which means \"match all values and all keys\"");
      if (t.operator === "Exists" && t.value) p.invalid(["operator"], t.value, "value must be empty when `operator` is 'Exists'");
      if (t.tolerationSeconds !== undefined && t.effect !== "NoExecute") p.invalid(["effect"], t.effect ?? "", "effect must be 'NoExecute' when `tolerationSeconds` is set");
    },
  },
);
export type TolerationT = z.infer<typeof Toleration>;

export const TopologySpreadConstraint = struct(n("TopologySpreadConstraint"), "How evenly matching pods must spread over a topology.", {
  maxSkew: req(1, int32, "Largest allowed difference in matching pods between two domains."),
  topologyKey: req(2, str, "Node label that defines the domains."),
  whenUnsatisfiable: req(3, oneOf("DoNotSchedule", "ScheduleAnyway"), "DoNotSchedule or ScheduleAnyway."),
  labelSelector: opt(4, LabelSelector, "Which pods are counted."),
  minDomains: opt(5, int32, PTR, "Minimum number of eligible domains."),
  nodeAffinityPolicy: opt(6, oneOf("Honor", "Ignore"), PTR, "Whether node affinity limits the domains counted."),
  nodeTaintsPolicy: opt(7, oneOf("Honor", "Ignore"), PTR, "Whether node taints limit the domains counted."),
  matchLabelKeys: opt(8, list(str, { listType: "atomic" }), "Label keys whose values, from the incoming pod, narrow the selector."),
});

// ---------------------------------------------------------------------------------------------
// Resources

export const ResourceClaim = struct(n("ResourceClaim"), "A reference to a pod resource claim.", {
  name: req(1, str, "Name of an entry in pod.spec.resourceClaims."),
  request: opt(2, str, "A request inside the claim."),
});

const STANDARD_RESOURCES = new Set(["cpu", "memory", "ephemeral-storage", "storage", "pods"]);

function checkResourceName(name: string, p: Problems, path: (string | number)[]) {
  if (STANDARD_RESOURCES.has(name) || name.startsWith("hugepages-") || name.startsWith("requests.") || name.startsWith("limits.")) return;
  if (!name.includes("/")) {
    p.invalid(path, name, "must be a standard resource type or fully qualified");
    return;
  }
  for (const e of qualifiedName(name)) p.invalid(path, name, e);
}

export const ResourceRequirements = struct(
  n("ResourceRequirements"),
  "How much of each resource a container asks for (requests, used for scheduling) and may use at most (limits).",
  {
    limits: opt(1, map(quantity), "Most the container may use, e.g. cpu: 500m, memory: 128Mi."),
    requests: opt(2, map(quantity), "What the container needs; the scheduler places the pod where this fits. Defaults to the limits."),
    claims: opt(3, list(ResourceClaim, { listType: "map", mapKeys: ["name"] }), "Dynamic resource claims the container uses."),
  },
  {
    check(r, p) {
      for (const [k, v] of Object.entries(r.limits ?? {})) {
        checkResourceName(k, p, ["limits", `\u0000${k}`]);
        if (v.startsWith("-")) p.invalid(["limits", `\u0000${k}`], v, "must be greater than or equal to 0");
      }
      for (const [k, v] of Object.entries(r.requests ?? {})) {
        checkResourceName(k, p, ["requests", `\u0000${k}`]);
        if (v.startsWith("-")) p.invalid(["requests", `\u0000${k}`], v, "must be greater than or equal to 0");
        const limit = r.limits?.[k];
        if (limit !== undefined && compareQuantities(v, limit) > 0) p.invalid(["requests"], v, `must be less than or equal to ${k} limit of ${limit}`);
      }
    },
  },
);
export type ResourceRequirementsT = z.infer<typeof ResourceRequirements>;

// ---------------------------------------------------------------------------------------------
// Environment

export const ObjectFieldSelector = struct(n("ObjectFieldSelector"), "Selects a field of the pod.", {
  apiVersion: opt(1, str, "Version the path is written in; defaults to v1."),
  fieldPath: req(2, str, "Path of the field, such as metadata.name or status.podIP."),
});

export const ResourceFieldSelector = struct(n("ResourceFieldSelector"), "Selects a container's resource request or limit.", {
  containerName: opt(1, str, "Container to read from; the current one by default."),
  resource: req(2, str, "Such as limits.cpu or requests.memory."),
  divisor: opt(3, quantity, "Unit the value is expressed in; defaults to 1."),
});

export const ConfigMapKeySelector = struct(n("ConfigMapKeySelector"), "One key of a ConfigMap.", {
  ...localRef,
  key: req(2, str, "The key to read."),
  optional: opt(3, bool, PTR, "Whether the ConfigMap or key may be missing."),
});

export const SecretKeySelector = struct(n("SecretKeySelector"), "One key of a Secret.", {
  ...localRef,
  key: req(2, str, "The key to read."),
  optional: opt(3, bool, PTR, "Whether the Secret or key may be missing."),
});

export const FileKeySelector = struct(n("FileKeySelector"), "A key from an env file in a volume.", {
  volumeName: req(1, str, "Volume holding the file."),
  path: req(2, str, "Path of the file within the volume."),
  key: req(3, str, "The key to read."),
  optional: opt(4, bool, PTR, "Whether the file or key may be missing."),
});

export const EnvVarSource = struct(
  n("EnvVarSource"),
  "Where an environment variable's value comes from.",
  {
    fieldRef: opt(1, ObjectFieldSelector, "A field of the pod."),
    resourceFieldRef: opt(2, ResourceFieldSelector, "A resource request or limit."),
    configMapKeyRef: opt(3, ConfigMapKeySelector, "A key of a ConfigMap."),
    secretKeyRef: opt(4, SecretKeySelector, "A key of a Secret."),
    fileKeyRef: opt(5, FileKeySelector, "A key of an env file in a volume."),
  },
  {
    check(s, p) {
      const set = ["fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef", "fileKeyRef"].filter((k) => (s as Record<string, unknown>)[k] !== undefined);
      if (set.length === 0) p.invalid([], "", "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`");
      else if (set.length > 1) p.invalid([], "", "may not have more than one field specified at a time");
    },
  },
);

export const EnvVar = struct(
  n("EnvVar"),
  "An environment variable of a container.",
  {
    name: req(1, str, "Name of the variable."),
    value: opt(2, str, "Value; $(VAR) references to earlier variables are expanded."),
    valueFrom: opt(3, EnvVarSource, "Take the value from elsewhere instead."),
  },
  {
    check(e, p) {
      if (e.name) for (const err of envVarName(e.name)) p.invalid(["name"], e.name, err);
      if (e.value && e.valueFrom) p.invalid(["valueFrom"], "", "may not be specified when `value` is not empty");
    },
  },
);

export const ConfigMapEnvSource = struct(n("ConfigMapEnvSource"), "A ConfigMap whose keys become environment variables.", {
  ...localRef,
  optional: opt(2, bool, PTR, "Whether the ConfigMap may be missing."),
});

export const SecretEnvSource = struct(n("SecretEnvSource"), "A Secret whose keys become environment variables.", {
  ...localRef,
  optional: opt(2, bool, PTR, "Whether the Secret may be missing."),
});

export const EnvFromSource = struct(n("EnvFromSource"), "A source of many environment variables.", {
  prefix: opt(1, str, "Prefix added to every key."),
  configMapRef: opt(2, ConfigMapEnvSource, "A ConfigMap."),
  secretRef: opt(3, SecretEnvSource, "A Secret."),
});

// ---------------------------------------------------------------------------------------------
// Probes and lifecycle hooks

export const ExecAction = struct(n("ExecAction"), "Runs a command in the container; exit 0 is success.", {
  command: opt(1, list(str, { listType: "atomic" }), "The command line, not run in a shell."),
});

export const HTTPHeader = struct(n("HTTPHeader"), "A header to send with an HTTP probe.", {
  name: req(1, str, "Header name."),
  value: req(2, str, "Header value.", ALWAYS, UNCHECKED),
});

export const HTTPGetAction = struct(n("HTTPGetAction"), "An HTTP GET against the container; a 2xx or 3xx answer is success.", {
  path: opt(1, str, "Path to request."),
  port: req(2, intOrString, "Port number or named container port."),
  host: opt(3, str, "Host to connect to; the pod IP by default."),
  scheme: opt(4, oneOf("HTTP", "HTTPS"), "HTTP (the default) or HTTPS."),
  httpHeaders: opt(5, list(HTTPHeader, { listType: "atomic" }), "Headers to send."),
});

export const TCPSocketAction = struct(n("TCPSocketAction"), "Opens a TCP connection to the container; success if it connects.", {
  port: req(1, intOrString, "Port number or named container port."),
  host: opt(2, str, "Host to connect to; the pod IP by default."),
});

export const GRPCAction = struct(n("GRPCAction"), "A gRPC health check.", {
  port: req(1, int32, ALWAYS, "Port number."),
  service: opt(2, str, PTR, "Service name sent in the health check."),
});

export const SleepAction = struct(n("SleepAction"), "Waits before continuing.", {
  seconds: req(1, int64, "Seconds to sleep."),
});

const handlerFields = {
  exec: opt(1, ExecAction, "Run a command in the container."),
  httpGet: opt(2, HTTPGetAction, "Send an HTTP GET."),
  tcpSocket: opt(3, TCPSocketAction, "Open a TCP connection."),
};

function checkOneHandler(h: Record<string, unknown>, p: Problems, allowed: string[]) {
  const set = allowed.filter((k) => h[k] !== undefined);
  if (set.length === 0) p.required([], "must specify a handler type");
  else if (set.length > 1) p.forbidden([set[1]], "may not specify more than 1 handler type");
}

export const LifecycleHandler = struct(n("LifecycleHandler"), "An action run at a container lifecycle hook.", { ...handlerFields, sleep: opt(4, SleepAction, "Wait.") }, {
  check: (h, p) => checkOneHandler(h, p, ["exec", "httpGet", "tcpSocket", "sleep"]),
});

export const Lifecycle = struct(n("Lifecycle"), "Actions around a container's start and stop.", {
  postStart: opt(1, LifecycleHandler, "Runs right after the container is created."),
  preStop: opt(2, LifecycleHandler, "Runs before the container is stopped."),
  stopSignal: opt(3, str, PTR, "Signal used to stop the container."),
});

const probeInline = inline(1, { ...handlerFields, grpc: opt(4, GRPCAction, "Run a gRPC health check.") });

export const Probe = struct(
  n("Probe"),
  "A periodic health check of a container.",
  {
    ...probeInline,
    initialDelaySeconds: opt(2, int32, "Seconds after start before the first probe."),
    timeoutSeconds: opt(3, int32, "Seconds before a probe times out (default 1)."),
    periodSeconds: opt(4, int32, "Seconds between probes (default 10)."),
    successThreshold: opt(5, int32, "Successes in a row needed after a failure (default 1)."),
    failureThreshold: opt(6, int32, "Failures in a row that count as failed (default 3)."),
    terminationGracePeriodSeconds: opt(7, int64, PTR, "Grace period when a failing probe kills the container."),
  },
  {
    check(pr, p) {
      checkOneHandler(pr, p, ["exec", "httpGet", "tcpSocket", "grpc"]);
      for (const f of ["initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold", "failureThreshold"] as const) {
        const v = pr[f];
        if (v !== undefined && v < 0) p.invalid([f], v, "must be greater than or equal to 0");
      }
    },
  },
);

// ---------------------------------------------------------------------------------------------
// Security

export const Capabilities = struct(n("Capabilities"), "POSIX capabilities to add and drop.", {
  add: opt(1, list(str, { listType: "atomic" }), "Capabilities to add."),
  drop: opt(2, list(str, { listType: "atomic" }), "Capabilities to drop."),
});

export const SELinuxOptions = struct(n("SELinuxOptions"), "SELinux labels.", {
  user: opt(1, str, "User label."),
  role: opt(2, str, "Role label."),
  type: opt(3, str, "Type label."),
  level: opt(4, str, "Level label."),
});

export const WindowsSecurityContextOptions = struct(n("WindowsSecurityContextOptions"), "Windows-specific settings.", {
  gmsaCredentialSpecName: opt(1, str, PTR, "GMSA credential spec name."),
  gmsaCredentialSpec: opt(2, str, PTR, "GMSA credential spec contents."),
  runAsUserName: opt(3, str, PTR, "Windows user to run as."),
  hostProcess: opt(4, bool, PTR, "Run as a host process container."),
});

export const SeccompProfile = struct(n("SeccompProfile"), "A seccomp profile.", {
  type: req(1, oneOf("Localhost", "RuntimeDefault", "Unconfined"), "Localhost, RuntimeDefault or Unconfined."),
  localhostProfile: opt(2, str, PTR, "Profile file on the node, for Localhost."),
});

export const AppArmorProfile = struct(n("AppArmorProfile"), "An AppArmor profile.", {
  type: req(1, oneOf("Localhost", "RuntimeDefault", "Unconfined"), "Localhost, RuntimeDefault or Unconfined."),
  localhostProfile: opt(2, str, PTR, "Profile loaded on the node, for Localhost."),
});

export const SecurityContext = struct(n("SecurityContext"), "Security settings of one container; they override the pod's.", {
  capabilities: opt(1, Capabilities, "Capabilities to add or drop."),
  privileged: opt(2, bool, PTR, "Run privileged (as root on the host, in effect)."),
  seLinuxOptions: opt(3, SELinuxOptions, "SELinux labels."),
  windowsOptions: opt(10, WindowsSecurityContextOptions, "Windows settings."),
  runAsUser: opt(4, int64, PTR, "UID to run as."),
  runAsGroup: opt(8, int64, PTR, "GID to run as."),
  runAsNonRoot: opt(5, bool, PTR, "Refuse to start if the container would run as UID 0."),
  readOnlyRootFilesystem: opt(6, bool, PTR, "Mount the root filesystem read-only."),
  allowPrivilegeEscalation: opt(7, bool, PTR, "Whether a process may gain more privileges than its parent."),
  procMount: opt(9, oneOf("Default", "Unmasked"), PTR, "Default or Unmasked."),
  seccompProfile: opt(11, SeccompProfile, "Seccomp profile."),
  appArmorProfile: opt(12, AppArmorProfile, "AppArmor profile."),
});

export const Sysctl = struct(n("Sysctl"), "A kernel parameter.", {
  name: req(1, str, "Name."),
  value: req(2, str, ALWAYS, UNCHECKED, "Value."),
});

export const PodSecurityContext = struct(n("PodSecurityContext"), "Security settings for every container in the pod.", {
  seLinuxOptions: opt(1, SELinuxOptions, "SELinux labels."),
  windowsOptions: opt(8, WindowsSecurityContextOptions, "Windows settings."),
  runAsUser: opt(2, int64, PTR, "UID to run as."),
  runAsGroup: opt(6, int64, PTR, "GID to run as."),
  runAsNonRoot: opt(3, bool, PTR, "Refuse to start containers that would run as UID 0."),
  supplementalGroups: opt(4, list(int64, { listType: "atomic" }), "Extra groups for the first process of each container."),
  supplementalGroupsPolicy: opt(12, oneOf("Merge", "Strict"), PTR, "How supplemental groups are computed."),
  fsGroup: opt(5, int64, PTR, "Group that owns volumes that support ownership management."),
  sysctls: opt(7, list(Sysctl, { listType: "atomic" }), "Namespaced sysctls."),
  fsGroupChangePolicy: opt(9, oneOf("OnRootMismatch", "Always"), PTR, "When volume ownership is changed."),
  seccompProfile: opt(10, SeccompProfile, "Seccomp profile."),
  appArmorProfile: opt(11, AppArmorProfile, "AppArmor profile."),
  seLinuxChangePolicy: opt(13, str, PTR, "How SELinux labels are applied to volumes."),
});

// ---------------------------------------------------------------------------------------------
// Containers

export const PROTOCOLS = ["TCP", "UDP", "SCTP"] as const;

export const ContainerPort = struct(
  n("ContainerPort"),
  "A network port of a container.",
  {
    name: opt(1, str, "Name services can refer to; an IANA service name, unique in the pod."),
    hostPort: opt(2, int32, "Port opened on the node for this container port. Rarely needed."),
    containerPort: req(3, int32, "Port number the container listens on."),
    protocol: opt(4, oneOf(...PROTOCOLS), "TCP (the default), UDP or SCTP."),
    hostIP: opt(5, str, "Node address to bind the host port to."),
  },
  {
    check(cp, p) {
      if (cp.name) for (const e of portName(cp.name)) p.invalid(["name"], cp.name, e);
      if (cp.containerPort !== undefined && (cp.containerPort < 1 || cp.containerPort > 65535)) p.invalid(["containerPort"], cp.containerPort, "must be between 1 and 65535, inclusive");
      if (cp.hostPort !== undefined && cp.hostPort !== 0 && (cp.hostPort < 1 || cp.hostPort > 65535)) p.invalid(["hostPort"], cp.hostPort, "must be between 1 and 65535, inclusive");
    },
  },
);

export const VolumeMount = struct(n("VolumeMount"), "Where a volume is mounted in a container.", {
  name: req(1, str, "Name of a volume of the pod."),
  readOnly: opt(2, bool, "Mount read-only."),
  recursiveReadOnly: opt(7, oneOf("Disabled", "IfPossible", "Enabled"), PTR, "Make submounts read-only too."),
  mountPath: req(3, str, "Path in the container; must not contain ':'."),
  subPath: opt(4, str, "Sub-path of the volume to mount instead of its root."),
  mountPropagation: opt(5, oneOf("None", "HostToContainer", "Bidirectional"), PTR, "How mounts propagate between host and container."),
  subPathExpr: opt(6, str, "Like subPath, with $(VAR) expansion."),
});

export const VolumeDevice = struct(n("VolumeDevice"), "A raw block device mapped into a container.", {
  name: req(1, str, "Name of a persistentVolumeClaim volume."),
  devicePath: req(2, str, "Path in the container."),
});

export const ContainerResizePolicy = struct(n("ContainerResizePolicy"), "What happens when a resource of a running container is resized.", {
  resourceName: req(1, str, "cpu or memory."),
  restartPolicy: req(2, oneOf("NotRequired", "RestartContainer"), "NotRequired or RestartContainer."),
});

const IMAGE_PULL_POLICIES = ["Always", "IfNotPresent", "Never"] as const;

/** The fields Container and EphemeralContainer share. */
const containerFields = {
  name: req(1, str, "Name of the container, a DNS label unique in the pod. Cannot be changed."),
  image: opt(2, str, "Container image, such as nginx:1.27."),
  command: opt(3, list(str, { listType: "atomic" }), "Entrypoint, replacing the image's ENTRYPOINT; not run in a shell."),
  args: opt(4, list(str, { listType: "atomic" }), "Arguments, replacing the image's CMD."),
  workingDir: opt(5, str, "Working directory; the image's by default."),
  ports: opt(6, list(ContainerPort, { key: "containerPort", strategy: "merge", listType: "map", mapKeys: ["containerPort", "protocol"] }), "Ports the container listens on (informational, and the names services use)."),
  envFrom: opt(19, list(EnvFromSource, { listType: "atomic" }), "ConfigMaps and Secrets whose keys become environment variables."),
  env: opt(7, list(EnvVar, { key: "name", strategy: "merge" }), "Environment variables."),
  resources: opt(8, ResourceRequirements, ALWAYS, "Resource requests and limits."),
  resizePolicy: opt(23, list(ContainerResizePolicy, { listType: "atomic" }), "How resources may be resized in place."),
  restartPolicy: opt(24, oneOf("Always"), PTR, "Only for init containers: Always makes it a sidecar that keeps running."),
  volumeMounts: opt(9, list(VolumeMount, { key: "mountPath", strategy: "merge" }), "Volumes mounted into the container."),
  volumeDevices: opt(21, list(VolumeDevice, { key: "devicePath", strategy: "merge" }), "Block devices mapped into the container."),
  livenessProbe: opt(10, Probe, "Restarts the container when it fails."),
  readinessProbe: opt(11, Probe, "Takes the pod out of service endpoints while it fails."),
  startupProbe: opt(22, Probe, "Holds off the other probes until the container has started."),
  lifecycle: opt(12, Lifecycle, "Hooks run after start and before stop."),
  terminationMessagePath: opt(13, str, "File the container may write its termination message to (default /dev/termination-log)."),
  terminationMessagePolicy: opt(20, oneOf("File", "FallbackToLogsOnError"), "File, or FallbackToLogsOnError to use the log tail."),
  imagePullPolicy: opt(14, oneOf(...IMAGE_PULL_POLICIES), "Always, IfNotPresent or Never. Defaults to Always for :latest (or no tag), else IfNotPresent."),
  securityContext: opt(15, SecurityContext, "Security settings."),
  stdin: opt(16, bool, "Allocate a stdin buffer."),
  stdinOnce: opt(17, bool, "Close stdin after the first attach ends."),
  tty: opt(18, bool, "Allocate a TTY."),
};

function checkContainer(c: ContainerT, p: Problems, imageRequired: boolean) {
  if (c.name) for (const e of dns1123Label(c.name)) p.invalid(["name"], c.name, e);
  if (imageRequired && (!c.image || !c.image.trim())) p.required(["image"]);
  else if (c.image && c.image !== c.image.trim()) p.invalid(["image"], c.image, "must not have leading or trailing whitespace");
  const mounts = new Set<string>();
  c.volumeMounts?.forEach((m, i) => {
    if (m.mountPath && mounts.has(m.mountPath)) p.invalid(["volumeMounts", i, "mountPath"], m.mountPath, "must be unique");
    if (m.mountPath) mounts.add(m.mountPath);
    if (m.subPath && m.subPathExpr) p.invalid(["volumeMounts", i, "subPathExpr"], m.subPathExpr, "subPathExpr and subPath are mutually exclusive");
  });
  const portNames = new Set<string>();
  c.ports?.forEach((cp, i) => {
    if (cp.name) {
      if (portNames.has(cp.name)) p.duplicate(["ports", i, "name"], cp.name);
      portNames.add(cp.name);
    }
  });
}

export const Container = struct(n("Container"), "A container of a pod: an image to run, with its command, environment, ports, volumes, probes and resources.", containerFields, {
  check: (c, p) => checkContainer(c as ContainerT, p, true),
});
export type ContainerT = z.infer<typeof Container>;

export const EphemeralContainer = struct(
  n("EphemeralContainer"),
  "A container added to a running pod for debugging; it is never restarted.",
  { ...inline(1, containerFields), targetContainerName: opt(2, str, "Container whose namespaces this one joins.") },
  { check: (c, p) => checkContainer(c as unknown as ContainerT, p, true) },
);

// ---------------------------------------------------------------------------------------------
// Volumes

export const KeyToPath = struct(n("KeyToPath"), "Maps one key to a file path in a volume.", {
  key: req(1, str, "The key."),
  path: req(2, str, "Relative path of the file."),
  mode: opt(3, int32, PTR, "File mode bits (0 to 0777, decimal in JSON)."),
});

const modeField = (pb: number, what: string) => opt(pb, int32, PTR, what);

export const HostPathVolumeSource = struct(n("HostPathVolumeSource"), "A file or directory of the node.", {
  path: req(1, str, "Path on the node."),
  type: opt(2, oneOf("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice"), PTR, "What must be at the path."),
});

export const EmptyDirVolumeSource = struct(n("EmptyDirVolumeSource"), "An empty directory that lives as long as the pod.", {
  medium: opt(1, oneOf("", "Memory", "HugePages"), "Empty for the node's disk, or Memory for tmpfs."),
  sizeLimit: opt(2, quantity, PTR, "Most the directory may hold."),
});

export const SecretVolumeSource = struct(n("SecretVolumeSource"), "A Secret's keys as files.", {
  secretName: opt(1, str, "Name of the Secret."),
  items: opt(2, list(KeyToPath, { listType: "atomic" }), "Only these keys, at these paths."),
  defaultMode: modeField(3, "File mode bits; default 0644."),
  optional: opt(4, bool, PTR, "Whether the Secret may be missing."),
});

export const ConfigMapVolumeSource = struct(n("ConfigMapVolumeSource"), "A ConfigMap's keys as files.", {
  ...localRef,
  items: opt(2, list(KeyToPath, { listType: "atomic" }), "Only these keys, at these paths."),
  defaultMode: modeField(3, "File mode bits; default 0644."),
  optional: opt(4, bool, PTR, "Whether the ConfigMap may be missing."),
});

export const PersistentVolumeClaimVolumeSource = struct(n("PersistentVolumeClaimVolumeSource"), "A PersistentVolumeClaim in the pod's namespace.", {
  claimName: req(1, str, "Name of the claim."),
  readOnly: opt(2, bool, "Mount read-only."),
});

export const DownwardAPIVolumeFile = struct(n("DownwardAPIVolumeFile"), "A file holding a field of the pod.", {
  path: req(1, str, "Relative path of the file."),
  fieldRef: opt(2, ObjectFieldSelector, "A field of the pod."),
  resourceFieldRef: opt(3, ResourceFieldSelector, "A resource of a container."),
  mode: modeField(4, "File mode bits."),
});

export const DownwardAPIVolumeSource = struct(n("DownwardAPIVolumeSource"), "Fields of the pod as files.", {
  items: opt(1, list(DownwardAPIVolumeFile, { listType: "atomic" }), "The files."),
  defaultMode: modeField(2, "File mode bits; default 0644."),
});

export const SecretProjection = struct(n("SecretProjection"), "A Secret inside a projected volume.", {
  ...localRef,
  items: opt(2, list(KeyToPath, { listType: "atomic" }), "Keys to project."),
  optional: opt(4, bool, PTR, "Whether the Secret may be missing."),
});

export const ConfigMapProjection = struct(n("ConfigMapProjection"), "A ConfigMap inside a projected volume.", {
  ...localRef,
  items: opt(2, list(KeyToPath, { listType: "atomic" }), "Keys to project."),
  optional: opt(4, bool, PTR, "Whether the ConfigMap may be missing."),
});

export const DownwardAPIProjection = struct(n("DownwardAPIProjection"), "Pod fields inside a projected volume.", {
  items: opt(1, list(DownwardAPIVolumeFile, { listType: "atomic" }), "The files."),
});

export const ServiceAccountTokenProjection = struct(n("ServiceAccountTokenProjection"), "A service account token inside a projected volume.", {
  audience: opt(1, str, "Audience of the token."),
  expirationSeconds: opt(2, int64, PTR, "Lifetime of the token."),
  path: req(3, str, "Relative path of the file."),
});

export const ClusterTrustBundleProjection = struct(n("ClusterTrustBundleProjection"), "Certificates from ClusterTrustBundles.", {
  name: opt(1, str, PTR, "Bundle name."),
  signerName: opt(2, str, PTR, "Signer to select bundles by."),
  labelSelector: opt(3, LabelSelector, "Bundles to select by label."),
  optional: opt(5, bool, PTR, "Whether missing bundles are fine."),
  path: req(4, str, "Relative path of the file."),
});

export const VolumeProjection = struct(n("VolumeProjection"), "One source of a projected volume.", {
  secret: opt(1, SecretProjection, "A Secret."),
  downwardAPI: opt(2, DownwardAPIProjection, "Pod fields."),
  configMap: opt(3, ConfigMapProjection, "A ConfigMap."),
  serviceAccountToken: opt(4, ServiceAccountTokenProjection, "A service account token."),
  clusterTrustBundle: opt(5, ClusterTrustBundleProjection, "Trust anchors."),
});

export const ProjectedVolumeSource = struct(n("ProjectedVolumeSource"), "Several sources combined into one directory.", {
  sources: opt(1, list(VolumeProjection, { listType: "atomic" }), "The sources."),
  defaultMode: modeField(2, "File mode bits; default 0644."),
});

export const NFSVolumeSource = struct(n("NFSVolumeSource"), "An NFS export.", {
  server: req(1, str, "NFS server host or IP."),
  path: req(2, str, "Exported path."),
  readOnly: opt(3, bool, "Mount read-only."),
});

export const CSIVolumeSource = struct(n("CSIVolumeSource"), "An inline volume of a CSI driver.", {
  driver: req(1, str, "CSI driver name."),
  readOnly: opt(2, bool, PTR, "Mount read-only."),
  fsType: opt(3, str, PTR, "Filesystem type."),
  volumeAttributes: opt(4, strMap, "Driver-specific attributes."),
  nodePublishSecretRef: opt(5, LocalObjectReference, "Secret for the driver."),
});

export const ImageVolumeSource = struct(n("ImageVolumeSource"), "An OCI image mounted as a read-only volume.", {
  reference: opt(1, str, "Image reference."),
  pullPolicy: opt(2, oneOf(...IMAGE_PULL_POLICIES), "Pull policy."),
});

// Rarely used in a sandbox, accepted so real manifests pass validation.
const legacySource = (name: string, fields: Parameters<typeof struct>[2]) => struct(n(name), "A storage source of a specific vendor or protocol.", fields);

const GCEPersistentDiskVolumeSource = legacySource("GCEPersistentDiskVolumeSource", { pdName: req(1, str), fsType: opt(2, str), partition: opt(3, int32), readOnly: opt(4, bool) });
const AWSElasticBlockStoreVolumeSource = legacySource("AWSElasticBlockStoreVolumeSource", { volumeID: req(1, str), fsType: opt(2, str), partition: opt(3, int32), readOnly: opt(4, bool) });
const GitRepoVolumeSource = legacySource("GitRepoVolumeSource", { repository: req(1, str), revision: opt(2, str), directory: opt(3, str) });
const ISCSIVolumeSource = legacySource("ISCSIVolumeSource", {
  targetPortal: req(1, str),
  iqn: req(2, str),
  lun: req(3, int32),
  iscsiInterface: opt(4, str),
  fsType: opt(5, str),
  readOnly: opt(6, bool),
  portals: opt(7, list(str)),
  chapAuthDiscovery: opt(8, bool),
  chapAuthSession: opt(11, bool),
  secretRef: opt(10, LocalObjectReference),
  initiatorName: opt(12, str, PTR),
});
const GlusterfsVolumeSource = legacySource("GlusterfsVolumeSource", { endpoints: req(1, str), path: req(2, str), readOnly: opt(3, bool) });
const RBDVolumeSource = legacySource("RBDVolumeSource", {
  monitors: req(1, list(str)),
  image: req(2, str),
  fsType: opt(3, str),
  pool: opt(4, str),
  user: opt(5, str),
  keyring: opt(6, str),
  secretRef: opt(7, LocalObjectReference),
  readOnly: opt(8, bool),
});
const FlexVolumeSource = legacySource("FlexVolumeSource", { driver: req(1, str), fsType: opt(2, str), secretRef: opt(3, LocalObjectReference), readOnly: opt(4, bool), options: opt(5, strMap) });
const CinderVolumeSource = legacySource("CinderVolumeSource", { volumeID: req(1, str), fsType: opt(2, str), readOnly: opt(3, bool), secretRef: opt(4, LocalObjectReference) });
const CephFSVolumeSource = legacySource("CephFSVolumeSource", {
  monitors: req(1, list(str)),
  path: opt(2, str),
  user: opt(3, str),
  secretFile: opt(4, str),
  secretRef: opt(5, LocalObjectReference),
  readOnly: opt(6, bool),
});
const FlockerVolumeSource = legacySource("FlockerVolumeSource", { datasetName: opt(1, str), datasetUUID: opt(2, str) });
const FCVolumeSource = legacySource("FCVolumeSource", { targetWWNs: opt(1, list(str)), lun: opt(2, int32, PTR), fsType: opt(3, str), readOnly: opt(4, bool), wwids: opt(5, list(str)) });
const AzureFileVolumeSource = legacySource("AzureFileVolumeSource", { secretName: req(1, str), shareName: req(2, str), readOnly: opt(3, bool) });
const VsphereVirtualDiskVolumeSource = legacySource("VsphereVirtualDiskVolumeSource", { volumePath: req(1, str), fsType: opt(2, str), storagePolicyName: opt(3, str), storagePolicyID: opt(4, str) });
const QuobyteVolumeSource = legacySource("QuobyteVolumeSource", { registry: req(1, str), volume: req(2, str), readOnly: opt(3, bool), user: opt(4, str), group: opt(5, str, PTR), tenant: opt(6, str) });
const AzureDiskVolumeSource = legacySource("AzureDiskVolumeSource", {
  diskName: req(1, str),
  diskURI: req(2, str),
  cachingMode: opt(3, str, PTR),
  fsType: opt(4, str, PTR),
  readOnly: opt(5, bool, PTR),
  kind: opt(6, str, PTR),
});
const PhotonPersistentDiskVolumeSource = legacySource("PhotonPersistentDiskVolumeSource", { pdID: req(1, str), fsType: opt(2, str) });
const PortworxVolumeSource = legacySource("PortworxVolumeSource", { volumeID: req(1, str), fsType: opt(2, str), readOnly: opt(3, bool) });
const ScaleIOVolumeSource = legacySource("ScaleIOVolumeSource", {
  gateway: req(1, str),
  system: req(2, str),
  secretRef: req(3, LocalObjectReference),
  sslEnabled: opt(4, bool),
  protectionDomain: opt(5, str),
  storagePool: opt(6, str),
  storageMode: opt(7, str),
  volumeName: opt(8, str),
  fsType: opt(9, str),
  readOnly: opt(10, bool),
});
const StorageOSVolumeSource = legacySource("StorageOSVolumeSource", { volumeName: opt(1, str), volumeNamespace: opt(2, str), fsType: opt(3, str), readOnly: opt(4, bool), secretRef: opt(5, LocalObjectReference) });

export const TypedObjectReference = struct(n("TypedObjectReference"), "Names a typed object, possibly in another namespace.", {
  apiGroup: opt(1, str, PTR, "API group of the referent."),
  kind: req(2, str, "Kind of the referent."),
  name: req(3, str, "Name of the referent."),
  namespace: opt(4, str, PTR, "Namespace of the referent."),
});

export const VolumeResourceRequirements = struct(n("VolumeResourceRequirements"), "Storage a claim asks for.", {
  limits: opt(1, map(quantity), "Most storage the volume may have."),
  requests: opt(2, map(quantity), "Storage the volume must have, e.g. storage: 1Gi."),
});

export const PersistentVolumeClaimSpec = struct(n("PersistentVolumeClaimSpec"), "What storage a claim asks for.", {
  accessModes: opt(1, list(oneOf("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"), { listType: "atomic" }), "How the volume may be mounted."),
  selector: opt(4, LabelSelector, "Volumes to consider for binding, by label."),
  resources: opt(2, VolumeResourceRequirements, ALWAYS, "Storage requested."),
  volumeName: opt(3, str, "A specific PersistentVolume to bind to."),
  storageClassName: opt(5, str, PTR, "StorageClass to provision from; empty string for none."),
  volumeMode: opt(6, oneOf("Block", "Filesystem"), PTR, "Filesystem (the default) or Block."),
  dataSource: opt(7, TypedLocalObjectReference, "An object to populate the volume from."),
  dataSourceRef: opt(8, TypedObjectReference, "An object to populate the volume from, possibly a custom populator."),
  volumeAttributesClassName: opt(9, str, PTR, "VolumeAttributesClass to use."),
});

export const PersistentVolumeClaimTemplate = struct(n("PersistentVolumeClaimTemplate"), "A claim made for a pod and deleted with it.", {
  metadata: opt(1, ObjectMeta, "Labels and annotations for the claim."),
  spec: req(2, PersistentVolumeClaimSpec, "The claim's spec."),
});

export const EphemeralVolumeSource = struct(n("EphemeralVolumeSource"), "A volume provisioned for the pod through a claim and deleted with it.", {
  volumeClaimTemplate: opt(1, PersistentVolumeClaimTemplate, "The claim to create."),
});

const VOLUME_SOURCES = {
  hostPath: opt(1, HostPathVolumeSource, "A file or directory of the node."),
  emptyDir: opt(2, EmptyDirVolumeSource, "A scratch directory that lives as long as the pod."),
  gcePersistentDisk: opt(3, GCEPersistentDiskVolumeSource, "Deprecated: a GCE persistent disk."),
  awsElasticBlockStore: opt(4, AWSElasticBlockStoreVolumeSource, "Deprecated: an AWS EBS volume."),
  gitRepo: opt(5, GitRepoVolumeSource, "Deprecated: a git checkout."),
  secret: opt(6, SecretVolumeSource, "A Secret's keys as files."),
  nfs: opt(7, NFSVolumeSource, "An NFS export."),
  iscsi: opt(8, ISCSIVolumeSource, "An iSCSI disk."),
  glusterfs: opt(9, GlusterfsVolumeSource, "Deprecated: a GlusterFS volume."),
  persistentVolumeClaim: opt(10, PersistentVolumeClaimVolumeSource, "A PersistentVolumeClaim."),
  rbd: opt(11, RBDVolumeSource, "Deprecated: a Ceph RBD image."),
  flexVolume: opt(12, FlexVolumeSource, "Deprecated: a FlexVolume driver."),
  cinder: opt(13, CinderVolumeSource, "Deprecated: an OpenStack Cinder volume."),
  cephfs: opt(14, CephFSVolumeSource, "Deprecated: a CephFS mount."),
  flocker: opt(15, FlockerVolumeSource, "Deprecated: a Flocker dataset."),
  downwardAPI: opt(16, DownwardAPIVolumeSource, "Fields of the pod as files."),
  fc: opt(17, FCVolumeSource, "A Fibre Channel disk."),
  azureFile: opt(18, AzureFileVolumeSource, "Deprecated: an Azure file share."),
  configMap: opt(19, ConfigMapVolumeSource, "A ConfigMap's keys as files."),
  vsphereVolume: opt(20, VsphereVirtualDiskVolumeSource, "Deprecated: a vSphere disk."),
  quobyte: opt(21, QuobyteVolumeSource, "Deprecated: a Quobyte volume."),
  azureDisk: opt(22, AzureDiskVolumeSource, "Deprecated: an Azure data disk."),
  photonPersistentDisk: opt(23, PhotonPersistentDiskVolumeSource, "Deprecated: a Photon disk."),
  projected: opt(26, ProjectedVolumeSource, "Several sources in one directory."),
  portworxVolume: opt(24, PortworxVolumeSource, "Deprecated: a Portworx volume."),
  scaleIO: opt(25, ScaleIOVolumeSource, "Deprecated: a ScaleIO volume."),
  storageos: opt(27, StorageOSVolumeSource, "Deprecated: a StorageOS volume."),
  csi: opt(28, CSIVolumeSource, "An inline CSI volume."),
  ephemeral: opt(29, EphemeralVolumeSource, "A claim made for the pod and deleted with it."),
  image: opt(30, ImageVolumeSource, "An OCI image, read-only."),
};
const VOLUME_SOURCE_NAMES = Object.keys(VOLUME_SOURCES);

export const Volume = struct(
  n("Volume"),
  "A named volume of the pod that its containers can mount.",
  { name: req(1, str, "Name of the volume, a DNS label unique in the pod."), ...inline(2, VOLUME_SOURCES) },
  {
    check(v, p) {
      if (v.name) for (const e of dns1123Label(v.name)) p.invalid(["name"], v.name, e);
      const set = VOLUME_SOURCE_NAMES.filter((k) => (v as Record<string, unknown>)[k] !== undefined);
      if (set.length === 0) p.required([], "must specify a volume type");
      else if (set.length > 1) p.forbidden([set[1]], "may not specify more than 1 volume type");
    },
  },
);
export type VolumeT = z.infer<typeof Volume>;

// ---------------------------------------------------------------------------------------------
// The pod spec

export const HostAlias = struct(n("HostAlias"), "An extra /etc/hosts entry.", {
  ip: req(1, str, "The address."),
  hostnames: opt(2, list(str, { listType: "atomic" }), "Names for it."),
});

export const PodDNSConfigOption = struct(n("PodDNSConfigOption"), "A resolver option.", { name: opt(1, str, "Option name."), value: opt(2, str, PTR, "Option value.") });

export const PodDNSConfig = struct(n("PodDNSConfig"), "DNS settings added to those of the DNS policy.", {
  nameservers: opt(1, list(str, { listType: "atomic" }), "Extra name servers."),
  searches: opt(2, list(str, { listType: "atomic" }), "Extra search domains."),
  options: opt(3, list(PodDNSConfigOption, { listType: "atomic" }), "Resolver options."),
});

export const PodReadinessGate = struct(n("PodReadinessGate"), "An extra pod condition that must be True for the pod to be Ready.", {
  conditionType: req(1, str, "The condition type."),
});

export const PodOS = struct(n("PodOS"), "The operating system the pod needs.", { name: req(1, oneOf("linux", "windows"), "linux or windows.") });

export const PodSchedulingGate = struct(n("PodSchedulingGate"), "While any gate is present the pod is not scheduled.", { name: req(1, str, "Name of the gate.") });

export const PodResourceClaim = struct(n("PodResourceClaim"), "A dynamic resource claim of the pod.", {
  name: req(1, str, "Name used by containers to refer to the claim."),
  resourceClaimName: opt(3, str, PTR, "An existing ResourceClaim."),
  resourceClaimTemplateName: opt(4, str, PTR, "A template to make a claim from."),
});

const RESTART_POLICIES = ["Always", "OnFailure", "Never"] as const;
const DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"] as const;

export const PodSpec = struct(
  n("PodSpec"),
  "What a pod runs and how: its containers, volumes, restart policy and scheduling constraints.",
  {
    volumes: opt(1, list(Volume, { key: "name", strategy: "merge,retainKeys" }), "Volumes the containers can mount."),
    initContainers: opt(20, list(Container, { key: "name", strategy: "merge" }), "Containers run one after another to completion before the app containers start."),
    containers: req(2, list(Container, { key: "name", strategy: "merge" }), "The app containers; at least one."),
    ephemeralContainers: opt(34, list(EphemeralContainer, { key: "name", strategy: "merge" }), "Debug containers added to a running pod."),
    restartPolicy: opt(3, oneOf(...RESTART_POLICIES), "Always (the default), OnFailure or Never."),
    terminationGracePeriodSeconds: opt(4, int64, PTR, "Seconds between the stop signal and the kill (default 30)."),
    activeDeadlineSeconds: opt(5, int64, PTR, "Seconds the pod may be active before it is failed."),
    dnsPolicy: opt(6, oneOf(...DNS_POLICIES), "ClusterFirst (the default), ClusterFirstWithHostNet, Default or None."),
    nodeSelector: opt(7, strMap, "Node labels the node must have for the pod to be placed there."),
    serviceAccountName: opt(8, str, "Service account the pod runs as (default)."),
    serviceAccount: opt(9, str, "Deprecated alias of serviceAccountName."),
    automountServiceAccountToken: opt(21, bool, PTR, "Whether the service account token is mounted."),
    nodeName: opt(10, str, "The node the pod runs on; set by the scheduler, or by you to skip it."),
    hostNetwork: opt(11, bool, "Use the node's network namespace."),
    hostPID: opt(12, bool, "Use the node's PID namespace."),
    hostIPC: opt(13, bool, "Use the node's IPC namespace."),
    shareProcessNamespace: opt(27, bool, PTR, "Containers see each other's processes."),
    securityContext: opt(14, PodSecurityContext, "Security settings for every container."),
    imagePullSecrets: opt(15, list(LocalObjectReference, { key: "name", strategy: "merge" }), "Secrets with registry credentials."),
    hostname: opt(16, str, "Hostname of the pod; its name by default."),
    subdomain: opt(17, str, "With a headless service of this name, the pod gets <hostname>.<subdomain>.<namespace>.svc."),
    affinity: opt(18, Affinity, "Node and pod affinity rules."),
    schedulerName: opt(19, str, "Scheduler that places the pod (default-scheduler)."),
    tolerations: opt(22, list(Toleration, { listType: "atomic" }), "Taints the pod tolerates."),
    hostAliases: opt(23, list(HostAlias, { key: "ip", strategy: "merge" }), "Extra /etc/hosts entries."),
    priorityClassName: opt(24, str, "PriorityClass giving the pod its priority."),
    priority: opt(25, int32, PTR, "Priority, set from priorityClassName."),
    dnsConfig: opt(26, PodDNSConfig, "Extra DNS settings."),
    readinessGates: opt(28, list(PodReadinessGate, { listType: "atomic" }), "Extra conditions needed for readiness."),
    runtimeClassName: opt(29, str, PTR, "RuntimeClass to run with."),
    enableServiceLinks: opt(30, bool, PTR, "Inject service environment variables (default true)."),
    preemptionPolicy: opt(31, oneOf("Never", "PreemptLowerPriority"), PTR, "Whether the pod may preempt lower-priority pods."),
    overhead: opt(32, map(quantity), "Resources the runtime needs on top of the containers."),
    topologySpreadConstraints: opt(33, list(TopologySpreadConstraint, { key: "topologyKey", strategy: "merge", listType: "map", mapKeys: ["topologyKey", "whenUnsatisfiable"] }), "How pods spread over topology domains."),
    setHostnameAsFQDN: opt(35, bool, PTR, "Use the FQDN as the hostname."),
    os: opt(36, PodOS, "Operating system the pod needs."),
    hostUsers: opt(37, bool, PTR, "Use the host's user namespace (default true)."),
    schedulingGates: opt(38, list(PodSchedulingGate, { key: "name", strategy: "merge", listType: "map", mapKeys: ["name"] }), "Gates that hold scheduling back."),
    resourceClaims: opt(39, list(PodResourceClaim, { key: "name", strategy: "merge,retainKeys", listType: "map", mapKeys: ["name"] }), "Dynamic resource claims."),
    resources: opt(40, ResourceRequirements, "Pod-level resource requests and limits."),
  },
  { check: (s, p) => checkPodSpec(s as PodSpecT, p) },
);
export type PodSpecT = z.infer<typeof PodSpec>;

function checkPodSpec(s: PodSpecT, p: Problems) {
  const volumeNames = new Set<string>();
  s.volumes?.forEach((v, i) => {
    if (!v.name) return;
    if (volumeNames.has(v.name)) p.duplicate(["volumes", i, "name"], v.name);
    volumeNames.add(v.name);
  });
  const names = new Set<string>();
  const checkNames = (list: { name?: string; volumeMounts?: { name?: string }[] }[] | undefined, field: string) => {
    list?.forEach((c, i) => {
      if (c.name) {
        if (names.has(c.name)) p.duplicate([field, i, "name"], c.name);
        names.add(c.name);
      }
      c.volumeMounts?.forEach((m, j) => {
        if (m.name && !volumeNames.has(m.name)) p.notFound([field, i, "volumeMounts", j, "name"], m.name);
      });
    });
  };
  checkNames(s.initContainers, "initContainers");
  checkNames(s.containers, "containers");
  if (s.terminationGracePeriodSeconds !== undefined && s.terminationGracePeriodSeconds < 0)
    p.invalid(["terminationGracePeriodSeconds"], s.terminationGracePeriodSeconds, "must be greater than or equal to 0");
  if (s.activeDeadlineSeconds !== undefined && s.activeDeadlineSeconds <= 0) p.invalid(["activeDeadlineSeconds"], s.activeDeadlineSeconds, "must be between 1 and 2147483647, inclusive");
  if (s.nodeSelector) {
    for (const [k, v] of Object.entries(s.nodeSelector)) {
      for (const e of qualifiedName(k)) p.invalid(["nodeSelector"], k, e);
      void v;
    }
  }
  if (s.hostname) for (const e of dns1123Label(s.hostname)) p.invalid(["hostname"], s.hostname, e);
  if (s.subdomain) for (const e of dns1123Label(s.subdomain)) p.invalid(["subdomain"], s.subdomain, e);
  if (s.serviceAccountName) for (const e of dns1123Subdomain(s.serviceAccountName)) p.invalid(["serviceAccountName"], s.serviceAccountName, e);
  if (s.priorityClassName) for (const e of dns1123Subdomain(s.priorityClassName)) p.invalid(["priorityClassName"], s.priorityClassName, e);
  if (s.dnsPolicy === "None" && !s.dnsConfig) p.required(["dnsConfig"], "must provide `dnsConfig` when `dnsPolicy` is None");
}

export const PodTemplateSpec = struct(n("PodTemplateSpec"), "A template for the pods a controller creates.", {
  metadata: opt(1, ObjectMeta, ALWAYS, "Labels and annotations the pods get."),
  spec: opt(2, PodSpec, ALWAYS, "The pods' spec."),
});
export type PodTemplateSpecT = z.infer<typeof PodTemplateSpec>;

// ---------------------------------------------------------------------------------------------
// Pod status

export const PodCondition = struct(n("PodCondition"), "One aspect of a pod's state.", {
  type: req(1, str, ALWAYS, UNCHECKED, "PodScheduled, Initialized, ContainersReady, Ready or PodReadyToStartContainers."),
  observedGeneration: opt(7, int64, "The pod generation the condition was set for."),
  status: req(2, oneOf("True", "False", "Unknown"), ALWAYS, UNCHECKED, "True, False or Unknown."),
  lastProbeTime: opt(3, time, ALWAYS, "When the condition was last probed."),
  lastTransitionTime: opt(4, time, ALWAYS, "When the status last changed."),
  reason: opt(5, str, "Machine-readable reason."),
  message: opt(6, str, "Human-readable details."),
});

export const ContainerStateWaiting = struct(n("ContainerStateWaiting"), "A container not yet running.", {
  reason: opt(1, str, "Why, such as ContainerCreating, ImagePullBackOff or CrashLoopBackOff."),
  message: opt(2, str, "Details."),
});

export const ContainerStateRunning = struct(n("ContainerStateRunning"), "A running container.", {
  startedAt: opt(1, time, ALWAYS, "When it (re)started."),
});

export const ContainerStateTerminated = struct(n("ContainerStateTerminated"), "A container that has exited.", {
  exitCode: req(1, int32, ALWAYS, UNCHECKED, "Exit code."),
  signal: opt(2, int32, "Signal that stopped it."),
  reason: opt(3, str, "Why, such as Completed, Error or OOMKilled."),
  message: opt(4, str, "Details."),
  startedAt: opt(5, time, ALWAYS, "When it started."),
  finishedAt: opt(6, time, ALWAYS, "When it exited."),
  containerID: opt(7, str, "Runtime ID of the container."),
});

export const ContainerState = struct(n("ContainerState"), "Exactly one of waiting, running or terminated.", {
  waiting: opt(1, ContainerStateWaiting, "Not running yet."),
  running: opt(2, ContainerStateRunning, "Running."),
  terminated: opt(3, ContainerStateTerminated, "Exited."),
});

export const ContainerUser = struct(n("ContainerUser"), "Identity of the container's first process.", {
  linux: opt(1, struct(n("LinuxContainerUser"), "Linux identity.", { uid: req(1, int64, ALWAYS, UNCHECKED), gid: req(2, int64, ALWAYS, UNCHECKED), supplementalGroups: opt(3, list(int64)) }), "Linux identity."),
});

export const VolumeMountStatus = struct(n("VolumeMountStatus"), "A mount as the runtime made it.", {
  name: req(1, str, ALWAYS, UNCHECKED, "Volume name."),
  mountPath: req(2, str, ALWAYS, UNCHECKED, "Path in the container."),
  readOnly: opt(3, bool, "Mounted read-only."),
  recursiveReadOnly: opt(4, str, PTR, "Recursive read-only state."),
});

export const ResourceStatus = struct(n("ResourceStatus"), "Health of devices assigned to a container.", {
  name: req(1, str, ALWAYS, UNCHECKED, "Resource name."),
  resources: opt(2, list(struct(n("ResourceHealth"), "Health of one device.", { resourceID: req(1, str, ALWAYS, UNCHECKED), health: opt(2, str) }), { listType: "map", mapKeys: ["resourceID"] })),
});

export const ContainerStatus = struct(n("ContainerStatus"), "The state of one container of the pod.", {
  name: req(1, str, ALWAYS, UNCHECKED, "Container name."),
  state: opt(2, ContainerState, ALWAYS, "Current state."),
  lastState: opt(3, ContainerState, ALWAYS, "State before the last restart."),
  ready: req(4, bool, ALWAYS, UNCHECKED, "Whether it passes its readiness probe."),
  restartCount: req(5, int32, ALWAYS, UNCHECKED, "How many times it has been restarted."),
  image: req(6, str, ALWAYS, UNCHECKED, "Image it runs."),
  imageID: opt(7, str, ALWAYS, "Digest of the image."),
  containerID: opt(8, str, "Runtime ID, such as containerd://..."),
  started: opt(9, bool, PTR, "Whether it passed its startup probe."),
  allocatedResources: opt(10, map(quantity), "Resources allocated on the node."),
  resources: opt(11, ResourceRequirements, "Resources the runtime applied."),
  volumeMounts: opt(12, list(VolumeMountStatus, { key: "mountPath", strategy: "merge" }), "Mounts as made."),
  user: opt(13, ContainerUser, "Identity of its process."),
  allocatedResourcesStatus: opt(14, list(ResourceStatus, { key: "name", strategy: "merge" }), "Device health."),
  stopSignal: opt(15, str, PTR, "Signal used to stop it."),
});
export type ContainerStatusT = z.infer<typeof ContainerStatus>;

export const PodIP = struct(n("PodIP"), "An address of the pod.", { ip: req(1, str, ALWAYS, UNCHECKED, "The address.") });
export const HostIP = struct(n("HostIP"), "An address of the pod's node.", { ip: req(1, str, ALWAYS, UNCHECKED, "The address.") });

export const PodResourceClaimStatus = struct(n("PodResourceClaimStatus"), "Which ResourceClaim a pod claim resolved to.", {
  name: req(1, str, ALWAYS, UNCHECKED, "Name of the pod claim."),
  resourceClaimName: opt(2, str, PTR, "The ResourceClaim."),
});

export const PodStatus = struct(n("PodStatus"), "What is known about a pod: its phase, conditions, addresses and containers.", {
  observedGeneration: opt(17, int64, "The pod generation this status is for."),
  phase: opt(1, oneOf("Pending", "Running", "Succeeded", "Failed", "Unknown"), "Pending, Running, Succeeded, Failed or Unknown."),
  conditions: opt(2, list(PodCondition, { key: "type", strategy: "merge", listType: "map", mapKeys: ["type"] }), "Scheduled, initialized, containers ready, ready."),
  message: opt(3, str, "Why the pod is in this state."),
  reason: opt(4, str, "Short reason, such as Evicted."),
  nominatedNodeName: opt(11, str, "Node the pod may go to after preemption."),
  hostIP: opt(5, str, "Address of the node."),
  hostIPs: opt(16, list(HostIP, { key: "ip", strategy: "merge", listType: "atomic" }), "Addresses of the node."),
  podIP: opt(6, str, "Address of the pod."),
  podIPs: opt(12, list(PodIP, { key: "ip", strategy: "merge", listType: "map", mapKeys: ["ip"] }), "Addresses of the pod."),
  startTime: opt(7, time, PTR, "When the kubelet accepted the pod."),
  initContainerStatuses: opt(10, list(ContainerStatus, { listType: "atomic" }), "State of each init container."),
  containerStatuses: opt(8, list(ContainerStatus, { listType: "atomic" }), "State of each container."),
  qosClass: opt(9, oneOf("Guaranteed", "Burstable", "BestEffort"), "Guaranteed, Burstable or BestEffort, from the resources."),
  ephemeralContainerStatuses: opt(13, list(ContainerStatus, { listType: "atomic" }), "State of each ephemeral container."),
  resize: opt(14, str, "State of an in-place resize."),
  resourceClaimStatuses: opt(15, list(PodResourceClaimStatus, { key: "name", strategy: "merge,retainKeys", listType: "map", mapKeys: ["name"] }), "Resolved resource claims."),
});
export type PodStatusT = z.infer<typeof PodStatus>;

// ---------------------------------------------------------------------------------------------
// Events, shared by core/v1 and events.k8s.io/v1

export const EventSource = struct(n("EventSource"), "Who reported an event.", {
  component: opt(1, str, "The reporting component."),
  host: opt(2, str, "The node it runs on."),
});

export const EventSeries = struct(n("EventSeries"), "A repeating event.", {
  count: opt(1, int32, "Occurrences so far."),
  lastObservedTime: opt(2, microTime, ALWAYS, "Time of the last occurrence."),
});
