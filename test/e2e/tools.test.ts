// What tools expect of an API server beyond the resource API: /openapi/v2 for kubectl's
// client-side validation of a `kind: List` (kubectl 1.27 and 1.33), the health endpoints and
// /metrics through `kubectl get --raw`, ApplySet pruning, `api-resources --verbs`, managed
// fields, and informers: client-node's list-then-watch, resourceVersionMatch on lists, client-go's
// watch-list (sendInitialEvents and the initial-events-end bookmark) and bookmarks on long watches.
import * as k8s from "@kubernetes/client-node";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, kubectl, kubectlAt, newCluster, ok, service, type TestCluster } from "./helpers";

let c: TestCluster;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  c = await newCluster("tools");
  kc = new k8s.KubeConfig();
  kc.loadFromFile(c.kubeconfig);
  core = kc.makeApiClient(k8s.CoreV1Api);
});

const agent = new https.Agent({ ca: readFileSync(service.ca) });
const serverOf = () => /server: (\S+)/.exec(readFileSync(c.kubeconfig, "utf8"))![1];

interface WatchEvent {
  type: string;
  // any: events carry whatever object the resource is
  object: any;
}

/** GETs a path of the cluster and reads the whole answer (a watch ends at its timeoutSeconds). */
function fetchRaw(urlPath: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = https.request(serverOf() + urlPath, { agent, headers: { authorization: `Bearer ${c.token}` } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** A watch's events, in order, read to the end of the stream (keepalive spaces skipped). */
async function watchEvents(urlPath: string): Promise<WatchEvent[]> {
  const r = await fetchRaw(urlPath);
  expect(r.status, r.text).toBe(200);
  return r.text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => JSON.parse(l) as WatchEvent);
}

describe("kubectl apply of a kind: List, validated against /openapi/v2", () => {
  const list = (extra: string) => `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed-one}
  data: {k: "1"}${extra}
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: listed-two}
`;

  for (const minor of [27, 33]) {
    it(`kubectl 1.${minor}: an unknown field is refused client-side, nothing is written; a clean List applies`, async () => {
      const ns = `list-${minor}`;
      await ok(c, ["create", "namespace", ns]);
      const bin = kubectlAt(minor);
      const bad = await kubectl(c, ["apply", "-n", ns, "-f", "-"], { bin, input: list("\n  bogus: 1") });
      expect(bad.code).toBe(1);
      expect(bad.stderr).toContain(
        'error validating data: ValidationError(ConfigMap): unknown field "bogus" in io.k8s.api.core.v1.ConfigMap; if you choose to ignore these errors, turn validation off with --validate=false',
      );
      expect((await ok(c, ["get", "configmaps", "-n", ns, "-o", "name"])).trim()).toBe("configmap/kube-root-ca.crt");

      const good = await kubectl(c, ["apply", "-n", ns, "-f", "-"], { bin, input: list("") });
      expect(good.stderr).toBe("");
      expect(good.stdout).toBe("configmap/listed-one created\nconfigmap/listed-two created\n");
      expect((await getJson(c, ["configmap", "listed-one", "-n", ns])).data).toEqual({ k: "1" });
    });
  }
});

describe("health and metrics through kubectl get --raw", () => {
  it("answers /healthz, /livez and /readyz, with ?verbose and ?exclude=", async () => {
    for (const endpoint of ["healthz", "livez", "readyz"]) {
      expect(await ok(c, ["get", "--raw", `/${endpoint}`])).toBe("ok");
      const verbose = await ok(c, ["get", "--raw", `/${endpoint}?verbose`]);
      const lines = verbose.trimEnd().split("\n");
      expect(lines[0]).toBe("[+]ping ok");
      expect(lines).toContain("[+]etcd ok");
      expect(lines.at(-1)).toBe(`${endpoint} check passed`);
      expect(lines.slice(0, -1).every((l) => /^\[\+\]\S+ ok$/.test(l))).toBe(true);
    }
    const readyz = await ok(c, ["get", "--raw", "/readyz?verbose&exclude=etcd&exclude=informer-sync"]);
    expect(readyz).toContain("[+]etcd excluded: ok\n");
    expect(readyz).toContain("[+]informer-sync excluded: ok\n");
    expect(readyz).toContain("[+]etcd-readiness ok\n");
    expect(await ok(c, ["get", "--raw", "/readyz/etcd"])).toBe("ok");
  });

  it("counts requests and stored objects in /metrics", async () => {
    const count = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? 0);
    const listed = /^apiserver_request_total\{code="200",component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"\} (\d+)$/m;
    const stored = /^apiserver_storage_objects\{resource="configmaps"\} (\d+)$/m;
    const before = await ok(c, ["get", "--raw", "/metrics"]);
    await ok(c, ["create", "configmap", "metered", "-n", "default"]);
    await ok(c, ["get", "configmaps", "-n", "default"]);
    const after = await ok(c, ["get", "--raw", "/metrics"]);
    expect(count(after, listed)).toBe(count(before, listed) + 1);
    expect(count(after, stored)).toBeGreaterThan(count(before, stored));
    // The gauge is the store's count (controllers may add a namespace's root CA meanwhile).
    await eventually(async () => {
      const configmaps = (await ok(c, ["get", "configmaps", "-A", "-o", "name"])).trim().split("\n").length;
      return count(await ok(c, ["get", "--raw", "/metrics"]), stored) === configmaps;
    });
    expect(after).toMatch(/^apiserver_request_duration_seconds_count\{component="apiserver",dry_run="",group="",resource="configmaps",scope="namespace",subresource="",verb="LIST",version="v1"\} [1-9]\d*$/m);
    expect(after).toContain("# TYPE apiserver_storage_objects gauge\n");
  });
});

describe("kubectl apply --prune --applyset", () => {
  it("labels the parent Secret and the members, and prunes an object removed from the directory", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kubedo-applyset-"));
    const ns = "applyset";
    await ok(c, ["create", "namespace", ns]);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: kept}\ndata: {a: '1'}\n");
    writeFileSync(path.join(dir, "gone.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: removed}\ndata: {b: '2'}\n");
    writeFileSync(
      path.join(dir, "svc.yaml"),
      "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  ports: [{port: 80}]\n",
    );
    // ApplySet is still behind KUBECTL_APPLYSET=true in kubectl.
    process.env.KUBECTL_APPLYSET = "true";
    try {
      const first = await kubectl(c, ["apply", "-f", dir, "--prune", "--applyset=myset", "-n", ns]);
      expect(first.stderr).toBe("");
      expect(first.stdout).toBe("configmap/kept created\nconfigmap/removed created\nservice/web created\n");

      const parent = await getJson(c, ["secret", "myset", "-n", ns]);
      const id = parent.metadata.labels["applyset.kubernetes.io/id"];
      expect(id).toMatch(/^applyset-[A-Za-z0-9_-]+-v1$/);
      expect(parent.metadata.annotations["applyset.kubernetes.io/tooling"]).toMatch(/^kubectl\/v1\.\d+/);
      expect(parent.metadata.annotations["applyset.kubernetes.io/contains-group-kinds"]).toBe("ConfigMap,Service");
      const members = await getJson(c, ["configmaps,services", "-n", ns, "-l", `applyset.kubernetes.io/part-of=${id}`]);
      expect(members.items.map((o: { metadata: { name: string } }) => o.metadata.name).sort()).toEqual(["kept", "removed", "web"]);

      rmSync(path.join(dir, "gone.yaml"));
      const second = await kubectl(c, ["apply", "-f", dir, "--prune", "--applyset=myset", "-n", ns]);
      expect(second.stderr).toBe("");
      expect(second.stdout).toBe("configmap/kept unchanged\nservice/web unchanged\nconfigmap/removed pruned\n");
      expect((await kubectl(c, ["get", "configmap", "removed", "-n", ns])).stderr).toContain('configmaps "removed" not found');
      expect((await getJson(c, ["configmap", "kept", "-n", ns])).data).toEqual({ a: "1" });
    } finally {
      delete process.env.KUBECTL_APPLYSET;
    }
  });
});

describe("kubectl api-resources and managed fields", () => {
  it("lists only what can be listed with --verbs=list, with verbs and categories in -o wide", async () => {
    const wide = await ok(c, ["api-resources", "--verbs=list", "-o", "wide"]);
    const rows = wide.trimEnd().split("\n");
    expect(rows[0]).toMatch(/^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND\s+VERBS\s+CATEGORIES$/);
    expect(wide).toMatch(/^pods\s+po\s+v1\s+true\s+Pod\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
    expect(wide).toMatch(/^deployments\s+deploy\s+apps\/v1\s+true\s+Deployment\s+create,delete,deletecollection,get,list,patch,update,watch\s+all$/m);
    // Create-only kinds (reviews) have no list verb.
    expect(wide).not.toMatch(/^selfsubjectaccessreviews\s/m);
    expect(await ok(c, ["api-resources"])).toMatch(/^selfsubjectaccessreviews\s/m);
    const names = (await ok(c, ["api-resources", "--verbs=list", "--namespaced=false", "-o", "name"])).trim().split("\n");
    expect(names).toEqual(expect.arrayContaining(["namespaces", "nodes", "clusterroles.rbac.authorization.k8s.io"]));
    expect(names).not.toContain("pods");
  });

  it("shows managedFields only with --show-managed-fields", async () => {
    await ok(c, ["create", "configmap", "managed", "-n", "default", "--from-literal=a=1"]);
    expect(await ok(c, ["get", "configmap", "managed", "-n", "default", "-o", "yaml"])).not.toContain("managedFields");
    const shown = await getJson(c, ["configmap", "managed", "-n", "default", "--show-managed-fields"]);
    expect(shown.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: "kubectl-create", operation: "Update", apiVersion: "v1", fieldsType: "FieldsV1", fieldsV1: { "f:data": { ".": {}, "f:a": {} } } }),
    ]);
  });
});

describe("informers", () => {
  it("client-node's makeInformer sees adds, updates and deletes of ConfigMaps", async () => {
    const ns = "informed";
    await core.createNamespace({ body: { metadata: { name: ns } } });
    const informer = k8s.makeInformer(kc, `/api/v1/namespaces/${ns}/configmaps`, () => core.listNamespacedConfigMap({ namespace: ns }));
    const seen: string[] = [];
    informer.on("add", (o: k8s.V1ConfigMap) => seen.push(`add ${o.metadata!.name} ${o.data?.v ?? ""}`));
    informer.on("update", (o: k8s.V1ConfigMap) => seen.push(`update ${o.metadata!.name} ${o.data?.v ?? ""}`));
    informer.on("delete", (o: k8s.V1ConfigMap) => seen.push(`delete ${o.metadata!.name}`));
    await informer.start();
    try {
      await eventually(async () => seen.includes("add kube-root-ca.crt "));
      await core.createNamespacedConfigMap({ namespace: ns, body: { metadata: { name: "watched" }, data: { v: "1" } } });
      await eventually(async () => seen.includes("add watched 1"));
      await core.patchNamespacedConfigMap({ name: "watched", namespace: ns, body: { data: { v: "2" } } }, k8s.setHeaderOptions("Content-Type", k8s.PatchStrategy.MergePatch));
      await eventually(async () => seen.includes("update watched 2"));
      await core.deleteNamespacedConfigMap({ name: "watched", namespace: ns });
      await eventually(async () => seen.includes("delete watched"));
      expect(seen.filter((s) => s.includes("watched"))).toEqual(["add watched 1", "update watched 2", "delete watched"]);
      expect(informer.list().map((o) => o.metadata!.name)).toEqual(["kube-root-ca.crt"]);
    } finally {
      await informer.stop();
    }
  });

  it("client-node's makeInformer sees adds, updates and deletes of a custom resource", async () => {
    await ok(c, ["apply", "-f", "-"], `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.informed.kubedo.test}
spec:
  group: informed.kubedo.test
  scope: Namespaced
  names: {plural: crontabs, singular: crontab, kind: CronTab}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec: {type: object, properties: {cron: {type: string}}}
`);
    await ok(c, ["wait", "--for", "condition=established", "--timeout=10s", "crd/crontabs.informed.kubedo.test"]);
    const custom = kc.makeApiClient(k8s.CustomObjectsApi);
    const coords = { group: "informed.kubedo.test", version: "v1", namespace: "default", plural: "crontabs" };
    type CronTab = k8s.KubernetesObject & { spec?: { cron?: string } };
    const informer = k8s.makeInformer<CronTab>(kc, "/apis/informed.kubedo.test/v1/namespaces/default/crontabs", () => custom.listNamespacedCustomObject(coords));
    const seen: string[] = [];
    informer.on("add", (o: CronTab) => seen.push(`add ${o.metadata!.name} ${o.spec?.cron ?? ""}`));
    informer.on("update", (o: CronTab) => seen.push(`update ${o.metadata!.name} ${o.spec?.cron ?? ""}`));
    informer.on("delete", (o: CronTab) => seen.push(`delete ${o.metadata!.name}`));
    // A watch that fails shows in what was seen, so a failure says why.
    informer.on("error", (e: unknown) => seen.push(`error ${String(e)}`));
    await informer.start();
    try {
      await custom.createNamespacedCustomObject({ ...coords, body: { apiVersion: "informed.kubedo.test/v1", kind: "CronTab", metadata: { name: "nightly" }, spec: { cron: "0 2 * * *" } } });
      await eventually(async () => seen.includes("add nightly 0 2 * * *"));
      await ok(c, ["patch", "crontab", "nightly", "--type=merge", "-p", '{"spec":{"cron":"0 3 * * *"}}']);
      await eventually(async () => seen.includes("update nightly 0 3 * * *"));
      await ok(c, ["delete", "crontab", "nightly"]);
      await eventually(async () => seen.includes("delete nightly"));
      expect(seen).toEqual(["add nightly 0 2 * * *", "update nightly 0 3 * * *", "delete nightly"]);
      expect(informer.list()).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it("lists at a resourceVersion with NotOlderThan or Exact, then watches from the list's", async () => {
    const ns = "listwatch";
    await ok(c, ["create", "namespace", ns]);
    await ok(c, ["create", "configmap", "first", "-n", ns]);
    const first = JSON.parse((await fetchRaw(`/api/v1/namespaces/${ns}/configmaps`)).text);
    const rv = first.metadata.resourceVersion as string;
    for (const match of ["NotOlderThan", "Exact"]) {
      const r = await fetchRaw(`/api/v1/namespaces/${ns}/configmaps?resourceVersion=${rv}&resourceVersionMatch=${match}`);
      expect(r.status, r.text).toBe(200);
      const list = JSON.parse(r.text);
      expect(list.items.map((o: { metadata: { name: string } }) => o.metadata.name).sort()).toEqual(["first", "kube-root-ca.crt"]);
      expect(Number(list.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(rv));
    }
    // A continue token and a match cannot go together; a watch takes no Exact.
    const refused = await fetchRaw(`/api/v1/namespaces/${ns}/configmaps?resourceVersionMatch=NotOlderThan`);
    expect(refused.status).toBe(422);
    expect(JSON.parse(refused.text).message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided');

    await ok(c, ["create", "configmap", "second", "-n", ns]);
    const events = await watchEvents(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${rv}&timeoutSeconds=1`);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED second"]);
  });

  it("serves a watch-list: the state as ADDED events, then the initial-events-end bookmark, then changes", async () => {
    const ns = "watchlist";
    await ok(c, ["create", "namespace", ns]);
    await ok(c, ["create", "configmap", "present", "-n", ns]);
    const before = JSON.parse((await fetchRaw(`/api/v1/namespaces/${ns}/configmaps`)).text).metadata.resourceVersion as string;
    const params = "watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true";
    const pending = watchEvents(`/api/v1/namespaces/${ns}/configmaps?${params}&timeoutSeconds=4`);
    // Made while the watch is open (the watch has sent its initial events by the time the server
    // answers this create: both go through the cluster's one object, in order).
    await new Promise((r) => setTimeout(r, 500));
    await ok(c, ["create", "configmap", "later", "-n", ns]);
    const events = await pending;
    const kinds = events.map((e) => `${e.type} ${e.object.metadata.name ?? ""}`);
    expect(kinds.slice(0, 3)).toEqual(["ADDED kube-root-ca.crt", "ADDED present", "BOOKMARK "]);
    const end = events[2].object;
    expect(end).toEqual({ kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: expect.any(String), annotations: { "k8s.io/initial-events-end": "true" } } });
    expect(Number(end.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(before));
    expect(kinds).toContain("ADDED later");

    // From a resourceVersion, a watch-list still starts with the state (not the changes since).
    const fromRv = await watchEvents(`/api/v1/namespaces/${ns}/configmaps?${params}&resourceVersion=${before}&timeoutSeconds=1`);
    expect(fromRv.filter((e) => e.type === "ADDED").map((e) => e.object.metadata.name)).toEqual(["kube-root-ca.crt", "later", "present"]);

    // kube-apiserver's validation of watch options.
    const noMatch = await fetchRaw(`/api/v1/namespaces/${ns}/configmaps?watch=1&sendInitialEvents=true`);
    expect(noMatch.status).toBe(422);
    expect(JSON.parse(noMatch.text).message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan');
    const noInitial = await fetchRaw(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersionMatch=NotOlderThan`);
    expect(JSON.parse(noInitial.text).message).toBe('ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided');
    const exact = await fetchRaw(`/api/v1/namespaces/${ns}/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=Exact`);
    expect(JSON.parse(exact.text).message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, resourceVersionMatch: Unsupported value: "Exact": supported values: "NotOlderThan"]',
    );
    // sendInitialEvents=false from "": only what happens next.
    const quiet = await watchEvents(`/api/v1/namespaces/${ns}/configmaps?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&timeoutSeconds=1`);
    expect(quiet.filter((e) => e.type === "ADDED")).toEqual([]);
  });

  it("sends a bookmark with the latest resourceVersion before a watch's timeout (and every minute on long ones)", async () => {
    const ns = "bookmarks";
    await ok(c, ["create", "namespace", ns]);
    const list = JSON.parse((await fetchRaw(`/api/v1/namespaces/${ns}/configmaps`)).text);
    // A write elsewhere moves the cluster's resourceVersion: the bookmark carries it.
    await ok(c, ["create", "configmap", "elsewhere", "-n", "default"]);
    const latest = JSON.parse((await fetchRaw(`/api/v1/namespaces/default/configmaps/elsewhere`)).text).metadata.resourceVersion;
    const events = await watchEvents(`/api/v1/namespaces/${ns}/configmaps?watch=1&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=3`);
    expect(events).toEqual([{ type: "BOOKMARK", object: { kind: "ConfigMap", apiVersion: "v1", metadata: { resourceVersion: expect.any(String) } } }]);
    expect(Number(events[0].object.metadata.resourceVersion)).toBeGreaterThanOrEqual(Number(latest));
    // Without allowWatchBookmarks there are none.
    const none = await watchEvents(`/api/v1/namespaces/${ns}/configmaps?watch=1&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=3`);
    expect(none).toEqual([]);
  });
});
