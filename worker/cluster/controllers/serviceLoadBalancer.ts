// The load-balancer provider, as cloud-provider-kind gives a kind cluster one: with the
// simulation's `loadBalancer` setting on, each LoadBalancer Service gets an address on the
// cluster's node network, filled into status.loadBalancer.ingress, with the service
// controller's events. The address is released when the Service stops being a LoadBalancer or
// is deleted. With the setting off (kind without a cloud provider), EXTERNAL-IP stays <pending>.
import { recordEvent, refTo } from "../events";
import type { Controller, ControllerContext } from "../loop/loop";
import { splitKey } from "../loop/loop";
import { services, type Service } from "../resources/service";
import { SqlAllocations } from "../store/allocations";

export const SERVICE_LB = "service-lb-controller";
const POOL = "loadbalancer";
/** The pool: 172.18.255.1-254 on kind's docker network (the range MetalLB's kind guide uses), away from the nodes' addresses. */
const POOL_SIZE = 254;
const nth = (i: number) => `172.18.255.${i + 1}`;
/** Kubernetes' minor where status.loadBalancer.ingress[].ipMode is served (LoadBalancerIPMode beta). */
const IP_MODE_MINOR = 30;

function wantsAddress(s: Service | undefined, enabled: boolean): boolean {
  return !!s && enabled && !s.metadata.deletionTimestamp && s.spec?.type === "LoadBalancer" && !s.spec.loadBalancerClass;
}

export const serviceLoadBalancerController: Controller = {
  name: SERVICE_LB,
  keysFor(c) {
    return c.resource === "services" ? [`${c.namespace}/${c.name}`] : [];
  },
  resync(ctx) {
    // Services that hold an address, and LoadBalancers that may still need one.
    const keys = new Set(ctx.store.sqlStorage.exec<{ owner: string }>("SELECT owner FROM allocations WHERE pool = ?", POOL).toArray().map((r) => r.owner));
    if (ctx.simulation().loadBalancer) for (const row of ctx.api.scanStoredFields("services", null, ["$.spec.type"])) if (row.values[0] === "LoadBalancer") keys.add(`${row.namespace}/${row.name}`);
    return [...keys];
  },
  reconcile(key, ctx) {
    const [ns, name] = splitKey(key);
    const svc = ctx.api.peek<Service>("services", ns, name);
    const alloc = new SqlAllocations(ctx.store.sqlStorage);
    const held = ctx.store.sqlStorage.exec<{ value: string }>("SELECT value FROM allocations WHERE pool = ? AND owner = ?", POOL, key).toArray()[0]?.value ?? null;
    if (!wantsAddress(svc, !!ctx.simulation().loadBalancer)) {
      if (held === null) return;
      alloc.releaseOwner(POOL, key);
      if (!svc) return;
      const ingress = (svc.status?.loadBalancer?.ingress ?? []).filter((i) => i.ip !== held);
      if (svc.spec?.type !== "LoadBalancer") event(ctx, svc, "Type", `LoadBalancer -> ${svc.spec?.type ?? "ClusterIP"}`);
      event(ctx, svc, "DeletingLoadBalancer", "Deleting load balancer");
      setIngress(ctx, svc, ingress);
      event(ctx, svc, "DeletedLoadBalancer", "Deleted load balancer");
      return;
    }
    const s = svc!;
    let ip: string | null = held;
    if (ip === null) {
      event(ctx, s, "EnsuringLoadBalancer", "Ensuring load balancer");
      const asked = s.spec?.loadBalancerIP;
      if (asked) {
        // docker run --ip: an address on kind's network that nothing else holds.
        const onNetwork = /^172\.18\.\d{1,3}\.\d{1,3}$/.test(asked) && asked.split(".").every((x) => Number(x) <= 255);
        const node = ctx.store.sqlStorage.exec("SELECT 1 FROM object_bodies WHERE resource = 'nodes' AND body LIKE ? LIMIT 1", `%"address":"${asked}"%`).toArray().length > 0;
        if (!onNetwork || node || alloc.isTaken(POOL, asked)) {
          event(ctx, s, "SyncLoadBalancerFailed", `Error syncing load balancer: failed to ensure load balancer: loadBalancerIP ${asked} is ${!onNetwork ? "not on the kind network 172.18.0.0/16" : "already in use"}`, "Warning");
          return;
        }
        alloc.take(POOL, asked, key);
        ip = asked;
      } else ip = alloc.pick(POOL, POOL_SIZE, nth, key);
      if (ip === null) {
        event(ctx, s, "SyncLoadBalancerFailed", `Error syncing load balancer: failed to ensure load balancer: no address left in the pool 172.18.255.0/24 (${POOL_SIZE} addresses)`, "Warning");
        return;
      }
    }
    const version = (JSON.parse(ctx.store.meta("config") ?? "{}") as { kubernetesVersion?: string }).kubernetesVersion ?? "";
    const minor = Number(/^v?1\.(\d+)/.exec(version)?.[1] ?? 0);
    const want = [{ ip: ip as string, ...(minor >= IP_MODE_MINOR ? { ipMode: "Proxy" as const } : {}), ports: (s.spec?.ports ?? []).map((p) => ({ port: p.port, protocol: p.protocol ?? "TCP" })) }];
    if (JSON.stringify(s.status?.loadBalancer?.ingress ?? []) === JSON.stringify(want)) return;
    setIngress(ctx, s, want);
    if (held === null) event(ctx, s, "EnsuredLoadBalancer", "Ensured load balancer");
  },
  regarding(key) {
    const [namespace, name] = splitKey(key);
    return { apiVersion: "v1", kind: "Service", namespace, name };
  },
};

function setIngress(ctx: ControllerContext, svc: Service, ingress: NonNullable<NonNullable<Service["status"]>["loadBalancer"]>["ingress"]): void {
  const fresh = ctx.api.peek<Service>("services", svc.metadata.namespace!, svc.metadata.name!);
  if (!fresh) return;
  ctx.api.update(services, svc.metadata.namespace!, svc.metadata.name!, { ...fresh, status: { ...fresh.status, loadBalancer: ingress?.length ? { ingress } : {} } }, { subresource: "status", trusted: true });
}

function event(ctx: ControllerContext, svc: Service, reason: string, message: string, type: "Normal" | "Warning" = "Normal"): void {
  recordEvent(ctx.api, { regarding: refTo(svc), type, reason, message, component: "service-controller", at: ctx.clock.now() });
}
