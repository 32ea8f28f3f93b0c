// The kube API's answers to bad input and to big lists: lists of any size stream in pages,
// list and watch options are checked as kube-apiserver checks them, continue tokens are checked.
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ApiServer } from "../../worker/cluster/api/apiserver";
import type { ClusterObject } from "../../worker/cluster/object";
import { BUILT_IN } from "../../worker/cluster/resources/registry";
import type { Store } from "../../worker/cluster/store/store";
import { cm, kube, kubeRequest, newCluster, newSettledCluster, watch } from "./helpers";

const CMS = "/api/v1/namespaces/default/configmaps";

function internals(o: ClusterObject): { api: ApiServer; store: Store } {
  return o as unknown as { api: ApiServer; store: Store }; // internal access: tests seed and compact the store directly
}

/** `n` ConfigMaps in `namespaces` namespaces, written in one transaction. */
async function seed(stub: Awaited<ReturnType<typeof newCluster>>["stub"], n: number, namespaces = ["default"]) {
  for (const ns of namespaces.filter((x) => x !== "default")) await kube(stub, "POST", "/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  await runInDurableObject(stub, (o: ClusterObject) => {
    const { api, store } = internals(o);
    const def = BUILT_IN.findResource("", "v1", "configmaps")!;
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
    const { stub } = await newSettledCluster();
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

  it("serves stored JSON as it is, byte for byte what parsing and encoding each object gives, in one body or streamed", async () => {
    const { stub } = await newSettledCluster();
    await seed(stub, 1200, ["default", "a"]);
    const text = async (path: string) => {
      const res = await stub.kube(kubeRequest("GET", path));
      return res.stream ? await new Response(res.stream).text() : res.body;
    };
    // A selector that every object matches takes the parse-and-encode path.
    for (const path of ["/api/v1/configmaps", `${CMS}?limit=7`, "/api/v1/namespaces/a/configmaps"]) {
      const raw = await text(path);
      const parsed = await text(`${path}${path.includes("?") ? "&" : "?"}labelSelector=${encodeURIComponent("!absent")}`);
      // A filtered page carries no remainingItemCount (kube-apiserver's rule); the rest is the same bytes.
      const { remainingItemCount, ...meta } = JSON.parse(raw).metadata;
      expect(raw.replace(`,"remainingItemCount":${remainingItemCount}`, "")).toBe(parsed);
      expect(path.includes("limit") ? remainingItemCount : meta.continue).toBe(path.includes("limit") ? 1200 / 2 - 7 + 1 : undefined);
      expect(raw).toBe(JSON.stringify(JSON.parse(raw)) + "\n");
    }
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

describe("list and watch options", () => {
  it("refuses limits, resourceVersions and matches kube-apiserver refuses, in its words", async () => {
    const { stub } = await newCluster();
    const cases: [string, number, string, string][] = [
      ["limit=abc", 400, "BadRequest", 'strconv.ParseInt: parsing "abc": invalid syntax'],
      ["limit=99999999999999999999", 400, "BadRequest", 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
      ["resourceVersion=abc", 400, "BadRequest", 'invalid resource version: resourceVersion: Invalid value: "abc": strconv.ParseUint: parsing "abc": invalid syntax'],
      ["resourceVersion=-5", 400, "BadRequest", 'invalid resource version: resourceVersion: Invalid value: "-5": strconv.ParseUint: parsing "-5": invalid syntax'],
      ["resourceVersionMatch=Exact", 422, "Invalid", 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'],
      ["resourceVersion=1&resourceVersionMatch=Sometimes", 422, "Invalid", 'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Unsupported value: "Sometimes": supported values: "Exact", "NotOlderThan", ""'],
      [
        "resourceVersion=0&resourceVersionMatch=Exact&continue=x",
        422,
        "Invalid",
        'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided, resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"]',
      ],
    ];
    for (const [query, code, reason, message] of cases) {
      const res = await kube(stub, "GET", `${CMS}?${query}`);
      expect({ query, code: res.status, reason: res.json.reason, message: res.json.message }).toEqual({ query, code, reason, message });
    }
    const invalid = await kube(stub, "GET", `${CMS}?resourceVersionMatch=Exact`);
    expect(invalid.json.details).toEqual({ group: "meta.k8s.io", kind: "ListOptions", causes: [{ reason: "FieldValueForbidden", message: "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided", field: "resourceVersionMatch" }] });
  });

  it("answers a resourceVersion beyond the newest with 504 Too large resource version, and serves one it has reached", async () => {
    const { stub } = await newSettledCluster();
    const current = Number((await kube(stub, "GET", CMS)).json.metadata.resourceVersion);
    for (const match of ["Exact", "NotOlderThan"]) {
      const res = await kube(stub, "GET", `${CMS}?resourceVersion=${current + 1000}&resourceVersionMatch=${match}`);
      expect(res.status).toBe(504);
      expect(res.json).toEqual({
        kind: "Status",
        apiVersion: "v1",
        metadata: {},
        status: "Failure",
        message: `Timeout: Too large resource version: ${current + 1000}, current: ${current}`,
        reason: "Timeout",
        details: { causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }], retryAfterSeconds: 1 },
        code: 504,
      });
    }
    expect((await kube(stub, "GET", `${CMS}?resourceVersion=${current}&resourceVersionMatch=Exact`)).status).toBe(200);
    expect((await kube(stub, "GET", `${CMS}?resourceVersion=0`)).status).toBe(200);
  });

  it("pages with continue tokens and refuses forged ones", async () => {
    const { stub } = await newCluster();
    await seed(stub, 5);
    const names: string[] = [];
    let token = "";
    let pages = 0;
    do {
      const page = await kube(stub, "GET", `${CMS}?limit=2${token ? `&continue=${encodeURIComponent(token)}` : ""}`);
      expect(page.status).toBe(200);
      names.push(...page.json.items.map((o: { metadata: { name: string } }) => o.metadata.name));
      token = page.json.metadata.continue ?? "";
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(names).toEqual(["cm-00000", "cm-00001", "cm-00002", "cm-00003", "cm-00004", "kube-root-ca.crt"]);
    // remainingItemCount on every page but the last, from the kept count and the items served.
    const remaining: (number | undefined)[] = [];
    for (let t = "", more = true; more; ) {
      const page = await kube(stub, "GET", `${CMS}?limit=2${t ? `&continue=${encodeURIComponent(t)}` : ""}`);
      remaining.push(page.json.metadata.remainingItemCount);
      t = page.json.metadata.continue ?? "";
      more = !!t;
    }
    expect(remaining).toEqual([4, 2, undefined]);

    const first = await kube(stub, "GET", `${CMS}?limit=2`);
    const real = first.json.metadata.continue as string;
    const wire = JSON.parse(atob(real.replace(/-/g, "+").replace(/_/g, "/")));
    const forge = (o: object) => btoa(JSON.stringify({ ...wire, ...o })).replace(/=+$/, "");
    const forged: [string, string][] = [
      ["not-base64!", "invalid continue token: continue key is not valid"],
      [forge({ r: "secrets" }), "invalid continue token: continue key is not valid: cm-00001"],
      [forge({ ns: "kube-system" }), "invalid continue token: continue key is not valid: cm-00001"],
      [forge({ rv: wire.rv + 1000 }), "invalid continue token: continue key is not valid: cm-00001"],
      [forge({ rv: 0 }), "invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"],
      [forge({ start: "" }), "invalid continue token: continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"],
      [forge({ v: "v9" }), "invalid continue token: continue key is not valid: server does not recognize this encoded version v9"],
    ];
    for (const [t, message] of forged) {
      const res = await kube(stub, "GET", `${CMS}?limit=2&continue=${encodeURIComponent(t)}`);
      expect({ status: res.status, reason: res.json.reason, message: res.json.message }).toEqual({ status: 400, reason: "BadRequest", message });
    }
    // A secret list does not take a configmap list's token.
    const cross = await kube(stub, "GET", `/api/v1/namespaces/default/secrets?limit=2&continue=${encodeURIComponent(real)}`);
    expect(cross.status).toBe(400);
    const withRv = await kube(stub, "GET", `${CMS}?limit=2&resourceVersion=5&continue=${encodeURIComponent(real)}`);
    expect(withRv.json.message).toBe("specifying resource version is not allowed when using continue");
    // Across namespaces too, and after a delete and a create.
    await kube(stub, "DELETE", `${CMS}/cm-00000`);
    await kube(stub, "POST", "/api/v1/namespaces/kube-public/configmaps", { metadata: { name: "extra" } });
    const all = (await kube(stub, "GET", "/api/v1/configmaps")).json.items.length;
    const one = await kube(stub, "GET", "/api/v1/configmaps?limit=3");
    expect(one.json.metadata.remainingItemCount).toBe(all - 3);
    const two = await kube(stub, "GET", `/api/v1/configmaps?limit=3&continue=${encodeURIComponent(one.json.metadata.continue)}`);
    expect(two.json.metadata.remainingItemCount).toBe(all - 6);
  });

  it("answers a continue token from a compacted revision with 410 Expired and a token to go on with", async () => {
    const { stub } = await newCluster();
    await seed(stub, 5);
    const first = await kube(stub, "GET", `${CMS}?limit=2`);
    for (let i = 0; i < 4; i++) await kube(stub, "POST", CMS, cm(`later-${i}`));
    await runInDurableObject(stub, (o: ClusterObject) => {
      const store = internals(o).store as unknown as { retention: { maxChanges: number }; compact(): void };
      store.retention.maxChanges = 1;
      store.compact();
    });
    const expired = await kube(stub, "GET", `${CMS}?limit=2&continue=${encodeURIComponent(first.json.metadata.continue)}`);
    expect(expired.status).toBe(410);
    expect(expired.json).toMatchObject({ kind: "Status", status: "Failure", reason: "Expired", code: 410 });
    expect(expired.json.message).toBe(
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.",
    );
    const rest = await kube(stub, "GET", `${CMS}?limit=100&continue=${encodeURIComponent(expired.json.metadata.continue)}`);
    expect(rest.status).toBe(200);
    expect(rest.json.items.map((o: { metadata: { name: string } }) => o.metadata.name)).toEqual(["cm-00002", "cm-00003", "cm-00004", "kube-root-ca.crt", "later-0", "later-1", "later-2", "later-3"]);
    const old = await kube(stub, "GET", `${CMS}?resourceVersion=1&resourceVersionMatch=Exact`);
    expect({ status: old.status, message: old.json.message }).toEqual({ status: 410, message: "The resourceVersion for the provided list is too old." });
  });

  it("opens a watch from a future resourceVersion and sends only what comes after it", async () => {
    // Settled, so the cluster's own components write nothing while the test counts revisions.
    const { stub } = await newSettledCluster();
    const current = Number((await kube(stub, "GET", CMS)).json.metadata.resourceVersion);
    const from = current + 2;
    const w = await watch(stub, `${CMS}?watch=1&resourceVersion=${from}`);
    expect(w.status).toBe(200);
    const made: { name: string; rv: number }[] = [];
    for (const name of ["w1", "w2", "w3"]) made.push({ name, rv: Number((await kube(stub, "POST", CMS, cm(name))).json.metadata.resourceVersion) });
    // The first one written after `from` is the first event, whatever else bumped the revision.
    const first = made.find((m) => m.rv > from)!;
    const [ev] = await w.next(1);
    expect(ev).toMatchObject({ type: "ADDED", object: { metadata: { name: first.name, resourceVersion: String(first.rv) } } });
    await w.cancel();
    const bad = await watch(stub, `${CMS}?watch=true&resourceVersion=abc`);
    expect(bad.status).toBe(400);
    const match = await watch(stub, `${CMS}?watch=true&resourceVersion=1&resourceVersionMatch=NotOlderThan`);
    expect(match.status).toBe(422);
  });
});

describe("duplicate keys", () => {
  it("warns of duplicate keys under the default validation and refuses them under Strict, after unknown fields", async () => {
    const { stub } = await newCluster();
    const json = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"d","labels":{"a":"1"},"name":"d"},"bogus":1,"data":{"k":"1"},"data":{"k":"2"}}';
    const warned = await kube(stub, "POST", CMS, json);
    expect(warned.status).toBe(201);
    const warnings = warned.headers.filter(([k]) => k === "Warning").map(([, v]) => v);
    expect(warnings).toEqual(['299 - "unknown field \\"bogus\\""', '299 - "duplicate field \\"metadata.name\\""', '299 - "duplicate field \\"data\\""']);
    const strict = await kube(stub, "POST", `${CMS}?fieldValidation=Strict`, json.replace('"name":"d"}', '"name":"e"}'));
    expect(strict.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus", duplicate field "metadata.name", duplicate field "data"');
    const yaml = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: y\n  name: y\ndata:\n  k: '1'\n  k: '2'\n";
    const yamlWarned = await kube(stub, "POST", CMS, yaml, { contentType: "application/yaml" });
    expect(yamlWarned.status).toBe(201);
    expect(yamlWarned.json.data).toEqual({ k: "2" });
    expect(yamlWarned.headers.filter(([k]) => k === "Warning").map(([, v]) => v)).toEqual(['299 - "line 5: key \\"name\\" already set in map"', '299 - "line 8: key \\"k\\" already set in map"']);
    // Ignore says nothing.
    const ignored = await kube(stub, "POST", `${CMS}?fieldValidation=Ignore`, json.replace('"name":"d"}', '"name":"f"}'));
    expect(ignored.headers.some(([k]) => k === "Warning")).toBe(false);
  });
});
