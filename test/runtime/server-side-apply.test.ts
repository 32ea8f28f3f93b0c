// Server-side apply: the merge, ownership, conflicts and removal of serverSideApply.ts, and the
// PATCH path through the cluster object (create, re-apply, no-op, dry run, the required manager).
import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { apply } from "../../worker/cluster/api/serverSideApply";
import type { ManagedFieldsEntry } from "../../worker/cluster/api/managedFields";
import { ConfigMapSchema } from "../../worker/cluster/resources/configmap";
import { DeploymentSchema } from "../../worker/cluster/resources/deployment";
import { kube, kubeRequest, newCluster } from "./helpers";

type Obj = Record<string, any>; // any: assertions read deep fields

const T0 = "2026-01-01T00:00:00Z";
const T1 = "2026-01-01T00:01:00Z";

function deploy(spec: Obj, extra: Obj = {}): Obj {
  return { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "web", ...extra }, spec };
}

const template = (containers: Obj[]) => ({ metadata: { labels: { app: "web" } }, spec: { containers } });

/** Applies `config` over `live` as `manager`; the result as stored (managedFields included). */
function run(live: Obj | null, config: Obj, manager: string, opts: { force?: boolean; time?: string; schema?: z.ZodType } = {}): Obj {
  const r = apply({ schema: opts.schema ?? DeploymentSchema, live, config, manager, apiVersion: config.apiVersion, force: opts.force ?? false, scope: { skip: ["status"] } });
  const changed = JSON.stringify({ ...live, metadata: { ...live?.metadata, managedFields: undefined } }) !== JSON.stringify({ ...r.object, metadata: { ...(r.object.metadata as Obj), managedFields: undefined } });
  const out = structuredClone(r.object) as Obj;
  const mf = r.managedFields(changed || !live, opts.time ?? T0);
  if (mf) out.metadata.managedFields = mf;
  return out;
}

const entry = (o: Obj, manager: string): ManagedFieldsEntry | undefined => (o.metadata.managedFields as ManagedFieldsEntry[]).find((e) => e.manager === manager);

function conflictOf(fn: () => unknown): Obj {
  try {
    fn();
  } catch (e) {
    return (e as { status: Obj }).status;
  }
  throw new Error("no conflict");
}

describe("server-side apply (pure)", () => {
  it("records the applied set as an Apply entry: leaves, keyed items with their keys, map entries", () => {
    const o = run(null, deploy({ replicas: 2, selector: { matchLabels: { app: "web" } }, template: template([{ name: "nginx", image: "nginx:1.25", ports: [{ containerPort: 80 }] }]) }), "kubectl");
    const e = entry(o, "kubectl")!;
    expect(e).toMatchObject({ operation: "Apply", apiVersion: "apps/v1", time: T0, fieldsType: "FieldsV1" });
    expect(e.fieldsV1).toEqual({
      "f:spec": {
        "f:replicas": {},
        "f:selector": {},
        "f:template": {
          "f:metadata": { "f:labels": { "f:app": {} } },
          "f:spec": {
            "f:containers": {
              'k:{"name":"nginx"}': { ".": {}, "f:image": {}, "f:name": {}, "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } } },
            },
          },
        },
      },
    });
  });

  it("reports a changed field another manager owns as kube-apiserver does, and force takes it over", () => {
    const live = run(null, deploy({ replicas: 2, selector: { matchLabels: { app: "web" } }, template: template([{ name: "nginx", image: "nginx" }]) }), "alice");
    // Same value from another manager: shared ownership, no conflict.
    const shared = run(live, deploy({ replicas: 2 }), "bob");
    expect(entry(shared, "alice")!.fieldsV1).toHaveProperty(["f:spec", "f:replicas"]);
    expect(entry(shared, "bob")!.fieldsV1).toEqual({ "f:spec": { "f:replicas": {} } });
    const status = conflictOf(() => run(shared, deploy({ replicas: 3 }), "carol"));
    expect(status).toMatchObject({ code: 409, reason: "Conflict" });
    expect(status.message).toBe('Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.replicas\nconflicts with "bob":\n- .spec.replicas');
    expect(status.details.causes).toEqual([
      { reason: "FieldManagerConflict", message: 'conflict with "alice"', field: ".spec.replicas" },
      { reason: "FieldManagerConflict", message: 'conflict with "bob"', field: ".spec.replicas" },
    ]);
    const one = conflictOf(() => run(live, deploy({ replicas: 5 }), "bob"));
    expect(one.message).toBe('Apply failed with 1 conflict: conflict with "alice": .spec.replicas');
    const forced = run(shared, deploy({ replicas: 3 }), "carol", { force: true, time: T1 });
    expect(forced.spec.replicas).toBe(3);
    expect(entry(forced, "alice")!.fieldsV1).not.toHaveProperty(["f:spec", "f:replicas"]);
    expect(entry(forced, "bob")).toBeUndefined(); // it owned nothing else
    expect(entry(forced, "carol")).toMatchObject({ time: T1, fieldsV1: { "f:spec": { "f:replicas": {} } } });
  });

  it("names an Update manager with its version", () => {
    const live = deploy({ replicas: 2 });
    live.metadata.managedFields = [{ manager: "kubectl-client-side-apply", operation: "Update", apiVersion: "apps/v1", time: T0, fieldsType: "FieldsV1", fieldsV1: { "f:spec": { "f:replicas": {} } } }];
    expect(conflictOf(() => run(live, deploy({ replicas: 1 }), "kubectl")).message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });

  it("removes what a manager stops applying unless another manager owns it", () => {
    const first = run(null, deploy({ replicas: 2, template: template([{ name: "a", image: "a" }, { name: "b", image: "b" }]) }, { labels: { x: "1", y: "2" } }), "alice");
    const both = run(first, deploy({}, { labels: { y: "2" } }), "bob");
    const next = run(both, deploy({ template: template([{ name: "a", image: "a" }]) }), "alice");
    expect(next.spec.replicas).toBeUndefined();
    expect(next.spec.template.spec.containers.map((c: Obj) => c.name)).toEqual(["a"]);
    expect(next.metadata.labels).toEqual({ y: "2" }); // x went, y stays: bob owns it
    expect(entry(next, "alice")!.fieldsV1).not.toHaveProperty(["f:metadata"]);
  });

  it("merges keyed lists by key and keeps items only the live object has; replaces atomic lists", () => {
    const live = run(null, deploy({ template: template([{ name: "a", image: "a", args: ["x", "y"] }]) }), "alice");
    live.spec.template.spec.containers.push({ name: "sidecar", image: "s" }); // someone else's
    const out = run(live, deploy({ template: template([{ name: "a", image: "a2", args: ["z"] }]) }), "alice");
    expect(out.spec.template.spec.containers).toEqual([
      { name: "a", image: "a2", args: ["z"] },
      { name: "sidecar", image: "s" },
    ]);
  });

  it("keeps the applier's time when nothing changed", () => {
    const cmv = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } };
    const live = run(null, cmv, "kubectl", { schema: ConfigMapSchema });
    const again = run(live, cmv, "kubectl", { schema: ConfigMapSchema, time: T1 });
    expect(again).toEqual(live);
    expect(entry(live, "kubectl")!.fieldsV1).toEqual({ "f:data": { "f:a": {} } });
  });
});

describe("server-side apply (PATCH)", () => {
  const path = "/api/v1/namespaces/default/configmaps/ssa";
  const applyReq = (stub: Awaited<ReturnType<typeof newCluster>>["stub"], query: string, body: Obj | string) =>
    kube(stub, "PATCH", `${path}?${query}`, typeof body === "string" ? body : JSON.stringify(body), { contentType: "application/apply-patch+yaml" });

  it("creates, re-applies without a write, refuses a missing manager, and dry-runs", async () => {
    const { stub } = await newCluster();
    const missing = await applyReq(stub, "", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: '1'\n");
    expect(missing.status).toBe(422);
    expect(missing.json.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');

    const made = await applyReq(stub, "fieldManager=me", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: '1'\n");
    expect(made.status).toBe(201);
    expect(made.json.metadata.managedFields).toEqual([{ manager: "me", operation: "Apply", apiVersion: "v1", time: expect.any(String), fieldsType: "FieldsV1", fieldsV1: { "f:data": { "f:a": {} } } }]);

    const again = await applyReq(stub, "fieldManager=me", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { a: "1" } });
    expect(again.status).toBe(200);
    expect(again.json.metadata.resourceVersion).toBe(made.json.metadata.resourceVersion);
    expect(again.json.metadata.managedFields).toEqual(made.json.metadata.managedFields);

    const dry = await applyReq(stub, "fieldManager=me&dryRun=All", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { a: "2" } });
    expect(dry.json.data).toEqual({ a: "2" });
    expect((await kube(stub, "GET", path)).json.data).toEqual({ a: "1" });

    const other = await applyReq(stub, "fieldManager=other", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "ssa" }, data: { a: "3" } });
    expect(other.status).toBe(409);
    expect(other.json.message).toBe('Apply failed with 1 conflict: conflict with "me": .data.a');

    const wrongKind = await applyReq(stub, "fieldManager=me", { apiVersion: "v1", kind: "Secret", metadata: { name: "ssa" } });
    expect(wrongKind.status).toBe(400);
    expect(wrongKind.json.message).toBe("invalid object type: /v1, Kind=Secret");

    // An Update takes the field from the applier silently.
    const upd = await stub.kube({ ...kubeRequest("PATCH", `${path}?fieldManager=editor`, { data: { a: "9" } }, { contentType: "application/merge-patch+json" }) });
    const mf = JSON.parse(upd.body).metadata.managedFields as ManagedFieldsEntry[];
    expect(mf.map((e) => e.manager)).toEqual(["editor"]);
  });
});
