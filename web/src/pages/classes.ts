import { v1, errorText } from "../api";
import { field, h, when } from "../dom";
import type { ClassSummary } from "../types";
import { act, confirmDialog, statusLine, table } from "../ui";
import { fillTemplates, pageHead, templateSelect, templates } from "./common";

interface MadeClass {
  id: string;
  name: string;
  seats: { name: string; cluster: string; download: string }[];
}

export async function classesPage(root: HTMLElement): Promise<void> {
  const status = statusLine();
  const holder = h("div", { class: "table-wrap" });
  const shown = h("div");
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const tpl = templateSelect([], false);
  tpl.required = true;
  const seats = h("input", { name: "seats", type: "number", min: 1, max: 200, value: "3", required: true });
  const create = h("button", { type: "submit" }, "Create class");
  const form = h("form", { class: "inline-form", "aria-label": "Create a class" }, field("Class name", name), field("Template", tpl), field("Seats", seats), create);
  root.append(pageHead("Classes", "A class gives every seat a sandbox from one template, and shows each seat's progress on the template's tasks."), form, status, shown, holder);

  const load = async () => {
    const { classes } = await v1.get<{ classes: ClassSummary[] }>("/classes");
    const rows = classes.map((c) =>
      h(
        "tr",
        null,
        h("th", { scope: "row" }, h("a", { href: `#/classes/${encodeURIComponent(c.id)}` }, c.name)),
        h("td", null, c.template),
        h("td", null, String(c.seats)),
        h("td", null, c.role ?? ""),
        h("td", null, when(c.expiresAt)),
        h("td", null, h("button", { type: "button", class: "danger small", "aria-label": `Delete class ${c.name}`, onclick: (ev: Event) => remove(c, ev.currentTarget as HTMLButtonElement) }, "Delete")),
      ),
    );
    holder.replaceChildren(table("Classes", ["Name", "Template", "Seats", "Role", "Expires", "Actions"], rows));
    if (!classes.length) holder.append(h("p", { class: "muted" }, "No classes yet."));
  };

  const remove = async (c: ClassSummary, btn: HTMLButtonElement) => {
    if (!(await confirmDialog(`Delete class ${c.name}?`, `Every seat's sandbox in ${c.name} (${c.seats}) will be deleted.`))) return;
    await act(btn, status, async () => {
      await v1.del(`/classes/${encodeURIComponent(c.id)}`);
      await load();
      return `Deleted class ${c.name}.`;
    });
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    await act(create, status, async () => {
      const made = await v1.post<MadeClass>("/classes", { name: name.value.trim(), template: tpl.value, seats: Number(seats.value) });
      shown.replaceChildren(
        h(
          "section",
          { class: "card", "aria-label": `Seats of ${made.name}` },
          h("h2", null, `Seats of ${made.name}`),
          h("p", null, "Hand each student their link: it downloads their kubeconfig once. The list stays available to this token from the class's page."),
          h("ul", { class: "seat-links" }, made.seats.map((s) => h("li", null, h("strong", null, s.name), " ", h("a", { href: s.download }, s.download)))),
          h("p", null, h("a", { href: `#/classes/${encodeURIComponent(made.id)}` }, `Open ${made.name}'s progress`)),
        ),
      );
      name.value = "";
      await load();
      return `Created class ${made.name} with ${made.seats.length} seats.`;
    });
  });

  const [tpls] = await Promise.all([templates(), load().catch((e) => status.say(errorText(e), true))]);
  fillTemplates(tpl, tpls, false);
}
