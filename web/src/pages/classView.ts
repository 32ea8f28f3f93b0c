// A teacher's view of one class: seats × tasks, refreshed every 5 s with keyed cell updates (focus
// and scroll stay where they are).
import { v1, errorText } from "../api";
import { attr, h, text } from "../dom";
import type { ClassProgress } from "../types";
import { busy, statusLine } from "../ui";

const REFRESH_MS = 5000;

export async function classView(root: HTMLElement, id: string, signal: AbortSignal): Promise<void> {
  const heading = h("h1", null, "Class");
  const status = statusLine();
  const updated = h("p", { class: "muted" });
  const refresh = h("button", { type: "button" }, "Refresh progress");
  const holder = h("div", { class: "table-wrap" });
  root.append(h("p", null, h("a", { href: "#/classes" }, "← Classes")), heading, h("div", { class: "toolbar" }, refresh, updated), status, holder);

  let columns = "";
  let tbody: HTMLTableSectionElement | null = null;
  const rows = new Map<string, { tr: HTMLTableRowElement; cells: Map<string, HTMLTableCellElement>; done: HTMLTableCellElement }>();

  const cell = (td: HTMLTableCellElement, passed: boolean, why: string) => {
    attr(td, "data-passed", String(passed));
    td.className = passed ? "task done" : "task not-done";
    const label = passed ? "done" : "not done";
    if (td.dataset.label !== label) {
      td.dataset.label = label;
      // The icon is CSS generated content with empty alt text: the cell's text stays exactly "done"/"not done".
      td.textContent = label;
    }
    attr(td, "title", why || null);
  };

  const render = (p: ClassProgress) => {
    text(heading, p.name);
    document.title = `${p.name} — kubedo`;
    const key = p.tasks.map((t) => t.name + "\u0000" + t.title).join("\u0001");
    if (key !== columns || !tbody) {
      columns = key;
      rows.clear();
      tbody = h("tbody");
      holder.replaceChildren(
        h(
          "table",
          { class: "progress" },
          h("caption", null, "Progress"),
          h("thead", null, h("tr", null, h("th", { scope: "col" }, "Seat"), p.tasks.map((t) => h("th", { scope: "col" }, t.title)), h("th", { scope: "col" }, "Done"))),
          tbody,
        ),
      );
    }
    const seen = new Set<string>();
    for (const seat of p.seats) {
      seen.add(seat.name);
      let row = rows.get(seat.name);
      if (!row) {
        const tr = h("tr", { "data-seat": seat.name });
        const cells = new Map<string, HTMLTableCellElement>();
        tr.append(h("th", { scope: "row" }, h("span", { class: "seat-name" }, seat.name), " ", h("a", { href: `#/clusters/${encodeURIComponent(seat.cluster)}`, class: "small-link", "aria-label": `Open cluster`, title: `Open cluster ${seat.cluster}` }, "Open cluster")));
        for (const t of p.tasks) {
          const td = h("td");
          cells.set(t.name, td);
          tr.append(td);
        }
        const done = h("td", { class: "num" });
        tr.append(done);
        row = { tr, cells, done };
        rows.set(seat.name, row);
        tbody!.append(tr);
      }
      for (const t of p.tasks) {
        const r = seat.tasks.find((x) => x.name === t.name);
        const why = r ? r.checks.filter((c) => !c.passed).map((c) => `${c.title}: ${c.message}`).join("\n") : "";
        cell(row.cells.get(t.name)!, !!r?.passed, why);
      }
      text(row.done, `${seat.done}/${p.tasks.length}`);
    }
    for (const [name, row] of rows) if (!seen.has(name)) (row.tr.remove(), rows.delete(name));
    text(updated, `Updated ${new Date().toLocaleTimeString()}; refreshes every 5 s.`);
  };

  const load = async () => {
    try {
      render(await v1.get<ClassProgress>(`/classes/${encodeURIComponent(id)}/progress`));
      status.say("");
    } catch (e) {
      status.say(errorText(e), true);
    }
  };
  refresh.addEventListener("click", () => busy(refresh, load));
  const timer = setInterval(() => {
    if (!document.hidden) void load();
  }, REFRESH_MS);
  signal.addEventListener("abort", () => clearInterval(timer));
  await load();
}
