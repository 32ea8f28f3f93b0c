// kube-apiserver's impersonation filter, inside the cluster: the caller must be allowed the
// `impersonate` verb on the user (or service account), each group, each extra value and the uid
// it asks for, in that order; the first refusal is the answer, in the filter's words.
import type { Impersonated, UserInfo } from "../../auth/identity";
import { mustAllow, resourceAttributes } from "./authorizer";
import type { Authorizer } from "./types";

const SA_PREFIX = "system:serviceaccount:";

/** The user the request acts as, once every part of the ask is allowed; throws the Forbidden otherwise. */
export function impersonate(caller: UserInfo, ask: Impersonated, authorizer: Authorizer): UserInfo {
  const sa = ask.user.startsWith(SA_PREFIX) ? ask.user.slice(SA_PREFIX.length).split(":") : null;
  const isSA = !!sa && sa.length === 2 && !!sa[0] && !!sa[1];
  const check = (group: string, resource: string, subresource: string, namespace: string, name: string) =>
    mustAllow(authorizer, resourceAttributes(caller, "impersonate", group, resource, subresource, namespace, name));
  if (isSA) check("", "serviceaccounts", "", sa![0], sa![1]);
  else check("", "users", "", "", ask.user);
  for (const g of ask.groups) check("", "groups", "", "", g);
  for (const [k, vs] of Object.entries(ask.extra ?? {})) for (const v of vs) check("authentication.k8s.io", "userextras", k, "", v);
  if (ask.uid !== undefined) check("authentication.k8s.io", "uids", "", "", ask.uid);
  // A service account asked for without groups is in its own, as its tokens are.
  const groups = ask.groups.length || !isSA ? [...ask.groups] : ["system:serviceaccounts", `system:serviceaccounts:${sa![0]}`];
  if (ask.user === "system:anonymous") {
    if (!groups.includes("system:unauthenticated")) groups.push("system:unauthenticated");
  } else if (!groups.includes("system:authenticated")) groups.push("system:authenticated");
  return { username: ask.user, groups, ...(ask.uid !== undefined ? { uid: ask.uid } : {}), ...(ask.extra ? { extra: ask.extra } : {}) };
}
