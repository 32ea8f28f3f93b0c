// The dashboard's cluster view at scale and its class view, in real Chromium, with the API
// answered by the test (page.route): 100 nodes and 1,000 pods listed, then watch events that
// reschedule a pod and mark a node NotReady must show on the page; a class's progress table
// follows its refreshes. The pages themselves come from the local service as built.
import type { Browser, Page, Route } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchBrowser, openPage } from "./browser";
import { service } from "./helpers";

const NODES = 100;
const PODS = 1000;

function node(i: number, ready = true) {
  return {
    metadata: { name: `node-${i}`, resourceVersion: "1", labels: { "node-role.kubernetes.io/worker": "" } },
    spec: {},
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }], allocatable: { cpu: "4", memory: "8Gi", pods: "110" } },
  };
}
function pod(i: number, nodeName: string | null, rv = "1") {
  return {
    metadata: { name: `p-${i}`, namespace: i % 2 ? "a" : "b", resourceVersion: rv, uid: `u${i}` },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: "c", image: "nginx", resources: { requests: { cpu: "100m", memory: "64Mi" } } }] },
    status: nodeName
      ? { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "c", ready: true, restartCount: i % 7 === 0 ? 3 : 0, state: i % 50 === 0 ? { waiting: { reason: "CrashLoopBackOff" } } : { running: {} } }] }
      : { phase: "Pending", conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "0/100 nodes are available: 100 Insufficient cpu." }] },
  };
}

let browser: Browser;
let page: Page;
/** Watch events the next pods watch answers with (one batch per connection). */
const podEvents: string[] = [];
const nodeEvents: string[] = [];

async function kube(route: Route): Promise<void> {
  const url = new URL(route.request().url());
  const watch = url.searchParams.get("watch") === "1";
  const path = url.pathname.replace(/^\/k8s\/[^/]+/, "");
  const list = (items: unknown[]) => route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify({ metadata: { resourceVersion: "1" }, items }) });
  const stream = (events: string[]) => route.fulfill({ status: 200, contentType: "application/json", body: events.splice(0).join("") });
  if (path === "/api/v1/nodes") return watch ? stream(nodeEvents) : list(Array.from({ length: NODES }, (_, i) => node(i)));
  if (path === "/api/v1/pods") return watch ? stream(podEvents) : list(Array.from({ length: PODS }, (_, i) => pod(i, i === 0 ? null : `node-${i % NODES}`)));
  if (path === "/api/v1/namespaces") return watch ? stream([]) : list([{ metadata: { name: "a" } }, { metadata: { name: "b" } }]);
  return watch ? stream([]) : list([]);
}

beforeAll(async () => {
  browser = await launchBrowser();
  page = (await openPage(browser, service.url)).page;
  await page.route("**/v1/clusters/big", (r) => r.fulfill({ json: { id: "c-big", name: "big", server: "", createdAt: "", nodes: [], now: new Date().toISOString(), speed: 1, offsetSeconds: 0, alarm: null } }));
  await page.route("**/k8s/c-big/**", kube);
  await page.goto("/");
  await page.evaluate(() => sessionStorage.setItem("kubedo.token", "test-token"));
});

afterAll(async () => {
  await browser?.close();
});

describe("dashboard at scale", () => {
  it("draws 100 nodes and 1,000 pods, each pod in its node, the unscheduled one waiting with its reason", async () => {
    await page.goto("/#/clusters/big");
    const nodes = page.getByRole("region", { name: "Nodes" }).getByRole("article");
    await expect.poll(() => nodes.count(), { timeout: 20_000 }).toBe(NODES);
    await expect.poll(() => page.locator("button.pod").count()).toBe(PODS);
    const inNode = page.getByRole("article", { name: "Node node-7", exact: true }).getByRole("button", { name: "Pod a/p-7", exact: true });
    expect(await inNode.getAttribute("data-node")).toBe("node-7");
    expect(await inNode.textContent()).toContain("↻3");
    expect(await page.getByRole("button", { name: "Pod b/p-50", exact: true }).getAttribute("data-status")).toBe("CrashLoopBackOff");
    const pending = page.getByRole("region", { name: "Pending pods" }).getByRole("button", { name: "Pod b/p-0", exact: true });
    expect(await pending.textContent()).toContain("Insufficient cpu");
    expect(await page.getByRole("article", { name: "Node node-7", exact: true }).textContent()).toContain("pods 10 / 110");
  });

  it("moves a rescheduled pod to its new node and shows a node going NotReady, from watch events", async () => {
    podEvents.push(JSON.stringify({ type: "MODIFIED", object: pod(7, "node-8", "2") }) + "\n");
    nodeEvents.push(JSON.stringify({ type: "MODIFIED", object: { ...node(3, false), metadata: { ...node(3).metadata, resourceVersion: "2" } } }) + "\n");
    const moved = page.getByRole("article", { name: "Node node-8", exact: true }).getByRole("button", { name: "Pod a/p-7", exact: true });
    await expect.poll(() => moved.count(), { timeout: 20_000 }).toBe(1);
    await expect.poll(() => page.getByRole("article", { name: "Node node-3", exact: true }).getAttribute("data-ready"), { timeout: 20_000 }).toBe("false");
    expect(await page.getByRole("article", { name: "Node node-7", exact: true }).getByRole("button", { name: "Pod a/p-7", exact: true }).count()).toBe(0);
  });

  it("filters by namespace", async () => {
    await page.getByLabel("Namespace").selectOption("a");
    await expect.poll(() => page.locator("button.pod:visible").count()).toBe(PODS / 2);
  });
});

describe("class view", () => {
  it("shows done / not done per seat and task, and follows a refresh", async () => {
    let passed = false;
    await page.route("**/v1/classes/cls-1/progress", (r) =>
      r.fulfill({
        json: {
          id: "cls-1",
          name: "Networking 101",
          template: "nginx-nodeport",
          tasks: [{ name: "deploy", title: "Deploy web" }],
          seats: [{ name: "ana", cluster: "seat-ana", done: passed ? 1 : 0, tasks: [{ name: "deploy", title: "Deploy web", passed, checks: [] }] }],
        },
      }),
    );
    await page.goto("/#/classes/cls-1");
    await expect.poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("Networking 101");
    const table = page.getByRole("table", { name: "Progress" });
    const cell = table.getByRole("row", { name: /ana/ }).getByRole("cell").first();
    expect(await cell.textContent()).toBe("not done");
    expect(await cell.getAttribute("data-passed")).toBe("false");
    expect(await table.getByRole("columnheader", { name: "Deploy web" }).count()).toBe(1);
    expect(await table.getByRole("link", { name: "Open cluster" }).getAttribute("href")).toBe("#/clusters/seat-ana");
    passed = true;
    await page.getByRole("button", { name: "Refresh progress" }).click();
    await expect.poll(() => cell.textContent()).toBe("done");
    expect(await cell.getAttribute("data-passed")).toBe("true");
  });
});
