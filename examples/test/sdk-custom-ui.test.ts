// examples/sdk-custom-ui/: a page on @parley/sdk (served as /sdk.js) with plain DOM, no widget.
import assert from "node:assert/strict";
import { rm } from "node:fs/promises";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import {
  SEEDED_DM,
  allMessages,
  apiLogin,
  eventually,
  BROWSER_SKIP,
  launchBrowser,
  newTab,
  spawnDemoServer,
  tempDataDir,
  type DemoServer,
  type Tab,
} from "./helpers.js";

describe("examples/sdk-custom-ui on the demo server", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
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

  test("signs in as alice, opens the DM with Bob, shows history and sends a message", async () => {
    const s = server!;
    tab = await newTab(browser!, `${s.url}/examples/sdk-custom-ui/`);
    const { page } = tab;

    // Pre-filled as Alice.
    assert.equal(await page.locator("#login input[name=email]").inputValue(), "alice@demo.parley.chat");
    await page.locator("#login button").click();
    await page.locator("#list").waitFor({ state: "visible", timeout: 20_000 });
    assert.equal(await page.locator("#login-error").textContent(), "");

    // The conversation list: the DM titled by the other member, and the seeded group.
    const bobButton = page.locator("#list button", { hasText: "Bob Chen" });
    await bobButton.waitFor({ timeout: 15_000 });
    await page.locator("#list button", { hasText: "Launch team" }).waitFor({ timeout: 15_000 });
    await bobButton.click();
    await page.locator("#thread").waitFor({ state: "visible" });
    await eventually(() => bobButton.getAttribute("aria-current"), { check: (v) => v === "true", message: "DM marked current" });

    // Seeded history, oldest first, with the sender's name (or "me").
    await eventually(() => page.locator("#messages li").allTextContents(), {
      check: (t) => t.length >= SEEDED_DM.length,
      timeout: 15_000,
      message: "seeded history shown",
    });
    const shown = await page.locator("#messages li").allTextContents();
    assert.deepEqual(shown, [`me: ${SEEDED_DM[0]}`, `Bob Chen: ${SEEDED_DM[1]}`, `me: ${SEEDED_DM[2]}`, `Bob Chen: ${SEEDED_DM[3]}`]);

    // Send through the form: shown (confirmed, no pending mark) and stored.
    const text = `Sent from my own UI ${Date.now().toString(36)}`;
    await page.locator("#composer input[name=text]").fill(text);
    await page.locator("#composer button").click();
    await eventually(() => page.locator("#messages li").last().textContent(), {
      check: (t) => t === `me: ${text}`,
      timeout: 15_000,
      message: "sent message shown as confirmed",
    });
    assert.equal(await page.locator("#composer input[name=text]").inputValue(), "", "composer cleared");

    const alice = await apiLogin(s.url, s.appId!, "alice@demo.parley.chat");
    const convId = await page.locator("#list button", { hasText: "Bob Chen" }).getAttribute("data-id");
    assert.ok(convId);
    const stored = await allMessages(s.url, alice.accessToken, convId);
    assert.deepEqual(
      stored.map((m) => [m.senderId === alice.user.id, m.text]),
      [...SEEDED_DM.map((t, i) => [i % 2 === 0, t]), [true, text]],
    );
    assert.deepEqual(tab.errors, [], "no page errors");
  });
});
