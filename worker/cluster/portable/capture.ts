// Exporting the user's objects: what a user made, as a multi-document YAML that `kubectl apply -f -`
// takes on a fresh cluster (export, snapshots, a template captured from a cluster).
//
// What the cluster made itself is left out by rules rather than a list of names:
// - kinds only the control plane writes (Events, Leases, Nodes, ControllerRevisions) and kinds
//   that are computed or virtual;
// - anything with ownerReferences (pods of ReplicaSets, ReplicaSets of Deployments, slices...);
// - anything whose every field manager is the control plane itself (kube-apiserver,
//   kube-controller-manager, kube-scheduler, kubelet): the system namespaces, the `kubernetes`
//   Service, each namespace's `default` ServiceAccount and kube-root-ca.crt, Endpoints;
// - what a fresh cluster of the same config and simulation holds (kubeadm's and kind's addons,
//   the ingress-nginx manifest), compared by key;
// - service-account token Secrets, and the `system:` RBAC objects.
// What the API server fills in (uids, versions, status, allocated IPs, binding results) is stripped.
import { stringify } from "yaml";
import type { ApiServer } from "../api/apiserver";
import type { ManagedFieldsEntry } from "../api/managedFields";
import { SYSTEM_NAMESPACES } from "../bootstrap";
import { kubeSystemAddons } from "../addons/kubeSystem";
import { ingressNginxObjects } from "../addons/ingressNginx";
import type { ClusterConfig } from "../config";
import { apiVersionOf, storageOf, type KObject, type ResourceDef } from "../resources/define";
import type { SimulationSettings } from "../simulation";
import { LAST_APPLIED } from "./apply";

/** Storage the control plane alone writes: never a user's. */
const CLUSTER_ONLY = new Set(["events", "coordination.k8s.io/leases", "nodes", "apps/controllerrevisions"]);
/** Field managers that are the cluster itself (api/managedFields.ts inProcessManager). */
const CLUSTER_MANAGERS = new Set(["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet"]);

const META_FILLED = ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds"] as const;
const ANNOTATIONS_FILLED = [
  LAST_APPLIED,
  "deployment.kubernetes.io/revision",
  "pv.kubernetes.io/bind-completed",
  "pv.kubernetes.io/bound-by-controller",
  "volume.beta.kubernetes.io/storage-provisioner",
  "volume.kubernetes.io/storage-provisioner",
  "volume.kubernetes.io/selected-node",
  // The simulated scheduler's reasons for its choice.
  "scheduler.kubedo.dev/decision",
];
const FINALIZERS_FILLED = new Set(["kubernetes.io/pvc-protection", "kubernetes.io/pv-protection", "foregroundDeletion", "orphan"]);
const JOB_LABELS = ["controller-uid", "batch.kubernetes.io/controller-uid", "job-name", "batch.kubernetes.io/job-name"];
const SERVICE_ACCOUNT_MOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

export function captureObjects(api: ApiServer, config: ClusterConfig, simulation: SimulationSettings): { yaml: string; objects: number } {
  const fresh = freshKeys(config, simulation);
  const namespaces: KObject[] = [];
  const definitions: KObject[] = [];
  const rest: { kind: string; key: string; object: KObject }[] = [];
  // Custom kinds too: their CRDs come before them, as `kubectl apply -f` needs them established first.
  for (const def of api.registry.kinds) {
    const storage = storageOf(def);
    if (def.storage || def.virtual || def.computed || CLUSTER_ONLY.has(storage)) continue;
    for (const stored of api.scanStored<KObject>(storage, null)) {
      const ns = def.namespaced ? stored.metadata.namespace ?? "" : "";
      if (fresh.has(`${storage}|${ns}|${stored.metadata.name}`) || !usersOwn(def, stored)) continue;
      const object = portable(def, api.toWire(def, stored));
      if (def.kind === "Namespace") namespaces.push(object);
      else if (def.kind === "CustomResourceDefinition" && def.group === "apiextensions.k8s.io") definitions.push(object);
      else rest.push({ kind: def.kind, key: `${ns}/${stored.metadata.name}`, object });
    }
  }
  rest.sort((a, b) => (a.kind === b.kind ? (a.key < b.key ? -1 : a.key > b.key ? 1 : 0) : a.kind < b.kind ? -1 : 1));
  const all = [...namespaces, ...definitions, ...rest.map((r) => r.object)];
  // YAML 1.1 quoting, as kubectl reads YAML: a string "yes" or "0777" stays a string.
  const yaml = all.map((o) => stringify(o, { version: "1.1", lineWidth: 0 })).join("---\n");
  return { yaml, objects: all.length };
}

/** Keys (storage|namespace|name) of what a fresh cluster of this config and simulation holds. */
function freshKeys(config: ClusterConfig, simulation: SimulationSettings): Set<string> {
  const keys = new Set<string>();
  for (const ns of SYSTEM_NAMESPACES) keys.add(`namespaces||${ns}`);
  for (const a of kubeSystemAddons(config)) keys.add(`${storageOf(a.kind)}|${a.kind.namespaced ? a.namespace : ""}|${a.object.metadata.name}`);
  if (simulation.ingress) for (const o of ingressNginxObjects()) keys.add(`${storageOf(o.def)}|${o.namespace}|${o.object.metadata.name}`);
  return keys;
}

/** Whether a user made this object (rather than the control plane or a controller). */
function usersOwn(def: ResourceDef, obj: KObject): boolean {
  const meta = obj.metadata;
  if (meta.deletionTimestamp || (meta.ownerReferences ?? []).length > 0) return false;
  const managers = (meta.managedFields ?? []) as ManagedFieldsEntry[];
  if (!managers.some((m) => !CLUSTER_MANAGERS.has(m.manager ?? ""))) return false;
  if (def.kind === "Secret" && obj.type === "kubernetes.io/service-account-token") return false;
  if ((def.kind === "ClusterRole" || def.kind === "ClusterRoleBinding") && meta.name?.startsWith("system:")) return false;
  return true;
}

/** Whether a user's field manager set this field (path of field names, e.g. ["spec", "nodeName"]). */
function setByUser(obj: KObject, path: string[]): boolean {
  for (const m of (obj.metadata.managedFields ?? []) as ManagedFieldsEntry[]) {
    if (CLUSTER_MANAGERS.has(m.manager ?? "")) continue;
    let at: unknown = m.fieldsV1;
    for (const p of path) at = at && typeof at === "object" ? (at as Record<string, unknown>)[`f:${p}`] : undefined;
    if (at !== undefined) return true;
  }
  return false;
}

type Json = Record<string, unknown>;

/** The object as a user would write it for a fresh cluster: apiVersion and kind first, what the server fills in left out. */
function portable(def: ResourceDef, wire: KObject): KObject {
  const obj = structuredClone(wire);
  const meta = obj.metadata as Json;
  for (const f of META_FILLED) delete meta[f];
  const annotations = meta.annotations as Record<string, string> | undefined;
  if (annotations) {
    for (const a of ANNOTATIONS_FILLED) delete annotations[a];
    if (!Object.keys(annotations).length) delete meta.annotations;
  }
  const finalizers = (meta.finalizers as string[] | undefined)?.filter((f) => !FINALIZERS_FILLED.has(f));
  if (finalizers?.length) meta.finalizers = finalizers;
  else delete meta.finalizers;
  delete obj.status;
  const spec = obj.spec as Json | undefined;
  switch (def.kind) {
    case "Namespace": {
      const labels = meta.labels as Record<string, string> | undefined;
      if (labels) {
        delete labels["kubernetes.io/metadata.name"];
        if (!Object.keys(labels).length) delete meta.labels;
      }
      const fin = (spec?.finalizers as string[] | undefined)?.filter((f) => f !== "kubernetes");
      if (spec && !fin?.length) delete spec.finalizers;
      if (spec && !Object.keys(spec).length) delete obj.spec;
      break;
    }
    case "Service":
      if (spec) {
        if (spec.clusterIP !== "None") {
          delete spec.clusterIP;
          delete spec.clusterIPs;
        }
        delete spec.healthCheckNodePort;
      }
      break;
    case "Pod":
      if (spec) {
        if (!setByUser(wire, ["spec", "nodeName"])) delete spec.nodeName;
        // Priority admission computes both again from the PriorityClass (stating them would have to agree).
        delete spec.priority;
        delete spec.preemptionPolicy;
        dropServiceAccountVolume(spec);
      }
      break;
    case "PersistentVolumeClaim":
      if (spec && !setByUser(wire, ["spec", "volumeName"])) delete spec.volumeName;
      break;
    case "Job":
      if (spec && spec.manualSelector !== true) {
        delete spec.selector;
        const template = spec.template as Json | undefined;
        const tmeta = template?.metadata as Json | undefined;
        const labels = tmeta?.labels as Record<string, string> | undefined;
        if (tmeta && labels) {
          for (const l of JOB_LABELS) delete labels[l];
          if (!Object.keys(labels).length) delete tmeta.labels;
          if (!Object.keys(tmeta).length) delete template!.metadata;
        }
      }
      break;
  }
  const { apiVersion: _a, kind: _k, metadata, ...rest } = obj;
  return { apiVersion: apiVersionOf(def), kind: def.kind, metadata, ...rest } as KObject;
}

/** The token volume the service account admission added (it adds it again on the fresh cluster). */
function dropServiceAccountVolume(spec: Json): void {
  const volumes = (spec.volumes ?? []) as { name: string; projected?: unknown }[];
  const added = volumes.filter((v) => v.name.startsWith("kube-api-access-") && v.projected).map((v) => v.name);
  if (!added.length) return;
  spec.volumes = volumes.filter((v) => !added.includes(v.name));
  if (!(spec.volumes as unknown[]).length) delete spec.volumes;
  for (const list of ["containers", "initContainers"]) {
    for (const c of (spec[list] ?? []) as { volumeMounts?: { name: string; mountPath: string }[] }[]) {
      c.volumeMounts = c.volumeMounts?.filter((m) => !(added.includes(m.name) && m.mountPath === SERVICE_ACCOUNT_MOUNT));
      if (!c.volumeMounts?.length) delete c.volumeMounts;
    }
  }
}
