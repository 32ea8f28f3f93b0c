// Ingress on kind, as kind's ingress guide does it, with the real kubectl and curl: a cluster
// whose control plane maps host ports 80 and 443 and is labelled ingress-ready, `kubectl apply -f`
// of kind's ingress-nginx manifest (RBAC, webhook configuration, IngressClass, the controller),
// `kubectl wait` for the controller, two apps behind one Ingress by host, reached through the
// cluster's port URL for host port 80 with each Host header, nginx's 404 for an unknown host, the
// redirect to https for a TLS host, and the Ingress kind through kubectl (columns, describe,
// explain, kube-apiserver's validation, the default class).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { advance, getJson, kubectl, manage, newCluster, ok, request, service, settled, simulate, type TestCluster } from "./helpers";

const KIND_CONFIG = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
  kubeadmConfigPatches:
  - |
    kind: InitConfiguration
    nodeRegistration:
      kubeletExtraArgs:
        node-labels: "ingress-ready=true"
  extraPortMappings:
  - containerPort: 80
    hostPort: 80
    protocol: TCP
  - containerPort: 443
    hostPort: 443
    protocol: TCP
`;

const MANIFEST = path.resolve(import.meta.dirname, "../../manifests/ingress-nginx-kind.yaml");

let c: TestCluster;
let port80: string;
let port443: string;

/** curl with the local service's CA, printing the status line's code, the Location header and the body. */
function curl(url: string, host: string): Promise<{ code: number; location: string; body: string }> {
  return new Promise((resolve, reject) => {
    execFile("curl", ["-sS", "--cacert", service.ca, "-H", `Host: ${host}`, "-w", "\n%{http_code} %{redirect_url}", url], { timeout: 20_000 }, (err, stdout) => {
      if (err) return reject(err);
      const cut = stdout.lastIndexOf("\n");
      const [code, location = ""] = stdout.slice(cut + 1).split(" ");
      resolve({ code: Number(code), location, body: stdout.slice(0, cut) });
    });
  });
}

beforeAll(async () => {
  c = await newCluster("ingress", KIND_CONFIG);
  await simulate(c, { profile: "instant" });
  const ports = (await manage("GET", c, "")).json.ports as { hostPort: number; url: string }[];
  port80 = ports.find((p) => p.hostPort === 80)!.url;
  port443 = ports.find((p) => p.hostPort === 443)!.url;
});

describe("kind's ingress guide", () => {
  it("applies kind's ingress-nginx manifest and waits for the controller", async () => {
    const applied = await ok(c, ["apply", "-f", MANIFEST]);
    for (const line of [
      "namespace/ingress-nginx created",
      "serviceaccount/ingress-nginx-admission created",
      "role.rbac.authorization.k8s.io/ingress-nginx created",
      "clusterrole.rbac.authorization.k8s.io/ingress-nginx-admission created",
      "rolebinding.rbac.authorization.k8s.io/ingress-nginx created",
      "clusterrolebinding.rbac.authorization.k8s.io/ingress-nginx created",
      "configmap/ingress-nginx-controller created",
      "service/ingress-nginx-controller-admission created",
      "deployment.apps/ingress-nginx-controller created",
      "job.batch/ingress-nginx-admission-create created",
      "ingressclass.networking.k8s.io/nginx created",
      "validatingwebhookconfiguration.admissionregistration.k8s.io/ingress-nginx-admission created",
    ])
      expect(applied).toContain(line);
    // Applying again leaves what the server did not default alone.
    const again = await ok(c, ["apply", "-f", MANIFEST]);
    for (const line of ["namespace/ingress-nginx unchanged", "clusterrole.rbac.authorization.k8s.io/ingress-nginx unchanged", "rolebinding.rbac.authorization.k8s.io/ingress-nginx unchanged", "clusterrolebinding.rbac.authorization.k8s.io/ingress-nginx unchanged", "ingressclass.networking.k8s.io/nginx unchanged"]) expect(again).toContain(line);

    // The readiness probe's first check is 10 s after the start.
    await advance(c, 15);
    const waited = await ok(c, ["wait", "--namespace", "ingress-nginx", "--for=condition=ready", "pod", "--selector=app.kubernetes.io/component=controller", "--timeout=90s"]);
    expect(waited).toMatch(/^pod\/ingress-nginx-controller-[a-z0-9]+-[a-z0-9]{5} condition met\n$/);
    const pod = (await getJson(c, ["pods", "-n", "ingress-nginx", "-l", "app.kubernetes.io/component=controller"])).items[0];
    expect(pod.spec.nodeName).toBe(`${c.name}-control-plane`);
    // kind's guide labels the node through its kubeadm patch.
    expect(await ok(c, ["get", "nodes", "-l", "ingress-ready=true", "-o", "name"])).toBe(`node/${c.name}-control-plane\n`);
    const logs = await ok(c, ["logs", "-n", "ingress-nginx", "deploy/ingress-nginx-controller"]);
    expect(logs).toContain("NGINX Ingress controller");
    expect(logs).toMatch(/^I\d{4} \d\d:\d\d:\d\d\.\d{6} +7 nginx\.go:\d+\] "Starting NGINX Ingress controller"$/m);
    expect(await ok(c, ["get", "ingressclass"])).toMatch(/^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE\nnginx\s+k8s\.io\/ingress-nginx\s+<none>\s+\d+s\n$/);
    expect(await ok(c, ["get", "clusterrolebinding", "ingress-nginx", "-o", "wide"])).toMatch(/ClusterRole\/ingress-nginx\s+\d+s\s+ingress-nginx\/ingress-nginx\n$/);
    expect(await ok(c, ["get", "validatingwebhookconfigurations"])).toMatch(/ingress-nginx-admission\s+1\s+\d+s/);
  });

  it("routes two hosts to two Services through host port 80, and answers nginx's 404 for others", async () => {
    await ok(c, ["create", "deployment", "web-nginx", "--image=nginx"]);
    await ok(c, ["create", "deployment", "web-httpd", "--image=httpd"]);
    await ok(c, ["expose", "deployment", "web-nginx", "--port=80"]);
    await ok(c, ["expose", "deployment", "web-httpd", "--port=80"]);
    expect(await ok(c, ["create", "ingress", "demo", "--class=nginx", "--rule=nginx.example.com/*=web-nginx:80", "--rule=httpd.example.com/*=web-httpd:80"])).toBe("ingress.networking.k8s.io/demo created\n");
    await advance(c, 5);
    await settled(c);

    const table = await ok(c, ["get", "ingress"]);
    expect(table).toMatch(/^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE\ndemo\s+nginx\s+nginx\.example\.com,httpd\.example\.com\s+localhost\s+80\s+\d+s\n$/);

    const nginx = await curl(port80, "nginx.example.com");
    expect(nginx.code).toBe(200);
    expect(nginx.body).toContain("<h1>Welcome to nginx!</h1>");
    const httpd = await curl(port80, "httpd.example.com");
    expect(httpd.code).toBe(200);
    expect(httpd.body).toContain("<h1>It works!</h1>");
    // Prefix by path element: /anything under the host goes to the same Service (nginx's own 404).
    expect((await curl(port80 + "missing.html", "nginx.example.com")).body).toContain("<center>nginx/");
    const unknown = await curl(port80, "other.example.com");
    expect(unknown.code).toBe(404);
    expect(unknown.body).toBe("<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n");

    // From inside the cluster: a pod reaching the controller's Service with a Host header, through the management API's connect.
    const client = (await getJson(c, ["pods", "-l", "app=web-nginx"])).items[0].metadata.name;
    const via = await manage("POST", c, "/connect", { from: `pod/default/${client}`, to: "ingress-nginx-controller.ingress-nginx.svc.cluster.local:80", request: { method: "GET", path: "/", headers: { host: "httpd.example.com" } } });
    expect(via.status).toBe(200);
    expect(via.json).toMatchObject({ ok: true, pod: { namespace: "default", name: expect.stringMatching(/^web-httpd-/) }, answer: { status: 200 } });
    expect(via.json.answer.body).toContain("It works!");
    expect(via.json.trail).toContain("ingress default/demo: host httpd.example.com, Prefix /");

    // The controller logs each request as ingress-nginx does, with the upstream it chose.
    const logs = await ok(c, ["logs", "-n", "ingress-nginx", "deploy/ingress-nginx-controller"]);
    expect(logs).toMatch(/"GET \/ HTTP\/1\.1" 200 \d+ .*\[default-web-httpd-80\]/);

    const described = await ok(c, ["describe", "ingress", "demo"]);
    expect(described).toMatch(/Ingress Class:\s+nginx/);
    expect(described).toMatch(/Address:\s+localhost/);
    expect(described).toMatch(/nginx\.example\.com\s*\n\s+\/\s+web-nginx:80 \(10\.244\.\d+\.\d+:80\)/);
    expect(described).toMatch(/httpd\.example\.com\s*\n\s+\/\s+web-httpd:80 \(10\.244\.\d+\.\d+:80\)/);
  });

  it("routes kind's usage example by path, for any host: /foo and /bar to two agnhost pods", async () => {
    const pod = (name: string) => `kind: Pod
apiVersion: v1
metadata:
  name: ${name}-app
  labels:
    app: ${name}
spec:
  containers:
  - command: [/agnhost, serve-hostname, --http=true, --port=8080]
    image: registry.k8s.io/e2e-test-images/agnhost:2.39
    name: ${name}-app
---
kind: Service
apiVersion: v1
metadata:
  name: ${name}-service
spec:
  selector:
    app: ${name}
  ports:
  - port: 8080
---
`;
    const usage = `${pod("foo")}${pod("bar")}apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: example-ingress
spec:
  rules:
  - http:
      paths:
      - pathType: Prefix
        path: /foo
        backend:
          service:
            name: foo-service
            port:
              number: 8080
      - pathType: Prefix
        path: /bar
        backend:
          service:
            name: bar-service
            port:
              number: 8080
`;
    await ok(c, ["apply", "-f", "-"], usage);
    await advance(c, 5);
    await settled(c);
    // Classless, yet served: the manifest's controller runs with --watch-ingress-without-class.
    expect(await ok(c, ["get", "ingress", "example-ingress"])).toMatch(/example-ingress\s+<none>\s+\*\s+localhost\s+80\s+\d+s\n$/);
    expect((await curl(port80 + "foo", "localhost")).body).toBe("foo-app");
    expect((await curl(port80 + "bar/baz", "localhost")).body).toBe("bar-app");
    // The named hosts keep their own servers; an unknown one falls to the catch-all's paths.
    expect((await curl(port80 + "foo", "nginx.example.com")).body).toContain("<center>nginx/");
    expect((await curl(port80 + "foo", "unknown.example.com")).body).toBe("foo-app");
    expect((await curl(port80 + "foobar", "unknown.example.com")).code).toBe(404);
    await ok(c, ["delete", "ingress", "example-ingress"]);
  });

  it("sends a canary's requests by header: a second Ingress with canary annotations", async () => {
    await ok(c, ["create", "ingress", "demo-canary", "--class=nginx", "--rule=httpd.example.com/*=web-nginx:80", "--annotation=nginx.ingress.kubernetes.io/canary=true", "--annotation=nginx.ingress.kubernetes.io/canary-by-header=X-Canary"]);
    await settled(c);
    const canaryCurl = (header: string) =>
      new Promise<string>((resolve, reject) =>
        execFile("curl", ["-sS", "--cacert", service.ca, "-H", "Host: httpd.example.com", "-H", `X-Canary: ${header}`, port80], { timeout: 20_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout))),
      );
    expect(await canaryCurl("always")).toContain("<h1>Welcome to nginx!</h1>");
    expect(await canaryCurl("never")).toContain("<h1>It works!</h1>");
    expect((await curl(port80, "httpd.example.com")).body).toContain("<h1>It works!</h1>");
    await ok(c, ["delete", "ingress", "demo-canary"]);
  });

  it("redirects plain http to https for a host with TLS, and serves it on host port 443", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kubedo-tls-"));
    await new Promise<void>((resolve, reject) =>
      execFile("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=secure.example.com", "-keyout", path.join(dir, "tls.key"), "-out", path.join(dir, "tls.crt")], (err) => (err ? reject(err) : resolve())),
    );
    expect(readFileSync(path.join(dir, "tls.crt"), "utf8")).toContain("BEGIN CERTIFICATE");
    await ok(c, ["create", "secret", "tls", "secure-tls", `--cert=${path.join(dir, "tls.crt")}`, `--key=${path.join(dir, "tls.key")}`]);
    await ok(c, ["create", "ingress", "secure", "--class=nginx", "--rule=secure.example.com/*=web-nginx:80,tls=secure-tls"]);
    await settled(c);
    expect(await ok(c, ["get", "ingress", "secure"])).toMatch(/secure\s+nginx\s+secure\.example\.com\s+localhost\s+80, 443\s+\d+s\n$/);

    const redirect = await curl(port80 + "shop?item=1", "secure.example.com");
    expect(redirect.code).toBe(308);
    expect(redirect.location).toBe("https://secure.example.com/shop?item=1");
    expect(redirect.body).toContain("<title>308 Permanent Redirect</title>");
    const served = await curl(port443, "secure.example.com");
    expect(served.code).toBe(200);
    expect(served.body).toContain("<h1>Welcome to nginx!</h1>");
  });
});

describe("the Ingress kind through kubectl", () => {
  it("refuses what kube-apiserver refuses, in its words", async () => {
    const bad = `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: bad
spec:
  rules:
  - host: bad.example.com
    http:
      paths:
      - path: api
        pathType: Prefix
        backend:
          service:
            name: web-nginx
            port:
              number: 80
      - path: /x
        pathType: Regex
        backend:
          service:
            name: web-nginx
            port:
              name: http
`;
    const r = await kubectl(c, ["apply", "-f", "-"], { input: bad });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('The Ingress "bad" is invalid: ');
    expect(r.stderr).toContain('spec.rules[0].http.paths[0].path: Invalid value: "api": must be an absolute path');
    expect(r.stderr).toContain('spec.rules[0].http.paths[1].pathType: Unsupported value: "Regex": supported values: "Exact", "ImplementationSpecific", "Prefix"');
    expect((await kubectl(c, ["get", "ingress", "bad"])).stderr).toContain('ingresses.networking.k8s.io "bad" not found');
  });

  it("gives a classless Ingress the default class, and explains the kind", async () => {
    await ok(c, ["annotate", "ingressclass", "nginx", "ingressclass.kubernetes.io/is-default-class=true"]);
    await ok(c, ["create", "ingress", "classless", "--rule=plain.example.com/=web-nginx:80"]);
    expect((await getJson(c, ["ingress", "classless"])).spec).toMatchObject({ ingressClassName: "nginx", rules: [{ host: "plain.example.com", http: { paths: [{ path: "/", pathType: "Exact" }] } }] });
    // A default backend alone catches every host nothing else claims.
    await ok(c, ["create", "ingress", "fallback", "--class=nginx", "--default-backend=web-httpd:80"]);
    // rewrite-target with regex captures, from kubectl's --annotation.
    await ok(c, ["create", "ingress", "rewrite", "--class=nginx", "--rule=rw.example.com/app(/|$)(.*)=web-nginx:80", "--annotation=nginx.ingress.kubernetes.io/rewrite-target=/$2"]);
    await settled(c);
    expect((await curl(port80, "nowhere.example.com")).body).toContain("<h1>It works!</h1>");
    expect((await curl(port80 + "app/index.html", "rw.example.com")).body).toContain("<h1>Welcome to nginx!</h1>");
    expect((await curl(port80 + "app/missing", "rw.example.com")).code).toBe(404);
    const nginxLog = await ok(c, ["logs", "deploy/web-nginx"]);
    expect(nginxLog).toContain('"GET /index.html HTTP/1.1" 200');
    expect(nginxLog).toContain('"GET /missing HTTP/1.1" 404');
    const explained = await ok(c, ["explain", "ingress.spec.rules.http.paths"]);
    expect(explained).toContain("KIND:       Ingress");
    expect(explained).toContain("pathType");
    expect(await ok(c, ["api-resources", "--api-group=networking.k8s.io"])).toMatch(/ingresses\s+ing\s+networking\.k8s\.io\/v1\s+true\s+Ingress/);
  });

  it("leaves the cluster idle once everything settles", async () => {
    await advance(c, 60);
    await settled(c);
    expect((await manage("GET", c, "")).json.alarm).toBeNull();
  });
});

describe("ingress-nginx from the simulation setting", () => {
  let s: TestCluster;
  beforeAll(async () => {
    s = await newCluster("ingress-sim");
    await simulate(s, { profile: "instant" });
  });

  it("installs the same objects as the manifest, serves Ingresses, and removes them again", async () => {
    const bad = await manage("PATCH", s, "", { simulation: { ingress: "traefik" } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("simulation.ingress");
    expect(await kubectl(s, ["get", "namespace", "ingress-nginx"])).toMatchObject({ code: 1 });

    const on = await manage("PATCH", s, "", { simulation: { ingress: "nginx" } });
    expect(on.status).toBe(200);
    expect(on.json.simulation.ingress).toBe("nginx");
    // The new cluster's nodes first wait for kindnet; then the probe's 10 s.
    await advance(s, 40);
    await settled(s);
    expect(await ok(s, ["get", "deploy", "-n", "ingress-nginx"])).toMatch(/ingress-nginx-controller\s+1\/1\s+1\s+1\s+\d+s/);
    // Made as a user's apply makes it: kubectl's annotation, so a later apply of the manifest merges.
    const deploy = await getJson(s, ["deploy", "-n", "ingress-nginx", "ingress-nginx-controller"]);
    expect(JSON.parse(deploy.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"]).kind).toBe("Deployment");
    expect(await ok(s, ["apply", "-f", MANIFEST])).toContain("ingressclass.networking.k8s.io/nginx unchanged");

    await ok(s, ["create", "ingress", "site", "--class=nginx", "--rule=site.example.com/=site:80"]);
    await settled(s);
    expect(await ok(s, ["get", "ing"])).toMatch(/site\s+nginx\s+site\.example\.com\s+localhost\s+80\s+\d+s/);

    const off = await manage("PATCH", s, "", { simulation: { ingress: null } });
    expect(off.status).toBe(200);
    await advance(s, 60);
    await settled(s);
    expect((await kubectl(s, ["get", "namespace", "ingress-nginx"])).stderr).toContain('namespaces "ingress-nginx" not found');
    expect((await kubectl(s, ["get", "ingressclass", "nginx"])).stderr).toContain('ingressclasses.networking.k8s.io "nginx" not found');
    expect(await ok(s, ["get", "ing", "site"])).toMatch(/site\s+nginx\s+site\.example\.com\s+80\s+\d+s/);
  });

  it("stores RBAC kinds with kube-apiserver's validation and kubectl's columns", async () => {
    expect(await ok(s, ["create", "role", "pod-reader", "--verb=get,list", "--resource=pods"])).toBe("role.rbac.authorization.k8s.io/pod-reader created\n");
    expect(await ok(s, ["get", "role", "pod-reader"])).toMatch(/^NAME\s+CREATED AT\npod-reader\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\n$/);
    await ok(s, ["create", "rolebinding", "read-pods", "--role=pod-reader", "--user=jane", "--serviceaccount=default:builder"]);
    expect(await ok(s, ["get", "rolebinding", "read-pods", "-o", "wide"])).toMatch(/read-pods\s+Role\/pod-reader\s+\d+s\s+jane\s+default\/builder\n$/);
    const binding = await getJson(s, ["rolebinding", "read-pods"]);
    expect(binding.subjects).toEqual([
      { apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "jane" },
      { kind: "ServiceAccount", name: "builder", namespace: "default" },
    ]);
    const bad = `apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: bad
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Deployment
  name: x
subjects:
- kind: Robot
  name: r2
`;
    const r = await kubectl(s, ["apply", "-f", "-"], { input: bad });
    expect(r.stderr).toContain('roleRef.kind: Unsupported value: "Deployment": supported values: "Role", "ClusterRole"');
    expect(r.stderr).toContain('subjects[0].kind: Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"');
    const changed = await kubectl(s, ["patch", "rolebinding", "read-pods", "--type=merge", "-p", '{"roleRef":{"name":"other"}}']);
    expect(changed.stderr).toContain("cannot change roleRef");
    const nonResource = await kubectl(s, ["apply", "-f", "-"], { input: "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: health\nrules:\n- verbs: [get]\n  nonResourceURLs: [/healthz]\n" });
    expect(nonResource.stderr).toContain('rules[0].nonResourceURLs: Invalid value: []string{"/healthz"}: namespaced rules cannot apply to non-resource URLs');
  });
});

describe("kind's config for ingress", () => {
  it("refuses a kubeadm patch whose node-labels are not labels, naming the field", async () => {
    const bad = `kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
  kubeadmConfigPatches:
  - |
    kind: InitConfiguration
    nodeRegistration:
      kubeletExtraArgs:
        node-labels: "ingress ready=true"
`;
    const r = await request("POST", "/v1/clusters?name=ingress-bad-labels", { token: service.tenantToken, body: bad, contentType: "application/yaml" });
    expect(r.status).toBe(400);
    expect(r.json.error.message).toContain('nodes[0].kubeadmConfigPatches[0]: node-labels "ingress ready=true": name part must consist of alphanumeric characters');
  });
});
