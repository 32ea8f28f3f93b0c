// Admission that users write, with real kubectl: a ValidatingAdmissionPolicy and its bindings
// (Deny with kube-apiserver's message, Warn as a warning header, a ConfigMap as parameters, a
// policy whose expression does not compile), and webhook configurations, whose failurePolicy
// decides since no webhook can be reached (Fail refuses with "failed calling webhook", Ignore
// admits). One cluster; each part works in its own namespace.
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, newCluster, ok, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("admpol");
  for (const ns of ["deny", "warn", "params", "hooks", "hooks-ignore"]) await ok(c, ["create", "namespace", ns]);
  await ok(c, ["label", "namespace", "deny", "policy=deny"]);
  await ok(c, ["label", "namespace", "warn", "policy=warn"]);
  await ok(c, ["label", "namespace", "hooks", "webhooks=on"]);
  await ok(c, ["label", "namespace", "hooks-ignore", "webhooks=ignore"]);
});

const policy = (name: string, extra: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: ${name}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
${extra}`;

const binding = (name: string, policyName: string, actions: string, extra: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: ${name}
spec:
  policyName: ${policyName}
  validationActions: [${actions}]
${extra}`;

describe("ValidatingAdmissionPolicy", () => {
  it("refuses a Deployment with too many replicas with kube-apiserver's message, and admits one within bounds", async () => {
    await ok(c, ["apply", "-f", "-"], policy("max-replicas", "  validations:\n  - expression: \"object.spec.replicas <= 5\"\n"));
    await ok(c, ["apply", "-f", "-"], binding("max-replicas-binding", "max-replicas", "Deny", "  matchResources:\n    namespaceSelector:\n      matchLabels:\n        policy: deny\n"));
    const r = await kubectl(c, ["-n", "deny", "create", "deployment", "web", "--image=nginx", "--replicas=7"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      "error: failed to create deployment: deployments.apps \"web\" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5",
    );
    expect((await kubectl(c, ["-n", "deny", "get", "deployment", "web"])).code).not.toBe(0);
    await ok(c, ["-n", "deny", "create", "deployment", "web", "--image=nginx", "--replicas=3"]);
    // An update is checked too. A scale goes through deployments/scale, a subresource the rule
    // does not name, so (as on kube-apiserver) only a write to the Deployment itself is refused.
    const s = await kubectl(c, ["-n", "deny", "patch", "deployment", "web", "-p", '{"spec":{"replicas":9}}']);
    expect(s.code).not.toBe(0);
    expect(s.stderr).toContain("ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: failed expression: object.spec.replicas <= 5");
    const raw = await kubectl(c, ["-n", "deny", "create", "deployment", "big", "--image=nginx", "--replicas=6", "-o", "json", "--dry-run=server", "-v=6"]);
    expect(raw.stderr).toMatch(/POST https:\/\/\S+\/apis\/apps\/v1\/namespaces\/deny\/deployments\?dryRun=All\S* 422 Unprocessable Entity/);
    // Namespaces the binding does not select are not checked.
    await ok(c, ["-n", "params", "create", "deployment", "free", "--image=nginx", "--replicas=8"]);
  });

  it("lists policies and bindings with kubectl's columns", async () => {
    const p = await ok(c, ["get", "validatingadmissionpolicies"]);
    expect(p).toMatch(/^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE$/m);
    expect(p).toMatch(/^max-replicas\s+1\s+<unset>\s+\S+$/m);
    const b = await ok(c, ["get", "validatingadmissionpolicybindings"]);
    expect(b).toMatch(/^NAME\s+POLICYNAME\s+PARAMREF\s+AGE$/m);
    expect(b).toMatch(/^max-replicas-binding\s+max-replicas\s+<unset>\s+\S+$/m);
  });

  it("warns with a Warn binding and admits the object", async () => {
    await ok(c, ["apply", "-f", "-"], policy("labelled", "  validations:\n  - expression: \"has(object.metadata.labels) && 'team' in object.metadata.labels\"\n    messageExpression: \"'deployment ' + object.metadata.name + ' has no team label'\"\n"));
    await ok(c, ["apply", "-f", "-"], binding("labelled-warn", "labelled", "Warn, Audit", "  matchResources:\n    namespaceSelector:\n      matchLabels:\n        policy: warn\n"));
    const r = await kubectl(c, ["-n", "warn", "create", "deployment", "api", "--image=nginx"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Warning: Validation failed for ValidatingAdmissionPolicy 'labelled' with binding 'labelled-warn': deployment api has no team label");
    await ok(c, ["-n", "warn", "get", "deployment", "api"]);
  });

  it("reads its limit from a ConfigMap named by the binding's paramRef", async () => {
    await ok(
      c,
      ["apply", "-f", "-"],
      policy("replica-limit", "  paramKind:\n    apiVersion: v1\n    kind: ConfigMap\n  validations:\n  - expression: \"object.spec.replicas <= int(params.data.maxReplicas)\"\n    messageExpression: \"'at most ' + params.data.maxReplicas + ' replicas'\"\n    reason: Forbidden\n"),
    );
    await ok(c, ["apply", "-f", "-"], binding("replica-limit-params", "replica-limit", "Deny", "  paramRef:\n    name: limits\n    namespace: params\n    parameterNotFoundAction: Deny\n  matchResources:\n    namespaceSelector:\n      matchLabels:\n        kubernetes.io/metadata.name: params\n"));
    // No ConfigMap yet: parameterNotFoundAction Deny refuses.
    const missing = await kubectl(c, ["-n", "params", "create", "deployment", "one", "--image=nginx"]);
    expect(missing.stderr).toContain("ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-params' denied request: failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction");
    await ok(c, ["-n", "params", "create", "configmap", "limits", "--from-literal=maxReplicas=2"]);
    await ok(c, ["-n", "params", "create", "deployment", "one", "--image=nginx", "--replicas=2"]);
    const r = await kubectl(c, ["-n", "params", "create", "deployment", "two", "--image=nginx", "--replicas=3"]);
    expect(r.stderr.trim()).toBe("error: failed to create deployment: deployments.apps \"two\" is forbidden: ValidatingAdmissionPolicy 'replica-limit' with binding 'replica-limit-params' denied request: at most 2 replicas");
    expect(await ok(c, ["get", "validatingadmissionpolicybinding", "replica-limit-params", "--no-headers"])).toMatch(/^replica-limit-params\s+replica-limit\s+params\/limits\s/);
  });

  it("is consulted on delete: oldObject is the object, and object is null", async () => {
    await ok(
      c,
      ["apply", "-f", "-"],
      `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: keep-protected
spec:
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["DELETE"]
      resources: ["configmaps"]
  validations:
  - expression: "object == null && !(has(oldObject.metadata.labels) && oldObject.metadata.labels['protected'] == 'true')"
    messageExpression: "'configmap ' + oldObject.metadata.name + ' is protected'"
`,
    );
    await ok(c, ["apply", "-f", "-"], binding("keep-protected-deny", "keep-protected", "Deny", "  matchResources:\n    namespaceSelector:\n      matchLabels:\n        policy: deny\n"));
    await ok(c, ["-n", "deny", "create", "configmap", "keep"]);
    await ok(c, ["-n", "deny", "label", "configmap", "keep", "protected=true"]);
    await ok(c, ["-n", "deny", "create", "configmap", "scratch"]);
    const r = await kubectl(c, ["-n", "deny", "delete", "configmap", "keep"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      // Without a reason the denial is Invalid (422), and kubectl prints its one cause, as the Kubernetes docs show.
      'The configmaps "keep" is invalid: : ValidatingAdmissionPolicy \'keep-protected\' with binding \'keep-protected-deny\' denied request: configmap keep is protected',
    );
    await ok(c, ["-n", "deny", "get", "configmap", "keep"]);
    // Unprotected ones go, and so does this one once its label is removed.
    await ok(c, ["-n", "deny", "delete", "configmap", "scratch"]);
    await ok(c, ["-n", "deny", "label", "configmap", "keep", "protected-"]);
    await ok(c, ["-n", "deny", "delete", "configmap", "keep"]);
    expect((await kubectl(c, ["-n", "deny", "get", "configmap", "keep"])).code).not.toBe(0);
  });

  it("refuses a policy whose expression does not compile, and a binding with Deny and Warn", async () => {
    const r = await kubectl(c, ["apply", "-f", "-"], { input: policy("broken", "  validations:\n  - expression: \"object.spec.replicas <=\"\n") });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The ValidatingAdmissionPolicy "broken" is invalid: spec.validations[0].expression: Invalid value: "object.spec.replicas <=": compilation failed: ERROR: <input>:1:');
    const b = await kubectl(c, ["apply", "-f", "-"], { input: binding("both", "max-replicas", "Deny, Warn", "") });
    expect(b.stderr).toContain('The ValidatingAdmissionPolicyBinding "both" is invalid: spec.validationActions: Invalid value: []string{"Deny", "Warn"}: must not contain both Deny and Warn');
  });
});

const webhookConfig = (kind: "Validating" | "Mutating", name: string, failurePolicy: string, nsLabel: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}WebhookConfiguration
metadata:
  name: ${name}
webhooks:
- name: ${name}.example.com
  failurePolicy: ${failurePolicy}
  sideEffects: None
  admissionReviewVersions: ["v1"]
  clientConfig:
    service:
      name: ${name}-svc
      namespace: hooks
      path: /check
  namespaceSelector:
    matchLabels:
      webhooks: "${nsLabel}"
  rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["CREATE"]
    resources: ["configmaps"]
`;

describe("webhook configurations (no webhook is reachable: failurePolicy decides)", () => {
  it("refuses a matching create when the webhook fails closed, naming the call kube-apiserver would make", async () => {
    await ok(c, ["apply", "-f", "-"], webhookConfig("Validating", "strict", "Fail", "on"));
    const r = await kubectl(c, ["-n", "hooks", "create", "configmap", "x", "--from-literal=a=b"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      'error: failed to create configmap: Internal error occurred: failed calling webhook "strict.example.com": failed to call webhook: Post "https://strict-svc.hooks.svc:443/check?timeout=10s": service "strict-svc" not found',
    );
    // With the Service in place, the connection is refused at its ClusterIP.
    await ok(c, ["-n", "hooks", "create", "service", "clusterip", "strict-svc", "--tcp=443:8443"]);
    const ip = (await ok(c, ["-n", "hooks", "get", "service", "strict-svc", "-o", "jsonpath={.spec.clusterIP}"])).trim();
    const again = await kubectl(c, ["-n", "hooks", "create", "configmap", "x"]);
    expect(again.stderr).toContain(`Post "https://strict-svc.hooks.svc:443/check?timeout=10s": dial tcp ${ip}:443: connect: connection refused`);
    // Other kinds and other namespaces are not intercepted; nor is the configuration itself.
    await ok(c, ["-n", "hooks", "create", "secret", "generic", "s", "--from-literal=a=b"]);
    await ok(c, ["-n", "hooks-ignore", "create", "configmap", "fine"]);
    await ok(c, ["delete", "validatingwebhookconfiguration", "strict"]);
    await ok(c, ["-n", "hooks", "create", "configmap", "x"]);
  });

  it("lets a matching create through when failurePolicy is Ignore, for mutating and validating webhooks", async () => {
    await ok(c, ["apply", "-f", "-"], webhookConfig("Validating", "lenient", "Ignore", "ignore"));
    await ok(c, ["apply", "-f", "-"], webhookConfig("Mutating", "lenient-mutate", "Ignore", "ignore"));
    await ok(c, ["-n", "hooks-ignore", "create", "configmap", "y"]);
    const m = await ok(c, ["get", "mutatingwebhookconfigurations"]);
    expect(m).toMatch(/^NAME\s+WEBHOOKS\s+AGE$/m);
    expect(m).toMatch(/^lenient-mutate\s+1\s+\S+$/m);
    const hook = JSON.parse(await ok(c, ["get", "mutatingwebhookconfiguration", "lenient-mutate", "-o", "json"])).webhooks[0];
    expect(hook).toMatchObject({ matchPolicy: "Equivalent", reinvocationPolicy: "Never", timeoutSeconds: 10, objectSelector: {}, clientConfig: { service: { port: 443 } } });
  });

  it("calls a webhook whose rules name DELETE before deleting, and keeps the object when it fails closed", async () => {
    await ok(c, ["-n", "hooks", "create", "configmap", "guarded"]);
    await ok(c, ["apply", "-f", "-"], webhookConfig("Validating", "on-delete", "Fail", "on").replace('operations: ["CREATE"]', 'operations: ["DELETE"]'));
    // Creates are not intercepted by this one; deletes are.
    await ok(c, ["-n", "hooks", "create", "configmap", "other"]);
    const r = await kubectl(c, ["-n", "hooks", "delete", "configmap", "guarded"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      'Error from server (InternalError): Internal error occurred: failed calling webhook "on-delete.example.com": failed to call webhook: Post "https://on-delete-svc.hooks.svc:443/check?timeout=10s": service "on-delete-svc" not found',
    );
    await ok(c, ["-n", "hooks", "get", "configmap", "guarded"]);
    await ok(c, ["delete", "validatingwebhookconfiguration", "on-delete"]);
    await ok(c, ["-n", "hooks", "delete", "configmap", "guarded"]);
  });

  it("refuses through a mutating webhook that fails closed", async () => {
    await ok(c, ["apply", "-f", "-"], webhookConfig("Mutating", "mutator", "Fail", "on"));
    const r = await kubectl(c, ["-n", "hooks", "create", "configmap", "z"]);
    expect(r.stderr.trim()).toBe(
      'error: failed to create configmap: Internal error occurred: failed calling webhook "mutator.example.com": failed to call webhook: Post "https://mutator-svc.hooks.svc:443/check?timeout=10s": service "mutator-svc" not found',
    );
    await ok(c, ["delete", "mutatingwebhookconfiguration", "mutator"]);
  });
});
