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

/**
 * What a cluster's sweep knows without scanning: `floor` is at or below every Event's last-seen
 * time (null: not known, so the next sweep scans). A scan sets it; the recorder lowers it to each
 * time it writes; any other write of an Event (a client's, say) makes it unknown. A sweep at a
 * time within the TTL of the floor would find nothing stale, so it is skipped: the same Events
 * are deleted as by a scan every time, without reading every Event's body.
 */
interface SweepState {
  floor: number | null;
  recording: boolean;
}
const sweepStates = new WeakMap<ApiServer, SweepState>();

function sweepState(api: ApiServer): SweepState {
  let st = sweepStates.get(api);
  if (!st) {
    const state: SweepState = { floor: null, recording: false };
    api.onStoredWrite((changes) => {
      for (const c of changes) if (c.resource === "events" && c.type !== "DELETED" && !state.recording) state.floor = null;
    });
    sweepStates.set(api, (st = state));
  }
  return st;
}

export function recordEvent(api: ApiServer, e: EventReport): void {
  const { ns, name } = eventKey(e);
  const t = formatTime(e.at);
  const existing = api.peek<CoreEvent>("events", ns, name);
  const st = sweepState(api);
  // Lowered before the write, so a write that rolls back only costs a scan, never a missed Event.
  const written = parseTime(t)!;
  if (st.floor !== null && written < st.floor) st.floor = written;
  st.recording = true;
  try {
    if (existing) {
      api.update(events, ns, name, { ...existing, count: (existing.count ?? 1) + 1, lastTimestamp: t }, { trusted: true });
    } else {
      // Full: the oldest Events make room (the newest are what a reader wants), a hundredth of the bound at a time.
      if (!api.hasRoomFor("events")) dropOldest(api);
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
  } finally {
    st.recording = false;
  }
  if (++sinceSweep >= SWEEP_EVERY) {
    sinceSweep = 0;
    sweepEvents(api, e.at);
  }
}

function dropOldest(api: ApiServer): void {
  for (const k of api.leastRecent("events", Math.max(1, Math.ceil(api.eventBound / 100)))) {
    try {
      api.delete(events, k.namespace, k.name);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
  }
}

/** Deletes events last seen more than the TTL ago. */
export function sweepEvents(api: ApiServer, now: number): number {
  const st = sweepState(api);
  if (st.floor !== null && now - st.floor <= TTL_MS) return 0;
  const stale: { ns: string; name: string }[] = [];
  // The floor counts every Event seen, stale ones too (one that a finalizer keeps stays stale).
  let floor = Infinity;
  // Only the two times are read (by SQLite), not whole bodies: the sweep passes every Event.
  for (const ev of api.scanStoredFields("events", null, ["$.lastTimestamp", "$.metadata.creationTimestamp"])) {
    const [lastTimestamp, creationTimestamp] = ev.values as (string | null)[];
    const seen = parseTime(lastTimestamp ?? "") ?? parseTime(creationTimestamp ?? "");
    const last = seen ?? now;
    if (seen !== null && seen < floor) floor = seen;
    if (now - last > TTL_MS) stale.push({ ns: ev.namespace, name: ev.name });
  }
  st.floor = floor;
  for (const s of stale) {
    try {
      api.delete(events, s.ns, s.name);
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
    }
  }
  return stale.length;
}
