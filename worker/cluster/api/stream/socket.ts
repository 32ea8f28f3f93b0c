// The server end of an accepted WebSocket as the stream handlers use it: messages capped in
// size, sends after the close dropped, and one close however it comes (the client's close, an
// error, or ours).

/** The largest message either side may send; larger writes are split, larger reads end the session. */
export const MAX_MESSAGE = 1024 * 1024;

export class Socket {
  private ended = false;
  private readonly onEnd: (() => void)[] = [];

  constructor(private readonly ws: WebSocket) {
    // Workers default to Blobs since websocket_standard_binary_type; the protocols read bytes at once.
    ws.binaryType = "arraybuffer";
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Calls `fn` for each message, and `end` once when the connection is gone. */
  listen(fn: (msg: ArrayBuffer | string) => void): void {
    this.ws.addEventListener("message", (e) => {
      if (this.ended) return;
      const size = typeof e.data === "string" ? e.data.length : (e.data as ArrayBuffer).byteLength;
      if (size > MAX_MESSAGE) {
        this.close(1009, `message of ${size} bytes is larger than the limit of ${MAX_MESSAGE}`);
        return;
      }
      try {
        fn(e.data as ArrayBuffer | string);
      } catch (err) {
        console.error("stream message failed", err);
        this.close(1011, "internal error");
      }
    });
    this.ws.addEventListener("close", () => this.finish());
    this.ws.addEventListener("error", () => this.finish());
  }

  whenEnded(fn: () => void): void {
    if (this.ended) fn();
    else this.onEnd.push(fn);
  }

  send(msg: Uint8Array | string): void {
    if (this.ended) return;
    try {
      this.ws.send(msg);
    } catch {
      this.finish();
    }
  }

  close(code = 1000, reason = ""): void {
    if (this.ended) return;
    try {
      this.ws.close(code, reason);
    } catch {
      // already closing
    }
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.ended = true;
    for (const fn of this.onEnd.splice(0)) fn();
  }
}

/** Data split so that each piece, with `overhead` bytes of framing, fits in one message. */
export function pieces(data: Uint8Array, overhead: number): Uint8Array[] {
  const max = MAX_MESSAGE - overhead;
  if (data.length <= max) return [data];
  const out: Uint8Array[] = [];
  for (let i = 0; i < data.length; i += max) out.push(data.subarray(i, i + max));
  return out;
}
