// List then watch one kind, as client-go's reflector does: list for a resourceVersion, watch from
// it over a streaming fetch (one JSON event per line), bookmarks to keep the version fresh, a new
// list on 410 Gone, and reconnects with backoff. Changes reach the view through callbacks; the
// view batches its DOM work per animation frame.
import { kubePath, token } from "../api";
import { keyOf, type KObject } from "./types";

export type Change = "ADDED" | "MODIFIED" | "DELETED";

export interface InformerEvents<T> {
  /** A fresh list replaced everything (first list and every re-list). */
  reset(items: Map<string, T>): void;
  change(type: Change, obj: T, key: string): void;
  state?(state: "listing" | "watching" | "retrying", detail?: string): void;
}

class Gone extends Error {}

export class Informer<T extends KObject> {
  readonly items = new Map<string, T>();
  private rv = "";
  private backoff = 500;

  constructor(
    private readonly clusterId: string,
    private readonly path: string,
    private readonly on: InformerEvents<T>,
    private readonly signal: AbortSignal,
    /** Re-list every this many ms instead of holding a watch open (see streamsAllowed). */
    private readonly pollMs = 0,
  ) {}

  async run(): Promise<void> {
    if (this.pollMs) return this.poll();
    let needList = true;
    while (!this.signal.aborted) {
      try {
        if (needList) {
          this.on.state?.("listing");
          await this.list();
          needList = false;
        }
        this.on.state?.("watching");
        const started = performance.now();
        await this.watch();
        // A watch the server ended after a while: again at once; one that ended at once: back off.
        if (performance.now() - started > 5000) this.backoff = 500;
        else {
          await sleep(this.backoff, this.signal);
          this.backoff = Math.min(this.backoff * 2, 30_000);
        }
      } catch (e) {
        if (this.signal.aborted) return;
        if (e instanceof Gone) {
          needList = true;
          continue;
        }
        this.on.state?.("retrying", e instanceof Error ? e.message : String(e));
        await sleep(this.backoff, this.signal);
        this.backoff = Math.min(this.backoff * 2, 30_000);
      }
    }
  }

  /** Lists again and again, telling what changed since the last list (by resourceVersion). */
  private async poll(): Promise<void> {
    let first = true;
    while (!this.signal.aborted) {
      try {
        if (first) {
          await this.list();
          first = false;
        } else {
          const before = new Map(this.items);
          await this.fetchList();
          for (const [k, o] of this.items) {
            const old = before.get(k);
            if (!old) this.on.change("ADDED", o, k);
            else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) this.on.change("MODIFIED", o, k);
          }
          for (const [k, o] of before) if (!this.items.has(k)) this.on.change("DELETED", o, k);
        }
        this.on.state?.("watching");
        this.backoff = 500;
        await sleep(this.pollMs, this.signal);
      } catch (e) {
        if (this.signal.aborted) return;
        this.on.state?.("retrying", e instanceof Error ? e.message : String(e));
        await sleep(this.backoff, this.signal);
        this.backoff = Math.min(this.backoff * 2, 30_000);
      }
    }
  }

  private headers(): Record<string, string> {
    return { Accept: "application/json", Authorization: `Bearer ${token() ?? ""}` };
  }

  private async list(): Promise<void> {
    await this.fetchList();
    this.on.reset(this.items);
  }

  private async fetchList(): Promise<void> {
    const res = await fetch(kubePath(this.clusterId, this.path), { headers: this.headers(), signal: this.signal });
    if (!res.ok) throw new Error(`list ${this.path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    const body = (await res.json()) as { metadata?: { resourceVersion?: string }; items?: T[] };
    this.items.clear();
    for (const item of body.items ?? []) this.items.set(keyOf(item), item);
    this.rv = body.metadata?.resourceVersion ?? "";
  }

  private async watch(): Promise<void> {
    const sep = this.path.includes("?") ? "&" : "?";
    const url = kubePath(this.clusterId, `${this.path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(this.rv)}`);
    const res = await fetch(url, { headers: this.headers(), signal: this.signal });
    if (res.status === 410) throw new Gone();
    if (!res.ok || !res.body) throw new Error(`watch ${this.path}: HTTP ${res.status}`);
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let nl: number;
      while ((nl = buf.indexOf("\n")) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) this.event(JSON.parse(line) as { type: string; object: T & { code?: number } });
      }
    }
  }

  private event(ev: { type: string; object: T & { code?: number } }): void {
    const obj = ev.object;
    if (ev.type === "ERROR") {
      if (obj.code === 410) throw new Gone();
      throw new Error(`watch ${this.path}: ${(obj as { message?: string }).message ?? "error"}`);
    }
    if (obj.metadata?.resourceVersion) this.rv = obj.metadata.resourceVersion;
    if (ev.type === "BOOKMARK") return;
    const key = keyOf(obj);
    if (ev.type === "DELETED") this.items.delete(key);
    else this.items.set(key, obj);
    this.on.change(ev.type as Change, obj, key);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(t), resolve()), { once: true });
  });
}

/**
 * How many watches may stay open at once. Over HTTP/2 (a deployed service) streams share one
 * connection; over HTTP/1.1 (a local dev server) a browser holds at most six connections per
 * host, so only a few kinds are watched and the rest are listed every few seconds, leaving room
 * for the dashboard's other requests.
 */
export function streamsAllowed(): number {
  const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
  const proto = nav?.nextHopProtocol ?? "";
  return proto === "h2" || proto === "h3" ? Infinity : 4;
}
