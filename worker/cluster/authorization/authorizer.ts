// kube-apiserver's authorizer chain for a kind cluster, minus the Node authorizer: the
// privileged group (system:masters may do anything) and then RBAC, deciding from the rules the
// user's bindings grant. Also the Forbidden error the API server answers a denial with.
import type { UserInfo } from "../../auth/identity";
import { ApiError, errors } from "../machinery/errors";
import type { Store } from "../store/store";
import { RbacIndex } from "./rbacIndex";
import { ruleAllows, type Rule } from "./rules";
import type { Attributes, Authorizer, Decision, NonResourceRule, ResourceRule, RulesAnswer } from "./types";

/** The group kube-apiserver's loopback clients are in; always allowed, never escalating. */
export const PRIVILEGED_GROUP = "system:masters";

export class RbacAuthorizer implements Authorizer {
  readonly index: RbacIndex;

  constructor(store: Store) {
    this.index = new RbacIndex(store);
  }

  authorize(a: Attributes): Decision {
    if (a.user.groups.includes(PRIVILEGED_GROUP)) return { allowed: true, reason: "" };
    let reason = "";
    const problems: string[] = [];
    this.index.visitRulesFor(a.user, a.namespace, (v) => {
      if ("error" in v) {
        problems.push(v.error);
        return true;
      }
      if (!ruleAllows(a, v.rule)) return true;
      reason = `RBAC: allowed by ${v.source()}`;
      return false;
    });
    if (reason) return { allowed: true, reason };
    return { allowed: false, reason: problems.length ? `RBAC: ${aggregate(problems)}` : "" };
  }

  /** Every rule that applies to the user in the namespace, and the errors resolving them. */
  policyRules(user: UserInfo, namespace: string): { rules: Rule[]; errors: string[] } {
    const rules: Rule[] = [];
    const errs: string[] = [];
    if (user.groups.includes(PRIVILEGED_GROUP)) rules.push({ verbs: ["*"], apiGroups: ["*"], resources: ["*"] }, { verbs: ["*"], nonResourceURLs: ["*"] });
    this.index.visitRulesFor(user, namespace, (v) => {
      if ("error" in v) errs.push(v.error);
      else rules.push(v.rule);
      return true;
    });
    return { rules, errors: errs };
  }

  rulesFor(user: UserInfo, namespace: string): RulesAnswer {
    const { rules, errors: errs } = this.policyRules(user, namespace);
    const resourceRules: ResourceRule[] = [];
    const nonResourceRules: NonResourceRule[] = [];
    for (const r of rules) {
      if (r.resources?.length)
        resourceRules.push({ verbs: r.verbs ?? [], apiGroups: r.apiGroups ?? [], resources: r.resources, ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) });
      if (r.nonResourceURLs?.length) nonResourceRules.push({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs });
    }
    return { resourceRules, nonResourceRules, incomplete: false, ...(errs.length ? { evaluationError: aggregate(errs) } : {}) };
  }
}

/** utilerrors.NewAggregate's message: one error as itself, several in brackets. */
function aggregate(errs: string[]): string {
  return errs.length === 1 ? errs[0] : `[${errs.join(", ")}]`;
}

/** An authorizer that allows nothing: the API server's until the cluster object sets RBAC's. */
export const DENY_ALL: Authorizer = {
  authorize: () => ({ allowed: false, reason: "" }),
  rulesFor: () => ({ resourceRules: [], nonResourceRules: [], incomplete: true, evaluationError: "no authorizer" }),
};

/** Attributes of a resource request. */
export function resourceAttributes(user: UserInfo, verb: string, apiGroup: string, resource: string, subresource: string, namespace: string, name: string): Attributes {
  return { user, verb, resourceRequest: true, namespace, apiGroup, resource, subresource, name, path: "" };
}

/** The Forbidden kube-apiserver answers a denied request with (responsewriters.Forbidden). */
export function forbidden(a: Attributes, reason: string): ApiError {
  const suffix = reason ? `: ${reason}` : "";
  if (!a.resourceRequest) {
    const message = `forbidden: User ${JSON.stringify(a.user.username)} cannot ${a.verb} path ${JSON.stringify(a.path)}${suffix}`;
    return new ApiError({ kind: "Status", apiVersion: "v1", metadata: {}, status: "Failure", message, reason: "Forbidden", details: {}, code: 403 });
  }
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const scope = a.namespace ? `in the namespace ${JSON.stringify(a.namespace)}` : "at the cluster scope";
  return errors.forbidden(a.apiGroup, a.resource, a.name, `User ${JSON.stringify(a.user.username)} cannot ${a.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(a.apiGroup)} ${scope}${suffix}`);
}

/** Asks `authorizer` and throws the Forbidden when it says no. */
export function mustAllow(authorizer: Authorizer, a: Attributes): void {
  const d = authorizer.authorize(a);
  if (!d.allowed) throw forbidden(a, d.reason);
}
