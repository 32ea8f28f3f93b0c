// exec and attach (session.ts's interface) over a pod's world (world.ts). An exec runs a new
// process now, in real time: a sleep waits (on the cluster clock's pace), reading stdin waits for
// the client, and its file writes are kept. An attach follows the container's own process,
// whose history is a timeline: what the client types becomes that process's input from now.
import type { Clock } from "../clock";
import type { Pod } from "../resources/pod";
import type { ContainerSessions, Session, SessionOutput, SessionRequest } from "./session";
import { spawn } from "./spawn";
import { Pipe, Sink } from "./streams";
import { TtyInput, TtyOutput } from "./tty";
import type { Input, Output } from "./types";
import { specOfContainer, type ContainerWorlds, type RunRef } from "./world";
import { randomHex } from "../machinery/hex";

/** How often an attach looks for what the process wrote (real ms). */
const ATTACH_POLL_MS = 200;

export interface SessionDeps {
  worlds: ContainerWorlds;
  clock: Clock;
  /** The current run of a pod's container, if it is running. */
  runOf(pod: Pod, container: string): RunRef | null;
  /** The pod as stored now (attach ends when the container does). */
  reload(pod: Pod): Pod | null;
}

/** Real milliseconds for `ms` of cluster time. */
function realDelay(clock: Clock, ms: number): number {
  return ms / Math.max(1, clock.speed);
}

class Waker {
  private wake: (() => void) | null = null;
  poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }
  wait(ms: number | null): Promise<void> {
    return new Promise((resolve) => {
      const timer = ms === null ? null : setTimeout(() => this.poke(), ms);
      this.wake = () => {
        if (timer !== null) clearTimeout(timer);
        resolve();
      };
    });
  }
}

function outputs(out: SessionOutput, tty: boolean): { stdout: Output; stderr: Output } {
  if (tty) {
    const t = new TtyOutput((d) => out.stdout(d));
    return { stdout: t, stderr: t };
  }
  return { stdout: new Sink((d) => out.stdout(d)), stderr: new Sink((d) => out.stderr(d)) };
}

export function containerSessions(deps: SessionDeps): ContainerSessions {
  return {
    exec(req) {
      return execSession(deps, req);
    },
    attach(req) {
      return attachSession(deps, req);
    },
  };
}

function execSession(deps: SessionDeps, req: SessionRequest & { command: string[] }): Session {
  const { worlds, clock } = deps;
  const pod = req.pod;
  const run = deps.runOf(pod, req.container);
  const raw = new Pipe(false);
  if (!req.stdin) raw.end();
  const io = outputs(req.out, req.tty);
  const stdin: Input = req.tty && req.stdin ? new TtyInput(raw, io.stdout) : raw;
  const waker = new Waker();
  let closed = false;
  let failure: string | undefined;
  const session = {
    input(data: Uint8Array) {
      raw.push(data);
      waker.poke();
    },
    endInput() {
      raw.end();
      waker.poke();
    },
    resize(cols: number, rows: number) {
      env.COLUMNS = String(cols);
      env.LINES = String(rows);
    },
    close() {
      closed = true;
      raw.end();
      waker.poke();
    },
    get failure() {
      return failure;
    },
    done: Promise.resolve(0),
  };
  const env: Record<string, string> = run ? { ...worlds.runEnv(pod, run) } : {};
  if (req.tty) env.TERM ??= "xterm";
  session.done = (async () => {
    if (!run) {
      failure = `container ${JSON.stringify(req.container)} is not running`;
      return -1;
    }
    const found = specOfContainer(pod, req.container)!;
    const image = worlds.imageOf(pod, found.spec);
    const proc = worlds.register(pod, run, req.command, req.tty);
    try {
      const world = worlds.world(pod, run, found.spec, image, req.command, undefined, proc.pid);
      const started = spawn(req.command, {
        env,
        cwd: worlds.workingDirOf(pod, req.container),
        fs: worlds.filesNow(pod, run),
        now: () => clock.now() - clock.wallOffset(),
        flavour: worlds.flavourOf(pod, req.container),
        world,
        io: { stdin, stdout: io.stdout, stderr: io.stderr },
      });
      if ("error" in started) {
        failure = `error executing command in container: failed to exec in container: failed to start exec ${JSON.stringify(randomHex(32))}: OCI runtime exec failed: exec failed: unable to start container process: ${started.message}: unknown`;
        return -1;
      }
      for (;;) {
        if (closed) return 130;
        const step = started.next();
        if (step.done) return step.value & 255;
        const effect = step.value;
        if ("sleep" in effect && effect.sleep !== Infinity) await waker.wait(realDelay(clock, effect.sleep));
        else await waker.wait(null);
      }
    } finally {
      proc.done();
    }
  })();
  return session;
}

function attachSession(deps: SessionDeps, req: SessionRequest): Session {
  const { worlds, clock } = deps;
  const pod = req.pod;
  const run = deps.runOf(pod, req.container);
  const waker = new Waker();
  const found = specOfContainer(pod, req.container);
  const tty = !!found?.spec.tty && req.tty;
  let closed = false;
  let failure: string | undefined;
  const session = {
    input(data: Uint8Array) {
      if (run && found?.spec.stdin) worlds.type(pod, run, data);
      waker.poke();
    },
    endInput() {
      if (run && found?.spec.stdin && found.spec.stdinOnce) worlds.closeInput(pod, run);
      waker.poke();
    },
    resize() {},
    close() {
      if (!closed && run && found?.spec.stdin && found.spec.stdinOnce) worlds.closeInput(pod, run);
      closed = true;
      waker.poke();
    },
    get failure() {
      return failure;
    },
    done: Promise.resolve(0),
  };
  const write = (stream: "stdout" | "stderr", text: string) => {
    const b = new TextEncoder().encode(text);
    if (stream === "stdout" || tty) req.out.stdout(b);
    else req.out.stderr(b);
  };
  session.done = (async () => {
    if (!run) {
      failure = `container ${JSON.stringify(req.container)} is not running`;
      return -1;
    }
    // From now on: what the process writes after the client attached.
    let since = clock.now();
    let sentChunks = -1;
    for (;;) {
      const program = worlds.program(pod, run);
      const now = clock.now();
      program.extend?.(now - run.startedAt);
      if (program.output) {
        const chunks = program.output;
        if (sentChunks < 0) sentChunks = chunks.filter((c) => c.at <= since).length;
        for (; sentChunks < chunks.length && chunks[sentChunks].at <= now; sentChunks++) write("stdout", chunks[sentChunks].data);
      } else {
        for (const s of program.steps) if (s.log !== undefined && run.startedAt + s.at > since && run.startedAt + s.at <= now) write(s.stream ?? "stdout", `${s.log}\n`);
        since = now;
      }
      if (program.exit && run.startedAt + program.exit.at <= now) return program.exit.code;
      if (closed) return 0;
      await waker.wait(ATTACH_POLL_MS);
    }
  })();
  return session;
}
