// The watch hub: every open watch of this cluster, fed from the change log. A watch replays the
// log from its resourceVersion, then follows committed changes live. Selectors see transitions:
// an object that stops matching is DELETED for that watch, one that starts matching is ADDED.
//
// Streams are written without awaiting. workerd tells a Durable Object nothing when the client
// of a streamed response goes away until a write to that connection fails; then it cancels the
// stream, and the watch's slot is freed at once. So the hub writes a keepalive to every watch
// every few seconds, even on an idle cluster: a dropped client's slot comes back within a few
// keepalives rather than at the cluster's next write.
import type { Attrs, Change, ChangeType } from "./store";

export type EventType = ChangeType | "BOOKMARK" | "ERROR";

/**
 * What the watches of one change have worked out already (its attributes, its encoded event per
 * wire form), so that 50 watches of a kind parse and encode a change once, not 50 times.
 */
export class ChangeMemo {
  private readonly values = new Map<string, unknown>();

  get<T>(key: string, make: () => T): T {
    if (this.values.has(key)) return this.values.get(key) as T;
    const v = make();
    this.values.set(key, v);
    return v;
  }
}

export interface WatchFilter {
  storage: string;
  namespace: string | null;
  matches(attrs: Attrs): boolean;
  /** The attributes of a body of this filter's storage; the same for every filter of it. */
  attrsOf(body: string): Attrs;
}

export interface WatchSink {
  /**
   * Encodes one event for this watch; null skips it. A sink may keep what any watch of the same
   * wire form would encode in `memo` (the memo is for this one change).
   */
  encode(type: EventType, body: string, memo?: ChangeMemo): Uint8Array | null;
  bookmark(rv: number): Uint8Array | null;
}

interface Watcher {
  filter: WatchFilter;
  sink: WatchSink;
  writer: WritableStreamDefaultWriter<Uint8Array>;
  closed: boolean;
  timers: ReturnType<typeof setTimeout>[];
  /** Bytes written but not yet taken by the client. */
  pending: number;
}

/** A client that falls this far behind is cut off, as Kubernetes drops slow watchers. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/**
 * A single space: JSON stream decoders (kubectl's, client-node's, the Python client's) skip
 * whitespace before the next event, and unlike a blank line no line-based client sees an event.
 */
const KEEPALIVE = new TextEncoder().encode(" ");
const KEEPALIVE_EVERY_MS = 5_000;

export class WatchHub {
  private readonly watchers = new Set<Watcher>();
  /** One keepalive timer for all watches, running only while some are open. */
  private keepalive: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly keepaliveEveryMs = KEEPALIVE_EVERY_MS) {}

  get size(): number {
    return this.watchers.size;
  }

  /**
   * Registers a watch. `backlog` are the events to send first (the replay); after it, the watch
   * receives every committed change. Returns the readable side of the stream.
   */
  open(
    filter: WatchFilter,
    sink: WatchSink,
    backlog: Uint8Array[],
    opts: { timeoutMs: number; bookmarkEveryMs?: number; currentRv: () => number },
  ): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const w: Watcher = { filter, sink, writer: writable.getWriter(), closed: false, timers: [], pending: 0 };
    this.watchers.add(w);
    // The client went away (workerd cancelled the stream): free the slot now.
    w.writer.closed.catch(() => this.close(w));
    this.keepalive ??= setInterval(() => {
      for (const x of this.watchers) this.write(x, KEEPALIVE);
    }, this.keepaliveEveryMs);
    for (const chunk of backlog) this.write(w, chunk);
    w.timers.push(setTimeout(() => this.close(w), opts.timeoutMs));
    if (opts.bookmarkEveryMs) {
      w.timers.push(
        setInterval(() => {
          const b = sink.bookmark(opts.currentRv());
          if (b) this.write(w, b);
        }, opts.bookmarkEveryMs),
      );
    }
    return readable;
  }

  /** Sends one watch a terminal event (an error) and closes it. */
  fail(chunk: Uint8Array): ReadableStream<Uint8Array> {
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const writer = writable.getWriter();
    writer.write(chunk).catch(() => {});
    writer.close().catch(() => {});
    return readable;
  }

  publish(changes: readonly Change[]): void {
    if (!this.watchers.size) return;
    // Change by change, so each watch still receives them in order.
    for (const c of changes) {
      const memo = new ChangeMemo();
      for (const w of this.watchers) {
        const chunk = eventFor(w, c, memo);
        if (chunk) this.write(w, chunk);
      }
    }
  }

  closeAll(): void {
    for (const w of [...this.watchers]) this.close(w);
  }

  private write(w: Watcher, chunk: Uint8Array) {
    if (w.closed) return;
    if (w.pending > MAX_BUFFERED_BYTES) {
      this.close(w);
      return;
    }
    w.pending += chunk.byteLength;
    w.writer.write(chunk).then(
      () => (w.pending -= chunk.byteLength),
      () => this.close(w),
    );
  }

  private close(w: Watcher) {
    if (w.closed) return;
    w.closed = true;
    this.watchers.delete(w);
    for (const t of w.timers) clearTimeout(t);
    if (!this.watchers.size && this.keepalive !== null) {
      clearInterval(this.keepalive);
      this.keepalive = null;
    }
    w.writer.close().catch(() => {});
  }
}

/** The event a change is for a watch, after namespace and selector filtering. */
export function eventFor(w: { filter: WatchFilter; sink: WatchSink }, c: Change, memo = new ChangeMemo()): Uint8Array | null {
  const f = w.filter;
  if (c.resource !== f.storage) return null;
  if (f.namespace !== null && c.namespace !== f.namespace) return null;
  const now = f.matches(memo.get("attrs", () => f.attrsOf(c.body)));
  const before = c.prev ? f.matches(c.prev) : false;
  let type: ChangeType;
  if (c.type === "ADDED") {
    if (!now) return null;
    type = "ADDED";
  } else if (c.type === "DELETED") {
    if (!before && !now) return null;
    type = "DELETED";
  } else if (now && before) type = "MODIFIED";
  else if (now) type = "ADDED";
  else if (before) type = "DELETED";
  else return null;
  return w.sink.encode(type, c.body, memo);
}
