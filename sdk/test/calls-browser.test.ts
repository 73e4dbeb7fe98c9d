// @parley/sdk/calls in a real browser: two Chromium pages (fake camera and microphone) signed in as
// Ann and Ben, built from the SDK's sources. Ann starts a video call, Ben's page hears it ring and
// answers, and CallSession connects them: each side's getStats() shows inbound audio and video
// flowing (bytes and decoded frames going up between two readings). Ann mutes her camera; Ben
// hangs up and both sessions end. Where turnserver (coturn) is installed, the same call runs
// relay-only through one started on loopback, with the TURN credentials Parley hands out.
import assert from "node:assert/strict";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { build } from "esbuild";
import { chromium, type Browser, type Page } from "playwright-core";
import { stunAnswers } from "../../server/test/helpers/calls.js";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { BROWSER_SKIP, CHROMIUM_PATH } from "../../widget/test/helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "../..");
const TURN_PORT = 13478;
const hasTurn = spawnSync("sh", ["-c", "command -v turnserver"]).status === 0;

/** The page: the SDK (core and calls) built for the browser, and the few steps the test drives. */
const PAGE_SCRIPT = `
import { ChatClient } from "./sdk/src/index.ts";
import { Calls, CallSession } from "./sdk/src/calls.ts";
const w = window;
w.signIn = async (server, appId, email, password) => {
  w.chat = new ChatClient({ server, appId });
  await w.chat.login(email, password);
  w.calls = new Calls(w.chat);
  w.ended = null;
  w.calls.on("incoming", async (c) => {
    const call = await w.calls.accept(c.id);
    w.session = await CallSession.open(w.calls, call, { rtc: w.rtc });
    w.session.on("ended", (x) => (w.ended = x.endReason));
  });
};
w.startCall = async (conversationId) => {
  const call = await w.calls.start(conversationId, { video: true });
  w.session = await CallSession.open(w.calls, call, { rtc: w.rtc });
  w.session.on("ended", (x) => (w.ended = x.endReason));
  return call.id;
};
w.inbound = async () => {
  if (!w.session) return null;
  const out = { audioBytes: 0, videoBytes: 0, frames: 0, relay: false, state: w.session.pc.connectionState };
  const stats = await w.session.pc.getStats();
  let pair;
  stats.forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") out.audioBytes += r.bytesReceived || 0;
    if (r.type === "inbound-rtp" && r.kind === "video") { out.videoBytes += r.bytesReceived || 0; out.frames += r.framesDecoded || 0; }
    if (r.type === "transport" && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId);
  });
  const local = pair && stats.get(pair.localCandidateId);
  out.relay = !!local && local.candidateType === "relay";
  return out;
};
`;

async function bundle(): Promise<string> {
  const out = await build({
    stdin: { contents: PAGE_SCRIPT, resolveDir: ROOT, loader: "ts", sourcefile: "calls-page.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

/** The host page's origin: the test page and the SDK bundle. */
async function serve(js: string): Promise<{ origin: string; server: Server }> {
  const server = createServer((req, res) => {
    if (req.url === "/calls.js") return void res.writeHead(200, { "Content-Type": "text/javascript" }).end(js);
    res
      .writeHead(200, { "Content-Type": "text/html" })
      .end('<!doctype html><meta charset="utf-8"><title>Calls</title><script type="module" src="/calls.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe("@parley/sdk/calls in Chromium", { skip: BROWSER_SKIP }, () => {
  let browser: Browser;
  let host: { origin: string; server: Server };
  let turn: ChildProcess | undefined;
  let turnDir: string | undefined;
  const secret = `calls-browser-${randomBytes(8).toString("hex")}`;
  const servers: TestServer[] = [];

  before(async () => {
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
        "--disable-features=WebRtcHideLocalIpsWithMdns",
      ],
    });
  });

  after(async () => {
    await browser?.close();
    host?.server.closeAllConnections();
    await new Promise<void>((resolve) => (host ? host.server.close(() => resolve()) : resolve()));
    for (const s of servers) await s.close();
    if (turn && turn.exitCode === null) {
      const exited = new Promise((resolve) => turn!.once("exit", resolve));
      turn.kill("SIGTERM");
      await exited;
    }
    if (turnDir) await rm(turnDir, { recursive: true, force: true });
  });

  /** Ann calls Ben, Ben answers; media flows both ways; Ann mutes her camera; Ben hangs up. */
  async function callBetweenTwoPages(s: TestServer, rtc: RTCConfiguration | undefined): Promise<{ relay: boolean }> {
    const tenant = await s.createTenant("Calls in a browser", [host.origin]);
    const ann = await s.api.register(tenant.id, { email: `ann-${randomBytes(3).toString("hex")}@example.com` });
    const ben = await s.api.register(tenant.id, { email: `ben-${randomBytes(3).toString("hex")}@example.com` });
    const dm = (await s.api.post("/conversations/direct", { token: ann.accessToken, body: { userId: ben.user.id } })).body.conversation.id as string;
    const pages: Page[] = [];
    for (const who of [ann, ben]) {
      const page = await (await browser.newContext()).newPage();
      await page.goto(host.origin);
      await page.waitForFunction(() => typeof (window as unknown as { signIn?: unknown }).signIn === "function");
      await page.evaluate((r) => ((window as unknown as { rtc: unknown }).rtc = r), rtc ?? null);
      await page.evaluate(
        ([server, appId, email]) => (window as any).signIn(server, appId, email, "correct horse battery"),
        [s.url, tenant.id, who.user.email!],
      );
      pages.push(page);
    }
    const [annPage, benPage] = pages as [Page, Page];
    await annPage.evaluate((id) => (window as any).startCall(id), dm);
    type Inbound = { audioBytes: number; videoBytes: number; frames: number; relay: boolean; state: string };
    const read = (p: Page): Promise<Inbound | null> => p.evaluate(() => (window as any).inbound());
    // Flowing: both sides connected, then each reading above the one before (no fixed wait).
    const flowing = async (p: Page): Promise<Inbound> => {
      let first: Inbound | null = null;
      const deadline = Date.now() + 30_000;
      for (;;) {
        const now = await read(p);
        if (now && now.state === "connected" && now.frames > 0) {
          if (first && now.audioBytes > first.audioBytes && now.videoBytes > first.videoBytes && now.frames > first.frames) return now;
          first ??= now;
        }
        assert.ok(Date.now() < deadline, `media did not flow: ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const [a, b] = await Promise.all([flowing(annPage), flowing(benPage)]);
    assert.equal(
      await annPage.evaluate(() => ((window as any).session.mute("video", true), (window as any).session.localStream.getVideoTracks()[0].enabled)),
      false,
    );
    await benPage.evaluate(() => (window as any).session.hangUp());
    for (const p of pages) await p.waitForFunction(() => (window as any).ended === "completed", undefined, { timeout: 10_000 });
    for (const p of pages) await p.context().close();
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
    turnDir = await mkdtemp(path.join(tmpdir(), "parley-turn-browser-"));
    const conf = [
      "listening-ip=127.0.0.1",
      "relay-ip=127.0.0.1",
      `listening-port=${TURN_PORT}`,
      "min-port=21000",
      "max-port=21099",
      "fingerprint",
      "use-auth-secret",
      `static-auth-secret=${secret}`,
      "realm=parley.test",
      "no-tls",
      "no-dtls",
      "no-cli",
      "allow-loopback-peers",
      "no-multicast-peers",
      "simple-log",
    ].join("\n");
    await writeFile(path.join(turnDir, "turnserver.conf"), conf);
    turn = spawn("turnserver", ["-c", path.join(turnDir, "turnserver.conf"), "--log-file", path.join(turnDir, "turnserver.log")], { stdio: "ignore" });
    await stunAnswers(TURN_PORT);
    const s = await startServer({ TURN_URLS: `turn:127.0.0.1:${TURN_PORT}?transport=udp`, TURN_SECRET: secret });
    servers.push(s);
    const { relay } = await callBetweenTwoPages(s, { iceTransportPolicy: "relay" });
    assert.ok(relay, "both sides' selected candidate pair is a relay");
  });
});
