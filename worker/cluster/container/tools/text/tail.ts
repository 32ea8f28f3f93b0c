// tail: the last lines or bytes (-n N, -n +N from the Nth, -c), and following: -f follows the
// open file, -F follows the name (retrying, reporting when it appears, goes or is replaced),
// polling every second of cluster time (-s changes it). Standard input from a pipe is read to
// its end (following a pipe is meaningless, as both tails decide).
import type { Stat, Tool, ToolContext } from "../../types";
import { FsError } from "../../types";
import { type Gen, eachChunk, eachRawLine, fsMessage, getopt, readPath, say } from "./common";
import { obsoleteCount, parseCount } from "./count";
import { concatBytes } from "../../../machinery/bytes";

const USAGE = { busybox: "tail [OPTIONS] [FILE]...", gnu: "tail [OPTION]... [FILE]..." };

interface Followed {
  op: string;
  path: string;
  /** Bytes of it already printed (its size when last read). */
  offset: number;
  ino: number | null;
}

export const tail: Tool = {
  names: ["tail"],
  *run(ctx: ToolContext): Gen<number> {
    const gnu = ctx.flavour === "gnu";
    const argv = obsoleteCount(ctx.argv.slice(1));
    const o = getopt(
      ctx,
      { flags: "fFqv", args: "ncs", usage: USAGE, long: { "lines=": "n", "bytes=": "c", "follow?": "f", retry: "retry", quiet: "q", silent: "q", verbose: "v", "sleep-interval=": "s" } },
      argv,
    );
    if (!o) return 1;
    let bytesMode = false;
    let spec = "10";
    let follow: "" | "descriptor" | "name" = "";
    let retry = false;
    let interval = 1000;
    for (const [k, v] of o.opts) {
      if (k === "n" || k === "c") {
        bytesMode = k === "c";
        spec = v;
      } else if (k === "f") follow = v === "name" ? "name" : "descriptor";
      else if (k === "F") {
        follow = "name";
        retry = true;
      } else if (k === "retry") retry = true;
      else if (k === "s") {
        const secs = Number(v);
        if (!Number.isFinite(secs) || secs < 0) {
          say(ctx, gnu ? `invalid number of seconds: '${v}'` : `invalid number '${v}'`);
          return 1;
        }
        interval = secs * 1000;
      }
    }
    const fromTop = spec.startsWith("+");
    const count = parseCount(spec.replace(/^[-+]/, ""));
    if (count === null) {
      if (gnu) say(ctx, `invalid number of ${bytesMode ? "bytes" : "lines"}: '${spec}'`);
      else say(ctx, `invalid number '${spec}'`);
      return 1;
    }
    const files = o.rest.length ? o.rest : ["-"];
    const headers = o.has("v") || (files.length > 1 && !o.has("q"));
    let status = 0;
    let lastShown: string | null = null;
    const header = (op: string) => {
      if (!headers || lastShown === op) return;
      ctx.stdout.write(`${lastShown === null ? "" : "\n"}==> ${op === "-" ? "standard input" : op} <==\n`);
      lastShown = op;
    };
    const cannotOpen = (op: string, e: FsError) => {
      if (gnu) say(ctx, e.code === "EISDIR" ? `error reading '${op}': ${fsMessage(e)}` : `cannot open '${op}' for reading: ${fsMessage(e)}`);
      else say(ctx, e.code === "EISDIR" ? `read error: ${fsMessage(e)}` : `can't open '${op}': ${fsMessage(e)}`);
    };
    const followed: Followed[] = [];
    for (const op of files) {
      if (op === "-") {
        header(op);
        yield* tailStream(ctx, bytesMode, fromTop, count);
        continue;
      }
      const path = ctx.resolve(op);
      const data = readPath(ctx, op);
      if (data instanceof FsError) {
        status = 1;
        cannotOpen(op, data);
        if (follow && retry && data.code === "ENOENT") followed.push({ op, path, offset: 0, ino: null });
        else if (follow && data.code === "EISDIR" && gnu) say(ctx, `${op}: cannot follow end of this type of file; giving up on this name`);
        continue;
      }
      header(op);
      ctx.stdout.write(lastPart(data, bytesMode, fromTop, count));
      followed.push({ op, path, offset: data.length, ino: statOf(ctx, path)?.ino ?? null });
    }
    // Following a pipe means nothing: both tails read it to its end and stop.
    if (!follow || files.every((f) => f === "-")) return status;
    if (followed.length === 0) {
      say(ctx, gnu ? "no files remaining" : "no files");
      return 1;
    }
    for (;;) {
      yield { sleep: interval };
      for (const f of followed) {
        const st = statOf(ctx, f.path);
        if (follow === "name") {
          if (!st || st.type === "dir") {
            if (f.ino !== null) {
              say(ctx, gnu ? `'${f.op}' has become inaccessible: ${fsMessage(new FsError("ENOENT", f.path))}` : `${f.op} has been renamed or deleted: ${fsMessage(new FsError("ENOENT", f.path))}`);
              f.ino = null;
              f.offset = 0;
            }
            continue;
          }
          if (f.ino === null || st.ino !== f.ino) {
            const appeared = f.ino === null;
            if (gnu) say(ctx, `'${f.op}' has ${appeared ? "appeared" : "been replaced"};  following new file`);
            else say(ctx, `${f.op} has ${appeared ? "appeared" : "been replaced"}; following end of new file`);
            f.ino = st.ino;
            f.offset = 0;
          }
        } else if (!st || st.ino !== f.ino) {
          // Following the descriptor: a removed or replaced file has nothing new to give.
          continue;
        }
        if (st.size < f.offset) {
          if (gnu) say(ctx, `${f.op}: file truncated`);
          f.offset = 0;
        }
        if (st.size > f.offset) {
          let data: Uint8Array;
          try {
            data = ctx.fs.read(f.path);
          } catch (e) {
            if (e instanceof FsError) continue;
            throw e;
          }
          const fresh = data.subarray(f.offset);
          f.offset = data.length;
          if (fresh.length) {
            header(f.op);
            ctx.stdout.write(fresh);
          }
        }
      }
    }
  },
};

function statOf(ctx: ToolContext, path: string): Stat | null {
  try {
    return ctx.fs.stat(path);
  } catch {
    return null;
  }
}

/** What tail prints of whole contents. */
function lastPart(data: Uint8Array, bytesMode: boolean, fromTop: boolean, count: number): Uint8Array {
  if (bytesMode) return fromTop ? data.subarray(Math.max(0, count - 1)) : data.subarray(Math.max(0, data.length - count));
  if (fromTop) {
    let skip = Math.max(0, count - 1);
    let i = 0;
    while (skip > 0 && i < data.length) {
      const at = data.indexOf(10, i);
      if (at < 0) return new Uint8Array(0);
      i = at + 1;
      skip--;
    }
    return data.subarray(i);
  }
  if (count === 0) return new Uint8Array(0);
  // Walk back over `count` newlines (a final newline ends the last line, it does not start one).
  let end = data.length;
  if (end > 0 && data[end - 1] === 10) end--;
  let i = end;
  let n = 0;
  while (i > 0) {
    if (data[i - 1] === 10 && ++n === count) break;
    i--;
  }
  return data.subarray(i);
}

/** Standard input: +N streams from the Nth; the last N needs the whole input first. */
function* tailStream(ctx: ToolContext, bytesMode: boolean, fromTop: boolean, count: number): Gen<void> {
  if (fromTop) {
    let skip = Math.max(0, count - 1);
    if (bytesMode) {
      yield* eachChunk(ctx.stdin, (c) => {
        if (skip >= c.length) skip -= c.length;
        else {
          ctx.stdout.write(c.subarray(skip));
          skip = 0;
        }
      });
    } else {
      yield* eachRawLine(ctx.stdin, (l) => {
        if (skip > 0) skip--;
        else ctx.stdout.write(l.slice());
      });
    }
    return;
  }
  const held: Uint8Array[] = [];
  yield* eachChunk(ctx.stdin, (c) => void held.push(c));
  ctx.stdout.write(lastPart(concatBytes(held), bytesMode, false, count));
}
