// What kube-apiserver checks before it upgrades exec, attach and port-forward (the pod
// registry's streamLocation, pkg/registry/core/pod/strategy.go), and what the kubelet answers
// for a container with no running process: the same words, so kubectl prints what it prints
// against a kind cluster.
import { errors } from "../../machinery/errors";
import type { Pod } from "../../resources/pod";
import type { ContainerStatusT } from "../../resources/types/core";

export interface RemoteCommandOptions {
  container: string;
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

/** A query parameter as a bool, as apimachinery's Convert_Slice_string_To_bool reads it. */
function flag(q: URLSearchParams, name: string): boolean {
  const v = q.get(name);
  if (v === null) return false;
  return !(v === "0" || v.toLowerCase() === "f" || v.toLowerCase() === "false");
}

/** PodExecOptions / PodAttachOptions from the query (command repeated, one argument each). */
export function remoteCommandOptions(q: URLSearchParams, exec: boolean): RemoteCommandOptions {
  const tty = flag(q, "tty");
  const opts: RemoteCommandOptions = {
    container: q.get("container") ?? "",
    command: q.getAll("command"),
    stdin: flag(q, "stdin"),
    stdout: flag(q, "stdout"),
    // The kubelet drops stderr under a terminal: the terminal merges it into stdout.
    stderr: flag(q, "stderr") && !tty,
    tty,
  };
  if (!opts.stdin && !opts.stdout && !opts.stderr) throw errors.badRequest("you must specify at least 1 of stdin, stdout, stderr");
  if (exec && opts.command.length === 0) throw errors.badRequest("you must specify at least one command for the container");
  return opts;
}

/** The ports of a port-forward request (`ports=80,8080` or repeated), as the kubelet parses them. */
export function forwardedPorts(q: URLSearchParams): number[] {
  const raw = [...q.getAll("ports"), ...q.getAll("port")];
  if (raw.length === 0) throw errors.badRequest('query parameter "port" is required');
  const ports: number[] = [];
  for (const s of raw.flatMap((r) => r.split(","))) {
    const t = s.trim();
    if (!/^\d+$/.test(t) || Number(t) > 65535) throw errors.badRequest(`unable to parse "${t}" as a port: strconv.ParseUint: parsing "${t}": ${/^\d+$/.test(t) ? "value out of range" : "invalid syntax"}`);
    if (Number(t) === 0) throw errors.badRequest(`port "${t}" must be > 0`);
    ports.push(Number(t));
  }
  return ports;
}

function names(list: { name: string }[] | undefined): string {
  return (list ?? []).map((c) => c.name).join(" ");
}

/**
 * The container a remote command goes to: the named one (app, init or ephemeral), or the only
 * one; and the pod must be on a node. Errors are kube-apiserver's BadRequests.
 */
export function streamContainer(pod: Pod, container: string): string {
  const name = pod.metadata.name!;
  const spec = pod.spec;
  if (!container) {
    const cs = spec?.containers ?? [];
    if (cs.length === 1) container = cs[0].name;
    else if (cs.length === 0) throw errors.badRequest(`a container name must be specified for pod ${name}`);
    else {
      let msg = `a container name must be specified for pod ${name}, choose one of: [${names(cs)}]`;
      if (spec?.initContainers?.length) msg += ` or one of the init containers: [${names(spec.initContainers)}]`;
      throw errors.badRequest(msg);
    }
  } else {
    const all = [...(spec?.containers ?? []), ...(spec?.initContainers ?? []), ...((spec as { ephemeralContainers?: { name: string }[] } | undefined)?.ephemeralContainers ?? [])];
    if (!all.some((c) => c.name === container)) throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  }
  assertScheduled(pod);
  return container;
}

export function assertScheduled(pod: Pod): void {
  if (!pod.spec?.nodeName) throw errors.badRequest(`pod ${pod.metadata.name} does not have a host assigned`);
}

/**
 * Whether the container has a running process for exec and attach to reach. When it has not, the
 * kubelet's answer: kube-apiserver has upgraded already, so it arrives as an InternalError on
 * the error channel and kubectl prints `error: Internal error occurred: unable to upgrade
 * connection: container not found ("web")`.
 */
export function notRunning(pod: Pod, container: string): string | null {
  const st = pod.status;
  const ephemeral = (st as { ephemeralContainerStatuses?: ContainerStatusT[] } | undefined)?.ephemeralContainerStatuses;
  const all: ContainerStatusT[] = [...(st?.containerStatuses ?? []), ...(st?.initContainerStatuses ?? []), ...(ephemeral ?? [])];
  const s = all.find((c) => c.name === container);
  // A terminating pod's processes run until its grace period ends: they still take exec.
  if (s?.state?.running) return null;
  return `unable to upgrade connection: container not found (${JSON.stringify(container)})`;
}

/** The words for a SPDY upgrade, which a Worker cannot accept: the minimum kubectl, and the switch that gets there sooner. */
export function spdyRefusal(subresource: "exec" | "attach" | "portforward"): string {
  if (subresource === "portforward")
    return "this cluster speaks port-forward over WebSocket only, and a SPDY upgrade cannot be served here: use kubectl 1.31 or later (or kubectl 1.30 with KUBECTL_PORT_FORWARD_WEBSOCKETS=true); client libraries may use the v4.channel.k8s.io WebSocket protocol";
  return `this cluster speaks ${subresource === "exec" ? "exec (and cp)" : "attach"} over WebSocket only, and a SPDY upgrade cannot be served here: use kubectl 1.30 or later (or kubectl 1.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true)`;
}
