// CustomResourceDefinitions with real kubectl: a CRD becomes Established and its kind is served
// (discovery, short names, the `all` category, printer columns, explain), custom resources are
// defaulted, pruned and validated (schema and CEL rules), scaled through /scale, written through
// /status, read at a deprecated version, selected and watched; deleting the CRD deletes them.
// Then name conflicts, a Webhook conversion that cannot be reached, and a Calico-sized manifest.
// Expected wording is kube-apiserver 1.32's (apiextensions-apiserver).
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, getJson, kubectl, kubectlBackground, newCluster, ok, type TestCluster } from "./helpers";

const fixtures = path.resolve(import.meta.dirname, "../fixtures/crds");
const widgets = path.join(fixtures, "widgets.yaml");
const calico = path.join(fixtures, "calico-like.yaml");
const CRD = "widgets.example.kubedo.test";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("crd");
});

/** A Widget manifest; `spec` is written as given. */
const widget = (name: string, spec: Record<string, unknown>, labels: Record<string, string> = {}, apiVersion = "example.kubedo.test/v1") =>
  JSON.stringify({ apiVersion, kind: "Widget", metadata: { name, namespace: "default", labels }, spec });

// any: a CRD's conditions as kubectl prints them
const condition = (crd: any, type: string) => crd.status?.conditions?.find((x: { type: string }) => x.type === type);

describe("a CRD becomes served", () => {
  it("is created, Established and NamesAccepted", async () => {
    expect(await ok(c, ["apply", "-f", widgets])).toBe(`customresourcedefinition.apiextensions.k8s.io/${CRD} created\n`);
    expect(await ok(c, ["wait", "--for", "condition=established", "--timeout=10s", `crd/${CRD}`])).toBe(`customresourcedefinition.apiextensions.k8s.io/${CRD} condition met\n`);
    const crd = await getJson(c, ["crd", CRD]);
    expect(condition(crd, "NamesAccepted")).toMatchObject({ status: "True", reason: "NoConflicts", message: "no conflicts found" });
    expect(condition(crd, "Established")).toMatchObject({ status: "True", reason: "InitialNamesAccepted", message: "the initial names have been accepted" });
    expect(crd.status.acceptedNames).toEqual({ plural: "widgets", singular: "widget", kind: "Widget", listKind: "WidgetList", shortNames: ["wd"], categories: ["all"] });
    expect(crd.status.storedVersions).toEqual(["v1"]);
    // kube-apiserver adds the customresourcecleanup finalizer on the first delete, not at create.
    expect(crd.metadata.finalizers).toBeUndefined();
  });

  it("is listed by api-resources with its short name", async () => {
    const out = await ok(c, ["api-resources", "--api-group=example.kubedo.test"]);
    expect(out).toMatch(/^widgets\s+wd\s+example\.kubedo\.test\/v1\s+true\s+Widget$/m);
    const versions = await ok(c, ["api-versions"]);
    expect(versions).toContain("example.kubedo.test/v1\n");
    expect(versions).toContain("example.kubedo.test/v1beta1\n");
  });
});

describe("custom resources", () => {
  it("refuses an unknown field under --validate=strict, warns under warn, prunes it otherwise, and applies defaults", async () => {
    const alpha = widget("alpha", { replicas: 2, color: "red", mode: "auto", flavour: "mint", extra: { anything: { goes: [1, "two"] } } }, { tier: "front" });
    const strict = await kubectl(c, ["apply", "--validate=strict", "-f", "-"], { input: alpha });
    expect(strict.code).not.toBe(0);
    expect(strict.stderr).toContain('Error from server (BadRequest): error when creating "STDIN": Widget in version "v1" cannot be handled as a Widget: strict decoding error: unknown field "spec.flavour"');
    expect((await kubectl(c, ["get", "widget", "alpha"])).stderr).toMatch(/NotFound/);

    const warned = await kubectl(c, ["create", "--validate=warn", "-f", "-"], { input: widget("warned", { flavour: "mint" }) });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('Warning: unknown field "spec.flavour"');

    expect(await ok(c, ["apply", "--validate=false", "-f", "-"], alpha)).toBe("widget.example.kubedo.test/alpha created\n");
    const got = await getJson(c, ["widget", "alpha"]);
    expect(got.spec).toEqual({ replicas: 2, maxReplicas: 10, size: "medium", color: "red", mode: "auto", extra: { anything: { goes: [1, "two"] } } });
    expect(got.metadata.generation).toBe(1);
    expect(got.apiVersion).toBe("example.kubedo.test/v1");
    expect((await getJson(c, ["widget", "warned"])).spec).toEqual({ replicas: 1, maxReplicas: 10, size: "medium" });
  });

  it("is listed with its printer columns, and the priority-1 column only with -o wide", async () => {
    const out = await ok(c, ["get", "widgets"]);
    expect(out.split("\n")[0]).toMatch(/^NAME\s+REPLICAS\s+PHASE\s+AGE$/);
    expect(out).toMatch(/^alpha\s+2\s+\d+s$/m);
    const wide = await ok(c, ["get", "widgets", "-o", "wide"]);
    expect(wide.split("\n")[0]).toMatch(/^NAME\s+REPLICAS\s+PHASE\s+SIZE\s+AGE$/);
    expect(wide).toMatch(/^alpha\s+2\s+medium\s+\d+s$/m);
  });

  it("answers to its short name, its singular, its qualified name and kubectl get all", async () => {
    expect(await ok(c, ["get", "wd", "alpha", "-o", "name"])).toBe("widget.example.kubedo.test/alpha\n");
    expect(await ok(c, ["get", "widget.example.kubedo.test/alpha", "-o", "name"])).toBe("widget.example.kubedo.test/alpha\n");
    expect(await ok(c, ["get", "all"])).toMatch(/^widget\.example\.kubedo\.test\/alpha\s+2\s+\d+s$/m);
  });

  it("refuses objects that break the schema or a CEL rule, with kube-apiserver's messages", async () => {
    const cel = await kubectl(c, ["apply", "-f", "-"], { input: widget("bad", { replicas: 20, maxReplicas: 5 }) });
    expect(cel.code).not.toBe(0);
    expect(cel.stderr).toContain('The Widget "bad" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas');
    const en = await kubectl(c, ["apply", "-f", "-"], { input: widget("bad", { size: "huge" }) });
    expect(en.stderr).toContain('The Widget "bad" is invalid: spec.size: Unsupported value: "huge": supported values: "small", "medium", "large"');
    const min = await kubectl(c, ["apply", "-f", "-"], { input: widget("bad", { replicas: -1 }) });
    expect(min.stderr).toContain('The Widget "bad" is invalid: spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0');
    expect((await kubectl(c, ["get", "widget", "bad"])).stderr).toMatch(/NotFound/);
  });

  it("checks a transition rule against the old object", async () => {
    const r = await kubectl(c, ["patch", "widget", "alpha", "--type=merge", "-p", '{"spec":{"mode":"manual"}}']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Widget "alpha" is invalid: spec.mode: Invalid value: "string": mode is immutable');
    expect((await getJson(c, ["widget", "alpha"])).spec.mode).toBe("auto");
  });

  it("scales through the scale subresource, counting a generation, within the CEL rule", async () => {
    expect(await ok(c, ["scale", "widget/alpha", "--replicas=3"])).toBe("widget.example.kubedo.test/alpha scaled\n");
    const got = await getJson(c, ["widget", "alpha"]);
    expect(got.spec.replicas).toBe(3);
    expect(got.metadata.generation).toBe(2);
    const scale = JSON.parse(await ok(c, ["get", "--raw", "/apis/example.kubedo.test/v1/namespaces/default/widgets/alpha/scale"]));
    expect(scale).toMatchObject({ apiVersion: "autoscaling/v1", kind: "Scale", metadata: { name: "alpha", namespace: "default" }, spec: { replicas: 3 }, status: { replicas: 0 } });
    const over = await kubectl(c, ["scale", "widget/alpha", "--replicas=50"]);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toContain("replicas must not exceed maxReplicas");
    expect((await getJson(c, ["widget", "alpha"])).spec.replicas).toBe(3);
  });

  it("writes status only through /status, and spec only through the object", async () => {
    const patched = await ok(c, ["patch", "widget", "alpha", "--subresource=status", "--type=merge", "-p", '{"status":{"phase":"Ready","replicas":3,"selector":"app=alpha"},"spec":{"replicas":7}}']);
    expect(patched).toBe("widget.example.kubedo.test/alpha patched\n");
    let got = await getJson(c, ["widget", "alpha"]);
    expect(got.status).toEqual({ phase: "Ready", replicas: 3, selector: "app=alpha" });
    expect(got.spec.replicas).toBe(3);
    expect(got.metadata.generation).toBe(2);

    await ok(c, ["patch", "widget", "alpha", "--type=merge", "-p", '{"status":{"phase":"Broken"}}']);
    got = await getJson(c, ["widget", "alpha"]);
    expect(got.status.phase).toBe("Ready");
    expect(got.metadata.generation).toBe(2);

    await ok(c, ["label", "widget", "alpha", "checked=yes"]);
    expect((await getJson(c, ["widget", "alpha"])).metadata.generation).toBe(2);
    await ok(c, ["patch", "widget", "alpha", "--type=merge", "-p", '{"spec":{"color":"blue"}}']);
    expect((await getJson(c, ["widget", "alpha"])).metadata.generation).toBe(3);

    expect(await ok(c, ["get", "widgets"])).toMatch(/^alpha\s+3\s+Ready\s+\d+s$/m);
    const scale = JSON.parse(await ok(c, ["get", "--raw", "/apis/example.kubedo.test/v1/namespaces/default/widgets/alpha/scale"]));
    expect(scale.status).toEqual({ replicas: 3, selector: "app=alpha" });
  });

  it("is read and written at the deprecated v1beta1 with its warning and apiVersion", async () => {
    const r = await kubectl(c, ["get", "widgets.v1beta1.example.kubedo.test", "alpha", "-o", "json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("Warning: example.kubedo.test/v1beta1 Widget is deprecated; use example.kubedo.test/v1 Widget");
    const old = JSON.parse(r.stdout);
    expect(old.apiVersion).toBe("example.kubedo.test/v1beta1");
    expect(old.spec.replicas).toBe(3);
    const made = await kubectl(c, ["apply", "-f", "-"], { input: widget("beta", { replicas: 1, color: "green" }, {}, "example.kubedo.test/v1beta1") });
    expect(made.code).toBe(0);
    expect(made.stderr).toContain("Warning: example.kubedo.test/v1beta1 Widget is deprecated");
    expect((await getJson(c, ["widget", "beta"])).apiVersion).toBe("example.kubedo.test/v1");
    expect((await getJson(c, ["crd", CRD])).status.storedVersions).toEqual(["v1"]);
  });

  it("is explained from its schema", async () => {
    const out = await ok(c, ["explain", "widget.spec"]);
    expect(out).toMatch(/^GROUP:\s+example\.kubedo\.test$/m);
    expect(out).toMatch(/^KIND:\s+Widget$/m);
    expect(out).toMatch(/^VERSION:\s+v1$/m);
    expect(out).toMatch(/^FIELD:\s+spec <Object>$/m);
    expect(out).toContain("What the widget should be.");
    expect(out).toMatch(/^\s+replicas\s+<integer>$/m);
    expect(out).toMatch(/^\s+size\s+<string>$/m);
    expect(out).toMatch(/^\s+extra\s+<Object>$/m);
    expect(out).toContain("How many copies of the widget to run.");
  });

  it("is selected by labels, by metadata fields and by its selectable field", async () => {
    expect(await ok(c, ["get", "widgets", "-l", "tier=front", "-o", "name"])).toBe("widget.example.kubedo.test/alpha\n");
    expect(await ok(c, ["get", "widgets", "--field-selector", "metadata.name=beta", "-o", "name"])).toBe("widget.example.kubedo.test/beta\n");
    expect(await ok(c, ["get", "widgets", "--field-selector", "spec.color=green", "-o", "name"])).toBe("widget.example.kubedo.test/beta\n");
    expect(await ok(c, ["get", "widgets", "-A", "--field-selector", "metadata.namespace=default,spec.color!=green", "-o", "name"])).toBe(
      "widget.example.kubedo.test/alpha\nwidget.example.kubedo.test/warned\n",
    );
    const bad = await kubectl(c, ["get", "widgets", "--field-selector", "spec.size=small"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("field label not supported: spec.size");
  });

  it("is watched: get -w sees a change", async () => {
    const w = kubectlBackground(c, ["get", "widgets", "-w"]);
    await w.waitFor(/^alpha\s+3\s+Ready\s+/m);
    await ok(c, ["scale", "widget/alpha", "--replicas=4"]);
    await w.waitFor(/^alpha\s+4\s+Ready\s+/m);
    await ok(c, ["delete", "widget", "warned"]);
    await w.waitFor(/^warned\s+1\s+\S+[\s\S]*^warned\s+1\s+/m);
    w.stop();
  });
});

describe("names and conversion", () => {
  it("reports a name already in use in NamesAccepted=False and does not serve the CRD", async () => {
    const sprockets = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: sprockets.example.kubedo.test}
spec:
  group: example.kubedo.test
  scope: Namespaced
  names: {plural: sprockets, singular: sprocket, kind: Sprocket, shortNames: [wd]}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;
    await ok(c, ["apply", "-f", "-"], sprockets);
    await ok(c, ["wait", "--for=condition=NamesAccepted=False", "--timeout=10s", "crd/sprockets.example.kubedo.test"]);
    const crd = await getJson(c, ["crd", "sprockets.example.kubedo.test"]);
    expect(condition(crd, "NamesAccepted")).toMatchObject({ status: "False", reason: "ShortNamesConflict", message: '"wd" is already in use' });
    expect(condition(crd, "Established")).toMatchObject({ status: "False", reason: "NotAccepted", message: "not all names are accepted" });
    expect(crd.status.acceptedNames.shortNames).toBeUndefined();
    // The short name still means widgets.
    expect(await ok(c, ["get", "wd", "alpha", "-o", "name"])).toBe("widget.example.kubedo.test/alpha\n");
    // Gone before widgets are deleted below: the freed short name would pass to sprockets.
    await ok(c, ["delete", "crd", "sprockets.example.kubedo.test"]);
  });

  it("accepts a Webhook conversion and reports the unreachable webhook when a version must be converted", async () => {
    const gadgets = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: gadgets.conv.kubedo.test}
spec:
  group: conv.kubedo.test
  scope: Namespaced
  names: {plural: gadgets, singular: gadget, kind: Gadget}
  conversion:
    strategy: Webhook
    webhook:
      conversionReviewVersions: [v1]
      clientConfig:
        service: {name: gadget-converter, namespace: default, path: /convert}
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v2
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
`;
    await ok(c, ["apply", "-f", "-"], gadgets);
    await ok(c, ["wait", "--for", "condition=established", "--timeout=10s", "crd/gadgets.conv.kubedo.test"]);
    // The storage version needs no conversion.
    await ok(c, ["apply", "-f", "-"], JSON.stringify({ apiVersion: "conv.kubedo.test/v1", kind: "Gadget", metadata: { name: "g1", namespace: "default" }, spec: { a: 1 } }));
    expect((await getJson(c, ["gadgets.v1.conv.kubedo.test", "g1"])).spec).toEqual({ a: 1 });
    const read = await kubectl(c, ["get", "gadgets.v2.conv.kubedo.test", "g1", "-o", "json"]);
    expect(read.code).not.toBe(0);
    expect(read.stderr).toMatch(/conversion webhook for conv\.kubedo\.test\/v1, Kind=Gadget failed: Post "https:\/\/gadget-converter\.default\.svc:443\/convert\?timeout=30s": /);
    const write = await kubectl(c, ["apply", "-f", "-"], { input: JSON.stringify({ apiVersion: "conv.kubedo.test/v2", kind: "Gadget", metadata: { name: "g2", namespace: "default" } }) });
    expect(write.code).not.toBe(0);
    expect(write.stderr).toMatch(/conversion webhook for conv\.kubedo\.test\/v\d, Kind=Gadget failed/);
  });
});

describe("deleting a CRD", () => {
  it("deletes its objects and stops serving its kind", async () => {
    expect(await ok(c, ["get", "widgets", "-o", "name"])).toBe("widget.example.kubedo.test/alpha\nwidget.example.kubedo.test/beta\n");
    expect(await ok(c, ["delete", "crd", CRD])).toBe(`customresourcedefinition.apiextensions.k8s.io "${CRD}" deleted\n`);
    expect((await kubectl(c, ["get", "crd", CRD])).stderr).toMatch(/NotFound/);
    const gone = await kubectl(c, ["get", "widgets"]);
    expect(gone.code).not.toBe(0);
    // Which of kubectl's two answers depends on whether its discovery cache still lists widgets.
    expect(gone.stderr).toMatch(/error: the server doesn't have a resource type "widgets"|Error from server \(NotFound\): Unable to list "example\.kubedo\.test\/v1, Resource=widgets": the server could not find the requested resource/);
    const raw = await kubectl(c, ["get", "--raw", "/apis/example.kubedo.test/v1/namespaces/default/widgets"]);
    expect(raw.stderr).toMatch(/NotFound/);
    // Made again, the kind starts empty: the objects were deleted, not hidden.
    await ok(c, ["apply", "-f", widgets]);
    await ok(c, ["wait", "--for", "condition=established", "--timeout=10s", `crd/${CRD}`]);
    await eventually(async () => (await kubectl(c, ["get", "widgets", "-A"])).code === 0);
    const again = await kubectl(c, ["get", "widgets", "-A"]);
    expect(again.stdout).toBe("");
    expect(again.stderr.trim()).toBe("No resources found");
  });
});

describe("a Calico-sized install in one manifest", () => {
  const crdNames = (text: string) => [...text.matchAll(/^kind: CustomResourceDefinition\nmetadata:\n {2}name: (\S+)$/gm)].map((m) => m[1]);

  it("creates its CRDs and other objects at once; its custom resources wait for a second apply, as on kind", async () => {
    const { readFileSync } = await import("node:fs");
    const names = crdNames(readFileSync(calico, "utf8"));
    expect(names).toHaveLength(20);
    // kubectl maps every document before it sends any: kinds from CRDs in the same file are not
    // known yet, so those objects fail to map (kubectl's own message) while the rest is applied.
    const first = await kubectl(c, ["apply", "-f", calico]);
    expect(first.code).toBe(1);
    for (const n of names) expect(first.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${n} created\n`);
    for (const line of ["namespace/kubedo-net-system created", "serviceaccount/net-operator created", "clusterrole.rbac.authorization.k8s.io/net-operator created", "deployment.apps/net-operator created"])
      expect(first.stdout).toContain(line);
    expect(first.stderr).toContain(`resource mapping not found for name: "default" namespace: "" from "${calico}": no matches for kind "Installation" in version "operator.kubedo.test/v1"\nensure CRDs are installed first`);
    expect(first.stderr.match(/ensure CRDs are installed first/g)).toHaveLength(7);

    // The user runs the same command again at once: every CRD is served by now.
    const second = await kubectl(c, ["apply", "-f", calico]);
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    for (const n of names) expect(second.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${n} unchanged\n`);
    for (const line of [
      "installation.operator.kubedo.test/default created",
      "apiserver.operator.kubedo.test/default created",
      "ippool.ipam.kubedo.test/default-ipv4-ippool created",
      "felixconfiguration.network.kubedo.test/default created",
      "bgpconfiguration.network.kubedo.test/default created",
      "globalnetworkpolicy.network.kubedo.test/allow-dns created",
      "networkpolicy.network.kubedo.test/operator-ingress created",
    ])
      expect(second.stdout).toContain(line + "\n");
    expect((await ok(c, ["wait", "--for", "condition=established", "--timeout=10s", "crd", "-l", "app.kubernetes.io/part-of=kubedo-net"])).match(/condition met/g)).toHaveLength(20);

    // A third time, only what kube-apiserver would also report: a client-side apply patches a
    // whole list whenever the server filled defaults into its items (ipPools' natOutgoing and
    // nodeSelector, failsafe ports' protocol), and an env var with value "" (omitted by the server).
    const third = await ok(c, ["apply", "-f", calico]);
    expect(third.trim().split("\n").filter((l) => !l.endsWith(" unchanged"))).toEqual([
      "deployment.apps/net-operator configured",
      "installation.operator.kubedo.test/default configured",
      "felixconfiguration.network.kubedo.test/default configured",
    ]);
    expect(await ok(c, ["get", "installation", "default", "-o", "jsonpath={.spec.calicoNetwork.ipPools[0].natOutgoing}"])).toBe("Enabled");
  });

  it("serves its custom resources defaulted, with int-or-string and preserved fields kept", async () => {
    const pool = await getJson(c, ["ippool", "default-ipv4-ippool"]);
    expect(pool.spec).toEqual({
      cidr: "10.244.0.0/16",
      vxlanMode: "CrossSubnet",
      natOutgoing: true,
      blockSize: 26,
      ipipMode: "Never",
      disabled: false,
      nodeSelector: "all()",
      allowedUses: ["Workload", "Tunnel"],
      assignmentMode: "Automatic",
    });
    expect(await ok(c, ["get", "ipp"])).toMatch(/^default-ipv4-ippool\s+10\.244\.0\.0\/16\s+26\s+\d+s$/m);
    expect((await ok(c, ["get", "ipp", "-o", "wide"])).split("\n")[0]).toMatch(/^NAME\s+CIDR\s+BLOCK\s+NAT\s+AGE$/);

    const inst = await getJson(c, ["installation", "default"]);
    expect(inst.spec.variant).toBe("Calico");
    expect(inst.spec.controlPlaneReplicas).toBe(2);
    expect(inst.spec.cni).toBeUndefined();
    expect(inst.spec.calicoNetwork.ipPools).toEqual([{ name: "default-ipv4-ippool", cidr: "10.244.0.0/16", blockSize: 26, encapsulation: "VXLANCrossSubnet", natOutgoing: "Enabled", nodeSelector: "all()" }]);
    expect(inst.spec.calicoNetwork.linuxDataplane).toBe("Iptables");
    expect(inst.spec.componentResources[0].resourceRequirements.requests).toEqual({ cpu: "250m", memory: 64 });

    const felix = await getJson(c, ["felixconfiguration", "default"]);
    expect(felix.spec).toMatchObject({ natPortRange: "32768:65535", debugSettings: { profile: { cpu: true } }, logSeverityScreen: "Info", vxlanPort: 4789 });
    expect(felix.spec.failsafeInboundHostPorts).toEqual([{ port: 22, protocol: "TCP" }, { port: 6443, protocol: "TCP" }]);

    const gnp = await getJson(c, ["gnp", "allow-dns"]);
    expect(gnp.spec).toMatchObject({ tier: "default", order: 100, applyOnForward: false, egress: [{ action: "Allow", protocol: "UDP", destination: { ports: [53, "dns"] } }] });
    expect(await ok(c, ["get", "knp", "-n", "kubedo-net-system", "-o", "name"])).toBe("networkpolicy.network.kubedo.test/operator-ingress\n");
    // The built-in NetworkPolicy keeps its plain name.
    expect((await kubectl(c, ["get", "networkpolicies", "-n", "kubedo-net-system"])).stderr.trim()).toBe("No resources found in kubedo-net-system namespace.");
  });

  it("refuses a custom resource that breaks a list-map key or an int-or-string field", async () => {
    const dup = await kubectl(c, ["apply", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "network.kubedo.test/v1", kind: "BGPConfiguration", metadata: { name: "dup" }, spec: { communities: [{ name: "a", value: "1:2" }, { name: "a", value: "3:4" }] } }),
    });
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toContain('The BGPConfiguration "dup" is invalid: spec.communities[1]: Duplicate value: map[string]interface {}{"name":"a"}');
    const pat = await kubectl(c, ["apply", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "network.kubedo.test/v1", kind: "BGPConfiguration", metadata: { name: "pat" }, spec: { communities: [{ name: "a", value: "nope" }] } }),
    });
    expect(pat.stderr).toContain('The BGPConfiguration "pat" is invalid: spec.communities[0].value: Invalid value: "nope": spec.communities[0].value in body should match \'^(\\d+):(\\d+)$|^(\\d+):(\\d+):(\\d+)$\'');
    const ios = await kubectl(c, ["apply", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "network.kubedo.test/v1", kind: "FelixConfiguration", metadata: { name: "ios" }, spec: { natPortRange: true } }),
    });
    expect(ios.code).not.toBe(0);
    expect(ios.stderr).toMatch(/spec\.natPortRange: Invalid value: "boolean": spec\.natPortRange in body must be of type integer,string: "boolean"/);
  });
});
