// Pod Security admission through the real kubectl: a restricted namespace refuses a plain pod
// with kube-apiserver's message and admits a compliant one; warn=baseline lets a privileged pod in
// with kubectl's Warning; a Deployment is created with a warning while its ReplicaSet's pods are
// refused (FailedCreate); labelling a namespace warns about the pods already in it; bad label
// values are refused; the cluster's own pods run under the default privileged level.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, eventually, getJson, kubectl, newCluster, ok, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("psa");
  await simulate(c, { profile: "instant" });
});

const RESTRICTED_NGINX =
  'violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")';

function pod(name: string, namespace: string, securityContext: Record<string, unknown> = {}, podSecurityContext: Record<string, unknown> = {}, container = "nginx") {
  return stringify({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace }, spec: { securityContext: podSecurityContext, containers: [{ name: container, image: "nginx:1.27", securityContext }] } });
}

/** kubectl's `Warning: …` lines. */
const warningsOf = (stderr: string) => stderr.split("\n").filter((l) => l.startsWith("Warning: "));

describe("pod security admission", () => {
  it("refuses a plain pod in a restricted namespace and admits a compliant one", async () => {
    await ok(c, ["create", "namespace", "locked"]);
    expect(await ok(c, ["label", "namespace", "locked", "pod-security.kubernetes.io/enforce=restricted"])).toContain("namespace/locked labeled");

    const refused = await kubectl(c, ["run", "nginx", "--image=nginx", "-n", "locked"]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr.trim()).toBe(`Error from server (Forbidden): pods "nginx" is forbidden: ${RESTRICTED_NGINX}`);
    expect((await kubectl(c, ["get", "pod", "nginx", "-n", "locked"])).stderr).toContain('pods "nginx" not found');

    const compliant = await kubectl(
      c,
      ["apply", "-f", "-"],
      { input: pod("safe", "locked", { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } }, { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } }) },
    );
    expect(compliant.code).toBe(0);
    expect(compliant.stdout).toContain("pod/safe created");
    expect(warningsOf(compliant.stderr)).toEqual([]);
  });

  it("lets a privileged pod into a warn=baseline namespace with kubectl's warning", async () => {
    await ok(c, ["create", "namespace", "watched"]);
    await ok(c, ["label", "namespace", "watched", "pod-security.kubernetes.io/warn=baseline"]);
    const r = await kubectl(c, ["apply", "-f", "-"], { input: pod("x", "watched", { privileged: true }, {}, "x") });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("pod/x created");
    expect(warningsOf(r.stderr)).toEqual(['Warning: would violate PodSecurity "baseline:latest": privileged (container "x" must not set securityContext.privileged=true)']);
    expect((await getJson(c, ["pod", "x", "-n", "watched"])).metadata.name).toBe("x");
  });

  it("creates a Deployment in an enforcing namespace with a warning, and its ReplicaSet cannot create pods", async () => {
    const r = await kubectl(c, ["create", "deployment", "web", "--image=nginx", "-n", "locked"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("deployment.apps/web created");
    expect(warningsOf(r.stderr)).toEqual([`Warning: would ${RESTRICTED_NGINX.replace("violates", "violate")}`]);

    let rs = "";
    await eventually(async () => {
      const items = (await getJson(c, ["rs", "-n", "locked", "-l", "app=web"])).items;
      rs = items[0]?.metadata.name ?? "";
      return rs !== "";
    });
    await eventually(async () => {
      const events = (await getJson(c, ["events", "-n", "locked"])).items;
      return events.some((e: { reason: string; message: string; involvedObject: { name: string } }) => e.involvedObject.name === rs && e.reason === "FailedCreate" && new RegExp(`^Error creating: pods "${rs}-[a-z0-9]{5}" is forbidden: `).test(e.message) && e.message.endsWith(RESTRICTED_NGINX));
    });
    expect((await getJson(c, ["pods", "-n", "locked", "-l", "app=web"])).items).toEqual([]);
    expect(await ok(c, ["describe", "rs", rs, "-n", "locked"])).toMatch(/Warning\s+FailedCreate\s+.*Error creating: pods "[^"]+" is forbidden: violates PodSecurity "restricted:latest"/);
  });

  it("warns about the pods already in a namespace when its enforce level tightens", async () => {
    await ok(c, ["create", "namespace", "legacy"]);
    await ok(c, ["apply", "-f", "-"], pod("plain", "legacy"));
    await ok(c, ["apply", "-f", "-"], pod("priv-a", "legacy", { privileged: true }));
    await ok(c, ["apply", "-f", "-"], pod("priv-b", "legacy", { privileged: true }));

    const baseline = await kubectl(c, ["label", "namespace", "legacy", "pod-security.kubernetes.io/enforce=baseline"]);
    expect(baseline.code).toBe(0);
    expect(baseline.stdout).toContain("namespace/legacy labeled");
    expect(warningsOf(baseline.stderr)).toEqual(['Warning: existing pods in namespace "legacy" violate the new PodSecurity enforce level "baseline:latest"', "Warning: priv-a (and 1 other pod): privileged"]);

    const restricted = await kubectl(c, ["label", "--overwrite", "namespace", "legacy", "pod-security.kubernetes.io/enforce=restricted"]);
    expect(warningsOf(restricted.stderr)).toEqual([
      'Warning: existing pods in namespace "legacy" violate the new PodSecurity enforce level "restricted:latest"',
      "Warning: plain: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
      "Warning: priv-a (and 1 other pod): privileged, allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile",
    ]);
    // the pods stay: enforce only judges new pods
    expect((await getJson(c, ["pods", "-n", "legacy"])).items).toHaveLength(3);
    // loosening says nothing
    expect(warningsOf((await kubectl(c, ["label", "--overwrite", "namespace", "legacy", "pod-security.kubernetes.io/enforce=privileged"])).stderr)).toEqual([]);
  });

  it("refuses a label value that is not a level or a version", async () => {
    const level = await kubectl(c, ["label", "namespace", "watched", "pod-security.kubernetes.io/enforce=foo"]);
    expect(level.code).not.toBe(0);
    expect(level.stderr.trim()).toBe('The Namespace "watched" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted');
    const version = await kubectl(c, ["create", "-f", "-"], { input: stringify({ apiVersion: "v1", kind: "Namespace", metadata: { name: "odd", labels: { "pod-security.kubernetes.io/warn-version": "v2.0" } } }) });
    expect(version.stderr.trim()).toBe('The Namespace "odd" is invalid: metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "v2.0": must be "latest" or "v1.x"');
    expect((await kubectl(c, ["get", "namespace", "odd"])).code).not.toBe(0);
  });

  it("keeps the cluster's own pods running under the default privileged level (kind labels no namespace)", async () => {
    await advance(c, 30);
    for (const ns of ["kube-system", "local-path-storage"]) {
      const labels = (await getJson(c, ["namespace", ns])).metadata.labels;
      expect(Object.keys(labels).filter((l) => l.startsWith("pod-security.kubernetes.io/"))).toEqual([]);
      await eventually(async () => {
        const pods = (await getJson(c, ["pods", "-n", ns])).items;
        return pods.length > 0 && pods.every((p: { status: { phase: string } }) => p.status.phase === "Running");
      });
    }
  });
});
