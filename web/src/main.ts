// The dashboard: sign in with a token, then hash routes for the lists, a class's progress and the
// live view of a cluster.
import "@xterm/xterm/css/xterm.css";
import "./style.css";
import { ApiError, errorText, setToken, token, v1 } from "./api";
import { clusterView } from "./cluster/view";
import { h } from "./dom";
import { classesPage } from "./pages/classes";
import { classView } from "./pages/classView";
import { clustersPage } from "./pages/clusters";
import { sandboxesPage } from "./pages/sandboxes";
import { templatesPage } from "./pages/templates";

const app = document.getElementById("app")!;
const about = document.getElementById("about");
let current: AbortController | null = null;

const NAV = [
  ["Clusters", "#/clusters"],
  ["Sandboxes", "#/sandboxes"],
  ["Classes", "#/classes"],
  ["Templates", "#/templates"],
] as const;

function signedOut(message?: string): void {
  current?.abort();
  document.title = "kubedo — Kubernetes sandboxes in milliseconds";
  if (about) about.hidden = false;
  const input = h("input", { type: "password", name: "token", autocomplete: "current-password", required: true, spellcheck: false });
  input.id = "token";
  const alert = h("div");
  const button = h("button", { type: "submit", class: "primary" }, "Sign in");
  const form = h(
    "form",
    { class: "card signin", "aria-label": "Sign in" },
    h("h2", null, "Sign in to the dashboard"),
    h("p", { class: "muted" }, "Paste a kubedo token: a tenant's, or a sandbox's. It is kept in this tab's session storage only."),
    h("div", { class: "field" }, h("label", { for: "token" }, "Token"), input),
    button,
    alert,
  );
  if (message) alert.append(h("div", { role: "alert", class: "alert" }, message));
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    alert.replaceChildren();
    button.disabled = true;
    setToken(input.value.trim());
    try {
      await v1.get("/clusters");
      if (!location.hash || location.hash === "#" || location.hash === "#/") location.hash = "#/clusters";
      route();
    } catch (e) {
      setToken(null);
      alert.append(h("div", { role: "alert", class: "alert" }, e instanceof ApiError ? e.message : `Could not reach the service: ${errorText(e)}`));
    } finally {
      button.disabled = false;
    }
  });
  app.replaceChildren(form);
  input.focus();
}

function shell(active: string): HTMLElement {
  const main = h("main", { id: "main", tabindex: -1 });
  const signOut = h("button", { type: "button", class: "link-button" }, "Sign out");
  signOut.addEventListener("click", () => {
    setToken(null);
    history.replaceState(null, "", location.pathname);
    signedOut();
  });
  const nav = h(
    "nav",
    { "aria-label": "Main" },
    h("ul", null, NAV.map(([label, href]) => h("li", null, h("a", { href, "aria-current": active === href ? "page" : null }, label)))),
  );
  app.replaceChildren(h("header", { class: "topbar" }, h("a", { class: "brand", href: "#/clusters" }, "kubedo"), nav, signOut), main);
  return main;
}

function route(): void {
  if (!token()) return signedOut();
  if (about) about.hidden = true;
  current?.abort();
  current = new AbortController();
  const signal = current.signal;
  const hash = location.hash || "#/clusters";
  const parts = hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  const section = `#/${parts[0] || "clusters"}`;
  const main = shell(section);
  document.title = "kubedo";
  const done = (p: Promise<void>) =>
    p.catch((e) => {
      if (e instanceof ApiError && e.status === 401) return signedOut(e.message);
      main.append(h("div", { role: "alert", class: "alert" }, errorText(e)));
    });
  switch (parts[0] || "clusters") {
    case "clusters":
      if (parts[1]) {
        main.classList.add("wide");
        done(clusterView(main, parts[1], signal));
      } else done(clustersPage(main));
      break;
    case "sandboxes":
      done(sandboxesPage(main));
      break;
    case "classes":
      done(parts[1] ? classView(main, parts[1], signal) : classesPage(main));
      break;
    case "templates":
      done(templatesPage(main));
      break;
    default:
      main.append(h("h1", null, "Not found"), h("p", null, h("a", { href: "#/clusters" }, "Go to the clusters")));
  }
}

window.addEventListener("hashchange", route);
route();
