// Ingress and IngressClass: kube-apiserver's validation and messages, the DefaultIngressClass
// admission, kubectl's columns; ingress-nginx installed by the simulation setting (the RBAC and
// webhook kinds its manifest carries), the status address its controller publishes; and its
// routing (network/ingress.ts) over a small view: hosts, paths by pathType, longest match,
// default backends, nginx's 404 page, the redirect to https, rewrite-target and the class filter.
import { describe, expect, it } from "vitest";
import { routeIngress, tlsSecretFor } from "../../worker/cluster/network/ingress";
import type { HttpRequest, NetworkView } from "../../worker/cluster/network/types";
import { catalogImage } from "../../worker/cluster/node/images";
import type { KObject } from "../../worker/cluster/resources/define";
import type { Pod } from "../../worker/cluster/resources/pod";
import { kube, newCluster, settle } from "./helpers";

const ING = "/apis/networking.k8s.io/v1/namespaces/default/ingresses";
const CLASSES = "/apis/networking.k8s.io/v1/ingressclasses";
const TABLE = { accept: "application/json;as=Table;v=v1;g=meta.k8s.io" };

function ingress(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>) {
  return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", metadata: { name, ...(annotations ? { annotations } : {}) }, spec };
}
const svc = (name: string, port: number | string = 80) => ({ service: { name, port: typeof port === "number" ? { number: port } : { name: port } } });
const rule = (host: string | undefined, paths: [string, string, Record<string, unknown>][]) => ({
  ...(host ? { host } : {}),
  http: { paths: paths.map(([path, pathType, backend]) => ({ path, pathType, backend })) },
});

describe("Ingress kind", () => {
  it("rejects what kube-apiserver rejects, with its paths and words, and stores nothing", async () => {
    const { stub } = await newCluster();
    const cases: [Record<string, unknown>, string[], Record<string, string>?][] = [
      [{}, ["spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified"]],
      [{ rules: [rule("foo.example.com", [["/", "Sideways", svc("web")]])] }, ['spec.rules[0].http.paths[0].pathType: Unsupported value: "Sideways": supported values: "Exact", "ImplementationSpecific", "Prefix"']],
      [{ rules: [{ host: "a.example.com", http: { paths: [{ path: "/", backend: svc("web") }] } }] }, ["spec.rules[0].http.paths[0].pathType: Required value: pathType must be specified"]],
      [{ rules: [rule("a.example.com", [["api", "Prefix", svc("web")]])] }, ['spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path']],
      [{ rules: [rule("a.example.com", [["/a//b", "Exact", svc("web")]])] }, ["spec.rules[0].http.paths[0].path: Invalid value: \"/a//b\": must not contain '//'"]],
      [{ rules: [rule("Foo.example.com", [["/", "Prefix", svc("web")]])] }, [expect.stringContaining('spec.rules[0].host: Invalid value: "Foo.example.com": a lowercase RFC 1123 subdomain must consist of')] as unknown as string[]],
      [{ rules: [rule("10.0.0.1", [["/", "Prefix", svc("web")]])] }, ['spec.rules[0].host: Invalid value: "10.0.0.1": must be a DNS name, not an IP address']],
      [{ rules: [rule("*.*.example.com", [["/", "Prefix", svc("web")]])] }, [expect.stringContaining("a wildcard DNS-1123 subdomain must start with '*.'")] as unknown as string[]],
      [{ defaultBackend: { ...svc("web"), resource: { kind: "Bucket", name: "b" } } }, ['spec.defaultBackend: Invalid value: "": cannot set both resource and service backends']],
      [{ defaultBackend: { service: { name: "web", port: { name: "http", number: 80 } } } }, ['spec.defaultBackend: Invalid value: "": cannot set both port name & port number']],
      [{ defaultBackend: { service: { name: "web", port: {} } } }, ["spec.defaultBackend: Required value: port name or number is required"]],
      [{ defaultBackend: { service: { name: "Web", port: { number: 80 } } } }, [expect.stringContaining('spec.defaultBackend.service.name: Invalid value: "Web": a DNS-1035 label must consist of')] as unknown as string[]],
      [{ defaultBackend: { service: { name: "web", port: { number: 70000 } } } }, ["spec.defaultBackend.service.port.number: Invalid value: 70000: must be between 1 and 65535, inclusive"]],
      [{ defaultBackend: {} }, ['spec.defaultBackend: Invalid value: "": resource or service backend is required']],
      [{ defaultBackend: svc("web"), tls: [{ hosts: ["UPPER.example.com"] }] }, [expect.stringContaining('spec.tls[0].hosts[0]: Invalid value: "UPPER.example.com"')] as unknown as string[]],
      [{ defaultBackend: svc("web"), ingressClassName: "nginx" }, ['annotations.kubernetes.io/ingress.class: Invalid value: "nginx": can not be set when the class field is also set'], { "kubernetes.io/ingress.class": "nginx" }],
    ];
    for (const [spec, messages, annotations] of cases) {
      const res = await kube(stub, "POST", ING, ingress("bad", spec, annotations));
      expect(res.status, JSON.stringify(spec)).toBe(422);
      expect(res.json.details.causes.map((c: { field: string; message: string }) => `${c.field}: ${c.message}`)).toEqual(messages);
    }
    expect((await kube(stub, "GET", ING)).json.items).toEqual([]);
  });

  it("gives new Ingresses the default class on create only, and prints kubectl's columns", async () => {
    const { stub } = await newCluster();
    // No default class yet: the Ingress stays without one.
    const plain = await kube(stub, "POST", ING, ingress("plain", { defaultBackend: svc("web") }));
    expect(plain.status).toBe(201);
    expect(plain.json.spec.ingressClassName).toBeUndefined();
    expect(plain.json.status).toEqual({ loadBalancer: {} });

    const cls = (name: string, isDefault: boolean) => ({ apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name, ...(isDefault ? { annotations: { "ingressclass.kubernetes.io/is-default-class": "true" } } : {}) }, spec: { controller: "k8s.io/ingress-nginx" } });
    expect((await kube(stub, "POST", CLASSES, cls("nginx", true))).status).toBe(201);
    expect((await kube(stub, "POST", CLASSES, cls("other", false))).status).toBe(201);
    const badClass = await kube(stub, "POST", CLASSES, { ...cls("bad", false), spec: { controller: "nginx" } });
    expect(badClass.json.details.causes[0].message).toBe('Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")');
    const classTable = await kube(stub, "GET", CLASSES, undefined, TABLE);
    expect(classTable.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "Controller", "Parameters", "Age"]);
    expect(classTable.json.rows.map((r: { cells: string[] }) => r.cells.slice(0, 3))).toEqual([
      ["nginx", "k8s.io/ingress-nginx", "<none>"],
      ["other", "k8s.io/ingress-nginx", "<none>"],
    ]);
    const nginx = (await kube(stub, "GET", `${CLASSES}/nginx`)).json;
    const immutable = await kube(stub, "PUT", `${CLASSES}/nginx`, { ...nginx, spec: { controller: "example.com/other" } });
    expect(immutable.json.details.causes[0]).toMatchObject({ field: "spec.controller", message: 'Invalid value: "example.com/other": field is immutable' });

    const defaulted = await kube(stub, "POST", ING, ingress("web", { rules: [rule("a.example.com", [["/", "Prefix", svc("web")]]), rule("b.example.com", [["/", "Prefix", svc("web")]])], tls: [{ hosts: ["a.example.com"], secretName: "a-tls" }] }));
    expect(defaulted.json.spec.ingressClassName).toBe("nginx");
    // A class named, or the old annotation: left alone.
    const named = await kube(stub, "POST", ING, ingress("named", { ingressClassName: "other", defaultBackend: svc("web") }));
    expect(named.json.spec.ingressClassName).toBe("other");
    const annotated = await kube(stub, "POST", ING, ingress("annotated", { defaultBackend: svc("web") }, { "kubernetes.io/ingress.class": "nginx" }));
    expect(annotated.json.spec.ingressClassName).toBeUndefined();
    // Only on create: an update keeps the Ingress classless.
    const updated = await kube(stub, "PUT", `${ING}/plain`, { ...plain.json, metadata: { ...plain.json.metadata, labels: { a: "b" } } });
    expect(updated.status).toBe(200);
    expect(updated.json.spec.ingressClassName).toBeUndefined();

    const table = await kube(stub, "GET", ING, undefined, TABLE);
    expect(table.json.columnDefinitions.map((c: { name: string }) => c.name)).toEqual(["Name", "Class", "Hosts", "Address", "Ports", "Age"]);
    const rows = Object.fromEntries(table.json.rows.map((r: { cells: string[] }) => [r.cells[0], r.cells.slice(1, 5)]));
    expect(rows).toEqual({
      annotated: ["<none>", "*", "", "80"],
      named: ["other", "*", "", "80"],
      plain: ["<none>", "*", "", "80"],
      web: ["nginx", "a.example.com,b.example.com", "", "80, 443"],
    });
    const discovery = await kube(stub, "GET", "/apis/networking.k8s.io/v1");
    expect(discovery.json.resources.find((r: { name: string }) => r.name === "ingresses")).toMatchObject({ kind: "Ingress", namespaced: true, shortNames: ["ing"] });
  });
});

describe("ingress-nginx installed by the simulation setting", () => {
  it("applies kind's manifest (RBAC, webhook, IngressClass, Deployment) and publishes localhost as the Ingresses' address while the controller runs", async () => {
    const { stub } = await newCluster();
    await stub.simulate({ profile: "instant" });
    const set = await stub.simulate({ ingress: "nginx" });
    expect(set).toMatchObject({ ok: true, value: { ingress: "nginx" } });
    expect((await kube(stub, "GET", "/apis/rbac.authorization.k8s.io/v1/clusterroles/ingress-nginx")).json.rules.length).toBeGreaterThan(0);
    const binding = await kube(stub, "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/ingress-nginx/rolebindings", undefined, TABLE);
    expect(binding.json.rows.map((r: { cells: string[] }) => r.cells.slice(0, 2))).toEqual([
      ["ingress-nginx", "Role/ingress-nginx"],
      ["ingress-nginx-admission", "Role/ingress-nginx-admission"],
    ]);
    const webhook = await kube(stub, "GET", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations/ingress-nginx-admission");
    expect(webhook.json.webhooks[0]).toMatchObject({ timeoutSeconds: 10, namespaceSelector: {}, clientConfig: { service: { port: 443 } } });
    expect((await kube(stub, "GET", `${CLASSES}/nginx`)).json.spec.controller).toBe("k8s.io/ingress-nginx");

    // As on kind: until the controller runs, its admission webhook refuses connections and its
    // failurePolicy (Fail) refuses the Ingress; once it runs, the webhook admits.
    const early = await kube(stub, "POST", ING, ingress("web", { ingressClassName: "nginx", rules: [rule("a.example.com", [["/", "Prefix", svc("web")]])] }));
    expect(early.status).toBe(500);
    expect(early.json.message).toMatch(/^Internal error occurred: failed calling webhook "validate\.nginx\.ingress\.kubernetes\.io": failed to call webhook: Post "https:\/\/ingress-nginx-controller-admission\.ingress-nginx\.svc:443\/networking\/v1\/ingresses\?timeout=10s": dial tcp [\d.]+:443: connect: connection refused$/);
    await settle(stub);
    for (let i = 0; i < 5; i++) {
      await stub.moveClock({ advanceSeconds: 5 });
      await settle(stub);
    }
    const web = await kube(stub, "POST", ING, ingress("web", { ingressClassName: "nginx", rules: [rule("a.example.com", [["/", "Prefix", svc("web")]])] }));
    expect(web.status, JSON.stringify(web.json)).toBe(201);
    await settle(stub);
    const pods = await kube(stub, "GET", "/api/v1/namespaces/ingress-nginx/pods?labelSelector=app.kubernetes.io/component%3Dcontroller");
    expect(pods.json.items.map((p: Pod) => p.status?.phase)).toEqual(["Running"]);
    const served = (await kube(stub, "GET", `${ING}/web`)).json;
    expect(served.status).toEqual({ loadBalancer: { ingress: [{ hostname: "localhost" }] } });
    const table = await kube(stub, "GET", ING, undefined, TABLE);
    expect(table.json.rows[0].cells.slice(0, 5)).toEqual(["web", "nginx", "a.example.com", "localhost", "80"]);
    // An Ingress of another class gets nothing.
    await kube(stub, "POST", ING, ingress("elsewhere", { ingressClassName: "traefik", defaultBackend: svc("web") }));
    await settle(stub);
    expect((await kube(stub, "GET", `${ING}/elsewhere`)).json.status).toEqual({ loadBalancer: {} });

    // The controller gone: its address is taken back.
    await stub.simulate({ ingress: null });
    for (let i = 0; i < 3; i++) {
      await stub.moveClock({ advanceSeconds: 30 });
      await settle(stub);
    }
    expect((await kube(stub, "GET", "/api/v1/namespaces/ingress-nginx")).status).toBe(404);
    expect((await kube(stub, "GET", `${ING}/web`)).json.status).toEqual({ loadBalancer: {} });
    const bad = await stub.simulate({ ingress: "haproxy" });
    expect(bad).toMatchObject({ ok: false, status: 400 });
  });
});

describe("Ingress status from a controller without a published address", () => {
  it("lists the addresses of the nodes its ready pods run on, and reports the sync as an Event", async () => {
    const { stub } = await newCluster();
    await stub.simulate({ profile: "instant" });
    await kube(stub, "POST", CLASSES, { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "custom" }, spec: { controller: "example.com/custom" } });
    const labels = { app: "custom-ingress" };
    const deploy = await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "custom-ingress" },
      spec: { replicas: 2, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: "controller", image: "registry.k8s.io/ingress-nginx/controller:v1.12.1", args: ["/nginx-ingress-controller", "--controller-class=example.com/custom", "--ingress-class=custom"] }] } } },
    });
    expect(deploy.status).toBe(201);
    await kube(stub, "POST", ING, ingress("mine", { ingressClassName: "custom", defaultBackend: svc("web") }));
    await kube(stub, "POST", ING, ingress("theirs", { ingressClassName: "nginx", defaultBackend: svc("web") }));
    for (let i = 0; i < 4; i++) {
      await stub.moveClock({ advanceSeconds: 5 });
      await settle(stub);
    }
    const pods = (await kube(stub, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3Dcustom-ingress")).json.items as Pod[];
    expect(pods.map((p) => p.status?.phase)).toEqual(["Running", "Running"]);
    const hostIPs = [...new Set(pods.map((p) => p.status!.hostIP!))].sort();
    expect((await kube(stub, "GET", `${ING}/mine`)).json.status).toEqual({ loadBalancer: { ingress: hostIPs.map((ip) => ({ ip })) } });
    expect((await kube(stub, "GET", `${ING}/theirs`)).json.status).toEqual({ loadBalancer: {} });
    const events = (await kube(stub, "GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Dmine")).json.items;
    expect(events.map((e: { reason: string; message: string; source: { component: string } }) => [e.reason, e.message, e.source.component])).toEqual([["Sync", "Scheduled for sync", "nginx-ingress-controller"]]);

    // Scaled to zero: no controller runs, and the address goes.
    await kube(stub, "PATCH", "/apis/apps/v1/namespaces/default/deployments/custom-ingress", { spec: { replicas: 0 } }, { contentType: "application/merge-patch+json" });
    for (let i = 0; i < 3; i++) {
      await stub.moveClock({ advanceSeconds: 30 });
      await settle(stub);
    }
    expect((await kube(stub, "GET", `${ING}/mine`)).json.status).toEqual({ loadBalancer: {} });
    expect((await stub.info()).alarm).toBeNull();
  });
});

describe("Ingress status from --publish-service", () => {
  it("is the published Service's load-balancer address, once the provider gives it one", async () => {
    const { stub } = await newCluster();
    await stub.simulate({ profile: "instant" });
    await kube(stub, "POST", CLASSES, { apiVersion: "networking.k8s.io/v1", kind: "IngressClass", metadata: { name: "nginx" }, spec: { controller: "k8s.io/ingress-nginx" } });
    const labels = { app: "edge" };
    await kube(stub, "POST", "/apis/apps/v1/namespaces/default/deployments", {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "edge" },
      spec: {
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: { containers: [{ name: "controller", image: "registry.k8s.io/ingress-nginx/controller:v1.12.1", args: ["/nginx-ingress-controller", "--publish-service=$(POD_NAMESPACE)/edge"], env: [{ name: "POD_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } }] }] },
        },
      },
    });
    await kube(stub, "POST", "/api/v1/namespaces/default/services", { apiVersion: "v1", kind: "Service", metadata: { name: "edge" }, spec: { type: "LoadBalancer", selector: labels, ports: [{ name: "http", port: 80 }] } });
    await kube(stub, "POST", ING, ingress("site", { ingressClassName: "nginx", defaultBackend: svc("web") }));
    for (let i = 0; i < 3; i++) {
      await stub.moveClock({ advanceSeconds: 5 });
      await settle(stub);
    }
    // As on kind without a provider: the Service is pending, so there is nothing to publish.
    expect((await kube(stub, "GET", `${ING}/site`)).json.status).toEqual({ loadBalancer: {} });
    await stub.simulate({ loadBalancer: true });
    await settle(stub);
    const lb = (await kube(stub, "GET", "/api/v1/namespaces/default/services/edge")).json.status.loadBalancer.ingress[0].ip as string;
    expect(lb).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect((await kube(stub, "GET", `${ING}/site`)).json.status).toEqual({ loadBalancer: { ingress: [{ ip: lb }] } });
  });
});

// ---------------------------------------------------------------------------------------------
// Routing over a small view

const NOW = Date.parse("2026-01-01T00:00:00Z");

function controllerPod(args: string[] = ["/nginx-ingress-controller", "--controller-class=k8s.io/ingress-nginx", "--ingress-class=nginx", "--watch-ingress-without-class=true", "--publish-status-address=localhost"]): Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "ingress-nginx-controller-abc", namespace: "ingress-nginx" },
    spec: { containers: [{ name: "controller", image: "registry.k8s.io/ingress-nginx/controller:v1.15.1", args }] },
    status: { phase: "Running", podIP: "10.244.0.5" },
  } as Pod;
}

let created = 0;
function obj(kind: string, name: string, namespace: string, rest: Record<string, unknown>, annotations?: Record<string, string>): KObject {
  created++;
  return { apiVersion: "networking.k8s.io/v1", kind, metadata: { name, namespace, creationTimestamp: new Date(NOW + created * 1000).toISOString(), ...(annotations ? { annotations } : {}) }, ...rest } as KObject;
}

function viewOf(objects: { ingresses: KObject[]; classes?: KObject[]; secrets?: KObject[] }): NetworkView {
  const store: Record<string, KObject[]> = {
    "networking.k8s.io/ingresses": objects.ingresses,
    "networking.k8s.io/ingressclasses": objects.classes ?? [obj("IngressClass", "nginx", "", { spec: { controller: "k8s.io/ingress-nginx" } })],
    secrets: objects.secrets ?? [],
  };
  const unused = () => {
    throw new Error("not used by routing");
  };
  return {
    now: NOW,
    serviceSubnet: "10.96.0.0/16",
    podSubnet: "10.244.0.0/16",
    kubeProxy: true,
    service: unused,
    serviceByIP: unused,
    services: unused,
    slices: unused,
    pod: unused,
    podByIP: unused,
    podsOnNode: unused,
    node: unused,
    nodeByIP: unused,
    nodes: unused,
    list: <T extends KObject>(storage: string) => (store[storage] ?? []) as T[],
    get: <T extends KObject>(storage: string, namespace: string, name: string) => (store[storage] ?? []).find((o) => o.metadata.name === name && (o.metadata.namespace ?? "") === namespace) as T | undefined,
    image: (pod: Pod, container: string) => {
      const image = pod.spec?.containers?.find((c) => c.name === container)?.image ?? "";
      return catalogImage(image.split(":")[0]) ?? null;
    },
  };
}

function get(host: string, path: string, extra: Partial<HttpRequest> = {}): HttpRequest {
  return { method: "GET", path, headers: { host }, host, ...extra };
}

function ing(name: string, spec: Record<string, unknown>, annotations?: Record<string, string>, namespace = "default"): KObject {
  return obj("Ingress", name, namespace, { spec: { ingressClassName: "nginx", ...spec } }, annotations);
}

describe("routeIngress (ingress-nginx's routing)", () => {
  it("routes by host and by path type, longest match first, and answers nginx's 404 for what matches nothing", () => {
    const view = viewOf({
      ingresses: [
        ing("shop", {
          rules: [
            rule("shop.example.com", [
              ["/", "Prefix", svc("front")],
              ["/api", "Prefix", svc("api", "http")],
              ["/api/v2", "Prefix", svc("api-v2", 8080)],
              ["/login", "Exact", svc("auth")],
              ["/static", "ImplementationSpecific", svc("cdn")],
            ]),
          ],
        }),
        ing("blog", { rules: [rule("blog.example.com", [["/", "Prefix", svc("blog")]]), rule("*.apps.example.com", [["/", "Prefix", svc("apps")]])] }),
      ],
    });
    const pod = controllerPod();
    const to = (host: string, path: string) => {
      const r = routeIngress(view, pod, get(host, path), 80);
      return r.kind === "backend" ? `${r.namespace}/${r.service}:${r.port}` : r.answer.status;
    };
    expect(to("shop.example.com", "/")).toBe("default/front:80");
    expect(to("shop.example.com", "/api")).toBe("default/api:http");
    expect(to("shop.example.com", "/api/")).toBe("default/api:http");
    expect(to("shop.example.com", "/api/users?id=1")).toBe("default/api:http");
    // Prefix matches by path element: /apiary is not under /api.
    expect(to("shop.example.com", "/apiary")).toBe("default/front:80");
    expect(to("shop.example.com", "/api/v2/items")).toBe("default/api-v2:8080");
    expect(to("shop.example.com", "/api/v20")).toBe("default/api:http");
    // Exact only matches itself.
    expect(to("shop.example.com", "/login")).toBe("default/auth:80");
    expect(to("shop.example.com", "/login/again")).toBe("default/front:80");
    // ImplementationSpecific is nginx's plain prefix.
    expect(to("shop.example.com", "/staticfiles/a.css")).toBe("default/cdn:80");
    // Host matching ignores case and port; wildcards match subdomains only.
    expect(to("SHOP.example.com:8080", "/api")).toBe("default/api:http");
    expect(to("blog.example.com", "/post/1")).toBe("default/blog:80");
    expect(to("x.apps.example.com", "/")).toBe("default/apps:80");
    expect(to("apps.example.com", "/")).toBe(404);
    expect(to("unknown.example.com", "/")).toBe(404);

    const notFound = routeIngress(view, pod, get("unknown.example.com", "/"), 80);
    expect(notFound.kind === "answer" && notFound.answer.body).toBe("<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");
    const health = routeIngress(view, pod, get("10.244.0.5", "/healthz"), 10254);
    expect(health.kind === "answer" && [health.answer.status, health.answer.body]).toEqual([200, "ok"]);
  });

  it("sends what no rule matches to the Ingress's defaultBackend; a rule-less one catches every host", () => {
    const pod = controllerPod();
    const withRules = viewOf({ ingresses: [ing("site", { defaultBackend: svc("fallback"), rules: [rule("site.example.com", [["/app", "Prefix", svc("app")]])] })] });
    const r1 = routeIngress(withRules, pod, get("site.example.com", "/other"), 80);
    expect(r1).toMatchObject({ kind: "backend", service: "fallback" });
    // Its default backend serves its own hosts only.
    expect(routeIngress(withRules, pod, get("else.example.com", "/"), 80)).toMatchObject({ kind: "answer", answer: { status: 404 } });
    const catchAll = viewOf({ ingresses: [ing("all", { defaultBackend: svc("everything") })] });
    expect(routeIngress(catchAll, pod, get("anything.example.com", "/x"), 80)).toMatchObject({ kind: "backend", service: "everything" });
  });

  it("keeps the first Ingress's claim to a path, oldest first, across namespaces", () => {
    const pod = controllerPod();
    const view = viewOf({ ingresses: [ing("first", { rules: [rule("a.example.com", [["/", "Prefix", svc("one")]])] }, undefined, "team-a"), ing("second", { rules: [rule("a.example.com", [["/", "Prefix", svc("two")], ["/two", "Prefix", svc("two")]])] }, undefined, "team-b")] });
    expect(routeIngress(view, pod, get("a.example.com", "/"), 80)).toMatchObject({ namespace: "team-a", service: "one" });
    expect(routeIngress(view, pod, get("a.example.com", "/two/x"), 80)).toMatchObject({ namespace: "team-b", service: "two" });
  });

  it("redirects plain http to https (308) for hosts with TLS, serves them on 443, and reads the certificate's Secret", () => {
    const pod = controllerPod();
    const tlsSecret = { apiVersion: "v1", kind: "Secret", metadata: { name: "secure-tls", namespace: "default" }, type: "kubernetes.io/tls", data: { "tls.crt": "Y2VydA==", "tls.key": "a2V5" } } as KObject;
    const view = viewOf({
      ingresses: [
        ing("secure", { tls: [{ hosts: ["secure.example.com"], secretName: "secure-tls" }], rules: [rule("secure.example.com", [["/", "Prefix", svc("web")]])] }),
        ing("optout", { tls: [{ hosts: ["plain.example.com"] }], rules: [rule("plain.example.com", [["/", "Prefix", svc("web")]])] }, { "nginx.ingress.kubernetes.io/ssl-redirect": "false" }),
      ],
      secrets: [tlsSecret],
    });
    const redirect = routeIngress(view, pod, get("secure.example.com", "/shop/?q=1"), 80);
    expect(redirect).toMatchObject({ kind: "answer", answer: { status: 308, headers: { location: "https://secure.example.com/shop/?q=1" } } });
    const root = routeIngress(view, pod, get("secure.example.com", "/"), 80);
    expect(root.kind === "answer" && root.answer.headers.location).toBe("https://secure.example.com");
    expect(root.kind === "answer" && root.answer.body).toContain("<title>308 Permanent Redirect</title>");
    expect(routeIngress(view, pod, get("secure.example.com", "/shop"), 443)).toMatchObject({ kind: "backend", service: "web" });
    expect(routeIngress(view, pod, get("plain.example.com", "/"), 80)).toMatchObject({ kind: "backend", service: "web" });
    expect(tlsSecretFor(view, pod, "secure.example.com")).toEqual({ namespace: "default", name: "secure-tls" });
    expect(tlsSecretFor(view, pod, "plain.example.com")).toBeNull();
  });

  it("rewrites with rewrite-target (regex captures), and matches regex paths case-insensitively", () => {
    const pod = controllerPod();
    const view = viewOf({ ingresses: [ing("rw", { rules: [rule("rw.example.com", [["/something(/|$)(.*)", "ImplementationSpecific", svc("echo")]])] }, { "nginx.ingress.kubernetes.io/rewrite-target": "/$2" })] });
    expect(routeIngress(view, pod, get("rw.example.com", "/something/new?x=1"), 80)).toMatchObject({ kind: "backend", service: "echo", path: "/new?x=1" });
    expect(routeIngress(view, pod, get("rw.example.com", "/SOMETHING"), 80)).toMatchObject({ kind: "backend", service: "echo", path: "/" });
    expect(routeIngress(view, pod, get("rw.example.com", "/other"), 80)).toMatchObject({ kind: "answer", answer: { status: 404 } });
  });

  it("sends a canary's share by header, cookie or weight, as ingress-nginx's balancer does", () => {
    const pod = controllerPod();
    const main = ing("main", { rules: [rule("app.example.com", [["/", "Prefix", svc("stable")], ["/admin", "Prefix", svc("admin")]])] });
    const byHeader = ing("canary", { rules: [rule("app.example.com", [["/", "Prefix", svc("next")]])] }, { "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-by-header": "X-Canary", "nginx.ingress.kubernetes.io/canary-by-cookie": "canary" });
    const view = viewOf({ ingresses: [main, byHeader] });
    const to = (headers: Record<string, string>, path = "/") => {
      const r = routeIngress(view, pod, { method: "GET", path, headers: { host: "app.example.com", ...headers }, host: "app.example.com" }, 80);
      return r.kind === "backend" ? r.service : r.answer.status;
    };
    expect(to({})).toBe("stable");
    expect(to({ "x-canary": "always" })).toBe("next");
    expect(to({ "x-canary": "never", cookie: "canary=always" })).toBe("stable");
    expect(to({ "x-canary": "maybe", cookie: "a=b; canary=always" })).toBe("next");
    // Only the backend whose location the canary matched gets an alternative.
    expect(to({ "x-canary": "always" }, "/admin")).toBe("admin");
    const trail = routeIngress(view, pod, { method: "GET", path: "/", headers: { host: "app.example.com", "x-canary": "always" }, host: "app.example.com" }, 80);
    expect(trail).toMatchObject({ via: "ingress default/main: host app.example.com, Prefix /, canary default/canary" });

    const weighted = (weight: string) => viewOf({ ingresses: [main, ing("canary", { rules: [rule("app.example.com", [["/", "Prefix", svc("next")]])] }, { "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": weight })] });
    const share = (v: NetworkView) => Array.from({ length: 400 }, () => routeIngress(v, pod, get("app.example.com", "/"), 80)).filter((r) => r.kind === "backend" && r.service === "next").length;
    expect(share(weighted("0"))).toBe(0);
    expect(share(weighted("100"))).toBe(400);
    const half = share(weighted("50"));
    expect(half).toBeGreaterThan(120);
    expect(half).toBeLessThan(280);
    // A canary alone has no primary to join: nothing is served for its host.
    const alone = viewOf({ ingresses: [ing("canary", { rules: [rule("solo.example.com", [["/", "Prefix", svc("next")]])] }, { "nginx.ingress.kubernetes.io/canary": "true", "nginx.ingress.kubernetes.io/canary-weight": "100" })] });
    expect(routeIngress(alone, pod, get("solo.example.com", "/"), 80)).toMatchObject({ kind: "answer", answer: { status: 404 } });
  });

  it("serves only its class: the IngressClass's controller, the old annotation, or classless with --watch-ingress-without-class", () => {
    const classes = [obj("IngressClass", "nginx", "", { spec: { controller: "k8s.io/ingress-nginx" } }), obj("IngressClass", "traefik", "", { spec: { controller: "traefik.io/ingress-controller" } })];
    const view = viewOf({
      classes,
      ingresses: [
        obj("Ingress", "by-class", "default", { spec: { ingressClassName: "nginx", rules: [rule("class.example.com", [["/", "Prefix", svc("a")]])] } }),
        obj("Ingress", "other-class", "default", { spec: { ingressClassName: "traefik", rules: [rule("traefik.example.com", [["/", "Prefix", svc("b")]])] } }),
        obj("Ingress", "annotated", "default", { spec: { rules: [rule("annotated.example.com", [["/", "Prefix", svc("c")]])] } }, { "kubernetes.io/ingress.class": "nginx" }),
        obj("Ingress", "classless", "default", { spec: { rules: [rule("none.example.com", [["/", "Prefix", svc("d")]])] } }),
      ],
    });
    const watching = controllerPod();
    const strict = controllerPod(["/nginx-ingress-controller", "--ingress-class=nginx"]);
    const served = (pod: Pod, host: string) => routeIngress(view, pod, get(host, "/"), 80).kind === "backend";
    expect([served(watching, "class.example.com"), served(watching, "traefik.example.com"), served(watching, "annotated.example.com"), served(watching, "none.example.com")]).toEqual([true, false, true, true]);
    expect(served(strict, "none.example.com")).toBe(false);
    expect(served(strict, "class.example.com")).toBe(true);
  });
});
