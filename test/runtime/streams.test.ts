// exec, attach and port-forward inside workerd, through the object's fetch as the Worker hands
// upgrades on: the channel protocol byte for byte (v5, v4, v1), the Status on the error channel,
// the checks before the upgrade, the SPDY refusal, port-forward over v4 channels and over SPDY
// tunnelled in WebSocket messages, discovery and the session bound. A fake ContainerSessions
// stands in for the container's world (the real one has its own tests).
import { runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Identity } from "../../worker/auth/identity";
import type { ContainerSessions, Session, SessionOutput } from "../../worker/cluster/container/session";
import { MAX_SESSIONS } from "../../worker/cluster/api/stream";
import { controlFrame, dataFrame, FLAG_FIN, FrameReader, HeaderReader, HeaderWriter, PING, SYN_REPLY, SYN_STREAM, DICTIONARY, type Frame } from "../../worker/cluster/api/stream/spdy";
import { concatBytes } from "../../worker/cluster/machinery/bytes";
import type { ClusterObject } from "../../worker/cluster/object";
import { STREAM_REQUEST_HEADER } from "../../worker/cluster/object";
import { adminIdentity, kube, newCluster, settle } from "./helpers";

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];
const NS = "/api/v1/namespaces/default";
const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array) => new TextDecoder().decode(b);

/** What the fake runtime saw, per session. */
const seen = { resizes: [] as [number, number][], closed: 0, requests: [] as { command?: string[]; container: string; tty: boolean; stdin: boolean }[] };

/** A container runtime in miniature: echo, cat (stdin until closed), exit <n>, err (stderr), wait (until closed). */
function fakeSession(command: string[] | null, out: SessionOutput): Session {
  let resolve!: (n: number) => void;
  const done = new Promise<number>((r) => (resolve = r));
  const [cmd, ...args] = command ?? ["attached"];
  let failure: string | undefined;
  queueMicrotask(() => {
    if (cmd === "missing") {
      failure = 'exec: "missing": executable file not found in $PATH';
      resolve(127);
    } else if (cmd === "echo") {
      out.stdout(enc(args.join(" ") + "\n"));
      resolve(0);
    } else if (cmd === "exit") resolve(Number(args[0]));
    else if (cmd === "err") {
      out.stderr(enc("oops\n"));
      resolve(2);
    } else if (cmd === "attached") out.stdout(enc("log line\n"));
  });
  const session: Session & { readonly failure?: string } = {
    get failure() {
      return failure;
    },
    input: (d) => {
      if (cmd === "cat" || cmd === "attached") out.stdout(d);
    },
    endInput: () => {
      if (cmd === "cat") resolve(0);
    },
    resize: (c, r) => seen.resizes.push([c, r]),
    done,
    close: () => {
      seen.closed++;
      resolve(137);
    },
  };
  return session;
}

const fake: ContainerSessions = {
  exec: (req) => {
    seen.requests.push({ command: req.command, container: req.container, tty: req.tty, stdin: req.stdin });
    return fakeSession(req.command, req.out);
  },
  attach: (req) => {
    seen.requests.push({ container: req.container, tty: req.tty, stdin: req.stdin });
    return fakeSession(null, req.out);
  },
};

let stub: Stub;

async function create(path: string, body: unknown) {
  const r = await kube(stub, "POST", path, body);
  expect(r.status, JSON.stringify(r.json)).toBe(201);
}

beforeAll(async () => {
  ({ stub } = await newCluster({ name: "streams" }));
  await stub.simulate({ profile: "instant" });
  await create(`${NS}/pods`, { metadata: { name: "web" }, spec: { containers: [{ name: "web", image: "nginx:1.27", ports: [{ containerPort: 80 }] }, { name: "side", image: "busybox", command: ["sleep", "3600"] }] } });
  await create(`${NS}/pods`, { metadata: { name: "lost" }, spec: { nodeSelector: { nowhere: "true" }, containers: [{ name: "c", image: "nginx" }] } });
  // An image that cannot be pulled: its container never runs.
  await create(`${NS}/pods`, { metadata: { name: "fresh" }, spec: { containers: [{ name: "c", image: "nginx:no-such-tag" }] } });
  await stub.moveClock({ advanceSeconds: 10 });
  await settle(stub);
  await runInDurableObject(stub, (o: ClusterObject) => {
    o.sessions = fake;
  });
});

/** Every socket a test opened, closed after it (a failed test must not hold sessions the next one counts). */
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) {
    try {
      ws.close(1000);
    } catch {
      // closed already
    }
  }
  await new Promise((r) => setTimeout(r, 20));
});

interface Opened {
  status: number;
  protocol: string | null;
  body: string;
  ws: WebSocket | null;
  messages: (Uint8Array | string)[];
  closed: Promise<number>;
}

/** A connect request as the Worker passes it on: the metadata header, the upgrade and the offered subprotocols. */
async function connect(pathAndQuery: string, opts: { protocols?: string[]; upgrade?: string | null; identity?: Identity; method?: string; spdy?: boolean } = {}): Promise<Opened> {
  const [path, query = ""] = pathAndQuery.split("?");
  const meta = { method: opts.method ?? "GET", path, query, accept: null, contentType: null, userAgent: "test", identity: opts.identity ?? adminIdentity, basePath: "", host: "test.local" };
  const headers: Record<string, string> = { [STREAM_REQUEST_HEADER]: JSON.stringify(meta) };
  if (opts.upgrade !== null) headers["upgrade"] = opts.upgrade ?? "websocket";
  if (opts.spdy) headers["x-stream-protocol-version"] = "v4.channel.k8s.io";
  if (opts.protocols) headers["sec-websocket-protocol"] = opts.protocols.join(", ");
  const res = await stub.fetch(`https://cluster.internal${path}?${query}`, { headers });
  const ws = res.webSocket;
  const messages: (Uint8Array | string)[] = [];
  let closed: Promise<number> = Promise.resolve(-1);
  if (ws) {
    sockets.push(ws);
    ws.accept();
    ws.binaryType = "arraybuffer";
    closed = new Promise((r) => ws.addEventListener("close", (e) => r(e.code)));
    ws.addEventListener("message", (e) => {
      messages.push(typeof e.data === "string" ? e.data : new Uint8Array(e.data as ArrayBuffer));
    });
  }
  return { status: res.status, protocol: res.headers.get("sec-websocket-protocol"), body: ws ? "" : await res.text(), ws, messages, closed };
}

/** Messages as [channel, text] pairs. */
function channels(o: Opened): [number, string][] {
  return o.messages.map((m) => (typeof m === "string" ? [Number(m[0]), atob(m.slice(1))] : [m[0], dec(m.subarray(1))]));
}

function send(o: Opened, channel: number, data: Uint8Array | string) {
  const d = typeof data === "string" ? enc(data) : data;
  o.ws!.send(concatBytes([new Uint8Array([channel]), d]));
}

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(cond(), what).toBe(true);
}

describe("exec and attach over WebSocket", () => {
  it("v5: an empty stdout message first, the output, then Success on the error channel and a normal close", async () => {
    const o = await connect(`${NS}/pods/web/exec?command=echo&command=hi&container=web&stdout=true&stderr=true`, { protocols: ["v5.channel.k8s.io", "v4.channel.k8s.io"] });
    expect(o.status).toBe(101);
    expect(o.protocol).toBe("v5.channel.k8s.io");
    expect(await o.closed).toBe(1000);
    expect(channels(o)).toEqual([
      [1, ""],
      [1, "hi\n"],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
    expect(seen.requests.at(-1)).toEqual({ command: ["echo", "hi"], container: "web", tty: false, stdin: false });
  });

  it("a non-zero exit is a NonZeroExitCode Status with the ExitCode cause kubectl reads", async () => {
    const o = await connect(`${NS}/pods/web/exec?command=exit&command=3&container=side&stdout=true`, { protocols: ["v5.channel.k8s.io"] });
    await o.closed;
    const status = JSON.parse(channels(o).find(([c]) => c === 3)![1]);
    expect(status).toEqual({
      metadata: {},
      status: "Failure",
      message: "command terminated with non-zero exit code: command terminated with exit code 3",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "3" }] },
    });
  });

  it("v5: stdin reaches the process, its close (255, 0) ends input, and resize events arrive", async () => {
    seen.resizes.length = 0;
    const o = await connect(`${NS}/pods/web/exec?command=cat&container=web&stdin=true&stdout=true&tty=true`, { protocols: ["v5.channel.k8s.io"] });
    send(o, 4, '{"Width":120,"Height":40}{"Width":80,');
    send(o, 4, '"Height":24}');
    send(o, 0, "typed\n");
    await until(() => channels(o).some(([c, t]) => c === 1 && t === "typed\n"), "stdin echoed");
    o.ws!.send(new Uint8Array([255, 0]));
    expect(await o.closed).toBe(1000);
    expect(seen.resizes).toEqual([
      [120, 40],
      [80, 24],
    ]);
    expect(channels(o).at(-1)).toEqual([3, '{"metadata":{},"status":"Success"}']);
    expect(seen.requests.at(-1)).toMatchObject({ tty: true, stdin: true });
  });

  it("v4 is chosen when offered first; stderr has its own channel without a terminal and joins stdout with one", async () => {
    const plain = await connect(`${NS}/pods/web/exec?command=err&container=web&stdout=true&stderr=true`, { protocols: ["v4.channel.k8s.io", "v5.channel.k8s.io"] });
    expect(plain.protocol).toBe("v4.channel.k8s.io");
    await plain.closed;
    expect(channels(plain).slice(0, 2)).toEqual([
      [1, ""],
      [2, "oops\n"],
    ]);
    const tty = await connect(`${NS}/pods/web/exec?command=err&container=web&stdout=true&stderr=true&tty=true`, { protocols: ["v4.channel.k8s.io"] });
    await tty.closed;
    expect(channels(tty).slice(0, 2)).toEqual([
      [1, ""],
      [1, "oops\n"],
    ]);
  });

  it("channel.k8s.io (v1) carries a failure's message as text, base64 variants as text messages", async () => {
    const v1 = await connect(`${NS}/pods/web/exec?command=exit&command=1&container=web&stdout=true`, { protocols: ["channel.k8s.io"] });
    await v1.closed;
    expect(channels(v1)).toEqual([
      [1, ""],
      [3, "command terminated with non-zero exit code: command terminated with exit code 1"],
    ]);
    const b64 = await connect(`${NS}/pods/web/exec?command=echo&command=x&container=web&stdout=true`, { protocols: ["v4.base64.channel.k8s.io"] });
    await b64.closed;
    expect(b64.messages.every((m) => typeof m === "string")).toBe(true);
    expect(channels(b64).slice(1)).toEqual([
      [1, "x\n"],
      [3, '{"metadata":{},"status":"Success"}'],
    ]);
  });

  it("attach reaches the container's own process; the client going away closes the session", async () => {
    const closedBefore = seen.closed;
    const o = await connect(`${NS}/pods/web/attach?container=web&stdin=true&stdout=true`, { protocols: ["v5.channel.k8s.io"] });
    await until(() => channels(o).some(([, t]) => t === "log line\n"), "attached output");
    o.ws!.close(1000);
    await until(() => seen.closed > closedBefore, "session closed");
    expect(seen.requests.at(-1)).toEqual({ container: "web", tty: false, stdin: true });
  });

  it("a process that could not start is the runtime's InternalError, not an exit code", async () => {
    const o = await connect(`${NS}/pods/web/exec?command=missing&container=web&stdout=true`, { protocols: ["v5.channel.k8s.io"] });
    await o.closed;
    expect(JSON.parse(channels(o).at(-1)![1])).toMatchObject({ status: "Failure", reason: "InternalError", message: 'Internal error occurred: exec: "missing": executable file not found in $PATH' });
  });

  it("a container with no running process: the kubelet's answer as an InternalError after the upgrade", async () => {
    const o = await connect(`${NS}/pods/fresh/exec?command=ls&stdout=true`, { protocols: ["v5.channel.k8s.io"] });
    expect(o.status).toBe(101);
    await o.closed;
    const status = JSON.parse(channels(o).at(-1)![1]);
    expect(status).toMatchObject({ status: "Failure", reason: "InternalError", code: 500, message: 'Internal error occurred: unable to upgrade connection: container not found ("c")' });
  });
});

describe("checks before the upgrade", () => {
  const status = (o: Opened) => ({ code: o.status, ...(JSON.parse(o.body) as { message: string; reason: string }) });

  it("answers Statuses as kube-apiserver does: missing pod, unknown container, no container named, not scheduled", async () => {
    expect(status(await connect(`${NS}/pods/nope/exec?command=ls&stdout=true`))).toMatchObject({ code: 404, reason: "NotFound", message: 'pods "nope" not found' });
    expect(status(await connect(`${NS}/pods/web/exec?command=ls&container=x&stdout=true`))).toMatchObject({ code: 400, reason: "BadRequest", message: "container x is not valid for pod web" });
    expect(status(await connect(`${NS}/pods/web/exec?command=ls&stdout=true`))).toMatchObject({ code: 400, message: "a container name must be specified for pod web, choose one of: [web side]" });
    expect(status(await connect(`${NS}/pods/lost/exec?command=ls&stdout=true`))).toMatchObject({ code: 400, message: "pod lost does not have a host assigned" });
    expect(status(await connect(`${NS}/pods/web/exec?command=ls&container=web`))).toMatchObject({ code: 400, message: "you must specify at least 1 of stdin, stdout, stderr" });
    expect(status(await connect(`${NS}/pods/web/exec?command=ls&container=web&stdout=1`, { upgrade: null }))).toMatchObject({ code: 400, message: "Upgrade request required" });
    expect(status(await connect(`${NS}/pods/web/exec?command=ls&container=web&stdout=1`, { protocols: ["v9.channel.k8s.io"] }))).toMatchObject({ code: 400, message: expect.stringContaining("requested protocol(s) are not supported") });
  });

  it("exec is a write: the view role is Forbidden in kube's words", async () => {
    const view: Identity = { ...adminIdentity, role: "view" };
    const s = status(await connect(`${NS}/pods/web/exec?command=ls&container=web&stdout=true`, { identity: view }));
    expect(s.code).toBe(403);
    expect(s.message).toMatch(/^pods "web" is forbidden: User "[^"]+" cannot create resource "pods\/exec" in API group "" in the namespace "default"$/);
  });

  it("a SPDY upgrade is refused with a Status naming the kubectl that works, after the same checks", async () => {
    const spdy = { upgrade: "SPDY/3.1", spdy: true, method: "POST" };
    expect(status(await connect(`${NS}/pods/web/exec?command=ls&container=web&stdout=true`, spdy)).message).toMatch(/use kubectl 1\.30 or later \(or kubectl 1\.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true\)/);
    expect(status(await connect(`${NS}/pods/web/portforward`, spdy)).message).toMatch(/use kubectl 1\.31 or later \(or kubectl 1\.30 with KUBECTL_PORT_FORWARD_WEBSOCKETS=true\)/);
    // The runtime drops a SPDY Upgrade header: kubectl's X-Stream-Protocol-Version still tells it.
    expect(status(await connect(`${NS}/pods/web/exec?command=ls&container=web&stdout=true`, { upgrade: null, spdy: true })).message).toMatch(/kubectl 1\.30/);
    expect(status(await connect(`${NS}/pods/web/exec?command=ls&container=x&stdout=true`, spdy)).message).toBe("container x is not valid for pod web");
  });

  it("pods/exec, attach and portforward appear in discovery with kube-apiserver's kinds and verbs", async () => {
    const list = (await kube(stub, "GET", "/api/v1")).json.resources as { name: string; kind: string; verbs: string[] }[];
    for (const [name, kind] of [
      ["pods/exec", "PodExecOptions"],
      ["pods/attach", "PodAttachOptions"],
      ["pods/portforward", "PodPortForwardOptions"],
    ])
      expect(list.find((r) => r.name === name)).toMatchObject({ kind, verbs: ["create", "get"] });
  });

  it("a SelfSubjectAccessReview answers create pods/exec: yes for admin, no for view", async () => {
    const review = { apiVersion: "authorization.k8s.io/v1", kind: "SelfSubjectAccessReview", spec: { resourceAttributes: { namespace: "default", verb: "create", resource: "pods", subresource: "exec" } } };
    const admin = await kube(stub, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review);
    expect(admin.json.status.allowed).toBe(true);
    const view = await kube(stub, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", review, { identity: { ...adminIdentity, role: "view" } });
    expect(view.json.status.allowed).toBe(false);
  });
});

describe("port-forward", () => {
  it("v4 channels: each channel's first message is its port, then HTTP/1.1 answers from the pod; a closed port gets the kubelet's error", async () => {
    const o = await connect(`${NS}/pods/web/portforward?ports=80,81`, { protocols: ["v4.channel.k8s.io"] });
    expect(o.protocol).toBe("v4.channel.k8s.io");
    await until(() => o.messages.length >= 5, "port headers and the error");
    expect(o.messages.slice(0, 4).map((m) => [...(m as Uint8Array)])).toEqual([
      [0, 80, 0],
      [1, 80, 0],
      [2, 81, 0],
      [3, 81, 0],
    ]);
    const [ch, err] = channels(o)[4];
    expect(ch).toBe(3);
    expect(err).toMatch(
      /^error forwarding port 81 to pod [0-9a-f]{64}, uid : failed to execute portforward in network namespace "\/var\/run\/netns\/cni-[0-9a-f-]{36}": failed to connect to localhost:81 inside namespace "[0-9a-f]{64}", IPv4: dial tcp4 127\.0\.0\.1:81: connect: connection refused IPv6 dial tcp6 \[::1\]:81: connect: connection refused $/,
    );
    // One request split over two messages, then a second on the same connection.
    send(o, 0, "GET / HTTP/1.1\r\nHost: localhost:8080\r\n");
    send(o, 0, "\r\nHEAD /x HTTP/1.1\r\nHost: localhost\r\n\r\n");
    await until(() => channels(o).filter(([c]) => c === 0).length >= 3, "two answers");
    // The first message on channel 0 is its port.
    const answers = channels(o).filter(([c]) => c === 0).slice(1).map(([, t]) => t);
    // nginx's header order, as curl -i shows it against kind.
    expect(answers[0]).toMatch(/^HTTP\/1\.1 200 OK\r\nServer: nginx\/1\.27\.\d+\r\nDate: [^\r]+ GMT\r\nContent-Type: text\/html\r\nContent-Length: 615\r\nLast-Modified: [^\r]+\r\nConnection: keep-alive\r\nETag: "[^"]+"\r\nAccept-Ranges: bytes\r\n\r\n/);
    expect(answers[0]).toMatch(/\r\n\r\n<!DOCTYPE html>[\s\S]*<title>Welcome to nginx!<\/title>/);
    expect(answers[1]).toMatch(/^HTTP\/1\.1 404 Not Found\r\n[\s\S]*\r\n\r\n$/);
    o.ws!.close(1000);
  });

  it("SPDY/3.1 tunnelled in WebSocket: replies to both streams, carries the data stream, echoes PING, FINs on the client's FIN", async () => {
    const o = await connect(`${NS}/pods/web/portforward`, { protocols: ["SPDY/3.1+portforward.k8s.io"] });
    expect(o.status).toBe(101);
    expect(o.protocol).toBe("SPDY/3.1+portforward.k8s.io");
    const hw = new HeaderWriter();
    const syn = (id: number, headers: [string, string][]) => {
      const block = hw.write(headers);
      const head = new Uint8Array(10);
      new DataView(head.buffer).setUint32(0, id);
      return controlFrame(SYN_STREAM, 0, concatBytes([head, block]));
    };
    // As gorilla writes it: frames split across messages at any byte.
    const bytes = concatBytes([
      syn(1, [["streamtype", "error"], ["port", "80"], ["requestid", "0"]]),
      dataFrame(1, FLAG_FIN, new Uint8Array(0)),
      syn(3, [["streamtype", "data"], ["port", "80"], ["requestid", "0"]]),
      controlFrame(PING, 0, new Uint8Array([0, 0, 0, 1])),
    ]);
    for (let i = 0; i < bytes.length; i += 7) o.ws!.send(bytes.subarray(i, i + 7));
    const reader = new FrameReader();
    const hr = new HeaderReader();
    const frames: Frame[] = [];
    let read = 0;
    const pump = () => {
      for (; read < o.messages.length; read++) frames.push(...reader.push(o.messages[read] as Uint8Array));
      return frames;
    };
    await until(() => pump().length >= 3, "two replies and a ping");
    const replies = frames.filter((f) => f.control && f.type === SYN_REPLY);
    expect(replies.map((f) => new DataView(f.data.buffer, f.data.byteOffset).getUint32(0))).toEqual([1, 3]);
    for (const r of replies) expect([...hr.read(r.data.subarray(4))]).toEqual([]);
    expect(frames.find((f) => f.control && f.type === PING)?.data).toEqual(new Uint8Array([0, 0, 0, 1]));

    o.ws!.send(dataFrame(3, 0, enc("GET / HTTP/1.1\r\nHost: localhost:8080\r\nConnection: close\r\n\r\n")));
    await until(() => pump().some((f) => !f.control && f.streamId === 3 && f.flags & FLAG_FIN), "the answer, then FIN");
    const body = dec(concatBytes(frames.filter((f): f is Extract<Frame, { control: false }> => !f.control && f.streamId === 3).map((f) => f.data)));
    expect(body).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Connection: close\r\n[\s\S]*Welcome to nginx!/);
    expect(frames.some((f) => !f.control && f.streamId === 1 && f.flags & FLAG_FIN)).toBe(true);

    // A second connection, to a port nothing listens on: the error stream carries the kubelet's words.
    o.ws!.send(concatBytes([syn(5, [["streamtype", "error"], ["port", "81"], ["requestid", "1"]]), syn(7, [["streamtype", "data"], ["port", "81"], ["requestid", "1"]])]));
    await until(() => pump().some((f) => !f.control && f.streamId === 7 && f.flags & FLAG_FIN), "refused");
    const err = dec(concatBytes(frames.filter((f): f is Extract<Frame, { control: false }> => !f.control && f.streamId === 5).map((f) => f.data)));
    expect(err).toMatch(/^error forwarding port 81 to pod [0-9a-f]{64}, uid : .*connect: connection refused $/);
    o.ws!.close(1000);
  });

  it("the SPDY/3 dictionary is the spec's 1423 bytes", () => {
    expect(DICTIONARY.length).toBe(1423);
    expect(dec(DICTIONARY.subarray(0, 11))).toBe("\0\0\0\u0007options");
    expect(dec(DICTIONARY.subarray(-7))).toBe(",enq=0.");
  });
});

describe("limits", () => {
  it(`at most ${MAX_SESSIONS} sessions at once; the next gets 429 naming the bound, and a closed one frees its place`, async () => {
    const open: Opened[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) open.push(await connect(`${NS}/pods/web/portforward?ports=80`, { protocols: ["v4.channel.k8s.io"] }));
    expect(open.every((o) => o.status === 101)).toBe(true);
    const over = await connect(`${NS}/pods/web/portforward?ports=80`, { protocols: ["v4.channel.k8s.io"] });
    expect(over.status).toBe(429);
    expect(JSON.parse(over.body).message).toContain(`at most ${MAX_SESSIONS} exec, attach and port-forward sessions`);
    open[0].ws!.close(1000);
    let again: Opened | null = null;
    for (let i = 0; i < 100 && again?.status !== 101; i++) {
      await new Promise((r) => setTimeout(r, 10));
      again = await connect(`${NS}/pods/web/portforward?ports=80`, { protocols: ["v4.channel.k8s.io"] });
    }
    expect(again!.status).toBe(101);
    for (const o of [...open.slice(1), again!]) o.ws!.close(1000);
  });
});
