// pods/log: `kubectl logs` with container, tailLines, timestamps, previous, sinceSeconds,
// sinceTime, limitBytes and follow (streamed as lines are written, ending when the container
// does).
import type { ApiServer } from "../api/apiserver";
import { errors, type StatusCause } from "../machinery/errors";
import { optionsInvalid, queryBool, queryInt64 } from "../api/http/query";
import type { ActionCall, SubresourceAction } from "../api/http/actions";
import { parseTime } from "../machinery/time";
import type { Clock } from "../clock";
import { loadRuntime } from "../node/kubelet";
import { logLines, logTimestamp, type LogLine } from "../node/logs";
import { accessLines, mergeLines } from "../network/accessLog";
import type { ContainerRuntime, Run } from "../node/runtime";
import type { RunRef } from "../container/world";
import type { Program } from "../node/program";
import { fromWall, toWall } from "../api/http/wire";
import type { Pod } from "../resources/pod";
import type { Store } from "../store/store";

const encoder = new TextEncoder();
/** How often a follow stream looks for new lines (real time). */
const FOLLOW_POLL_MS = 250;
/** A follow stream ends after this long even if the container still runs (clients reconnect). */
const FOLLOW_MAX_MS = 30 * 60 * 1000;

interface Source {
  pod: Pod;
  container: ContainerRuntime;
  run: Run;
  lines(until: number): LogLine[];
}

interface Options {
  timestamps: boolean;
  tail: number | null;
  since: number | null;
  limitBytes: number | null;
}

/**
 * PodLogOptions from the query, decoded (int64s and booleans as kube-apiserver converts them)
 * and validated as ValidatePodLogOptions does: findings are one 422 Invalid PodLogOptions.
 */
function optionsOf(q: URLSearchParams, clock: Clock, pod: string): Options {
  const now = clock.now();
  const tail = queryInt64(q, "tailLines");
  const sinceSeconds = queryInt64(q, "sinceSeconds");
  const limitBytes = queryInt64(q, "limitBytes");
  const sinceTime = q.get("sinceTime");
  let since: number | null = null;
  if (sinceTime) {
    const t = parseTime(sinceTime);
    if (t === null) throw errors.badRequest(`parsing time ${JSON.stringify(sinceTime)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(sinceTime)} as "2006"`);
    since = fromWall(clock, t); // the client's wall clock, as cluster time
  }
  const causes: StatusCause[] = [];
  if (tail !== null && tail < 0) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${tail}: must be greater than or equal to 0`, field: "tailLines" });
  if (limitBytes !== null && limitBytes < 1) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${limitBytes}: must be greater than 0`, field: "limitBytes" });
  if (sinceSeconds !== null && sinceTime) causes.push({ reason: "FieldValueForbidden", message: "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified" });
  else if (sinceSeconds !== null && sinceSeconds < 1) causes.push({ reason: "FieldValueInvalid", message: `Invalid value: ${sinceSeconds}: must be greater than 0`, field: "sinceSeconds" });
  if (causes.length) throw optionsInvalid("PodLogOptions", "", pod, causes);
  if (sinceSeconds !== null) since = now - sinceSeconds * 1000;
  return { timestamps: queryBool(q, "timestamps"), tail, since, limitBytes };
}

/** Lines as the client reads them: stamped on its wall clock (api/http/wire.ts). */
function format(lines: LogLine[], o: Options, clock: Clock): string {
  return lines.map((l) => (o.timestamps ? `${logTimestamp(toWall(clock, l.at))} ${l.text}\n` : `${l.text}\n`)).join("");
}

/**
 * A run's lines up to `until`, in cluster time, with the times a program prints (`date`) on the
 * wall clock: the log is written as from the wall clock and moved back into cluster time.
 */
function linesOf(program: Program, startedAt: number, until: number, clock: Clock): LogLine[] {
  const offset = clock.wallOffset();
  if (offset === 0) return logLines(program, startedAt, until);
  return logLines(program, startedAt - offset, until - offset).map((l) => ({ at: l.at + offset, text: l.text }));
}

export function logAction(api: ApiServer, store: Store, clock: Clock, programOf: (pod: Pod, run: RunRef) => Program): SubresourceAction {
  function source(call: ActionCall): Source {
    const pod = api.peek<Pod>("pods", call.namespace, call.name);
    if (!pod) throw errors.notFound("", "pods", call.name);
    const all = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c) => c.name);
    let name = call.query.get("container");
    if (!name) {
      if ((pod.spec?.containers.length ?? 0) !== 1) throw errors.badRequest(`a container name must be specified for pod ${call.name}, choose one of: [${(pod.spec?.containers ?? []).map((c) => c.name).join(" ")}]${pod.spec?.initContainers?.length ? ` or one of the init containers: [${pod.spec.initContainers.map((c) => c.name).join(" ")}]` : ""}`);
      name = pod.spec!.containers[0].name;
    }
    if (!all.includes(name)) throw errors.badRequest(`container ${name} is not valid for pod ${call.name}`);
    const rt = loadRuntime({ store }, pod);
    const c = rt?.containers.find((x) => x.name === name);
    const previous = queryBool(call.query, "previous");
    // While a container waits to restart, its last run is both the current log and --previous
    // (lastState in its status), as with a real kubelet.
    const run = previous ? (c?.stage === "backoff" && c.run ? c.run : c?.last) : c?.run ?? c?.last;
    if (!c || !run) {
      if (previous) throw errors.badRequest(`previous terminated container "${name}" in pod "${call.name}" not found`);
      const reason = c?.waitingReason ?? "ContainerCreating";
      const why = reason === "ImagePullBackOff" || reason === "ErrImagePull" ? "trying and failing to pull image" : reason === "InvalidImageName" ? "image can't be pulled" : reason === "PodInitializing" ? "PodInitializing" : reason;
      throw errors.badRequest(`container "${name}" in pod "${call.name}" is waiting to start: ${why}`);
    }
    const ref: RunRef = { container: c.name, kind: c.kind === "ephemeral" ? "ephemeral" : c.init ? "init" : "app", id: run.id, startedAt: run.startedAt };
    return {
      pod,
      container: c,
      run,
      lines: (until) => {
        const end = Math.min(until, run.finishedAt ?? Infinity);
        return mergeLines(linesOf(programOf(pod, ref), run.startedAt, end, clock), accessLines(store.sqlStorage, run.id, end));
      },
    };
  }

  function select(lines: LogLine[], o: Options): LogLine[] {
    let out = o.since !== null ? lines.filter((l) => l.at >= o.since!) : lines;
    if (o.tail !== null) out = o.tail === 0 ? [] : out.slice(-o.tail);
    return out;
  }

  return {
    methods: {
      GET: {
        verb: "get",
        handle(call) {
          const o = optionsOf(call.query, clock, call.name);
          const s = source(call);
          let body = format(select(s.lines(clock.now()), o), o, clock);
          if (o.limitBytes !== null && body.length > o.limitBytes) body = body.slice(0, o.limitBytes);
          return { status: 200, headers: [["Content-Type", "text/plain"]], body };
        },
      },
    },
    stream(call) {
      const o = optionsOf(call.query, clock, call.name);
      const s = source(call);
      const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
      const writer = writable.getWriter();
      let sentUntil = clock.now();
      let sentBytes = 0;
      const first = select(s.lines(sentUntil), o);
      const started = Date.now();
      let timer: ReturnType<typeof setInterval> | undefined;
      const close = () => {
        if (timer) clearInterval(timer);
        timer = undefined;
        writer.close().catch(() => undefined);
      };
      const send = (lines: LogLine[]): boolean => {
        let text = format(lines, o, clock);
        if (o.limitBytes !== null) text = text.slice(0, Math.max(0, o.limitBytes - sentBytes));
        sentBytes += text.length;
        if (text) writer.write(encoder.encode(text)).catch(close);
        return o.limitBytes === null || sentBytes < o.limitBytes;
      };
      if (!send(first)) close();
      else
        timer = setInterval(() => {
          const now = clock.now();
          const fresh = s.lines(now).filter((l) => l.at > sentUntil);
          sentUntil = now;
          const more = send(fresh);
          // The container's run is over (it exited, was restarted, or the pod is gone): the stream ends.
          const pod = api.peek<Pod>("pods", call.namespace, call.name);
          const rt = pod && pod.metadata.uid === s.pod.metadata.uid ? loadRuntime({ store }, pod) : null;
          const c = rt?.containers.find((x) => x.name === s.container.name);
          const ended = !c || c.run?.id !== s.run.id || c.run?.finishedAt !== undefined || s.run.finishedAt !== undefined;
          if (!more || ended || Date.now() - started > FOLLOW_MAX_MS) close();
        }, FOLLOW_POLL_MS);
      return new Response(readable, { status: 200, headers: { "Content-Type": "text/plain", "Content-Encoding": "identity", "Cache-Control": "no-cache" } });
    },
  };
}
