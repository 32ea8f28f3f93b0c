// What a port-forward reaches: a byte stream to localhost:<port> inside a pod's network
// namespace, as the kubelet's runtime (containerd) dials it. The bytes the client sends are read
// as HTTP/1.x requests (keep-alive, Content-Length bodies); each is answered through the traffic
// function and written back as a real HTTP/1.1 response. Dialled from the pod's own node, so
// NetworkPolicy does not apply and no Service is involved.
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex } from "@noble/hashes/utils.js";
import type { Pod } from "../resources/pod";
import type { ClusterNetwork } from "./dial";
import type { HttpAnswer, HttpRequest, NetworkView, Outcome } from "./types";
import { concatBytes } from "../machinery/bytes";

/** Request heads larger than this get 431 and the connection ends (nginx's large_client_header_buffers is 4×8k). */
const MAX_HEAD = 32 * 1024;
/** Request bodies larger than this get 413 and the connection ends (nginx's client_max_body_size is 1m). */
const MAX_BODY = 1024 * 1024;

export interface PortConnection {
  /** Bytes from the client; what the pod's server writes back. */
  write(data: Uint8Array): Uint8Array[];
  /** Whether the server has closed its side (a `Connection: close` answered, a request too large). */
  readonly closed: boolean;
}

export type PortOpen = { ok: true; conn: PortConnection } | { ok: false; message: string };

/** The pod's sandbox as containerd names it: a stable 64-hex id and its CNI network namespace. */
export function sandboxOf(pod: Pod): { id: string; netns: string } {
  const h = bytesToHex(sha256(new TextEncoder().encode(`sandbox/${pod.metadata.uid ?? pod.metadata.name}`)));
  const u = bytesToHex(sha256(new TextEncoder().encode(`netns/${pod.metadata.uid ?? pod.metadata.name}`)));
  return { id: h, netns: `/var/run/netns/cni-${u.slice(0, 8)}-${u.slice(8, 12)}-${u.slice(12, 16)}-${u.slice(16, 20)}-${u.slice(20, 32)}` };
}

/** The kubelet's words when nothing listens on the port (containerd's dial of both loopbacks failed). */
export function refusedMessage(pod: Pod, port: number): string {
  const { id, netns } = sandboxOf(pod);
  return (
    `error forwarding port ${port} to pod ${id}, uid : failed to execute portforward in network namespace "${netns}": ` +
    `failed to connect to localhost:${port} inside namespace "${id}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused ` +
    `IPv6 dial tcp6 [::1]:${port}: connect: connection refused `
  );
}

/** Where localhost:port of the pod is, dialled from its node. */
function target(view: NetworkView, pod: Pod): { from: string; host: string } | null {
  const node = pod.spec?.nodeName;
  const host = pod.spec?.hostNetwork ? pod.status?.hostIP : pod.status?.podIP;
  if (!node || !host) return null;
  return { from: node, host };
}

/** Opens a connection to localhost:port in the pod, or the kubelet's error when nothing listens there. */
export function openPort(net: ClusterNetwork, pod: Pod, port: number): PortOpen {
  const view = net.view();
  const t = target(view, pod);
  const probe: Outcome | null = t ? net.dial(view, { from: { kind: "node", node: t.from }, host: t.host, port }) : null;
  if (!probe || !probe.ok) return { ok: false, message: refusedMessage(pod, port) };
  return { ok: true, conn: new HttpConnection(net, pod, port) };
}

interface Parsed {
  request: HttpRequest;
  version: string;
  close: boolean;
}

class HttpConnection implements PortConnection {
  private buf: Uint8Array = new Uint8Array(0);
  closed = false;

  constructor(
    private readonly net: ClusterNetwork,
    private readonly pod: Pod,
    private readonly port: number,
  ) {}

  write(data: Uint8Array): Uint8Array[] {
    if (this.closed) return [];
    this.buf = concatBytes([this.buf, data]);
    const out: Uint8Array[] = [];
    for (;;) {
      const next = this.next();
      if (next === null) break;
      if ("error" in next) {
        out.push(rawResponse(next.error, "HTTP/1.1", true));
        this.closed = true;
        break;
      }
      const answer = this.answer(next.request);
      // A server that does not speak HTTP takes the bytes and says nothing.
      if (answer === null) continue;
      out.push(serialize(answer, next, next.request.method === "HEAD"));
      if (next.close) {
        this.closed = true;
        break;
      }
    }
    return out;
  }

  /** The next complete request in the buffer, an error to answer, or null until more bytes come. */
  private next(): Parsed | { error: number } | null {
    const end = indexOf(this.buf, CRLFCRLF);
    if (end < 0) return this.buf.length > MAX_HEAD ? { error: 431 } : null;
    const head = new TextDecoder().decode(this.buf.subarray(0, end));
    const lines = head.split("\r\n");
    // Blank lines before a request line are skipped, as servers do.
    while (lines.length && lines[0] === "") lines.shift();
    const m = /^([A-Z]+) (\S+) (HTTP\/1\.[01])$/.exec(lines[0] ?? "");
    if (!m) return { error: 400 };
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(":");
      if (i <= 0) return { error: 400 };
      const k = l.slice(0, i).trim().toLowerCase();
      const v = l.slice(i + 1).trim();
      headers[k] = headers[k] !== undefined ? `${headers[k]}, ${v}` : v;
    }
    const length = headers["content-length"] !== undefined ? Number(headers["content-length"]) : 0;
    if (!Number.isInteger(length) || length < 0) return { error: 400 };
    if (length > MAX_BODY) return { error: 413 };
    const total = end + 4 + length;
    if (this.buf.length < total) return null;
    const body = this.buf.subarray(end + 4, total);
    this.buf = this.buf.slice(total);
    const connection = (headers["connection"] ?? "").toLowerCase();
    const close = m[3] === "HTTP/1.0" ? connection !== "keep-alive" : connection === "close";
    const request: HttpRequest = { method: m[1], path: m[2], headers, ...(length ? { body: new TextDecoder().decode(body) } : {}), host: headers["host"] ?? `localhost:${this.port}`, scheme: "http" };
    return { request, version: m[3], close };
  }

  private answer(request: HttpRequest): HttpAnswer | null {
    const view = this.net.view();
    // The pod as it is now: a restart or a deletion since the forward began shows.
    const pod = view.pod(this.pod.metadata.namespace!, this.pod.metadata.name!) ?? this.pod;
    const t = target(view, pod);
    if (!t) return null;
    const out = this.net.dial(view, { from: { kind: "node", node: t.from }, host: t.host, port: this.port, request });
    return out.ok ? out.answer : null;
  }
}

const CRLFCRLF = new Uint8Array([13, 10, 13, 10]);

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

const REASONS: Record<number, string> = {
  200: "OK", 201: "Created", 204: "No Content", 206: "Partial Content", 301: "Moved Permanently", 302: "Found", 304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 405: "Not Allowed", 408: "Request Timeout", 413: "Request Entity Too Large", 429: "Too Many Requests", 431: "Request Header Fields Too Large",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Temporarily Unavailable", 504: "Gateway Time-out",
};

/** Header names as servers write them (Content-Type, ETag). */
function canonical(name: string): string {
  if (name.toLowerCase() === "etag") return "ETag";
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, d: string, c: string) => d + c.toUpperCase());
}

function serialize(answer: HttpAnswer, req: Parsed, head: boolean): Uint8Array {
  const body = new TextEncoder().encode(answer.body);
  const given = new Map<string, string>();
  for (const [k, v] of Object.entries(answer.headers)) {
    const lk = k.toLowerCase();
    if (lk !== "content-length" && lk !== "connection" && lk !== "transfer-encoding") given.set(lk, v);
  }
  // nginx's order (what a learner compares with): Server, Date, Content-Type, Content-Length, Last-Modified, Connection, the rest.
  const lines = [`HTTP/1.1 ${answer.status} ${REASONS[answer.status] ?? ""}`.trimEnd()];
  const take = (k: string) => {
    const v = given.get(k);
    if (v !== undefined) lines.push(`${canonical(k)}: ${v}`);
    given.delete(k);
  };
  take("server");
  take("date");
  take("content-type");
  lines.push(`Content-Length: ${body.length}`);
  take("last-modified");
  lines.push(`Connection: ${req.close ? "close" : "keep-alive"}`);
  for (const k of [...given.keys()]) take(k);
  const headBytes = new TextEncoder().encode(lines.join("\r\n") + "\r\n\r\n");
  return head || answer.status === 204 || answer.status === 304 ? headBytes : concatBytes([headBytes, body]);
}

/** A server's own error page for a request it could not read (nginx's words). */
function rawResponse(status: number, _version: string, close: boolean): Uint8Array {
  const text = `${status} ${REASONS[status] ?? ""}`;
  const body = `<html>\r\n<head><title>${text}</title></head>\r\n<body>\r\n<center><h1>${text}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  return new TextEncoder().encode(`HTTP/1.1 ${text}\r\nContent-Type: text/html\r\nContent-Length: ${new TextEncoder().encode(body).length}\r\nConnection: ${close ? "close" : "keep-alive"}\r\n\r\n${body}`);
}
