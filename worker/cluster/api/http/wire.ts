// The boundary between the cluster's objects and what clients see or send. Every object the
// HTTP face answers (get, list items, write results, delete answers, watch events, a Table's
// embedded objects, subresources) passes through outbound(); every object or patch a client
// sends passes through inbound() before the registry sees it. Controllers and the simulation
// call the registry directly and never pass here.
//
// The rule: the cluster stores and acts on cluster time, which runs ahead of the wall clock once
// it has been advanced or sped up. Clients measure ages against their own wall clock, so every
// timestamp is served moved back by the clock's lead (Clock.wallOffset), and every timestamp a
// client sends is moved forward by it. Ages and durations are the cluster's; nothing the
// cluster has done appears to lie in the client's future. Until the clock is moved the lead is
// zero and nothing is walked.
import type { Clock } from "../../clock";
import { shiftPatchTimes, shiftTimes } from "../../machinery/timeShift";
import { formatTime, parseTime } from "../../machinery/time";
import type { KObject, ResourceDef } from "../../resources/define";

/**
 * Annotations Kubernetes itself writes as timestamps (the CronJob controller stamps each Job with
 * the time it was scheduled for). Other annotations are user data and never move.
 */
/** A kind, or any object type known by its schema (a subresource's Scale). */
type Shaped = Pick<ResourceDef, "schema">;

const TIME_ANNOTATIONS = ["batch.kubernetes.io/cronjob-scheduled-timestamp"];

/** An object as a client is shown it. */
export function outbound<T extends KObject>(def: Shaped, obj: T, clock: Clock): T {
  const offset = clock.wallOffset();
  if (offset === 0) return obj;
  return shiftAnnotations(shiftTimes(def.schema, obj, -offset), -offset);
}

/** A client's object as the registry takes it. */
export function inbound(def: Shaped, obj: unknown, clock: Clock): unknown {
  const offset = clock.wallOffset();
  if (offset === 0) return obj;
  return shiftAnnotations(shiftTimes(def.schema, obj, offset), offset);
}

/** A client's patch document as the registry applies it. */
export function inboundPatch(def: Shaped, type: "json" | "merge" | "strategic", patch: unknown, clock: Clock): unknown {
  const offset = clock.wallOffset();
  if (offset === 0) return patch;
  const moved = shiftPatchTimes(def.schema, type, patch, offset);
  return type === "json" ? moved : shiftAnnotations(moved, offset);
}

/** The wall-clock time of the cluster's now: what ages in Tables are measured against. */
export function wallNow(clock: Clock): number {
  return clock.now() - clock.wallOffset();
}

/** A cluster time as the client's wall clock reads it. */
export function toWall(clock: Clock, clusterMs: number): number {
  return clusterMs - clock.wallOffset();
}

/** A time a client sent (on its wall clock) as cluster time. */
export function fromWall(clock: Clock, wallMs: number): number {
  return wallMs + clock.wallOffset();
}

function shiftAnnotations<T>(obj: T, deltaMs: number): T {
  const meta = (obj as { metadata?: unknown } | null)?.metadata;
  if (typeof meta !== "object" || meta === null) return obj;
  const annotations = (meta as { annotations?: unknown }).annotations;
  if (typeof annotations !== "object" || annotations === null) return obj;
  let moved: Record<string, unknown> | null = null;
  for (const key of TIME_ANNOTATIONS) {
    const v = (annotations as Record<string, unknown>)[key];
    const t = typeof v === "string" ? parseTime(v) : null;
    if (t !== null) (moved ??= { ...annotations })[key] = formatTime(t + deltaMs);
  }
  return moved ? ({ ...obj, metadata: { ...meta, annotations: moved } } as T) : obj;
}
