// The event recorder the control plane and the kubelets share. Like client-go's recorder, it
// folds repeats of the same event (same object, reason, message and source) into one Event
// with a count; and like the API server's event TTL, it drops events an hour after they were
// last seen, lazily while recording (no timer, so an idle cluster stays idle).
import type { ApiServer } from "./api/apiserver";
import { ApiError } from "./machinery/errors";
import { formatMicroTime, formatTime, parseTime } from "./machinery/time";
import type { KObject } from "./resources/define";
import { Lru } from "./machinery/lru";
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
  /** Where it is kept, when not where its fields say (a combined Event). */
  key?: { ns: string; name: string };
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

/** kube-scheduler records through the events.k8s.io recorder, which has no correlator. */
const UNCORRELATED = new Set(["default-scheduler"]);

export function recordEvent(api: ApiServer, e: EventReport): void {
  let report = e;
  let seen = 1;
  if (!UNCORRELATED.has(e.component)) {
    const c = correlate(correlatorOf(api), e);
    if (!c) return;
    report = c.report;
    seen = c.seen;
  }
  write(api, report, seen);
}

/**
 * Each recorder stamps eventTime from a microsecond clock, so Events of one instant (a pod
 * scheduled, then its image pulling, in one pass of the simulated clock) still sort in the order
 * they happened. Within the millisecond the cluster clock gives, each is a microsecond after the last.
 */
const lastEventMicros = new WeakMap<ApiServer, number>();

function eventMicroTime(api: ApiServer, at: number): string {
  let micros = Math.round(at * 1000);
  const last = lastEventMicros.get(api);
  if (last !== undefined && micros <= last && last - micros < 1000) micros = last + 1;
  lastEventMicros.set(api, micros);
  return formatMicroTime(micros / 1000);
}

/**
 * The names of the Events each cluster's recorder wrote lately. One not among them is nearly
 * always new (its name hashes the object's uid and the message), so it is created without a read
 * first; one that exists after all (written before a restart, or by a client) is counted on then.
 */
const recentlyWritten = new WeakMap<ApiServer, Lru<true>>();

function recentOf(api: ApiServer): Lru<true> {
  let r = recentlyWritten.get(api);
  if (!r) recentlyWritten.set(api, (r = new Lru(CACHE_ENTRIES)));
  return r;
}

/** Writes a report: a new Event, or `seen` more on the count of the one already kept for it. */
function write(api: ApiServer, e: EventReport, seen: number): void {
  const { ns, name } = e.key ?? eventKey(e);
  const t = formatTime(e.at);
  const recent = recentOf(api);
  const known = recent.get(`${ns}/${name}`) !== undefined;
  let existing = known ? api.peek<CoreEvent>("events", ns, name) : undefined;
  const st = sweepState(api);
  // Lowered before the write, so a write that rolls back only costs a scan, never a missed Event.
  const written = parseTime(t)!;
  if (st.floor !== null && written < st.floor) st.floor = written;
  st.recording = true;
  try {
    const countOn = (ev: CoreEvent) => api.update(events, ns, name, { ...ev, count: (ev.count ?? 1) + seen, message: e.message, lastTimestamp: t }, { trusted: true, owned: true });
    if (existing) countOn(existing);
    else {
      // Full: the oldest Events make room (the newest are what a reader wants), a hundredth of the bound at a time.
      if (!api.hasRoomFor("events")) dropOldest(api);
      const source = { component: e.component, ...(e.host ? { host: e.host } : {}) };
      try {
        api.create(events, ns, {
          metadata: { name },
          involvedObject: e.regarding,
          reason: e.reason,
          message: e.message,
          source,
          firstTimestamp: t,
          lastTimestamp: t,
          count: seen,
          type: e.type,
          eventTime: eventMicroTime(api, e.at),
          reportingComponent: e.component,
          reportingInstance: e.host ?? e.component,
        }, { trusted: true, owned: true, nameUnread: !known, shape: `${Object.keys(e.regarding).join()}|${e.host ? "host" : ""}` });
      } catch (err) {
        if (known || !(err instanceof ApiError && err.code === 409) || !(existing = api.peek<CoreEvent>("events", ns, name))) throw err;
        countOn(existing);
      }
    }
    recent.set(`${ns}/${name}`, true);
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

/**
 * client-go's EventCorrelator, which every control-plane component but kube-scheduler and every
 * kubelet records through, one per cluster here (a restart forgets it, as a restarted component
 * does). In its order:
 * - the aggregator: once one source has said 10 different messages of one type and reason about
 *   one object within 10 minutes, each further one goes into a single Event whose message is
 *   "(combined from similar events): " and the latest (a ReplicaSet's "Created pod: ..." for a
 *   thousand pods is 9 Events and one combined);
 * - the observer: repeats of an Event are counted, the count kept even when the next step drops it;
 * - the spam filter: each source may write 25 Events about one object, then one per 5 minutes
 *   (a token bucket); what it drops is not written, and its count shows on the next that is.
 * Each keeps its 4,096 most recent keys (at least 3,840 of them: Lru), as client-go's LRU caches do.
 */
interface Correlator {
  aggregates: Lru<{ messages: Set<string>; last: number }>;
  observed: Lru<{ count: number; written: number }>;
  spam: Lru<{ tokens: number; at: number }>;
}

const CACHE_ENTRIES = 4096;
const AGGREGATE_AFTER = 10;
const AGGREGATE_WINDOW_MS = 600_000;
const SPAM_BURST = 25;
const SPAM_REFILL_MS = 300_000;
const COMBINED = "(combined from similar events): ";

const correlators = new WeakMap<ApiServer, Correlator>();

function correlatorOf(api: ApiServer): Correlator {
  let c = correlators.get(api);
  if (!c) correlators.set(api, (c = { aggregates: new Lru(CACHE_ENTRIES), observed: new Lru(CACHE_ENTRIES), spam: new Lru(CACHE_ENTRIES) }));
  return c;
}

/** What to write for a report (and how many observations it stands for), or null when the spam filter drops it. */
function correlate(c: Correlator, e: EventReport): { report: EventReport; seen: number } | null {
  const r = e.regarding;
  const about = [e.component, e.host ?? "", r.kind, r.namespace ?? "", r.name, r.uid ?? "", r.apiVersion].join("\u0000");
  const similar = [about, e.type, e.reason].join("\u0000");
  // An entry read is the most recent already (Lru.get): only a new one is set.
  let agg = c.aggregates.get(similar);
  if (!agg || e.at - agg.last > AGGREGATE_WINDOW_MS) c.aggregates.set(similar, (agg = { messages: new Set(), last: e.at }));
  agg.messages.add(e.message);
  agg.last = e.at;
  let report = e;
  if (agg.messages.size >= AGGREGATE_AFTER) {
    // client-go drops one message so the set stays just under the threshold: the next new one combines too.
    agg.messages.delete(agg.messages.values().next().value!);
    report = { ...e, message: COMBINED + e.message, key: { ns: r.namespace || "default", name: `${r.name}.${fnv(similar, 2166136261)}${fnv(similar, 84696351)}` } };
  }
  const observedKey = report.key ? similar : [about, r.fieldPath ?? "", e.type, e.reason, e.message].join("\u0000");
  let obs = c.observed.get(observedKey);
  if (!obs) c.observed.set(observedKey, (obs = { count: 0, written: 0 }));
  obs.count++;
  let bucket = c.spam.get(about);
  if (!bucket) c.spam.set(about, (bucket = { tokens: SPAM_BURST, at: e.at }));
  bucket.tokens = Math.min(SPAM_BURST, bucket.tokens + Math.max(0, e.at - bucket.at) / SPAM_REFILL_MS);
  bucket.at = e.at;
  if (bucket.tokens < 1) return null;
  bucket.tokens--;
  const seen = obs.count - obs.written;
  obs.written = obs.count;
  return { report, seen };
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
