// The details real clients compare: managedFields, error wording, what validation accepts, the
// defaults and copies controllers make, and the images real manifests name.
import { beforeAll, describe, expect, it } from "vitest";
import { getJson, kubectl, newCluster, ok, request, type TestCluster } from "./helpers";

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
    expect(scale.manager).toMatch(/^kubectl/);
    // The replica count left kubectl-create for the scaler.
    expect(d.metadata.managedFields.find((x: Entry) => x.manager === "kubectl-create").fieldsV1["f:spec"]["f:replicas"]).toBeUndefined();
    expect(managers(d)).toContain("kube-controller-manager/Update/status");
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
