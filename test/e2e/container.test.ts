// Inside the pod with real kubectl: exec with exit codes and stdin, a shell fed a script, a
// ConfigMap as files and env (and its update after the kubelet's sync period), two containers
// sharing an emptyDir, wget and nslookup from one pod to another's Service, kubectl cp both
// ways, kubectl run --rm, and etcdctl in the etcd pod listing what was just created.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { advance, eventually, getJson, kubectl, kubectlAt, kubectlBackground, newCluster, ok, simulate, type TestCluster } from "./helpers";

let c: TestCluster;

const objects = [
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "app-config" }, data: { greeting: "hello", "app.properties": "color=blue\n" } },
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web" },
    spec: { replicas: 1, selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] } } },
  },
  { apiVersion: "v1", kind: "Service", metadata: { name: "web" }, spec: { selector: { app: "web" }, ports: [{ port: 80, targetPort: 80 }] } },
  {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "box" },
    spec: {
      containers: [
        {
          name: "box",
          image: "busybox:1.36",
          command: ["sleep", "3600"],
          env: [{ name: "GREETING", valueFrom: { configMapKeyRef: { name: "app-config", key: "greeting" } } }],
          envFrom: [{ configMapRef: { name: "app-config" }, prefix: "CFG_" }],
          volumeMounts: [{ name: "config", mountPath: "/config" }],
        },
      ],
      volumes: [{ name: "config", configMap: { name: "app-config" } }],
    },
  },
  {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "pair" },
    spec: {
      containers: [
        { name: "app", image: "busybox:1.36", command: ["sh", "-c", 'i=0; while true; do echo "line $i" >> /var/log/app.log; i=$((i+1)); sleep 1; done'], volumeMounts: [{ name: "logs", mountPath: "/var/log" }] },
        { name: "collector", image: "busybox:1.36", command: ["sh", "-c", "tail -n+1 -F /logs/app.log"], volumeMounts: [{ name: "logs", mountPath: "/logs" }] },
      ],
      volumes: [{ name: "logs", emptyDir: {} }],
    },
  },
];

beforeAll(async () => {
  c = await newCluster("inside");
  await simulate(c, { profile: "instant" });
  await ok(c, ["apply", "-f", "-"], objects.map((o) => JSON.stringify(o)).join("\n"));
  await advance(c, 30);
  await eventually(async () => (await ok(c, ["get", "pods", "--no-headers"])).split("\n").filter((l) => /Running/.test(l)).length >= 3, 30_000);
}, 90_000);

describe("kubectl exec", () => {
  it("runs a command and passes its exit code through", async () => {
    expect(await ok(c, ["exec", "box", "--", "echo", "hello", "world"])).toBe("hello world\n");
    const f = await kubectl(c, ["exec", "box", "--", "false"]);
    expect(f.code).toBe(1);
    expect(f.stderr).toContain("command terminated with exit code 1");
    const three = await kubectl(c, ["exec", "box", "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);
    expect(three.code).toBe(3);
    expect(three.stdout).toBe("out\n");
    expect(three.stderr).toContain("err\n");
  });

  it("works with every kubectl that speaks WebSocket (1.30 to 1.33)", async () => {
    for (const minor of [30, 31, 32, 33]) {
      const r = await kubectl(c, ["exec", "box", "--", "sh", "-c", `echo v${minor}; exit 4`], { bin: kubectlAt(minor) });
      expect(r.stdout).toBe(`v${minor}\n`);
      expect(r.code).toBe(4);
    }
  });

  it("pipes stdin, and runs a script fed to sh on stdin", async () => {
    expect((await kubectl(c, ["exec", "-i", "box", "--", "cat"], { input: "hi\nthere\n" })).stdout).toBe("hi\nthere\n");
    const script = ["cd /tmp", "echo $((2 + 3)) > n", "cat n", "pwd", "for x in a b; do echo \"x=$x\"; done | sort -r", "[ -f n ] && echo exists"].join("\n") + "\n";
    const r = await kubectl(c, ["exec", "-i", "box", "--", "sh"], { input: script });
    expect(r.stdout).toBe("5\n/tmp\nx=b\nx=a\nexists\n");
    // The file written stays for the next exec.
    expect(await ok(c, ["exec", "box", "--", "cat", "/tmp/n"])).toBe("5\n");
  });

  it("says what a missing program is, as the runtime does", async () => {
    const r = await kubectl(c, ["exec", "box", "--", "nosuchtool"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('exec: "nosuchtool": executable file not found in $PATH');
  });
});

describe("the container's world", () => {
  it("mounts a ConfigMap as files and env, and updates the files after the kubelet's sync period", async () => {
    expect(await ok(c, ["exec", "box", "--", "cat", "/config/greeting"])).toBe("hello");
    expect(await ok(c, ["exec", "box", "--", "printenv", "GREETING"])).toBe("hello\n");
    expect(await ok(c, ["exec", "box", "--", "printenv", "CFG_greeting"])).toBe("hello\n");
    expect(await ok(c, ["exec", "box", "--", "ls", "-a", "/config"])).toMatch(/\.\.data\n/);
    await ok(c, ["patch", "configmap", "app-config", "-p", JSON.stringify({ data: { greeting: "bonjour" } })]);
    await advance(c, 90);
    await eventually(async () => (await ok(c, ["exec", "box", "--", "cat", "/config/greeting"])) === "bonjour", 20_000);
    // The environment is fixed when the container starts.
    expect(await ok(c, ["exec", "box", "--", "printenv", "GREETING"])).toBe("hello\n");
  });

  it("shares an emptyDir between two containers: one writes, the other reads", async () => {
    await advance(c, 5);
    const file = await ok(c, ["exec", "pair", "-c", "collector", "--", "cat", "/logs/app.log"]);
    expect(file).toMatch(/^line 0\nline 1\n/);
    // The collector may have started a moment before the app's first write (busybox's tail -F
    // then says the file has appeared, as on a real node); either way it follows every line.
    const logs = await ok(c, ["logs", "pair", "-c", "collector"]);
    expect(logs).toMatch(/(^|\n)line 0\nline 1\nline 2\n/);
  });

  it("reaches another pod through its Service: wget gets nginx's page, nslookup resolves the ClusterIP", async () => {
    const ip = (await getJson(c, ["svc", "web"])).spec.clusterIP;
    expect(await ok(c, ["exec", "box", "--", "wget", "-qO-", "http://web"])).toContain("<title>Welcome to nginx!</title>");
    // busybox 1.36's nslookup asks every search domain and exits 1 when one says NXDOMAIN.
    const looked = await kubectl(c, ["exec", "box", "--", "nslookup", "web"]);
    const ns = looked.stdout;
    expect(ns, looked.stderr).toContain("Name:\tweb.default.svc.cluster.local");
    expect(ns).toContain(`Address: ${ip}`);
  });

  it("copies a file in and out with kubectl cp", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kubedo-cp-"));
    writeFileSync(path.join(dir, "in.txt"), "from the laptop\n");
    await ok(c, ["cp", path.join(dir, "in.txt"), "default/box:/tmp/in.txt"]);
    expect(await ok(c, ["exec", "box", "--", "cat", "/tmp/in.txt"])).toBe("from the laptop\n");
    await ok(c, ["cp", "default/box:/etc/hostname", path.join(dir, "hostname")]);
    expect(readFileSync(path.join(dir, "hostname"), "utf8")).toBe("box\n");
  });

  it("runs kubectl run --rm -i: attaches, the shell reads its script, and the pod is deleted", async () => {
    const r = await kubectl(c, ["run", "tmp", "--rm", "-i", "--image=busybox:1.36", "--restart=Never", "--", "sh"], { input: "echo from-run\nexit 0\n" });
    expect(r.stdout).toContain("from-run");
    expect(r.stdout).toContain('pod "tmp" deleted');
    expect(r.code).toBe(0);
    await eventually(async () => (await kubectl(c, ["get", "pod", "tmp"])).code !== 0);
  });

  it("lists the API server's keys with etcdctl in the etcd pod", async () => {
    const etcd = (await ok(c, ["get", "pods", "-n", "kube-system", "-l", "component=etcd", "-o", "name"])).trim().replace(/^pod\//, "");
    const flags = ["--endpoints=https://127.0.0.1:2379", "--cacert=/etc/kubernetes/pki/etcd/ca.crt", "--cert=/etc/kubernetes/pki/etcd/server.crt", "--key=/etc/kubernetes/pki/etcd/server.key"];
    const keys = await ok(c, ["exec", "-n", "kube-system", etcd, "--", "etcdctl", ...flags, "get", "/", "--prefix", "--keys-only"]);
    expect(keys).toContain("/registry/configmaps/default/app-config\n");
    expect(keys).toContain("/registry/pods/default/box\n");
    expect(keys).toContain("/registry/services/specs/default/web\n");
    expect(keys).toContain("/registry/deployments/default/web\n");
  });
});

describe("attach, debug and the control plane's tools", () => {
  it("attaches to a running container's output", async () => {
    await ok(c, ["run", "ticker", "--image=busybox:1.36", "--restart=Never", "--", "sh", "-c", "i=0; while true; do echo tick $i; i=$((i+1)); sleep 1; done"]);
    await eventually(async () => /Running/.test(await ok(c, ["get", "pod", "ticker", "--no-headers"])), 30_000);
    const att = kubectlBackground(c, ["attach", "ticker"]);
    try {
      await att.waitFor(/tick \d+\n/, 20_000);
    } finally {
      att.stop();
    }
  });

  it("runs kubectl run --rm -it (a terminal asked for, stdin piped): the shell reads, then the pod goes", async () => {
    const r = await kubectl(c, ["run", "tty", "--rm", "-it", "--image=busybox:1.36", "--restart=Never", "--", "sh"], { input: "echo via-tty\nexit\n" });
    expect(r.stdout).toContain("via-tty");
    expect(r.code).toBe(0);
    await eventually(async () => (await kubectl(c, ["get", "pod", "tty"])).code !== 0);
  });

  it("adds an ephemeral debug container that shares the target's processes", async () => {
    const r = await kubectl(c, ["debug", "-i", "box", "--image=busybox:1.36", "--target=box", "--", "sh"], { input: "ps\nexit\n" });
    expect(r.stdout).toMatch(/PID\s+USER\s+TIME\s+COMMAND/);
    expect(r.stdout).toMatch(/\n\s*1 root\s+\S+ sleep 3600\n/);
    const pod = await getJson(c, ["pod", "box"]);
    expect(pod.spec.ephemeralContainers).toHaveLength(1);
  });

  it("debugs a node: the node's root at /host has the static pod manifests", async () => {
    const cp = (await ok(c, ["get", "nodes", "-l", "node-role.kubernetes.io/control-plane", "-o", "name"])).trim().replace(/^node\//, "");
    const r = await kubectl(c, ["debug", `node/${cp}`, "-i", "--image=busybox:1.36", "--", "sh"], { input: "cat /host/etc/kubernetes/manifests/kube-controller-manager.yaml\nexit\n" });
    expect(r.stdout).toContain("kind: Pod");
    expect(r.stdout).toContain("- kube-controller-manager");
  });

  it("treats PID 1 as a namespace's init: nginx stops on TERM and is restarted, sleep ignores it", async () => {
    const web = (await ok(c, ["get", "pods", "-l", "app=web", "-o", "name"])).trim().replace(/^pod\//, "");
    await kubectl(c, ["exec", web, "--", "sh", "-c", "kill 1"]);
    await advance(c, 5);
    await eventually(async () => (await getJson(c, ["pod", web])).status.containerStatuses[0].restartCount === 1, 20_000);
    await kubectl(c, ["exec", "box", "-c", "box", "--", "kill", "-9", "1"]);
    await advance(c, 5);
    const box = await getJson(c, ["pod", "box"]);
    expect(box.status.containerStatuses[0]).toMatchObject({ restartCount: 0, ready: true });
  });

  it("answers iptables-save in kube-proxy's pod, and refuses sh in a distroless image", async () => {
    const proxy = (await ok(c, ["get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-proxy", "-o", "name"])).trim().split("\n")[0].replace(/^pod\//, "");
    const rules = await ok(c, ["exec", "-n", "kube-system", proxy, "--", "iptables-save"]);
    expect(rules).toContain("-A KUBE-SERVICES");
    expect(rules).toContain("default/web cluster IP");
    const coredns = (await ok(c, ["get", "pods", "-n", "kube-system", "-l", "k8s-app=kube-dns", "-o", "name"])).trim().split("\n")[0].replace(/^pod\//, "");
    const sh = await kubectl(c, ["exec", "-n", "kube-system", coredns, "--", "sh"]);
    expect(sh.code).not.toBe(0);
    expect(sh.stderr).toContain('exec: "sh": executable file not found in $PATH');
  });
});

describe("a real terminal", () => {
  it("runs kubectl exec -it sh in a pseudo-terminal: the image's prompt, echo, and exit", async () => {
    // script(1) gives kubectl a terminal, so it asks for a tty and puts the terminal in raw mode.
    const child = spawn("script", ["-qfec", "kubectl exec -it box -c box -- sh", "/dev/null"], { env: { ...process.env, KUBECONFIG: c.kubeconfig, TERM: "xterm" } });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const until = async (re: RegExp) => {
      const deadline = Date.now() + 15_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${re} in:\n${JSON.stringify(out)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const done = new Promise<number>((resolve) => child.on("exit", (code) => resolve(code ?? -1)));
    try {
      await until(/\/ # /);
      child.stdin.write("echo $((6*7))\r");
      await until(/echo \$\(\(6\*7\)\)\r\n42\r\n/);
      child.stdin.write("exit 0\r");
      expect(await done).toBe(0);
    } finally {
      child.kill();
    }
  });
});
