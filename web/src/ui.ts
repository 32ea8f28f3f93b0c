// Shared widgets: modal dialogs that return focus, a confirm dialog, alerts and status lines.
import { errorText } from "./api";
import { h, type Child } from "./dom";

export interface Modal {
  el: HTMLDialogElement;
  body: HTMLElement;
  close(): void;
}

/** A modal <dialog> (role dialog, Escape closes) that gives focus back to what opened it. */
export function modal(label: string, build: (body: HTMLElement, close: () => void) => void, opts: { wide?: boolean; onClose?: () => void } = {}): Modal {
  const opener = document.activeElement as HTMLElement | null;
  const body = h("div", { class: "dialog-body" });
  const el = h("dialog", { role: "dialog", "aria-modal": "true", "aria-label": label, class: opts.wide ? "wide" : "" });
  const close = () => {
    if (el.open) el.close();
  };
  const closeBtn = h("button", { type: "button", class: "icon close", "aria-label": "Close", onclick: close }, "×");
  el.append(h("header", { class: "dialog-head" }, h("h2", null, label), closeBtn), body);
  el.addEventListener("close", () => {
    opts.onClose?.();
    el.remove();
    if (opener && opener.isConnected) opener.focus();
  });
  document.body.append(el);
  build(body, close);
  el.showModal();
  return { el, body, close };
}

export function confirmDialog(title: string, message: string, action = "Delete"): Promise<boolean> {
  return new Promise((resolve) => {
    let answered = false;
    modal(
      title,
      (body, close) => {
        const yes = h("button", { type: "button", class: "danger", onclick: () => ((answered = true), close()) }, action);
        body.append(h("p", null, message), h("div", { class: "actions" }, yes, h("button", { type: "button", onclick: close }, "Cancel")));
        queueMicrotask(() => yes.focus());
      },
      { onClose: () => resolve(answered) },
    );
  });
}

export function alertBox(message: string): HTMLElement {
  return h("div", { role: "alert", class: "alert" }, message);
}

export type StatusLine = HTMLElement & { say(msg: string, error?: boolean): void };

/** A live region for outcomes ("created cluster x"): announced, not stealing focus. */
export function statusLine(): StatusLine {
  const el = h("div", { class: "status-line", role: "status", "aria-live": "polite" }) as unknown as StatusLine;
  el.say = (msg, error = false) => {
    el.textContent = "";
    if (!msg) return;
    el.append(error ? alertBox(msg) : h("span", null, msg));
  };
  return el;
}

export function table(caption: string, headers: string[], rows: Child[]): HTMLTableElement {
  return h(
    "table",
    null,
    h("caption", null, caption),
    h("thead", null, h("tr", null, headers.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", null, rows),
  );
}

export function busy<T>(btn: HTMLButtonElement, work: () => Promise<T>): Promise<T> {
  btn.disabled = true;
  btn.setAttribute("aria-busy", "true");
  return work().finally(() => {
    btn.disabled = false;
    btn.removeAttribute("aria-busy");
  });
}

/** A button's action: busy while it runs, then what it did (or the server's refusal) on the status line. */
export function act(btn: HTMLButtonElement, status: StatusLine, work: () => Promise<string>): Promise<void> {
  return busy(btn, async () => {
    try {
      status.say(await work());
    } catch (e) {
      status.say(errorText(e), true);
    }
  });
}
