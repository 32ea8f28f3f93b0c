// Deployments and ReplicaSets through real kubectl: the tutorial path (apply, spread, scale,
// set image, rollout history and undo, self-healing, cascading deletion), the scale
// subresource, Recreate, pause and resume. The cluster clock is advanced instead of sleeping.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, eventually, getJson, kubectl, newCluster, ok, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("deploy");
  await simulate(c, { profile: "instant" });
});

function deployment(name: string, image: string, replicas: number, extra: Record<string, unknown> = {}, podMeta: Record<string, unknown> = {}) {
  return stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name }, ...podMeta }, spec: { containers: [{ name: "nginx", image, ports: [{ containerPort: 80 }] }] } },
      ...extra,
    },
  });
}

/** Running pods of an app: name -> node. */
async function running(app: string): Promise<Map<string, string>> {
  const list = await getJson(c, ["pods", "-l", `app=${app}`]);
  const out = new Map<string, string>();
  for (const p of list.items) if (p.status.phase === "Running" && !p.metadata.deletionTimestamp) out.set(p.metadata.name, p.spec.nodeName);
  return out;
}

async function replicaSets(app: string): Promise<{ name: string; replicas: number; revision: string; image: string }[]> {
  const list = await getJson(c, ["rs", "-l", `app=${app}`]);
  return list.items.map((rs: any) => ({ name: rs.metadata.name, replicas: rs.spec.replicas, revision: rs.metadata.annotations["deployment.kubernetes.io/revision"], image: rs.spec.template.spec.containers[0].image }));
}

describe("deployments", () => {
  it("follows the tutorial: apply, spread, scale, set image, history, undo, self-heal", async () => {
    expect(await ok(c, ["apply", "-f", "-"], deployment("web", "nginx:1.27", 3))).toContain("deployment.apps/web created");
    expect(await ok(c, ["rollout", "status", "deployment/web", "--timeout=30s"])).toContain('deployment "web" successfully rolled out');
    const pods = await running("web");
    expect(pods.size).toBe(3);
    const nodes = new Set(pods.values());
    expect(nodes.has(`${c.name}-control-plane`)).toBe(false);
    expect([...nodes].sort()).toEqual([`${c.name}-worker`, `${c.name}-worker2`]);
    const wide = await ok(c, ["get", "pods", "-o", "wide", "-l", "app=web", "--no-headers"]);
    expect(wide.trim().split("\n")).toHaveLength(3);
    expect(wide).not.toContain("control-plane");
    // the pods carry the ReplicaSet's name and the template hash
    const [rs1] = await replicaSets("web");
    const hash = rs1.name.slice("web-".length);
    expect((await getJson(c, ["pods", "-l", `pod-template-hash=${hash}`])).items).toHaveLength(3);
    expect(rs1.revision).toBe("1");
    const deploy = await getJson(c, ["deployment", "web"]);
    expect(deploy.status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, observedGeneration: 1 });
    expect(deploy.status.conditions.map((x: any) => `${x.type}=${x.status}/${x.reason}`)).toEqual(["Available=True/MinimumReplicasAvailable", "Progressing=True/NewReplicaSetAvailable"]);
    expect(await ok(c, ["get", "deploy", "web", "--no-headers"])).toMatch(/^web\s+3\/3\s+3\s+3\s/);

    await ok(c, ["scale", "deployment/web", "--replicas=5"]);
    await eventually(async () => (await running("web")).size === 5);
    await ok(c, ["scale", "deployment/web", "--replicas=2"]);
    await eventually(async () => (await running("web")).size === 2);
    await settled(c);
    expect((await getJson(c, ["rs", rs1.name])).status).toMatchObject({ replicas: 2, readyReplicas: 2, availableReplicas: 2 });

    expect(await ok(c, ["set", "image", "deployment/web", "nginx=nginx:1.26"])).toContain("image updated");
    expect(await ok(c, ["rollout", "status", "deployment/web", "--timeout=30s"])).toContain("successfully rolled out");
    let sets = await replicaSets("web");
    expect(sets).toHaveLength(2);
    expect(sets.find((s) => s.name === rs1.name)).toMatchObject({ replicas: 0, revision: "1" });
    const rs2 = sets.find((s) => s.name !== rs1.name)!;
    expect(rs2).toMatchObject({ replicas: 2, revision: "2", image: "nginx:1.26" });
    await eventually(async () => [...(await getJson(c, ["pods", "-l", "app=web"])).items].every((p: any) => p.spec.containers[0].image === "nginx:1.26"));
    const events = await getJson(c, ["events", "--field-selector", "involvedObject.name=web,involvedObject.kind=Deployment"]);
    expect(events.items.map((e: any) => e.message)).toEqual(expect.arrayContaining([`Scaled up replica set ${rs2.name} from 0 to 1`, `Scaled down replica set ${rs1.name} from 2 to 1`]));

    const history = await ok(c, ["rollout", "history", "deployment/web"]);
    expect(history).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await ok(c, ["rollout", "history", "deployment/web", "--revision=1"])).toContain("nginx:1.27");

    expect(await ok(c, ["rollout", "undo", "deployment/web"])).toContain("rolled back");
    expect(await ok(c, ["rollout", "status", "deployment/web", "--timeout=30s"])).toContain("successfully rolled out");
    sets = await replicaSets("web");
    // the old ReplicaSet is reused under a new revision, not recreated
    expect(sets).toHaveLength(2);
    expect(sets.find((s) => s.name === rs1.name)).toMatchObject({ replicas: 2, revision: "3", image: "nginx:1.27" });
    expect(sets.find((s) => s.name === rs2.name)).toMatchObject({ replicas: 0 });
    expect((await getJson(c, ["deployment", "web"])).spec.template.spec.containers[0].image).toBe("nginx:1.27");
    expect(await ok(c, ["rollout", "history", "deployment/web"])).toMatch(/2\s+<none>\n3\s+<none>/);

    // self-healing: a deleted pod is replaced
    await settled(c);
    const before = await running("web");
    const victim = [...before.keys()][0];
    await ok(c, ["delete", "pod", victim]);
    await eventually(async () => {
      const now = await running("web");
      return now.size === 2 && !now.has(victim);
    });
    const rsEvents = await getJson(c, ["events", "--field-selector", `involvedObject.name=${rs1.name}`]);
    expect(rsEvents.items.some((e: any) => e.reason === "SuccessfulCreate")).toBe(true);
  });

  it("records a big ReplicaSet's pod creations as client-go's correlator does: nine Events, then one combined", async () => {
    await ok(c, ["create", "deployment", "many", "--image=nginx:1.27", "--replicas=30"]);
    await ok(c, ["wait", "--for=condition=Available", "deployment/many", "--timeout=60s"]);
    const events = (await getJson(c, ["events"])).items.filter((e: any) => e.involvedObject.kind === "ReplicaSet" && e.involvedObject.name.startsWith("many-") && e.reason === "SuccessfulCreate");
    const single = events.filter((e: any) => !e.message.startsWith("(combined from similar events): "));
    const combined = events.filter((e: any) => e.message.startsWith("(combined from similar events): "));
    expect(single).toHaveLength(9);
    expect(single.every((e: any) => /^Created pod: many-[a-z0-9]+-[a-z0-9]{5}$/.test(e.message) && e.count === 1)).toBe(true);
    expect(combined).toHaveLength(1);
    expect(combined[0].message).toMatch(/^\(combined from similar events\): Created pod: many-/);
    // The spam filter lets 25 Events about the ReplicaSet through: 9 single and 16 counts of the combined one.
    expect(combined[0].count).toBe(16);
    const described = await ok(c, ["describe", "rs", "-l", "app=many"]);
    expect(described).toContain("(combined from similar events): Created pod: many-");
  });
  it("serves the scale subresource and validates it", async () => {
    await ok(c, ["create", "deployment", "sc", "--image=nginx:1.27", "--replicas=1"]);
    const scale = await getJson(c, ["deployment", "sc", "--subresource=scale"]);
    expect(scale).toMatchObject({ kind: "Scale", apiVersion: "autoscaling/v1", spec: { replicas: 1 }, status: { selector: "app=sc" } });
    const bad = await kubectl(c, ["scale", "deployment/sc", "--replicas=-1"]);
    expect(bad.code).not.toBe(0);
    expect((await getJson(c, ["deployment", "sc"])).spec.replicas).toBe(1);
    await ok(c, ["scale", "deployment/sc", "--replicas=3", "--current-replicas=1"]);
    await eventually(async () => (await running("sc")).size === 3);
    const stale = await kubectl(c, ["scale", "deployment/sc", "--replicas=4", "--current-replicas=1"]);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain("Expected replicas to be 1, was 3");
    await ok(c, ["wait", "--for=condition=Available", "deployment/sc", "--timeout=30s"]);
  });

  it("rolls out with Recreate, pauses and resumes, and restarts", async () => {
    await ok(c, ["apply", "-f", "-"], deployment("rec", "nginx:1.27", 2, { strategy: { type: "Recreate" } }));
    await ok(c, ["rollout", "status", "deployment/rec", "--timeout=30s"]);
    await ok(c, ["rollout", "pause", "deployment/rec"]);
    await ok(c, ["set", "image", "deployment/rec", "nginx=nginx:1.26"]);
    await settled(c);
    expect(await replicaSets("rec")).toHaveLength(1);
    const paused = await getJson(c, ["deployment", "rec"]);
    expect(paused.status.conditions.find((x: any) => x.type === "Progressing")).toMatchObject({ status: "Unknown", reason: "DeploymentPaused" });
    await ok(c, ["rollout", "resume", "deployment/rec"]);
    await ok(c, ["rollout", "status", "deployment/rec", "--timeout=30s"]);
    const sets = await replicaSets("rec");
    expect(sets.map((s) => `${s.image}:${s.replicas}`).sort()).toEqual(["nginx:1.26:2", "nginx:1.27:0"]);
    const events = await getJson(c, ["events", "--field-selector", "involvedObject.name=rec,involvedObject.kind=Deployment"]);
    // Recreate: the old set goes to 0 before the new one scales up
    const msgs = events.items.sort((a: any, b: any) => (a.eventTime ?? a.lastTimestamp).localeCompare(b.eventTime ?? b.lastTimestamp)).map((e: any) => e.message as string);
    const down = msgs.findIndex((m: string) => /Scaled down replica set rec-\w+ from 2 to 0/.test(m));
    const up = msgs.findIndex((m: string, i: number) => i > 0 && /Scaled up replica set rec-\w+ from 0 to 2/.test(m) && sets.some((s) => s.image === "nginx:1.26" && m.includes(s.name)));
    expect(down).toBeGreaterThanOrEqual(0);
    expect(up).toBeGreaterThan(down);
    await ok(c, ["rollout", "restart", "deployment/rec"]);
    await ok(c, ["rollout", "status", "deployment/rec", "--timeout=30s"]);
    expect(await replicaSets("rec")).toHaveLength(3);
  });

  it("marks a rollout that makes no progress as failed after progressDeadlineSeconds", async () => {
    await ok(c, ["apply", "-f", "-"], deployment("stuck", "nginx:doesnotexist", 1, { progressDeadlineSeconds: 60 }));
    await settled(c);
    await advance(c, 61);
    await settled(c);
    const d = await getJson(c, ["deployment", "stuck"]);
    expect(d.status.conditions.find((x: any) => x.type === "Progressing")).toMatchObject({ status: "False", reason: "ProgressDeadlineExceeded" });
    const r = await kubectl(c, ["rollout", "status", "deployment/stuck", "--timeout=10s"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('deployment "stuck" exceeded its progress deadline');
  });

  it("deletes dependents in the background, in the foreground, or orphans them", async () => {
    for (const name of ["bg", "fg", "orph"]) {
      await ok(c, ["apply", "-f", "-"], deployment(name, "nginx:1.27", 2, {}, name === "fg" ? { finalizers: ["example.com/hold"] } : {}));
      await ok(c, ["rollout", "status", `deployment/${name}`, "--timeout=30s"]);
    }
    await ok(c, ["delete", "deployment", "bg"]);
    await eventually(async () => (await getJson(c, ["rs,pods", "-l", "app=bg"])).items.length === 0);

    // foreground: the Deployment waits under its finalizer until its ReplicaSet and pods are gone
    const fg = await kubectl(c, ["delete", "deployment", "fg", "--cascade=foreground", "--wait=false"]);
    expect(fg.code).toBe(0);
    await settled(c);
    // the pods are held by their own finalizer, so the ReplicaSet and the Deployment wait
    const waiting = await getJson(c, ["deployment", "fg"]);
    expect(waiting.metadata.finalizers).toContain("foregroundDeletion");
    expect(waiting.metadata.deletionTimestamp).toBeTruthy();
    const held = (await getJson(c, ["pods", "-l", "app=fg"])).items;
    expect(held).toHaveLength(2);
    expect(held.every((p: any) => p.metadata.deletionTimestamp)).toBe(true);
    expect((await getJson(c, ["rs", "-l", "app=fg"])).items[0].metadata.finalizers).toContain("foregroundDeletion");
    for (const p of held) await ok(c, ["patch", "pod", p.metadata.name, "--type=json", "-p", '[{"op":"remove","path":"/metadata/finalizers"}]']);
    await eventually(async () => (await kubectl(c, ["get", "deployment", "fg"])).code !== 0);
    expect((await getJson(c, ["rs,pods", "-l", "app=fg"])).items).toHaveLength(0);

    // orphan: the ReplicaSet and pods stay, without an owner
    await ok(c, ["delete", "deployment", "orph", "--cascade=orphan"]);
    await settled(c);
    const rs = (await getJson(c, ["rs", "-l", "app=orph"])).items;
    expect(rs).toHaveLength(1);
    expect(rs[0].metadata.ownerReferences).toBeUndefined();
    expect((await running("orph")).size).toBe(2);
    // a new Deployment with the same selector and template adopts it again
    await ok(c, ["apply", "-f", "-"], deployment("orph", "nginx:1.27", 2));
    await settled(c);
    const adopted = (await getJson(c, ["rs", "-l", "app=orph"])).items;
    expect(adopted).toHaveLength(1);
    expect(adopted[0].metadata.ownerReferences[0]).toMatchObject({ kind: "Deployment", name: "orph", controller: true });
  });

  it("rejects bad specs and changes nothing", async () => {
    const bad = await kubectl(c, ["apply", "-f", "-"], {
      input: stringify({ apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "bad" }, spec: { selector: { matchLabels: { app: "one" } }, template: { metadata: { labels: { app: "other" } }, spec: { containers: [{ name: "c", image: "nginx" }] } } } }),
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("`selector` does not match template `labels`");
    expect((await kubectl(c, ["get", "deployment", "bad"])).code).not.toBe(0);
    await ok(c, ["create", "deployment", "imm", "--image=nginx"]);
    const imm = await kubectl(c, ["patch", "deployment", "imm", "-p", '{"spec":{"selector":{"matchLabels":{"app":"other"}},"template":{"metadata":{"labels":{"app":"other"}}}}}']);
    expect(imm.code).not.toBe(0);
    expect(imm.stderr).toContain("field is immutable");
  });
});
