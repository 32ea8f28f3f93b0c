// The authorizer's contract, as kube-apiserver's authorizer.Attributes and Decision: every kube
// API request, every review and every escalation check asks the same question through it.
import type { UserInfo } from "../../auth/identity";

export interface ResourceRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames?: string[];
}

export interface NonResourceRule {
  verbs: string[];
  nonResourceURLs: string[];
}

/** What a user may do in a namespace (SelfSubjectRulesReview's answer). */
export interface RulesAnswer {
  resourceRules: ResourceRule[];
  nonResourceRules: NonResourceRule[];
  incomplete: boolean;
  evaluationError?: string;
}

export interface Attributes {
  user: UserInfo;
  /** get, list, watch, create, update, patch, delete, deletecollection, impersonate, bind, escalate, use…; for paths the lower-case HTTP verb. */
  verb: string;
  /** A resource request (pods) or a non-resource one (/healthz). */
  resourceRequest: boolean;
  namespace: string;
  apiGroup: string;
  resource: string;
  subresource: string;
  name: string;
  /** For non-resource requests: the path. */
  path: string;
}

export interface Decision {
  allowed: boolean;
  /** Why (which binding allowed it), for SubjectAccessReview's reason; "" when denied without one. */
  reason: string;
}

export interface Authorizer {
  authorize(a: Attributes): Decision;
  rulesFor(user: UserInfo, namespace: string): RulesAnswer;
}
