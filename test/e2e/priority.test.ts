// Priority and preemption through real kubectl: the built-in PriorityClasses, the Priority
// admission plugin's words, and a high-priority pod preempting a low-priority one on a full
// cluster (nominatedNodeName, the victim's DisruptionTarget and Preempted event, then running
// where it was nominated), while a pod whose class says preemptionPolicy Never waits.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, eventually, getJson, kubectl, newCluster, ok, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("prio", {
    kind: "Cluster",
    apiVersion: "kind.x-k8s.io/v1alpha4",
    nodes: [{ role: "control-plane" }, { role: "worker" }, { role: "worker" }],
  });
  await simulate(c, { profile: "instant" });
});

function priorityClass(name: string, value: number, extra: Record<string, unknown> = {}) {
  return stringify({ apiVersion: "scheduling.k8s.io/v1", kind: "PriorityClass", metadata: { name }, value, ...extra });
}

function pod(name: string, cpu: string, spec: Record<string, unknown> = {}, container: Record<string, unknown> = { image: "nginx:1.27" }) {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: name } },
    spec: { containers: [{ name: "c", ...container, resources: { requests: { cpu } } }], ...spec },
  });
}

/** sleep ignores SIGTERM: the pod takes its whole grace period to go. */
const SLEEPER = { image: "busybox:1.36", command: ["sleep", "3600"] };

describe("PriorityClass", () => {
  it("lists the built-in classes as kubectl get pc prints them", async () => {
    const out = await ok(c, ["get", "pc"]);
    const lines = out.trim().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+VALUE\s+GLOBAL-DEFAULT\s+AGE\s+PREEMPTIONPOLICY$/);
    expect(lines[1]).toMatch(/^system-cluster-critical\s+2000000000\s+false\s+\S+\s+PreemptLowerPriority$/);
    expect(lines[2]).toMatch(/^system-node-critical\s+2000001000\s+false\s+\S+\s+PreemptLowerPriority$/);
    const node = await getJson(c, ["pc", "system-node-critical"]);
    expect(node.description).toBe("Used for system critical pods that must not be moved from their current node.");
    const del = await kubectl(c, ["delete", "pc", "system-node-critical"]);
    expect(del.stderr).toContain('priorityclasses.scheduling.k8s.io "system-node-critical" is forbidden: this is a system priority class and cannot be deleted');
  });

  it("refuses reserved names, values above a billion, a second global default and changing the value", async () => {
    const reserved = await kubectl(c, ["create", "-f", "-"], { input: priorityClass("system-mine", 10) });
    expect(reserved.stderr).toContain(
      `The PriorityClass "system-mine" is invalid: metadata.name: Forbidden: priority class names with 'system-' prefix are reserved for system use only. error: system-mine is not a known system priority class`,
    );
    const big = await kubectl(c, ["create", "-f", "-"], { input: priorityClass("huge", 1_000_000_001) });
    expect(big.stderr).toContain(`The PriorityClass "huge" is invalid: value: Forbidden: maximum allowed value of a user defined priority is 1000000000`);
    await ok(c, ["create", "-f", "-"], priorityClass("default-prio", 7, { globalDefault: true }));
    const second = await kubectl(c, ["create", "-f", "-"], { input: priorityClass("another-default", 8, { globalDefault: true }) });
    expect(second.stderr).toContain(`priorityclasses.scheduling.k8s.io "another-default" is forbidden: PriorityClass default-prio is already marked as default. Only one default can exist`);
    const changed = await kubectl(c, ["patch", "pc", "default-prio", "--type=merge", "-p", '{"value":9}']);
    expect(changed.stderr).toContain(`The PriorityClass "default-prio" is invalid: value: Forbidden: may not be changed in an update.`);
    // A pod naming no class gets the global default's name and value.
    await ok(c, ["run", "defaulted", "--image=nginx:1.27"]);
    const defaulted = await getJson(c, ["pod", "defaulted"]);
    expect(defaulted.spec.priorityClassName).toBe("default-prio");
    expect(defaulted.spec.priority).toBe(7);
    expect(defaulted.spec.preemptionPolicy).toBe("PreemptLowerPriority");
    await ok(c, ["delete", "pod", "defaulted", "--wait=false"]);
    await ok(c, ["delete", "pc", "default-prio"]);
  });

  it("resolves a pod's priority at admission and refuses an unknown class or a stated priority that differs", async () => {
    const unknown = await kubectl(c, ["create", "-f", "-"], { input: pod("lost", "10m", { priorityClassName: "nope" }) });
    expect(unknown.stderr).toContain('Error from server (Forbidden): error when creating "STDIN": pods "lost" is forbidden: no PriorityClass with name nope was found');
    const stated = await kubectl(c, ["create", "-f", "-"], { input: pod("stated", "10m", { priority: 5 }) });
    expect(stated.stderr).toContain('pods "stated" is forbidden: the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 0 from the given PriorityClass name');
    expect((await kubectl(c, ["get", "pod", "lost", "stated"])).stderr).toContain("NotFound");
    const dns = await getJson(c, ["pods", "-n", "kube-system", "-l", "k8s-app=kube-dns"]);
    expect(dns.items[0].spec.priority).toBe(2000000000);
  });
});

describe("preemption", () => {
  it("preempts a low-priority pod on a full cluster for a high-priority one, and leaves a Never pod Pending", async () => {
    await ok(c, ["apply", "-f", "-"], [priorityClass("low", 100), priorityClass("high", 1000)].join("---\n"));
    await ok(c, ["create", "priorityclass", "polite", "--value=500", "--preemption-policy=Never", "--description=waits its turn"]);
    const described = await ok(c, ["describe", "pc", "polite"]);
    expect(described).toMatch(/^Name:\s+polite$/m);
    expect(described).toMatch(/^Value:\s+500$/m);
    expect(described).toMatch(/^GlobalDefault:\s+false$/m);
    expect(described).toMatch(/^PreemptionPolicy:\s+Never$/m);
    expect(described).toMatch(/^Description:\s+waits its turn$/m);
    // Fill each worker with one low-priority pod asking for 60% of its cpu.
    const worker = await getJson(c, ["node", `${c.name}-worker`]);
    const milli = Math.floor((Number.parseFloat(worker.status.allocatable.cpu) * 1000 * 6) / 10);
    const cpu = `${milli}m`;
    const low = { priorityClassName: "low", terminationGracePeriodSeconds: 20 };
    await ok(c, ["apply", "-f", "-"], [pod("low-a", cpu, low, SLEEPER), pod("low-b", cpu, low, SLEEPER)].join("---\n"));
    await advance(c, 1);
    const lowNodes = [(await getJson(c, ["pod", "low-a"])).spec.nodeName, (await getJson(c, ["pod", "low-b"])).spec.nodeName];
    expect(new Set(lowNodes)).toEqual(new Set([`${c.name}-worker`, `${c.name}-worker2`]));

    // preemptionPolicy Never: it waits, with kube-scheduler's words.
    await ok(c, ["apply", "-f", "-"], pod("polite", cpu, { priorityClassName: "polite" }));
    await advance(c, 1);
    const polite = await getJson(c, ["pod", "polite"]);
    expect(polite.spec.preemptionPolicy).toBe("Never");
    expect(polite.status.phase).toBe("Pending");
    const politeWhy = polite.status.conditions.find((x: { type: string }) => x.type === "PodScheduled").message;
    expect(politeWhy).toBe("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.");

    // The high-priority pod preempts one low pod and is nominated to its node.
    await ok(c, ["apply", "-f", "-"], pod("high", cpu, { priorityClassName: "high" }));
    let nominated = "";
    await eventually(async () => {
      nominated = (await getJson(c, ["pod", "high"])).status.nominatedNodeName ?? "";
      return nominated !== "";
    });
    const high = await getJson(c, ["pod", "high"]);
    expect(high.spec.nodeName).toBeUndefined();
    expect(await ok(c, ["get", "pod", "high", "-o", "wide", "--no-headers"])).toMatch(new RegExp(`^high\\s+0/1\\s+Pending\\s+0\\s+\\S+\\s+<none>\\s+<none>\\s+${nominated}\\s`));
    const victim = lowNodes[0] === nominated ? "low-a" : "low-b";
    const victimPod = await getJson(c, ["pod", victim]);
    expect(victimPod.metadata.deletionTimestamp).toBeDefined();
    expect(victimPod.status.conditions.find((x: { type: string }) => x.type === "DisruptionTarget")).toMatchObject({
      status: "True",
      reason: "PreemptionByScheduler",
      message: "default-scheduler: preempting to accommodate a higher priority pod",
    });
    const preempted = await getJson(c, ["events", "--field-selector", `involvedObject.name=${victim},reason=Preempted`]);
    expect(preempted.items[0]).toMatchObject({ type: "Normal", message: `Preempted by pod ${high.metadata.uid} on node ${nominated}` });
    expect(preempted.items[0].source.component).toBe("default-scheduler");
    // Tried again while its victim terminates, it waits rather than preempting anew.
    expect(preempted.items).toHaveLength(1);
    expect(preempted.items[0].count ?? 1).toBe(1);
    const failed = await getJson(c, ["events", "--field-selector", "involvedObject.name=high,reason=FailedScheduling"]);
    const failures: string[] = failed.items.map((e: { message: string }) => e.message);
    // Preemption found a node: no preemption part. Tried again while its victim terminates, it says it waits.
    const fit = "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu.";
    expect(failures).toContain(fit);
    for (const m of failures) expect([fit, `${fit} preemption: not eligible due to a terminating pod on the nominated node.`]).toContain(m);

    // Once the victim's grace period is over it is gone and the preemptor runs where it was nominated;
    // the Never pod, of lower priority, did not take the room.
    await advance(c, 25);
    await eventually(async () => (await kubectl(c, ["get", "pod", victim])).stderr.includes("NotFound"));
    await advance(c, 2);
    const running = await getJson(c, ["pod", "high"]);
    expect(running.spec.nodeName).toBe(nominated);
    expect(running.status.phase).toBe("Running");
    expect((await getJson(c, ["pod", "polite"])).status.phase).toBe("Pending");
    expect((await getJson(c, ["pod", victim === "low-a" ? "low-b" : "low-a"])).status.phase).toBe("Running");
  });

  it("says when no lower-priority pod could make room", async () => {
    // Nothing runs below priority 0, so a pod of no class finds no victims.
    await ok(c, ["apply", "-f", "-"], pod("low-late", "100000m"));
    await advance(c, 1);
    const events = await getJson(c, ["events", "--field-selector", "involvedObject.name=low-late,reason=FailedScheduling"]);
    expect(events.items[0].message).toBe(
      "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.",
    );
  });
});
