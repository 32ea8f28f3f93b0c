// Who a kube API request is, inside the cluster: a kubedo token's user, or the ServiceAccount a
// token this cluster signed stands for. (Impersonation is decided after this, by RBAC.)
import { kubedoUser, type Identity, type UserInfo } from "../../auth/identity";

/** Verifies a service-account token this cluster issued; throws the ApiError (401) refusing it. */
export interface ServiceAccountVerifier {
  verify(token: string): UserInfo;
}

/** The user a request authenticates as, before impersonation. */
export function authenticatedUser(id: Identity, serviceAccounts: ServiceAccountVerifier): UserInfo {
  if (id.anonymous) return ANONYMOUS;
  return id.serviceAccountToken !== undefined ? serviceAccounts.verify(id.serviceAccountToken) : kubedoUser(id);
}

/** kube-apiserver's anonymous user: RBAC's defaults let it read /version and the health paths, nothing else. */
const ANONYMOUS: UserInfo = { username: "system:anonymous", groups: ["system:unauthenticated"] };
