// The CEL variables admission expressions see (apiserver/pkg/admission/plugin/cel): `request` as
// an AdmissionRequest without its objects, and `namespaceObject` as the trimmed Namespace.
import type { UserInfo } from "../../../auth/identity";
import type { KObject } from "../../resources/define";
import type { AdmissionAttributes } from "../plugin";

/** Who the control plane's own writes are made as, where a request needs a user. */
const CONTROL_PLANE: UserInfo = { username: "system:kube-controller-manager", groups: ["system:authenticated"] };

export function admissionRequest(a: AdmissionAttributes): Record<string, unknown> {
  const kind = { group: a.def.group, version: a.def.version, kind: a.def.kind };
  const resource = { group: a.def.group, version: a.def.version, resource: a.def.plural };
  const user = a.user ?? CONTROL_PLANE;
  return {
    kind,
    resource,
    ...(a.subresource ? { subResource: a.subresource, requestSubResource: a.subresource } : {}),
    requestKind: kind,
    requestResource: resource,
    name: a.name,
    namespace: a.namespace,
    operation: a.operation,
    userInfo: { username: user.username, ...(user.uid ? { uid: user.uid } : {}), groups: user.groups, ...(user.extra ? { extra: user.extra } : {}) },
    dryRun: a.dryRun,
    options: a.operation === "CREATE" ? { kind: "CreateOptions", apiVersion: "meta.k8s.io/v1" } : a.operation === "UPDATE" ? { kind: "UpdateOptions", apiVersion: "meta.k8s.io/v1" } : { kind: "DeleteOptions", apiVersion: "meta.k8s.io/v1" },
  };
}

/** The Namespace as policies see it: name, labels and the like, spec and status; no managed fields. */
export function namespaceObject(ns: KObject | undefined): Record<string, unknown> | null {
  if (!ns) return null;
  const m = ns.metadata;
  const meta: Record<string, unknown> = {};
  for (const k of ["name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations", "finalizers"] as const) if (m[k] !== undefined) meta[k] = m[k];
  return { metadata: meta, spec: ns.spec ?? {}, status: ns.status ?? {} };
}
