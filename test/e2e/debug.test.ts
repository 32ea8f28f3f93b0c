// kubectl debug: ephemeral containers added through pods/ephemeralcontainers (started by the
// kubelet, reported in ephemeralContainerStatuses, never changed or removed), pod copies
// (--copy-to) and node debugging pods (the node's root at /host, in the host's namespaces).
import { beforeAll, describe, expect, it } from "vitest";
import { advance, getJson, kubectl, kubectlAt, newCluster, ok, request, service, settled, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("debug");
  await settled(c);
  // A pod of one app container, as the Kubernetes docs' debugging pages start from.
  await ok(c, ["run", "web", "--image=nginx", "--overrides", JSON.stringify({ spec: { containers: [{ name: "app", image: "nginx" }] } })]);
  await advance(c, 10);
});

interface Event {
  reason: string;
  message: string;
  regarding?: { fieldPath?: string };
  involvedObject?: { fieldPath?: string };
}

async function eventsOf(pod: string): Promise<Event[]> {
  const list = await getJson(c, ["events", "--field-selector", `involvedObject.name=${pod}`]);
  return list.items.sort((a: { eventTime?: string; firstTimestamp?: string }, b: { eventTime?: string; firstTimestamp?: string }) =>
    (a.eventTime ?? a.firstTimestamp ?? "").localeCompare(b.eventTime ?? b.firstTimestamp ?? ""),
  );
}

/** kubectl 1.33 (its default profile is "general"; the kubectl on PATH may be older). */
function k33(args: string[], input?: string) {
  return kubectl(c, args, { bin: kubectlAt(33), ...(input !== undefined ? { input } : {}) });
}

/** kubectl 1.33 that must succeed. */
async function ok33(args: string[]): Promise<string> {
  const r = await k33(args);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
  return r.stdout;
}

/** A call on the cluster's kube API with the cluster's token (what kubectl cannot send as is). */
function kube(method: string, path: string, body?: unknown, contentType?: string) {
  return request(method, `/k8s/${c.id}${path}`, { token: c.token, body, contentType });
}

describe("kubectl debug", () => {
  it("adds an ephemeral container targeting the app container; the kubelet starts it and reports it apart", async () => {
    const r = await k33(["debug", "web", "--image=busybox", "--target=app", "--", "sleep", "1d"]);
    expect(r.code).toBe(0);
    // 1.33's default profile is still "legacy", and kubectl says so.
    expect(r.stderr.trim()).toBe('--profile=legacy is deprecated and will be removed in the future. It is recommended to explicitly specify a profile, for example "--profile=general".');
    const name = /Defaulting debug container name to (debugger-[a-z0-9]{5})\./.exec(r.stdout)?.[1];
    expect(r.stdout).toContain('Targeting container "app".');
    expect(name).toBeTruthy();
    await advance(c, 10);
    const pod = await getJson(c, ["pod", "web"]);
    // The spec as the API server keeps it: defaulted, with the target.
    expect(pod.spec.ephemeralContainers).toHaveLength(1);
    expect(pod.spec.ephemeralContainers[0]).toMatchObject({
      name,
      image: "busybox",
      command: ["sleep", "1d"],
      targetContainerName: "app",
      imagePullPolicy: "Always",
      terminationMessagePath: "/dev/termination-log",
      terminationMessagePolicy: "File",
      resources: {},
    });
    expect(pod.spec.containers.map((x: { name: string }) => x.name)).toEqual(["app"]);
    // Reported in ephemeralContainerStatuses, running, never ready, and without `started`.
    expect(pod.status.ephemeralContainerStatuses).toHaveLength(1);
    const st = pod.status.ephemeralContainerStatuses[0];
    expect(st).toMatchObject({ name, ready: false, restartCount: 0, image: "docker.io/library/busybox:latest" });
    expect(st.state.running.startedAt).toBeTruthy();
    expect(st.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(st.started).toBeUndefined();
    // It has no say in the pod's readiness: still 1/1 and Running.
    expect(pod.status.containerStatuses.map((x: { name: string }) => x.name)).toEqual(["app"]);
    expect(await ok(c, ["get", "pod", "web", "--no-headers"])).toMatch(/^web\s+1\/1\s+Running\s+0\s/);
    expect(pod.status.conditions.find((x: { type: string }) => x.type === "Ready").status).toBe("True");
    // The kubelet's events name it by its field path.
    const mine = (await eventsOf("web")).filter((e) => (e.involvedObject?.fieldPath ?? e.regarding?.fieldPath) === `spec.ephemeralContainers{${name}}`);
    expect(mine.map((e) => e.reason)).toEqual(["Pulling", "Pulled", "Created", "Started"]);
    expect(mine[2].message).toBe(`Created container: ${name}`);
    // describe shows the section kubectl prints from the spec and the status.
    const described = await ok(c, ["describe", "pod", "web"]);
    const section = described.slice(described.indexOf("Ephemeral Containers:"));
    expect(section).toMatch(new RegExp(`^Ephemeral Containers:\\n  ${name}:\\n    Container ID:\\s+containerd://[0-9a-f]{64}\\n    Image:\\s+busybox\\n    Image ID:\\s+docker.io/library/busybox@sha256:[0-9a-f]{64}\\n    Port:\\s+<none>\\n`));
    expect(section).toMatch(/State:\s+Running\n\s+Started:/);
    expect(section).toMatch(/Ready:\s+False\n\s+Restart Count:\s+0/);
    expect(described.indexOf("Ephemeral Containers:")).toBeLessThan(described.indexOf("Conditions:"));
  });

  it("adds a second one with kubectl 1.27 through the same subresource; names are unique across the pod", async () => {
    const r = await kubectl(c, ["debug", "web", "--image=busybox", "-c", "dbg2", "--", "sleep", "1h"], { bin: kubectlAt(27) });
    expect(r.code).toBe(0);
    await advance(c, 10);
    const pod = await getJson(c, ["pod", "web"]);
    expect(pod.spec.ephemeralContainers.map((x: { name: string }) => x.name)).toHaveLength(2);
    expect(pod.status.ephemeralContainerStatuses.find((s: { name: string }) => s.name === "dbg2").state.running).toBeTruthy();
    // A name the pod already has is a duplicate, whatever kind of container holds it.
    const dup = await k33(["debug", "web", "--image=busybox", "-c", "app", "--", "true"]);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('The Pod "web" is invalid: spec.ephemeralContainers[2].name: Duplicate value: "app"');
  });

  it("never restarts an ephemeral container that exits (the general profile's ptrace accepted)", async () => {
    await ok33(["debug", "web", "--image=busybox", "-c", "once", "--profile=general", "--", "true"]);
    await advance(c, 30);
    const pod = await getJson(c, ["pod", "web"]);
    expect(pod.spec.ephemeralContainers.find((x: { name: string }) => x.name === "once").securityContext).toEqual({ capabilities: { add: ["SYS_PTRACE"] } });
    const st = pod.status.ephemeralContainerStatuses.find((s: { name: string }) => s.name === "once");
    expect(st.state.terminated).toMatchObject({ exitCode: 0, reason: "Completed" });
    expect(st.restartCount).toBe(0);
    expect(await ok(c, ["get", "pod", "web", "--no-headers"])).toMatch(/^web\s+1\/1\s+Running\s+0\s/);
  });

  it("refuses to change or remove an ephemeral container, and a plain update that touches them", async () => {
    const path = "/api/v1/namespaces/default/pods/web/ephemeralcontainers";
    const got = await kube("GET", path);
    expect(got.status).toBe(200);
    expect(got.json.kind).toBe("Pod");
    const first = got.json.spec.ephemeralContainers[0].name;
    // removed, through PUT
    const without = structuredClone(got.json);
    without.spec.ephemeralContainers = without.spec.ephemeralContainers.slice(1);
    const removed = await kube("PUT", path, without);
    expect(removed.status).toBe(422);
    expect(removed.json.message).toBe(`Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "${first}" may not be removed\n`);
    expect(removed.json.details.causes[0]).toMatchObject({ reason: "FieldValueForbidden", field: "spec.ephemeralContainers" });
    // changed, through a JSON patch
    const changed = await kube("PATCH", path, [{ op: "replace", path: "/spec/ephemeralContainers/0/image", value: "alpine" }], "application/json-patch+json");
    expect(changed.status).toBe(422);
    expect(changed.json.message).toMatch(new RegExp(`^Pod "web" is invalid: spec.ephemeralContainers: Forbidden: existing ephemeral containers "${first}" may not be changed\n`));
    // fields an ephemeral container may not have
    const ports = await kube("PATCH", path, { spec: { ephemeralContainers: [{ name: "withports", image: "busybox", ports: [{ containerPort: 80 }], readinessProbe: { exec: { command: ["true"] } } }] } }, "application/strategic-merge-patch+json");
    expect(ports.status).toBe(422);
    expect(ports.json.details.causes.map((x: { field: string; message: string }) => `${x.field}: ${x.message}`)).toEqual([
      "spec.ephemeralContainers[3].ports: Forbidden: cannot be set for an Ephemeral Container",
      "spec.ephemeralContainers[3].readinessProbe: Forbidden: cannot be set for an Ephemeral Container",
    ]);
    // a target that is not one of the pod's containers
    const target = await k33(["debug", "web", "--image=busybox", "--target=nope", "--", "true"]);
    expect(target.stderr).toContain('spec.ephemeralContainers[3].targetContainerName: Not found: "nope"');
    // Other fields sent through the subresource are dropped, not applied.
    const label = await kube("PATCH", path, { metadata: { labels: { sneaky: "yes" } }, spec: { activeDeadlineSeconds: 5 } }, "application/merge-patch+json");
    expect(label.status).toBe(200);
    expect(label.json.metadata.labels?.sneaky).toBeUndefined();
    expect(label.json.spec.activeDeadlineSeconds).toBeUndefined();
    // A plain update may not add or remove them: the subresource is the only way.
    const pod = await getJson(c, ["pod", "web"]);
    pod.spec.ephemeralContainers.pop();
    const replaced = await k33(["replace", "-f", "-"], JSON.stringify(pod));
    expect(replaced.code).not.toBe(0);
    expect(replaced.stderr).toContain('The Pod "web" is invalid: spec: Forbidden: pod updates may not change fields other than');
  });

  it("rejects ephemeral containers on create, and on a static pod", async () => {
    const made = await k33(["create", "-f", "-"], JSON.stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "pre" }, spec: { containers: [{ name: "a", image: "nginx" }], ephemeralContainers: [{ name: "d", image: "busybox" }] } }));
    expect(made.code).not.toBe(0);
    expect(made.stderr).toContain('The Pod "pre" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create');
    const cp = `${c.name}-control-plane`;
    const stat = await k33(["debug", "-n", "kube-system", `etcd-${cp}`, "--image=busybox", "--", "true"]);
    expect(stat.code).not.toBe(0);
    expect(stat.stderr).toContain(`The Pod "etcd-${cp}" is invalid: []: Forbidden: static pods do not support ephemeral containers`);
  });

  it("is refused to a user who may only view", async () => {
    const t = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `viewer-${c.name}`, cluster: c.name, role: "view" } });
    expect(t.status).toBe(201);
    const as = `--token=${t.json.token}`;
    expect((await k33(["auth", "can-i", "patch", "pods/ephemeralcontainers", as])).stdout.trim()).toBe("no");
    expect((await k33(["auth", "can-i", "patch", "pods/ephemeralcontainers"])).stdout.trim()).toBe("yes");
    expect((await k33(["get", "pods/web", "--subresource=ephemeralcontainers", as, "-o", "name"])).code).toBe(0);
    const r = await k33(["debug", "web", "--image=busybox", as, "--", "true"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Error from server \(Forbidden\): pods "web" is forbidden: User "kubedo:[^"]+" cannot patch resource "pods\/ephemeralcontainers" in API group "" in the namespace "default"/);
  });

  it("copies a pod with a debug container and a shared process namespace (--copy-to)", async () => {
    const r = await k33(["debug", "web", "--copy-to=web-debug", "--image=busybox", "--share-processes", "--", "sleep", "1d"]);
    expect(r.code).toBe(0);
    await advance(c, 10);
    const copy = await getJson(c, ["pod", "web-debug"]);
    expect(copy.spec.shareProcessNamespace).toBe(true);
    expect(copy.spec.ephemeralContainers).toBeUndefined();
    expect(copy.spec.containers.map((x: { name: string }) => x.name)).toEqual(["app", expect.stringMatching(/^debugger-[a-z0-9]{5}$/)]);
    expect(copy.status.phase).toBe("Running");
    expect(await ok(c, ["get", "pod", "web-debug", "--no-headers"])).toMatch(/^web-debug\s+2\/2\s+Running\s/);
  });

  it("debugs a node with a pod in the host's namespaces and the node's root at /host", async () => {
    const node = `${c.name}-worker`;
    const r = await k33(["debug", `node/${node}`, "--image=busybox", "--", "sleep", "1d"]);
    expect(r.code).toBe(0);
    const name = new RegExp(`Creating debugging pod (node-debugger-${node}-[a-z0-9]{5}) with container debugger on node ${node}\\.`).exec(r.stdout)?.[1];
    expect(name).toBeTruthy();
    await advance(c, 10);
    const pod = await getJson(c, ["pod", name!]);
    expect(pod.spec).toMatchObject({ nodeName: node, hostNetwork: true, hostPID: true, hostIPC: true, restartPolicy: "Never" });
    expect(pod.spec.volumes).toEqual(expect.arrayContaining([{ name: "host-root", hostPath: { path: "/", type: "" } }]));
    expect(pod.spec.containers[0].volumeMounts).toEqual(expect.arrayContaining([{ name: "host-root", mountPath: "/host" }]));
    expect(pod.status.phase).toBe("Running");
    const n = await getJson(c, ["node", node]);
    expect(pod.status.podIP).toBe(n.status.addresses.find((a: { type: string }) => a.type === "InternalIP").address);
  });
});
