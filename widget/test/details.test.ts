// The details a visitor notices: initials in any script, icons that need no special font,
// presence in a DM's header, empty states, attachment chips that can be removed, a styled file
// button, feedback on save, and a clear message when the socket is blocked.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { initials } from "../src/shared/avatar.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import {
  BROWSER_SKIP,
  eventually,
  expectCount,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, withViewportMeta } from "./helpers/devices.js";

test("initials: first and last word for cased scripts, one character for uncased ones, whole graphemes, no punctuation", () => {
  const cases: Array<[string, string]> = [
    ["Ann Lee", "AL"],
    ["ann-marie de la cruz", "AC"],
    ["  Émile   Zola ", "ÉZ"],
    ["E\u0301mile", "É"], // decomposed: the accent stays with its letter
    ["(Bob) Builder", "BB"],
    ["Łukasz Żak", "ŁŻ"],
    ["Дмитрий Шостакович", "ДШ"],
    ["Ελένη Παπαδοπούλου", "ΕΠ"],
    ["山田 花子", "山"],
    ["山田太郎", "山"],
    ["김민준", "김"],
    ["محمد علي", "م"],
    ["श्रेया घोषाल", "श्रे"], // a conjunct is one grapheme
    ["🙂 Smiley", "S"],
    ["", "?"],
    ["!!!", "?"],
  ];
  for (const [name, want] of cases) assert.equal(initials(name), want, JSON.stringify(name));
});

describe("widget details in Chromium", { timeout: 180_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let url: string;
  let ann: AuthResponse, ben: AuthResponse;
  let dm = "";
  const pw = "correct horse battery";
  const annLogin = { email: "ann.details@example.com", password: pw };
  const benLogin = { email: "ben.details@example.com", password: pw };

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = (await s.createTenant("Details", [site.origin])).id;
    url = site.page("/", withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })));
    ann = await s.api.register(app, { ...annLogin, displayName: "Ann Details" });
    ben = await s.api.register(app, { ...benLogin, displayName: "Ben Details" });
    dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id;
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    await s?.close();
  });

  test("an empty DM says so; the header shows the other person's presence live; icons are SVG, not font glyphs", async () => {
    const a = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(a.page, annLogin);
    await a.page.locator(`[part=conversation][data-id="${dm}"]`).click();
    await expectText(a.page.locator("parley-thread [part=empty]"), /No messages yet\. Say hello to Ben Details!/);
    await expectText(a.page.locator("[part=presence]"), /Offline|Last seen/);

    const b = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(b.page, benLogin);
    await expectText(a.page.locator("[part=presence]"), "Online");

    for (const part of ["back", "info", "close", "attach-button"]) {
      assert.equal(await a.page.locator(`[part=${part}] svg`).count(), 1, `${part} has an SVG icon`);
    }
    const glyphs = await a.page.evaluate<string[]>(`(() => {
      const found = [];
      const roots = [document.querySelector("parley-chat").shadowRoot];
      while (roots.length) {
        const r = roots.pop();
        for (const el of r.querySelectorAll("*")) {
          if (el.shadowRoot) roots.push(el.shadowRoot);
          for (const n of el.childNodes) if (n.nodeType === 3 && /[ⓘ✕←↓📎✓]/u.test(n.textContent)) found.push(n.textContent.trim());
        }
      }
      return found;
    })()`);
    assert.deepEqual(glyphs, []);
    await a.context.close();
    await b.context.close();
  });

  test("attachments show as chips that can be removed before sending; the file button is styled, the raw input hidden", async () => {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await page.locator(`[part=conversation][data-id="${dm}"]`).click();
    const input = page.locator("[part=attach]");
    const raw = await input.evaluate((el) => {
      const r = el.getBoundingClientRect();
      return { w: r.width, h: r.height, opacity: getComputedStyle(el).opacity };
    });
    assert.ok(raw.w <= 1 && raw.h <= 1 && raw.opacity === "0", `raw file input is hidden: ${JSON.stringify(raw)}`);
    const button = await page.locator("[part=attach-button]").boundingBox();
    assert.ok(button && button.width >= 44 && button.height >= 44);

    await input.setInputFiles([
      { name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello") },
      { name: "plan.txt", mimeType: "text/plain", buffer: Buffer.from("plan") },
    ]);
    await expectCount(page.locator("[part=chip]"), 2);
    await page.locator("[part=chip]", { hasText: "notes.txt" }).locator("[part=chip-remove]").click();
    await expectCount(page.locator("[part=chip]"), 1);
    await expectText(page.locator("[part=chip]"), /plan\.txt/);
    await page.locator("[part=chip-remove]").click();
    await expectCount(page.locator("[part=chip]"), 0);
    await context.close();
  });

  test("a big group's details ask for the members' presence (presence on request) and show who is online, live", async () => {
    // Above the app's presence group size (2 here) nobody is pushed a group's presence. Cy shares
    // nothing with Ann but the group (Ben shares a DM with her: his presence is pushed anyway).
    await s.services.apps.update(app, { presenceGroupMax: 2 });
    const cyLogin = { email: "cy.details@example.com", password: pw };
    const cy = await s.api.register(app, { ...cyLogin, displayName: "Cy Details" });
    const res = await s.api.post("/conversations", { token: ann.accessToken, body: { name: "Big enough", memberIds: [ben.user.id, cy.user.id] } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const group = (res.body.conversation ?? res.body).id as string;
    const c = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(c.page, cyLogin);
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await page.locator(`[part=conversation][data-id="${group}"]`).click();
    await page.locator("[part=info]").click();
    const cyRow = page.locator(`parley-info [part=member][data-id="${cy.user.id}"]`);
    await cyRow.waitFor();
    // Cy is online: the list asked for her presence, so her dot shows.
    await eventually(async () => (await cyRow.locator(".dot").count()) === 1, { check: Boolean, message: "Cy's dot in the big group's details" });
    // Her going offline reaches the open list (after the harness's presence grace).
    await c.context.close();
    await eventually(async () => (await cyRow.locator(".dot").count()) === 0, { check: Boolean, timeout: 15_000, message: "Cy's dot gone when she leaves" });
    await context.close();
    await s.services.apps.update(app, { presenceGroupMax: null });
  });

  test("saving the profile says Saved", async () => {
    const { page, context } = await openDevicePage(browser, url, DESKTOP);
    await loginViaForm(page, annLogin);
    await page.locator("[part=profile]").click();
    await page.locator("parley-info textarea[name=bio]").fill("Likes tests");
    await page.locator("parley-info [part=profile] button.primary").click();
    await expectText(page.locator("[part=toast]"), "Saved");
    await context.close();
  });

  test("a blocked WebSocket (proxy, CSP) turns the endless 'Reconnecting…' into a clear message", { timeout: 60_000 }, async () => {
    const context = await browser.newContext(DESKTOP);
    // Every WebSocket to the chat server fails, as behind a proxy that blocks them; REST still works.
    let blocked = true;
    await context.routeWebSocket(/\/socket\.io\//, (ws) => (blocked ? ws.close({ code: 1006 }) : ws.connectToServer()));
    const page = await context.newPage();
    await page.goto(url);
    await loginViaForm(page, annLogin);
    await expectText(page.locator("[part=status]"), /Reconnecting|Offline/);
    await expectText(page.locator("[part=status]"), /Can't reach the chat server/, 30_000);
    blocked = false;
    await page.locator("[part=status]").waitFor({ state: "detached", timeout: 30_000 });
    await eventually(() => page.locator("[part=new-chat]").isVisible(), { check: (v) => v });
    await context.close();
  });
});
