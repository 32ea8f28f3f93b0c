// The live cluster view: one list+watch per kind, keyed DOM nodes per object, and every change
// rendered in the next animation frame (only what changed is touched), so a cluster of 100 nodes
// and 1,000 pods stays smooth.
import { errorText, json, kubePath, v1 } from "../api";
import { ago, attr, field, h, text } from "../dom";
import type { ClusterDetail } from "../types";
import { busy, modal, statusLine } from "../ui";
import { applyAll, Discovery, parseDocs } from "./apply";
import { Informer, streamsAllowed } from "./informer";
import { evTime, openPodDialog, podEvents, type PodDialog } from "./podDialog";
import { bytesText, cpuText, quantity } from "./quantity";
import { podStatus, tone } from "./status";
import { keyOf, type EndpointSlice, type KEvent, type KObject, type Namespace, type Node, type Pod, type Service, type Workload } from "./types";

interface NodeView {
  el: HTMLElement;
  title: HTMLElement;
  role: HTMLElement;
  ready: HTMLElement;
  taints: HTMLElement;
  usage: HTMLElement;
  power: HTMLButtonElement;
  pods: HTMLElement;
}
interface PodView {
  el: HTMLButtonElement;
  name: HTMLElement;
  status: HTMLElement;
  reason: HTMLElement;
  sig: string;
}
interface WorkloadView {
  tr: HTMLTableRowElement;
  ready: HTMLElement;
  replicas: HTMLInputElement | null;
  desired: number | undefined;
}

const WORKLOAD_KINDS = [
  { kind: "Deployment", path: "/apis/apps/v1/deployments", plural: "deployments" },
  { kind: "StatefulSet", path: "/apis/apps/v1/statefulsets", plural: "statefulsets" },
  { kind: "DaemonSet", path: "/apis/apps/v1/daemonsets", plural: "daemonsets" },
] as const;
const EVENTS_SHOWN = 40;

function roleOf(n: Node): string {
  const labels = n.metadata.labels ?? {};
  const roles = Object.keys(labels)
    .filter((k) => k.startsWith("node-role.kubernetes.io/"))
    .map((k) => k.slice("node-role.kubernetes.io/".length));
  return roles.join(",") || "worker";
}
function isReady(n: Node): boolean {
  return n.status?.conditions?.find((c) => c.type === "Ready")?.status === "True";
}

export async function clusterView(root: HTMLElement, name: string, signal: AbortSignal): Promise<void> {
  const status = statusLine();
  const heading = h("h1", null, name);
  root.append(h("div", { class: "crumbs" }, h("a", { href: "#/clusters" }, "← Clusters")), heading, status);
  document.title = `${name} — kubedo`;

  let detail: ClusterDetail;
  try {
    detail = await v1.get<ClusterDetail>(`/clusters/${encodeURIComponent(name)}`);
  } catch (e) {
    status.say(errorText(e), true);
    return;
  }
  const id = detail.id;
  const discovery = new Discovery(id);
  const running = new Map(detail.nodes.map((n) => [n.name, n.running]));

  // ----- layout -----
  const nsSelect = h("select", { name: "namespace" }, h("option", { value: "" }, "All namespaces"));
  const applyBtn = h("button", { type: "button", class: "primary" }, "Apply YAML");
  const clockNow = h("output", { class: "clock-now", "aria-live": "off" });
  const advanceBy = h("input", { type: "number", min: 0, max: 2592000, step: 1, value: "60", class: "short" });
  const advanceBtn = h("button", { type: "button" }, "Advance clock");
  const speedInput = h("input", { type: "number", min: 0.1, max: 1000, step: "any", value: String(detail.speed), class: "short" });
  const speedBtn = h("button", { type: "button" }, "Set speed");
  const live = h("span", { class: "live muted", role: "status" }, "connecting…");
  const toolbar = h(
    "div",
    { class: "toolbar cluster-toolbar" },
    field("Namespace", nsSelect),
    applyBtn,
    h("div", { class: "clock", role: "group", "aria-label": "Cluster clock" }, h("span", null, "Cluster time ", clockNow), field("Advance clock by (seconds)", advanceBy), advanceBtn, field("Clock speed", speedInput), speedBtn),
    live,
  );
  const nodesEl = h("div", { class: "nodes" });
  const pendingList = h("div", { class: "pending-list" });
  const pendingEmpty = h("p", { class: "muted" }, "No pods waiting.");
  const servicesList = h("div", { class: "services-list" });
  const workloadsBody = h("tbody");
  const workloadsStatus = statusLine();
  const eventsList = h("ul", { class: "events", tabindex: 0, "aria-label": "Latest events" });
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "links");
  svg.setAttribute("aria-hidden", "true");

  root.append(
    toolbar,
    h(
      "div",
      { class: "cluster-grid" },
      h("section", { "aria-label": "Pending pods", class: "panel pending" }, h("h2", null, "Pending pods"), pendingEmpty, pendingList),
      h("section", { "aria-label": "Nodes", class: "panel nodes-panel" }, h("h2", null, "Nodes"), nodesEl),
      h("section", { "aria-label": "Events", class: "panel events-panel" }, h("h2", null, "Events"), eventsList),
    ),
    h(
      "div",
      { class: "cluster-lower" },
      h(
        "section",
        { "aria-label": "Workloads", class: "panel" },
        h("h2", null, "Workloads"),
        workloadsStatus,
        h("table", { class: "compact workloads" }, h("thead", null, h("tr", null, ["Kind", "Name", "Ready", "Scale", ""].map((x) => h("th", { scope: "col" }, x)))), workloadsBody),
      ),
      h("section", { "aria-label": "Services", class: "panel" }, h("h2", null, "Services"), servicesList),
    ),
    svg,
  );

  // ----- state -----
  const nodeViews = new Map<string, NodeView>();
  const podViews = new Map<string, PodView>();
  const podsByNode = new Map<string, Set<string>>();
  const podNode = new Map<string, string>();
  const workloadViews = new Map<string, WorkloadView>();
  const serviceViews = new Map<string, { el: HTMLElement; body: HTMLElement; pods: Set<string> }>();
  const dirtyPods = new Set<string>();
  const dirtyNodes = new Set<string>();
  const dirty = { nodes: false, services: false, workloads: false, events: false, namespaces: false };
  let nsFilter = "";
  let dialog: PodDialog | null = null;
  let frame = 0;

  const schedule = () => {
    if (!frame) frame = requestAnimationFrame(render);
  };
  const inNs = (o: KObject) => !nsFilter || o.metadata.namespace === nsFilter;

  // The kinds in the order they get a watch when open streams are rationed (HTTP/1.1).
  const WATCH_FIRST = ["/api/v1/pods", "/api/v1/nodes", "/api/v1/events", "/apis/apps/v1/deployments"];
  const streams = streamsAllowed();
  const informer = <T extends KObject>(path: string, onChange: (key: string, obj: T | undefined) => void, onReset: () => void) => {
    const rank = WATCH_FIRST.indexOf(path);
    const pollMs = streams === Infinity || (rank >= 0 && rank < streams) ? 0 : 3000;
    const inf: Informer<T> = new Informer<T>(
      id,
      path,
      {
        reset: () => {
          onReset();
          schedule();
        },
        change: (type, obj, key) => {
          onChange(key, type === "DELETED" ? undefined : obj);
          schedule();
        },
        state: (s, detailText) => {
          states.set(path, s);
          text(live, [...states.values()].every((x) => x === "watching") ? "● live" : s === "retrying" ? `reconnecting… ${detailText ?? ""}` : "connecting…");
        },
      },
      signal,
      pollMs,
    );
    return inf;
  };
  const states = new Map<string, string>();

  const markPod = (key: string) => {
    dirtyPods.add(key);
    const before = podNode.get(key);
    if (before) dirtyNodes.add(before);
    const now = pods.items.get(key)?.spec.nodeName;
    if (now) dirtyNodes.add(now);
  };
  const nodes = informer<Node>("/api/v1/nodes", (k) => (dirty.nodes = true, dirtyNodes.add(k)), () => {
    dirty.nodes = true;
    for (const k of nodes.items.keys()) dirtyNodes.add(k);
  });
  const pods: Informer<Pod> = informer<Pod>("/api/v1/pods", (k) => markPod(k), () => {
    for (const k of podViews.keys()) markPod(k);
    for (const k of pods.items.keys()) markPod(k);
  });
  const services = informer<Service>("/api/v1/services", () => (dirty.services = true), () => (dirty.services = true));
  const slices = informer<EndpointSlice>("/apis/discovery.k8s.io/v1/endpointslices", () => (dirty.services = true), () => (dirty.services = true));
  const events = informer<KEvent>("/api/v1/events", () => (dirty.events = true), () => (dirty.events = true));
  const namespaces = informer<Namespace>("/api/v1/namespaces", () => (dirty.namespaces = true), () => (dirty.namespaces = true));
  const workloads = WORKLOAD_KINDS.map((w) => ({ ...w, inf: informer<Workload>(w.path, () => (dirty.workloads = true), () => (dirty.workloads = true)) }));

  // ----- rendering -----
  function nodeView(n: Node): NodeView {
    const nodeName = n.metadata.name;
    const v: NodeView = {
      el: h("article", { class: "node", "aria-label": `Node ${nodeName}` }),
      title: h("h3", { class: "node-name" }, nodeName),
      role: h("span", { class: "badge role" }),
      ready: h("span", { class: "badge" }),
      taints: h("div", { class: "taints" }),
      usage: h("div", { class: "usage" }),
      power: h("button", { type: "button", class: "small" }),
      pods: h("div", { class: "node-pods" }),
    };
    v.power.addEventListener("click", () =>
      busy(v.power, async () => {
        const on = running.get(nodeName) === false;
        try {
          const r = await v1.post<{ running: boolean }>(`/clusters/${encodeURIComponent(name)}/nodes/${encodeURIComponent(nodeName)}/${on ? "start" : "stop"}`);
          running.set(nodeName, r.running);
          status.say(`${r.running ? "Started" : "Stopped"} node ${nodeName}.${r.running ? "" : " It goes NotReady when its heartbeats are late: advance the clock to see it sooner."}`);
          dirtyNodes.add(nodeName);
          schedule();
        } catch (e) {
          status.say(errorText(e), true);
        }
      }),
    );
    v.el.append(h("header", { class: "node-head" }, v.title, v.role, v.ready, v.power), v.taints, v.usage, v.pods);
    return v;
  }

  function renderNode(nodeName: string): void {
    const n = nodes.items.get(nodeName);
    const v = nodeViews.get(nodeName);
    if (!n || !v) return;
    const ready = isReady(n);
    const on = running.get(nodeName) !== false;
    attr(v.el, "data-ready", String(ready));
    v.el.classList.toggle("not-ready", !ready);
    text(v.role, roleOf(n));
    text(v.ready, ready ? "Ready" : "NotReady");
    v.ready.className = `badge ${ready ? "ok" : "bad"}`;
    text(v.power, on ? "Stop" : "Start");
    attr(v.power, "aria-label", `${on ? "Stop" : "Start"} node ${nodeName}`);
    const taints = [...(n.spec?.unschedulable ? ["SchedulingDisabled"] : []), ...(n.spec?.taints ?? []).filter((t) => t.key !== "node.kubernetes.io/unschedulable").map((t) => `${t.key.replace(/^node(-role)?\.kubernetes\.io\//, "")}${t.value ? `=${t.value}` : ""}:${t.effect}`)];
    text(v.taints, taints.join(" · "));
    v.taints.hidden = taints.length === 0;
    // Allocation: the requests of the pods bound here that still hold resources.
    let cpu = 0, mem = 0, count = 0;
    for (const k of podsByNode.get(nodeName) ?? []) {
      const p = pods.items.get(k);
      if (!p || p.status?.phase === "Succeeded" || p.status?.phase === "Failed") continue;
      count++;
      for (const c of p.spec.containers) {
        cpu += quantity(c.resources?.requests?.cpu);
        mem += quantity(c.resources?.requests?.memory);
      }
    }
    const alloc = n.status?.allocatable ?? {};
    const row = (label: string, used: number, total: number, fmt: (x: number) => string) => {
      const pct = total > 0 ? Math.min(100, Math.round((used / total) * 100)) : 0;
      return h("div", { class: "meter" }, h("span", { class: "meter-label" }, `${label} ${fmt(used)} / ${fmt(total)}`), h("span", { class: "bar", "aria-hidden": "true" }, h("span", { class: pct > 90 ? "fill hot" : "fill", style: `width:${pct}%` })));
    };
    const sig = `${cpu}|${mem}|${count}|${alloc.cpu}|${alloc.memory}|${alloc.pods}`;
    if (v.usage.dataset.sig !== sig) {
      v.usage.dataset.sig = sig;
      v.usage.replaceChildren(row("cpu", cpu, quantity(alloc.cpu), cpuText), row("memory", mem, quantity(alloc.memory), bytesText), row("pods", count, quantity(alloc.pods), String));
    }
  }

  function sortNodes(): void {
    const names = [...nodes.items.values()]
      .sort((a, b) => Number(roleOf(b).includes("control-plane")) - Number(roleOf(a).includes("control-plane")) || a.metadata.name.localeCompare(b.metadata.name))
      .map((n) => n.metadata.name);
    names.forEach((n, i) => {
      const el = nodeViews.get(n)!.el;
      if (nodesEl.children[i] !== el) nodesEl.insertBefore(el, nodesEl.children[i] ?? null);
    });
  }

  function renderPod(key: string): void {
    const p = pods.items.get(key);
    let v = podViews.get(key);
    const prevNode = podNode.get(key);
    if (!p) {
      v?.el.remove();
      podViews.delete(key);
      if (prevNode) podsByNode.get(prevNode)?.delete(key);
      podNode.delete(key);
      return;
    }
    if (!v) {
      const el = h("button", { type: "button", class: "pod", "aria-label": `Pod ${key}` });
      v = { el, name: h("span", { class: "pod-name" }, p.metadata.name), status: h("span", { class: "pod-status" }), reason: h("span", { class: "pod-reason" }), sig: "" };
      el.append(v.name, v.status, v.reason);
      el.addEventListener("click", () => openDetails(key));
      el.addEventListener("mouseenter", () => highlightPod(key));
      el.addEventListener("mouseleave", clearLinks);
      podViews.set(key, v);
    }
    const nodeName = p.spec.nodeName ?? "";
    if (prevNode !== nodeName) {
      if (prevNode) podsByNode.get(prevNode)?.delete(key);
      if (nodeName) {
        let set = podsByNode.get(nodeName);
        if (!set) podsByNode.set(nodeName, (set = new Set()));
        set.add(key);
        podNode.set(key, nodeName);
      } else podNode.delete(key);
    }
    const s = podStatus(p);
    const scheduledMsg = nodeName ? "" : p.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status !== "True")?.message ?? "waiting for the scheduler";
    const sig = `${s.reason}|${s.restarts}|${p.status?.phase}|${nodeName}|${scheduledMsg}`;
    if (sig !== v.sig) {
      v.sig = sig;
      attr(v.el, "data-phase", p.status?.phase ?? "Pending");
      attr(v.el, "data-node", nodeName);
      attr(v.el, "data-status", s.reason);
      v.el.className = `pod tone-${tone(s.reason)}`;
      text(v.status, s.restarts ? `${s.reason} ↻${s.restarts}` : s.reason);
      text(v.reason, scheduledMsg);
      attr(v.el, "title", `${key}\n${s.reason}, ${s.restarts} restart${s.restarts === 1 ? "" : "s"}${nodeName ? ` on ${nodeName}` : ""}${scheduledMsg ? `\n${scheduledMsg}` : ""}`);
    }
    // Place it: inside its node's box, or waiting beside the nodes. appendChild moves it.
    const parent = nodeName ? nodeViews.get(nodeName)?.pods ?? pendingList : pendingList;
    if (v.el.parentElement !== parent) parent.append(v.el);
    v.el.hidden = !inNs(p);
  }

  function renderServices(): void {
    const byService = new Map<string, Set<string>>();
    const endpointText = new Map<string, string[]>();
    for (const s of slices.items.values()) {
      const svcName = s.metadata.labels?.["kubernetes.io/service-name"];
      if (!svcName) continue;
      const sk = `${s.metadata.namespace}/${svcName}`;
      const set = byService.get(sk) ?? new Set<string>();
      const lines = endpointText.get(sk) ?? [];
      for (const e of s.endpoints ?? []) {
        const target = e.targetRef?.kind === "Pod" ? `${e.targetRef.namespace ?? s.metadata.namespace}/${e.targetRef.name}` : null;
        if (target) set.add(target);
        lines.push(`${e.targetRef?.name ?? e.addresses.join(",")} ${e.addresses[0] ?? ""}${e.conditions?.ready === false ? " (not ready)" : ""}`);
      }
      byService.set(sk, set);
      endpointText.set(sk, lines);
    }
    const seen = new Set<string>();
    const sorted = [...services.items.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
    for (const svc of sorted) {
      const k = keyOf(svc);
      seen.add(k);
      let v = serviceViews.get(k);
      if (!v) {
        const el = h("article", { class: "service", tabindex: 0, "aria-label": `Service ${k}` });
        const body = h("div");
        el.append(body);
        const on = () => highlightService(k);
        el.addEventListener("mouseenter", on);
        el.addEventListener("focus", on);
        el.addEventListener("mouseleave", clearLinks);
        el.addEventListener("blur", clearLinks);
        v = { el, body, pods: new Set() };
        serviceViews.set(k, v);
      }
      v.pods = byService.get(k) ?? new Set();
      const ports = (svc.spec?.ports ?? []).map((p) => `${p.port}${p.nodePort ? `:${p.nodePort}` : ""}/${p.protocol ?? "TCP"}`).join(", ");
      const eps = endpointText.get(k) ?? [];
      const sig = JSON.stringify([svc.spec?.type, svc.spec?.clusterIP, ports, eps]);
      if (v.el.dataset.sig !== sig) {
        v.el.dataset.sig = sig;
        v.body.replaceChildren(
          h("div", { class: "service-head" }, h("strong", null, k), " ", h("span", { class: "badge" }, svc.spec?.type ?? "ClusterIP")),
          h("div", { class: "muted" }, `${svc.spec?.clusterIP ?? ""}  ${ports}`),
          eps.length ? h("ul", { class: "endpoints" }, eps.map((e) => h("li", null, e))) : h("div", { class: "muted" }, "no endpoints"),
        );
      }
      v.el.hidden = !inNs(svc);
      if (servicesList.lastElementChild !== v.el || v.el.parentElement !== servicesList) servicesList.append(v.el);
    }
    for (const [k, v] of serviceViews) if (!seen.has(k)) (v.el.remove(), serviceViews.delete(k));
  }

  function renderWorkloads(): void {
    const seen = new Set<string>();
    const rows: { key: string; kind: (typeof WORKLOAD_KINDS)[number]; w: Workload }[] = [];
    for (const wk of workloads) for (const w of wk.inf.items.values()) rows.push({ key: `${wk.kind}/${keyOf(w)}`, kind: wk, w });
    rows.sort((a, b) => a.key.localeCompare(b.key));
    for (const { key, kind, w } of rows) {
      seen.add(key);
      const wName = w.metadata.name;
      const ns = w.metadata.namespace ?? "default";
      let v = workloadViews.get(key);
      if (!v) {
        const ready = h("td", { class: "num" });
        let replicas: HTMLInputElement | null = null;
        let scaleCell: HTMLElement = h("td", { class: "muted" }, "one per node");
        const itemPath = kubePath(id, `/apis/apps/v1/namespaces/${encodeURIComponent(ns)}/${kind.plural}/${encodeURIComponent(wName)}`);
        if (kind.kind !== "DaemonSet") {
          const input = h("input", { type: "number", min: 0, max: 1000, class: "short", "aria-label": `Replicas for ${wName}` });
          replicas = input;
          const btn = h("button", { type: "button", class: "small" }, "Scale");
          btn.setAttribute("aria-label", `Scale ${wName}`);
          btn.addEventListener("click", () =>
            busy(btn, async () => {
              try {
                await json("PATCH", itemPath, { body: { spec: { replicas: Number(input.value) } }, contentType: "application/merge-patch+json" });
                workloadsStatus.say(`Scaled ${kind.kind} ${ns}/${wName} to ${input.value}.`);
              } catch (e) {
                workloadsStatus.say(errorText(e), true);
              }
            }),
          );
          input.addEventListener("keydown", (ev) => ev.key === "Enter" && btn.click());
          scaleCell = h("td", { class: "scale" }, input, btn);
        }
        const del = h("button", { type: "button", class: "danger small", "aria-label": `Delete ${kind.kind} ${wName}` }, "Delete");
        del.addEventListener("click", () =>
          busy(del, async () => {
            try {
              await json("DELETE", itemPath, { body: { kind: "DeleteOptions", apiVersion: "v1", propagationPolicy: "Background" } });
              workloadsStatus.say(`Deleted ${kind.kind} ${ns}/${wName}.`);
            } catch (e) {
              workloadsStatus.say(errorText(e), true);
            }
          }),
        );
        const tr = h("tr", null, h("td", null, kind.kind), h("th", { scope: "row" }, `${ns}/${wName}`), ready, scaleCell, h("td", null, del));
        v = { tr, ready, replicas, desired: undefined };
        workloadViews.set(key, v);
      }
      const desired = kind.kind === "DaemonSet" ? w.status?.desiredNumberScheduled ?? 0 : w.spec?.replicas ?? 1;
      const readyN = kind.kind === "DaemonSet" ? w.status?.numberReady ?? 0 : w.status?.readyReplicas ?? 0;
      text(v.ready, `${readyN}/${desired}`);
      if (v.replicas && v.desired !== desired && document.activeElement !== v.replicas) v.replicas.value = String(desired);
      v.desired = desired;
      v.tr.hidden = !inNs(w);
      if (v.tr.parentElement !== workloadsBody || workloadsBody.lastElementChild !== v.tr) workloadsBody.append(v.tr);
    }
    for (const [k, v] of workloadViews) if (!seen.has(k)) (v.tr.remove(), workloadViews.delete(k));
  }

  function renderEvents(): void {
    const list = [...events.items.values()].filter(inNs).sort((a, b) => evTime(b).localeCompare(evTime(a))).slice(0, EVENTS_SHOWN);
    eventsList.replaceChildren(
      ...list.map((e) =>
        h(
          "li",
          { class: e.type === "Warning" ? "warning" : "" },
          h("span", { class: "ev-meta" }, h("span", { class: `badge ${e.type === "Warning" ? "bad" : "info"}` }, e.type ?? "Normal"), " ", h("strong", null, e.reason ?? ""), " ", h("span", { class: "muted" }, `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`), " ", h("span", { class: "muted" }, ago(evTime(e)))),
          h("span", { class: "ev-msg" }, e.message ?? ""),
        ),
      ),
    );
    if (!list.length) eventsList.append(h("li", { class: "muted" }, "No events yet."));
  }

  function renderNamespaces(): void {
    const names = [...namespaces.items.keys()].sort();
    const have = [...nsSelect.options].slice(1).map((o) => o.value);
    if (names.join() === have.join()) return;
    nsSelect.replaceChildren(h("option", { value: "" }, "All namespaces"), ...names.map((n) => h("option", { value: n }, n)));
    nsSelect.value = names.includes(nsFilter) ? nsFilter : "";
  }

  function render(): void {
    frame = 0;
    if (dirty.nodes) {
      dirty.nodes = false;
      for (const n of nodes.items.values()) if (!nodeViews.has(n.metadata.name)) nodeViews.set(n.metadata.name, nodeView(n));
      for (const [k, v] of nodeViews)
        if (!nodes.items.has(k)) {
          // Its pods wait beside the nodes until they go or move.
          for (const p of v.pods.querySelectorAll<HTMLElement>("button.pod")) pendingList.append(p);
          v.el.remove();
          nodeViews.delete(k);
        }
      sortNodes();
      for (const k of podNode.keys()) if (!nodeViews.has(podNode.get(k)!)) dirtyPods.add(k);
    }
    for (const k of dirtyPods) renderPod(k);
    dirtyPods.clear();
    for (const k of dirtyNodes) renderNode(k);
    dirtyNodes.clear();
    pendingEmpty.hidden = [...pendingList.children].some((c) => !(c as HTMLElement).hidden);
    if (dirty.services) (dirty.services = false), renderServices();
    if (dirty.workloads) (dirty.workloads = false), renderWorkloads();
    if (dirty.events) (dirty.events = false), renderEvents();
    if (dirty.namespaces) (dirty.namespaces = false), renderNamespaces();
    if (dialog) {
      const p = pods.items.get(dialog.key);
      dialog.update(p, p ? podEvents(events.items.values(), p) : []);
    }
  }

  // ----- links between Services and pods (an SVG overlay drawn on hover/focus) -----
  let redraw: (() => void) | null = null;
  function clearLinks(): void {
    redraw = null;
    svg.replaceChildren();
    for (const el of root.querySelectorAll(".linked")) el.classList.remove("linked");
  }
  function drawLinks(from: HTMLElement, podKeys: Iterable<string>): void {
    clearLinks();
    from.classList.add("linked");
    const a = from.getBoundingClientRect();
    for (const k of podKeys) {
      const v = podViews.get(k);
      if (!v || v.el.hidden) continue;
      v.el.classList.add("linked");
      const b = v.el.getBoundingClientRect();
      const line = document.createElementNS("http://www.w3.org/2000/svg", "line");
      const toLeft = b.left + b.width / 2 < a.left;
      line.setAttribute("x1", String(toLeft ? a.left : a.right));
      line.setAttribute("y1", String(a.top + a.height / 2));
      line.setAttribute("x2", String(b.left + b.width / 2));
      line.setAttribute("y2", String(b.top + b.height / 2));
      svg.append(line);
    }
  }
  function highlightService(k: string): void {
    const v = serviceViews.get(k);
    if (!v) return;
    drawLinks(v.el, v.pods);
    redraw = () => highlightService(k);
  }
  function highlightPod(podKey: string): void {
    clearLinks();
    for (const v of serviceViews.values()) if (v.pods.has(podKey) && !v.el.hidden) v.el.classList.add("linked");
    podViews.get(podKey)?.el.classList.add("linked");
  }
  // The lines are in viewport coordinates: drawn again when the page scrolls under them.
  let scrollFrame = 0;
  window.addEventListener("scroll", () => {
    if (redraw && !scrollFrame) scrollFrame = requestAnimationFrame(() => ((scrollFrame = 0), redraw?.()));
  }, { signal, passive: true });

  function openDetails(key: string): void {
    const p = pods.items.get(key);
    if (!p) return;
    dialog = openPodDialog(id, p, podEvents(events.items.values(), p), () => (dialog = null));
  }

  // ----- controls -----
  nsSelect.addEventListener("change", () => {
    nsFilter = nsSelect.value;
    for (const k of podViews.keys()) dirtyPods.add(k);
    dirty.services = dirty.workloads = dirty.events = true;
    schedule();
  });

  let clockBase = { at: performance.now(), now: Date.parse(detail.now), speed: detail.speed };
  const showClock = () => {
    const t = new Date(clockBase.now + (performance.now() - clockBase.at) * clockBase.speed);
    text(clockNow, `${t.toISOString().replace("T", " ").slice(0, 19)} UTC${clockBase.speed !== 1 ? ` (×${clockBase.speed})` : ""}`);
  };
  const setClock = (r: { now: string; speed: number }) => {
    clockBase = { at: performance.now(), now: Date.parse(r.now), speed: r.speed };
    showClock();
  };
  showClock();
  const refreshDetail = async () => {
    try {
      const d = await v1.get<ClusterDetail>(`/clusters/${encodeURIComponent(name)}`);
      setClock(d);
      for (const n of d.nodes)
        if (running.get(n.name) !== n.running) {
          running.set(n.name, n.running);
          dirtyNodes.add(n.name);
        }
      schedule();
    } catch {
      // shown by the watches' state
    }
  };
  const ticker = setInterval(showClock, 1000);
  const poller = setInterval(() => !document.hidden && void refreshDetail(), 15000);
  signal.addEventListener("abort", () => (clearInterval(ticker), clearInterval(poller), cancelAnimationFrame(frame)));

  const clock = async (body: Record<string, number>, what: string) => {
    try {
      const r = await v1.post<{ now: string; speed: number }>(`/clusters/${encodeURIComponent(name)}/clock`, body);
      setClock(r);
      status.say(what);
    } catch (e) {
      status.say(errorText(e), true);
    }
  };
  advanceBtn.addEventListener("click", () => busy(advanceBtn, () => clock({ advanceSeconds: Number(advanceBy.value) }, `Advanced the clock by ${advanceBy.value} s.`)));
  speedBtn.addEventListener("click", () => busy(speedBtn, () => clock({ speed: Number(speedInput.value) }, `Clock speed set to ×${speedInput.value}.`)));
  applyBtn.addEventListener("click", () => openApply(id, discovery, nsFilter || "default"));

  schedule();
  for (const inf of [nodes, pods, services, slices, namespaces, events, ...workloads.map((w) => w.inf)]) void inf.run();
}

function openApply(clusterId: string, discovery: Discovery, defaultNs: string): void {
  modal(
    "Apply YAML",
    (body) => {
      const area = h("textarea", { rows: 16, spellcheck: false, class: "yaml", placeholder: "apiVersion: apps/v1\nkind: Deployment\n…" });
      const btn = h("button", { type: "button", class: "primary" }, "Apply");
      const results = h("ol", { class: "apply-results", "aria-label": "Results" });
      const problem = h("div");
      btn.addEventListener("click", () =>
        busy(btn, async () => {
          results.replaceChildren();
          problem.replaceChildren();
          const { docs, error } = parseDocs(area.value);
          if (error) return void problem.append(h("div", { role: "alert", class: "alert" }, error));
          if (!docs.length) return void problem.append(h("div", { role: "alert", class: "alert" }, "No objects in the YAML."));
          for (const r of await applyAll(clusterId, discovery, docs, defaultNs)) {
            results.append(
              h(
                "li",
                { class: `result ${r.outcome}` },
                h("span", null, `${r.ref} `, h("strong", null, r.outcome)),
                r.outcome === "failed"
                  ? h("div", { role: "alert", class: "alert" }, `Document ${r.index + 1}: ${r.message ?? ""}`, r.causes?.length ? h("ul", null, r.causes.map((c) => h("li", null, h("code", null, c)))) : null)
                  : null,
              ),
            );
          }
        }),
      );
      body.append(h("p", { class: "muted" }, `Objects without a namespace go to "${defaultNs}". Several documents may be separated by ---.`), field("YAML", area), h("div", { class: "actions" }, btn), problem, results);
      queueMicrotask(() => area.focus());
    },
    { wide: true },
  );
}
