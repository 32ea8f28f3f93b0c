// /metrics: the figures kube-apiserver exports that dashboards read first, in Prometheus' text
// format, with kube-apiserver's names and labels. They live in the object's memory and start
// from zero when the object restarts, as a process's counters do. Recording is one map lookup
// and a few additions per request; the text is only built when someone scrapes it.

/** kube-apiserver's buckets for apiserver_request_duration_seconds. */
const BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

/** What a request is, in the labels kube-apiserver's request metrics carry. */
export interface RequestLabels {
  /** GET, LIST, WATCH, POST, PUT, PATCH, APPLY, DELETE, DELETECOLLECTION, CONNECT or other. */
  verb: string;
  dryRun: string;
  group: string;
  version: string;
  resource: string;
  /** The subresource; for a path outside the resource API, the path (as kube-apiserver labels it). */
  subresource: string;
  /** resource, namespace, cluster, or empty outside the resource API. */
  scope: string;
}

interface RequestSeries {
  labels: string;
  codes: Map<number, number>;
  buckets: number[];
  sum: number;
  count: number;
}

const escape = (v: string) => v.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");

/** Label names in the sorted order Prometheus' Go client prints them. */
function labelText(l: RequestLabels, dryRun = true): string {
  const parts = [`component="apiserver"`];
  if (dryRun) parts.push(`dry_run="${escape(l.dryRun)}"`);
  parts.push(`group="${escape(l.group)}"`, `resource="${escape(l.resource)}"`, `scope="${escape(l.scope)}"`, `subresource="${escape(l.subresource)}"`, `verb="${escape(l.verb)}"`, `version="${escape(l.version)}"`);
  return parts.join(",");
}

const num = (n: number) => (Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(12))));

export class ApiMetrics {
  private readonly requests = new Map<string, RequestSeries>();
  private readonly longRunning = new Map<string, number>();

  /** One finished request: its answer's code and how long it took. */
  record(l: RequestLabels, code: number, seconds: number): void {
    const key = labelText(l);
    let s = this.requests.get(key);
    if (!s) {
      s = { labels: key, codes: new Map(), buckets: new Array<number>(BUCKETS.length).fill(0), sum: 0, count: 0 };
      this.requests.set(key, s);
    }
    s.codes.set(code, (s.codes.get(code) ?? 0) + 1);
    const i = BUCKETS.findIndex((b) => seconds <= b);
    if (i >= 0) s.buckets[i]++;
    s.sum += seconds;
    s.count++;
  }

  /** A long-running request (a watch, a followed log) opened; call the answer when it ends. */
  open(l: RequestLabels): () => void {
    const key = labelText(l, false);
    this.longRunning.set(key, (this.longRunning.get(key) ?? 0) + 1);
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      const n = (this.longRunning.get(key) ?? 1) - 1;
      if (n > 0) this.longRunning.set(key, n);
      else this.longRunning.delete(key);
    };
  }

  /** The Prometheus text: request counts and latency, long-running requests, stored objects. */
  render(storedObjects: { resource: string; count: number }[]): string {
    const out: string[] = [];
    out.push("# HELP apiserver_longrunning_requests [STABLE] Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.");
    out.push("# TYPE apiserver_longrunning_requests gauge");
    for (const [labels, n] of this.longRunning) out.push(`apiserver_longrunning_requests{${labels}} ${n}`);

    out.push("# HELP apiserver_request_duration_seconds [STABLE] Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.");
    out.push("# TYPE apiserver_request_duration_seconds histogram");
    for (const s of this.requests.values()) {
      let cumulative = 0;
      BUCKETS.forEach((b, i) => {
        cumulative += s.buckets[i];
        out.push(`apiserver_request_duration_seconds_bucket{${s.labels},le="${num(b)}"} ${cumulative}`);
      });
      out.push(`apiserver_request_duration_seconds_bucket{${s.labels},le="+Inf"} ${s.count}`);
      out.push(`apiserver_request_duration_seconds_sum{${s.labels}} ${num(s.sum)}`);
      out.push(`apiserver_request_duration_seconds_count{${s.labels}} ${s.count}`);
    }

    out.push("# HELP apiserver_request_total [STABLE] Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.");
    out.push("# TYPE apiserver_request_total counter");
    for (const s of this.requests.values()) for (const [code, n] of s.codes) out.push(`apiserver_request_total{code="${code}",${s.labels}} ${n}`);

    out.push("# HELP apiserver_storage_objects [STABLE] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.");
    out.push("# TYPE apiserver_storage_objects gauge");
    for (const o of storedObjects) out.push(`apiserver_storage_objects{resource="${escape(o.resource)}"} ${o.count}`);
    return out.join("\n") + "\n";
  }
}

/** Our storage key ("apps/deployments", "pods") as kube-apiserver names a resource in metrics ("deployments.apps"). */
export function metricsResource(storageKey: string): string {
  const slash = storageKey.indexOf("/");
  return slash < 0 ? storageKey : `${storageKey.slice(slash + 1)}.${storageKey.slice(0, slash)}`;
}

/** Prometheus' text exposition format, as kube-apiserver answers a scrape that asks for no other. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
