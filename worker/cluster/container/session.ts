// exec and attach as the API server's streaming subresources reach them: a Session is one
// process in a running container (a new one for exec, the container's own for attach), fed
// with the bytes the client sends and writing what the process writes. api/stream/ speaks the
// WebSocket channel protocol on one side of this; world.ts and the shell are on the other.
import type { Pod } from "../resources/pod";

export interface SessionOutput {
  stdout(data: Uint8Array): void;
  stderr(data: Uint8Array): void;
}

export interface Session {
  /** Bytes the client sent on stdin (typed at a terminal, or piped). */
  input(data: Uint8Array): void;
  /** The client closed stdin (end of a pipe, or v5's close of channel 0). */
  endInput(): void;
  /** The terminal's size changed (the resize channel). */
  resize(cols: number, rows: number): void;
  /** Resolves with the exit status once the process has ended and written its last output. */
  readonly done: Promise<number>;
  /**
   * Set (before done resolves) when the process could not be started: the container runtime's
   * message, which the API server sends as an InternalError Status instead of an exit code.
   */
  readonly failure?: string;
  /** The client went away: the exec'd process is stopped (attach leaves the container running). */
  close(): void;
}

export interface SessionRequest {
  pod: Pod;
  /** Already checked by the API server: a container of the pod (app, init or ephemeral) that is running. */
  container: string;
  stdin: boolean;
  tty: boolean;
  out: SessionOutput;
}

export interface ContainerSessions {
  /** A new process in the container running `command` (execvp-style; errors as the runtime prints them go to stderr with status 126/127). */
  exec(req: SessionRequest & { command: string[] }): Session;
  /** The container's own process: its output from now on, and its stdin when the spec says stdin: true. */
  attach(req: SessionRequest): Session;
}
