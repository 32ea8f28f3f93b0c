// The parts of Kubernetes objects the cluster view reads.
export interface Meta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  ownerReferences?: { kind: string; name: string; controller?: boolean }[];
}
export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: Meta;
}
export interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}
export type ResourceList = Record<string, string>;
export interface Container {
  name: string;
  image?: string;
  restartPolicy?: string;
  resources?: { requests?: ResourceList; limits?: ResourceList };
  ports?: { containerPort: number; name?: string; protocol?: string }[];
}
export interface ContainerState {
  waiting?: { reason?: string; message?: string };
  running?: { startedAt?: string };
  terminated?: { reason?: string; exitCode?: number; signal?: number; message?: string; finishedAt?: string };
}
export interface ContainerStatus {
  name: string;
  image?: string;
  ready: boolean;
  started?: boolean;
  restartCount: number;
  state?: ContainerState;
  lastState?: ContainerState;
}
export interface Pod extends KObject {
  spec: { nodeName?: string; containers: Container[]; initContainers?: Container[]; schedulerName?: string; overhead?: ResourceList };
  status?: {
    phase?: string;
    reason?: string;
    message?: string;
    podIP?: string;
    hostIP?: string;
    conditions?: Condition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}
export interface Node extends KObject {
  spec?: { unschedulable?: boolean; taints?: { key: string; value?: string; effect: string }[] };
  status?: { conditions?: Condition[]; capacity?: ResourceList; allocatable?: ResourceList; nodeInfo?: { kubeletVersion?: string } };
}
export interface Service extends KObject {
  spec?: { type?: string; clusterIP?: string; selector?: Record<string, string>; ports?: { name?: string; port: number; targetPort?: number | string; nodePort?: number; protocol?: string }[] };
}
export interface EndpointSlice extends KObject {
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean }; nodeName?: string; targetRef?: { kind?: string; name: string; namespace?: string } }[];
  ports?: { name?: string; port?: number; protocol?: string }[];
}
export interface Workload extends KObject {
  spec?: { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  status?: { replicas?: number; readyReplicas?: number; availableReplicas?: number; updatedReplicas?: number; desiredNumberScheduled?: number; numberReady?: number; currentNumberScheduled?: number };
}
export interface KEvent extends KObject {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
}
export interface Namespace extends KObject {
  status?: { phase?: string };
}

export function keyOf(o: KObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}
