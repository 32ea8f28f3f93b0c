// Enough of SPDY/3.1 (draft-mbelshe-httpbis-spdy-00, as moby/spdystream speaks it) for the
// server side of kubectl's port-forward: frames read from a byte stream that may split or join
// them anywhere, and the frames the server writes. Header blocks are zlib-compressed with the
// SPDY/3 dictionary, one zlib stream per direction for the whole connection, each block ending
// in a sync flush. pako is zlib's own algorithm in JavaScript, synchronous, with preset
// dictionaries and sync flushes (and no nodejs_compat).
import { constants, Deflate, Inflate } from "pako";
import { concatBytes } from "../../machinery/bytes";

export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const SETTINGS = 4;
export const PING = 6;
export const GOAWAY = 7;
export const HEADERS = 8;
export const WINDOW_UPDATE = 9;

export const FLAG_FIN = 0x01;

/** RST_STREAM status codes used here. */
export const RST_PROTOCOL_ERROR = 1;
export const RST_REFUSED_STREAM = 3;

/** Frames longer than this end the connection (SPDY allows 2^24-1; nothing the client sends here comes near). */
const MAX_FRAME = 1024 * 1024;

export type Frame =
  | { control: true; type: number; flags: number; data: Uint8Array }
  | { control: false; streamId: number; flags: number; data: Uint8Array };

/** The SPDY/3 header-compression dictionary: length-prefixed words, then a run of common text. */
export const DICTIONARY: Uint8Array = (() => {
  const words = [
    "options", "head", "post", "put", "delete", "trace", "accept", "accept-charset", "accept-encoding", "accept-language", "accept-ranges", "age", "allow", "authorization",
    "cache-control", "connection", "content-base", "content-encoding", "content-language", "content-length", "content-location", "content-md5", "content-range", "content-type",
    "date", "etag", "expect", "expires", "from", "host", "if-match", "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "location",
    "max-forwards", "pragma", "proxy-authenticate", "proxy-authorization", "range", "referer", "retry-after", "server", "te", "trailer", "transfer-encoding", "upgrade",
    "user-agent", "vary", "via", "warning", "www-authenticate", "method", "get", "status", "200 OK", "version", "HTTP/1.1", "url", "public", "set-cookie", "keep-alive", "origin",
  ];
  const tail =
    "100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505" +
    "203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found" +
    "500 Internal Server Error501 Not Implemented503 Service Unavailable" +
    "Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT" +
    "chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,public" +
    "privatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.";
  const parts: number[] = [];
  for (const w of words) {
    parts.push(0, 0, 0, w.length);
    for (const ch of w) parts.push(ch.charCodeAt(0));
  }
  for (const ch of tail) parts.push(ch.charCodeAt(0));
  return new Uint8Array(parts);
})();

export class SpdyError extends Error {}

/** Reads frames from the bytes of a connection as they arrive. */
export class FrameReader {
  private buf: Uint8Array = new Uint8Array(0);

  push(data: Uint8Array): Frame[] {
    this.buf = this.buf.length ? concatBytes([this.buf, data]) : data.slice();
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const b = this.buf;
      const length = (b[5] << 16) | (b[6] << 8) | b[7];
      if (length > MAX_FRAME) throw new SpdyError(`frame of ${length} bytes is larger than ${MAX_FRAME}`);
      if (b.length < 8 + length) break;
      const flags = b[4];
      const data = b.slice(8, 8 + length);
      if (b[0] & 0x80) {
        const version = ((b[0] & 0x7f) << 8) | b[1];
        if (version !== 3) throw new SpdyError(`unsupported SPDY version ${version}`);
        frames.push({ control: true, type: (b[2] << 8) | b[3], flags, data });
      } else {
        frames.push({ control: false, streamId: u32(b, 0) & 0x7fffffff, flags, data });
      }
      this.buf = b.subarray(8 + length);
    }
    return frames;
  }
}

/** The one decompression context for the header blocks a peer sends. */
export class HeaderReader {
  private readonly inflate = new Inflate({ dictionary: DICTIONARY });
  /** Bytes of pako's current output buffer already handed out. */
  private taken = 0;
  private out: Uint8Array[] = [];

  constructor() {
    this.inflate.onData = (chunk) => {
      this.out.push((chunk as Uint8Array).slice(this.taken));
      this.taken = 0;
    };
  }

  read(block: Uint8Array): Map<string, string> {
    this.out = [];
    this.inflate.push(block, constants.Z_SYNC_FLUSH);
    if (this.inflate.err) throw new SpdyError(`header block: ${this.inflate.msg}`);
    // pako hands out output only when its buffer fills or the stream ends; a sync-flushed block
    // sits in the buffer. Its stream state is the zlib z_stream (not in @types/pako).
    const strm = (this.inflate as unknown as { strm: { output: Uint8Array; next_out: number; avail_out: number } }).strm;
    if (strm.avail_out !== 0 && strm.next_out > this.taken) {
      this.out.push(strm.output.slice(this.taken, strm.next_out));
      this.taken = strm.next_out;
    }
    const raw = concatBytes(this.out);
    const headers = new Map<string, string>();
    if (raw.length < 4) return headers;
    const n = u32(raw, 0);
    let at = 4;
    const dec = new TextDecoder();
    for (let i = 0; i < n; i++) {
      const kl = u32(raw, at);
      const k = dec.decode(raw.subarray(at + 4, at + 4 + kl));
      at += 4 + kl;
      const vl = u32(raw, at);
      const v = dec.decode(raw.subarray(at + 4, at + 4 + vl));
      at += 4 + vl;
      if (at > raw.length) throw new SpdyError("header block is truncated");
      // Several values of one name are joined by NUL; the first is what the kubelet reads.
      headers.set(k.toLowerCase(), v.split("\0")[0]);
    }
    return headers;
  }
}

/** The one compression context for the header blocks this side sends. */
export class HeaderWriter {
  private readonly deflate = new Deflate({ dictionary: DICTIONARY });
  private out: Uint8Array[] = [];

  constructor() {
    this.deflate.onData = (chunk) => this.out.push(chunk as Uint8Array);
  }

  write(headers: [string, string][]): Uint8Array {
    const enc = new TextEncoder();
    const parts: Uint8Array[] = [be32(headers.length)];
    for (const [k, v] of headers) {
      const kb = enc.encode(k.toLowerCase());
      const vb = enc.encode(v);
      parts.push(be32(kb.length), kb, be32(vb.length), vb);
    }
    this.out = [];
    this.deflate.push(concatBytes(parts), constants.Z_SYNC_FLUSH);
    return concatBytes(this.out);
  }
}

export function controlFrame(type: number, flags: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  out[0] = 0x80;
  out[1] = 3;
  out[2] = type >> 8;
  out[3] = type & 0xff;
  out[4] = flags;
  out[5] = (data.length >> 16) & 0xff;
  out[6] = (data.length >> 8) & 0xff;
  out[7] = data.length & 0xff;
  out.set(data, 8);
  return out;
}

export function dataFrame(streamId: number, flags: number, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + data.length);
  out.set(be32(streamId & 0x7fffffff), 0);
  out[4] = flags;
  out[5] = (data.length >> 16) & 0xff;
  out[6] = (data.length >> 8) & 0xff;
  out[7] = data.length & 0xff;
  out.set(data, 8);
  return out;
}

export function synReply(streamId: number, headerBlock: Uint8Array): Uint8Array {
  return controlFrame(SYN_REPLY, 0, concatBytes([be32(streamId & 0x7fffffff), headerBlock]));
}

export function rstStream(streamId: number, status: number): Uint8Array {
  return controlFrame(RST_STREAM, 0, concatBytes([be32(streamId & 0x7fffffff), be32(status)]));
}

/** A SYN_STREAM's parts: its stream id and its header block (after the associated id, priority and slot). */
export function parseSynStream(data: Uint8Array): { streamId: number; flags: number; headerBlock: Uint8Array } {
  if (data.length < 10) throw new SpdyError("SYN_STREAM is too short");
  return { streamId: u32(data, 0) & 0x7fffffff, flags: 0, headerBlock: data.subarray(10) };
}

export function streamIdOf(data: Uint8Array): number {
  return data.length >= 4 ? u32(data, 0) & 0x7fffffff : 0;
}

function u32(b: Uint8Array, at: number): number {
  return ((b[at] << 24) >>> 0) + (b[at + 1] << 16) + (b[at + 2] << 8) + b[at + 3];
}

function be32(n: number): Uint8Array {
  return new Uint8Array([(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
}

