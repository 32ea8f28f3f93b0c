// The remote-command channel protocol (k8s.io/apimachinery/pkg/util/remotecommand and
// httpstream/wsstream): every WebSocket message carries one leading channel byte. Channels 0–4
// are stdin, stdout, stderr, the error channel (where the final Status goes) and the terminal's
// resize events; v5 adds a close signal [255, channel] that half-closes one channel.

export const STDIN = 0;
export const STDOUT = 1;
export const STDERR = 2;
export const ERROR = 3;
export const RESIZE = 4;
/** v5's close signal: [255, channel]. */
export const CLOSE = 255;

/** A negotiated remote-command protocol. */
export interface ChannelProtocol {
  name: string;
  /** 1 (channel.k8s.io), 2, 3, 4 or 5. */
  version: number;
  /** base64.* variants: text messages, the channel as an ASCII digit, the data base64-encoded. */
  base64: boolean;
}

// What kube-apiserver (v5, its stream translator) and the kubelet's server behind it (v1–v4)
// accept together; v2 and v3 are their framing of v1 with the resize channel (v3) added.
const REMOTE_COMMAND: ChannelProtocol[] = [
  { name: "v5.channel.k8s.io", version: 5, base64: false },
  { name: "v4.channel.k8s.io", version: 4, base64: false },
  { name: "v4.base64.channel.k8s.io", version: 4, base64: true },
  { name: "v3.channel.k8s.io", version: 3, base64: false },
  { name: "v2.channel.k8s.io", version: 2, base64: false },
  { name: "channel.k8s.io", version: 1, base64: false },
  { name: "base64.channel.k8s.io", version: 1, base64: true },
];

/** The kubelet's WebSocket port-forward protocols (client libraries); "" is the binary framing. */
const PORT_FORWARD_CHANNELS: ChannelProtocol[] = [
  { name: "v4.channel.k8s.io", version: 4, base64: false },
  { name: "v4.base64.channel.k8s.io", version: 4, base64: true },
];

/** kubectl 1.31+'s port-forward: SPDY/3.1 frames carried in binary WebSocket messages. */
export const SPDY_TUNNEL = "SPDY/3.1+portforward.k8s.io";

/** The Sec-WebSocket-Protocol header's offers, in the client's order. */
export function offered(header: string | null): string[] {
  return (header ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
}

/**
 * The first of the client's offers the server speaks, as wsstream's handshake picks it; with no
 * offer at all, the unnamed binary protocol (v1 framing). null: nothing offered is spoken.
 */
export function negotiate(offers: string[], supported: ChannelProtocol[]): ChannelProtocol | null {
  if (offers.length === 0) return { name: "", version: 1, base64: false };
  for (const o of offers) {
    const p = supported.find((s) => s.name === o);
    if (p) return p;
  }
  return null;
}

export function remoteCommandProtocol(offers: string[]): ChannelProtocol | null {
  return negotiate(offers, REMOTE_COMMAND);
}

export function portForwardProtocol(offers: string[]): ChannelProtocol | "spdy" | null {
  if (offers.includes(SPDY_TUNNEL)) return "spdy";
  return negotiate(offers, PORT_FORWARD_CHANNELS);
}

export function supportedNames(kind: "exec" | "portforward"): string[] {
  return kind === "exec" ? REMOTE_COMMAND.map((p) => p.name) : [SPDY_TUNNEL, ...PORT_FORWARD_CHANNELS.map((p) => p.name)];
}

/** One framed message: the channel byte, then the data (base64 protocols: a text message). */
export function frame(p: ChannelProtocol, channel: number, data: Uint8Array): Uint8Array | string {
  if (p.base64) return String.fromCharCode(48 + channel) + toBase64(data);
  const out = new Uint8Array(data.length + 1);
  out[0] = channel;
  out.set(data, 1);
  return out;
}

/** A received message as channel and data; null when it carries no channel byte. */
export function unframe(p: ChannelProtocol, msg: ArrayBuffer | string): { channel: number; data: Uint8Array } | null {
  if (typeof msg === "string") {
    if (!p.base64 || msg.length === 0) return null;
    return { channel: msg.charCodeAt(0) - 48, data: fromBase64(msg.slice(1)) };
  }
  const bytes = new Uint8Array(msg);
  if (bytes.length === 0) return null;
  return { channel: bytes[0], data: bytes.subarray(1) };
}

function toBase64(data: Uint8Array): string {
  let s = "";
  for (let i = 0; i < data.length; i += 0x8000) s += String.fromCharCode(...data.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  try {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  } catch {
    return new Uint8Array(0);
  }
}

// ---------------------------------------------------------------------------------------------
// The final Status on the error channel

export interface ExitStatus {
  metadata: Record<string, never>;
  status: "Success" | "Failure";
  message?: string;
  reason?: string;
  details?: { causes: { reason?: string; message: string }[] };
  code?: number;
}

/**
 * What kube-apiserver's stream translator writes on the error channel when the command ends
 * (json.Marshal of a metav1.Status: no kind or apiVersion). A non-zero exit carries the code as
 * the ExitCode cause kubectl reads it from.
 */
export function exitStatus(code: number): ExitStatus {
  if (code === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: command terminated with exit code ${code}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(code) }] },
  };
}

/** An error after the upgrade (the runtime could not start the session): InternalError, as the translator reports it. */
export function internalStatus(message: string): ExitStatus {
  return { metadata: {}, status: "Failure", message: `Internal error occurred: ${message}`, reason: "InternalError", details: { causes: [{ message }] }, code: 500 };
}

/**
 * The error channel's bytes for a protocol: v4 and v5 carry the Status as JSON; v1–v3 carry
 * only a failure's message as text (nothing on success).
 */
export function statusBytes(p: ChannelProtocol, s: ExitStatus): Uint8Array | null {
  if (p.version >= 4) return new TextEncoder().encode(JSON.stringify(s));
  if (s.status === "Success") return null;
  return new TextEncoder().encode(s.message ?? "");
}
