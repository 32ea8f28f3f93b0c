// Ingress status as ingress-nginx's status sync writes it: while a controller pod of an Ingress's
// class runs, the Ingress's status.loadBalancer.ingress lists the controller's address:
// --publish-status-address (kind's manifest says localhost), else --publish-service's load
// balancer addresses, else the addresses of the nodes its ready pods run on. With no controller
// left it is emptied, as the last controller does on shutdown. Keyed by Ingress; a change to a
// controller pod, an IngressClass or a LoadBalancer Service re-runs every Ingress ("*"). Nothing
// polls.
import { recordEvent, refTo } from "../events";
import { ApiError } from "../machinery/errors";
import { parseImageRef } from "../node/imageRef";
import { controllerContainer, controllerFlags, servedBy, type ControllerFlags } from "../network/ingress";
import { ingresses, type Ingress } from "../resources/ingress";
import type { IngressClass } from "../resources/ingressclass";
import type { Node } from "../resources/node";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import { lookupImage } from "../simulation";
import { splitKey, type Controller, type ControllerContext } from "../loop/loop";

export const INGRESS_STATUS = "ingress-status";
const ALL = "*";
const INGRESS_STORAGE = "networking.k8s.io/ingresses";
const CLASS_STORAGE = "networking.k8s.io/ingressclasses";
/** Every catalog image of an ingress controller is an ingress-nginx controller repository. */
const CONTROLLER_REPO = "ingress-nginx/controller";

type Address = { ip?: string; hostname?: string };

interface RunningController {
  flags: ControllerFlags;
  addresses: Address[];
}

function isIP(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(":");
}

function toAddress(s: string): Address {
  return isIP(s) ? { ip: s } : { hostname: s };
}

function podReady(p: Pod): boolean {
  return (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
}

function nodeAddress(ctx: ControllerContext, name: string | undefined): string | null {
  if (!name) return null;
  const node = ctx.api.peek<Node>("nodes", "", name);
  const addrs = node?.status?.addresses ?? [];
  return addrs.find((a) => a.type === "ExternalIP")?.address ?? addrs.find((a) => a.type === "InternalIP")?.address ?? name;
}

/** The running ingress-nginx controller pods, grouped by their flags, with the addresses they publish. */
function runningControllers(ctx: ControllerContext): RunningController[] {
  const groups = new Map<string, { flags: ControllerFlags; pods: Pod[] }>();
  // SQLite reads the images; only candidate pods are parsed.
  for (const row of ctx.api.scanStoredFields("pods", null, ["$.spec.containers", "$.status.phase"])) {
    const [containers, phase] = row.values;
    if (phase !== "Running" || typeof containers !== "string" || !containers.includes(CONTROLLER_REPO)) continue;
    const pod = ctx.api.peek<Pod>("pods", row.namespace, row.name);
    if (!pod || pod.metadata.deletionTimestamp) continue;
    const cc = controllerContainer(pod, (p, c) => {
      const spec = p.spec?.containers?.find((x) => x.name === c);
      const ref = spec?.image ? parseImageRef(spec.image) : null;
      return ref ? lookupImage(ref, ctx.simulation()) : null;
    });
    if (!cc) continue;
    // Its container must have started: the controller writes status once it runs.
    if (!(pod.status?.containerStatuses ?? []).some((s) => s.name === cc.container.name && s.state?.running)) continue;
    const flags = controllerFlags(cc.container, pod);
    const key = JSON.stringify([flags, pod.metadata.namespace]);
    const g = groups.get(key) ?? { flags, pods: [] };
    g.pods.push(pod);
    groups.set(key, g);
  }
  const out: RunningController[] = [];
  for (const { flags, pods } of groups.values()) {
    let names: string[];
    if (flags.publishStatusAddress) names = flags.publishStatusAddress.split(/,\s*/).filter(Boolean);
    else if (flags.publishService) {
      const [ns, name] = flags.publishService.includes("/") ? splitKey(flags.publishService) : [pods[0].metadata.namespace!, flags.publishService];
      const svc = ctx.api.peek<Service>("services", ns, name);
      names = [...(svc?.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || ""), ...(svc?.spec?.externalIPs ?? [])].filter(Boolean);
    } else names = pods.filter(podReady).map((p) => nodeAddress(ctx, p.spec?.nodeName)).filter((x): x is string => !!x);
    out.push({ flags, addresses: [...new Set(names)].map(toAddress) });
  }
  return out;
}

/** ingress-nginx sorts the addresses: by IP, then by hostname. */
function sorted(addrs: Address[]): Address[] {
  const seen = new Map<string, Address>();
  for (const a of addrs) seen.set(a.ip ?? `~${a.hostname}`, a);
  return [...seen.values()].sort((a, b) => ((a.ip ?? "") < (b.ip ?? "") ? -1 : (a.ip ?? "") > (b.ip ?? "") ? 1 : (a.hostname ?? "") < (b.hostname ?? "") ? -1 : (a.hostname ?? "") > (b.hostname ?? "") ? 1 : 0));
}

function syncOne(ctx: ControllerContext, ing: Ingress, controllers: RunningController[], classOf: (name: string) => IngressClass | undefined) {
  if (ing.metadata.deletionTimestamp) return;
  const addrs = sorted(controllers.filter((c) => servedBy(c.flags, ing, classOf)).flatMap((c) => c.addresses));
  const current = ing.status?.loadBalancer?.ingress ?? [];
  if (JSON.stringify(current) === JSON.stringify(addrs)) return;
  const status = { ...ing.status, loadBalancer: addrs.length ? { ingress: addrs } : {} };
  try {
    ctx.api.update(ingresses, ing.metadata.namespace!, ing.metadata.name!, { ...ing, status }, { subresource: "status", trusted: true });
    // The controller reports taking the Ingress up, as ingress-nginx's store does.
    if (addrs.length && !current.length) recordEvent(ctx.api, { regarding: refTo(ing), type: "Normal", reason: "Sync", message: "Scheduled for sync", component: "nginx-ingress-controller", at: ctx.clock.now() });
  } catch (e) {
    // Deleted meanwhile: nothing to report on.
    if (!(e instanceof ApiError && e.code === 404)) throw e;
  }
}

export const ingressStatusController: Controller = {
  name: INGRESS_STATUS,
  keysFor(c) {
    if (c.resource === INGRESS_STORAGE) return c.type === "DELETED" ? [] : [`${c.namespace}/${c.name}`];
    if (c.resource === CLASS_STORAGE) return [ALL];
    if (c.resource === "pods" && c.body.includes(CONTROLLER_REPO)) return [ALL];
    // A load balancer's address may be what a controller publishes (--publish-service).
    if (c.resource === "services" && c.body.includes('"LoadBalancer"')) return [ALL];
    return [];
  },
  resync(ctx) {
    return ctx.store.countOf(INGRESS_STORAGE, null) ? [ALL] : [];
  },
  reconcile(key, ctx) {
    const classes = new Map<string, IngressClass | undefined>();
    const classOf = (name: string) => {
      if (!classes.has(name)) classes.set(name, ctx.api.peek<IngressClass>(CLASS_STORAGE, "", name));
      return classes.get(name);
    };
    if (key !== ALL) {
      const [ns, name] = splitKey(key);
      const ing = ctx.api.peek<Ingress>(INGRESS_STORAGE, ns, name);
      if (ing) syncOne(ctx, ing, runningControllers(ctx), classOf);
      return;
    }
    if (!ctx.store.countOf(INGRESS_STORAGE, null)) return;
    const controllers = runningControllers(ctx);
    for (const ing of ctx.api.scanStored<Ingress>(INGRESS_STORAGE, null)) syncOne(ctx, ing, controllers, classOf);
  },
  regarding(key) {
    if (key === ALL) return null;
    const [namespace, name] = splitKey(key);
    return { apiVersion: "networking.k8s.io/v1", kind: "Ingress", namespace, name };
  },
};
