// Review kinds: questions a client asks the API server about itself ("may I?", "who am I?").
// They are created and answered at once; nothing is stored.
import type { z } from "zod";
import { userGroups, userName } from "../../auth/identity";
import { allowed, allowedPath, rulesFor } from "../../auth/rules";
import { ALWAYS, bool, list, map, opt, req, str, struct } from "../machinery/schema/dsl";
import { defineKind, type KObject } from "./define";
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
    const ra = o.spec?.resourceAttributes;
    const na = o.spec?.nonResourceAttributes;
    const id = ctx.identity;
    let ok: boolean;
    if (ra) ok = allowed(id, ra.verb ?? "", ra.group ?? "", ra.subresource ? `${ra.resource ?? ""}/${ra.subresource}` : (ra.resource ?? ""));
    else ok = !!na && allowedPath(id, na.verb ?? "", na.path ?? "");
    const by = id.impersonate ? `the rules of user "${id.impersonate.user}"` : `the ${id.role} role of the token`;
    return { ...o, status: { allowed: ok, ...(ok ? { reason: `allowed by ${by}` } : {}) } };
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
    const { resourceRules, nonResourceRules } = rulesFor(ctx.identity);
    return { ...o, status: { resourceRules, nonResourceRules, incomplete: false } };
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
      return {
        ...o,
        status: {
          userInfo: {
            username: userName(ctx.identity),
            ...(ctx.identity.impersonate ? { ...(ctx.identity.impersonate.uid ? { uid: ctx.identity.impersonate.uid } : {}) } : { uid: ctx.identity.tokenId }),
            groups: userGroups(ctx.identity),
            extra: ctx.identity.impersonate ? ctx.identity.impersonate.extra : { "kubedo.dev/tenant": [ctx.identity.tenantName] },
          },
        },
      };
    },
  });
}

export const selfSubjectReviews = selfSubjectReviewKind("v1", SelfSubjectReviewSchema);
export const selfSubjectReviewsV1beta1 = selfSubjectReviewKind("v1beta1", selfSubjectReviewSchema("v1beta1"));
