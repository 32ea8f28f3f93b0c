// Owner references read from a stored body without parsing it whole (machinery/storedMeta.ts),
// checked against a full parse.
import { describe, expect, it } from "vitest";
import { controllerRefIn, ownerReferencesIn } from "../../worker/cluster/machinery/storedMeta";

const ref = { apiVersion: "apps/v1", kind: "ReplicaSet", name: "web-5d9c]x", uid: "u-1", controller: true, blockOwnerDeletion: true };

describe("ownerReferencesIn", () => {
  it("reads the object's own list, with brackets and quotes inside strings", () => {
    const body = JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", annotations: { note: 'say "]" and \\"ownerReferences\\":[' }, ownerReferences: [{ ...ref, name: 'a"]b' }, { ...ref, uid: "u-2", controller: false }] }, spec: {} });
    expect(ownerReferencesIn(body)).toEqual(JSON.parse(body).metadata.ownerReferences);
    expect(controllerRefIn(body)?.name).toBe('a"]b');
  });

  it("is undefined without owners, and not fooled by a template's owners in spec", () => {
    expect(ownerReferencesIn(JSON.stringify({ metadata: { name: "p" }, spec: {} }))).toBeUndefined();
    const templated = JSON.stringify({ metadata: { name: "d" }, spec: { template: { metadata: { ownerReferences: [ref] } } } });
    expect(ownerReferencesIn(templated)).toBeUndefined();
    // spec before metadata: the whole body is parsed.
    const reordered = JSON.stringify({ spec: { x: 1 }, metadata: { name: "p", ownerReferences: [ref] } });
    expect(controllerRefIn(reordered)).toEqual(ref);
  });
});
