// A terminal into a container: xterm.js over the exec WebSocket (remote-command v5/v4 channel
// framing: the first byte of each message names the channel). Browsers cannot set Authorization
// on a WebSocket, so the token rides in the base64url.bearer.authorization.k8s.io subprotocol.
import { FitAddon } from "@xterm/addon-fit";
import { Terminal } from "@xterm/xterm";
import { kubePath, token } from "../api";

const STDIN = 0, STDOUT = 1, STDERR = 2, ERROR = 3, RESIZE = 4, CLOSE = 255;

function b64url(s: string): string {
  const bytes = new TextEncoder().encode(s);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export interface TerminalSession {
  dispose(): void;
  focus(): void;
}

export function openTerminal(host: HTMLElement, clusterId: string, ns: string, pod: string, container: string, onStatus: (msg: string) => void): TerminalSession {
  const term = new Terminal({ cursorBlink: true, fontSize: 14, fontFamily: "ui-monospace, 'DejaVu Sans Mono', monospace", theme: { background: "#101418", foreground: "#e8edf2" }, screenReaderMode: false });
  const fit = new FitAddon();
  term.loadAddon(fit);
  term.open(host);
  try {
    fit.fit();
  } catch {
    // not laid out yet
  }
  const q = new URLSearchParams({ command: "sh", stdin: "true", stdout: "true", tty: "true", container });
  const url = new URL(kubePath(clusterId, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(pod)}/exec?${q}`), location.href);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  const ws = new WebSocket(url, ["v5.channel.k8s.io", "v4.channel.k8s.io", `base64url.bearer.authorization.k8s.io.${b64url(token() ?? "")}`]);
  ws.binaryType = "arraybuffer";
  const enc = new TextEncoder();
  const dec = new TextDecoder();

  const send = (channel: number, data: Uint8Array) => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const msg = new Uint8Array(data.length + 1);
    msg[0] = channel;
    msg.set(data, 1);
    ws.send(msg);
  };
  const resize = () => send(RESIZE, enc.encode(JSON.stringify({ Width: term.cols, Height: term.rows })));

  ws.onopen = () => {
    onStatus(`Connected to ${pod} (${container}).`);
    resize();
    term.focus();
  };
  ws.onmessage = (ev) => {
    const bytes = new Uint8Array(ev.data as ArrayBuffer);
    if (!bytes.length) return;
    const ch = bytes[0];
    const data = bytes.subarray(1);
    if (ch === STDOUT || ch === STDERR) term.write(data);
    else if (ch === ERROR) {
      const text = dec.decode(data);
      try {
        const st = JSON.parse(text) as { status?: string; message?: string };
        onStatus(st.status === "Success" ? "The shell exited." : `The shell ended: ${st.message ?? text}`);
      } catch {
        onStatus(text);
      }
    }
  };
  ws.onerror = () => onStatus("The terminal connection failed.");
  ws.onclose = (ev) => {
    term.write("\r\n\x1b[2m[connection closed]\x1b[0m\r\n");
    if (ev.reason) onStatus(ev.reason);
  };
  const input = term.onData((d) => send(STDIN, enc.encode(d)));
  const sized = term.onResize(() => resize());
  const observer = new ResizeObserver(() => {
    try {
      fit.fit();
    } catch {
      // hidden
    }
  });
  observer.observe(host);

  return {
    focus: () => term.focus(),
    dispose() {
      observer.disconnect();
      input.dispose();
      sized.dispose();
      if (ws.readyState === WebSocket.OPEN) {
        ws.send(new Uint8Array([CLOSE, STDIN]));
        ws.close(1000);
      } else if (ws.readyState === WebSocket.CONNECTING) ws.close();
      term.dispose();
    },
  };
}
