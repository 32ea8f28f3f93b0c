// What the benchmarks share: an HTTPS client for the local service, fresh clusters, and figures.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import https from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";

export function client(ready) {
  const agent = new https.Agent({ ca: readFileSync(ready.ca), keepAlive: true, maxSockets: 64 });
  /**
   * One request. A GET that gets no answer in a minute (a kept-alive socket gone quiet: a
   * 5,000-node run waited on one for minutes while the server was idle and answered others)
   * is sent again on a fresh socket, twice at most.
   */
  async function request(method, path, opts = {}) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await requestOnce(method, path, opts);
      } catch (e) {
        if (method !== "GET" || attempt === 3 || !(e instanceof Error) || !/no answer|ECONNRESET|socket hang up/.test(e.message)) throw e;
        console.error(`  (${e.message}; sent again)`);
      }
    }
  }
  function requestOnce(method, path, { token, body, contentType, accept } = {}) {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const req = https.request(
        ready.url + path,
        { method, agent, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(accept ? { accept } : {}), ...(data ? { "content-type": contentType ?? "application/json" } : {}) } },
        (res) => {
          let text = "";
          res.on("data", (c) => (text += c));
          res.on("end", () => {
            let json;
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
            resolve({ status: res.statusCode, text, json });
          });
        },
      );
      req.on("error", reject);
      // Only a GET is given up on (and sent again): a write may work for minutes (moving the clock
      // of a 5,000-node cluster settles every node first) and must not be sent twice.
      if (method === "GET") req.setTimeout(60_000, () => req.destroy(new Error(`no answer to ${method} ${path} in 60 s`)));
      if (data) req.write(data);
      req.end();
    });
  }
  /** Streams a watch; calls onEvent per parsed event. Returns a function that ends it. */
  function watch(path, token, onEvent) {
    const req = https.request(ready.url + path, { method: "GET", agent: new https.Agent({ ca: readFileSync(ready.ca) }), headers: { authorization: `Bearer ${token}` } }, (res) => {
      let buf = "";
      res.on("data", (c) => {
        buf += c;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) onEvent(JSON.parse(line));
        }
      });
      res.on("error", () => undefined);
    });
    req.on("error", () => undefined);
    req.end();
    return () => req.destroy();
  }
  /**
   * A GET whose answer may be larger than a string can hold (an unchunked list of 100,000 pods):
   * only its bytes are counted, and the occurrences of `marker`, as they stream.
   */
  function measure(path, token, marker) {
    const needle = Buffer.from(marker);
    return new Promise((resolve, reject) => {
      const req = https.request(ready.url + path, { method: "GET", agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
        let bytes = 0;
        let found = 0;
        let tail = Buffer.alloc(0);
        res.on("data", (c) => {
          bytes += c.length;
          const b = Buffer.concat([tail, c]);
          for (let at = b.indexOf(needle); at >= 0; at = b.indexOf(needle, at + needle.length)) found++;
          // Keep what could begin a marker cut by the chunk's end (and cannot end one already counted).
          tail = b.subarray(Math.max(0, b.length - needle.length + 1));
        });
        res.on("end", () => resolve({ status: res.statusCode, bytes, found }));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  }
  return { request, watch, measure };
}

export async function must(p, want = [200, 201]) {
  const r = await p;
  if (!want.includes(r.status)) throw new Error(`unexpected ${r.status}: ${r.text.slice(0, 500)}`);
  return r;
}

/** Makes a cluster and returns its id and a token good for it. */
export async function cluster(http, tenantToken, name, body = {}) {
  const made = await must(http.request("POST", `/v1/clusters?name=${name}`, { token: tenantToken, body }));
  const kc = await must(http.request("GET", `/v1/clusters/${name}/kubeconfig`, { token: tenantToken }));
  return { name, id: made.json.id, token: /token: (\S+)/.exec(kc.text)[1], base: `/k8s/${made.json.id}`, kubeconfig: kc.text };
}

/**
 * The real kubectl on PATH against a cluster: its wall time and how many lines it printed (counted
 * as they stream, never held), for figures that name a kubectl command.
 */
export async function kubectlLines(kubeconfig, args) {
  const dir = mkdtempSync(join(tmpdir(), "kubedo-bench-kubectl-"));
  const file = join(dir, "kubeconfig");
  writeFileSync(file, kubeconfig);
  const t0 = performance.now();
  try {
    return await new Promise((resolve, reject) => {
      const child = spawn("kubectl", ["--kubeconfig", file, ...args], { stdio: ["ignore", "pipe", "pipe"] });
      let lines = 0;
      let stderr = "";
      child.stdout.on("data", (d) => {
        for (let i = d.indexOf(10); i >= 0; i = d.indexOf(10, i + 1)) lines++;
      });
      child.stderr.on("data", (d) => (stderr += d));
      child.on("error", reject);
      child.on("close", (code) => resolve({ seconds: (performance.now() - t0) / 1000, lines, code, stderr: stderr.slice(0, 2000) }));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function percentile(samples, p) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function ms(x) {
  return `${x.toFixed(1)} ms`;
}

export async function timed(fn) {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

/** Runs `total` calls of fn(i) with at most `width` in flight. */
export async function pool(total, width, fn) {
  let next = 0;
  const workers = Array.from({ length: Math.min(width, total) }, async () => {
    while (next < total) await fn(next++);
  });
  await Promise.all(workers);
}

export function report(title, rows) {
  console.log(`\n${title}`);
  const w = Math.max(...rows.map(([k]) => k.length));
  for (const [k, v] of rows) console.log(`  ${k.padEnd(w)}  ${v}`);
}

/** Runs per figure (the median is printed); BENCH_RUNS=1 for a quick look. */
export const RUNS = Number(process.env.BENCH_RUNS ?? 3);

/**
 * The isolate's heap limit in MiB (BENCH_HEAP_CAP_MB, 0 for none): 128 by default, the limit a
 * deployed Durable Object has. Uncapped, V8 collects lazily on a machine with gigabytes free, so
 * the heap figures would count garbage a deployed object never keeps; capped, a run that needs
 * more than the limit live fails (workerd stops: "out of memory"), so finishing is the proof.
 */
export const HEAP_CAP_MB = Number(process.env.BENCH_HEAP_CAP_MB ?? 128);

/**
 * Where a benchmark's service keeps its state (its clusters' SQLite files): BENCH_STATE_DIR, else
 * /dev/shm when the machine has it, else the temp folder. Locally a cluster's storage is a file
 * and each commit writes its pages there; on the shared disk of these machines those writes took
 * a fifth of a Deployment's time, and moved with other tenants' load. A deployed cluster's storage
 * is not this machine's disk, so the figures are of the cluster with the disk left out; set
 * BENCH_STATE_DIR=/tmp to count it.
 */
export function benchHome(prefix) {
  const base = process.env.BENCH_STATE_DIR ?? (existsSync("/dev/shm") ? "/dev/shm" : tmpdir());
  return mkdtempSync(join(base, prefix));
}

/** The service's environment for a benchmark host: workerd capped at HEAP_CAP_MB through V8 flags. */
export function serviceEnv(extra) {
  const capped = HEAP_CAP_MB > 0 ? { MINIFLARE_WORKERD_PATH: fileURLToPath(new URL("./heapcap/workerd.sh", import.meta.url)), KUBEDO_V8_FLAGS: `--max-heap-size=${HEAP_CAP_MB}` } : {};
  return { KUBEDO_QUIET: "1", RATE_LIMIT_RPS: "0", KUBEDO_INSPECT: "1", KUBEDO_DEV_REGISTRY: "0", ...capped, ...extra };
}

/** Why the service died, when its log says it ran out of heap. */
export function outOfMemory(home) {
  const log = join(home, "wrangler.log");
  return existsSync(log) && /out of memory|heap limit/i.test(readFileSync(log, "utf8")) ? `workerd ran out of its ${HEAP_CAP_MB} MiB heap (BENCH_HEAP_CAP_MB)` : null;
}

export function median(xs) {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
}

/** The report row every figure is read beside: these machines are shared. */
export async function loadRow() {
  const { loadavg } = await import("node:os");
  return ["load average (1, 5, 15 min)", loadavg().map((x) => x.toFixed(2)).join(", ")];
}

/** Polls a cluster until its control loop is idle (alarm null); returns what GET /v1/clusters/{name} said then. */
export async function idle(http, tenantToken, name, { limitMs = 300_000, pollMs = 100 } = {}) {
  const t0 = performance.now();
  for (;;) {
    const info = (await must(http.request("GET", `/v1/clusters/${name}`, { token: tenantToken }))).json;
    if (info.alarm === null) return info;
    if (performance.now() - t0 > limitMs) throw new Error(`cluster ${name} still busy after ${limitMs / 1000} s (alarm ${info.alarm})`);
    await new Promise((res) => setTimeout(res, pollMs));
  }
}

/**
 * Waits until a new cluster has settled (kube-system's pods running, no alarm), so a figure
 * measures the workload and not the cluster's own start: the clock is moved past kubeadm's
 * startup probes, then the cluster is polled until its control loop is idle.
 */
export async function settle(http, tenantToken, name, limitMs = 300_000) {
  await must(http.request("POST", `/v1/clusters/${name}/clock`, { token: tenantToken, body: { advanceSeconds: 30 } }));
  await idle(http, tenantToken, name, { limitMs });
}

/** A Deployment of nginx pods labelled app=<name>, each requesting `requests` (the benchmarks' workload). */
export function nginxDeployment(name, replicas, requests = { cpu: "100m", memory: "64Mi" }, image = "nginx:1.27") {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "nginx", image, resources: { requests } }] } },
    },
  };
}

/**
 * A DevTools protocol session on the isolate that runs the Worker and its Durable Objects (the
 * service started with KUBEDO_INSPECT=1, its inspector on `inspectorPort`).
 */
export async function inspector(inspectorPort) {
  const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json`)).json();
  const target = targets.find((t) => /kubedo/.test(t.title ?? "")) ?? targets[targets.length - 1];
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((r, j) => (ws.once("open", r), ws.once("error", j)));
  let id = 0;
  const waiting = new Map();
  const listeners = new Map();
  ws.on("message", (m) => {
    const msg = JSON.parse(m.toString());
    if (msg.id && waiting.has(msg.id)) {
      waiting.get(msg.id)(msg);
      waiting.delete(msg.id);
    } else if (msg.method) listeners.get(msg.method)?.(msg.params);
  });
  // An answer that does not come (the runtime restarted under the dev proxy) fails the call
  // rather than hanging the run.
  const send = (method, params = {}, timeoutMs = 120_000) =>
    new Promise((r, j) => {
      const n = ++id;
      const timer = setTimeout(() => {
        waiting.delete(n);
        j(new Error(`the inspector did not answer ${method} in ${timeoutMs / 1000} s`));
      }, timeoutMs);
      waiting.set(n, (msg) => {
        clearTimeout(timer);
        r(msg);
      });
      ws.send(JSON.stringify({ id: n, method, params }));
    });
  // The dev proxy turns on console and network events for its own log; a long run would stream
  // every one of them to us. Only commands are wanted here.
  await send("Network.disable");
  await send("Runtime.disable");
  return { send, onEvent: (method, fn) => listeners.set(method, fn), close: () => ws.close() };
}

/**
 * Samples the isolate's used JS heap (Runtime.getHeapUsage) every `everyMs` until stopped;
 * stop() answers the largest sample and the heap at rest (the least sample of the 2 s after), in MiB.
 * Locally one isolate runs the Worker and every cluster object, so the figure is an upper bound
 * on one object's heap (a deployed object has its own isolate and 128 MB).
 */
export async function heapWatch(insp, everyMs = 100) {
  // The inspector answers between the isolate's tasks: a long one delays a sample (it is not
  // lost), and the longest such wait is reported, since no request is answered meanwhile either.
  const used = async (timeoutMs = 10_000) => (await insp.send("Runtime.getHeapUsage", {}, timeoutMs)).result.usedSize / 1024 / 1024;
  let max = await used();
  let samples = 1;
  let longestWaitMs = 0;
  // What the benchmark was doing when the longest wait began (its last mark), to know where to look.
  let longestDuring = "";
  let phase = "";
  let stopped = false;
  let failed = null;
  const loop = (async () => {
    while (!stopped) {
      const t0 = performance.now();
      const during = phase;
      max = Math.max(max, await used(900_000));
      const waited = performance.now() - t0;
      if (waited > longestWaitMs) {
        longestWaitMs = waited;
        longestDuring = during;
      }
      samples++;
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })().catch((e) => (failed = e));
  return {
    /** The largest sample so far, in MiB. */
    peek: () => max,
    /** Names what the benchmark does from now on (reported with the longest wait). */
    mark: (label) => void (phase = label),
    async stop() {
      stopped = true;
      await loop;
      if (failed) throw failed;
      // Not HeapProfiler.collectGarbage: workerd's inspector stops answering after it on a big
      // heap. The least of 2 s of samples after the run stands for the heap at rest.
      let rest = Infinity;
      for (let i = 0; i < 10; i++) {
        rest = Math.min(rest, await used());
        await new Promise((r) => setTimeout(r, 200));
      }
      return { maxMiB: max, restMiB: rest, samples, longestWaitMs, longestDuring };
    },
  };
}

/** The heap rows of a benchmark whose runs kept `heapMiB` (from heapWatch): the largest of any run, and at rest. */
export function heapRows(runs) {
  const seen = runs.map((r) => r.heapMiB).filter(Boolean);
  if (!seen.length) return [];
  return [
    [`JS heap, largest sample during a run (target <= 128 MB; ${HEAP_CAP_MB ? `isolate capped at ${HEAP_CAP_MB} MiB` : "uncapped"})`, `${Math.max(...seen.map((h) => h.maxMiB)).toFixed(0)} MiB (runs: ${seen.map((h) => h.maxMiB.toFixed(0)).join(", ")}; ${seen.reduce((n, h) => n + h.samples, 0)} samples)`],
    ["JS heap after a run (least sample of 2 s)", `${median(seen.map((h) => h.restMiB)).toFixed(0)} MiB`],
    (() => {
      const longest = seen.reduce((a, h) => ((h.longestWaitMs ?? 0) > (a.longestWaitMs ?? 0) ? h : a));
      return ["longest the isolate was busy without answering a heap sample", `${((longest.longestWaitMs ?? 0) / 1000).toFixed(1)} s${longest.longestDuring ? ` (while: ${longest.longestDuring})` : ""}`];
    })(),
  ];
}
