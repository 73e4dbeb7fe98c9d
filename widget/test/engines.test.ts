// The cross-engine journey (issue 52): what a visitor does first, in each browser engine the host
// site's visitors use, through the same steps: the page loads the widget by its script tag, the
// host's token signs them in, they open a conversation, send, receive a reply live, reload (the
// conversation and its messages are there again), react to a message, and see the widget in Arabic,
// right to left; and the console: an invitation's link, the sign-up form, the app's page. Chromium,
// Firefox ESR and WebKit (helpers/engines.ts); the full widget and console suites stay in Chromium
// (playwright-core). WebKit reports no page errors over classic WebDriver: its journey checks none.
// Voice messages recorded and played in each engine: engines-voice.test.ts.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import jwt from "jsonwebtoken";
import type { AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { CLI } from "../../server/src/console/console-members.service.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { hostPageHtml, startHostSite, type HostSite } from "./helpers/browser.js";
import { click, ENGINES, run, type, until } from "./helpers/engines.js";

/** The journey's runs in a row in each engine (issue 52: three, in under 5 minutes together). */
const RUNS = [1, 2, 3];

describe("the cross-engine journey", { timeout: 600_000 }, () => {
  let s: TestServer;
  let site: HostSite;
  let app: { id: string; secret: string };
  let bob: AuthResponse;

  before(async () => {
    s = await startServer();
    site = await startHostSite();
    app = await s.createTenant("Engines", [site.origin]);
    bob = await s.api.register(app.id, { email: "bob.engines@example.com", password: "correct horse battery", displayName: "Bob Engines" });
  });
  after(async () => {
    await site?.close();
    await s?.close();
  });

  // Three runs in a row of the journey in the three engines, timed together (the issue asks for
  // under 5 minutes): a flaky step shows as one run of nine failing, not as a rare red CI.
  let journeysMs = 0;
  for (const round of RUNS)
    for (const engine of ENGINES) {
      const last = round === RUNS.length && engine === ENGINES.at(-1);
      test(`${engine.name}, run ${round} of ${RUNS.length}: load, host-token sign-in, send, receive live, reload, react, Arabic right to left`, {
        skip: engine.skip,
      }, async () => {
        const began = Date.now();
        await journey(engine, round);
        journeysMs += Date.now() - began;
        if (!last) return;
        console.log(`the journey, ${RUNS.length} runs in ${ENGINES.length} engines: ${(journeysMs / 1000).toFixed(1)} s together`);
        assert.ok(journeysMs < 5 * 60_000, `${RUNS.length} runs in every engine took ${journeysMs} ms together`);
      });
    }

  /** One visitor's journey in `engine` (its own user, DM and page for each run). */
  async function journey(engine: (typeof ENGINES)[number], round: number): Promise<void> {
    // The host's user (signed by the host's backend), and a DM Bob opened with them.
    const sub = `visitor-${engine.name}-${round}`;
    const token = jwt.sign({ sub, name: `Visitor ${engine.name}`, exp: Math.floor(Date.now() / 1000) + 3600 }, app.secret, { algorithm: "HS256" });
    const me = (await s.api.post<AuthResponse>("/auth/host-token", { app: app.id, body: { token } })).body;
    const dm = (await s.api.post<{ conversation: Conversation }>("/conversations/direct", { token: bob.accessToken, body: { userId: me.user.id } })).body
      .conversation.id;
    assert.equal((await s.api.post(`/conversations/${dm}/messages`, { token: bob.accessToken, body: { text: "Hello from Bob" } })).status, 201);

    const browser = await engine.launch();
    try {
      const page = await browser.newPage();
      await page.goto(site.page(`/${engine.name}-${round}`, hostPageHtml({ parleyUrl: s.url, appId: app.id, token })));
      await click(page, "[part=launcher]", "the launcher");
      await click(page, `[part=conversation][data-id="${dm}"]`, "the DM in the list");
      const message = (text: string) => `deep("[part=message]", true).find((m) => m.textContent.includes(${JSON.stringify(text)}))`;
      await until(page, message("Hello from Bob"), "Bob's message");

      // Send (typed, Enter), then a reply arrives live.
      // (Plain text: WebKitWebDriver drops what lies outside the BMP, emoji, when it types; the
      // reaction below is the emoji's part of the journey.)
      const mine = `Hi from ${engine.name}, ça va?`;
      await type(page, "[part=composer-input]", mine);
      await page.keys("Enter");
      await until(page, `${message(mine)}?.getAttribute("data-status") === "sent"`, "my message sent").catch(async (e: Error) => {
        const shown = await run(page, `deep("[part=message-text]", true).map((m) => m.textContent)`);
        throw new Error(
          `${e.message}; the box holds ${JSON.stringify(await run(page, `deep("[part=composer-input]")?.value`))}; shown ${JSON.stringify(shown)}`,
        );
      });
      // The message box fits its content after the send and with two lines (measured in each engine:
      // it was 2-3 px short, and WebKit showed a scrollbar and a clipped second line).
      const overflow = `(() => { const ta = deep("[part=composer-input]"); return ta.scrollHeight - ta.clientHeight; })()`;
      assert.equal(await run(page, overflow), 0, "the empty box after the send");
      await run(
        page,
        `(() => { const ta = deep("[part=composer-input]"); ta.value = "two\\nlines"; ta.dispatchEvent(new Event("input", { bubbles: true })); })()`,
      );
      assert.equal(await run(page, overflow), 0, "two lines");
      await run(page, `(() => { const ta = deep("[part=composer-input]"); ta.value = ""; ta.dispatchEvent(new Event("input", { bubbles: true })); })()`);
      const stored = (await s.api.get<{ items: Message[] }>(`/conversations/${dm}/messages`, { token: bob.accessToken })).body.items.map((m) => m.text);
      assert.ok(stored.includes(mine), `stored: ${JSON.stringify(stored)}`);
      assert.equal((await s.api.post(`/conversations/${dm}/messages`, { token: bob.accessToken, body: { text: `Reply to ${engine.name}` } })).status, 201);
      await until(page, message(`Reply to ${engine.name}`), "Bob's reply, live");

      // Reload: the conversation is there again, with its messages (the panel opens on the one the tab had open).
      await page.reload();
      await click(page, "[part=launcher]", "the launcher after a reload");
      await until(page, `${message(`Reply to ${engine.name}`)} || deep('[part=conversation][data-id="${dm}"]')`, "the conversation or the list", 20_000);
      if (!(await run<boolean>(page, `!!${message(`Reply to ${engine.name}`)}`))) await click(page, `[part=conversation][data-id="${dm}"]`);
      await until(page, message(`Reply to ${engine.name}`), "the reply after a reload");
      await until(page, message(mine), "my message after a reload");

      // React to Bob's reply with the first quick reaction; Bob sees it.
      await run(page, `void ${message(`Reply to ${engine.name}`)}.click()`);
      await until(page, `${message(`Reply to ${engine.name}`)}.querySelector("[part=action-react]")`, "the reply's actions");
      await run(page, `void ${message(`Reply to ${engine.name}`)}.querySelector("[part=action-react]").click()`);
      await until(page, `${message(`Reply to ${engine.name}`)}.querySelector("[part=reaction]")?.textContent.includes("1")`, "the reaction shown");
      const reacted = (await s.api.get<{ items: Message[] }>(`/conversations/${dm}/messages`, { token: bob.accessToken })).body.items.find(
        (m) => m.text === `Reply to ${engine.name}`,
      );
      assert.equal(reacted?.reactions[0]?.count, 1);

      // Calls (issue 53): where the engine has WebRTC the DM's header offers a voice and a video
      // call; where it has none (WebKitGTK) there is no button, and the details say why.
      const rtc = await run<boolean>(page, `typeof RTCPeerConnection !== "undefined" && !!navigator.mediaDevices?.getUserMedia`);
      assert.equal(rtc, engine.name !== "webkit", "WebRTC where the README says");
      if (rtc) await until(page, `!!deep("[part=call-voice]") && !!deep("[part=call-video]")`, "the call buttons");
      else {
        await click(page, "[part=info]", "the details button");
        await until(page, `deep("[part=calls-unsupported]")?.textContent.trim() === "Calls aren't available in this browser"`, "why there are no calls");
        assert.equal(await run(page, `!!deep("[part=call-voice]") || !!deep("[part=call-video]") || !!deep("parley-call")`), false, "no call button");
        await click(page, "[part=back]", "back to the conversation");
      }

      // Arabic: the same visitor on a page in Arabic, right to left.
      const arabic = await browser.newPage();
      await arabic.goto(
        site.page(`/${engine.name}-${round}-ar`, hostPageHtml({ parleyUrl: s.url, appId: app.id, token }).replace('<html lang="en">', '<html lang="ar">')),
      );
      await until(arabic, `deep("[part=launcher]")?.getAttribute("aria-label") === "فتح الدردشة"`, "the launcher named in Arabic");
      await click(arabic, "[part=launcher]");
      await until(
        arabic,
        `deep("[part=panel]")?.getAttribute("lang") === "ar" && getComputedStyle(deep("[part=panel]")).direction === "rtl"`,
        "the panel in Arabic, rtl",
      );
      assert.deepEqual([...page.errors, ...arabic.errors], []);
    } finally {
      await browser.close();
    }
  }

  for (const engine of ENGINES) {
    test(`${engine.name}: the profile says what notifications this browser can give`, { skip: engine.skip }, async () => {
      const sub = `notify-${engine.name}`;
      const token = jwt.sign({ sub, name: `Notify ${engine.name}`, exp: Math.floor(Date.now() / 1000) + 3600 }, app.secret, { algorithm: "HS256" });
      // The host serves Parley's service worker, as for web push (README, "Web push").
      site.page("/sw.js", `importScripts(${JSON.stringify(`${s.url}/parley-sw.js`)});\n`);
      const html = hostPageHtml({ parleyUrl: s.url, appId: app.id, token }).replace(
        "</body>",
        '<script>navigator.serviceWorker.register("/sw.js");</script>\n</body>',
      );
      const browser = await engine.launch();
      try {
        const page = await browser.newPage();
        await page.goto(site.page(`/${engine.name}-notify`, html));
        await until(page, `window.__ready || (navigator.serviceWorker.ready.then(() => (window.__ready = true)), false)`, "the host's service worker");
        const hasPush = await run<boolean>(page, `typeof PushManager !== "undefined"`);
        // WebKitGTK has none (Safari has it only in an installed web app); Chromium and Firefox do.
        assert.equal(hasPush, engine.name !== "webkit", "the Push API where the README says");
        await click(page, "[part=launcher]", "the launcher");
        await click(page, "[part=profile]", "the profile button");
        await until(page, `deep("[part=notify]")`, "the notifications button").catch(async (e: Error) => {
          throw new Error(
            `${e.message}; permission ${await run(page, "Notification.permission")}, the profile says ${JSON.stringify(await run(page, `deep("[part=notify-status]")?.textContent`))}; view ${await run(page, `deep("parley-chat")?.view`)}, info ${await run(page, `!!deep("parley-info")`)}, profile form ${await run(page, `!!deep("[part=profile]") && deep("[part=profile]").tagName`)}`,
          );
        });
        assert.equal(
          await run(page, `deep("[part=notify]").textContent.trim()`),
          "Turn on notifications",
          "notifications while the tab is open, in every engine",
        );
        const said = `deep("[part=notify-status]")?.textContent.trim() ?? null`;
        if (hasPush) assert.equal(await run(page, said), null);
        else await until(page, `${said} === "This browser can notify you only while this tab is open"`, "what is missing, said");
        assert.deepEqual(page.errors, []);
      } finally {
        await browser.close();
      }
    });
  }

  for (const engine of ENGINES) {
    test(`${engine.name}: the console, from an invitation's link to the app's page`, { skip: engine.skip }, async () => {
      const { link } = await s.services.consoleMembers.invite(CLI, { email: `viewer-${engine.name}@engines.example`, role: "viewer", appId: app.id }, s.url);
      const browser = await engine.launch();
      try {
        const page = await browser.newPage();
        await page.goto(link);
        await type(page, "input[name=password]", "a viewer's console password");
        await type(page, "input[name=passwordAgain]", "a viewer's console password");
        await click(page, "form button[type=submit]", "Create account");
        // A viewer needs no second factor: signed in, the list of their apps, then the app's page.
        await until(page, `location.hash === "#/apps" && deep("a", true).some((a) => a.textContent.includes("Engines"))`, "the list of apps", 20_000);
        await run(page, `void deep("a", true).find((a) => a.textContent.includes("Engines")).click()`);
        await until(page, `location.hash.startsWith("#/apps/") && deep("h1", true).some((h) => h.textContent.includes("Engines"))`, "the app's page");
        assert.deepEqual(page.errors, []);
      } finally {
        await browser.close();
      }
    });
  }
});
