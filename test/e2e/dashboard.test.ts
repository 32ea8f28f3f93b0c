// The dashboard in a real browser (Debian's chromium through playwright-core), found the way a
// person or a screen reader finds it: by role, label and accessible name, as the dashboard's
// contract names them. Every step leaves a screenshot in test/e2e/screenshots/ (gitignored).
// What the page shows is checked against kubectl where both can say it.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Browser, Locator, Page } from "playwright-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { isFocused, launchBrowser, openPage, tabTo, until, type DashboardPage } from "./browser";
import { getJson, kubectl, manage, newCluster, request, service, simulate, type TestCluster } from "./helpers";

const KIND_CONFIG = { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }, { role: "worker" }, { role: "worker" }] };
/** What the page may take to show a change that already happened (live watches, the 5 s refresh). */
const SHOWN = 20_000;

let browser: Browser;
let d: DashboardPage;
let page: Page;
let c: TestCluster;
let workers: string[];
let controlPlane: string;

beforeAll(async () => {
  browser = await launchBrowser();
  d = await openPage(browser, service.url);
  page = d.page;
  c = await newCluster("dash", KIND_CONFIG);
  await simulate(c, { profile: "instant" });
  const nodes = await getJson(c, ["nodes"]);
  // any: a Node as kubectl prints it
  const names = (role: string) => nodes.items.filter((n: any) => (role in n.metadata.labels) === (role === "node-role.kubernetes.io/control-plane")).map((n: any) => n.metadata.name as string);
  controlPlane = names("node-role.kubernetes.io/control-plane")[0];
  workers = nodes.items.map((n: { metadata: { name: string } }) => n.metadata.name).filter((n: string) => n !== controlPlane).sort();
  expect(workers).toHaveLength(2);
});

// A failing step leaves a picture of what the page showed then.
beforeEach(({ onTestFailed, task }) => {
  onTestFailed(async () => {
    await d?.shot(`failed-${task.name.toLowerCase().replace(/[^a-z0-9]+/g, "-").slice(0, 40)}`).catch(() => undefined);
  });
});

afterAll(async () => {
  if (d?.errors.length) console.warn(`the page threw:\n${d.errors.join("\n")}`);
  await browser?.close();
});

function deployment(name: string, replicas: number): string {
  return stringify({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name, namespace: "default" },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "nginx", image: "nginx:1.27", ports: [{ containerPort: 80 }] }] } },
    },
  });
}

const nodeBox = (name: string): Locator => page.getByRole("region", { name: "Nodes" }).locator(`article[aria-label="Node ${name}"]`);
const podsOf = (app: string): Locator => page.locator(`button[aria-label^="Pod default/${app}-"]`);

/** Each pod button of an app as the page shows it. */
async function shownPods(app: string): Promise<{ name: string; phase: string | null; node: string | null; text: string; inWorkerBox: boolean }[]> {
  const out = [];
  for (const pod of await podsOf(app).all()) {
    const label = (await pod.getAttribute("aria-label"))!;
    const node = await pod.getAttribute("data-node");
    const box = await pod.evaluate((el) => el.closest("article")?.getAttribute("aria-label") ?? null);
    out.push({
      name: label.replace("Pod default/", ""),
      phase: await pod.getAttribute("data-phase"),
      node,
      text: ((await pod.innerText()) + " " + ((await pod.getAttribute("title")) ?? "")).trim(),
      inWorkerBox: node !== null && workers.includes(node) && box === `Node ${node}`,
    });
  }
  return out;
}

/** Opens the Apply YAML dialog, applies `yaml` and returns the dialog. */
async function applyYaml(yaml: string): Promise<Locator> {
  await page.getByRole("button", { name: "Apply YAML" }).click();
  const dialog = page.getByRole("dialog", { name: "Apply YAML" });
  await dialog.waitFor();
  await dialog.getByLabel("YAML").fill(yaml);
  await dialog.getByRole("button", { name: "Apply", exact: true }).click();
  return dialog;
}

/** Closes whatever dialog a failed step before left open, so one failure does not hide the next step's result. */
async function closeDialogs(): Promise<void> {
  for (const dialog of await page.getByRole("dialog").all()) if (await dialog.isVisible()) await dialog.getByRole("button", { name: "Close" }).click();
}

/** The text of the terminal's screen (xterm's DOM rows, or its accessibility tree). */
function terminalText(): Promise<string> {
  return page.evaluate(() => {
    const rows = document.querySelector(".xterm-rows") ?? document.querySelector(".xterm-accessibility-tree");
    return rows?.textContent ?? "";
  });
}

describe("the dashboard in chromium", () => {
  it("refuses a bad token with the server's message in an alert, then signs in by keyboard alone", async () => {
    await page.goto("/");
    const token = page.getByLabel("Token");
    await token.waitFor();
    expect(await token.getAttribute("type")).toBe("password");
    await token.fill("kdo_not-a-real-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor({ timeout: SHOWN });
    const message = (await alert.innerText()).trim();
    // The server's own words for a token it does not know.
    const server = await request("GET", "/v1/clusters", { token: "kdo_not-a-real-token" });
    expect(server.status).toBe(401);
    expect(message).toContain(server.json.error.message);
    expect(await page.getByRole("button", { name: "Sign out" }).count()).toBe(0);
    await d.shot("sign-in-refused");

    // Keyboard only: Tab to the field, type, Tab to the button, Enter.
    await page.reload();
    await token.waitFor();
    await tabTo(page, token);
    await page.keyboard.type(service.tenantToken);
    const signIn = page.getByRole("button", { name: "Sign in" });
    await tabTo(page, signIn, 5);
    await page.keyboard.press("Enter");
    await page.getByRole("button", { name: "Sign out" }).waitFor({ timeout: SHOWN });
    const nav = page.getByRole("navigation");
    for (const link of ["Clusters", "Sandboxes", "Classes", "Templates"]) await nav.getByRole("link", { name: link, exact: true }).waitFor();
    // The token is kept for the tab's session, never in the address.
    expect(page.url()).not.toContain(service.tenantToken);
    expect(await page.evaluate(() => sessionStorage.getItem("kubedo.token"))).toBe(service.tenantToken);
    await d.shot("signed-in");
  });

  it("opens a cluster from the clusters table and shows its three nodes Ready", async () => {
    await page.getByRole("navigation").getByRole("link", { name: "Clusters", exact: true }).click();
    const table = page.getByRole("table", { name: "Clusters" });
    await table.waitFor({ timeout: SHOWN });
    await table.getByRole("link", { name: c.name, exact: true }).click();
    await page.getByRole("heading", { level: 1, name: c.name, exact: true }).waitFor({ timeout: SHOWN });
    expect(page.url()).toContain(`#/clusters/${c.name}`);
    for (const name of [controlPlane, ...workers]) {
      const box = nodeBox(name);
      await page.locator(`article[aria-label="Node ${name}"][data-ready="true"]`).waitFor({ timeout: SHOWN });
      const text = await box.innerText();
      expect(text).toContain(name);
      expect(text).toMatch(/\bReady\b/);
      expect(text).not.toContain("NotReady");
    }
    expect(await page.getByRole("region", { name: "Nodes" }).locator("article").count()).toBe(3);
    await d.shot("cluster-nodes");
  });

  it("applies a Deployment through the Apply YAML dialog and shows its pods Running inside the worker nodes", async () => {
    const dialog = await applyYaml(deployment("web", 3));
    await dialog.getByText(/created/).waitFor({ timeout: SHOWN });
    expect(await dialog.innerText()).toMatch(/web/);
    await d.shot("apply-created");
    // Escape closes the dialog and gives the focus back to what opened it.
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
    expect(await isFocused(page.getByRole("button", { name: "Apply YAML" }))).toBe(true);

    const pods = await until(
      "three Running web pods inside worker node boxes",
      () => shownPods("web"),
      (ps) => ps.length === 3 && ps.every((p) => p.phase === "Running" && p.inWorkerBox && /Running/.test(p.text)),
      SHOWN,
    );
    // The same pods kubectl sees, on the same nodes.
    const listed = await getJson(c, ["pods", "-l", "app=web"]);
    // any: a Pod as kubectl prints it
    const fromKubectl = listed.items.map((p: any) => `${p.metadata.name}@${p.spec.nodeName}`).sort();
    expect(pods.map((p) => `${p.name}@${p.node}`).sort()).toEqual(fromKubectl);
    await d.shot("pods-running");
  });

  it("shows the API's Invalid error at spec.replicas for replicas: -1, and creates nothing", async () => {
    await closeDialogs();
    const dialog = await applyYaml(deployment("bad", -1));
    const alert = dialog.getByRole("alert");
    await alert.waitFor({ timeout: SHOWN });
    const text = await alert.innerText();
    expect(text).toContain("spec.replicas");
    expect(text).toMatch(/Invalid value: -1/);
    await d.shot("apply-invalid");
    const r = await kubectl(c, ["get", "deployment", "bad"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("NotFound");
    await page.keyboard.press("Escape");
    await dialog.waitFor({ state: "hidden" });
  });

  it("opens a pod's terminal and runs a command in its shell", async () => {
    await closeDialogs();
    const pod = podsOf("web").first();
    const label = (await pod.getAttribute("aria-label"))!;
    await pod.click();
    const details = page.getByRole("dialog", { name: label });
    await details.waitFor({ timeout: SHOWN });
    await d.shot("pod-details");
    await details.getByRole("button", { name: "Terminal" }).click();
    const xterm = page.locator(".xterm");
    await xterm.waitFor({ timeout: SHOWN });
    // The shell's prompt first: typing before the session is open would be lost.
    await until("the shell's prompt", terminalText, (t) => /[#$]\s*$/.test(t.trim()) || /[#$] /.test(t), SHOWN);
    await xterm.click();
    await page.keyboard.type("echo hello-$((6*7))");
    await page.keyboard.press("Enter");
    const screen = await until("hello-42 on the terminal", terminalText, (t) => t.includes("hello-42"), SHOWN);
    expect(screen).toContain("echo hello-$((6*7))");
    await d.shot("terminal");
    // Escape belongs to the shell while the terminal has the focus: the dialog's Close button ends it.
    await details.getByRole("button", { name: "Close" }).click();
    await details.waitFor({ state: "hidden" });
    expect(await isFocused(page.locator(`button[aria-label="${label}"]`))).toBe(true);
  });

  it("stops a worker and shows it NotReady after the cluster's clock moves on", async () => {
    const node = workers[1];
    await closeDialogs();
    await page.getByRole("button", { name: `Stop node ${node}`, exact: true }).click();
    await page.getByRole("button", { name: `Start node ${node}`, exact: true }).waitFor({ timeout: SHOWN });
    // any: the cluster summary as the management API answers it
    const info = async (): Promise<any> => (await manage("GET", c, "")).json;
    await until("the node's machine to be stopped", info, (i) => i.nodes.some((n: { name: string; running: boolean }) => n.name === node && !n.running));
    const seconds = page.getByLabel("Advance clock by (seconds)");
    const advanceButton = page.getByRole("button", { name: "Advance clock", exact: true });
    // Past the node monitor's grace period, then past the taint eviction's.
    const before = (await info()).offsetSeconds as number;
    let moved = 0;
    for (const s of [60, 300]) {
      await seconds.fill(String(s));
      await advanceButton.click();
      moved += s;
      await until(`the clock to be ${moved} s ahead`, info, (i) => i.offsetSeconds >= before + moved);
    }
    await d.shot("clock-advanced");
    await page.locator(`article[aria-label="Node ${node}"][data-ready="false"]`).waitFor({ timeout: SHOWN });
    expect(await nodeBox(node).innerText()).toContain("NotReady");
    // kubectl agrees: the node controller marked its Ready condition Unknown.
    const ready = (await getJson(c, ["node", node])).status.conditions.find((x: { type: string }) => x.type === "Ready");
    expect(ready.status).toBe("Unknown");
    // The other worker still is Ready.
    expect(await nodeBox(workers[0]).getAttribute("data-ready")).toBe("true");
    await nodeBox(node).scrollIntoViewIfNeeded();
    await d.shot("node-not-ready");
  });
});

describe("a class's progress in chromium", () => {
  const suffix = `${process.pid % 10000}`;
  const template = `dash-hello-${suffix}`;
  let classId: string | undefined;

  afterAll(async () => {
    if (classId) await request("DELETE", `/v1/classes/${classId}`, { token: service.tenantToken });
    await request("DELETE", `/v1/templates/${template}`, { token: service.tenantToken });
  });

  it("turns a seat's task from not done to done once that seat's kubectl did it", async () => {
    const made = await request("POST", "/v1/templates", {
      token: service.tenantToken,
      body: {
        name: template,
        description: "one small task for the dashboard's test",
        config: { kind: "Cluster", apiVersion: "kind.x-k8s.io/v1alpha4", nodes: [{ role: "control-plane" }] },
        simulation: { profile: "instant" },
        tasks: [{ name: "hello", title: "ConfigMap hello exists in default", checks: [{ type: "exists", object: { kind: "ConfigMap", namespace: "default", name: "hello" } }] }],
      },
    });
    expect(made.status, made.text).toBe(201);
    const cls = await request("POST", "/v1/classes", { token: service.tenantToken, body: { name: `dash-class-${suffix}`, template, seats: 3 } });
    expect(cls.status, cls.text).toBe(201);
    classId = cls.json.id;
    const seat = cls.json.seats[1] as { name: string; kubeconfig: string };

    await page.getByRole("navigation").getByRole("link", { name: "Classes", exact: true }).click();
    const classes = page.getByRole("table", { name: "Classes" });
    await classes.waitFor({ timeout: SHOWN });
    await classes.getByRole("link", { name: `dash-class-${suffix}`, exact: true }).click();
    await page.getByRole("heading", { name: `dash-class-${suffix}`, exact: true }).waitFor({ timeout: SHOWN });
    const progress = page.getByRole("table", { name: "Progress" });
    await progress.getByRole("columnheader", { name: "ConfigMap hello exists in default" }).waitFor({ timeout: SHOWN });
    const cell = (seatName: string) => progress.getByRole("row").filter({ has: page.getByRole("rowheader", { name: seatName }) }).locator("[data-passed]");
    for (const s of cls.json.seats as { name: string }[]) {
      await cell(s.name).waitFor({ timeout: SHOWN });
      expect(await cell(s.name).getAttribute("data-passed")).toBe("false");
      expect(await cell(s.name).innerText()).toMatch(/\bnot done\b/);
    }
    await d.shot("class-not-done");

    // The learner does the task with the seat's own kubeconfig.
    const file = path.join(mkdtempSync(path.join(tmpdir(), "kubedo-seat-")), "kubeconfig");
    writeFileSync(file, seat.kubeconfig);
    const made2 = await kubectl(file, ["create", "configmap", "hello", "-n", "default", "--from-literal=greeting=hi"]);
    expect(made2.code, made2.stderr).toBe(0);

    await page.getByRole("button", { name: "Refresh progress" }).click();
    await until(`${seat.name}'s task shown done`, () => cell(seat.name).getAttribute("data-passed"), (v) => v === "true", SHOWN);
    const doneText = await cell(seat.name).innerText();
    expect(doneText).toMatch(/\bdone\b/);
    expect(doneText).not.toMatch(/not done/);
    // The other seats did nothing.
    for (const s of cls.json.seats as { name: string }[]) if (s.name !== seat.name) expect(await cell(s.name).getAttribute("data-passed")).toBe("false");
    await d.shot("class-done");
  });
});
