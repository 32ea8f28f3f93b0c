// exec and attach over one WebSocket: the channel protocol on one side, a container Session on
// the other. As kube-apiserver's stream translator does it: an empty message on the lowest
// output channel says the session is up; stdin, resize and (v5) stdin's close come in; stdout
// and stderr go out as the process writes; when it ends, its Status goes on the error channel
// and the connection closes normally.
import type { Session, SessionOutput } from "../../container/session";
import { CLOSE, ERROR, exitStatus, frame, internalStatus, RESIZE, statusBytes, STDERR, STDIN, STDOUT, unframe, type ChannelProtocol, type ExitStatus } from "./protocol";
import { MAX_MESSAGE, pieces, type Socket } from "./socket";
import type { RemoteCommandOptions } from "./checks";

/** How long a failure's status waits after the last output (real ms). */
const FAILURE_GAP_MS = 30;
/**
 * How long output waits after the session-up message (real ms). A runtime takes a moment to
 * start the process; client-go before 1.33 reads the socket before it has made its streams and
 * drops frames for streams it does not have yet, so output sent at once could be lost.
 */
const START_GAP_MS = 40;

/** Starts a session with the output it writes to; throws when the runtime cannot start it. */
export type StartSession = (out: SessionOutput) => Session;

export function serveRemoteCommand(sock: Socket, p: ChannelProtocol, opts: RemoteCommandOptions, start: StartSession | { error: string }): void {
  const sendNow = (channel: number, data: Uint8Array) => {
    for (const piece of pieces(data, p.base64 ? MAX_MESSAGE / 2 : 1)) sock.send(frame(p, channel, piece));
  };
  sendNow(opts.stdout ? STDOUT : opts.stderr ? STDERR : ERROR, new Uint8Array(0));

  // Everything after the session-up message waits for the start gap, in order.
  let held: (() => void)[] | null = [];
  setTimeout(() => {
    const queue = held ?? [];
    held = null;
    for (const fn of queue) fn();
  }, START_GAP_MS);
  const later = (fn: () => void) => (held ? held.push(fn) : fn());
  const send = (channel: number, data: Uint8Array) => {
    // A held write keeps its own copy: the writer may reuse its buffer.
    const bytes = held ? data.slice() : data;
    later(() => sendNow(channel, bytes));
  };

  const finish = (status: ExitStatus) => {
    const bytes = statusBytes(p, status);
    later(() => {
      if (bytes) sendNow(ERROR, bytes);
      sock.close(1000);
    });
  };
  // Failures end the session once the 101 has gone out, as a process that ended at once would.
  if ("error" in start) {
    // Read (and drop) what the client sends, so its close reaches us.
    sock.listen(() => undefined);
    void Promise.resolve().then(() => finish(internalStatus(start.error)));
    return;
  }

  let session: Session;
  try {
    session = start({
      stdout: (d) => {
        if (opts.stdout && d.length) send(STDOUT, d);
      },
      // Under a terminal, stderr is the terminal too.
      stderr: (d) => {
        if (!d.length) return;
        if (opts.tty) {
          if (opts.stdout) send(STDOUT, d);
        } else if (opts.stderr) send(STDERR, d);
      },
    });
  } catch (e) {
    void Promise.resolve().then(() => finish(internalStatus(e instanceof Error ? e.message : String(e))));
    return;
  }

  let resizeText = "";
  sock.listen((msg) => {
    const m = unframe(p, msg);
    if (!m) return;
    switch (m.channel) {
      case STDIN:
        if (opts.stdin && m.data.length) session.input(m.data.slice());
        return;
      case RESIZE:
        if (p.version < 3) return;
        resizeText += new TextDecoder().decode(m.data);
        for (const size of takeSizes(resizeText, (rest) => (resizeText = rest))) session.resize(size.Width, size.Height);
        return;
      case CLOSE:
        if (p.version >= 5 && m.data[0] === STDIN) session.endInput();
        return;
      default:
        return;
    }
  });
  sock.whenEnded(() => session.close());
  session.done.then(
    // A process that could not start (exec: "x": executable file not found) is the runtime's InternalError, not an exit code.
    (code) => {
      const failure = (session as Session & { failure?: string }).failure;
      // kubectl acts on a failure status at once and may exit before it has written the output
      // that came just before it; a kubelet's status follows its last output by a moment, so ours does too.
      if (failure || code !== 0) setTimeout(() => finish(failure ? internalStatus(failure) : exitStatus(code)), FAILURE_GAP_MS);
      else finish(exitStatus(code));
    },
    (e: unknown) => finish(internalStatus(e instanceof Error ? e.message : String(e))),
  );
}

/** Complete {"Width":…,"Height":…} objects in the resize channel's text (json.Decoder's stream), leaving a partial one. */
function takeSizes(text: string, rest: (r: string) => void): { Width: number; Height: number }[] {
  const out: { Width: number; Height: number }[] = [];
  let depth = 0;
  let start = -1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "{") {
      if (depth === 0) start = i;
      depth++;
    } else if (c === "}" && depth > 0) {
      depth--;
      if (depth === 0) {
        try {
          const v = JSON.parse(text.slice(start, i + 1)) as { Width?: unknown; Height?: unknown };
          if (typeof v.Width === "number" && typeof v.Height === "number") out.push({ Width: v.Width, Height: v.Height });
        } catch {
          // not a size: skipped, as a decoder error would end resizes
        }
        used = i + 1;
      }
    }
  }
  rest(text.slice(used).slice(-4096));
  return out;
}
