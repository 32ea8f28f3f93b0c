import { v1 } from "../api";
import { h } from "../dom";
import type { TemplateSummary } from "../types";

/** The tenant's templates, or none when the call is refused (a cluster token, an older server). */
export async function templates(): Promise<TemplateSummary[]> {
  try {
    return (await v1.get<{ templates: TemplateSummary[] }>("/templates")).templates;
  } catch {
    return [];
  }
}

export function templateSelect(list: TemplateSummary[], withNone: boolean): HTMLSelectElement {
  const sel = h("select", { name: "template" });
  fillTemplates(sel, list, withNone);
  return sel;
}

export function fillTemplates(sel: HTMLSelectElement, list: TemplateSummary[], withNone: boolean): void {
  const keep = sel.value;
  sel.replaceChildren();
  if (withNone) sel.append(h("option", { value: "" }, "(none)"));
  for (const t of list) sel.append(h("option", { value: t.name }, t.name));
  if (keep && list.some((t) => t.name === keep)) sel.value = keep;
}

export function pageHead(title: string, intro?: string): HTMLElement {
  return h("div", { class: "page-head" }, h("h1", null, title), intro ? h("p", { class: "intro" }, intro) : null);
}

/** A kubeconfig shown once, with copy and download. */
export function kubeconfigBox(name: string, yaml: string, note: string): HTMLElement {
  const copied = h("span", { role: "status", class: "muted" });
  const copy = h("button", {
    type: "button",
    onclick: async () => {
      try {
        await navigator.clipboard.writeText(yaml);
        copied.textContent = "Copied.";
      } catch {
        copied.textContent = "Copy failed: select the text and copy it.";
      }
    },
  }, "Copy kubeconfig");
  const download = h("button", {
    type: "button",
    onclick: () => {
      const url = URL.createObjectURL(new Blob([yaml], { type: "application/yaml" }));
      const a = h("a", { href: url, download: `${name}.kubeconfig` });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 1000);
    },
  }, "Download kubeconfig");
  return h(
    "section",
    { class: "card kubeconfig", "aria-label": `Kubeconfig for ${name}` },
    h("h2", null, `Kubeconfig for ${name}`),
    h("p", null, note),
    h("pre", { tabindex: 0, "aria-label": "Kubeconfig" }, yaml),
    h("div", { class: "actions" }, copy, download, copied),
  );
}
