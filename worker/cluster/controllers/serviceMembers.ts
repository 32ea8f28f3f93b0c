// What the endpoints and endpointslice controllers share: which Services a pod change concerns
// (an in-memory index of Service selectors per namespace, so a pod event never reads every
// Service), the pods a Service selects, and kube-controller-manager's rules for a pod as an
// endpoint (ShouldPodBeInEndpoints, FindPort, ShouldSetHostname, the trigger time).
import { formatTime, parseTime } from "../machinery/time";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import type { Change } from "../store/store";
import type { ControllerContext } from "../loop/loop";

type Selector = Record<string, string>;

/** A Service as the pod-to-Service mapping needs it. */
interface Entry {
  /** null: no selector (endpoints are made by hand) or ExternalName. */
  selector: Selector | null;
}

/**
 * Service selectors per namespace. It starts empty (a new cluster's store is empty when the
 * object starts), is rebuilt from the store when the object restarts (resync), and follows
 * every committed Service change after that.
 */
export class ServiceIndex {
  private readonly byNamespace = new Map<string, Map<string, Entry>>();
  /** Answers per pod change: the endpoints and endpointslice controllers both ask about every change of a commit. */
  private answered = new WeakMap<Change, string[]>();

  rebuild(ctx: Pick<ControllerContext, "api">): void {
    this.byNamespace.clear();
    for (const row of ctx.api.scanStoredFields("services", null, ["$.spec.selector", "$.spec.type"])) {
      const [sel, type] = row.values;
      this.set(row.namespace, row.name, type === "ExternalName" || typeof sel !== "string" ? null : (JSON.parse(sel) as Selector));
    }
  }

  /** Follows a committed Service change. */
  private note(c: Change): void {
    if (c.type === "DELETED") {
      this.byNamespace.get(c.namespace)?.delete(c.name);
      return;
    }
    const svc = JSON.parse(c.body) as Service;
    this.set(c.namespace, c.name, svc.spec?.type === "ExternalName" ? null : (svc.spec?.selector ?? null));
  }

  private set(ns: string, name: string, selector: Selector | null) {
    let m = this.byNamespace.get(ns);
    if (!m) this.byNamespace.set(ns, (m = new Map()));
    m.set(name, { selector: selector && Object.keys(selector).length ? selector : null });
  }

  /** Services of `ns` whose selector matches any of the label sets. */
  matching(ns: string, labelSets: (Record<string, string> | undefined)[]): string[] {
    const m = this.byNamespace.get(ns);
    if (!m) return [];
    const out: string[] = [];
    for (const [name, e] of m) {
      if (e.selector && labelSets.some((l) => l !== undefined && selects(e.selector!, l))) out.push(`${ns}/${name}`);
    }
    return out;
  }

  /** The Service keys a Service or Pod change concerns, null for any other change (the index follows Service changes as it answers). */
  servicesOf(c: Change): string[] | null {
    if (c.resource === "services") {
      this.note(c);
      return [`${c.namespace}/${c.name}`];
    }
    return c.resource === "pods" ? this.servicesOfPod(c) : null;
  }

  /** The Service keys a pod change concerns: those selecting the pod before or after it. */
  private servicesOfPod(c: Change): string[] {
    let keys = this.answered.get(c);
    if (!keys) this.answered.set(c, (keys = this.byNamespace.has(c.namespace) ? this.matching(c.namespace, [c.attrs ? c.attrs.labels : labelsOf(c.body), c.prev?.labels]) : []));
    return keys;
  }
}

function selects(sel: Selector, labels: Record<string, string>): boolean {
  for (const k in sel) if (labels[k] !== sel[k]) return false;
  return true;
}

/**
 * A pod's labels from its stored JSON. Labels are validated to plain names and values (no
 * quotes or braces), so the object can be cut out of the text without parsing the whole pod.
 */
function labelsOf(body: string): Record<string, string> | undefined {
  const at = body.indexOf('"labels":{');
  const spec = body.indexOf('"spec":');
  if (at < 0 || (spec >= 0 && spec < at)) return at < 0 ? undefined : (JSON.parse(body) as Pod).metadata.labels;
  const end = body.indexOf("}", at);
  return JSON.parse(body.slice(at + 9, end + 1)) as Record<string, string>;
}

/** The pods of the Service's namespace its selector matches. Rows that cannot match are skipped as text. */
export function* podsSelectedBy(ctx: Pick<ControllerContext, "store">, svc: Service): Generator<Pod> {
  const sel = svc.spec?.selector ?? {};
  const needles = Object.entries(sel).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  for (const row of ctx.store.scan("pods", svc.metadata.namespace!)) {
    if (!needles.every((n) => row.body.includes(n))) continue;
    const pod = JSON.parse(row.body) as Pod;
    if (selects(sel, pod.metadata.labels ?? {})) yield pod;
  }
}

/** A Service whose endpoints the controllers make (one without a selector keeps hand-made ones). */
export function hasSelector(svc: Service): boolean {
  return !!svc.spec?.selector && Object.keys(svc.spec.selector).length > 0;
}

/** A Service key as the object a failing reconcile is reported on. */
export function serviceRef(key: string) {
  const i = key.indexOf("/");
  return { apiVersion: "v1", kind: "Service", namespace: key.slice(0, i), name: key.slice(i + 1) };
}

export function isPodReady(p: Pod): boolean {
  return p.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
}

/** ShouldPodBeInEndpoints: not finished, has an address, and (unless allowed) not terminating. */
export function belongsInEndpoints(p: Pod, includeTerminating: boolean): boolean {
  const phase = p.status?.phase;
  if (phase === "Succeeded" || phase === "Failed") return false;
  if (!p.status?.podIP && !p.status?.podIPs?.length) return false;
  if (!includeTerminating && p.metadata.deletionTimestamp) return false;
  return true;
}

export function podIP(p: Pod): string {
  return p.status?.podIP || p.status?.podIPs?.[0]?.ip || "";
}

type ServicePortT = NonNullable<NonNullable<Service["spec"]>["ports"]>[number];

/**
 * FindPort: a numeric targetPort as it is; a named one from the containers' ports (sidecar
 * init containers included) of the same protocol; null when the pod has no such port.
 */
export function findPort(p: Pod, sp: ServicePortT): number | null {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === "number") return target || sp.port!;
  if (/^\d+$/.test(target)) return Number(target);
  const protocol = sp.protocol ?? "TCP";
  const sidecars = (p.spec?.initContainers ?? []).filter((c) => c.restartPolicy === "Always");
  for (const c of [...(p.spec?.containers ?? []), ...sidecars]) {
    for (const port of c.ports ?? []) if (port.name === target && (port.protocol ?? "TCP") === protocol) return port.containerPort!;
  }
  return null;
}

/** A pod's hostname goes into its endpoint when its subdomain names the Service (StatefulSets behind a headless Service). */
export function hostnameFor(p: Pod, svc: Service): string | undefined {
  const h = p.spec?.hostname;
  return h && p.spec?.subdomain === svc.metadata.name && p.metadata.namespace === svc.metadata.namespace ? h : undefined;
}

export function isHeadless(svc: Service): boolean {
  return !svc.spec?.clusterIP || svc.spec.clusterIP === "None";
}

/**
 * The endpoints.kubernetes.io/last-change-trigger-time annotation: when the latest change that
 * moved these endpoints happened (a pod's readiness turning, or the Service's creation).
 */
export function lastChangeTriggerTime(svc: Service, pods: Pod[]): string | undefined {
  let latest = parseTime(svc.metadata.creationTimestamp ?? "") ?? 0;
  for (const p of pods) {
    const t = parseTime(p.status?.conditions?.find((c) => c.type === "Ready")?.lastTransitionTime ?? "") ?? 0;
    if (t > latest) latest = t;
  }
  return latest ? formatTime(latest) : undefined;
}
export const HEADLESS_LABEL = "service.kubernetes.io/headless";

/** JSON with object keys sorted: equality of two values whatever order their keys were written in. */
export function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
}
