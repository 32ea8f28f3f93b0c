// The event recorder the control plane and the kubelets share. Like client-go's recorder, it
// folds repeats of the same event (same object, reason, message and source) into one Event
// with a count; and like the API server's event TTL, it drops events an hour after they were
// last seen, lazily while recording (no timer, so an idle cluster stays idle).
import type { ApiServer } from "./api/apiserver";
import { ApiError } from "./machinery/errors";
import { formatMicroTime, formatTime, parseTime } from "./machinery/time";
import type { KObject } from "./resources/define";
import { events, type CoreEvent } from "./resources/event";

export interface EventReport {
  regarding: { apiVersion: string; kind: string; name: string; namespace?: string; uid?: string; fieldPath?: string };
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  /** kubelet, default-scheduler, node-controller, ... */
  component: string;
  /** The node, for kubelet events. */
  host?: string;
  /** Cluster time it happened. */
  at: number;
}

const TTL_MS = 60 * 60 * 1000;
const SWEEP_EVERY = 200;
let sinceSweep = 0;

/** A reference to an object, for `regarding`. */
export function refTo(obj: KObject, fieldPath?: string): EventReport["regarding"] {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name!,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
    ...(fieldPath ? { fieldPath } : {}),
  };
}

function fnv(s: string, seed: number): string {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619) >>> 0;
  }
  return h.toString(16).padStart(8, "0");
}

/** Where an event is kept: repeats of the same report share one Event. */
function eventKey(e: EventReport): { ns: string; name: string } {
  const key = [e.regarding.uid ?? e.regarding.name, e.regarding.fieldPath ?? "", e.reason, e.message, e.component, e.host ?? ""].join("\u0000");
  return { ns: e.regarding.namespace || "default", name: `${e.regarding.name}.${fnv(key, 2166136261)}${fnv(key, 84696351)}` };
}

/**
 * Records an event unless the same one is already on record: for a condition that stands (a
 * bound met) and is met again on every pass, where counting each pass would only add writes.
 */
export function recordEventOnce(api: ApiServer, e: EventReport): void {
  const { ns, name } = eventKey(e);
  if (!api.peek<CoreEvent>("events", ns, name)) recordEvent(api, e);
}

export function recordEvent(api: ApiServer, e: EventReport): void {
  const { ns, name } = eventKey(e);
  const t = formatTime(e.at);
  const existing = api.peek<CoreEvent>("events", ns, name);
  try {
    if (existing) {
      api.update(events, ns, name, { ...existing, count: (existing.count ?? 1) + 1, lastTimestamp: t }, { trusted: true });
    } else {
      const source = { component: e.component, ...(e.host ? { host: e.host } : {}) };
      api.create(events, ns, {
        metadata: { name },
        involvedObject: e.regarding,
        reason: e.reason,
        message: e.message,
        source,
        firstTimestamp: t,
        lastTimestamp: t,
        count: 1,
        type: e.type,
        eventTime: formatMicroTime(e.at),
        reportingComponent: e.component,
        reportingInstance: e.host ?? e.component,
      }, { trusted: true });
    }
  } catch (err) {
    // An event is best effort: a namespace being deleted refuses new content.
    if (!(err instanceof ApiError)) throw err;
  }
  if (++sinceSweep >= SWEEP_EVERY) {
    sinceSweep = 0;
    sweepEvents(api, e.at);
  }
}

/** Deletes events last seen more than the TTL ago. */
export function sweepEvents(api: ApiServer, now: number): number {
  const stale: { ns: string; name: string }[] = [];
  for (const ev of api.scanStored<CoreEvent>("events", null)) {
    const last = parseTime(ev.lastTimestamp ?? "") ?? parseTime(ev.metadata.creationTimestamp ?? "") ?? now;
    if (now - last > TTL_MS) stale.push({ ns: ev.metadata.namespace!, name: ev.metadata.name! });
  }
  for (const s of stale) {
    try {
      api.delete(events, s.ns, s.name);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
  }
  return stale.length;
}
