// An AI agent's reply in the widget (issue 54), in Chromium with a real server and an
// OpenAI-compatible model server started here (server/test/helpers/model-server.ts: server-sent
// events, scripted tokens), reached through a valve that holds an answer where the test asks.
// Two members of a group watch the agent's reply grow; a third opens the group mid-stream; all see
// the final text once, equal to the tokens joined, marked "AI"; a screen reader hears it once,
// finished. The server API's appends retried at the same offset change nothing on screen. A
// member's Stop ends the reply on the server and in every member's widget within a second, and
// the model's connection is closed. A model that answers 500 ends the reply with why. In a DM
// with the agent, "Talk to a person" stops the reply being written, hands the conversation to the
// moderators and opens the group made for it. The chunk comes only for conversations with an agent. Screenshots:
// docs/screenshots/agents-stream-{phone,desktop}-{light,dark}.png (a reply being written, Stop,
// and "Talk to a person").
import assert from "node:assert/strict";
import { mkdir } from "node:fs/promises";
import { createServer, request as forward, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { Agent, AuthResponse, Conversation, Message } from "@parley/sdk/protocol";
import { startServer, type TestServer } from "../../server/test/helpers/harness.js";
import { ModelServer } from "../../server/test/helpers/model-server.js";
import { axeSerious } from "./helpers/a11y.js";
import {
  BROWSER_SKIP,
  eventually,
  expectText,
  hostPageHtml,
  launchBrowser,
  loginViaForm,
  openMessageMenu,
  startHostSite,
  type HostSite,
} from "./helpers/browser.js";
import { DESKTOP, openDevicePage, PHONE, withViewportMeta, type DeviceTab } from "./helpers/devices.js";

const SCREENSHOTS = path.resolve(import.meta.dirname, "../../docs/screenshots");
const PASSWORD = "correct horse battery";
/** The streamed replies' chunk, as the build names it. */
const STREAM_CHUNK = /\/stream-card-[\w-]+\.js$/;
/** Words the scripted model answers with, one token each. */
const WORDS = "Our spring collection is in : linen shirts , canvas shoes and a new rain jacket . Orders over fifty euros ship free this week .".split(" ");
const TOKENS = WORDS.map((w) => `${w} `);
const ANSWER = TOKENS.join("");

/**
 * The model server as the agent reaches it, behind a valve: answers pass as they come until the
 * test asks to hold one after a token; the rest of it then waits for `release()`. So "mid-stream" is
 * a state the test makes and waits for, not a race between the model's pace and the machine's
 * (on two busy cores a member's page took longer to open than the whole 3 s reply). A connection
 * closed on one side is closed on the other: a Stop still closes the model's.
 */
class Valve {
  url = "";
  private server: Server | undefined;
  /** The token to hold after, as an answer's chunk carries it. */
  private marker: string | undefined;
  private resume: (() => void) | undefined;

  async start(modelUrl: string): Promise<void> {
    const model = new URL(modelUrl);
    this.server = createServer((req, res) => {
      const upstream = forward({ host: model.hostname, port: model.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        let recent = "";
        answer.on("data", (chunk: Buffer) => {
          res.write(chunk);
          recent = (recent + chunk.toString("utf8")).slice(-1000);
          if (this.marker && recent.includes(this.marker)) {
            this.marker = undefined;
            answer.pause();
            this.resume = () => answer.resume();
          }
        });
        answer.on("end", () => res.end());
        answer.on("close", () => answer.complete || res.destroy());
      });
      upstream.on("error", () => res.destroy());
      res.on("close", () => upstream.destroy());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${model.pathname}`;
  }

  /** The next answer to carry `token` is held right after it (until `release()`). */
  holdAfter(token: string): void {
    this.marker = `"content":${JSON.stringify(token)}`;
  }

  /** Whether an answer is held now. */
  get holding(): boolean {
    return this.resume !== undefined;
  }

  /** Lets the held answer go on (to the next hold asked for, if any). */
  release(): void {
    const resume = this.resume;
    this.resume = undefined;
    resume?.();
  }

  /** Holds nothing more, and lets the held answer go on. */
  open(): void {
    this.marker = undefined;
    this.release();
  }

  async close(): Promise<void> {
    this.open();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The agent's replies in a page (the messages marked "AI"). */
const replies = (page: Page) => page.locator("parley-thread li[part~=message]").filter({ has: page.locator("[part=ai-badge]") });
/** The text of the agent's last reply on screen ("" before it has any). */
const lastReplyText = (page: Page) =>
  replies(page)
    .last()
    .locator("[part=message-text]")
    .textContent({ timeout: 200 })
    .then(
      (t) => t ?? "",
      () => "",
    );

describe("an AI agent's reply in the widget", { timeout: 600_000, skip: BROWSER_SKIP }, () => {
  let s: TestServer;
  let site: HostSite;
  let browser: Browser;
  let app: string;
  let key: { id: string; secret: string };
  let agent: Agent;
  let group = "";
  const models = new ModelServer();
  const valve = new Valve();
  const users: Record<"ann" | "ben" | "cat" | "dan", AuthResponse> = {} as never;
  const email = (who: string) => `${who}.agents@example.com`;
  const tabs: DeviceTab[] = [];

  const srv = <T = unknown>(method: string, p: string, body?: unknown) =>
    s.api.req<T>(method, `/server${p}`, { body, headers: { Authorization: `Basic ${Buffer.from(`${key.id}:${key.secret}`).toString("base64")}` } });
  /** The agent answers with `script` from now on (its model's name picks the script). */
  async function answerWith(model: string): Promise<void> {
    const r = await srv(`PATCH`, `/agents/${agent.id}`, { model });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  }
  async function ask(who: keyof typeof users, conversationId: string, text: string): Promise<Message> {
    const r = await s.api.post<Message>(`/conversations/${conversationId}/messages`, {
      app,
      token: users[who].accessToken,
      body: { text: `@Shop helper ${text}`, mentions: [agent.userId] },
    });
    assert.equal(r.status, 201, JSON.stringify(r.body));
    return r.body;
  }
  async function open(who: keyof typeof users, conversationId: string, device: typeof DESKTOP | typeof PHONE, theme: "light" | "dark" = "light") {
    const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app, theme }));
    const tab = await openDevicePage(browser, site.page(`/${who}-${tabs.length}`, html), device, { colorScheme: theme });
    tabs.push(tab);
    const chunks: string[] = [];
    tab.page.on("request", (r) => STREAM_CHUNK.test(new URL(r.url()).pathname) && chunks.push(r.url()));
    await loginViaForm(tab.page, { email: email(who), password: PASSWORD });
    await tab.page.locator(`[part=conversation][data-id="${conversationId}"]`).click({ timeout: 15_000 });
    await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
    // The pointer off the messages to come (a hovered message shows its toolbar).
    await tab.page.mouse.move(1, 1);
    return { ...tab, chunks };
  }

  before(async () => {
    await models.start();
    await valve.start(models.url);
    // Answers are held while pages open: no limit on a reply's pace is tested here, none is near.
    s = await startServer({
      AGENT_ALLOW_PRIVATE: "1",
      AGENT_FIRST_TOKEN_SEC: "120",
      AGENT_IDLE_SEC: "120",
      STREAM_IDLE_TIMEOUT_SEC: "120",
      STREAM_SWEEP_SEC: "0.2",
    });
    site = await startHostSite();
    app = (await s.createTenant("Agents widget", [site.origin])).id;
    key = await s.services.serverKeys.create(app);
    for (const [who, name] of [
      ["ann", "Ann Shopper"],
      ["ben", "Ben Shopper"],
      ["cat", "Cat Shopper"],
      ["dan", "Dan Shopper"],
    ] as const)
      users[who] = await s.api.register(app, { email: email(who), password: PASSWORD, displayName: name });
    models.scripts.set("words", { kind: "tokens", tokens: TOKENS, gapMs: 120 });
    models.scripts.set("slow", { kind: "tokens", tokens: TOKENS, gapMs: 700 });
    models.scripts.set("broken", { kind: "status", status: 500 });
    const made = await srv<Agent>("POST", "/agents", {
      sub: "shop-helper",
      name: "Shop helper",
      endpoint: valve.url,
      model: "words",
      apiKey: "sk-test-widget",
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    agent = made.body;
    const created = await s.api.post<{ conversation: Conversation }>("/conversations", {
      app,
      token: users.ann.accessToken,
      body: { name: "Shop questions", memberIds: [users.ben.user.id, users.cat.user.id, agent.userId] },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    group = created.body.conversation.id;
    assert.ok(
      created.body.conversation.users.find((u) => u.id === agent.userId)?.agent,
      "the agent's user is marked as one (User.agent) wherever users are answered",
    );
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await site?.close();
    // Before the server: a reply still held would keep its shutdown waiting.
    await valve.close();
    await s?.close();
    await models.close();
  });

  test("two members watch the reply grow; a third opens mid-stream; each sees the final text once, marked AI, heard once", async () => {
    const ann = await open("ann", group, DESKTOP);
    const ben = await open("ben", group, PHONE, "dark");
    assert.equal(ann.chunks.length, 1, "a conversation with an agent fetches the streams' chunk when it opens");
    // The model's answer is held after its third word, and later after its sixteenth: the reply
    // is under way while Cat's page opens, and Ann sees it at three lengths at least.
    valve.holdAfter("collection ");
    await ask("ann", group, "what is new?");

    // Ann's widget: the text grows (each length a prefix of the answer, longer than the last), then ends.
    const seen: string[] = [];
    const grows = async (message: string) => {
      const text = await eventually(() => lastReplyText(ann.page), {
        timeout: 30_000,
        interval: 50,
        check: (t) => t.trimEnd().length > (seen.at(-1)?.trimEnd().length ?? 0),
        message,
      });
      assert.ok(ANSWER.startsWith(text.trimEnd()), `a prefix of the answer: ${JSON.stringify(text)}`);
      seen.push(text);
    };
    await grows("Ann sees the reply begin");
    await eventually(() => valve.holding, { timeout: 30_000, check: Boolean, message: "the answer held after its third word" });
    // Cat opens the group mid-stream: the reply as far as it has come, with its Stop.
    const cat = await open("cat", group, DESKTOP, "dark");
    await cat.page.locator("[part=stream-stop]").waitFor({ state: "visible", timeout: 15_000 });
    const early = await eventually(() => lastReplyText(cat.page), { check: (t) => t.length > 0, message: "Cat sees the reply so far" });
    assert.ok(ANSWER.startsWith(early.trimEnd()) && early.trim() !== ANSWER.trim(), `Cat: a beginning of the answer: ${JSON.stringify(early)}`);
    valve.holdAfter("jacket ");
    valve.release();
    await eventually(() => valve.holding, { timeout: 30_000, check: Boolean, message: "the answer held after its sixteenth word" });
    await grows("Ann sees the reply grow");
    valve.release();
    await eventually(async () => (await lastReplyText(ann.page)).trim() === ANSWER.trim() && (await ann.page.locator("[part=stream-stop]").count()) === 0, {
      timeout: 30_000,
      interval: 50,
      check: Boolean,
      message: "Ann sees the whole answer, ended",
    });
    const lengths = [...seen, ANSWER].map((t) => t.trimEnd().length);
    assert.ok(
      lengths.every((n, i) => i === 0 || n > lengths[i - 1]!),
      `the reply grew on screen, three lengths at least (seen: ${lengths.join(", ")})`,
    );

    for (const [who, page] of [
      ["Ann", ann.page],
      ["Ben", ben.page],
      ["Cat", cat.page],
    ] as const) {
      await expectText(replies(page).last().locator("[part=message-text]"), ANSWER.trim(), 10_000);
      assert.equal(await replies(page).count(), 1, `${who}: the reply once`);
      assert.equal((await replies(page).locator("[part=ai-badge] [aria-hidden]").textContent())?.trim(), "AI");
      assert.equal(await page.locator("[part=stream-stop]").count(), 0, `${who}: no Stop once it ended`);
    }
    // A screen reader hears it once, whole (not word by word as it grew).
    const heard = await ann.page.locator("parley-thread [role=log] p").allTextContents();
    assert.deepEqual(
      heard.filter((h) => h.startsWith("Shop helper")),
      [`Shop helper: ${ANSWER}`],
    );
    assert.deepEqual(await axeSerious(ben.page), [], "axe: nothing serious on the phone, dark");
    assert.deepEqual([...ann.errors, ...ben.errors, ...cat.errors], []);
  });

  test("the server API's appends retried at the same offset change nothing on screen", async () => {
    const ann = tabs[0]!;
    const start = await srv<Message>("POST", `/conversations/${group}/streams`, { from: "shop-helper", text: "" });
    assert.equal(start.status, 201, JSON.stringify(start.body));
    const id = start.body.id;
    const append = (offset: number, text: string) => srv("POST", `/messages/${id}/stream/append`, { offset, text });
    assert.equal((await append(0, "Parcel ")).status, 200);
    assert.equal((await append(0, "Parcel ")).status, 200, "a retried append is answered, not refused");
    assert.equal((await append(7, "shipped ")).status, 200);
    assert.equal((await append(7, "shipped ")).status, 200);
    await expectText(ann.page.locator(`li[data-id="${id}"] [part=message-text]`), "Parcel shipped");
    assert.equal((await srv("POST", `/messages/${id}/stream/finish`, {})).status, 200);
    await eventually(() => ann.page.locator(`li[data-id="${id}"] [part=stream-stop]`).count(), { check: (n) => n === 0 });
    await expectText(ann.page.locator(`li[data-id="${id}"] [part=message-text]`), "Parcel shipped");
  });

  test("Stop: the reply ends within a second on the server and in every member's widget; the model's connection is closed", async () => {
    const [ann, ben] = [tabs[0]!.page, tabs[1]!.page];
    await answerWith("slow");
    const asked = await ask("ben", group, "tell me everything");
    // The reply has begun in both widgets: its Stop is there.
    for (const page of [ann, ben]) await page.locator("[part=stream-stop]").waitFor({ state: "visible", timeout: 15_000 });
    const request = await eventually(() => models.for("slow")[0], { check: Boolean });
    const stopped = Date.now();
    await ben.locator("[part=stream-stop]").click();
    const within = { timeout: 1_000, interval: 25 };
    await Promise.all([
      ...[ann, ben].map((page) =>
        eventually(
          async () => (await page.locator("[part=stream-stop]").count()) === 0 && (await replies(page).last().locator("[part=stream-end]").textContent()),
          {
            ...within,
            check: (t) => t === "Stopped",
            message: "the widget shows the reply stopped",
          },
        ),
      ),
      eventually(
        async () => {
          const page = await s.api.get<{ items: Message[] }>(`/conversations/${group}/messages?limit=5`, { app, token: users.ann.accessToken });
          return page.body.items.find((m) => m.replyToId === asked.id)?.stream?.state;
        },
        { ...within, check: (state) => state === "stopped", message: "the server has it stopped" },
      ),
      Promise.race([request!.closedEarly, new Promise((_, reject) => setTimeout(() => reject(new Error("the model's connection is still open")), 1_000))]),
    ]);
    const text = await lastReplyText(ann);
    assert.ok(text.length < ANSWER.length && ANSWER.startsWith(text.trimEnd()), `it kept the words it had: ${JSON.stringify(text)}`);
    console.log(`# Stop to every widget, the server and the model's connection: ${Date.now() - stopped} ms`);
  });

  test("a model that answers 500: the reply ends saying it could not be finished", async () => {
    const ann = tabs[0]!.page;
    await answerWith("broken");
    await ask("ann", group, "are you there?");
    await expectText(replies(ann).last().locator("[part=stream-end]"), /^The reply could not be finished\./, 15_000);
    assert.equal(await ann.locator("[part=stream-stop]").count(), 0);
  });

  test("a DM with the agent: Stop and Talk to a person while it writes (screenshots: phone and desktop, light and dark); Talk to a person stops the reply and opens the group with the moderators", async () => {
    const { user: mod } = await s.services.users.upsertBySub({ appId: app, server: "test" }, { sub: "mod-sub", name: "Mo Derator" });
    assert.equal((await srv("PUT", "/moderators/mod-sub")).status < 300, true);
    assert.equal((await srv("PUT", "/agent-settings", { handoffTo: "moderators" })).status, 200);
    const dm = await s.api.post<{ conversation: Conversation }>("/conversations/direct", { app, token: users.dan.accessToken, body: { userId: agent.userId } });
    assert.ok(dm.status < 300, JSON.stringify(dm.body));
    const dmId = dm.body.conversation.id;
    await answerWith("slow");
    // Held after its seventh word until the hand-off: the reply is being written in every screenshot.
    valve.holdAfter("linen ");

    const shots: [string, typeof PHONE | typeof DESKTOP, "light" | "dark"][] = [
      ["phone-light", PHONE, "light"],
      ["phone-dark", PHONE, "dark"],
      ["desktop-light", DESKTOP, "light"],
      ["desktop-dark", DESKTOP, "dark"],
    ];
    const pages: Page[] = [];
    for (const [, device, theme] of shots) pages.push((await open("dan", dmId, device, theme)).page);
    const asked = await s.api.post<Message>(`/conversations/${dmId}/messages`, {
      app,
      token: users.dan.accessToken,
      body: { text: "Where is my order #1042?" },
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));
    await eventually(() => valve.holding, { timeout: 30_000, check: Boolean, message: "the answer held after its seventh word" });
    // Each page once the reply shows a few words, Stop and Talk to a person.
    for (const [i, [name]] of shots.entries()) {
      const page = pages[i]!;
      await eventually(() => lastReplyText(page), { timeout: 20_000, check: (t) => t.split(" ").length >= 4 });
      await page.locator("[part=stream-stop]").waitFor({ state: "visible" });
      await page.locator("[part=talk-to-person]").waitFor({ state: "visible" });
      await page.screenshot({ path: path.join(SCREENSHOTS, `agents-stream-${name}.png`) });
    }
    assert.deepEqual(await axeSerious(pages[2]!), [], "axe: nothing serious on the desktop, light");

    // Talk to a person: the group made for it opens, with the moderator in it.
    const desktop = pages[2]!;
    await desktop.locator("[part=talk-to-person]").click();
    const handed = await eventually(
      async () => {
        const list = await s.api.get<{ items: Conversation[] }>("/conversations", { app, token: users.dan.accessToken });
        return list.body.items.find((c) => c.kind === "group" && c.users.some((u) => u.id === mod.id));
      },
      { timeout: 10_000, check: Boolean, message: "a group with the moderator" },
    );
    await eventually(
      () =>
        desktop.evaluate(`(() => {
          const find = (root) => root.querySelector("parley-chat") || [...root.querySelectorAll("*")].map((el) => el.shadowRoot && find(el.shadowRoot)).find(Boolean);
          const chat = find(document);
          return chat && chat.view === "thread" ? chat.activeId : "";
        })()`),
      { check: (id) => id === handed!.id, message: "the widget opens the group made for the hand-off" },
    );
    // The reply being written stopped with the hand-off (the DM, on the phone).
    await expectText(replies(pages[0]!).last().locator("[part=stream-end]"), "Stopped");
    assert.equal(await pages[0]!.locator("[part=stream-stop]").count(), 0);
    valve.open();
    // Dan's pages are done with: fewer pages for the last test's (on two busy cores).
    for (const tab of tabs.splice(3)) await tab.context.close();
  });
  test("Translate and Summarize: off by default; once the app names its agents, the model's answers in the widget's language, kept (asked again, no model request)", async () => {
    const de = async () => {
      const html = withViewportMeta(hostPageHtml({ parleyUrl: s.url, appId: app })).replace('<html lang="en">', '<html lang="de">');
      const tab = await openDevicePage(browser, site.page(`/ann-de-${tabs.length}`, html), DESKTOP);
      tabs.push(tab);
      await loginViaForm(tab.page, { email: email("ann"), password: PASSWORD });
      await tab.page.locator(`[part=conversation][data-id="${group}"]`).click({ timeout: 15_000 });
      await tab.page.locator("parley-thread [part=composer-input]").waitFor({ state: "visible" });
      return tab.page;
    };
    const note = await s.api.post<Message>(`/conversations/${group}/messages`, {
      app,
      token: users.ben.accessToken,
      body: { text: "The shop opens at nine tomorrow" },
    });
    assert.equal(note.status, 201, JSON.stringify(note.body));
    const moreOf = async (page: Page) => {
      const msg = page.locator(`li[data-id="${note.body.id}"]`);
      await openMessageMenu(msg);
      return msg;
    };

    // Off by default: no Translate in the menu, nothing in the details.
    let page = await de();
    await moreOf(page);
    assert.equal(await page.locator("[part=action-translate]").count(), 0, "no Translate while the app has not turned it on");
    await page.keyboard.press("Escape");

    models.scripts.set("translator", { kind: "tokens", tokens: ["Der Laden ", "öffnet morgen ", "um neun"] });
    models.scripts.set("summarizer", { kind: "tokens", tokens: ["Ben sagt: ", "der Laden öffnet morgen um neun."] });
    const helper = async (sub: string, model: string) => (await srv<Agent>("POST", "/agents", { sub, name: sub, endpoint: models.url, model })).body.id;
    const settings = await srv("PUT", "/agent-settings", {
      handoffTo: "moderators",
      translateAgentId: await helper("translator", "translator"),
      summarizeAgentId: await helper("summarizer", "summarizer"),
    });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));

    page = await de();
    await moreOf(page);
    await page.locator("[part=action-translate]").click();
    await expectText(page.locator(`li[data-id="${note.body.id}"] [part=translation] [lang=de]`), "Der Laden öffnet morgen um neun");
    assert.equal(models.for("translator").length, 1);
    assert.match(models.for("translator")[0]!.body.messages.at(-1)?.content ?? "", /The shop opens at nine tomorrow/);
    // Another page in German: the server's kept translation, no model request.
    const again = await de();
    await moreOf(again);
    await again.locator("[part=action-translate]").click();
    await expectText(again.locator(`li[data-id="${note.body.id}"] [part=translation] [lang=de]`), "Der Laden öffnet morgen um neun");
    assert.equal(models.for("translator").length, 1, "kept: asked again, the model is not");

    // Summarize, from the conversation's details. A summary is of the asker's unread messages (two
    // or more), else of the last ones: once her pages have marked the group read, so that asking
    // twice is asking about the same messages (on a loaded box her read mark moved between the two).
    await eventually(
      async () =>
        (await s.api.get<{ conversation: Conversation }>(`/conversations/${group}`, { app, token: users.ann.accessToken })).body.conversation.unreadCount,
      { timeout: 30_000, check: (n) => n === 0, message: "Ann's pages have marked the group read" },
    );
    await again.locator("[part=info]").click();
    await again.locator("[part=summarize]").click();
    await expectText(again.locator("[part=summary] [lang=de]"), "Ben sagt: der Laden öffnet morgen um neun.");
    await again.locator("[part=summarize]").click();
    await expectText(again.locator("[part=summary] [lang=de]"), "Ben sagt: der Laden öffnet morgen um neun.");
    assert.equal(models.for("summarizer").length, 1, "kept: asked again, the model is not");
    assert.deepEqual(await axeSerious(again), [], "axe: the details with the summary");
  });
});
