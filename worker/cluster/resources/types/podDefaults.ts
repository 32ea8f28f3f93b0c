// Defaulting of pod specs, as the API server's defaulters fill them (for pods and pod templates).
import type { ContainerT, PodSpecT, VolumeT } from "./core";

export const DEFAULT_TERMINATION_GRACE_SECONDS = 30;
const DEFAULT_MODE = 420; // 0644

/** Always for :latest or an untagged image, IfNotPresent otherwise (digests count as tags). */
export function defaultPullPolicy(image: string | undefined): "Always" | "IfNotPresent" {
  if (!image) return "IfNotPresent";
  if (image.includes("@")) return "IfNotPresent";
  const lastSlash = image.lastIndexOf("/");
  const tagAt = image.indexOf(":", lastSlash + 1);
  if (tagAt === -1) return "Always";
  return image.slice(tagAt + 1) === "latest" ? "Always" : "IfNotPresent";
}

function defaultProbe(p: Record<string, unknown> | undefined) {
  if (!p) return;
  p.timeoutSeconds ??= 1;
  p.periodSeconds ??= 10;
  p.successThreshold ??= 1;
  p.failureThreshold ??= 3;
  defaultHandler(p);
}

function defaultHandler(h: Record<string, unknown> | undefined) {
  if (!h) return;
  const get = h.httpGet as Record<string, unknown> | undefined;
  if (get) {
    get.path ||= "/";
    get.scheme ??= "HTTP";
  }
}

export function defaultContainer(c: ContainerT) {
  c.terminationMessagePath ||= "/dev/termination-log";
  c.terminationMessagePolicy ||= "File";
  c.imagePullPolicy ||= defaultPullPolicy(c.image);
  c.resources ??= {};
  for (const p of c.ports ?? []) p.protocol ||= "TCP";
  for (const e of c.env ?? []) if (e.valueFrom?.fieldRef) e.valueFrom.fieldRef.apiVersion ||= "v1";
  defaultProbe(c.livenessProbe as Record<string, unknown> | undefined);
  defaultProbe(c.readinessProbe as Record<string, unknown> | undefined);
  defaultProbe(c.startupProbe as Record<string, unknown> | undefined);
  defaultHandler(c.lifecycle?.postStart as Record<string, unknown> | undefined);
  defaultHandler(c.lifecycle?.preStop as Record<string, unknown> | undefined);
}

function defaultVolume(v: VolumeT) {
  if (v.secret) v.secret.defaultMode ??= DEFAULT_MODE;
  if (v.configMap) v.configMap.defaultMode ??= DEFAULT_MODE;
  if (v.downwardAPI) {
    v.downwardAPI.defaultMode ??= DEFAULT_MODE;
    for (const i of v.downwardAPI.items ?? []) if (i.fieldRef) i.fieldRef.apiVersion ||= "v1";
  }
  if (v.projected) v.projected.defaultMode ??= DEFAULT_MODE;
  if (v.hostPath) v.hostPath.type ??= "";
  if (v.persistentVolumeClaim === undefined && v.emptyDir === undefined && Object.keys(v).length === 1) v.emptyDir = {};
}

/** Defaults every pod spec gets, in pods and in templates. */
export function defaultPodSpec(s: PodSpecT) {
  s.restartPolicy ||= "Always";
  s.terminationGracePeriodSeconds ??= DEFAULT_TERMINATION_GRACE_SECONDS;
  s.dnsPolicy ||= "ClusterFirst";
  s.securityContext ??= {};
  s.schedulerName ||= "default-scheduler";
  if (s.serviceAccountName && !s.serviceAccount) s.serviceAccount = s.serviceAccountName;
  for (const c of s.containers ?? []) defaultContainer(c);
  for (const c of s.initContainers ?? []) defaultContainer(c);
  for (const v of s.volumes ?? []) defaultVolume(v);
}

/** Defaults only pods get (not templates): requests from limits, service links. */
export function defaultPodOnly(s: PodSpecT) {
  s.enableServiceLinks ??= true;
  for (const c of [...(s.containers ?? []), ...(s.initContainers ?? [])]) {
    const limits = c.resources?.limits;
    if (!limits) continue;
    c.resources!.requests ??= {};
    for (const [k, v] of Object.entries(limits)) if (c.resources!.requests[k] === undefined) c.resources!.requests[k] = v;
  }
}
