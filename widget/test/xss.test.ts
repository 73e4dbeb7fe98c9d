import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Browser } from "playwright-core";
import type { AuthResponse } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, hostPageHtml, launchBrowser, loginViaForm, openHostPage, startHostSite, type HostSite } from "./helpers/browser.js";

/** Injection payloads: each one, if it ever ran, would set window.__xss or open a dialog. */
function corpus(): string[] {
  const run = ["window.__xss=1", "alert(1)", "confirm(1)", "prompt(1)"];
  const shapes = [
    (js: string) => `<img src=x onerror="${js}">`,
    (js: string) => `<svg onload="${js}">`,
    (js: string) => `<script>${js}</script>`,
    (js: string) => `"><script>${js}</script>`,
    (js: string) => `javascript:${js}`,
    (js: string) => `<a href="javascript:${js}">click</a>`,
    (js: string) => `<iframe src="javascript:${js}"></iframe>`,
    (js: string) => `<body onload="${js}">`,
    (js: string) => `<details open ontoggle="${js}">`,
    (js: string) => `<video><source onerror="${js}"></video>`,
    (js: string) => `<math><mtext><table><mglyph><style><img src=x onerror="${js}">`,
    (js: string) => `data:text/html,<script>${js}</script>`,
    (js: string) => `https://example.com/"onmouseover="${js}`,
    (js: string) => `{{constructor.constructor('${js}')()}}`,
    (js: string) => `\${${js}}`,
    (js: string) => `<input autofocus onfocus="${js}">`,
    (js: string) => `<marquee onstart="${js}">`,
    (js: string) => `'-${js}-'`,
    (js: string) => `<object data="javascript:${js}">`,
    (js: string) => `<a href="JaVaScRiPt:${js}">x</a>`,
    (js: string) => `[x](javascript:${js})`,
    (js: string) => `<img src="x" onerror=${js}//`,
    (js: string) => `<style>@import 'javascript:${js}';</style>`,
    (js: string) => `<form><button formaction="javascript:${js}">x</button></form>`,
    (js: string) => `<template><img src=x onerror="${js}"></template>`,
    (js: string) => `<!--<img src="--><img src=x onerror="${js}">`,
  ];
  return shapes.flatMap((shape) => run.map((js) => shape(js)));
}

let s: TestServer;
let site: HostSite;
let browser: Browser;

before(async () => {
  if (BROWSER_SKIP) return;
  s = await startServer();
  site = await startHostSite();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await site?.close();
  await s?.close();
});

test("100+ injection payloads in messages, display names, group names, file names and links never run in the reader's page", {
  timeout: 180_000,
  skip: BROWSER_SKIP,
}, async () => {
  const payloads = corpus();
  assert.ok(payloads.length >= 100, `${payloads.length} payloads`);
  const app = (await s.createTenant("XSS", [site.origin])).id;
  const reader = await s.api.register(app, { email: "reader@example.com", password: "correct horse battery", displayName: "Reader" });
  // Senders whose names are payloads; each opens a DM with the reader and sends payloads.
  const senders: AuthResponse[] = [];
  for (let i = 0; i < 6; i++) {
    senders.push(await s.api.register(app, { displayName: payloads[i * 7]!.slice(0, 80) }));
  }
  const dm = (await s.api.post("/conversations/direct", { token: senders[0]!.accessToken, body: { userId: reader.user.id } })).body.conversation.id as string;
  for (const p of payloads) {
    const res = await s.api.post(`/conversations/${dm}/messages`, { token: senders[0]!.accessToken, body: { text: p } });
    assert.equal(res.status, 201);
  }
  // A file whose name is a payload.
  const form = new FormData();
  form.append("file", new Blob(["just text"], { type: "text/plain" }), `<img src=x onerror="window.__xss=1">.txt`);
  const up = await fetch(`${s.url}/v1/uploads`, { method: "POST", headers: { Authorization: `Bearer ${senders[0]!.accessToken}` }, body: form });
  const att = (await up.json()) as { id: string };
  await s.api.post(`/conversations/${dm}/messages`, { token: senders[0]!.accessToken, body: { text: "file", attachmentIds: [att.id] } });
  // Groups whose names are payloads, with payload-named members.
  for (let i = 0; i < 5; i++) {
    await s.api.post("/conversations", {
      token: senders[i]!.accessToken,
      body: { name: payloads[i * 11]!.slice(0, 100), memberIds: [reader.user.id, senders[i + 1]!.user.id] },
    });
  }

  const url = site.page("/xss", hostPageHtml({ parleyUrl: s.url, appId: app }));
  const { page, context, dialogs } = await openHostPage(browser, url);
  await loginViaForm(page, { email: "reader@example.com", password: "correct horse battery" });
  await page.locator("[part=conversation]").nth(5).waitFor({ timeout: 10_000 });
  await page.locator("[part=conversation]").last().click();
  await page.locator("[part=message]").first().waitFor({ timeout: 10_000 });
  await page.locator("[part=back]").click();
  await page.locator(`[part=conversation][data-id="${dm}"]`).click();
  // History loads 50 at a time: scroll up until every payload is on the page (infinite scroll).
  const texts = page.locator("[part=message-text]");
  await texts.first().waitFor({ timeout: 10_000 });
  for (let i = 0; i < 10 && (await texts.count()) < payloads.length + 1; i++) {
    const n = await texts.count();
    await page.locator("[part=messages]").evaluate((el) => el.scrollTo({ top: 0 }));
    await page
      .waitForFunction(
        (prev) => {
          const host = document.querySelector("parley-chat")?.shadowRoot?.querySelector("parley-thread")?.shadowRoot;
          return (host?.querySelectorAll("[part=message-text]").length ?? 0) > prev;
        },
        n,
        { timeout: 5000 },
      )
      .catch(() => undefined);
  }
  assert.equal(await texts.count(), payloads.length + 1, "every payload loaded by scrolling up");
  // Hover everything once: mouse-triggered handlers would fire now.
  for (const el of await page.locator("[part=message]").all()) await el.hover().catch(() => undefined);
  await page.waitForTimeout(300);

  const report = await page.evaluate(() => {
    // Everything the widget rendered: the shadow trees under <parley-chat>.
    const roots: (Document | ShadowRoot)[] = [document.querySelector("parley-chat")!.shadowRoot!];
    const all: Element[] = [];
    while (roots.length) {
      const r = roots.pop()!;
      for (const el of r.querySelectorAll("*")) {
        all.push(el);
        if (el.shadowRoot) roots.push(el.shadowRoot);
      }
    }
    return {
      xss: (window as unknown as { __xss?: number }).__xss ?? null,
      handlers: all.filter((el) => [...el.attributes].some((a) => a.name.startsWith("on"))).map((el) => el.outerHTML.slice(0, 80)),
      badHrefs: all.filter((el) => el.tagName === "A" && !/^https?:/i.test(el.getAttribute("href") ?? "https:")).map((el) => el.getAttribute("href")),
      scripts: all.filter((el) => ["SCRIPT", "IFRAME", "OBJECT", "EMBED"].includes(el.tagName)).length,
      texts: all.filter((el) => el.getAttribute("part") === "message-text").length,
    };
  });
  assert.equal(report.xss, null, "no payload ran");
  assert.deepEqual(dialogs, [], "no dialog opened");
  assert.deepEqual(report.handlers, [], "no element carries an on* attribute");
  assert.deepEqual(report.badHrefs, [], "no javascript:/data: links");
  assert.equal(report.scripts, 0, "no injected script/iframe/object elements");
  assert.ok(report.texts >= payloads.length, `${report.texts} message texts rendered as text`);
  await context.close();
});

test("the widget source never builds HTML from strings (no unsafeHTML, innerHTML, outerHTML, insertAdjacentHTML, document.write)", async () => {
  const { readdir, readFile } = await import("node:fs/promises");
  const path = await import("node:path");
  const dir = path.resolve(import.meta.dirname, "../src");
  const offenders: string[] = [];
  // Every file, in the folders too (locales/, sw/).
  for (const f of (await readdir(dir, { recursive: true })).filter((x) => x.endsWith(".ts"))) {
    const src = await readFile(path.join(dir, f), "utf8");
    for (const sink of ["unsafeHTML", "unsafeSVG", "innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "DOMParser"]) {
      if (src.includes(sink)) offenders.push(`${f}: ${sink}`);
    }
  }
  assert.deepEqual(offenders, []);
});
