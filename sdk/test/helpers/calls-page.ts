// What the SDK's browser call tests share (calls-*-browser.test.ts): the page (the SDK's sources
// built for the browser with a few steps the test drives), the host origin serving it, the
// browsers with fake camera and microphone (Chromium through playwright-core, Firefox ESR through
// puppeteer-core over WebDriver BiDi), a coturn on loopback, and the wait for media that flows.
// How each browser and coturn are set up on loopback: ../shared/notes/calls-on-this-machine.md.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { build } from "esbuild";
import { type Browser, type BrowserServer, chromium, type Page as PlaywrightPage } from "playwright-core";
import type { Browser as PuppeteerBrowser, Page as PuppeteerPage } from "puppeteer-core";
import { stunAnswers } from "../../../server/test/helpers/calls.js";
import { takeMachineLock } from "../../../server/test/helpers/machine-lock.js";
import { CHROMIUM_PATH } from "../../../widget/test/helpers/browser.js";

const ROOT = path.resolve(import.meta.dirname, "../../..");

/**
 * A 1:1 call page: `signIn` answers every incoming call with a CallSession; `startCall` rings;
 * `inbound()` reads the session's getStats() (in both engines); `w.states` keeps every ICE state
 * the session went through and `w.ended` the end reason, so a test can wait for them. Set before
 * signing in: `w.rtc` (RTCConfiguration), `w.sessionOptions`, `w.turnVia` (a TURN URL of its own).
 */
export const ONE_TO_ONE_PAGE = `
import { ChatClient } from "./sdk/src/index.ts";
import { Calls, CallSession } from "./sdk/src/calls.ts";
const w = window;
w.rtc = null;
w.sessionOptions = {};
/** With w.turnVia, the page reaches TURN only there (its own network, helpers/network-link.ts), with Parley's credentials. */
const rtcFor = async () => {
  if (!w.turnVia) return w.rtc ? { rtc: w.rtc } : {};
  const { iceServers } = await w.calls.iceServers();
  return { rtc: { ...w.rtc, iceServers: iceServers.filter((s) => s.username).map((s) => ({ ...s, urls: [w.turnVia] })) } };
};
const opened = (s) => {
  w.session = s;
  w.states = [];
  w.stateTimes = [];
  s.pc.addEventListener("iceconnectionstatechange", () => (w.states.push(s.pc.iceConnectionState), w.stateTimes.push(Math.round(performance.now()))));
  s.on("ended", (x) => (w.ended = x.endReason));
};
w.signIn = async (server, appId, email, password) => {
  w.chat = new ChatClient({ server, appId });
  await w.chat.login(email, password);
  w.calls = new Calls(w.chat);
  w.ended = null;
  w.calls.on("incoming", async (c) => {
    const call = await w.calls.accept(c.id);
    opened(await CallSession.open(w.calls, call, { ...w.sessionOptions, ...(await rtcFor()) }));
  });
};
w.startCall = async (conversationId) => {
  const call = await w.calls.start(conversationId, { video: true });
  opened(await CallSession.open(w.calls, call, { ...w.sessionOptions, ...(await rtcFor()) }));
  return call.id;
};
w.inbound = async () => {
  if (!w.session) return null;
  const pc = w.session.pc;
  const out = { audioBytes: 0, videoBytes: 0, frames: 0, relay: false, state: pc.connectionState, ice: pc.iceConnectionState };
  const stats = await pc.getStats();
  let pair;
  stats.forEach((r) => {
    if (r.type === "inbound-rtp" && r.kind === "audio") out.audioBytes += r.bytesReceived || 0;
    if (r.type === "inbound-rtp" && r.kind === "video") { out.videoBytes += r.bytesReceived || 0; out.frames += r.framesDecoded || 0; }
    // Chromium names the pair on its transport; Firefox has no transport stats, only the pair.
    if (r.type === "transport" && r.selectedCandidatePairId) pair = stats.get(r.selectedCandidatePairId);
    if (r.type === "candidate-pair" && r.selected) pair = r;
  });
  const local = pair && stats.get(pair.localCandidateId);
  out.relay = !!local && local.candidateType === "relay";
  return out;
};
`;

/** The page script built for the browser (esbuild, from the SDK's sources). */
async function bundle(script: string): Promise<string> {
  const out = await build({
    stdin: { contents: script, resolveDir: ROOT, loader: "ts", sourcefile: "calls-page.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return out.outputFiles[0]!.text;
}

export interface CallsHost {
  /** The host page's origin (an app's allowed origin); `/` is the page. */
  origin: string;
  close(): Promise<void>;
}

/** Serves `script` (built) as the page of an origin on loopback (a secure context, so getUserMedia works over http). */
export async function serveCallsPage(script: string): Promise<CallsHost> {
  const js = await bundle(script);
  const server = createServer((req, res) => {
    if (req.url === "/calls.js") return void res.writeHead(200, { "Content-Type": "text/javascript" }).end(js);
    res
      .writeHead(200, { "Content-Type": "text/html" })
      .end('<!doctype html><meta charset="utf-8"><title>Calls</title><script type="module" src="/calls.js"></script>');
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Chromium's flags for calls: fake devices, no permission prompt; ICE sockets on 0.0.0.0 so the
 * kernel picks a loopback source (and Janus's 127.0.0.2 is reached), no mDNS, no DNS out.
 */
export const CHROMIUM_CALL_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--use-fake-device-for-media-stream",
  "--use-fake-ui-for-media-stream",
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];
/** For relay-only and SFU calls: every ICE socket on loopback (no host candidates are offered at all). */
export const LOOPBACK_ONLY_ARGS = ["--webrtc-ip-handling-policy=default_public_interface_only"];

const chromiumOptions = (extra: string[]) => ({ executablePath: CHROMIUM_PATH ?? "chromium", headless: true, args: [...CHROMIUM_CALL_ARGS, ...extra] });

export function launchCallsChromium(extra: string[] = []): Promise<Browser> {
  return chromium.launch(chromiumOptions(extra));
}

/** A Chromium of its own process, which a test may kill (`kill()`: SIGKILL, no goodbye to anyone). */
export async function launchKillableChromium(extra: string[] = []): Promise<{ browser: Browser; server: BrowserServer }> {
  const server = await chromium.launchServer(chromiumOptions(extra));
  return { browser: await chromium.connect(server.wsEndpoint()), server };
}

export const FIREFOX_PATH = "/usr/bin/firefox-esr";
/** Why a Firefox test is skipped (never under CI=true, where a missing Firefox fails), or false. */
export const firefoxSkip: string | false =
  existsSync(FIREFOX_PATH) || process.env["CI"] === "true" ? false : `no Firefox ESR at ${FIREFOX_PATH} (apt-get install firefox-esr)`;

/** Firefox ESR with fake devices, over WebDriver BiDi (puppeteer-core, imported only here). */
export async function launchCallsFirefox(): Promise<PuppeteerBrowser> {
  const { default: puppeteer } = await import("puppeteer-core");
  return puppeteer.launch({
    browser: "firefox",
    protocol: "webDriverBiDi",
    executablePath: FIREFOX_PATH,
    headless: true,
    extraPrefsFirefox: {
      "media.navigator.streams.fake": true,
      "media.navigator.permission.disabled": true,
      // Plain addresses in candidates (Chromium does not resolve Firefox's mDNS names here), and
      // ICE on loopback too (a TURN server on 127.0.0.1 needs it).
      "media.peerconnection.ice.obfuscate_host_addresses": false,
      "media.peerconnection.ice.loopback": true,
      // No DNS out of the machine.
      "network.dns.native-is-localhost": true,
      "network.dns.native_https_query": false,
    },
  });
}

/** A page as the tests drive it, whichever the engine: script run in it (an expression), answering JSON. */
export interface CallPage {
  run<T>(expression: string): Promise<T>;
  close(): Promise<void>;
}

/**
 * A script call that has not answered in 60 s fails naming the call: left alone, a Firefox call
 * that never answers ends only at puppeteer's 180 s protocol timeout, saying nothing of which.
 */
function answered<T>(engine: string, expression: string, answer: Promise<T>, ms = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${engine} did not answer ${expression.slice(0, 80)} within ${ms / 1000} s`)), ms);
  });
  return Promise.race([answer, late]).finally(() => clearTimeout(timer));
}

export const playwrightPage = (page: PlaywrightPage): CallPage => ({
  run: (expression) => answered("Chromium", expression, page.evaluate(expression)),
  close: () => page.context().close(),
});

export const puppeteerPage = (page: PuppeteerPage): CallPage => ({
  run: (expression) => answered("Firefox", expression, page.evaluate(expression) as Promise<never>),
  close: () => page.close(),
});

/** `fn(args)` as an expression for `run`: the arguments go in as JSON. */
export const call = (fn: string, ...args: unknown[]): string => `${fn}(${args.map((a) => JSON.stringify(a)).join(", ")})`;

/** Waits (polling the page, never a fixed sleep) until `expression` is truthy; fails with `what` after `ms`. */
export async function waitIn(page: CallPage, expression: string, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await page.run<boolean>(`!!(${expression})`))) {
    assert.ok(Date.now() < deadline, `timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Signs `email` in on a loaded page (its `signIn`; `setup` runs before), and waits for the socket:
 * a call started, or rung, before it is connected would not be heard.
 */
export async function signIn(page: CallPage, url: string, appId: string, email: string, setup = ""): Promise<void> {
  await waitIn(page, `typeof window.signIn === "function"`, "the page's script");
  if (setup) await page.run(setup);
  await page.run(call("window.signIn", url, appId, email, "correct horse battery"));
  await waitIn(page, `window.chat.store.state.connection === "connected"`, "the page's socket connected");
}

/** What ONE_TO_ONE_PAGE's `inbound()` reads. */
export interface Inbound {
  audioBytes: number;
  videoBytes: number;
  frames: number;
  relay: boolean;
  state: string;
  ice: string;
}

/**
 * Media flows into `page`: connected, then each reading of getStats() above the one before
 * (audio and video bytes, decoded frames). Answers the last reading.
 */
export async function flowing(page: CallPage, ms = 30_000): Promise<Inbound> {
  let first: Inbound | null = null;
  const deadline = Date.now() + ms;
  for (;;) {
    const now = await page.run<Inbound | null>("window.inbound()");
    if (now && now.state === "connected" && now.frames > 0) {
      if (first && now.audioBytes > first.audioBytes && now.videoBytes > first.videoBytes && now.frames > first.frames) return now;
      first ??= now;
    } else first = null;
    assert.ok(Date.now() < deadline, `media did not flow: ${JSON.stringify(now)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export interface TestTurn {
  port: number;
  secret: string;
  stop(): Promise<void>;
}

export const hasTurn = spawnSync("sh", ["-c", "command -v turnserver"]).status === 0;

/**
 * A coturn on loopback with TURN REST auth (`use-auth-secret`), in the foreground as a child;
 * `stop()` ends it by its pid. `relayIp` 127.0.0.2 for browsers that reach Janus through it (Janus's
 * sockets, bound to the veth carrying 127.0.0.2, cannot send to 127.0.0.1).
 */
export async function startTurn(secret: string, { port = 13478, relayIp = "127.0.0.1" } = {}): Promise<TestTurn> {
  // The port and relay range are the machine's (server/test/calls-turn.test.ts takes them too).
  const release = await takeMachineLock(`turn-${port}`);
  const dir = await mkdtemp(path.join(tmpdir(), "parley-turn-browser-"));
  const conf = [
    "listening-ip=127.0.0.1",
    `relay-ip=${relayIp}`,
    `listening-port=${port}`,
    // Below the ephemeral range.
    "min-port=21000",
    "max-port=21099",
    "fingerprint",
    "use-auth-secret",
    `static-auth-secret=${secret}`,
    "realm=parley.test",
    "no-tls",
    "no-dtls",
    // coturn refuses loopback peers unless told, and that needs its CLI off.
    "no-cli",
    "allow-loopback-peers",
    "no-multicast-peers",
    "simple-log",
  ].join("\n");
  await writeFile(path.join(dir, "turnserver.conf"), conf);
  const child: ChildProcess = spawn("turnserver", ["-c", path.join(dir, "turnserver.conf"), "--log-file", path.join(dir, "turnserver.log")], {
    stdio: "ignore",
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    await exited;
    await rm(dir, { recursive: true, force: true });
    release();
  };
  try {
    await stunAnswers(port);
  } catch (err) {
    await stop();
    throw err;
  }
  return { port, secret, stop };
}
