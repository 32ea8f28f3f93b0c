// The details real clients compare: managedFields, error wording, what validation accepts, the
// defaults and copies controllers make, and the images real manifests name.
import { beforeAll, describe, expect, it } from "vitest";
import { advance, getJson, kubectl, newCluster, ok, request, settled, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("details");
});

type Entry = { manager: string; operation: string; apiVersion: string; time: string; fieldsType: string; fieldsV1: Record<string, unknown>; subresource?: string };
const managers = (o: { metadata: { managedFields?: Entry[] } }) => (o.metadata.managedFields ?? []).map((e) => `${e.manager}/${e.operation}${e.subresource ? "/" + e.subresource : ""}`);

describe("managedFields", () => {
  it("kubectl create records kubectl-create with the fields it set, defaults included", async () => {
    await ok(c, ["create", "configmap", "mf-cm", "--from-literal=a=1"]);
    const cm = await getJson(c, ["configmap", "mf-cm", "--show-managed-fields"]);
    expect(managers(cm)).toEqual(["kubectl-create/Update"]);
    const [e] = cm.metadata.managedFields;
    expect(e).toMatchObject({ apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": { ".": {}, "f:a": {} } } });
    expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    await ok(c, ["create", "deployment", "mf-web", "--image=nginx"]);
    const d = await getJson(c, ["deployment", "mf-web", "--show-managed-fields"]);
    const mine = d.metadata.managedFields.find((x: Entry) => x.manager === "kubectl-create");
    expect(mine.fieldsV1["f:metadata"]).toEqual({ "f:labels": { ".": {}, "f:app": {} } });
    expect(mine.fieldsV1["f:spec"]["f:selector"]).toEqual({});
    expect(mine.fieldsV1["f:spec"]["f:replicas"]).toEqual({});
    expect(mine.fieldsV1["f:spec"]["f:strategy"]).toEqual({ "f:rollingUpdate": { ".": {}, "f:maxSurge": {}, "f:maxUnavailable": {} }, "f:type": {} });
    const container = mine.fieldsV1["f:spec"]["f:template"]["f:spec"]["f:containers"]['k:{"name":"nginx"}'];
    expect(container).toMatchObject({ ".": {}, "f:image": {}, "f:name": {}, "f:imagePullPolicy": {}, "f:resources": {} });
    expect(mine.fieldsV1["f:status"]).toBeUndefined();
  });

  it("is hidden by kubectl get -o yaml unless --show-managed-fields", async () => {
    expect(await ok(c, ["get", "configmap", "mf-cm", "-o", "yaml"])).not.toContain("managedFields");
    const shown = await ok(c, ["get", "configmap", "mf-cm", "-o", "yaml", "--show-managed-fields"]);
    expect(shown).toContain("manager: kubectl-create");
    expect(shown).toContain("operation: Update");
  });

  it("kubectl label and apply add their own managers; a changed field moves to its new manager", async () => {
    await ok(c, ["label", "configmap", "mf-cm", "tier=web"]);
    const cm = await getJson(c, ["configmap", "mf-cm", "--show-managed-fields"]);
    expect(managers(cm)).toEqual(expect.arrayContaining(["kubectl-create/Update", "kubectl-label/Update"]));
    expect(cm.metadata.managedFields.find((x: Entry) => x.manager === "kubectl-label").fieldsV1).toEqual({ "f:metadata": { "f:labels": { ".": {}, "f:tier": {} } } });

    const manifest = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: mf-applied\ndata:\n  x: '1'\n";
    await ok(c, ["apply", "-f", "-"], manifest);
    await ok(c, ["apply", "-f", "-"], manifest.replace("x: '1'", "x: '2'\n  z: '3'"));
    // Nothing changed, nothing written: the entry's time does not move either.
    expect(await ok(c, ["apply", "-f", "-"], manifest.replace("x: '1'", "x: '2'\n  z: '3'"))).toBe("configmap/mf-applied unchanged\n");
    const applied = await getJson(c, ["configmap", "mf-applied", "--show-managed-fields"]);
    expect(managers(applied)).toEqual(["kubectl-client-side-apply/Update"]);
    const f = applied.metadata.managedFields[0].fieldsV1;
    expect(f["f:data"]).toEqual({ ".": {}, "f:x": {}, "f:z": {} });
    expect(f["f:metadata"]["f:annotations"]).toEqual({ ".": {}, "f:kubectl.kubernetes.io/last-applied-configuration": {} });

    // data.a moves from kubectl-create to the patcher; kubectl-create keeps only the map itself.
    await ok(c, ["patch", "configmap", "mf-cm", "-p", '{"data":{"a":"2"}}']);
    const patched = await getJson(c, ["configmap", "mf-cm", "--show-managed-fields"]);
    expect(patched.metadata.managedFields.find((x: Entry) => x.manager === "kubectl-create").fieldsV1).toEqual({ "f:data": {} });
    expect(patched.metadata.managedFields.find((x: Entry) => x.manager === "kubectl-patch").fieldsV1).toEqual({ "f:data": { "f:a": {} } });
  });

  it("kubectl scale is recorded against the scale subresource; controllers under kube-controller-manager", async () => {
    await ok(c, ["scale", "deployment", "mf-web", "--replicas=2"]);
    const d = await getJson(c, ["deployment", "mf-web", "--show-managed-fields"]);
    const scale = d.metadata.managedFields.find((x: Entry) => x.subresource === "scale");
    expect(scale).toMatchObject({ operation: "Update", apiVersion: "apps/v1", fieldsV1: { "f:spec": { "f:replicas": {} } } });
    expect(scale.manager).toBe("kubectl");
    // The replica count left kubectl-create for the scaler.
    expect(d.metadata.managedFields.find((x: Entry) => x.manager === "kubectl-create").fieldsV1["f:spec"]["f:replicas"]).toBeUndefined();
    expect(managers(d)).toContain("kube-controller-manager/Update/status");
    // Its pods: made by the ReplicaSet controller, their status written by the kubelet.
    await settled(c);
    await advance(c, 30);
    await settled(c);
    const pods = await getJson(c, ["pods", "-l", "app=mf-web", "--show-managed-fields"]);
    expect(pods.items.length).toBe(2);
    for (const p of pods.items) expect(managers(p)).toEqual(expect.arrayContaining(["kube-controller-manager/Update", "kubelet/Update/status"]));
  });

  it("kubectl edit records kubectl-edit", async () => {
    await ok(c, ["create", "configmap", "mf-edit", "--from-literal=k=before"]);
    process.env.KUBE_EDITOR = "sed -i s/before/after/";
    try {
      await ok(c, ["edit", "configmap", "mf-edit"]);
    } finally {
      delete process.env.KUBE_EDITOR;
    }
    const cm = await getJson(c, ["configmap", "mf-edit", "--show-managed-fields"]);
    expect(cm.data.k).toBe("after");
    expect(cm.metadata.managedFields.find((x: Entry) => x.manager === "kubectl-edit")).toMatchObject({ operation: "Update", fieldsV1: { "f:data": { "f:k": {} } } });
  });

  it("takes the manager from ?fieldManager= or the user agent, and refuses one that is too long", async () => {
    const base = `/k8s/${c.id}/api/v1/namespaces/default/configmaps`;
    const made = await request("POST", `${base}?fieldManager=my-tool`, { token: c.token, body: { metadata: { name: "mf-curl" }, data: { k: "v" } } });
    expect(made.status).toBe(201);
    expect(made.json.metadata.managedFields.map((e: Entry) => e.manager)).toEqual(["my-tool"]);
    const long = await request("POST", `${base}?fieldManager=${"m".repeat(129)}`, { token: c.token, body: { metadata: { name: "mf-long" } } });
    expect(long.status).toBe(422);
    expect(long.json.message).toContain("fieldManager: Too long: may not be more than 128 bytes");
    expect((await request("GET", `${base}/mf-long`, { token: c.token })).status).toBe(404);
  });

  it("keeps managers a client does not send, and forgets them all when it sends []", async () => {
    const url = `/k8s/${c.id}/api/v1/namespaces/default/configmaps/mf-curl`;
    const kept = await request("PATCH", `${url}?fieldManager=my-tool`, { token: c.token, body: { data: { k: "w" } }, contentType: "application/merge-patch+json" });
    expect(kept.json.metadata.managedFields.map((e: Entry) => e.manager)).toEqual(["my-tool"]);
    const reset = await request("PATCH", url, { token: c.token, body: { metadata: { managedFields: [] } }, contentType: "application/merge-patch+json" });
    expect(reset.status).toBe(200);
    expect(reset.json.metadata.managedFields).toBeUndefined();
  });
});

describe("error wording", () => {
  it("prints an invalid label value and a map value as kube-apiserver does", async () => {
    const bad = await kubectl(c, ["run", "badlabel", "--image=nginx", "--labels=app=-bad-"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('The Pod "badlabel" is invalid: metadata.labels: Invalid value: "-bad-": a valid label must be an empty string or consist of alphanumeric characters');
    const mismatch = [
      "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mismatch\nspec:\n  selector:\n    matchLabels:\n      app: myapp\n",
      "  template:\n    metadata:\n      labels:\n        app: other\n        tier: web\n    spec:\n      containers:\n      - name: c\n        image: nginx\n",
    ].join("");
    const r = await kubectl(c, ["create", "-f", "-"], { input: mismatch });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Deployment "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"other", "tier":"web"}: `selector` does not match template `labels`');
  });

  it("refuses a string for the labels map in a patch: cannot restore map from string", async () => {
    await ok(c, ["create", "configmap", "patchme"]);
    const r = await kubectl(c, ["patch", "configmap", "patchme", "-p", '{"metadata":{"labels":"x"}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The request is invalid: patch: Invalid value: "map[metadata:map[labels:x]]": cannot restore map from string');
    const merge = await kubectl(c, ["patch", "configmap", "patchme", "--type=merge", "-p", '{"metadata":{"labels":"x"}}']);
    expect(merge.code).not.toBe(0);
    expect(merge.stderr).toContain("The request is invalid: patch: Invalid value:");
    expect((await getJson(c, ["configmap", "patchme"])).metadata.labels).toBeUndefined();
  });

  it("names the selector that may not change as Go prints a LabelSelector", async () => {
    await ok(c, ["create", "deployment", "immut", "--image=nginx"]);
    const r = await kubectl(c, ["patch", "deployment", "immut", "-p", '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable');
  });
});

describe("validation no stricter than Kubernetes", () => {
  it("accepts a CronJob schedule that never fires", async () => {
    expect(await ok(c, ["create", "cronjob", "never", "--image=busybox", "--schedule=59 23 31 2 *"])).toBe("cronjob.batch/never created\n");
    const bad = await kubectl(c, ["create", "cronjob", "bad", "--image=busybox", "--schedule=61 * * * *"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('spec.schedule: Invalid value: "61 * * * *"');
  });

  it("creates a Node from a manifest without status", async () => {
    const node = "apiVersion: v1\nkind: Node\nmetadata:\n  name: handmade\n  labels:\n    kubernetes.io/hostname: handmade\n";
    expect(await ok(c, ["create", "-f", "-"], node)).toBe("node/handmade created\n");
    const got = await getJson(c, ["node", "handmade"]);
    expect(got.metadata.labels["kubernetes.io/hostname"]).toBe("handmade");
    await ok(c, ["delete", "node", "handmade"]);
  });

  it("accepts a Service port left for validation to range-check, and an HTTP header with an empty value", async () => {
    const svc = "apiVersion: v1\nkind: Service\nmetadata:\n  name: noport\nspec:\n  ports:\n  - targetPort: 80\n";
    const r = await kubectl(c, ["create", "-f", "-", "--validate=false"], { input: svc });
    expect(r.stderr).toContain('The Service "noport" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
    const pod = [
      "apiVersion: v1\nkind: Pod\nmetadata:\n  name: emptyheader\nspec:\n  containers:\n  - name: c\n    image: nginx\n",
      "    readinessProbe:\n      httpGet:\n        port: 80\n        httpHeaders:\n        - name: X-Empty\n          value: ''\n",
    ].join("");
    expect(await ok(c, ["create", "-f", "-"], pod)).toBe("pod/emptyheader created\n");
  });
});

describe("bounds named as kube-apiserver names them", () => {
  it("refuses an HPA without maxReplicas as 0, not as a missing field", async () => {
    const hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: nomax\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: mf-web\n";
    const r = await kubectl(c, ["create", "-f", "-", "--validate=false"], { input: hpa });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("spec.maxReplicas: Invalid value: 0: must be greater than 0");
    expect(r.stderr).not.toContain("Required value");
  });
});

describe("required fields named as kube-apiserver names them", () => {
  it("names a claim's missing access modes and storage request", async () => {
    const pvc = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: empty-claim\nspec: {}\n";
    const r = await kubectl(c, ["create", "-f", "-"], { input: pvc });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("spec.accessModes: Required value: at least 1 access mode is required");
    expect(r.stderr).toContain("spec.resources[storage]: Required value");
  });
});

describe("defaults and copies controllers make", () => {
  it("gives an autoscaling/v2 HPA without metrics the CPU 80% metric, in v1 too", async () => {
    const hpa = "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: nometrics\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1\n    kind: Deployment\n    name: mf-web\n  maxReplicas: 3\n";
    await ok(c, ["create", "-f", "-"], hpa);
    const got = await getJson(c, ["hpa.v2.autoscaling", "nometrics"]);
    expect(got.spec.metrics).toEqual([{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: 80 } } }]);
    const v1 = await request("GET", `/k8s/${c.id}/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/nometrics`, { token: c.token });
    expect(v1.json.apiVersion).toBe("autoscaling/v1");
    expect(v1.json.spec.targetCPUUtilizationPercentage).toBe(80);
  });

  it("copies a DaemonSet's change-cause into its revisions, for rollout history", async () => {
    const ds = (cause: string, image: string) =>
      `apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: agent\n  annotations:\n    kubernetes.io/change-cause: ${cause}\nspec:\n  selector:\n    matchLabels:\n      app: agent\n  template:\n    metadata:\n      labels:\n        app: agent\n    spec:\n      containers:\n      - name: a\n        image: ${image}\n`;
    await ok(c, ["apply", "-f", "-"], ds("first", "busybox:1.36"));
    await ok(c, ["apply", "-f", "-"], ds("second", "busybox:1.35"));
    let out = "";
    for (let i = 0; i < 100 && !/^2\s+second$/m.test(out); i++) {
      out = await ok(c, ["rollout", "history", "daemonset/agent"]);
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(out).toMatch(/^REVISION\s+CHANGE-CAUSE$/m);
    expect(out).toMatch(/^1\s+first$/m);
    expect(out).toMatch(/^2\s+second$/m);
  });
});

describe("images real manifests name", () => {
  it("runs the tags tutorials and Kubernetes' own tests use; an invented tag stays in ImagePullBackOff", async () => {
    const images: Record<string, string> = {
      "img-nginx": "nginx:1.15.4",
      "img-pause": "registry.k8s.io/pause:3.8",
      "img-oldpause": "k8s.gcr.io/pause:3.5",
      "img-busybox": "busybox:1.28",
      "img-bootcamp": "gcr.io/google-samples/kubernetes-bootcamp:v1",
      "img-agnhost": "registry.k8s.io/e2e-test-images/agnhost:2.47",
      "img-e2e-httpd": "registry.k8s.io/e2e-test-images/httpd:2.4.38-4",
      "img-missing": "nginx:doesnotexist",
    };
    for (const [name, image] of Object.entries(images)) {
      const args = image.startsWith("busybox") ? ["--", "sleep", "3600"] : [];
      await ok(c, ["run", name, `--image=${image}`, "--labels=suite=images", ...args]);
    }
    await settled(c);
    await advance(c, 60);
    await settled(c);
    const pods = await getJson(c, ["pods", "-l", "suite=images"]);
    const state = Object.fromEntries(pods.items.map((p: any) => [p.metadata.name, p.status.phase === "Running" ? "Running" : p.status.containerStatuses?.[0]?.state?.waiting?.reason]));
    expect(state).toEqual({ ...Object.fromEntries(Object.keys(images).map((n) => [n, "Running"])), "img-missing": "ImagePullBackOff" });
  });
});
