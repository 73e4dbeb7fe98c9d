// The browser engines a visitor uses, behind one small interface, for the cross-engine journey
// (widget/test/engines.test.ts, issue 52). Chromium and Firefox ESR through puppeteer-core
// (Chromium over CDP, Firefox over WebDriver BiDi), always the system browsers, never a download.
// A page is driven by script run in it: the widget lives in shadow roots, which `deep` walks the
// same way in every engine.
import { existsSync } from "node:fs";
import puppeteer, { type Browser, type Page } from "puppeteer-core";
import { CHROMIUM_PATH } from "./browser.js";

export type EngineName = "chromium" | "firefox";

export interface Engine {
  name: EngineName;
  /** Why it cannot run here, or false. */
  skip: string | false;
  launch(): Promise<Browser>;
}

const FIREFOX = "/usr/bin/firefox-esr";
/** With CI=true a missing engine fails its journey (.ci/run installs it) rather than skipping it. */
const REQUIRED = process.env["CI"] === "true" || process.env["CI"] === "1";

export const ENGINES: Engine[] = [
  {
    name: "chromium",
    skip: CHROMIUM_PATH || REQUIRED ? false : "no Chromium",
    launch: () =>
      puppeteer.launch({
        browser: "chrome",
        executablePath: CHROMIUM_PATH!,
        headless: true,
        args: ["--no-sandbox", "--disable-gpu", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"],
      }),
  },
  {
    name: "firefox",
    skip: existsSync(FIREFOX) || REQUIRED ? false : `no Firefox ESR at ${FIREFOX} (apt-get install firefox-esr)`,
    launch: () =>
      puppeteer.launch({
        browser: "firefox",
        protocol: "webDriverBiDi",
        executablePath: FIREFOX,
        headless: true,
        extraPrefsFirefox: { "media.navigator.streams.fake": true, "media.navigator.permission.disabled": true },
      }),
  },
];

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
export async function run<T>(page: Page, script: string): Promise<T> {
  return page.evaluate(`(() => { if (!window.deep) ${DEEP}; return (${script}); })()`) as Promise<T>;
}

/** Polls `script` until it is truthy (answered as a boolean: an element does not cross every engine's wire). */
export async function until(page: Page, script: string, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await run<boolean>(page, `!!(${script})`).catch(() => false)) return;
    if (Date.now() > end) throw new Error(`timed out: ${what} (${script})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Clicks the element `selector` finds, through shadow roots. */
export async function click(page: Page, selector: string, what = selector): Promise<void> {
  await until(page, `deep(${JSON.stringify(selector)})`, what);
  await run(page, `void deep(${JSON.stringify(selector)}).click()`);
}

/** Focuses the element `selector` finds and types `text` with the keyboard. */
export async function type(page: Page, selector: string, text: string): Promise<void> {
  await until(page, `deep(${JSON.stringify(selector)})`, selector);
  await run(page, `void deep(${JSON.stringify(selector)}).focus()`);
  await page.keyboard.type(text);
}
