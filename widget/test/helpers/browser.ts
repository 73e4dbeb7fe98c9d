import { encodePng } from "../../../server/src/shared/png.js";
import { browserAvailability } from "../../../scripts/test/services.js";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from "playwright-core";

// ---------------------------------------------------------------------------------------------
// The browser: the system Chromium, never a downloaded one.
// ---------------------------------------------------------------------------------------------

const browser = browserAvailability();

/** CHROMIUM_PATH, else the usual Debian/Ubuntu/macOS places or a Playwright-installed browser. */
export const CHROMIUM_PATH = browser.ok ? browser.url : undefined;

/**
 * `skip` for every suite that drives the browser: the run's reason (scripts/test/run.ts), or
 * ours when this file runs on its own on a machine without Chromium.
 */
export const BROWSER_SKIP: string | false = process.env["PARLEY_TEST_SKIP_BROWSER"] || (browser.ok ? false : `Chromium unavailable: ${browser.reason}`);

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH ?? "chromium",
    headless: true,
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}

// ---------------------------------------------------------------------------------------------
// A host site: a plain "existing website" that embeds Parley with one script tag.
// ---------------------------------------------------------------------------------------------

export interface EmbedOptions {
  parleyUrl: string;
  appId: string;
  /** A host-signed token (data-token). */
  token?: string;
  theme?: "light" | "dark" | "auto";
  title?: string;
}

const attr = (s: string): string => s.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");

/** The HTML of a host page: some ordinary content and the embed script tag. */
export function hostPageHtml(o: EmbedOptions): string {
  const extra = [o.token ? ` data-token="${attr(o.token)}"` : "", o.theme ? ` data-theme="${attr(o.theme)}"` : ""].join("");
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${attr(o.title ?? "Acme Store")}</title>
<style>body{font-family:sans-serif;margin:0;padding:24px;background:#f4f4f4}main{max-width:640px}</style></head>
<body>
<main>
  <h1>Acme Store</h1>
  <p>Welcome to an ordinary website. <a href="#products">Products</a> · <a href="#about">About</a></p>
  <p>Lorem ipsum dolor sit amet, consectetur adipiscing elit.</p>
</main>
<script src="${attr(o.parleyUrl)}/widget.js" data-app-id="${attr(o.appId)}"${extra} async></script>
</body>
</html>`;
}

export interface HostSite {
  /** `http://127.0.0.1:<port>`: put this in the app's allowedOrigins. */
  origin: string;
  /** Serves `html` at `path` (as JavaScript where the path ends in `.js`: a host's service worker) and returns the page's full URL. */
  page(path: string, html: string): string;
  close(): Promise<void>;
}

/** A tiny node:http server on 127.0.0.1:0 serving the HTML pages it is given. */
export async function startHostSite(): Promise<HostSite> {
  const pages = new Map<string, string>();
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const html = pages.get(path);
    if (html === undefined) {
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    const type = path.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8";
    res.writeHead(200, { "Content-Type": type, "Cache-Control": "no-store" }).end(html);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    page(path, html) {
      pages.set(path, html);
      return origin + path;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Waiting: expect-style polling with a timeout and a readable failure.
// ---------------------------------------------------------------------------------------------

/** Polls `fn` until it returns without throwing (and, when given, `check` holds); returns its value. */
export async function eventually<T>(
  fn: () => Promise<T> | T,
  opts: { timeout?: number; interval?: number; message?: string; check?: (v: T) => boolean } = {},
): Promise<T> {
  const timeout = opts.timeout ?? 10_000;
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (!opts.check || opts.check(v)) return v;
      last = new Error(`condition not met; last value: ${JSON.stringify(v)}`);
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) {
      const why = last instanceof Error ? last.message : String(last);
      throw new Error(`${opts.message ?? "timed out"} (after ${timeout} ms): ${why}`);
    }
    await new Promise((r) => setTimeout(r, opts.interval ?? 100));
  }
}

/** Waits until a locator's text equals (or matches) what is expected. */
export async function expectText(loc: Locator, expected: string | RegExp, timeout = 10_000): Promise<string> {
  return eventually(
    async () => {
      const t = (await loc.textContent({ timeout: 500 }))?.trim() ?? "";
      if (typeof expected === "string" ? t !== expected : !expected.test(t)) throw new Error(`text is ${JSON.stringify(t)}, want ${String(expected)}`);
      return t;
    },
    { timeout, message: `expectText ${String(expected)}` },
  );
}

/** Waits until a locator matches exactly `n` elements. */
export async function expectCount(loc: Locator, n: number, timeout = 10_000): Promise<void> {
  await eventually(
    async () => {
      const c = await loc.count();
      if (c !== n) throw new Error(`count is ${c}, want ${n}`);
    },
    { timeout, message: "expectCount" },
  );
}

// ---------------------------------------------------------------------------------------------
// Driving the widget.
// ---------------------------------------------------------------------------------------------

/** A page in its own context (own storage = own user), failing loudly on any dialog. */
export async function openHostPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page; dialogs: string[]; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const errors: string[] = [];
  page.on("dialog", (d) => {
    dialogs.push(`${d.type()}: ${d.message()}`);
    void d.dismiss().catch(() => undefined);
  });
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(url);
  await page.locator("[part=launcher]").waitFor({ state: "visible", timeout: 15_000 });
  return { context, page, dialogs, errors };
}

export async function openPanel(page: Page): Promise<void> {
  if (!(await page.locator("[part=panel]").isVisible())) await page.locator("[part=launcher]").click();
  await page.locator("[part=panel]").waitFor({ state: "visible" });
}

/**
 * Opens the panel on conversation `id`: a reload reopens the conversation the tab had open (it may
 * be this one already); another one goes back to the list first, then the row is clicked.
 */
export async function openConversation(page: Page, id: string): Promise<void> {
  await openPanel(page);
  const row = page.locator(`[part=conversation][data-id="${id}"]`);
  const input = page.locator("[part=composer-input]");
  await row.or(input).first().waitFor({ state: "visible", timeout: 15_000 });
  if (await input.isVisible()) {
    if ((await activeConversation(page)) === id) return;
    await page.locator("[part=back]").click();
  }
  await row.click({ timeout: 15_000 });
  await input.waitFor({ state: "visible" });
}

/** The id of the conversation the page's <parley-chat> shows ("" for none), found through shadow roots. */
export const activeConversation = (page: Page): Promise<string> =>
  // (A string: tsx would wrap a named inner function in a helper the page does not have.)
  page.evaluate(`(() => {
    const find = (root) => {
      const hit = root.querySelector("parley-chat");
      if (hit) return hit;
      for (const el of root.querySelectorAll("*")) {
        const inner = el.shadowRoot && find(el.shadowRoot);
        if (inner) return inner;
      }
      return null;
    };
    const chat = find(document);
    return chat?.view === "thread" ? (chat.activeId ?? "") : "";
  })()`);

/** Registers through the widget's sign-in form (toggle to "create account"). */
export async function registerViaForm(page: Page, u: { displayName: string; email: string; password: string }): Promise<void> {
  await openPanel(page);
  const signin = page.locator("parley-signin");
  await signin.locator("[part=signin-toggle]").click();
  await signin.locator("input[name=displayName]").fill(u.displayName);
  await signin.locator("input[name=email]").fill(u.email);
  await signin.locator("input[name=password]").fill(u.password);
  await signin.locator("[part=signin-submit]").click();
  await page.locator("[part=new-chat]").waitFor({ state: "visible", timeout: 15_000 });
}

/** Signs in through the widget's sign-in form. */
export async function loginViaForm(page: Page, u: { email: string; password: string }): Promise<void> {
  await openPanel(page);
  const signin = page.locator("parley-signin");
  await signin.locator("input[name=email]").fill(u.email);
  await signin.locator("input[name=password]").fill(u.password);
  await signin.locator("[part=signin-submit]").click();
  await page.locator("[part=new-chat]").waitFor({ state: "visible", timeout: 15_000 });
}

/** The message element whose text contains `text`. */
export const messageWithText = (page: Page, text: string): Locator =>
  page.locator("[part=message]").filter({ has: page.locator("[part=message-text]", { hasText: text }) });

/** The toolbar's own actions; the others are in its More (⋯) menu. */
const TOOLBAR_ACTIONS = ["action-react", "action-react-more", "action-reply", "action-more"];

/**
 * Shows a message's toolbar by pointer. The toolbar is the active message's, and the active
 * message is the one under the pointer: when the list moves under a still pointer (history drawn
 * above, the thread scrolled to its end, slow on two busy cores) another message becomes active
 * and the toolbar goes away. So the message is hovered again until its toolbar is shown.
 */
export async function showMessageToolbar(msg: Locator, timeout = 30_000): Promise<void> {
  await eventually(
    async () => {
      await msg.hover({ timeout: 2_000 });
      await msg.locator("[part=action-more]").waitFor({ state: "visible", timeout: 2_000 });
    },
    { timeout, message: "the message's toolbar shown" },
  );
}

/** Opens a message's More (⋯) menu by pointer (see showMessageToolbar), pressing ⋯ again until the menu is open. */
export async function openMessageMenu(msg: Locator, timeout = 30_000): Promise<void> {
  const menu = msg.locator("[part=action-menu]");
  await eventually(
    async () => {
      if (await menu.isVisible()) return;
      await showMessageToolbar(msg, 2_000);
      await msg.locator("[part=action-more]").click({ timeout: 2_000 });
      await menu.waitFor({ state: "visible", timeout: 2_000 });
    },
    { timeout, message: "the message's More menu open" },
  );
}

/**
 * Hovers a message (its toolbar is shown on hover/focus) and clicks one action: one of the
 * toolbar's, or one of its More menu (opened first with ⋯).
 */
export async function messageAction(msg: Locator, part: string, nth = 0): Promise<void> {
  if (TOOLBAR_ACTIONS.includes(part)) await showMessageToolbar(msg);
  else await openMessageMenu(msg);
  const button = msg.locator(`[part=${part}]`).nth(nth);
  await button.waitFor({ state: "visible" });
  // Focus keeps the bar shown (.msg:focus-within) even if hover flickers while the button is pressed.
  await button.focus();
  await button.click();
}

// ---------------------------------------------------------------------------------------------
// A real PNG (server/src/shared/png.ts).
// ---------------------------------------------------------------------------------------------

/** A valid `w`x`h` RGBA PNG, a simple colour gradient. */
export function makePng(w = 8, h = 8): Buffer {
  return encodePng(w, h, (x, y) => [Math.round((x * 255) / Math.max(1, w - 1)), Math.round((y * 255) / Math.max(1, h - 1)), 128, 255]);
}
