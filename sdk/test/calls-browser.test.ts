// @parley/sdk/calls in a real browser: two Chromium pages (fake camera and microphone) signed in as
// Ann and Ben, built from the SDK's sources (helpers/calls-page.ts). Ann starts a video call, Ben's
// page hears it ring and answers, and CallSession connects them: each side's getStats() shows
// inbound audio and video flowing (bytes and decoded frames going up between two readings). Ann
// mutes her camera; Ben hangs up and both sessions end. Where turnserver (coturn) is installed, the
// same call runs relay-only through one started on loopback, with the TURN credentials Parley hands out.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP } from "../../widget/test/helpers/browser.js";
import {
  type CallPage,
  type CallsHost,
  call,
  flowing,
  hasTurn,
  launchCallsChromium,
  ONE_TO_ONE_PAGE,
  playwrightPage,
  serveCallsPage,
  signIn,
  startTurn,
  type TestTurn,
  waitIn,
} from "./helpers/calls-page.js";

describe("@parley/sdk/calls in Chromium", { skip: BROWSER_SKIP }, () => {
  let browser: Browser;
  let host: CallsHost;
  let turn: TestTurn | undefined;
  const servers: TestServer[] = [];

  before(async () => {
    host = await serveCallsPage(ONE_TO_ONE_PAGE);
    browser = await launchCallsChromium();
  });

  after(async () => {
    await browser?.close();
    await host?.close();
    for (const s of servers) await s.close();
    await turn?.stop();
  });

  /** Ann calls Ben, Ben answers; media flows both ways; Ann mutes her camera; Ben hangs up. */
  async function callBetweenTwoPages(s: TestServer, rtc: RTCConfiguration | undefined): Promise<{ relay: boolean }> {
    const tenant = await s.createTenant("Calls in a browser", [host.origin]);
    const ann = await s.api.register(tenant.id, { email: `ann-${randomBytes(3).toString("hex")}@example.com` });
    const ben = await s.api.register(tenant.id, { email: `ben-${randomBytes(3).toString("hex")}@example.com` });
    const dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id as string;
    const pages: CallPage[] = [];
    for (const who of [ann, ben]) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(host.origin);
      const p = playwrightPage(page);
      await signIn(p, s.url, tenant.id, who.user.email!, `window.rtc = ${JSON.stringify(rtc ?? null)}`);
      pages.push(p);
    }
    const [annPage, benPage] = pages as [CallPage, CallPage];
    await annPage.run(call("window.startCall", dm));
    const [a, b] = await Promise.all([flowing(annPage), flowing(benPage)]);
    assert.equal(await annPage.run(`(window.session.mute("video", true), window.session.localStream.getVideoTracks()[0].enabled)`), false);
    await benPage.run("window.session.hangUp()");
    for (const p of pages) await waitIn(p, `window.ended === "completed"`, "the call ended for both", 10_000);
    for (const p of pages) await p.close();
    return { relay: a.relay && b.relay };
  }

  test("a video call between two pages: media flows both ways, then a hang-up ends it on both", async () => {
    const s = await startServer();
    servers.push(s);
    await callBetweenTwoPages(s, undefined);
  });

  test("relay only, through a coturn on loopback, with the TURN credentials Parley hands out", {
    skip: hasTurn ? false : "turnserver (coturn) is not installed",
  }, async () => {
    turn = await startTurn(`calls-browser-${randomBytes(8).toString("hex")}`);
    const s = await startServer({ TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`, TURN_SECRET: turn.secret });
    servers.push(s);
    const { relay } = await callBetweenTwoPages(s, { iceTransportPolicy: "relay" });
    assert.ok(relay, "both sides' selected candidate pair is a relay");
  });
});
