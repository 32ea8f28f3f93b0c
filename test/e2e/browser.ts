// A real browser for the dashboard's tests: Debian's chromium driven by playwright-core (which
// never downloads a browser of its own), headless, at the size the dashboard is made for.
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Locator, type Page } from "playwright-core";

/** Where the distribution's chromium lives; KUBEDO_CHROMIUM names another. */
const executablePath = process.env.KUBEDO_CHROMIUM ?? "/usr/bin/chromium";

/** Screenshots each step writes for a person to look at (gitignored). */
export const screenshotDir = path.resolve(import.meta.dirname, "screenshots");

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(executablePath)) throw new Error(`no chromium at ${executablePath}: install Debian's chromium (apt-get install chromium) or set KUBEDO_CHROMIUM`);
  return chromium.launch({ executablePath, headless: true });
}

export interface DashboardPage {
  page: Page;
  /** Writes test/e2e/screenshots/<nn>-<step>.png. */
  shot(step: string): Promise<void>;
  /** Uncaught errors the page threw so far (a broken dashboard shows here first). */
  errors: string[];
}

let shots = 0;

/**
 * A page at 1280×800 on the local service. The service speaks HTTPS with a CA made for the run,
 * which the browser does not know: certificate errors are ignored for this context alone.
 */
export async function openPage(browser: Browser, baseURL: string): Promise<DashboardPage> {
  const context = await browser.newContext({ baseURL, ignoreHTTPSErrors: true, viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(String(e.stack ?? e)));
  mkdirSync(screenshotDir, { recursive: true });
  return {
    page,
    errors,
    async shot(step: string) {
      const nn = String(++shots).padStart(2, "0");
      await page.screenshot({ path: path.join(screenshotDir, `${nn}-${step}.png`) });
    },
  };
}

/** Polls `read` until `accept` holds for its value; the last value is in the error otherwise. */
export async function until<T>(what: string, read: () => Promise<T>, accept: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  let lastError: unknown;
  for (;;) {
    try {
      last = await read();
      if (accept(last)) return last;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last seen: ${JSON.stringify(last)}${lastError ? ` (${String(lastError)})` : ""}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Whether the element has the keyboard focus. */
export function isFocused(l: Locator): Promise<boolean> {
  return l.evaluate((el) => el === document.activeElement);
}

/** Presses Tab until `target` has the focus (at most `max` times): proves it is reachable by keyboard. */
export async function tabTo(page: Page, target: Locator, max = 40): Promise<number> {
  for (let i = 1; i <= max; i++) {
    await page.keyboard.press("Tab");
    if (await isFocused(target)) return i;
  }
  const active = await page.evaluate(() => document.activeElement?.outerHTML.slice(0, 200));
  throw new Error(`${max} presses of Tab never reached the element; focus is on ${active}`);
}
