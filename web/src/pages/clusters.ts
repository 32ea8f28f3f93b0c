import { v1, errorText } from "../api";
import { field, h, when } from "../dom";
import type { ClusterSummary } from "../types";
import { act, confirmDialog, statusLine, table } from "../ui";
import { fillTemplates, pageHead, templateSelect, templates } from "./common";

export async function clustersPage(root: HTMLElement): Promise<void> {
  const status = statusLine();
  const holder = h("div", { class: "table-wrap" });
  const name = h("input", { name: "name", required: true, autocomplete: "off", pattern: "[a-z0-9]([a-z0-9-]*[a-z0-9])?", maxlength: 40 });
  const tplSelect = templateSelect([], true);
  const create = h("button", { type: "submit" }, "Create cluster");
  const form = h(
    "form",
    { class: "inline-form", "aria-label": "Create a cluster" },
    field("Cluster name", name),
    field("Template", tplSelect),
    create,
  );
  root.append(pageHead("Clusters", "Each cluster is simulated in one Durable Object: it costs nothing while idle."), form, status, holder);

  const load = async () => {
    const { clusters } = await v1.get<{ clusters: ClusterSummary[] }>("/clusters");
    const rows = clusters.map((c) =>
      h(
        "tr",
        null,
        h("th", { scope: "row" }, h("a", { href: `#/clusters/${encodeURIComponent(c.name)}` }, c.name)),
        h("td", null, h("code", null, c.id)),
        h("td", null, when(c.createdAt)),
        h("td", null, h("button", { type: "button", class: "danger small", "aria-label": `Delete cluster ${c.name}`, onclick: (ev: Event) => remove(c.name, ev.currentTarget as HTMLButtonElement) }, "Delete")),
      ),
    );
    holder.replaceChildren(clusters.length ? table("Clusters", ["Name", "ID", "Created", "Actions"], rows) : h("div", null, table("Clusters", ["Name", "ID", "Created", "Actions"], []), h("p", { class: "muted" }, "No clusters yet: create one above.")));
  };

  const remove = async (cluster: string, btn: HTMLButtonElement) => {
    if (!(await confirmDialog(`Delete cluster ${cluster}?`, `Cluster ${cluster} and everything in it will be erased.`))) return;
    await act(btn, status, async () => {
      await v1.del(`/clusters/${encodeURIComponent(cluster)}`);
      await load();
      return `Deleted cluster ${cluster}.`;
    });
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    await act(create, status, async () => {
      const body: Record<string, string> = { name: name.value.trim() };
      if (tplSelect.value) body.template = tplSelect.value;
      const made = await v1.post<ClusterSummary>("/clusters", body);
      name.value = "";
      await load();
      return `Created cluster ${made.name}.`;
    });
  });

  const [tpls] = await Promise.all([templates(), load().catch((e) => status.say(errorText(e), true))]);
  fillTemplates(tplSelect, tpls, true);
}
