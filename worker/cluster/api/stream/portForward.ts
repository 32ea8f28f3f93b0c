// port-forward over one WebSocket, both ways clients speak it:
//  - kubectl 1.31+: SPDY/3.1 tunnelled in binary messages (SPDY/3.1+portforward.k8s.io). Each
//    forwarded connection is a pair of streams the client opens (streamtype error and data, with
//    the same requestid and the port); the server replies to each, carries the data stream's
//    bytes to the pod's port and back, and writes the kubelet's error on the error stream when
//    nothing listens there.
//  - client libraries: v4.channel.k8s.io with the ports in the query; port i is data channel 2i
//    and error channel 2i+1, and each channel's first message is its port (2 bytes, little endian).
import type { PortConnection, PortOpen } from "../../network/portForward";
import { frame, unframe, type ChannelProtocol } from "./protocol";
import { pieces, type Socket } from "./socket";
import { controlFrame, dataFrame, FLAG_FIN, FrameReader, GOAWAY, HeaderReader, HeaderWriter, parseSynStream, PING, RST_REFUSED_STREAM, RST_STREAM, rstStream, streamIdOf, SYN_STREAM, synReply, type Frame } from "./spdy";

/** Opens a connection to a port of the pod (or says why not, in the kubelet's words). */
export type OpenPort = (port: number) => PortOpen;

/** Streams one tunnel may have open at once (pairs of two per forwarded connection). */
const MAX_STREAMS = 256;
/** DATA frames this side writes carry at most this much (spdystream reads any size up to 2^24). */
const DATA_CHUNK = 32 * 1024;

export function serveChannelPortForward(sock: Socket, p: ChannelProtocol, ports: number[], open: OpenPort): void {
  const send = (channel: number, data: Uint8Array) => {
    for (const piece of pieces(data, p.base64 ? 512 * 1024 : 1)) sock.send(frame(p, channel, piece));
  };
  const conns: (PortConnection | null)[] = [];
  ports.forEach((port, i) => {
    const le = new Uint8Array([port & 0xff, port >> 8]);
    send(2 * i, le);
    send(2 * i + 1, le);
  });
  ports.forEach((port, i) => {
    const o = open(port);
    if (o.ok) conns.push(o.conn);
    else {
      conns.push(null);
      send(2 * i + 1, new TextEncoder().encode(o.message));
    }
  });
  sock.listen((msg) => {
    const m = unframe(p, msg);
    if (!m || m.channel % 2 !== 0) return;
    const conn = conns[m.channel / 2];
    if (!conn || conn.closed) return;
    for (const out of conn.write(m.data.slice())) send(m.channel, out);
  });
}

interface Pair {
  port: number;
  error?: number;
  data?: number;
  conn?: PortConnection;
}

export function serveSpdyPortForward(sock: Socket, open: OpenPort): void {
  const reader = new FrameReader();
  const headersIn = new HeaderReader();
  const headersOut = new HeaderWriter();
  const pairs = new Map<string, Pair>();
  /** Which pair and role each open stream has. */
  const streams = new Map<number, { pair: string; role: "error" | "data" }>();

  const write = (bytes: Uint8Array) => sock.send(bytes);
  const writeData = (id: number, data: Uint8Array, fin: boolean) => {
    for (let i = 0; i < data.length; i += DATA_CHUNK) write(dataFrame(id, fin && i + DATA_CHUNK >= data.length ? FLAG_FIN : 0, data.subarray(i, i + DATA_CHUNK)));
    if (data.length === 0 && fin) write(dataFrame(id, FLAG_FIN, data));
  };
  const endPair = (key: string) => {
    const pair = pairs.get(key);
    if (!pair) return;
    pairs.delete(key);
    for (const id of [pair.data, pair.error]) {
      if (id === undefined || !streams.has(id)) continue;
      streams.delete(id);
      writeData(id, new Uint8Array(0), true);
    }
  };

  const start = (key: string, pair: Pair) => {
    const o = open(pair.port);
    if (o.ok) {
      pair.conn = o.conn;
      return;
    }
    // The kubelet writes its error, then closes both streams.
    writeData(pair.error!, new TextEncoder().encode(o.message), false);
    endPair(key);
  };

  const onFrame = (f: Frame) => {
    if (!f.control) {
      const s = streams.get(f.streamId);
      if (!s) return;
      const pair = pairs.get(s.pair);
      if (s.role === "data" && pair?.conn && f.data.length) {
        for (const out of pair.conn.write(f.data)) writeData(pair.data!, out, false);
        if (pair.conn.closed) endPair(s.pair);
      }
      // The client closing its side of the data stream ends the forwarded connection.
      if (f.flags & FLAG_FIN && s.role === "data") endPair(s.pair);
      return;
    }
    switch (f.type) {
      case SYN_STREAM: {
        const syn = parseSynStream(f.data);
        const h = headersIn.read(syn.headerBlock);
        const role = h.get("streamtype");
        const port = Number(h.get("port"));
        const requestId = h.get("requestid") ?? "";
        if ((role !== "error" && role !== "data") || !Number.isInteger(port) || port <= 0 || port > 65535 || streams.size >= MAX_STREAMS) {
          write(rstStream(syn.streamId, RST_REFUSED_STREAM));
          return;
        }
        write(synReply(syn.streamId, headersOut.write([])));
        const key = `${requestId}`;
        const pair = pairs.get(key) ?? { port };
        pairs.set(key, pair);
        pair[role] = syn.streamId;
        streams.set(syn.streamId, { pair: key, role });
        if (pair.error !== undefined && pair.data !== undefined) start(key, pair);
        return;
      }
      case RST_STREAM: {
        const s = streams.get(streamIdOf(f.data));
        if (s) {
          streams.delete(streamIdOf(f.data));
          endPair(s.pair);
        }
        return;
      }
      case PING:
        write(controlFrame(PING, 0, f.data));
        return;
      case GOAWAY:
        sock.close(1000);
        return;
      default:
        // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do for a port's byte stream.
        return;
    }
  };

  sock.listen((msg) => {
    if (typeof msg === "string") {
      sock.close(1003, "the port-forward tunnel carries binary messages only");
      return;
    }
    for (const f of reader.push(new Uint8Array(msg))) onFrame(f);
  });
}
