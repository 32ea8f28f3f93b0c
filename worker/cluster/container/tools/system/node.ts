// The node's own tools, as a node debug pod reaches them (hostPID, the node's root at /host):
// systemctl status kubelet/containerd and crictl over the pods the node's kubelet runs.
import type { Pod } from "../../../resources/pod";
import type { Tool, ToolContext } from "../../types";
import { err, say, two } from "./common";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];

function since(ms: number): string {
  const d = new Date(ms);
  return `${DAYS[d.getUTCDay()]} ${d.toISOString().slice(0, 10)} ${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} UTC`;
}

/** systemd's "1h 2min ago". */
function ago(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d) return `${d} day${d === 1 ? "" : "s"} ${h}h ago`;
  if (h) return `${h}h ${m}min ago`;
  if (m) return `${m}min ${s % 60}s ago`;
  return `${s}s ago`;
}

function onNode(ctx: ToolContext): boolean {
  return !!ctx.world.pod.spec?.hostPID;
}

const UNITS: Record<string, { description: string; pid: number; docs: string; exec: (ctx: ToolContext) => string; dropIn?: string; path: string }> = {
  kubelet: {
    description: "kubelet: The Kubernetes Node Agent",
    pid: 230,
    docs: "http://kubernetes.io/docs/",
    path: "/etc/systemd/system/kubelet.service",
    dropIn: "10-kubeadm.conf, 11-kind.conf",
    exec: (ctx) =>
      `/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml --container-runtime-endpoint=unix:///run/containerd/containerd.sock --node-ip=${ctx.world.net.iface.ip} --node-labels= --pod-infra-container-image=registry.k8s.io/pause:3.10 --provider-id=kind://docker/kind/${ctx.world.node} --runtime-cgroups=/system.slice/containerd.service`,
  },
  containerd: {
    description: "containerd container runtime",
    pid: 104,
    docs: "https://containerd.io",
    path: "/etc/systemd/system/containerd.service",
    exec: () => "/usr/local/bin/containerd",
  },
};

export const systemctl: Tool = {
  names: ["systemctl"],
  run(ctx) {
    if (!onNode(ctx)) {
      err(ctx, "System has not been booted with systemd as init system (PID 1). Can't operate.\nFailed to connect to bus: Host is down");
      return 1;
    }
    const args = ctx.argv.slice(1).filter((a) => !a.startsWith("-"));
    const verb = args[0] ?? "list-units";
    const unit = (args[1] ?? "").replace(/\.service$/, "");
    const u = UNITS[unit];
    if (verb === "is-active") {
      say(ctx, u ? "active\n" : "inactive\n");
      return u ? 0 : 3;
    }
    if (verb === "status") {
      if (!u) {
        err(ctx, `Unit ${unit}.service could not be found.`);
        return 4;
      }
      const start = ctx.world.system.bootTime + (unit === "kubelet" ? 12_000 : 4_000);
      let out = `● ${unit}.service - ${u.description}\n     Loaded: loaded (${u.path}; enabled; preset: enabled)\n`;
      if (u.dropIn) out += `    Drop-In: ${u.path}.d\n             └─${u.dropIn}\n`;
      out += `     Active: active (running) since ${since(start)}; ${ago(ctx.now() - start)}\n       Docs: ${u.docs}\n   Main PID: ${u.pid} (${unit})\n      Tasks: ${unit === "kubelet" ? 15 : 24}\n     Memory: ${unit === "kubelet" ? "45.2M" : "38.6M"}\n     CGroup: /system.slice/${unit}.service\n             └─${u.pid} ${u.exec(ctx)}\n`;
      say(ctx, out);
      return 0;
    }
    if (["start", "stop", "restart", "reload", "enable", "disable"].includes(verb)) {
      if (!u) {
        err(ctx, `Failed to ${verb} ${unit}.service: Unit ${unit}.service not found.`);
        return 5;
      }
      // The simulated node's services are the simulation's; nothing here may stop them.
      err(ctx, `Failed to ${verb} ${unit}.service: Access denied\nSee system logs and 'systemctl status ${unit}.service' for details.`);
      return 1;
    }
    say(ctx, "  UNIT                     LOAD   ACTIVE SUB     DESCRIPTION\n  containerd.service       loaded active running containerd container runtime\n  kubelet.service          loaded active running kubelet: The Kubernetes Node Agent\n\nLOAD   = Reflects whether the unit definition was properly loaded.\nACTIVE = The high-level unit activation state, i.e. generalization of SUB.\nSUB    = The low-level unit activation state, values are type specific.\n2 loaded units listed.\n");
    return 0;
  },
};

/** go-units' HumanDuration, as crictl prints CREATED. */
function human(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return "Less than a second ago";
  if (s === 1) return "1 second ago";
  if (s < 60) return `${s} seconds ago`;
  const m = Math.floor(s / 60);
  if (m === 1) return "About a minute ago";
  if (m < 60) return `${m} minutes ago`;
  const h = Math.round(s / 3600);
  if (h === 1) return "About an hour ago";
  if (h < 48) return `${h} hours ago`;
  if (h < 24 * 7 * 2) return `${Math.floor(h / 24)} days ago`;
  return `${Math.floor(h / 24 / 7)} weeks ago`;
}

/** crictl's tabwriter: each column at least 20 wide, three spaces after the widest cell. */
function columns(rows: string[][]): string {
  const w = rows[0].map((_, i) => Math.max(20, ...rows.map((r) => r[i].length + 3)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]))).join("") + "\n").join("");
}

function hexOf(s: string, n = 13): string {
  let h = 0x811c9dc5;
  let out = "";
  while (out.length < n) {
    for (const ch of s + out.length) h = Math.imul(h ^ ch.charCodeAt(0), 0x01000193) >>> 0;
    out += h.toString(16).padStart(8, "0");
  }
  return out.slice(0, n);
}

function ts(v: string | undefined | null): number {
  return v ? Date.parse(v) : 0;
}

export const crictl: Tool = {
  names: ["crictl"],
  run(ctx) {
    const pods: Pod[] | null = ctx.world.cluster.nodePods?.() ?? null;
    if (!pods) {
      err(ctx, `E1203 ${new Date(ctx.now()).toISOString().slice(11, 23)}000 ${ctx.world.processes.self} remote_runtime.go:633] "ListContainers with filter from runtime service failed" err="rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory\\""\ntime="${new Date(ctx.now()).toISOString()}" level=fatal msg="validate service connection: validate CRI v1 runtime API for endpoint \\"unix:///run/containerd/containerd.sock\\": rpc error: code = Unavailable desc = connection error: desc = \\"transport: Error while dialing: dial unix /run/containerd/containerd.sock: connect: no such file or directory\\""`);
      return 1;
    }
    const args = ctx.argv.slice(1).filter((a) => !a.startsWith("-"));
    const all = ctx.argv.includes("-a") || ctx.argv.includes("--all");
    const verb = args[0] ?? "";
    const now = ctx.now();
    if (verb === "ps") {
      const rows = [["CONTAINER", "IMAGE", "CREATED", "STATE", "NAME", "ATTEMPT", "POD ID", "POD"]];
      for (const p of pods)
        for (const s of p.status?.containerStatuses ?? []) {
          const running = !!s.state?.running;
          if (!running && !all) continue;
          const started = ts(s.state?.running?.startedAt ?? s.state?.terminated?.startedAt ?? p.metadata.creationTimestamp);
          rows.push([(s.containerID ?? "").replace(/^\w+:\/\//, "").slice(0, 13) || hexOf(`${p.metadata.uid}/${s.name}`), (s.imageID ?? "").replace(/^.*sha256:/, "").slice(0, 13) || hexOf(s.image ?? ""), human(now - started), running ? "Running" : "Exited", s.name, String(s.restartCount ?? 0), hexOf(p.metadata.uid ?? ""), p.metadata.name ?? ""]);
        }
      say(ctx, columns(rows));
      return 0;
    }
    if (verb === "pods") {
      const rows = [["POD ID", "CREATED", "STATE", "NAME", "NAMESPACE", "ATTEMPT", "RUNTIME"]];
      for (const p of pods) rows.push([hexOf(p.metadata.uid ?? ""), human(now - ts(p.metadata.creationTimestamp)), p.status?.phase === "Running" || p.status?.phase === "Pending" ? "Ready" : "NotReady", p.metadata.name ?? "", p.metadata.namespace ?? "", "0", "(default)"]);
      say(ctx, columns(rows));
      return 0;
    }
    if (verb === "images" || verb === "img") {
      const seen = new Map<string, string>();
      for (const p of pods) for (const s of p.status?.containerStatuses ?? []) if (s.image) seen.set(s.image, s.imageID ?? "");
      const rows = [["IMAGE", "TAG", "IMAGE ID", "SIZE"]];
      for (const [image, id] of [...seen].sort()) {
        const at = image.lastIndexOf(":");
        const slash = image.lastIndexOf("/");
        const [repo, tag] = at > slash ? [image.slice(0, at), image.slice(at + 1)] : [image, "latest"];
        rows.push([repo, tag, id.replace(/^.*sha256:/, "").slice(0, 13) || hexOf(image), "-"]);
      }
      say(ctx, columns(rows));
      return 0;
    }
    if (verb === "version") {
      say(ctx, "Version:  0.1.0\nRuntimeName:  containerd\nRuntimeVersion:  v2.1.1\nRuntimeApiVersion:  v1\n");
      return 0;
    }
    err(ctx, `crictl: No help topic for '${verb}'`);
    return 1;
  },
};
