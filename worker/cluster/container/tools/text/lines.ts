// A reader of lines over several inputs in turn, pulling from stdin as it arrives: sed's and
// awk's main loops (and sed's `$`, which needs to know whether another line follows).
import { FsError, type Input, type ToolContext } from "../../types";
import { type Gen, bytesInput, readPath } from "./common";

export interface Source {
  name: string;
  input: Input;
}

export class LineReader {
  private queue: string[] = [];
  private pending = "";
  private decoder = new TextDecoder();
  private index = -1;
  private current: Input | null = null;
  private ended = true;
  /** Whether the last line handed out ended with a newline. */
  lastHadNewline = true;
  /** The file the last line came from. */
  name = "";
  /** Set when the line just read was its file's first (awk's FNR, sed -s). */
  fileLine = 0;
  private queuedNames: Array<{ name: string; nl: boolean; first: boolean }> = [];

  constructor(
    private sources: Array<() => Source | null>,
  ) {}

  /** Operands as sources: "-" is stdin; a file that cannot be read reports and is skipped. */
  static of(ctx: ToolContext, operands: string[], onError: (op: string, e: FsError) => void): LineReader {
    const list = operands.length === 0 ? ["-"] : operands;
    return new LineReader(
      list.map((op) => () => {
        if (op === "-") return { name: "-", input: ctx.stdin };
        const data = readPath(ctx, op);
        if (data instanceof FsError) {
          onError(op, data);
          return null;
        }
        return { name: op, input: bytesInput(data) };
      }),
    );
  }

  /** Fills the queue with at least one line unless all input has ended. */
  private *fill(crossFiles: boolean): Gen<boolean> {
    let firstOfFile = false;
    while (this.queue.length === 0) {
      if (this.ended) {
        if (!crossFiles && this.index >= 0) return false;
        this.index++;
        if (this.index >= this.sources.length) {
          this.index = this.sources.length;
          return false;
        }
        const src = this.sources[this.index]();
        if (!src) continue;
        this.current = src.input;
        this.srcName = src.name;
        this.ended = false;
        this.pending = "";
        this.decoder = new TextDecoder();
        firstOfFile = true;
        this.firstPending = true;
      }
      const chunk = this.current!.read();
      if (chunk === undefined) {
        yield { wait: "stdin" };
        continue;
      }
      if (chunk === null) {
        this.pending += this.decoder.decode();
        if (this.pending !== "") {
          this.push(this.pending, false);
          this.pending = "";
        }
        this.ended = true;
        continue;
      }
      this.pending += this.decoder.decode(chunk, { stream: true });
      let at: number;
      while ((at = this.pending.indexOf("\n")) >= 0) {
        this.push(this.pending.slice(0, at), true);
        this.pending = this.pending.slice(at + 1);
      }
    }
    void firstOfFile;
    return true;
  }

  private srcName = "";
  private firstPending = false;

  private push(line: string, nl: boolean): void {
    this.queue.push(line);
    this.queuedNames.push({ name: this.srcName, nl, first: this.firstPending });
    this.firstPending = false;
  }

  /** The next line, or null at the end of all input. */
  *next(): Gen<string | null> {
    if (!(yield* this.fill(true))) return null;
    const meta = this.queuedNames.shift()!;
    this.name = meta.name;
    this.lastHadNewline = meta.nl;
    this.fileLine = meta.first ? 1 : this.fileLine + 1;
    return this.queue.shift()!;
  }

  /** Whether no line follows the last one handed out (in this file only, with perFile). */
  *atEnd(perFile = false): Gen<boolean> {
    if (this.queue.length > 0) return perFile ? this.queuedNames[0].first : false;
    if (perFile) {
      if (!this.ended) return !(yield* this.fill(false));
      return true;
    }
    return !(yield* this.fill(true));
  }
}
