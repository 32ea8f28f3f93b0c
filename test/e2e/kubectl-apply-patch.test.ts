// kubectl apply (client-side, three-way strategic merge), patch of every type, label,
// annotate, and replace with a stale resourceVersion.
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, newCluster, ok, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("apply");
});

const bundle = (ports: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: store
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: store
  labels: {tier: backend}
data:
  a: "1"
  b: "2"
---
apiVersion: v1
kind: Service
metadata:
  name: api
  namespace: store
spec:
  type: NodePort
  selector: {app: api}
  ports:
${ports}`;

const twoPorts = `  - name: http
    port: 80
    targetPort: 8080
  - name: metrics
    port: 9090
`;
const onePort = `  - name: http
    port: 80
    targetPort: 8080
`;

describe("kubectl apply", () => {
  it("creates every document of a multi-document file", async () => {
    const out = await ok(c, ["apply", "-f", "-"], bundle(twoPorts));
    expect(out).toBe("namespace/store created\nconfigmap/settings created\nservice/api created\n");
    const annotation = JSON.parse(await ok(c, ["get", "cm", "settings", "-n", "store", "-o", "json"])).metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"];
    expect(JSON.parse(annotation)).toMatchObject({ kind: "ConfigMap", data: { a: "1", b: "2" } });
  });

  it("applying the same file again changes nothing", async () => {
    const rvBefore = await ok(c, ["get", "svc", "api", "-n", "store", "-o", "jsonpath={.metadata.resourceVersion}"]);
    const out = await ok(c, ["apply", "-f", "-"], bundle(twoPorts));
    expect(out).toBe("namespace/store unchanged\nconfigmap/settings unchanged\nservice/api unchanged\n");
    expect(await ok(c, ["get", "svc", "api", "-n", "store", "-o", "jsonpath={.metadata.resourceVersion}"])).toBe(rvBefore);
  });

  it("applies a changed file: a list item removed, node ports kept", async () => {
    const before = JSON.parse(await ok(c, ["get", "svc", "api", "-n", "store", "-o", "json"]));
    const httpNodePort = before.spec.ports.find((p: { name: string }) => p.name === "http").nodePort;
    const out = await ok(c, ["apply", "-f", "-"], bundle(onePort).replace('  b: "2"\n', ""));
    expect(out).toBe("namespace/store unchanged\nconfigmap/settings configured\nservice/api configured\n");
    const after = JSON.parse(await ok(c, ["get", "svc", "api", "-n", "store", "-o", "json"]));
    expect(after.spec.ports).toEqual([{ name: "http", port: 80, protocol: "TCP", targetPort: 8080, nodePort: httpNodePort }]);
    expect(JSON.parse(await ok(c, ["get", "cm", "settings", "-n", "store", "-o", "json"])).data).toEqual({ a: "1" });
  });
});

describe("kubectl patch, label, annotate", () => {
  it("patches with json, merge and strategic patches", async () => {
    await ok(c, ["run", "p", "--image=nginx:1.25", "-n", "store"]);
    expect(await ok(c, ["patch", "pod", "p", "-n", "store", "--type=json", "-p", '[{"op":"replace","path":"/spec/containers/0/image","value":"nginx:1.26"}]'])).toBe("pod/p patched\n");
    expect(await ok(c, ["patch", "pod", "p", "-n", "store", "--type=merge", "-p", '{"metadata":{"labels":{"merged":"yes"}}}'])).toBe("pod/p patched\n");
    expect(await ok(c, ["patch", "pod", "p", "-n", "store", "--type=strategic", "-p", '{"spec":{"containers":[{"name":"p","image":"nginx:1.27"}]}}'])).toBe("pod/p patched\n");
    const pod = JSON.parse(await ok(c, ["get", "pod", "p", "-n", "store", "-o", "json"]));
    expect(pod.spec.containers).toHaveLength(1);
    expect(pod.spec.containers[0].image).toBe("nginx:1.27");
    expect(pod.metadata.labels).toEqual({ run: "p", merged: "yes" });
  });

  it("says no change when a patch changes nothing", async () => {
    expect(await ok(c, ["patch", "pod", "p", "-n", "store", "-p", '{"spec":{"containers":[{"name":"p","image":"nginx:1.27"}]}}'])).toBe("pod/p patched (no change)\n");
  });

  it("merges list items by key in a strategic patch, and removes with $patch: delete", async () => {
    await ok(c, ["patch", "svc", "api", "-n", "store", "-p", '{"spec":{"ports":[{"name":"admin","port":8443}]}}']);
    let ports = JSON.parse(await ok(c, ["get", "svc", "api", "-n", "store", "-o", "json"])).spec.ports.map((p: { name: string }) => p.name);
    expect(ports).toEqual(["http", "admin"]);
    await ok(c, ["patch", "svc", "api", "-n", "store", "-p", '{"spec":{"ports":[{"port":8443,"$patch":"delete"}]}}']);
    ports = JSON.parse(await ok(c, ["get", "svc", "api", "-n", "store", "-o", "json"])).spec.ports.map((p: { name: string }) => p.name);
    expect(ports).toEqual(["http"]);
  });

  it("refuses to change a pod's fixed fields", async () => {
    const r = await kubectl(c, ["patch", "pod", "p", "-n", "store", "-p", '{"spec":{"restartPolicy":"Never"}}']);
    expect(r.stderr).toMatch(/The Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than/);
  });

  it("labels and annotates", async () => {
    expect(await ok(c, ["label", "pod", "p", "-n", "store", "color=red"])).toBe("pod/p labeled\n");
    expect((await kubectl(c, ["label", "pod", "p", "-n", "store", "color=blue"])).stderr).toMatch(/already has a value \(red\), and --overwrite is false/);
    await ok(c, ["label", "pod", "p", "-n", "store", "color=blue", "--overwrite"]);
    expect(await ok(c, ["annotate", "pod", "p", "-n", "store", "note=hello"])).toBe("pod/p annotated\n");
    expect(await ok(c, ["get", "pod", "p", "-n", "store", "-o", "jsonpath={.metadata.labels.color} {.metadata.annotations.note}"])).toBe("blue hello");
    await ok(c, ["label", "pod", "p", "-n", "store", "color-"]);
    expect(await ok(c, ["get", "pod", "p", "-n", "store", "-o", "jsonpath={.metadata.labels}"])).not.toContain("color");
  });
});

describe("kubectl replace", () => {
  it("answers a stale resourceVersion with Conflict", async () => {
    const stale = await ok(c, ["get", "cm", "settings", "-n", "store", "-o", "yaml"]);
    await ok(c, ["label", "cm", "settings", "-n", "store", "bump=1"]);
    const r = await kubectl(c, ["replace", "-f", "-"], { input: stale });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      'Error from server (Conflict): error when replacing "STDIN": Operation cannot be fulfilled on configmaps "settings": the object has been modified; please apply your changes to the latest version and try again',
    );
    const current = await ok(c, ["get", "cm", "settings", "-n", "store", "-o", "yaml"]);
    expect(await ok(c, ["replace", "-f", "-"], current.replace('a: "1"', 'a: "2"'))).toBe("configmap/settings replaced\n");
  });
});

describe("apply after replace", () => {
  it("applies a Deployment again after kubectl replace rewrote its last-applied configuration", async () => {
    const deploy = (replicas: number, image: string) => `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: store}
spec:
  replicas: ${replicas}
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: ${image}}]}
`;
    await ok(c, ["apply", "-f", "-"], deploy(1, "nginx:1.27"));
    // replace -f with the live object (resourceVersion included) refreshes the last-applied
    // annotation with it; the next apply's patch then drops resourceVersion, which kube-apiserver allows.
    const live = await ok(c, ["get", "deploy", "web", "-n", "store", "-o", "yaml"]);
    expect(await ok(c, ["replace", "--save-config", "-f", "-"], live.replace("replicas: 1", "replicas: 2"))).toBe("deployment.apps/web replaced\n");
    expect(await ok(c, ["apply", "-f", "-"], deploy(3, "nginx:1.27"))).toBe("deployment.apps/web configured\n");
    expect(await ok(c, ["get", "deploy", "web", "-n", "store", "-o", "jsonpath={.spec.replicas}"])).toBe("3");
  });
});
