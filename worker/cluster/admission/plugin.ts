// The admission contract, as kube-apiserver's admission chain: after a write is decoded and
// defaulted, mutating plugins may change the object, then it is validated, then validating
// plugins may refuse it, all inside the write's transaction. Control-plane writers (controllers,
// the kubelet, the scheduler) go through the same chain with `user` null: a quota refuses a
// ReplicaSet's pod as it refuses a user's.
import type { UserInfo } from "../../auth/identity";
import type { ApiServer } from "../api/apiserver";
import type { HookContext, KObject, ResourceDef } from "../resources/define";

/** DELETE reaches only the plugins that ask for it (admission policies and webhooks). */
export type Operation = "CREATE" | "UPDATE" | "DELETE";

export interface AdmissionAttributes {
  operation: Operation;
  /** The kind as requested (its version); `storage` says where it is kept. */
  def: ResourceDef;
  storage: string;
  /** "" for cluster-scoped kinds. */
  namespace: string;
  name: string;
  /** The subresource written through ("status", "scale", …), if any. */
  subresource?: string;
  /** The new object, in the requested version's (wire) form; mutate may change it. */
  object: KObject;
  /** The stored object an UPDATE replaces (wire form); null on CREATE. */
  old: KObject | null;
  /** Who asks; null for the control plane's own writes. */
  user: UserInfo | null;
  dryRun: boolean;
}

export interface AdmissionContext extends HookContext {
  /** The API server, to read or to write other objects in the same transaction (quota status). */
  api: ApiServer;
  /** Adds a Warning header to the answer (Pod Security's warn mode, deprecations). */
  warn(message: string): void;
}

export interface AdmissionPlugin {
  /** kube-apiserver's plugin name (LimitRanger, ResourceQuota, PodSecurity…). */
  name: string;
  /** The plugin is also asked about DELETE (with `object` the stored object, as `old` is). */
  deletes?: boolean;
  /** Storage keys (as storageOf gives them) the plugin looks at; omitted: every kind. */
  resources?: readonly string[];
  /** May change the object (defaults, finalizers, priority); throws an ApiError to refuse. */
  mutate?(a: AdmissionAttributes, ctx: AdmissionContext): void;
  /** May only refuse, by throwing an ApiError (kube-apiserver's words). */
  validate?(a: AdmissionAttributes, ctx: AdmissionContext): void;
}
