// A container's environment as the kubelet and containerd make it (kubelet_pods.go,
// makeEnvironmentVariables): the image's ENV, then envFrom and env in order with $(VAR)
// expansion, then the Service link variables, HOSTNAME and HOME. A reference the kubelet cannot
// satisfy is the container's CreateContainerConfigError, with the kubelet's message.
import { integerQuantity, milliValue, parseQuantity } from "../machinery/quantity";
import type { NetworkView } from "../network/types";
import type { Pod } from "../resources/pod";
import type { Service } from "../resources/service";
import type { ContainerT } from "../resources/types/core";
import type { KObject } from "../resources/define";
import type { ImageBehaviour } from "../node/images";
import { imageProfile, homeOf } from "./fs/skeletons";

type DataObject = KObject & { data?: Record<string, string>; binaryData?: Record<string, string> };

export interface EnvInput {
  view: Pick<NetworkView, "get" | "services" | "node">;
  pod: Pod;
  spec: ContainerT;
  imageName: string;
  image: ImageBehaviour | null;
}

export type EnvResult = { env: Record<string, string>; skipped?: string[] } | { error: string };

/** envFrom keys that are not C identifiers (plus '-' and '.') are skipped, as the kubelet does. */
const ENV_NAME = /^[-._a-zA-Z][-._a-zA-Z0-9]*$/;

/**
 * $(VAR) expansion as Kubernetes' third_party expansion package does it: $$ is a literal $, an
 * undefined reference stays as written, and an unclosed $( is kept.
 */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = "";
  for (let i = 0; i < input.length; i++) {
    const c = input[i];
    if (c !== "$" || i + 1 >= input.length) {
      out += c;
      continue;
    }
    const next = input[i + 1];
    if (next === "$") {
      out += "$";
      i++;
    } else if (next === "(") {
      const close = input.indexOf(")", i + 2);
      if (close < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, close);
      const v = name ? lookup(name) : undefined;
      out += v ?? `$(${name})`;
      i = close;
    } else {
      out += c;
    }
  }
  return out;
}

function decodeBase64(b64: string): string {
  try {
    const bin = atob(b64);
    const buf = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) buf[i] = bin.charCodeAt(i);
    return new TextDecoder().decode(buf);
  } catch {
    return "";
  }
}

/** A ConfigMap's or Secret's keys as strings (Secret data and binaryData are base64). */
export function dataOf(kind: "configmap" | "secret", obj: DataObject): Record<string, string> {
  const out: Record<string, string> = {};
  if (kind === "configmap") {
    Object.assign(out, obj.data ?? {});
    for (const [k, v] of Object.entries(obj.binaryData ?? {})) out[k] = decodeBase64(v);
  } else {
    for (const [k, v] of Object.entries(obj.data ?? {})) out[k] = decodeBase64(v);
  }
  return out;
}

/** The pod field a fieldRef names, as the kubelet's podFieldSelectorRuntimeValue reads it; null when unsupported. */
export function fieldValue(pod: Pod, path: string, hostIP?: string): string | null {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(path);
  if (m) return (m[1] === "labels" ? pod.metadata.labels : pod.metadata.annotations)?.[m[2]] ?? "";
  switch (path) {
    case "metadata.name":
      return pod.metadata.name ?? "";
    case "metadata.namespace":
      return pod.metadata.namespace ?? "";
    case "metadata.uid":
      return pod.metadata.uid ?? "";
    case "metadata.labels":
      return formatMap(pod.metadata.labels);
    case "metadata.annotations":
      return formatMap(pod.metadata.annotations);
    case "spec.nodeName":
      return pod.spec?.nodeName ?? "";
    case "spec.serviceAccountName":
      return pod.spec?.serviceAccountName ?? "";
    case "status.hostIP":
      return pod.status?.hostIP ?? hostIP ?? "";
    case "status.hostIPs":
      return (pod.status?.hostIPs?.map((h) => h.ip) ?? (hostIP ? [hostIP] : [])).join(",");
    case "status.podIP":
      return pod.status?.podIP ?? "";
    case "status.podIPs":
      return (pod.status?.podIPs?.map((p) => p.ip) ?? (pod.status?.podIP ? [pod.status.podIP] : [])).join(",");
    default:
      return null;
  }
}

/** labels/annotations as a downward API file holds them: key="value" lines, sorted, quoted as Go's %q. */
export function formatMap(m: Record<string, string> | undefined): string {
  return Object.keys(m ?? {})
    .sort()
    .map((k) => `${k}=${JSON.stringify(m![k])}`)
    .join("\n");
}

/**
 * A resourceFieldRef's value (resource.ExtractContainerResourceValue): limits default to the
 * node's allocatable; cpu is rounded up to the divisor (at least 1 for limits), memory and
 * storage divided and rounded up.
 */
export function resourceValue(pod: Pod, spec: ContainerT, resource: string, divisor: string | undefined, allocatable: Record<string, string>): string | { error: string } {
  const [kind, name] = resource.split(".", 2) as [string, string];
  if ((kind !== "limits" && kind !== "requests") || !["cpu", "memory", "ephemeral-storage"].includes(name ?? "")) return { error: `unsupported container resource : ${resource}` };
  const res = spec.resources as { limits?: Record<string, string>; requests?: Record<string, string> } | undefined;
  let q = res?.[kind]?.[name];
  if (q === undefined && kind === "requests") q = res?.limits?.[name];
  if (q === undefined && kind === "limits") q = allocatable[name];
  const div = divisor && divisor !== "0" ? divisor : "1";
  if (name === "cpu") {
    const milli = q === undefined ? 0 : milliValue(q);
    const d = milliValue(div);
    let v = Math.ceil(milli / d);
    if (kind === "limits" && v === 0) v = 1;
    return String(v);
  }
  const value = q === undefined ? 0 : integerQuantity(q);
  const d = integerQuantity(parseQuantity(div)) || 1;
  return String(Math.ceil(value / d));
}

function serviceEnv(services: Service[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const svc of services) {
    const ip = svc.spec?.clusterIP;
    if (!ip || ip === "None") continue;
    const prefix = svc.metadata.name!.toUpperCase().replace(/-/g, "_");
    const ports = svc.spec?.ports ?? [];
    env[`${prefix}_SERVICE_HOST`] = ip;
    if (ports.length) env[`${prefix}_SERVICE_PORT`] = String(ports[0].port);
    for (const p of ports) if (p.name) env[`${prefix}_SERVICE_PORT_${p.name.toUpperCase().replace(/-/g, "_")}`] = String(p.port);
    ports.forEach((p, i) => {
      const proto = (p.protocol ?? "TCP").toUpperCase();
      const url = `${proto.toLowerCase()}://${ip}:${p.port}`;
      if (i === 0) env[`${prefix}_PORT`] = url;
      const pp = `${prefix}_PORT_${p.port}_${proto}`;
      env[pp] = url;
      env[`${pp}_PROTO`] = proto.toLowerCase();
      env[`${pp}_PORT`] = String(p.port);
      env[`${pp}_ADDR`] = ip;
    });
  }
  return env;
}

/** The Service variables a pod's containers get: its namespace's (with enableServiceLinks) and the API server's. */
export function serviceLinks(view: EnvInput["view"], pod: Pod): Record<string, string> {
  const ns = pod.metadata.namespace ?? "default";
  const byName = new Map<string, Service>();
  if (pod.spec?.enableServiceLinks !== false) for (const s of view.services(ns)) byName.set(s.metadata.name!, s);
  const kubernetes = view.get<Service>("services", "default", "kubernetes");
  // The API server's Service is always there, whatever the pod's namespace holds by that name.
  if (kubernetes) byName.set("kubernetes", kubernetes);
  const sorted = [...byName.values()].sort((a, b) => a.metadata.name!.localeCompare(b.metadata.name!));
  return serviceEnv(sorted);
}

/**
 * Whether making the container's environment can fail: only a source it names (envFrom, a key
 * of a ConfigMap or Secret, a resource field) can be missing. Most containers name none, and the
 * kubelet asks before every start.
 */
export function envMayFail(spec: ContainerT): boolean {
  if (spec.envFrom?.length) return true;
  return (spec.env ?? []).some((e) => !!(e.valueFrom && (e.valueFrom.configMapKeyRef || e.valueFrom.secretKeyRef || e.valueFrom.resourceFieldRef)));
}

/** The container's environment, or the kubelet's reason it cannot be made. */
export function containerEnv(input: EnvInput): EnvResult {
  const { view, pod, spec } = input;
  const ns = pod.metadata.namespace ?? "default";
  const node = pod.spec?.nodeName ? view.node(pod.spec.nodeName) : undefined;
  const allocatable = (node?.status?.allocatable ?? {}) as Record<string, string>;
  const hostIP = node?.status?.addresses?.find((a) => a.type === "InternalIP")?.address;
  const links = serviceLinks(view, pod);
  const tmp = new Map<string, string>();
  const lookup = (k: string) => tmp.get(k) ?? links[k];
  const skipped: string[] = [];
  const objects = new Map<string, DataObject | undefined>();
  const fetch = (kind: "configmap" | "secret", name: string) => {
    const key = `${kind}/${name}`;
    if (!objects.has(key)) objects.set(key, view.get<DataObject>(kind === "configmap" ? "configmaps" : "secrets", ns, name));
    return objects.get(key);
  };

  for (const from of spec.envFrom ?? []) {
    const ref = from.configMapRef ?? from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? "configmap" : "secret";
    const obj = fetch(kind, ref.name ?? "");
    if (!obj) {
      if (ref.optional) continue;
      return { error: `${kind} "${ref.name ?? ""}" not found` };
    }
    for (const [k, v] of Object.entries(dataOf(kind, obj))) {
      const name = (from.prefix ?? "") + k;
      if (!ENV_NAME.test(name)) {
        skipped.push(name);
        continue;
      }
      tmp.set(name, v);
    }
  }

  for (const e of spec.env ?? []) {
    if (!e.valueFrom) {
      tmp.set(e.name, expand(e.value ?? "", lookup));
      continue;
    }
    const src = e.valueFrom;
    if (src.fieldRef) {
      tmp.set(e.name, fieldValue(pod, src.fieldRef.fieldPath, hostIP) ?? "");
    } else if (src.resourceFieldRef) {
      const target = src.resourceFieldRef.containerName ? findContainer(pod, src.resourceFieldRef.containerName) ?? spec : spec;
      const v = resourceValue(pod, target, src.resourceFieldRef.resource, src.resourceFieldRef.divisor as string | undefined, allocatable);
      if (typeof v !== "string") return v;
      tmp.set(e.name, v);
    } else if (src.configMapKeyRef || src.secretKeyRef) {
      const sel = (src.configMapKeyRef ?? src.secretKeyRef)!;
      const kind = src.configMapKeyRef ? "configmap" : "secret";
      const obj = fetch(kind, sel.name ?? "");
      if (!obj) {
        if (sel.optional) continue;
        return { error: `${kind} "${sel.name ?? ""}" not found` };
      }
      const data = dataOf(kind, obj);
      if (!Object.hasOwn(data, sel.key)) {
        if (sel.optional) continue;
        return { error: `couldn't find key ${sel.key} in ${kind === "configmap" ? "ConfigMap" : "Secret"} ${ns}/${sel.name ?? ""}` };
      }
      tmp.set(e.name, data[sel.key]);
    }
  }

  const profile = imageProfile(input.imageName, input.image);
  const env: Record<string, string> = {};
  env.PATH = profile.env.PATH ?? DEFAULT_PATH;
  env.HOSTNAME = pod.spec?.hostNetwork ? (pod.spec.nodeName ?? "") : (pod.spec?.hostname ?? pod.metadata.name ?? "");
  for (const [k, v] of Object.entries(profile.env)) if (k !== "PATH") env[k] = v;
  for (const [k, v] of tmp) env[k] = v;
  for (const [k, v] of Object.entries(links)) if (!tmp.has(k)) env[k] = v;
  if (env.HOME === undefined) {
    const uid = spec.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser ?? profile.uid;
    env.HOME = homeOf(profile, uid);
  }
  return skipped.length ? { env, skipped } : { env };
}

export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function findContainer(pod: Pod, name: string): ContainerT | undefined {
  return [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])].find((c) => c.name === name);
}
