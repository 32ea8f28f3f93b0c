// The byte pipes between a process and whoever feeds or reads it: a pipe that fills as input
// arrives (a terminal, kubectl's stdin, a pipeline's left side) and an output that hands bytes
// on as they are written.
import { bytes, type Input, type Output } from "./types";
import { concatBytes } from "../machinery/bytes";

/** Input that arrives over time: push() as it comes, end() when it stops. */
export class Pipe implements Input {
  private chunks: Uint8Array[] = [];
  private ended = false;

  constructor(
    readonly tty = false,
    initial?: string | Uint8Array,
    end = false,
  ) {
    if (initial !== undefined) this.push(initial);
    if (end) this.end();
  }

  push(data: string | Uint8Array): void {
    const b = typeof data === "string" ? bytes(data) : data;
    if (b.length) this.chunks.push(b);
  }

  end(): void {
    this.ended = true;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Whether read() would return something now (data, or the end). */
  get ready(): boolean {
    return this.chunks.length > 0 || this.ended;
  }

  read(): Uint8Array | null | undefined {
    if (this.chunks.length) {
      const all = joinChunks(this.chunks);
      this.chunks = [];
      return all;
    }
    return this.ended ? null : undefined;
  }

  readLine(): string | null | undefined {
    if (!this.chunks.length) return this.ended ? null : undefined;
    const all = joinChunks(this.chunks);
    const nl = all.indexOf(10);
    if (nl < 0) {
      if (!this.ended) {
        this.chunks = [all];
        return undefined;
      }
      this.chunks = [];
      return new TextDecoder().decode(all);
    }
    const rest = all.subarray(nl + 1);
    this.chunks = rest.length ? [rest] : [];
    return new TextDecoder().decode(all.subarray(0, nl));
  }
}

/** An input that is already at its end (a process with no stdin). */
export function noInput(): Input {
  return new Pipe(false, undefined, true);
}

/** Output passed to a function as it is written. */
export class Sink implements Output {
  constructor(
    private readonly onWrite: (data: Uint8Array) => void,
    readonly tty = false,
  ) {}

  write(data: string | Uint8Array): void {
    const b = typeof data === "string" ? bytes(data) : data;
    if (b.length) this.onWrite(b);
  }
}

/** Output kept in memory (a pipeline's left side, $(…), a test). */
export class Collect implements Output {
  private chunks: Uint8Array[] = [];

  constructor(readonly tty = false) {}

  write(data: string | Uint8Array): void {
    const b = typeof data === "string" ? bytes(data) : data;
    if (b.length) this.chunks.push(b);
  }

  bytes(): Uint8Array {
    return joinChunks(this.chunks);
  }

  text(): string {
    return new TextDecoder().decode(this.bytes());
  }
}

/** Chunks as one array (the one chunk itself when there is only one). */
function joinChunks(chunks: Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? chunks[0] : concatBytes(chunks);
}
