import { v1, errorText } from "../api";
import { field, h, when } from "../dom";
import type { ClusterSummary, TemplateSummary } from "../types";
import { act, confirmDialog, statusLine, table } from "../ui";
import { pageHead } from "./common";

export async function templatesPage(root: HTMLElement): Promise<void> {
  const status = statusLine();
  const holder = h("div", { class: "table-wrap" });
  const name = h("input", { name: "name", required: true, autocomplete: "off" });
  const description = h("input", { name: "description", autocomplete: "off" });
  const from = h("select", { name: "fromCluster", required: true });
  const create = h("button", { type: "submit" }, "Create template");
  const form = h("form", { class: "inline-form", "aria-label": "Capture a template" }, field("Template name", name), field("Description", description), field("From cluster", from), create);
  root.append(pageHead("Templates", "A template is a cluster's shape, the objects it starts with, its simulation settings and the tasks checked in it. Capture one from a live cluster."), form, status, holder);

  const load = async () => {
    const { templates } = await v1.get<{ templates: TemplateSummary[] }>("/templates");
    const rows = templates.map((t) =>
      h(
        "tr",
        null,
        h("th", { scope: "row" }, t.name),
        h("td", null, t.description ?? ""),
        h("td", null, t.nodes ? Object.entries(t.nodes).map(([r, n]) => `${n} ${r}`).join(", ") : ""),
        h("td", { class: "num" }, String(t.objects ?? "")),
        h("td", { class: "num" }, String(t.tasks ?? "")),
        h("td", null, t.builtIn ? "built-in" : when(t.createdAt)),
        h("td", null, t.builtIn ? "" : h("button", { type: "button", class: "danger small", "aria-label": `Delete template ${t.name}`, onclick: (ev: Event) => remove(t.name, ev.currentTarget as HTMLButtonElement) }, "Delete")),
      ),
    );
    holder.replaceChildren(table("Templates", ["Name", "Description", "Nodes", "Objects", "Tasks", "Made", "Actions"], rows));
  };
  const remove = async (t: string, btn: HTMLButtonElement) => {
    if (!(await confirmDialog(`Delete template ${t}?`, `Template ${t} will be deleted; clusters made from it stay.`))) return;
    await act(btn, status, async () => {
      await v1.del(`/templates/${encodeURIComponent(t)}`);
      await load();
      return `Deleted template ${t}.`;
    });
  };
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    await act(create, status, async () => {
      const body: Record<string, string> = { name: name.value.trim(), fromCluster: from.value };
      if (description.value.trim()) body.description = description.value.trim();
      await v1.post("/templates", body);
      name.value = description.value = "";
      await load();
      return `Captured template ${body.name} from cluster ${body.fromCluster}.`;
    });
  });
  await Promise.all([
    load().catch((e) => status.say(errorText(e), true)),
    v1
      .get<{ clusters: ClusterSummary[] }>("/clusters")
      .then(({ clusters }) => from.replaceChildren(...clusters.map((c) => h("option", { value: c.name }, c.name))))
      .catch(() => undefined),
  ]);
}
