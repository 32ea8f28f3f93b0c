// Helpers for in-runtime tests: a cluster object, requests to it as the Worker makes them.
import { env as rawEnv, runDurableObjectAlarm, type D1Migration } from "cloudflare:test";
import type { Env } from "../../worker/env";
import type { Identity } from "../../worker/auth/identity";
import type { KubeRequest } from "../../worker/cluster/api/http/types";
import { STREAM_REQUEST_HEADER } from "../../worker/cluster/object";
import { parseClusterConfig } from "../../worker/service/clusterConfig";

/** The test bindings: the Worker's, plus the migrations the test config hands in. */
export const env = rawEnv as unknown as Env & { TEST_MIGRATIONS: D1Migration[] };

export const adminIdentity: Identity = { tenantId: "t-test", tenantName: "test", tokenId: "tok-test", tokenName: "test", role: "admin", clusterId: null };

export function clusterStubOf(id: string) {
  return env.CLUSTER.get(env.CLUSTER.idFromName(id));
}

export async function newCluster(config: Record<string, unknown> = { name: "test" }) {
  const id = `c-${crypto.randomUUID().slice(0, 12)}`;
  const stub = env.CLUSTER.get(env.CLUSTER.idFromName(id));
  await stub.init({ id, config: parseClusterConfig(JSON.stringify(config), null) });
  await settle(stub);
  return { id, stub };
}

/**
 * A new cluster whose own components have started: kube-system's pods run and are ready
 * (kubeadm's startup probes wait 10 s), so nothing more changes until the test acts.
 */
export async function newSettledCluster(config: Record<string, unknown> = { name: "test" }) {
  const made = await newCluster(config);
  await (made.stub as unknown as { moveClock(r: { advanceSeconds: number }): Promise<unknown> }).moveClock({ advanceSeconds: 30 });
  await settle(made.stub);
  return made;
}

/** Runs the cluster's alarm until nothing more is due now (controllers have caught up). */
export async function settle(stub: DurableObjectStub): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const info = await (stub as unknown as { info(): Promise<{ alarm: string | null }> }).info();
    if (!info.alarm || Date.parse(info.alarm) > Date.now() + 50) return;
    await runDurableObjectAlarm(stub);
  }
  throw new Error("cluster did not settle after 50 alarms");
}

type Stub = Awaited<ReturnType<typeof newCluster>>["stub"];

export function kubeRequest(method: string, pathAndQuery: string, body?: unknown, opts: { contentType?: string; accept?: string; identity?: Identity } = {}): KubeRequest {
  const [path, query = ""] = pathAndQuery.split("?");
  return {
    method,
    path,
    query,
    accept: opts.accept ?? "application/json",
    contentType: opts.contentType ?? (body === undefined ? null : "application/json"),
    userAgent: "test",
    body: body === undefined ? null : new TextEncoder().encode(typeof body === "string" ? body : JSON.stringify(body)),
    identity: opts.identity ?? adminIdentity,
    basePath: "/k8s/test",
    host: "test.local",
  };
}

export async function kube(stub: Stub, method: string, pathAndQuery: string, body?: unknown, opts: { contentType?: string; accept?: string; identity?: Identity } = {}) {
  const res = await stub.kube(kubeRequest(method, pathAndQuery, body, opts));
  // A long list arrives as a stream (KubeResponse.stream).
  const text = res.stream ? await new Response(res.stream).text() : res.body;
  return { status: res.status, headers: res.headers, json: JSON.parse(text) as Record<string, any> }; // any: test assertions read deep fields
}

/** Opens a watch; `next(n)` reads n events. */
export async function watch(stub: Stub, pathAndQuery: string, accept = "application/json") {
  const [path, query = ""] = pathAndQuery.split("?");
  const meta = { method: "GET", path, query, accept, contentType: null, userAgent: "test", identity: adminIdentity, basePath: "/k8s/test", host: "test.local" };
  const res = await stub.fetch(`https://cluster.internal${path}?${query}`, { headers: { [STREAM_REQUEST_HEADER]: JSON.stringify(meta) } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buf = "";
  return {
    status: res.status,
    async next(n: number): Promise<Record<string, any>[]> { // any: events are read field by field in tests
      const out: Record<string, any>[] = [];
      while (out.length < n) {
        const nl = buf.indexOf("\n");
        if (nl >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          if (line) out.push(JSON.parse(line));
          continue;
        }
        const { value, done } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
      }
      return out;
    },
    cancel: () => reader.cancel(),
  };
}

export function cm(name: string, data: Record<string, string> = { a: "1" }) {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name }, data };
}
