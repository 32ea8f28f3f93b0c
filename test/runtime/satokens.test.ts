// Service-account tokens: ES256 signing and its checks, TokenRequest, the verifier (signature,
// expiry on the cluster clock, audience, bound objects), legacy token Secrets and pods' tokens.
import { runInDurableObject } from "cloudflare:test";
import { base64, base64urlnopad } from "@scure/base";
import { describe, expect, it } from "vitest";
import type { Identity } from "../../worker/auth/identity";
import { decodeJwt, newSigningKey, signJwt, verifySignature } from "../../worker/cluster/authentication/jwt";
import { CLUSTER_CLAIM, tokenRoute } from "../../worker/cluster/authentication/serviceAccountTokens";
import type { ClusterObject } from "../../worker/cluster/object";
import { adminIdentity, kube, newCluster, settle } from "./helpers";

const claimsOf = (token: string) => JSON.parse(new TextDecoder().decode(base64urlnopad.decode(token.split(".")[1]))) as Record<string, any>; // any: test reads deep claims

function saIdentity(token: string, clusterId: string): Identity {
  return { tenantId: "t-test", tenantName: "", tokenId: `sa:${clusterId}`, tokenName: "", role: "view", clusterId, serviceAccountToken: token };
}

describe("ES256 JWTs", () => {
  it("verify with their key only, and not once a byte changes", () => {
    const key = newSigningKey();
    const other = newSigningKey();
    const token = signJwt({ sub: "x", b: { z: 1, a: 2 }, a: 1 }, key);
    const jwt = decodeJwt(token)!;
    expect(jwt.header).toEqual({ alg: "ES256", kid: key.kid });
    // Keys sorted as go-jose writes them, nested too.
    expect(new TextDecoder().decode(base64urlnopad.decode(token.split(".")[1]))).toBe('{"a":1,"b":{"a":2,"z":1},"sub":"x"}');
    expect(verifySignature(jwt, key)).toBe(true);
    expect(verifySignature(jwt, other)).toBe(false);
    const [h, p, s] = token.split(".");
    const forged = `${h}.${base64urlnopad.encode(new TextEncoder().encode('{"a":1,"b":{"a":2,"z":1},"sub":"admin"}'))}.${s}`;
    expect(verifySignature(decodeJwt(forged)!, key)).toBe(false);
    const none = `${base64urlnopad.encode(new TextEncoder().encode('{"alg":"none"}'))}.${p}.${s}`;
    expect(verifySignature(decodeJwt(none)!, key)).toBe(false);
    expect(decodeJwt("kdo_abc")).toBeNull();
    expect(decodeJwt("a.b")).toBeNull();
  });

  it("the edge reads the cluster a token names, and nothing from other JWTs", () => {
    const key = newSigningKey();
    expect(tokenRoute(signJwt({ [CLUSTER_CLAIM]: "c-1", jti: "j" }, key))).toEqual({ clusterId: "c-1", tokenId: "sa:c-1:j" });
    expect(tokenRoute(signJwt({ sub: "someone" }, key))).toBeNull();
    expect(tokenRoute("not.a.jwt")).toBeNull();
  });
});

describe("TokenRequest and the verifier", () => {
  it("issues kube-apiserver's claims, authenticates as the ServiceAccount, and refuses expired, forged and unbound tokens", async () => {
    const { id, stub } = await newCluster();
    const sa = await kube(stub, "GET", "/api/v1/namespaces/default/serviceaccounts/default");
    const made = await kube(stub, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { apiVersion: "authentication.k8s.io/v1", kind: "TokenRequest", spec: { expirationSeconds: 600 } });
    expect(made.status).toBe(201);
    const token = made.json.status.token as string;
    const c = claimsOf(token);
    expect(c.iss).toBe("https://kubernetes.default.svc.cluster.local");
    expect(c.aud).toEqual(["https://kubernetes.default.svc.cluster.local"]);
    expect(c.sub).toBe("system:serviceaccount:default:default");
    expect(c.exp - c.iat).toBe(600);
    expect(c.nbf).toBe(c.iat);
    expect(c.jti).toMatch(/^[0-9a-f-]{36}$/);
    expect(c["kubernetes.io"]).toEqual({ namespace: "default", serviceaccount: { name: "default", uid: sa.json.metadata.uid } });
    expect(c[CLUSTER_CLAIM]).toBe(id);
    expect(Date.parse(made.json.status.expirationTimestamp) / 1000).toBe(c.exp);

    const whoami = (t: string) => kube(stub, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { apiVersion: "authentication.k8s.io/v1", kind: "SelfSubjectReview" }, { identity: saIdentity(t, id) });
    const me = await whoami(token);
    expect(me.status).toBe(201);
    expect(me.json.status.userInfo).toEqual({
      username: "system:serviceaccount:default:default",
      uid: sa.json.metadata.uid,
      groups: ["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"],
      extra: { "authentication.kubernetes.io/credential-id": [`JTI=${c.jti}`] },
    });

    // Tampered: another subject with the old signature.
    const [h, , s] = token.split(".");
    const forged = `${h}.${base64urlnopad.encode(new TextEncoder().encode(JSON.stringify({ ...c, sub: "system:serviceaccount:kube-system:admin" })))}.${s}`;
    expect((await whoami(forged)).json).toMatchObject({ kind: "Status", code: 401, reason: "Unauthorized", message: "Unauthorized" });

    // Another audience is not the API server's.
    const other = await kube(stub, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: { audiences: ["vault"] } });
    expect(claimsOf(other.json.status.token).aud).toEqual(["vault"]);
    expect((await whoami(other.json.status.token)).status).toBe(401);

    // Too short, unknown account, unbindable kinds: kube-apiserver's words.
    const short = await kube(stub, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: { expirationSeconds: 300 } });
    expect(short.status).toBe(422);
    expect(short.json.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/serviceaccounts/nobody/token", { spec: {} })).json.message).toBe('serviceaccounts "nobody" not found');
    const cm = await kube(stub, "POST", "/api/v1/namespaces/default/serviceaccounts/default/token", { spec: { boundObjectRef: { kind: "ConfigMap", apiVersion: "v1", name: "kube-root-ca.crt" } } });
    expect(cm.json.message).toBe("cannot bind token to object of type /v1, Kind=ConfigMap");

    // Expiry follows the cluster clock (with go-jose's minute of leeway).
    await (stub as unknown as { moveClock(r: { advanceSeconds: number }): Promise<unknown> }).moveClock({ advanceSeconds: 600 + 30 });
    expect((await whoami(token)).status).toBe(201);
    await (stub as unknown as { moveClock(r: { advanceSeconds: number }): Promise<unknown> }).moveClock({ advanceSeconds: 60 });
    expect((await whoami(token)).status).toBe(401);
  });

  it("refuses a token once its account is recreated, and a pod-bound one once the pod is gone", async () => {
    const { id, stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "robot" } });
    await kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name: "p" }, spec: { serviceAccountName: "robot", containers: [{ name: "c", image: "nginx" }] } });
    await settle(stub);
    const pod = await kube(stub, "GET", "/api/v1/namespaces/default/pods/p");
    const tr = (ref?: Record<string, string>, sa = "robot") => kube(stub, "POST", `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, { spec: ref ? { boundObjectRef: ref } : {} });
    const whoami = (t: string) => kube(stub, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1" }, { identity: saIdentity(t, id) });

    const wrongUid = await tr({ kind: "Pod", apiVersion: "v1", name: "p", uid: "nope" });
    expect(wrongUid.status).toBe(409);
    expect(wrongUid.json.message).toBe('Operation cannot be fulfilled on Pod "p": the UID in the bound object reference (nope) does not match the UID in record. The object might have been deleted and then recreated');
    expect((await tr({ kind: "Pod", apiVersion: "v1", name: "p" }, "default")).json.message).toBe('cannot bind token for serviceaccount "default" to pod running with different serviceaccount name.');

    const bound = (await tr({ kind: "Pod", apiVersion: "v1", name: "p", uid: pod.json.metadata.uid })).json.status.token as string;
    const k = claimsOf(bound)["kubernetes.io"];
    expect(k.pod).toEqual({ name: "p", uid: pod.json.metadata.uid });
    expect(k.node.name).toBe(pod.json.spec.nodeName);
    const me = await whoami(bound);
    expect(me.json.status.userInfo.extra["authentication.kubernetes.io/pod-name"]).toEqual(["p"]);
    expect(me.json.status.userInfo.extra["authentication.kubernetes.io/pod-uid"]).toEqual([pod.json.metadata.uid]);
    const plain = (await tr()).json.status.token as string;
    expect((await whoami(plain)).status).toBe(201);

    await kube(stub, "DELETE", "/api/v1/namespaces/default/pods/p?gracePeriodSeconds=0");
    await settle(stub);
    expect((await whoami(bound)).status).toBe(401);
    expect((await whoami(plain)).status).toBe(201);

    await kube(stub, "DELETE", "/api/v1/namespaces/default/serviceaccounts/robot");
    await kube(stub, "POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "robot" } });
    expect((await whoami(plain)).status).toBe(401);
    expect((await whoami((await tr()).json.status.token)).status).toBe(201);
  });

  it("fills a legacy token Secret with a token bound to it, and deletes one whose account is gone", async () => {
    const { id, stub } = await newCluster();
    const sa = await kube(stub, "POST", "/api/v1/namespaces/default/serviceaccounts", { metadata: { name: "build" } });
    await kube(stub, "POST", "/api/v1/namespaces/default/secrets", { metadata: { name: "build-token", annotations: { "kubernetes.io/service-account.name": "build" } }, type: "kubernetes.io/service-account-token" });
    await settle(stub);
    const s = (await kube(stub, "GET", "/api/v1/namespaces/default/secrets/build-token")).json;
    expect(s.metadata.annotations["kubernetes.io/service-account.uid"]).toBe(sa.json.metadata.uid);
    expect(Object.keys(s.data).sort()).toEqual(["ca.crt", "namespace", "token"]);
    expect(new TextDecoder().decode(base64.decode(s.data.namespace))).toBe("default");
    const token = new TextDecoder().decode(base64.decode(s.data.token));
    const c = claimsOf(token);
    expect(c).toMatchObject({ iss: "kubernetes/serviceaccount", sub: "system:serviceaccount:default:build", "kubernetes.io/serviceaccount/secret.name": "build-token", "kubernetes.io/serviceaccount/service-account.uid": sa.json.metadata.uid });
    expect(c.exp).toBeUndefined();
    const whoami = (t: string) => kube(stub, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1" }, { identity: saIdentity(t, id) });
    expect((await whoami(token)).json.status.userInfo.username).toBe("system:serviceaccount:default:build");
    await kube(stub, "DELETE", "/api/v1/namespaces/default/secrets/build-token");
    expect((await whoami(token)).status).toBe(401);

    // A token Secret for an account that does not exist is deleted by the controller.
    await kube(stub, "POST", "/api/v1/namespaces/default/secrets", { metadata: { name: "orphan", annotations: { "kubernetes.io/service-account.name": "ghost" } }, type: "kubernetes.io/service-account-token" });
    await settle(stub);
    expect((await kube(stub, "GET", "/api/v1/namespaces/default/secrets/orphan")).status).toBe(404);
  });

  it("a pod's projected token is a JWT for its account, bound to it and its node, a year long with warnafter", async () => {
    const { id, stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces/default/pods", { metadata: { name: "t" }, spec: { containers: [{ name: "c", image: "busybox", command: ["sleep", "3600"] }] } });
    await settle(stub);
    const pod = (await kube(stub, "GET", "/api/v1/namespaces/default/pods/t")).json;
    const volume = (pod.spec.volumes as { name: string }[]).find((v) => v.name.startsWith("kube-api-access-"))!;
    const [token, again] = await runInDurableObject(stub, async (o: ClusterObject) => {
      const { volumeContent, fileData } = await import("../../worker/cluster/container/fs/volumes");
      const state = o as unknown as { store: { sqlStorage: SqlStorage }; network: { view(): never } };
      const files = volumeContent(state.store.sqlStorage, state.network.view(), pod as never, volume as never, Date.now());
      if (!Array.isArray(files)) throw new Error("no files");
      // Signed when read, and the same each time.
      const file = files.find((f) => f.path === "token")!;
      const read = () => new TextDecoder().decode(base64.decode(fileData(state.store.sqlStorage, file)));
      return [read(), read()];
    });
    expect(again).toBe(token);
    const c = claimsOf(token);
    expect(c.sub).toBe("system:serviceaccount:default:default");
    expect(c["kubernetes.io"].pod).toEqual({ name: "t", uid: pod.metadata.uid });
    expect(c["kubernetes.io"].node.name).toBe(pod.spec.nodeName);
    expect(c.exp - c.iat).toBe(365 * 24 * 3600);
    expect(c["kubernetes.io"].warnafter - c.iat).toBe(3607);
    const me = await kube(stub, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1" }, { identity: saIdentity(token, id) });
    expect(me.json.status.userInfo.username).toBe("system:serviceaccount:default:default");
    // Kubedo tokens still authenticate as before.
    expect((await kube(stub, "POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews", { kind: "SelfSubjectReview", apiVersion: "authentication.k8s.io/v1" }, { identity: adminIdentity })).json.status.userInfo.username).toBe("kubedo:test:test");
  });
});
