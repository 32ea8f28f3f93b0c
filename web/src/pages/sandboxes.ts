import { v1, errorText } from "../api";
import { field, h, when } from "../dom";
import type { Sandbox } from "../types";
import { act, confirmDialog, statusLine, table } from "../ui";
import { fillTemplates, kubeconfigBox, pageHead, templateSelect, templates } from "./common";

export async function sandboxesPage(root: HTMLElement): Promise<void> {
  const status = statusLine();
  const holder = h("div", { class: "table-wrap" });
  const shown = h("div");
  const tpl = templateSelect([], false);
  tpl.required = true;
  const owner = h("input", { name: "owner", autocomplete: "off", placeholder: "e.g. ana@example.org" });
  const create = h("button", { type: "submit" }, "Create sandbox");
  const form = h("form", { class: "inline-form", "aria-label": "Create a sandbox" }, field("Template", tpl), field("Owner", owner), create);
  root.append(pageHead("Sandboxes", "A sandbox is a cluster from a template with its own token and kubeconfig, deleted when it expires."), form, status, shown, holder);

  const load = async () => {
    const { sandboxes } = await v1.get<{ sandboxes: Sandbox[] }>("/sandboxes");
    const rows = sandboxes.map((s) =>
      h(
        "tr",
        null,
        h("th", { scope: "row" }, h("code", null, s.id)),
        h("td", null, h("a", { href: `#/clusters/${encodeURIComponent(s.cluster)}` }, s.cluster)),
        h("td", null, s.template),
        h("td", null, s.owner ?? ""),
        h("td", null, s.class ? `${s.class}${s.seat ? ` / ${s.seat}` : ""}` : ""),
        h("td", null, when(s.expiresAt)),
        h(
          "td",
          { class: "row-actions" },
          h("button", { type: "button", class: "small", "aria-label": `Reset sandbox ${s.id}`, onclick: (ev: Event) => reset(s, ev.currentTarget as HTMLButtonElement) }, "Reset"),
          h("button", { type: "button", class: "danger small", "aria-label": `Delete sandbox ${s.id}`, onclick: (ev: Event) => remove(s, ev.currentTarget as HTMLButtonElement) }, "Delete"),
        ),
      ),
    );
    holder.replaceChildren(table("Sandboxes", ["ID", "Cluster", "Template", "Owner", "Class", "Expires", "Actions"], rows));
    if (!sandboxes.length) holder.append(h("p", { class: "muted" }, "No sandboxes yet."));
  };

  const reset = async (s: Sandbox, btn: HTMLButtonElement) => {
    if (!(await confirmDialog(`Reset sandbox ${s.id}?`, `Cluster ${s.cluster} goes back to template ${s.template}; changes made in it are lost.`, "Reset"))) return;
    await act(btn, status, async () => {
      const r = await v1.post<{ objects: number }>(`/sandboxes/${encodeURIComponent(s.id)}/reset`);
      return `Reset sandbox ${s.id} (${r.objects} objects).`;
    });
  };
  const remove = async (s: Sandbox, btn: HTMLButtonElement) => {
    if (!(await confirmDialog(`Delete sandbox ${s.id}?`, `Sandbox ${s.id}, its cluster ${s.cluster} and its token will be deleted.`))) return;
    await act(btn, status, async () => {
      await v1.del(`/sandboxes/${encodeURIComponent(s.id)}`);
      await load();
      return `Deleted sandbox ${s.id}.`;
    });
  };

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    await act(create, status, async () => {
      const body: Record<string, string> = { template: tpl.value };
      if (owner.value.trim()) body.owner = owner.value.trim();
      const made = await v1.post<Sandbox>("/sandboxes", body);
      shown.replaceChildren(kubeconfigBox(made.cluster, made.kubeconfig ?? "", "Shown once: copy or download it now. Its token can use this cluster only."));
      owner.value = "";
      await load();
      return `Created sandbox ${made.id} (cluster ${made.cluster}).`;
    });
  });

  const [tpls] = await Promise.all([templates(), load().catch((e) => status.say(errorText(e), true))]);
  fillTemplates(tpl, tpls, false);
}
