// Endpoints and EndpointSlices through real kubectl: the kinds (discovery, explain, validation,
// kubectl's columns) and the controllers following a Deployment's Service.
import { beforeAll, describe, expect, it } from "vitest";
import { kubectl, newCluster, ok, type TestCluster } from "./helpers";

let c: TestCluster;
beforeAll(async () => {
  c = await newCluster("endpoints");
});

describe("the Endpoints and EndpointSlice kinds", () => {
  it("are discovered with kubectl's short name and explained from the OpenAPI", async () => {
    const res = await ok(c, ["api-resources"]);
    expect(res).toMatch(/^endpoints\s+ep\s+v1\s+true\s+Endpoints$/m);
    expect(res).toMatch(/^endpointslices\s+discovery.k8s.io\/v1\s+true\s+EndpointSlice$/m);
    const ex = await ok(c, ["explain", "endpointslice.endpoints"]);
    expect(ex).toMatch(/^KIND:\s+EndpointSlice$/m);
    expect(ex).toMatch(/^\s+addresses\s+<\[\]string> -required-$/m);
    expect(ex).toMatch(/^\s+conditions\s+<EndpointConditions>$/m);
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
          { apiVersion: "discovery.k8s.io/v1", kind: "EndpointSlice", metadata: { name: "hand-2" }, addressType: "IPv4" },
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
