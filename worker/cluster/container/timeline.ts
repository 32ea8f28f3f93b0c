// A container's own process over cluster time. The shell (or tool) runs as a generator; here it
// is driven ahead on a virtual clock: a sleep moves the clock, output becomes log lines stamped
// with the time they were written, file writes become effects (effects.ts), and reading stdin
// takes what was typed into the container (attach) at the time it was typed. Nothing runs while
// nobody looks: the timeline is computed as far as a reader needs (extend), a bounded amount
// at a time, and recomputed from the start after the object restarts; the same inputs give
// the same history.
import type { Program, Step } from "../node/program";
import type { Effect as FileEffect } from "./effects";
import { Pipe, Sink } from "./streams";
import { TtyInput, TtyOutput } from "./tty";
import type { Effect, Input, Output } from "./types";

/** Generator steps one extend() may take before it stops and says how far it got. */
const STEP_BUDGET = 5_000;
/** Raw output kept for attach (a terminal's bytes, prompts included). */
const MAX_OUTPUT_CHUNKS = 2000;
/** Lines of its log a timeline keeps (the kubelet rotates container logs). */
const MAX_LINES = 10_000;

export interface StdinChunk {
  at: number;
  data: Uint8Array;
}

export interface TimelineInput {
  /** Cluster ms the process started. */
  start: number;
  /** The spec's stdin/tty: what the process reads, and whether its output goes through a terminal. */
  stdin: boolean;
  stdinOnce: boolean;
  tty: boolean;
  /** What was typed into it (attach), in order. */
  typed: StdinChunk[];
  /** When the last attach that wrote to stdin went away (stdinOnce closes stdin then). */
  stdinClosedAt: number | null;
  /** Starts the process with its io and a clock; returns its run, or a start error. */
  run(io: { stdin: Input; stdout: Output; stderr: Output; now: () => number; record: (e: FileEffect) => void }): Generator<Effect, number, void> | { startError: string };
  /** The real cluster time now: reads of the network past it are only guesses (see `guessedFrom`). */
  realNow: () => number;
}

export class Timeline implements Program {
  steps: Step[] = [];
  exit: { at: number; code: number } | null = null;
  serves = false;
  startError?: string;
  /** Nothing is known before the process has run at all (an exit at 0 included). */
  known = -1;
  /** Raw output with times, kept only for a process with a terminal or stdin (attach shows it as written). */
  output?: { at: number; data: string }[];
  /** Effects on files, in time order. */
  readonly effects: FileEffect[] = [];
  /** Set when the process consulted the world at a time still to come: its history from there is a guess. */
  guessedFrom: number | null = null;
  forever = false;
  /** Waiting for input nobody has typed yet. */
  blocked = false;

  private clock: number;
  private gen: Generator<Effect, number, void> | null = null;
  private readonly raw = new Pipe(false);
  private fed = 0;
  private partial = { stdout: "", stderr: "" };

  constructor(private readonly input: TimelineInput) {
    this.clock = input.start;
    if (input.tty || input.stdin) this.output = [];
    const terminal = (stream: "stdout" | "stderr") => (data: Uint8Array) => this.write(stream, data);
    const stdout: Output = input.tty ? new TtyOutput(terminal("stdout")) : new Sink(terminal("stdout"));
    const stderr: Output = input.tty ? stdout : new Sink(terminal("stderr"));
    const stdin: Input = !input.stdin ? new Pipe(false, undefined, true) : input.tty ? new TtyInput(this.raw, stdout) : this.raw;
    const started = input.run({ stdin, stdout, stderr, now: () => this.clock, record: (e) => this.record(e) });
    if ("startError" in started) {
      this.startError = started.startError;
      this.exit = { at: 0, code: 128 };
      this.known = Infinity;
    } else this.gen = started;
    this.feed();
  }

  /** The process's own time now (virtual, cluster ms). */
  get clockNow(): number {
    return this.clock;
  }

  get validUntil(): number {
    return this.guessedFrom === null ? Infinity : this.guessedFrom - this.input.start;
  }

  /** Note that the world was read at the current virtual time (DNS, connections). */
  consulted(): void {
    if (this.clock > this.input.realNow() && this.guessedFrom === null) this.guessedFrom = this.clock;
  }

  private record(e: FileEffect): void {
    this.effects.push(e);
    const path = e.path;
    if (path) this.steps.push({ at: e.at - this.input.start, file: { path, exists: e.op !== "remove" } });
  }

  private write(stream: "stdout" | "stderr", data: Uint8Array): void {
    const text = new TextDecoder().decode(data);
    if (this.output) {
      this.output.push({ at: this.clock, data: text });
      if (this.output.length > MAX_OUTPUT_CHUNKS) this.output.splice(0, this.output.length - MAX_OUTPUT_CHUNKS);
    }
    const all = this.partial[stream] + text;
    const lines = all.split("\n");
    this.partial[stream] = lines.pop()!;
    for (const line of lines) this.steps.push({ at: this.clock - this.input.start, log: line.replace(/\r$/, ""), stream });
    if (this.steps.length > MAX_LINES * 2) this.trim();
  }

  private trim(): void {
    let logs = 0;
    for (const s of this.steps) if (s.log !== undefined) logs++;
    let drop = logs - MAX_LINES;
    this.steps = this.steps.filter((s) => (s.log !== undefined && drop-- > 0 ? false : true));
  }

  /** Hands the process what was typed by the current virtual time. */
  private feed(): void {
    const typed = this.input.typed;
    while (this.fed < typed.length && typed[this.fed].at <= this.clock) this.raw.push(typed[this.fed++].data);
    const closed = this.input.stdinClosedAt;
    if (this.fed >= typed.length && closed !== null && closed <= this.clock) this.raw.end();
  }

  /** Runs the process on until `offset` ms after its start (or its end, or the step budget). */
  extend(offset: number): void {
    // Re-entered while running (another container of the pod reads what this one writes): what
    // is computed so far is what there is.
    // Past a read of the network still to come, anything computed would be a guess: stop there.
    if (!this.gen || this.known >= offset || this.running || this.guessedFrom !== null) return;
    this.running = true;
    try {
      this.advance(offset);
    } finally {
      this.running = false;
    }
  }

  private running = false;

  private advance(offset: number): void {
    const target = this.input.start + offset;
    for (let n = 0; n < STEP_BUDGET; n++) {
      this.feed();
      const step = this.gen!.next();
      if (step.done) {
        this.finish(step.value);
        return;
      }
      const effect = step.value;
      if ("sleep" in effect && effect.sleep === Infinity) {
        // Asleep until stopped (sleep infinity, a daemon we do not simulate): nothing more will happen.
        this.forever = true;
        this.known = Infinity;
        this.gen = null;
        return;
      } else if ("sleep" in effect) {
        this.clock += Math.max(0, effect.sleep);
      } else {
        // Waiting for stdin: the next thing typed, or nothing until someone types.
        const next = this.input.typed[this.fed];
        const closed = this.input.stdinClosedAt;
        if (next) this.clock = Math.max(this.clock, next.at);
        else if (closed !== null) this.clock = Math.max(this.clock, closed);
        else {
          this.blocked = true;
          this.known = Infinity;
          return;
        }
      }
      this.known = this.clock - this.input.start;
      if (this.clock >= target || this.guessedFrom !== null) return;
    }
  }

  private finish(code: number): void {
    for (const stream of ["stdout", "stderr"] as const) {
      if (this.partial[stream]) this.steps.push({ at: this.clock - this.input.start, log: this.partial[stream], stream });
      this.partial[stream] = "";
    }
    this.exit = { at: this.clock - this.input.start, code: code & 255 };
    this.known = Infinity;
    this.gen = null;
  }
}
