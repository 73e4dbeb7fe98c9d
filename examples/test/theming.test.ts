// examples/theming/: inline <parley-chat> with theme="dark", custom accent and French strings.
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { eventually, BROWSER_SKIP, launchBrowser, newTab, spawnDemoServer, tempDataDir, type DemoServer, type Tab } from "./helpers.js";

/** Relative luminance (WCAG) of an `rgb(r, g, b)` / `rgba(…)` string. */
function luminance(color: string): number {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)/.exec(color);
  if (!m) throw new Error(`not an rgb colour: ${color}`);
  const [r, g, b] = [m[1], m[2], m[3]].map((v) => {
    const c = Number(v) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
}

describe("examples/theming on the demo server", { timeout: 120_000, skip: BROWSER_SKIP }, () => {
  let dataDir = "";
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  let tab: Tab | undefined;

  before(async () => {
    dataDir = await tempDataDir();
    server = await spawnDemoServer(dataDir);
    browser = await launchBrowser();
  });

  after(async () => {
    await tab?.context.close().catch(() => undefined);
    await browser?.close().catch(() => undefined);
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  test("dark theme, custom accent and French strings", async () => {
    tab = await newTab(browser!, `${server!.url}/examples/theming/`);
    const { page } = tab;
    const chat = page.locator("parley-chat#chat");
    assert.equal(await chat.getAttribute("theme"), "dark");
    assert.equal(await chat.getAttribute("mode"), "inline");

    // Inline: the panel is in place, no launcher.
    const panel = page.locator("[part=panel]");
    await panel.waitFor({ state: "visible", timeout: 20_000 });
    assert.equal(await page.locator("[part=launcher]").count(), 0);

    const submit = page.locator("[part=signin-submit]");
    await eventually(async () => (await submit.textContent({ timeout: 1000 }))?.trim(), {
      check: (t) => t === "Se connecter",
      timeout: 15_000,
      message: "French sign-in label",
    });
    assert.equal((await page.locator("[part=signin-toggle]").textContent())?.trim(), "Pas de compte ? Créez-en un");

    const panelBg = await panel.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.equal(panelBg, "rgb(17, 24, 39)", "dark default background");
    assert.ok(luminance(panelBg) < 0.05, `panel background is dark: ${panelBg}`);
    const panelText = await panel.evaluate((el) => getComputedStyle(el).color);
    assert.ok(luminance(panelText) > 0.8, `panel text is light: ${panelText}`);

    const button = await submit.evaluate((el) => ({
      bg: getComputedStyle(el).backgroundColor,
      fg: getComputedStyle(el).color,
      font: getComputedStyle(el).fontFamily,
    }));
    assert.equal(button.bg, "rgb(245, 158, 11)", "primary button uses --parley-accent");
    assert.equal(button.fg, "rgb(31, 41, 55)", "primary button text uses --parley-on-accent");
    assert.match(button.font, /Trebuchet MS/, "--parley-font applies");

    // ::part(panel) from the page's stylesheet.
    assert.equal(await panel.evaluate((el) => getComputedStyle(el).borderTopColor), "rgb(245, 158, 11)");
    assert.deepEqual(tab.errors, [], "no page errors");
  });
});
