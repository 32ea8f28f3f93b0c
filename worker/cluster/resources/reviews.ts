// Review kinds: questions a client asks the API server about itself ("may I?", "who am I?").
// They are created and answered at once from the cluster's authorizer (RBAC); nothing is stored.
import type { z } from "zod";
import type { UserInfo as User } from "../../auth/identity";
import type { Attributes, Authorizer } from "../authorization/types";
import { errors } from "../machinery/errors";
import { ALWAYS, bool, list, map, opt, req, str, struct } from "../machinery/schema/dsl";
import { defineKind, type KObject, type VirtualContext } from "./define";
import { objectSchema } from "./types/meta";

const AUTHZ = "io.k8s.api.authorization.v1";
const AUTHN = "io.k8s.api.authentication.v1";

const ResourceAttributes = struct(`${AUTHZ}.ResourceAttributes`, "An action on a resource.", {
  namespace: opt(1, str, "Namespace of the action; empty for all namespaces or cluster-scoped resources."),
  verb: opt(2, str, "get, list, watch, create, update, patch, delete, deletecollection, or *."),
  group: opt(3, str, "API group of the resource."),
  version: opt(4, str, "API version of the resource."),
  resource: opt(5, str, "The resource, such as pods."),
  subresource: opt(6, str, "The subresource, such as log."),
  name: opt(7, str, "Name of the object."),
});

const NonResourceAttributes = struct(`${AUTHZ}.NonResourceAttributes`, "An action on a non-resource path.", {
  path: opt(1, str, "The URL path."),
  verb: opt(2, str, "The HTTP verb."),
});

const SubjectAccessReviewStatus = struct(`${AUTHZ}.SubjectAccessReviewStatus`, "The answer.", {
  allowed: opt(1, bool, ALWAYS, "Whether the action is allowed."),
  denied: opt(4, bool, "Whether it is explicitly denied."),
  reason: opt(2, str, "Why."),
  evaluationError: opt(3, str, "Problems while deciding."),
});

export const SelfSubjectAccessReviewSchema = objectSchema(
  `${AUTHZ}.SelfSubjectAccessReview`,
  "Asks whether the caller may perform an action.",
  { group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectAccessReview" },
  {
    spec: req(
      2,
      struct(`${AUTHZ}.SelfSubjectAccessReviewSpec`, "The action asked about; exactly one of the two.", {
        resourceAttributes: opt(1, ResourceAttributes, "An action on a resource."),
        nonResourceAttributes: opt(2, NonResourceAttributes, "An action on a path."),
      }),
      "The action.",
    ),
    status: opt(3, SubjectAccessReviewStatus, "The answer, filled by the server."),
  },
);
type SSAR = z.infer<typeof SelfSubjectAccessReviewSchema> & KObject;

const ResourceRule = struct(`${AUTHZ}.ResourceRule`, "Actions allowed on resources.", {
  verbs: req(1, list(str, { listType: "atomic" }), "Verbs."),
  apiGroups: opt(2, list(str, { listType: "atomic" }), "API groups."),
  resources: opt(3, list(str, { listType: "atomic" }), "Resources."),
  resourceNames: opt(4, list(str, { listType: "atomic" }), "Names."),
});
const NonResourceRule = struct(`${AUTHZ}.NonResourceRule`, "Actions allowed on paths.", {
  verbs: req(1, list(str, { listType: "atomic" }), "Verbs."),
  nonResourceURLs: opt(2, list(str, { listType: "atomic" }), "Paths."),
});

export const SelfSubjectRulesReviewSchema = objectSchema(
  `${AUTHZ}.SelfSubjectRulesReview`,
  "Lists what the caller may do in a namespace.",
  { group: "authorization.k8s.io", version: "v1", kind: "SelfSubjectRulesReview" },
  {
    spec: req(2, struct(`${AUTHZ}.SelfSubjectRulesReviewSpec`, "The namespace asked about.", { namespace: opt(1, str, "Namespace.") }), "The namespace."),
    status: opt(
      3,
      struct(`${AUTHZ}.SubjectRulesReviewStatus`, "The rules.", {
        resourceRules: opt(1, list(ResourceRule, { listType: "atomic" }), ALWAYS, "Rules on resources."),
        nonResourceRules: opt(2, list(NonResourceRule, { listType: "atomic" }), ALWAYS, "Rules on paths."),
        incomplete: opt(3, bool, ALWAYS, "Whether the list may be incomplete."),
        evaluationError: opt(4, str, "Problems while listing."),
      }),
      "The answer, filled by the server.",
    ),
  },
);
type SSRR = z.infer<typeof SelfSubjectRulesReviewSchema> & KObject;

const UserInfo = struct(`${AUTHN}.UserInfo`, "A user as the API server knows it.", {
  username: opt(1, str, "User name."),
  uid: opt(2, str, "Unique ID."),
  groups: opt(3, list(str, { listType: "atomic" }), "Groups."),
  extra: opt(4, map(list(str)), "Extra attributes."),
});

/** SelfSubjectReview in `version`: v1 since 1.28, v1beta1 (which kubectl 1.27's whoami asks for) before. */
function selfSubjectReviewSchema(version: "v1" | "v1beta1") {
  const pkg = `io.k8s.api.authentication.${version}`;
  return objectSchema(
    `${pkg}.SelfSubjectReview`,
    "Asks who the caller is.",
    { group: "authentication.k8s.io", version, kind: "SelfSubjectReview" },
    { status: opt(2, struct(`${pkg}.SelfSubjectReviewStatus`, "The answer.", { userInfo: opt(1, UserInfo, "The caller.") }), "The answer, filled by the server.") },
  );
}
export const SelfSubjectReviewSchema = selfSubjectReviewSchema("v1");
type SSR = z.infer<typeof SelfSubjectReviewSchema> & KObject;

export const selfSubjectAccessReviews = defineKind<SSAR>({
  group: "authorization.k8s.io",
  version: "v1",
  kind: "SelfSubjectAccessReview",
  plural: "selfsubjectaccessreviews",
  singular: "selfsubjectaccessreview",
  namespaced: false,
  schema: SelfSubjectAccessReviewSchema,
  verbs: ["create"],
  virtual(o, ctx) {
    return { ...o, status: review(ctx.authorizer, ctx.user, o.spec) };
  },
});

export const selfSubjectRulesReviews = defineKind<SSRR>({
  group: "authorization.k8s.io",
  version: "v1",
  kind: "SelfSubjectRulesReview",
  plural: "selfsubjectrulesreviews",
  singular: "selfsubjectrulesreview",
  namespaced: false,
  schema: SelfSubjectRulesReviewSchema,
  verbs: ["create"],
  virtual(o, ctx) {
    const answer = ctx.authorizer.rulesFor(ctx.user, o.spec?.namespace ?? "");
    return { ...o, status: answer };
  },
});

function selfSubjectReviewKind(version: "v1" | "v1beta1", schema: z.ZodType) {
  return defineKind<SSR>({
    group: "authentication.k8s.io",
    version,
    kind: "SelfSubjectReview",
    plural: "selfsubjectreviews",
    singular: "selfsubjectreview",
    namespaced: false,
    schema,
    verbs: ["create"],
    virtual(o, ctx) {
      const u = ctx.user;
      return { ...o, status: { userInfo: { username: u.username, ...(u.uid ? { uid: u.uid } : {}), groups: u.groups, ...(u.extra ? { extra: u.extra } : {}) } } };
    },
  });
}

export const selfSubjectReviews = selfSubjectReviewKind("v1", SelfSubjectReviewSchema);
export const selfSubjectReviewsV1beta1 = selfSubjectReviewKind("v1beta1", selfSubjectReviewSchema("v1beta1"));

type Spec = { resourceAttributes?: z.infer<typeof ResourceAttributes>; nonResourceAttributes?: z.infer<typeof NonResourceAttributes> };

/** The authorizer's answer to one access review, as SubjectAccessReviewStatus. */
function review(authorizer: Authorizer, user: User, spec: Spec | undefined): { allowed: boolean; reason?: string } {
  const ra = spec?.resourceAttributes;
  const na = spec?.nonResourceAttributes;
  const a: Attributes = ra
    ? { user, verb: ra.verb ?? "", resourceRequest: true, namespace: ra.namespace ?? "", apiGroup: ra.group ?? "", resource: ra.resource ?? "", subresource: ra.subresource ?? "", name: ra.name ?? "", path: "" }
    : { user, verb: na?.verb ?? "", resourceRequest: false, namespace: "", apiGroup: "", resource: "", subresource: "", name: "", path: na?.path ?? "" };
  const d = authorizer.authorize(a);
  return { allowed: d.allowed, ...(d.reason ? { reason: d.reason } : {}) };
}

/** SubjectAccessReviewSpec: an action and the user asked about. */
const SubjectAccessReviewSpec = struct(`${AUTHZ}.SubjectAccessReviewSpec`, "The action and the user asked about; exactly one of the two attributes.", {
  resourceAttributes: opt(1, ResourceAttributes, "An action on a resource."),
  nonResourceAttributes: opt(2, NonResourceAttributes, "An action on a path."),
  user: opt(3, str, "The user asked about."),
  groups: opt(4, list(str, { listType: "atomic" }), "The user's groups."),
  extra: opt(5, map(list(str)), "The user's extra attributes."),
  uid: opt(6, str, "The user's uid."),
});

function subjectAccessReviewSchema(kind: "SubjectAccessReview" | "LocalSubjectAccessReview", description: string) {
  return objectSchema(
    `${AUTHZ}.${kind}`,
    description,
    { group: "authorization.k8s.io", version: "v1", kind },
    { spec: req(2, SubjectAccessReviewSpec, "The action and the user."), status: opt(3, SubjectAccessReviewStatus, "The answer, filled by the server.") },
  );
}
export const SubjectAccessReviewSchema = subjectAccessReviewSchema("SubjectAccessReview", "Asks whether a user may perform an action.");
export const LocalSubjectAccessReviewSchema = subjectAccessReviewSchema("LocalSubjectAccessReview", "Asks whether a user may perform an action in one namespace.");
type SAR = z.infer<typeof SubjectAccessReviewSchema> & KObject;

/** The spec's user, or the Invalid kube-apiserver answers a spec without one or with both attributes. */
function specUser(o: SAR, kind: string): User {
  const s = o.spec ?? {};
  const causes: { path: string[]; message: string }[] = [];
  if (s.resourceAttributes && s.nonResourceAttributes) causes.push({ path: ["spec", "nonResourceAttributes"], message: `Invalid value: "null": cannot be specified in combination with resourceAttributes` });
  if (!s.resourceAttributes && !s.nonResourceAttributes) causes.push({ path: ["spec", "resourceAttributes"], message: `Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified` });
  if (!s.user && !s.groups?.length) causes.push({ path: ["spec", "user"], message: `Invalid value: "": at least one of user or group must be specified` });
  if (causes.length) throw errors.invalid("authorization.k8s.io", kind, "", causes.map((c) => ({ path: c.path, message: c.message, reason: "FieldValueInvalid" as const })));
  return { username: s.user ?? "", groups: s.groups ?? [], ...(s.uid ? { uid: s.uid } : {}), ...(s.extra ? { extra: s.extra } : {}) };
}

export const subjectAccessReviews = defineKind<SAR>({
  group: "authorization.k8s.io",
  version: "v1",
  kind: "SubjectAccessReview",
  plural: "subjectaccessreviews",
  singular: "subjectaccessreview",
  namespaced: false,
  schema: SubjectAccessReviewSchema,
  verbs: ["create"],
  virtual(o, ctx: VirtualContext) {
    return { ...o, status: review(ctx.authorizer, specUser(o, "SubjectAccessReview"), o.spec) };
  },
});

export const localSubjectAccessReviews = defineKind<SAR>({
  group: "authorization.k8s.io",
  version: "v1",
  kind: "LocalSubjectAccessReview",
  plural: "localsubjectaccessreviews",
  singular: "localsubjectaccessreview",
  namespaced: true,
  schema: LocalSubjectAccessReviewSchema,
  verbs: ["create"],
  virtual(o, ctx: VirtualContext) {
    const user = specUser(o, "LocalSubjectAccessReview");
    const ra = o.spec?.resourceAttributes;
    if (ra && (ra.namespace ?? "") !== ctx.namespace) throw errors.badRequest(`spec.resourceAttributes.namespace must match namespace: ${ctx.namespace}`);
    return { ...o, status: review(ctx.authorizer, user, o.spec) };
  },
});
