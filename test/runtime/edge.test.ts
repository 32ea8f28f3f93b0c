// The pieces of the kube API's edge that the end-to-end tests cannot reach: a failing health
// check, the metrics' arithmetic, path decoding, and the host-per-cluster match.
import { describe, expect, it } from "vitest";
import { healthAnswer, healthChecks } from "../../worker/cluster/api/http/health";
import { ApiMetrics, metricsResource } from "../../worker/cluster/api/http/metrics";
import { route as routeIn } from "../../worker/cluster/api/http/router";
import { BUILT_IN } from "../../worker/cluster/resources/registry";
import { ApiError } from "../../worker/cluster/machinery/errors";
import type { Env } from "../../worker/env";
import { clusterOfHost } from "../../worker/gateway";
import { DRAIN_BYTES, readBounded } from "../../worker/body";

const route = (p: string) => routeIn(p, BUILT_IN);

const labels = { verb: "LIST", dryRun: "", group: "", version: "v1", resource: "pods", subresource: "", scope: "namespace" };

describe("health endpoints", () => {
  it("turns a failing check into 500 with its reason withheld, and a single check into its reason", () => {
    const checks = healthChecks("readyz", { storage: () => "disk on fire", initialized: () => null });
    const all = healthAnswer("readyz", checks, undefined, new URLSearchParams());
    expect(all.status).toBe(500);
    expect(all.body).toContain("[-]etcd failed: reason withheld\n");
    expect(all.body).toContain("[+]informer-sync ok\n");
    expect(all.body).not.toContain("disk on fire");
    expect(all.body.endsWith("readyz check failed\n")).toBe(true);
    const one = healthAnswer("readyz", checks, "etcd", new URLSearchParams());
    expect(one).toMatchObject({ status: 500, body: "internal server error: disk on fire\n" });
    const excluded = healthAnswer("readyz", checks, undefined, new URLSearchParams("exclude=etcd&exclude=etcd-readiness"));
    expect(excluded).toMatchObject({ status: 200, body: "ok" });
  });
});

describe("metrics", () => {
  it("counts by code, fills cumulative buckets and counts long-running requests down once", () => {
    const m = new ApiMetrics();
    m.record(labels, 200, 0.01);
    m.record(labels, 200, 0.3);
    m.record(labels, 404, 100);
    const text = m.render([{ resource: metricsResource("apps/deployments"), count: 2 }]);
    const l = 'component="apiserver",dry_run="",group="",resource="pods",scope="namespace",subresource="",verb="LIST",version="v1"';
    expect(text).toContain(`apiserver_request_total{code="200",${l}} 2\n`);
    expect(text).toContain(`apiserver_request_total{code="404",${l}} 1\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${l},le="0.005"} 0\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${l},le="0.025"} 1\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${l},le="0.4"} 2\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${l},le="60"} 2\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_bucket{${l},le="+Inf"} 3\n`);
    expect(text).toContain(`apiserver_request_duration_seconds_sum{${l}} 100.31\n`);
    expect(text).toContain('apiserver_storage_objects{resource="deployments.apps"} 2\n');

    const watch = { ...labels, verb: "WATCH" };
    const end1 = m.open(watch);
    const end2 = m.open(watch);
    const gauge = 'apiserver_longrunning_requests{component="apiserver",group="",resource="pods",scope="namespace",subresource="",verb="WATCH",version="v1"}';
    expect(m.render([])).toContain(`${gauge} 2\n`);
    end1();
    end1();
    expect(m.render([])).toContain(`${gauge} 1\n`);
    end2();
    expect(m.render([])).not.toContain(gauge);
  });
});

describe("paths", () => {
  it("refuses malformed escapes with 400 and decodes well-formed ones", () => {
    for (const p of ["/api/v1/namespaces/default/configmaps/%E0%A4%A", "/api/v1/namespaces/%zz/pods", "/api/v1/namespaces/default/configmaps/a%"]) {
      let err: unknown;
      try {
        route(p);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).code).toBe(400);
    }
    expect(route("/api/v1/namespaces/default/configmaps/caf%C3%A9")).toMatchObject({ t: "resource", name: "café" });
    expect(route("/")).toEqual({ t: "root" });
    expect(route("/livez/poststarthook/bootstrap-controller")).toEqual({ t: "health", endpoint: "livez", check: "poststarthook/bootstrap-controller" });
  });

  it("finds a cluster's own host under KUBE_HOST_SUFFIX, with or without a port in the suffix", () => {
    const env = (suffix?: string) => ({ KUBE_HOST_SUFFIX: suffix }) as Env;
    expect(clusterOfHost(env("k8s.example.com"), "abc-1.k8s.example.com")).toBe("abc-1");
    expect(clusterOfHost(env("k8s.example.com"), "ABC-1.k8s.example.com:443")).toBe("abc-1");
    expect(clusterOfHost(env("k8s.example.com"), "k8s.example.com")).toBeNull();
    expect(clusterOfHost(env("k8s.example.com"), "a.b.k8s.example.com")).toBeNull();
    expect(clusterOfHost(env("localhost:8787"), "abc.localhost:8787")).toBe("abc");
    expect(clusterOfHost(env("localhost:8787"), "abc.localhost:9999")).toBeNull();
    expect(clusterOfHost(env(undefined), "abc.k8s.example.com")).toBeNull();
  });
});

describe("bounded body reads", () => {
  /** A chunked body that never ends, counting what the reader pulled. */
  function endless() {
    const chunk = new Uint8Array(64 * 1024).fill(97);
    let pulled = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        pulled += chunk.length;
        c.enqueue(chunk);
      },
    });
    return { req: new Request("https://kubedo.test/x", { method: "POST", body }), pulled: () => pulled };
  }

  it("stops reading an endless body shortly after the bound and keeps none of it", async () => {
    const { req, pulled } = endless();
    expect(await readBounded(req, 3 * 1024 * 1024)).toBeNull();
    expect(pulled()).toBeGreaterThan(3 * 1024 * 1024);
    expect(pulled()).toBeLessThanOrEqual(3 * 1024 * 1024 + DRAIN_BYTES + 8 * 64 * 1024);
  });

  it("refuses a declared length beyond the bound without keeping the body", async () => {
    const r = new Request("https://kubedo.test/x", { method: "POST", body: "a".repeat(100), headers: { "content-length": "100" } });
    expect(await readBounded(r, 99)).toBeNull();
    const ok = new Request("https://kubedo.test/x", { method: "POST", body: "abc" });
    expect(new TextDecoder().decode((await readBounded(ok, 3))!)).toBe("abc");
  });
});
