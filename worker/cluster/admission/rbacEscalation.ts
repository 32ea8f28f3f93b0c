// RBAC's escalation prevention (kube-apiserver's policy-based storage for the four RBAC kinds):
// a user may write a Role or ClusterRole only with rules it already holds, unless it may
// `escalate` that role; a binding only of a role whose rules it holds, unless it may `bind` it.
// Setting a ClusterRole's aggregationRule needs everything. system:masters and the control
// plane's own writes are not checked.
import type { UserInfo } from "../../auth/identity";
import { PRIVILEGED_GROUP, RbacAuthorizer, resourceAttributes } from "../authorization/authorizer";
import { RBAC_STORAGE } from "../authorization/rbacIndex";
import { compactRules, compactString, covers, goQuotedList, type Rule } from "../authorization/rules";
import type { Authorizer } from "../authorization/types";
import { errors } from "../machinery/errors";
import type { KObject } from "../resources/define";
import type { AdmissionAttributes, AdmissionPlugin } from "./plugin";

const GROUP = "rbac.authorization.k8s.io";
const FULL_AUTHORITY: Rule[] = [
  { verbs: ["*"], apiGroups: ["*"], resources: ["*"] },
  { verbs: ["*"], nonResourceURLs: ["*"] },
];

type RoleObject = KObject & { rules?: Rule[]; aggregationRule?: { clusterRoleSelectors?: unknown[] } };
type BindingObject = KObject & { roleRef?: { apiGroup?: string; kind?: string; name?: string } };

/** The user's rules in the namespace, as ConfirmNoEscalation reads them. */
function heldRules(authorizer: Authorizer, user: UserInfo, namespace: string): { rules: Rule[]; errors: string[] } {
  if (authorizer instanceof RbacAuthorizer) return authorizer.policyRules(user, namespace);
  const a = authorizer.rulesFor(user, namespace);
  return { rules: [...a.resourceRules, ...a.nonResourceRules], errors: a.evaluationError ? [a.evaluationError] : [] };
}

/** ConfirmNoEscalation's refusal, or null when the user holds every rule. */
function escalation(authorizer: Authorizer, user: UserInfo, namespace: string, rules: Rule[]): string | null {
  const held = heldRules(authorizer, user, namespace);
  const { ok, missing } = covers(held.rules, rules);
  if (ok) return null;
  const lines = [...new Set(compactRules(missing).map(compactString))].sort();
  let msg = `user ${JSON.stringify(user.username)} (groups=${goQuotedList(user.groups)}) is attempting to grant RBAC permissions not currently held:\n${lines.join("\n")}`;
  if (held.errors.length) msg += `; resolution errors: [${held.errors.length === 1 ? held.errors[0] : `[${held.errors.join(", ")}]`}]`;
  return msg;
}

function checkRole(a: AdmissionAttributes, user: UserInfo, authorizer: Authorizer) {
  const resource = a.def.plural;
  // Explicitly allowed to escalate this role (RoleEscalationAuthorized).
  if (authorizer.authorize(resourceAttributes(user, "escalate", GROUP, resource, "", a.namespace, a.name)).allowed) return;
  const role = a.object as RoleObject;
  const why = escalation(authorizer, user, a.namespace, role.rules ?? []);
  if (why) throw errors.forbidden(GROUP, resource, a.name, why);
  if (resource === "clusterroles" && (role.aggregationRule || (a.old as RoleObject | null)?.aggregationRule)) {
    if (escalation(authorizer, user, a.namespace, FULL_AUTHORITY)) throw errors.forbidden(GROUP, resource, a.name, "must have cluster-admin privileges to use the aggregationRule");
  }
}

function checkBinding(a: AdmissionAttributes, user: UserInfo, authorizer: Authorizer) {
  const ref = (a.object as BindingObject).roleRef ?? {};
  // Only the fields the garbage collector changes (finalizers, owners): nothing is granted.
  if (a.old && JSON.stringify((a.old as BindingObject).roleRef) === JSON.stringify(ref) && JSON.stringify((a.old as { subjects?: unknown }).subjects) === JSON.stringify((a.object as { subjects?: unknown }).subjects)) return;
  const refResource = ref.kind === "ClusterRole" ? "clusterroles" : ref.kind === "Role" ? "roles" : null;
  // Explicitly allowed to bind this role (BindingAuthorized), checked in the binding's namespace.
  if (refResource && authorizer.authorize(resourceAttributes(user, "bind", ref.apiGroup ?? GROUP, refResource, "", a.namespace, ref.name ?? "")).allowed) return;
  if (!refResource) return; // validation refuses the kind
  const rules = authorizer instanceof RbacAuthorizer ? authorizer.index.roleRules(ref, a.namespace) : [];
  if (typeof rules === "string") throw errors.notFound(GROUP, refResource, ref.name ?? "");
  const why = escalation(authorizer, user, a.namespace, rules);
  if (why) throw errors.forbidden(GROUP, a.def.plural, a.name, why);
}

export const rbacEscalation: AdmissionPlugin = {
  name: "RBACEscalation",
  resources: Object.values(RBAC_STORAGE),
  validate(a, ctx) {
    const user = a.user;
    if (!user || user.groups.includes(PRIVILEGED_GROUP)) return;
    const authorizer = ctx.api.authorizer;
    if (a.storage === RBAC_STORAGE.roles || a.storage === RBAC_STORAGE.clusterRoles) checkRole(a, user, authorizer);
    else checkBinding(a, user, authorizer);
  },
};
