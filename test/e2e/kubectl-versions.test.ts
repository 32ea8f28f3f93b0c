// Every supported kubectl, not only the newest: kubectl 1.27 and 1.28 (explicit binaries) and the
// default one run the everyday commands (apply of files, lists and kustomizations, patch,
// replace, diff, edit, explain, auth whoami, the tutorial path). 1.27 and 1.28 validate and
// explain with /openapi/v2, which they read as protobuf, and 1.27's whoami speaks
// authentication.k8s.io/v1beta1. A cluster of kindest/node:v1.27 images reports 1.27, and the
// kubectl on PATH picks its client by that. /openapi/v2 itself is checked through HTTPS too.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { getJson, kubectl, kubectlAt, newCluster, service, simulate, type TestCluster } from "./helpers";

const VERSIONS = [
  { name: "1.27", bin: kubectlAt(27), ns: "v127" },
  { name: "1.28", bin: kubectlAt(28), ns: "v128" },
  { name: "default", bin: "kubectl", ns: "vdefault" },
];

let c: TestCluster;
let dir: string;

beforeAll(async () => {
  c = await newCluster("versions");
  await simulate(c, { profile: "instant" });
  dir = mkdtempSync(path.join(tmpdir(), "kubedo-versions-"));
  // kubectl edit runs $EDITOR on a temporary file: this one moves the image to nginx:1.27.
  const editor = path.join(dir, "editor.sh");
  writeFileSync(editor, "#!/bin/sh\nsed -i 's/image: nginx:1.26/image: nginx:1.27/' \"$1\"\n");
  chmodSync(editor, 0o755);
  process.env.EDITOR = editor;
});

function deployment(name: string, replicas: number, image = "nginx:1.25") {
  return stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "nginx", image }] } },
    },
  });
}

const multiDoc = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  mode: fast
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
`;

const list = (bogus = "") => `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: first}
  data: {n: "1"}${bogus}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: second}
  data: {n: "2"}
`;

/** A kustomization: a prefix, a label, and a strategic patch adding an env var to a container. */
function kustomization(): string {
  const k = path.join(dir, "kustomize");
  mkdirSync(k, { recursive: true });
  writeFileSync(path.join(k, "kustomization.yaml"), "namePrefix: dev-\nlabels:\n- pairs: {env: dev}\nresources: [deploy.yaml]\npatches:\n- path: patch.yaml\n");
  writeFileSync(path.join(k, "deploy.yaml"), deployment("app", 1));
  writeFileSync(path.join(k, "patch.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app}\nspec:\n  template:\n    spec:\n      containers:\n      - name: nginx\n        env: [{name: MODE, value: dev}]\n");
  return k;
}

describe.each(VERSIONS)("kubectl $name", ({ bin, ns }) => {
  const run = (args: string[], input?: string) => kubectl(c, [...args, "-n", ns], { bin, input });
  async function must(args: string[], input?: string): Promise<string> {
    const r = await run(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}):\n${r.stderr}${r.stdout}`);
    return r.stdout;
  }
  const json = async (args: string[]) => JSON.parse(await must(["get", ...args, "-o", "json"]));

  beforeAll(async () => {
    await kubectl(c, ["create", "namespace", ns]);
  });

  it("applies a Deployment, a multi-document file and a kind: List, validating them", async () => {
    expect(await must(["apply", "-f", "-"], deployment("web", 2))).toBe("deployment.apps/web created\n");
    expect(await must(["apply", "-f", "-"], multiDoc)).toBe("configmap/settings created\nservice/web created\n");
    expect(await must(["apply", "-f", "-"], list())).toBe("configmap/first created\nconfigmap/second created\n");
    // An unknown field inside a List's item is caught by client-side validation (the v2 document).
    const bad = await run(["apply", "-f", "-"], list("\n  bogus: 1").replace(/first/g, "third"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('unknown field "bogus" in io.k8s.api.core.v1.ConfigMap');
    expect((await run(["get", "configmap", "third"])).code).toBe(1);
  });

  it("applies a changed file: configured, the change made", async () => {
    expect(await must(["apply", "-f", "-"], deployment("web", 3))).toBe("deployment.apps/web configured\n");
    expect(await must(["apply", "-f", "-"], list())).toBe("configmap/first unchanged\nconfigmap/second unchanged\n");
    expect((await json(["deployment", "web"])).spec.replicas).toBe(3);
  });

  it("patches with strategic, merge and json patches", async () => {
    const strategic = '{"spec":{"template":{"spec":{"containers":[{"name":"nginx","env":[{"name":"A","value":"1"}]}]}}}}';
    expect(await must(["patch", "deployment", "web", "-p", strategic])).toBe("deployment.apps/web patched\n");
    expect(await must(["patch", "deployment", "web", "--type=merge", "-p", '{"metadata":{"labels":{"tier":"front"}}}'])).toBe("deployment.apps/web patched\n");
    expect(await must(["patch", "deployment", "web", "--type=json", "-p", '[{"op":"replace","path":"/spec/replicas","value":2}]'])).toBe("deployment.apps/web patched\n");
    const d = await json(["deployment", "web"]);
    expect(d.spec.replicas).toBe(2);
    expect(d.metadata.labels).toEqual({ tier: "front" });
    expect(d.spec.template.spec.containers).toMatchObject([{ name: "nginx", image: "nginx:1.25", env: [{ name: "A", value: "1" }] }]);
  });

  it("diffs a changed file: exit code 1 and the change", async () => {
    const r = await run(["diff", "-f", "-"], deployment("web", 5));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^-\s+replicas: 2$/m);
    expect(r.stdout).toMatch(/^\+\s+replicas: 5$/m);
    expect((await json(["deployment", "web"])).spec.replicas).toBe(2);
  });

  it("replaces and edits", async () => {
    const d = await json(["deployment", "web"]);
    d.spec.template.spec.containers[0].image = "nginx:1.26";
    expect(await must(["replace", "-f", "-"], JSON.stringify(d))).toBe("deployment.apps/web replaced\n");
    expect(await must(["edit", "deployment", "web"])).toBe("deployment.apps/web edited\n");
    expect((await json(["deployment", "web"])).spec.template.spec.containers[0].image).toBe("nginx:1.27");
  });

  it("explains a field", async () => {
    const out = await must(["explain", "deployment.spec.replicas"]);
    expect(out).toMatch(/FIELD:\s+replicas <integer>/);
    expect(out).toContain("Desired number of pods");
  });

  it("applies a kustomization", async () => {
    expect(await must(["apply", "-k", kustomization()])).toBe("deployment.apps/dev-app created\n");
    const d = await json(["deployment", "dev-app"]);
    expect(d.metadata.labels).toEqual({ env: "dev" });
    expect(d.spec.template.spec.containers).toMatchObject([{ name: "nginx", image: "nginx:1.25", env: [{ name: "MODE", value: "dev" }] }]);
  });

  it("says who the caller is", async () => {
    expect(await must(["auth", "whoami"])).toMatch(/^Username\s+kubedo:/m);
  });

  it("follows the tutorial: create, expose, scale, roll out, history, undo, get, describe", async () => {
    expect(await must(["create", "deployment", "nginx", "--image=nginx:1.25"])).toBe("deployment.apps/nginx created\n");
    expect(await must(["expose", "deployment", "nginx", "--port=80", "--type=NodePort"])).toBe("service/nginx exposed\n");
    expect(await must(["scale", "deployment", "nginx", "--replicas=3"])).toBe("deployment.apps/nginx scaled\n");
    expect(await must(["rollout", "status", "deployment/nginx", "--timeout=30s"])).toContain('deployment "nginx" successfully rolled out');
    expect(await must(["set", "image", "deployment/nginx", "nginx=nginx:1.26"])).toBe("deployment.apps/nginx image updated\n");
    expect(await must(["rollout", "status", "deployment/nginx", "--timeout=30s"])).toContain('deployment "nginx" successfully rolled out');
    expect(await must(["rollout", "history", "deployment/nginx"])).toMatch(/REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>/);
    expect(await must(["rollout", "undo", "deployment/nginx"])).toBe("deployment.apps/nginx rolled back\n");
    expect(await must(["rollout", "status", "deployment/nginx", "--timeout=30s"])).toContain('deployment "nginx" successfully rolled out');
    expect((await json(["deployment", "nginx"])).spec.template.spec.containers[0].image).toBe("nginx:1.25");
    expect(await must(["get", "deployment", "nginx", "--no-headers"])).toMatch(/^nginx\s+3\/3\s+3\s+3\s/);
    expect(await must(["get", "service", "nginx", "--no-headers"])).toMatch(/^nginx\s+NodePort\s+\S+\s+<none>\s+80:3\d{4}\/TCP\s/);
    const described = await must(["describe", "deployment", "nginx"]);
    expect(described).toMatch(/^Replicas:\s+3 desired \| 3 updated \| 3 total \| 3 available \| 0 unavailable$/m);
    expect(described).toMatch(/^\s+Image:\s+nginx:1.25$/m);
  });
});

describe("every other kubectl from 1.29 to 1.33", () => {
  it.each(["1.29", "1.30", "1.31", "1.32", "1.33"])("kubectl %s applies a List, patches, explains and says who the caller is", async (v) => {
    const bin = kubectlAt(Number(v.split(".")[1]));
    const ns = `v${v.replace(".", "")}`;
    await kubectl(c, ["create", "namespace", ns]);
    const run = async (args: string[], input?: string) => {
      const r = await kubectl(c, [...args, "-n", ns], { bin, input });
      expect(r.stderr, args.join(" ")).toBe("");
      return r.stdout;
    };
    expect(await run(["apply", "-f", "-"], list())).toBe("configmap/first created\nconfigmap/second created\n");
    expect(await run(["patch", "configmap", "first", "--type=merge", "-p", '{"data":{"n":"3"}}'])).toBe("configmap/first patched\n");
    expect(await run(["explain", "deployment.spec.replicas"])).toMatch(/replicas <integer>/);
    expect(await run(["auth", "whoami"])).toMatch(/^Username\s+kubedo:/m);
  });
});

describe("a cluster of kindest/node:v1.27 images", () => {
  let old: TestCluster;
  beforeAll(async () => {
    const node = { image: "kindest/node:v1.27.3" };
    old = await newCluster("v127", { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane", ...node }, { role: "worker", ...node }] });
    await simulate(old, { profile: "instant" });
  });

  it("reports 1.27 and is driven by the default kubectl", async () => {
    const v = JSON.parse((await kubectl(old, ["version", "-o", "json"])).stdout);
    expect(v.serverVersion).toMatchObject({ major: "1", minor: "27", gitVersion: "v1.27.3" });
    // the kubectl on PATH chose its 1.27 client for this server
    expect(v.clientVersion.minor).toBe("27");
    const apply = await kubectl(old, ["apply", "-f", "-"], { input: deployment("web", 2) + "---\n" + list() });
    expect(apply.stdout).toBe("deployment.apps/web created\nconfigmap/first created\nconfigmap/second created\n");
    expect((await kubectl(old, ["patch", "deployment", "web", "-p", '{"spec":{"replicas":1}}'])).stdout).toBe("deployment.apps/web patched\n");
    expect((await kubectl(old, ["rollout", "status", "deployment/web", "--timeout=30s"])).stdout).toContain("successfully rolled out");
    expect((await getJson(old, ["deployment", "web"])).status).toMatchObject({ replicas: 1, readyReplicas: 1 });
    expect((await kubectl(old, ["auth", "whoami"])).stdout).toMatch(/^Username\s+kubedo:/m);
    expect((await kubectl(old, ["explain", "deployment.spec.replicas"])).stdout).toMatch(/replicas <integer>/);
  });
});

/** GET with an Accept header of our choosing (the request helper sends none). */
function get(urlPath: string, token: string, accept?: string): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const agent = new https.Agent({ ca: readFileSync(service.ca) });
  return new Promise((resolve, reject) => {
    const req = https.request(service.url + urlPath, { agent, headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (d: Buffer) => chunks.push(d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("/openapi/v2", () => {
  it("is Swagger 2.0 with the definitions of v3, their kinds, patch metadata and operations", async () => {
    const r = await get(`/k8s/${c.id}/openapi/v2`, c.token, "application/json");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.headers.etag).toMatch(/^"[0-9A-F]+"$/);
    const doc = JSON.parse(r.body.toString());
    expect(doc).toMatchObject({ swagger: "2.0", info: { title: "Kubernetes", version: "v1.32.2" } });
    const v3 = JSON.parse((await get(`/k8s/${c.id}/openapi/v3/apis/apps/v1`, c.token)).body.toString());
    for (const name of Object.keys(v3.components.schemas)) expect(doc.definitions, name).toHaveProperty([name]);
    const deploymentDef = doc.definitions["io.k8s.api.apps.v1.Deployment"];
    expect(deploymentDef["x-kubernetes-group-version-kind"]).toEqual([{ group: "apps", version: "v1", kind: "Deployment" }]);
    // Swagger 2.0 puts a reference's description beside it (v3 needs allOf).
    expect(deploymentDef.properties.spec).toMatchObject({ $ref: "#/definitions/io.k8s.api.apps.v1.DeploymentSpec" });
    expect(doc.definitions["io.k8s.api.core.v1.PodSpec"].properties.containers).toMatchObject({
      type: "array",
      items: { $ref: "#/definitions/io.k8s.api.core.v1.Container" },
      "x-kubernetes-patch-merge-key": "name",
      "x-kubernetes-patch-strategy": "merge",
    });
    expect(doc.definitions["io.k8s.apimachinery.pkg.api.resource.Quantity"].type).toBe("string");
    const item = doc.paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"];
    expect(item.patch).toMatchObject({
      operationId: "patchAppsV1NamespacedDeployment",
      "x-kubernetes-action": "patch",
      "x-kubernetes-group-version-kind": { group: "apps", version: "v1", kind: "Deployment" },
      consumes: expect.arrayContaining(["application/strategic-merge-patch+json"]),
    });
    expect(item.patch.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["body", "fieldValidation", "dryRun", "fieldManager"]));
    expect(doc.paths["/api/v1/namespaces/{namespace}/pods"].post.parameters[0]).toMatchObject({ name: "body", in: "body", required: true, schema: { $ref: "#/definitions/io.k8s.api.core.v1.Pod" } });
  });

  it("answers protobuf when asked for it, with the same ETag", async () => {
    const json = await get(`/k8s/${c.id}/openapi/v2`, c.token);
    for (const accept of ["application/com.github.proto-openapi.spec.v2@v1.0+protobuf", "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"]) {
      const r = await get(`/k8s/${c.id}/openapi/v2`, c.token, accept);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("application/com.github.proto-openapi.spec.v2.v1.0+protobuf");
      expect(r.headers.etag).toBe(json.headers.etag);
      // field 1 (swagger), length 3, "2.0"
      expect([...r.body.subarray(0, 5)]).toEqual([0x0a, 3, 0x32, 0x2e, 0x30]);
    }
    // kubectl reads the protobuf form: its explain from the v2 document shows the field.
    const explained = await kubectl(c, ["explain", "deployment.spec.strategy", "--output=plaintext-openapiv2"], { bin: kubectlAt(27) });
    expect(explained.stdout).toMatch(/RESOURCE: strategy <Object>/);
    expect(explained.stdout).toMatch(/^\s+rollingUpdate\t<Object>$/m);
  });

  it("refuses a media type it does not serve with 406", async () => {
    const r = await get(`/k8s/${c.id}/openapi/v2`, c.token, "application/yaml");
    expect(r.status).toBe(406);
    // The Status itself comes in the YAML asked for.
    expect(parse(r.body.toString())).toMatchObject({ kind: "Status", reason: "NotAcceptable", code: 406 });
  });
});
