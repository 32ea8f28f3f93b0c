// CustomResourceDefinitions inside the cluster object: the CRD's validation, the controller's
// conditions, the kind served in discovery and OpenAPI, its objects validated, defaulted and
// pruned by the structural schema, status and scale subresources, versions, and cleanup.
import { describe, expect, it } from "vitest";
import { kube, newCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];

const GROUP = "example.kubedo.test";

function widgetCrd(extra: { versions?: unknown[]; names?: Record<string, unknown>; scope?: string; name?: string; conversion?: unknown } = {}) {
  const schema = {
    type: "object",
    properties: {
      spec: {
        type: "object",
        required: ["size"],
        properties: {
          size: { type: "integer", minimum: 1, maximum: 100 },
          replicas: { type: "integer", default: 1 },
          maxReplicas: { type: "integer", default: 10 },
          color: { type: "string", enum: ["red", "blue"] },
          selector: { type: "string" },
        },
        "x-kubernetes-validations": [{ rule: "self.replicas <= self.maxReplicas", message: "replicas may not exceed maxReplicas" }],
      },
      status: { type: "object", properties: { replicas: { type: "integer" }, phase: { type: "string" } } },
    },
  };
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: extra.name ?? `widgets.${GROUP}` },
    spec: {
      group: GROUP,
      scope: extra.scope ?? "Namespaced",
      names: extra.names ?? { plural: "widgets", singular: "widget", kind: "Widget", shortNames: ["wd"], categories: ["all"] },
      ...(extra.conversion ? { conversion: extra.conversion } : {}),
      versions: extra.versions ?? [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: { openAPIV3Schema: schema },
          subresources: { status: {}, scale: { specReplicasPath: ".spec.replicas", statusReplicasPath: ".status.replicas", labelSelectorPath: ".spec.selector" } },
          additionalPrinterColumns: [
            { name: "Size", type: "integer", jsonPath: ".spec.size" },
            { name: "Phase", type: "string", jsonPath: ".status.phase" },
            { name: "Color", type: "string", jsonPath: ".spec.color", priority: 1 },
          ],
          selectableFields: [{ jsonPath: ".spec.color" }],
        },
        { name: "v1beta1", served: true, storage: false, deprecated: true, schema: { openAPIV3Schema: schema } },
      ],
    },
  };
}

async function install(stub: Stub, crd = widgetCrd()) {
  const r = await kube(stub, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", crd);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
  await settle(stub);
  return (await kube(stub, "GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`)).json;
}

const widgets = `/apis/${GROUP}/v1/namespaces/default/widgets`;
const widget = (name: string, spec: Record<string, unknown>) => ({ apiVersion: `${GROUP}/v1`, kind: "Widget", metadata: { name }, spec });

describe("custom resource definitions", () => {
  it("refuses an invalid definition with apiextensions' words and stores nothing", async () => {
    const { stub } = await newCluster();
    const bad = widgetCrd({ name: "gadgets.example.kubedo.test" });
    (bad.spec.versions as { storage: boolean }[])[1].storage = true;
    const r = await kube(stub, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", bad);
    expect(r.status).toBe(422);
    expect(r.json.message).toContain(`metadata.name: Invalid value: "gadgets.example.kubedo.test": must be spec.names.plural+"."+spec.group`);
    expect(r.json.message).toContain("must have exactly one version marked as storage version");
    expect((await kube(stub, "GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")).json.items).toEqual([]);
  });

  it("accepts the names, establishes the kind and serves it in discovery and OpenAPI", async () => {
    const { stub } = await newCluster();
    const crd = await install(stub);
    const types = Object.fromEntries(crd.status.conditions.map((c: { type: string; status: string }) => [c.type, c.status]));
    expect(types).toEqual({ NamesAccepted: "True", Established: "True" });
    expect(crd.status.acceptedNames.kind).toBe("Widget");
    expect(crd.status.storedVersions).toEqual(["v1"]);
    const group = (await kube(stub, "GET", `/apis/${GROUP}`)).json;
    expect(group.preferredVersion.version).toBe("v1");
    expect(group.versions.map((v: { version: string }) => v.version)).toEqual(["v1", "v1beta1"]);
    const list = (await kube(stub, "GET", `/apis/${GROUP}/v1`)).json;
    const res = list.resources.find((r: { name: string }) => r.name === "widgets");
    expect(res).toMatchObject({ kind: "Widget", namespaced: true, shortNames: ["wd"], categories: ["all"], singularName: "widget" });
    expect(list.resources.map((r: { name: string }) => r.name)).toEqual(["widgets", "widgets/status", "widgets/scale"]);
    const doc = (await kube(stub, "GET", `/openapi/v3/apis/${GROUP}/v1`)).json;
    const schema = doc.components.schemas["test.kubedo.example.v1.Widget"];
    expect(schema.properties.spec.properties.size.type).toBe("integer");
    expect(schema["x-kubernetes-group-version-kind"]).toEqual([{ group: GROUP, version: "v1", kind: "Widget" }]);
    // No strategic merge for a custom kind: kubectl apply reads this and sends a JSON merge patch.
    const patch = doc.paths[`/apis/${GROUP}/v1/namespaces/{namespace}/widgets/{name}`].patch;
    expect(Object.keys(patch.requestBody.content)).toEqual(["application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"]);
    const v2 = (await kube(stub, "GET", "/openapi/v2", undefined, { accept: "application/json" })).json;
    expect(v2.paths[`/apis/${GROUP}/v1/namespaces/{namespace}/widgets/{name}`].patch.consumes).not.toContain("application/strategic-merge-patch+json");
  });

  it("validates, defaults and prunes objects by the schema, CEL rules included", async () => {
    const { stub } = await newCluster();
    await install(stub);
    let r = await kube(stub, "POST", widgets, widget("a", { size: 5, extra: "dropped" }));
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.json.spec).toEqual({ size: 5, replicas: 1, maxReplicas: 10 });
    expect(r.json.metadata.generation).toBe(1);
    r = await kube(stub, "POST", widgets, widget("b", { size: 500, color: "green" }));
    expect(r.status).toBe(422);
    expect(r.json.message).toContain("spec.size: Invalid value: 500: spec.size in body should be less than or equal to 100");
    expect(r.json.message).toContain(`spec.color: Unsupported value: "green": supported values: "red", "blue"`);
    r = await kube(stub, "POST", widgets, widget("c", { size: 1, replicas: 20 }));
    expect(r.status).toBe(422);
    expect(r.json.message).toContain("replicas may not exceed maxReplicas");
    r = await kube(stub, "POST", widgets, widget("d", { size: "big" }));
    expect(r.status).toBe(422);
    expect(r.json.message).toContain(`spec.size: Invalid value: "string": spec.size in body must be of type integer: "string"`);
    r = await kube(stub, "POST", `${widgets}?fieldValidation=Strict`, widget("e", { size: 2, extra: 1 }));
    expect(r.status).toBe(400);
    expect(r.json.message).toContain(`unknown field "spec.extra"`);
    const names = (await kube(stub, "GET", widgets)).json.items.map((i: { metadata: { name: string } }) => i.metadata.name);
    expect(names).toEqual(["a"]);
  });

  it("writes status only through /status, scales through /scale and counts spec changes in generation", async () => {
    const { stub } = await newCluster();
    await install(stub);
    await kube(stub, "POST", widgets, { ...widget("w", { size: 3, selector: "app=w" }), status: { phase: "Ignored" } });
    let w = (await kube(stub, "GET", `${widgets}/w`)).json;
    expect(w.status).toBeUndefined();
    let r = await kube(stub, "PUT", `${widgets}/w/status`, { ...w, status: { phase: "Ready", replicas: 1 }, spec: { size: 99 } });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect(r.json.status).toEqual({ phase: "Ready", replicas: 1 });
    expect(r.json.spec.size).toBe(3);
    expect(r.json.metadata.generation).toBe(1);
    w = r.json;
    r = await kube(stub, "PUT", `${widgets}/w`, { ...w, status: { phase: "Overwritten" }, spec: { ...w.spec, size: 4 } });
    expect(r.json.status.phase).toBe("Ready");
    expect(r.json.metadata.generation).toBe(2);
    r = await kube(stub, "PUT", `${widgets}/w`, { ...r.json, metadata: { ...r.json.metadata, resourceVersion: undefined } });
    expect(r.status).toBe(422); // custom resources need the resourceVersion on update
    const scale = (await kube(stub, "GET", `${widgets}/w/scale`)).json;
    expect(scale).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 1 }, status: { replicas: 1, selector: "app=w" } });
    r = await kube(stub, "PATCH", `${widgets}/w/scale`, { spec: { replicas: 3 } }, { contentType: "application/merge-patch+json" });
    expect(r.status, JSON.stringify(r.json)).toBe(200);
    expect((await kube(stub, "GET", `${widgets}/w`)).json.spec.replicas).toBe(3);
    r = await kube(stub, "PATCH", `${widgets}/w`, { spec: { size: 5 } }, { contentType: "application/strategic-merge-patch+json" });
    expect(r.status).toBe(415);
  });

  it("serves every version from one storage version, with the deprecated one's warning", async () => {
    const { stub } = await newCluster();
    await install(stub);
    const r = await kube(stub, "POST", `/apis/${GROUP}/v1beta1/namespaces/default/widgets`, { ...widget("old", { size: 1 }), apiVersion: `${GROUP}/v1beta1` });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    expect(r.headers.find(([k]) => k.toLowerCase() === "warning")?.[1]).toContain(`${GROUP}/v1beta1 Widget is deprecated`);
    expect((await kube(stub, "GET", `${widgets}/old`)).json.apiVersion).toBe(`${GROUP}/v1`);
    expect((await kube(stub, "GET", `/apis/${GROUP}/v1beta1/namespaces/default/widgets/old`)).json.apiVersion).toBe(`${GROUP}/v1beta1`);
  });

  it("prints the printer columns and selects by the selectable fields", async () => {
    const { stub } = await newCluster();
    await install(stub);
    await kube(stub, "POST", widgets, widget("r", { size: 7, color: "red" }));
    await kube(stub, "POST", widgets, widget("b", { size: 8, color: "blue" }));
    const t = (await kube(stub, "GET", widgets, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" })).json;
    expect(t.columnDefinitions.map((c: { name: string; priority: number }) => `${c.name}:${c.priority}`)).toEqual(["Name:0", "Size:0", "Phase:0", "Color:1"]);
    expect(t.rows.map((row: { cells: unknown[] }) => row.cells)).toEqual([
      ["b", 8, null, "blue"],
      ["r", 7, null, "red"],
    ]);
    const red = (await kube(stub, "GET", `${widgets}?fieldSelector=spec.color%3Dred`)).json.items;
    expect(red.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["r"]);
  });

  it("reports conflicting names and deletes a definition's objects before the definition", async () => {
    const { stub } = await newCluster();
    await install(stub);
    const twin = await install(stub, widgetCrd({ name: `widgets2.${GROUP}`, names: { plural: "widgets2", kind: "Widget2", shortNames: ["wd"] } }));
    const accepted = twin.status.conditions.find((c: { type: string }) => c.type === "NamesAccepted");
    expect(accepted).toMatchObject({ status: "False", reason: "ShortNamesConflict", message: `"wd" is already in use` });
    expect(twin.status.conditions.find((c: { type: string }) => c.type === "Established").status).toBe("False");

    await kube(stub, "POST", widgets, widget("x", { size: 1 }));
    const del = await kube(stub, "DELETE", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`);
    expect(del.status).toBe(200);
    expect(del.json.metadata.finalizers).toEqual(["customresourcecleanup.apiextensions.k8s.io"]);
    await settle(stub);
    expect((await kube(stub, "GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.${GROUP}`)).status).toBe(404);
    expect((await kube(stub, "GET", widgets)).status).toBe(404);
    // the twin's short name is free now
    const again = (await kube(stub, "GET", `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets2.${GROUP}`)).json;
    expect(again.status.conditions.find((c: { type: string }) => c.type === "Established").status).toBe("True");
  });

  it("answers a conversion it cannot make through an unreachable webhook as kube-apiserver does", async () => {
    const { stub } = await newCluster();
    await install(stub, widgetCrd({ conversion: { strategy: "Webhook", webhook: { conversionReviewVersions: ["v1"], clientConfig: { service: { namespace: "system", name: "conv", path: "/convert" } } } } }));
    expect((await kube(stub, "POST", widgets, widget("ok", { size: 1 }))).status).toBe(201);
    const r = await kube(stub, "GET", `/apis/${GROUP}/v1beta1/namespaces/default/widgets/ok`);
    expect(r.status).toBe(500);
    expect(r.json.message).toContain(`conversion webhook for ${GROUP}/v1, Kind=Widget failed: Post "https://conv.system.svc:443/convert?timeout=30s"`);
  });
});
