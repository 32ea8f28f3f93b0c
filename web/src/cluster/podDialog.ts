// A pod's details (describe-like), its logs, a terminal into it, and delete: a modal dialog named
// "Pod <ns>/<name>" that follows the pod live while it is open.
import { call, errorText, json, kubePath } from "../api";
import { ago, append, field, h, text } from "../dom";
import { modal, statusLine } from "../ui";
import { podStatus } from "./status";
import { openTerminal, type TerminalSession } from "./terminal";
import type { ContainerStatus, KEvent, Pod } from "./types";

export const DECISION_ANNOTATION = "scheduler.kubedo.dev/decision";

export interface PodDialog {
  key: string;
  update(pod: Pod | undefined, events: KEvent[]): void;
}

function stateText(s: ContainerStatus): string {
  const st = s.state ?? {};
  if (st.running) return `Running since ${st.running.startedAt ? new Date(st.running.startedAt).toLocaleTimeString() : "?"}`;
  if (st.waiting) return `Waiting: ${st.waiting.reason ?? ""}${st.waiting.message ? ` — ${st.waiting.message}` : ""}`;
  if (st.terminated) return `Terminated: ${st.terminated.reason ?? ""} (exit ${st.terminated.exitCode ?? "?"})`;
  return "—";
}

export function podEvents(events: Iterable<KEvent>, pod: Pod): KEvent[] {
  const out: KEvent[] = [];
  for (const e of events) if (e.involvedObject?.kind === "Pod" && e.involvedObject.name === pod.metadata.name && e.involvedObject.namespace === pod.metadata.namespace) out.push(e);
  return out.sort((a, b) => evTime(b).localeCompare(evTime(a)));
}
export function evTime(e: KEvent): string {
  return e.lastTimestamp || e.eventTime || e.metadata.creationTimestamp || "";
}

export function openPodDialog(clusterId: string, initial: Pod, events: KEvent[], onClose: () => void): PodDialog {
  const ns = initial.metadata.namespace ?? "default";
  const name = initial.metadata.name;
  const key = `${ns}/${name}`;
  const info = h("div", { class: "pod-info" });
  const status = statusLine();
  const containerSel = h("select");
  for (const c of initial.spec.containers) containerSel.append(h("option", { value: c.name }, c.name));
  const logs = h("pre", { class: "logs", tabindex: 0, "aria-label": "Logs", hidden: true });
  const termHost = h("div", { class: "terminal", hidden: true });
  let term: TerminalSession | null = null;
  let gone = false;

  const logsBtn = h("button", { type: "button" }, "Logs");
  const termBtn = h("button", { type: "button" }, "Terminal");
  const delBtn = h("button", { type: "button", class: "danger" }, "Delete pod");

  logsBtn.addEventListener("click", async () => {
    logs.hidden = false;
    logs.textContent = "Loading…";
    try {
      const q = new URLSearchParams({ container: containerSel.value, tailLines: "500" });
      const res = await call("GET", kubePath(clusterId, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}/log?${q}`));
      const body = await res.text();
      logs.textContent = body || "(no output yet)";
      logs.scrollTop = logs.scrollHeight;
    } catch (e) {
      logs.textContent = "";
      status.say(errorText(e), true);
    }
  });
  termBtn.addEventListener("click", () => {
    term?.dispose();
    termHost.hidden = false;
    termHost.replaceChildren();
    term = openTerminal(termHost, clusterId, ns, name, containerSel.value, (m) => status.say(m));
  });
  delBtn.addEventListener("click", async () => {
    delBtn.disabled = true;
    try {
      await json("DELETE", kubePath(clusterId, `/api/v1/namespaces/${encodeURIComponent(ns)}/pods/${encodeURIComponent(name)}`));
      status.say(`Pod ${key} is being deleted.`);
    } catch (e) {
      status.say(errorText(e), true);
      delBtn.disabled = false;
    }
  });

  const render = (pod: Pod, evs: KEvent[]) => {
    const s = podStatus(pod);
    const decision = pod.metadata.annotations?.[DECISION_ANNOTATION];
    const scheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled");
    const owner = pod.metadata.ownerReferences?.find((o) => o.controller) ?? pod.metadata.ownerReferences?.[0];
    const dl = h(
      "dl",
      { class: "facts" },
      ...[
        ["Status", s.reason],
        ["Phase", pod.status?.phase ?? ""],
        ["Ready", s.ready],
        ["Restarts", String(s.restarts)],
        ["Node", pod.spec.nodeName ?? "(not scheduled)"],
        ["Pod IP", pod.status?.podIP ?? ""],
        ["Created", pod.metadata.creationTimestamp ? `${ago(pod.metadata.creationTimestamp)} ago` : ""],
        ["Controlled by", owner ? `${owner.kind}/${owner.name}` : ""],
      ].flatMap(([k, v]) => [h("dt", null, k), h("dd", null, v || "—")]),
    );
    const statuses = new Map([...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])].map((c) => [c.name, c]));
    const containers = [...(pod.spec.initContainers ?? []).map((c) => ({ c, init: true })), ...pod.spec.containers.map((c) => ({ c, init: false }))];
    info.replaceChildren();
    append(info, [
      dl,
      scheduled && scheduled.status !== "True" ? h("section", { class: "note warn" }, h("h3", null, "Waiting to be scheduled"), h("p", null, scheduled.message ?? scheduled.reason ?? "")) : null,
      decision ? h("section", null, h("h3", null, "Scheduler's decision"), h("pre", { class: "decision", tabindex: 0 }, decision)) : null,
      h("h3", null, "Containers"),
      h(
        "table",
        { class: "compact" },
        h("thead", null, h("tr", null, ["Name", "Image", "State", "Ready", "Restarts", "Requests"].map((x) => h("th", { scope: "col" }, x)))),
        h(
          "tbody",
          null,
          containers.map(({ c, init }) => {
            const st = statuses.get(c.name);
            const req = c.resources?.requests;
            return h(
              "tr",
              null,
              h("th", { scope: "row" }, c.name, init ? h("span", { class: "muted" }, " (init)") : null),
              h("td", null, c.image ?? ""),
              h("td", null, st ? stateText(st) : "—"),
              h("td", null, st ? (st.ready ? "yes" : "no") : "—"),
              h("td", { class: "num" }, String(st?.restartCount ?? 0)),
              h("td", null, req ? Object.entries(req).map(([k, v]) => `${k} ${v}`).join(", ") : "—"),
            );
          }),
        ),
      ),
      h("h3", null, "Conditions"),
      h("ul", { class: "conditions" }, (pod.status?.conditions ?? []).map((c) => h("li", null, h("strong", null, c.type), `: ${c.status}`, c.reason ? ` (${c.reason})` : "", c.message ? ` — ${c.message}` : ""))),
      h("h3", null, "Events"),
      evs.length ? h("ul", { class: "events compact" }, evs.slice(0, 20).map((e) => h("li", { class: e.type === "Warning" ? "warning" : "" }, h("span", { class: "muted" }, ago(evTime(e))), " ", h("strong", null, e.reason ?? ""), " ", e.message ?? ""))) : h("p", { class: "muted" }, "No events."),
    ]);
  };

  const m = modal(
    `Pod ${key}`,
    (body) => {
      body.append(
        h("div", { class: "toolbar" }, initial.spec.containers.length > 1 ? field("Container", containerSel) : null, logsBtn, termBtn, delBtn),
        status,
        logs,
        termHost,
        info,
      );
    },
    {
      wide: true,
      onClose: () => {
        term?.dispose();
        onClose();
      },
    },
  );
  render(initial, events);
  return {
    key,
    update(pod, evs) {
      if (!m.el.open) return;
      if (!pod) {
        if (!gone) status.say(`Pod ${key} was deleted.`);
        gone = true;
        delBtn.disabled = termBtn.disabled = true;
        return;
      }
      render(pod, evs);
      text(m.el.querySelector("h2")!, `Pod ${key}`);
    },
  };
}
