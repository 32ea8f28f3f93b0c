// exec over WebSocket as kubectl speaks it: output and exit codes through the v5 channel
// protocol, stdin piped, the errors kube-apiserver and the kubelet give (unknown container, a
// container that never ran, the view role), `auth can-i create pods/exec`, kubectl 1.27 and
// 1.29 refused with the version (and 1.29's switch) that works, and client-node's Exec.
import * as k8s from "@kubernetes/client-node";
import { Writable } from "node:stream";
import { beforeAll, describe, expect, it } from "vitest";
import { eventually, kubectl, kubectlAt, newCluster, ok, request, service, type TestCluster } from "./helpers";

let c: TestCluster;

beforeAll(async () => {
  c = await newCluster("ex");
  await ok(c, ["run", "web", "--image=nginx:1.27"]);
  await ok(c, ["run", "broken", "--image=nginx:no-such-tag"]);
  await eventually(async () => (await kubectl(c, ["get", "pod", "web", "-o", "jsonpath={.status.phase}"])).stdout === "Running");
});

describe("kubectl exec (1.33)", () => {
  it("runs a command and passes its output and exit code through", async () => {
    const hi = await kubectl(c, ["exec", "web", "--", "echo", "hi"]);
    expect(hi).toMatchObject({ code: 0, stdout: "hi\n", stderr: "" });
    const no = await kubectl(c, ["exec", "web", "--", "false"]);
    expect(no.code).toBe(1);
    expect(no.stderr).toBe("command terminated with exit code 1\n");
    const both = await kubectl(c, ["exec", "web", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(both).toEqual({ code: 3, stdout: "out\n", stderr: "err\ncommand terminated with exit code 3\n" });
  });

  it("pipes stdin to the command (-i)", async () => {
    const r = await kubectl(c, ["exec", "-i", "web", "--", "cat"], { input: "one\ntwo\n" });
    expect(r).toMatchObject({ code: 0, stdout: "one\ntwo\n" });
  });

  it("answers with kube-apiserver's and the kubelet's errors", async () => {
    const bad = await kubectl(c, ["exec", "web", "-c", "nope", "--", "true"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toBe("Error from server (BadRequest): container nope is not valid for pod web\n");
    const never = await kubectl(c, ["exec", "broken", "--", "true"]);
    expect(never.code).toBe(1);
    expect(never.stderr).toBe('error: Internal error occurred: unable to upgrade connection: container not found ("broken")\n');
  });

  it("is a write: view may not (Forbidden in kube's words), and auth can-i says so", async () => {
    const t = await request("POST", "/v1/tokens", { token: service.tenantToken, body: { name: `exec-viewer-${c.name}`, cluster: c.name, role: "view" } });
    expect(t.status).toBe(201);
    const as = `--token=${t.json.token}`;
    expect((await kubectl(c, ["auth", "can-i", "create", "pods/exec"])).stdout.trim()).toBe("yes");
    expect((await kubectl(c, ["auth", "can-i", "create", "pods/exec", as])).stdout.trim()).toBe("no");
    expect((await kubectl(c, ["auth", "can-i", "create", "pods/portforward", as])).stdout.trim()).toBe("no");
    const r = await kubectl(c, ["exec", "web", as, "--", "true"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Error from server \(Forbidden\): pods "web" is forbidden: User "kubedo:[^"]+" cannot create resource "pods\/exec" in API group "" in the namespace "default"\n$/);
  });

  it("lists pods/exec, pods/attach and pods/portforward in discovery", async () => {
    const list = JSON.parse(await ok(c, ["get", "--raw", "/api/v1"])) as { resources: { name: string; kind: string; verbs: string[] }[] };
    for (const name of ["pods/exec", "pods/attach", "pods/portforward"]) expect(list.resources.find((r) => r.name === name)?.verbs).toEqual(["create", "get"]);
  });
});

describe("kubectl before 1.30", () => {
  for (const minor of [27, 29])
    it(`1.${minor} falls back to SPDY and is told which kubectl works`, async () => {
      const r = await kubectl(c, ["exec", "web", "--", "true"], { bin: kubectlAt(minor) });
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        "Error from server (BadRequest): this cluster speaks exec (and cp) over WebSocket only, and a SPDY upgrade cannot be served here: use kubectl 1.30 or later (or kubectl 1.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true)\n",
      );
    });
});

describe("@kubernetes/client-node Exec", () => {
  it("runs a command over v5.channel.k8s.io and reports its Status", async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(c.kubeconfig);
    let out = "";
    const stdout = new Writable({
      write(chunk, _enc, done) {
        out += String(chunk);
        done();
      },
    });
    const status = await new Promise<k8s.V1Status>((resolve, reject) => {
      void new k8s.Exec(kc).exec("default", "web", "web", ["echo", "from", "client-node"], stdout, null, null, false, resolve).catch(reject);
    });
    expect(status.status).toBe("Success");
    expect(out).toBe("from client-node\n");
  });
});
