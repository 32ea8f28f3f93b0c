// Pure pieces of the details clients compare: managedFields sets, Go renderings of values in
// field errors, never-firing cron schedules, and which image tags exist.
import { describe, expect, it } from "vitest";
import { compareObjects, FieldSet, MAX_UPDATE_MANAGERS, recordUpdate, zeroObject, type ManagedFieldsEntry } from "../../worker/cluster/api/managedFields";
import { cronProblem, nextRun } from "../../worker/cluster/machinery/cron";
import { goPlain, goValue } from "../../worker/cluster/machinery/schema/dsl";
import { parseImageRef } from "../../worker/cluster/node/imageRef";
import { catalogImage, hasTag } from "../../worker/cluster/node/images";
import { DeploymentSchema } from "../../worker/cluster/resources/deployment";
import { ConfigMapSchema } from "../../worker/cluster/resources/configmap";
import { PodSchema } from "../../worker/cluster/resources/pod";
import { labelSelectorLiteral } from "../../worker/cluster/resources/types/meta";
import { lookupImage } from "../../worker/cluster/simulation";

const cm = (data: Record<string, string>, labels?: Record<string, string>) => ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "x", uid: "u", resourceVersion: "5", ...(labels ? { labels } : {}) }, data });
const update = (r: Partial<Parameters<typeof recordUpdate>[0]>) =>
  recordUpdate({ schema: ConfigMapSchema, before: null, after: cm({}), live: undefined, sent: undefined, manager: "m", apiVersion: "v1", scope: {}, time: "2026-01-01T00:00:00Z", ...r });

describe("managedFields", () => {
  it("encodes keyed list items, sets and the . marker as structured-merge-diff does", () => {
    const before = { apiVersion: "v1", kind: "Pod", metadata: { finalizers: ["a"] }, spec: { containers: [{ name: "c", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }] }] } };
    const after = { ...before, metadata: { finalizers: ["a", "b/c"] }, spec: { containers: [{ name: "c", image: "nginx:1.27", ports: [{ containerPort: 80, protocol: "TCP" }, { containerPort: 443, protocol: "TCP" }] }] } };
    const { touched, removed } = compareObjects(PodSchema, before, after, {});
    expect(removed.empty).toBe(true);
    expect(touched.toFieldsV1()).toEqual({
      "f:metadata": { "f:finalizers": { 'v:"b/c"': {} } },
      "f:spec": { "f:containers": { 'k:{"name":"c"}': { "f:image": {}, "f:ports": { 'k:{"containerPort":443,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} } } } } },
    });
  });

  it("treats atomic selectors and empty structs as leaves, and leaves out status and server-set metadata", () => {
    const after = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "d", uid: "u", generation: 1 }, spec: { selector: { matchLabels: { app: "d" } }, template: { metadata: {}, spec: { containers: [{ name: "c", image: "nginx", resources: {} }] } } }, status: { replicas: 1 } };
    const { touched } = compareObjects(DeploymentSchema, zeroObject(DeploymentSchema), after, { skip: ["status"] });
    expect(touched.toFieldsV1()).toEqual({ "f:spec": { "f:selector": {}, "f:template": { "f:spec": { "f:containers": { 'k:{"name":"c"}': { ".": {}, "f:name": {}, "f:image": {}, "f:resources": {} } } } } } });
  });

  it("moves a changed field to its new manager and drops a field removed from every manager", () => {
    const created = update({ after: cm({ a: "1", b: "2" }), manager: "creator" })!;
    expect(created).toEqual([{ manager: "creator", operation: "Update", apiVersion: "v1", time: "2026-01-01T00:00:00Z", fieldsType: "FieldsV1", fieldsV1: { "f:data": { ".": {}, "f:a": {}, "f:b": {} } } }]);
    const changed = update({ before: cm({ a: "1", b: "2" }), after: cm({ a: "9" }), live: created, manager: "editor", time: "2026-01-01T00:01:00Z" })!;
    expect(changed.map((e) => [e.manager, e.fieldsV1])).toEqual([
      ["creator", { "f:data": {} }],
      ["editor", { "f:data": { "f:a": {} } }],
    ]);
    // No change: nothing recorded, the entries stay as they were.
    expect(update({ before: cm({ a: "9" }), after: cm({ a: "9" }), live: changed, manager: "third" })).toEqual(changed);
  });

  it("uses what the client sent unless it is empty or malformed; [] and [{}] reset", () => {
    const live = update({ after: cm({ a: "1" }), manager: "creator" })!;
    const same = { before: cm({ a: "1" }), after: cm({ a: "1" }), live };
    expect(update({ ...same, sent: [] })).toBeUndefined();
    expect(update({ ...same, sent: [{}] })).toBeUndefined();
    expect(update({ ...same, sent: [{ manager: "x", operation: "Bogus" }] })).toEqual(live);
    expect(update({ ...same, sent: [{ manager: "x", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": 1 } }] })).toEqual(live);
    expect(update({ ...same, sent: [{ manager: "x", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { data: {} } }] })).toEqual(live);
    const mine: ManagedFieldsEntry[] = [{ manager: "mine", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": { "f:a": {} } } }];
    expect(update({ ...same, sent: mine })).toEqual(mine);
    // A subresource write never takes managers from the request.
    expect(update({ ...same, sent: [], subresource: "status" })).toEqual(live);
  });

  it("folds the oldest updaters into ancient-changes beyond ten", () => {
    let entries: ManagedFieldsEntry[] | undefined;
    let data: Record<string, string> = {};
    for (let i = 0; i < MAX_UPDATE_MANAGERS + 2; i++) {
      const next = { ...data, [`k${i}`]: "v" };
      entries = update({ before: i ? cm(data) : null, after: cm(next), live: entries, manager: `m${i}`, time: `2026-01-01T00:00:${String(i).padStart(2, "0")}Z` });
      data = next;
    }
    expect(entries!.length).toBe(MAX_UPDATE_MANAGERS);
    const ancient = entries!.find((e) => e.manager === "ancient-changes")!;
    expect(Object.keys((ancient.fieldsV1!["f:data"] as object) ?? {}).sort()).toEqual([".", "f:k0", "f:k1", "f:k2"]);
    expect(entries!.some((e) => e.manager === "m0" || e.manager === "m2")).toBe(false);
  });

  it("round-trips FieldsV1", () => {
    const v = { "f:metadata": { "f:labels": { ".": {}, "f:app": {} } }, "f:data": {} };
    expect(FieldSet.fromFieldsV1(v).toFieldsV1()).toEqual(v);
  });
});

describe("values in field errors", () => {
  it("renders maps, lists and selectors as Go's %#v, patches as %v", () => {
    expect(goValue({ tier: "web", app: "myapp" })).toBe('map[string]string{"app":"myapp", "tier":"web"}');
    expect(goValue(["a", "b"])).toBe('[]string{"a", "b"}');
    expect(goValue("x")).toBe('"x"');
    expect(goValue(3)).toBe("3");
    expect(goValue(labelSelectorLiteral({ matchLabels: { app: "x" } }))).toBe('v1.LabelSelector{MatchLabels:map[string]string{"app":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}');
    expect(goPlain({ metadata: { labels: "x", b: [1, true] } })).toBe("map[metadata:map[b:[1 true] labels:x]]");
  });
});

describe("cron schedules", () => {
  it("accepts a schedule that never fires, and it never fires", () => {
    expect(cronProblem("59 23 31 2 *", undefined)).toBeNull();
    expect(nextRun("59 23 31 2 *", undefined, Date.UTC(2026, 0, 1))).toBeNull();
    expect(cronProblem("0 0 32 * *", undefined)).not.toBeNull();
  });
});

describe("image tags", () => {
  const settings = { profile: "realistic" as const, images: {} };
  const exists = (image: string) => lookupImage(parseImageRef(image)!, settings) !== null;
  it("knows the tags real manifests and Kubernetes' tests name", () => {
    for (const image of [
      "nginx:1.15.4", "nginx:1.27-alpine", "nginx:1.25.3-alpine3.18", "busybox:1.28", "busybox:1.36", "busybox:1.36.1-musl",
      "registry.k8s.io/pause:3.5", "registry.k8s.io/pause:3.8", "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.10", "k8s.gcr.io/pause:3.2",
      "k8s.gcr.io/echoserver:1.4", "gcr.io/google-samples/hello-app:1.0", "gcr.io/google-samples/kubernetes-bootcamp:v1", "gcr.io/google_samples/gb-redisslave:v3",
      "us-docker.pkg.dev/google-samples/containers/gke/gb-frontend:v5", "registry.k8s.io/e2e-test-images/agnhost:2.47", "registry.k8s.io/e2e-test-images/busybox:1.29-4",
      "registry.k8s.io/e2e-test-images/nginx:1.14-4", "registry.k8s.io/e2e-test-images/httpd:2.4.38-4", "registry.k8s.io/nginx-slim:0.8", "python:3.12-slim-bookworm",
    ])
      expect(exists(image), image).toBe(true);
  });

  it("does not invent tags", () => {
    for (const image of ["nginx:doesnotexist", "nginx:99", "nginx:1.27-nosuchvariant", "busybox:2.0", "registry.k8s.io/pause:9.0", "registry.k8s.io/e2e-test-images/nginx:1.14-alpine", "gcr.io/google-samples/nosuch:1.0"])
      expect(exists(image), image).toBe(false);
    expect(hasTag(catalogImage("nginx")!, "v1.27")).toBe(false);
  });
});
