// kube-apiserver's post-start hooks: objects every cluster has from the API server itself, not
// from an installer (the default RBAC policy, the system PriorityClasses). Each hook runs when a
// cluster is made and again when the object starts with a cluster made by an older kubedo whose
// hook version was lower, so existing clusters gain what new ones have. A hook only adds what is
// missing (and, like kube-apiserver's RBAC reconciliation, repairs what it owns); it never
// removes what a user made.
import type { Store } from "../store/store";
import type { ApiServer } from "./apiserver";
import { bootstrapSystemPriorityClasses } from "../resources/priorityclass";
import { kubedoTokenBindings, rbacBootstrapRoles } from "../authorization/bootstrap";

export interface PostStartHook {
  /** kube-apiserver's hook name ("rbac/bootstrap-roles"). */
  name: string;
  /** Bumped when the hook gains objects, so started clusters run it again. */
  version: number;
  run(api: ApiServer, now: number): void;
}

export const POST_START: readonly PostStartHook[] = [rbacBootstrapRoles, kubedoTokenBindings, bootstrapSystemPriorityClasses];

/** Runs the hooks this cluster has not run at their current version, each in one transaction. */
export function runPostStart(api: ApiServer, store: Store, now: number): void {
  for (const hook of POST_START) {
    const key = `post_start:${hook.name}`;
    if (store.meta(key) === String(hook.version)) continue;
    store.transaction(() => {
      hook.run(api, now);
      store.setMeta(key, String(hook.version));
    });
  }
}
