// /openapi/v2's two forms: the protobuf one read back field by field against gnostic's
// OpenAPIv2.proto numbering (what client-go's proto.Unmarshal sees), and Accept negotiation.
import { describe, expect, it } from "vitest";
import { encodeDocument } from "../../worker/cluster/api/openapi-proto";
import { negotiateV2, openapiV2, swagger } from "../../worker/cluster/api/openapi-v2";
import { BUILT_IN } from "../../worker/cluster/resources/registry";

/** Protobuf fields of one message: number -> values (varints as numbers, the rest as bytes). */
function fields(buf: Uint8Array): Map<number, (number | Uint8Array)[]> {
  const out = new Map<number, (number | Uint8Array)[]>();
  let i = 0;
  const varint = () => {
    let v = 0;
    let mul = 1;
    for (;;) {
      const b = buf[i++];
      v += (b & 0x7f) * mul;
      mul *= 128;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    const wire = tag & 7;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const n = varint();
      value = buf.subarray(i, i + n);
      i += n;
    } else if (wire === 1) {
      value = buf.subarray(i, i + 8);
      i += 8;
    } else throw new Error(`wire type ${wire}`);
    const num = Math.floor(tag / 8);
    out.set(num, [...(out.get(num) ?? []), value]);
  }
  return out;
}

const text = (b: number | Uint8Array | undefined) => new TextDecoder().decode(b as Uint8Array);
const one = (m: Map<number, (number | Uint8Array)[]>, n: number) => m.get(n)?.[0] as Uint8Array;
const all = (m: Map<number, (number | Uint8Array)[]>, n: number) => (m.get(n) ?? []) as Uint8Array[];
/** repeated Named* { name = 1; value = 2 } as a map of name -> value bytes. */
const named = (list: Uint8Array[]) => new Map(list.map((b) => [text(one(fields(b), 1)), one(fields(b), 2)]));

describe("OpenAPI v2 as protobuf", () => {
  const json = swagger(BUILT_IN, "v1.32.2") as { definitions: Record<string, unknown>; paths: Record<string, unknown> };
  const doc = fields(openapiV2(BUILT_IN, "v1.32.2").proto);

  it("carries the document's header, every definition and every path, in order", () => {
    expect(text(one(doc, 1))).toBe("2.0");
    const info = fields(one(doc, 2));
    expect([text(one(info, 1)), text(one(info, 2))]).toEqual(["Kubernetes", "v1.32.2"]);
    const definitions = all(fields(one(doc, 9)), 1).map((b) => text(one(fields(b), 1)));
    expect(definitions).toEqual(Object.keys(json.definitions));
    const paths = all(fields(one(doc, 8)), 2).map((b) => text(one(fields(b), 1)));
    expect(paths).toEqual(Object.keys(json.paths));
  });

  it("keeps a list's patch metadata and a kind's group-version-kind as vendor extensions in YAML", () => {
    const definitions = named(all(fields(one(doc, 9)), 1));
    const podSpec = fields(definitions.get("io.k8s.api.core.v1.PodSpec")!);
    expect(all(fields(one(podSpec, 22)), 1).map(text)).toEqual(["object"]);
    const containers = fields(named(all(fields(one(podSpec, 25)), 1)).get("containers")!);
    const extensions = new Map(all(containers, 31).map((b) => [text(one(fields(b), 1)), text(one(fields(one(fields(b), 2)), 2))]));
    expect(extensions.get("x-kubernetes-patch-merge-key")).toBe("name\n");
    expect(extensions.get("x-kubernetes-patch-strategy")).toBe("merge\n");
    // items is an ItemsItem holding one schema, a reference
    const items = all(fields(one(containers, 23)), 1).map((b) => text(one(fields(b), 1)));
    expect(items).toEqual(["#/definitions/io.k8s.api.core.v1.Container"]);
    const deployment = fields(definitions.get("io.k8s.api.apps.v1.Deployment")!);
    const gvk = all(deployment, 31).find((b) => text(one(fields(b), 1)) === "x-kubernetes-group-version-kind")!;
    expect(text(one(fields(one(fields(gvk), 2)), 2))).toBe("- group: apps\n  version: v1\n  kind: Deployment\n");
  });

  it("says a PATCH takes fieldValidation, a query parameter, and names its kind", () => {
    const paths = named(all(fields(one(doc, 8)), 2));
    const item = fields(paths.get("/apis/apps/v1/namespaces/{namespace}/deployments/{name}")!);
    const patch = fields(one(item, 8));
    expect(text(one(patch, 5))).toBe("patchAppsV1NamespacedDeployment");
    // ParametersItem.parameter -> Parameter.non_body_parameter -> NonBodyParameter.query_parameter_sub_schema
    const queries = all(patch, 8)
      .map((b) => fields(one(fields(b), 1)))
      .filter((p) => p.has(2))
      .map((p) => fields(one(fields(one(p, 2)), 3)));
    expect(queries.map((q) => text(one(q, 4)))).toContain("fieldValidation");
    expect(queries.map((q) => text(one(q, 6)))).toContain("string");
    // the body parameter (Parameter.body_parameter) comes first
    const body = fields(one(fields(one(fields(all(patch, 8)[0]), 1)), 1));
    expect([text(one(body, 2)), text(one(body, 3)), one(body, 4)]).toEqual(["body", "body", 1]);
    const ext = new Map(all(patch, 13).map((b) => [text(one(fields(b), 1)), text(one(fields(one(fields(b), 2)), 2))]));
    expect(ext.get("x-kubernetes-action")).toBe("patch\n");
    expect(ext.get("x-kubernetes-group-version-kind")).toBe("group: apps\nversion: v1\nkind: Deployment\n");
  });
});

describe("gnostic encoding", () => {
  it("writes an empty object's properties (client-go tells a struct from a map by their presence) and additionalProperties: false", () => {
    const d = fields(encodeDocument({ definitions: { Empty: { type: "object", properties: {} }, Closed: { type: "object", additionalProperties: false } } }));
    const defs = named(all(fields(one(d, 9)), 1));
    const empty = fields(defs.get("Empty")!);
    expect(one(empty, 25)).toEqual(new Uint8Array());
    const closed = fields(defs.get("Closed")!);
    expect(closed.has(25)).toBe(false);
    // AdditionalPropertiesItem { bool boolean = 2 }: a oneof member is written even when false
    expect([...one(closed, 21)]).toEqual([0x10, 0]);
  });
});

describe("OpenAPI v2 media types", () => {
  it("negotiates JSON or protobuf as kube-openapi does", () => {
    expect(negotiateV2(null)).toBe("json");
    expect(negotiateV2("*/*")).toBe("json");
    expect(negotiateV2("application/json, */*")).toBe("json");
    expect(negotiateV2("application/com.github.proto-openapi.spec.v2@v1.0+protobuf")).toBe("proto");
    expect(negotiateV2("application/com.github.proto-openapi.spec.v2.v1.0+protobuf")).toBe("proto");
    expect(negotiateV2("application/json;q=0.5, application/com.github.proto-openapi.spec.v2.v1.0+protobuf")).toBe("proto");
    expect(negotiateV2("application/*;q=0.8, application/com.github.proto-openapi.spec.v2@v1.0+protobuf")).toBe("proto");
    expect(negotiateV2("application/yaml")).toBeNull();
    expect(negotiateV2("text/html")).toBeNull();
    expect(negotiateV2("application/json;q=0")).toBeNull();
  });
});
