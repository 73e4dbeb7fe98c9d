import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { BrowserContext, Page } from "playwright-core";

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** The console's CSP runs only its own origin's scripts: axe is served from there, for the tests only. */
export async function serveAxe(context: BrowserContext): Promise<void> {
  await context.route("**/console/axe-for-tests.js", (r) => r.fulfill({ contentType: "application/javascript", body: AXE_SOURCE }));
}

/** axe on the whole page (the console's shadow roots included): the serious and critical findings. */
export async function axeSerious(page: Page): Promise<string[]> {
  if (!(await page.evaluate("typeof window.axe !== 'undefined'"))) await page.addScriptTag({ url: "/console/axe-for-tests.js" });
  return page.evaluate<string[]>(`(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => v.id + ": " + v.nodes.slice(0, 3).map((n) => JSON.stringify(n.target) + " " + (n.failureSummary || "").replace(/\\s+/g, " ").slice(0, 160)).join(" | "));
  })()`);
}

/** Wider than the screen: the page scrolls sideways. */
export const overflows = (page: Page): Promise<boolean> => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
