// kube-controller-manager's serviceaccount-token controller, for the legacy token Secrets users
// still ask for: a Secret of type kubernetes.io/service-account-token naming a ServiceAccount
// gets `token` (a non-expiring JWT bound to the Secret), `ca.crt` and `namespace`, and the
// account's uid annotation. A token Secret whose account is gone (or is another account of that
// name) is deleted, as the controller deletes it.
import { base64 } from "@scure/base";
import { issueLegacyToken } from "../authentication/serviceAccountTokens";
import { ApiError } from "../machinery/errors";
import type { KObject } from "../resources/define";
import { secrets, type Secret } from "../resources/secret";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";

export const SERVICE_ACCOUNT_TOKENS = "serviceaccount-token";
export const TOKEN_SECRET_TYPE = "kubernetes.io/service-account-token";
const NAME_ANNOTATION = "kubernetes.io/service-account.name";
const UID_ANNOTATION = "kubernetes.io/service-account.uid";
/** Key prefix for an account's change: "sa:<namespace>/<name>". */
const ACCOUNT = "sa:";

const b64 = (s: string) => base64.encode(new TextEncoder().encode(s));

function isTokenSecret(body: string): boolean {
  // Cheap test first: most writes are not token Secrets.
  return body.includes(TOKEN_SECRET_TYPE) && (JSON.parse(body) as Secret).type === TOKEN_SECRET_TYPE;
}

export const serviceAccountTokenController: Controller = {
  name: SERVICE_ACCOUNT_TOKENS,
  keysFor(c) {
    if (c.resource === "secrets" && c.type !== "DELETED" && isTokenSecret(c.body)) return [`${c.namespace}/${c.name}`];
    // An account going (or coming back as another): its token Secrets are looked at again.
    if (c.resource === "serviceaccounts" && c.type !== "MODIFIED") return [`${ACCOUNT}${c.namespace}/${c.name}`];
    return [];
  },
  resync(ctx) {
    const keys: string[] = [];
    for (const row of ctx.store.scan("secrets", null)) if (isTokenSecret(row.body)) keys.push(`${row.namespace}/${row.name}`);
    return keys;
  },
  reconcile(key, ctx) {
    if (key.startsWith(ACCOUNT)) {
      // The namespace's token Secrets naming the account (no index: they are few).
      const [ns, account] = splitKey(key.slice(ACCOUNT.length));
      for (const row of ctx.store.scan("secrets", ns)) {
        if (!isTokenSecret(row.body)) continue;
        const s = JSON.parse(row.body) as Secret;
        if (s.metadata.annotations?.[NAME_ANNOTATION] === account) syncSecret(ctx, ns, row.name);
      }
      return;
    }
    const [ns, name] = splitKey(key);
    syncSecret(ctx, ns, name);
  },
  regarding(key) {
    const [namespace, name] = splitKey(key);
    return { kind: "Secret", apiVersion: "v1", namespace, name };
  },
};

function syncSecret(ctx: ControllerContext, ns: string, name: string): void {
  const secret = ctx.api.peek<Secret>("secrets", ns, name);
  if (!secret || secret.type !== TOKEN_SECRET_TYPE || secret.metadata.deletionTimestamp) return;
  const annotations = secret.metadata.annotations ?? {};
  const sa = ctx.api.peek<KObject>("serviceaccounts", ns, annotations[NAME_ANNOTATION] ?? "");
  const wantUid = annotations[UID_ANNOTATION];
  if (!sa || sa.metadata.deletionTimestamp || (wantUid && wantUid !== sa.metadata.uid)) {
    ignoreGone(() => ctx.api.delete(secrets, ns, name, { preconditions: { uid: secret.metadata.uid } }));
    return;
  }
  fill(ctx, secret, sa);
}

function fill(ctx: ControllerContext, secret: Secret, sa: KObject): void {
  const data = secret.data ?? {};
  const annotations = secret.metadata.annotations ?? {};
  const ca = ctx.env.CA_DATA ? atob(ctx.env.CA_DATA) : "";
  const patch: { metadata?: { annotations: Record<string, string> }; data?: Record<string, string> } = {};
  if (annotations[UID_ANNOTATION] !== sa.metadata.uid) patch.metadata = { annotations: { [UID_ANNOTATION]: sa.metadata.uid ?? "" } };
  const add: Record<string, string> = {};
  if (!data.token) add.token = b64(issueLegacyToken({ store: ctx.store, clusterId: ctx.clusterId(), now: ctx.clock.now() }, sa, secret));
  if (!data["ca.crt"]) add["ca.crt"] = b64(ca);
  if (!data.namespace) add.namespace = b64(secret.metadata.namespace ?? "");
  if (Object.keys(add).length) patch.data = add;
  if (!patch.metadata && !patch.data) return;
  ignoreGone(() => ctx.api.patch(secrets, secret.metadata.namespace ?? "", secret.metadata.name ?? "", "merge", { ...patch, metadata: { ...(patch.metadata ?? {}), resourceVersion: secret.metadata.resourceVersion } }));
}

function ignoreGone(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    // Deleted meanwhile, or changed meanwhile (its change queues it again).
    if (!(e instanceof ApiError && (e.code === 404 || e.code === 409))) throw e;
  }
}
