// Pod Security admission: the baseline and restricted checks with upstream's words, the label
// parsing, the order and versions of the checks, and the plugin through the cluster's API
// (enforce, warn, templates, the control plane's pods, labelling a namespace with pods in it).
import { describe, expect, it } from "vitest";
import { checksFor, evaluatePod, forbiddenDetail } from "../../worker/cluster/admission/podSecurity/evaluator";
import { existingPodWarnings } from "../../worker/cluster/admission/podSecurity/existingPods";
import { policyFromLabels, type LevelVersion } from "../../worker/cluster/admission/podSecurity/policy";
import type { PodSpec } from "../../worker/cluster/admission/podSecurity/podSpec";
import { kube, newCluster, settle } from "./helpers";

const RESTRICTED: LevelVersion = { level: "restricted", version: "latest" };
const BASELINE: LevelVersion = { level: "baseline", version: "latest" };

/** The text after `violates PodSecurity "…": ` for a pod at a level (cluster 1.33 unless told). */
function detail(lv: LevelVersion, spec: PodSpec, annotations: Record<string, string> = {}, minor = 33): string {
  return forbiddenDetail(evaluatePod(lv, minor, { annotations }, spec));
}

/** A container that meets restricted. */
const compliant = (name: string) => ({
  name,
  image: "nginx",
  securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } },
});

describe("restricted", () => {
  it("words a plain pod's findings as kube-apiserver does, in its order", () => {
    expect(detail(RESTRICTED, { containers: [{ name: "nginx", image: "nginx" }] })).toBe(
      'allowPrivilegeEscalation != false (container "nginx" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "nginx" must set securityContext.capabilities.drop=["ALL"]), runAsNonRoot != true (pod or container "nginx" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container "nginx" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it("admits a compliant pod, with pod-level settings standing in for the containers'", () => {
    expect(evaluatePod(RESTRICTED, 33, {}, { containers: [compliant("a")] }).allowed).toBe(true);
    const podLevel: PodSpec = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "Localhost" } },
      containers: [{ name: "a", image: "x", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } } }],
      volumes: [{ name: "cfg", configMap: { name: "c" } }, { name: "tmp", emptyDir: {} }, { name: "data", persistentVolumeClaim: { claimName: "d" } }, { name: "tok", projected: { sources: [] } }],
    };
    expect(evaluatePod(RESTRICTED, 33, {}, podLevel).allowed).toBe(true);
  });

  it("names init, app and ephemeral containers in that order, and pluralizes", () => {
    const spec: PodSpec = {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } },
      initContainers: [{ name: "init", image: "x", securityContext: { capabilities: { drop: ["ALL"] } } }],
      containers: [{ name: "app", image: "x", securityContext: { allowPrivilegeEscalation: true, capabilities: { drop: ["ALL"], add: ["SYS_ADMIN", "NET_ADMIN", "NET_BIND_SERVICE"] } } }, compliant("ok")],
      ephemeralContainers: [{ name: "debug", image: "x", securityContext: { capabilities: { drop: ["ALL"] } } }],
    };
    expect(detail(RESTRICTED, spec)).toBe(
      'allowPrivilegeEscalation != false (containers "init", "app", "debug" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container "app" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)',
    );
  });

  it("refuses runAsNonRoot=false, runAsUser=0 and a bad seccomp profile by who set them", () => {
    const spec: PodSpec = {
      securityContext: { runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: "Unconfined" } },
      containers: [{ ...compliant("a"), securityContext: { ...compliant("a").securityContext, runAsNonRoot: false, runAsUser: 0 } }, compliant("b")],
    };
    expect(detail(RESTRICTED, spec)).toBe(
      'runAsNonRoot != true (pod and container "a" must not set securityContext.runAsNonRoot=false), runAsUser=0 (pod and container "a" must not set runAsUser=0), seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
    );
  });

  it("allows only the safe volume types", () => {
    const spec: PodSpec = {
      containers: [compliant("a")],
      volumes: [{ name: "host", hostPath: { path: "/" } }, { name: "share", nfs: { server: "s", path: "/" } }, { name: "tmp", emptyDir: {} }, { name: "repo", gitRepo: { repository: "r" } }],
    };
    // restricted's volume check replaces baseline's hostPath check
    expect(detail(RESTRICTED, spec)).toBe('restricted volume types (volumes "host", "share", "repo" use restricted volume types "gitRepo", "hostPath", "nfs")');
    expect(detail(BASELINE, spec)).toBe('hostPath volumes (volume "host")');
  });

  it("lets Windows pods through the Linux-only checks from 1.25", () => {
    const spec: PodSpec = { os: { name: "windows" }, securityContext: { runAsNonRoot: true }, containers: [{ name: "w", image: "x" }] };
    expect(evaluatePod(RESTRICTED, 33, {}, spec).allowed).toBe(true);
    expect(detail({ level: "restricted", version: 24 }, spec)).toContain("allowPrivilegeEscalation != false");
  });
});

describe("baseline", () => {
  it("refuses the privileged settings with upstream's words", () => {
    const spec: PodSpec = {
      hostNetwork: true,
      hostPID: true,
      securityContext: { sysctls: [{ name: "kernel.msgmax" }, { name: "net.ipv4.tcp_syncookies" }, { name: "net.core.somaxconn" }], seLinuxOptions: { type: "spc_t", user: "root" }, windowsOptions: { hostProcess: true } },
      containers: [
        { name: "x", image: "x", ports: [{ hostPort: 8080 }, { hostPort: 80 }], securityContext: { privileged: true, capabilities: { add: ["SYS_ADMIN", "CHOWN"] }, procMount: "Unmasked" } },
        { name: "y", image: "x", ports: [{ hostPort: 443 }], securityContext: { seccompProfile: { type: "Unconfined" }, appArmorProfile: { type: "Unconfined" } } },
      ],
      volumes: [{ name: "root", hostPath: { path: "/" } }],
    };
    const found = evaluatePod(BASELINE, 33, {}, spec);
    expect(found.reasons).toEqual(["forbidden AppArmor profile", "non-default capabilities", "host namespaces", "hostPath volumes", "hostPort", "privileged", "procMount", "seLinuxOptions", "seccompProfile", "forbidden sysctls", "hostProcess"]);
    expect(found.details).toEqual([
      'container "y" must not set AppArmor profile type to "Unconfined"',
      'container "x" must not include "SYS_ADMIN" in securityContext.capabilities.add',
      "hostNetwork=true, hostPID=true",
      'volume "root"',
      'containers "x", "y" use hostPorts 443, 80, 8080',
      'container "x" must not set securityContext.privileged=true',
      'container "x" must not set securityContext.procMount to "Unmasked"',
      'pod set forbidden securityContext.seLinuxOptions: type "spc_t"; user may not be set',
      'container "y" must not set securityContext.seccompProfile.type to "Unconfined"',
      "kernel.msgmax, net.core.somaxconn",
      "pod must not set securityContext.windowsOptions.hostProcess=true",
    ]);
  });

  it("reads the AppArmor and old seccomp annotations", () => {
    const annotations = { "container.apparmor.security.beta.kubernetes.io/a": "unconfined", "container.apparmor.security.beta.kubernetes.io/b": "runtime/default", "seccomp.security.alpha.kubernetes.io/pod": "unconfined" };
    const spec: PodSpec = { containers: [{ name: "a", image: "x" }, { name: "b", image: "x" }] };
    expect(detail(BASELINE, spec, annotations)).toBe('forbidden AppArmor profile (annotation must not set AppArmor profile type to "container.apparmor.security.beta.kubernetes.io/a="unconfined"")');
    // seccomp annotations count only at versions before the field (1.19)
    expect(detail({ level: "baseline", version: 18 }, spec, annotations)).toContain('seccompProfile (forbidden annotation seccomp.security.alpha.kubernetes.io/pod="unconfined")');
  });

  it("allows what a baseline pod may do: default capabilities, its own seccomp and the safe sysctls", () => {
    const spec: PodSpec = {
      securityContext: { seccompProfile: { type: "RuntimeDefault" }, sysctls: [{ name: "net.ipv4.ip_local_port_range" }, { name: "net.ipv4.tcp_keepalive_time" }], seLinuxOptions: { type: "container_t" } },
      containers: [{ name: "a", image: "x", ports: [{ containerPort: 80 } as { hostPort?: number }], securityContext: { capabilities: { add: ["NET_BIND_SERVICE", "CHOWN"] }, privileged: false, procMount: "Default" } }],
    };
    expect(evaluatePod(BASELINE, 33, {}, spec).allowed).toBe(true);
  });

  it("follows the version: sysctls allowed later are forbidden at an older version", () => {
    const spec: PodSpec = { securityContext: { sysctls: [{ name: "net.ipv4.tcp_rmem" }] }, containers: [{ name: "a", image: "x" }] };
    expect(evaluatePod(BASELINE, 33, {}, spec).allowed).toBe(true);
    expect(detail({ level: "baseline", version: 31 }, spec)).toBe("forbidden sysctls (net.ipv4.tcp_rmem)");
    // on a 1.31 cluster "latest" is 1.31
    expect(detail(BASELINE, spec, {}, 31)).toBe("forbidden sysctls (net.ipv4.tcp_rmem)");
    // probe hosts are checked from 1.34: not by a 1.33 cluster, even for a newer label
    const probe: PodSpec = { containers: [{ name: "a", image: "x", livenessProbe: { httpGet: { host: "10.0.0.1" } } }] };
    expect(evaluatePod({ level: "baseline", version: 40 }, 33, {}, probe).allowed).toBe(true);
    expect(detail(BASELINE, probe, {}, 34)).toBe('probe or lifecycle host (container "a" uses probe or lifecycle host "10.0.0.1")');
  });

  it("runs baseline's checks, then restricted's own, each in id order", () => {
    expect(checksFor("baseline", 33)).toHaveLength(11);
    // restricted: 11 baseline checks less the 3 it replaces, plus its own 6 (procMount_restricted comes at 1.35)
    expect(checksFor("restricted", 33)).toHaveLength(14);
    // at 1.21: no capabilities_restricted (1.22) nor runAsUser (1.23) yet
    expect(checksFor("restricted", 21)).toHaveLength(13);
  });
});

describe("namespace labels", () => {
  it("reads levels and versions, with warn following a stricter enforce", () => {
    expect(policyFromLabels(undefined).policy).toEqual({ enforce: { level: "privileged", version: "latest" }, audit: { level: "privileged", version: "latest" }, warn: { level: "privileged", version: "latest" } });
    const p = policyFromLabels({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/enforce-version": "v1.30", "pod-security.kubernetes.io/audit": "baseline" });
    expect(p.issues).toEqual([]);
    expect(p.policy).toEqual({ enforce: { level: "restricted", version: 30 }, audit: { level: "baseline", version: "latest" }, warn: { level: "restricted", version: 30 } });
    expect(policyFromLabels({ "pod-security.kubernetes.io/enforce": "restricted", "pod-security.kubernetes.io/warn": "baseline" }).policy.warn).toEqual({ level: "baseline", version: "latest" });
  });

  it("reports bad values and reads them as upstream does", () => {
    const p = policyFromLabels({ "pod-security.kubernetes.io/enforce": "foo", "pod-security.kubernetes.io/warn-version": "1.30", "pod-security.kubernetes.io/audit": "nope" });
    expect(p.issues.map((i) => i.message)).toEqual(['Invalid value: "foo": must be one of privileged, baseline, restricted', 'Invalid value: "nope": must be one of privileged, baseline, restricted', 'Invalid value: "1.30": must be "latest" or "v1.x"']);
    expect(p.policy.enforce.level).toBe("restricted");
    expect(p.policy.audit.level).toBe("privileged");
  });

  it("sums up existing pods by what is wrong with them", () => {
    const pod = (name: string, spec: PodSpec, owner?: string) => ({ metadata: { name, ...(owner ? { ownerReferences: [{ uid: owner, controller: true }] } : {}) }, spec });
    const priv = { containers: [{ name: "c", image: "x", securityContext: { privileged: true } }] };
    const host = { hostNetwork: true, containers: [{ name: "c", image: "x" }] };
    const warnings = existingPodWarnings("dev", BASELINE, 33, [pod("web-2", priv, "rs"), pod("web-1", priv, "rs"), pod("web-3", priv, "rs"), pod("agent", host), pod("fine", { containers: [{ name: "c", image: "x" }] })]);
    expect(warnings).toEqual(['existing pods in namespace "dev" violate the new PodSecurity enforce level "baseline:latest"', "agent: host namespaces", "web-1 (and 2 other pods): privileged"]);
    expect(existingPodWarnings("dev", BASELINE, 33, [pod("fine", { containers: [{ name: "c", image: "x" }] })])).toEqual([]);
  });
});

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];

/** The Warning headers of an answer, unquoted. */
function warnings(res: { headers: string[][] }): string[] {
  return res.headers.filter(([k]) => k.toLowerCase() === "warning").map(([, v]) => JSON.parse(v.replace(/^299 - /, "")) as string);
}

async function labelled(stub: Stub, name: string, labels: Record<string, string>) {
  const r = await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name, labels } });
  expect(r.json.message ?? r.status).toBe(201);
}

const nginx = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, spec: { containers: [{ name: "nginx", image: "nginx", ...extra }] } });

describe("PodSecurity through the API", () => {
  it("enforces, warns and checks namespace labels", async () => {
    const { stub } = await newCluster();
    await labelled(stub, "locked", { "pod-security.kubernetes.io/enforce": "restricted" });
    const refused = await kube(stub, "POST", "/api/v1/namespaces/locked/pods", nginx("x"));
    expect(refused.status).toBe(403);
    expect(refused.json.reason).toBe("Forbidden");
    expect(refused.json.message).toBe(`pods "x" is forbidden: violates PodSecurity "restricted:latest": ${detail(RESTRICTED, { containers: [{ name: "nginx", image: "nginx" }] })}`);
    expect((await kube(stub, "GET", "/api/v1/namespaces/locked/pods/x")).status).toBe(404);
    const admitted = await kube(stub, "POST", "/api/v1/namespaces/locked/pods", { metadata: { name: "ok" }, spec: { containers: [compliant("nginx")] } });
    expect(admitted.status).toBe(201);
    expect(warnings(admitted)).toEqual([]);

    await labelled(stub, "watched", { "pod-security.kubernetes.io/warn": "baseline" });
    const warned = await kube(stub, "POST", "/api/v1/namespaces/watched/pods", nginx("p", { securityContext: { privileged: true } }));
    expect(warned.status).toBe(201);
    expect(warnings(warned)).toEqual(['would violate PodSecurity "baseline:latest": privileged (container "nginx" must not set securityContext.privileged=true)']);

    const bad = await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "bad", labels: { "pod-security.kubernetes.io/enforce": "foo" } } });
    expect(bad.status).toBe(422);
    expect(bad.json.message).toBe('Namespace "bad" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "foo": must be one of privileged, baseline, restricted');
    const badUpdate = await kube(stub, "PATCH", "/api/v1/namespaces/watched", { metadata: { labels: { "pod-security.kubernetes.io/warn-version": "next" } } }, { contentType: "application/merge-patch+json" });
    expect(badUpdate.status).toBe(422);
    expect(badUpdate.json.message).toBe('Namespace "watched" is invalid: metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "next": must be "latest" or "v1.x"');
  });

  it("warns about a workload's template and refuses its pods; status and image-less updates pass", async () => {
    const { stub } = await newCluster();
    await labelled(stub, "locked", { "pod-security.kubernetes.io/enforce": "restricted" });
    const deployment = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web" },
      spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx" }] } } },
    };
    const made = await kube(stub, "POST", "/apis/apps/v1/namespaces/locked/deployments", deployment);
    expect(made.status).toBe(201);
    expect(warnings(made)).toEqual([`would violate PodSecurity "restricted:latest": ${detail(RESTRICTED, { containers: [{ name: "nginx", image: "nginx" }] })}`]);
    const cron = await kube(stub, "POST", "/apis/batch/v1/namespaces/locked/cronjobs", {
      metadata: { name: "tick" },
      spec: { schedule: "* * * * *", jobTemplate: { spec: { template: { spec: { restartPolicy: "Never", hostPID: true, containers: [compliant("c")] } } } } },
    });
    expect(cron.status).toBe(201);
    expect(warnings(cron)).toEqual(['would violate PodSecurity "restricted:latest": host namespaces (hostPID=true)']);
    await settle(stub);
    // the ReplicaSet exists, its pods were refused
    expect((await kube(stub, "GET", "/apis/apps/v1/namespaces/locked/replicasets")).json.items).toHaveLength(1);
    expect((await kube(stub, "GET", "/api/v1/namespaces/locked/pods")).json.items).toHaveLength(0);

    // a pod admitted before the namespace was labelled: label and status updates pass, an image change is checked
    await kube(stub, "POST", "/api/v1/namespaces", { metadata: { name: "later" } });
    expect((await kube(stub, "POST", "/api/v1/namespaces/later/pods", nginx("old"))).status).toBe(201);
    const label = await kube(stub, "PATCH", "/api/v1/namespaces/later", { metadata: { labels: { "pod-security.kubernetes.io/enforce": "baseline" } } }, { contentType: "application/merge-patch+json" });
    expect(label.status).toBe(200);
    expect(warnings(label)).toEqual([]);
    const tighter = await kube(stub, "PATCH", "/api/v1/namespaces/later", { metadata: { labels: { "pod-security.kubernetes.io/enforce": "restricted" } } }, { contentType: "application/merge-patch+json" });
    expect(tighter.status).toBe(200);
    expect(warnings(tighter)).toEqual(['existing pods in namespace "later" violate the new PodSecurity enforce level "restricted:latest"', "old: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile"]);
    expect((await kube(stub, "PATCH", "/api/v1/namespaces/later/pods/old", { metadata: { labels: { a: "b" } } }, { contentType: "application/merge-patch+json" })).status).toBe(200);
    const image = await kube(stub, "PATCH", "/api/v1/namespaces/later/pods/old", { spec: { containers: [{ name: "nginx", image: "nginx:1.27" }] } }, { contentType: "application/strategic-merge-patch+json" });
    expect(image.status).toBe(403);
    expect(image.json.message).toContain('pods "old" is forbidden: violates PodSecurity "restricted:latest"');
    // a debug container is a change to what the pod runs: checked too (kubectl debug)
    const debug = await kube(stub, "PATCH", "/api/v1/namespaces/later/pods/old/ephemeralcontainers", { spec: { ephemeralContainers: [{ name: "debugger", image: "busybox", targetContainerName: "nginx" }] } }, { contentType: "application/strategic-merge-patch+json" });
    expect(debug.status).toBe(403);
    expect(debug.json.message).toContain('allowPrivilegeEscalation != false (containers "nginx", "debugger" must set securityContext.allowPrivilegeEscalation=false)');
  });
});
