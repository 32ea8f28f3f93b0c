// What the benchmarks share: an HTTPS client for the local service, fresh clusters, and figures.
import { readFileSync } from "node:fs";
import https from "node:https";

export function client(ready) {
  const agent = new https.Agent({ ca: readFileSync(ready.ca), keepAlive: true, maxSockets: 64 });
  function request(method, path, { token, body, contentType } = {}) {
    return new Promise((resolve, reject) => {
      const data = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
      const req = https.request(
        ready.url + path,
        { method, agent, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { "content-type": contentType ?? "application/json" } : {}) } },
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
  return { request, watch };
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
  return { name, id: made.json.id, token: /token: (\S+)/.exec(kc.text)[1], base: `/k8s/${made.json.id}` };
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
