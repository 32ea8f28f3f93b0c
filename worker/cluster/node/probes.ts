// Liveness, readiness and startup probes, judged against what the container's process does
// (program.ts): an HTTP GET succeeds when the image serves HTTP on that port and answers the
// path with 2xx/3xx, a TCP probe when it listens on the port, an exec probe when its command
// would exit 0 (files made and removed by the process count, as in the liveness tutorial).
import type { ContainerT } from "../resources/types/core";
import type { ImageBehaviour } from "./images";
import { fileExistsAt, type Program } from "./program";
import { programOf } from "../container/standalone";

type ProbeT = NonNullable<ContainerT["livenessProbe"]>;

export interface ProbeTarget {
  image: ImageBehaviour;
  program: Program;
  container: ContainerT;
  podIP: string;
  readonly env: Record<string, string>;
}

export interface ProbeVerdict {
  ok: boolean;
  message: string;
}

function portOf(p: number | string, c: ContainerT): number | null {
  if (typeof p === "number") return p;
  if (/^\d+$/.test(p)) return Number(p);
  return c.ports?.find((x) => x.name === p)?.containerPort ?? null;
}

/** The verdict of one probe `offset` ms after the container started. */
export function judge(probe: ProbeT, t: ProbeTarget, offset: number): ProbeVerdict {
  const up = t.program.serves && offset >= t.image.startMs;
  if (probe.httpGet) {
    const port = portOf(probe.httpGet.port as number | string, t.container);
    const path = probe.httpGet.path || "/";
    const url = `${(probe.httpGet.scheme ?? "HTTP").toLowerCase()}://${t.podIP}:${port ?? probe.httpGet.port}${path}`;
    if (port === null || !up || !t.image.ports.includes(port)) return { ok: false, message: `Get "${url}": dial tcp ${t.podIP}:${port ?? 0}: connect: connection refused` };
    if (!t.image.http.includes(port)) return { ok: false, message: `Get "${url}": net/http: HTTP/1.x transport connection broken: malformed HTTP response` };
    const code = t.image.httpStatus?.[path] ?? 200;
    return code >= 200 && code < 400 ? { ok: true, message: "" } : { ok: false, message: `HTTP probe failed with statuscode: ${code}` };
  }
  if (probe.tcpSocket || probe.grpc) {
    const port = probe.grpc ? probe.grpc.port : portOf(probe.tcpSocket!.port as number | string, t.container);
    if (port !== null && up && t.image.ports.includes(port)) return { ok: true, message: "" };
    return { ok: false, message: `dial tcp ${t.podIP}:${port ?? 0}: connect: connection refused` };
  }
  const command = probe.exec?.command ?? [];
  const files = fileArgs(command);
  if (files) {
    for (const f of files) if (!fileExistsAt(t.program, f, offset)) return { ok: false, message: `cat: can't open '${f}': No such file or directory` };
    return { ok: true, message: "" };
  }
  const run = programOf(t.image, command, t.env, t.container.image);
  if (run.startError) return { ok: false, message: `OCI runtime exec failed: exec failed: unable to start container process: ${run.startError}: unknown` };
  const code = run.exit?.code ?? 0;
  return code === 0 ? { ok: true, message: "" } : { ok: false, message: run.steps.map((s) => s.log).filter(Boolean).join("\n") || `command ${JSON.stringify(command.join(" "))} exited with ${code}` };
}

/** Files an exec probe checks for (`cat f`, `test -f f`, `ls f`, also inside sh -c). */
function fileArgs(command: string[]): string[] | null {
  const line = command[0] && ["sh", "/bin/sh", "bash", "/bin/bash"].includes(command[0]) && command[1] === "-c" ? command.slice(2).join(" ") : command.join(" ");
  const found: string[] = [];
  for (const m of line.matchAll(/(?:^|[;&|]\s*)(?:cat|ls|test\s+-[ef]|\[\s+-[ef])\s+(\S+)/g)) found.push(m[1]);
  return found.length ? found : null;
}

/** Offsets (ms after start) where a probe's verdict may change. */
export function changePoints(t: ProbeTarget): number[] {
  const pts = new Set<number>([0, t.image.startMs]);
  for (const s of t.program.steps) if (s.file) pts.add(s.at);
  return [...pts].sort((a, b) => a - b);
}

export interface ProbeTiming {
  initialDelayMs: number;
  periodMs: number;
  successThreshold: number;
  failureThreshold: number;
}

export function timingOf(p: ProbeT): ProbeTiming {
  return {
    initialDelayMs: (p.initialDelaySeconds ?? 0) * 1000,
    periodMs: Math.max(1, p.periodSeconds ?? 10) * 1000,
    successThreshold: Math.max(1, p.successThreshold ?? 1),
    failureThreshold: Math.max(1, p.failureThreshold ?? 3),
  };
}

/**
 * The first probe time (offset) at or after `from` that completes a run of `threshold`
 * verdicts in a row equal to `want`, or null when none does within the horizon. Probes run at
 * initialDelay + k * period; the verdict is constant between change points, so whole stretches
 * are counted at once.
 */
export function firstRun(probe: ProbeT, t: ProbeTarget, from: number, want: boolean, threshold: number, horizon: number): { at: number; verdict: ProbeVerdict } | null {
  const tm = timingOf(probe);
  const pts = changePoints(t);
  const probeAt = (k: number) => tm.initialDelayMs + k * tm.periodMs;
  let k = Math.max(0, Math.ceil((from - tm.initialDelayMs) / tm.periodMs));
  let streak = 0;
  for (let guard = 0; guard < 10_000 && probeAt(k) <= horizon; guard++) {
    const at = probeAt(k);
    const verdict = judge(probe, t, at);
    const nextChange = pts.find((p) => p > at);
    // probes in [at, nextChange) all give this verdict
    const inStretch = nextChange === undefined ? Infinity : Math.max(1, Math.ceil((nextChange - at) / tm.periodMs));
    if (verdict.ok === want) {
      if (streak + inStretch >= threshold) return { at: probeAt(k + (threshold - streak) - 1), verdict };
      streak += inStretch;
    } else streak = 0;
    if (inStretch === Infinity) return null;
    k += inStretch;
  }
  return null;
}
