// A terminal's line discipline (the pty of `kubectl exec -it` and of a pod with tty: true):
// typed bytes are echoed, a line is handed to the process when Enter is pressed, backspace and
// ^U edit the line, ^D at the start of a line is end of input, and output's "\n" reaches the
// terminal as "\r\n". kubectl puts the local terminal in raw mode, so all of this is ours to do.
import { Pipe } from "./streams";
import type { Input, Output } from "./types";

export class TtyInput implements Input {
  readonly tty = true;
  private line: number[] = [];
  private cooked = new Pipe(true);
  private eofPending = false;

  constructor(
    private readonly raw: Pipe,
    private readonly echo: Output,
  ) {}

  private cook(): void {
    const data = this.raw.read();
    if (data === null) {
      if (this.line.length) this.cooked.push(Uint8Array.from(this.line));
      this.line = [];
      this.cooked.end();
      return;
    }
    if (!data) return;
    for (let i = 0; i < data.length; i++) {
      const b = data[i];
      if (b === 0x0d || b === 0x0a) {
        this.echo.write("\r\n");
        this.line.push(0x0a);
        this.cooked.push(Uint8Array.from(this.line));
        this.line = [];
        if (b === 0x0d && data[i + 1] === 0x0a) i++;
      } else if (b === 0x7f || b === 0x08) {
        if (this.line.length) {
          // A UTF-8 character is erased whole.
          do this.line.pop();
          while (this.line.length && (this.line[this.line.length - 1] & 0xc0) === 0x80);
          this.echo.write("\b \b");
        }
      } else if (b === 0x15) {
        this.echo.write("\b \b".repeat(this.line.length));
        this.line = [];
      } else if (b === 0x03) {
        this.echo.write("^C\r\n");
        this.line = [];
        this.cooked.push("\n");
      } else if (b === 0x04) {
        if (this.line.length) {
          this.cooked.push(Uint8Array.from(this.line));
          this.line = [];
        } else this.eofPending = true;
      } else if (b === 0x1b) {
        // An escape sequence (arrow keys): no line editing history here; skip it.
        if (data[i + 1] === 0x5b) {
          i += 2;
          while (i < data.length && data[i] < 0x40) i++;
        }
      } else {
        this.line.push(b);
        this.echo.write(Uint8Array.of(b));
      }
    }
  }

  read(): Uint8Array | null | undefined {
    this.cook();
    if (this.eofPending && !this.cooked.ready) {
      this.eofPending = false;
      return null;
    }
    return this.cooked.read();
  }

  readLine(): string | null | undefined {
    this.cook();
    if (this.eofPending && !this.cooked.ready) {
      this.eofPending = false;
      return null;
    }
    return this.cooked.readLine();
  }
}

/** Output to a terminal: "\n" becomes "\r\n" (the pty's onlcr). */
export class TtyOutput implements Output {
  readonly tty = true;
  constructor(private readonly to: (data: Uint8Array) => void) {}

  write(data: string | Uint8Array): void {
    const s = typeof data === "string" ? data : new TextDecoder().decode(data);
    if (s) this.to(new TextEncoder().encode(s.replace(/\r?\n/g, "\r\n")));
  }
}
