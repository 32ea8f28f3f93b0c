// The streams the shell makes for itself: captured output ($(..)), text input (here-docs,
// files read by <), pipes between a pipeline's stages and files written by > and >>.
import { bytes, text, type FileSystem, type Input, type Output } from "../types";

export type Fd = Input | Output;

export function isInput(f: Fd | undefined): f is Input {
  return !!f && "readLine" in f;
}

export function isOutput(f: Fd | undefined): f is Output {
  return !!f && "write" in f;
}

const asText = (d: string | Uint8Array) => (typeof d === "string" ? d : text(d));

/** Collects what is written ($(..), a test's stdout). */
export class BufferOutput implements Output {
  data = "";
  constructor(readonly tty = false) {}
  write(d: string | Uint8Array): void {
    this.data += asText(d);
  }
}

export const NULL_OUTPUT: Output = { write() {}, tty: false };

/** Input that is all there at once (a here-doc, a file, /dev/null). */
export class TextInput implements Input {
  constructor(
    private rest: string,
    readonly tty = false,
  ) {}
  read(): Uint8Array | null {
    if (!this.rest) return null;
    const b = bytes(this.rest);
    this.rest = "";
    return b;
  }
  readLine(): string | null {
    if (!this.rest) return null;
    const i = this.rest.indexOf("\n");
    const line = i < 0 ? this.rest : this.rest.slice(0, i);
    this.rest = i < 0 ? "" : this.rest.slice(i + 1);
    return line;
  }
}

export const emptyInput = () => new TextInput("");

/** A pipe's reader is gone: the writer dies of SIGPIPE (status 141), as `yes | head -1`'s yes does. */
export class SigPipe extends Error {
  constructor() {
    super("SIGPIPE");
  }
}

/** A pipe between two stages: the writer's Output and the reader's Input over one buffer. */
export class Pipe {
  private buf = "";
  writerClosed = false;
  readerClosed = false;
  readonly out: Output;
  readonly in: Input;

  constructor() {
    const self = this;
    this.out = {
      tty: false,
      write(d) {
        if (self.readerClosed) throw new SigPipe();
        self.buf += asText(d);
      },
    };
    this.in = {
      tty: false,
      read() {
        if (self.buf) {
          const b = bytes(self.buf);
          self.buf = "";
          return b;
        }
        return self.writerClosed ? null : undefined;
      },
      readLine() {
        const i = self.buf.indexOf("\n");
        if (i >= 0) {
          const line = self.buf.slice(0, i);
          self.buf = self.buf.slice(i + 1);
          return line;
        }
        if (!self.writerClosed) return undefined;
        if (!self.buf) return null;
        const line = self.buf;
        self.buf = "";
        return line;
      },
    };
  }

  /** Whether a reader waiting on it can go on. */
  get readable(): boolean {
    return this.buf.length > 0 || this.writerClosed;
  }
}

/** A file opened by > or >>: every write lands in the file system at once (tail -f sees it). */
export class FileOutput implements Output {
  readonly tty = false;
  constructor(
    private readonly fs: FileSystem,
    private readonly path: string,
  ) {}
  write(d: string | Uint8Array): void {
    this.fs.write(this.path, d, { append: true });
  }
}
