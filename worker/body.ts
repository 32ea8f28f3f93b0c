// Request bodies read with a bound: bytes are counted as they arrive and nothing past the bound
// is kept, so an oversized body (chunked, or with a false Content-Length) never sits in memory.
// Past the bound the body is drained, unkept, up to DRAIN_BYTES more before it is cancelled: a
// client still sending when the answer comes may miss it (the local runtime's proxy answers 503
// "worker restarted mid-request" then), so an ordinary oversized body gets its 413 whole and only
// an absurd one is cut off.

/** How much of an oversized body is read and dropped before the rest is refused unread. */
export const DRAIN_BYTES = 32 * 1024 * 1024;

/** The body's bytes, or null when it is larger than `maxBytes` (what follows is dropped, not kept). */
export async function readBounded(req: Request, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > maxBytes) {
    await drain(req.body?.getReader(), declared <= maxBytes + DRAIN_BYTES ? Infinity : 0);
    return null;
  }
  if (!req.body) return new Uint8Array(0);
  // A declared length frames the body (the runtime delivers no more than it): one read.
  if (req.headers.has("content-length")) {
    const whole = new Uint8Array(await req.arrayBuffer());
    return whole.byteLength > maxBytes ? null : whole;
  }
  const reader = req.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      chunks.length = 0;
      await drain(reader, DRAIN_BYTES);
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Reads and drops up to `limit` bytes; cancels whatever is left beyond that. */
async function drain(reader: ReadableStreamDefaultReader<Uint8Array> | undefined, limit: number): Promise<void> {
  if (!reader) return;
  let dropped = 0;
  while (dropped <= limit) {
    const { done, value } = await reader.read();
    if (done) return;
    dropped += value.byteLength;
  }
  await reader.cancel().catch(() => {});
}

/** A request's headers as [name, value] pairs (names in lower case). */
export function headerPairs(headers: Headers): [string, string][] {
  const out: [string, string][] = [];
  headers.forEach((value, name) => out.push([name, value]));
  return out;
}
