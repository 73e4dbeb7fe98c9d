// The browser engines a visitor uses, behind one small interface, for the cross-engine journey
// (widget/test/engines.test.ts, issue 52), always the system browsers, never a download:
// - Chromium and Firefox ESR through puppeteer-core (Chromium over CDP, Firefox over WebDriver BiDi);
// - WebKit, the Safari engine: Debian's WebKitWebDriver and its MiniBrowser under Xvfb, over
//   classic WebDriver (plain HTTP, a dozen lines below).
// A page is driven by script run in it: the widget lives in shadow roots, which `deep` walks the
// same way in every engine; keys are typed into the focused element.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import puppeteer, { type Page } from "puppeteer-core";
import { CHROMIUM_PATH } from "./browser.js";

export type EngineName = "chromium" | "firefox" | "webkit";

/** A tab: what the journey does in it. */
export interface EnginePage {
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  /** Runs `script` (an expression) and answers its value, which must be plain JSON. */
  evaluate<T>(script: string): Promise<T>;
  /** Types into the focused element; "Enter" presses Enter. */
  keys(text: string | "Enter"): Promise<void>;
  /** Uncaught errors of the page, where the engine reports them (WebKit's WebDriver does not). */
  errors: string[];
}

export interface EngineBrowser {
  newPage(): Promise<EnginePage>;
  close(): Promise<void>;
}

export interface Engine {
  name: EngineName;
  /** Why it cannot run here, or false. */
  skip: string | false;
  launch(): Promise<EngineBrowser>;
}

const FIREFOX = "/usr/bin/firefox-esr";
const WEBKIT_DRIVER = "/usr/bin/WebKitWebDriver";
const MINIBROWSER = "/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser";
const XVFB = "/usr/bin/Xvfb";
/** With CI=true a missing engine fails its journey (.ci/run installs it) rather than skipping it. */
const REQUIRED = process.env["CI"] === "true" || process.env["CI"] === "1";
const missing = (what: string, paths: string[]): string | false => (REQUIRED || paths.every((p) => existsSync(p)) ? false : what);

export const ENGINES: Engine[] = [
  {
    name: "chromium",
    skip: CHROMIUM_PATH || REQUIRED ? false : "no Chromium",
    launch: () =>
      puppeteerBrowser(
        puppeteer.launch({
          browser: "chrome",
          executablePath: CHROMIUM_PATH!,
          headless: true,
          args: ["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
        }),
      ),
  },
  {
    name: "firefox",
    skip: missing(`no Firefox ESR at ${FIREFOX} (apt-get install firefox-esr)`, [FIREFOX]),
    launch: () =>
      puppeteerBrowser(
        puppeteer.launch({
          browser: "firefox",
          protocol: "webDriverBiDi",
          executablePath: FIREFOX,
          headless: true,
          extraPrefsFirefox: { "media.navigator.streams.fake": true, "media.navigator.permission.disabled": true },
        }),
      ),
  },
  {
    name: "webkit",
    skip: missing("no WebKitWebDriver, MiniBrowser or Xvfb (apt-get install webkit2gtk-driver xvfb)", [WEBKIT_DRIVER, MINIBROWSER, XVFB]),
    launch: webkitBrowser,
  },
];

async function puppeteerBrowser(launched: ReturnType<typeof puppeteer.launch>): Promise<EngineBrowser> {
  const browser = await launched;
  return {
    async newPage() {
      const page: Page = await browser.newPage();
      const errors: string[] = [];
      page.on("pageerror", (e) => errors.push(String(e)));
      return {
        errors,
        goto: async (url) => void (await page.goto(url)),
        reload: async () => void (await page.reload()),
        evaluate: (script) => page.evaluate(script) as Promise<never>,
        keys: (text) => (text === "Enter" ? page.keyboard.press("Enter") : page.keyboard.type(text)),
      };
    },
    close: () => browser.close(),
  };
}

/** A free TCP port on 127.0.0.1. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * WebKit: an Xvfb display of its own, WebKitWebDriver on a free port, one MiniBrowser session with
 * a window per page. Classic WebDriver: navigate, execute script, and keys sent to the active element.
 */
async function webkitBrowser(): Promise<EngineBrowser> {
  const display = `:${90 + Math.floor(Math.random() * 400)}`;
  const children: ChildProcess[] = [spawn(XVFB, [display, "-screen", "0", "1280x900x24", "-nolisten", "tcp"], { stdio: "ignore" })];
  const port = await freePort();
  children.push(spawn(WEBKIT_DRIVER, [`--port=${port}`], { stdio: "ignore", env: { ...process.env, DISPLAY: display } }));
  const base = `http://127.0.0.1:${port}`;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    const res = await fetch(base + path, {
      method,
      headers: { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { value: T & { error?: string; message?: string } };
    if (!res.ok) throw new Error(`WebDriver ${method} ${path}: ${json.value?.error} ${json.value?.message}`);
    return json.value;
  };
  // The driver listens a moment after it starts.
  for (let tries = 0; ; tries++) {
    if (
      await call("GET", "/status").then(
        () => true,
        () => false,
      )
    )
      break;
    if (tries > 100) throw new Error("WebKitWebDriver did not start");
    await new Promise((r) => setTimeout(r, 100));
  }
  // One session (the driver allows one at a time); each page a window of it, switched to as used.
  let session: string | undefined;
  let current = "";
  return {
    async newPage() {
      let handle: string;
      if (!session) {
        session = (
          await call<{ sessionId: string }>("POST", "/session", {
            capabilities: {
              alwaysMatch: {
                browserName: "MiniBrowser",
                "webkitgtk:browserOptions": { binary: MINIBROWSER, args: ["--automation", "--enable-mock-capture-devices=true"] },
              },
            },
          })
        ).sessionId;
        handle = await call<string>("GET", `/session/${session}/window`);
      } else {
        handle = (await call<{ handle: string }>("POST", `/session/${session}/window/new`, { type: "tab" })).handle;
      }
      const s = `/session/${session}`;
      const on = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
        if (current !== handle) await call("POST", `${s}/window`, { handle });
        current = handle;
        return call<T>(method, path, body);
      };
      return {
        errors: [],
        goto: (url) => on("POST", `${s}/url`, { url }).then(() => undefined),
        reload: () => on("POST", `${s}/refresh`, {}).then(() => undefined),
        evaluate: (script) => on("POST", `${s}/execute/sync`, { script: `return (${script});`, args: [] }),
        keys: async (text) => {
          const active = await on<Record<string, string>>("GET", `${s}/element/active`);
          const id = Object.values(active)[0]!;
          await on("POST", `${s}/element/${id}/value`, { text: text === "Enter" ? "\uE007" : text });
        },
      };
    },
    async close() {
      if (session) await call("DELETE", `/session/${session}`).catch(() => undefined);
      for (const c of children.reverse()) c.kill("SIGTERM");
    },
  };
}

/**
 * The first element matching `selector` anywhere in the page, shadow roots included (a script the
 * page runs: `deep("[part=launcher]")`). Defined on the page once per document.
 */
const DEEP = `window.deep = (selector, all) => {
  const found = [];
  const roots = [document];
  while (roots.length) {
    const root = roots.shift();
    for (const el of root.querySelectorAll(selector)) found.push(el);
    for (const el of root.querySelectorAll("*")) if (el.shadowRoot) roots.push(el.shadowRoot);
  }
  return all ? found : (found[0] ?? null);
}`;

/** Runs `script` in the page (with `deep` defined) and answers its value (a plain value: JSON, not an element). */
export async function run<T>(page: EnginePage, script: string): Promise<T> {
  return page.evaluate<T>(`(() => { if (!window.deep) ${DEEP}; return (${script}); })()`);
}

/** Polls `script` until it is truthy (answered as a boolean: an element does not cross every engine's wire). */
export async function until(page: EnginePage, script: string, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await run<boolean>(page, `!!(${script})`).catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out: ${what} (${script})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Clicks the element `selector` finds, through shadow roots. */
export async function click(page: EnginePage, selector: string, what = selector): Promise<void> {
  await until(page, `deep(${JSON.stringify(selector)})`, what);
  await run(page, `void deep(${JSON.stringify(selector)}).click()`);
}

/** Focuses the element `selector` finds and types `text` with the keyboard. */
export async function type(page: EnginePage, selector: string, text: string): Promise<void> {
  await until(page, `deep(${JSON.stringify(selector)})`, selector);
  await run(page, `void deep(${JSON.stringify(selector)}).focus()`);
  await page.keys(text);
}
