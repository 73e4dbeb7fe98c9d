// @parley/sdk/calls between engines (issue 53, acceptance 1 in Firefox): a Firefox ESR page
// (puppeteer-core over WebDriver BiDi, fake media through its prefs) and a Chromium page
// (playwright-core, fake devices), both built from the SDK's sources (helpers/calls-page.ts).
// Each way round, one starts a video call, the other's CallSession answers, and each side's
// getStats() shows inbound audio and video flowing (bytes and decoded frames going up between two
// readings); then a hang-up ends it on both. Where turnserver (coturn) is installed, the same call
// runs relay-only through one on loopback, with the TURN credentials Parley hands out. Skipped
// without Chromium or Firefox ESR (never under CI=true).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { Browser as PuppeteerBrowser } from "puppeteer-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP } from "../../widget/test/helpers/browser.js";
import {
  type CallPage,
  type CallsHost,
  call,
  firefoxSkip,
  flowing,
  hasTurn,
  launchCallsChromium,
  launchCallsFirefox,
  ONE_TO_ONE_PAGE,
  playwrightPage,
  puppeteerPage,
  serveCallsPage,
  signIn,
  startTurn,
  type TestTurn,
  waitIn,
} from "./helpers/calls-page.js";

describe("@parley/sdk/calls between Firefox and Chromium", { skip: BROWSER_SKIP || firefoxSkip }, () => {
  let chromium: Browser;
  let firefox: PuppeteerBrowser;
  let host: CallsHost;
  let s: TestServer;
  let relayed: TestServer | undefined;
  let turn: TestTurn | undefined;

  before(async () => {
    s = await startServer();
    host = await serveCallsPage(ONE_TO_ONE_PAGE);
    [chromium, firefox] = await Promise.all([launchCallsChromium(), launchCallsFirefox()]);
  });

  after(async () => {
    await firefox?.close();
    await chromium?.close();
    await host?.close();
    await s?.close();
    await relayed?.close();
    await turn?.stop();
  });

  async function pages(server = s, setup = ""): Promise<{ fox: CallPage; chrome: CallPage; dm: string }> {
    const tenant = await server.createTenant("Calls across engines", [host.origin]);
    const [fan, ben] = await Promise.all(
      ["fan", "ben"].map((n) => server.api.register(tenant.id, { email: `${n}-${randomBytes(3).toString("hex")}@example.com` })),
    );
    const dm = (await server.api.post("/conversations/direct", { token: fan!.accessToken, body: { userId: ben!.user.id } })).body.conversation.id as string;
    const ff = await firefox.newPage();
    await ff.goto(host.origin);
    const fox = puppeteerPage(ff);
    const cr = await (await chromium.newContext()).newPage();
    await cr.goto(host.origin);
    const chrome = playwrightPage(cr);
    await signIn(fox, server.url, tenant.id, fan!.user.email!, setup);
    await signIn(chrome, server.url, tenant.id, ben!.user.email!, setup);
    return { fox, chrome, dm };
  }

  test("Firefox calls Chromium: media flows both ways, then Firefox hangs up and it ends on both", async () => {
    const { fox, chrome, dm } = await pages();
    try {
      await fox.run(call("window.startCall", dm));
      await Promise.all([flowing(fox), flowing(chrome)]);
      await fox.run("window.session.hangUp()");
      for (const p of [fox, chrome]) await waitIn(p, `window.ended === "completed"`, "the call ended for both", 10_000);
    } finally {
      for (const p of [fox, chrome]) await p.close();
    }
  });

  test("Chromium calls Firefox: Firefox answers, media flows both ways, then Chromium hangs up", async () => {
    const { fox, chrome, dm } = await pages();
    try {
      await chrome.run(call("window.startCall", dm));
      await Promise.all([flowing(fox), flowing(chrome)]);
      await chrome.run("window.session.hangUp()");
      for (const p of [fox, chrome]) await waitIn(p, `window.ended === "completed"`, "the call ended for both", 10_000);
    } finally {
      for (const p of [fox, chrome]) await p.close();
    }
  });

  test("relay only, through a coturn on loopback: Firefox calls Chromium and both sides' media is relayed", {
    skip: hasTurn ? false : "turnserver (coturn) is not installed",
  }, async () => {
    turn = await startTurn(`calls-firefox-${randomBytes(8).toString("hex")}`);
    relayed = await startServer({ TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`, TURN_SECRET: turn.secret });
    const { fox, chrome, dm } = await pages(relayed, `window.rtc = ${JSON.stringify({ iceTransportPolicy: "relay" })}`);
    try {
      await fox.run(call("window.startCall", dm));
      const [f, c] = await Promise.all([flowing(fox), flowing(chrome)]);
      assert.ok(f.relay && c.relay, `both sides' selected candidate pair is a relay: ${JSON.stringify({ f, c })}`);
      await chrome.run("window.session.hangUp()");
      for (const p of [fox, chrome]) await waitIn(p, `window.ended === "completed"`, "the call ended for both", 10_000);
    } finally {
      for (const p of [fox, chrome]) await p.close();
    }
  });
});
