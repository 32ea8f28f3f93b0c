// Endpoints and EndpointSlices through real kubectl: the kinds (discovery, explain, validation,
// kubectl's columns) and the controllers following a Deployment's Service.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { advance, eventually, getJson, kubectl, kubectlAt, newCluster, ok, simulate, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("endpoints");
  await simulate(c, { profile: "instant" });
});


function deployment(name: string, replicas: number, probePath?: string) {
  return stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ name: "http", containerPort: 80 }], ...(probePath ? { readinessProbe: { httpGet: { path: probePath, port: "http" }, periodSeconds: 2 } } : {}) }] },
      },
    },
  });
}

/** The pod IPs of an app, ready ones and all. */
async function podIPs(app: string): Promise<{ ready: string[]; all: string[] }> {
  const pods = (await getJson(c, ["pods", "-l", `app=${app}`])).items.filter((p: any) => p.status.podIP && !p.metadata.deletionTimestamp);
  const ready = pods.filter((p: any) => p.status.conditions?.some((x: any) => x.type === "Ready" && x.status === "True"));
  return { ready: ready.map((p: any) => p.status.podIP).sort(), all: pods.map((p: any) => p.status.podIP).sort() };
}

/** The ENDPOINTS cell of `kubectl get ep` and the addresses of every slice, from one `get endpoints,endpointslices`. */
async function shown(app: string): Promise<{ ep: string; slices: string[] }> {
  const out = await ok(c, ["get", "endpoints,endpointslices", "-l", `app=${app}`, "--no-headers", "-o", "custom-columns=KIND:.kind,NAME:.metadata.name"]);
  expect(out).toContain("Endpoints");
  const ep = (await ok(c, ["get", "ep", app, "--no-headers"])).trim();
  const slices = (await getJson(c, ["endpointslices", "-l", `kubernetes.io/service-name=${app}`])).items.flatMap((s: any) => (s.endpoints ?? []).map((e: any) => e.addresses[0]));
  return { ep, slices: slices.sort() };
}

describe("the Endpoints and EndpointSlice kinds", () => {
  it("are discovered with kubectl's short name and explained from the OpenAPI", async () => {
    const res = await ok(c, ["api-resources"]);
    expect(res).toMatch(/^endpoints\s+ep\s+v1\s+true\s+Endpoints$/m);
    expect(res).toMatch(/^endpointslices\s+discovery.k8s.io\/v1\s+true\s+EndpointSlice$/m);
    const ex = await ok(c, ["explain", "endpointslice.endpoints"]);
    expect(ex).toMatch(/^KIND:\s+EndpointSlice$/m);
    expect(ex).toMatch(/^\s+addresses\s+<\[\]string> -required-$/m);
    expect(ex).toMatch(/^\s+conditions\s+<EndpointConditions>$/m);
    const slice = await ok(c, ["explain", "endpointslice"]);
    expect(slice).toMatch(/^\s+addressType\s+<string> -required-$/m);
    expect(slice).toMatch(/^\s+endpoints\s+<\[\]Endpoint> -required-$/m);
    const ep = await ok(c, ["explain", "ep.subsets.addresses"]);
    expect(ep).toMatch(/^\s+ip\s+<string> -required-$/m);
  });

  it("refuse bad addresses, too many endpoints and a changed addressType, naming the bound", async () => {
    const bad = await kubectl(c, ["create", "-f", "-"], {
      input: JSON.stringify({ apiVersion: "v1", kind: "Endpoints", metadata: { name: "bad" }, subsets: [{ addresses: [{ ip: "127.0.0.1" }], ports: [{ port: 80 }, { port: 81 }] }] }),
    });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)");
    expect(bad.stderr).toContain("subsets[0].ports[0].name: Required value");
    const many = { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "many" }, addressType: "IPv4", endpoints: Array.from({ length: 1001 }, (_, i) => ({ addresses: [`10.1.${i >> 8}.${i & 255}`] })) };
    const tooMany = await kubectl(c, ["create", "-f", "-"], { input: JSON.stringify(many) });
    expect(tooMany.stderr).toContain("endpoints: Too many: 1001: must have at most 1000 items");
    many.endpoints = many.endpoints.slice(0, 1000);
    await ok(c, ["create", "-f", "-"], JSON.stringify(many));
    const changed = await kubectl(c, ["patch", "endpointslice", "many", "--type=merge", "-p", '{"addressType":"IPv6"}']);
    expect(changed.stderr).toContain("addressType: Invalid value: \"IPv6\": field is immutable");
    const type = await kubectl(c, ["create", "-f", "-"], { input: JSON.stringify({ ...many, metadata: { name: "ip" }, addressType: "IP", endpoints: [] }) });
    expect(type.stderr).toContain('addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"');
    await ok(c, ["delete", "endpointslice", "many"]);
  });

  it("print kubectl's columns", async () => {
    await ok(
      c,
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "List",
        items: [
          { apiVersion: "v1", kind: "Endpoints", metadata: { name: "hand" }, subsets: [{ addresses: [1, 2, 3, 4].map((i) => ({ ip: `10.0.0.${i}` })), notReadyAddresses: [{ ip: "10.0.0.9" }], ports: [{ port: 8080 }] }] },
          { apiVersion: "v1", kind: "Endpoints", metadata: { name: "empty" } },
          { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "hand-1" }, addressType: "IPv4", ports: [{ name: "http", port: 80 }], endpoints: [{ addresses: ["10.0.0.1"] }, { addresses: ["10.0.0.2"], conditions: { ready: false } }] },
          { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "hand-2" }, addressType: "IPv4", endpoints: [] },
        ],
      }),
    );
    const ep = await ok(c, ["get", "ep", "hand", "empty"]);
    expect(ep).toMatch(/^NAME\s+ENDPOINTS\s+AGE$/m);
    expect(ep).toMatch(/^hand\s+10\.0\.0\.1:8080,10\.0\.0\.2:8080,10\.0\.0\.3:8080 \+ 1 more\.\.\.\s+\d+s$/m);
    expect(ep).toMatch(/^empty\s+<none>\s+\d+s$/m);
    const slices = await ok(c, ["get", "endpointslices", "hand-1", "hand-2"]);
    expect(slices).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
    expect(slices).toMatch(/^hand-1\s+IPv4\s+80\s+10\.0\.0\.1,10\.0\.0\.2\s+\d+s$/m);
    expect(slices).toMatch(/^hand-2\s+IPv4\s+<unset>\s+<unset>\s+\d+s$/m);
    const port = await ok(c, ["get", "endpointslice", "hand-1", "-o", "jsonpath={.ports[0].protocol}"]);
    expect(port).toBe("TCP");
    await ok(c, ["delete", "ep", "hand", "empty"]);
    await ok(c, ["delete", "endpointslice", "hand-1", "hand-2"]);
  });
});

describe("a Deployment's Service", () => {
  it("has Endpoints and EndpointSlices that follow scaling up and down", async () => {
    await ok(c, ["apply", "-f", "-"], deployment("web", 2));
    await ok(c, ["expose", "deployment", "web", "--port=8080", "--target-port=http", "--labels=app=web"]);
    await eventually(async () => (await podIPs("web")).ready.length === 2);
    let ips = await podIPs("web");
    await eventually(async () => (await shown("web")).slices.length === 2);
    let seen = await shown("web");
    expect(seen.ep).toMatch(new RegExp(`^web\\s+${ips.ready.map((ip) => `${ip.replace(/\./g, "\\.")}:80`).join(",")}\\s+\\d+s$`));
    expect(seen.slices).toEqual(ips.ready);
    const table = await ok(c, ["get", "endpoints,endpointslices"]);
    expect(table).toMatch(/^NAME\s+ENDPOINTS\s+AGE$/m);
    expect(table).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
    // A slice keeps its endpoints in the order they joined it: compare the cell as a set.
    const cell = new RegExp(`^endpointslice.discovery.k8s.io/web-[a-z0-9]{5}\\s+IPv4\\s+80\\s+(\\S+)\\s+\\d+s$`, "m").exec(table);
    expect(cell?.[1].split(",").sort()).toEqual(ips.ready);

    await ok(c, ["scale", "deployment/web", "--replicas=5"]);
    await eventually(async () => (await podIPs("web")).ready.length === 5);
    ips = await podIPs("web");
    await eventually(async () => (await shown("web")).slices.length === 5);
    seen = await shown("web");
    expect(seen.ep).toMatch(/^web\s+(\d+\.\d+\.\d+\.\d+:80,){2}\d+\.\d+\.\d+\.\d+:80 \+ 2 more\.\.\.\s+\d+s$/);
    expect(seen.slices).toEqual(ips.ready);

    await ok(c, ["scale", "deployment/web", "--replicas=1"]);
    await eventually(async () => (await shown("web")).slices.length === 1);
    ips = await podIPs("web");
    expect((await shown("web")).slices).toEqual(ips.all);
    expect((await shown("web")).ep).toMatch(new RegExp(`^web\\s+${ips.all[0].replace(/\./g, "\\.")}:80\\s`));
  });

  it("leaves pods whose readiness probe fails out of ready endpoints", async () => {
    await ok(c, ["apply", "-f", "-"], deployment("sick", 2, "/notfound"));
    await ok(c, ["expose", "deployment", "sick", "--port=80", "--labels=app=sick"]);
    await eventually(async () => (await podIPs("sick")).all.length === 2);
    await advance(c, 10);
    const ips = await podIPs("sick");
    expect(ips.ready).toEqual([]);
    await eventually(async () => (await shown("sick")).slices.length === 2);
    // No ready address: the ENDPOINTS cell is empty; the slices list both, not ready.
    expect((await shown("sick")).ep).toMatch(/^sick\s+\d+s$/);
    const slices = await getJson(c, ["endpointslices", "-l", "kubernetes.io/service-name=sick"]);
    expect(slices.items.flatMap((s: any) => s.endpoints.map((e: any) => e.conditions))).toEqual([
      { ready: false, serving: false, terminating: false },
      { ready: false, serving: false, terminating: false },
    ]);
    const ep = await getJson(c, ["endpoints", "sick"]);
    expect(ep.subsets[0].notReadyAddresses.map((a: any) => a.ip).sort()).toEqual(ips.all);
    expect(ep.subsets[0].addresses).toBeUndefined();
    // The probe fixed: the pods become ready and show up.
    await ok(c, ["patch", "deployment", "sick", "--type=json", "-p", '[{"op":"replace","path":"/spec/template/spec/containers/0/readinessProbe/httpGet/path","value":"/"}]']);
    await eventually(async () => (await podIPs("sick")).ready.length === 2 && (await podIPs("sick")).all.length === 2);
    await eventually(async () => /:80/.test((await shown("sick")).ep));
  });

  it("prints the Endpoints line of describe svc with kubectl 1.27 and 1.33", async () => {
    const ips = await podIPs("web");
    for (const minor of [27, 33]) {
      const r = await kubectl(c, ["describe", "svc", "web"], { bin: kubectlAt(minor) });
      expect(r.code, r.stderr).toBe(0);
      // 1.27 prints the Endpoints object's (sorted) addresses, 1.33 the slices' in their order: compare as a set.
      const line = /^Endpoints:\s+(\S+)$/m.exec(r.stdout);
      expect(line?.[1].split(",").sort()).toEqual(ips.ready.map((ip) => `${ip}:80`));
    }
    const ep = await ok(c, ["describe", "ep", "web"]);
    expect(ep).toMatch(/^Subsets:$/m);
    expect(ep).toMatch(new RegExp(`^\\s+Addresses:\\s+${ips.ready.join(",").replace(/\./g, "\\.")}$`, "m"));
    expect(ep).toMatch(/^\s+<unset>\s+80\s+TCP$/m);
    const slice = await ok(c, ["describe", "endpointslice", "-l", "kubernetes.io/service-name=web"]);
    expect(slice).toMatch(/^AddressType:\s+IPv4$/m);
    expect(slice).toMatch(/^\s+Conditions:\s*\n\s+Ready:\s+true$/m);
    expect(slice).toMatch(/^\s+TargetRef:\s+Pod\/web-/m);
    const none = await ok(c, ["describe", "svc", "sick"]);
    expect(none).toMatch(/^Endpoints:\s+\S+:80/m);
  });

  it("lists the API server behind the kubernetes Service", async () => {
    const node = await getJson(c, ["node", `${c.name}-control-plane`]);
    const ip = node.status.addresses.find((a: any) => a.type === "InternalIP").address;
    expect(await ok(c, ["get", "ep", "kubernetes", "--no-headers"])).toMatch(new RegExp(`^kubernetes\\s+${ip.replace(/\./g, "\\.")}:6443\\s+\\d+[sm]`));
    expect(await ok(c, ["get", "endpointslice", "kubernetes", "--no-headers"])).toMatch(new RegExp(`^kubernetes\\s+IPv4\\s+6443\\s+${ip.replace(/\./g, "\\.")}\\s`));
  });
});

describe("kube-system's kube-dns Service", () => {
  it("lists the coredns pods on its three ports, as on kind", async () => {
    await eventually(async () => (await getJson(c, ["pods", "-n", "kube-system", "-l", "k8s-app=kube-dns"])).items.filter((p: any) => p.status.conditions?.some((x: any) => x.type === "Ready" && x.status === "True")).length === 2, 30_000);
    const pods = (await getJson(c, ["pods", "-n", "kube-system", "-l", "k8s-app=kube-dns"])).items.map((p: any) => p.status.podIP).sort();
    await eventually(async () => ((await getJson(c, ["endpoints", "kube-dns", "-n", "kube-system"])).subsets?.[0]?.addresses ?? []).length === 2);
    const ep = await getJson(c, ["endpoints", "kube-dns", "-n", "kube-system"]);
    expect(ep.subsets).toHaveLength(1);
    expect(ep.subsets[0].addresses.map((a: any) => a.ip).sort()).toEqual(pods);
    expect(ep.subsets[0].ports.map((p: any) => `${p.name}:${p.port}/${p.protocol}`).sort()).toEqual(["dns-tcp:53/TCP", "dns:53/UDP", "metrics:9153/TCP"]);
    expect(await ok(c, ["get", "ep", "kube-dns", "-n", "kube-system", "--no-headers"])).toMatch(/^kube-dns\s+\S+:53,\S+:53,\S+:\d+ \+ 3 more\.\.\.\s/);
    const slices = await ok(c, ["get", "endpointslices", "-n", "kube-system", "-l", "kubernetes.io/service-name=kube-dns", "--no-headers"]);
    expect(slices).toMatch(new RegExp(`^kube-dns-[a-z0-9]{5}\\s+IPv4\\s+53,53,9153\\s+\\S+\\s`));
  });
});

describe("a Kubernetes 1.33 cluster", () => {
  it("warns that v1 Endpoints are deprecated, as kube-apiserver 1.33 does, and not for EndpointSlices", async () => {
    const c133 = await newCluster("ep133", { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane", image: "kindest/node:v1.33.1" }] });
    const ep = await kubectl(c133, ["get", "endpoints", "kubernetes"]);
    expect(ep.code).toBe(0);
    expect(ep.stderr).toContain("Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice");
    const slices = await kubectl(c133, ["get", "endpointslices"]);
    expect(slices.stderr).toBe("");
    expect(slices.stdout).toMatch(/^kubernetes\s+IPv4\s+6443\s/m);
  });
});
