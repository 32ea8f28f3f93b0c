// Owner references read from a stored body without parsing it whole (machinery/storedMeta.ts),
// checked against a full parse.
import { describe, expect, it } from "vitest";
import { controllerRefIn, controllerRefOf, mayHaveFinalizer, ownerReferencesIn, ownerReferencesOf, podHasFinished, podIsBound } from "../../worker/cluster/machinery/storedMeta";
import type { Change } from "../../worker/cluster/store/store";

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

describe("a change's owners and finalizers", () => {
  const body = JSON.stringify({ metadata: { name: "p", annotations: { say: "foregroundDeletion" }, ownerReferences: [ref], finalizers: ["orphan"] }, spec: {} });
  const change = (meta?: Change["meta"]): Change => ({ rv: 1, type: "ADDED", resource: "pods", namespace: "default", name: "p", body, prev: null, ...(meta ? { meta } : {}) });

  it("come from what the write copied when it did, and from the body otherwise", () => {
    // What the write copied is the object's state; the body (here made to differ) is not searched.
    const written = change({ finalizers: ["foregroundDeletion"] });
    expect(ownerReferencesOf(written)).toBeUndefined();
    expect(controllerRefOf(written)).toBeUndefined();
    expect(mayHaveFinalizer(written, "foregroundDeletion")).toBe(true);
    expect(mayHaveFinalizer(written, "orphan")).toBe(false);
    // A change read back from the log has only its body.
    const logged = change();
    expect(ownerReferencesOf(logged)).toEqual([ref]);
    expect(controllerRefOf(logged)).toEqual(ref);
    expect(mayHaveFinalizer(logged, "orphan")).toBe(true);
    // A search of the body: the annotation's text says yes wrongly (a superset, read again whole where it counts).
    expect(mayHaveFinalizer(logged, "foregroundDeletion")).toBe(true);
  });
});

describe("a change's pod node and phase", () => {
  const pod = (spec: object, status: object) => JSON.stringify({ metadata: { name: "p", annotations: { note: '"nodeName" "phase":"Failed"' } }, spec, status });
  const change = (body: string, fields?: Record<string, string>): Change => ({ rv: 1, type: "MODIFIED", resource: "pods", namespace: "default", name: "p", body, prev: null, ...(fields ? { attrs: { labels: {}, fields } } : {}) });

  it("come from the fields the write described, and from a search of the body otherwise", () => {
    const pending = pod({ containers: [] }, { phase: "Pending" });
    // Described: the annotation's text does not count.
    expect(podIsBound(change(pending, { "spec.nodeName": "", "status.phase": "Pending" }))).toBe(false);
    expect(podHasFinished(change(pending, { "spec.nodeName": "", "status.phase": "Pending" }))).toBe(false);
    expect(podIsBound(change(pending, { "spec.nodeName": "n1", "status.phase": "Succeeded" }))).toBe(true);
    expect(podHasFinished(change(pending, { "spec.nodeName": "n1", "status.phase": "Succeeded" }))).toBe(true);
    // Read back from the log: the body is searched (a superset).
    expect(podIsBound(change(pod({ nodeName: "n1" }, {})))).toBe(true);
    expect(podHasFinished(change(pod({}, { phase: "Failed" })))).toBe(true);
    expect(podHasFinished(change(JSON.stringify({ metadata: { name: "p" }, spec: {}, status: { phase: "Running" } })))).toBe(false);
  });
});
