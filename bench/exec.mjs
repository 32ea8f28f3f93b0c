// Issue 11's figure: exec round trips per second on one pod, over the WebSocket protocol kubectl
// 1.30+ speaks (v5.channel.k8s.io), through the HTTPS path. Two figures:
//   - whole execs: open, run `echo`, read its output and the Success status, close — one after another;
//   - lines in one shell: an open `sh` session fed "echo <n>" and answered, one line at a time.
// The median of 3 runs is printed with the load average.
import { readFileSync } from "node:fs";
import WebSocket from "ws";
import { cluster, loadRow, median, must, report, RUNS, settle } from "./lib.mjs";

const EXECS = Number(process.env.EXEC_COUNT ?? 200);
const LINES = Number(process.env.EXEC_LINES ?? 500);

function open(ready, c, pod, command, stdin) {
  const q = new URLSearchParams({ container: "c", stdout: "true", stderr: "true", ...(stdin ? { stdin: "true" } : {}) });
  for (const a of command) q.append("command", a);
  const url = `${ready.url.replace(/^https/, "wss")}${c.base}/api/v1/namespaces/default/pods/${pod}/exec?${q}`;
  return new WebSocket(url, ["v5.channel.k8s.io"], { headers: { authorization: `Bearer ${c.token}` }, ca: readFileSync(ready.ca) });
}

/** One exec to its end: its stdout and the status on channel 3. */
function execOnce(ready, c, pod) {
  return new Promise((resolve, reject) => {
    const ws = open(ready, c, pod, ["echo", "hi"], false);
    let out = "";
    ws.on("message", (data) => {
      const b = Buffer.from(data);
      if (b[0] === 1) out += b.subarray(1).toString();
      if (b[0] === 3) {
        const status = JSON.parse(b.subarray(1).toString());
        ws.close();
        if (status.status !== "Success" || out !== "hi\n") reject(new Error(`exec answered ${out} ${JSON.stringify(status)}`));
        else resolve();
      }
    });
    ws.on("error", reject);
  });
}

/** Lines through one shell: send "echo n", wait for "n". */
function shellLines(ready, c, pod, n) {
  return new Promise((resolve, reject) => {
    const ws = open(ready, c, pod, ["sh"], true);
    let buf = "";
    let i = 0;
    let t0 = 0;
    const send = () => ws.send(Buffer.concat([Buffer.from([0]), Buffer.from(`echo ${i}\n`)]));
    ws.on("open", () => {
      t0 = performance.now();
      send();
    });
    ws.on("message", (data) => {
      const b = Buffer.from(data);
      if (b[0] !== 1) return;
      buf += b.subarray(1).toString();
      while (buf.includes(`${i}\n`)) {
        buf = buf.slice(buf.indexOf(`${i}\n`) + `${i}\n`.length);
        i++;
        if (i === n) {
          const took = performance.now() - t0;
          ws.close();
          resolve(took);
          return;
        }
        send();
      }
    });
    ws.on("error", reject);
  });
}

export default async function execBench(http, tenantToken, { ready }) {
  const name = "bench-exec";
  const c = await cluster(http, tenantToken, name, {});
  await must(http.request("PATCH", `/v1/clusters/${name}`, { token: tenantToken, body: { simulation: { profile: "instant" } } }));
  await settle(http, tenantToken, name);
  await must(http.request("POST", `${c.base}/api/v1/namespaces/default/pods`, { token: c.token, body: { apiVersion: "v1", kind: "Pod", metadata: { name: "box" }, spec: { containers: [{ name: "c", image: "busybox:1.36", command: ["sleep", "infinity"] }] } } }));
  await settle(http, tenantToken, name);
  const execs = [];
  const lines = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < EXECS; i++) await execOnce(ready, c, "box");
    execs.push(EXECS / ((performance.now() - t0) / 1000));
    lines.push(LINES / ((await shellLines(ready, c, "box", LINES)) / 1000));
  }
  report(`exec on one pod (v5.channel.k8s.io over the HTTPS path, median of ${RUNS} runs)`, [
    [`whole execs (echo hi), ${EXECS} one after another`, `${median(execs).toFixed(0)} round trips/s`],
    [`lines through one sh session, ${LINES}`, `${median(lines).toFixed(0)} round trips/s`],
    await loadRow(),
  ]);
  await must(http.request("DELETE", `/v1/clusters/${name}`, { token: tenantToken }));
}
