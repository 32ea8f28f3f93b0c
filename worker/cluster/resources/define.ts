// What a kind is: its names and scope, its schema, and the per-kind behaviour the generic API
// machinery calls. A kind is one file in resources/ that exports one of these; registry.ts lists them.
import type { z } from "zod";
import type { Problems } from "../machinery/schema/dsl";
import type { ObjectMetaT } from "./types/meta";

/** Any Kubernetes object as JSON. */
export interface KObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMetaT;
  [field: string]: unknown;
}

export type Verb = "get" | "list" | "watch" | "create" | "update" | "patch" | "delete" | "deletecollection";
export const ALL_VERBS: Verb[] = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

export interface Column<T = KObject> {
  name: string;
  type: "string" | "integer" | "number" | "boolean" | "date";
  format?: string;
  /** 0: always shown; 1: shown with -o wide. */
  priority?: 0 | 1;
  description: string;
  cell(obj: T, ctx: TableContext): string | number | boolean | null;
}

export interface TableContext {
  now: number;
}

export interface Subresource {
  name: string;
  /** Kind answered by the subresource (defaults to the parent's kind). */
  kind?: { group: string; version: string; kind: string };
  verbs: Verb[];
}

/** Context handed to per-kind hooks that run inside the write transaction. */
export interface HookContext {
  now: number;
  /** Reserve or free a value in a pool (ClusterIPs, NodePorts); throws an ApiError when taken. */
  allocations: Allocations;
  /** Cluster settings (subnets, ranges). */
  cluster: ClusterSettings;
  dryRun: boolean;
  /** Reads another object (for admission checks such as "does the service account exist"). */
  get<T extends KObject = KObject>(storage: string, namespace: string, name: string): T | undefined;
  /** Reads the stored objects of a kind (admission plugins that list, such as DefaultIngressClass; keep to small kinds). */
  scan<T extends KObject = KObject>(storage: string, namespace: string | null): Iterable<T>;
  /** Rejects the request as Forbidden with this reason (admission). */
  forbid(reason: string): never;
  /** The subresource an update came through ("status", "ephemeralcontainers"), if any. */
  subresource?: string;
}

export interface Allocations {
  isTaken(pool: string, value: string): boolean;
  take(pool: string, value: string, owner: string): void;
  release(pool: string, value: string): void;
  releaseOwner(pool: string, owner: string): void;
  /** A free value from `candidates()` chosen at random; null when the pool is full. */
  pick(pool: string, size: number, nth: (i: number) => string, owner: string): string | null;
}

export interface ClusterSettings {
  name: string;
  podSubnet: string;
  serviceSubnet: string;
  nodePortRange: [number, number];
  kubernetesVersion: string;
  /** kube-proxy's mode from the kind config ("none": no kube-proxy). */
  kubeProxyMode: "iptables" | "ipvs" | "nftables" | "none";
}

export interface ResourceDef<T extends KObject = KObject> {
  group: string;
  version: string;
  kind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** The whole object, apiVersion and kind included. */
  schema: z.ZodType;
  verbs?: Verb[];
  subresources?: Subresource[];
  /** Kinds without storage (reviews): create computes an answer and stores nothing. */
  virtual?: (obj: T, ctx: VirtualContext) => T;
  /** Kinds computed when read (metrics.k8s.io): get and list answer these; nothing is stored. */
  computed?(ctx: ComputeContext, namespace: string | null): Iterable<T>;
  /** Another version of a stored kind (events.k8s.io/v1 Event is stored as a core/v1 Event). */
  storage?: { resource: string; toStorage(obj: KObject): KObject; fromStorage(obj: KObject): T };
  /** metadata.generation tracks spec changes. */
  generation?: boolean;
  /** Name rules; defaults to a DNS-1123 subdomain. */
  nameRule?: (name: string) => string[];
  columns?: Column<T>[];
  /** Fields usable in fieldSelector beyond metadata.name and metadata.namespace. */
  fieldSelectors?: Record<string, (obj: T) => string | undefined>;
  /** Defaulting, as the API server's defaulters do. */
  defaults?(obj: T): void;
  /** Fills fields the server owns on create (status, allocations). */
  prepareCreate?(obj: T, ctx: HookContext): void;
  /** Carries over what a plain update may not change (status) and fills server fields. */
  prepareUpdate?(obj: T, old: T, ctx: HookContext): void;
  /** For the status subresource: keeps everything but status from the old object. */
  prepareStatusUpdate?(obj: T, old: T): void;
  /** The object as the schema's checks should see it, when that differs from what is stored. */
  validationView?(obj: T): T;
  /** Rules that compare with the old object (immutable fields). */
  validateUpdate?(obj: T, old: T, p: Problems, subresource?: string): void;
  /** Cleanup inside the delete transaction (release allocations). */
  onDelete?(obj: T, ctx: HookContext): void;
  /** Grace period for a delete without one in the request; 0 deletes at once. */
  gracePeriod?(obj: T, requested: number | undefined): number;
  /** Answer a delete with the deleted object rather than a Status. */
  deleteReturnsObject?: boolean;
  /** PUT may create the object when it does not exist. */
  allowCreateOnUpdate?: boolean;
  /** A PUT without metadata.resourceVersion is allowed (last write wins). Built-in kinds allow it,
   * as their kube-apiserver strategies do; false makes the resourceVersion required (custom resources). */
  allowUnconditionalUpdate?: boolean;
  /** Whether an object being deleted may now be removed (besides having no finalizers). */
  readyToRemove?(obj: T): boolean;
  /** Why this object may never be deleted (admission refuses with Forbidden), or null. */
  forbidDelete?(obj: T): string | null;
  /** Marks the start of deletion (a namespace becomes Terminating). */
  beginDelete?(obj: T): void;
  /** Computes state that changes only with time when the object is read. */
  decorate?(obj: T, now: number, read: ReadContext): T;
  /** Deprecated from a Kubernetes minor version on: every request for the kind carries the warning, as kube-apiserver sends it. */
  deprecated?: { sinceMinor: number; warning: string };
  /** Checks beyond the schema that see the old object too (a CRD's structural schema and CEL rules); `old` is null on create. */
  validateObject?(obj: T, old: T | null, subresource?: string): import("../machinery/schema/dsl").K8sIssue[];
  /** Set on kinds made from a CustomResourceDefinition (resources/custom/). */
  custom?: CustomKindInfo;
}

/** What the API server treats differently for a custom resource. */
export interface CustomKindInfo {
  /** The CRD's name (<plural>.<group>). */
  crd: string;
  /** The version objects are stored in. */
  storageVersion: string;
  /** The object's and its list's schemas as the served OpenAPI documents publish them. */
  openapi: { v3: Record<string, unknown>; v2: Record<string, unknown>; name: string };
  /** The scale subresource's paths, when the version has one. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** Why creating is refused (the CRD is being deleted), or null. */
  terminating: boolean;
}

/** The deprecation warning a request for `def` gets on a cluster of `kubernetesVersion` ("v1.33.1"), or null. */
export function deprecationWarning(def: Pick<ResourceDef, "deprecated">, kubernetesVersion: string): string | null {
  const minor = Number(/^v?1\.(\d+)/.exec(kubernetesVersion)?.[1] ?? 0);
  return def.deprecated && minor >= def.deprecated.sinceMinor ? def.deprecated.warning : null;
}

/** What reads may consult beyond the object (state computed when read). The node simulation
 * hands these functions to the registry at start-up, so kinds never import the simulation. */
export interface ReadContext {
  /** A node's heartbeat time as its kubelet would have renewed `stored` by `now` (RFC 3339, micro for Leases). */
  heartbeat(node: string, stored: string | undefined, now: number, micro?: boolean): string;
}

/** Simulated resource use of one container or node. */
export interface ResourceUse {
  milliCPU: number;
  memory: number;
}

/** Where computed kinds (metrics) read simulated use from; handed in by the node simulation. */
export interface UsageReader {
  /** The running pods of a namespace (or all) and the use of their running containers. */
  pods(scan: ComputeContext["scan"], namespace: string | null): { pod: KObject; containers: (ResourceUse & { name: string })[] }[];
  /** What a node's system daemons use besides its pods. */
  system(controlPlane: boolean): ResourceUse;
}

/** What a computed kind is computed from. */
export interface ComputeContext {
  now: number;
  scan<T extends KObject>(storage: string, namespace: string | null): Iterable<T>;
  usage: UsageReader;
}

export interface VirtualContext {
  identity: import("../../auth/identity").Identity;
  namespace: string;
  /** The user the review is for (authenticated, then impersonated). */
  user: import("../../auth/identity").UserInfo;
  /** The cluster's authorizer, which the access reviews ask. */
  authorizer: import("../authorization/types").Authorizer;
}

export function defineKind<T extends KObject>(def: ResourceDef<T>): ResourceDef<T> {
  return def;
}

export function apiVersionOf(def: { group: string; version: string }): string {
  return def.group ? `${def.group}/${def.version}` : def.version;
}

/** The storage key of a kind: resources of several versions share one. */
export function storageOf(def: ResourceDef): string {
  return def.storage?.resource ?? (def.group ? `${def.group}/${def.plural}` : def.plural);
}
