// Admission that users write, in the runtime: the rule and selector matching shared by policies
// and webhooks, a ValidatingAdmissionPolicy's evaluation (messages, reasons, matchConditions,
// variables, failurePolicy), the webhook's unreachable call, and through the API the status
// codes, the Warn header, parameters and the writes that are never intercepted.
import { describe, expect, it } from "vitest";
import { matchResourcesMatch, validatePolicy } from "../../worker/cluster/admission/admissionPolicy";
import type { AdmissionAttributes, AdmissionContext } from "../../worker/cluster/admission/plugin";
import { isExempt, objectMatches, ruleMatches } from "../../worker/cluster/admission/policy/matching";
import { callWebhook } from "../../worker/cluster/admission/webhooks";
import type { WebhookReach } from "../../worker/cluster/api/apiserver";
import type { KObject, ResourceDef } from "../../worker/cluster/resources/define";
import { deployments } from "../../worker/cluster/resources/deployment";
import { namespaces } from "../../worker/cluster/resources/namespace";
import { validatingWebhookConfigurations } from "../../worker/cluster/resources/validatingwebhookconfiguration";
import { kube, newCluster, settle } from "./helpers";

const deploy = (name: string, replicas: number, labels: Record<string, string> = {}): KObject => ({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name, namespace: "dev", labels }, spec: { replicas } });

function attrs(def: ResourceDef, object: KObject, extra: Partial<AdmissionAttributes> = {}): AdmissionAttributes {
  return { operation: "CREATE", def, storage: "x", namespace: object.metadata.namespace ?? "", name: object.metadata.name ?? "", object, old: null, user: { username: "alice", groups: ["devs", "system:authenticated"] }, dryRun: false, ...extra };
}

/** A context that knows one namespace; the matching code only reads namespaces through it. */
function context(nsLabels: Record<string, string>): AdmissionContext {
  const ns: KObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "dev", labels: nsLabels } };
  // A partial context: matching reads get() only.
  return { get: (storage: string, _ns: string, name: string) => (storage === "namespaces" && name === "dev" ? ns : undefined) } as unknown as AdmissionContext;
}

const rule = (r: Record<string, unknown>) => ({ apiGroups: ["apps"], apiVersions: ["v1"], operations: ["CREATE"], resources: ["deployments"], scope: "*", ...r });

describe("matching rules and selectors", () => {
  it("matches operations, groups, versions, resources, subresources and scope as kube-apiserver", () => {
    const a = attrs(deployments as unknown as ResourceDef, deploy("web", 1));
    expect(ruleMatches(rule({}), a, false)).toBe(true);
    expect(ruleMatches(rule({ operations: ["UPDATE"] }), a, false)).toBe(false);
    expect(ruleMatches(rule({ operations: ["*"] }), a, false)).toBe(true);
    expect(ruleMatches(rule({ apiGroups: [""] }), a, false)).toBe(false);
    expect(ruleMatches(rule({ apiVersions: ["v1beta1"] }), a, false)).toBe(false);
    // Equivalent: another version of the same group and resource matches.
    expect(ruleMatches(rule({ apiVersions: ["v1beta1"] }), a, true)).toBe(true);
    expect(ruleMatches(rule({ resources: ["*"] }), a, false)).toBe(true);
    expect(ruleMatches(rule({ scope: "Cluster" }), a, false)).toBe(false);
    expect(ruleMatches(rule({ scope: "Namespaced" }), a, false)).toBe(true);
    expect(ruleMatches(rule({ resourceNames: ["other"] }), a, false)).toBe(false);
    // A subresource matches only rules that name it (or */*, deployments/*).
    const scale = { ...a, subresource: "scale", operation: "UPDATE" as const };
    expect(ruleMatches(rule({ operations: ["UPDATE"] }), scale, false)).toBe(false);
    expect(ruleMatches(rule({ operations: ["UPDATE"], resources: ["deployments/scale"] }), scale, false)).toBe(true);
    expect(ruleMatches(rule({ operations: ["UPDATE"], resources: ["deployments/*"] }), scale, false)).toBe(true);
    expect(ruleMatches(rule({ operations: ["UPDATE"], resources: ["*"] }), scale, false)).toBe(false);
    expect(ruleMatches(rule({ operations: ["UPDATE"], resources: ["*/*"] }), scale, false)).toBe(true);
    // A Namespace is cluster-scoped.
    const ns = attrs(namespaces as unknown as ResourceDef, { apiVersion: "v1", kind: "Namespace", metadata: { name: "x" } });
    expect(ruleMatches({ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["namespaces"], scope: "Namespaced" }, ns, false)).toBe(false);
    expect(ruleMatches({ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE"], resources: ["namespaces"], scope: "Cluster" }, ns, false)).toBe(true);
  });

  it("selects by the namespace's labels, the new or old object's labels, and excludes", () => {
    const a = attrs(deployments as unknown as ResourceDef, deploy("web", 1, { tier: "web" }), { old: deploy("web", 1, { tier: "old" }) });
    const m = (x: Record<string, unknown>) => matchResourcesMatch({ resourceRules: [rule({})], matchPolicy: "Equivalent", ...x }, a, context({ env: "prod" }));
    expect(m({})).toBe(true);
    expect(m({ namespaceSelector: { matchLabels: { env: "prod" } } })).toBe(true);
    expect(m({ namespaceSelector: { matchLabels: { env: "dev" } } })).toBe(false);
    expect(m({ namespaceSelector: { matchExpressions: [{ key: "env", operator: "NotIn", values: ["dev"] }] } })).toBe(true);
    expect(m({ objectSelector: { matchLabels: { tier: "old" } } })).toBe(true);
    expect(m({ objectSelector: { matchLabels: { tier: "db" } } })).toBe(false);
    expect(m({ excludeResourceRules: [rule({ resourceNames: ["web"] })] })).toBe(false);
    expect(m({ resourceRules: [] })).toBe(true);
    expect(objectMatches({}, a)).toBe(true);
  });

  it("never intercepts writes to the admission configuration itself", () => {
    const vwc = attrs(validatingWebhookConfigurations as unknown as ResourceDef, { apiVersion: "admissionregistration.k8s.io/v1", kind: "ValidatingWebhookConfiguration", metadata: { name: "x" } });
    expect(isExempt(vwc)).toBe(true);
    expect(isExempt(attrs(deployments as unknown as ResourceDef, deploy("web", 1)))).toBe(false);
  });
});

describe("a policy's evaluation", () => {
  const a = attrs(deployments as unknown as ResourceDef, deploy("web", 7));
  const spec = (x: Record<string, unknown>) => ({ failurePolicy: "Fail" as const, ...x });

  it("gives failed expression, message, messageExpression and the reason", () => {
    expect(validatePolicy(spec({ validations: [{ expression: "object.spec.replicas <= 5" }] }), a, null, undefined)).toEqual([{ deny: true, reason: "Invalid", message: "failed expression: object.spec.replicas <= 5" }]);
    expect(validatePolicy(spec({ validations: [{ expression: "object.spec.replicas <= 10" }] }), a, null, undefined)).toEqual([]);
    expect(validatePolicy(spec({ validations: [{ expression: "object.spec.replicas <= 5", message: "too many", reason: "Forbidden" }] }), a, null, undefined)).toEqual([{ deny: true, reason: "Forbidden", message: "too many" }]);
    const withExpr = { expression: "object.spec.replicas <= 5", message: "fallback", messageExpression: "'replicas ' + string(object.spec.replicas) + ' by ' + request.userInfo.username" };
    expect(validatePolicy(spec({ validations: [withExpr] }), a, null, undefined)[0].message).toBe("replicas 7 by alice");
    // A messageExpression that fails falls back to message.
    expect(validatePolicy(spec({ validations: [{ ...withExpr, messageExpression: "object.nope" }] }), a, null, undefined)[0].message).toBe("fallback");
  });

  it("uses params, variables and namespaceObject", () => {
    const params: KObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "limits" }, data: { max: "5" } };
    const ns: KObject = { apiVersion: "v1", kind: "Namespace", metadata: { name: "dev", labels: { env: "prod" } } };
    const s = spec({ variables: [{ name: "max", expression: "int(params.data.max)" }, { name: "over", expression: "object.spec.replicas > variables.max" }], validations: [{ expression: "!variables.over || namespaceObject.metadata.labels.env != 'prod'" }] });
    expect(validatePolicy(s, a, params, ns)).toHaveLength(1);
    expect(validatePolicy(s, a, { ...params, data: { max: "9" } }, ns)).toEqual([]);
  });

  it("skips the policy when a matchCondition is false, and follows failurePolicy on errors", () => {
    const s = (fp: "Fail" | "Ignore", cond: string) => ({ failurePolicy: fp, matchConditions: [{ name: "c", expression: cond }], validations: [{ expression: "false" }] });
    expect(validatePolicy(s("Fail", "request.userInfo.username == 'bob'"), a, null, undefined)).toEqual([]);
    expect(validatePolicy(s("Fail", "request.userInfo.username == 'alice'"), a, null, undefined)).toHaveLength(1);
    expect(validatePolicy(s("Fail", "object.spec.nothing == 1"), a, null, undefined)).toEqual([{ deny: true, reason: "", message: "expression 'object.spec.nothing == 1' resulted in error: no such key: nothing" }]);
    expect(validatePolicy(s("Ignore", "object.spec.nothing == 1"), a, null, undefined)).toEqual([]);
    const err = (fp: "Fail" | "Ignore") => validatePolicy({ failurePolicy: fp, validations: [{ expression: "object.spec.nothing > 1" }] }, a, null, undefined);
    expect(err("Fail")).toEqual([{ deny: true, reason: "", message: "expression 'object.spec.nothing > 1' resulted in error: no such key: nothing" }]);
    expect(err("Ignore")).toEqual([{ deny: false, reason: "", message: "expression 'object.spec.nothing > 1' resulted in error: no such key: nothing" }]);
  });
});

describe("an unreachable webhook", () => {
  const hook = (clientConfig: Record<string, unknown>, timeoutSeconds = 10) => ({ name: "x.example.com", clientConfig, timeoutSeconds });
  const ctx = (svc?: KObject, reach: WebhookReach | null = null) => ({ get: () => svc, api: { webhookDialer: reach && (() => reach) } }) as unknown as AdmissionContext;
  it("names the URL kube-apiserver would post to and what it meets", () => {
    expect(callWebhook(hook({ service: { name: "hook", namespace: "sys", path: "/validate", port: 443 } }), ctx())).toEqual({ url: "https://hook.sys.svc:443/validate?timeout=10s", cause: 'service "hook" not found' });
    const svc: KObject = { apiVersion: "v1", kind: "Service", metadata: { name: "hook" }, spec: { clusterIP: "10.96.0.20" } };
    expect(callWebhook(hook({ service: { name: "hook", namespace: "sys", port: 8443 } }, 30), ctx(svc))).toEqual({ url: "https://hook.sys.svc:8443?timeout=30s", cause: "dial tcp 10.96.0.20:8443: connect: connection refused" });
    expect(callWebhook(hook({ url: "https://hooks.example.com/check" }), ctx())).toEqual({ url: "https://hooks.example.com/check?timeout=10s", cause: "dial tcp: lookup hooks.example.com: no such host" });
  });

  it("follows the connection through the cluster's network: a webhook server allows, anything else fails as Go's client does", () => {
    const svc: KObject = { apiVersion: "v1", kind: "Service", metadata: { name: "hook" }, spec: { clusterIP: "10.96.0.20" } };
    const at = hook({ service: { name: "hook", namespace: "sys", port: 443, path: "/v" } });
    expect(callWebhook(at, ctx(svc, { ok: true, admission: true, http: false }))).toBeNull();
    expect(callWebhook(at, ctx(svc, { ok: true, admission: false, http: true }))?.cause).toBe("http: server gave HTTP response to HTTPS client");
    expect(callWebhook(at, ctx(svc, { ok: true, admission: false, http: false }))?.cause).toBe("EOF");
    expect(callWebhook(at, ctx(svc, { ok: false, error: "timeout" }))?.cause).toBe("context deadline exceeded");
    expect(callWebhook(at, ctx(svc, { ok: false, error: "refused" }))?.cause).toBe("dial tcp 10.96.0.20:443: connect: connection refused");
  });
});

const ADM = "/apis/admissionregistration.k8s.io/v1";

describe("through the API", () => {
  it("answers a Deny with kube-apiserver's status, a Warn with a warning header, and checks expressions at create", async () => {
    const { stub } = await newCluster();
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "dev" } });
    await settle(stub);
    const policy = (name: string, validations: unknown[], extra: Record<string, unknown> = {}) => ({
      metadata: { name },
      spec: { matchConstraints: { resourceRules: [rule({ operations: ["CREATE", "UPDATE"] })] }, validations, ...extra },
    });
    const created = await kube(stub, "POST", `${ADM}/validatingadmissionpolicies`, policy("max", [{ expression: "object.spec.replicas <= 5" }]));
    expect(created.status).toBe(201);
    expect(created.json.spec).toMatchObject({ failurePolicy: "Fail", matchConstraints: { matchPolicy: "Equivalent", namespaceSelector: {}, objectSelector: {}, resourceRules: [{ scope: "*" }] } });
    expect((await kube(stub, "POST", `${ADM}/validatingadmissionpolicybindings`, { metadata: { name: "max-b" }, spec: { policyName: "max", validationActions: ["Deny"] } })).status).toBe(201);
    const dep = (name: string, replicas: number) => ({ metadata: { name }, spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } });
    const refused = await kube(stub, "POST", "/apis/apps/v1/namespaces/dev/deployments", dep("web", 7));
    expect(refused.status).toBe(422);
    const message = "deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'max' with binding 'max-b' denied request: failed expression: object.spec.replicas <= 5";
    expect(refused.json).toMatchObject({ reason: "Invalid", code: 422, message, details: { name: "web", group: "apps", kind: "deployments", causes: [{ message: message.slice(message.indexOf("ValidatingAdmissionPolicy")) }] } });
    expect((await kube(stub, "GET", "/apis/apps/v1/namespaces/dev/deployments/web")).status).toBe(404);

    // A Warn binding of a policy with reason Forbidden: admitted with the warning.
    expect((await kube(stub, "POST", `${ADM}/validatingadmissionpolicies`, policy("named", [{ expression: "object.metadata.name.startsWith('app-')", message: "names start with app-", reason: "Forbidden" }]))).status).toBe(201);
    expect((await kube(stub, "POST", `${ADM}/validatingadmissionpolicybindings`, { metadata: { name: "named-warn" }, spec: { policyName: "named", validationActions: ["Warn"] } })).status).toBe(201);
    const warned = await kube(stub, "POST", "/apis/apps/v1/namespaces/dev/deployments", dep("web", 2));
    expect(warned.status).toBe(201);
    expect(warned.headers.filter(([k]) => k.toLowerCase() === "warning").map(([, v]) => v)).toEqual([`299 - "Validation failed for ValidatingAdmissionPolicy 'named' with binding 'named-warn': names start with app-"`]);
    // The same policy bound with Deny refuses with its reason's code.
    expect((await kube(stub, "POST", `${ADM}/validatingadmissionpolicybindings`, { metadata: { name: "named-deny" }, spec: { policyName: "named", validationActions: ["Deny"] } })).status).toBe(201);
    const forbidden = await kube(stub, "POST", "/apis/apps/v1/namespaces/dev/deployments", dep("api", 1));
    expect(forbidden.status).toBe(403);
    expect(forbidden.json.reason).toBe("Forbidden");

    const broken = await kube(stub, "POST", `${ADM}/validatingadmissionpolicies`, policy("broken", [{ expression: "object.spec.replicas <=", reason: "Teapot" }]));
    expect(broken.status).toBe(422);
    expect(broken.json.message).toMatch(/^ValidatingAdmissionPolicy\.admissionregistration\.k8s\.io "broken" is invalid: \[spec\.validations\[0\]\.reason: Unsupported value: "Teapot": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized", spec\.validations\[0\]\.expression: Invalid value: "object\.spec\.replicas <=": compilation failed: ERROR: <input>:1:/);
    const none = await kube(stub, "POST", `${ADM}/validatingadmissionpolicies`, { metadata: { name: "empty" }, spec: {} });
    expect(none.json.message).toBe('ValidatingAdmissionPolicy.admissionregistration.k8s.io "empty" is invalid: [spec.matchConstraints: Required value, spec.validations: Required value: validations or auditAnnotations must contain at least one item]');
    const badBinding = await kube(stub, "POST", `${ADM}/validatingadmissionpolicybindings`, { metadata: { name: "bad" }, spec: { paramRef: { name: "x", selector: {} } } });
    expect(badBinding.json.message).toBe(
      'ValidatingAdmissionPolicyBinding.admissionregistration.k8s.io "bad" is invalid: [spec.policyName: Required value, spec.paramRef.name: Forbidden: name and selector are mutually exclusive, spec.paramRef.parameterNotFoundAction: Required value, spec.validationActions: Required value: at least one validation action is required]',
    );
  });

  it("refuses through a failing webhook, but never a write to the configurations", async () => {
    const { stub } = await newCluster();
    const hook = { name: "deny.example.com", sideEffects: "None", admissionReviewVersions: ["v1"], clientConfig: { service: { name: "gone", namespace: "default" } }, rules: [{ apiGroups: ["*"], apiVersions: ["*"], operations: ["*"], resources: ["*"] }] };
    expect((await kube(stub, "POST", `${ADM}/validatingwebhookconfigurations`, { metadata: { name: "all" }, webhooks: [hook] })).status).toBe(201);
    const r = await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "x" } });
    expect(r.status).toBe(500);
    expect(r.json).toMatchObject({ reason: "InternalError", message: 'Internal error occurred: failed calling webhook "deny.example.com": failed to call webhook: Post "https://gone.default.svc:443?timeout=10s": service "gone" not found' });
    // The configuration may still be changed and removed.
    expect((await kube(stub, "POST", `${ADM}/mutatingwebhookconfigurations`, { metadata: { name: "m" }, webhooks: [hook] })).status).toBe(201);
    expect((await kube(stub, "DELETE", `${ADM}/mutatingwebhookconfigurations/m`)).status).toBe(200);
    expect((await kube(stub, "DELETE", `${ADM}/validatingwebhookconfigurations/all`)).status).toBe(200);
    expect((await kube(stub, "POST", "/api/v1/namespaces/default/configmaps", { metadata: { name: "x" } })).status).toBe(201);
  });
});
