// Server-side apply with real kubectl: apply --server-side from two managers (the conflict and
// --force-conflicts), removal of a field a manager stops applying, kubectl diff (server-side and
// client-side) with and without a change, --dry-run=server, managedFields shown only when asked,
// and kubectl's migration of an object made by client-side apply.
import { beforeAll, describe, expect, it } from "vitest";
import { advance, getJson, kubectl, newCluster, ok, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("ssa");
});

const deployment = (name: string, replicas: number, labels = "  labels: {team: a, tier: web}\n") => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
${labels}spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: web
        image: nginx:1.25
        ports:
        - containerPort: 80
`;

type Entry = { manager: string; operation: string; fieldsV1: Record<string, any> }; // any: deep FieldsV1 reads

async function managers(kind: string, name: string): Promise<Entry[]> {
  return (await getJson(c, [kind, name, "--show-managed-fields"])).metadata.managedFields;
}

describe("kubectl apply --server-side", () => {
  it("creates, re-applies without a write, and records kubectl's Apply entry", async () => {
    expect(await ok(c, ["apply", "--server-side", "-f", "-"], deployment("one", 2))).toContain("deployment.apps/one serverside-applied");
    // Rolled out first, so the controllers' status writes do not move the resourceVersion compared below.
    await advance(c, 60);
    await ok(c, ["rollout", "status", "deployment/one", "--timeout=60s"]);
    const first = await getJson(c, ["deployment", "one", "--show-managed-fields"]);
    const mine = first.metadata.managedFields.find((e: Entry) => e.manager === "kubectl");
    expect(mine).toMatchObject({ operation: "Apply", apiVersion: "apps/v1", fieldsType: "FieldsV1" });
    expect(mine.fieldsV1["f:spec"]["f:replicas"]).toEqual({});
    expect(mine.fieldsV1["f:metadata"]["f:labels"]).toEqual({ "f:team": {}, "f:tier": {} });
    await ok(c, ["apply", "--server-side", "-f", "-"], deployment("one", 2));
    const again = await getJson(c, ["deployment", "one", "--show-managed-fields"]);
    expect(again.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(again.metadata.generation).toBe(first.metadata.generation);
    // kubectl hides managedFields unless asked; the server sends them.
    expect(await ok(c, ["get", "deployment", "one", "-o", "yaml"])).not.toContain("managedFields");
    expect(await ok(c, ["get", "deployment", "one", "-o", "yaml", "--show-managed-fields"])).toContain("managedFields");
  });

  it("reports a conflict with another manager, and --force-conflicts takes the field over", async () => {
    const refused = await kubectl(c, ["apply", "--server-side", "--field-manager=ops", "-f", "-"], { input: deployment("one", 5) });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas');
    expect((await getJson(c, ["deployment", "one"])).spec.replicas).toBe(2);

    await ok(c, ["apply", "--server-side", "--field-manager=ops", "--force-conflicts", "-f", "-"], deployment("one", 5));
    expect((await getJson(c, ["deployment", "one"])).spec.replicas).toBe(5);
    const list = await managers("deployment", "one");
    expect(list.find((e) => e.manager === "ops")!.fieldsV1["f:spec"]["f:replicas"]).toEqual({});
    expect(list.find((e) => e.manager === "kubectl")!.fieldsV1["f:spec"]).not.toHaveProperty("f:replicas");

    // Now kubectl is the one that conflicts with ops, by its name and no version (an applier).
    const back = await kubectl(c, ["apply", "--server-side", "-f", "-"], { input: deployment("one", 3) });
    expect(back.stderr).toContain('Apply failed with 1 conflict: conflict with "ops": .spec.replicas');
  });

  it("removes a field the manager stops applying, and keeps one another manager owns", async () => {
    await ok(c, ["apply", "--server-side", "-f", "-"], deployment("two", 1));
    await ok(c, ["apply", "--server-side", "--field-manager=labeller", "-f", "-"], `apiVersion: apps/v1
kind: Deployment
metadata:
  name: two
  labels: {tier: web}
`);
    await ok(c, ["apply", "--server-side", "-f", "-"], deployment("two", 1, ""));
    const d = await getJson(c, ["deployment", "two"]);
    expect(d.metadata.labels).toEqual({ tier: "web" });
  });

  it("--dry-run=server answers the result and changes nothing", async () => {
    const before = await getJson(c, ["deployment", "two"]);
    const dry = JSON.parse(await ok(c, ["apply", "--server-side", "--dry-run=server", "-o", "json", "-f", "-"], deployment("two", 4, "")));
    expect(dry.spec.replicas).toBe(4);
    const after = await getJson(c, ["deployment", "two"]);
    expect(after.spec.replicas).toBe(1);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });
});

describe("kubectl diff", () => {
  it("shows nothing when nothing changed and the change when something did (server-side)", async () => {
    await ok(c, ["apply", "--server-side", "-f", "-"], deployment("three", 2));
    // Rolled out first: while its pods start, the Deployment's status (and resourceVersion) moves
    // between kubectl's read of the live object and its dry run, as it would on any cluster.
    await advance(c, 60);
    await ok(c, ["rollout", "status", "deployment/three", "--timeout=60s"]);
    const same = await kubectl(c, ["diff", "--server-side", "-f", "-"], { input: deployment("three", 2) });
    expect(same.stderr).toBe("");
    expect(same.stdout).toBe("");
    expect(same.code).toBe(0);
    const changed = await kubectl(c, ["diff", "--server-side", "-f", "-"], { input: deployment("three", 4) });
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^-  replicas: 2$/m);
    expect(changed.stdout).toMatch(/^\+  replicas: 4$/m);
    expect(changed.stdout).not.toContain("resourceVersion");
    expect(changed.stdout).not.toContain("managedFields");
  });

  it("shows nothing when nothing changed and the change when something did (client-side)", async () => {
    const cmv = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: csa-diff\ndata:\n  a: "${v}"\n`;
    await ok(c, ["apply", "-f", "-"], cmv("1"));
    const same = await kubectl(c, ["diff", "-f", "-"], { input: cmv("1") });
    expect(same.stdout).toBe("");
    expect(same.code).toBe(0);
    const changed = await kubectl(c, ["diff", "-f", "-"], { input: cmv("2") });
    expect(changed.code).toBe(1);
    expect(changed.stdout).toMatch(/^\+  a: "2"$/m);
    expect(changed.stdout).not.toContain("resourceVersion");
  });
});

describe("client-side apply to server-side apply", () => {
  it("kubectl apply --server-side takes over an object made by kubectl apply", async () => {
    const cmv = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrated\n  labels: {app: x}\ndata:\n  a: "${v}"\n  b: "2"\n`;
    await ok(c, ["apply", "-f", "-"], cmv("1"));
    expect((await managers("configmap", "migrated")).map((e) => e.manager)).toEqual(["kubectl-client-side-apply"]);
    // A changed value that client-side apply set: no conflict for kubectl's own migration.
    await ok(c, ["apply", "--server-side", "-f", "-"], cmv("5"));
    const cm = await getJson(c, ["configmap", "migrated", "--show-managed-fields"]);
    expect(cm.data).toEqual({ a: "5", b: "2" });
    const list = cm.metadata.managedFields as Entry[];
    const ssa = list.find((e) => e.manager === "kubectl" && e.operation === "Apply")!;
    expect(ssa.fieldsV1["f:data"]).toEqual({ "f:a": {}, "f:b": {} });
    expect(ssa.fieldsV1["f:metadata"]["f:labels"]).toEqual({ "f:app": {} });
    expect(list.some((e) => e.manager === "kubectl-client-side-apply" && JSON.stringify(e.fieldsV1).includes("f:data"))).toBe(false);
    // The last-applied annotation follows what was applied.
    expect(JSON.parse(cm.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).data).toEqual({ a: "5", b: "2" });
    // And a field dropped from the manifest now goes.
    await ok(c, ["apply", "--server-side", "-f", "-"], `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: migrated\n  labels: {app: x}\ndata:\n  a: "5"\n`);
    expect((await getJson(c, ["configmap", "migrated"])).data).toEqual({ a: "5" });
  });
});
