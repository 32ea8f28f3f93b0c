// ServiceAccount tokens through real kubectl: `kubectl create token` (1.33 and 1.27), requests
// made with the token (`--token`), tokens refused once their account or bound pod is gone, legacy
// token Secrets, the token a pod gets, and RBAC deciding for the ServiceAccount.
import { beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { eventually, getJson, kubectl, kubectlAt, newCluster, ok, request, settled, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("satokens");
  await simulate(c, { profile: "instant" });
  await ok(c, ["create", "namespace", "a"]);
  await ok(c, ["create", "namespace", "b"]);
});

// any: decoded claims are read field by field
function claims(token: string): any {
  return JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString("utf8"));
}

async function createToken(args: string[], bin?: string): Promise<string> {
  const r = await kubectl(c, ["create", "token", ...args], bin ? { bin } : {});
  if (r.code !== 0) throw new Error(`create token failed: ${r.stderr}`);
  return r.stdout.trim();
}

/** `kubectl auth whoami` with a token, as its Username and Groups rows. */
async function whoami(token: string) {
  const r = await kubectl(c, ["auth", "whoami", `--token=${token}`]);
  const row = (name: string) => r.stdout.split("\n").find((l) => l.startsWith(name))?.slice(name.length).trim();
  return { code: r.code, stderr: r.stderr, username: row("Username"), groups: row("Groups") };
}

const UNAUTHORIZED = "error: You must be logged in to the server (Unauthorized)";

describe("ServiceAccount tokens", () => {
  it("kubectl create token gives a JWT with the cluster's issuer, audience and expiry, and a request with it is the ServiceAccount", async () => {
    const uid = (await getJson(c, ["serviceaccount", "default"])).metadata.uid;
    const token = await createToken(["default"]);
    expect(token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const cl = claims(token);
    expect(JSON.parse(Buffer.from(token.split(".")[0], "base64url").toString())).toMatchObject({ alg: "ES256" });
    expect(cl).toMatchObject({ iss: "https://kubernetes.default.svc.cluster.local", aud: ["https://kubernetes.default.svc.cluster.local"], sub: "system:serviceaccount:default:default", "kubernetes.io": { namespace: "default", serviceaccount: { name: "default", uid } } });
    expect(cl.exp - cl.iat).toBe(3600);
    expect(cl.nbf).toBe(cl.iat);

    const me = await whoami(token);
    expect(me.username).toBe("system:serviceaccount:default:default");
    expect(me.groups).toBe("[system:serviceaccounts system:serviceaccounts:default system:authenticated]");

    expect(claims(await createToken(["default", "--duration=10m"]))).toSatisfy((x: { exp: number; iat: number }) => x.exp - x.iat === 600);
    expect(claims(await createToken(["default", "--audience=vault", "--duration=1h"], kubectlAt(27))).aud).toEqual(["vault"]);
    const short = await kubectl(c, ["create", "token", "default", "--duration=5m"]);
    expect(short.code).not.toBe(0);
    expect(short.stderr).toContain('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 300: may not specify a duration less than 10 minutes');
    expect((await kubectl(c, ["create", "token", "nobody"])).stderr).toContain('serviceaccounts "nobody" not found');

    // The management API takes no service-account token.
    expect((await request("GET", "/v1/clusters", { token })).status).toBe(401);
  });

  it("a token whose ServiceAccount was deleted and made again is refused with 401", async () => {
    await ok(c, ["create", "serviceaccount", "temp"]);
    const token = await createToken(["temp"]);
    expect((await whoami(token)).username).toBe("system:serviceaccount:default:temp");
    await ok(c, ["delete", "serviceaccount", "temp"]);
    await ok(c, ["create", "serviceaccount", "temp"]);
    const r = await kubectl(c, ["get", "pods", `--token=${token}`]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(UNAUTHORIZED);
    expect((await whoami(await createToken(["temp"]))).username).toBe("system:serviceaccount:default:temp");
    // A token that is not one of this cluster's: refused too.
    const [h, p] = token.split(".");
    expect((await kubectl(c, ["get", "pods", `--token=${h}.${p}.${"A".repeat(86)}`])).stderr.trim()).toBe(UNAUTHORIZED);
  });

  it("a token bound to a pod is that pod's, and is refused once the pod is deleted; the pod's own token file is a JWT for its ServiceAccount", async () => {
    await ok(c, ["create", "serviceaccount", "robot"]);
    await ok(c, ["apply", "-f", "-"], stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: { serviceAccountName: "robot", containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "3600"] }] } }));
    await ok(c, ["wait", "--for=condition=Ready", "pod/p", "--timeout=30s"]);
    const pod = await getJson(c, ["pod", "p"]);

    const file = (await ok(c, ["exec", "p", "--", "cat", "/var/run/secrets/kubernetes.io/serviceaccount/token"])).trim();
    const fc = claims(file);
    expect(fc.sub).toBe("system:serviceaccount:default:robot");
    expect(fc["kubernetes.io"].pod).toEqual({ name: "p", uid: pod.metadata.uid });
    expect(fc["kubernetes.io"].node.name).toBe(pod.spec.nodeName);
    expect(fc["kubernetes.io"].warnafter - fc.iat).toBe(3607);
    expect((await whoami(file)).username).toBe("system:serviceaccount:default:robot");

    for (const bin of [undefined, kubectlAt(27)]) {
      const bound = await createToken(["robot", "--bound-object-kind", "Pod", "--bound-object-name", "p"], bin);
      expect(claims(bound)["kubernetes.io"].pod).toEqual({ name: "p", uid: pod.metadata.uid });
    }
    const bound = await createToken(["robot", "--bound-object-kind", "Pod", "--bound-object-name", "p", "--bound-object-uid", pod.metadata.uid]);
    expect((await whoami(bound)).username).toBe("system:serviceaccount:default:robot");
    const plain = await createToken(["robot"]);

    await ok(c, ["delete", "pod", "p", "--grace-period=0", "--force"]);
    await settled(c);
    expect((await kubectl(c, ["get", "pods", `--token=${bound}`])).stderr.trim()).toBe(UNAUTHORIZED);
    expect((await kubectl(c, ["get", "pods", `--token=${file}`])).stderr.trim()).toBe(UNAUTHORIZED);
    expect((await whoami(plain)).username).toBe("system:serviceaccount:default:robot");
  });

  it("a legacy token Secret is filled by the token controller, and its token stops working when the Secret goes", async () => {
    await ok(c, ["create", "serviceaccount", "build"]);
    await ok(c, ["apply", "-f", "-"], stringify({ apiVersion: "v1", kind: "Secret", metadata: { name: "build-token", annotations: { "kubernetes.io/service-account.name": "build" } }, type: "kubernetes.io/service-account-token" }));
    // any: the Secret as kubectl prints it
    let secret: any;
    await eventually(async () => {
      secret = await getJson(c, ["secret", "build-token"]);
      return !!secret.data?.token;
    });
    expect(Object.keys(secret.data).sort()).toEqual(["ca.crt", "namespace", "token"]);
    expect(secret.metadata.annotations["kubernetes.io/service-account.uid"]).toBe((await getJson(c, ["serviceaccount", "build"])).metadata.uid);
    const token = Buffer.from(secret.data.token, "base64").toString();
    expect(claims(token)).toMatchObject({ iss: "kubernetes/serviceaccount", sub: "system:serviceaccount:default:build", "kubernetes.io/serviceaccount/secret.name": "build-token" });
    expect(await ok(c, ["describe", "secret", "build-token"])).toMatch(/Type:\s+kubernetes.io\/service-account-token/);
    expect((await whoami(token)).username).toBe("system:serviceaccount:default:build");
    await ok(c, ["delete", "secret", "build-token"]);
    expect((await kubectl(c, ["get", "pods", `--token=${token}`])).stderr.trim()).toBe(UNAUTHORIZED);
  });

  it("RBAC decides for the ServiceAccount: a Role listing pods in a allows it there and not in b, as auth can-i --as says", async () => {
    await ok(c, ["create", "serviceaccount", "reader", "-n", "a"]);
    await ok(c, ["create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "-n", "a"]);
    await ok(c, ["create", "rolebinding", "reader", "--role=pod-reader", "--serviceaccount=a:reader", "-n", "a"]);
    await ok(c, ["run", "web", "--image=nginx:1.27", "-n", "a"]);
    const token = await createToken(["reader", "-n", "a"]);
    const as = "--as=system:serviceaccount:a:reader";
    expect((await kubectl(c, ["auth", "can-i", "list", "pods", "-n", "a", as])).stdout.trim()).toBe("yes");
    expect((await kubectl(c, ["auth", "can-i", "list", "pods", "-n", "b", as])).stdout.trim()).toBe("no");
    expect((await kubectl(c, ["auth", "can-i", "list", "pods", "-n", "a", `--token=${token}`])).stdout.trim()).toBe("yes");
    expect((await kubectl(c, ["auth", "can-i", "list", "pods", "-n", "b", `--token=${token}`])).stdout.trim()).toBe("no");

    expect(await ok(c, ["get", "pods", "-n", "a", `--token=${token}`, "-o", "name"])).toBe("pod/web\n");
    const denied = await kubectl(c, ["get", "pods", "-n", "b", `--token=${token}`]);
    expect(denied.code).toBe(1);
    expect(denied.stderr.trim()).toBe('Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:a:reader" cannot list resource "pods" in API group "" in the namespace "b"');
    const viaAs = await kubectl(c, ["get", "pods", "-n", "b", as]);
    expect(viaAs.stderr.trim()).toBe(denied.stderr.trim());
    // From inside a pod running as that ServiceAccount, with its mounted token, through the kubernetes Service (as in-cluster clients find it).
    await ok(c, ["apply", "-f", "-"], stringify({ apiVersion: "v1", kind: "Pod", metadata: { name: "client", namespace: "a" }, spec: { serviceAccountName: "reader", containers: [{ name: "c", image: "nginx:1.27" }] } }));
    await ok(c, ["wait", "--for=condition=Ready", "pod/client", "-n", "a", "--timeout=30s"]);
    const inPod = async (ns: string, auth = true) =>
      JSON.parse(await ok(c, ["exec", "-n", "a", "client", "--", "sh", "-c", `curl -sk ${auth ? '-H "Authorization: Bearer $(cat /var/run/secrets/kubernetes.io/serviceaccount/token)" ' : ""}https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/api/v1/namespaces/${ns}/pods`]));
    expect((await inPod("a")).items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual(["client", "web"]);
    expect(await inPod("b")).toMatchObject({ kind: "Status", code: 403, message: 'pods is forbidden: User "system:serviceaccount:a:reader" cannot list resource "pods" in API group "" in the namespace "b"' });
    // Without a token a pod is system:anonymous, as on kind: RBAC lets it read /version and nothing else.
    expect(await inPod("a", false)).toMatchObject({ kind: "Status", code: 403, message: 'pods is forbidden: User "system:anonymous" cannot list resource "pods" in API group "" in the namespace "a"' });
    const anonymous = (path: string) => ok(c, ["exec", "-n", "a", "client", "--", "sh", "-c", `curl -sk https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT${path}`]);
    expect(JSON.parse(await anonymous("/version")).gitVersion).toMatch(/^v1\.\d+\.\d+/);
    expect(JSON.parse(await anonymous("/"))).toMatchObject({ code: 403, message: 'forbidden: User "system:anonymous" cannot get path "/"' });
    expect(JSON.parse(await ok(c, ["exec", "-n", "a", "client", "--", "sh", "-c", 'curl -sk -H "Authorization: Bearer not-a-token" https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/version']))).toMatchObject({ code: 401, message: "Unauthorized" });
    // Nor may it write where it may read.
    expect((await kubectl(c, ["delete", "pod", "web", "-n", "a", `--token=${token}`])).stderr.trim()).toBe('Error from server (Forbidden): pods "web" is forbidden: User "system:serviceaccount:a:reader" cannot delete resource "pods" in API group "" in the namespace "a"');
  });
});
