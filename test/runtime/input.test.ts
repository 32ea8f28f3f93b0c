// The kube API's answers to bad input and to big lists: lists of any size stream in pages,
// list and watch options are checked as kube-apiserver checks them, continue tokens are checked.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ApiServer } from "../../worker/cluster/api/apiserver";
import type { ClusterObject } from "../../worker/cluster/object";
import { findResource } from "../../worker/cluster/resources/registry";
import type { Store } from "../../worker/cluster/store/store";
import { cm, kube, kubeRequest, newCluster, watch } from "./helpers";

const CMS = "/api/v1/namespaces/default/configmaps";

function internals(o: ClusterObject): { api: ApiServer; store: Store } {
  return o as unknown as { api: ApiServer; store: Store }; // internal access: tests seed and compact the store directly
}

/** `n` ConfigMaps in `namespaces` namespaces, written in one transaction. */
async function seed(stub: Awaited<ReturnType<typeof newCluster>>["stub"], n: number, namespaces = ["default"]) {
  for (const ns of namespaces.filter((x) => x !== "default")) await kube(stub, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  await runInDurableObject(stub, (o: ClusterObject) => {
    const { api, store } = internals(o);
    const def = findResource("", "v1", "configmaps")!;
    store.transaction(() => {
      for (let i = 0; i < n; i++) api.create(def, namespaces[i % namespaces.length], { ...cm(`cm-${String(i).padStart(5, "0")}`), data: { i: String(i), pad: "x".repeat(200) } });
    });
  });
}

describe("lists of any size", () => {
  it("streams an unlimited list of thousands of objects, every item once and in key order", async () => {
    const { stub } = await newCluster();
    await seed(stub, 3000, ["default", "a", "b"]);
    const res = await stub.kube(kubeRequest("GET", "/api/v1/configmaps"));
    expect(res.status).toBe(200);
    expect(res.stream).toBeDefined();
    const text = await new Response(res.stream).text();
    expect(text.endsWith("]}\n")).toBe(true);
    const list = JSON.parse(text);
    expect(list.kind).toBe("ConfigMapList");
    const mine = list.items.filter((o: { metadata: { name: string } }) => o.metadata.name.startsWith("cm-"));
    expect(mine).toHaveLength(3000);
    const keys = list.items.map((o: { metadata: { namespace: string; name: string } }) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(keys).toEqual([...keys].sort());
    expect(new Set(keys).size).toBe(keys.length);
    expect(list.metadata.continue).toBeUndefined();
  });

  it("streams Tables, metadata-only lists and YAML the same as it would encode them whole", async () => {
    const { stub } = await newCluster();
    await seed(stub, 1200);
    const table = await kube(stub, "GET", CMS, undefined, { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" });
    expect(table.json.kind).toBe("Table");
    expect(table.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "Data", "Age"]);
    expect(table.json.rows).toHaveLength(1200 + 1); // and kube-root-ca.crt
    expect(table.json.rows[0].cells[0]).toBe("cm-00000");
    expect(table.json.rows[1200].cells[0]).toBe("kube-root-ca.crt");
    const meta = await kube(stub, "GET", CMS, undefined, { accept: "application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io" });
    expect(meta.json.kind).toBe("PartialObjectMetadataList");
    expect(meta.json.items).toHaveLength(1201);
    expect(meta.json.items[5]).toMatchObject({ kind: "PartialObjectMetadata", metadata: { name: "cm-00005" } });
    expect(meta.json.items[5].data).toBeUndefined();
    // Pretty JSON and YAML streamed parse back to the same list as compact JSON.
    const compact = await kube(stub, "GET", CMS);
    const prettyRes = await stub.kube({ ...kubeRequest("GET", `${CMS}?pretty=true`) });
    const prettyText = await new Response(prettyRes.stream).text();
    expect(prettyText).toBe(JSON.stringify(compact.json, null, 2));
    const yamlRes = await stub.kube(kubeRequest("GET", CMS, undefined, { accept: "application/yaml" }));
    const { parse } = await import("yaml");
    expect(parse(await new Response(yamlRes.stream).text())).toEqual(compact.json);
  });

  it("answers short lists in one body ending in a newline, as kube-apiserver's json.Encoder does", async () => {
    const { stub } = await newCluster();
    const res = await stub.kube(kubeRequest("GET", CMS));
    expect(res.stream).toBeUndefined();
    expect(res.body.endsWith("}]}\n")).toBe(true);
    const missing = await stub.kube(kubeRequest("GET", `${CMS}/nope`));
    expect(missing.body).toBe('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","kind":"configmaps"},"code":404}\n');
  });
});
