// Group calls (mode `sfu`) with @parley/sdk/calls in real browsers (issue 53, acceptance 3): four
// participants with fake camera and microphone (Ann and Ben in contexts of one Chromium, Cal in
// Firefox ESR, Dan in a Chromium of his own) and a Janus started by the test
// (server/test/helpers/janus.ts) behind the server. Firefox reaches Janus only through TURN (a
// coturn relaying from 127.0.0.2, see helpers/calls-page.ts), so Cal's page is relay-only; without
// Firefox or coturn, Cal is in Chromium too. Ann starts a video call in their group; the others
// answer; each GroupCallSession publishes through the server and receives the other three:
// getStats() on its subscriber shows three audio and three video inbound streams, bytes and decoded
// frames going up between two readings. Then Dan's browser process is killed (no hang-up, no
// goodbye): the server drops him once his socket's grace is over, the others' sessions stop
// receiving his feed, and the three left keep receiving each other's media. Everyone hangs up; the
// call's room is gone from Janus. Skipped without Chromium, or without janus (never under CI=true).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import Janode, { type JanodeConnection } from "janode";
import VideoRoomPlugin from "janode/plugins/videoroom";
import type { Browser, BrowserServer } from "playwright-core";
import type { Browser as PuppeteerBrowser } from "puppeteer-core";
import type { Call } from "../src/protocol/index.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { janusSkip, startJanus, type TestJanus } from "../../server/test/helpers/janus.js";
import { BROWSER_SKIP } from "../../widget/test/helpers/browser.js";
import {
  type CallPage,
  type CallsHost,
  call,
  firefoxSkip,
  hasTurn,
  LOOPBACK_ONLY_ARGS,
  launchCallsChromium,
  launchCallsFirefox,
  launchKillableChromium,
  playwrightPage,
  puppeteerPage,
  serveCallsPage,
  signIn,
  startTurn,
  type TestTurn,
  waitIn,
} from "./helpers/calls-page.js";

const PAGE_SCRIPT = `
import { ChatClient } from "./sdk/src/index.ts";
import { Calls, GroupCallSession } from "./sdk/src/calls.ts";
const w = window;
w.rtc = undefined;
const opened = (s) => { w.session = s; s.on("ended", (x) => (w.ended = x.endReason || "ended")); };
w.signIn = async (server, appId, email, password) => {
  w.chat = new ChatClient({ server, appId });
  await w.chat.login(email, password);
  w.calls = new Calls(w.chat);
  w.ended = null;
  w.calls.on("incoming", async (c) => opened(await GroupCallSession.open(w.calls, await w.calls.accept(c.id), w.rtc ? { rtc: w.rtc } : {})));
};
w.startCall = async (conversationId) => {
  const call = await w.calls.start(conversationId, { video: true });
  opened(await GroupCallSession.open(w.calls, call, w.rtc ? { rtc: w.rtc } : {}));
  return call.id;
};
w.inbound = async () => {
  const pc = w.session && w.session.subscriber;
  if (!pc) return null;
  const out = { audio: [], video: [], frames: 0, state: pc.connectionState, users: [...w.session.streams.keys()].sort() };
  // A reading that takes over 5 s counts as none (the caller polls again) rather than holding the test's call.
  const stats = await Promise.race([pc.getStats(), new Promise((r) => setTimeout(r, 5000, null))]);
  if (!stats) return { ...out, state: "getStats() did not answer in 5 s" };
  stats.forEach((r) => {
    if (r.type !== "inbound-rtp") return;
    if (r.kind === "audio") out.audio.push(r.bytesReceived || 0);
    if (r.kind === "video") { out.video.push(r.bytesReceived || 0); out.frames += r.framesDecoded || 0; }
  });
  return out;
};
`;

type Inbound = { audio: number[]; video: number[]; frames: number; state: string; users: string[] };
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

/**
 * `page` receives exactly `others`' media: its subscriber connected with one audio and one video
 * stream each, all carrying bytes, then every total above the reading before (no fixed wait).
 */
async function flowingFrom(page: CallPage, others: string[]): Promise<Inbound> {
  let first: Inbound | null = null;
  let now: Inbound | null = null;
  const deadline = Date.now() + 45_000;
  for (;;) {
    now = await page.run<Inbound | null>("window.inbound()");
    const complete =
      now && now.state === "connected" && now.users.join() === others.join() && now.audio.length === others.length && now.video.length === others.length;
    if (complete && now!.audio.every((b) => b > 0) && now!.video.every((b) => b > 0) && now!.frames > 0) {
      if (first && sum(now!.audio) > sum(first.audio) && sum(now!.video) > sum(first.video) && now!.frames > first.frames) return now!;
      first = now;
    } else first = null;
    assert.ok(Date.now() < deadline, `media did not flow from ${others.length}: ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

describe("group calls through Janus in Chromium and Firefox", { skip: BROWSER_SKIP || janusSkip }, () => {
  let browser: Browser;
  let own: { browser: Browser; server: BrowserServer } | undefined;
  /** Cal's browser, where Firefox ESR is installed. */
  let firefox: PuppeteerBrowser | undefined;
  let turn: TestTurn | undefined;
  let host: CallsHost;
  let janus: TestJanus;
  let s: TestServer;

  before(async () => {
    janus = await startJanus();
    // A closed socket's grace, short: the test waits for the drop of a killed browser.
    // Firefox reaches Janus (on 127.0.0.2) only through TURN relaying from 127.0.0.2 (helpers/calls-page.ts).
    const withFirefox = !firefoxSkip && hasTurn;
    turn = withFirefox ? await startTurn(`calls-group-${randomBytes(8).toString("hex")}`, { relayIp: "127.0.0.2" }) : undefined;
    s = await startServer({
      JANUS_WS_URL: janus.wsUrl,
      JANUS_ADMIN_KEY: janus.adminKey,
      CALL_DROP_GRACE_SEC: "2",
      ...(turn ? { TURN_URLS: `turn:127.0.0.1:${turn.port}?transport=udp`, TURN_SECRET: turn.secret } : {}),
    });
    host = await serveCallsPage(PAGE_SCRIPT);
    // Janus offers 127.0.0.2 (helpers/janus.ts): ICE sockets on 0.0.0.0 reach it from loopback.
    [browser, own, firefox] = await Promise.all([
      launchCallsChromium(LOOPBACK_ONLY_ARGS),
      launchKillableChromium(LOOPBACK_ONLY_ARGS),
      withFirefox ? launchCallsFirefox() : undefined,
    ]);
  });

  after(async () => {
    await browser?.close();
    await firefox?.close();
    await own?.server.kill();
    await host?.close();
    await s?.close();
    await janus?.stop();
    await turn?.stop();
  });

  test("four pages: each receives the other three; one browser killed is dropped and the three left go on; then all hang up and the room is gone", async () => {
    const tenant = await s.createTenant("Group calls in a browser", [host.origin]);
    const people = await Promise.all(
      ["ann", "ben", "cal", "dan"].map((n) => s.api.register(tenant.id, { email: `${n}-${randomBytes(3).toString("hex")}@example.com` })),
    );
    const [ann, ...rest] = people as [(typeof people)[0], ...typeof people];
    const res = await s.api.post<{ conversation: { id: string } }>("/conversations", {
      token: ann.accessToken,
      body: { name: "Standup", memberIds: rest.map((p) => p.user.id) },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const pages: CallPage[] = [];
    for (const [i, who] of people.entries()) {
      let p: CallPage;
      if (i === 2 && firefox) {
        // Cal in Firefox.
        const page = await firefox.newPage();
        await page.goto(host.origin);
        p = puppeteerPage(page);
      } else {
        // Dan (the last) in the browser the test kills.
        const page = await (await (i === people.length - 1 ? own!.browser : browser).newContext()).newPage();
        await page.goto(host.origin);
        p = playwrightPage(page);
      }
      await signIn(p, s.url, tenant.id, who.user.email!, i === 2 && firefox ? `window.rtc = ${JSON.stringify({ iceTransportPolicy: "relay" })}` : "");
      pages.push(p);
    }
    const callId: string = await pages[0]!.run(call("window.startCall", res.body.conversation.id));

    const ids = people.map((p) => p.user.id);
    const othersOf = (i: number, among: string[]): string[] => among.filter((u) => u !== ids[i]).sort();
    await Promise.all(pages.map((p, i) => flowingFrom(p, othersOf(i, ids))));

    // Dan's browser dies: SIGKILL, no hang-up; his socket closes with it.
    const dan = ids[3]!;
    await own!.server.kill();
    own = undefined;
    const left = pages.slice(0, 3);
    const stillIn = ids.slice(0, 3);
    // The server drops him (after the grace) and the call goes on for the three.
    const deadline = Date.now() + 20_000;
    for (;;) {
      const calls = await s.api.get<{ items: Call[] }>(`/conversations/${res.body.conversation.id}/calls`, { token: ann.accessToken });
      const now = calls.body.items.find((c) => c.id === callId);
      if (now?.participants.find((p) => p.userId === dan)?.state === "left") {
        assert.equal(now.state, "active");
        break;
      }
      assert.ok(Date.now() < deadline, `Dan was not dropped: ${JSON.stringify(now)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Each session stops expecting his feed, and the media of the other two keeps coming.
    await Promise.all(left.map((p, i) => flowingFrom(p, othersOf(i, stillIn))));
    for (const p of left) assert.equal(await p.run("window.ended"), null);

    const conn: JanodeConnection = await Janode.connect({ address: { url: janus.wsUrl } });
    try {
      const manager = await (await conn.create()).attach(VideoRoomPlugin);
      const room = s.services.calls.sfu!.rooms.roomOf(callId);
      assert.equal((await manager.exists({ room })).exists, true);
      for (const p of left) await p.run("window.session.hangUp()");
      for (const p of left) await waitIn(p, "window.ended !== null", "the session ended", 10_000);
      const gone = Date.now() + 10_000;
      while ((await manager.exists({ room })).exists) {
        assert.ok(Date.now() < gone, "the room was not destroyed");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await conn.close().catch(() => undefined);
      for (const p of left) await p.close();
    }
  });
});
