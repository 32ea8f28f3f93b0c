// pods/ephemeralcontainers: the one way debug containers join a running pod (`kubectl debug`).
// The generic update and patch paths serve it (GET answers the whole Pod, PUT and PATCH take
// one); what differs is kube-apiserver's podEphemeralContainersStrategy, here: an update through
// it changes nothing but spec.ephemeralContainers, existing ones may be neither changed nor
// removed, and static pods take none. The checks every pod spec gets for its ephemeral
// containers (validateEphemeralContainers) and the refusal on create live here too.
import { MAP_KEY, type Problems } from "../machinery/schema/dsl";
import type { Pod } from "../resources/pod";
import type { ContainerT } from "../resources/types/core";
import { canonical } from "../machinery/json";

export const EPHEMERAL_SUBRESOURCE = "ephemeralcontainers";

const MIRROR_ANNOTATION = "kubernetes.io/config.mirror";

type EphemeralT = NonNullable<NonNullable<Pod["spec"]>["ephemeralContainers"]>[number];

/**
 * Container fields an ephemeral container may not set (validation.go's allow list), in the
 * order of the Go struct: a debug container has no ports, resources, probes or lifecycle.
 */
const FORBIDDEN_FIELDS = ["ports", "resources", "resizePolicy", "restartPolicy", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle"] as const;

const CANNOT_SET = "cannot be set for an Ephemeral Container";

/** Go's zero value as JSON shows it: absent, or an object or list with nothing set in it. */
function isZero(v: unknown): boolean {
  if (v === undefined || v === null) return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === "object") return Object.values(v as Record<string, unknown>).every(isZero);
  return v === false || v === "" || v === 0;
}

/**
 * validateEphemeralContainers, for every pod spec: names unique across all of the pod's
 * containers, a target that is one of its app or init containers, no field the allow list
 * leaves out, no subPath, mounts of the pod's volumes.
 */
export function checkEphemeralContainers(spec: NonNullable<Pod["spec"]>, p: Problems): void {
  const list = spec.ephemeralContainers ?? [];
  if (!list.length) return;
  const others = new Set([...(spec.containers ?? []), ...(spec.initContainers ?? [])].map((c) => c.name));
  const all = new Set(others);
  const volumes = new Set((spec.volumes ?? []).map((v) => v.name));
  list.forEach((ec, i) => {
    const at = p.at("ephemeralContainers", i);
    ec.volumeMounts?.forEach((m, j) => {
      if (m.name && !volumes.has(m.name)) at.notFound(["volumeMounts", j, "name"], m.name);
    });
    if (all.has(ec.name)) at.duplicate(["name"], ec.name);
    else all.add(ec.name);
    if (ec.targetContainerName && !others.has(ec.targetContainerName)) at.notFound(["targetContainerName"], ec.targetContainerName);
    const fields = ec as unknown as Record<string, unknown>;
    for (const f of FORBIDDEN_FIELDS) if (!isZero(fields[f])) at.forbidden([f], CANNOT_SET);
    ec.volumeMounts?.forEach((m, j) => {
      if (m.subPath) at.forbidden(["volumeMounts", j, "subPath"], CANNOT_SET);
      if (m.subPathExpr) at.forbidden(["volumeMounts", j, "subPathExpr"], CANNOT_SET);
    });
  });
}

/** ValidatePodCreate: a pod is created without ephemeral containers. */
export function checkCreate(spec: NonNullable<Pod["spec"]>, p: Problems): void {
  if (spec.ephemeralContainers?.length) p.forbidden(["ephemeralContainers"], "cannot be set on create");
}

/**
 * dropNonEphemeralContainerUpdates: of what an update through the subresource sent, only
 * spec.ephemeralContainers is kept; status and the metadata a status update may not touch come
 * from the stored pod.
 */
export function keepOnlyEphemeralChanges(o: Pod, old: Pod): void {
  const wanted = o.spec?.ephemeralContainers;
  const spec = structuredClone(old.spec!);
  if (wanted?.length) spec.ephemeralContainers = wanted;
  else delete spec.ephemeralContainers;
  o.spec = spec;
  o.status = old.status;
  for (const f of ["labels", "annotations", "finalizers", "ownerReferences"] as const) {
    if (old.metadata[f] !== undefined) (o.metadata as Record<string, unknown>)[f] = structuredClone(old.metadata[f]);
    else delete o.metadata[f];
  }
}

/** ValidatePodEphemeralContainersUpdate's part 2: what was added stays as it was added. */
export function validateEphemeralUpdate(o: Pod, old: Pod, p: Problems): void {
  if (old.metadata.annotations?.[MIRROR_ANNOTATION] !== undefined) {
    // Reported against an empty path, which kube-apiserver prints as "[]".
    p.forbidden([MAP_KEY], "static pods do not support ephemeral containers");
    return;
  }
  const now = new Map((o.spec?.ephemeralContainers ?? []).map((c) => [c.name, c]));
  for (const was of old.spec?.ephemeralContainers ?? []) {
    const is = now.get(was.name);
    if (!is) p.forbidden(["spec", "ephemeralContainers"], `existing ephemeral containers ${JSON.stringify(was.name)} may not be removed\n`);
    else if (JSON.stringify(canonical(was)) !== JSON.stringify(canonical(is)))
      p.forbidden(["spec", "ephemeralContainers"], `existing ephemeral containers ${JSON.stringify(was.name)} may not be changed\n${diff(was, is)}`);
  }
}

/** The changed fields, one -/+ pair each, in the spirit of the go-cmp diff the API server appends. */
function diff(was: EphemeralT, is: EphemeralT): string {
  const a = was as unknown as Record<string, unknown>;
  const b = is as unknown as Record<string, unknown>;
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  const lines = ["  core.EphemeralContainer{"];
  for (const k of keys) {
    const x = JSON.stringify(canonical(a[k]));
    const y = JSON.stringify(canonical(b[k]));
    if (x === y) continue;
    if (x !== undefined) lines.push(`- \t${k}: ${x},`);
    if (y !== undefined) lines.push(`+ \t${k}: ${y},`);
  }
  lines.push("  }");
  return lines.join("\n") + "\n";
}


/** An ephemeral container read as a Container (the fields they share; the runtime and the world read it so). */
export function asContainer(ec: EphemeralT): ContainerT {
  return ec as unknown as ContainerT;
}
