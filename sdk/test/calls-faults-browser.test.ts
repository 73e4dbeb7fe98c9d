// A 1:1 call when one side's network goes away (issue 53, acceptance 5), between browser pages with
// fake media. Ann reaches Parley and coturn directly; everything Ben's page sends goes through a
// link the test holds (helpers/network-link.ts): Parley over TCP, coturn over UDP, his media
// relay-only so it has no other way. Taking the link down is a real outage for his ICE (both
// sides see `disconnected`, his datagrams are lost) and for his socket (bytes held, not delivered).
// - down for 5 s: Ann's CallSession restarts ICE (a new ufrag, through Parley's signalling), and
//   media flows both ways again in the same call, which ends `completed` when Ben hangs up;
// - down for longer than the sessions' recovery bound: the call ends for both as `connection_lost`,
//   Ben's session on its own (his hang-up cannot reach the server), and the server records it so;
// - Ben in Firefox ESR, down for 5 s: Firefox answers the restart and media flows again.
// Skipped without Chromium or coturn (turnserver); the Firefox case without Firefox ESR.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { Browser } from "playwright-core";
import type { Browser as PuppeteerBrowser } from "puppeteer-core";
import type { Call, Page as CallsPage, Message } from "../src/protocol/index.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP } from "../../widget/test/helpers/browser.js";
import {
  type CallPage,
  type CallsHost,
  call,
  firefoxSkip,
  flowing,
  hasTurn,
  LOOPBACK_ONLY_ARGS,
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
import { type NetworkLink, startNetworkLink } from "./helpers/network-link.js";

const OUTAGE_MS = 5_000;
const relay = { iceTransportPolicy: "relay" };
const ufrag = `(window.session.pc.localDescription.sdp.match(/a=ice-ufrag:(\\S+)/) || [])[1]`;

describe("1:1 calls when one side's network drops", { skip: BROWSER_SKIP || (hasTurn ? false : "turnserver (coturn) is not installed") }, () => {
  let browser: Browser;
  let firefox: PuppeteerBrowser | undefined;
  let host: CallsHost;
  let turn: TestTurn;
  let s: TestServer;
  const links: NetworkLink[] = [];
  const pages: CallPage[] = [];

  before(async () => {
    turn = await startTurn(`calls-faults-${randomBytes(8).toString("hex")}`);
    s = await startServer({ TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`, TURN_SECRET: turn.secret });
    host = await serveCallsPage(ONE_TO_ONE_PAGE);
    browser = await launchCallsChromium(LOOPBACK_ONLY_ARGS);
  });

  after(async () => {
    for (const p of pages) await p.close().catch(() => undefined);
    await browser?.close();
    await firefox?.close();
    for (const l of links) await l.close();
    await host?.close();
    await s?.close();
    await turn?.stop();
  });

  /** Ann calls Ben (whose page is behind its own link), Ben answers, media flows both ways relay-only. */
  async function connectedCall(sessionOptions: { recoverMs?: number } = {}, benIn: "chromium" | "firefox" = "chromium") {
    const tenant = await s.createTenant("Calls on a bad network", [host.origin]);
    const [ann, ben] = await Promise.all(["ann", "ben"].map((n) => s.api.register(tenant.id, { email: `${n}-${randomBytes(3).toString("hex")}@example.com` })));
    const direct = await s.api.post("/conversations/direct", { token: ann!.accessToken, body: { userId: ben!.user.id } });
    assert.ok(direct.status < 300, JSON.stringify(direct.body));
    const dm = direct.body.conversation.id as string;
    const link = await startNetworkLink(s.url, turn.port);
    links.push(link);
    const open = async (email: string, server: string, turnVia: string | null, engine = "chromium"): Promise<CallPage> => {
      let p: CallPage;
      if (engine === "firefox") {
        firefox ??= await launchCallsFirefox();
        const page = await firefox.newPage();
        await page.goto(host.origin);
        p = puppeteerPage(page);
      } else {
        const page = await (await browser.newContext()).newPage();
        await page.goto(host.origin);
        p = playwrightPage(page);
      }
      pages.push(p);
      const setup = `Object.assign(window, ${JSON.stringify({ rtc: relay, sessionOptions, turnVia })})`;
      await signIn(p, server, tenant.id, email, setup);
      return p;
    };
    const annPage = await open(ann!.user.email!, s.url, null);
    const benPage = await open(ben!.user.email!, link.serverUrl, link.turnUrl, benIn);
    const callId = await annPage.run<string>(call("window.startCall", dm));
    const [a, b] = await Promise.all([flowing(annPage), flowing(benPage)]);
    assert.ok(a.relay && b.relay, "both sides are relay-only");
    assert.ok(link.udp.carried > 0, "Ben's media goes through his link");
    return { annPage, benPage, link, callId, dm, ann: ann! };
  }

  /** Both sides' ICE lost the other (the outage is real): `disconnected` (or `failed`) seen on each. */
  async function bothLost(annPage: CallPage, benPage: CallPage): Promise<void> {
    for (const p of [annPage, benPage]) await waitIn(p, `window.states.some((s) => s === "disconnected" || s === "failed")`, "ICE saw the outage", 15_000);
  }

  /** Ben's link goes down for 5 s; the caller restarts ICE, media flows again in the same call, which Ben then hangs up. */
  async function outage(benIn: "chromium" | "firefox"): Promise<void> {
    const { annPage, benPage, link, callId } = await connectedCall({}, benIn);
    const before = await annPage.run<string>(ufrag);
    const downAt = Date.now();
    link.down();
    await bothLost(annPage, benPage);
    const lostBefore = link.udp.lost;
    assert.ok(lostBefore > 0, "Ben's datagrams were lost");
    // The outage lasts its 5 s (the scenario, not a wait for something).
    await new Promise((r) => setTimeout(r, Math.max(0, OUTAGE_MS - (Date.now() - downAt))));
    link.up();
    const upAt = Date.now();
    try {
      await Promise.all([flowing(annPage), flowing(benPage)]);
    } catch (err) {
      // Seen once in a fresh-clone CI (Ben in Firefox: his session closed, no media): what each
      // side's ICE went through, and when, so that a next time says where the recovery stopped.
      const seen = (p: CallPage) =>
        p.run<string>(`JSON.stringify({ ice: window.states, at: window.stateTimes, now: Math.round(performance.now()), ended: window.ended })`);
      throw new Error(
        `${(err as Error).message}; Ann ${await seen(annPage)}; Ben ${await seen(benPage)}; the link was down ${upAt - downAt} ms, up ${Date.now() - upAt} ms ago`,
        {
          cause: err,
        },
      );
    }
    assert.notEqual(await annPage.run<string>(ufrag), before, "ICE was restarted (new credentials)");
    for (const p of [annPage, benPage]) {
      assert.equal(await p.run("window.ended"), null, "nobody's session ended");
      assert.equal(await p.run(`window.calls.current(${JSON.stringify(callId)}).state`), "active");
    }
    await benPage.run("window.session.hangUp()");
    for (const p of [annPage, benPage]) await waitIn(p, `window.ended === "completed"`, "the call ended for both", 10_000);
  }

  test("down for 5 s: the caller restarts ICE and media flows again in the same call", () => outage("chromium"));

  test("down past the recovery bound: the call ends for both as connection_lost, and the server records it", async () => {
    const { annPage, benPage, link, callId, dm, ann } = await connectedCall({ recoverMs: 4_000 });
    link.down();
    await bothLost(annPage, benPage);
    // Ben's session ends by itself (his network is gone); Ann's through the server.
    for (const p of [annPage, benPage]) await waitIn(p, `window.ended === "connection_lost"`, "the call ended as connection lost", 20_000);
    for (const p of [annPage, benPage]) assert.equal(await p.run("window.session.pc.connectionState"), "closed");
    const page = await s.api.get<CallsPage<Call>>(`/conversations/${dm}/calls`, { token: ann.accessToken });
    const recorded = page.body.items.find((c) => c.id === callId);
    assert.equal(recorded?.state, "ended");
    assert.equal(recorded?.endReason, "connection_lost");
    // Its entry in the conversation says so (the English text; clients say it from `call.endReason`).
    const deadline = Date.now() + 10_000;
    for (;;) {
      const history = await s.api.get<{ items: Message[] }>(`/conversations/${dm}/messages`, { token: ann.accessToken });
      const entry = history.body.items.find((m) => m.call?.callId === callId);
      if (entry) {
        assert.equal(entry.call!.endReason, "connection_lost");
        assert.match(entry.text ?? "", /^Video call · \d+ s \(connection lost\)$/);
        break;
      }
      assert.ok(Date.now() < deadline, "the call's entry was not posted");
      await new Promise((r) => setTimeout(r, 100));
    }
    link.up();
    // Back online, Ben hears the call as the server ended it: nothing left live on either side.
    await waitIn(
      benPage,
      `window.calls.current(${JSON.stringify(callId)}) && window.calls.current(${JSON.stringify(callId)}).state === "ended"`,
      "Ben's client knows the call ended",
      20_000,
    );
  });

  test("Ben in Firefox, down for 5 s: Firefox answers the ICE restart and media flows again", { skip: firefoxSkip }, () => outage("firefox"));
});
