// What a container's process does over time: a timeline of log lines and file changes and how it
// ends. The image's own programs (its server, its one-shot tools, `python -c`) are known from the
// catalog here; anything else runs in the container's shell (container/timeline.ts).
import type { ImageBehaviour } from "./images";

export interface Step {
  /** Milliseconds after the process started. */
  at: number;
  log?: string;
  /** Which stream a line was written to (stdout when not said). */
  stream?: "stdout" | "stderr";
  file?: { path: string; exists: boolean };
}

export interface Program {
  steps: Step[];
  /** A body that repeats forever from `start`, every `period` ms. */
  loop?: { start: number; period: number; steps: Step[] };
  /** When and how the process exits; null when it runs until stopped. */
  exit: { at: number; code: number } | null;
  /** Whether the image's service runs (it serves its ports and answers HTTP). */
  serves: boolean;
  /** The process could not start (executable not found): the runtime's message. */
  startError?: string;
  /**
   * A program computed as it runs (container/timeline.ts): steps and exit are final up to
   * `known` ms after the start (Infinity once it has ended, or waits for input nobody typed);
   * extend() computes further. Programs without it are known whole.
   */
  known?: number;
  extend?(offset: number): void;
  /**
   * How far (ms after the start) the history is certain: past it, the process read the network
   * at a time still to come and what it got is a guess, to be looked at again then.
   */
  validUntil?: number;
  /** Provably never ends (container/forever.ts): no exit to plan for. */
  forever?: boolean;
  /** Raw output with its times, for attach (a terminal's bytes, prompts included). */
  output?: { at: number; data: string }[];
}


export function argvOf(image: ImageBehaviour, command: string[] | undefined, args: string[] | undefined): string[] {
  if (command?.length) return [...command, ...(args ?? [])];
  if (args?.length) return [...image.entrypoint, ...args];
  return [...image.entrypoint, ...image.cmd];
}

/** Programs that need no shell: an image's server, its one-shot tools, `python -c`. */
export function staticProgram(image: ImageBehaviour, argv: string[]): Program | null {
  if (!argv.length) return { steps: [], exit: { at: 0, code: 0 }, serves: false };
  const [bin, ...rest] = argv;
  const base = bin.split("/").pop()!;
  if (image.servers.includes(bin) || image.servers.includes(base)) return serve(image);
  if (image.tools?.includes(bin) || image.tools?.includes(base)) return { steps: [], exit: { at: 0, code: 0 }, serves: false };
  if (["python3", "python", "node", "perl", "perl5"].includes(base) && rest.length) return interpreterScript(base, rest);
  return null;
}

export function serve(image: ImageBehaviour): Program {
  const steps: Step[] = image.logs.map((log, i) => ({ at: Math.min(image.startMs, i), log }));
  if (image.exits) {
    for (const log of image.exits.logs ?? []) steps.push({ at: image.exits.afterMs, log });
    return { steps, exit: { at: image.exits.afterMs, code: image.exits.code }, serves: false };
  }
  return { steps, exit: null, serves: true };
}

/** `python -c 'print("hi")'`, `perl -e 'print ...'`: prints what is printed, then exits 0. */
export function interpreterScript(base: string, args: string[]): Program {
  const flag = args.indexOf(base.startsWith("perl") ? "-e" : "-c");
  const code = flag >= 0 ? args[flag + 1] ?? "" : "";
  const steps: Step[] = [];
  for (const m of code.matchAll(/(?:print|console\.log)\s*\(?\s*(["'])(.*?)\1/g)) steps.push({ at: 0, log: m[2] });
  if (/bpi\(\d+\)/.test(code)) steps.push({ at: 5000, log: "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899862803482534211706798214808651328230664709384460955058223172535940812848111745028410270193852110555964462294895493038196" });
  const loops = /while\s+True|setInterval|while\s*\(\s*1\s*\)/.test(code);
  const exitMatch = /(?:sys\.exit|process\.exit|exit)\((\d+)\)/.exec(code);
  if (loops) return { steps, exit: null, serves: false };
  return { steps, exit: { at: steps.length ? steps[steps.length - 1].at : 0, code: exitMatch ? Number(exitMatch[1]) : 0 }, serves: false };
}

/** Whether `path` exists at `offset` ms into the program (files made by touch, rm and redirects). */
export function fileExistsAt(p: Program, path: string, offset: number): boolean {
  let exists = false;
  for (const s of p.steps) if (s.at <= offset && s.file?.path === path) exists = s.file.exists;
  if (p.loop && offset >= p.loop.start) {
    const into = (offset - p.loop.start) % p.loop.period;
    const turns = Math.floor((offset - p.loop.start) / p.loop.period);
    for (const s of p.loop.steps) if (s.file?.path === path && (turns > 0 || s.at <= into)) exists = s.file.exists;
  }
  return exists;
}
