// The unary and binary tests of test/[ and [[ (file types and modes, strings, integers, file
// ages), for the shells' builtins (shell/test.ts) and the test program (tools/text/test.ts).
// Their grammars and messages differ by dialect; what a test means is the same, over a host.
import type { Stat } from "../types";

export interface TestHost {
  /** The file an operand names (relative to the cwd), or null; may throw as the file system does. */
  stat(arg: string, link: boolean): Stat | null;
  /** Whether the fd an operand names is a terminal (-t). */
  tty(arg: string): boolean;
  /** An operand of -eq and friends; throws the dialect's error when it is not an integer. */
  int(s: string): number | bigint;
  /** -r and -w of a file that exists. */
  access(op: "-r" | "-w", st: Stat, arg: string): boolean;
  /** An empty operand names no file in the unary tests (the shells'; the program stats the cwd). */
  emptyIsMissing: boolean;
}

export const UNARY_OPS = ["-e", "-f", "-d", "-r", "-w", "-x", "-s", "-L", "-h", "-b", "-c", "-p", "-S", "-z", "-n", "-t", "-g", "-u", "-k", "-O", "-G", "-N"];
export const BINARY = new Set(["=", "==", "!=", "<", ">", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"]);

export function unaryTest(host: TestHost, op: string, arg: string): boolean {
  const file = (link: boolean) => (host.emptyIsMissing && arg === "" ? null : safe(() => host.stat(arg, link)));
  switch (op) {
    case "-z":
      return arg === "";
    case "-n":
      return arg !== "";
    case "-t":
      return host.tty(arg);
    case "-L":
    case "-h":
      return file(true)?.type === "symlink";
  }
  const s = file(false);
  if (!s) return false;
  switch (op) {
    case "-e":
    case "-a":
      return true;
    case "-f":
      return s.type === "file";
    case "-d":
      return s.type === "dir";
    case "-b":
      return false;
    case "-c":
      return s.type === "chardev";
    case "-p":
      return s.type === "fifo";
    case "-S":
      return s.type === "socket";
    case "-s":
      return s.size > 0;
    case "-r":
    case "-w":
      return host.access(op, s, arg);
    case "-x":
      return (s.mode & 0o111) !== 0 || s.type === "dir";
    case "-u":
      return (s.mode & 0o4000) !== 0;
    case "-g":
      return (s.mode & 0o2000) !== 0;
    case "-k":
      return (s.mode & 0o1000) !== 0;
    case "-O":
    case "-G":
      return s.uid === 0;
    case "-N":
      return false;
  }
  return false;
}

export function binaryTest(host: TestHost, l: string, op: string, r: string): boolean {
  switch (op) {
    case "=":
    case "==":
      return l === r;
    case "!=":
      return l !== r;
    case "<":
      return l < r;
    case ">":
      return l > r;
    case "-eq":
      return host.int(l) === host.int(r);
    case "-ne":
      return host.int(l) !== host.int(r);
    case "-lt":
      return host.int(l) < host.int(r);
    case "-le":
      return host.int(l) <= host.int(r);
    case "-gt":
      return host.int(l) > host.int(r);
    case "-ge":
      return host.int(l) >= host.int(r);
    case "-nt":
    case "-ot": {
      const a = host.stat(l, false);
      const b = host.stat(r, false);
      if (op === "-nt") return !!a && (!b || a.mtime > b.mtime);
      return !!b && (!a || a.mtime < b.mtime);
    }
    case "-ef": {
      const a = host.stat(l, false);
      const b = host.stat(r, false);
      return !!a && !!b && a.ino === b.ino && a.dev === b.dev;
    }
  }
  return false;
}

export function safe<T>(f: () => T): T | null {
  try {
    return f();
  } catch {
    return null;
  }
}
