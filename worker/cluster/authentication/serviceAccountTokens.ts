// Service-account tokens as kube-apiserver issues and checks them: the cluster's signing key
// (made at first use, kept in the object's SQLite), bound tokens (TokenRequest, projected
// volumes), legacy Secret tokens, and the verifier a request's bearer JWT goes through.
import type { UserInfo } from "../../auth/identity";
import type { KObject } from "../resources/define";
import { errors } from "../machinery/errors";
import type { Store } from "../store/store";
import { base64 } from "@scure/base";
import { decodeJwt, newSigningKey, signingKeyOf, signJwt, verifySignature, type DecodedJwt, type SigningKey } from "./jwt";
import type { ServiceAccountVerifier } from "./requestUser";

/** kind's --service-account-issuer; also the API server's audience (--api-audiences defaults to it). */
export const ISSUER = "https://kubernetes.default.svc.cluster.local";
export const API_AUDIENCES = [ISSUER];
/** The issuer of a legacy Secret token (the token controller's). */
export const LEGACY_ISSUER = "kubernetes/serviceaccount";
/**
 * kubedo's own claim: the cluster that signed the token, so the edge can send a request carrying
 * it to that cluster without a lookup (Kubernetes tokens have no such claim; one cluster each).
 */
export const CLUSTER_CLAIM = "kubedo.dev/cluster";

/** The kubelet asks for this lifetime; the API server then issues a year and warns after it (safe rollout of bound tokens). */
export const WARN_ONLY_EXPIRATION_SECONDS = 60 * 60 + 7;
export const EXTENDED_EXPIRATION_SECONDS = 24 * 365 * 60 * 60;
/** go-jose's leeway on exp and nbf. */
const LEEWAY_SECONDS = 60;

const KEY_META = "sa_signing_key";

/** Where the key is kept: the store's meta table (Store itself, or metaOf(sql) where only the SQL is at hand). */
export type Meta = Pick<Store, "meta" | "setMeta">;

/** The store's meta table through its SQL (the container's file system has the SQL, not the Store). */
export function metaOf(sql: SqlStorage): Meta {
  return {
    meta: (key) => sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = ?", key).toArray()[0]?.value,
    setMeta: (key, value) => void sql.exec("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", key, value),
  };
}

/** The cluster's signing key, made (and kept) the first time one is needed. */
export function signingKey(store: Meta): SigningKey {
  const have = store.meta(KEY_META);
  if (have) return signingKeyOf(base64.decode(have));
  const key = newSigningKey();
  store.setMeta(KEY_META, base64.encode(key.secretKey));
  return key;
}

/** The cluster's id, which its tokens carry (CLUSTER_CLAIM). */
export function clusterIdOf(store: Meta): string {
  return store.meta("cluster_id") ?? "";
}

interface Ref {
  name: string;
  uid: string;
}

export interface BoundToken {
  serviceAccount: KObject;
  audiences: string[];
  expirationSeconds: number;
  pod?: KObject;
  secret?: KObject;
  node?: KObject;
  /** Seconds after which a (year-long) projected token counts as stale. */
  warnAfterSeconds?: number;
}

export interface Issuer {
  store: Meta;
  clusterId: string;
  /** Cluster time, ms. */
  now: number;
}

const refOf = (o: KObject): Ref => ({ name: o.metadata.name ?? "", uid: o.metadata.uid ?? "" });

/**
 * kube-apiserver's safe rollout of bound tokens: a pod's token asked for with the kubelet's 3607 s
 * and the API server's own audience lives a year, and counts as stale after 3607 s (warnafter).
 */
export function extendForPod(t: BoundToken): BoundToken {
  if (!t.pod || t.expirationSeconds !== WARN_ONLY_EXPIRATION_SECONDS || !t.audiences.every((a) => API_AUDIENCES.includes(a))) return t;
  return { ...t, warnAfterSeconds: WARN_ONLY_EXPIRATION_SECONDS, expirationSeconds: EXTENDED_EXPIRATION_SECONDS };
}

/** A bound token (TokenRequest's): its text and expiry (cluster ms). */
export function issueToken(at: Issuer, t: BoundToken): { token: string; expiresAt: number } {
  const { claims, expiresAt } = boundTokenClaims(at, t);
  return { token: signClaims(at.store, claims), expiresAt };
}

/** A bound token's claims, to be signed now or later (signing is deterministic: the same claims give the same token). */
export function boundTokenClaims(at: Issuer, t: BoundToken): { claims: Record<string, unknown>; expiresAt: number } {
  const iat = Math.floor(at.now / 1000);
  const ns = t.serviceAccount.metadata.namespace ?? "";
  const k8s: Record<string, unknown> = { namespace: ns, serviceaccount: refOf(t.serviceAccount) };
  if (t.pod) k8s.pod = refOf(t.pod);
  else if (t.secret) k8s.secret = refOf(t.secret);
  if (t.node) k8s.node = refOf(t.node);
  if (t.warnAfterSeconds) k8s.warnafter = iat + t.warnAfterSeconds;
  const exp = iat + t.expirationSeconds;
  const claims = {
    aud: t.audiences,
    exp,
    iat,
    iss: ISSUER,
    jti: crypto.randomUUID(),
    "kubernetes.io": k8s,
    nbf: iat,
    sub: `system:serviceaccount:${ns}:${t.serviceAccount.metadata.name}`,
    [CLUSTER_CLAIM]: at.clusterId,
  };
  return { claims, expiresAt: exp * 1000 };
}

/** The cluster's signature over claims: a token's text. */
export function signClaims(store: Meta, claims: Record<string, unknown>): string {
  return signJwt(claims, signingKey(store));
}

/** A legacy token for a kubernetes.io/service-account-token Secret: no expiry, good while the Secret holds it. */
export function issueLegacyToken(at: Issuer, serviceAccount: KObject, secret: KObject): string {
  const ns = serviceAccount.metadata.namespace ?? "";
  const claims = {
    iss: LEGACY_ISSUER,
    "kubernetes.io/serviceaccount/namespace": ns,
    "kubernetes.io/serviceaccount/secret.name": secret.metadata.name ?? "",
    "kubernetes.io/serviceaccount/service-account.name": serviceAccount.metadata.name ?? "",
    "kubernetes.io/serviceaccount/service-account.uid": serviceAccount.metadata.uid ?? "",
    sub: `system:serviceaccount:${ns}:${serviceAccount.metadata.name}`,
    [CLUSTER_CLAIM]: at.clusterId,
  };
  return signJwt(claims, signingKey(at.store));
}

/**
 * What the edge reads from a bearer that may be a service-account token, unverified: the cluster
 * it names and an id for rate limits. Null when it is no token of ours.
 */
export function tokenRoute(token: string): { clusterId: string; tokenId: string } | null {
  const jwt = decodeJwt(token);
  if (!jwt) return null;
  const cluster = jwt.claims[CLUSTER_CLAIM];
  if (typeof cluster !== "string" || !/^[A-Za-z0-9_-]{1,100}$/.test(cluster)) return null;
  const jti = typeof jwt.claims.jti === "string" ? jwt.claims.jti : `${jwt.claims["kubernetes.io/serviceaccount/namespace"]}/${jwt.claims["kubernetes.io/serviceaccount/secret.name"]}`;
  return { clusterId: cluster, tokenId: `sa:${cluster}:${jti}`.slice(0, 200) };
}

export interface TokenSources {
  store: Meta;
  /** Cluster time, ms. */
  now(): number;
  get(storage: string, namespace: string, name: string): KObject | undefined;
}

/** Why a token was refused (kube-apiserver logs it; the client sees only 401 Unauthorized). */
export class Refused extends Error {}

/**
 * The cluster's service-account authenticator: signature, time, audience, and the objects the
 * token names still existing with the same uids; the ServiceAccount's user, or 401.
 */
export class ServiceAccountTokens implements ServiceAccountVerifier {
  constructor(private readonly src: TokenSources) {}

  verify(token: string): UserInfo {
    try {
      return this.check(token);
    } catch (e) {
      if (e instanceof Refused) throw errors.unauthorized();
      throw e;
    }
  }

  /** The user, or a Refused naming why (for tests and logs). */
  check(token: string): UserInfo {
    const jwt = decodeJwt(token);
    if (!jwt) throw new Refused("not a JWT");
    if (!verifySignature(jwt, signingKey(this.src.store))) throw new Refused("invalid signature");
    return jwt.claims.iss === LEGACY_ISSUER ? this.legacy(jwt, token) : this.bound(jwt);
  }

  private bound(jwt: DecodedJwt): UserInfo {
    const c = jwt.claims;
    if (c.iss !== ISSUER) throw new Refused("unknown issuer");
    const auds = Array.isArray(c.aud) ? c.aud : typeof c.aud === "string" ? [c.aud] : [];
    if (!auds.some((a) => API_AUDIENCES.includes(a as string))) throw new Refused(`token audiences ${JSON.stringify(auds)} is invalid for the target audiences ${JSON.stringify(API_AUDIENCES)}`);
    const now = Math.floor(this.src.now() / 1000);
    if (typeof c.exp !== "number" || now > c.exp + LEEWAY_SECONDS) throw new Refused("service account token has expired");
    if (typeof c.nbf === "number" && now < c.nbf - LEEWAY_SECONDS) throw new Refused("service account token is not valid yet");
    const k8s = (c["kubernetes.io"] ?? {}) as { namespace?: string; serviceaccount?: Ref; pod?: Ref; secret?: Ref; node?: Ref };
    const ns = k8s.namespace ?? "";
    const sa = this.live("serviceaccounts", ns, k8s.serviceaccount, "service account");
    if (k8s.secret) this.live("secrets", ns, k8s.secret, "secret");
    if (k8s.pod) this.live("pods", ns, k8s.pod, "pod");
    // A node-bound token (boundObjectRef Node) is checked against its node; a pod's node is information only.
    else if (k8s.node) this.live("nodes", "", k8s.node, "node");
    const extra: Record<string, string[]> = {};
    if (k8s.pod) {
      extra["authentication.kubernetes.io/pod-name"] = [k8s.pod.name];
      extra["authentication.kubernetes.io/pod-uid"] = [k8s.pod.uid];
    }
    if (typeof c.jti === "string") extra["authentication.kubernetes.io/credential-id"] = [`JTI=${c.jti}`];
    if (k8s.node) {
      extra["authentication.kubernetes.io/node-name"] = [k8s.node.name];
      if (k8s.node.uid) extra["authentication.kubernetes.io/node-uid"] = [k8s.node.uid];
    }
    return userOf(ns, sa, extra);
  }

  private legacy(jwt: DecodedJwt, token: string): UserInfo {
    const c = jwt.claims;
    const ns = String(c["kubernetes.io/serviceaccount/namespace"] ?? "");
    const secretName = String(c["kubernetes.io/serviceaccount/secret.name"] ?? "");
    const secret = this.src.get("secrets", ns, secretName) as (KObject & { data?: Record<string, string> }) | undefined;
    if (!secret || secret.metadata.deletionTimestamp) throw new Refused("service account token has been invalidated");
    // The Secret must still hold this very token.
    if (decodeData(secret.data?.token) !== token) throw new Refused("service account token does not match the secret's");
    const sa = this.live("serviceaccounts", ns, { name: String(c["kubernetes.io/serviceaccount/service-account.name"] ?? ""), uid: String(c["kubernetes.io/serviceaccount/service-account.uid"] ?? "") }, "service account");
    return userOf(ns, sa, {});
  }

  /** The object the token names, refused when it is gone, going, or another object of that name. */
  private live(storage: string, ns: string, ref: Ref | undefined, what: string): KObject {
    if (!ref?.name) throw new Refused(`no ${what} in the token`);
    const o = this.src.get(storage, ns, ref.name);
    if (!o) throw new Refused(`${what} ${ns}/${ref.name} not found`);
    if (o.metadata.deletionTimestamp && Date.parse(o.metadata.deletionTimestamp) < this.src.now() - LEEWAY_SECONDS * 1000) throw new Refused(`${what} ${ns}/${ref.name} has been deleted`);
    if ((o.metadata.uid ?? "") !== ref.uid) throw new Refused(`${what} UID (${o.metadata.uid}) does not match claim (${ref.uid})`);
    return o;
  }
}

function decodeData(b64: string | undefined): string | null {
  if (!b64) return null;
  try {
    return new TextDecoder().decode(base64.decode(b64));
  } catch {
    return null;
  }
}

function userOf(ns: string, sa: KObject, extra: Record<string, string[]>): UserInfo {
  return {
    username: `system:serviceaccount:${ns}:${sa.metadata.name}`,
    uid: sa.metadata.uid ?? "",
    groups: ["system:serviceaccounts", `system:serviceaccounts:${ns}`, "system:authenticated"],
    ...(Object.keys(extra).length ? { extra } : {}),
  };
}
