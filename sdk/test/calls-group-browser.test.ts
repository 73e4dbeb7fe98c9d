// Group calls (mode `sfu`) with @parley/sdk/calls in a real browser: three Chromium contexts (fake
// camera and microphone) signed in as Ann, Ben and Cal, a Janus started by the test
// (server/test/helpers/janus.ts) behind the server. Ann starts a video call in their group; Ben
// and Cal answer; each GroupCallSession publishes through the server and receives the other two:
// getStats() on its subscriber shows two audio and two video inbound streams, bytes and decoded
// frames going up between two readings. Everyone hangs up; the call's room is gone from Janus.
// Skipped without Chromium, or without janus (never under CI=true).
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import Janode, { type JanodeConnection } from "janode";
import VideoRoomPlugin from "janode/plugins/videoroom";
import { chromium, type Browser, type Page } from "playwright-core";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { janusSkip, startJanus, type TestJanus } from "../../server/test/helpers/janus.js";
import { BROWSER_SKIP, CHROMIUM_PATH } from "../../widget/test/helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "../..");

const PAGE_SCRIPT = `
import { ChatClient } from "./sdk/src/index.ts";
import { Calls, GroupCallSession } from "./sdk/src/calls.ts";
const w = window;
const opened = (s) => { w.session = s; s.on("ended", (x) => (w.ended = x.endReason || "ended")); };
w.signIn = async (server, appId, email, password) => {
  w.chat = new ChatClient({ server, appId });
  await w.chat.login(email, password);
  w.calls = new Calls(w.chat);
  w.ended = null;
  w.calls.on("incoming", async (c) => opened(await GroupCallSession.open(w.calls, await w.calls.accept(c.id))));
};
w.startCall = async (conversationId) => {
  const call = await w.calls.start(conversationId, { video: true });
  opened(await GroupCallSession.open(w.calls, call));
  return call.id;
};
w.inbound = async () => {
  const pc = w.session && w.session.subscriber;
  if (!pc) return null;
  const out = { audio: [], video: [], frames: 0, state: pc.connectionState, users: [...w.session.streams.keys()].sort() };
  (await pc.getStats()).forEach((r) => {
    if (r.type !== "inbound-rtp") return;
    if (r.kind === "audio") out.audio.push(r.bytesReceived || 0);
    if (r.kind === "video") { out.video.push(r.bytesReceived || 0); out.frames += r.framesDecoded || 0; }
  });
  return out;
};
`;

async function bundle(): Promise<string> {
  const out = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: ROOT, loader: "ts", sourcefile: "group-calls-page.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

async function serve(js: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === "/calls.js") return void res.writeHead(200, { "Content-Type": "text/javascript" }).end(js);
    res
      .writeHead(200, { "Content-Type": "text/html" })
      .end('<!doctype html><meta charset="utf-8"><title>Group call</title><script type="module" src="/calls.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

type Inbound = { audio: number[]; video: number[]; frames: number; state: string; users: string[] };
const sum = (xs: number[]): number => xs.reduce((a, b) => a + b, 0);

describe("group calls through Janus in Chromium", { skip: BROWSER_SKIP || janusSkip }, () => {
  let browser: Browser;
  let host: { origin: string; server: Server };
  let janus: TestJanus;
  let s: TestServer;

  before(async () => {
    janus = await startJanus();
    s = await startServer({ JANUS_WS_URL: janus.wsUrl, JANUS_ADMIN_KEY: janus.adminKey });
    host = await serve(await bundle());
    browser = await chromium.launch({
      executablePath: CHROMIUM_PATH ?? "chromium",
      headless: true,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        // Janus offers 127.0.0.2 (helpers/janus.ts): ICE sockets on 0.0.0.0 reach it from loopback.
        "--webrtc-ip-handling-policy=default_public_interface_only",
        "--disable-features=WebRtcHideLocalIpsWithMdns",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    host?.server.closeAllConnections();
    await new Promise<void>((resolve) => (host ? host.server.close(() => resolve()) : resolve()));
    await s?.close();
    await janus?.stop();
  });

  test("three pages: each receives the other two's audio and video, then all hang up and the room is gone", async () => {
    const tenant = await s.createTenant("Group calls in a browser", [host.origin]);
    const people = await Promise.all(
      ["ann", "ben", "cal"].map((n) => s.api.register(tenant.id, { email: `${n}-${randomBytes(3).toString("hex")}@example.com` })),
    );
    const [ann, ben, cal] = people as [(typeof people)[0], (typeof people)[0], (typeof people)[0]];
    const res = await s.api.post<{ conversation: { id: string } }>("/conversations", {
      token: ann.accessToken,
      body: { name: "Standup", memberIds: [ben.user.id, cal.user.id] },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    const pages: Page[] = [];
    for (const who of people) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(host.origin);
      await page.waitForFunction(() => typeof (window as any).signIn === "function");
      await page.evaluate(
        ([server, appId, email]) => (window as any).signIn(server, appId, email, "correct horse battery"),
        [s.url, tenant.id, who.user.email!],
      );
      pages.push(page);
    }
    const callId: string = await pages[0]!.evaluate((id) => (window as any).startCall(id), res.body.conversation.id);

    const read = (p: Page): Promise<Inbound | null> => p.evaluate(() => (window as any).inbound());
    const flowing = async (p: Page, others: string[]): Promise<Inbound> => {
      let first: Inbound | null = null;
      let now: Inbound | null = null;
      const deadline = Date.now() + 45_000;
      for (;;) {
        now = await read(p);
        const complete = now && now.state === "connected" && now.users.join() === others.join() && now.audio.length === 2 && now.video.length === 2;
        if (complete && now!.audio.every((b) => b > 0) && now!.video.every((b) => b > 0) && now!.frames > 0) {
          if (
            first &&
            first.users.join() === now!.users.join() &&
            sum(now!.audio) > sum(first.audio) &&
            sum(now!.video) > sum(first.video) &&
            now!.frames > first.frames
          )
            return now!;
          first = now;
        } else first = null;
        assert.ok(Date.now() < deadline, `media did not flow: ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, 300));
      }
    };
    const ids = people.map((p) => p.user.id);
    await Promise.all(pages.map((p, i) => flowing(p, ids.filter((_, j) => j !== i).sort())));

    const conn: JanodeConnection = await Janode.connect({ address: { url: janus.wsUrl } });
    try {
      const manager = await (await conn.create()).attach(VideoRoomPlugin);
      const room = s.services.calls.sfu!.rooms.roomOf(callId);
      assert.equal((await manager.exists({ room })).exists, true);
      for (const p of pages) await p.evaluate(() => (window as any).session.hangUp());
      for (const p of pages) await p.waitForFunction(() => (window as any).ended !== null, undefined, { timeout: 10_000 });
      const deadline = Date.now() + 10_000;
      while ((await manager.exists({ room })).exists) {
        assert.ok(Date.now() < deadline, "the room was not destroyed");
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await conn.close().catch(() => undefined);
      for (const p of pages) await p.context().close();
    }
  });
});
